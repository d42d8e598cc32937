//! Every row rule of every schema is triggered (issue 14 item 6): for each `[[rules]]` entry a row
//! of the type's valid fixture is changed to break that rule alone — its conditions met, the
//! rule's column(s) set against it — and the validator must report the rule's code on the rule's
//! column. A rule added to `schemas/` that this cannot break fails here until it gets a case.
//! Cross-file rules are triggered through `bankdrop ingest` (crates/cli/tests/crossfile.rs,
//! program_rules.rs, documents.rs, sales_cli.rs).

use std::path::PathBuf;
use validate::schema::{ColumnType, Condition, Op, RuleKind, Schema, Schemas, Test};
use validate::{validate, Options};

fn valid_rows(file_type: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../../fixtures/csv/valid/2026-01-27_{file_type}_v1.csv"
    ));
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text
        .lines()
        .map(|l| l.split('|').map(str::to_string).collect());
    let header = lines.next().unwrap();
    (header, lines.collect())
}

/// A value of column `c` the valid fixture uses somewhere (so it is well-formed), or one made
/// for its type.
fn some_value(s: &Schema, rows: &[Vec<String>], header: &[String], c: usize) -> String {
    let col = &s.columns[c];
    let i = header.iter().position(|h| *h == col.name).unwrap();
    if let Some(v) = rows.iter().map(|r| &r[i]).find(|v| !v.is_empty()) {
        return v.clone();
    }
    match col.ty {
        ColumnType::Enum => col.values[0].clone(),
        ColumnType::List => format!("[\"{}\"]", col.values.first().map_or("x", |v| v)),
        ColumnType::Date => "2026-01-20".into(),
        ColumnType::Datetime | ColumnType::DateOrDatetime => "2026-01-20T10:00:00Z".into(),
        ColumnType::Boolean => "true".into(),
        ColumnType::Decimal => "10.00".into(),
        ColumnType::Integer => "10".into(),
        ColumnType::Currency => "USD".into(),
        ColumnType::Country => "US".into(),
        ColumnType::State => "NY".into(),
        _ => "x".into(),
    }
}

/// Values that order `low < high` for an ordered column type.
fn ordered(ty: ColumnType) -> (&'static str, &'static str) {
    match ty {
        ColumnType::Date => ("2026-01-10", "2026-01-20"),
        ColumnType::Datetime | ColumnType::DateOrDatetime => {
            ("2026-01-10T10:00:00Z", "2026-01-20T10:00:00Z")
        }
        ColumnType::Integer => ("1", "5"),
        _ => ("1.00", "5.00"),
    }
}

/// Sets the cells of `row` so every condition holds.
fn meet(
    s: &Schema,
    rows: &[Vec<String>],
    header: &[String],
    row: &mut [String],
    when: &[Condition],
) {
    for cond in when {
        let col = &s.columns[cond.column];
        let i = header.iter().position(|h| *h == col.name).unwrap();
        row[i] = match &cond.test {
            Test::In(v) => v[0].clone(),
            Test::NotIn(v) => {
                // An enum's other value; a currency other than those listed.
                let others: Vec<String> = match col.ty {
                    ColumnType::Currency => ["EUR", "GBP", "USD"].map(String::from).to_vec(),
                    _ => col.values.clone(),
                };
                others
                    .into_iter()
                    .find(|x| !v.contains(x))
                    .unwrap_or_else(|| some_value(s, rows, header, cond.column))
            }
            Test::Present(true) => some_value(s, rows, header, cond.column),
            Test::Present(false) => String::new(),
        };
    }
}

/// The row breaking `rule`'s kind, and the (column, code) the validator must report.
fn broken(
    s: &Schema,
    rows: &[Vec<String>],
    header: &[String],
    kind: &RuleKind,
    row: &mut [String],
) -> Option<(usize, &'static str)> {
    let at = |c: usize| header.iter().position(|h| *h == s.columns[c].name).unwrap();
    Some(match kind {
        RuleKind::RequiredIf(c) => {
            row[at(*c)] = String::new();
            (*c, "conditional_required")
        }
        RuleKind::NotAllowedIf(c) => {
            row[at(*c)] = some_value(s, rows, header, *c);
            (*c, "not_allowed")
        }
        RuleKind::ValuesIf(c, allowed) => {
            let col = &s.columns[*c];
            let other = col.values.iter().find(|v| !allowed.contains(v))?.clone();
            row[at(*c)] = match col.ty {
                ColumnType::List => format!("[\"{other}\"]"),
                _ => other,
            };
            (*c, "not_allowed")
        }
        RuleKind::OneOf(cols) => {
            for c in cols {
                row[at(*c)] = String::new();
            }
            (cols[0], "conditional_required")
        }
        RuleKind::ExactlyOne(cols) => {
            for c in cols {
                row[at(*c)] = some_value(s, rows, header, *c);
            }
            (cols[1], "not_allowed")
        }
        RuleKind::AllOrNone(cols) => {
            row[at(cols[0])] = some_value(s, rows, header, cols[0]);
            for c in &cols[1..] {
                row[at(*c)] = String::new();
            }
            (cols[1], "conditional_required")
        }
        RuleKind::SameSign(a, b) => {
            row[at(*a)] = "5.00".into();
            row[at(*b)] = "-5.00".into();
            (*a, "sign_mismatch")
        }
        RuleKind::Compare(a, op, b) => {
            // Each column in its own type (a date against a datetime compares their days).
            let (a_low, a_high) = ordered(s.columns[*a].ty);
            let (b_low, b_high) = ordered(s.columns[*b].ty);
            let (x, y) = match op {
                Op::Le | Op::Lt => (a_high, b_low),
                Op::Ge | Op::Gt => (a_low, b_high),
            };
            row[at(*a)] = x.into();
            row[at(*b)] = y.into();
            (*a, "comparison")
        }
        RuleKind::ForbiddenPrefix(c, prefixes) => {
            row[at(*c)] = format!("{}0001", prefixes[0]);
            (*c, "invalid_namespace")
        }
    })
}

