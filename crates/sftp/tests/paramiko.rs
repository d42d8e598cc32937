//! The server driven by a second, independent client implementation: paramiko (Python).
//! Skipped, with a message, only when python3 or paramiko is missing (`pip install paramiko`).

mod common;

use std::process::Command;
use std::time::Duration;

use common::{arrived, text, Harness};

fn paramiko_available() -> bool {
    Command::new("python3")
        .args(["-c", "import paramiko"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn paramiko_put_get_listdir_rename_posix_rename() {
    if !paramiko_available() {
        // CI installs paramiko (.ci/run): there a missing client is a failure, not a skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "paramiko is missing under CI"
        );
        eprintln!(
            "SKIPPED paramiko test: python3 with paramiko is not installed (pip install paramiko)"
        );
        return;
    }
    let (mut h, keys) = Harness::start();
    std::fs::write(h.root("acme").join("transaction/processed/old.csv"), b"old").unwrap();
    let local = h.dir.path().join("local");
    std::fs::create_dir_all(&local).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/paramiko_client.py");
    let out = Command::new("python3")
        .arg(script)
        .args(["127.0.0.1", &h.port.to_string(), "acme"])
        .arg(&keys.acme_ed25519.path)
        .arg(&local)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let value = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} missing: {}", text(&out)))
            .to_string()
    };
    assert_eq!(value("stat_size"), value("local_size"));
    assert_eq!(value("get_equal"), "True");
    assert!(value("listdir_root").contains("transaction,transaction_update"));
    assert!(value("listdir_root").contains("ach,application"));
    assert_eq!(
        value("listdir_transaction"),
        "2026-01-27_transaction_v1.csv,failed,processed"
    );
    assert_eq!(value("readback_lines"), "1000");
    assert_eq!(value("put_read_only"), "PermissionError:13");
    assert_eq!(value("put_root"), "PermissionError:13");
    assert_eq!(value("symlink"), "PermissionError:13");
    assert_eq!(value("mkdir"), "PermissionError:13");
    assert_eq!(value("remove_read_only"), "PermissionError:13");
    assert_eq!(value("escape_stat"), "FileNotFoundError:2");
    assert!(value("rename_over_existing").starts_with("OSError"));
    assert_eq!(value("normalize"), "/");
    assert_eq!(value("done"), "ok");

    let root = h.root("acme");
    assert!(root.join("balance/2026-01-27_balance_v1.csv").exists());
    assert!(!root.join("balance/b.csv.part").exists());
    assert!(root.join("card/2026-01-27_card_v1.csv").exists());
    assert_eq!(
        h.drain_events(Duration::from_millis(500)),
        [
            arrived("acme", "transaction/2026-01-27_transaction_v1.csv"),
            arrived("acme", "balance/2026-01-27_balance_v1.csv"),
            arrived("acme", "card/2026-01-27_card_v1.csv"),
            arrived("acme", "account/2026-01-27_account_v1.csv"),
            // `documents/` is an inbox too (the pipeline decides each document).
            arrived("acme", "documents/id.pdf"),
        ]
    );
}
