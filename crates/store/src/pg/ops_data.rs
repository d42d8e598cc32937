//! What the nightly runs found, the alert outbox and the file list's questions, on PostgreSQL.

use super::super::write::PgWriteTx;
use super::super::PgStore;
use crate::api::{AlertOutbox, FileSearch, ReconResults};
use crate::ledger::COLUMNS;
use crate::ops::sql::{self, PG_FILE_SQL};
use crate::ops::{parse_amount, AlertRow, BreakAck, BreakRow, FileQuery, NewAlert, ReconDayRow};
use crate::{Error, FileRow, Result};
use postgres::{GenericClient, IsolationLevel, Row};

fn recon_day(r: &Row) -> Result<ReconDayRow> {
    Ok(ReconDayRow {
        partner: r.try_get(0)?,
        date: r.try_get(1)?,
        run_at: r.try_get(2)?,
        breaks: r.try_get::<_, i64>(3)? as u64,
        summary_json: r.try_get(4)?,
    })
}

fn break_row(r: &Row) -> Result<BreakRow> {
    let amount = |i: usize| -> Result<_> { parse_amount("break amount", r.try_get(i)?) };
    Ok(BreakRow {
        date: r.try_get(0)?,
        balance_id: r.try_get(1)?,
        account_id: r.try_get(2)?,
        balance_type: r.try_get(3)?,
        status: r.try_get(4)?,
        component: r.try_get(5)?,
        opening: amount(6)?,
        activity: amount(7)?,
        expected: amount(8)?,
        reported: amount(9)?,
        difference: amount(10)?,
    })
}

