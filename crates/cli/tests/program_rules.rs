//! Issue 14: the rules the bank enforces across files (record lifecycles) and the future rules it
//! has announced (spec 02 §6.2, spec 03 §4.2 and §8.2, spec 04 §2.2), each switched per program
//! `off`, `warn` (the default) or `reject`, all through `bankdrop ingest` with the row, column
//! and code the partner sees.

mod common;

use common::program::*;

#[test]
fn a_future_rule_warns_by_default_and_each_program_turns_it_off_or_on() {
    // spec 04 §2.2 (Invalid Namespace, CF1): `card_` is reserved for the bank's card ids.
    for (program, outcome) in [
        ("", Some("warn")),
        ("future_rules = { CF1 = \"off\" }", None),
        ("future_rules = { CF1 = \"reject\" }", Some("reject")),
        ("future_default = \"reject\"", Some("reject")),
    ] {
        let env = Env::new(program);
        let (acct, holder, _) = first_day_people(&env);
        let (ch, row) = card("card_0001", &acct, &holder, &[]);
        let f = write(&env, "2026-03-03_card_v1.csv", &ch, &[row]);
        let (code, out) = env.ingest(&[f]);
        match outcome {
            Some("reject") => {
                assert_eq!(code, 1, "{program}: {out}");
                let errors = env.errors("card/failed/2026-03-03_card_v1.csv");
                assert_eq!(
                    brief(&errors),
                    vec![t("2", "client_card_id", "invalid_namespace", "card_0001")],
                    "{program}"
                );
                assert!(errors[0][3].contains("future rule CF1"), "{:?}", errors[0]);
            }
            Some(_) => {
                assert_eq!(code, 0, "{program}: {out}");
                assert_eq!(
                    env.warnings("card/processed/2026-03-03_card_v1.csv"),
                    [(2, "client_card_id".into(), "invalid_namespace".into())],
                    "{program}"
                );
            }
            None => {
                assert_eq!(code, 0, "{program}: {out}");
                assert!(
                    env.warnings("card/processed/2026-03-03_card_v1.csv")
                        .is_empty(),
                    "{program}"
                );
            }
        }
    }
    // A rule id no schema has is refused before any file is read: a typo would leave the rule
    // in its default mode without a word.
    let env = Env::new("future_rules = { CF9 = \"reject\" }");
    let (ch, row) = card("card-1", "acct", "holder", &[]);
    let f = write(&env, "2026-03-03_card_v1.csv", &ch, &[row]);
    let (code, out) = env.ingest(&[f]);
    assert_ne!(code, 0);
    assert!(out.contains("no future rule `CF9`"), "{out}");
}

