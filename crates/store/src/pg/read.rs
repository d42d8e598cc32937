//! Read snapshots on PostgreSQL ([`PgReader`]): what SQLite's pooled read-only connections are
//! (`crate::Reader`), a connection of the pool in a `REPEATABLE READ READ ONLY` transaction, so
//! every lookup of one file's checks sees the same committed state.

use super::{PgStore, Pooled};
use crate::Result;
use postgres::types::ToSql;
use postgres::Row;
use std::cell::RefCell;

/// A consistent view of the database, for the lookups of one file or one nightly run; rolled
/// back (it never writes) when dropped.
pub struct PgReader<'s> {
    /// `None` only once dropped (the connection goes back to the pool or is closed).
    client: Option<RefCell<Pooled<'s>>>,
}

impl PgStore {
    /// A read snapshot (see [`PgReader`]).
    pub fn snapshot(&self) -> Result<PgReader<'_>> {
        let mut c = self.client()?;
        c.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        Ok(PgReader {
            client: Some(RefCell::new(c)),
        })
    }
}

impl PgReader<'_> {
    /// The rows of a query in the snapshot.
    pub(crate) fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let Some(c) = &self.client else {
            return Ok(Vec::new());
        };
        Ok(c.borrow_mut().query(sql, params)?)
    }

    /// The one row of a query in the snapshot, if any.
    pub(crate) fn query_opt(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

impl PgReader<'_> {
    /// Runs `f` on the snapshot's connection (for rows streamed from the server).
    pub(crate) fn with_client<T, E: From<crate::Error>>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        match &self.client {
            Some(c) => f(&mut c.borrow_mut()),
            None => Err(crate::Error::Apply("the snapshot is closed".into()).into()),
        }
    }
}

impl Drop for PgReader<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            let mut c = c.into_inner();
            if c.batch_execute("ROLLBACK").is_err() {
                c.discard();
            }
        }
    }
}