impl ReconResults for PgStore {
    fn record_recon_day(
        &self,
        partner: &str,
        date: &str,
        run_at: &str,
        summary_json: &str,
        breaks: &[BreakRow],
    ) -> Result<()> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        // The day's row first: it locks (partner, date), so two runs of one day replace each
        // other's breaks whole, one after the other.
        let n = breaks.len() as i64;
        tx.execute(sql::PUT_DAY, &[&partner, &date, &run_at, &n, &summary_json])?;
        tx.execute(sql::CLEAR_BREAKS, &[&partner, &date])?;
        let st = tx.prepare(sql::PUT_BREAK)?;
        for b in breaks {
            tx.execute(
                &st,
                &[
                    &partner,
                    &date,
                    &b.balance_id,
                    &b.account_id,
                    &b.balance_type,
                    &b.status,
                    &b.component,
                    &b.opening.to_string(),
                    &b.activity.to_string(),
                    &b.expected.to_string(),
                    &b.reported.to_string(),
                    &b.difference.to_string(),
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn recon_day(&self, partner: &str, date: &str) -> Result<Option<ReconDayRow>> {
        let row = self
            .client()?
            .query_opt(sql::RECON_DAY, &[&partner, &date])?;
        row.as_ref().map(recon_day).transpose()
    }

    fn recon_days(&self, partner: Option<&str>, from: &str, to: &str) -> Result<Vec<ReconDayRow>> {
        let rows = self
            .client()?
            .query(sql::RECON_DAYS, &[&partner, &from, &to])?;
        rows.iter().map(recon_day).collect()
    }

    fn breaks(&self, partner: &str, from: &str, to: &str) -> Result<Vec<BreakRow>> {
        let rows = self.client()?.query(sql::BREAKS, &[&partner, &from, &to])?;
        rows.iter().map(break_row).collect()
    }

    fn ack_break(&self, a: &BreakAck) -> Result<i64> {
        let row = self.client()?.query_one(
            sql::ACK_BREAK,
            &[
                &a.partner,
                &a.balance_id,
                &a.component,
                &a.first_date,
                &a.user,
                &a.note,
                &a.at,
            ],
        )?;
        Ok(row.try_get(0)?)
    }

    fn break_acks(&self, partner: &str) -> Result<Vec<BreakAck>> {
        let rows = self.client()?.query(sql::BREAK_ACKS, &[&partner])?;
        rows.iter()
            .map(|r| {
                Ok(BreakAck {
                    id: r.try_get(0)?,
                    partner: r.try_get(1)?,
                    balance_id: r.try_get(2)?,
                    component: r.try_get(3)?,
                    first_date: r.try_get(4)?,
                    user: r.try_get(5)?,
                    note: r.try_get(6)?,
                    at: r.try_get(7)?,
                })
            })
            .collect()
    }
}

/// Writes alert `a` on `c` (on its own, or in a file's write transaction); false when its key
/// is taken.
fn enqueue_in(c: &mut impl GenericClient, a: &NewAlert) -> Result<bool> {
    let n = c.execute(
        sql::ENQUEUE_ALERT,
        &[&a.kind, &a.partner, &a.dedupe_key, &a.payload_json, &a.at],
    )?;
    Ok(n > 0)
}

/// The alerts `sql` finds (with `params`), each with its routes done, in one read-only
/// snapshot.
fn alert_rows(
    c: &mut postgres::Client,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<Vec<AlertRow>> {
    let mut tx = c
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let rows = tx.query(sql, params)?;
    let routes = tx.prepare(sql::ALERT_ROUTES)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get(0)?;
        let mut done_routes: Vec<String> = tx
            .query(&routes, &[&id])?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?;
        done_routes.sort();
        out.push(AlertRow {
            id,
            kind: r.try_get(1)?,
            partner: r.try_get(2)?,
            dedupe_key: r.try_get(3)?,
            payload_json: r.try_get(4)?,
            created_at: r.try_get(5)?,
            attempts: u32::try_from(r.try_get::<_, i64>(6)?).unwrap_or(u32::MAX),
            next_at: r.try_get(7)?,
            done_routes,
            last_error: r.try_get(8)?,
            delivered_at: r.try_get(9)?,
        });
    }
    tx.commit()?;
    Ok(out)
}

impl AlertOutbox for PgStore {
    fn enqueue_alert(&self, a: &NewAlert) -> Result<bool> {
        enqueue_in(&mut *self.client()?, a)
    }

    fn due_alerts(&self, now: &str, limit: u32) -> Result<Vec<AlertRow>> {
        alert_rows(
            &mut *self.client()?,
            sql::DUE_ALERTS,
            &[&now, &i64::from(limit)],
        )
    }

    fn alert_route_done(&self, id: i64, route: &str) -> Result<()> {
        self.client()?.execute(sql::ROUTE_DONE, &[&id, &route])?;
        Ok(())
    }

    fn alert_delivered(&self, id: i64, now: &str) -> Result<()> {
        self.client()?.execute(sql::DELIVERED, &[&now, &id])?;
        Ok(())
    }

    fn alert_retry(&self, id: i64, next_at: &str, error: &str) -> Result<()> {
        self.client()?
            .execute(sql::RETRY, &[&next_at, &error, &id])?;
        Ok(())
    }

    fn alerts(&self, limit: u32) -> Result<Vec<AlertRow>> {
        alert_rows(&mut *self.client()?, sql::ALERTS, &[&i64::from(limit)])
    }
}

impl PgWriteTx<'_> {
    /// Writes alert `a` in this transaction: it commits, or rolls back, with the file's
    /// decision. False, writing nothing, when an alert with its `dedupe_key` exists.
    pub fn enqueue_alert(&self, a: &NewAlert) -> Result<bool> {
        // Never borrowed elsewhere while `&self` is: every other use holds `&mut self`.
        let mut c = self
            .client
            .try_borrow_mut()
            .map_err(|_| Error::Apply("the write connection is in use".into()))?;
        enqueue_in(&mut **c, a)
    }
}

impl FileSearch for PgStore {
    fn search_files(&self, q: &FileQuery) -> Result<(Vec<FileRow>, u64)> {
        let mut c = self.client()?;
        // One snapshot: the total counts the rows the page is taken from.
        let mut tx = c
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let pattern = q.name_pattern();
        let late = q.late;
        let filter: [&(dyn postgres::types::ToSql + Sync); 7] = [
            &q.partner,
            &q.file_type,
            &q.from,
            &q.to,
            &q.state,
            &late,
            &pattern,
        ];
        let total: i64 = tx.query_one(PG_FILE_SQL.count, &filter)?.try_get(0)?;
        let (limit, offset) = (
            i64::from(q.limit),
            i64::try_from(q.offset).unwrap_or(i64::MAX),
        );
        let mut page = filter.to_vec();
        page.push(&limit);
        page.push(&offset);
        let rows = tx.query(
            &format!("SELECT {COLUMNS} FROM files {}", PG_FILE_SQL.page),
            &page,
        )?;
        tx.commit()?;
        Ok((
            rows.iter().map(super::super::ledger::file_row).collect(),
            total as u64,
        ))
    }

    fn file_counts(&self, q: &FileQuery) -> Result<Vec<(String, String, u64)>> {
        let pattern = q.name_pattern();
        let rows = self.client()?.query(
            PG_FILE_SQL.by_day,
            &[
                &q.partner,
                &q.file_type,
                &q.from,
                &q.to,
                &q.state,
                &q.late,
                &pattern,
            ],
        )?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get::<_, i64>(2)? as u64)))
            .collect()
    }

    fn last_upload(&self, partner: &str) -> Result<Option<String>> {
        let row = self
            .client()?
            .query_one(PG_FILE_SQL.last_upload, &[&partner])?;
        Ok(row.try_get(0)?)
    }

    fn received_between(&self, partner: &str, from: &str, to: &str) -> Result<Vec<FileRow>> {
        let rows = self.client()?.query(
            &format!("SELECT {COLUMNS} FROM files {}", PG_FILE_SQL.between),
            &[&partner, &from, &to],
        )?;
        Ok(rows.iter().map(super::super::ledger::file_row).collect())
    }
}
