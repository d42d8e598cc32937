//! Applying an accepted file's rows in the same transaction as its decision (D7, D8): a file is
//! decided and applied together, or neither.
//!
//! What is kept (`docs/ARCHITECTURE.md` has the tables): the current version of every record as a
//! compact row; balances per file date and transactions in typed tables; non-posted transactions
//! as one snapshot per file date; the state history of records with a lifecycle; and, for the
//! nightly run, each (balance, file date) row of `balances` also holds the amounts it opens from
//! and the day's activity summed by (type, column).

use crate::codec::{self, Activity, Amounts};
use crate::day::{self, BALANCE_AMOUNT_COLUMNS, TRANSACTION_AMOUNT_COLUMNS};
use crate::{when, Error, Result, Store};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;
use std::sync::{LazyLock, MutexGuard};

/// Distinct (file date, balance) activities kept in memory while a file is applied (by their
/// layout about 200 bytes each: 50 MB); past it they go, as partial sums, to a temporary table sorted at the end of
/// the file (bounded memory for any file, and still one write per balance and day however its
/// rows are ordered).
const ACTIVITY_LIMIT: usize = 250_000;

/// One balance row of a balance file.
#[derive(Debug, Clone, Copy)]
pub struct BalanceIn<'a> {
    /// The id transactions name it by, also its record key: `client_balance_id`, or `id` for an
    /// API balance.
    pub balance_id: &'a str,
    /// Whether `balance_id` is the Lead `id`.
    pub lead_id: bool,
    /// The balance file's date.
    pub file_date: &'a str,
    /// `account_id`.
    pub account_id: Option<&'a str>,
    /// `type`.
    pub balance_type: Option<&'a str>,
    /// `status`.
    pub status: Option<&'a str>,
    /// `status_reason`.
    pub status_reason: Option<&'a str>,
    /// `currency`, when the file has one.
    pub currency: Option<&'a str>,
    /// `client_settlement_bank_account_id`.
    pub settlement_account: Option<&'a str>,
    /// Every non-null money cell, by column name, as written.
    pub amounts: &'a [(&'a str, &'a str)],
    /// The row's other cells (not [`crate::BALANCE_TYPED`], not the money columns), encoded
    /// ([`codec::encode_row`]).
    pub row: &'a [u8],
}

/// One transaction of a transaction file.
#[derive(Debug, Clone, Copy)]
pub struct TransactionIn<'a> {
    /// `client_transaction_id`.
    pub id: &'a str,
    /// `balance_id`.
    pub balance_id: Option<&'a str>,
    /// `card_id`.
    pub card_id: Option<&'a str>,
    /// The file's date.
    pub file_date: Option<&'a str>,
    /// `effective_at`.
    pub effective_at: Option<&'a str>,
    /// `type`.
    pub tx_type: Option<&'a str>,
    /// Every non-null money cell, by column name, as written.
    pub amounts: &'a [(&'a str, &'a str)],
    /// The row's other cells, encoded.
    pub row: &'a [u8],
}

/// One row of a non-posted transaction file (a snapshot of the day, spec 05 §7.2).
#[derive(Debug, Clone, Copy)]
pub struct NonPostedIn<'a> {
    /// The record key.
    pub id: &'a str,
    /// The file's date.
    pub file_date: &'a str,
    /// `balance_id`.
    pub balance_id: Option<&'a str>,
    /// `amount`, as written.
    pub amount: Option<&'a str>,
    /// The row's other cells, encoded.
    pub row: &'a [u8],
}

/// The write connection, in the transaction of one undecided file: its rows go in (all at once
/// from a file decided earlier, or as they are validated when the writer was free), then its
/// decision, in one commit ([`WriteTx::commit`]). Dropped without a commit, everything rolls
/// back. Taken with [`Store::write`] or [`Store::try_write`].
pub struct WriteTx<'s> {
    pub(crate) store: &'s Store,
    pub(crate) conn: MutexGuard<'s, Connection>,
    /// A transaction is open (rolled back on drop).
    pub(crate) open: bool,
    pub(crate) partner: String,
    pub(crate) file_id: i64,
    pub(crate) layouts: HashMap<(String, String), i64>,
    pub(crate) activity: crate::activity::Sums,
    /// Transactions waiting to be inserted several to a statement, and the conflicts found.
    pub(crate) pending: Pending,
    /// Balance file dates applied: their openings (and the next file's) are settled at the end.
    pub(crate) balance_dates: Vec<BalanceDay>,
    /// Non-posted file dates whose earlier snapshot was cleared.
    pub(crate) snapshots: Vec<String>,
    /// Transaction file dates applied.
    pub(crate) activity_dates: Vec<String>,
    /// Partial sums went to the temporary table.
    pub(crate) spilled: bool,
    pub(crate) activity_limit: usize,
    pub(crate) buf: Vec<u8>,
}

