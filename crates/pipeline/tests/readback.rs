//! Any accepted row can be read back whole (issue 10, item 1): what the store keeps typed, what
//! it keeps in the compact row blob and what it keeps only once (a transaction's amounts, typed,
//! with their scale in the blob) put back together give every cell as the partner wrote it.

mod common;

use common::{env, fixture};
use store::State;
use validate::schema::Schemas;

/// The data rows of a fixture, by column name (null cells as `None`, D2).
fn rows(rel: &str) -> Vec<Vec<(String, Option<String>)>> {
    let text = String::from_utf8(fixture(rel)).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split('|').map(String::from).collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split('|').map(|v| match v {
                    "" | "null" => None,
                    v => Some(v.to_string()),
                }))
                .collect()
        })
        .collect()
}

#[test]
fn transactions_read_back_cell_for_cell_amounts_as_written() {
    let e = env();
    let rel = "transaction/2026-01-27_transaction_v1.csv";
    e.drop_file(rel, &fixture("valid/2026-01-27_transaction_v1.csv"));
    assert_eq!(e.process(rel).state, State::Accepted);
    let schemas = Schemas::builtin().unwrap();
    let schema = schemas.get("transaction").unwrap();
    let reader = e.pipeline.store().snapshot().unwrap();
    let want = rows("valid/2026-01-27_transaction_v1.csv");
    assert!(!want.is_empty());
    let mut amounts_seen = 0;
    for row in want {
        let id = row
            .iter()
            .find(|(c, _)| c == "client_transaction_id")
            .and_then(|(_, v)| v.clone())
            .unwrap();
        let got = reader.transaction("acme", &id).unwrap().unwrap();
        for (column, value) in &row {
            assert!(schema.column_index(column).is_some(), "{column}");
            assert_eq!(got.get(column), value.as_deref(), "{id}: {column}");
            if column == "amount" && value.is_some() {
                amounts_seen += 1;
            }
        }
    }
    assert!(amounts_seen > 0, "the fixture has amounts to read back");
}

#[test]
fn a_balance_and_a_record_read_back_cell_for_cell() {
    let e = env();
    // Cards and customers keep their key once (`@key`), and every file here has dates and
    // timestamps kept short (`@when`).
    for (folder, name) in [
        ("balance", "2026-01-27_balance_v1.csv"),
        ("card", "2026-01-27_card_v1.csv"),
        ("customer", "2026-01-27_customer_v1.csv"),
    ] {
        let rel = format!("{folder}/{name}");
        e.drop_file(&rel, &fixture(&format!("valid/{name}")));
        assert_eq!(e.process(&rel).state, State::Accepted, "{name}");
        let schemas = Schemas::builtin().unwrap();
        let schema = schemas.get(folder).unwrap();
        for row in rows(&format!("valid/{name}")) {
            let cell = |c: &str| {
                row.iter()
                    .find(|(n, _)| n == c)
                    .and_then(|(_, v)| v.clone())
            };
            let key = match folder {
                "balance" => cell("client_balance_id").or_else(|| cell("id")).unwrap(),
                _ => {
                    let k: Vec<String> = schema
                        .key
                        .iter()
                        .map(|c| cell(&schema.columns[*c].name).unwrap_or_default())
                        .collect();
                    k.join("|")
                }
            };
            let got = e
                .pipeline
                .store()
                .record("acme", folder, &key)
                .unwrap()
                .unwrap_or_else(|| panic!("{folder} {key} not stored"));
            for (column, value) in &row {
                assert_eq!(
                    got.get(column),
                    value.as_deref(),
                    "{folder} {key}: {column}"
                );
            }
        }
    }
}
