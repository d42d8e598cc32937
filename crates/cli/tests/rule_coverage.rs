//! Every cross-file rule of `schemas/` is triggered through `bankdrop ingest` (issue 14 item 6;
//! the row rules are in crates/validate/tests/rule_coverage.rs): each `[[references]]` entry by a
//! generated case (a valid fixture row naming a record nobody sent), and each `[[history]]`,
//! `[[memberships]]`, `[[target_state]]` and `[[exclusive]]` entry by a named test, which must exist. A rule added
//! to a schema fails here until something triggers it.

mod common;

use common::program::*;
use validate::schema::{HistoryKind, Schema, Schemas};

/// A row that already meets the reference's conditions and gives its column a value (changing
/// a condition's column would break the row's own rules, and a row with errors is never
/// checked across files): from the type's valid fixture, else from 500 generated rows.
fn row_for(env: &Env, s: &Schema, r: &validate::schema::Reference) -> (Vec<String>, Vec<String>) {
    let fitting = |path: &std::path::Path| {
        let (header, rows) = read_rows(path);
        let at = |c: usize| header.iter().position(|h| *h == s.columns[c].name);
        let fits = |row: &Vec<String>, given: bool| {
            let cells: Vec<Option<&str>> = (0..s.columns.len())
                .map(|c| at(c).map(|i| row[i].as_str()).filter(|v| !v.is_empty()))
                .collect();
            (cells[r.column].is_some() || !given) && r.when.iter().all(|c| c.holds_on(&cells))
        };
        // Best a row that gives the column a value; else one where it may be given.
        let row = rows
            .iter()
            .find(|row| fits(row, true))
            .or_else(|| rows.iter().find(|row| fits(row, false)))
            .cloned();
        row.map(|row| (header, row))
    };
    let fixture = common::fixtures().join(format!("valid/2026-01-27_{}_v1.csv", s.file_type));
    if let Some(found) = fitting(&fixture) {
        return found;
    }
    let generated = env.dir().join(format!("gen_{}.csv", s.file_type));
    if !generated.exists() {
        let out = generated.to_str().unwrap();
        env.ok(&[
            "gen",
            "--type",
            &s.file_type,
            "--rows",
            "500",
            "--seed",
            "7",
            "--out",
            out,
        ]);
    }
    fitting(&generated)
        .unwrap_or_else(|| panic!("no {} row for {}", s.file_type, s.columns[r.column].name))
}