/// A balance file date being applied: whether nothing was stored for it before this file (then
/// its openings go in with its rows), and the balance file date it opens from.
pub(crate) struct BalanceDay {
    date: String,
    fresh: bool,
    prev: Option<String>,
}

impl BalanceDay {
    fn new(c: &Connection, partner: &str, date: &str) -> Result<BalanceDay> {
        let d = BalanceDay {
            date: date.to_string(),
            fresh: !day::any_row(c, partner, date)?,
            prev: day::balance_file_before(c, partner, date)?,
        };
        day::add_balance_day(c, partner, date)?;
        Ok(d)
    }
}

pub(crate) fn bad_amount(column: &str, text: &str) -> Error {
    Error::Apply(format!("{column} `{text}` is not an amount"))
}

impl<'s> WriteTx<'s> {
    /// Whether `node` holds the unexpired lease (`kind`, `key`): the same check as
    /// PostgreSQL's, on the one process's cluster (nothing can take a lease over between it and
    /// the commit but this process).
    pub fn holds_lease(&mut self, kind: &str, key: &str, node: &str) -> Result<bool> {
        Ok(self.store.cluster().holds(kind, key, node))
    }

    pub(crate) fn new(store: &'s Store, conn: MutexGuard<'s, Connection>) -> WriteTx<'s> {
        WriteTx {
            store,
            conn,
            open: false,
            partner: String::new(),
            file_id: 0,
            layouts: HashMap::new(),
            activity: crate::activity::Sums::default(),
            pending: Pending::default(),
            balance_dates: Vec::new(),
            snapshots: Vec::new(),
            activity_dates: Vec::new(),
            spilled: false,
            activity_limit: ACTIVITY_LIMIT,
            buf: Vec::new(),
        }
    }

    /// Sets how many (day, balance) activities are kept in memory before partial sums go to a
    /// temporary table (default 250,000).
    pub fn set_activity_limit(&mut self, n: usize) {
        self.activity_limit = n.max(1);
    }

    /// The id of the layout (column names, in the order of the cells) of `file_type` rows.
    pub fn layout(&mut self, file_type: &str, columns: &[&str]) -> Result<i64> {
        let joined = columns.join("|");
        if let Some(id) = self.layouts.get(&(file_type.to_string(), joined.clone())) {
            return Ok(*id);
        }
        let id = layout_id(&self.conn, file_type, &joined)?;
        self.layouts.insert((file_type.to_string(), joined), id);
        Ok(id)
    }

    /// Stores the current version of a record (full overwrite, D8); `row` from
    /// [`codec::encode_row`].
    pub fn record(&mut self, file_type: &str, key: &str, row: &[u8]) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO records(partner, file_type, record_key, file_id, row) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT(partner, file_type, record_key) DO UPDATE SET row = excluded.row, file_id = excluded.file_id",
            )?
            .execute(params![self.partner, file_type, key, self.file_id, row])?;
        Ok(())
    }

    /// Records that `ref_id` names the record `key` of `file_type` (a record's `ref_ids`, e.g. a
    /// balance's `client_balance_id` and its Lead `id`), for reference checks (D8).
    pub fn record_ref(&mut self, file_type: &str, ref_id: &str, key: &str) -> Result<()> {
        if ref_id == key {
            // A record is found by its key without a reference.
            return Ok(());
        }
        self.conn
            .prepare_cached(
                "INSERT INTO record_refs(partner, file_type, ref_id, record_key) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT(partner, file_type, ref_id) DO UPDATE SET record_key = excluded.record_key",
            )?
            .execute(params![self.partner, file_type, ref_id, key])?;
        Ok(())
    }

    /// Adds a state to a record's history when it differs from the last one kept (a card
    /// closed, an application approved).
    pub fn state(
        &mut self,
        file_type: &str,
        key: &str,
        file_date: Option<&str>,
        state: &str,
        effective_at: Option<&str>,
    ) -> Result<()> {
        insert_state(
            &self.conn,
            &self.partner,
            (file_type, key, self.file_id),
            file_date,
            state,
            effective_at,
        )
    }

    /// Stores a balance as reported in the file dated `b.file_date`. On a day nothing was stored
    /// for yet (the usual case) its opening — its row in the balance file before — is looked up
    /// and stored with it; otherwise the day's openings are all recomputed at the end.
    pub fn balance(&mut self, b: &BalanceIn) -> Result<()> {
        let i = match self
            .balance_dates
            .iter()
            .position(|d| d.date == b.file_date)
        {
            Some(i) => i,
            None => {
                let d = BalanceDay::new(&self.conn, &self.partner, b.file_date)?;
                self.balance_dates.push(d);
                self.balance_dates.len() - 1
            }
        };
        let opening = match (&self.balance_dates[i].fresh, &self.balance_dates[i].prev) {
            (true, Some(prev)) => day::opening_of(&self.conn, &self.partner, prev, b.balance_id)?,
            _ => None,
        };
        insert_balance(
            &self.conn,
            &self.partner,
            self.file_id,
            b,
            opening.as_ref(),
            &mut self.buf,
        )
    }

    /// Stores an accepted transaction and adds it to its balance's day. Transactions are
    /// append-only (spec 05 §5.4): returns `false`, storing nothing, when the id was already
    /// applied (D8: ids never repeat).
    pub fn transaction(&mut self, t: &TransactionIn) -> Result<bool> {
        if !insert_transaction(&self.conn, &self.partner, self.file_id, t)? {
            return Ok(false);
        }
        self.add_day_activity(t)?;
        Ok(true)
    }

    /// [`WriteTx::transaction`] of row `row`, inserted with the next ones, several to a
    /// statement; an id applied from an earlier file is reported by
    /// [`WriteTx::take_conflicts`] instead of a `false`.
    pub fn transaction_batched(&mut self, row: u64, t: &TransactionIn) -> Result<()> {
        self.pending.push(row, t);
        if self.pending.rows.len() == TX_ROWS {
            self.flush_transactions()?;
        }
        self.add_day_activity(t)
    }

    /// The rows of [`WriteTx::transaction_batched`] whose id was applied from an earlier file,
    /// with that id, once every pending row is inserted.
    pub fn take_conflicts(&mut self) -> Result<Vec<(u64, String)>> {
        self.flush_transactions()?;
        Ok(std::mem::take(&mut self.pending.conflicts))
    }

    /// Inserts the pending transactions.
    fn flush_transactions(&mut self) -> Result<()> {
        if self.pending.rows.is_empty() {
            return Ok(());
        }
        let p = &mut self.pending;
        let n = p.rows.len();
        let inserted = if n == TX_ROWS {
            let mut st = self.conn.prepare_cached(&INSERT_TRANSACTIONS)?;
            let mut i = 1;
            for r in &p.rows {
                st.raw_bind_parameter(i, &self.partner)?;
                for (k, cell) in r.text.iter().enumerate() {
                    let text = cell.map(|c| p.arena.text(c));
                    match k {
                        TX_FILE_DATE => st.raw_bind_parameter(i + 1 + k, text.map(when::date))?,
                        TX_EFFECTIVE_AT => {
                            st.raw_bind_parameter(i + 1 + k, text.map(when::instant))?
                        }
                        _ => st.raw_bind_parameter(i + 1 + k, text)?,
                    }
                }
                for (k, m) in r.money.iter().enumerate() {
                    st.raw_bind_parameter(i + 7 + k, m)?;
                }
                st.raw_bind_parameter(i + 14, self.file_id)?;
                st.raw_bind_parameter(i + 15, p.arena.bytes(r.blob))?;
                i += 16;
            }
            st.raw_execute()?
        } else {
            let mut done = 0;
            for r in &p.rows {
                let text = r.text.map(|c| c.map(|c| p.arena.text(c)));
                let blob = p.arena.bytes(r.blob);
                done += insert_one(
                    &self.conn,
                    &self.partner,
                    self.file_id,
                    text,
                    &r.money,
                    blob,
                )?;
            }
            done
        };
        if inserted < n {
            // Ids of the batch already applied by an earlier file (rare: the file is rejected).
            let mut st = self.conn.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM transactions WHERE partner = ?1 AND transaction_id = ?2 \
                 AND file_id != ?3)",
            )?;
            for r in &p.rows {
                let id = r.text[0].map(|c| p.arena.text(c)).unwrap_or("");
                let earlier: bool =
                    st.query_row(params![self.partner, id, self.file_id], |x| x.get(0))?;
                if earlier {
                    p.conflicts.push((r.row, id.to_string()));
                }
            }
        }
        p.clear();
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
                    crate::activity::AddError::Amount(c, v) => bad_amount(&c, &v),
                    crate::activity::AddError::Overflow(o) => Error::Sum(o),
                })?;
            if self.activity.len() >= self.activity_limit {
                self.spill_activity()?;
            }
        }
        Ok(())
    }

    /// Stores a row of a non-posted snapshot; the snapshot of its date replaces any earlier one.
    pub fn non_posted(&mut self, n: &NonPostedIn) -> Result<()> {
        if !self.snapshots.iter().any(|d| d == n.file_date) {
            clear_snapshot(&self.conn, &self.partner, n.file_date)?;
            self.snapshots.push(n.file_date.to_string());
        }
        let amount = n.amount.map(codec::money_value);
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO non_posted(partner, file_date, id, balance_id, amount, file_id, row) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![self.partner, n.file_date, n.id, n.balance_id, amount, self.file_id, n.row])?;
        Ok(())
    }

    /// Records an event of an entry in this file's transaction (a dishonored return the file
    /// sends): it commits, or rolls back, with the decision.
    pub fn ach_event(&mut self, e: &crate::AchEvent) -> Result<()> {
        self.conn
            .prepare_cached(crate::ach_events::ADD)?
            .execute(params![
                e.partner,
                e.trace,
                e.kind,
                e.code,
                e.file,
                e.at,
                e.detail,
                e.settlement_date
            ])?;
        Ok(())
    }

    /// Stores an accepted Nacha entry (`json`: its fields) settling on `settlement_date`.
    pub fn ach_entry(
        &mut self,
        line: u64,
        trace: &str,
        settlement_date: Option<&str>,
        json: &str,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO ach_entries(file_id, line, partner, trace, settlement_date, data) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                self.file_id,
                line as i64,
                self.partner,
                trace,
                settlement_date,
                json
            ])?;
        Ok(())
    }

    /// The activity in memory, as partial sums, into the temporary table.
    fn spill_activity(&mut self) -> Result<()> {
        if !self.spilled {
            self.conn.execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS bd_partial(file_date TEXT, balance_id TEXT, activity BLOB); \
                 DELETE FROM bd_partial;",
            )?;
            self.spilled = true;
        }
        let mut st = self.conn.prepare_cached(
            "INSERT INTO bd_partial(file_date, balance_id, activity) VALUES (?1, ?2, ?3)",
        )?;
        self.activity.drain(&mut |date, balance, blob| {
            st.execute(params![date, balance, blob])?;
            Ok(())
        })
    }

    /// Every (day, balance)'s activity added to its `balances` row, once.
    fn flush_activity(&mut self) -> Result<()> {
        if !self.spilled {
            let (c, partner) = (&self.conn, &self.partner);
            let mut rows = DayRows::default();
            self.activity.drain(&mut |date, balance, blob| {
                rows.push(date, balance, blob);
                if rows.len() == UPSERT_ROWS {
                    upsert_activities(c, partner, &rows)?;
                    rows.clear();
                }
                Ok(())
            })?;
            return upsert_activities(c, partner, &rows);
        }
        self.spill_activity()?;
        let mut st = self.conn.prepare(
            "SELECT file_date, balance_id, activity FROM bd_partial ORDER BY file_date, balance_id",
        )?;
        let mut rows = st.query([])?;
        let mut current: Option<(String, String, Activity)> = None;
        let mut buf = Vec::new();
        while let Some(r) = rows.next()? {
            let (date, balance) = (r.get_ref(0)?.as_str()?, r.get_ref(1)?.as_str()?);
            let part = Activity::decode(&TRANSACTION_AMOUNT_COLUMNS, r.get_ref(2)?.as_blob()?)
                .ok_or_else(|| Error::Damaged {
                    what: "partial activity",
                    key: balance.to_string(),
                })?;
            match &mut current {
                Some((d, b, a)) if d == date && b == balance => a.merge(&part)?,
                _ => {
                    if let Some((d, b, a)) = current.take() {
                        upsert_activity(&self.conn, &self.partner, &d, &b, &a, &mut buf)?;
                    }
                    current = Some((date.to_string(), balance.to_string(), part));
                }
            }
        }
        if let Some((d, b, a)) = current.take() {
            upsert_activity(&self.conn, &self.partner, &d, &b, &a, &mut buf)?;
        }
        drop(rows);
        drop(st);
        self.conn.execute_batch("DELETE FROM bd_partial")?;
        Ok(())
    }

    /// The end of a file: pending activity written, the openings of balance days set.
    pub(crate) fn finish(&mut self) -> Result<()> {
        self.flush_activity()?;
        for d in std::mem::take(&mut self.balance_dates) {
            if d.fresh {
                // Openings went in with the rows: only the balances of the day before missing
                // from this one are added, and a later day reopened (a late file).
                day::add_missing(&self.conn, &self.partner, &d.date, d.prev.as_deref())?;
                day::reopen_next(&self.conn, &self.partner, &d.date)?;
            } else {
                day::reopen_around(&self.conn, &self.partner, &d.date)?;
            }
        }
        // A day with activity but no balance file yet still opens from the last one (its
        // balances are then listed missing, its activity unmatched, until the file comes).
        for date in std::mem::take(&mut self.activity_dates) {
            if !day::has_balance_file(&self.conn, &self.partner, &date)? {
                day::reopen(&self.conn, &self.partner, &date)?;
            }
        }
        Ok(())
    }

    /// A file whose empty snapshot replaces the day's (a header-only non-posted file: nothing
    /// pending).
    pub fn empty_snapshot(&mut self, file_date: &str) -> Result<()> {
        clear_snapshot(&self.conn, &self.partner, file_date)
    }
}

