//! `bankdrop-bench`: measures bankdrop against a baseline over generated files, each phase in
//! its own child process so peak RSS (VmHWM) belongs to that phase alone.
//!
//! ```sh
//! cargo run --release -p bankdrop-bench -- csv --rows 1000000
//! cargo run --release -p bankdrop-bench -- recon-fill --db /tmp/rb/db.sqlite
//! cargo run --release -p bankdrop-bench -- recon-run --db /tmp/rb/db.sqlite
//! ```

mod recon;

use anyhow::{bail, Context, Result};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use synth::{write_file, GenOptions};
use validate::schema::Schemas;
use validate::{validate, Options, Outcome};

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// One measured phase, run inside a child: prints `secs bytes rows peak_kib`.
fn phase(name: &str, file: &Path) -> Result<()> {
    let bytes = std::fs::metadata(file)?.len();
    let start = Instant::now();
    let rows = match name {
        "bare" => {
            // The baseline: the csv crate reading the same bytes, no checks at all.
            let mut rdr = csv::ReaderBuilder::new()
                .delimiter(b'|')
                .has_headers(true)
                .from_reader(File::open(file)?);
            let mut rec = csv::ByteRecord::new();
            let mut n = 0u64;
            while rdr.read_byte_record(&mut rec)? {
                n += 1;
            }
            n
        }
        "validate" | "validate-parallel" => {
            let s = Schemas::builtin()?;
            let file_name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let ty = s
                .parse_file_name(file_name)
                .map_err(anyhow::Error::msg)?
                .file_type;
            let opts = Options {
                threads: if name == "validate" { 1 } else { 2 },
                ..Options::default()
            };
            let r = validate(
                s.get(&ty).context("type")?,
                &s.refdata,
                File::open(file)?,
                &opts,
                &mut |_| {},
            )?;
            if r.outcome != Outcome::Accepted {
                bail!("generated file rejected: {:?}", r.errors.first());
            }
            r.rows
        }
        other => bail!("unknown phase {other}"),
    };
    let secs = start.elapsed().as_secs_f64();
    println!("{secs} {bytes} {rows} {}", peak_rss_kib());
    Ok(())
}

/// The best run of one phase.
struct Measured {
    secs: f64,
    bytes: u64,
    rows: u64,
    peak_kib: u64,
    /// DuckDB only: the same run's time including Python's start-up.
    total_secs: Option<f64>,
}

