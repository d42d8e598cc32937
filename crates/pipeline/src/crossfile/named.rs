//! One column of the records a row names (by their type's `ref_ids`), looked up once per id: a
//! file names few accounts, balances or customers many times.

use std::collections::HashMap;
use store::Snapshot;

/// Named ids remembered before the cache is cleared (bounds memory on huge files).
const CACHE_LIMIT: usize = 100_000;

/// Column `column` of the `to` records a row names (or, `via` a column of those, of the
/// records they name in turn).
pub(super) struct NamedColumn {
    to: String,
    column: String,
    /// The first record's column naming the second, and the second's type.
    via: Option<(String, String)>,
    /// The value by id (`None`: no such record stored, which `unknown_reference` covers, or
    /// no value).
    cache: HashMap<String, Option<String>>,
}

impl NamedColumn {
    /// The lookup of `column` on `to` records.
    pub(super) fn new(to: &str, column: &str) -> NamedColumn {
        NamedColumn {
            to: to.to_string(),
            column: column.to_string(),
            via: None,
            cache: HashMap::new(),
        }
    }

    /// The lookup of `column` on the `via_to` record that `via_column` of the named `to`
    /// record names.
    pub(super) fn via(mut self, via_column: &str, via_to: &str) -> NamedColumn {
        self.via = Some((via_column.to_string(), via_to.to_string()));
        self
    }

    /// The column's value on the record `id` names.
    pub(super) fn get(
        &mut self,
        reader: &Snapshot,
        partner: &str,
        id: &str,
    ) -> store::Result<Option<String>> {
        if let Some(v) = self.cache.get(id) {
            return Ok(v.clone());
        }
        let value = match &self.via {
            None => column_of(reader, partner, &self.to, id, &self.column)?,
            Some((via_column, via_to)) => {
                match column_of(reader, partner, &self.to, id, via_column)? {
                    Some(second) => column_of(reader, partner, via_to, &second, &self.column)?,
                    None => None,
                }
            }
        };
        if self.cache.len() >= CACHE_LIMIT {
            self.cache.clear();
        }
        self.cache.insert(id.to_string(), value.clone());
        Ok(value)
    }
}

/// Column `column` of the `to` record `id` names, if it is stored and has a value.
fn column_of(
    reader: &Snapshot,
    partner: &str,
    to: &str,
    id: &str,
    column: &str,
) -> store::Result<Option<String>> {
    Ok(match reader.find_ref(partner, to, id)? {
        Some(key) => reader
            .record(partner, to, &key)?
            .and_then(|r| r.get(column).map(str::to_string)),
        None => None,
    })
}
