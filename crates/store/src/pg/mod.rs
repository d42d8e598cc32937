//! The store on PostgreSQL, for several nodes sharing one database (`docs/MULTI-NODE.md`). It
//! implements the same interface as the SQLite store ([`crate::api`]), concern by concern; the
//! store's tests run over both (`tests/backends.rs`). Chosen by `[store] url` through
//! [`crate::Db`], which the rest of the program uses.

pub mod cluster;
mod day;
mod ledger;
mod ops;
mod partners;
mod read;
mod records;
mod refs;
mod schema;
mod write;

pub use read::PgReader;
pub use write::PgWriteTx;

use crate::Result;
use postgres::{Client, NoTls};
use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

/// Schema versions, applied in order; the index + 1 is the version kept in `bankdrop_schema`.
const MIGRATIONS: &[&str] = &[
    concat!(
        partners_ddl!(),
        r#"CREATE TABLE files (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner TEXT NOT NULL,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    file_type TEXT,
    prefix TEXT,
    version BIGINT,
    sha256 TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    rows BIGINT,
    state TEXT NOT NULL,
    late BOOLEAN NOT NULL DEFAULT FALSE,
    error_count BIGINT NOT NULL DEFAULT 0,
    warning_count BIGINT NOT NULL DEFAULT 0,
    received_at TEXT NOT NULL,
    decided_at TEXT,
    final_path TEXT
);
CREATE INDEX files_key ON files(partner, file_type, prefix, version);
CREATE INDEX files_sha ON files(partner, sha256);
CREATE INDEX files_path ON files(partner, path);
-- One undecided row per inbox path: two nodes claiming the same path share it.
CREATE UNIQUE INDEX files_claimed ON files(partner, path) WHERE state = 'validating';
"#
    ),
    cluster::SCHEMA,
    schema::DATA,
    cluster::HELD,
    ops::SCHEMA,
    crate::ach_events::PG_SCHEMA,
    // Accepted documents (spec 01 §14.1), for document reference checks.
    write::documents::SCHEMA,
    crate::sales::PG_SCHEMA,
    crate::partners_v12::SCHEMA,
];

/// The key of the advisory lock that makes nodes starting together migrate once.
const MIGRATION_LOCK: i64 = 0x6261_6e6b_6472_6f70; // "bankdrop"

/// The database on a PostgreSQL server. Cheap to share behind an `Arc`: each call takes a
/// connection from a small pool, so threads never wait for each other's statements.
pub struct PgStore {
    url: String,
    idle: Mutex<Vec<Client>>,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and migrates the database.
    pub fn connect(url: &str) -> Result<PgStore> {
        let store = PgStore {
            url: url.to_string(),
            idle: Mutex::new(Vec::new()),
        };
        store.migrate()?;
        Ok(store)
    }

    /// The url it connects to (with its password: never log it, see [`crate::backend::redacted`]).
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    fn migrate(&self) -> Result<()> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        // "relation already exists, skipping" at every start is noise in every command's log.
        tx.batch_execute("SET LOCAL client_min_messages = warning")?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS bankdrop_schema (version INTEGER NOT NULL)")?;
        let version: i32 = match tx.query_opt("SELECT version FROM bankdrop_schema", &[])? {
            Some(r) => r.get(0),
            None => {
                tx.execute("INSERT INTO bankdrop_schema(version) VALUES (0)", &[])?;
                0
            }
        };
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.batch_execute(sql)?;
            tx.execute(
                "UPDATE bankdrop_schema SET version = $1",
                &[&(i as i32 + 1)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A connection from the pool, or a new one; back to the pool when dropped (unless broken).
    pub(crate) fn client(&self) -> Result<Pooled<'_>> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let client = match idle {
            Some(c) if !c.is_closed() => c,
            _ => Client::connect(&self.url, NoTls)?,
        };
        Ok(Pooled {
            client: Some(client),
            pool: self,
        })
    }
}

/// A pooled connection.
pub(crate) struct Pooled<'p> {
    client: Option<Client>,
    pool: &'p PgStore,
}

impl Deref for Pooled<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("present until dropped")
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("present until dropped")
    }
}

impl Pooled<'_> {
    /// Closes the connection instead of returning it to the pool: after a failed `ROLLBACK` it
    /// may still be inside a transaction, which the next user must never inherit.
    pub(crate) fn discard(mut self) {
        self.client.take();
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            if !c.is_closed() {
                let mut idle = self.pool.idle.lock().unwrap_or_else(|p| p.into_inner());
                idle.push(c);
            }
        }
    }
}
