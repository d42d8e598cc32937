//! The ledger on PostgreSQL: the same rows and rules as SQLite's (`crate::ledger`).

use super::PgStore;
use crate::api::Ledger;
use crate::ledger::{clause, COLUMNS};
use crate::{Decision, FileRow, NewFile, Result, State};
use postgres::types::ToSql;
use postgres::{Client, Row};

pub(super) fn file_row(r: &Row) -> FileRow {
    let state = State::parse(r.get(10));
    let file = NewFile {
        partner: r.get(1),
        path: r.get(2),
        name: r.get(3),
        file_type: r.get(4),
        prefix: r.get(5),
        version: r.get::<_, Option<i64>>(6).map(|v| v as u64),
        sha256: r.get(7),
        bytes: r.get::<_, i64>(8) as u64,
        received_at: r.get(14),
    };
    let decision = (state != State::Validating).then(|| Decision {
        state,
        rows: r.get::<_, Option<i64>>(9).unwrap_or(0) as u64,
        late: r.get(11),
        error_count: r.get::<_, i64>(12) as u64,
        warning_count: r.get::<_, i64>(13) as u64,
        decided_at: r.get::<_, Option<String>>(15).unwrap_or_default(),
        final_path: r.get::<_, Option<String>>(16).unwrap_or_default(),
    });
    FileRow {
        id: r.get(0),
        file,
        decision,
    }
}

/// The ledger row of a file being claimed, on `c` (in the file's write transaction, or on its
/// own): a new `validating` row, or the undecided row of the same path — a crashed claim, or
/// another node's at the same instant — taken over, never a second one made.
pub(crate) fn begin_in(c: &mut Client, f: &NewFile) -> Result<i64> {
    let version = f.version.map(|v| v as i64);
    let row = c.query_one(
        "INSERT INTO files(partner, path, name, file_type, prefix, version, sha256, bytes, state, \
         received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'validating', $9) \
         ON CONFLICT (partner, path) WHERE state = 'validating' DO UPDATE SET \
         name = excluded.name, file_type = excluded.file_type, prefix = excluded.prefix, \
         version = excluded.version, sha256 = excluded.sha256, bytes = excluded.bytes, \
         received_at = excluded.received_at RETURNING id",
        &[
            &f.partner,
            &f.path,
            &f.name,
            &f.file_type,
            &f.prefix,
            &version,
            &f.sha256,
            &(f.bytes as i64),
            &f.received_at,
        ],
    )?;
    Ok(row.get(0))
}

/// The decision of a `validating` row, on `c`; `false` if it was decided already.
pub(crate) fn decide_in(c: &mut Client, id: i64, d: &Decision) -> Result<bool> {
    let n = c.execute(
        clause::DECIDE,
        &[
            &d.state.as_str(),
            &(d.rows as i64),
            &d.late,
            &(d.error_count as i64),
            &(d.warning_count as i64),
            &d.decided_at,
            &d.final_path,
            &id,
        ],
    )?;
    Ok(n == 1)
}

impl PgStore {
    fn file_rows(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<FileRow>> {
        let rows = self
            .client()?
            .query(&format!("SELECT {COLUMNS} FROM files {sql}"), params)?;
        Ok(rows.iter().map(file_row).collect())
    }

    fn one(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<FileRow>> {
        Ok(self.file_rows(sql, params)?.into_iter().next())
    }
}

impl Ledger for PgStore {
    fn begin(&self, f: &NewFile) -> Result<i64> {
        begin_in(&mut *self.client()?, f)
    }

    fn decide(&self, id: i64, d: &Decision) -> Result<bool> {
        decide_in(&mut *self.client()?, id, d)
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
            &[&partner, &file_type, &prefix, &(version as i64)],
        )
    }

    fn accepted_same_bytes(&self, partner: &str, sha256: &str) -> Result<Option<FileRow>> {
        self.one(clause::SAME_BYTES, &[&partner, &sha256])
    }

    fn accepted_for(
        &self,
        partner: &str,
        file_type: &str,
        prefix: &str,
    ) -> Result<Option<FileRow>> {
        self.one(clause::ACCEPTED_FOR, &[&partner, &file_type, &prefix])
    }

    fn last_accepted_at(
        &self,
        partner: &str,
        file_types: &[&str],
        prefix: &str,
    ) -> Result<Option<String>> {
        // Byte order, as SQLite compares text (RFC 3339 times in UTC sort as they read).
        let row = self.client()?.query_one(
            "SELECT max(decided_at COLLATE \"C\") FROM files WHERE partner = $1 \
             AND file_type = ANY($2) AND prefix = $3 AND state = 'accepted'",
            &[&partner, &file_types, &prefix],
        )?;
        Ok(row.get(0))
    }

    fn latest_for_path(&self, partner: &str, path: &str) -> Result<Option<FileRow>> {
        self.one(clause::LATEST_FOR_PATH, &[&partner, &path])
    }

    fn undecided(&self, partner: &str) -> Result<Vec<FileRow>> {
        self.file_rows(clause::UNDECIDED, &[&partner])
    }

    fn file(&self, id: i64) -> Result<Option<FileRow>> {
        self.one(clause::BY_ID, &[&id])
    }

    fn files(&self, partner: Option<&str>, limit: u32) -> Result<Vec<FileRow>> {
        self.file_rows(clause::NEWEST, &[&partner, &i64::from(limit)])
    }

    fn dated_between(&self, partner: &str, from: &str, to: &str) -> Result<Vec<FileRow>> {
        // Byte order, as SQLite compares text.
        self.file_rows(
            "WHERE partner = $1 AND length(prefix) = 10 AND prefix COLLATE \"C\" >= $2 \
             AND prefix COLLATE \"C\" <= $3 ORDER BY id",
            &[&partner, &from, &to],
        )
    }
}
