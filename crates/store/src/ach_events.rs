//! What happened to accepted ACH entries after they went out (spec 06 §4, §7): returns and
//! notifications of change delivered to the partner's `ach/incoming`, kept against the original
//! entry's trace number. Both backends run the same SQL (`$N` parameters).

use crate::Result;

/// One event of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AchEvent {
    /// Partner.
    pub partner: String,
    /// The original entry's trace number (15 digits).
    pub trace: String,
    /// `return`, `dishonored_return` (the partner's), `contested_return`, `noc`, or `forward`
    /// (an entry received from the network).
    pub kind: String,
    /// The return reason (R01…) or change code (C01…).
    pub code: String,
    /// The file delivered, relative to the partner's root.
    pub file: String,
    /// When (RFC 3339).
    pub at: String,
    /// A return: the original entry as stored (its JSON), for the reports; a forward entry: the
    /// entry in the same JSON form with `"received": true`; a NOC: the corrected data and the
    /// receiver's key.
    pub detail: String,
    /// The day a return settles (the reports' day); `None` for a NOC (no money moves).
    pub settlement_date: Option<String>,
}

/// The table and its indexes, with the id column of a backend.
macro_rules! ach_events_ddl {
    ($id:literal) => {
        concat!(
            "CREATE TABLE ach_events (\n    id ",
            $id,
            r#",
    partner TEXT NOT NULL,
    trace TEXT NOT NULL,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    file TEXT NOT NULL,
    at TEXT NOT NULL,
    detail TEXT NOT NULL,
    settlement_date TEXT
);
CREATE INDEX ach_events_trace ON ach_events(partner, trace);
CREATE INDEX ach_events_settled ON ach_events(partner, settlement_date);
CREATE INDEX ach_entries_trace ON ach_entries(partner, trace);
"#
        )
    };
}

/// SQLite's table (a migration of [`crate::MIGRATIONS`]) and the index that finds an entry by
/// its trace number.
pub(crate) const SCHEMA: &str = ach_events_ddl!("INTEGER PRIMARY KEY");

/// PostgreSQL's (a migration of `pg::MIGRATIONS`).
pub(crate) const PG_SCHEMA: &str =
    ach_events_ddl!("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY");

/// The newest stored entry with a trace number.
pub(crate) const ENTRY: &str = "SELECT data FROM ach_entries WHERE partner = $1 AND trace = $2 \
     ORDER BY file_id DESC, line DESC LIMIT 1";
/// Whether a trace number is an accepted entry's (SQLite: one lookup a trace).
const KNOWN_ONE: &str = "SELECT 1 FROM ach_entries WHERE partner = $1 AND trace = $2 LIMIT 1";
/// Which of an array of trace numbers are accepted entries' (PostgreSQL: one query a chunk).
const KNOWN_ANY: &str =
    "SELECT DISTINCT trace FROM ach_entries WHERE partner = $1 AND trace = ANY($2)";
/// A processing day's total of accepted entries, in cents (SQLite's JSON functions).
const DAY_TOTAL: &str =
    "SELECT COALESCE(SUM(CAST(json_extract(data, '$.amount_cents') AS INTEGER)), 0) \
     FROM ach_entries WHERE partner = $1 AND json_extract(data, '$.window_date') = $2";
/// The same on PostgreSQL.
const PG_DAY_TOTAL: &str =
    "SELECT COALESCE(SUM(((data::jsonb) ->> 'amount_cents')::BIGINT), 0)::BIGINT \
     FROM ach_entries WHERE partner = $1 AND (data::jsonb) ->> 'window_date' = $2";
/// Adds an event.
pub(crate) const ADD: &str =
    "INSERT INTO ach_events(partner, trace, kind, code, file, at, detail, settlement_date) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
/// An entry's events, oldest first.
pub(crate) const OF: &str = "SELECT partner, trace, kind, code, file, at, detail, \
     settlement_date FROM ach_events WHERE partner = $1 AND trace = $2 ORDER BY id";
/// A partner's notifications of change, oldest first.
pub(crate) const NOCS: &str = "SELECT partner, trace, kind, code, file, at, detail, \
     settlement_date FROM ach_events WHERE partner = $1 AND kind = 'noc' ORDER BY id";
/// A day's settled entries, in file and line order.
pub(crate) const SETTLED: &str = "SELECT trace, data FROM ach_entries WHERE partner = $1 \
     AND settlement_date = $2 ORDER BY file_id, line";
/// A day's settled returns (each the original entry) and received forward entries, in delivery
/// order (NOCs settle nothing: no settlement date).
pub(crate) const EVENTS_SETTLED: &str = "SELECT trace, detail FROM ach_events \
     WHERE partner = $1 AND settlement_date = $2 AND kind IN ('return', 'forward', 'dishonored_return', 'contested_return') ORDER BY id";