#[test]
fn a_closed_card_stays_closed_and_a_card_on_a_closed_account_must_close() {
    let env = Env::new("");
    let (acct, holder, _) = first_day_people(&env);
    let (ch, open) = card("card-1", &acct, &holder, &[]);
    let f = write(
        &env,
        "2026-03-03_card_v1.csv",
        &ch,
        std::slice::from_ref(&open),
    );
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    // The account closes.
    let prog = env.dir().join("prog");
    let (ah, accounts) = read_rows(&file(&prog, "2026-03-02", "account"));
    let mut closed = accounts[0].clone();
    set(&ah, &mut closed, "status", "closed");
    set(&ah, &mut closed, "status_reason", "paid_off");
    set(&ah, &mut closed, "effective_at", "2026-03-04T00:00:00Z");
    let f = write(&env, "2026-03-04_account_v1.csv", &ah, &[closed]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    // spec 04 §2.1: an update keeping the card open on the closed account is refused ...
    let mut renamed = open.clone();
    set(&ch, &mut renamed, "client_card_product_name", "Renamed");
    let f = write(&env, "2026-03-05_card_v1.csv", &ch, &[renamed]);
    assert_eq!(env.ingest(&[f]).0, 1);
    let errors = env.errors("card/failed/2026-03-05_card_v1.csv");
    assert_eq!(
        brief(&errors),
        vec![t("2", "account_id", "disallowed_state", &acct)]
    );
    assert!(
        errors[0][3].contains("is status `closed`"),
        "{:?}",
        errors[0]
    );
    // ... a new card on it is warned about (future rule CF4) ...
    let (_, new) = card("card-2", &acct, &holder, &[]);
    // ... and closing the card is what the bank asks for.
    let (_, close) = card(
        "card-1",
        &acct,
        &holder,
        &[
            ("card_status", "closed"),
            ("closed_at", "2026-03-05T10:00:00Z"),
            ("closed_reason", "account closed"),
        ],
    );
    let f = write(&env, "2026-03-05_card_v2.csv", &ch, &[close.clone(), new]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        env.warnings("card/processed/2026-03-05_card_v2.csv"),
        [(3, "account_id".into(), "disallowed_state".into())]
    );
    // spec 04 §1.3: a closed card is never re-opened; the same closed row again is no change.
    let mut reopened = open;
    set(&ch, &mut reopened, "client_card_product_name", "Reopened");
    let f = write(&env, "2026-03-06_card_v1.csv", &ch, &[reopened]);
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("card/failed/2026-03-06_card_v1.csv")),
        vec![
            t("2", "card_status", "terminal_record", "active"),
            t("2", "account_id", "disallowed_state", &acct)
        ]
    );
    let f = write(&env, "2026-03-06_card_v2.csv", &ch, &[close]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn card_fields_are_immutable_once_set_when_the_program_enforces_cf3() {
    // spec 04 §2.2 (Updates not allowed on Immutable Fields): read as "cannot change once set".
    for (program, rejected) in [("", false), ("future_rules = { CF3 = \"reject\" }", true)] {
        let env = Env::new(program);
        let (acct, holder, _) = first_day_people(&env);
        let (ch, first) = card("card-1", &acct, &holder, &[]);
        let f = write(&env, "2026-03-03_card_v1.csv", &ch, &[first]);
        let (code, out) = env.ingest(&[f]);
        assert_eq!(code, 0, "{out}");
        let (_, changed) = card("card-1", &acct, &holder, &[("card_type", "commercial")]);
        let f = write(&env, "2026-03-04_card_v1.csv", &ch, &[changed]);
        let (code, out) = env.ingest(&[f]);
        if rejected {
            assert_eq!(code, 1, "{out}");
            assert_eq!(
                brief(&env.errors("card/failed/2026-03-04_card_v1.csv")),
                vec![t("2", "card_type", "immutable_field", "commercial")]
            );
        } else {
            assert_eq!(code, 0, "{out}");
            assert_eq!(
                env.warnings("card/processed/2026-03-04_card_v1.csv"),
                [(2, "card_type".into(), "immutable_field".into())]
            );
        }
    }
}

#[test]
fn balances_never_leave_a_terminal_status_and_keep_their_type() {
    // spec 05 §2.2 (terminal statuses), §4.3 (type, account_id, created_at immutable).
    let env = Env::new("");
    let prog = env.program(3, 2);
    let (code, out) = env.ingest(&day(&prog, "2026-03-02"));
    assert_eq!(code, 0, "{out}");
    // Day 2: the first balance closes; the second changes its type.
    let (bh, rows) = read_rows(&file(&prog, "2026-03-03", "balance"));
    let mut day2 = rows.clone();
    set(&bh, &mut day2[0], "status", "closed");
    set(&bh, &mut day2[0], "status_reason", "client_closed");
    let was = get(&bh, &rows[1], "type").to_string();
    let other = if was == "credit" { "deposit" } else { "credit" };
    let mut retyped = day2.clone();
    set(&bh, &mut retyped[1], "type", other);
    let f = write(&env, "2026-03-03_balance_v1.csv", &bh, &retyped);
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("balance/failed/2026-03-03_balance_v1.csv")),
        vec![t("3", "type", "immutable_field", other)]
    );
    let f = write(&env, "2026-03-03_balance_v2.csv", &bh, &day2);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    // Day 3: the closed balance is reported again, active: refused.
    let (_, rows3) = read_rows(&file(&prog, "2026-03-04", "balance"));
    let f = write(&env, "2026-03-04_balance_v1.csv", &bh, &rows3);
    assert_eq!(env.ingest(&[f]).0, 1);
    let got = brief(&env.errors("balance/failed/2026-03-04_balance_v1.csv"));
    assert_eq!(got, vec![t("2", "status", "terminal_record", "active")]);
}

