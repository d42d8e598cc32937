//! Applying an accepted file's rows in the same transaction as its decision (D7, D8): a file is
//! decided and applied together, or neither.

use crate::{Decision, Error, Result, Store};
use rusqlite::{params, Transaction};

/// Writes one accepted file's rows; handed to the closure of [`Store::decide_and_apply`].
pub struct Applier<'t> {
    tx: &'t Transaction<'t>,
    partner: String,
    file_id: i64,
}

impl Applier<'_> {
    /// Stores the current version of a record (full overwrite, D8).
    pub fn record(&mut self, file_type: &str, key: &str, json: &str) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO records(partner, file_type, record_key, data, file_id) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT(partner, file_type, record_key) DO UPDATE SET data = excluded.data, file_id = excluded.file_id",
            )?
            .execute(params![self.partner, file_type, key, json, self.file_id])?;
        Ok(())
    }

    /// Records that `ref_id` names the record `key` of `file_type` (a record's `ref_ids`, e.g. a
    /// balance's `client_balance_id` and its Lead `id`), for reference checks (D8).
    pub fn record_ref(&mut self, file_type: &str, ref_id: &str, key: &str) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO record_refs(partner, file_type, ref_id, record_key) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT(partner, file_type, ref_id) DO UPDATE SET record_key = excluded.record_key",
            )?
            .execute(params![self.partner, file_type, ref_id, key])?;
        Ok(())
    }

    /// Stores a balance as reported in the file dated `file_date` (its history by date).
    pub fn balance(&mut self, key: &str, file_date: &str, json: &str) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO balance_history(partner, balance_key, file_date, data, file_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![self.partner, key, file_date, json, self.file_id])?;
        Ok(())
    }

    /// Stores an accepted transaction. Transactions are append-only (spec 05 §5.4): returns
    /// `false`, storing nothing, when the id was already applied (D8: ids never repeat).
    pub fn transaction(
        &mut self,
        id: &str,
        balance_id: Option<&str>,
        file_date: Option<&str>,
        json: &str,
    ) -> Result<bool> {
        let n = self
            .tx
            .prepare_cached(
                "INSERT INTO transactions(partner, transaction_id, balance_id, file_date, data, file_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(partner, transaction_id) DO NOTHING",
            )?
            .execute(params![self.partner, id, balance_id, file_date, json, self.file_id])?;
        Ok(n == 1)
    }

    /// Stores an accepted Nacha entry.
    pub fn ach_entry(&mut self, line: u64, trace: &str, json: &str) -> Result<()> {
        self.tx
            .prepare_cached("INSERT INTO ach_entries(file_id, line, partner, trace, data) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![self.file_id, line as i64, self.partner, trace, json])?;
        Ok(())
    }
}

impl Store {
    /// Records the decision and, in the same transaction, whatever `apply` writes; then runs
    /// `before_commit` (writing the result files) while the transaction is still open, and
    /// commits. If either fails nothing is written and the file stays undecided. Returns `false`
    /// (writing nothing) when the file was already decided.
    pub fn decide_and_apply(
        &self,
        id: i64,
        d: &Decision,
        apply: &mut dyn FnMut(&mut Applier) -> Result<()>,
        before_commit: &mut dyn FnMut() -> Result<()>,
    ) -> Result<bool> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let partner: String = tx.query_row(
            "SELECT partner FROM files WHERE id = ?1",
            params![id],
            |r| r.get(0),
        )?;
        if !crate::ledger::decide_in(&tx, id, d)? {
            return Ok(false);
        }
        apply(&mut Applier {
            tx: &tx,
            partner,
            file_id: id,
        })?;
        before_commit()?;
        tx.commit()?;
        Ok(true)
    }

    /// The current version of a record, as stored JSON.
    pub fn record(&self, partner: &str, file_type: &str, key: &str) -> Result<Option<String>> {
        record_in(&self.conn(), partner, file_type, key)
    }

    /// Counts of stored records, balance reports and transactions of a partner.
    pub fn counts(&self, partner: &str) -> Result<(u64, u64, u64)> {
        let c = self.conn();
        let n = |sql: &str| -> Result<u64> {
            Ok(c.query_row(sql, params![partner], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok((
            n("SELECT count(*) FROM records WHERE partner = ?1")?,
            n("SELECT count(*) FROM balance_history WHERE partner = ?1")?,
            n("SELECT count(*) FROM transactions WHERE partner = ?1")?,
        ))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Apply(e.to_string())
    }
}

pub(crate) fn record_in(
    c: &rusqlite::Connection,
    partner: &str,
    file_type: &str,
    key: &str,
) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(c.prepare_cached(
        "SELECT data FROM records WHERE partner = ?1 AND file_type = ?2 AND record_key = ?3",
    )?
    .query_row(params![partner, file_type, key], |r| r.get(0))
    .optional()?)
}
