//! `bankdrop partner` and `bankdrop ingest` against a real data directory (issue 4 item 5).

// The store under test, not the whole harness (this file runs no server).
#[path = "common/backend.rs"]
#[allow(dead_code)]
mod backend;

use backend::TestDb;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bankdrop(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bankdrop"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A data directory, and the store its configuration names (kept alive with it).
fn setup() -> (tempfile::TempDir, TestDb) {
    let tmp = tempfile::tempdir().unwrap();
    let db = TestDb::new();
    std::fs::write(
        tmp.path().join("bankdrop.toml"),
        format!("data_dir = \"data\"\n{}", db.config()),
    )
    .unwrap();
    let keygen = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f", "acme_key"])
        .current_dir(tmp.path())
        .status()
        .unwrap();
    assert!(keygen.success());
    (tmp, db)
}

#[test]
fn partners_are_added_listed_and_removed() {
    let (tmp, _db) = setup();
    let dir = tmp.path();
    let o = with_config(dir, &["partner", "add", "acme", "--key", "acme_key.pub"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // decision D6: the tree exists with its inboxes and read-only result folders.
    for d in [
        "card",
        "card/processed",
        "card/failed",
        "ach/outgoing",
        "ach/incoming",
        "reports",
        "documents",
    ] {
        assert!(dir.join("data/partners/acme").join(d).is_dir(), "{d}");
    }
    let out = String::from_utf8(with_config(dir, &["partner", "list"]).stdout).unwrap();
    assert!(
        out.starts_with("acme\t")
            && out.contains("1 key(s)\tfrom any address")
            && out.contains("\t256 SHA256:")
            && out.contains("(ED25519)"),
        "{out}"
    );
    std::fs::write(dir.join("bad.pub"), "not a key\n").unwrap();
    let o = with_config(dir, &["partner", "add", "acme", "--key", "bad.pub"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a usable public key"));
    assert!(with_config(dir, &["partner", "remove", "acme"])
        .status
        .success());
    assert!(with_config(dir, &["partner", "list"]).stdout.is_empty());
}

/// `bankdrop --config bankdrop.toml ARGS…` in `dir`.
fn with_config(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--config", "bankdrop.toml"];
    all.extend_from_slice(args);
    bankdrop(&all, dir)
}

#[test]
fn ingest_runs_files_through_the_pipeline() {
    let (tmp, _db) = setup();
    let dir = tmp.path();
    assert!(
        with_config(dir, &["partner", "add", "acme", "--key", "acme_key.pub"])
            .status
            .success()
    );
    // The balances the fixture's transactions name were created outside files (D8).
    let registry = fixtures().join("registry.csv");
    let o = with_config(
        dir,
        &[
            "registry",
            "import",
            "--partner",
            "acme",
            registry.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // One id a line, the header aside.
    let ids = std::fs::read_to_string(&registry).unwrap().lines().count() - 1;
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("registered {ids} id(s)")));
    let valid = fixtures().join("csv/valid/2026-01-27_transaction_v1.csv");
    let valid = valid.to_str().unwrap();
    let o = with_config(dir, &["ingest", "--partner", "acme", valid]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let status_file = dir
        .join("data/partners/acme/transaction/processed/2026-01-27_transaction_v1.csv.status.json");
    let status: serde_json::Value =
        serde_json::from_slice(&std::fs::read(status_file).unwrap()).unwrap();
    assert_eq!(status["outcome"], "accepted");
    // The same file again is a duplicate (D5): exit 1, nothing overwritten.
    let o = with_config(dir, &["ingest", "--partner", "acme", valid]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("duplicate"));
    std::fs::copy(
        fixtures().join("csv/cases/type_decimal/2026-01-27_transaction_v2.csv"),
        dir.join("2026-01-28_transaction_v1.csv"),
    )
    .unwrap();
    let o = with_config(
        dir,
        &[
            "ingest",
            "--partner",
            "acme",
            "2026-01-28_transaction_v1.csv",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let errors =
        dir.join("data/partners/acme/transaction/failed/2026-01-28_transaction_v1.csv.errors.csv");
    assert!(std::fs::read_to_string(errors)
        .unwrap()
        .contains("|amount|type_decimal|"));
    assert_eq!(
        with_config(dir, &["ingest", "--partner", "nobody", valid])
            .status
            .code(),
        Some(2)
    );
}
