//! What the nightly runs found, the alert outbox and the file list's questions, on SQLite.

use super::sql::{self, FILE_SQL};
use super::{parse_amount, AlertRow, BreakAck, BreakRow, FileQuery, NewAlert, ReconDayRow};
use crate::api::{AlertOutbox, FileSearch, ReconResults};
use crate::ledger::COLUMNS;
use crate::{FileRow, Result, Store, WriteTx};
use rusqlite::{params, Connection, OptionalExtension, Row};

fn recon_day(r: &Row) -> rusqlite::Result<ReconDayRow> {
    Ok(ReconDayRow {
        partner: r.get(0)?,
        date: r.get(1)?,
        run_at: r.get(2)?,
        breaks: r.get::<_, i64>(3)? as u64,
        summary_json: r.get(4)?,
    })
}

fn break_row(r: &Row) -> Result<BreakRow> {
    let amount = |i: usize| -> Result<_> { parse_amount("break amount", &r.get::<_, String>(i)?) };
    Ok(BreakRow {
        date: r.get(0)?,
        balance_id: r.get(1)?,
        account_id: r.get(2)?,
        balance_type: r.get(3)?,
        status: r.get(4)?,
        component: r.get(5)?,
        opening: amount(6)?,
        activity: amount(7)?,
        expected: amount(8)?,
        reported: amount(9)?,
        difference: amount(10)?,
    })
}

