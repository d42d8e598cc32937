//! A file's write transaction on PostgreSQL ([`PgWriteTx`]): its ledger row, its rows and its
//! decision in one transaction, as on SQLite (`crate::write`, `crate::apply`), with the same
//! methods, so code written against one compiles against the other.
//!
//! What differs is how rows get there. SQLite is called in process, a statement a row. Here a
//! statement is a round trip, so rows wait in batches ([`batch::Batch`]) and go in thousands to
//! a statement; a batch is written before anything reads what it changes, so every read in the
//! transaction sees what SQLite's would. SQLite has one writer; here several nodes write at
//! once, so the transaction is READ COMMITTED (a row another file is writing is waited for, not
//! failed on), and whatever depends on a partner's balance days as a whole (which balance file
//! a day opens from, a day's activity) is serialised by a lock per partner
//! ([`PgWriteTx::lock_days`]).

#[path = "write_activity.rs"]
mod activity;
#[path = "write_balances.rs"]
mod balances;
#[path = "write_batch.rs"]
mod batch;
#[path = "documents.rs"]
pub(crate) mod documents;
#[path = "write_rows.rs"]
mod rows;
#[path = "write_transactions.rs"]
mod transactions;

use super::{PgStore, Pooled};
use crate::{Decision, Error, NewFile, Result};
use batch::Statements;
use postgres::Client;
use std::cell::RefCell;
use std::collections::HashMap;

/// Distinct (file date, balance) activities kept in memory while a file is applied, as on
/// SQLite; past it they go, as partial sums, to a temporary table.
const ACTIVITY_LIMIT: usize = 250_000;

impl PgStore {
    /// Takes a connection and begins the transaction of the file `f` claims, with its ledger
    /// row (a new one, or the one a crash left undecided for its path): nothing of it is
    /// visible before the commit.
    pub fn write(&self, f: &NewFile) -> Result<PgWriteTx<'_>> {
        let mut w = PgWriteTx::open(self.client()?)?;
        w.file_id = super::ledger::begin_in(w.client.get_mut(), f)?;
        w.partner = f.partner.clone();
        Ok(w)
    }

    /// [`PgStore::write`]. PostgreSQL has no single writer to wait for, so this is always
    /// `Some` (it keeps the SQLite store's signature).
    pub fn try_write(&self, f: &NewFile) -> Result<Option<PgWriteTx<'_>>> {
        self.write(f).map(Some)
    }

    /// The write transaction of file `id`, claimed earlier with [`crate::Ledger::begin`];
    /// `None` when it is decided already (or unknown). The row stays locked until the commit,
    /// so no other node decides it meanwhile.
    pub fn write_claimed(&self, id: i64) -> Result<Option<PgWriteTx<'_>>> {
        let mut w = PgWriteTx::open(self.client()?)?;
        let row = w.client.get_mut().query_opt(
            "SELECT partner, state FROM files WHERE id = $1 FOR UPDATE",
            &[&id],
        )?;
        let Some(row) = row else {
            return Ok(None);
        };
        let state: String = row.try_get(1)?;
        if state != "validating" {
            return Ok(None);
        }
        w.partner = row.try_get(0)?;
        w.file_id = id;
        Ok(Some(w))
    }
}

/// A connection in the transaction of one undecided file: its rows go in (all at once from a
/// file decided earlier, or as they are validated), then its decision, in one commit
/// ([`PgWriteTx::commit`]). Dropped without a commit, everything rolls back. Taken with
/// [`PgStore::write`], [`PgStore::try_write`] or [`PgStore::write_claimed`].
pub struct PgWriteTx<'s> {
    /// Closed (dropped) before the connection goes back to the pool: fields drop in order.
    statements: Statements,
    /// A transaction is open (rolled back on drop).
    open: bool,
    partner: String,
    file_id: i64,
    layouts: HashMap<(String, String), i64>,
    /// The partner's balance-days lock is held.
    days_locked: bool,
    /// Records, references, states, non-posted rows and ACH entries waiting for a statement.
    rows: rows::Pending,
    /// Non-posted file dates whose earlier snapshot was cleared.
    snapshots: Vec<String>,
    /// Balances waiting for a statement.
    balances: balances::Pending,
    /// Balance file dates applied: their openings (and the next file's) are settled at the end.
    balance_dates: Vec<balances::BalanceDay>,
    /// Transactions waiting for a statement, and the conflicts found.
    transactions: transactions::Pending,
    activity: crate::activity::Sums,
    /// Transaction file dates applied.
    activity_dates: Vec<String>,
    /// Partial sums went to the temporary table.
    spilled: bool,
    activity_limit: usize,
    buf: Vec<u8>,
    /// In a cell because [`PgWriteTx::set_file_hash`] takes `&self`, as on SQLite. Last: it
    /// goes back to the pool after everything else is dropped.
    pub(in crate::pg) client: RefCell<Pooled<'s>>,
}

impl<'s> PgWriteTx<'s> {
    fn open(mut client: Pooled<'s>) -> Result<Self> {
        // READ COMMITTED: a row another node's file is writing (the same record, a transaction
        // id) is waited for and then seen as committed, where REPEATABLE READ would fail the
        // file. What must not interleave is locked explicitly (`lock_days`, the ledger row).
        client.batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")?;
        Ok(PgWriteTx {
            client: RefCell::new(client),
            open: true,
            partner: String::new(),
            file_id: 0,
            statements: Statements::default(),
            layouts: HashMap::new(),
            days_locked: false,
            rows: rows::Pending::default(),
            snapshots: Vec::new(),
            balances: balances::Pending::default(),
            balance_dates: Vec::new(),
            transactions: transactions::Pending::default(),
            activity: crate::activity::Sums::default(),
            activity_dates: Vec::new(),
            spilled: false,
            activity_limit: ACTIVITY_LIMIT,
            buf: Vec::new(),
        })
    }

