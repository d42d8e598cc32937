//! Durable state in an embedded SQLite file: partners with their SSH keys, the ledger of every
//! file received, the accepted records in typed tables, the registry, and what the nightly run
//! reads (`docs/ARCHITECTURE.md` has the tables). Migrations run on open.
//!
//! Reads take pooled read-only connections ([`Store::snapshot`] for a consistent view); writes go
//! through [`WriteTx`], the single write connection in the transaction of one file: its ledger
//! row, its rows and its decision commit together, so after a crash a file is either undecided
//! (its row absent, or still `validating`) or decided exactly once.
//!
//! The program uses the store through [`Db`] (`backend.rs`): this SQLite store, or the
//! PostgreSQL one ([`pg::PgStore`], for several nodes), chosen by `[store] url`.

/// The partner tables, the same on both backends (SQLite's first migration, PostgreSQL's).
macro_rules! partners_ddl {
    () => {
        r#"
CREATE TABLE partners (
    name TEXT PRIMARY KEY,
    root TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE partner_keys (
    partner TEXT NOT NULL REFERENCES partners(name) ON DELETE CASCADE,
    key TEXT NOT NULL,
    PRIMARY KEY (partner, key)
);
"#
    };
}

mod ach_events;
mod activity;
pub mod api;
mod apply;
pub mod backend;
mod checkpoint;
pub mod cluster;
pub mod codec;
mod day;
mod documents;
mod history;
mod ledger;
mod migrate;
pub mod ops;
mod partners;
mod partners_v12;
pub mod pg;
mod pool;
mod records;
mod refs;
mod sales;
pub mod when;
mod write;

pub use ach_events::{AchEvent, AchEvents};
pub use api::{
    AlertOutbox, Audit, Cluster, FileSearch, HeldNotes, Ledger, Partners, ReconResults, Users,
};
pub use apply::{BalanceIn, NonPostedIn, TransactionIn, WriteTx};
pub use backend::{Db, Snapshot, Writing};
pub use cluster::{HeldNote, Lease, NodeRow};
pub use documents::DocumentRow;

/// The name the apply code knows the write transaction by.
pub type Applier<'s> = WriteTx<'s>;
pub use day::{
    DayBatch, DayRow, NonPostedRow, Side, BALANCE, BALANCE_AMOUNT_COLUMNS, BALANCE_KEY_COLUMN,
    BALANCE_TYPED, NON_POSTED, NON_POSTED_TYPED, TRANSACTION, TRANSACTION_AMOUNT_COLUMNS,
    TRANSACTION_TYPED,
};
pub use history::{AchRow, Reader};
pub use ledger::{Decision, FileRow, NewFile, State};
pub use ops::{
    AlertRow, AuditRow, BreakAck, BreakRow, FileQuery, NewAlert, ReconDayRow, TokenRow, UserRow,
};
pub use partners::{PartnerRow, PartnerSchedule};
pub use records::{BalanceState, StateChange, StoredRecord};
pub use refs::{OpenBalance, RegistryEntry, REGISTRY_KINDS};
pub use sales::{Answered, NewSale, SaleAnswer, SaleRow, Sales, SalesRequestRow};

use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// Store errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    /// The PostgreSQL server failed, or could not be reached.
    #[error("postgresql: {0}")]
    Pg(#[from] postgres::Error),
    /// A partner name that is already taken or does not exist.
    #[error("{0}")]
    Partner(String),
    /// A user name that is already taken or does not exist, or a token label taken.
    #[error("{0}")]
    User(String),
    /// Reading the rows to apply failed; nothing was applied or decided.
    #[error("applying the file: {0}")]
    Apply(String),
    /// A stored value is not in the form the store writes (a damaged database).
    #[error("stored {what} `{key}` is damaged")]
    Damaged {
        /// What kind of value.
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// A stored value has another SQL type than the store writes.
    #[error("database value: {0}")]
    Value(#[from] rusqlite::types::FromSqlError),
    /// A store url that names no backend (`[store] url`), shown without its credentials.
    #[error("store url: {0}")]
    Url(String),
    /// A sum of amounts cannot be kept exactly.
    #[error(transparent)]
    Sum(#[from] codec::SumOverflow),
}

/// Result alias.
pub type Result<T> = std::result::Result<T, Error>;

/// The page size of a new database.
const PAGE_SIZE: i64 = 32768;

/// How much of the database file connections map (`PRAGMA mmap_size`): address space only.
pub(crate) const MMAP_SIZE: i64 = 1 << 32;

/// Schema versions, applied in order; the index + 1 is the version stored in `user_version`.
const MIGRATIONS: &[&str] = &[
    concat!(
        partners_ddl!(),
        r#"CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    partner TEXT NOT NULL,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    file_type TEXT,
    prefix TEXT,
    version INTEGER,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    rows INTEGER,
    state TEXT NOT NULL,
    late INTEGER NOT NULL DEFAULT 0,
    error_count INTEGER NOT NULL DEFAULT 0,
    warning_count INTEGER NOT NULL DEFAULT 0,
    received_at TEXT NOT NULL,
    decided_at TEXT,
    final_path TEXT
);
CREATE INDEX files_key ON files(partner, file_type, prefix, version);
CREATE INDEX files_sha ON files(partner, sha256);
CREATE INDEX files_path ON files(partner, path);
"#
    ),
    r#"
CREATE TABLE records (
    partner TEXT NOT NULL,
    file_type TEXT NOT NULL,
    record_key TEXT NOT NULL,
    data TEXT NOT NULL,
    file_id INTEGER NOT NULL,
    PRIMARY KEY (partner, file_type, record_key)
) WITHOUT ROWID;
CREATE TABLE balance_history (
    partner TEXT NOT NULL,
    balance_key TEXT NOT NULL,
    file_date TEXT NOT NULL,
    data TEXT NOT NULL,
    file_id INTEGER NOT NULL,
    PRIMARY KEY (partner, balance_key, file_date)
) WITHOUT ROWID;
CREATE TABLE transactions (
    partner TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    balance_id TEXT,
    file_date TEXT,
    data TEXT NOT NULL,
    file_id INTEGER NOT NULL,
    PRIMARY KEY (partner, transaction_id)
) WITHOUT ROWID;
CREATE INDEX transactions_day ON transactions(partner, file_date);
CREATE TABLE ach_entries (
    file_id INTEGER NOT NULL,
    line INTEGER NOT NULL,
    partner TEXT NOT NULL,
    trace TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (file_id, line)
) WITHOUT ROWID;
"#,
    r#"
CREATE TABLE registry (
    partner TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    account_id TEXT,
    created_on TEXT NOT NULL,
    PRIMARY KEY (partner, kind, id)
) WITHOUT ROWID;
CREATE INDEX balance_history_day ON balance_history(partner, file_date);
"#,
    r#"
CREATE TABLE record_refs (
    partner TEXT NOT NULL,
    file_type TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    record_key TEXT NOT NULL,
    PRIMARY KEY (partner, file_type, ref_id)
) WITHOUT ROWID;
"#,
    // The ACH reports read one settlement day's entries (the expression matches the query).
    r#"
CREATE INDEX ach_entries_settled ON ach_entries(partner, json_extract(data, '$.settlement_date'));
"#,
    migrate::V6_SCHEMA,
    migrate::V7_SCHEMA,
    ops::sql::SCHEMA,
    ach_events::SCHEMA,
    // Accepted documents (spec 01 §14.1), for document reference checks.
    documents::SCHEMA,
    sales::SCHEMA,
    // Partner access and schedule, the environment (issue 15).
    partners_v12::SCHEMA,
];

/// Data conversions run after the schema step of the same version, in its transaction.
const DATA_MIGRATIONS: &[(usize, DataMigration)] = &[(6, migrate::v6_data)];

/// A conversion of the rows of a database, run inside the migration's transaction.
type DataMigration = fn(&rusqlite::Transaction) -> Result<()>;

/// The database. Cheap to share behind an `Arc`. Writes serialise on one connection (SQLite has
/// one writer); reads take a connection of their own from a pool, so a worker looking things up
/// never waits for another worker's commit (WAL: readers see the last commit, writers don't
/// block them).
pub struct Store {
    conn: Mutex<Connection>,
    readers: Arc<pool::Pool>,
    checkpointer: checkpoint::Checkpointer,
    /// The database file, for long reads on their own connection.
    path: std::path::PathBuf,
    /// Leases and finished work of the one process serving the file.
    cluster: cluster::LocalCluster,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Store> {
        let mut conn = Connection::open(path)?;
        // A new database's page size (an existing one keeps its own): applying a file appends,
        // and 32 KiB pages are an eighth of the WAL frames and writes of 4 KiB ones (measured:
        // the 100,000-account program ingested in 5.0 s, not 6.2 s; 16 and 64 KiB were close).
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        // WAL keeps readers off the writer; FULL sync makes a committed decision survive power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // A bigger page cache than the default 2 MiB: applying a file touches many pages.
        conn.pragma_update(None, "cache_size", -65536)?;
        // Pages read through a mapping, not copied by pread (reads that miss the cache).
        conn.pragma_update(None, "mmap_size", MMAP_SIZE)?;
        // Commits only append to the WAL; the checkpointer thread copies it into the database
        // on the other core, and the WAL file is cut back after each reset.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.pragma_update(None, "journal_size_limit", 64 << 20)?;
        // One write transaction: two processes opening a new database migrate it once.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        register_functions(&tx)?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql)?;
            for (v, data) in DATA_MIGRATIONS {
                if *v == i + 1 {
                    data(&tx)?;
                }
            }
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
        Ok(Store {
            conn: Mutex::new(conn),
            readers: Arc::new(pool::Pool::new(path)),
            checkpointer: checkpoint::Checkpointer::start(path),
            path: path.to_path_buf(),
            cluster: cluster::LocalCluster::default(),
        })
    }

    /// The cluster of the process serving the file (one node).
    pub fn cluster(&self) -> &cluster::LocalCluster {
        &self.cluster
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A read-only connection from the pool (returned to it when dropped).
    pub(crate) fn reader(&self) -> Result<pool::Pooled> {
        self.readers.get()
    }

    /// The write connection. Held only to write: reads go through [`Store::reader`].
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll back).
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The write connection if no one holds it now.
    pub(crate) fn try_conn(&self) -> Option<MutexGuard<'_, Connection>> {
        match self.conn.try_lock() {
            Ok(g) => Some(g),
            Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }

    /// Called after every commit: the WAL is copied into the database in the background.
    pub(crate) fn committed(&self) {
        self.checkpointer.nudge();
    }
}

/// `bd_add_activity(a, b)`: the sum of two activity blobs ([`codec::Activity`]), for the upsert
/// that adds a file's activity to a day (NULL counts as nothing). `bd_date(x)` and
/// `bd_instant(x)`: a date or timestamp text in its stored form ([`when`]), for migrations.
pub(crate) fn register_functions(c: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    c.create_scalar_function("bd_date", 1, flags, |ctx| stored_when(ctx, when::date))?;
    c.create_scalar_function("bd_instant", 1, flags, |ctx| {
        stored_when(ctx, when::instant)
    })?;
    c.create_scalar_function(
        "bd_add_activity",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let a: Option<Vec<u8>> = ctx.get(0)?;
            let b: Option<Vec<u8>> = ctx.get(1)?;
            let bad = || rusqlite::Error::UserFunctionError("damaged activity blob".into());
            let known = &day::TRANSACTION_AMOUNT_COLUMNS;
            match (a, b) {
                (None, b) => Ok(b),
                (a, None) => Ok(a),
                (Some(a), Some(b)) => {
                    let mut x = codec::Activity::decode(known, &a).ok_or_else(bad)?;
                    let y = codec::Activity::decode(known, &b).ok_or_else(bad)?;
                    x.merge(&y)
                        .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?;
                    let mut out = Vec::new();
                    x.encode(known, &mut out);
                    Ok(Some(out))
                }
            }
        },
    )
}

/// A function's argument in the stored form `form` gives a text; other values as they are.
fn stored_when(
    ctx: &rusqlite::functions::Context,
    form: fn(&str) -> when::When<'_>,
) -> rusqlite::Result<rusqlite::types::Value> {
    use rusqlite::types::Value;
    Ok(match ctx.get::<Value>(0)? {
        Value::Text(t) => match form(&t) {
            when::When::Int(v) => Value::Integer(v),
            when::When::Text(_) => Value::Text(t),
        },
        v => v,
    })
}
