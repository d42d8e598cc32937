//! `bankdrop gen --program` as a partner or a test harness runs it.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn bankdrop(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bankdrop"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn gen_program_writes_dated_folders_and_a_manifest_that_validate() {
    let tmp = tempfile::tempdir().unwrap();
    let o = bankdrop(
        &[
            "gen",
            "--program",
            "deposit",
            "--days",
            "2",
            "--accounts",
            "3",
            "--out",
            "prog",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let root = tmp.path().join("prog");
    let mut files = Vec::new();
    for date in ["2026-01-27", "2026-01-28"] {
        for ty in [
            "customer",
            "account",
            "balance",
            "transaction",
            "non_posted_transaction",
        ] {
            let f = root.join(date).join(format!("{date}_{ty}_v1.csv"));
            assert!(f.is_file(), "{}", f.display());
            files.push(f.to_str().unwrap().to_string());
        }
    }
    let m: Value =
        serde_json::from_slice(&std::fs::read(root.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["kind"], "deposit");
    assert_eq!(m["days"], 2);
    assert_eq!(m["accounts"], 3);
    assert_eq!(m["start"], "2026-01-27");
    assert_eq!(m["files"].as_array().unwrap().len(), 10);
    assert_eq!(m["breaks"].as_array().unwrap().len(), 0);

    // The partner's own check accepts every file.
    let mut args = vec!["validate"];
    args.extend(files.iter().map(String::as_str));
    let v = bankdrop(&args, tmp.path());
    assert_eq!(v.status.code(), Some(0), "{}", text(&v));
}

#[test]
fn gen_program_planted_breaks_are_in_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let o = bankdrop(
        &[
            "gen",
            "--program",
            "credit",
            "--days",
            "3",
            "--accounts",
            "2",
            "--breaks",
            "4",
            "--seed",
            "7",
            "--start",
            "2026-03-01",
            "--out",
            "c",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let m: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("c/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(m["kind"], "credit");
    let breaks = m["breaks"].as_array().unwrap();
    assert_eq!(breaks.len(), 4);
    assert!(breaks.iter().all(|b| b["file_date"] != "2026-03-01"));
    assert!(!tmp
        .path()
        .join("c/2026-03-01/2026-03-01_non_posted_transaction_v1.csv")
        .exists());
}

#[test]
fn gen_program_refuses_bad_combinations() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        // --type and --program are exclusive.
        &[
            "gen",
            "--program",
            "deposit",
            "--type",
            "card",
            "--out",
            "x",
        ][..],
        // A program is a folder tree: --out is needed.
        &["gen", "--program", "deposit"][..],
        // More breaks than (balance, file date) pairs from the second date on.
        &[
            "gen",
            "--program",
            "deposit",
            "--days",
            "2",
            "--accounts",
            "1",
            "--breaks",
            "2",
            "--out",
            "x",
        ][..],
        &["gen", "--program", "savings", "--out", "x"][..],
        // Program options without --program.
        &["gen", "--type", "card", "--days", "3"][..],
    ] {
        let o = bankdrop(args, tmp.path());
        assert!(!o.status.success(), "{args:?}: {}", text(&o));
    }
}