#[test]
fn applications_and_accounts_follow_their_rules_across_files() {
    let env = Env::new("");
    let (_, holder, _) = first_day_people(&env);
    let holders = format!("[\"{holder}\"]");
    // Applications: a reserved prefix (AF1) and a credit limit over its maximum (AF3) are
    // warned about; the file is accepted.
    let app = |id: &str, status: &str, set: &[(&str, &str)]| {
        let mut cells = vec![
            ("client_application_id", id),
            ("account_holders", holders.as_str()),
            ("authorized_signers", ""),
            ("status", status),
            ("credit_limit", ""),
            ("max_credit_limit", ""),
        ];
        cells.extend_from_slice(set);
        fixture_row("application", 0, &cells)
    };
    let (aph, submitted) = app("app-1", "submitted", &[]);
    let (_, reserved) = app(
        "application_2",
        "submitted",
        &[("credit_limit", "900.00"), ("max_credit_limit", "500.00")],
    );
    let f = write(
        &env,
        "2026-03-03_application_v1.csv",
        &aph,
        &[submitted, reserved],
    );
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        env.warnings("application/processed/2026-03-03_application_v1.csv"),
        [
            (
                3,
                "client_application_id".into(),
                "invalid_namespace".into()
            ),
            (3, "credit_limit".into(), "comparison".into())
        ]
    );
    // An account from an application that is not approved is refused (spec 01 §6.2); a
    // reserved account id (AcF1) and a credit limit over its maximum (AcF3) are warned about.
    let prog = env.dir().join("prog");
    let (ah, accounts) = read_rows(&file(&prog, "2026-03-02", "account"));
    let mut new = accounts[1].clone();
    set(&ah, &mut new, "client_account_id", "account_9");
    set(&ah, &mut new, "application_id", "app-1");
    set(&ah, &mut new, "credit_limit", "900.00");
    set(&ah, &mut new, "max_credit_limit", "500.00");
    let f = write(&env, "2026-03-04_account_v1.csv", &ah, &[new.clone()]);
    assert_eq!(env.ingest(&[f]).0, 1);
    let errors = env.errors("account/failed/2026-03-04_account_v1.csv");
    assert_eq!(
        brief(&errors),
        vec![t("2", "application_id", "disallowed_state", "app-1")]
    );
    assert!(
        errors[0][3].contains("approved application"),
        "{:?}",
        errors[0]
    );
    // Approved, the same account is created, with the two warnings.
    let (_, approved) = app(
        "app-1",
        "approved",
        &[
            ("decided_at", "2026-03-04T09:00:00Z"),
            ("decision_reason", "approved by underwriting"),
            ("effective_at", "2026-03-04T09:00:00Z"),
        ],
    );
    let f = write(&env, "2026-03-04_application_v1.csv", &aph, &[approved]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(
        code,
        0,
        "{out} {:?}",
        env.errors("application/failed/2026-03-04_application_v1.csv")
    );
    let f = write(&env, "2026-03-04_account_v2.csv", &ah, &[new]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        env.warnings("account/processed/2026-03-04_account_v2.csv"),
        [
            (2, "client_account_id".into(), "invalid_namespace".into()),
            (2, "credit_limit".into(), "comparison".into())
        ]
    );
}

