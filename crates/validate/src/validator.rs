//! The streaming validator: bytes in, [`Report`] out, in memory bounded by the [`Options`], not
//! by the file: the longest row ([`Options::max_line_bytes`]; a longer one ends the file), 16
//! bytes a row for duplicate-id detection up to [`Options::max_ids_in_memory`] (then sorted runs
//! on disk) and the kept findings ([`Options::max_kept`]).

use crate::dupes::IdSet;
use crate::header::{self, Header};
use crate::mask::mask;
use crate::reader::{Record, RecordReader, DEFAULT_MAX_LINE_BYTES};
use crate::report::{code, Collector, Finding, Report, Severity};
use crate::rules::check_rules;
use crate::schema::{Column, ColumnType, RefData, Schema};
use crate::values::{self, Problem};
use std::io::{self, Read};
use std::path::PathBuf;

/// [`Options::max_ids_in_memory`] by default: 64 MiB of ids.
pub const DEFAULT_MAX_IDS_IN_MEMORY: usize = 4 << 20;

/// Program-level settings that change what a file may contain.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many errors (and warnings) the report keeps; all are counted.
    pub max_kept: usize,
    /// Currencies the program allows (`None`: every active ISO 4217 code), decision D3.
    pub allowed_currencies: Option<Vec<String>>,
    /// The longest row in bytes, its line end excluded (a quoted value over several lines
    /// counts them all). A longer row is the error `line_too_long` and the rest of the file is
    /// not read, so no row makes memory grow past it. Default 262,144 (256 KiB).
    pub max_line_bytes: usize,
    /// Ids (16 bytes each) duplicate-id detection keeps in memory; past it they go to sorted
    /// runs in temporary files, merged at the end. Default 4,194,304 (64 MiB).
    pub max_ids_in_memory: usize,
    /// Where those runs are written (anonymous files, gone when closed); `None`: the system
    /// temporary directory.
    pub spill_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_kept: 1000,
            allowed_currencies: None,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            max_ids_in_memory: DEFAULT_MAX_IDS_IN_MEMORY,
            spill_dir: None,
        }
    }
}

/// How often, in rows, the progress callback is called.
pub const PROGRESS_EVERY: u64 = 1 << 14;

/// Validates one file of `schema`'s type. `progress` receives the bytes read so far.
pub fn validate<R: Read>(
    schema: &Schema,
    refdata: &RefData,
    input: R,
    opts: &Options,
    progress: &mut dyn FnMut(u64),
) -> io::Result<Report> {
    run(
        schema,
        refdata,
        input,
        Collector::new(opts.max_kept),
        opts,
        progress,
        None,
    )
}

/// [`validate`], handing every error to `sink` as it is found: rows in order, then the duplicate
/// ids at the end, grouped by id, not in row order (sort them by row, as the pipeline's errors
/// spill does): an errors file of any size while the report keeps only the first `max_kept`.
pub fn validate_with_sink<R: Read>(
    schema: &Schema,
    refdata: &RefData,
    input: R,
    opts: &Options,
    progress: &mut dyn FnMut(u64),
    sink: &mut dyn FnMut(&Finding),
) -> io::Result<Report> {
    let out = Collector::with_sink(opts.max_kept, sink);
    run(schema, refdata, input, out, opts, progress, None)
}

/// What [`validate_with_rows`] hands on for each row: its number (the header is row 1) and its
/// values by schema column (`None`: null or absent column), D4 misspelled enum values replaced by
/// their corrected form.
pub type RowSink<'s> = &'s mut dyn FnMut(u64, &[Option<&str>]) -> io::Result<()>;

/// [`validate_with_sink`] that also hands every data row to `rows`, in row order, for as long as
/// the file has no error: one read of the file both validates it and feeds what follows (the
/// cross-file checks, the rows to apply). Once an error is found no more rows are handed on (the
/// file is rejected); duplicate ids are known only at the end, so rows handed on may still belong
/// to a file rejected by [`Report::outcome`]. An error returned by `rows` ends the reading.
pub fn validate_with_rows<R: Read>(
    schema: &Schema,
    refdata: &RefData,
    input: R,
    opts: &Options,
    sink: &mut dyn FnMut(&Finding),
    rows: RowSink,
) -> io::Result<Report> {
    let out = Collector::with_sink(opts.max_kept, sink);
    run(schema, refdata, input, out, opts, &mut |_| {}, Some(rows))
}

