//! Reading an accepted record back whole on PostgreSQL, as SQLite does (`crate::records`): the
//! row blob decoded against its layout, the columns kept typed put back. A transaction's
//! amounts come straight from their `NUMERIC` columns, which keep the scale they were written
//! with.

use super::{PgReader, PgStore};
use crate::day::{BALANCE, TRANSACTION_AMOUNT_COLUMNS};
use crate::records::{balance_cells, decode_with};
use crate::{Error, Result, StateChange, StoredRecord};
use std::collections::hash_map::{Entry, HashMap};

impl PgReader<'_> {
    /// The column names of a layout.
    fn layout(&self, id: i64, key: &str) -> Result<String> {
        self.query_opt("SELECT columns FROM layouts WHERE id = $1", &[&id])?
            .map(|r| r.get(0))
            .ok_or_else(|| Error::Damaged {
                what: "row",
                key: key.to_string(),
            })
    }

    fn layout_of(&self, blob: &[u8], key: &str) -> Result<String> {
        let (layout, _) = crate::codec::decode_row(blob).ok_or_else(|| Error::Damaged {
            what: "row",
            key: key.to_string(),
        })?;
        self.layout(layout, key)
    }

    /// The typed columns of the balance `key`'s latest report, if it was reported.
    pub fn balance_state(&self, partner: &str, key: &str) -> Result<Option<crate::BalanceState>> {
        Ok(self
            .query_opt(
                "SELECT account_id, type, status, status_reason, currency FROM balances \
                 WHERE partner = $1 AND balance_key = $2 AND closing IS NOT NULL \
                 ORDER BY file_date COLLATE \"C\" DESC LIMIT 1",
                &[&partner, &key],
            )?
            .map(|r| crate::BalanceState {
                account_id: r.get(0),
                balance_type: r.get(1),
                status: r.get(2),
                status_reason: r.get(3),
                currency: r.get(4),
            }))
    }

    /// The current version of a record; a balance's is its latest balance-file row.
    pub fn record(
        &self,
        partner: &str,
        file_type: &str,
        key: &str,
    ) -> Result<Option<StoredRecord>> {
        let no_money = |_: &str, _: Option<&str>| Some(None);
        if file_type == BALANCE {
            let Some(r) = self.query_opt(
                "SELECT file_id, row, closing, id_kind, account_id, type, status, status_reason, \
                 currency, settlement_account FROM balances WHERE partner = $1 \
                 AND balance_key = $2 AND closing IS NOT NULL \
                 ORDER BY file_date COLLATE \"C\" DESC LIMIT 1",
                &[&partner, &key],
            )?
            else {
                return Ok(None);
            };
            let blob: Vec<u8> = r.get(1);
            let closing: Vec<u8> = r.get(2);
            let id_kind = i64::from(r.get::<_, Option<i32>>(3).unwrap_or(0));
            let typed = [r.get(4), r.get(5), r.get(6), r.get(7), r.get(8), r.get(9)];
            let extra = balance_cells(key, id_kind, typed, &closing)?;
            let joined = self.layout_of(&blob, key)?;
            return decode_with(&joined, key, r.get(0), &blob, &extra, &no_money).map(Some);
        }
        let Some(r) = self.query_opt(
            "SELECT file_id, row FROM records WHERE partner = $1 AND file_type = $2 \
             AND record_key = $3",
            &[&partner, &file_type, &key],
        )?
        else {
            return Ok(None);
        };
        let blob: Vec<u8> = r.get(1);
        let joined = self.layout_of(&blob, key)?;
        decode_with(&joined, key, r.get(0), &blob, &[], &no_money).map(Some)
    }

    /// [`PgReader::record`] of each of `keys`, in their order: one statement for the batch, and
    /// one for each layout its rows use, where a record took two round trips; balances too
    /// ([`PgReader::balances_many`]).
    pub fn records_many(
        &self,
        partner: &str,
        file_type: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<StoredRecord>>> {
        if file_type == BALANCE {
            return self.balances_many(partner, keys);
        }
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // By key, each (a lateral lookup: never a join the planner might hash a table for).
        let rows = self.query(
            "SELECT k.i, r.file_id, r.row FROM unnest(CAST($3 AS TEXT[])) WITH ORDINALITY \
             AS k(record_key, i) CROSS JOIN LATERAL (SELECT r.file_id, r.row FROM records r \
             WHERE r.partner = $1 AND r.file_type = $2 AND r.record_key = k.record_key \
             LIMIT 1) AS r",
            &[&partner, &file_type, &keys],
        )?;
        self.decode_many(&rows, keys, |_, _| Ok(Vec::new()))
    }

    /// Each balance's latest report ([`PgReader::record`] of a balance), in one statement for
    /// them all: a balance file's history rules ask about every balance it reports.
    fn balances_many(&self, partner: &str, keys: &[&str]) -> Result<Vec<Option<StoredRecord>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self.query(
            "SELECT k.i, b.file_id, b.row, b.closing, b.id_kind, b.account_id, b.type, b.status, \
             b.status_reason, b.currency, b.settlement_account \
             FROM unnest(CAST($2 AS TEXT[])) WITH ORDINALITY AS k(balance_key, i) \
             CROSS JOIN LATERAL (SELECT b.file_id, b.row, b.closing, b.id_kind, b.account_id, \
             b.type, b.status, b.status_reason, b.currency, b.settlement_account FROM balances b \
             WHERE b.partner = $1 AND b.balance_key = k.balance_key AND b.closing IS NOT NULL \
             ORDER BY b.file_date COLLATE \"C\" DESC LIMIT 1) AS b",
            &[&partner, &keys],
        )?;
        self.decode_many(&rows, keys, |r, key| {
            let closing: &[u8] = r.try_get(3)?;
            let id_kind = i64::from(r.try_get::<_, Option<i32>>(4)?.unwrap_or(0));
            let typed = [
                r.try_get(5)?,
                r.try_get(6)?,
                r.try_get(7)?,
                r.try_get(8)?,
                r.try_get(9)?,
                r.try_get(10)?,
            ];
            balance_cells(key, id_kind, typed, closing)
        })
    }

    /// Rows of a batch lookup (`k.i` from `WITH ORDINALITY`, `file_id`, `row`, then what
    /// `extra` reads: the cells kept beside the blob), decoded into `keys`' places; each layout
    /// is read once.
    fn decode_many(
        &self,
        rows: &[postgres::Row],
        keys: &[&str],
        extra: impl Fn(&postgres::Row, &str) -> Result<Vec<(&'static str, Option<String>)>>,
    ) -> Result<Vec<Option<StoredRecord>>> {
        let mut out = vec![None; keys.len()];
        let no_money = |_: &str, _: Option<&str>| Some(None);
        let mut layouts: HashMap<i64, String> = HashMap::new();
        for r in rows {
            // WITH ORDINALITY counts from 1.
            let at = usize::try_from(r.try_get::<_, i64>(0)? - 1).ok();
            let Some(i) = at.filter(|i| *i < keys.len()) else {
                continue;
            };
            let (key, blob): (&str, &[u8]) = (keys[i], r.try_get(2)?);
            let (layout, _) = crate::codec::decode_row(blob).ok_or_else(|| Error::Damaged {
                what: "row",
                key: key.to_string(),
            })?;
            let joined = match layouts.entry(layout) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(self.layout(layout, key)?),
            };
            let extra = extra(r, key)?;
            out[i] = Some(decode_with(
                joined,
                key,
                r.try_get(1)?,
                blob,
                &extra,
                &no_money,
            )?);
        }
        Ok(out)
    }

    /// The date of the transaction file each of `ids` came in, if it is stored, in order: one
    /// statement for them all.
    pub fn transaction_file_dates(
        &self,
        partner: &str,
        ids: &[&str],
    ) -> Result<Vec<Option<String>>> {
        let mut out = vec![None; ids.len()];
        if ids.is_empty() {
            return Ok(out);
        }
        let rows = self.query(
            "SELECT k.i, t.file_date FROM unnest(CAST($2 AS TEXT[])) WITH ORDINALITY \
             AS k(transaction_id, i) JOIN transactions t ON t.partner = $1 \
             AND t.transaction_id = k.transaction_id",
            &[&partner, &ids],
        )?;
        for r in &rows {
            // WITH ORDINALITY counts from 1.
            let at = usize::try_from(r.try_get::<_, i64>(0)? - 1).ok();
            if let Some(i) = at.filter(|i| *i < ids.len()) {
                out[i] = r.try_get(1)?;
            }
        }
        Ok(out)
    }

    /// A stored transaction read back whole.
    pub fn transaction(&self, partner: &str, id: &str) -> Result<Option<StoredRecord>> {
        let Some(r) = self.query_opt(
            "SELECT file_id, row, balance_id, card_id, effective_at, type, amount::TEXT, \
             amount_in_usd::TEXT, principal_amount::TEXT, fee_amount::TEXT, \
             interest_amount::TEXT, rewards_amount::TEXT, settlement_amount::TEXT \
             FROM transactions WHERE partner = $1 AND transaction_id = $2",
            &[&partner, &id],
        )?
        else {
            return Ok(None);
        };
        let amounts: Vec<(&str, Option<String>)> = TRANSACTION_AMOUNT_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, r.get(6 + i)))
            .collect();
        let extra = [
            ("client_transaction_id", Some(id.to_string())),
            ("balance_id", r.get(2)),
            ("card_id", r.get(3)),
            ("effective_at", r.get(4)),
            ("type", r.get(5)),
        ];
        // NUMERIC keeps the scale it was written with: the row's scale cell is not needed.
        let money = |col: &str, _: Option<&str>| {
            Some(
                amounts
                    .iter()
                    .find(|(c, _)| *c == col)
                    .and_then(|(_, v)| v.clone()),
            )
        };
        let blob: Vec<u8> = r.get(1);
        let joined = self.layout_of(&blob, id)?;
        decode_with(&joined, id, r.get(0), &blob, &extra, &money).map(Some)
    }

    /// The keys of the `file_type` records whose latest state is `state`.
    pub fn keys_in_state(
        &self,
        partner: &str,
        file_type: &str,
        state: &str,
    ) -> Result<std::collections::HashSet<String>> {
        let rows = self.query(
            "SELECT r.record_key FROM record_states r \
             WHERE r.partner = $1 AND r.file_type = $2 AND r.state = $3 AND NOT EXISTS \
             (SELECT 1 FROM record_states l WHERE l.partner = r.partner AND l.file_type = r.file_type \
              AND l.record_key = r.record_key AND l.file_id > r.file_id)",
            &[&partner, &file_type, &state],
        )?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// A record's states, oldest first.
    pub fn states(&self, partner: &str, file_type: &str, key: &str) -> Result<Vec<StateChange>> {
        let rows = self.query(
            "SELECT file_date, state, effective_at FROM record_states WHERE partner = $1 \
             AND file_type = $2 AND record_key = $3 ORDER BY file_id",
            &[&partner, &file_type, &key],
        )?;
        Ok(rows
            .iter()
            .map(|r| StateChange {
                file_date: r.get(0),
                state: r.get(1),
                effective_at: r.get(2),
            })
            .collect())
    }
}

impl PgStore {
    /// The current version of a record (see [`PgReader::record`]).
    pub fn record(
        &self,
        partner: &str,
        file_type: &str,
        key: &str,
    ) -> Result<Option<StoredRecord>> {
        self.snapshot()?.record(partner, file_type, key)
    }

    /// How many records, reported balance days and transactions a partner has.
    pub fn counts(&self, partner: &str) -> Result<(u64, u64, u64)> {
        let r = self.client()?.query_one(
            "SELECT (SELECT count(*) FROM records WHERE partner = $1), \
             (SELECT count(*) FROM balances WHERE partner = $1 AND closing IS NOT NULL), \
             (SELECT count(*) FROM transactions WHERE partner = $1)",
            &[&partner],
        )?;
        let n = |i: usize| r.get::<_, i64>(i) as u64;
        Ok((n(0), n(1), n(2)))
    }
}