/// Entries' later events, on both backends.
pub trait AchEvents {
    /// The stored JSON of `partner`'s newest accepted entry with `trace`, if any.
    fn ach_entry_data(&self, partner: &str, trace: &str) -> Result<Option<String>>;
    /// Which of `traces` are trace numbers of `partner`'s accepted entries already (spec 06
    /// §1.5: ACH files carry new entries only).
    fn ach_traces_known(&self, partner: &str, traces: &[String]) -> Result<Vec<String>>;
    /// The total, in cents, of `partner`'s accepted entries sent in the windows of `day`
    /// (`window_date` of the stored entry): a daily aggregate limit's use so far.
    fn ach_total_for_day(&self, partner: &str, day: &str) -> Result<u64>;
    /// Records an event (append-only).
    fn add_ach_event(&self, e: &AchEvent) -> Result<()>;
    /// An entry's events, oldest first.
    fn ach_events(&self, partner: &str, trace: &str) -> Result<Vec<AchEvent>>;
    /// Every notification of change delivered to `partner`, oldest first.
    fn ach_nocs(&self, partner: &str) -> Result<Vec<AchEvent>>;
}

impl AchEvents for crate::Store {
    fn ach_total_for_day(&self, partner: &str, day: &str) -> Result<u64> {
        let c = self.conn();
        let total: i64 = c
            .prepare_cached(DAY_TOTAL)?
            .query_row(rusqlite::params![partner, day], |r| r.get(0))?;
        Ok(total.max(0) as u64)
    }

    fn ach_traces_known(&self, partner: &str, traces: &[String]) -> Result<Vec<String>> {
        let c = self.conn();
        let mut st = c.prepare_cached(KNOWN_ONE)?;
        let mut known = Vec::new();
        for t in traces {
            if st.exists(rusqlite::params![partner, t])? {
                known.push(t.clone());
            }
        }
        Ok(known)
    }

    fn ach_entry_data(&self, partner: &str, trace: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        let c = self.conn();
        let found = c
            .prepare_cached(ENTRY)?
            .query_row(rusqlite::params![partner, trace], |r| r.get(0))
            .optional()?;
        Ok(found)
    }

    fn add_ach_event(&self, e: &AchEvent) -> Result<()> {
        let c = self.conn();
        c.execute(
            ADD,
            rusqlite::params![
                e.partner,
                e.trace,
                e.kind,
                e.code,
                e.file,
                e.at,
                e.detail,
                e.settlement_date
            ],
        )?;
        Ok(())
    }

    fn ach_nocs(&self, partner: &str) -> Result<Vec<AchEvent>> {
        let c = self.conn();
        let mut st = c.prepare_cached(NOCS)?;
        let rows = st.query_map(rusqlite::params![partner], sqlite_event)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn ach_events(&self, partner: &str, trace: &str) -> Result<Vec<AchEvent>> {
        let c = self.conn();
        let mut st = c.prepare_cached(OF)?;
        let rows = st.query_map(rusqlite::params![partner, trace], sqlite_event)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

impl AchEvents for crate::pg::PgStore {
    fn ach_total_for_day(&self, partner: &str, day: &str) -> Result<u64> {
        let mut c = self.client()?;
        let total: i64 = c.query_one(PG_DAY_TOTAL, &[&partner, &day])?.get(0);
        Ok(total.max(0) as u64)
    }

    fn ach_traces_known(&self, partner: &str, traces: &[String]) -> Result<Vec<String>> {
        let mut c = self.client()?;
        Ok(c.query(KNOWN_ANY, &[&partner, &traces])?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn ach_entry_data(&self, partner: &str, trace: &str) -> Result<Option<String>> {
        let mut c = self.client()?;
        Ok(c.query_opt(ENTRY, &[&partner, &trace])?.map(|r| r.get(0)))
    }

    fn add_ach_event(&self, e: &AchEvent) -> Result<()> {
        let mut c = self.client()?;
        c.execute(
            ADD,
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

    fn ach_nocs(&self, partner: &str) -> Result<Vec<AchEvent>> {
        let mut c = self.client()?;
        Ok(c.query(NOCS, &[&partner])?.iter().map(pg_event).collect())
    }

    fn ach_events(&self, partner: &str, trace: &str) -> Result<Vec<AchEvent>> {
        let mut c = self.client()?;
        Ok(c.query(OF, &[&partner, &trace])?
            .iter()
            .map(pg_event)
            .collect())
    }
}

fn sqlite_event(r: &rusqlite::Row) -> rusqlite::Result<AchEvent> {
    Ok(AchEvent {
        partner: r.get(0)?,
        trace: r.get(1)?,
        kind: r.get(2)?,
        code: r.get(3)?,
        file: r.get(4)?,
        at: r.get(5)?,
        detail: r.get(6)?,
        settlement_date: r.get(7)?,
    })
}

fn pg_event(r: &postgres::Row) -> AchEvent {
    AchEvent {
        partner: r.get(0),
        trace: r.get(1),
        kind: r.get(2),
        code: r.get(3),
        file: r.get(4),
        at: r.get(5),
        detail: r.get(6),
        settlement_date: r.get(7),
    }
}