/// One measured run of `phase` in a child process.
fn run_once(phase: &Phase, file: &Path) -> Result<Measured> {
    let bytes = std::fs::metadata(file)?.len();
    let out = match phase {
        Phase::Own(name) => Command::new(std::env::current_exe()?)
            .args(["phase", name])
            .arg(file)
            .output()?,
        Phase::Duckdb { count_only } => {
            let mut c = Command::new("python3");
            c.arg(duckdb_script()).arg(file);
            if *count_only {
                c.arg("--count-only");
            }
            c.output()?
        }
    };
    if !out.status.success() {
        bail!(
            "{}: {}",
            phase.label(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8(out.stdout)?;
    match phase {
        Phase::Own(_) => {
            let f: Vec<f64> = text
                .split_whitespace()
                .map(|x| x.parse().unwrap_or(0.0))
                .collect();
            Ok(Measured {
                secs: f[0],
                bytes: f[1] as u64,
                rows: f[2] as u64,
                peak_kib: f[3] as u64,
                total_secs: None,
            })
        }
        Phase::Duckdb { .. } => {
            // `rows=N query_s=S total_s=T peak_rss_kib=K`
            let get = |key: &str| -> Result<f64> {
                text.split_whitespace()
                    .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
                    .and_then(|v| v.parse().ok())
                    .with_context(|| format!("duckdb-read.py printed no {key}: {text}"))
            };
            Ok(Measured {
                secs: get("query_s")?,
                bytes,
                rows: get("rows")? as u64,
                peak_kib: get("peak_rss_kib")? as u64,
                total_secs: Some(get("total_s")?),
            })
        }
    }
}

/// `scripts/duckdb-read.py` of this repository.
fn duckdb_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/duckdb-read.py")
}

/// A phase of the csv benchmark.
enum Phase {
    /// Run by this binary: `bare`, `validate`, `validate-parallel`.
    Own(&'static str),
    /// `scripts/duckdb-read.py` (Python's `duckdb` module), two threads.
    Duckdb { count_only: bool },
}

impl Phase {
    fn label(&self) -> &'static str {
        match self {
            Phase::Own("bare") => "csv crate ByteRecord, bare",
            Phase::Own("validate") => "bankdrop validate, 1 thread",
            Phase::Own("validate-parallel") => "bankdrop validate, 2 threads",
            Phase::Own(other) => other,
            Phase::Duckdb { count_only: false } => "DuckDB typed read, 2 threads",
            Phase::Duckdb { count_only: true } => "DuckDB count(*), 2 threads",
        }
    }
}

/// Best of `runs` for every phase, the phases interleaved run by run so a busy moment of the
/// machine does not fall on one phase only. A phase that cannot run (no `duckdb` module) is
/// left out with a note.
fn measure_all(phases: &[Phase], file: &Path, runs: usize) -> Result<Vec<Option<Measured>>> {
    let mut best: Vec<Option<Measured>> = phases.iter().map(|_| None).collect();
    let mut skipped = vec![false; phases.len()];
    for _ in 0..runs {
        for (i, phase) in phases.iter().enumerate() {
            if skipped[i] {
                continue;
            }
            match run_once(phase, file) {
                Ok(m) => {
                    if best[i].as_ref().is_none_or(|b| m.secs < b.secs) {
                        best[i] = Some(m);
                    }
                }
                Err(e) if matches!(phase, Phase::Duckdb { .. }) => {
                    eprintln!("skipping {}: {e:#}", phase.label());
                    skipped[i] = true;
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(best)
}

fn generated(dir: &Path, ty: &str, rows: u64) -> Result<PathBuf> {
    let path = dir.join(format!("2026-01-27_{ty}_{rows}.csv"));
    if !path.exists() {
        let s = Schemas::builtin()?;
        let opts = GenOptions {
            rows,
            seed: 42,
            ..GenOptions::default()
        };
        eprintln!("generating {} …", path.display());
        write_file(
            s.get(ty).context("type")?,
            &s.refdata,
            &opts,
            File::create(&path)?,
        )?;
    }
    Ok(path)
}

fn csv_bench(args: &[String]) -> Result<()> {
    let get = |flag: &str, default: &str| -> String {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or_else(|| default.to_string())
    };
    let rows: u64 = get("--rows", "1000000").parse()?;
    let ty = get("--type", "transaction");
    let runs: usize = get("--runs", "5").parse()?;
    let dir = PathBuf::from(get(
        "--dir",
        &std::env::temp_dir()
            .join("bankdrop-bench")
            .display()
            .to_string(),
    ));
    std::fs::create_dir_all(&dir)?;
    let file = generated(&dir, &ty, rows)?;
    let phases = [
        Phase::Own("bare"),
        Phase::Own("validate"),
        Phase::Own("validate-parallel"),
        Phase::Duckdb { count_only: false },
        Phase::Duckdb { count_only: true },
    ];
    let measured = measure_all(&phases, &file, runs)?;
    let (Some(bare), Some(val)) = (&measured[0], &measured[1]) else {
        bail!("the bare and validate phases always run");
    };
    let mbps = |m: &Measured| m.bytes as f64 / m.secs / 1e6;
    println!(
        "file: {} ({} rows, {:.1} MB), best of {runs}, phases interleaved",
        file.display(),
        val.rows,
        val.bytes as f64 / 1e6
    );
    println!(
        "{:<30} {:>9} {:>9} {:>12} {:>8}",
        "phase", "seconds", "MB/s", "peak RSS", "× bare"
    );
    for (phase, m) in phases.iter().zip(&measured) {
        let Some(m) = m else { continue };
        let total = m
            .total_secs
            .map(|t| format!("  ({t:.3} s with Python's start-up)"))
            .unwrap_or_default();
        println!(
            "{:<30} {:>9.3} {:>9.1} {:>8.1} MiB {:>8.2}{total}",
            phase.label(),
            m.secs,
            mbps(m),
            m.peak_kib as f64 / 1024.0,
            m.secs / bare.secs,
        );
        if m.rows != val.rows {
            bail!(
                "{}: {} rows, validate saw {}",
                phase.label(),
                m.rows,
                val.rows
            );
        }
    }
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("phase") => phase(&args[1], Path::new(&args[2])),
        Some("csv") => csv_bench(&args[1..]),
        Some("recon-fill") => recon::fill(&args[1..]),
        Some("recon-run") => recon::run(&args[1..]),
        _ => bail!(
            "usage: bankdrop-bench csv [--rows N] [--type T] [--runs R] [--dir D]\n       \
             bankdrop-bench recon-fill --db PATH [--store-url URL] [--balances N] [--transactions M] [--date D] [--breaks K] [--days K] [--keep-csv]\n       \
             bankdrop-bench recon-run --db PATH [--store-url URL] [--date D] [--runs R] [--duckdb [--duckdb-script PATH]]"
        ),
    }
}
