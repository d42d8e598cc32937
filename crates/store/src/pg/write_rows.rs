//! Records, their references and states, non-posted snapshots and ACH entries, in batches
//! ([`Pending`]). Nothing in the transaction reads these tables but [`PgWriteTx::state`] (the
//! last state kept) and a snapshot's clearing, and both write the batch first where it matters,
//! so the rows end as SQLite's do.

use super::batch::{is_amount, Batch};
use super::PgWriteTx;
use crate::{NonPostedIn, Result};
use std::collections::HashMap;

/// A record's current version, the last of a key in the batch (SQLite overwrites it row by
/// row); parameters: partner, file id, then file types, keys, blobs.
const RECORDS: &str = "INSERT INTO records(partner, file_type, record_key, file_id, row) \
     SELECT DISTINCT ON (u.file_type, u.record_key) $1, u.file_type, u.record_key, $2, u.blob \
     FROM unnest($3::text[], $4::text[], $5::bytea[]) WITH ORDINALITY \
     AS u(file_type, record_key, blob, i) ORDER BY u.file_type, u.record_key, u.i DESC \
     ON CONFLICT (partner, file_type, record_key) DO UPDATE SET row = excluded.row, \
     file_id = excluded.file_id";

/// References, the last of an id in the batch; parameters: partner, file types, ref ids, keys.
const REFS: &str = "INSERT INTO record_refs(partner, file_type, ref_id, record_key) \
     SELECT DISTINCT ON (u.file_type, u.ref_id) $1, u.file_type, u.ref_id, u.record_key \
     FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY \
     AS u(file_type, ref_id, record_key, i) ORDER BY u.file_type, u.ref_id, u.i DESC \
     ON CONFLICT (partner, file_type, ref_id) DO UPDATE SET record_key = excluded.record_key";

/// For each (file type, key): the state kept by the latest other file, with that file's id,
/// and the state this file keeps, if any; parameters: partner, file id, file types, keys. Both
/// are lateral lookups by key: as a plain join, this file's own states (not yet analyzed, so
/// estimated at one row) were read whole and filtered for every key of the batch, which made
/// a 100,000-row account file take 7 minutes.
const LAST_STATES: &str = "SELECT k.i, o.file_id, o.state, m.state \
     FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS k(file_type, record_key, i) \
     LEFT JOIN LATERAL (SELECT s.file_id, s.state FROM record_states s WHERE s.partner = $1 \
     AND s.file_type = k.file_type AND s.record_key = k.record_key AND s.file_id <> $2 \
     ORDER BY s.file_id DESC LIMIT 1) o ON TRUE \
     LEFT JOIN LATERAL (SELECT m.state FROM record_states m WHERE m.partner = $1 \
     AND m.file_type = k.file_type AND m.record_key = k.record_key AND m.file_id = $2 LIMIT 1) m \
     ON TRUE";

/// This file's state of each key (one a key); parameters: partner, file id, then file types,
/// keys, file dates, states, effective times.
const STATES: &str = "INSERT INTO record_states(partner, file_type, record_key, file_id, \
     file_date, state, effective_at) \
     SELECT $1, u.file_type, u.record_key, $2, u.file_date, u.state, u.effective_at \
     FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) \
     AS u(file_type, record_key, file_date, state, effective_at) \
     ON CONFLICT (partner, file_type, record_key, file_id) DO UPDATE SET \
     file_date = excluded.file_date, state = excluded.state, effective_at = excluded.effective_at";

/// Non-posted rows, the last of an id and date in the batch (SQLite's INSERT OR REPLACE);
/// parameters: partner, file id, then dates, ids, balance ids, amounts, blobs.
const NON_POSTED: &str = "INSERT INTO non_posted(partner, file_date, id, balance_id, amount, \
     file_id, row) \
     SELECT DISTINCT ON (u.file_date, u.id) $1, u.file_date, u.id, u.balance_id, \
     u.amount::numeric, $2, u.blob \
     FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[]) WITH ORDINALITY \
     AS u(file_date, id, balance_id, amount, blob, i) ORDER BY u.file_date, u.id, u.i DESC \
     ON CONFLICT (partner, file_date, id) DO UPDATE SET balance_id = excluded.balance_id, \
     amount = excluded.amount, file_id = excluded.file_id, row = excluded.row";

/// ACH entries; parameters: partner, file id, then lines, traces, settlement dates, data.
const ACH: &str = "INSERT INTO ach_entries(file_id, line, partner, trace, settlement_date, data) \
     SELECT $2, u.line::bigint, $1, u.trace, u.settlement_date, u.data \
     FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) \
     AS u(line, trace, settlement_date, data)";

