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
use std::collections::HashMap;
use store::Ledger;
use store::{Db, Snapshot};
use validate::report::{code, Severity};
use validate::schema::types;
use validate::schema::Schema;
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
mod memberships;
pub(crate) mod named;
mod references;
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
        if let Some(r) = references::References::new(ctx, reader, schema) {
            passes.push(Box::new(r));
        }
        if let Some(m) = memberships::Memberships::new(ctx, reader, schema) {
            passes.push(Box::new(m));
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
