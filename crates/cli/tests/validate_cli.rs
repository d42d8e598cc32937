//! `bankdrop validate` and `bankdrop gen` as a partner runs them (issue 2 item 4 and 5).

use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

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
    // Without --sec-codes the configured program's codes apply, as on upload.
    std::fs::write(
        tmp.path().join("cie.toml"),
        "[program]\nsec_codes = [\"PPD\", \"CIE\"]\n",
    )
    .unwrap();
    let o = bankdrop(&["--config", "cie.toml", "validate", name], tmp.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
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

/// Runs `bankdrop validate --format json PATH` and returns its exit code, its one JSON line and
/// its peak RSS in KiB.
// The child is reaped by `wait4`, which `Child::wait` cannot replace: it gives no rusage.
#[allow(clippy::zombie_processes)]
fn validate_measured(path: &Path) -> (i32, Value, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bankdrop"))
        .args(["validate", "--format", "json"])
        .arg(path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain integers, for which all zeroes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // wait4 on this child, not getrusage(RUSAGE_CHILDREN): the other tests of this binary run
    // children of their own at the same time.
    // SAFETY: both pointers are to live locals of the right types; the child is ours and not
    // waited for elsewhere (`Child` is dropped without `wait`).
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    assert!(libc::WIFEXITED(status));
    let line = out.lines().next().unwrap_or_default();
    let json = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {out}"));
    (
        libc::WEXITSTATUS(status),
        json,
        u64::try_from(usage.ru_maxrss).unwrap(),
    )
}

/// A file of `head` followed by NUL bytes up to `len`: sparse, so it takes no disk.
fn sparse(dir: &Path, name: &str, head: &[u8], len: u64) -> PathBuf {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(head).unwrap();
    f.set_len(len).unwrap();
    path
}

/// Peak memory of validating a file is bounded by the configuration, not by the file (the
/// abuse-test issue: a 256 MiB line cost ~480 MiB). Each file is 1 GiB of which the reader may
/// read only the first few hundred KiB.
#[test]
fn memory_does_not_follow_a_gigabyte_line() {
    const GIB: u64 = 1 << 30;
    const BOUND_KIB: u64 = 64 << 10;
    let tmp = tempfile::tempdir().unwrap();
    let header = std::fs::read_to_string(fixtures().join("valid/2026-01-27_card_v1.csv")).unwrap();
    let header = format!("{}\n", header.lines().next().unwrap());
    let ppd = fixtures().join("../nacha/valid_ppd.ach");
    let nacha_header = std::fs::read_to_string(ppd).unwrap();
    let nacha_header = format!("{}\n", nacha_header.lines().next().unwrap());
    let cases = [
        // CSV: the second line is 1 GiB of NULs.
        (
            sparse(tmp.path(), "2026-01-27_card_v1.csv", header.as_bytes(), GIB),
            2,
            "line_too_long",
        ),
        // Nacha: no line break at all, and 2^30 is not a multiple of 94.
        (
            sparse(
                tmp.path(),
                "20260115T171640Z_outgoing_ach_1.ach",
                &[b'1'; 94],
                GIB,
            ),
            1,
            "unbroken_length",
        ),
        // Nacha: the second line is 1 GiB.
        (
            sparse(
                tmp.path(),
                "20260115T171640Z_outgoing_ach_2.ach",
                nacha_header.as_bytes(),
                GIB,
            ),
            2,
            "line_too_long",
        ),
    ];
    let (_, _, small_kib) = validate_measured(&fixtures().join("valid/2026-01-27_card_v1.csv"));
    eprintln!("a 25-row file: peak RSS {small_kib} KiB");
    for (path, row, code) in cases {
        let (exit, report, peak_kib) = validate_measured(&path);
        eprintln!("{}: peak RSS {peak_kib} KiB", path.display());
        assert_eq!(exit, 1, "{report}");
        assert_eq!(report["outcome"], "rejected");
        let first = &report["errors"][0];
        assert_eq!(
            (first["row"].as_u64(), first["code"].as_str()),
            (Some(row), Some(code)),
            "{report}"
        );
        assert_eq!(report["error_count"], 1, "{report}");
        // CSV rows up to and including the long one; Nacha entries, of which none was read.
        let rows = u64::from(path.extension().is_some_and(|e| e == "csv"));
        assert_eq!(report["rows"], rows, "{report}");
        assert!(
            peak_kib < BOUND_KIB,
            "{}: peak RSS {peak_kib} KiB",
            path.display()
        );
        // And no more than a few buffers above a small file's.
        assert!(
            peak_kib < small_kib + (16 << 10),
            "{}: peak RSS {peak_kib} KiB, a small file {small_kib} KiB",
            path.display()
        );
    }
}
