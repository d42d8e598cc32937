//! `[[references]]` (D8): every value names an accepted record, a row of this file or a
//! registry entry; a reference may require the record be of some kind (`target_is`).

use super::{finding, Ctx, Found, Pass, Rows, CACHE_LIMIT};
use std::collections::{HashMap, HashSet};
use store::Snapshot;
use validate::report::{code, Severity};
use validate::schema::{Reference, Schema};
use validate::values::visit_list;
use validate::Finding;

/// How one value resolved.
#[derive(Clone)]
enum Resolved {
    Yes,
    No,
    /// Names a record of the wrong kind: the kind it has.
    WrongKind(String),
}

/// `[[references]]`: every value names an accepted record, a row of this file or a registry entry.
pub(super) struct References<'a> {
    ctx: &'a Ctx<'a>,
    reader: &'a Snapshot<'a>,
    schema: &'a Schema,
    /// The ids rows of this file are named by (`ref_ids`), when a reference may name one.
    own: HashSet<String>,
    collect_own: bool,
    /// Values a `same_file` reference did not find elsewhere: (row, reference, value, how the
    /// store resolved it), settled against `own` at the end.
    deferred: Vec<(u64, usize, String, Resolved)>,
    /// How each reference's values resolved (lookups repeat: a balance has many transactions).
    cache: Vec<HashMap<String, Resolved>>,
}

impl<'a> References<'a> {
    /// The pass, when the schema has references.
    pub(super) fn new(
        ctx: &'a Ctx<'a>,
        reader: &'a Snapshot<'a>,
        schema: &'a Schema,
    ) -> Option<Self> {
        (!schema.references.is_empty()).then(|| References {
            ctx,
            reader,
            schema,
            own: HashSet::new(),
            collect_own: schema.references.iter().any(|r| r.same_file),
            deferred: Vec::new(),
            cache: vec![HashMap::new(); schema.references.len()],
        })
    }
}

impl Pass for References<'_> {
    fn row(&mut self, row: u64, cells: &[Option<&str>], found: &mut Found) -> store::Result<()> {
        let schema = self.schema;
        if self.collect_own {
            for c in &schema.ref_ids {
                if let Some(v) = cells[*c] {
                    self.own.insert(v.to_string());
                }
            }
        }
        for (i, r) in schema.references.iter().enumerate() {
            each_value(schema, r, cells, &mut |v| self.value(row, i, r, v, found))?;
        }
        Ok(())
    }

    /// The values of the batch that references of the common shape ask about, and are not in
    /// the cache yet, looked up together.
    fn prefetch(&mut self, rows: &Rows) -> store::Result<()> {
        let schema = self.schema;
        for (i, r) in schema.references.iter().enumerate() {
            let Some((to, kind)) = one_lookup(r) else {
                continue;
            };
            let cache = &mut self.cache[i];
            let mut asked = HashSet::new();
            for (_, cells) in rows.iter() {
                each_value(schema, r, cells, &mut |v| {
                    if !cache.contains_key(v) && !asked.contains(v) {
                        asked.insert(v.to_string());
                    }
                    Ok(())
                })?;
            }
            if asked.is_empty() {
                continue;
            }
            // Cleared before, not while, the batch's values go in: each is then found when its
            // row is checked.
            if cache.len() + asked.len() > CACHE_LIMIT {
                cache.clear();
            }
            let asked: Vec<String> = asked.into_iter().collect();
            let ids: Vec<&str> = asked.iter().map(String::as_str).collect();
            let known = self.reader.known_many(self.ctx.partner, to, kind, &ids)?;
            for (v, k) in asked.into_iter().zip(known) {
                cache.insert(v, if k { Resolved::Yes } else { Resolved::No });
            }
        }
        Ok(())
    }

    fn end(&mut self, found: &mut Found) -> store::Result<()> {
        for (row, i, v, res) in std::mem::take(&mut self.deferred) {
            if self.own.contains(&v) {
                continue;
            }
            let r = &self.schema.references[i];
            found.extend(unresolved(self.schema, r, row, &v, res));
        }
        Ok(())
    }
}

