//! Documents a partner sent to `documents/` and bankdrop accepted (spec 01 §14.1): one row per
//! (partner, file name), written in the document's own decision transaction, so a document
//! reference (spec 03 §9.1 `document_id`) can be checked against it.

use crate::history::Reader;
use crate::{Result, WriteTx};
use rusqlite::{params, OptionalExtension};

/// The table, SQLite's migration (PostgreSQL's is [`crate::pg`]'s `documents::SCHEMA`).
pub(crate) const SCHEMA: &str = r#"
CREATE TABLE documents (
    partner TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    file_id INTEGER NOT NULL,
    PRIMARY KEY (partner, name)
) WITHOUT ROWID;
"#;

/// An accepted document, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRow {
    /// Its file name: the reference's `document_id`.
    pub name: String,
    /// The detected content: `pdf`, `jpeg`, `png` or `html`.
    pub content_type: String,
    /// Hex sha256 of its bytes.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
    /// When its upload completed (RFC 3339).
    pub received_at: String,
    /// Its ledger id.
    pub file_id: i64,
}

impl WriteTx<'_> {
    /// Records the accepted document of this file's transaction (its partner and ledger id).
    pub fn document(&mut self, d: &DocumentRow) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO documents(partner, name, content_type, sha256, bytes, received_at, file_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                self.partner,
                d.name,
                d.content_type,
                d.sha256,
                d.bytes as i64,
                d.received_at,
                self.file_id
            ])?;
        Ok(())
    }
}

impl Reader {
    /// The partner's accepted document of that exact name, if any.
    pub fn document(&self, partner: &str, name: &str) -> Result<Option<DocumentRow>> {
        let mut st = self.0.prepare_cached(
            "SELECT name, content_type, sha256, bytes, received_at, file_id FROM documents \
             WHERE partner = ?1 AND name = ?2",
        )?;
        Ok(st
            .query_row(params![partner, name], |r| {
                Ok(DocumentRow {
                    name: r.get(0)?,
                    content_type: r.get(1)?,
                    sha256: r.get(2)?,
                    bytes: r.get::<_, i64>(3)? as u64,
                    received_at: r.get(4)?,
                    file_id: r.get(5)?,
                })
            })
            .optional()?)
    }

    /// Whether each of `names` is an accepted document of the partner, in order.
    pub fn documents_known(&self, partner: &str, names: &[&str]) -> Result<Vec<bool>> {
        let mut st = self.0.prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM documents WHERE partner = ?1 AND name = ?2)",
        )?;
        names
            .iter()
            .map(|n| Ok(st.query_row(params![partner, n], |r| r.get(0))?))
            .collect()
    }
}
