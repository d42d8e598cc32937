//! Generated files pass validation for every type (issue 2 "done when"), and single-cell
//! corruptions of a valid file are caught at the right row and column.

use proptest::prelude::*;
use synth::{write_file, GenOptions};
use validate::schema::{ColumnType, Schemas};
use validate::{validate, Options, Outcome, Report};

fn schemas() -> Schemas {
    Schemas::builtin().expect("shipped schemas load")
}

fn generate(s: &Schemas, ty: &str, rows: u64, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let opts = GenOptions {
        rows,
        seed,
        ..GenOptions::default()
    };
    write_file(s.get(ty).unwrap(), &s.refdata, &opts, &mut out).unwrap();
    out
}

fn check(s: &Schemas, ty: &str, bytes: &[u8]) -> Report {
    validate(
        s.get(ty).unwrap(),
        &s.refdata,
        bytes,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap()
}

#[test]
fn ten_thousand_generated_rows_of_every_type_are_accepted() {
    let s = schemas();
    for schema in s.iter() {
        let bytes = generate(&s, &schema.file_type, 10_000, 7);
        let r = check(&s, &schema.file_type, &bytes);
        assert_eq!(
            r.outcome,
            Outcome::Accepted,
            "{}: {:#?}",
            schema.file_type,
            &r.errors[..r.errors.len().min(5)]
        );
        assert_eq!(r.rows, 10_000);
        assert_eq!(
            r.warning_count,
            0,
            "{}: {:?}",
            schema.file_type,
            r.warnings.first()
        );
    }
}

#[test]
fn generation_is_deterministic_per_seed() {
    let s = schemas();
    assert_eq!(
        generate(&s, "transaction", 200, 3),
        generate(&s, "transaction", 200, 3)
    );
    assert_ne!(
        generate(&s, "transaction", 200, 3),
        generate(&s, "transaction", 200, 4)
    );
}

/// A value that breaks the column's declared type, or `None` when any text is valid there.
fn breaking_value(ty: ColumnType, has_values: bool) -> Option<&'static str> {
    Some(match ty {
        ColumnType::Integer => "12.5",
        ColumnType::Decimal => "1e5",
        ColumnType::Date => "2026-02-30",
        ColumnType::Datetime => "2026-01-27T10:00:00",
        ColumnType::DateOrDatetime => "27/01/2026",
        ColumnType::Boolean => "yes",
        ColumnType::Enum => "not_a_value",
        ColumnType::List if has_values => r#"["not_a_value"]"#,
        ColumnType::List => "[1,2]",
        ColumnType::Json => "{broken",
        ColumnType::Currency => "XYZ",
        ColumnType::Country => "USA",
        ColumnType::State => "ZZ",
        ColumnType::String => return None,
    })
}

#[derive(Debug, Clone)]
enum Corruption {
    Value,
    Empty,
    ExtraDelimiter,
    StrayQuote,
    BadUtf8,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn single_cell_corruptions_are_caught(
        type_idx in 0usize..12,
        seed in 0u64..1000,
        row in 0usize..20,
        col_pick in 0usize..100,
        kind in prop_oneof![
            Just(Corruption::Value),
            Just(Corruption::Empty),
            Just(Corruption::ExtraDelimiter),
            Just(Corruption::StrayQuote),
            Just(Corruption::BadUtf8)
        ],
    ) {
        let s = schemas();
        let schema = s.iter().nth(type_idx).unwrap();
        let bytes = generate(&s, &schema.file_type, 20, seed);
        let text = String::from_utf8(bytes).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let c = col_pick % schema.columns.len();
        let col = &schema.columns[c];
        let mut cells: Vec<String> = lines[row + 1].split('|').map(str::to_string).collect();
        prop_assume!(cells.len() == schema.columns.len());
        let expect_column = match kind {
            Corruption::Value => {
                let Some(v) = breaking_value(col.ty, !col.values.is_empty()) else { return Ok(()) };
                cells[c] = v.to_string();
                true
            }
            Corruption::Empty => {
                prop_assume!(col.required);
                cells[c].clear();
                true
            }
            Corruption::ExtraDelimiter => { cells[c].push('|'); false }
            Corruption::StrayQuote => {
                prop_assume!(!matches!(col.ty, ColumnType::List | ColumnType::Json));
                cells[c] = format!("a\"{}", cells[c]);
                false
            }
            Corruption::BadUtf8 => { cells[c].push('\u{FFFD}'); false }
        };
        lines[row + 1] = cells.join("|");
        let mut out = lines.join("\n").into_bytes();
        out.push(b'\n');
        if matches!(kind, Corruption::BadUtf8) {
            // Replace the marker with a byte that is never valid UTF-8.
            let pos = out.windows(3).position(|w| w == "\u{FFFD}".as_bytes()).unwrap();
            out.splice(pos..pos + 3, [0xFF]);
        }
        let r = check(&s, &schema.file_type, &out);
        prop_assert_eq!(r.outcome, Outcome::Rejected);
        let at_row = r.errors.iter().find(|e| e.row == row as u64 + 2);
        prop_assert!(at_row.is_some(), "no error at row {}: {:?}", row + 2, r.errors);
        if expect_column {
            prop_assert!(r.errors.iter().any(|e| e.row == row as u64 + 2 && e.column.as_deref() == Some(&col.name)),
                "no error on {} row {}: {:?}", col.name, row + 2, r.errors);
        }
    }
}
