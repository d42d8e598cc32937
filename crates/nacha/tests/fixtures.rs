//! Every fixture in `fixtures/nacha/` is validated against its expected findings,
//! and read and written back byte for byte.

use std::fs;
use std::path::PathBuf;

use nacha::{LineEnding, NachaFile, Policy};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Expected {
    policy: Policy,
    accepted: bool,
    findings: Vec<ExpectedFinding>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
struct ExpectedFinding {
    line: u64,
    record_type: String,
    field: String,
    code: String,
    severity: String,
}

fn fixtures() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/nacha");
    let mut v: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ach"))
        .collect();
    v.sort();
    assert!(v.len() >= 20, "fixtures missing in {}", dir.display());
    v
}

#[test]
fn fixtures_match_expected_findings() {
    for path in fixtures() {
        let expected: Expected = serde_json::from_str(
            &fs::read_to_string(path.with_extension("expected.json")).unwrap(),
        )
        .unwrap();
        let bytes = fs::read(&path).unwrap();
        let report = nacha::validate(&bytes[..], &expected.policy).unwrap();
        let got: Vec<ExpectedFinding> = report
            .findings
            .iter()
            .map(|f| ExpectedFinding {
                line: f.line,
                record_type: f.record_type.to_string(),
                field: f.field.to_string(),
                code: f.code.to_string(),
                severity: serde_json::to_value(f.severity)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string(),
            })
            .collect();
        assert_eq!(got, expected.findings, "{}", path.display());
        assert_eq!(
            report.is_accepted(),
            expected.accepted,
            "{}",
            path.display()
        );
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(
            expected.accepted,
            !name.starts_with("bad_"),
            "{name}: naming convention"
        );
    }
}

#[test]
fn every_fixture_round_trips_byte_for_byte() {
    for path in fixtures() {
        let bytes = fs::read(&path).unwrap();
        let mut out = Vec::new();
        nacha::copy_records(&bytes[..], &mut out).unwrap();
        assert!(out == bytes, "{}", path.display());
    }
}

#[test]
fn valid_fixtures_rebuild_identically_from_the_typed_model() {
    for path in fixtures() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with("bad_") || name.contains("iat") || name.starts_with("warn_") {
            continue;
        }
        let bytes = fs::read(&path).unwrap();
        let ending = if bytes.windows(2).any(|w| w == b"\r\n") {
            LineEnding::CrLf
        } else {
            LineEnding::Lf
        };
        let file = NachaFile::read(&bytes[..]).unwrap();
        let out = file.write(Vec::new(), ending).unwrap();
        assert!(out == bytes, "{name}: writer output differs from the file");
    }
}
