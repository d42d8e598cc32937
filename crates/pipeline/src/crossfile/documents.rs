//! Document references (spec 03 §9.1): every `document_id` in a column of shape
//! `document_references` names a document the partner sent to `documents/` and bankdrop accepted
//! before this file (`unknown_document`). Whether a reference may come before its document is an
//! open question (spec 01 §14.2); the project default is that the document comes first.

use super::{finding, Found, Pass, Rows};
use std::collections::HashMap;
use store::Snapshot;
use validate::docrefs::document_ids;
use validate::report::{code, Severity};
use validate::schema::{JsonShape, Schema};

/// Entries of the lookup cache before it is cleared (bounds memory on huge files).
const CACHE_LIMIT: usize = 100_000;

/// The document reference check of one file.
pub(super) struct Documents<'a> {
    pub partner: &'a str,
    pub reader: &'a Snapshot<'a>,
    pub schema: &'a Schema,
    /// The columns holding document references.
    pub columns: Vec<usize>,
    /// Whether each name looked up is an accepted document.
    pub known: HashMap<String, bool>,
}

impl<'a> Documents<'a> {
    /// The check, when `schema` has document reference columns.
    pub(super) fn new(
        partner: &'a str,
        reader: &'a Snapshot<'a>,
        schema: &'a Schema,
    ) -> Option<Self> {
        let columns: Vec<usize> = (0..schema.columns.len())
            .filter(|c| schema.columns[*c].shape == Some(JsonShape::DocumentReferences))
            .collect();
        (!columns.is_empty()).then(|| Documents {
            partner,
            reader,
            schema,
            columns,
            known: HashMap::new(),
        })
    }
}

impl Pass for Documents<'_> {
    fn prefetch(&mut self, rows: &Rows) -> store::Result<()> {
        if self.known.len() > CACHE_LIMIT {
            self.known.clear();
        }
        let mut ask: Vec<String> = Vec::new();
        for (_, cells) in rows.iter() {
            for c in &self.columns {
                for id in cells[*c].map(document_ids).unwrap_or_default() {
                    if !self.known.contains_key(&id) && !ask.contains(&id) {
                        ask.push(id);
                    }
                }
            }
        }
        let names: Vec<&str> = ask.iter().map(String::as_str).collect();
        let found = self.reader.documents_known(self.partner, &names)?;
        self.known.extend(ask.into_iter().zip(found));
        Ok(())
    }

    fn row(&mut self, row: u64, cells: &[Option<&str>], found: &mut Found) -> store::Result<()> {
        for c in &self.columns {
            let Some(v) = cells[*c] else { continue };
            for (i, id) in document_ids(v).iter().enumerate() {
                let known = match self.known.get(id) {
                    Some(k) => *k,
                    None => self
                        .reader
                        .documents_known(self.partner, &[id])?
                        .first()
                        .copied()
                        .unwrap_or(false),
                };
                if !known {
                    let column = &self.schema.columns[*c].name;
                    let m = format!(
                        "{column}[{i}].document_id `{id}` names no accepted document: send it to documents/ first (the name must match exactly)"
                    );
                    found.push((
                        Severity::Error,
                        finding(row, column, code::UNKNOWN_DOCUMENT, m, id),
                    ));
                }
            }
        }
        Ok(())
    }
}
