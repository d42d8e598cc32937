//! Balances and the openings of balance days, as SQLite keeps them (`crate::day`, whose module
//! doc says what a day holds): the same statements, on PostgreSQL. Balance rows wait in a
//! batch; a row's opening (its row in the balance file before, when its day is new) is joined
//! in by the batch's statement, and a batch is written before a row that opens from a day it
//! holds, so each opening is read as SQLite reads it, after every earlier row.

use super::batch::Batch;
use super::PgWriteTx;
use crate::day::BALANCE_AMOUNT_COLUMNS;
use crate::{BalanceIn, Result};
use postgres::Client;

/// Text cells of a balance: file date, key, account, settlement account, currency, id kind,
/// type, status, status reason, the eight money columns ([`BALANCE_AMOUNT_COLUMNS`]), and the
/// balance file date it opens from (NULL: not looked up).
const CELLS: usize = 18;

/// Balances, the last of a (date, key) in the batch: a key sent twice in a file is upserted
/// twice on SQLite, and the second leaves the first's opening, which is the same (its day
/// opens from the same file); parameters: partner, file id, the [`CELLS`] text columns, row
/// blobs, closing blobs. An upsert: the day's transaction file may have come first and left
/// its activity. The opening is a lateral lookup by key: as a join, the planner (its
/// statistics behind the rows being written) hashed every balance of the partner each batch.
const INSERT: &str = "INSERT INTO balances(partner, file_date, balance_key, file_id, account_id, \
     settlement_account, currency, id_kind, type, status, status_reason, balance, \
     rewards_balance, interest_accrued_balance, dispute_balance, charge_off_balance, \
     past_due_balance, outstanding_principal, outstanding_fees, row, closing, opening, \
     opening_type, opening_status) \
     SELECT $1, u.file_date, u.balance_key, $2, u.account_id, u.settlement_account, u.currency, \
     u.id_kind::integer, u.type, u.status, u.status_reason, u.m0::numeric, u.m1::numeric, \
     u.m2::numeric, u.m3::numeric, u.m4::numeric, u.m5::numeric, u.m6::numeric, u.m7::numeric, \
     u.blob, u.closing, p.closing, p.type, p.status \
     FROM (SELECT DISTINCT ON (v.file_date, v.balance_key) * \
     FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], \
     $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], \
     $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::bytea[], \
     $22::bytea[]) WITH ORDINALITY AS v(file_date, balance_key, account_id, settlement_account, \
     currency, id_kind, type, status, status_reason, m0, m1, m2, m3, m4, m5, m6, m7, prev, \
     blob, closing, i) ORDER BY v.file_date, v.balance_key, v.i DESC) AS u \
     LEFT JOIN LATERAL (SELECT p.closing, p.type, p.status FROM balances AS p \
     WHERE p.partner = $1 AND p.file_date = u.prev AND p.balance_key = u.balance_key \
     AND p.closing IS NOT NULL LIMIT 1) AS p ON TRUE \
     ON CONFLICT (partner, file_date, balance_key) DO UPDATE SET file_id = excluded.file_id, \
     account_id = excluded.account_id, settlement_account = excluded.settlement_account, \
     currency = excluded.currency, id_kind = excluded.id_kind, type = excluded.type, \
     status = excluded.status, status_reason = excluded.status_reason, \
     balance = excluded.balance, rewards_balance = excluded.rewards_balance, \
     interest_accrued_balance = excluded.interest_accrued_balance, \
     dispute_balance = excluded.dispute_balance, charge_off_balance = excluded.charge_off_balance, \
     past_due_balance = excluded.past_due_balance, \
     outstanding_principal = excluded.outstanding_principal, \
     outstanding_fees = excluded.outstanding_fees, row = excluded.row, closing = excluded.closing";

/// Balances waiting for their statement.
#[derive(Default)]
pub(super) struct Pending {
    rows: Batch<CELLS, 2>,
    /// The file dates of the rows held.
    dates: Vec<String>,
}

/// A balance file date being applied: whether nothing was stored for it before this file (then
/// its openings go in with its rows), and the balance file date it opens from.
pub(super) struct BalanceDay {
    date: String,
    fresh: bool,
    prev: Option<String>,
}

impl BalanceDay {
    /// The balance file date its rows' openings are looked up in as they go in: the one before,
    /// when the day is new.
    fn opens_from(&self) -> Option<&str> {
        self.prev.as_deref().filter(|_| self.fresh)
    }
}

