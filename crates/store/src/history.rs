//! Read snapshots, and the reads of the nightly run that are not per balance day (`day.rs`):
//! which balance file a day opens from, and one settlement day's ACH entries (decision D9).
//!
//! Dates are file dates (`YYYY-MM-DD`, the date in the file name). A file dated T carries the
//! activity of day T−1 (D9), so the reconciliation of activity date D reads file date D+1.

use crate::{Result, Store};
use rusqlite::params;

/// A read-only connection holding one snapshot of the database for as long as it lives: a
/// nightly run reads a consistent day, and cross-file checks look things up, on connections of
/// their own while intake writes.
pub struct Reader(pub(crate) crate::pool::Pooled);

impl Store {
    /// A [`Reader`] over the committed state of now.
    pub fn snapshot(&self) -> Result<Reader> {
        let c = self.reader()?;
        // A read transaction pins the WAL snapshot at its first read.
        c.execute_batch("BEGIN")?;
        Ok(Reader(c))
    }

    /// A [`Reader`] for one long scan (the nightly run): a connection of its own that reads
    /// pages into its own small cache rather than mapping the database, so the scan's memory is
    /// bounded by that cache, not by the database's size.
    pub fn scan_snapshot(&self) -> Result<Reader> {
        let c = crate::pool::Pooled::unpooled(crate::pool::open_reader(self.path(), false)?);
        c.execute_batch("BEGIN")?;
        Ok(Reader(c))
    }
}

/// An accepted outgoing ACH entry.
#[derive(Debug, Clone, Copy)]
pub struct AchRow<'a> {
    /// Its trace number.
    pub trace: &'a str,
    /// Its fields as the pipeline stored them (a JSON object).
    pub data: &'a str,
}

impl Reader {
    /// The date of `partner`'s latest balance file dated before `file_date`: the day
    /// `file_date` closes opens from it (spec 05 §1.3: the next day opens from the reported
    /// value; a balance file leaving an open balance out is rejected, spec 05 §3.2).
    pub fn latest_balance_file_before(
        &self,
        partner: &str,
        file_date: &str,
    ) -> Result<Option<String>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT max(file_date) FROM balance_days WHERE partner = ?1 AND file_date < ?2",
            )?
            .query_row(params![partner, file_date], |r| r.get(0))?)
    }

    /// The accepted ACH entries of `partner` settling on `date`, in file and line order, to
    /// `each` until it returns `false`.
    pub fn ach_entries_settled_on<E: From<crate::Error>>(
        &self,
        partner: &str,
        date: &str,
        each: &mut dyn FnMut(AchRow) -> std::result::Result<bool, E>,
    ) -> std::result::Result<u64, E> {
        self.ach_rows(crate::ach_events::SETTLED, partner, date, each)
    }

    /// The returns (each the original entry as stored, `crate::AchEvent::detail`) and received
    /// forward entries of `partner` settling on `date`, in the order they were delivered.
    pub fn ach_events_settled_on<E: From<crate::Error>>(
        &self,
        partner: &str,
        date: &str,
        each: &mut dyn FnMut(AchRow) -> std::result::Result<bool, E>,
    ) -> std::result::Result<u64, E> {
        self.ach_rows(crate::ach_events::EVENTS_SETTLED, partner, date, each)
    }

    fn ach_rows<E: From<crate::Error>>(
        &self,
        sql: &str,
        partner: &str,
        date: &str,
        each: &mut dyn FnMut(AchRow) -> std::result::Result<bool, E>,
    ) -> std::result::Result<u64, E> {
        let mut st = self.0.prepare_cached(sql).map_err(crate::Error::from)?;
        let mut rows = st
            .query(params![partner, date])
            .map_err(crate::Error::from)?;
        let mut n = 0;
        while let Some(r) = rows.next().map_err(crate::Error::from)? {
            n += 1;
            let trace = r.get_ref(0).and_then(|v| Ok(v.as_str()?));
            let data = r.get_ref(1).and_then(|v| Ok(v.as_str()?));
            let row = AchRow {
                trace: trace.map_err(crate::Error::from)?,
                data: data.map_err(crate::Error::from)?,
            };
            if !each(row)? {
                break;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
