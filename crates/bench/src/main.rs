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
        "validate" => {
            let s = Schemas::builtin()?;
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let ty = s
                .parse_file_name(name)
                .map_err(anyhow::Error::msg)?
                .file_type;
            let r = validate(
                s.get(&ty).context("type")?,
                &s.refdata,
                File::open(file)?,
                &Options::default(),
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

struct Measured {
    secs: f64,
    bytes: u64,
    rows: u64,
    peak_kib: u64,
}

fn measure(name: &str, file: &Path, runs: usize) -> Result<Measured> {
    let mut best: Option<Measured> = None;
    for _ in 0..runs {
        let out = Command::new(std::env::current_exe()?)
            .args(["phase", name])
            .arg(file)
            .output()?;
        if !out.status.success() {
            bail!("{name}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let text = String::from_utf8(out.stdout)?;
        let f: Vec<f64> = text
            .split_whitespace()
            .map(|x| x.parse().unwrap_or(0.0))
            .collect();
        let m = Measured {
            secs: f[0],
            bytes: f[1] as u64,
            rows: f[2] as u64,
            peak_kib: f[3] as u64,
        };
        if best.as_ref().is_none_or(|b| m.secs < b.secs) {
            best = Some(m);
        }
    }
    best.context("no runs")
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
    let runs: usize = get("--runs", "3").parse()?;
    let dir = PathBuf::from(get(
        "--dir",
        &std::env::temp_dir()
            .join("bankdrop-bench")
            .display()
            .to_string(),
    ));
    std::fs::create_dir_all(&dir)?;
    let file = generated(&dir, &ty, rows)?;
    let bare = measure("bare", &file, runs)?;
    let val = measure("validate", &file, runs)?;
    let mbps = |m: &Measured| m.bytes as f64 / m.secs / 1e6;
    println!(
        "file: {} ({} rows, {:.1} MB)",
        file.display(),
        val.rows,
        val.bytes as f64 / 1e6
    );
    println!(
        "{:<28} {:>9} {:>10} {:>12}",
        "phase (best of runs)", "seconds", "MB/s", "peak RSS"
    );
    for (name, m) in [
        ("csv crate ByteRecord, bare", &bare),
        ("bankdrop validate", &val),
    ] {
        println!(
            "{name:<28} {:>9.3} {:>10.1} {:>9.1} MiB",
            m.secs,
            mbps(m),
            m.peak_kib as f64 / 1024.0
        );
    }
    println!(
        "validate / bare throughput: {:.2}",
        mbps(&val) / mbps(&bare)
    );
    println!("rows seen by bare pass: {}", bare.rows);
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
             bankdrop-bench recon-fill --db PATH [--balances N] [--transactions M] [--date D] [--breaks K] [--days K] [--keep-csv]\n       \
             bankdrop-bench recon-run --db PATH [--date D] [--runs R] [--duckdb [--duckdb-script PATH]]"
        ),
    }
}