#[test]
fn users_collaterals_and_transactions_on_closed_records() {
    let env = Env::new("");
    let prog = env.program(2, 3);
    let (code, out) = env.ingest(&day(&prog, "2026-03-02"));
    assert_eq!(code, 0, "{out}");
    let (ah, accounts) = read_rows(&file(&prog, "2026-03-02", "account"));
    let (_, customers) = read_rows(&file(&prog, "2026-03-02", "customer"));
    let (acct, other) = (accounts[0][0].clone(), customers[1][0].clone());
    // An authorized user and a collateral on the open account.
    let user = |status: &str, at: &str| {
        fixture_row(
            "authorized_user",
            0,
            &[
                ("account_id", &acct),
                ("entity_id", &other),
                ("status", status),
                ("effective_at", at),
            ],
        )
    };
    let (uh, active) = user("active", "2026-03-02T10:00:00Z");
    let f = write(&env, "2026-03-02_authorized_user_v1.csv", &uh, &[active]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    let collateral = |id: &str, kind: &str| {
        fixture_row(
            "collateral",
            0,
            &[
                ("client_collateral_id", id),
                ("account_id", &acct),
                ("balance_id", ""),
                ("type", kind),
            ],
        )
    };
    let (ch, real_estate) = collateral("col-1", "real_estate");
    let f = write(&env, "2026-03-02_collateral_v1.csv", &ch, &[real_estate]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    // A collateral's type is immutable (spec 02 §7.1).
    let (_, mut retyped) = collateral("col-1", "deposit_balance");
    let (bh, balances) = read_rows(&file(&prog, "2026-03-02", "balance"));
    let pledged = get(&bh, &balances[0], "client_balance_id").to_string();
    set(&ch, &mut retyped, "balance_id", &pledged);
    let f = write(&env, "2026-03-03_collateral_v1.csv", &ch, &[retyped]);
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("collateral/failed/2026-03-03_collateral_v1.csv")),
        vec![t("2", "type", "immutable_field", "deposit_balance")]
    );
    // The account closes on day 2.
    let mut closed = accounts[0].clone();
    set(&ah, &mut closed, "status", "closed");
    set(&ah, &mut closed, "status_reason", "paid_off");
    set(&ah, &mut closed, "effective_at", "2026-03-03T00:00:00Z");
    let f = write(&env, "2026-03-03_account_v1.csv", &ah, &[closed]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    // A new collateral on the closed account is refused (spec 02 §7.1) ...
    let (_, late) = collateral("col-2", "real_estate");
    let f = write(&env, "2026-03-03_collateral_v2.csv", &ch, &[late]);
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("collateral/failed/2026-03-03_collateral_v2.csv")),
        vec![t("2", "account_id", "disallowed_state", &acct)]
    );
    // ... and an update keeping its authorized user active is warned about (AuF1).
    let (_, still) = user("active", "2026-03-03T10:00:00Z");
    let f = write(&env, "2026-03-03_authorized_user_v1.csv", &uh, &[still]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        env.warnings("authorized_user/processed/2026-03-03_authorized_user_v1.csv"),
        [(2, "account_id".into(), "disallowed_state".into())]
    );
    // A transaction on a closed balance of a closed account is flagged twice
    // (closed_balance_activity, closed_account_activity: warnings by default).
    let (_, balances) = read_rows(&file(&prog, "2026-03-03", "balance"));
    let mut day2 = balances.clone();
    set(&bh, &mut day2[0], "status", "closed");
    set(&bh, &mut day2[0], "status_reason", "client_closed");
    let closed_balance = get(&bh, &day2[0], "client_balance_id").to_string();
    // A new balance on the closed account is refused (spec 01 §6.2: only active accounts).
    let mut opened = day2[1].clone();
    set(&bh, &mut opened, "client_balance_id", "bal-new-1");
    set(&bh, &mut opened, "account_id", &acct);
    let mut with_new = day2.clone();
    with_new.push(opened);
    let f = write(&env, "2026-03-03_balance_v1.csv", &bh, &with_new);
    assert_eq!(env.ingest(&[f]).0, 1);
    let row = (with_new.len() + 1).to_string();
    assert_eq!(
        brief(&env.errors("balance/failed/2026-03-03_balance_v1.csv")),
        vec![t(&row, "account_id", "disallowed_state", &acct)]
    );
    let f = write(&env, "2026-03-03_balance_v2.csv", &bh, &day2);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    // A collateral pledging the closed balance is refused (spec 02 §7.1).
    let other_acct = accounts[1][0].clone();
    let (_, mut pledge) = collateral("col-3", "deposit_balance");
    set(&ch, &mut pledge, "account_id", &other_acct);
    set(&ch, &mut pledge, "balance_id", &closed_balance);
    let f = write(&env, "2026-03-03_collateral_v3.csv", &ch, &[pledge]);
    assert_eq!(env.ingest(&[f]).0, 1);
    let errors = brief(&env.errors("collateral/failed/2026-03-03_collateral_v3.csv"));
    assert!(
        errors.contains(&t("2", "balance_id", "disallowed_state", &closed_balance)),
        "{errors:?}"
    );
    // An open deposit balance, but of another account than the collateral's (spec 02 §7.1).
    let open = day2
        .iter()
        .skip(1)
        .find(|b| get(&bh, b, "account_id") != other_acct)
        .unwrap();
    let open_balance = get(&bh, open, "client_balance_id").to_string();
    let (_, mut foreign) = collateral("col-4", "deposit_balance");
    set(&ch, &mut foreign, "account_id", &other_acct);
    set(&ch, &mut foreign, "balance_id", &open_balance);
    let f = write(&env, "2026-03-03_collateral_v4.csv", &ch, &[foreign]);
    assert_eq!(env.ingest(&[f]).0, 1);
    let errors = env.errors("collateral/failed/2026-03-03_collateral_v4.csv");
    assert_eq!(
        brief(&errors),
        vec![t("2", "balance_id", "disallowed_state", &open_balance)]
    );
    assert!(errors[0][3].contains("own account"), "{:?}", errors[0]);
    let (th, mut txs) = read_rows(&file(&prog, "2026-03-03", "transaction"));
    txs.truncate(1);
    set(&th, &mut txs[0], "balance_id", &closed_balance);
    set(&th, &mut txs[0], "client_transaction_id", "late-refund-1");
    let f = write(&env, "2026-03-04_transaction_v1.csv", &th, &txs);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        env.warnings("transaction/processed/2026-03-04_transaction_v1.csv"),
        [
            (2, "balance_id".into(), "disallowed_state".into()),
            (2, "balance_id".into(), "disallowed_state".into())
        ]
    );
    let status = env.status("transaction/processed/2026-03-04_transaction_v1.csv");
    let messages: Vec<&str> = status["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap())
        .collect();
    assert!(
        messages[0].contains("future rule closed_balance_activity"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains("'s account is status `closed`")
            && messages[1].contains("future rule closed_account_activity"),
        "{messages:?}"
    );
}

#[test]
fn a_program_has_its_own_transaction_types() {
    // spec 05 §6.5: the type tables are per program (NOT SEEN); `[program] transaction_types`
    // replaces the documented list for transaction and non-posted files.
    let documented = "\"debit\", \"credit\", \"refund\", \"rewards_earned\", \"rewards_spent\", \
        \"rewards_redeemed\", \"interest_accrued\", \"interest_paid\", \"dispute_provisional\", \
        \"dispute_won\", \"dispute_lost\", \"charge_off\", \"charge_off_recovery\", \"fee\", \
        \"disbursement\"";
    let own = format!("transaction_types = [{documented}, \"cashback\"]");
    for (program, accepted) in [("", false), (own.as_str(), true)] {
        let env = Env::new(program);
        let prog = env.program(2, 2);
        let (code, out) = env.ingest(&day(&prog, "2026-03-02"));
        assert_eq!(code, 0, "{program}: {out}");
        let (th, mut txs) = read_rows(&file(&prog, "2026-03-03", "transaction"));
        txs.truncate(1);
        set(&th, &mut txs[0], "type", "cashback");
        let f = write(&env, "2026-03-03_transaction_v1.csv", &th, &txs);
        let (code, out) = env.ingest(&[f]);
        if accepted {
            assert_eq!(code, 0, "{program}: {out}");
        } else {
            assert_eq!(code, 1, "{out}");
            assert_eq!(
                brief(&env.errors("transaction/failed/2026-03-03_transaction_v1.csv")),
                vec![t("2", "type", "enum", "cashback")]
            );
        }
    }
}

#[test]
fn a_transaction_update_names_an_earlier_days_transaction_unless_the_program_allows_it() {
    // spec 05 §8.3 (open question; recommended: updates follow at least a day later).
    for (program, allowed) in [("", false), ("same_day_transaction_updates = true", true)] {
        let env = Env::new(program);
        let prog = env.program(2, 2);
        let (code, out) = env.ingest(&day(&prog, "2026-03-02"));
        assert_eq!(code, 0, "{out}");
        let (code, out) = env.ingest(&day(&prog, "2026-03-03"));
        assert_eq!(code, 0, "{out}");
        let (_, today) = read_rows(&file(&prog, "2026-03-03", "transaction"));
        let (_, yesterday) = read_rows(&file(&prog, "2026-03-02", "transaction"));
        let update = |id: &str| {
            fixture_row(
                "transaction_update",
                0,
                &[("transaction_id", id), ("settlement_date", "2026-03-05")],
            )
        };
        let (uh, same) = update(&today[0][0]);
        let (_, earlier) = update(&yesterday[0][0]);
        let f = write(
            &env,
            "2026-03-03_transaction_update_v1.csv",
            &uh,
            &[earlier, same],
        );
        let (code, out) = env.ingest(&[f]);
        if allowed {
            assert_eq!(code, 0, "{program}: {out}");
        } else {
            assert_eq!(code, 1, "{out}");
            assert_eq!(
                brief(
                    &env.errors("transaction_update/failed/2026-03-03_transaction_update_v1.csv")
                ),
                vec![t("3", "transaction_id", "same_day_update", &today[0][0])]
            );
        }
    }
}

#[test]
fn a_collateral_pledges_a_deposit_balance() {
    // spec 02 §7.1: a deposit_balance collateral pledges a balance of type deposit.
    let env = Env::new("");
    let prog = env.dir().join("credit");
    env.ok(&[
        "gen",
        "--program",
        "credit",
        "--days",
        "1",
        "--accounts",
        "2",
        "--start",
        "2026-03-02",
        "--out",
        prog.to_str().unwrap(),
    ]);
    let (code, out) = env.ingest(&day(&prog, "2026-03-02"));
    assert_eq!(code, 0, "{out}");
    let (bh, balances) = read_rows(&file(&prog, "2026-03-02", "balance"));
    let credit = &balances[0];
    assert_eq!(get(&bh, credit, "type"), "credit");
    let (ch, pledge) = fixture_row(
        "collateral",
        0,
        &[
            ("client_collateral_id", "col-1"),
            ("account_id", get(&bh, credit, "account_id")),
            ("balance_id", get(&bh, credit, "client_balance_id")),
            ("type", "deposit_balance"),
        ],
    );
    let f = write(&env, "2026-03-02_collateral_v1.csv", &ch, &[pledge]);
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("collateral/failed/2026-03-02_collateral_v1.csv")),
        vec![t(
            "2",
            "balance_id",
            "disallowed_state",
            get(&bh, credit, "client_balance_id")
        )]
    );
}

