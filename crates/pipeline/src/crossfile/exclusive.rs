//! `[[exclusive]]`: a value at most one record may hold, e.g. a balance pledged by at most one
//! collateral (spec 02 §7.1). The stored holder of each value is indexed when a record is
//! applied (`apply::record`); a row naming a value another record holds — stored, or an earlier
//! row of the file — is `already_taken`. A record sent again with its own value is no conflict.

use super::{finding, Ctx, Found, Pass};
use std::collections::HashMap;
use store::Snapshot;
use validate::report::{code, Severity};
use validate::schema::Schema;

/// The `[[exclusive]]` rules of a schema.
pub(super) struct Exclusives<'a> {
    ctx: &'a Ctx<'a>,
    reader: &'a Snapshot<'a>,
    schema: &'a Schema,
    /// Per rule: the record (key) each value of the file went to first. One entry per distinct
    /// value: the files with such columns (collaterals) are small.
    seen: Vec<HashMap<String, String>>,
}

impl<'a> Exclusives<'a> {
    /// The pass, when the schema has such rules.
    pub(super) fn new(
        ctx: &'a Ctx<'a>,
        reader: &'a Snapshot<'a>,
        schema: &'a Schema,
    ) -> Option<Self> {
        (!schema.exclusives.is_empty()).then(|| Exclusives {
            ctx,
            reader,
            schema,
            seen: vec![HashMap::new(); schema.exclusives.len()],
        })
    }

    /// The stored record other than `key` holding `v` now, if any. The index keeps the last
    /// record given each value; one that has let go of it since is no holder.
    fn stored_holder(&self, i: usize, v: &str, key: &str) -> store::Result<Option<String>> {
        let (schema, x) = (self.schema, &self.schema.exclusives[i]);
        let partner = self.ctx.partner;
        let Some(holder) = self.reader.find_ref(partner, &x.index(schema), v)? else {
            return Ok(None);
        };
        if holder == key {
            return Ok(None);
        }
        let column = &schema.columns[x.column].name;
        let holds = self
            .reader
            .record(partner, &schema.file_type, &holder)?
            .is_some_and(|r| r.get(column) == Some(v));
        Ok(holds.then_some(holder))
    }
}

impl Pass for Exclusives<'_> {
    fn row(&mut self, row: u64, cells: &[Option<&str>], found: &mut Found) -> store::Result<()> {
        let schema = self.schema;
        let key = super::updates::stored_key(schema, cells);
        for (i, x) in schema.exclusives.iter().enumerate() {
            let Some(v) = cells[x.column] else {
                continue;
            };
            let holder = match self.seen[i].get(v) {
                Some(first) if first.as_str() != key => Some(first.clone()),
                Some(_) => None,
                None => {
                    self.seen[i].insert(v.to_string(), key.to_string());
                    self.stored_holder(i, v, &key)?
                }
            };
            let Some(holder) = holder else {
                continue;
            };
            let name = &schema.columns[x.column].name;
            let why = x
                .note
                .as_deref()
                .unwrap_or("at most one record may hold it");
            let m = format!(
                "{name} `{v}` is held by {} `{holder}`: {why} ({})",
                schema.file_type, x.source
            );
            found.push((
                Severity::Error,
                finding(row, name, code::ALREADY_TAKEN, m, v),
            ));
        }
        Ok(())
    }
}
