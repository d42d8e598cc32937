//! `bankdrop validate` and `bankdrop gen` as a partner runs them (issue 2 item 4 and 5).

use serde_json::Value;
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
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/csv")
}

fn json_lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn exit_codes_follow_the_outcome() {
    let tmp = tempfile::tempdir().unwrap();
    let valid = fixtures().join("valid/2026-01-27_card_v1.csv");
    let invalid = fixtures().join("cases/enum/2026-01-27_card_v2.csv");
    let v = valid.to_str().unwrap();
    let i = invalid.to_str().unwrap();
    assert_eq!(
        bankdrop(&["validate", v], tmp.path()).status.code(),
        Some(0)
    );
    assert_eq!(
        bankdrop(&["validate", v, i], tmp.path()).status.code(),
        Some(1)
    );
    assert_eq!(
        bankdrop(&["validate", v, "missing.csv"], tmp.path())
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        bankdrop(&["validate", "--format", "yaml", v], tmp.path())
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn json_format_prints_one_object_per_file() {
    let tmp = tempfile::tempdir().unwrap();
    let valid = fixtures().join("valid/2026-01-27_card_v1.csv");
    let invalid = fixtures().join("cases/enum/2026-01-27_card_v2.csv");
    let o = bankdrop(
        &[
            "validate",
            "--format",
            "json",
            valid.to_str().unwrap(),
            invalid.to_str().unwrap(),
        ],
        tmp.path(),
    );
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["outcome"], "accepted");
    assert_eq!(lines[0]["file_type"], "card");
    assert_eq!(lines[0]["rows"], 25);
    assert_eq!(lines[1]["outcome"], "rejected");
    assert_eq!(lines[1]["error_count"], 1);
    let e = &lines[1]["errors"][0];
    assert_eq!(
        (e["row"].as_u64(), e["column"].as_str(), e["code"].as_str()),
        (Some(6), Some("card_status"), Some("enum"))
    );
    for key in ["file", "warning_count", "warnings"] {
        assert!(lines[1].get(key).is_some(), "missing {key}");
    }
}

#[test]
fn text_format_summarises_and_caps_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let several = fixtures().join("cases/several_errors/2026-01-27_card_v2.csv");
    let o = bankdrop(
        &["validate", "--max-errors", "2", several.to_str().unwrap()],
        tmp.path(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("REJECTED (card, 8 rows, 4 errors, 0 warnings)"),
        "{out}"
    );
    assert!(out.contains("row 3, is_virtual: type_boolean"), "{out}");
    assert!(out.contains("2 more errors"), "{out}");
}

#[test]
fn file_name_decides_the_type_unless_given() {
    // decision D5: bad names are rejected with the expected pattern; --type overrides.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures().join("valid/2026-01-27_card_v1.csv"),
        tmp.path().join("cards.csv"),
    )
    .unwrap();
    let o = bankdrop(&["validate", "--format", "json", "cards.csv"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    let l = &json_lines(&o)[0];
    assert_eq!(
        (
            l["errors"][0]["code"].as_str(),
            l["errors"][0]["row"].as_u64()
        ),
        (Some("bad_file_name"), Some(0))
    );
    assert!(l["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("<YYYY-MM-DD>_<file_type>_<version>"));
    let o = bankdrop(&["validate", "--type", "card", "cards.csv"], tmp.path());
    assert_eq!(o.status.code(), Some(0));
    let o = bankdrop(
        &[
            "validate",
            "--format",
            "json",
            "--type",
            "cheque",
            "cards.csv",
        ],
        tmp.path(),
    );
    assert_eq!(json_lines(&o)[0]["errors"][0]["code"], "unknown_file_type");
}

#[test]
fn nacha_files_use_the_same_report() {
    // issue 3 item 5: `row` is the line number, `column` the field name.
    let tmp = tempfile::tempdir().unwrap();
    let nacha = fixtures().join("../nacha");
    let good = nacha.join("20260115T171640Z_outgoing_ach_1768497400.ach");
    let o = bankdrop(
        &["validate", "--format", "json", good.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(json_lines(&o)[0]["outcome"], "accepted");
    let bad = nacha.join("bad_entry_hash.ach");
    let o = bankdrop(
        &[
            "validate",
            "--format",
            "json",
            "--type",
            "outgoing_ach",
            bad.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let l = &json_lines(&o)[0];
    let e = l["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "entry_hash")
        .unwrap()
        .clone();
    assert_eq!(e["column"], "entry_hash");
    assert!(e["row"].as_u64().unwrap() > 1);
    // A CIE file is refused by the default program policy (D10) and passes with --sec-codes all.
    let o = bankdrop(
        &[
            "gen",
            "--type",
            "outgoing_ach",
            "--entries",
            "30",
            "--sec",
            "CIE",
            "--out",
            ".",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let name = std::fs::read_dir(tmp.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let name = name.to_str().unwrap();
    assert!(
        name.ends_with(".ach") && name.contains("_outgoing_ach_"),
        "{name}"
    );
    let o = bankdrop(&["validate", "--format", "json", name], tmp.path());
    assert_eq!(
        json_lines(&o)[0]["errors"][0]["code"],
        "sec_code_not_allowed"
    );
    let o = bankdrop(&["validate", "--sec-codes", "all", name], tmp.path());
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn simulate_writes_a_valid_return_and_noc() {
    let tmp = tempfile::tempdir().unwrap();
    let o = bankdrop(
        &[
            "gen",
            "--type",
            "outgoing_ach",
            "--entries",
            "5",
            "--out",
            "orig.ach",
        ],
        tmp.path(),
    );
    assert!(o.status.success());
    let text = std::fs::read_to_string(tmp.path().join("orig.ach")).unwrap();
    let trace = text.lines().find(|l| l.starts_with('6')).unwrap()[79..94].to_string();
    for (kind, code, extra, token) in [
        ("return", "R01", "", "_incoming_ach_return_"),
        ("noc", "C01", "123456789", "_incoming_ach_noc_"),
    ] {
        let out = tmp.path().join(kind);
        std::fs::create_dir_all(&out).unwrap();
        let mut args = vec![
            "simulate", kind, "--file", "orig.ach", "--trace", &trace, "--code", code, "--out",
            kind,
        ];
        if !extra.is_empty() {
            args.extend(["--corrected", extra]);
        }
        let o = bankdrop(&args, tmp.path());
        assert!(
            o.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let file = std::fs::read_dir(&out)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        assert!(file.file_name().unwrap().to_str().unwrap().contains(token));
        let o = bankdrop(
            &[
                "validate",
                "--sec-codes",
                "all",
                "--type",
                "outgoing_ach",
                file.to_str().unwrap(),
            ],
            tmp.path(),
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "{kind}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
}

#[test]
fn gen_writes_a_named_file_that_validates() {
    let tmp = tempfile::tempdir().unwrap();
    for t in ["transaction", "customer_relationship"] {
        let o = bankdrop(
            &[
                "gen", "--type", t, "--rows", "500", "--seed", "9", "--out", ".",
            ],
            tmp.path(),
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let name = format!("2026-01-27_{t}_v1.csv");
        let o = bankdrop(&["validate", "--format", "json", &name], tmp.path());
        let l = &json_lines(&o)[0];
        assert_eq!(
            (l["outcome"].as_str(), l["rows"].as_u64()),
            (Some("accepted"), Some(500)),
            "{l}"
        );
    }
}

#[test]
fn stdin_needs_a_type() {
    let tmp = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bankdrop"))
        .args([
            "validate",
            "--type",
            "sales_response",
            "--format",
            "json",
            "-",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .current_dir(tmp.path())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"sale_id|purchasing_entity|response|reject_reason|generated_at|effective_at\ns1||rejected||2026-01-27T00:00:00Z|2026-01-26T10:00:00Z\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let l = &json_lines(&o)[0];
    assert_eq!(l["errors"][0]["code"], "conditional_required");
    assert_eq!(l["errors"][0]["column"], "reject_reason");
}
