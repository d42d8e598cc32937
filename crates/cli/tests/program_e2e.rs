//! Issue 5, "Done when": a generated 5-day program (`bankdrop gen --program`) ingested day by day
//! through `bankdrop ingest`, every file accepted (references, order, missing balances and
//! transaction-id history all checked), then reconciled day by day with `bankdrop reconcile`:
//! zero breaks; with `--breaks 7`, exactly the 7 planted breaks with their amounts (spec 05 §1.2,
//! §3.3; D9).

mod common;

use common::workdir::{run_in, Workdir};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const DAYS: u32 = 5;
const START: &str = "2026-03-02";

/// A data dir with partner `acme`, the program generated into `prog/` and ingested day by day.
fn ingested_program(kind: &str, breaks: u32) -> (Workdir, serde_json::Value) {
    ingested_program_with(kind, breaks, "")
}

/// [`ingested_program`] with `extra` configuration.
fn ingested_program_with(kind: &str, breaks: u32, extra: &str) -> (Workdir, serde_json::Value) {
    let w = Workdir::new(extra);
    let dir = w.dir();
    let ok = |args: &[&str]| w.ok(args);
    let (days, breaks) = (DAYS.to_string(), breaks.to_string());
    ok(&[
        "gen",
        "--program",
        kind,
        "--days",
        &days,
        "--accounts",
        "20",
        "--breaks",
        &breaks,
        "--start",
        START,
        "--out",
        "prog",
    ]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("prog/manifest.json")).unwrap()).unwrap();
    for date in file_dates() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("prog").join(&date))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut args = vec!["ingest", "--partner", "acme"];
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        let out = ok(&args);
        assert_eq!(out.matches(": accepted").count(), files.len(), "{out}");
    }
    (w, manifest)
}

fn file_dates() -> Vec<String> {
    let start = chrono::NaiveDate::parse_from_str(START, "%Y-%m-%d").unwrap();
    (0..DAYS)
        .map(|i| (start + chrono::Duration::days(i as i64)).to_string())
        .collect()
}

/// Activity date D of each file date (a file dated T carries day T−1, D9).
fn activity_dates() -> Vec<String> {
    file_dates()
        .iter()
        .map(|d| {
            let d = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
            d.pred_opt().unwrap().to_string()
        })
        .collect()
}

/// Runs `bankdrop reconcile --date D --format json` for every day: (breaks per day, every break
/// row of `reports/<D>_balance_reconciliation.csv`).
fn reconcile_all(dir: &Path) -> (Vec<u64>, BTreeSet<Vec<String>>) {
    let mut per_day = Vec::new();
    let mut rows = BTreeSet::new();
    for d in activity_dates() {
        let o = run_in(dir, &["reconcile", "--date", &d, "--format", "json"]);
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{d}: {e}: {}", common::text(&o)));
        let breaks = doc["partners"][0]["breaks"].as_u64().unwrap();
        assert_eq!(o.status.code(), Some(i32::from(breaks > 0)), "{d}: {doc}");
        assert_eq!(doc["partners"][0]["balances"], 20, "{d}: {doc}");
        per_day.push(breaks);
        let report = dir.join(format!(
            "data/partners/acme/reports/{d}_balance_reconciliation.csv"
        ));
        let text = std::fs::read_to_string(report).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("balance_id|account_id|component|opening|activity|expected|reported|difference")
        );
        for l in lines {
            let mut cells: Vec<String> = l.split('|').map(str::to_string).collect();
            cells.insert(0, d.clone());
            rows.insert(cells);
        }
    }
    (per_day, rows)
}

#[test]
fn a_generated_five_day_deposit_program_reconciles_with_zero_breaks() {
    let (tmp, _) = ingested_program("deposit", 0);
    let (per_day, rows) = reconcile_all(tmp.dir());
    assert_eq!(per_day, vec![0; DAYS as usize]);
    assert!(rows.is_empty(), "{rows:?}");
    // The reports are there every day, also the ones in the bank's formats.
    let reports = tmp.root();
    for d in activity_dates() {
        assert!(reports
            .join(format!("reports/{d}_daily_balance.csv"))
            .is_file());
        assert!(reports
            .join(format!("reports/{d}_balance_reconciliation_summary.json"))
            .is_file());
    }
    assert!(
        std::fs::read_dir(reports.join("bank-account-reports"))
            .unwrap()
            .count()
            >= DAYS as usize
    );
}