fn run<R: Read>(
    schema: &Schema,
    refdata: &RefData,
    input: R,
    mut out: Collector,
    opts: &Options,
    progress: &mut dyn FnMut(u64),
    mut rows_out: Option<RowSink>,
) -> io::Result<Report> {
    let mut reader = RecordReader::with_max_line_bytes(input, opts.max_line_bytes);
    let mut rec = Record::default();
    if !reader.read_record(&mut rec)? {
        if reader.had_bom() {
            out.push(
                Severity::Warning,
                file_finding(code::BOM, "a UTF-8 byte-order mark was stripped"),
            );
        }
        let f = file_finding(
            code::EMPTY_FILE,
            "the file is empty: accepted as a day without activity",
        );
        out.push(Severity::Warning, f);
        return Ok(out.finish(&schema.file_type, 0, reader.position()));
    }
    if reader.had_bom() {
        out.push(
            Severity::Warning,
            file_finding(code::BOM, "a UTF-8 byte-order mark was stripped"),
        );
    }
    if rec.too_long {
        out.push(Severity::Error, too_long(1, opts));
        return Ok(out.finish(&schema.file_type, 0, reader.position()));
    }
    let header = header::resolve(schema, &rec, &mut out);
    let mut rows = 0u64;
    let Some(header) = header else {
        // Without a usable header the rows cannot be checked; count them for the report.
        while reader.read_record(&mut rec)? {
            rows += 1;
            if rec.too_long {
                out.push(Severity::Error, too_long(rows + 1, opts));
            }
        }
        return Ok(out.finish(&schema.file_type, rows, reader.position()));
    };
    reader.set_raw_fields(header.raw_fields(schema));
    let ctx = RowCtx {
        schema,
        refdata,
        opts,
        header: &header,
    };
    let mut ids = IdSet::new(opts.max_ids_in_memory, opts.spill_dir.clone());
    let mut bad = vec![false; schema.columns.len()];
    let mut cells: Vec<Option<&'static str>> = Vec::with_capacity(schema.columns.len());
    while reader.read_record(&mut rec)? {
        rows += 1;
        if rec.too_long {
            // The reader reads nothing after it.
            out.push(Severity::Error, too_long(rows + 1, opts));
            break;
        }
        ctx.check_row(&rec, rows + 1, &mut out, &mut ids, &mut bad, &mut cells)?;
        if let Some(f) = rows_out.as_mut() {
            if out.error_count() == 0 && !rec.blank {
                ctx.hand_on(&rec, rows + 1, &mut cells, f)?;
            } else if out.error_count() > 0 {
                rows_out = None;
            }
        }
        if rows.is_multiple_of(PROGRESS_EVERY) {
            progress(reader.position());
        }
    }
    progress(reader.position());
    if let Some(&first) = schema.key.first() {
        let name = &schema.columns[first].name;
        let what = if schema.key.len() == 1 {
            name.clone()
        } else {
            let names: Vec<&str> = schema
                .key
                .iter()
                .map(|c| schema.columns[*c].name.as_str())
                .collect();
            format!("the key ({})", names.join(", "))
        };
        ids.finish(&mut |d| {
            out.push_late(Finding {
                row: d.row,
                column: Some(name.clone()),
                code: code::DUPLICATE_ID,
                message: format!("{what} repeats the value of row {}", d.first_row),
                value: None,
            })
        })?;
    }
    Ok(out.finish(&schema.file_type, rows, reader.position()))
}

/// `line_too_long` on `row`.
fn too_long(row: u64, opts: &Options) -> Finding {
    Finding {
        row,
        column: None,
        code: code::LINE_TOO_LONG,
        message: format!(
            "row {row} is longer than {} bytes (the most a row may have); the rest of the file was not read",
            opts.max_line_bytes
        ),
        value: None,
    }
}

fn file_finding(code: &'static str, message: &str) -> Finding {
    Finding {
        row: 0,
        column: None,
        code,
        message: message.to_string(),
        value: None,
    }
}

/// A data row's fields as text, by schema column.
pub(crate) struct Row<'r> {
    /// Per schema column: the value's range in `text`, `None` when null or absent.
    cells: Vec<Option<&'r str>>,
    present: &'r [Option<usize>],
}

impl<'r> Row<'r> {
    /// The value of schema column `c`; `None` when null (empty or `null`, D2) or absent.
    pub(crate) fn get(&self, c: usize) -> Option<&'r str> {
        self.cells[c]
    }

    /// Whether schema column `c` is in the header.
    pub(crate) fn has(&self, c: usize) -> bool {
        self.present[c].is_some()
    }
}

