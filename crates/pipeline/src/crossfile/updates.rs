//! Rows updating a record accepted earlier, compared with it (`[[history]]` in the schemas).

use super::{finding, Ctx, Found, Pass, Rows};
use std::collections::HashMap;
use store::{Snapshot, StoredRecord};
use validate::report::code;
use validate::schema::{HistoryKind, HistoryRule, Schema};
use validate::values::Point;
use validate::Finding;

/// Rows updating a record accepted earlier, checked against it (`[[history]]`: A5, A7, Ac5,
/// Ac7, spec 02 §6.1).
pub(super) struct Updates<'a> {
    pub(super) ctx: &'a Ctx<'a>,
    pub(super) reader: &'a Snapshot<'a>,
    pub(super) schema: &'a Schema,
    /// The stored records of the batch's keys (`None`: not stored), looked up together.
    pub(super) stored: HashMap<String, Option<StoredRecord>>,
}

impl Pass for Updates<'_> {
    fn prefetch(&mut self, rows: &Rows) -> store::Result<()> {
        let schema = self.schema;
        self.stored.clear();
        let keys: Vec<_> = rows
            .iter()
            .map(|(_, cells)| stored_key(schema, cells))
            .collect();
        let mut keys: Vec<&str> = keys.iter().map(|k| k.as_ref()).collect();
        keys.sort_unstable();
        keys.dedup();
        let records = self
            .reader
            .records_many(self.ctx.partner, &schema.file_type, &keys)?;
        for (k, r) in keys.into_iter().zip(records) {
            self.stored.insert(k.to_string(), r);
        }
        self.ctx
            .records
            .own_batch(self.stored.iter().map(|(k, r)| (k.as_str(), r.is_some())));
        Ok(())
    }

    fn row(&mut self, row: u64, cells: &[Option<&str>], found: &mut Found) -> store::Result<()> {
        let schema = self.schema;
        let key = stored_key(schema, cells);
        let fetched;
        let stored = match self.stored.get(key.as_ref()) {
            Some(r) => r.as_ref(),
            // Every row's key was looked up with its batch; were one not, it is looked up here.
            None => {
                fetched = self
                    .reader
                    .record(self.ctx.partner, &schema.file_type, &key)?;
                fetched.as_ref()
            }
        };
        let Some(stored) = stored else {
            return Ok(());
        };
        let old = |c: usize| stored.get(&schema.columns[c].name);
        for h in &schema.history {
            if let Some(mut f) = update_finding(schema, h, row, cells, &old, &key) {
                if let Some(id) = &h.future {
                    f.message = format!("{} (future rule {id})", f.message);
                }
                found.push((h.severity, f));
            }
        }
        Ok(())
    }
}

/// The key a row's record is stored under: its record key, a balance's as it is stored
/// ([`crate::apply::balance_key`]).
pub(super) fn stored_key<'c>(
    schema: &Schema,
    cells: &[Option<&'c str>],
) -> std::borrow::Cow<'c, str> {
    if schema.file_type == validate::schema::types::BALANCE {
        return crate::apply::balance_key(schema, cells).0;
    }
    crate::apply::record_key(schema, cells)
}

/// The finding of one history rule for one row, if it is broken.
fn update_finding<'p>(
    schema: &Schema,
    h: &HistoryRule,
    row: u64,
    cells: &[Option<&str>],
    old: &dyn Fn(usize) -> Option<&'p str>,
    key: &str,
) -> Option<Finding> {
    match &h.kind {
        HistoryKind::Later(c) => {
            let (new, was) = (cells[*c]?, old(*c)?);
            let later = Point::parse(new)?.order(Point::parse(was)?) == std::cmp::Ordering::Greater;
            (!later).then(|| {
                let name = &schema.columns[*c].name;
                let m = format!(
                    "{name} {new} is not later than {was}, already received for this record; an update carries a later {name} ({})",
                    h.source
                );
                finding(row, name, code::OUTDATED_UPDATE, m, new)
            })
        }
        HistoryKind::FrozenWhen(c, values) => {
            let was = old(*c)?;
            if !values.iter().any(|v| v == was) {
                return None;
            }
            // The same row sent again changes nothing.
            let changed = (0..schema.columns.len()).any(|i| cells[i] != old(i));
            changed.then(|| {
                let name = &schema.columns[*c].name;
                let shown = key.trim_matches('|');
                let m = format!(
                    "`{shown}` is already {name} `{was}`, a final state: no update is accepted ({})",
                    h.source
                );
                finding(row, name, code::TERMINAL_RECORD, m, cells[*c].unwrap_or(""))
            })
        }
        HistoryKind::Immutable(cols) => cols.iter().find_map(|c| {
            // Empty before: it may be filled (a card's `closed_at` at its closing).
            let was = old(*c).filter(|v| !v.is_empty())?;
            let new = cells[*c];
            if new == Some(was) {
                return None;
            }
            let name = &schema.columns[*c].name;
            let m = format!(
                "{name} was `{was}` and cannot change once set ({})",
                h.source
            );
            Some(finding(
                row,
                name,
                code::IMMUTABLE_FIELD,
                m,
                new.unwrap_or(""),
            ))
        }),
    }
}
