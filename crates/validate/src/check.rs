//! The checks of one row against the schema (decisions D2–D4), and the loop over a stream of
//! records that both the sequential and the parallel path run.

use crate::dupes::Ids;
use crate::header::Header;
use crate::mask::mask;
use crate::reader::{Record, RecordReader};
use crate::report::{code, Finding, Out, Severity};
use crate::rules::check_rules;
use crate::schema::{Column, ColumnType, JsonShape, RefData, Schema};
use crate::validator::{Options, RowSink, PROGRESS_EVERY};
use crate::values::{self, Problem};
use std::io::{self, Read};

/// A data row's fields as text, by schema column.
pub(crate) struct Row<'r> {
    /// The currency column last asked about by [`Row::minor_units`] and its answer: a row's
    /// money columns nearly all name the same one.
    minor: std::cell::Cell<Option<(usize, Option<u32>)>>,
    text: &'r str,
    /// (start, end) of each field in `text`.
    bounds: &'r [(usize, usize)],
    /// Schema column → field.
    present: &'r [Option<usize>],
}

impl<'r> Row<'r> {
    /// The value of schema column `c`; `None` when null (empty or `null`, D2) or absent. Taken
    /// from the field each time: building every cell up front costs a branch per cell that the
    /// checks then take again.
    #[inline]
    pub(crate) fn get(&self, c: usize) -> Option<&'r str> {
        self.present[c].and_then(|h| cell_value(self.text, self.bounds[h]))
    }

    /// The minor units of the currency in column `c` (`None`: null, absent or unknown).
    fn minor_units(&self, c: usize, refdata: &RefData) -> Option<u32> {
        if let Some((col, minor)) = self.minor.get() {
            if col == c {
                return minor;
            }
        }
        let minor = self.get(c).and_then(|cur| refdata.minor_units(cur));
        self.minor.set(Some((c, minor)));
        minor
    }

    /// Whether schema column `c` is in the header.
    pub(crate) fn has(&self, c: usize) -> bool {
        self.present[c].is_some()
    }
}

/// What the row checks of one file need: its schema, the reference lists, the options, the
/// header it was written with and the plan compiled from them.
pub(crate) struct RowCtx<'a> {
    pub(crate) schema: &'a Schema,
    pub(crate) refdata: &'a RefData,
    pub(crate) opts: &'a Options,
    pub(crate) header: &'a Header,
    /// The columns in the header, in schema order.
    plan: Vec<Step>,
}

/// One column of the file, compiled once per file: where its value is and what to check.
struct Step {
    /// Schema column.
    col: usize,
    /// Header position.
    field: usize,
    required: bool,
    check: Check,
}

/// The value check of a column: its type, with the cases that need nothing set apart.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Text without length limits or pattern: any value passes.
    Any,
    String,
    Integer,
    Decimal,
    Date,
    Datetime,
    DateOrDatetime,
    Boolean,
    Enum,
    List,
    Json,
    /// JSON document references (spec 03 §9).
    DocumentRefs,
    Currency,
    Country,
    State,
}

impl Check {
    fn of(col: &Column) -> Check {
        match col.ty {
            ColumnType::String
                if col.min_len.is_none() && col.max_len.is_none() && col.pattern.is_none() =>
            {
                Check::Any
            }
            ColumnType::String => Check::String,
            ColumnType::Integer => Check::Integer,
            ColumnType::Decimal => Check::Decimal,
            ColumnType::Date => Check::Date,
            ColumnType::Datetime => Check::Datetime,
            ColumnType::DateOrDatetime => Check::DateOrDatetime,
            ColumnType::Boolean => Check::Boolean,
            ColumnType::Enum => Check::Enum,
            ColumnType::List => Check::List,
            ColumnType::Json if col.shape == Some(JsonShape::DocumentReferences) => {
                Check::DocumentRefs
            }
            ColumnType::Json => Check::Json,
            ColumnType::Currency => Check::Currency,
            ColumnType::Country => Check::Country,
            ColumnType::State => Check::State,
        }
    }
}

