//! `[[memberships]]`: a value must be listed on the stored record another column names, e.g. a
//! card's holder among its account's holders or authorized users (spec 04 §2.1).

use super::{finding, Ctx, Found, Pass};
use store::Snapshot;
use validate::report::{code, Severity};
use validate::schema::{Membership, Schema};
use validate::values::visit_list;

/// `[[memberships]]`: values listed on the record another column names (a card's entity on its
/// account, spec 04 §2.1).
pub(super) struct Memberships<'a> {
    ctx: &'a Ctx<'a>,
    reader: &'a Snapshot<'a>,
    schema: &'a Schema,
}

impl<'a> Memberships<'a> {
    /// The pass, when the schema has memberships.
    pub(super) fn new(
        ctx: &'a Ctx<'a>,
        reader: &'a Snapshot<'a>,
        schema: &'a Schema,
    ) -> Option<Self> {
        (!schema.memberships.is_empty()).then_some(Memberships {
            ctx,
            reader,
            schema,
        })
    }
}

impl Pass for Memberships<'_> {
    fn row(&mut self, row: u64, cells: &[Option<&str>], found: &mut Found) -> store::Result<()> {
        for m in &self.schema.memberships {
            let (Some(v), Some(of)) = (cells[m.column], cells[m.of]) else {
                continue;
            };
            if is_member(self.ctx, self.reader, m, v, of)? {
                continue;
            }
            let name = &self.schema.columns[m.column].name;
            let pairs = m.pairs.as_ref();
            let msg = format!(
                "`{v}` is not on {} `{of}` as {}{} ({})",
                m.to,
                m.lists.join(" or "),
                pairs.map_or(String::new(), |p| format!(", nor an active {p} of it")),
                m.source
            );
            let f = finding(row, name, code::DISALLOWED_REFERENCE, msg, v);
            found.push((Severity::Error, f));
        }
        Ok(())
    }
}

/// Whether `v` is listed on the `m.to` record `of` names. A record not stored (unknown, or known
/// only from the registry) cannot be checked and counts as listed: `unknown_reference` covers it.
fn is_member(
    ctx: &Ctx,
    reader: &Snapshot,
    m: &Membership,
    v: &str,
    of: &str,
) -> store::Result<bool> {
    let Some(key) = reader.find_ref(ctx.partner, &m.to, of)? else {
        return Ok(true);
    };
    let Some(record) = reader.record(ctx.partner, &m.to, &key)? else {
        return Ok(true);
    };
    for l in &m.lists {
        if let Some(list) = record.get(l) {
            let mut listed = false;
            let _ = visit_list(list, &mut |item| listed |= item == v);
            if listed {
                return Ok(true);
            }
        }
    }
    if let Some(p) = &m.pairs {
        if let Some(pair) = reader.record(ctx.partner, p, &format!("{of}|{v}"))? {
            if pair.get("status") != Some("inactive") {
                return Ok(true);
            }
        }
    }
    Ok(false)
}