impl References<'_> {
    fn value(
        &mut self,
        row: u64,
        i: usize,
        r: &Reference,
        v: &str,
        found: &mut Found,
    ) -> store::Result<()> {
        let cache = &mut self.cache[i];
        let res = match cache.get(v) {
            Some(res) => res.clone(),
            None => {
                if cache.len() > CACHE_LIMIT {
                    cache.clear();
                }
                let res = resolve(self.ctx, self.reader, r, v)?;
                cache.insert(v.to_string(), res.clone());
                res
            }
        };
        if matches!(res, Resolved::Yes) {
            return Ok(());
        }
        if r.same_file {
            // It may name a row of this file, further down.
            self.deferred.push((row, i, v.to_string(), res));
            return Ok(());
        }
        found.extend(unresolved(self.schema, r, row, v, res));
        Ok(())
    }
}

/// The values reference `r` asks about in a row, each to `f`: none when its cell is empty or
/// its condition does not hold, each item of a list.
fn each_value(
    schema: &Schema,
    r: &Reference,
    cells: &[Option<&str>],
    f: &mut dyn FnMut(&str) -> store::Result<()>,
) -> store::Result<()> {
    let Some(v) = cells[r.column] else {
        return Ok(());
    };
    if !r.when.iter().all(|c| c.holds_on(cells)) {
        return Ok(());
    }
    if schema.columns[r.column].ty == validate::schema::ColumnType::List {
        let mut values = Vec::new();
        // The validator already accepted the list; an unreadable one cannot get here.
        let _ = visit_list(v, &mut |item| values.push(item.to_string()));
        return values.iter().try_for_each(|v| f(v));
    }
    f(v)
}

fn unresolved(
    schema: &Schema,
    r: &Reference,
    row: u64,
    v: &str,
    res: Resolved,
) -> Option<(Severity, Finding)> {
    let column = &schema.columns[r.column].name;
    let to = r.to.join(" or ");
    let message = match res {
        Resolved::Yes => return None,
        Resolved::No => {
            let mut m = format!("`{v}` names no accepted {to} record");
            if r.to.is_empty() {
                m = format!("`{v}` is not known");
            }
            if r.same_file {
                m.push_str(" nor a row of this file");
            }
            if !r.registry.is_empty() {
                let kinds = r.registry.join(" or ");
                m.push_str(&format!(", and no {kinds} in the partner's registry"));
            }
            format!("{m} ({})", r.source)
        }
        Resolved::WrongKind(kind) => {
            let (col, allowed) = r
                .target_is
                .as_ref()
                .map_or(("", &[][..]), |(c, a)| (c.as_str(), &a[..]));
            format!(
                "`{v}` is a {to} with {col} `{kind}`; this column names one with {col} {} ({})",
                allowed.join(" or "),
                r.source
            )
        }
    };
    let sev = if r.warning {
        Severity::Warning
    } else {
        Severity::Error
    };
    Some((
        sev,
        finding(row, column, code::UNKNOWN_REFERENCE, message, v),
    ))
}

/// The common shape of a reference (one target, no kind to check, one registry kind at most),
/// answered by one lookup: its target and registry kind.
fn one_lookup(r: &Reference) -> Option<(&str, Option<&str>)> {
    match (&r.target_is, &r.to[..], &r.registry[..]) {
        (None, [to], [] | [_]) => Some((to, r.registry.first().map(String::as_str))),
        _ => None,
    }
}

fn resolve(ctx: &Ctx, reader: &Snapshot, r: &Reference, v: &str) -> store::Result<Resolved> {
    if let Some((to, kind)) = one_lookup(r) {
        return Ok(match reader.known(ctx.partner, to, kind, v)? {
            true => Resolved::Yes,
            false => Resolved::No,
        });
    }
    let mut wrong = None;
    for t in &r.to {
        let Some(key) = reader.find_ref(ctx.partner, t, v)? else {
            continue;
        };
        let Some((col, allowed)) = &r.target_is else {
            return Ok(Resolved::Yes);
        };
        let kind = reader
            .record(ctx.partner, t, &key)?
            .and_then(|r| r.get(col).map(str::to_string))
            .unwrap_or_default();
        if allowed.contains(&kind) {
            return Ok(Resolved::Yes);
        }
        wrong = Some(kind);
    }
    for k in &r.registry {
        if reader.registry_get(ctx.partner, k, v)?.is_some() {
            return Ok(Resolved::Yes);
        }
    }
    Ok(wrong.map_or(Resolved::No, Resolved::WrongKind))
}