impl<'a> RowCtx<'a> {
    pub(crate) fn new(
        schema: &'a Schema,
        refdata: &'a RefData,
        opts: &'a Options,
        header: &'a Header,
    ) -> Self {
        let plan = schema
            .columns
            .iter()
            .zip(header.present())
            .enumerate()
            .filter_map(|(col, (c, field))| {
                field.map(|field| Step {
                    col,
                    field,
                    required: c.required,
                    check: Check::of(c),
                })
            })
            .collect();
        RowCtx {
            schema,
            refdata,
            opts,
            header,
            plan,
        }
    }
}

/// A field's value, `None` when null (empty or `null`, D2). The length is tested first: most
/// null cells are empty.
#[inline]
pub(crate) fn cell_value(text: &str, (s, e): (usize, usize)) -> Option<&str> {
    match e - s {
        0 => None,
        4 if &text.as_bytes()[s..e] == b"null" => None,
        _ => text.get(s..e),
    }
}

/// Builds a finding about column `col` of `row`.
pub(crate) fn cell_finding(
    row: u64,
    col: &Column,
    code: &'static str,
    message: String,
    value: Option<&str>,
) -> Finding {
    Finding {
        row,
        column: Some(col.name.clone()),
        code,
        message,
        value: value.map(|v| mask(col.mask, v)),
    }
}

