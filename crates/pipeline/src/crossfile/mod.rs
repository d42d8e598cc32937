//! Cross-file checks at validation time (D8, D9): references resolve against accepted records,
//! the same file and the partner's registry, and memberships against the record they name;
//! updates follow the record they update (`updates`); balance files follow the program's creation
//! mode and report every balance that was open (`balances`, spec 05 §3.2); a relationship file has
//! its customer file (spec 02 §4.4). They run on files that passed validation and add errors that
//! reject them. Lookups go to a read snapshot of their own.
//!
//! Rows wait in batches of [`BATCH_ROWS`] before they are checked: a pass first looks up what
//! the whole batch will ask ([`Pass::prefetch`], one statement on PostgreSQL where a lookup a
//! value took a round trip each), then checks the rows one by one as before, so the findings and
//! their order do not depend on the batching.

use crate::spill::ErrorSpill;
use crate::status::STATUS_LIMIT;
use std::collections::{HashMap, HashSet};
use store::Ledger;
use store::{Db, Snapshot};
use validate::report::{code, Severity};
use validate::schema::types;
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

/// Rows waiting to be checked together; fewer when their text reaches [`BATCH_BYTES`].
const BATCH_ROWS: usize = 1_024;

/// Text of the waiting rows before they are checked (a row may be as long as `max_line_bytes`).
const BATCH_BYTES: usize = 1 << 20;

/// What a check needs to know about the file and its partner.
pub(crate) struct Ctx<'a> {
    pub store: &'a Db,
    pub partner: &'a str,
    pub creation: BalanceCreation,
    /// The file's date (`YYYY-MM-DD`) when its name carries one.
    pub file_date: Option<&'a str>,
    /// The program sells its receivables: Sales Responses answer its sales.
    pub sells_receivables: bool,
    /// A transaction update may name a transaction of the same day's transaction file.
    pub same_day_updates: bool,
    /// The transaction types allowed per balance type (spec 05 §6.5); empty: no such lists.
    pub types_by_balance: &'a std::collections::BTreeMap<String, Vec<String>>,
    /// The records the rows name, fetched once for every rule reading them.
    pub records: named::RecordCache,
    /// The partner has a Day 0: the dates inside its daily files are checked (`dates`).
    pub day_checks: bool,
    /// The day the file arrived, in America/Chicago (the sending day of `generated_at`).
    pub received_day: chrono::NaiveDate,
}

mod balance_types;
mod balances;
mod dates;
mod documents;
mod exclusive;
pub(crate) mod named;
mod sales;
mod same_day;
mod states;
mod uniform;
mod updates;

/// Findings of the checks, by severity.
pub(crate) type Found = Vec<(Severity, Finding)>;

fn finding(row: u64, column: &str, code: &'static str, message: String, value: &str) -> Finding {
    Finding {
        row,
        column: Some(column.to_string()),
        code,
        message,
        value: Some(value.to_string()),
    }
}

/// Every cross-file check of one file, fed its rows as the one read of the file validates them
/// (`validate::validate_with_rows`), looking things up on `reader`, a snapshot of their own.
pub(crate) struct Checks<'a> {
    passes: Vec<Box<dyn Pass + 'a>>,
    found: Found,
    waiting: Waiting,
}

/// Rows read and not checked yet, their cells copied.
#[derive(Default)]
struct Waiting {
    /// Each row's number and the index of its first cell in `cells`.
    rows: Vec<(u64, usize)>,
    /// Each cell's range in `text`, or `None` for an empty one.
    cells: Vec<Option<(usize, usize)>>,
    text: String,
}

/// The rows of a batch, as the checks see them.
struct Rows<'r> {
    rows: &'r [(u64, usize)],
    cells: Vec<Option<&'r str>>,
}

impl Rows<'_> {
    /// Each row's number and cells, in file order.
    fn iter(&self) -> impl Iterator<Item = (u64, &[Option<&str>])> {
        let ends = self
            .rows
            .iter()
            .skip(1)
            .map(|r| r.1)
            .chain([self.cells.len()]);
        self.rows
            .iter()
            .zip(ends)
            .map(|(&(row, start), end)| (row, &self.cells[start..end]))
    }
}