impl PgWriteTx<'_> {
    /// Stores a balance as reported in the file dated `b.file_date`. On a day nothing was stored
    /// for yet (the usual case) its opening — its row in the balance file before — is looked up
    /// and stored with it; otherwise the day's openings are all recomputed at the end.
    pub fn balance(&mut self, b: &BalanceIn) -> Result<()> {
        self.lock_days()?;
        let i = match self
            .balance_dates
            .iter()
            .position(|d| d.date == b.file_date)
        {
            Some(i) => i,
            None => {
                let (c, partner) = (self.client.get_mut(), &self.partner);
                let d = BalanceDay {
                    date: b.file_date.to_string(),
                    fresh: !any_row(c, partner, b.file_date)?,
                    prev: balance_file_before(c, partner, b.file_date)?,
                };
                add_balance_day(c, partner, b.file_date)?;
                self.balance_dates.push(d);
                self.balance_dates.len() - 1
            }
        };
        let waiting = self.balance_dates[i]
            .opens_from()
            .is_some_and(|p| self.balances.dates.iter().any(|d| d == p));
        if waiting {
            // Its opening is a row of this file still waiting for its statement: written first,
            // the row opens from it as on SQLite. (The end of the file reopens the next day
            // anyway; this keeps every row as SQLite has it at every point, not only at the end.)
            self.flush_balances()?;
        }
        let prev = self.balance_dates[i].opens_from();
        // Every amount parses (or this fails), so every typed cell is an amount as written.
        self.buf.clear();
        crate::apply::amounts_of(b.amounts)?.encode(&BALANCE_AMOUNT_COLUMNS, &mut self.buf);
        let typed = |name: &str| b.amounts.iter().find(|(c, _)| *c == name).map(|(_, t)| *t);
        let p = &mut self.balances;
        p.rows.push(
            [
                Some(b.file_date),
                Some(b.balance_id),
                b.account_id,
                b.settlement_account,
                b.currency,
                Some(if b.lead_id { "1" } else { "0" }),
                b.balance_type,
                b.status,
                b.status_reason,
                typed(BALANCE_AMOUNT_COLUMNS[0]),
                typed(BALANCE_AMOUNT_COLUMNS[1]),
                typed(BALANCE_AMOUNT_COLUMNS[2]),
                typed(BALANCE_AMOUNT_COLUMNS[3]),
                typed(BALANCE_AMOUNT_COLUMNS[4]),
                typed(BALANCE_AMOUNT_COLUMNS[5]),
                typed(BALANCE_AMOUNT_COLUMNS[6]),
                typed(BALANCE_AMOUNT_COLUMNS[7]),
                prev,
            ],
            [Some(b.row), Some(&self.buf)],
        );
        if !p.dates.iter().any(|d| d == b.file_date) {
            p.dates.push(b.file_date.to_string());
        }
        if p.rows.is_full() {
            self.flush_balances()?;
        }
        Ok(())
    }

    /// Inserts the pending balances.
    pub(super) fn flush_balances(&mut self) -> Result<()> {
        let p = &mut self.balances;
        if p.rows.is_empty() {
            return Ok(());
        }
        let c = self.client.get_mut();
        let st = self.statements.get(c, INSERT)?;
        p.rows.execute(c, &st, &[&self.partner, &self.file_id])?;
        p.rows.clear();
        p.dates.clear();
        Ok(())
    }

    /// The openings of the balance days applied, and of the days after them, settled (SQLite's
    /// `finish`, after the activity).
    pub(super) fn settle_days(&mut self) -> Result<()> {
        let (c, partner) = (self.client.get_mut(), &self.partner);
        for d in std::mem::take(&mut self.balance_dates) {
            if d.fresh {
                // Openings went in with the rows: only the balances of the day before missing
                // from this one are added, and a later day reopened (a late file).
                add_missing(c, partner, &d.date, d.prev.as_deref())?;
                reopen_next(c, partner, &d.date)?;
            } else {
                reopen_around(c, partner, &d.date)?;
            }
        }
        // A day with activity but no balance file yet still opens from the last one (its
        // balances are then listed missing, its activity unmatched, until the file comes).
        for date in std::mem::take(&mut self.activity_dates) {
            if !has_balance_file(c, partner, &date)? {
                reopen(c, partner, &date)?;
            }
        }
        Ok(())
    }
}

// The statements of `crate::day`. Dates compare as bytes (COLLATE "C"), as SQLite compares
// text, whatever the database's collation.