    /// The file's partner.
    pub(crate) fn partner(&self) -> &str {
        &self.partner
    }

    /// The connection, for a method holding `&mut self`.
    pub(crate) fn c(&mut self) -> &mut Client {
        self.client.get_mut()
    }

    /// Whether `node` holds the unexpired lease (`kind`, `key`), checked inside this
    /// transaction and kept so until it ends: the lease row is share-locked, so a node taking
    /// the lease over waits for this commit, and a takeover that committed first is seen here.
    /// A node that stalled past its lease thus never commits the work another node took.
    pub fn holds_lease(&mut self, kind: &str, key: &str, node: &str) -> Result<bool> {
        let row = self.c().query_opt(
            "SELECT 1 FROM leases WHERE kind = $1 AND key = $2 AND node = $3 \
             AND expires_at > now() FOR SHARE",
            &[&kind, &key, &node],
        )?;
        Ok(row.is_some())
    }

    /// The file's ledger id.
    pub fn file_id(&self) -> i64 {
        self.file_id
    }

    /// Sets the file's hash and size, known once its bytes were read (the claim could not wait
    /// for them).
    pub fn set_file_hash(&self, sha256: &str, bytes: u64) -> Result<()> {
        // Never borrowed elsewhere while `&self` is: every other use holds `&mut self`.
        let mut c = self
            .client
            .try_borrow_mut()
            .map_err(|_| Error::Apply("the write connection is in use".into()))?;
        c.execute(
            "UPDATE files SET sha256 = $2, bytes = $3 WHERE id = $1",
            &[&self.file_id, &sha256, &(bytes as i64)],
        )?;
        Ok(())
    }

    /// Records the decision, runs `before_commit` (writing the result files) while the
    /// transaction is still open, and commits. A failure of either rolls everything back and
    /// the file stays undecided. Returns `false` (committing nothing) when the file was decided
    /// already.
    pub fn commit(
        mut self,
        d: &Decision,
        before_commit: &mut dyn FnMut() -> Result<()>,
    ) -> Result<bool> {
        // Rows still waiting for their statement go in now; an id applied by an earlier file
        // that nobody asked about must not be committed.
        if !self.take_conflicts()?.is_empty() {
            return Err(Error::Apply(
                "transaction ids already applied by an earlier file".into(),
            ));
        }
        self.finish()?;
        let id = self.file_id;
        if !super::ledger::decide_in(self.c(), id, d)? {
            return Ok(false);
        }
        before_commit()?;
        self.c().batch_execute("COMMIT")?;
        self.open = false;
        Ok(true)
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
        let c = self.client.get_mut();
        let find = "SELECT id FROM layouts WHERE file_type = $1 AND columns = $2";
        // Looked up first: an INSERT that finds the row still draws an id from the sequence,
        // and ids would run ahead of SQLite's for nothing.
        let id = match c.query_opt(find, &[&file_type, &joined])? {
            Some(r) => r.try_get(0)?,
            None => {
                let made = c.query_opt(
                    "INSERT INTO layouts(file_type, columns) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING RETURNING id",
                    &[&file_type, &joined],
                )?;
                match made {
                    Some(r) => r.try_get(0)?,
                    // Another file made it meanwhile (committed: this statement waited).
                    None => c.query_one(find, &[&file_type, &joined])?.try_get(0)?,
                }
            }
        };
        self.layouts.insert((file_type.to_string(), joined), id);
        Ok(id)
    }

    /// Takes the partner's balance-days lock until the commit, once. SQLite has one writer, so
    /// which balance file a day opens from, whether a day is new, and a day's activity never
    /// change under a file being applied; here another node's file could change them between a
    /// read and the write that depends on it (two days applied at once would each open from
    /// the day before both). Files of other partners, and files without balances or
    /// transactions, do not wait.
    fn lock_days(&mut self) -> Result<()> {
        if self.days_locked {
            return Ok(());
        }
        let key = days_lock_key(&self.partner);
        self.c()
            .execute("SELECT pg_advisory_xact_lock($1)", &[&key])?;
        self.days_locked = true;
        Ok(())
    }

    /// The end of a file: every waiting row written, the activity added to its days, the
    /// openings of balance days settled (what SQLite's `finish` does, in the same order).
    fn finish(&mut self) -> Result<()> {
        self.flush_rows()?;
        if !self.balance_dates.is_empty() || !self.activity_dates.is_empty() {
            self.lock_days()?;
        }
        self.flush_balances()?;
        self.flush_activity()?;
        self.settle_days()
    }
}

/// The advisory lock key of a partner's balance days: a 64-bit FNV-1a hash of a name space and
/// the partner (computed here, so it never depends on a server function). Two partners sharing
/// a key only wait for each other.
fn days_lock_key(partner: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in b"bankdrop balance days\0".iter().chain(partner.as_bytes()) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

impl Drop for PgWriteTx<'_> {
    fn drop(&mut self) {
        if self.open {
            let pooled = self.client.get_mut();
            if pooled.batch_execute("ROLLBACK").is_err() {
                // A connection that cannot roll back must not go back to the pool inside a
                // transaction: it is closed instead (the server rolls back when it goes), as
                // `Pooled::discard` does, which needs the `Pooled` by value.
                pooled.client.take();
            }
        }
    }
}
