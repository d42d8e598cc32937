//! A transaction file's activity: summed per (file date, balance) in memory
//! ([`crate::activity::Sums`], as on SQLite), spilled as partial sums to a temporary table past
//! the limit, and added at the end to each balance day's `activity` blob. Where a day already
//! has one (another file of the same day) the two are merged here, in Rust, with the codec that
//! SQLite's `bd_add_activity` uses, so the blob is byte for byte SQLite's. The partner's
//! balance-days lock is held meanwhile, so no other file changes a blob between its read and
//! its write.

use super::batch::{Batch, BATCH_ROWS};
use super::PgWriteTx;
use crate::codec::Activity;
use crate::day::TRANSACTION_AMOUNT_COLUMNS;
use crate::{Error, Result};
use postgres::Client;

/// The partial sums of a file past its activity limit; dropped at the commit (or with the
/// rollback that undoes its creation).
const PARTIAL_TABLE: &str = "CREATE TEMP TABLE IF NOT EXISTS bd_partial (file_date TEXT NOT NULL, \
     balance_id TEXT NOT NULL, activity BYTEA NOT NULL) ON COMMIT DROP; DELETE FROM bd_partial;";

/// Partial sums; parameters: dates, balances, blobs.
const INSERT_PARTIAL: &str = "INSERT INTO bd_partial(file_date, balance_id, activity) \
     SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])";

/// The partial sums, each (date, balance)'s together.
const READ_PARTIAL: &str = "DECLARE bd_partial_rows NO SCROLL CURSOR FOR \
     SELECT file_date, balance_id, activity FROM bd_partial \
     ORDER BY file_date COLLATE \"C\", balance_id COLLATE \"C\"";

/// The activity already stored for the (date, balance)s given, by their position (from 1);
/// parameters: partner, dates, balances. A lateral lookup by key: as a join, the planner
/// (its statistics behind the rows this transaction writes) hashed every balance day of the
/// partner for each batch, 70–320 ms a batch on the second day of 100,000 balances.
const STORED: &str = "SELECT u.i, b.activity FROM unnest($2::text[], $3::text[]) \
     WITH ORDINALITY AS u(file_date, balance_key, i) CROSS JOIN LATERAL (SELECT b.activity \
     FROM balances AS b WHERE b.partner = $1 AND b.file_date = u.file_date \
     AND b.balance_key = u.balance_key AND b.activity IS NOT NULL LIMIT 1) AS b";

/// Each balance day's activity set (a new row when the day has none for it yet); parameters:
/// partner, dates, balances, blobs.
const UPSERT: &str = "INSERT INTO balances(partner, file_date, balance_key, activity) \
     SELECT $1, u.file_date, u.balance_key, u.activity \
     FROM unnest($2::text[], $3::text[], $4::bytea[]) AS u(file_date, balance_key, activity) \
     ON CONFLICT (partner, file_date, balance_key) DO UPDATE SET activity = excluded.activity";

impl PgWriteTx<'_> {
    /// The activity in memory, as partial sums, into the temporary table.
    pub(super) fn spill_activity(&mut self) -> Result<()> {
        let c = self.client.get_mut();
        if !self.spilled {
            c.batch_execute(PARTIAL_TABLE)?;
            self.spilled = true;
        }
        let st = self.statements.get(c, INSERT_PARTIAL)?;
        let mut batch = Batch::<2, 1>::default();
        self.activity.drain(&mut |date, balance, blob| {
            batch.push([Some(date), Some(balance)], [Some(blob)]);
            if batch.is_full() {
                batch.execute(c, &st, &[])?;
                batch.clear();
            }
            Ok(())
        })?;
        if !batch.is_empty() {
            batch.execute(c, &st, &[])?;
        }
        Ok(())
    }

    /// Every (day, balance)'s activity added to its `balances` row, once.
    pub(super) fn flush_activity(&mut self) -> Result<()> {
        let mut days = Batch::<2, 1>::default();
        if !self.spilled {
            let (c, partner) = (self.client.get_mut(), &self.partner);
            self.activity.drain(&mut |date, balance, blob| {
                days.push([Some(date), Some(balance)], [Some(blob)]);
                if days.is_full() {
                    add_to_days(c, partner, &days)?;
                    days.clear();
                }
                Ok(())
            })?;
            return add_to_days(c, partner, &days);
        }
        self.spill_activity()?;
        let (c, partner) = (self.client.get_mut(), &self.partner);
        c.batch_execute(READ_PARTIAL)?;
        let fetch = format!("FETCH FORWARD {BATCH_ROWS} FROM bd_partial_rows");
        let mut current: Option<(String, String, Activity)> = None;
        let mut buf = Vec::new();
        loop {
            let rows = c.query(fetch.as_str(), &[])?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let (date, balance): (&str, &str) = (r.try_get(0)?, r.try_get(1)?);
                let part = decode(balance, r.try_get(2)?)?;
                match &mut current {
                    Some((d, b, a)) if d == date && b == balance => a.merge(&part)?,
                    _ => {
                        if let Some((d, b, a)) = current.take() {
                            buf.clear();
                            a.encode(&TRANSACTION_AMOUNT_COLUMNS, &mut buf);
                            days.push([Some(&d), Some(&b)], [Some(&buf)]);
                        }
                        current = Some((date.to_string(), balance.to_string(), part));
                    }
                }
            }
            if days.is_full() {
                add_to_days(c, partner, &days)?;
                days.clear();
            }
        }
        if let Some((d, b, a)) = current.take() {
            buf.clear();
            a.encode(&TRANSACTION_AMOUNT_COLUMNS, &mut buf);
            days.push([Some(&d), Some(&b)], [Some(&buf)]);
        }
        add_to_days(c, partner, &days)?;
        c.batch_execute("CLOSE bd_partial_rows; DELETE FROM bd_partial;")?;
        Ok(())
    }
}

fn decode(balance: &str, blob: &[u8]) -> Result<Activity> {
    Activity::decode(&TRANSACTION_AMOUNT_COLUMNS, blob).ok_or_else(|| Error::Damaged {
        what: "activity",
        key: balance.to_string(),
    })
}

/// Adds each activity of `days` (date, balance; blob) to its balance day, as SQLite's upsert
/// with `bd_add_activity` does: stored as given where the day has none, else the sum of the
/// two, encoded again.
fn add_to_days(c: &mut Client, partner: &str, days: &Batch<2, 1>) -> Result<()> {
    if days.is_empty() {
        return Ok(());
    }
    let (dates, balances) = (days.text_column(0), days.text_column(1));
    let mut blobs: Vec<Option<Vec<u8>>> = vec![None; days.len()];
    for r in c.query(STORED, &[&partner, &dates, &balances])? {
        // WITH ORDINALITY counts from 1.
        let i = r.try_get::<_, i64>(0)? - 1;
        let Some(i) = usize::try_from(i).ok().filter(|i| *i < days.len()) else {
            continue;
        };
        let balance = balances[i].unwrap_or("");
        let mut sum = decode(balance, r.try_get(1)?)?;
        sum.merge(&decode(balance, days.bytes(i, 0).unwrap_or(&[]))?)?;
        let mut out = Vec::new();
        sum.encode(&TRANSACTION_AMOUNT_COLUMNS, &mut out);
        blobs[i] = Some(out);
    }
    let blobs: Vec<Option<&[u8]>> = blobs
        .iter()
        .enumerate()
        .map(|(i, b)| b.as_deref().or(days.bytes(i, 0)))
        .collect();
    c.execute(UPSERT, &[&partner, &dates, &balances, &blobs])?;
    Ok(())
}