fn clear_snapshot(c: &Connection, partner: &str, file_date: &str) -> Result<()> {
    c.prepare_cached("DELETE FROM non_posted WHERE partner = ?1 AND file_date = ?2")?
        .execute(params![partner, file_date])?;
    Ok(())
}

pub(crate) fn layout_id(c: &Connection, file_type: &str, joined: &str) -> Result<i64> {
    c.prepare_cached("INSERT OR IGNORE INTO layouts(file_type, columns) VALUES (?1, ?2)")?
        .execute(params![file_type, joined])?;
    Ok(
        c.prepare_cached("SELECT id FROM layouts WHERE file_type = ?1 AND columns = ?2")?
            .query_row(params![file_type, joined], |r| r.get(0))?,
    )
}

pub(crate) fn insert_state(
    c: &Connection,
    partner: &str,
    (file_type, key, file_id): (&str, &str, i64),
    file_date: Option<&str>,
    state: &str,
    effective_at: Option<&str>,
) -> Result<()> {
    let last: Option<String> = c
        .prepare_cached(
            "SELECT state FROM record_states WHERE partner = ?1 AND file_type = ?2 AND record_key = ?3 \
             ORDER BY file_id DESC LIMIT 1",
        )?
        .query_row(params![partner, file_type, key], |r| r.get(0))
        .optional()?;
    if last.as_deref() == Some(state) {
        return Ok(());
    }
    c.prepare_cached(
        "INSERT OR REPLACE INTO record_states(partner, file_type, record_key, file_id, file_date, state, effective_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![partner, file_type, key, file_id, file_date, state, effective_at])?;
    Ok(())
}

pub(crate) fn amounts_of(pairs: &[(&str, &str)]) -> Result<Amounts> {
    let mut out = Vec::with_capacity(pairs.len());
    for (c, t) in pairs {
        let (m, s) = codec::parse_amount(t).ok_or_else(|| bad_amount(c, t))?;
        out.push((
            c.to_string(),
            codec::decimal(m, s).ok_or_else(|| bad_amount(c, t))?,
        ));
    }
    Ok(Amounts(out))
}

pub(crate) fn insert_balance(
    c: &Connection,
    partner: &str,
    file_id: i64,
    b: &BalanceIn,
    opening: Option<&day::Opening>,
    buf: &mut Vec<u8>,
) -> Result<()> {
    let typed = |name: &str| {
        b.amounts
            .iter()
            .find(|(c, _)| *c == name)
            .map(|(_, t)| codec::money_value(t))
    };
    let m: Vec<Option<rusqlite::types::Value>> =
        BALANCE_AMOUNT_COLUMNS.iter().map(|c| typed(c)).collect();
    buf.clear();
    amounts_of(b.amounts)?.encode(&BALANCE_AMOUNT_COLUMNS, buf);
    // An upsert: the day's transaction file may have come first and left its activity.
    c.prepare_cached(
        "INSERT INTO balances(partner, file_date, balance_key, file_id, account_id, settlement_account, \
         currency, id_kind, type, status, status_reason, balance, rewards_balance, \
         interest_accrued_balance, dispute_balance, charge_off_balance, past_due_balance, \
         outstanding_principal, outstanding_fees, row, closing, opening, opening_type, opening_status) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, \
         ?21, ?22, ?23, ?24) \
         ON CONFLICT(partner, file_date, balance_key) DO UPDATE SET file_id = excluded.file_id, \
         account_id = excluded.account_id, settlement_account = excluded.settlement_account, \
         currency = excluded.currency, id_kind = excluded.id_kind, type = excluded.type, \
         status = excluded.status, status_reason = excluded.status_reason, balance = excluded.balance, \
         rewards_balance = excluded.rewards_balance, \
         interest_accrued_balance = excluded.interest_accrued_balance, \
         dispute_balance = excluded.dispute_balance, charge_off_balance = excluded.charge_off_balance, \
         past_due_balance = excluded.past_due_balance, \
         outstanding_principal = excluded.outstanding_principal, \
         outstanding_fees = excluded.outstanding_fees, row = excluded.row, closing = excluded.closing",
    )?
    .execute(params![
        partner,
        b.file_date,
        b.balance_id,
        file_id,
        b.account_id,
        b.settlement_account,
        b.currency,
        i64::from(b.lead_id),
        b.balance_type,
        b.status,
        b.status_reason,
        m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7],
        b.row,
        &buf[..],
        opening.map(|o| &o.amounts[..]),
        opening.and_then(|o| o.balance_type.as_deref()),
        opening.and_then(|o| o.status.as_deref()),
    ])?;
    Ok(())
}