impl RowCtx<'_> {
    /// Hands a checked row's values on (canonical enum values), reusing `cells`.
    fn hand_on(
        &self,
        rec: &Record,
        row: u64,
        cells: &mut Vec<Option<&'static str>>,
        f: &mut RowSink,
    ) -> io::Result<()> {
        // A row without errors is valid UTF-8 and fits the header (check_row said so).
        let Ok(text) = std::str::from_utf8(rec.bytes()) else {
            return Ok(());
        };
        let bounds = rec.bounds();
        let mut row_cells: Vec<Option<&str>> =
            std::mem::take(cells).into_iter().map(|_| None).collect();
        row_cells.extend(self.header.present().iter().enumerate().map(|(c, h)| {
            h.and_then(|h| cell_value(text, bounds[h]))
                .map(|v| self.schema.columns[c].canonical(v))
        }));
        let r = f(row, &row_cells);
        row_cells.clear();
        *cells = row_cells.into_iter().map(|_| None).collect();
        r
    }

    fn check_row(
        &self,
        rec: &Record,
        row: u64,
        out: &mut impl Out,
        ids: &mut impl Ids,
        bad: &mut [bool],
        joined: &mut Vec<u8>,
    ) -> io::Result<()> {
        let structural = |code: &'static str, field: Option<usize>, message: String| Finding {
            row,
            column: field.and_then(|f| self.header.column_name(self.schema, f)),
            code,
            message,
            value: None,
        };
        if rec.blank {
            let f = structural(
                code::BLANK_ROW,
                None,
                "blank line: remove it (only one final line end is allowed)".into(),
            );
            out.push(Severity::Error, f);
            return Ok(());
        }
        if let Some(f) = rec.unclosed_quote {
            out.push(
                Severity::Error,
                structural(
                    code::UNCLOSED_QUOTE,
                    Some(f),
                    "a quoted value is never closed".into(),
                ),
            );
            return Ok(());
        }
        if let Some(f) = rec.stray_quote {
            let m = "a quote inside a value: quote the whole value and double inner quotes (\"a\"\"b\")";
            out.push(
                Severity::Error,
                structural(code::STRAY_QUOTE, Some(f), m.into()),
            );
        }
        if rec.len() != self.header.len() {
            let m = format!(
                "{} fields, but the header has {}",
                rec.len(),
                self.header.len()
            );
            out.push(Severity::Error, structural(code::RAGGED_ROW, None, m));
            return Ok(());
        }
        let text = match std::str::from_utf8(rec.bytes()) {
            Ok(t) => t,
            Err(e) => {
                let field = rec.bounds().iter().position(|b| b.1 > e.valid_up_to());
                let m = "the value is not valid UTF-8".to_string();
                out.push(Severity::Error, structural(code::ENCODING, field, m));
                return Ok(());
            }
        };
        // Joined without their `|`, the fields may be valid together while one of them ends
        // inside a character (`\xC3|\xA9` reads as `é`): that field is not valid UTF-8 (D2).
        if rec.joined() && !text.is_ascii() {
            let split =
                |&(s, e): &(usize, usize)| !text.is_char_boundary(s) || !text.is_char_boundary(e);
            if let Some(field) = rec.bounds().iter().position(split) {
                let m = "the value is not valid UTF-8".to_string();
                out.push(Severity::Error, structural(code::ENCODING, Some(field), m));
                return Ok(());
            }
        }
        let present = self.header.present();
        let r = Row {
            minor: std::cell::Cell::new(None),
            text,
            bounds: rec.bounds(),
            present,
        };
        bad.fill(false);
        for step in &self.plan {
            let col = &self.schema.columns[step.col];
            match cell_value(text, r.bounds[step.field]) {
                None if step.required => {
                    out.push(
                        Severity::Error,
                        cell_finding(row, col, code::REQUIRED, "a value is required".into(), None),
                    );
                    bad[step.col] = true;
                }
                None => {}
                Some(_) if step.check == Check::Any => {}
                Some(v) => {
                    if let Err((code, message)) = self.check_value(step.check, col, v, &r, row, out)
                    {
                        out.push(
                            Severity::Error,
                            cell_finding(row, col, code, message, Some(v)),
                        );
                        bad[step.col] = true;
                    }
                }
            }
        }
        check_rules(self.schema, &r, row, bad, out);
        match self.schema.key.as_slice() {
            [] => {}
            [id] => {
                if let (Some(v), false) = (r.get(*id), bad[*id]) {
                    ids.insert(v.as_bytes(), row)?;
                }
            }
            key => {
                // Composite keys: a row with a bad or entirely empty key has no identity to repeat.
                if key.iter().all(|c| !bad[*c]) && key.iter().any(|c| r.get(*c).is_some()) {
                    joined.clear();
                    for c in key {
                        joined.extend_from_slice(r.get(*c).unwrap_or("").as_bytes());
                        joined.push(0x1f);
                    }
                    ids.insert(joined, row)?;
                }
            }
        }
        Ok(())
    }

    fn check_value(
        &self,
        check: Check,
        col: &Column,
        v: &str,
        r: &Row,
        row: u64,
        out: &mut impl Out,
    ) -> Result<(), Problem> {
        match check {
            Check::Any => Ok(()),
            Check::String => check_string(col, v),
            Check::Integer => values::check_integer(v, col.signed),
            Check::Decimal => {
                let minor = col
                    .currency_column
                    .and_then(|c| r.minor_units(c, self.refdata));
                let min = match (col.min_decimals, minor) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
                values::check_decimal(v, col.signed, min, col.max_decimals)
            }
            Check::Date => match values::parse_date(v) {
                Some(_) => Ok(()),
                None => Err((code::TYPE_DATE, "not a real YYYY-MM-DD date".into())),
            },
            Check::Datetime => values::parse_datetime(v)
                .map(|_| ())
                .map_err(|m| (code::TYPE_DATETIME, m)),
            Check::DateOrDatetime => match values::parse_date(v) {
                Some(_) => Ok(()),
                None => values::parse_datetime(v).map(|_| ()).map_err(|m| {
                    (
                        code::TYPE_DATETIME,
                        format!("neither a YYYY-MM-DD date nor a datetime: {m}"),
                    )
                }),
            },
            Check::Boolean => match v {
                "true" | "false" => Ok(()),
                _ if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false") => Err((
                    code::TYPE_BOOLEAN,
                    format!("write `{}` in lower case", v.to_ascii_lowercase()),
                )),
                _ => Err((code::TYPE_BOOLEAN, "expected `true` or `false`".into())),
            },
            Check::Enum => self.check_enum(col, v, row, out),
            Check::List => {
                let mut bad_item: Option<String> = None;
                let (count, legacy) = values::visit_list(v, &mut |i| {
                    if bad_item.is_none()
                        && !col.values.is_empty()
                        && !col.values.iter().any(|x| x == i)
                    {
                        bad_item = Some(i.to_string());
                    }
                })?;
                if legacy {
                    let m = "a list without brackets: accepted, but write a JSON array, e.g. [\"a\",\"b\"]";
                    out.push(
                        Severity::Warning,
                        cell_finding(row, col, code::LIST_FORMAT, m.into(), Some(v)),
                    );
                }
                if let Some(bad) = bad_item {
                    return Err((
                        code::ENUM,
                        format!("`{bad}` is not one of {}", col.values.join(", ")),
                    ));
                }
                match col.min_items {
                    Some(min) if count < min => Err((
                        code::LENGTH,
                        format!("{count} items, at least {min} required"),
                    )),
                    _ => Ok(()),
                }
            }
            Check::Json => serde_json::from_str::<serde::de::IgnoredAny>(v)
                .map(|_| ())
                .map_err(|e| (code::TYPE_JSON, format!("not JSON: {e}"))),
            Check::DocumentRefs => {
                // Every problem is reported; the last one is this cell's error like any other.
                let mut problems = crate::docrefs::check(&col.name, v, self.refdata);
                let last = problems.pop();
                for (code, m) in problems {
                    out.push(Severity::Error, cell_finding(row, col, code, m, Some(v)));
                }
                last.map_or(Ok(()), Err)
            }
            Check::Currency => self.check_currency(v),
            Check::Country if self.refdata.is_country(v) => Ok(()),
            Check::Country => Err((
                code::TYPE_COUNTRY,
                "not an ISO 3166-1 alpha-2 country code (e.g. US)".into(),
            )),
            Check::State if self.refdata.is_state(v) => Ok(()),
            Check::State => Err((
                code::TYPE_STATE,
                "not a US state or territory code (e.g. TX)".into(),
            )),
        }
    }

    fn check_enum(
        &self,
        col: &Column,
        v: &str,
        row: u64,
        out: &mut impl Out,
    ) -> Result<(), Problem> {
        if col.values.iter().any(|x| values::same(x, v)) {
            return Ok(());
        }
        if let Some((_, fixed)) = col.value_aliases.iter().find(|(a, _)| a == v) {
            let m =
                format!("`{v}` is the bank's printed misspelling of `{fixed}`; write `{fixed}`");
            out.push(
                Severity::Warning,
                cell_finding(row, col, code::MISSPELLED_VALUE, m, Some(v)),
            );
            return Ok(());
        }
        let hint = match col.values.iter().find(|x| x.eq_ignore_ascii_case(v)) {
            Some(x) => format!(" (values are lower case: `{x}`)"),
            None => String::new(),
        };
        Err((
            code::ENUM,
            format!("not one of {}{hint}", col.values.join(", ")),
        ))
    }

    fn check_currency(&self, v: &str) -> Result<(), Problem> {
        if self.refdata.minor_units(v).is_none() {
            let hint = if self.refdata.minor_units(&v.to_ascii_uppercase()).is_some() {
                format!(" (write `{}` in upper case)", v.to_ascii_uppercase())
            } else {
                String::new()
            };
            return Err((
                code::TYPE_CURRENCY,
                format!("not an active ISO 4217 currency code{hint}"),
            ));
        }
        match &self.opts.allowed_currencies {
            Some(list) if !list.iter().any(|c| values::same(c, v)) => Err((
                code::TYPE_CURRENCY,
                format!("the program allows only {}", list.join(", ")),
            )),
            _ => Ok(()),
        }
    }
}

