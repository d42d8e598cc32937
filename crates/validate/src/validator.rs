//! The streaming validator: bytes in, [`Report`] out, in memory bounded by the [`Options`], not
//! by the file: the longest row ([`Options::max_line_bytes`]; a longer one ends the file), 16
//! bytes a row for duplicate-id detection up to [`Options::max_ids_in_memory`] (then sorted runs
//! on disk), the kept findings ([`Options::max_kept`]) and, on the parallel path
//! ([`Options::threads`]), the chunks in flight.

use crate::check::{End, RowCtx, Scratch, Span, Watch};
use crate::dupes::{Duplicate, IdSet};
use crate::header;
use crate::parallel;
use crate::reader::{Record, RecordReader, DEFAULT_MAX_LINE_BYTES};
use crate::report::{code, Collector, Finding, Report, Severity};
use crate::schema::{RefData, Schema};
use std::io::{self, Read};
use std::path::PathBuf;

/// [`Options::max_ids_in_memory`] by default: 64 MiB of ids.
pub const DEFAULT_MAX_IDS_IN_MEMORY: usize = 4 << 20;

/// [`Options::chunk_bytes`] by default: 4 MiB.
pub const DEFAULT_CHUNK_BYTES: usize = 4 << 20;

/// Program-level settings that change what a file may contain, and how it is read.
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
    /// Threads checking rows. 1 (the default): the rows are checked as they are read. More: the
    /// file past its header is read in chunks of about [`Options::chunk_bytes`], cut at line
    /// ends, checked by this many threads and their findings and ids taken in file order, so
    /// the report is the same to the byte (see `parallel.rs` for how a quoted value across a
    /// cut stays exact); `progress` is then called once a chunk. [`validate_with_rows`] always
    /// reads on one thread.
    pub threads: usize,
    /// The size a chunk is read to on the parallel path, before it is cut after its last line
    /// end. Default 4 MiB; memory grows by about this much per chunk in flight (twice the
    /// threads), plus a chunk's ids and findings.
    pub chunk_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_kept: 1000,
            allowed_currencies: None,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            max_ids_in_memory: DEFAULT_MAX_IDS_IN_MEMORY,
            spill_dir: None,
            threads: 1,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
        }
    }
}

/// How often, in rows, the progress callback is called (on one thread; see [`Options::threads`]).
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
/// Always one thread, whatever [`Options::threads`] says.
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
    rows_out: Option<RowSink>,
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
    let Some(header) = header else {
        // Without a usable header the rows cannot be checked; count them for the report.
        let mut rows = 0u64;
        while reader.read_record(&mut rec)? {
            rows += 1;
            if rec.too_long {
                out.push(Severity::Error, too_long(rows + 1, opts));
            }
        }
        return Ok(out.finish(&schema.file_type, rows, reader.position()));
    };
    reader.set_raw_fields(header.raw_fields(schema));
    let ctx = RowCtx::new(schema, refdata, opts, &header);
    let mut ids = IdSet::new(opts.max_ids_in_memory, opts.spill_dir.clone());
    let parallel = opts.threads > 1 && rows_out.is_none();
    let (rows, bytes) = if parallel {
        parallel::run(&ctx, reader, &mut out, &mut ids, progress)?
    } else {
        let mut scratch = Scratch::new(schema);
        let span = Span {
            first_row: 2,
            at_eof: true,
        };
        let (rows, end) = ctx.scan(
            &mut reader,
            span,
            &mut out,
            &mut ids,
            &mut scratch,
            Watch {
                rows: rows_out,
                progress: Some(&mut *progress),
            },
        )?;
        if end == End::TooLong {
            // The reader read nothing after it.
            out.push(Severity::Error, too_long(rows + 1, opts));
        }
        progress(reader.position());
        (rows, reader.position())
    };
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
        let mut late = |d: Duplicate| {
            out.push_late(Finding {
                row: d.row,
                column: Some(name.clone()),
                code: code::DUPLICATE_ID,
                message: format!("{what} repeats the value of row {}", d.first_row),
                value: None,
            })
        };
        if parallel {
            ids.finish_on_two_threads(&mut late)?;
        } else {
            ids.finish(&mut late)?;
        }
    }
    Ok(out.finish(&schema.file_type, rows, bytes))
}

/// `line_too_long` on `row`.
pub(crate) fn too_long(row: u64, opts: &Options) -> Finding {
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

    /// A character cut in two by a `|` is invalid UTF-8 on a line with quoted values too, where
    /// the fields are joined without their separators (it read as one `é`, and the two fields
    /// as null).
    #[test]
    fn a_character_split_by_a_pipe_is_an_encoding_error_on_a_quoted_line() {
        let valid = "ccar-1|aacc-1|eent-1|\"Rewards Credit\"|false|hsa|2025-08-16T11:06:35Z|active|2026-01-26T19:32:23Z|2028-01-26|||x|2026-01-27";
        // A whole `é` in a field of such a line is fine.
        let whole = valid.replace("|x|", "|x\u{e9}|");
        assert_eq!(check(&card_file(&[&whole]), 4096).error_count, 0);
        let mut split = card_file(&[valid]);
        // `closed_reason` ends with the first byte of `é` and `replaced_by` starts with the
        // second: `...||x|...` becomes `...|\xC3|\xA9x|...`.
        let at = split.windows(4).position(|w| w == b"||x|").unwrap();
        split.splice(at + 1..at + 2, *b"\xC3|\xA9");
        let r = check(&split, 4096);
        assert_eq!(codes(&r), [(2, code::ENCODING)]);
        assert_eq!(r.errors[0].column.as_deref(), Some("closed_reason"));
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
