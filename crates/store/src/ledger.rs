//! The ledger: one row per file received, from `validating` to its decision (D7).

use crate::api::Ledger;
use crate::{Result, Store};
use rusqlite::{params, OptionalExtension, Row};

/// Where a file is in its lifecycle (D7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Claimed by a worker; not decided. After a crash such a row is redone.
    Validating,
    /// Applied.
    Accepted,
    /// Rejected by errors; nothing applied.
    Rejected,
    /// Already received (name or bytes, D5); nothing applied.
    Duplicate,
    /// bankdrop could not decide it (its own failure, retried and given up): set aside in the
    /// folder of failed files, nothing applied. The same name may be sent again.
    Failed,
}

impl State {
    /// The state as the ledger stores it: `validating`, `accepted`, `rejected`, …
    pub fn as_str(self) -> &'static str {
        match self {
            State::Validating => "validating",
            State::Accepted => "accepted",
            State::Rejected => "rejected",
            State::Duplicate => "duplicate",
            State::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> State {
        match s {
            "accepted" => State::Accepted,
            "rejected" => State::Rejected,
            "duplicate" => State::Duplicate,
            "failed" => State::Failed,
            _ => State::Validating,
        }
    }
}

/// A file that has just been claimed for processing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NewFile {
    /// Partner name.
    pub partner: String,
    /// Path relative to the partner's root, e.g. `card/2026-01-27_card_v1.csv`.
    pub path: String,
    /// File name.
    pub name: String,
    /// File type, when the name parsed.
    pub file_type: Option<String>,
    /// Date or batch id (batch ids lower-cased: they compare case-insensitively, D5).
    pub prefix: Option<String>,
    /// Version number.
    pub version: Option<u64>,
    /// Hex sha256 of the bytes.
    pub sha256: String,
    /// Size.
    pub bytes: u64,
    /// RFC 3339 time the upload completed.
    pub received_at: String,
}

/// The decision written for a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Decision {
    /// Outcome.
    pub state: State,
    /// Data rows.
    pub rows: u64,
    /// Arrived after its deadline (D9).
    pub late: bool,
    /// Errors found.
    pub error_count: u64,
    /// Warnings found.
    pub warning_count: u64,
    /// RFC 3339 decision time.
    pub decided_at: String,
    /// Where the file was moved, relative to the partner root.
    pub final_path: String,
}

/// A ledger row: the file as claimed, and its decision once there is one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileRow {
    /// Ledger id.
    pub id: i64,
    /// The file as claimed.
    pub file: NewFile,
    /// The decision; `None` while the row is `validating`.
    pub decision: Option<Decision>,
}

impl FileRow {
    /// Lifecycle state (derived from the decision).
    pub fn state(&self) -> State {
        self.decision
            .as_ref()
            .map_or(State::Validating, |d| d.state)
    }
}

/// The ledger's columns, in the order both backends read them.
pub(crate) const COLUMNS: &str =
    "id, partner, path, name, file_type, prefix, version, sha256, bytes, rows, state, late, \
     error_count, warning_count, received_at, decided_at, final_path";

