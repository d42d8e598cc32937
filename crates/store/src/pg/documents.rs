//! The accepted documents on PostgreSQL (the SQLite side: `crate::documents`).

use super::super::read::PgReader;
use super::PgWriteTx;
use crate::documents::DocumentRow;
use crate::Result;

/// The table (a migration of `pg::MIGRATIONS`).
pub(crate) const SCHEMA: &str = r#"
CREATE TABLE documents (
    partner TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    received_at TEXT NOT NULL,
    file_id BIGINT NOT NULL,
    PRIMARY KEY (partner, name)
);
"#;

impl PgWriteTx<'_> {
    /// Records the accepted document of this file's transaction (its partner and ledger id).
    pub fn document(&mut self, d: &DocumentRow) -> Result<()> {
        let (partner, file_id) = (self.partner.clone(), self.file_id);
        self.client.get_mut().execute(
            "INSERT INTO documents(partner, name, content_type, sha256, bytes, received_at, file_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &partner,
                &d.name,
                &d.content_type,
                &d.sha256,
                &(d.bytes as i64),
                &d.received_at,
                &file_id,
            ],
        )?;
        Ok(())
    }
}

impl PgReader<'_> {
    /// The partner's accepted document of that exact name, if any.
    pub fn document(&self, partner: &str, name: &str) -> Result<Option<DocumentRow>> {
        let row = self.query_opt(
            "SELECT name, content_type, sha256, bytes, received_at, file_id FROM documents \
             WHERE partner = $1 AND name = $2",
            &[&partner, &name],
        )?;
        row.map(|r| {
            Ok(DocumentRow {
                name: r.try_get(0)?,
                content_type: r.try_get(1)?,
                sha256: r.try_get(2)?,
                bytes: r.try_get::<_, i64>(3)? as u64,
                received_at: r.try_get(4)?,
                file_id: r.try_get(5)?,
            })
        })
        .transpose()
    }

    /// Whether each of `names` is an accepted document of the partner, in order: one statement.
    pub fn documents_known(&self, partner: &str, names: &[&str]) -> Result<Vec<bool>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self.query(
            "SELECT name FROM documents WHERE partner = $1 AND name = ANY($2)",
            &[&partner, &names],
        )?;
        let mut found = std::collections::HashSet::new();
        for r in &rows {
            found.insert(r.try_get::<_, String>(0)?);
        }
        Ok(names.iter().map(|n| found.contains(*n)).collect())
    }
}
