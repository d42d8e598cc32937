//! Upgrade in place (issue 10): a database written by an earlier schema is migrated when it is
//! opened, and nothing accepted before is lost — the nightly run over it writes the same reports,
//! byte for byte, as the code that wrote it did (`fixtures/store/v5/README.md`, `…/v6/…`).

mod common;

use common::workdir::run_in;
use std::path::{Path, PathBuf};

fn fixture(version: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/store")
        .join(version)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn a_schema_5_database_is_migrated_and_reconciles_to_the_same_reports() {
    migrated_and_reconciled(&fixture("v5"));
}

#[test]
fn a_schema_6_database_is_migrated_and_reconciles_to_the_same_reports() {
    migrated_and_reconciled(&fixture("v6"));
}

fn migrated_and_reconciled(fixture: &Path) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_dir(&fixture.join("data"), &dir.join("data"));
    std::fs::write(dir.join("bankdrop.toml"), "data_dir = \"data\"\n").unwrap();
    let list = run_in(dir, &["partner", "list"]);
    assert!(list.status.success(), "{}", common::text(&list));
    assert!(String::from_utf8_lossy(&list.stdout).contains("acme"));
    for date in ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-16"] {
        let out = run_in(dir, &["reconcile", "--date", date]);
        // Exit 1 is "breaks found": 2026-03-03 has the two planted ones.
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "{date}: {}",
            common::text(&out)
        );
    }
    let root = dir.join("data/partners/acme");
    for (expected, written) in [
        ("expected-reports", "reports"),
        ("expected-bank-account-reports", "bank-account-reports"),
    ] {
        let mut names: Vec<_> = std::fs::read_dir(fixture.join(expected))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert!(names.len() >= 8, "{expected}: {names:?}");
        for name in names {
            let want = std::fs::read_to_string(fixture.join(expected).join(&name)).unwrap();
            let got = std::fs::read_to_string(root.join(written).join(&name))
                .unwrap_or_else(|e| panic!("{written}/{name:?}: {e}"));
            assert_eq!(got, want, "{written}/{name:?}");
        }
    }
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            root.join("reports/2026-03-03_balance_reconciliation_summary.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(summary["breaks"], 2, "{summary}");
}