#[inline]
fn check_string(col: &Column, v: &str) -> Result<(), Problem> {
    if col.min_len.is_some() || col.max_len.is_some() {
        let n = v.chars().count();
        if let Some(max) = col.max_len.filter(|m| n > *m) {
            return Err((
                code::LENGTH,
                format!("{n} characters, at most {max} allowed"),
            ));
        }
        if let Some(min) = col.min_len.filter(|m| n < *m) {
            return Err((
                code::LENGTH,
                format!("{n} characters, at least {min} required"),
            ));
        }
    }
    match &col.pattern {
        Some(p) if !p.is_match(v) => {
            let shown = p.as_str().trim_start_matches("^(?:").trim_end_matches(")$");
            Err((code::PATTERN, format!("does not match the pattern {shown}")))
        }
        _ => Ok(()),
    }
}

/// How a [`RowCtx::scan`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// The records ran out.
    Done,
    /// The records ran out inside a quoted value, but the file goes on (a chunk of the parallel
    /// path): the unfinished record starts at this position of the reader and is not counted.
    Open(u64),
    /// The last record counted is longer than the maximum (`line_too_long`, not yet reported: its
    /// message names the row); the reader read nothing after it.
    TooLong,
    /// The findings or the ids of a chunk no longer fit its buffers: stopped in the middle.
    Full,
}