/// The ledger's questions, as `WHERE` clauses both backends run: parameters are written `$N`
/// and first appear in order, which SQLite binds by position as PostgreSQL does.
pub(crate) mod clause {
    /// [`crate::api::Ledger::same_name`]: partner, type, prefix, version.
    pub const SAME_NAME: &str = "WHERE partner = $1 AND file_type = $2 AND prefix = $3 \
         AND version = $4 AND state NOT IN ('validating', 'failed') ORDER BY id LIMIT 1";
    /// [`crate::api::Ledger::accepted_same_bytes`]: partner, sha256.
    pub const SAME_BYTES: &str = "WHERE partner = $1 AND sha256 = $2 AND state = 'accepted' \
         AND rows > 0 ORDER BY id LIMIT 1";
    /// [`crate::api::Ledger::accepted_for`]: partner, type, prefix.
    pub const ACCEPTED_FOR: &str = "WHERE partner = $1 AND file_type = $2 AND prefix = $3 \
         AND state = 'accepted' ORDER BY id LIMIT 1";
    /// [`crate::api::Ledger::latest_for_path`]: partner, path.
    pub const LATEST_FOR_PATH: &str = "WHERE partner = $1 AND path = $2 ORDER BY id DESC LIMIT 1";
    /// [`crate::api::Ledger::undecided`]: partner.
    pub const UNDECIDED: &str = "WHERE partner = $1 AND state = 'validating' ORDER BY id";
    /// [`crate::api::Ledger::file`]: id.
    pub const BY_ID: &str = "WHERE id = $1";
    /// [`crate::api::Ledger::files`]: partner or NULL, limit.
    pub const NEWEST: &str =
        "WHERE (CAST($1 AS TEXT) IS NULL OR partner = $1) ORDER BY id DESC LIMIT $2";
    /// The decision of a `validating` row: state, rows, late, errors, warnings, time, path, id.
    pub const DECIDE: &str = "UPDATE files SET state = $1, rows = $2, late = $3, \
         error_count = $4, warning_count = $5, decided_at = $6, final_path = $7 \
         WHERE id = $8 AND state = 'validating'";
}

pub(crate) fn row(r: &Row) -> rusqlite::Result<FileRow> {
    let state = State::parse(&r.get::<_, String>(10)?);
    let file = NewFile {
        partner: r.get(1)?,
        path: r.get(2)?,
        name: r.get(3)?,
        file_type: r.get(4)?,
        prefix: r.get(5)?,
        version: r.get::<_, Option<i64>>(6)?.map(|v| v as u64),
        sha256: r.get(7)?,
        bytes: r.get::<_, i64>(8)? as u64,
        received_at: r.get(14)?,
    };
    let decision = match state {
        State::Validating => None,
        _ => Some(Decision {
            state,
            rows: r.get::<_, Option<i64>>(9)?.unwrap_or(0) as u64,
            late: r.get(11)?,
            error_count: r.get::<_, i64>(12)? as u64,
            warning_count: r.get::<_, i64>(13)? as u64,
            decided_at: r.get::<_, Option<String>>(15)?.unwrap_or_default(),
            final_path: r.get::<_, Option<String>>(16)?.unwrap_or_default(),
        }),
    };
    Ok(FileRow {
        id: r.get(0)?,
        file,
        decision,
    })
}

/// The ledger row of a file being claimed, inside a write transaction: a new `validating` row,
/// or the undecided row a crash left for the same inbox path.
pub(crate) fn begin_in(c: &rusqlite::Connection, f: &NewFile) -> Result<i64> {
    let stale: Option<i64> = c
        .query_row(
            "SELECT id FROM files WHERE partner = ?1 AND path = ?2 AND state = 'validating'",
            params![f.partner, f.path],
            |r| r.get(0),
        )
        .optional()?;
    let version = f.version.map(|v| v as i64);
    Ok(match stale {
        Some(id) => {
            c.execute(
                "UPDATE files SET name = ?2, file_type = ?3, prefix = ?4, version = ?5, sha256 = ?6, bytes = ?7, \
                 received_at = ?8 WHERE id = ?1",
                params![id, f.name, f.file_type, f.prefix, version, f.sha256, f.bytes as i64, f.received_at],
            )?;
            id
        }
        None => {
            c.execute(
                "INSERT INTO files(partner, path, name, file_type, prefix, version, sha256, bytes, state, received_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'validating', ?9)",
                params![f.partner, f.path, f.name, f.file_type, f.prefix, version, f.sha256, f.bytes as i64, f.received_at],
            )?;
            c.last_insert_rowid()
        }
    })
}

