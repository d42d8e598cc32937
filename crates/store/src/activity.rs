//! A transaction file's activity while it is applied: per (file date, balance), the count and
//! the sums by (transaction type, money column), kept compactly (types interned, columns by
//! index: by its layout about 200 bytes a balance day, key and map included) and handed out in (date, balance) order, so each balance
//! day's row is written once and in key order.

#[cfg(test)]
use crate::codec::Activity;
use crate::codec::{self, SumOverflow};
use crate::day::TRANSACTION_AMOUNT_COLUMNS;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// One balance day's sums so far.
#[derive(Default)]
struct Acc {
    count: u64,
    /// (type index, column index, sum).
    sums: Vec<(u16, u8, Decimal)>,
}

/// Called with each balance day (date, balance) and its activity blob.
pub(crate) type DayBlob<'f> = &'f mut dyn FnMut(&str, &str, &[u8]) -> crate::Result<()>;

/// Sums by (date, balance), in memory.
#[derive(Default)]
pub(crate) struct Sums {
    /// Transaction types seen (`None`: a null `type` cell).
    types: Vec<Option<String>>,
    days: Vec<(String, HashMap<Box<str>, Acc>)>,
    len: usize,
}

/// Why an amount cannot be summed.
pub(crate) enum AddError {
    /// Not an amount the store writes (the file changed since it was validated).
    Amount(String, String),
    /// The sum would not be exact.
    Overflow(SumOverflow),
}

impl Sums {
    /// Balance days held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Adds one transaction of `ty` on `balance` dated `date`, with its money cells.
    pub(crate) fn add(
        &mut self,
        date: &str,
        balance: &str,
        ty: Option<&str>,
        amounts: &[(&str, &str)],
    ) -> Result<(), AddError> {
        let t = match self.types.iter().position(|x| x.as_deref() == ty) {
            Some(i) => i,
            None => {
                self.types.push(ty.map(str::to_string));
                self.types.len() - 1
            }
        };
        let t = u16::try_from(t).map_err(|_| {
            AddError::Amount("type".into(), "more than 65,535 transaction types".into())
        })?;
        let day = match self.days.iter().position(|(d, _)| d == date) {
            Some(i) => &mut self.days[i].1,
            None => {
                self.days.push((date.to_string(), HashMap::new()));
                &mut self.days.last_mut().expect("just pushed").1
            }
        };
        let acc = match day.get_mut(balance) {
            Some(a) => a,
            None => {
                self.len += 1;
                day.entry(balance.into()).or_default()
            }
        };
        acc.count += 1;
        for (column, text) in amounts {
            let bad = || AddError::Amount(column.to_string(), text.to_string());
            let c = TRANSACTION_AMOUNT_COLUMNS
                .iter()
                .position(|k| k == column)
                .ok_or_else(bad)? as u8;
            let (m, s) = codec::parse_amount(text).ok_or_else(bad)?;
            let v = codec::decimal(m, s).ok_or_else(bad)?;
            match acc.sums.iter_mut().find(|(a, b, _)| *a == t && *b == c) {
                Some(e) => {
                    e.2 = codec::add_exact(e.2, v).ok_or_else(|| {
                        AddError::Overflow(SumOverflow {
                            column: column.to_string(),
                            ty: ty.unwrap_or("null").to_string(),
                            left: e.2.to_string(),
                            right: v.to_string(),
                        })
                    })?;
                }
                None => acc.sums.push((t, c, v)),
            }
        }
        Ok(())
    }

    /// Every balance day held, in (date, balance) order, with its activity blob
    /// ([`Activity::encode`](codec::Activity::encode)), emptying the sums (the types stay).
    pub(crate) fn drain(&mut self, f: DayBlob) -> crate::Result<()> {
        let mut days = std::mem::take(&mut self.days);
        self.len = 0;
        days.sort_by(|a, b| a.0.cmp(&b.0));
        let mut blob = Vec::new();
        for (date, day) in days {
            let mut entries: Vec<(Box<str>, Acc)> = day.into_iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            for (balance, mut acc) in entries {
                let types = &self.types;
                let name = |(t, c): (u16, u8)| {
                    (
                        types[usize::from(t)].as_deref(),
                        TRANSACTION_AMOUNT_COLUMNS[usize::from(c)],
                    )
                };
                acc.sums
                    .sort_by(|a, b| name((a.0, a.1)).cmp(&name((b.0, b.1))));
                blob.clear();
                let sums = acc.sums.iter().map(|(t, c, v)| {
                    let (t, c) = name((*t, *c));
                    (t, c, *v)
                });
                codec::encode_sums(acc.count, sums, &TRANSACTION_AMOUNT_COLUMNS, &mut blob);
                f(&date, &balance, &blob)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_come_out_by_date_and_balance_as_activity_adds_them() {
        let mut s = Sums::default();
        let rows = [
            ("2026-01-28", "b2", Some("debit"), vec![("amount", "-1.50")]),
            ("2026-01-27", "b9", None, vec![("amount", "2")]),
            (
                "2026-01-28",
                "b1",
                Some("credit"),
                vec![("amount", "10.00"), ("fee_amount", "0.25")],
            ),
            ("2026-01-28", "b2", Some("debit"), vec![("amount", "-0.50")]),
            (
                "2026-01-28",
                "b2",
                Some("credit"),
                vec![("amount", "3.125")],
            ),
        ];
        let mut want: Vec<(String, String, Activity)> = Vec::new();
        for (d, b, t, amounts) in &rows {
            s.add(d, b, *t, amounts).ok().unwrap();
            let i = match want.iter().position(|w| w.0 == *d && w.1 == *b) {
                Some(i) => i,
                None => {
                    want.push((d.to_string(), b.to_string(), Activity::default()));
                    want.len() - 1
                }
            };
            want[i].2.count += 1;
            for (c, v) in amounts {
                want[i].2.add(*t, c, v.parse().unwrap()).unwrap();
            }
        }
        assert_eq!(s.len(), 3);
        want.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let mut got = Vec::new();
        s.drain(&mut |d, b, blob| {
            let a = Activity::decode(&TRANSACTION_AMOUNT_COLUMNS, blob).unwrap();
            got.push((d.to_string(), b.to_string(), a));
            Ok(())
        })
        .unwrap();
        assert_eq!(got, want);
        assert_eq!(s.len(), 0);
        // The sum keeps the scale of its terms: -1.50 + -0.50 = -2.00.
        let b2 = &got.iter().find(|g| g.1 == "b2").unwrap().2;
        let debit = b2.sums.iter().find(|x| x.0.as_deref() == Some("debit"));
        assert_eq!(debit.unwrap().2.to_string(), "-2.00");
    }
}