impl<'a> Checks<'a> {
    /// The checks `schema` declares.
    pub(crate) fn new(
        ctx: &'a Ctx<'a>,
        reader: &'a Snapshot<'a>,
        schema: &'a Schema,
    ) -> Checks<'a> {
        let mut passes: Vec<Box<dyn Pass + 'a>> = Vec::new();
        if !schema.references.is_empty() {
            passes.push(Box::new(References {
                ctx,
                reader,
                schema,
                own: HashSet::new(),
                collect_own: schema.references.iter().any(|r| r.same_file),
                deferred: Vec::new(),
                cache: vec![HashMap::new(); schema.references.len()],
            }));
        }
        if !schema.memberships.is_empty() {
            passes.push(Box::new(Memberships {
                ctx,
                reader,
                schema,
            }));
        }
        if !schema.history.is_empty() {
            passes.push(Box::new(updates::Updates {
                ctx,
                reader,
                schema,
                stored: HashMap::new(),
            }));
        }
        if let Some(s) = states::States::new(ctx, reader, schema) {
            passes.push(Box::new(s));
        }
        if let Some(b) = balance_types::BalanceTypes::new(ctx, reader, schema) {
            passes.push(Box::new(b));
        }
        if let Some(u) = uniform::Uniforms::new(ctx, reader, schema) {
            passes.push(Box::new(u));
        }
        if let Some(x) = exclusive::Exclusives::new(ctx, reader, schema) {
            passes.push(Box::new(x));
        }
        if let Some(b) = balances::Balances::new(ctx, reader, schema) {
            passes.push(Box::new(b));
        }
        if let Some(d) = documents::Documents::new(ctx.partner, reader, schema) {
            passes.push(Box::new(d));
        }
        if let Some(s) = same_day::SameDay::new(ctx, reader, schema) {
            passes.push(Box::new(s));
        }
        if let Some(a) = sales::Answers::new(ctx, schema) {
            passes.push(Box::new(a));
        }
        if let Some(d) = dates::Dates::new(ctx, schema) {
            passes.push(Box::new(d));
        }
        Checks {
            passes,
            found: Vec::new(),
            waiting: Waiting::default(),
        }
    }

    /// Checks one row (numbered as the errors file shows them), once its batch is full.
    pub(crate) fn row(&mut self, row: u64, cells: &[Option<&str>]) -> store::Result<()> {
        if self.passes.is_empty() {
            return Ok(());
        }
        let w = &mut self.waiting;
        w.rows.push((row, w.cells.len()));
        for c in cells {
            w.cells.push(c.map(|v| {
                w.text.push_str(v);
                (w.text.len() - v.len(), w.text.len())
            }));
        }
        if w.rows.len() >= BATCH_ROWS || w.text.len() >= BATCH_BYTES {
            self.check_waiting()?;
        }
        Ok(())
    }

    /// Checks the rows waiting: each pass looks up what they ask, then checks them one by one.
    fn check_waiting(&mut self) -> store::Result<()> {
        let w = &mut self.waiting;
        if w.rows.is_empty() {
            return Ok(());
        }
        let text = w.text.as_str();
        let rows = Rows {
            rows: &w.rows,
            cells: w
                .cells
                .iter()
                .map(|c| c.map(|(a, b)| &text[a..b]))
                .collect(),
        };
        for p in &mut self.passes {
            p.prefetch(&rows)?;
        }
        let found = &mut self.found;
        for (row, cells) in rows.iter() {
            for p in &mut self.passes {
                p.row(row, cells, found)?;
            }
        }
        w.rows.clear();
        w.cells.clear();
        w.text.clear();
        Ok(())
    }

    /// After the last row: the rows still waiting, then the checks of the file as a whole;
    /// every finding.
    pub(crate) fn finish(mut self) -> store::Result<Found> {
        self.check_waiting()?;
        for p in &mut self.passes {
            p.end(&mut self.found)?;
        }
        Ok(self.found)
    }
}

/// One cross-file check, fed every row of the file in one read.
trait Pass {
    /// Before a batch's rows are checked: looks up together what they will ask.
    fn prefetch(&mut self, _rows: &Rows) -> store::Result<()> {
        Ok(())
    }

    /// Checks one row (numbered as the errors file shows them).
    fn row(&mut self, row: u64, cells: &[Option<&str>], found: &mut Found) -> store::Result<()>;

    /// After the last row: checks of the file as a whole.
    fn end(&mut self, _found: &mut Found) -> store::Result<()> {
        Ok(())
    }
}

/// Adds findings to a report: every error to the spill (the errors file, D7), the first
/// warnings to the report, all of them counted.
pub(crate) fn merge(
    report: &mut Report,
    found: Found,
    errors: &mut ErrorSpill,
) -> std::io::Result<()> {
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

/// `[[memberships]]`: values listed on the record another column names (a card's entity on its
/// account, spec 04 §2.1).
struct Memberships<'a> {
    ctx: &'a Ctx<'a>,
    reader: &'a Snapshot<'a>,
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

/// spec 02 §4.4: a relationship file is validated with its batch's customer file, which must have
/// been accepted (it is decided first, D7).
pub(crate) fn pair(ctx: &Ctx, file_type: &str, prefix: &str) -> crate::Result<Option<Report>> {
    if file_type != types::CUSTOMER_RELATIONSHIP {
        return Ok(None);
    }
    if ctx
        .store
        .accepted_for(ctx.partner, types::CUSTOMER, prefix)?
        .is_some()
    {
        return Ok(None);
    }
    let m = format!(
        "no accepted customer file for batch `{prefix}`: the customer and customer relationship files of a batch are validated as a pair; send the customer file (a higher version if it was rejected), then this one again (spec 02 §4.4)"
    );
    Ok(Some(Report::file_error(file_type, code::UNPAIRED_BATCH, m)))
}
