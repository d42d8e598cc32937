//! One column of the records a row names (by their type's `ref_ids`), looked up once per id: a
//! file names few accounts, balances or customers many times.

use std::collections::HashMap;
use store::Snapshot;

/// Named ids remembered before the cache is cleared (bounds memory on huge files).
const CACHE_LIMIT: usize = 100_000;

/// Column `column` of the `to` records a row names.
pub(super) struct NamedColumn {
    to: String,
    column: String,
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
            cache: HashMap::new(),
        }
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
        let value = match reader.find_ref(partner, &self.to, id)? {
            Some(key) => reader
                .record(partner, &self.to, &key)?
                .and_then(|r| r.get(&self.column).map(str::to_string)),
            None => None,
        };
        if self.cache.len() >= CACHE_LIMIT {
            self.cache.clear();
        }
        self.cache.insert(id.to_string(), value.clone());
        Ok(value)
    }
}
