//! The ACH cash reconciliation report in the bank's fields (spec 06 §8): one row per ACH entry
//! settled on the reported calendar day, header only when nothing settled (weekends, holidays).

use std::borrow::Borrow;
use std::io::Write;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::csv::write_record;
use super::format::{AmountStyle, BankReportFormat};
use crate::error::Error;

/// The report's columns: the field names of spec 06 §8.3, in its order. The page is cut after
/// `ACH ID`; `Statement Descriptor` and `Linked Reversal ID` are named by its text, so they
/// follow. Columns the page may list after them are NOT SEEN and not written.
pub const ACH_CASH_RECON_COLUMNS: [&str; 10] = [
    "Settlement Date",
    "Settlement Code",
    "Settlement Type",
    "Bank Account Id",
    "Bank Account Number",
    "Transaction Type",
    "Amount",
    "ACH ID",
    "Statement Descriptor",
    "Linked Reversal ID",
];

/// `Settlement Type` (spec 06 §8.3): the kind of settlement of an `ach_id`, which may settle
/// several times in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SettlementType {
    /// `ORIGINATION`: the entry itself settled (sent or received).
    Origination,
    /// `RETURN`.
    Return,
    /// `DISHONORED_RETURN`.
    DishonoredReturn,
    /// `CONTESTED_RETURN`.
    ContestedReturn,
}

impl AchSettlement {
    /// The movement on the program account (spec 06 §10.2: the account the activity belongs
    /// to): an entry it originated moves money the other way at its end (an outgoing credit
    /// debits it), one it received the same way (a received credit credits it). A return's
    /// `direction` already runs back, so its account side follows the same rule.
    pub fn account_direction(&self) -> EntryDirection {
        if self.received {
            self.direction
        } else {
            self.direction.flip()
        }
    }
}

impl SettlementType {
    /// The bank's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SettlementType::Origination => "ORIGINATION",
            SettlementType::Return => "RETURN",
            SettlementType::DishonoredReturn => "DISHONORED_RETURN",
            SettlementType::ContestedReturn => "CONTESTED_RETURN",
        }
    }
}

/// Credit or debit, as in `Transaction Type` (`CREDIT` / `DEBIT`, spec 06 §8.3) and the daily
/// activity report's amount columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryDirection {
    /// A credit entry (Nacha transaction codes 21-24, 31-34, …).
    Credit,
    /// A debit entry (Nacha transaction codes 26-29, 36-39, …).
    Debit,
}

impl EntryDirection {
    /// `CREDIT` / `DEBIT`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryDirection::Credit => "CREDIT",
            EntryDirection::Debit => "DEBIT",
        }
    }

    /// The other direction.
    pub fn flip(self) -> EntryDirection {
        match self {
            EntryDirection::Credit => EntryDirection::Debit,
            EntryDirection::Debit => EntryDirection::Credit,
        }
    }
}

/// One settled ACH entry, from the Nacha data bankdrop accepted or received, with the bank
/// account facts the report needs. `direction` is the movement as the entry states it, at the
/// receiver: what the program account sees is [`AchSettlement::account_direction`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AchSettlement {
    /// The day the money settled (`Settlement Date`).
    pub settlement_date: NaiveDate,
    /// The Fed AMI settlement code (`5701`, `5702`, `5703`; their meanings are NOT SEEN).
    pub settlement_code: String,
    /// What settled.
    pub settlement_type: SettlementType,
    /// The platform account the entry posted to (`Bank Account Id`).
    pub bank_account_id: String,
    /// Its root account number (`Bank Account Number`), written as given: mask it before if
    /// the program wants it masked (the page's example is masked, `1XXXXX2854`).
    pub bank_account_number: String,
    /// The entry's own direction (`Transaction Type`): a Nacha credit entry is `CREDIT`.
    pub direction: EntryDirection,
    /// The entry amount in cents (Nacha field 6, `Amount`).
    pub amount_cents: u64,
    /// `ACH ID`. bankdrop has no bank ACH objects; use the entry's trace number unless the
    /// program maps entries to ids.
    pub ach_id: String,
    /// `Statement Descriptor` (e.g. the batch's Company Entry Description).
    pub statement_descriptor: String,
    /// `Linked Reversal ID`: the `ACH ID` a reversal reverses; `None` otherwise.
    pub linked_reversal_id: Option<String>,
    /// The entry's trace number (15 digits).
    pub trace_number: String,
    /// The batch's Effective Entry Date.
    pub effective_date: NaiveDate,
    /// The batch's Company Name.
    pub company_name: String,
    /// The batch's Company Identification.
    pub company_id: String,
    /// The batch's SEC code.
    pub sec_code: String,
    /// True for an entry received from the network (a forward entry in `ach/incoming`), false
    /// for one the partner originated.
    pub received: bool,
}

