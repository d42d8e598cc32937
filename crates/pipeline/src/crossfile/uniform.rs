//! `[[uniform]]`: the records a list column names must all be of one kind, e.g. an account's
//! holders all individuals, or all businesses and sole proprietors (spec 03 §11.1: holders
//! "cannot mix individuals with business/sole-prop entities"; A6, Ac6). A record not stored — an
//! Entity API id, whose type bankdrop never sees — is not counted.

use super::named::NamedColumn;
use super::{finding, Ctx, Found, Pass};
use store::Snapshot;
use validate::report::{code, Severity};
use validate::schema::Schema;
use validate::values::visit_list;

/// The `[[uniform]]` rules of a schema.
pub(super) struct Uniforms<'a> {
    ctx: &'a Ctx<'a>,
    reader: &'a Snapshot<'a>,
    schema: &'a Schema,
    /// Per rule: the named records' tested column.
    named: Vec<NamedColumn>,
}

impl<'a> Uniforms<'a> {
    /// The pass, when the schema has such rules.
    pub(super) fn new(
        ctx: &'a Ctx<'a>,
        reader: &'a Snapshot<'a>,
        schema: &'a Schema,
    ) -> Option<Self> {
        (!schema.uniforms.is_empty()).then(|| Uniforms {
            ctx,
            reader,
            schema,
            named: schema
                .uniforms
                .iter()
                .map(|u| NamedColumn::new(&ctx.records, &u.to, &u.target_column, None))
                .collect(),
        })
    }
}

impl Pass for Uniforms<'_> {
    fn row(&mut self, row: u64, cells: &[Option<&str>], found: &mut Found) -> store::Result<()> {
        let schema = self.schema;
        for (i, u) in schema.uniforms.iter().enumerate() {
            if !u.when.iter().all(|c| c.holds_on(cells)) {
                continue;
            }
            let Some(cell) = cells[u.column] else {
                continue;
            };
            let mut ids = Vec::new();
            let _ = visit_list(cell, &mut |item| ids.push(item.to_string()));
            if ids.len() < 2 {
                // One record is always of one kind: nothing to look up.
                continue;
            }
            // The first named record's group; a record in another group breaks the rule.
            let mut first: Option<(usize, String, String)> = None;
            for id in &ids {
                let Some(value) =
                    self.named[i].get(&self.ctx.records, self.reader, self.ctx.partner, id)?
                else {
                    continue;
                };
                let Some(group) = u.groups.iter().position(|g| g.contains(&value)) else {
                    continue;
                };
                match &first {
                    None => first = Some((group, id.clone(), value)),
                    Some((g, _, _)) if *g == group => {}
                    Some((_, first_id, first_value)) => {
                        let name = &schema.columns[u.column].name;
                        let why = u.note.as_deref().unwrap_or("they must be of one kind");
                        let m = format!(
                            "{} `{id}` is {} `{value}` but `{first_id}` is `{first_value}`: {why} ({})",
                            u.to, u.target_column, u.source
                        );
                        found.push((
                            Severity::Error,
                            finding(row, name, code::ENTITY_ROLE_MISMATCH, m, id),
                        ));
                        break;
                    }
                }
            }
        }
        Ok(())
    }
}
