//! Benchmark: parse + validate a generated 1,000,000-entry PPD file, side by side
//! with reading the same bytes line by line without any checks.
//!
//! `cargo bench --bench parse [-- ENTRIES]`
//!
//! Each measurement runs in a child process (this binary re-executed with
//! `--child MODE PATH`) so that its peak RSS (VmHWM) is its own, not the
//! generator's. Each mode runs three times; the best time is reported.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::Command;
use std::time::Instant;

const RUNS: usize = 3;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let mode = args.get(i + 1).ok_or("mode")?;
        let path = args.get(i + 2).ok_or("path")?;
        return child(mode, path);
    }
    let entries: usize = args
        .iter()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let path = std::env::temp_dir().join(format!("nacha-bench-{entries}.ach"));
    let t = Instant::now();
    {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        nacha::gen::generate(entries, nacha::SecCode::Ppd, 2026, &mut out)?;
        out.flush()?;
    }
    let size = std::fs::metadata(&path)?.len();
    println!(
        "generated {entries} PPD entries: {} ({:.1} MB) in {:.2} s",
        path.display(),
        size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    println!(
        "{:<34} {:>9} {:>9} {:>12}",
        "mode", "time s", "MB/s", "peak RSS MiB"
    );
    let exe = std::env::current_exe()?;
    for (mode, label) in [
        ("lines", "read lines, no checks (baseline)"),
        ("records", "RecordReader, no checks"),
        ("validate", "parse + validate (nacha::validate)"),
    ] {
        let mut best: Option<(f64, u64)> = None;
        for _ in 0..RUNS {
            let out = Command::new(&exe)
                .args(["--child", mode])
                .arg(&path)
                .output()?;
            if !out.status.success() {
                return Err(
                    format!("{mode} failed: {}", String::from_utf8_lossy(&out.stderr)).into(),
                );
            }
            let text = String::from_utf8(out.stdout)?;
            let mut it = text.split_whitespace();
            let secs: f64 = it.next().ok_or("secs")?.parse()?;
            let hwm_kb: u64 = it.next().ok_or("rss")?.parse()?;
            if best.is_none_or(|(s, _)| secs < s) {
                best = Some((secs, hwm_kb));
            }
        }
        let (secs, hwm_kb) = best.ok_or("no run")?;
        println!(
            "{label:<34} {secs:>9.3} {:>9.0} {:>12.1}",
            size as f64 / 1e6 / secs,
            hwm_kb as f64 / 1024.0
        );
    }
    std::fs::remove_file(&path)?;
    Ok(())
}

/// Runs one measurement and prints `seconds peak_rss_kib`.
fn child(mode: &str, path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let input = BufReader::with_capacity(1 << 20, File::open(path)?);
    let t = Instant::now();
    let check = match mode {
        "lines" => {
            let mut input = input;
            let mut line = Vec::with_capacity(128);
            let mut n = 0u64;
            let mut bytes = 0u64;
            loop {
                line.clear();
                let got = input.read_until(b'\n', &mut line)?;
                if got == 0 {
                    break;
                }
                n += 1;
                bytes += got as u64;
            }
            n + bytes
        }
        "records" => {
            let mut reader = nacha::RecordReader::new(input);
            let mut rec = nacha::RawRecord::default();
            let mut n = 0u64;
            while reader.read_record(&mut rec)? {
                n += rec.len();
            }
            n
        }
        "validate" => {
            let mut findings = 0u64;
            let s = nacha::validate_each(input, &nacha::Policy::default(), |_| findings += 1)?;
            if findings != 0 {
                return Err(format!("generated file has {findings} findings").into());
            }
            s.entries
        }
        other => return Err(format!("unknown mode {other}").into()),
    };
    let secs = t.elapsed().as_secs_f64();
    std::hint::black_box(check);
    println!("{secs} {}", vm_hwm_kib()?);
    Ok(())
}

fn vm_hwm_kib() -> Result<u64, Box<dyn std::error::Error>> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .ok_or("no VmHWM")?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .ok_or("VmHWM value")?
        .parse()?)
}