impl AchSettlement {
    /// The entry amount in dollars, exactly (`amount_cents / 100`).
    pub fn amount(&self) -> Result<Decimal, Error> {
        Decimal::try_from_i128_with_scale(i128::from(self.amount_cents), 2).map_err(|_| {
            Error::Overflow {
                context: format!("amount of ACH entry {}", self.trace_number),
                left: self.amount_cents.to_string(),
                right: "100".into(),
            }
        })
    }
}

/// `12345` cents as `123.45`, or `$123.45` / `$1,230.45` in dollar style.
fn amount_text(cents: u64, style: AmountStyle) -> String {
    let dollars = cents / 100;
    let rest = cents % 100;
    match style {
        AmountStyle::Plain => format!("{dollars}.{rest:02}"),
        AmountStyle::Dollar => {
            let digits = dollars.to_string();
            let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            format!("${grouped}.{rest:02}")
        }
    }
}

/// Writes the ACH cash reconciliation report for calendar day `date`: the entries whose
/// `settlement_date` is `date` (others are skipped), ordered by settlement code, ACH ID,
/// settlement type and trace number so that the bytes do not depend on the input order. NOC
/// entries have no money and must not be passed (spec 06 §8.2). Returns the rows written.
pub fn write_ach_cash_recon<W, S>(
    w: &mut W,
    date: NaiveDate,
    entries: impl IntoIterator<Item = S>,
    format: &BankReportFormat,
) -> Result<usize, Error>
where
    W: Write + ?Sized,
    S: Borrow<AchSettlement>,
{
    let dialect = format.dialect()?;
    let mut rows: Vec<S> = entries
        .into_iter()
        .filter(|e| e.borrow().settlement_date == date)
        .collect();
    rows.sort_by(|a, b| {
        let (a, b) = (a.borrow(), b.borrow());
        (
            &a.settlement_code,
            &a.ach_id,
            a.settlement_type,
            &a.trace_number,
        )
            .cmp(&(
                &b.settlement_code,
                &b.ach_id,
                b.settlement_type,
                &b.trace_number,
            ))
    });
    write_record(w, &dialect, ACH_CASH_RECON_COLUMNS)?;
    for e in &rows {
        let e = e.borrow();
        let date_text = e.settlement_date.format("%Y-%m-%d").to_string();
        let amount = amount_text(e.amount_cents, format.amount_style);
        write_record(
            w,
            &dialect,
            [
                date_text.as_str(),
                &e.settlement_code,
                e.settlement_type.as_str(),
                &e.bank_account_id,
                &e.bank_account_number,
                e.direction.as_str(),
                &amount,
                &e.ach_id,
                &e.statement_descriptor,
                e.linked_reversal_id.as_deref().unwrap_or(""),
            ],
        )?;
    }
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_styles() {
        assert_eq!(amount_text(123045, AmountStyle::Plain), "1230.45");
        assert_eq!(amount_text(123045, AmountStyle::Dollar), "$1,230.45");
        assert_eq!(amount_text(5, AmountStyle::Plain), "0.05");
        assert_eq!(amount_text(100000000, AmountStyle::Dollar), "$1,000,000.00");
        assert_eq!(amount_text(99999, AmountStyle::Dollar), "$999.99");
        assert_eq!(
            amount_text(u64::MAX, AmountStyle::Dollar),
            "$184,467,440,737,095,516.15"
        );
    }
}
