//! `validate_with_rows`: one read both validates a file and hands its rows on (issue 10, item 3),
//! exactly as `rows::for_each_row` reads an accepted file, and stops at the first error.

use std::path::PathBuf;
use validate::rows::for_each_row;
use validate::schema::Schemas;
use validate::{validate_with_rows, Options, Outcome};

fn valid(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/csv/valid");
    std::fs::read(p.join(name)).unwrap()
}

type Rows = Vec<(u64, Vec<Option<String>>)>;

fn handed_on(schema: &validate::schema::Schema, s: &Schemas, bytes: &[u8]) -> (Outcome, Rows) {
    let mut got = Vec::new();
    let report = validate_with_rows(
        schema,
        &s.refdata,
        bytes,
        &Options::default(),
        &mut |_| {},
        &mut |row, cells| {
            got.push((row, cells.iter().map(|c| c.map(str::to_string)).collect()));
            Ok(())
        },
    )
    .unwrap();
    (report.outcome, got)
}

#[test]
fn every_row_of_a_valid_file_is_handed_on_as_the_apply_reader_reads_it() {
    let s = Schemas::builtin().unwrap();
    for (name, ty) in [
        ("2026-01-27_transaction_v1.csv", "transaction"),
        ("2026-01-27_card_v1.csv", "card"),
        ("2026-01-27_account_v1.csv", "account"),
    ] {
        let schema = s.get(ty).unwrap();
        let bytes = valid(name);
        let (outcome, got) = handed_on(schema, &s, &bytes);
        assert_eq!(outcome, Outcome::Accepted, "{name}");
        let mut want: Vec<Vec<Option<String>>> = Vec::new();
        for_each_row(schema, &bytes[..], &mut |cells| {
            want.push(cells.iter().map(|c| c.map(str::to_string)).collect());
            Ok(())
        })
        .unwrap();
        assert!(!want.is_empty(), "{name}");
        assert_eq!(got.iter().map(|r| r.1.clone()).collect::<Vec<_>>(), want);
        // Rows are numbered as the errors file numbers them (the header is row 1).
        let numbers: Vec<u64> = got.iter().map(|r| r.0).collect();
        assert_eq!(numbers, (2..2 + want.len() as u64).collect::<Vec<_>>());
    }
}

#[test]
fn rows_stop_at_the_first_error() {
    let s = Schemas::builtin().unwrap();
    let schema = s.get("transaction").unwrap();
    let text = String::from_utf8(valid("2026-01-27_transaction_v1.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert!(lines.len() >= 4, "the fixture needs three data rows");
    // Row 3 (the second data row) gets a non-numeric amount.
    let header: Vec<&str> = lines[0].split('|').collect();
    let amount = header.iter().position(|h| *h == "amount").unwrap();
    let mut cells: Vec<String> = lines[2].split('|').map(str::to_string).collect();
    cells[amount] = "12,50".into();
    lines[2] = cells.join("|");
    let bytes = (lines.join("\n") + "\n").into_bytes();
    let (outcome, got) = handed_on(schema, &s, &bytes);
    assert_eq!(outcome, Outcome::Rejected);
    assert_eq!(got.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2]);
}
