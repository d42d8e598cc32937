//! `bankdrop validate PATH...`

use anyhow::Result;
use clap::{Args as ClapArgs, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use validate::report::{code, Finding};
use validate::schema::Schemas;
use validate::{validate, Options, Outcome, Report};

/// Output format.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// A summary line per file and its first errors.
    Text,
    /// One JSON object per file, one per line.
    Json,
}

/// Arguments of `bankdrop validate`.
#[derive(ClapArgs)]
pub struct Args {
    /// Files to check (`-` reads standard input and needs --type).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// File type, instead of reading it from the file name (D5).
    #[arg(long = "type", value_name = "T")]
    file_type: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Errors (and warnings) shown per file; all are counted.
    #[arg(long, value_name = "N", default_value_t = 20)]
    max_errors: usize,
    /// Schema directory (default: ./schemas when present, else the built-in schemas).
    #[arg(long, value_name = "DIR")]
    schemas: Option<PathBuf>,
    /// Nacha files: SEC codes the program allows, comma-separated, or `all` to accept any
    /// well-formed file (default: the configuration's `[program] sec_codes`, CCD,PPD,WEB,TEL
    /// without one, decision D10).
    #[arg(long, value_name = "LIST")]
    sec_codes: Option<String>,
}

/// The Nacha policy for `--sec-codes`, else the configured program's.
fn ach_policy(program: &pipeline::Program, arg: Option<&str>) -> Result<nacha::Policy> {
    match arg {
        None => Ok(program.ach_policy.clone()),
        Some("all") => Ok(nacha::Policy::permissive()),
        Some(list) => {
            let codes = list
                .split(',')
                .map(|c| {
                    c.trim()
                        .parse::<nacha::SecCode>()
                        .map_err(|e| anyhow::anyhow!("--sec-codes: {e}"))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(nacha::Policy {
                allowed_sec_codes: codes,
                ..nacha::Policy::default()
            })
        }
    }
}

#[derive(Serialize)]
struct FileReport<'a> {
    file: String,
    file_type: &'a str,
    outcome: Outcome,
    rows: u64,
    error_count: u64,
    warning_count: u64,
    errors: &'a [Finding],
    warnings: &'a [Finding],
}

/// Runs the command: exit 0 when every file is accepted, 1 when any is rejected, 2 on I/O errors.
pub fn run(cfg: &service::Config, args: Args) -> Result<ExitCode> {
    let schemas = crate::schemas::load(args.schemas.as_deref())?;
    let program = cfg.program.resolve()?;
    let policy = ach_policy(&program, args.sec_codes.as_deref())?;
    let (mut rejected, mut failed) = (false, false);
    for path in &args.paths {
        match check_one(&schemas, &program, &policy, &args, path) {
            Ok(report) => {
                rejected |= report.outcome == Outcome::Rejected;
                print(&args, path, &report);
            }
            Err(e) => {
                eprintln!("bankdrop: {}: {e:#}", path.display());
                failed = true;
            }
        }
    }
    Ok(ExitCode::from(if failed { 2 } else { u8::from(rejected) }))
}

fn check_one(
    schemas: &Schemas,
    program: &pipeline::Program,
    policy: &nacha::Policy,
    args: &Args,
    path: &Path,
) -> Result<Report> {
    // Open first: a missing file is an I/O error (exit 2), not a badly named file.
    let (input, len): (Box<dyn Read>, Option<u64>) = if path.as_os_str() == "-" {
        (Box::new(std::io::stdin().lock()), None)
    } else {
        let f = File::open(path)?;
        let len = f.metadata()?.len();
        (Box::new(f), Some(len))
    };
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let file_type = match &args.file_type {
        Some(t) => t.clone(),
        None => match schemas.parse_file_name(name) {
            Ok(f) => f.file_type,
            Err(m) => {
                return Ok(Report::file_error(
                    "unknown",
                    code::BAD_FILE_NAME,
                    format!("{m} (or pass --type)"),
                ))
            }
        },
    };
    if file_type == validate::schema::types::OUTGOING_ACH || name.ends_with(".ach") {
        return Ok(pipeline::ach::validate_ach_with_len(
            input,
            len,
            policy,
            args.max_errors,
            &mut |_| {},
        )?);
    }
    let Some(schema) = schemas.get(&file_type) else {
        let known: Vec<&str> = schemas.iter().map(|s| s.file_type.as_str()).collect();
        let m = format!(
            "unknown file type `{file_type}`; known: {}",
            known.join(", ")
        );
        return Ok(Report::file_error(&file_type, code::UNKNOWN_FILE_TYPE, m));
    };
    // The program's own rules: its future rules' modes and transaction types, as on upload.
    let schema = &*program.schema(schema);
    let opts = Options {
        max_kept: args.max_errors,
        threads: threads_for(len),
        ..Options::default()
    };
    let bar = progress_bar(len.unwrap_or(0));
    let report = validate(schema, &schemas.refdata, input, &opts, &mut |pos| {
        if let Some(b) = &bar {
            b.set_position(pos);
        }
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(report)
}

/// Threads for a file of `len` bytes (`None`: standard input, read as it comes): every core, up
/// to [`MAX_THREADS`], for a regular file of at least [`PARALLEL_FROM`] bytes, one otherwise.
/// The report is the same either way.
fn threads_for(len: Option<u64>) -> usize {
    match len {
        Some(n) if n >= PARALLEL_FROM => std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_THREADS),
        _ => 1,
    }
}

/// Each thread keeps two chunks in flight: past this, memory grows for little (one thread
/// merges the results).
const MAX_THREADS: usize = 8;

/// The smallest file checked on several threads: a few chunks
/// ([`validate::DEFAULT_CHUNK_BYTES`]), below which the threads would wait more than they work.
const PARALLEL_FROM: u64 = 16 << 20;

/// A byte progress bar on stderr, only for big files and only when a person is watching.
fn progress_bar(len: u64) -> Option<ProgressBar> {
    if len < 32 << 20 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(len);
    let style =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .ok()?;
    bar.set_style(style);
    Some(bar)
}

fn print(args: &Args, path: &Path, r: &Report) {
    let file = path.display().to_string();
    match args.format {
        Format::Json => {
            let out = FileReport {
                file: file.clone(),
                file_type: &r.file_type,
                outcome: r.outcome,
                rows: r.rows,
                error_count: r.error_count,
                warning_count: r.warning_count,
                errors: &r.errors,
                warnings: &r.warnings,
            };
            match serde_json::to_string(&out) {
                Ok(line) => println!("{line}"),
                Err(e) => eprintln!("bankdrop: {file}: {e}"),
            }
        }
        Format::Text => print_text(&file, r),
    }
}

fn plural(n: u64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn print_text(file: &str, r: &Report) {
    let outcome = match r.outcome {
        Outcome::Accepted => "accepted",
        Outcome::Rejected => "REJECTED",
    };
    println!(
        "{file}: {outcome} ({}, {}, {}, {})",
        r.file_type,
        plural(r.rows, "row"),
        plural(r.error_count, "error"),
        plural(r.warning_count, "warning")
    );
    for (kind, list, count) in [
        ("error", &r.errors, r.error_count),
        ("warning", &r.warnings, r.warning_count),
    ] {
        for f in list {
            let place = match (f.row, &f.column) {
                (0, None) => "file".to_string(),
                (0, Some(c)) => c.clone(),
                (row, None) => format!("row {row}"),
                (row, Some(c)) => format!("row {row}, {c}"),
            };
            let value = f
                .value
                .as_ref()
                .map(|v| format!(" [value: {v}]"))
                .unwrap_or_default();
            println!("  {kind} {place}: {} — {}{value}", f.code, f.message);
        }
        let more = count.saturating_sub(list.len() as u64);
        if more > 0 {
            let s = if more == 1 { "" } else { "s" };
            println!("  … {more} more {kind}{s} (use --max-errors N or --format json)");
        }
    }
}
