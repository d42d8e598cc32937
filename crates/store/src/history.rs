//! Reads for the nightly reconciliation (decision D9): one day's balances, the balances it opens
//! from and the transactions of a file date, page by page from a [`Reader`] snapshot; the
//! non-posted transactions and the accepted ACH entries streamed to a callback. No read holds a
//! whole table in memory.
//!
//! Dates are file dates (`YYYY-MM-DD`, the date in the file name). A file dated T carries the
//! activity of day T−1 (D9), so the reconciliation of activity date D reads file date D+1.

use crate::{Result, Store};

/// One stored balance report or transaction: the key and the row's cells as a JSON object by
/// column name (strings or null), as the pipeline stored them.
#[derive(Debug, Clone, Copy)]
pub struct StoredRow<'a> {
    /// `balance_key`, `transaction_id`, `record_key` or an ACH entry's trace number.
    pub key: &'a str,
    /// The date of the file the row came from (empty when unknown).
    pub file_date: &'a str,
    /// The row's JSON object.
    pub data: &'a str,
}

impl Store {
    /// Runs `sql` (bound to `args`) and hands `(key, file_date, data)` rows to `each` until it
    /// returns `false`. Returns the rows handed over.
    fn stream(
        &self,
        sql: &str,
        args: &[&dyn rusqlite::ToSql],
        each: &mut dyn FnMut(StoredRow) -> bool,
    ) -> Result<u64> {
        // Not the shared connection: holding its lock for the whole stream would stall intake.
        let c = self.reader()?;
        let mut st = c.prepare(sql)?;
        let mut rows = st.query(args)?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            let key: String = r.get(0)?;
            let file_date: Option<String> = r.get(1)?;
            let data: String = r.get(2)?;
            n += 1;
            let row = StoredRow {
                key: &key,
                file_date: file_date.as_deref().unwrap_or(""),
                data: &data,
            };
            if !each(row) {
                break;
            }
        }
        Ok(n)
    }

    /// The current version of every record of `file_type` (e.g. `non_posted_transaction`), by
    /// key. Records are overwritten by id (D8), so this is today's state, not a past day's;
    /// `file_date` is the ledger prefix of the file that last wrote the record (its date for
    /// daily files, its batch id for batch files).
    pub fn records_of_type(
        &self,
        partner: &str,
        file_type: &str,
        each: &mut dyn FnMut(StoredRow) -> bool,
    ) -> Result<u64> {
        self.stream(
            "SELECT r.record_key, f.prefix, r.data FROM records r LEFT JOIN files f ON f.id = r.file_id \
             WHERE r.partner = ?1 AND r.file_type = ?2 ORDER BY r.record_key",
            &[&partner, &file_type],
            each,
        )
    }

    /// The accepted ACH entries of `partner` whose `settlement_date` (stored in the entry's
    /// JSON by the pipeline) is `date`, in file and line order. Only accepted files' entries
    /// are stored, so no ledger join is needed.
    pub fn ach_entries_settled_on(
        &self,
        partner: &str,
        date: &str,
        each: &mut dyn FnMut(StoredRow) -> bool,
    ) -> Result<u64> {
        // Served by the expression index `ach_entries_settled` (migration 5).
        self.stream(
            "SELECT trace, json_extract(data, '$.settlement_date'), data FROM ach_entries \
             WHERE partner = ?1 AND json_extract(data, '$.settlement_date') = ?2 \
             ORDER BY file_id, line",
            &[&partner, &date],
            each,
        )
    }
}

/// A read-only connection holding one snapshot of the database for as long as it lives: a
/// nightly run reads a consistent day page by page, on its own thread, while intake writes.
pub struct Reader(pub(crate) rusqlite::Connection);

impl Store {
    /// A [`Reader`] over the committed state of now.
    pub fn snapshot(&self) -> Result<Reader> {
        let c = self.reader()?;
        // A read transaction pins the WAL snapshot at its first read.
        c.execute_batch("BEGIN")?;
        Ok(Reader(c))
    }
}

/// Rows of a page: (key, stored JSON).
pub type Page = Vec<(String, String)>;

impl Reader {
    fn page(
        &self,
        sql: &str,
        partner: &str,
        file_date: &str,
        after: &str,
        limit: usize,
    ) -> Result<Page> {
        let mut st = self.0.prepare_cached(sql)?;
        let rows = st.query_map(
            rusqlite::params![partner, file_date, after, limit as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Up to `limit` balances of `partner`'s balance file dated `file_date`, by balance key,
    /// after `after` (`""`: from the start).
    pub fn balances_page(
        &self,
        partner: &str,
        file_date: &str,
        after: &str,
        limit: usize,
    ) -> Result<Page> {
        // The by-day index holds the primary key after the date: keys come in order from it.
        self.page(
            "SELECT balance_key, data FROM balance_history INDEXED BY balance_history_day \
             WHERE partner = ?1 AND file_date = ?2 AND balance_key > ?3 ORDER BY balance_key LIMIT ?4",
            partner,
            file_date,
            after,
            limit,
        )
    }

    /// Up to `limit` transactions of `partner`'s files dated `file_date`, by id, after `after`.
    pub fn transactions_page(
        &self,
        partner: &str,
        file_date: &str,
        after: &str,
        limit: usize,
    ) -> Result<Page> {
        self.page(
            "SELECT transaction_id, data FROM transactions INDEXED BY transactions_day \
             WHERE partner = ?1 AND file_date = ?2 AND transaction_id > ?3 ORDER BY transaction_id LIMIT ?4",
            partner,
            file_date,
            after,
            limit,
        )
    }

    /// The date of `partner`'s latest balance file dated before `file_date`: the opening
    /// balances of the day `file_date` closes are its rows. The latest file rather than the
    /// previous day's, so that a day without an accepted balance file does not make every balance
    /// look new (spec 05 §1.3: the next day opens from the reported value). That file holds every
    /// balance that was open then: a balance file leaving one out is rejected (`missing_balance`,
    /// spec 05 §3.2); a balance absent from it was closed before, and opens at zero should it come
    /// back. Reading one file's rows keeps the nightly run independent of how much history is
    /// stored.
    pub fn latest_balance_file_before(
        &self,
        partner: &str,
        file_date: &str,
    ) -> Result<Option<String>> {
        Ok(self.0.query_row(
            "SELECT max(file_date) FROM balance_history INDEXED BY balance_history_day \
             WHERE partner = ?1 AND file_date < ?2",
            rusqlite::params![partner, file_date],
            |r| r.get(0),
        )?)
    }
}

#[cfg(test)]
mod tests;