impl ReconResults for Store {
    fn record_recon_day(
        &self,
        partner: &str,
        date: &str,
        run_at: &str,
        summary_json: &str,
        breaks: &[BreakRow],
    ) -> Result<()> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(sql::CLEAR_BREAKS, params![partner, date])?;
        let n = breaks.len() as i64;
        tx.execute(
            sql::PUT_DAY,
            params![partner, date, run_at, n, summary_json],
        )?;
        {
            let mut st = tx.prepare(sql::PUT_BREAK)?;
            for b in breaks {
                st.execute(params![
                    partner,
                    date,
                    b.balance_id,
                    b.account_id,
                    b.balance_type,
                    b.status,
                    b.component,
                    b.opening.to_string(),
                    b.activity.to_string(),
                    b.expected.to_string(),
                    b.reported.to_string(),
                    b.difference.to_string(),
                ])?;
            }
        }
        tx.commit()?;
        self.committed();
        Ok(())
    }

    fn recon_day(&self, partner: &str, date: &str) -> Result<Option<ReconDayRow>> {
        let c = self.reader()?;
        Ok(
            c.query_row(sql::RECON_DAY, params![partner, date], recon_day)
                .optional()?,
        )
    }

    fn recon_days(&self, partner: Option<&str>, from: &str, to: &str) -> Result<Vec<ReconDayRow>> {
        let c = self.reader()?;
        let mut st = c.prepare(sql::RECON_DAYS)?;
        let rows = st
            .query_map(params![partner, from, to], recon_day)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn breaks(&self, partner: &str, from: &str, to: &str) -> Result<Vec<BreakRow>> {
        let c = self.reader()?;
        let mut st = c.prepare(sql::BREAKS)?;
        let mut rows = st.query(params![partner, from, to])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(break_row(r)?);
        }
        Ok(out)
    }

    fn ack_break(&self, a: &BreakAck) -> Result<i64> {
        let id = self.conn().query_row(
            sql::ACK_BREAK,
            params![
                a.partner,
                a.balance_id,
                a.component,
                a.first_date,
                a.user,
                a.note,
                a.at
            ],
            |r| r.get(0),
        )?;
        self.committed();
        Ok(id)
    }

    fn break_acks(&self, partner: &str) -> Result<Vec<BreakAck>> {
        let c = self.reader()?;
        let mut st = c.prepare(sql::BREAK_ACKS)?;
        let rows = st
            .query_map(params![partner], |r| {
                Ok(BreakAck {
                    id: r.get(0)?,
                    partner: r.get(1)?,
                    balance_id: r.get(2)?,
                    component: r.get(3)?,
                    first_date: r.get(4)?,
                    user: r.get(5)?,
                    note: r.get(6)?,
                    at: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}

/// Writes alert `a` on `c` (on its own, or in a file's write transaction); false when its key
/// is taken.
pub(crate) fn enqueue_in(c: &Connection, a: &NewAlert) -> Result<bool> {
    let n = c.execute(
        sql::ENQUEUE_ALERT,
        params![a.kind, a.partner, a.dedupe_key, a.payload_json, a.at],
    )?;
    Ok(n > 0)
}

/// The alerts `sql` finds (with `p`), each with its routes done.
fn alert_rows(c: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<Vec<AlertRow>> {
    let mut st = c.prepare(sql)?;
    let mut alerts: Vec<AlertRow> = st
        .query_map(p, |r| {
            Ok(AlertRow {
                id: r.get(0)?,
                kind: r.get(1)?,
                partner: r.get(2)?,
                dedupe_key: r.get(3)?,
                payload_json: r.get(4)?,
                created_at: r.get(5)?,
                attempts: r.get(6)?,
                next_at: r.get(7)?,
                done_routes: Vec::new(),
                last_error: r.get(8)?,
                delivered_at: r.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut routes = c.prepare(sql::ALERT_ROUTES)?;
    for a in &mut alerts {
        a.done_routes = routes
            .query_map(params![a.id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        a.done_routes.sort();
    }
    Ok(alerts)
}

impl AlertOutbox for Store {
    fn enqueue_alert(&self, a: &NewAlert) -> Result<bool> {
        let written = enqueue_in(&self.conn(), a)?;
        self.committed();
        Ok(written)
    }

    fn due_alerts(&self, now: &str, limit: u32) -> Result<Vec<AlertRow>> {
        let c = self.reader()?;
        // One read transaction: the routes read match the alerts read.
        let tx = c.unchecked_transaction()?;
        alert_rows(&tx, sql::DUE_ALERTS, params![now, limit])
    }

    fn alert_route_done(&self, id: i64, route: &str) -> Result<()> {
        self.conn().execute(sql::ROUTE_DONE, params![id, route])?;
        self.committed();
        Ok(())
    }

    fn alert_delivered(&self, id: i64, now: &str) -> Result<()> {
        self.conn().execute(sql::DELIVERED, params![now, id])?;
        self.committed();
        Ok(())
    }

    fn alert_retry(&self, id: i64, next_at: &str, error: &str) -> Result<()> {
        self.conn()
            .execute(sql::RETRY, params![next_at, error, id])?;
        self.committed();
        Ok(())
    }

    fn alerts(&self, limit: u32) -> Result<Vec<AlertRow>> {
        let c = self.reader()?;
        let tx = c.unchecked_transaction()?;
        alert_rows(&tx, sql::ALERTS, params![limit])
    }
}

impl WriteTx<'_> {
    /// Writes alert `a` in this transaction: it commits, or rolls back, with the file's
    /// decision. False, writing nothing, when an alert with its `dedupe_key` exists.
    pub fn enqueue_alert(&self, a: &NewAlert) -> Result<bool> {
        enqueue_in(&self.conn, a)
    }
}

/// The filter's seven parameters of `q`, as [`sql::FileSql`] takes them.
macro_rules! filter_params {
    ($q:expr, $pattern:expr $(, $more:expr)*) => {
        params![
            $q.partner,
            $q.file_type,
            $q.from,
            $q.to,
            $q.state,
            $q.late,
            $pattern
            $(, $more)*
        ]
    };
}

impl FileSearch for Store {
    fn search_files(&self, q: &FileQuery) -> Result<(Vec<FileRow>, u64)> {
        let c = self.reader()?;
        // One read transaction: the total counts the rows the page is taken from.
        let tx = c.unchecked_transaction()?;
        let pattern = q.name_pattern();
        let total: i64 = tx.query_row(FILE_SQL.count, filter_params!(q, pattern), |r| r.get(0))?;
        let mut st = tx.prepare(&format!("SELECT {COLUMNS} FROM files {}", FILE_SQL.page))?;
        let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
        let rows = st
            .query_map(
                filter_params!(q, pattern, q.limit, offset),
                crate::ledger::row,
            )?
            .collect::<rusqlite::Result<_>>()?;
        Ok((rows, total as u64))
    }

    fn file_counts(&self, q: &FileQuery) -> Result<Vec<(String, String, u64)>> {
        let c = self.reader()?;
        let mut st = c.prepare(FILE_SQL.by_day)?;
        let rows = st
            .query_map(filter_params!(q, q.name_pattern()), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn last_upload(&self, partner: &str) -> Result<Option<String>> {
        let c = self.reader()?;
        Ok(c.query_row(FILE_SQL.last_upload, params![partner], |r| r.get(0))?)
    }

    fn received_between(&self, partner: &str, from: &str, to: &str) -> Result<Vec<FileRow>> {
        let c = self.reader()?;
        let mut st = c.prepare(&format!("SELECT {COLUMNS} FROM files {}", FILE_SQL.between))?;
        let rows = st
            .query_map(params![partner, from, to], crate::ledger::row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}