/// The decision update, for use inside a larger transaction.
pub(crate) fn decide_in(c: &rusqlite::Connection, id: i64, d: &Decision) -> Result<bool> {
    let n = c.execute(
        clause::DECIDE,
        params![
            d.state.as_str(),
            d.rows as i64,
            d.late,
            d.error_count as i64,
            d.warning_count as i64,
            d.decided_at,
            d.final_path,
            id
        ],
    )?;
    Ok(n == 1)
}

impl Store {
    fn one(&self, sql: &str, p: impl rusqlite::Params) -> Result<Option<FileRow>> {
        let c = self.reader()?;
        Ok(
            c.query_row(&format!("SELECT {COLUMNS} FROM files {sql}"), p, row)
                .optional()?,
        )
    }
}

impl Ledger for Store {
    fn begin(&self, f: &NewFile) -> Result<i64> {
        let mut c = self.conn();
        // IMMEDIATE: take the write lock first, so another process writing meanwhile (a
        // `bankdrop registry` command) makes us wait instead of failing the read-then-write.
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let id = begin_in(&tx, f)?;
        tx.commit()?;
        self.committed();
        Ok(id)
    }

    fn decide(&self, id: i64, d: &Decision) -> Result<bool> {
        let done = decide_in(&self.conn(), id, d)?;
        self.committed();
        Ok(done)
    }

    fn same_name(
        &self,
        partner: &str,
        file_type: &str,
        prefix: &str,
        version: u64,
    ) -> Result<Option<FileRow>> {
        self.one(
            clause::SAME_NAME,
            params![partner, file_type, prefix, version as i64],
        )
    }

    fn accepted_same_bytes(&self, partner: &str, sha256: &str) -> Result<Option<FileRow>> {
        self.one(clause::SAME_BYTES, params![partner, sha256])
    }

    fn accepted_for(
        &self,
        partner: &str,
        file_type: &str,
        prefix: &str,
    ) -> Result<Option<FileRow>> {
        self.one(clause::ACCEPTED_FOR, params![partner, file_type, prefix])
    }

    fn last_accepted_at(
        &self,
        partner: &str,
        file_types: &[&str],
        prefix: &str,
    ) -> Result<Option<String>> {
        let c = self.reader()?;
        let mut latest: Option<String> = None;
        for t in file_types {
            let at: Option<String> = c
                .prepare_cached(
                    "SELECT max(decided_at) FROM files WHERE partner = ?1 AND file_type = ?2 \
                     AND prefix = ?3 AND state = 'accepted'",
                )?
                .query_row(params![partner, t, prefix], |r| r.get(0))?;
            latest = latest.max(at);
        }
        Ok(latest)
    }

    fn latest_for_path(&self, partner: &str, path: &str) -> Result<Option<FileRow>> {
        self.one(clause::LATEST_FOR_PATH, params![partner, path])
    }

    fn undecided(&self, partner: &str) -> Result<Vec<FileRow>> {
        let c = self.reader()?;
        let mut st = c.prepare(&format!(
            "SELECT {COLUMNS} FROM files {}",
            clause::UNDECIDED
        ))?;
        let rows = st
            .query_map(params![partner], row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn file(&self, id: i64) -> Result<Option<FileRow>> {
        self.one(clause::BY_ID, params![id])
    }

    fn files(&self, partner: Option<&str>, limit: u32) -> Result<Vec<FileRow>> {
        let c = self.reader()?;
        let mut st = c.prepare(&format!("SELECT {COLUMNS} FROM files {}", clause::NEWEST))?;
        let rows = st
            .query_map(params![partner, limit], row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn dated_between(&self, partner: &str, from: &str, to: &str) -> Result<Vec<FileRow>> {
        let c = self.reader()?;
        let mut st = c.prepare(&format!(
            "SELECT {COLUMNS} FROM files WHERE partner = ?1 AND length(prefix) = 10 \
             AND prefix >= ?2 AND prefix <= ?3 ORDER BY id"
        ))?;
        let rows = st
            .query_map(params![partner, from, to], row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}
