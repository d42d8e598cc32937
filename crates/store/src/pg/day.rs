//! What the nightly run reads, on PostgreSQL: a partner's day one row per balance, streamed in
//! [`DayBatch`]es as SQLite's reader hands them (`crate::day`), the non-posted snapshot, the ACH
//! entries settling on the day. Text is compared in byte order (`COLLATE "C"`), as SQLite does.

use super::PgReader;
use crate::history::AchRow;
use crate::{DayBatch, DayRow, NonPostedRow, Result};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::Client;

/// A day's rows when a file of that day came: its own rows.
const DAY: &str = "SELECT balance_key, account_id, currency, type, status, status_reason, \
     opening_type, opening_status, closing, opening, activity FROM balances \
     WHERE partner = $1 AND file_date = $2 ORDER BY balance_key COLLATE \"C\"";

/// A day no file of which came opens from the last balance file all the same: its balances are
/// then all missing (the columns as in [`DAY`]).
const DAY_FROM_LAST_FILE: &str = "SELECT balance_key, account_id, currency, NULL::TEXT, \
     NULL::TEXT, NULL::TEXT, type, status, NULL::BYTEA, closing, NULL::BYTEA FROM balances \
     WHERE partner = $1 AND file_date = (SELECT max(file_date COLLATE \"C\") FROM balance_days \
     WHERE partner = $1 AND file_date COLLATE \"C\" < $2) AND closing IS NOT NULL \
     ORDER BY balance_key COLLATE \"C\"";

impl PgReader<'_> {
    /// Every balance row of `partner`'s day `file_date`, in balance id order, to `each` until
    /// it returns `false`; the rows read (as SQLite's `Reader::day_balances`).
    pub fn day_balances<E: From<crate::Error>>(
        &self,
        partner: &str,
        file_date: &str,
        each: &mut dyn FnMut(DayRow) -> std::result::Result<bool, E>,
    ) -> std::result::Result<u64, E> {
        crate::day::rows_of(|f| self.day_batches(partner, file_date, f), each)
    }

    /// The rows of [`PgReader::day_balances`] in batches, streamed from the server (never the
    /// whole day in memory), as SQLite's `Reader::day_batches`.
    pub fn day_batches<E: From<crate::Error>>(
        &self,
        partner: &str,
        file_date: &str,
        each: &mut dyn FnMut(&mut DayBatch) -> std::result::Result<bool, E>,
    ) -> std::result::Result<u64, E> {
        let any = self
            .query_opt(
                "SELECT 1 FROM balances WHERE partner = $1 AND file_date = $2 LIMIT 1",
                &[&partner, &file_date],
            )?
            .is_some();
        let sql = if any { DAY } else { DAY_FROM_LAST_FILE };
        self.with_client(|c| -> std::result::Result<u64, E> {
            let params: [&(dyn ToSql + Sync); 2] = [&partner, &file_date];
            let mut rows = c
                .query_raw(sql, params.iter().copied())
                .map_err(crate::Error::from)?;
            let mut batch = DayBatch::new();
            let mut n = 0;
            while let Some(r) = rows.next().map_err(crate::Error::from)? {
                n += 1;
                let text = |i: usize| -> Result<Option<&[u8]>> {
                    Ok(r.try_get::<_, Option<&str>>(i)?.map(str::as_bytes))
                };
                let blob = |i: usize| -> Result<Option<&[u8]>> { Ok(r.try_get(i)?) };
                batch.push(
                    [
                        text(0)?,
                        text(1)?,
                        text(2)?,
                        text(3)?,
                        text(4)?,
                        text(5)?,
                        text(6)?,
                        text(7)?,
                    ],
                    [blob(8)?, blob(9)?, blob(10)?],
                );
                if batch.is_full() {
                    let go_on = each(&mut batch)?;
                    batch.clear();
                    if !go_on {
                        return Ok(n);
                    }
                }
            }
            if !batch.is_empty() {
                each(&mut batch)?;
            }
            Ok(n)
        })
    }

    /// The date of the non-posted snapshot that holds for `file_date`: the latest accepted
    /// non-posted file dated on or before it (spec 05 §7.2).
    pub fn non_posted_snapshot_date(
        &self,
        partner: &str,
        file_date: &str,
    ) -> Result<Option<String>> {
        Ok(self
            .query_opt(
                "SELECT max(prefix COLLATE \"C\") FROM files WHERE partner = $1 \
                 AND file_type = 'non_posted_transaction' AND state = 'accepted' \
                 AND length(prefix) = 10 AND prefix COLLATE \"C\" <= $2",
                &[&partner, &file_date],
            )?
            .and_then(|r| r.get(0)))
    }

    /// The rows of the snapshot dated `snapshot_date`, in id order; how many.
    pub fn non_posted(
        &self,
        partner: &str,
        snapshot_date: &str,
        each: &mut dyn FnMut(NonPostedRow),
    ) -> Result<u64> {
        let rows = self.query(
            "SELECT id, balance_id, amount::TEXT FROM non_posted WHERE partner = $1 \
             AND file_date = $2 ORDER BY id COLLATE \"C\"",
            &[&partner, &snapshot_date],
        )?;
        for r in &rows {
            let amount: Option<&str> = r.try_get(2)?;
            each(NonPostedRow {
                id: r.try_get(0)?,
                balance_id: r.try_get(1)?,
                // The decimal SQLite's reader gives for the same amount (its typed form: units
                // of 10⁻⁸, so scale 8), so the nightly run's figures are the same on both.
                amount: amount.and_then(|a| {
                    let typed = crate::codec::money_value(a);
                    crate::codec::money_from((&typed).into())
                }),
            });
        }
        Ok(rows.len() as u64)
    }

    /// The date of `partner`'s latest balance file dated before `file_date`.
    pub fn latest_balance_file_before(
        &self,
        partner: &str,
        file_date: &str,
    ) -> Result<Option<String>> {
        Ok(self
            .query_opt(
                "SELECT max(file_date COLLATE \"C\") FROM balance_days WHERE partner = $1 \
                 AND file_date COLLATE \"C\" < $2",
                &[&partner, &file_date],
            )?
            .and_then(|r| r.get(0)))
    }

    /// The accepted ACH entries of `partner` settling on `date`, in file and line order, to
    /// `each` until it returns `false`; how many were read.
    pub fn ach_entries_settled_on<E: From<crate::Error>>(
        &self,
        partner: &str,
        date: &str,
        each: &mut dyn FnMut(AchRow) -> std::result::Result<bool, E>,
    ) -> std::result::Result<u64, E> {
        self.ach_rows(crate::ach_events::SETTLED, partner, date, each)
    }

    /// The returns (each the original entry as stored) and received forward entries of `partner`
    /// settling on `date`, in the order they were delivered.
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
        self.with_client(|c: &mut Client| -> std::result::Result<u64, E> {
            let params: [&(dyn ToSql + Sync); 2] = [&partner, &date];
            let mut rows = c
                .query_raw(sql, params.iter().copied())
                .map_err(crate::Error::from)?;
            let mut n = 0;
            while let Some(r) = rows.next().map_err(crate::Error::from)? {
                n += 1;
                let row = AchRow {
                    trace: r.try_get(0).map_err(crate::Error::from)?,
                    data: r.try_get(1).map_err(crate::Error::from)?,
                };
                if !each(row)? {
                    break;
                }
            }
            Ok(n)
        })
    }
}