#[test]
fn a_balance_is_pledged_by_one_collateral_at_most() {
    // spec 02 §7.1: at most one active collateral per balance_id (every collateral is active:
    // no status column was seen).
    let env = Env::new("");
    let prog = env.program(1, 2);
    let (code, out) = env.ingest(&day(&prog, "2026-03-02"));
    assert_eq!(code, 0, "{out}");
    let (bh, balances) = read_rows(&file(&prog, "2026-03-02", "balance"));
    let deposit: Vec<&Vec<String>> = balances
        .iter()
        .filter(|b| get(&bh, b, "type") == "deposit")
        .collect();
    assert!(deposit.len() >= 2, "two deposit balances to pledge");
    let pledge = |id: &str, b: &[String]| {
        fixture_row(
            "collateral",
            0,
            &[
                ("client_collateral_id", id),
                ("account_id", get(&bh, b, "account_id")),
                ("balance_id", get(&bh, b, "client_balance_id")),
                ("type", "deposit_balance"),
            ],
        )
        .1
    };
    let (ch, _) = fixture_row("collateral", 0, &[]);
    let (b1, b2) = (deposit[0], deposit[1]);
    let name1 = get(&bh, b1, "client_balance_id");
    let name2 = get(&bh, b2, "client_balance_id");
    let f = write(
        &env,
        "2026-03-02_collateral_v1.csv",
        &ch,
        &[pledge("col-1", b1)],
    );
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    // A second collateral on the pledged balance is refused, as is a balance two new
    // collaterals of one file pledge; col-1 sent again with its own balance is no conflict.
    let f = write(
        &env,
        "2026-03-03_collateral_v1.csv",
        &ch,
        &[
            pledge("col-1", b1),
            pledge("col-2", b1),
            pledge("col-3", b2),
            pledge("col-4", b2),
        ],
    );
    assert_eq!(env.ingest(&[f]).0, 1);
    let errors = env.errors("collateral/failed/2026-03-03_collateral_v1.csv");
    assert_eq!(
        brief(&errors),
        vec![
            t("3", "balance_id", "already_taken", name1),
            t("5", "balance_id", "already_taken", name2)
        ]
    );
    assert!(
        errors[0][3].contains("held by collateral `col-1`"),
        "{:?}",
        errors[0]
    );
    assert!(
        errors[1][3].contains("held by collateral `col-3`"),
        "{:?}",
        errors[1]
    );
    // col-1 moves to the other balance: the first is free again.
    let f = write(
        &env,
        "2026-03-03_collateral_v2.csv",
        &ch,
        &[pledge("col-1", b2)],
    );
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    let f = write(
        &env,
        "2026-03-04_collateral_v1.csv",
        &ch,
        &[pledge("col-2", b1)],
    );
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    let f = write(
        &env,
        "2026-03-05_collateral_v1.csv",
        &ch,
        &[pledge("col-3", b2)],
    );
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("collateral/failed/2026-03-05_collateral_v1.csv")),
        vec![t("2", "balance_id", "already_taken", name2)]
    );
}