/// Inserts one transaction; `?1` partner, `?2`..`?7` id, balance, card, file date, effective_at,
/// type, `?8`..`?14` the money columns, `?15` file id, `?16` the row blob.
const INSERT_TRANSACTION: &str = "INSERT INTO transactions(partner, transaction_id, balance_id, \
     card_id, file_date, effective_at, type, amount, amount_in_usd, principal_amount, fee_amount, \
     interest_amount, rewards_amount, settlement_amount, file_id, row) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) \
     ON CONFLICT(partner, transaction_id) DO NOTHING";

/// The index of the file date among a transaction's text cells (id, balance, card, file date,
/// effective_at, type): bound in its stored form, a day number ([`when`]).
const TX_FILE_DATE: usize = 3;
/// The index of `effective_at` among them: bound as seconds since the epoch ([`when`]).
const TX_EFFECTIVE_AT: usize = 4;

/// Transactions inserted by one statement.
const TX_ROWS: usize = 32;

/// [`INSERT_TRANSACTION`] of [`TX_ROWS`] rows, parameters numbered in order.
static INSERT_TRANSACTIONS: LazyLock<String> =
    LazyLock::new(|| rows_of(INSERT_TRANSACTION, 16, TX_ROWS));

/// `sql`, a one-row `VALUES (?1, …, ?width) …` statement, for `rows` rows: the same columns and
/// conflict clause, its parameters numbered in order.
fn rows_of(sql: &str, width: usize, rows: usize) -> String {
    let one = format!(
        "({})",
        (1..=width)
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let tuple = format!("({})", vec!["?"; width].join(", "));
    // A statement whose VALUES do not read `(?1, …, ?width)` is a bug here, not a runtime case.
    assert!(sql.contains(&one), "no one-row VALUES {one} in {sql}");
    sql.replacen(&one, &vec![tuple; rows].join(", "), 1)
}

/// Values back to back, a row's cells as spans of them: one allocation for a statement's rows.
#[derive(Default)]
struct Arena {
    text: String,
    bytes: Vec<u8>,
}

/// Where a value is in an [`Arena`].
#[derive(Clone, Copy)]
struct Span(u32, u32);

impl Arena {
    fn put_text(&mut self, v: &str) -> Span {
        let at = self.text.len() as u32;
        self.text.push_str(v);
        Span(at, v.len() as u32)
    }

    fn put_bytes(&mut self, v: &[u8]) -> Span {
        let at = self.bytes.len() as u32;
        self.bytes.extend_from_slice(v);
        Span(at, v.len() as u32)
    }

    fn text(&self, Span(at, len): Span) -> &str {
        &self.text[at as usize..(at + len) as usize]
    }

    fn bytes(&self, Span(at, len): Span) -> &[u8] {
        &self.bytes[at as usize..(at + len) as usize]
    }

    fn clear(&mut self) {
        self.text.clear();
        self.bytes.clear();
    }
}

/// Transactions waiting for their statement, and the conflicts found so far.
#[derive(Default)]
pub(crate) struct Pending {
    arena: Arena,
    rows: Vec<PendingRow>,
    conflicts: Vec<(u64, String)>,
}

/// One pending transaction: where its cells are in the [`Arena`].
struct PendingRow {
    row: u64,
    /// id, balance, card, file date, effective_at, type.
    text: [Option<Span>; 6],
    money: [Option<rusqlite::types::Value>; 7],
    blob: Span,
}

/// A transaction's money cells in the typed form, in [`TRANSACTION_AMOUNT_COLUMNS`] order.
fn typed_money(t: &TransactionIn) -> [Option<rusqlite::types::Value>; 7] {
    TRANSACTION_AMOUNT_COLUMNS.map(|name| {
        t.amounts
            .iter()
            .find(|(c, _)| *c == name)
            .map(|(_, v)| codec::money_value(v))
    })
}

impl Pending {
    fn push(&mut self, row: u64, t: &TransactionIn) {
        let a = &mut self.arena;
        let text = [
            Some(t.id),
            t.balance_id,
            t.card_id,
            t.file_date,
            t.effective_at,
            t.tx_type,
        ]
        .map(|v| v.map(|v| a.put_text(v)));
        let blob = a.put_bytes(t.row);
        self.rows.push(PendingRow {
            row,
            text,
            money: typed_money(t),
            blob,
        });
    }

    fn clear(&mut self) {
        self.arena.clear();
        self.rows.clear();
    }
}

/// Inserts one transaction ([`INSERT_TRANSACTION`]); 1 if it went in, 0 if its id was there.
fn insert_one(
    c: &Connection,
    partner: &str,
    file_id: i64,
    [id, balance, card, date, effective, ty]: [Option<&str>; 6],
    m: &[Option<rusqlite::types::Value>; 7],
    row: &[u8],
) -> Result<usize> {
    Ok(c.prepare_cached(INSERT_TRANSACTION)?.execute(params![
        partner,
        id,
        balance,
        card,
        date.map(when::date),
        effective.map(when::instant),
        ty,
        m[0],
        m[1],
        m[2],
        m[3],
        m[4],
        m[5],
        m[6],
        file_id,
        row
    ])?)
}

pub(crate) fn insert_transaction(
    c: &Connection,
    partner: &str,
    file_id: i64,
    t: &TransactionIn,
) -> Result<bool> {
    let text = [
        Some(t.id),
        t.balance_id,
        t.card_id,
        t.file_date,
        t.effective_at,
        t.tx_type,
    ];
    Ok(insert_one(c, partner, file_id, text, &typed_money(t), t.row)? == 1)
}

pub(crate) fn add_activity(a: &mut Activity, t: &TransactionIn) -> Result<()> {
    a.count += 1;
    for (c, text) in t.amounts {
        let (m, s) = codec::parse_amount(text).ok_or_else(|| bad_amount(c, text))?;
        let v = codec::decimal(m, s).ok_or_else(|| bad_amount(c, text))?;
        a.add(t.tx_type, c, v)?;
    }
    Ok(())
}

/// Adds one balance day's activity to its row (a new row when the day has none for it yet).
const UPSERT_ACTIVITY: &str = "INSERT INTO balances(partner, file_date, balance_key, activity) \
     VALUES (?1, ?2, ?3, ?4) ON CONFLICT(partner, file_date, balance_key) DO UPDATE SET \
     activity = CASE WHEN balances.activity IS NULL THEN excluded.activity \
     ELSE bd_add_activity(balances.activity, excluded.activity) END";

/// Balance days written by one statement (fewer statements: most of a row's cost is the
/// statement's, not the row's).
const UPSERT_ROWS: usize = 64;

/// [`upsert_activity`] of several already encoded activities: `UPSERT_ROWS` at a time, the rest
/// one by one.
fn upsert_activities(c: &Connection, partner: &str, rows: &DayRows) -> Result<()> {
    if rows.len() == UPSERT_ROWS {
        let mut st = c.prepare_cached(&UPSERT_ACTIVITIES)?;
        let mut i = 1;
        for (date, balance, blob) in rows.iter() {
            st.raw_bind_parameter(i, partner)?;
            st.raw_bind_parameter(i + 1, date)?;
            st.raw_bind_parameter(i + 2, balance)?;
            st.raw_bind_parameter(i + 3, blob)?;
            i += 4;
        }
        st.raw_execute()?;
        return Ok(());
    }
    for (date, balance, blob) in rows.iter() {
        c.prepare_cached(UPSERT_ACTIVITY)?
            .execute(params![partner, date, balance, blob])?;
    }
    Ok(())
}

/// [`UPSERT_ACTIVITY`] of [`UPSERT_ROWS`] rows.
static UPSERT_ACTIVITIES: LazyLock<String> =
    LazyLock::new(|| rows_of(UPSERT_ACTIVITY, 4, UPSERT_ROWS));

/// Balance days waiting for their statement.
#[derive(Default)]
struct DayRows {
    arena: Arena,
    /// date, balance, activity blob.
    rows: Vec<[Span; 3]>,
}

impl DayRows {
    fn push(&mut self, date: &str, balance: &str, blob: &[u8]) {
        let a = &mut self.arena;
        let row = [a.put_text(date), a.put_text(balance), a.put_bytes(blob)];
        self.rows.push(row);
    }

    fn len(&self) -> usize {
        self.rows.len()
    }

    fn clear(&mut self) {
        self.arena.clear();
        self.rows.clear();
    }

    fn iter(&self) -> impl Iterator<Item = (&str, &str, &[u8])> + '_ {
        let a = &self.arena;
        self.rows
            .iter()
            .map(|[d, b, blob]| (a.text(*d), a.text(*b), a.bytes(*blob)))
    }
}

pub(crate) fn upsert_activity(
    c: &Connection,
    partner: &str,
    file_date: &str,
    balance_id: &str,
    a: &Activity,
    buf: &mut Vec<u8>,
) -> Result<()> {
    buf.clear();
    a.encode(&TRANSACTION_AMOUNT_COLUMNS, buf);
    c.prepare_cached(UPSERT_ACTIVITY)?.execute(params![
        partner,
        file_date,
        balance_id,
        &buf[..]
    ])?;
    Ok(())
}

impl Store {
    /// Counts of stored records, balance reports and transactions of a partner.
    pub fn counts(&self, partner: &str) -> Result<(u64, u64, u64)> {
        let c = self.reader()?;
        let n = |sql: &str| -> Result<u64> {
            Ok(c.query_row(sql, params![partner], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok((
            n("SELECT count(*) FROM records WHERE partner = ?1")?,
            n("SELECT count(*) FROM balances WHERE partner = ?1 AND closing IS NOT NULL")?,
            n("SELECT count(*) FROM transactions WHERE partner = ?1")?,
        ))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Apply(e.to_string())
    }
}
