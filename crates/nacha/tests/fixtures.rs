//! Every fixture in `fixtures/nacha/` is validated against its expected findings,
//! and read and written back byte for byte.

use std::fs;
use std::path::PathBuf;

use nacha::{Addenda, FileWriter, LineEnding, NachaFile, Policy, Record, SecCode, TypedReader};
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
        // NachaFile holds ordinary batches only; ADV files go through the streaming writer.
        let out = if name.contains("adv") {
            rebuild_adv(&bytes, ending)
        } else {
            let file = NachaFile::read(&bytes[..]).unwrap();
            file.write(Vec::new(), ending).unwrap()
        };
        assert!(out == bytes, "{name}: writer output differs from the file");
    }
}

/// Rebuilds a file of ADV batches from its typed records with `FileWriter`'s ADV calls
/// (controls are recomputed, not copied).
fn rebuild_adv(bytes: &[u8], ending: LineEnding) -> Vec<u8> {
    let mut w = None;
    // The entry waiting for a possible addenda 99.
    let mut pending: Option<(nacha::AdvEntryDetail, Option<nacha::Addenda99>)> = None;
    let flush = |w: &mut Option<FileWriter<Vec<u8>>>, pending: &mut Option<_>| {
        if let Some((e, a)) = pending.take() {
            let a: Option<nacha::Addenda99> = a;
            w.as_mut().unwrap().adv_entry(&e, a.as_ref()).unwrap();
        }
    };
    for item in TypedReader::new(bytes) {
        let (_, rec) = item.unwrap();
        match rec {
            Record::FileHeader(h) => w = Some(FileWriter::new(Vec::new(), &h, ending).unwrap()),
            Record::BatchHeader(h) => {
                assert_eq!(h.sec_code, SecCode::Adv);
                w.as_mut().unwrap().begin_adv_batch(&h).unwrap();
            }
            Record::AdvEntryDetail(e) => {
                flush(&mut w, &mut pending);
                pending = Some((e, None));
            }
            Record::Addenda(Addenda::Return(a)) => pending.as_mut().unwrap().1 = Some(a),
            Record::AdvBatchControl(_) => {
                flush(&mut w, &mut pending);
                w.as_mut().unwrap().end_adv_batch().unwrap();
            }
            Record::AdvFileControl(_) | Record::Filler => {}
            other => panic!("not an ADV file record: {other:?}"),
        }
    }
    w.unwrap().finish().unwrap()
}
