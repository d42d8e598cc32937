//! Read snapshots on PostgreSQL ([`PgReader`]): what SQLite's pooled read-only connections are
//! (`crate::Reader`), a connection of the pool in a `REPEATABLE READ READ ONLY` transaction, so
//! every lookup of one file's checks sees the same committed state.

use super::{PgStore, Pooled};
use crate::Result;
use postgres::types::ToSql;
use postgres::{Client, Row, Statement};
use std::cell::RefCell;
use std::collections::HashMap;

/// A consistent view of the database, for the lookups of one file or one nightly run; rolled
/// back (it never writes) when dropped.
pub struct PgReader<'s> {
    /// `None` only once dropped (the connection goes back to the pool or is closed). The
    /// client and its pool are held apart, not as one `Pooled` in the `RefCell`, so that a
    /// reader is covariant in `'s` like SQLite's (which has no lifetime): code borrowing
    /// `&'a Snapshot<'a>` then compiles against both.
    client: RefCell<Option<Client>>,
    /// The statements prepared on the connection, by their text: a file's checks ask the same
    /// few questions once or more a row, and preparing each time cost a round trip and a plan.
    statements: RefCell<HashMap<&'static str, Statement>>,
    pool: &'s PgStore,
}

impl PgStore {
    /// A read snapshot (see [`PgReader`]).
    pub fn snapshot(&self) -> Result<PgReader<'_>> {
        let mut c = self.client()?;
        c.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        Ok(PgReader {
            client: RefCell::new(c.client.take()),
            statements: RefCell::default(),
            pool: self,
        })
    }
}

impl PgReader<'_> {
    /// The rows of a query in the snapshot (`sql` is prepared once per snapshot).
    pub(crate) fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>> {
        self.with_client(|c| {
            let mut statements = self.statements.borrow_mut();
            let statement = match statements.get(sql) {
                Some(s) => s.clone(),
                None => {
                    let s = c.prepare(sql)?;
                    statements.insert(sql, s.clone());
                    s
                }
            };
            Ok(c.query(&statement, params)?)
        })
    }

    /// The one row of a query in the snapshot, if any.
    pub(crate) fn query_opt(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs `f` on the snapshot's connection (for rows streamed from the server). The
    /// connection is only gone once the reader is dropped, so the error cannot be seen by a
    /// caller; it is there instead of a panic.
    pub(crate) fn with_client<T, E: From<crate::Error>>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        match &mut *self.client.borrow_mut() {
            Some(c) => f(c),
            None => Err(crate::Error::Apply("the snapshot is closed".into()).into()),
        }
    }
}

impl Drop for PgReader<'_> {
    fn drop(&mut self) {
        // Closed while the connection is still ours.
        self.statements.get_mut().clear();
        if let Some(c) = self.client.get_mut().take() {
            // Back to the pool through a `Pooled`, which keeps a closed connection out.
            let mut c = Pooled {
                client: Some(c),
                pool: self.pool,
            };
            if c.batch_execute("ROLLBACK").is_err() {
                c.discard();
            }
        }
    }
}
