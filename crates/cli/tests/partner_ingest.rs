//! `bankdrop partner` and `bankdrop ingest` against a real data directory (issue 4 item 5).

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

fn setup() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bankdrop.toml"), "data_dir = \"data\"\n").unwrap();
    let keygen = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f", "acme_key"])
        .current_dir(tmp.path())
        .status()
        .unwrap();
    assert!(keygen.success());
    tmp
}

#[test]
fn partners_are_added_listed_and_removed() {
    let tmp = setup();
    let o = bankdrop(
        &[
            "--config",
            "bankdrop.toml",
            "partner",
            "add",
            "acme",
            "--key",
            "acme_key.pub",
        ],
        tmp.path(),
    );
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
        assert!(
            tmp.path().join("data/partners/acme").join(d).is_dir(),
            "{d}"
        );
    }
    let o = bankdrop(
        &["--config", "bankdrop.toml", "partner", "list"],
        tmp.path(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("acme\t") && out.contains("1 key(s)") && out.contains("ssh-ed25519 "),
        "{out}"
    );
    std::fs::write(tmp.path().join("bad.pub"), "not a key\n").unwrap();
    let o = bankdrop(
        &[
            "--config",
            "bankdrop.toml",
            "partner",
            "add",
            "acme",
            "--key",
            "bad.pub",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a usable public key"));
    let o = bankdrop(
        &["--config", "bankdrop.toml", "partner", "remove", "acme"],
        tmp.path(),
    );
    assert!(o.status.success());
    let o = bankdrop(
        &["--config", "bankdrop.toml", "partner", "list"],
        tmp.path(),
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn ingest_runs_files_through_the_pipeline() {
    let tmp = setup();
    assert!(bankdrop(
        &[
            "--config",
            "bankdrop.toml",
            "partner",
            "add",
            "acme",
            "--key",
            "acme_key.pub"
        ],
        tmp.path()
    )
    .status
    .success());
    let valid = fixtures().join("csv/valid/2026-01-27_transaction_v1.csv");
    let o = bankdrop(
        &[
            "--config",
            "bankdrop.toml",
            "ingest",
            "--partner",
            "acme",
            valid.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let root = tmp.path().join("data/partners/acme");
    let status: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            root.join("transaction/processed/2026-01-27_transaction_v1.csv.status.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(status["outcome"], "accepted");
    // The same file again is a duplicate (D5): exit 1, nothing overwritten.
    let o = bankdrop(
        &[
            "--config",
            "bankdrop.toml",
            "ingest",
            "--partner",
            "acme",
            valid.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("duplicate"));
    let invalid = fixtures().join("csv/cases/type_decimal/2026-01-27_transaction_v2.csv");
    let o = bankdrop(
        &[
            "--config",
            "bankdrop.toml",
            "ingest",
            "--partner",
            "acme",
            invalid.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let unknown = bankdrop(
        &[
            "--config",
            "bankdrop.toml",
            "ingest",
            "--partner",
            "nobody",
            valid.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(unknown.status.code(), Some(2));
}
