//! Cross-file checks at validation time (D8, D9): references resolve against accepted records,
//! the same file and the partner's registry, and memberships against the record they name;
//! updates follow the record they update (`updates`); balance files follow the program's creation
//! mode and report every balance that was open (`balances`, spec 05 §3.2); a relationship file has
//! its customer file (spec 02 §4.4). They run on files that passed validation and add errors that
//! reject them. Lookups go to a read snapshot of their own.

use crate::spill::ErrorSpill;
use crate::status::STATUS_LIMIT;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::Path;
use store::{Reader, Store};
use validate::report::{code, Severity};
use validate::rows::for_each_row;
use validate::schema::{Membership, Reference, Schema};
use validate::values::visit_list;
use validate::{Finding, Report};

/// How a program creates balances (spec 05 §3.2): through the Subledger Balance API, so a balance
/// file may only report known balances by their Lead `id`, or through files, so an unknown
/// balance is a new one. Not seen per program: a documented project default (`file`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BalanceCreation {
    /// Balances come from the API only (registry kind `balance`).
    Api,
    /// Balances come from files only.
    #[default]
    File,
}

/// Entries of the per-file lookup cache before it is cleared (bounds memory on huge files).
const CACHE_LIMIT: usize = 200_000;

/// What a check needs to know about the file and its partner.
pub(crate) struct Ctx<'a> {
    pub store: &'a Store,
    pub partner: &'a str,
    pub creation: BalanceCreation,
    /// The file's date (`YYYY-MM-DD`) when its name carries one.
    pub file_date: Option<&'a str>,
}

mod balances;
mod updates;

type Found = Vec<(Severity, Finding)>;

fn finding(row: u64, column: &str, code: &'static str, message: String, value: &str) -> Finding {
    Finding {
        row,
        column: Some(column.to_string()),
        code,
        message,
        value: Some(value.to_string()),
    }
}

/// Runs every cross-file check for an accepted-so-far file and folds the findings into its report.
pub(crate) fn check(
    ctx: &Ctx,
    schema: &Schema,
    path: &Path,
    report: &mut Report,
    errors: &mut ErrorSpill,
) -> crate::Result<()> {
    // Lookups on a snapshot of their own: another worker applying a big file meanwhile holds
    // the shared connection.
    let reader = ctx.store.snapshot()?;
    let io = crate::io_err(path);
    // Names a row may refer to in the same file: known before the checking pass starts.
    let own = if schema.references.iter().any(|r| r.same_file) {
        own_ids(schema, path).map_err(crate::io_err(path))?
    } else {
        HashSet::new()
    };
    let mut passes: Vec<Box<dyn Pass + '_>> = Vec::new();
    if !schema.references.is_empty() {
        passes.push(Box::new(References {
            ctx,
            reader: &reader,
            schema,
            own,
            cache: HashMap::new(),
        }));
    }
    if !schema.memberships.is_empty() {
        passes.push(Box::new(Memberships {
            ctx,
            reader: &reader,
            schema,
        }));
    }
    if !schema.history.is_empty() {
        passes.push(Box::new(updates::Updates {
            ctx,
            reader: &reader,
            schema,
        }));
    }
    if let Some(b) = balances::Balances::new(ctx, &reader, schema) {
        passes.push(Box::new(b));
    }
    let mut found = Vec::new();
    if !passes.is_empty() {
        // One read of the file for every check.
        each_row(schema, path, &mut |row, cells| {
            passes
                .iter_mut()
                .try_for_each(|p| p.row(row, cells, &mut found))
        })
        .map_err(io)?;
        for p in &mut passes {
            p.end(&mut found)
                .map_err(|e| crate::io_err(path)(std::io::Error::other(e.to_string())))?;
        }
    }
    merge(report, found, errors).map_err(crate::io_err(path))
}

/// One cross-file check, fed every row of the file in one read.
trait Pass {
    /// Checks one row (numbered as the errors file shows them).
    fn row(&mut self, row: u64, cells: &[Option<&str>], found: &mut Found) -> store::Result<()>;

    /// After the last row: checks of the file as a whole.
    fn end(&mut self, _found: &mut Found) -> store::Result<()> {
        Ok(())
    }
}

/// Adds findings to a report: every error to the spill (the errors file, D7), the first
/// warnings to the report, all of them counted.
fn merge(report: &mut Report, found: Found, errors: &mut ErrorSpill) -> std::io::Result<()> {
    for (sev, f) in found {
        match sev {
            Severity::Error => {
                report.error_count += 1;
                errors.push(&f)?;
            }
            Severity::Warning => {
                report.warning_count += 1;
                if report.warnings.len() < STATUS_LIMIT {
                    report.warnings.push(f);
                }
            }
        }
    }
    report.warnings.sort_by_key(|f| f.row);
    if report.error_count > 0 {
        report.outcome = validate::Outcome::Rejected;
    }
    Ok(())
}