/// Rows waiting for their statement.
#[derive(Default)]
pub(super) struct Pending {
    /// file type, key; blob.
    records: Batch<2, 1>,
    /// file type, ref id, key.
    refs: Batch<3, 0>,
    /// file type, key, file date, state, effective_at: every call, in order.
    states: Batch<5, 0>,
    /// file date, id, balance id, amount; blob.
    non_posted: Batch<4, 1>,
    /// line, trace, settlement date, data.
    ach: Batch<4, 0>,
}

impl PgWriteTx<'_> {
    /// Stores the current version of a record (full overwrite, D8); `row` from
    /// [`crate::codec::encode_row`].
    pub fn record(&mut self, file_type: &str, key: &str, row: &[u8]) -> Result<()> {
        self.rows
            .records
            .push([Some(file_type), Some(key)], [Some(row)]);
        if self.rows.records.is_full() {
            self.flush_records()?;
        }
        Ok(())
    }

    /// Records that `ref_id` names the record `key` of `file_type` (a record's `ref_ids`, e.g. a
    /// balance's `client_balance_id` and its Lead `id`), for reference checks (D8).
    pub fn record_ref(&mut self, file_type: &str, ref_id: &str, key: &str) -> Result<()> {
        if ref_id == key {
            // A record is found by its key without a reference.
            return Ok(());
        }
        self.rows
            .refs
            .push([Some(file_type), Some(ref_id), Some(key)], []);
        if self.rows.refs.is_full() {
            self.flush_refs()?;
        }
        Ok(())
    }

    /// Adds a state to a record's history when it differs from the last one kept (a card
    /// closed, an application approved).
    pub fn state(
        &mut self,
        file_type: &str,
        key: &str,
        file_date: Option<&str>,
        state: &str,
        effective_at: Option<&str>,
    ) -> Result<()> {
        self.rows.states.push(
            [
                Some(file_type),
                Some(key),
                file_date,
                Some(state),
                effective_at,
            ],
            [],
        );
        if self.rows.states.is_full() {
            self.flush_states()?;
        }
        Ok(())
    }

    /// Stores a row of a non-posted snapshot; the snapshot of its date replaces any earlier one.
    pub fn non_posted(&mut self, n: &NonPostedIn) -> Result<()> {
        if !self.snapshots.iter().any(|d| d == n.file_date) {
            self.clear_snapshot(n.file_date)?;
            self.snapshots.push(n.file_date.to_string());
        }
        // SQLite keeps any text in its money column; NUMERIC holds amounts only.
        if let Some(a) = n.amount.filter(|a| !is_amount(a)) {
            return Err(crate::apply::bad_amount("amount", a));
        }
        self.rows.non_posted.push(
            [Some(n.file_date), Some(n.id), n.balance_id, n.amount],
            [Some(n.row)],
        );
        if self.rows.non_posted.is_full() {
            self.flush_non_posted()?;
        }
        Ok(())
    }

    /// A file whose empty snapshot replaces the day's (a header-only non-posted file: nothing
    /// pending).
    pub fn empty_snapshot(&mut self, file_date: &str) -> Result<()> {
        self.clear_snapshot(file_date)
    }

    /// Deletes the snapshot of `file_date`, rows of this file waiting for their statement too.
    fn clear_snapshot(&mut self, file_date: &str) -> Result<()> {
        self.flush_non_posted()?;
        let partner = &self.partner;
        self.client.get_mut().execute(
            "DELETE FROM non_posted WHERE partner = $1 AND file_date = $2",
            &[partner, &file_date],
        )?;
        Ok(())
    }

    /// Records an event of an entry in this file's transaction (a dishonored return the file
    /// sends): it commits, or rolls back, with the decision.
    pub fn ach_event(&mut self, e: &crate::AchEvent) -> Result<()> {
        self.client.get_mut().execute(
            crate::ach_events::ADD,
            &[
                &e.partner,
                &e.trace,
                &e.kind,
                &e.code,
                &e.file,
                &e.at,
                &e.detail,
                &e.settlement_date,
            ],
        )?;
        Ok(())
    }

    /// Stores an accepted Nacha entry (`json`: its fields) settling on `settlement_date`.
    pub fn ach_entry(
        &mut self,
        line: u64,
        trace: &str,
        settlement_date: Option<&str>,
        json: &str,
    ) -> Result<()> {
        let line = line.to_string();
        self.rows
            .ach
            .push([Some(&line), Some(trace), settlement_date, Some(json)], []);
        if self.rows.ach.is_full() {
            self.flush_ach()?;
        }
        Ok(())
    }

    /// Every row waiting in these batches, written.
    pub(super) fn flush_rows(&mut self) -> Result<()> {
        self.flush_records()?;
        self.flush_refs()?;
        self.flush_states()?;
        self.flush_non_posted()?;
        self.flush_ach()
    }

    fn flush_records(&mut self) -> Result<()> {
        if self.rows.records.is_empty() {
            return Ok(());
        }
        let c = self.client.get_mut();
        let st = self.statements.get(c, RECORDS)?;
        self.rows
            .records
            .execute(c, &st, &[&self.partner, &self.file_id])?;
        self.rows.records.clear();
        Ok(())
    }

    fn flush_refs(&mut self) -> Result<()> {
        if self.rows.refs.is_empty() {
            return Ok(());
        }
        let c = self.client.get_mut();
        let st = self.statements.get(c, REFS)?;
        self.rows.refs.execute(c, &st, &[&self.partner])?;
        self.rows.refs.clear();
        Ok(())
    }

    fn flush_non_posted(&mut self) -> Result<()> {
        if self.rows.non_posted.is_empty() {
            return Ok(());
        }
        let c = self.client.get_mut();
        let st = self.statements.get(c, NON_POSTED)?;
        self.rows
            .non_posted
            .execute(c, &st, &[&self.partner, &self.file_id])?;
        self.rows.non_posted.clear();
        Ok(())
    }

    fn flush_ach(&mut self) -> Result<()> {
        if self.rows.ach.is_empty() {
            return Ok(());
        }
        let c = self.client.get_mut();
        let st = self.statements.get(c, ACH)?;
        self.rows
            .ach
            .execute(c, &st, &[&self.partner, &self.file_id])?;
        self.rows.ach.clear();
        Ok(())
    }

    /// The waiting state calls, replayed as SQLite runs them one by one: a call keeps its
    /// state when it differs from the last one kept — the row of the highest file id, this
    /// file's own row included — and this file keeps one row a record, the last it set.
    fn flush_states(&mut self) -> Result<()> {
        let calls = &self.rows.states;
        if calls.is_empty() {
            return Ok(());
        }
        // The records of the batch, each once, in order of first call.
        let mut index: HashMap<(&str, &str), usize> = HashMap::new();
        let mut keys = Batch::<2, 0>::default();
        let mut key_of = Vec::with_capacity(calls.len());
        for i in 0..calls.len() {
            let k = (
                calls.text(i, 0).unwrap_or(""),
                calls.text(i, 1).unwrap_or(""),
            );
            let n = index.len();
            let at = *index.entry(k).or_insert_with(|| {
                keys.push([Some(k.0), Some(k.1)], []);
                n
            });
            key_of.push(at);
        }
        let c = self.client.get_mut();
        let st = self.statements.get(c, LAST_STATES)?;
        // Per record: (file id, state) of the latest other file; the state this file keeps.
        let mut other: Vec<Option<(i64, String)>> = vec![None; keys.len()];
        let mut ours: Vec<Option<String>> = vec![None; keys.len()];
        for r in keys.query(c, &st, &[&self.partner, &self.file_id])? {
            // WITH ORDINALITY counts from 1.
            let at = r.try_get::<_, i64>(0)? - 1;
            let Some(at) = usize::try_from(at).ok().filter(|a| *a < keys.len()) else {
                continue;
            };
            let id: Option<i64> = r.try_get(1)?;
            let state: Option<String> = r.try_get(2)?;
            other[at] = id.zip(state);
            ours[at] = r.try_get(3)?;
        }
        // Replay: the call that set each record's row last, if any did.
        let mut set: Vec<Option<usize>> = vec![None; keys.len()];
        for (i, &k) in key_of.iter().enumerate() {
            let last = match (&ours[k], &other[k]) {
                (Some(mine), Some((id, theirs))) => {
                    if self.file_id > *id {
                        Some(mine.as_str())
                    } else {
                        Some(theirs.as_str())
                    }
                }
                (Some(mine), None) => Some(mine.as_str()),
                (None, Some((_, theirs))) => Some(theirs.as_str()),
                (None, None) => None,
            };
            let state = calls.text(i, 3).unwrap_or("");
            if last != Some(state) {
                ours[k] = Some(state.to_string());
                set[k] = Some(i);
            }
        }
        let mut rows = Batch::<5, 0>::default();
        for i in set.into_iter().flatten() {
            rows.push(std::array::from_fn(|k| calls.text(i, k)), []);
        }
        if !rows.is_empty() {
            let st = self.statements.get(c, STATES)?;
            rows.execute(c, &st, &[&self.partner, &self.file_id])?;
        }
        self.rows.states.clear();
        Ok(())
    }
}