#[test]
fn every_row_rule_of_every_schema_is_triggered() {
    let schemas = Schemas::builtin().unwrap();
    let mut untriggered = Vec::new();
    let mut checked = 0;
    for s in schemas.iter() {
        if s.rules.is_empty() {
            continue;
        }
        let (header, rows) = valid_rows(&s.file_type);
        for (n, rule) in s.rules.iter().enumerate() {
            let mut row = rows[0].clone();
            meet(s, &rows, &header, &mut row, &rule.when);
            let Some((column, code)) = broken(s, &rows, &header, &rule.kind, &mut row) else {
                untriggered.push(format!(
                    "{} rule {n} ({}): no row breaks it",
                    s.file_type, rule.source
                ));
                continue;
            };
            // The conditions again: breaking the rule may have changed a condition's column.
            let text = format!("{}\n{}\n", header.join("|"), row.join("|"));
            let report = validate(
                s,
                &schemas.refdata,
                text.as_bytes(),
                &Options::default(),
                &mut |_| {},
            )
            .unwrap();
            let name = &s.columns[column].name;
            let found = report
                .errors
                .iter()
                .chain(&report.warnings)
                .any(|f| f.code == code && f.column.as_deref() == Some(name.as_str()));
            if !found {
                untriggered.push(format!(
                    "{} rule {n} ({}): expected {code} on {name}, got {:?}",
                    s.file_type,
                    rule.source,
                    report
                        .errors
                        .iter()
                        .chain(&report.warnings)
                        .map(|f| (f.column.clone(), f.code))
                        .collect::<Vec<_>>()
                ));
            }
            checked += 1;
        }
    }
    assert!(
        untriggered.is_empty(),
        "{} of {checked}:\n{}",
        untriggered.len(),
        untriggered.join("\n")
    );
    assert!(checked > 50, "{checked}");
}

#[test]
fn every_future_rule_is_off_a_warning_or_an_error_as_its_program_says() {
    use validate::schema::FutureMode;
    use validate::Severity;
    let schemas = Schemas::builtin().unwrap();
    let mut ids = 0;
    for s in schemas.iter() {
        for id in s.future_rules() {
            ids += 1;
            // The rule's severity (a reference's: whether it warns), found by its id.
            let severity = |t: &Schema| -> Option<Severity> {
                let mine = |f: &Option<String>| f.as_deref() == Some(id);
                let rules = t
                    .rules
                    .iter()
                    .filter(|r| mine(&r.future))
                    .map(|r| r.severity);
                let history = t
                    .history
                    .iter()
                    .filter(|r| mine(&r.future))
                    .map(|r| r.severity);
                let states = t
                    .target_states
                    .iter()
                    .filter(|r| mine(&r.future))
                    .map(|r| r.severity);
                let refs = t.references.iter().filter(|r| mine(&r.future)).map(|r| {
                    if r.warning {
                        Severity::Warning
                    } else {
                        Severity::Error
                    }
                });
                rules.chain(history).chain(states).chain(refs).next()
            };
            assert_eq!(severity(s), Some(Severity::Warning), "{id} as loaded");
            for (mode, want) in [
                (FutureMode::Off, None),
                (FutureMode::Warn, Some(Severity::Warning)),
                (FutureMode::Reject, Some(Severity::Error)),
            ] {
                let other = |x: &str| if x == id { mode } else { FutureMode::Warn };
                assert_eq!(
                    severity(&s.with_future_modes(&other)),
                    want,
                    "{id} {mode:?}"
                );
            }
        }
    }
    assert!(ids >= 10, "{ids} future rules");
}