/// One thread's buffers for [`RowCtx::scan`], reused from row to row and chunk to chunk.
pub(crate) struct Scratch {
    rec: Record,
    bad: Vec<bool>,
    cells: Vec<Option<&'static str>>,
    /// A composite key's values, joined.
    key: Vec<u8>,
}

impl Scratch {
    pub(crate) fn new(schema: &Schema) -> Self {
        Scratch {
            rec: Record::default(),
            bad: vec![false; schema.columns.len()],
            cells: Vec::with_capacity(schema.columns.len()),
            key: Vec::new(),
        }
    }
}

/// Where the records of a [`RowCtx::scan`] sit in the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    /// The row number of the first record (the header is row 1).
    pub(crate) first_row: u64,
    /// The reader's end is the file's end (else an open quoted value at the end is
    /// [`End::Open`], not `unclosed_quote`).
    pub(crate) at_eof: bool,
}

/// Who watches a [`RowCtx::scan`] on one thread: the rows handed on by
/// [`crate::validate_with_rows`] and the progress of [`crate::validate`]. A chunk of the
/// parallel path has neither.
#[derive(Default)]
pub(crate) struct Watch<'r, 'p> {
    pub(crate) rows: Option<RowSink<'r>>,
    pub(crate) progress: Option<&'p mut dyn FnMut(u64)>,
}

impl RowCtx<'_> {
    /// Checks every record `reader` gives, numbered from `span.first_row`; returns how many it
    /// counted and why it stopped.
    pub(crate) fn scan<R: Read>(
        &self,
        reader: &mut RecordReader<R>,
        span: Span,
        out: &mut impl Out,
        ids: &mut impl Ids,
        scratch: &mut Scratch,
        watch: Watch<'_, '_>,
    ) -> io::Result<(u64, End)> {
        let Watch {
            rows: mut rows_out,
            mut progress,
        } = watch;
        let Scratch {
            rec,
            bad,
            cells,
            key,
        } = scratch;
        let mut rows = 0u64;
        loop {
            let start = reader.position();
            if !reader.read_record(rec)? {
                return Ok((rows, End::Done));
            }
            if !span.at_eof && rec.unclosed_quote.is_some() {
                return Ok((rows, End::Open(start)));
            }
            rows += 1;
            if rec.too_long {
                return Ok((rows, End::TooLong));
            }
            let row = span.first_row + rows - 1;
            self.check_row(rec, row, out, ids, bad, key)?;
            if let Some(f) = rows_out.as_mut() {
                if out.error_count() == 0 && !rec.blank {
                    self.hand_on(rec, row, cells, f)?;
                } else if out.error_count() > 0 {
                    rows_out = None;
                }
            }
            if out.full() || ids.full() {
                return Ok((rows, End::Full));
            }
            if (row - 1).is_multiple_of(PROGRESS_EVERY) {
                if let Some(p) = progress.as_mut() {
                    p(reader.position());
                }
            }
        }
    }
}