struct RowCtx<'a> {
    schema: &'a Schema,
    refdata: &'a RefData,
    opts: &'a Options,
    header: &'a Header,
}

/// A field's value, `None` when null (empty or `null`, D2). The length is tested first: most
/// null cells are empty.
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
        out: &mut Collector,
        ids: &mut IdSet,
        bad: &mut [bool],
        cells: &mut Vec<Option<&'static str>>,
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
        let present = self.header.present();
        // Reuse one allocation for every row's cells (an in-place collect keeps the buffer).
        let mut row_cells: Vec<Option<&str>> =
            std::mem::take(cells).into_iter().map(|_| None).collect();
        let bounds = rec.bounds();
        row_cells.extend(
            present
                .iter()
                .map(|h| h.and_then(|h| cell_value(text, bounds[h]))),
        );
        let r = Row {
            cells: row_cells,
            present,
        };
        for (c, col) in self.schema.columns.iter().enumerate() {
            bad[c] = false;
            if !r.has(c) {
                continue;
            }
            match r.get(c) {
                None if col.required => {
                    out.push(
                        Severity::Error,
                        cell_finding(row, col, code::REQUIRED, "a value is required".into(), None),
                    );
                    bad[c] = true;
                }
                None => {}
                Some(v) => {
                    if let Err((code, message)) = self.check_value(col, v, &r, row, out) {
                        out.push(
                            Severity::Error,
                            cell_finding(row, col, code, message, Some(v)),
                        );
                        bad[c] = true;
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
                    let mut joined = Vec::new();
                    for c in key {
                        joined.extend_from_slice(r.get(*c).unwrap_or("").as_bytes());
                        joined.push(0x1f);
                    }
                    ids.insert(&joined, row)?;
                }
            }
        }
        let mut done = r.cells;
        done.clear();
        *cells = done.into_iter().map(|_| None).collect();
        Ok(())
    }

    fn check_value(
        &self,
        col: &Column,
        v: &str,
        r: &Row,
        row: u64,
        out: &mut Collector,
    ) -> Result<(), Problem> {
        match col.ty {
            ColumnType::String => check_string(col, v),
            ColumnType::Integer => values::check_integer(v, col.signed),
            ColumnType::Decimal => {
                let minor = col
                    .currency_column
                    .and_then(|c| r.get(c))
                    .and_then(|cur| self.refdata.minor_units(cur));
                let min = match (col.min_decimals, minor) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
                values::check_decimal(v, col.signed, min, col.max_decimals)
            }
            ColumnType::Date => match values::parse_date(v) {
                Some(_) => Ok(()),
                None => Err((code::TYPE_DATE, "not a real YYYY-MM-DD date".into())),
            },
            ColumnType::Datetime => values::parse_datetime(v)
                .map(|_| ())
                .map_err(|m| (code::TYPE_DATETIME, m)),
            ColumnType::DateOrDatetime => match values::parse_date(v) {
                Some(_) => Ok(()),
                None => values::parse_datetime(v).map(|_| ()).map_err(|m| {
                    (
                        code::TYPE_DATETIME,
                        format!("neither a YYYY-MM-DD date nor a datetime: {m}"),
                    )
                }),
            },
            ColumnType::Boolean => match v {
                "true" | "false" => Ok(()),
                _ if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false") => Err((
                    code::TYPE_BOOLEAN,
                    format!("write `{}` in lower case", v.to_ascii_lowercase()),
                )),
                _ => Err((code::TYPE_BOOLEAN, "expected `true` or `false`".into())),
            },
            ColumnType::Enum => self.check_enum(col, v, row, out),
            ColumnType::List => {
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
            ColumnType::Json => serde_json::from_str::<serde::de::IgnoredAny>(v)
                .map(|_| ())
                .map_err(|e| (code::TYPE_JSON, format!("not JSON: {e}"))),
            ColumnType::Currency => self.check_currency(v),
            ColumnType::Country if self.refdata.is_country(v) => Ok(()),
            ColumnType::Country => Err((
                code::TYPE_COUNTRY,
                "not an ISO 3166-1 alpha-2 country code (e.g. US)".into(),
            )),
            ColumnType::State if self.refdata.is_state(v) => Ok(()),
            ColumnType::State => Err((
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
        out: &mut Collector,
    ) -> Result<(), Problem> {
        if col.values.iter().any(|x| x == v) {
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
            Some(list) if !list.iter().any(|c| c == v) => Err((
                code::TYPE_CURRENCY,
                format!("the program allows only {}", list.join(", ")),
            )),
            _ => Ok(()),
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schemas;
    use crate::Outcome;

    /// The card header's length: the smallest maximum a card file can have.
    fn header_len() -> usize {
        Schemas::builtin()
            .unwrap()
            .get("card")
            .unwrap()
            .header_line()
            .len()
    }

    fn check(file: &[u8], max_line_bytes: usize) -> Report {
        let s = Schemas::builtin().unwrap();
        let opts = Options {
            max_line_bytes,
            ..Options::default()
        };
        validate(s.get("card").unwrap(), &s.refdata, file, &opts, &mut |_| {}).unwrap()
    }

    fn card_file(rows: &[&str]) -> Vec<u8> {
        let s = Schemas::builtin().unwrap();
        let mut f = s.get("card").unwrap().header_line();
        for r in rows {
            f.push('\n');
            f.push_str(r);
        }
        f.into_bytes()
    }

    fn codes(r: &Report) -> Vec<(u64, &str)> {
        r.errors.iter().map(|f| (f.row, f.code)).collect()
    }

    #[test]
    fn a_too_long_row_is_reported_on_its_row_and_ends_the_file() {
        let max = header_len() + 10;
        let long = "x".repeat(max + 1);
        // Row 2 is ragged, row 3 too long; row 4 would be ragged too but is never read.
        let r = check(&card_file(&["a|b", &long, "c|d"]), max);
        assert_eq!(r.outcome, Outcome::Rejected);
        assert_eq!(codes(&r), [(2, code::RAGGED_ROW), (3, code::LINE_TOO_LONG)]);
        assert_eq!(r.rows, 2);
        assert_eq!(
            r.errors[1].message,
            format!("row 3 is longer than {max} bytes (the most a row may have); the rest of the file was not read")
        );
        assert_eq!(r.errors[1].column, None);
    }

    #[test]
    fn a_too_long_header_is_row_one() {
        let r = check(&card_file(&["a|b"]), header_len() - 1);
        assert_eq!(codes(&r), [(1, code::LINE_TOO_LONG)]);
        assert_eq!(r.rows, 0);
    }

    #[test]
    fn a_too_long_row_under_an_unusable_header_is_still_reported() {
        let r = check(b"a,b\nshort\nlong long long\nnever read", 10);
        assert_eq!(
            codes(&r),
            [(1, code::WRONG_DELIMITER), (3, code::LINE_TOO_LONG)]
        );
        assert_eq!(r.rows, 2);
    }

    #[test]
    fn a_row_at_the_maximum_is_checked_as_usual() {
        let max = header_len();
        let row = format!("a|{}", "b".repeat(max - 2));
        let r = check(&card_file(&[&row, &row]), max);
        assert_eq!(codes(&r), [(2, code::RAGGED_ROW), (3, code::RAGGED_ROW)]);
    }

    #[test]
    fn one_id_on_every_row_spills_and_keeps_the_first_errors_by_row() {
        let s = Schemas::builtin().unwrap();
        let schema = s.get("card").unwrap();
        let valid = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../fixtures/csv/valid/2026-01-27_card_v1.csv"),
        )
        .unwrap();
        let mut lines = valid.lines();
        let mut file = format!("{}\n", lines.next().unwrap());
        let row = lines.next().unwrap();
        let n = 5_000;
        for _ in 0..n {
            file.push_str(row);
            file.push('\n');
        }
        let dir = tempfile::tempdir().unwrap();
        let opts = Options {
            max_kept: 100,
            max_ids_in_memory: 300,
            spill_dir: Some(dir.path().to_path_buf()),
            ..Options::default()
        };
        let mut sunk = Vec::new();
        let r = validate_with_sink(
            schema,
            &s.refdata,
            file.as_bytes(),
            &opts,
            &mut |_| {},
            &mut |f| sunk.push(f.row),
        )
        .unwrap();
        assert_eq!(r.error_count, n - 1);
        assert!(r.errors.iter().all(|f| f.code == code::DUPLICATE_ID));
        assert!(r.errors[0].message.ends_with("repeats the value of row 2"));
        let kept: Vec<u64> = r.errors.iter().map(|f| f.row).collect();
        assert_eq!(kept, (3..103).collect::<Vec<u64>>());
        sunk.sort_unstable();
        assert_eq!(sunk, (3..n + 2).collect::<Vec<u64>>());
    }
}