#[test]
fn seven_planted_breaks_are_found_exactly_with_their_amounts() {
    let (tmp, manifest) = ingested_program("deposit", 7);
    let (per_day, rows) = reconcile_all(tmp.dir());
    assert_eq!(per_day.iter().sum::<u64>(), 7, "{per_day:?}");
    let planted: BTreeSet<(String, String, String, String, String, String, String)> = manifest
        ["breaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let s = |k: &str| b[k].as_str().unwrap().to_string();
            (
                s("activity_date"),
                s("balance_id"),
                s("account_id"),
                s("component"),
                s("expected"),
                s("reported"),
                s("difference"),
            )
        })
        .collect();
    assert_eq!(planted.len(), 7);
    // Found: (D, balance, account, component, expected, reported, difference).
    let found: BTreeSet<_> = rows
        .iter()
        .map(|r| {
            (
                r[0].clone(),
                r[1].clone(),
                r[2].clone(),
                r[3].clone(),
                r[6].clone(),
                r[7].clone(),
                r[8].clone(),
            )
        })
        .collect();
    assert_eq!(found, planted);
}

#[test]
fn a_generated_credit_program_is_accepted_and_reconciles_its_balance_components() {
    let (tmp, _) = ingested_program("credit", 0);
    let (per_day, _) = reconcile_all(tmp.dir());
    // The built-in credit formulas reconcile `balance` and `outstanding_principal`; the
    // generator's `outstanding_fees` needs the program's own formula (NOT SEEN in the spec).
    assert_eq!(per_day, vec![0; DAYS as usize]);
}

/// Issue 10: the FBO check of D (spec 05 §1.4) sums the non-posted snapshot of D+1 (spec 05
/// §7.2: each file is the whole snapshot): a transaction that left the snapshot no longer counts,
/// and a header-only file empties it.
#[test]
fn the_fbo_check_sums_the_days_non_posted_snapshot_only() {
    let (tmp, _) = ingested_program_with("deposit", 0, "[recon]\nfbo_balance = \"0.00\"\n");
    let dir = tmp.dir();
    let processed = dir.join("data/partners/acme/non_posted_transaction/processed");
    let non_posted = |d: &str| -> serde_json::Value {
        let o = run_in(dir, &["reconcile", "--date", d]);
        assert!(
            o.status.code().is_some_and(|c| c <= 1),
            "{}",
            common::text(&o)
        );
        let summary: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!(
                "data/partners/acme/reports/{d}_balance_reconciliation_summary.json"
            )))
            .unwrap(),
        )
        .unwrap();
        summary["fbo"]["non_posted"].clone()
    };
    // Every day counts its own snapshot's rows.
    let mut biggest = String::new();
    for (d, file_date) in activity_dates().iter().zip(file_dates()) {
        let text = std::fs::read_to_string(
            processed.join(format!("{file_date}_non_posted_transaction_v1.csv")),
        )
        .unwrap();
        let rows = text.lines().count() - 1;
        assert_eq!(non_posted(d), rows as u64, "{d}");
        if rows > biggest.lines().count().saturating_sub(1) {
            biggest = text;
        }
    }
    let lines: Vec<&str> = biggest.lines().collect();
    assert!(
        lines.len() >= 3,
        "a snapshot with two rows or more: {biggest}"
    );
    // The next day: the same snapshot less its first row; the day after: a header-only file.
    let next = |k: i64| {
        let last =
            chrono::NaiveDate::parse_from_str(file_dates().last().unwrap(), "%Y-%m-%d").unwrap();
        (last + chrono::Duration::days(k)).to_string()
    };
    let less_one = format!("{}\n{}\n", lines[0], lines[2..].join("\n"));
    let f1 = dir.join(format!("in/{}_non_posted_transaction_v1.csv", next(1)));
    let f2 = dir.join(format!("in/{}_non_posted_transaction_v1.csv", next(2)));
    std::fs::write(&f1, less_one).unwrap();
    std::fs::write(&f2, format!("{}\n", lines[0])).unwrap();
    for f in [&f1, &f2] {
        let o = run_in(dir, &["ingest", "--partner", "acme", f.to_str().unwrap()]);
        assert!(o.status.success(), "{}", common::text(&o));
    }
    let day = |k: i64| {
        let d = chrono::NaiveDate::parse_from_str(&next(k), "%Y-%m-%d").unwrap();
        d.pred_opt().unwrap().to_string()
    };
    assert_eq!(non_posted(&day(1)), (lines.len() - 2) as u64);
    assert_eq!(non_posted(&day(2)), 0);
}