#[test]
fn a_program_lists_transaction_types_per_balance_type() {
    // spec 05 §6.5: the type tables are configuration "per balance type"; deposit balances
    // take the types of the deposit formulas there, not `fee` or `disbursement` (credit ones).
    let env = Env::new(
        "transaction_types_by_balance = { deposit = [\"debit\", \"credit\", \"refund\", \
         \"rewards_earned\", \"rewards_spent\", \"rewards_redeemed\", \"interest_accrued\", \
         \"interest_paid\", \"dispute_provisional\", \"dispute_won\", \"dispute_lost\", \
         \"charge_off\", \"charge_off_recovery\"] }",
    );
    let prog = env.program(2, 2);
    let (code, out) = env.ingest(&day(&prog, "2026-03-02"));
    assert_eq!(code, 0, "{out}");
    let (bh, balances) = read_rows(&file(&prog, "2026-03-02", "balance"));
    let deposit = balances
        .iter()
        .find(|b| get(&bh, b, "type") == "deposit")
        .unwrap();
    let id = get(&bh, deposit, "client_balance_id");
    let (th, mut txs) = read_rows(&file(&prog, "2026-03-03", "transaction"));
    txs.truncate(2);
    for (i, kind) in ["debit", "disbursement"].iter().enumerate() {
        set(&th, &mut txs[i], "balance_id", id);
        set(&th, &mut txs[i], "type", kind);
    }
    let f = write(&env, "2026-03-03_transaction_v1.csv", &th, &txs);
    assert_eq!(env.ingest(&[f]).0, 1);
    let errors = env.errors("transaction/failed/2026-03-03_transaction_v1.csv");
    assert_eq!(
        brief(&errors),
        vec![t("3", "type", "type_not_for_balance", "disbursement")]
    );
    assert!(
        errors[0][3].contains("`deposit` balance"),
        "{:?}",
        errors[0]
    );
    txs.truncate(1);
    let f = write(&env, "2026-03-03_transaction_v2.csv", &th, &txs);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    // A balance type or transaction type the schemas do not have is refused before any file.
    for (bad, says) in [
        ("{ savings = [\"debit\"] }", "no balance type `savings`"),
        (
            "{ deposit = [\"cashback\"] }",
            "`cashback` is not one of the program's",
        ),
    ] {
        let env = Env::new(&format!("transaction_types_by_balance = {bad}"));
        let f = write(&env, "2026-03-03_transaction_v1.csv", &th, &txs);
        let (code, out) = env.ingest(&[f]);
        assert_ne!(code, 0);
        assert!(out.contains(says), "{out}");
    }
}

