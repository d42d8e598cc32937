//! `[[target_state]]`: the record a column of the row names must be in (or out of) some states
//! for the row, e.g. a card update on a closed account must close the card (spec 04 §2.1), an
//! account comes from an approved application (spec 01 §6.2).

use super::named::NamedColumn;
use super::{finding, Ctx, Found, Pass};
use std::collections::HashMap;
use store::Snapshot;
use validate::schema::{ColumnType, RowsOf, Schema, Test};
use validate::values::visit_list;

/// The `[[target_state]]` rules of a schema.
pub(super) struct States<'a> {
    pub(super) ctx: &'a Ctx<'a>,
    pub(super) reader: &'a Snapshot<'a>,
    pub(super) schema: &'a Schema,
    /// Per rule: how the named record's tested column is found.
    lookups: Vec<Lookup>,
}

/// How a rule finds the state it tests.
enum Lookup {
    /// Each named record's column, looked up once per record.
    Each(NamedColumn),
    /// The rule forbids some states of a type's state column, its records named by their key:
    /// the records in those states are listed once (few records are closed), and a named key
    /// is tested against the list. `via`: the step to the key (a balance's `account_id`).
    Listed {
        via: Option<NamedColumn>,
        /// The keys in a forbidden state, with it; loaded at the first row that needs it.
        keys: Option<HashMap<String, String>>,
    },
}

impl<'a> States<'a> {
    /// The pass, when the schema has such rules.
    pub(super) fn new(
        ctx: &'a Ctx<'a>,
        reader: &'a Snapshot<'a>,
        schema: &'a Schema,
    ) -> Option<Self> {
        (!schema.target_states.is_empty()).then(|| States {
            ctx,
            reader,
            schema,
            lookups: schema
                .target_states
                .iter()
                .map(
                    |t| match (&t.target, t.target_is_state && t.equals.is_none()) {
                        (Test::NotIn(_), true) => Lookup::Listed {
                            via: t
                                .via
                                .as_ref()
                                .map(|v| NamedColumn::new(&ctx.records, &t.to, &v.column, None)),
                            keys: None,
                        },
                        _ => {
                            let via = t.via.as_ref().map(|v| (v.column.as_str(), v.to.as_str()));
                            Lookup::Each(NamedColumn::new(
                                &ctx.records,
                                &t.to,
                                &t.target_column,
                                via,
                            ))
                        }
                    },
                )
                .collect(),
        })
    }

    /// The tested column's value on the record `v` names under rule `i` (`None`: no such
    /// record, no value, or — listed — a state the rule allows).
    fn state_of(&mut self, i: usize, v: &str) -> store::Result<Option<String>> {
        let (ctx, reader) = (self.ctx, self.reader);
        let t = &self.schema.target_states[i];
        match &mut self.lookups[i] {
            Lookup::Each(named) => named.get(&ctx.records, reader, ctx.partner, v),
            Lookup::Listed { via, keys } => {
                let key = match via {
                    Some(step) => match step.get(&ctx.records, reader, ctx.partner, v)? {
                        Some(k) => k,
                        None => return Ok(None),
                    },
                    None => v.to_string(),
                };
                if keys.is_none() {
                    let to = t.via.as_ref().map_or(&t.to, |w| &w.to);
                    let mut listed = HashMap::new();
                    if let Test::NotIn(states) = &t.target {
                        for state in states {
                            for k in reader.keys_in_state(ctx.partner, to, state)? {
                                listed.insert(k, state.clone());
                            }
                        }
                    }
                    *keys = Some(listed);
                }
                Ok(keys.as_ref().and_then(|m| m.get(&key).cloned()))
            }
        }
    }
}

impl Pass for States<'_> {
    fn row(&mut self, row: u64, cells: &[Option<&str>], found: &mut Found) -> store::Result<()> {
        let schema = self.schema;
        // Whether the row updates a stored record, asked once and only when a rule needs it.
        let mut update: Option<bool> = None;
        for (i, t) in schema.target_states.iter().enumerate() {
            if !t.when.iter().all(|c| c.holds_on(cells)) {
                continue;
            }
            let Some(cell) = cells[t.column] else {
                continue;
            };
            if t.rows != RowsOf::All {
                let is_update = match update {
                    Some(u) => u,
                    None => {
                        let key = super::updates::stored_key(schema, cells);
                        let u = self.ctx.records.own_stored(
                            self.reader,
                            self.ctx.partner,
                            &schema.file_type,
                            &key,
                        )?;
                        *update.insert(u)
                    }
                };
                if is_update != (t.rows == RowsOf::Updates) {
                    continue;
                }
            }
            // A list column names several records, each tested (a badly formed list is the row
            // check's `type_list`).
            if schema.columns[t.column].ty != ColumnType::List {
                self.check(row, cells, i, cell, found)?;
                continue;
            }
            let mut named = Vec::new();
            let _ = visit_list(cell, &mut |item| named.push(item.to_string()));
            for v in &named {
                self.check(row, cells, i, v, found)?;
            }
        }
        Ok(())
    }
}

impl States<'_> {
    /// Rule `i` on the record `v` names.
    fn check(
        &mut self,
        row: u64,
        cells: &[Option<&str>],
        i: usize,
        v: &str,
        found: &mut Found,
    ) -> store::Result<()> {
        let (schema, t) = (self.schema, &self.schema.target_states[i]);
        let Some(state) = self.state_of(i, v)? else {
            return Ok(());
        };
        let allowed = match (&t.target, t.equals) {
            (_, Some(c)) => cells[c].is_none_or(|own| own == state),
            (Test::In(l), None) => l.contains(&state),
            (Test::NotIn(l), None) => !l.contains(&state),
            (Test::Present(_), None) => true,
        };
        if allowed {
            return Ok(());
        }
        let name = &schema.columns[t.column].name;
        let why = t.note.as_deref().unwrap_or("this row is not allowed then");
        let future = t
            .future
            .as_ref()
            .map(|id| format!(", future rule {id}"))
            .unwrap_or_default();
        let whose = match &t.via {
            Some(via) => format!("{} `{v}`'s {}", t.to, via.to),
            None => format!("{} `{v}`", t.to),
        };
        let m = format!(
            "{whose} is {} `{state}`: {why} ({}{future})",
            t.target_column, t.source
        );
        found.push((t.severity, finding(row, name, t.code, m, v)));
        Ok(())
    }
}