#[test]
fn every_cross_file_reference_is_triggered() {
    let schemas = Schemas::builtin().unwrap();
    let env = Env::new("");
    // Every id the valid fixtures name is registered (D8), so only the changed cell is unknown.
    let registry = common::fixtures().join("../registry.csv");
    env.ok(&[
        "registry",
        "import",
        "--partner",
        "acme",
        registry.to_str().unwrap(),
    ]);
    let mut day = 0;
    let mut missed = Vec::new();
    for s in schemas.iter() {
        for r in &s.references {
            day += 1;
            let (header, mut row) = row_for(&env, s, r);
            let col = &s.columns[r.column];
            let unknown = if col.ty == validate::schema::ColumnType::List {
                "[\"zz-nobody\"]"
            } else {
                "zz-nobody"
            };
            set(&header, &mut row, &col.name, unknown);
            let date = format!("2026-{:02}-{:02}", 2 + (day - 1) / 28, (day - 1) % 28 + 1);
            let name = if s.batch_names {
                format!("b{day}_{}_v1.csv", s.file_type)
            } else {
                format!("{date}_{}_v1.csv", s.file_type)
            };
            let f = write(&env, &name, &header, &[row]);
            if s.batch_names && s.file_type != "customer" {
                // A relationship file comes with its batch's customer file (spec 02 §4.4).
                // Its first rows, as many as the day: the same bytes twice would be a duplicate.
                let customers = common::fixtures().join("valid/2026-01-27_customer_v1.csv");
                let (ch, cr) = read_rows(&customers);
                let n = (day % cr.len()) + 1;
                let batch = write(&env, &format!("b{day}_customer_v1.csv"), &ch, &cr[..n]);
                env.ingest(&[batch, f]);
            } else {
                env.ingest(&[f]);
            }
            let (folder, state) = (s.file_type.as_str(), ["failed", "processed"]);
            let status = state
                .iter()
                .map(|st| env.root().join(format!("{folder}/{st}/{name}.status.json")))
                .find(|p| p.exists())
                .map(|p| common::status_json(&p))
                .unwrap_or_else(|| panic!("{name} was not decided"));
            let mut findings: Vec<(String, String)> = Vec::new();
            if status["outcome"] == "rejected" {
                for e in env.errors(&format!("{folder}/failed/{name}")) {
                    findings.push((e[1].clone(), e[2].clone()));
                }
            }
            for w in status["warnings"].as_array().unwrap() {
                findings.push((
                    w["column"].as_str().unwrap_or("").to_string(),
                    w["code"].as_str().unwrap_or("").to_string(),
                ));
            }
            let want = (col.name.clone(), "unknown_reference".to_string());
            if !findings.contains(&want) {
                missed.push(format!(
                    "{} reference {} ({}): {findings:?}",
                    s.file_type, col.name, r.source
                ));
            }
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
    assert!(day >= 20, "{day} references");
}

/// The test triggering each `[[history]]`, `[[memberships]]`, `[[target_state]]` and
/// `[[exclusive]]` rule, by
/// `file_type kind column` (a test file and a test name that must exist).
const TRIGGERED_BY: &[(&str, &str, &str)] = &[
    (
        "account later effective_at",
        "crossfile.rs",
        "updates_must_be_later_and_final_states_stay_final",
    ),
    (
        "account frozen_when status",
        "crossfile.rs",
        "updates_must_be_later_and_final_states_stay_final",
    ),
    (
        "account target_state application_id status",
        "program_rules.rs",
        "applications_and_accounts_follow_their_rules_across_files",
    ),
    (
        "application later effective_at",
        "rule_coverage.rs",
        "application_updates_are_later_and_final",
    ),
    (
        "application frozen_when status",
        "rule_coverage.rs",
        "application_updates_are_later_and_final",
    ),
    (
        "authorized_user later effective_at",
        "crossfile.rs",
        "updates_must_be_later_and_final_states_stay_final",
    ),
    (
        "authorized_user target_state account_id status",
        "program_rules.rs",
        "users_collaterals_and_transactions_on_closed_records",
    ),
    (
        "balance frozen_when status",
        "program_rules.rs",
        "balances_never_leave_a_terminal_status_and_keep_their_type",
    ),
    (
        "balance immutable type",
        "program_rules.rs",
        "balances_never_leave_a_terminal_status_and_keep_their_type",
    ),
    (
        "balance target_state account_id status",
        "program_rules.rs",
        "users_collaterals_and_transactions_on_closed_records",
    ),
    (
        "collateral target_state balance_id type",
        "program_rules.rs",
        "a_collateral_pledges_a_deposit_balance",
    ),
    (
        "collateral target_state balance_id account_id",
        "program_rules.rs",
        "users_collaterals_and_transactions_on_closed_records",
    ),
    (
        "collateral target_state balance_id status",
        "program_rules.rs",
        "users_collaterals_and_transactions_on_closed_records",
    ),
    (
        "card frozen_when card_status",
        "program_rules.rs",
        "a_closed_card_stays_closed_and_a_card_on_a_closed_account_must_close",
    ),
    (
        "card immutable account_id",
        "program_rules.rs",
        "card_fields_are_immutable_once_set_when_the_program_enforces_cf3",
    ),
    (
        "card membership entity_id",
        "crossfile.rs",
        "a_cardholder_is_a_holder_or_authorized_user_of_the_cards_account",
    ),
    (
        "card target_state account_id status",
        "program_rules.rs",
        "a_closed_card_stays_closed_and_a_card_on_a_closed_account_must_close",
    ),
    (
        "collateral immutable type",
        "program_rules.rs",
        "users_collaterals_and_transactions_on_closed_records",
    ),
    (
        "collateral target_state account_id status",
        "program_rules.rs",
        "users_collaterals_and_transactions_on_closed_records",
    ),
    (
        "collateral exclusive balance_id",
        "program_rules.rs",
        "a_balance_is_pledged_by_one_collateral_at_most",
    ),
    (
        "application target_state authorized_signers customer_type",
        "program_rules.rs",
        "entity_roles_follow_the_customer_type_where_the_customer_file_gives_it",
    ),
    (
        "application uniform account_holders",
        "program_rules.rs",
        "entity_roles_follow_the_customer_type_where_the_customer_file_gives_it",
    ),
    (
        "account target_state authorized_signers customer_type",
        "program_rules.rs",
        "entity_roles_follow_the_customer_type_where_the_customer_file_gives_it",
    ),
    (
        "account target_state authorized_users customer_type",
        "program_rules.rs",
        "entity_roles_follow_the_customer_type_where_the_customer_file_gives_it",
    ),
    (
        "account uniform account_holders",
        "program_rules.rs",
        "entity_roles_follow_the_customer_type_where_the_customer_file_gives_it",
    ),
    (
        "transaction target_state balance_id account.status",
        "program_rules.rs",
        "users_collaterals_and_transactions_on_closed_records",
    ),
    (
        "transaction target_state balance_id status",
        "program_rules.rs",
        "users_collaterals_and_transactions_on_closed_records",
    ),
];

/// Each rule of those kinds as `file_type kind column`.
fn other_rules(s: &Schema) -> Vec<String> {
    let name = |c: usize| s.columns[c].name.clone();
    let mut out = Vec::new();
    for h in &s.history {
        out.push(match &h.kind {
            HistoryKind::Later(c) => format!("{} later {}", s.file_type, name(*c)),
            HistoryKind::FrozenWhen(c, _) => format!("{} frozen_when {}", s.file_type, name(*c)),
            HistoryKind::Immutable(cols) => format!("{} immutable {}", s.file_type, name(cols[0])),
        });
    }
    for m in &s.memberships {
        out.push(format!("{} membership {}", s.file_type, name(m.column)));
    }
    for t in &s.target_states {
        let via = t
            .via
            .as_ref()
            .map(|v| format!("{}.", v.to))
            .unwrap_or_default();
        out.push(format!(
            "{} target_state {} {via}{}",
            s.file_type,
            name(t.column),
            t.target_column
        ));
    }
    for u in &s.uniforms {
        out.push(format!("{} uniform {}", s.file_type, name(u.column)));
    }
    for x in &s.exclusives {
        out.push(format!("{} exclusive {}", s.file_type, name(x.column)));
    }
    out
}

#[test]
fn every_other_cross_file_rule_has_a_test_that_triggers_it() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut missing = Vec::new();
    for s in Schemas::builtin().unwrap().iter() {
        for rule in other_rules(s) {
            match TRIGGERED_BY.iter().find(|(r, _, _)| *r == rule) {
                None => missing.push(format!("{rule}: no test listed")),
                Some((_, file, test)) => {
                    let text = std::fs::read_to_string(dir.join(file)).unwrap();
                    if !text.contains(&format!("fn {test}()")) {
                        missing.push(format!("{rule}: {file} has no test {test}"));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn application_updates_are_later_and_final() {
    // spec 03 §4.1 (A5, A7): effective_at moves forward; a terminal application takes no change.
    let env = Env::new("");
    let (_, holder, _) = first_day_people(&env);
    let holders = format!("[\"{holder}\"]");
    let app = |status: &str, at: &str| {
        fixture_row(
            "application",
            0,
            &[
                ("client_application_id", "app-1"),
                ("account_holders", holders.as_str()),
                ("authorized_signers", ""),
                ("status", status),
                ("decided_at", if status == "submitted" { "" } else { at }),
                (
                    "decision_reason",
                    if status == "submitted" { "" } else { "policy" },
                ),
                ("effective_at", at),
            ],
        )
    };
    let (h, first) = app("submitted", "2026-03-03T10:00:00Z");
    let f = write(&env, "2026-03-03_application_v1.csv", &h, &[first]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    let (_, older) = app("submitted", "2026-03-01T10:00:00Z");
    let f = write(&env, "2026-03-04_application_v1.csv", &h, &[older]);
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("application/failed/2026-03-04_application_v1.csv")),
        vec![t(
            "2",
            "effective_at",
            "outdated_update",
            "2026-03-01T10:00:00Z"
        )]
    );
    let (_, approved) = app("approved", "2026-03-04T10:00:00Z");
    let f = write(&env, "2026-03-04_application_v2.csv", &h, &[approved]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    let (_, reopened) = app("submitted", "2026-03-05T10:00:00Z");
    let f = write(&env, "2026-03-05_application_v1.csv", &h, &[reopened]);
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("application/failed/2026-03-05_application_v1.csv")),
        vec![t("2", "status", "terminal_record", "submitted")]
    );
}

#[test]
fn a_held_file_is_released_at_its_deadline() {
    // D7: a transaction file waits for the balance file of its day the partner is expected to
    // send; `bankdrop ingest` decides what still waits, once nothing else can go, as at its
    // deadline, and the status file says so.
    let env = Env::new("");
    let cfg = env.dir().join("bankdrop.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        format!("{text}\n[pipeline]\nexpected_types = [\"balance\"]\n"),
    )
    .unwrap();
    // Files dated in two days: their deadline (06:00 CT that day) is still ahead, so the file
    // waits.
    let day = (chrono::Utc::now() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let d1 = day.as_str();
    let prog = env.dir().join("today");
    env.ok(&[
        "gen",
        "--program",
        "deposit",
        "--days",
        "1",
        "--accounts",
        "2",
        "--start",
        d1,
        "--out",
        prog.to_str().unwrap(),
    ]);
    let (code, out) = env.ingest(&[file(&prog, d1, "customer"), file(&prog, d1, "account")]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = env.ingest(&[file(&prog, d1, "transaction")]);
    let status = ["processed", "failed"]
        .iter()
        .map(|s| {
            env.root().join(format!(
                "transaction/{s}/{d1}_transaction_v1.csv.status.json"
            ))
        })
        .find(|p| p.exists())
        .map(|p| common::status_json(&p))
        .unwrap_or_else(|| panic!("not decided: {code} {out}"));
    assert_eq!(status["held"]["released"], "deadline", "{status}");
    assert_eq!(status["held"]["waited_for"][0], "balance", "{status}");
}