#[test]
fn entity_roles_follow_the_customer_type_where_the_customer_file_gives_it() {
    // spec 03 §4.1 (A6: approved applications), §8.1 (Ac6: accounts), §11.1 (holders cannot mix
    // individuals with business or sole proprietor entities), spec 02 §3 (a business or sole
    // proprietor may hold the account_holder role only).
    let env = Env::new("");
    let (ind, biz, sole) = (
        fixture_row("customer", 0, &[("client_customer_id", "ind-1")]),
        fixture_row("customer", 1, &[("client_customer_id", "biz-1")]),
        fixture_row("customer", 3, &[("client_customer_id", "sole-1")]),
    );
    let f = write(
        &env,
        "2026-03-02_customer_v1.csv",
        &ind.0,
        &[ind.1, biz.1, sole.1],
    );
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    let app = |id: &str, status: &str, kind: &str, holders: &str, signers: &str| {
        let decided = status == "approved";
        fixture_row(
            "application",
            0,
            &[
                ("client_application_id", id),
                ("account_holder_type", kind),
                ("account_holders", holders),
                ("authorized_signers", signers),
                ("status", status),
                (
                    "decided_at",
                    if decided { "2026-03-03T09:00:00Z" } else { "" },
                ),
                ("decision_reason", if decided { "policy" } else { "" }),
                ("credit_limit", ""),
                ("max_credit_limit", ""),
            ],
        )
    };
    let (ah, signer_biz) = app(
        "app-1",
        "approved",
        "commercial",
        "[\"biz-1\"]",
        "[\"biz-1\"]",
    );
    let (_, mixed) = app(
        "app-2",
        "approved",
        "consumer",
        "[\"ind-1\",\"sole-1\"]",
        "",
    );
    let (_, pending_mix) = app(
        "app-3",
        "submitted",
        "consumer",
        "[\"ind-1\",\"biz-1\"]",
        "",
    );
    let (_, fine) = app(
        "app-4",
        "approved",
        "commercial",
        "[\"biz-1\",\"sole-1\"]",
        "[\"ind-1\"]",
    );
    let f = write(
        &env,
        "2026-03-03_application_v1.csv",
        &ah,
        &[signer_biz, mixed, pending_mix, fine],
    );
    assert_eq!(env.ingest(&[f]).0, 1);
    let errors = env.errors("application/failed/2026-03-03_application_v1.csv");
    let mut got = brief(&errors);
    got.sort();
    assert_eq!(
        got,
        vec![
            t("2", "authorized_signers", "entity_role_mismatch", "biz-1"),
            t("3", "account_holders", "entity_role_mismatch", "sole-1"),
        ],
        "{errors:?}"
    );
    // Accounts (Ac6), whatever their status: signers and users individuals, holders of one kind;
    // an Entity API id (registered, no type known) is not checked.
    env.ok(&[
        "registry",
        "add",
        "--partner",
        "acme",
        "--kind",
        "entity",
        "ent-9",
    ]);
    let (kh, base) = fixture_row("account", 0, &[("application_id", "")]);
    let account = |id: &str, holders: &str, signers: &str, users: &str| {
        let mut row = base.clone();
        set(&kh, &mut row, "client_account_id", id);
        set(&kh, &mut row, "account_holders", holders);
        set(&kh, &mut row, "authorized_signers", signers);
        set(&kh, &mut row, "authorized_users", users);
        row
    };
    let rows = [
        account("acct-1", "[\"ind-1\",\"biz-1\"]", "", ""),
        account("acct-2", "[\"biz-1\"]", "[\"sole-1\"]", ""),
        account("acct-3", "[\"ind-1\"]", "", "[\"biz-1\"]"),
        account(
            "acct-4",
            "[\"ind-1\",\"ent-9\"]",
            "[\"ind-1\"]",
            "[\"ent-9\"]",
        ),
    ];
    let f = write(&env, "2026-03-03_account_v1.csv", &kh, &rows);
    assert_eq!(env.ingest(&[f]).0, 1);
    let errors = env.errors("account/failed/2026-03-03_account_v1.csv");
    let mut got = brief(&errors);
    got.sort();
    assert_eq!(
        got,
        vec![
            t("2", "account_holders", "entity_role_mismatch", "biz-1"),
            t("3", "authorized_signers", "entity_role_mismatch", "sole-1"),
            t("4", "authorized_users", "entity_role_mismatch", "biz-1"),
        ],
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e[3].contains("only an individual may be an authorized signer")),
        "{errors:?}"
    );
}
