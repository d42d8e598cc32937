//! Transactions: append-only, an id applied once (spec 05 §5.4, D8). Batched rows go in
//! [`BATCH_ROWS`](super::batch::BATCH_ROWS) to a statement, `ON CONFLICT DO NOTHING`; when a
//! statement inserts fewer rows than it was given, the ids of the batch already stored by
//! another file are looked up in one query and reported with their row numbers, as SQLite
//! reports them.

use super::batch::{money, Batch};
use super::PgWriteTx;
use crate::day::TRANSACTION_AMOUNT_COLUMNS;
use crate::{Error, Result, TransactionIn};
use std::collections::HashSet;

/// Text cells of a transaction: id, balance, card, file date, effective_at, type, then the
/// seven money columns ([`TRANSACTION_AMOUNT_COLUMNS`]).
const CELLS: usize = 13;

/// Transactions, the first of an id winning (as row by row); parameters: partner, file id,
/// then the [`CELLS`] text columns and the row blobs.
const INSERT: &str = "INSERT INTO transactions(partner, transaction_id, balance_id, card_id, \
     file_date, effective_at, type, amount, amount_in_usd, principal_amount, fee_amount, \
     interest_amount, rewards_amount, settlement_amount, file_id, row) \
     SELECT $1, u.id, u.balance_id, u.card_id, u.file_date, u.effective_at, u.type, \
     u.m0::numeric, u.m1::numeric, u.m2::numeric, u.m3::numeric, u.m4::numeric, u.m5::numeric, \
     u.m6::numeric, $2, u.blob \
     FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], \
     $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], \
     $16::bytea[]) AS u(id, balance_id, card_id, file_date, effective_at, type, \
     m0, m1, m2, m3, m4, m5, m6, blob) \
     ON CONFLICT (partner, transaction_id) DO NOTHING";

/// The ids among `$2` stored by a file other than `$3`.
const EARLIER: &str = "SELECT transaction_id FROM transactions WHERE partner = $1 \
     AND transaction_id = ANY($2::text[]) AND file_id <> $3";

/// Transactions waiting for their statement, and the conflicts found so far.
#[derive(Default)]
pub(super) struct Pending {
    rows: Batch<CELLS, 1>,
    /// The file row number of each.
    numbers: Vec<u64>,
    conflicts: Vec<(u64, String)>,
    /// One transaction of [`PgWriteTx::transaction`], through the same statement.
    one: Batch<CELLS, 1>,
}

/// A transaction's text cells, its amounts checked.
fn cells<'a>(t: &TransactionIn<'a>) -> Result<[Option<&'a str>; CELLS]> {
    let mut out = [None; CELLS];
    out[..6].copy_from_slice(&[
        Some(t.id),
        t.balance_id,
        t.card_id,
        t.file_date,
        t.effective_at,
        t.tx_type,
    ]);
    for (slot, column) in out[6..].iter_mut().zip(TRANSACTION_AMOUNT_COLUMNS) {
        *slot = money(t.amounts, column)?;
    }
    Ok(out)
}

impl PgWriteTx<'_> {
    /// Stores an accepted transaction and adds it to its balance's day. Transactions are
    /// append-only (spec 05 §5.4): returns `false`, storing nothing, when the id was already
    /// applied (D8: ids never repeat).
    pub fn transaction(&mut self, t: &TransactionIn) -> Result<bool> {
        let one = &mut self.transactions.one;
        one.clear();
        one.push(cells(t)?, [Some(t.row)]);
        let c = self.client.get_mut();
        let st = self.statements.get(c, INSERT)?;
        if one.execute(c, &st, &[&self.partner, &self.file_id])? == 0 {
            return Ok(false);
        }
        self.add_day_activity(t)?;
        Ok(true)
    }

    /// [`PgWriteTx::transaction`] of row `row`, inserted with the next ones, many to a
    /// statement; an id applied from an earlier file is reported by
    /// [`PgWriteTx::take_conflicts`] instead of a `false`.
    pub fn transaction_batched(&mut self, row: u64, t: &TransactionIn) -> Result<()> {
        let p = &mut self.transactions;
        p.rows.push(cells(t)?, [Some(t.row)]);
        p.numbers.push(row);
        if p.rows.is_full() {
            self.flush_transactions()?;
        }
        self.add_day_activity(t)
    }

    /// The rows of [`PgWriteTx::transaction_batched`] whose id was applied from an earlier
    /// file, with that id, once every pending row is inserted.
    pub fn take_conflicts(&mut self) -> Result<Vec<(u64, String)>> {
        self.flush_transactions()?;
        Ok(std::mem::take(&mut self.transactions.conflicts))
    }

    /// Inserts the pending transactions.
    fn flush_transactions(&mut self) -> Result<()> {
        let p = &mut self.transactions;
        if p.rows.is_empty() {
            return Ok(());
        }
        let c = self.client.get_mut();
        let st = self.statements.get(c, INSERT)?;
        let inserted = p.rows.execute(c, &st, &[&self.partner, &self.file_id])?;
        let n = p.rows.len();
        if inserted < n as u64 {
            // Ids of the batch already applied: by an earlier file (rare: the file is
            // rejected), or by this one (a repeat within the file, not a conflict).
            let ids = p.rows.text_column(0);
            let earlier: HashSet<String> = c
                .query(EARLIER, &[&self.partner, &ids, &self.file_id])?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<std::result::Result<_, _>>()?;
            for (i, number) in p.numbers.iter().enumerate() {
                let id = p.rows.text(i, 0).unwrap_or("");
                if earlier.contains(id) {
                    p.conflicts.push((*number, id.to_string()));
                }
            }
        }
        p.rows.clear();
        p.numbers.clear();
        Ok(())
    }

    /// Adds a transaction to its balance's day.
    fn add_day_activity(&mut self, t: &TransactionIn) -> Result<()> {
        if let (Some(date), Some(balance)) = (t.file_date, t.balance_id) {
            if !self.activity_dates.iter().any(|d| d == date) {
                self.activity_dates.push(date.to_string());
            }
            self.activity
                .add(date, balance, t.tx_type, t.amounts)
                .map_err(|e| match e {
                    crate::activity::AddError::Amount(c, v) => crate::apply::bad_amount(&c, &v),
                    crate::activity::AddError::Overflow(o) => Error::Sum(o),
                })?;
            if self.activity.len() >= self.activity_limit {
                self.spill_activity()?;
            }
        }
        Ok(())
    }
}
