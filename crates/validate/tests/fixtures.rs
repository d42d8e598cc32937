//! Every fixture under `fixtures/csv` against its expected report (issue 2 item 6), and every
//! code of the catalogue triggered with its row, column and code.
//!
//! `BLESS=1 cargo test -p bankdrop-validate --test fixtures` rewrites the expected reports; review
//! the diff before committing. A case directory may hold an `options.toml` setting
//! [`CaseOptions`] for its file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use validate::schema::Schemas;
use validate::{validate, Options, Outcome, Report, CODES};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/csv")
}

fn schemas() -> Schemas {
    Schemas::builtin().unwrap()
}

/// The [`Options`] a case may change from their defaults.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CaseOptions {
    max_line_bytes: Option<usize>,
}

fn case_options(dir: &Path) -> Options {
    let mut opts = Options::default();
    if let Ok(text) = std::fs::read_to_string(dir.join(OPTIONS)) {
        let c: CaseOptions = toml::from_str(&text).unwrap();
        opts.max_line_bytes = c.max_line_bytes.unwrap_or(opts.max_line_bytes);
    }
    opts
}

const OPTIONS: &str = "options.toml";

fn run(s: &Schemas, path: &Path, opts: &Options) -> Report {
    let name = path.file_name().unwrap().to_str().unwrap();
    let ty = s.parse_file_name(name).unwrap().file_type;
    let f = std::fs::File::open(path).unwrap();
    validate(s.get(&ty).unwrap(), &s.refdata, f, opts, &mut |_| {}).unwrap()
}

fn data_file(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !["expected.json", OPTIONS].contains(&p.file_name().unwrap().to_str().unwrap()))
        .unwrap()
}

#[test]
fn valid_fixtures_are_accepted_without_warnings() {
    let s = schemas();
    let mut n = 0;
    for e in std::fs::read_dir(root().join("valid")).unwrap() {
        let r = run(&s, &e.unwrap().path(), &Options::default());
        assert_eq!(
            (r.outcome, r.warning_count, r.rows),
            (Outcome::Accepted, 0, 25),
            "{:?}",
            r.errors
        );
        n += 1;
    }
    assert_eq!(n, 12, "one valid file per type");
}

/// Each case directory is named after the code it exists for; its report must match
/// `expected.json` exactly (rows, columns, codes, messages, masked values).
#[test]
fn cases_match_their_expected_reports() {
    let s = schemas();
    let bless = std::env::var_os("BLESS").is_some();
    let mut seen = BTreeSet::new();
    for e in std::fs::read_dir(root().join("cases")).unwrap() {
        let dir = e.unwrap().path();
        let case = dir.file_name().unwrap().to_str().unwrap().to_string();
        let report = run(&s, &data_file(&dir), &case_options(&dir));
        let got = serde_json::to_string_pretty(&report).unwrap() + "\n";
        let expected_path = dir.join("expected.json");
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        assert_eq!(
            got, expected,
            "case {case} differs from expected.json (BLESS=1 to update)"
        );
        let codes: BTreeSet<&str> = report
            .errors
            .iter()
            .chain(&report.warnings)
            .map(|f| f.code)
            .collect();
        let own = CODES
            .iter()
            .filter(|c| case == c.code || case.starts_with(&format!("{}_", c.code)))
            .max_by_key(|c| c.code.len())
            .map(|c| c.code);
        if let Some(own) = own {
            assert!(codes.contains(own), "case {case} does not trigger {own}");
        }
        seen.extend(codes);
    }
    // Codes that need a column type no shipped schema uses are covered in `inline_types`;
    // file-name codes by the CLI tests; codes the pipeline decides by `crates/pipeline/tests`.
    let elsewhere = [
        "type_json",
        "type_country",
        "type_state",
        "bad_file_name",
        "unknown_file_type",
        "folder_mismatch",
        "duplicate",
        "already_accepted",
        "duplicate_id_history",
        "unknown_reference",
        "missing_balance",
        "unpaired_batch",
        "disallowed_reference",
        "outdated_update",
        "terminal_record",
        "processing_failed",
        "duplicate_trace",
        "noc_not_applied",
        "per_transaction_limit_exceeded",
        "aggregate_limit_exceeded",
        "effective_date_too_far",
        "effective_date_not_business_day",
        "dishonor_without_return",
        "immutable_field",
        "disallowed_state",
        "already_taken",
        "type_not_for_balance",
        "entity_role_mismatch",
        "same_day_update",
        "document_type_not_allowed",
        "document_content_mismatch",
        "unknown_document",
        "unknown_sale",
        "sale_already_answered",
        "unanswered_sale",
        "before_day0",
        "previous_day_missing",
        "effective_at_not_previous_day",
        "generated_at_not_sending_day",
    ];
    for c in CODES {
        assert!(
            seen.contains(c.code) || elsewhere.contains(&c.code),
            "no fixture triggers {}",
            c.code
        );
    }
}