/// How one value resolved.
#[derive(Clone)]
enum Resolved {
    Yes,
    No,
    /// Names a record of the wrong kind: the kind it has.
    WrongKind(String),
}

/// `[[references]]`: every value names an accepted record, a row of this file or a registry entry.
struct References<'a> {
    ctx: &'a Ctx<'a>,
    reader: &'a Reader,
    schema: &'a Schema,
    own: HashSet<String>,
    cache: HashMap<(usize, String), Resolved>,
}

impl Pass for References<'_> {
    fn row(&mut self, row: u64, cells: &[Option<&str>], found: &mut Found) -> store::Result<()> {
        let schema = self.schema;
        for (i, r) in schema.references.iter().enumerate() {
            let Some(v) = cells[r.column] else { continue };
            if !r.when.iter().all(|c| c.holds_on(cells)) {
                continue;
            }
            let mut values = Vec::new();
            if schema.columns[r.column].ty == validate::schema::ColumnType::List {
                // The validator already accepted the list; an unreadable one cannot get here.
                let _ = visit_list(v, &mut |item| values.push(item.to_string()));
            } else {
                values.push(v.to_string());
            }
            for v in values {
                if r.same_file && self.own.contains(&v) {
                    continue;
                }
                if self.cache.len() > CACHE_LIMIT {
                    self.cache.clear();
                }
                let key = (i, v);
                let res = match self.cache.get(&key) {
                    Some(res) => res.clone(),
                    None => {
                        let res = resolve(self.ctx, self.reader, r, &key.1)?;
                        self.cache.insert(key.clone(), res.clone());
                        res
                    }
                };
                if let Some(f) = unresolved(schema, r, row, &key.1, res) {
                    found.push(f);
                }
            }
        }
        Ok(())
    }
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

fn resolve(ctx: &Ctx, reader: &Reader, r: &Reference, v: &str) -> store::Result<Resolved> {
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

/// `[[memberships]]`: values listed on the record another column names (a card's entity on its
/// account, spec 04 §2.1).
struct Memberships<'a> {
    ctx: &'a Ctx<'a>,
    reader: &'a Reader,
    schema: &'a Schema,
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
fn is_member(ctx: &Ctx, reader: &Reader, m: &Membership, v: &str, of: &str) -> store::Result<bool> {
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

/// A check of one row: its number and its cells.
type RowCheck<'a> = dyn FnMut(u64, &[Option<&str>]) -> store::Result<()> + 'a;

/// Runs `each(row, cells)` over the file's rows (numbered as the errors file shows them, header
/// = 1); a store failure stops the pass and is what it returns.
fn each_row(schema: &Schema, path: &Path, each: &mut RowCheck) -> std::io::Result<()> {
    let mut failed = None;
    let mut row = 1u64;
    let read = for_each_row(schema, File::open(path)?, &mut |cells| {
        row += 1;
        each(row, cells).map_err(|e| {
            failed = Some(e);
            std::io::Error::other("stopped: the store failed")
        })
    });
    if let Some(e) = failed {
        return Err(std::io::Error::other(e.to_string()));
    }
    read.map(|_| ())
}

/// Values of the schema's `ref_ids` columns in the file (records naming each other in one file).
fn own_ids(schema: &Schema, path: &Path) -> std::io::Result<HashSet<String>> {
    let mut ids = HashSet::new();
    for_each_row(schema, File::open(path)?, &mut |cells| {
        for c in &schema.ref_ids {
            if let Some(v) = cells[*c] {
                ids.insert(v.to_string());
            }
        }
        Ok(())
    })?;
    Ok(ids)
}

/// spec 02 §4.4: a relationship file is validated with its batch's customer file, which must have
/// been accepted (it is decided first, D7).
pub(crate) fn pair(ctx: &Ctx, file_type: &str, prefix: &str) -> crate::Result<Option<Report>> {
    if file_type != "customer_relationship" {
        return Ok(None);
    }
    if ctx
        .store
        .accepted_for(ctx.partner, "customer", prefix)?
        .is_some()
    {
        return Ok(None);
    }
    let m = format!(
        "no accepted customer file for batch `{prefix}`: the customer and customer relationship files of a batch are validated as a pair; send the customer file (a higher version if it was rejected), then this one again (spec 02 §4.4)"
    );
    Ok(Some(Report::file_error(file_type, code::UNPAIRED_BATCH, m)))
}