/// Whether a balance file dated `date` was applied.
fn has_balance_file(c: &mut Client, partner: &str, date: &str) -> Result<bool> {
    Ok(c.query_one(
        "SELECT EXISTS (SELECT 1 FROM balance_days WHERE partner = $1 AND file_date = $2)",
        &[&partner, &date],
    )?
    .try_get(0)?)
}

/// Whether any row of day `date` is stored.
fn any_row(c: &mut Client, partner: &str, date: &str) -> Result<bool> {
    Ok(c.query_one(
        "SELECT EXISTS (SELECT 1 FROM balances WHERE partner = $1 AND file_date = $2)",
        &[&partner, &date],
    )?
    .try_get(0)?)
}

/// The date of the latest balance file before `date`.
fn balance_file_before(c: &mut Client, partner: &str, date: &str) -> Result<Option<String>> {
    Ok(c.query_one(
        "SELECT max(file_date COLLATE \"C\") FROM balance_days WHERE partner = $1 \
         AND file_date COLLATE \"C\" < $2",
        &[&partner, &date],
    )?
    .try_get(0)?)
}

/// Records that a balance file reported balances for `date`.
fn add_balance_day(c: &mut Client, partner: &str, date: &str) -> Result<()> {
    c.execute(
        "INSERT INTO balance_days(partner, file_date) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[&partner, &date],
    )?;
    Ok(())
}

/// The balances of the file dated `prev` that day `date` has no row for: rows of their own
/// (absent from that day's file: missing, or closed), opening from `prev`. SQLite's statement
/// skips a key the day has with `NOT EXISTS`; here the key's conflict skips it: as an anti-join,
/// the day's rows (written in this transaction, so estimated at a couple of rows) were read
/// whole for every balance of `prev`, 10 minutes for 100,000 balances.
fn add_missing(c: &mut Client, partner: &str, date: &str, prev: Option<&str>) -> Result<()> {
    let Some(prev) = prev else {
        return Ok(());
    };
    c.execute(
        "INSERT INTO balances(partner, file_date, balance_key, account_id, settlement_account, \
         currency, id_kind, opening_type, opening_status, opening) \
         SELECT partner, $2, balance_key, account_id, settlement_account, currency, id_kind, \
         type, status, closing FROM balances AS p WHERE p.partner = $1 AND p.file_date = $3 \
         AND p.closing IS NOT NULL \
         ON CONFLICT (partner, file_date, balance_key) DO NOTHING",
        &[&partner, &date, &prev],
    )?;
    Ok(())
}

/// Sets the openings of the balance day `date`, and of the next balance day after it.
fn reopen_around(c: &mut Client, partner: &str, date: &str) -> Result<()> {
    reopen(c, partner, date)?;
    reopen_next(c, partner, date)
}

/// Recomputes the openings of the first balance day after `date`, if there is one (a balance
/// file applied after a later one changes what that one opens from).
fn reopen_next(c: &mut Client, partner: &str, date: &str) -> Result<()> {
    let next: Option<String> = c
        .query_one(
            "SELECT min(file_date COLLATE \"C\") FROM balance_days WHERE partner = $1 \
             AND file_date COLLATE \"C\" > $2",
            &[&partner, &date],
        )?
        .try_get(0)?;
    if let Some(next) = next {
        reopen(c, partner, &next)?;
    }
    Ok(())
}

/// (Re)computes the openings of day `date` from the latest balance file before it.
fn reopen(c: &mut Client, partner: &str, date: &str) -> Result<()> {
    let Some(prev) = balance_file_before(c, partner, date)? else {
        // No balance file before it: nothing opens, and nothing ever did (balance files stay).
        return Ok(());
    };
    // Rows that only said "missing" are recomputed; rows with activity keep it.
    c.execute(
        "DELETE FROM balances WHERE partner = $1 AND file_date = $2 AND closing IS NULL \
         AND activity IS NULL",
        &[&partner, &date],
    )?;
    // Every row's opening: its closing in `prev`, or none (a row without one was never given
    // one). One lookup by key a row, a scalar subquery: as an UPDATE ... FROM join over rows
    // this transaction wrote (estimated at a row or two), it ran for over 15 minutes for
    // 100,000 balances before it was stopped.
    c.execute(
        "UPDATE balances AS f SET (opening, opening_type, opening_status) = \
         (SELECT p.closing, p.type, p.status FROM balances AS p WHERE p.partner = $1 \
         AND p.file_date = $3 AND p.balance_key = f.balance_key AND p.closing IS NOT NULL) \
         WHERE f.partner = $1 AND f.file_date = $2",
        &[&partner, &date, &prev],
    )?;
    add_missing(c, partner, date, Some(&prev))
}
