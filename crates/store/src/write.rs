//! The one way a file's decision and its rows get written: a write transaction held for one
//! file ([`WriteTx`]), open while the rows go in — all of them at once from a file decided
//! earlier, or as they are validated when the writer was free — and committed with the
//! decision, or rolled back.

use crate::apply::WriteTx;
use crate::{Decision, NewFile, Result, Store};
use rusqlite::{params, Connection, OptionalExtension};
use std::sync::MutexGuard;

impl Store {
    /// Takes the write connection (waiting for it) and begins the transaction of the file `f`
    /// claims, with its ledger row (a new one, or the one a crash left undecided for its path):
    /// nothing of it is visible before the commit.
    pub fn write(&self, f: &NewFile) -> Result<WriteTx<'_>> {
        WriteTx::begin(self, self.conn(), f)
    }

    /// [`Store::write`] if the write connection is free now; `Ok(None)` if another file holds it.
    pub fn try_write(&self, f: &NewFile) -> Result<Option<WriteTx<'_>>> {
        match self.try_conn() {
            Some(conn) => WriteTx::begin(self, conn, f).map(Some),
            None => Ok(None),
        }
    }

    /// The write transaction of file `id`, claimed earlier with [`crate::Ledger::begin`]; `None` when it
    /// is decided already.
    pub fn write_claimed(&self, id: i64) -> Result<Option<WriteTx<'_>>> {
        let mut w = WriteTx::open(self, self.conn())?;
        let row: Option<(String, String)> = w
            .conn
            .query_row(
                "SELECT partner, state FROM files WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match row {
            Some((partner, state)) if state == "validating" => {
                w.partner = partner;
                w.file_id = id;
                Ok(Some(w))
            }
            _ => Ok(None),
        }
    }
}

impl<'s> WriteTx<'s> {
    fn open(store: &'s Store, conn: MutexGuard<'s, Connection>) -> Result<Self> {
        // IMMEDIATE: the database's write lock now, so another process writing meanwhile (a
        // `bankdrop registry` command) makes us wait here rather than fail at the first write.
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let mut w = WriteTx::new(store, conn);
        w.open = true;
        Ok(w)
    }

    fn begin(store: &'s Store, conn: MutexGuard<'s, Connection>, f: &NewFile) -> Result<Self> {
        let mut w = WriteTx::open(store, conn)?;
        w.file_id = crate::ledger::begin_in(&w.conn, f)?;
        w.partner = f.partner.clone();
        Ok(w)
    }

    /// The file's ledger id.
    pub fn file_id(&self) -> i64 {
        self.file_id
    }

    /// Sets the file's hash and size, known once its bytes were read (the claim could not wait
    /// for them).
    pub fn set_file_hash(&self, sha256: &str, bytes: u64) -> Result<()> {
        self.conn.execute(
            "UPDATE files SET sha256 = ?2, bytes = ?3 WHERE id = ?1",
            params![self.file_id, sha256, bytes as i64],
        )?;
        Ok(())
    }

    /// Records the decision, runs `before_commit` (writing the result files) while the
    /// transaction is still open, and commits. A failure of either rolls everything back and
    /// the file stays undecided.
    pub fn commit(
        mut self,
        d: &Decision,
        before_commit: &mut dyn FnMut() -> Result<()>,
    ) -> Result<bool> {
        // Rows still waiting for their statement go in now; an id applied by an earlier file
        // that nobody asked about must not be committed.
        if !self.take_conflicts()?.is_empty() {
            return Err(crate::Error::Apply(
                "transaction ids already applied by an earlier file".into(),
            ));
        }
        self.finish()?;
        if !crate::ledger::decide_in(&self.conn, self.file_id, d)? {
            return Ok(false);
        }
        before_commit()?;
        self.conn.execute_batch("COMMIT")?;
        self.open = false;
        self.store.committed();
        Ok(true)
    }
}

impl Drop for WriteTx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing was committed; a failing rollback leaves SQLite to roll back on close.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}
