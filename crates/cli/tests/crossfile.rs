//! Every cross-file error (D7, D8, D9; spec 02 §4.4, §8, spec 03 §10, spec 04 §1.4, spec 05 §3.1,
//! §3.2, §8) triggered through `bankdrop ingest`, with the row, column, code and value the
//! partner sees in `errors.csv` — and the D7 order: a day's files given in any order are
//! processed customer → account → balance → transaction.

mod common;

use common::errors_csv_rows;
use common::program::*;

#[test]
fn a_days_files_in_any_order_are_processed_in_dependency_order() {
    let env = Env::new("");
    let prog = env.program(2, 3);
    let mut files = day(&prog, "2026-03-02");
    // Transactions first, customers last: the opposite of D7's order.
    files.reverse();
    let (code, out) = env.ingest(&files);
    assert_eq!(code, 0, "{out}");
    // The transaction file waited for every file its date's balances depend on, and says so.
    let s = env.status("transaction/processed/2026-03-02_transaction_v1.csv");
    assert_eq!(s["outcome"], "accepted");
    assert_eq!(
        s["held"]["waited_for"],
        serde_json::json!(["customer", "account", "balance"])
    );
    assert_eq!(s["held"]["released"], "prerequisites decided");
    let s = env.status("balance/processed/2026-03-02_balance_v1.csv");
    assert_eq!(s["held"]["waited_for"], serde_json::json!(["account"]));
    // The customer file waits for nothing; the account file came after it.
    for t in ["customer", "account"] {
        let s = env.status(&format!("{t}/processed/2026-03-02_{t}_v1.csv"));
        assert!(s.get("held").is_none(), "{t}: {s}");
    }
}

#[test]
fn unknown_accounts_balances_and_cards_reject_the_file_row_by_row() {
    let env = Env::new("");
    let prog = env.program(2, 3);
    let d1 = "2026-03-02";
    let (code, out) = env.ingest(&[file(&prog, d1, "customer"), file(&prog, d1, "account")]);
    assert_eq!(code, 0, "{out}");
    // A balance on an account nobody sent (spec 03 §10).
    let (header, mut rows) = read_rows(&file(&prog, d1, "balance"));
    set(&header, &mut rows[1], "account_id", "acct-nobody");
    let f = write(&env, "2026-03-02_balance_v1.csv", &header, &rows);
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("balance/failed/2026-03-02_balance_v1.csv")),
        vec![t("3", "account_id", "unknown_reference", "acct-nobody")]
    );
    // The corrected v2 is accepted; then a transaction on an unknown balance and one naming an
    // unknown card (spec 05 Appendix C, spec 04 §1.4).
    let (code, out) = env.ingest(&[resend(&env, &file(&prog, d1, "balance"), 2)]);
    assert_eq!(code, 0, "{out}");
    let (header, mut rows) = read_rows(&file(&prog, d1, "transaction"));
    set(&header, &mut rows[0], "balance_id", "bal-nobody");
    set(&header, &mut rows[2], "card_id", "card-nobody");
    let f = write(&env, "2026-03-02_transaction_v2.csv", &header, &rows);
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("transaction/failed/2026-03-02_transaction_v2.csv")),
        vec![
            t("2", "balance_id", "unknown_reference", "bal-nobody"),
            t("4", "card_id", "unknown_reference", "card-nobody"),
        ]
    );
    // Nothing of the rejected file was applied: its ids are still free for a corrected file.
    let (code, out) = env.ingest(&[file(&prog, d1, "transaction")]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn account_holders_must_exist_for_closed_accounts_and_are_warned_about_otherwise() {
    let env = Env::new("");
    let prog = env.program(1, 3);
    let d1 = "2026-03-02";
    // The customer file is rejected (a bad enum), so its customers are never visible (D8).
    let (header, mut rows) = read_rows(&file(&prog, d1, "customer"));
    set(&header, &mut rows[0], "customer_type", "person");
    let bad = write(&env, "2026-03-02_customer_v1.csv", &header, &rows);
    let (header, mut rows) = read_rows(&file(&prog, d1, "account"));
    set(&header, &mut rows[1], "status", "closed");
    set(&header, &mut rows[1], "status_reason", "paid_off");
    let holder1 = get(&header, &rows[1], "account_holders").to_string();
    let account = write(&env, "2026-03-02_account_v1.csv", &header, &rows);
    let (code, _) = env.ingest(&[bad, account]);
    assert_eq!(code, 1);
    let errors = brief(&env.errors("account/failed/2026-03-02_account_v1.csv"));
    let holder1 = holder1.trim_matches(|c| "[]\"".contains(c)).to_string();
    assert_eq!(
        errors,
        vec![t("3", "account_holders", "unknown_reference", &holder1)]
    );
    // The open accounts' holders are unknown too: warnings (Ac4 enforces closed accounts only).
    let s = env.status("account/failed/2026-03-02_account_v1.csv");
    assert_eq!(s["warning_count"], 2);
    assert_eq!(s["warnings"][0]["code"], "unknown_reference");
    // Registered as Entity API entities (D8), the same holders resolve: v2 is accepted.
    let ids: Vec<String> = read_rows(&file(&prog, d1, "customer"))
        .1
        .iter()
        .map(|r| r[0].clone())
        .collect();
    let mut args = vec!["registry", "add", "--partner", "acme", "--kind", "entity"];
    args.extend(ids.iter().map(String::as_str));
    env.ok(&args);
    let (header, rows) = read_rows(&env.dir().join("in/2026-03-02_account_v1.csv"));
    let v2 = write(&env, "2026-03-02_account_v2.csv", &header, &rows);
    let (code, out) = env.ingest(&[v2]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        env.status("account/processed/2026-03-02_account_v2.csv")["warning_count"],
        0
    );
}

#[test]
fn relationships_name_individuals_and_businesses_of_their_batch_and_come_in_pairs() {
    let env = Env::new("");
    let (header, ind) = fixture_row("customer", 0, &[("client_customer_id", "ind-1")]);
    let (_, biz) = fixture_row("customer", 1, &[("client_customer_id", "biz-1")]);
    assert_eq!(get(&header, &ind, "customer_type"), "individual");
    assert_eq!(get(&header, &biz, "customer_type"), "business");
    let customers = write(&env, "B-7_customer_v1.csv", &header, &[ind, biz]);
    let link = |individual: &str, business: &str| {
        fixture_row(
            "customer_relationship",
            0,
            &[
                ("client_individual_id", individual),
                ("client_business_id", business),
            ],
        )
    };
    let (rh, good) = link("ind-1", "biz-1");
    let (_, swapped) = link("biz-1", "ind-1");
    let (_, missing) = link("ind-9", "biz-1");
    // Relationship first on the command line: it waits for its batch's customer file (D7).
    let rel = write(
        &env,
        "b-7_customer_relationship_v1.csv",
        &rh,
        std::slice::from_ref(&good),
    );
    let (code, out) = env.ingest(&[rel, customers]);
    assert_eq!(code, 0, "{out}");
    // Wrong kinds and unknown customers (spec 02 §3.2, §4.4).
    let rel = write(
        &env,
        "b-7_customer_relationship_v2.csv",
        &rh,
        &[good.clone(), swapped, missing],
    );
    assert_eq!(env.ingest(&[rel]).0, 1);
    let errors = env.errors("customer_relationship/failed/b-7_customer_relationship_v2.csv");
    assert_eq!(
        brief(&errors),
        vec![
            t("3", "client_individual_id", "unknown_reference", "biz-1"),
            t("3", "client_business_id", "unknown_reference", "ind-1"),
            t("4", "client_individual_id", "unknown_reference", "ind-9"),
        ]
    );
    assert!(errors[0][3].contains("`business`"), "{:?}", errors[0]);
    // A relationship file whose batch has no accepted customer file (spec 02 §4.4).
    let (_, other) = link("ind-2", "biz-2");
    let rel = write(&env, "B-8_customer_relationship_v1.csv", &rh, &[other]);
    assert_eq!(env.ingest(&[rel]).0, 1);
    assert_eq!(
        brief(&env.errors("customer_relationship/failed/B-8_customer_relationship_v1.csv")),
        vec![t("0", "", "unpaired_batch", "")]
    );
}

#[test]
fn cards_authorized_users_and_collaterals_name_known_records() {
    let env = Env::new("");
    let prog = env.program(1, 2);
    let d1 = "2026-03-02";
    let (code, out) = env.ingest(&day(&prog, d1));
    assert_eq!(code, 0, "{out}");
    let (_, accounts) = read_rows(&file(&prog, d1, "account"));
    let (_, customers) = read_rows(&file(&prog, d1, "customer"));
    let (_, balances) = read_rows(&file(&prog, d1, "balance"));
    let (acct, cus, bal) = (&accounts[0][0], &customers[0][0], &balances[0][1]);
    // replaced_by may name a card of the same file (spec 04 §2.1).
    let card = |id: &str, account: &str, entity: &str, replaced_by: &str| {
        fixture_row(
            "card",
            1,
            &[
                ("client_card_id", id),
                ("account_id", account),
                ("entity_id", entity),
                ("replaced_by", replaced_by),
            ],
        )
    };
    let (ch, c1) = card("card-1", acct, cus, "card-2");
    let (_, c2) = card("card-2", acct, cus, "");
    let (_, c3) = card("card-3", "acct-none", "cus-none", "card-none");
    let f = write(&env, "2026-03-03_card_v1.csv", &ch, &[c1, c2, c3]);
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("card/failed/2026-03-03_card_v1.csv")),
        vec![
            t("4", "account_id", "unknown_reference", "acct-none"),
            t("4", "entity_id", "unknown_reference", "cus-none"),
            t("4", "replaced_by", "unknown_reference", "card-none"),
        ]
    );
    let (uh, u1) = fixture_row(
        "authorized_user",
        0,
        &[("account_id", acct), ("entity_id", cus)],
    );
    let (_, u2) = fixture_row(
        "authorized_user",
        0,
        &[("account_id", "acct-none"), ("entity_id", cus)],
    );
    let f = write(&env, "2026-03-03_authorized_user_v1.csv", &uh, &[u1, u2]);
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("authorized_user/failed/2026-03-03_authorized_user_v1.csv")),
        vec![t("3", "account_id", "unknown_reference", "acct-none")]
    );
    let (kh, k1) = fixture_row(
        "collateral",
        0,
        &[("account_id", acct), ("balance_id", bal)],
    );
    let (_, k2) = fixture_row(
        "collateral",
        0,
        &[
            ("client_collateral_id", "col-2"),
            ("account_id", acct),
            ("balance_id", "bal-none"),
        ],
    );
    let f = write(&env, "2026-03-03_collateral_v1.csv", &kh, &[k1, k2]);
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("collateral/failed/2026-03-03_collateral_v1.csv")),
        vec![t("3", "balance_id", "unknown_reference", "bal-none")]
    );
}

#[test]
fn balances_transactions_and_updates_follow_their_history() {
    let env = Env::new("");
    let prog = env.program(2, 3);
    let (d1, d2) = ("2026-03-02", "2026-03-03");
    let (code, out) = env.ingest(&day(&prog, d1));
    assert_eq!(code, 0, "{out}");
    // Day 2's balance file without one of yesterday's active balances (spec 05 §3.2).
    let (header, mut rows) = read_rows(&file(&prog, d2, "balance"));
    let dropped = rows.remove(1);
    let f = write(&env, "2026-03-03_balance_v1.csv", &header, &rows);
    assert_eq!(env.ingest(&[f]).0, 1);
    let missing = env.errors("balance/failed/2026-03-03_balance_v1.csv");
    assert_eq!(
        brief(&missing),
        vec![t("0", "client_balance_id", "missing_balance", &dropped[1])]
    );
    assert!(missing[0][3].contains("2026-03-02"), "{:?}", missing[0]);
    // A registered balance is not due in a file-creation program (only the API creates them).
    env.ok(&[
        "registry",
        "add",
        "--partner",
        "acme",
        "--kind",
        "balance",
        "--created",
        "2026-03-01",
        "subledger_balance_z",
    ]);
    let (code, out) = env.ingest(&[
        file(&prog, d2, "customer"),
        file(&prog, d2, "account"),
        resend(&env, &file(&prog, d2, "balance"), 2),
    ]);
    assert_eq!(code, 0, "{out}");
    // A transaction id accepted yesterday, sent again (spec 05 §3.1).
    let (header, mut rows) = read_rows(&file(&prog, d2, "transaction"));
    let (_, old) = read_rows(&file(&prog, d1, "transaction"));
    rows[0][0] = old[0][0].clone();
    let f = write(&env, "2026-03-03_transaction_v1.csv", &header, &rows);
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("transaction/failed/2026-03-03_transaction_v1.csv")),
        vec![t("2", "client_transaction_id", "duplicate_id_history", "")]
    );
    // Updates name transactions accepted before (spec 05 §8.2).
    let (uh, u1) = fixture_row(
        "transaction_update",
        0,
        &[
            ("transaction_id", &old[1][0]),
            ("settlement_date", "2026-03-04"),
        ],
    );
    let (_, u2) = fixture_row("transaction_update", 0, &[("transaction_id", "txn-none")]);
    let f = write(
        &env,
        "2026-03-03_transaction_update_v1.csv",
        &uh,
        &[u1.clone(), u2],
    );
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("transaction_update/failed/2026-03-03_transaction_update_v1.csv")),
        vec![t("3", "transaction_id", "unknown_reference", "txn-none")]
    );
    let f = write(&env, "2026-03-03_transaction_update_v2.csv", &uh, &[u1]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn an_api_creation_program_reports_registered_balances_by_their_lead_id() {
    let env = Env::new("balance_creation = \"api\"");
    let prog = env.program(1, 2);
    let d1 = "2026-03-02";
    let (code, out) = env.ingest(&[file(&prog, d1, "customer"), file(&prog, d1, "account")]);
    assert_eq!(code, 0, "{out}");
    let (header, rows) = read_rows(&file(&prog, d1, "balance"));
    let acct0 = get(&header, &rows[0], "account_id").to_string();
    let acct1 = get(&header, &rows[1], "account_id").to_string();
    let reg = |id: &str, account: &str| {
        env.ok(&[
            "registry",
            "add",
            "--partner",
            "acme",
            "--kind",
            "balance",
            "--account",
            account,
            "--created",
            "2026-03-01",
            id,
        ]);
    };
    reg("subledger_balance_a", &acct0);
    reg("subledger_balance_b", &acct1);
    reg("subledger_balance_c", &acct1);
    let api = |row: &[String], id: &str, account: &str| {
        let mut r = row.to_vec();
        set(&header, &mut r, "client_balance_id", "");
        set(&header, &mut r, "id", id);
        set(&header, &mut r, "account_id", account);
        r
    };
    // a: fine; b: on the wrong account; an unknown id; a client id (file creation only);
    // c: registered, created before the file's day, and missing (spec 05 §3.2).
    let bad = vec![
        api(&rows[0], "subledger_balance_a", &acct0),
        api(&rows[1], "subledger_balance_b", &acct0),
        api(&rows[1], "subledger_balance_x", &acct1),
        rows[1].clone(),
    ];
    let f = write(&env, "2026-03-02_balance_v1.csv", &header, &bad);
    assert_eq!(env.ingest(&[f]).0, 1);
    let got = brief(&env.errors("balance/failed/2026-03-02_balance_v1.csv"));
    let cb = get(&header, &rows[1], "client_balance_id");
    assert_eq!(
        got,
        vec![
            t("0", "id", "missing_balance", "subledger_balance_c"),
            t("3", "account_id", "unknown_reference", &acct0),
            t("4", "id", "unknown_reference", "subledger_balance_x"),
            t("5", "client_balance_id", "not_allowed", cb),
        ]
    );
    let good = vec![
        api(&rows[0], "subledger_balance_a", &acct0),
        api(&rows[1], "subledger_balance_b", &acct1),
        api(&rows[1], "subledger_balance_c", &acct1),
    ];
    let f = write(&env, "2026-03-02_balance_v2.csv", &header, &good);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    let listed = env.ok(&["registry", "list", "--partner", "acme", "--kind", "balance"]);
    assert!(listed.contains(&format!("balance|subledger_balance_b|{acct1}|2026-03-01")));
}

#[test]
fn registry_import_refuses_a_bad_file_and_names_the_line() {
    let env = Env::new("");
    let f = env.dir().join("in/registry.csv");
    std::fs::write(&f, "kind|id\nentity|entity_1\nwidget|w1\n").unwrap();
    let o = env.run(&[
        "registry",
        "import",
        "--partner",
        "acme",
        f.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::text(&o).contains("line 3: unknown kind `widget`"));
    assert!(env
        .ok(&["registry", "list", "--partner", "acme"])
        .lines()
        .eq(["kind|id|account_id|created_on"]));
}

#[test]
fn each_partner_is_its_own_program() {
    // D1: acme creates balances through the API; beta books EUR only; both otherwise default.
    let env = Env::new("");
    let cfg = env.dir().join("bankdrop.toml");
    let text = std::fs::read_to_string(&cfg).unwrap()
        + "\n[partners.acme]\nbalance_creation = \"api\"\n\n[partners.beta]\ncurrencies = [\"EUR\"]\n";
    std::fs::write(&cfg, text).unwrap();
    env.ok(&["partner", "add", "beta", "--key", "acme_key.pub"]);
    let prog = env.program(1, 2);
    let d1 = "2026-03-02";
    let setup = [file(&prog, d1, "customer"), file(&prog, d1, "account")];
    let (code, out) = env.ingest_as("acme", &setup);
    assert_eq!(code, 0, "{out}");
    // acme's balance file names balances by client id: not in an API-creation program.
    assert_eq!(env.ingest_as("acme", &[file(&prog, d1, "balance")]).0, 1);
    let errors = env.errors("balance/failed/2026-03-02_balance_v1.csv");
    assert_eq!(errors.len(), 2);
    assert!(errors.iter().all(|e| e[2] == "not_allowed"), "{errors:?}");
    // beta's accounts are in USD, not its currency.
    let (code, out) = env.ingest_as("beta", &setup);
    assert_eq!(code, 1, "{out}");
    let beta = env
        .dir()
        .join("data/partners/beta/account/failed/2026-03-02_account_v1.csv.errors.csv");
    let rows = errors_csv_rows(&std::fs::read_to_string(beta).unwrap());
    assert!(
        rows.iter()
            .all(|e| e[1] == "currency" && e[2] == "type_currency"),
        "{rows:?}"
    );
    // Reconciliation settings are the partner's too: only acme has an FBO balance to check.
    let text = std::fs::read_to_string(&cfg).unwrap()
        + "\n[partners.acme.recon]\nfbo_balance = \"0.00\"\n";
    std::fs::write(&cfg, text).unwrap();
    let o = env.run(&["reconcile", "--date", "2026-03-01", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let fbo = |p: &str| {
        doc["partners"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["partner"] == p)
            .unwrap()["fbo"]
            .clone()
    };
    assert!(fbo("acme").is_object(), "{doc}");
    assert_eq!(fbo("beta"), "skipped");
}

#[test]
fn updates_must_be_later_and_final_states_stay_final() {
    let env = Env::new("");
    let prog = env.program(1, 2);
    let d1 = "2026-03-02";
    // Account 2 is closed on day 1 (its holder exists, so Ac4 is met).
    let (header, mut rows) = read_rows(&file(&prog, d1, "account"));
    set(&header, &mut rows[1], "status", "closed");
    set(&header, &mut rows[1], "status_reason", "paid_off");
    let account = write(&env, "2026-03-02_account_v1.csv", &header, &rows);
    let (code, out) = env.ingest(&[file(&prog, d1, "customer"), account]);
    assert_eq!(code, 0, "{out}");
    // Re-opening it is refused (Ac5); sending the same closed row again is not a change.
    let closed = rows[1].clone();
    let mut reopened = closed.clone();
    set(&header, &mut reopened, "status", "active");
    set(&header, &mut reopened, "status_reason", "active");
    let f = write(
        &env,
        "2026-03-03_account_v1.csv",
        &header,
        &[rows[0].clone(), reopened],
    );
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("account/failed/2026-03-03_account_v1.csv")),
        vec![t("3", "status", "terminal_record", "active")]
    );
    let f = write(&env, "2026-03-03_account_v2.csv", &header, &[closed]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    // An authorized user's effective_at only moves forward (spec 02 §6.1).
    let (acct, cus) = (
        &rows[0][0],
        &read_rows(&file(&prog, d1, "customer")).1[0][0],
    );
    let user = |at: &str| {
        fixture_row(
            "authorized_user",
            0,
            &[
                ("account_id", acct),
                ("entity_id", cus),
                ("effective_at", at),
            ],
        )
    };
    let (uh, first) = user("2026-03-02T10:00:00Z");
    let f = write(&env, "2026-03-03_authorized_user_v1.csv", &uh, &[first]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    let (_, older) = user("2026-03-01T10:00:00Z");
    let f = write(&env, "2026-03-04_authorized_user_v1.csv", &uh, &[older]);
    assert_eq!(env.ingest(&[f]).0, 1);
    assert_eq!(
        brief(&env.errors("authorized_user/failed/2026-03-04_authorized_user_v1.csv")),
        vec![t(
            "2",
            "effective_at",
            "outdated_update",
            "2026-03-01T10:00:00Z"
        )]
    );
    let (_, later) = user("2026-03-04T10:00:00Z");
    let f = write(&env, "2026-03-04_authorized_user_v2.csv", &uh, &[later]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_cardholder_is_a_holder_or_authorized_user_of_the_cards_account() {
    let env = Env::new("");
    let (acct, holder, other) = &first_day_people(&env);
    let card = |id: &str, entity: &str| {
        fixture_row(
            "card",
            1,
            &[
                ("client_card_id", id),
                ("account_id", acct),
                ("entity_id", entity),
                ("replaced_by", ""),
            ],
        )
    };
    let (ch, own) = card("card-1", holder);
    let (_, foreign) = card("card-2", other);
    // spec 04 §2.1: the other customer exists, but holds another account.
    let f = write(
        &env,
        "2026-03-03_card_v1.csv",
        &ch,
        &[own.clone(), foreign.clone()],
    );
    assert_eq!(env.ingest(&[f]).0, 1);
    let errors = env.errors("card/failed/2026-03-03_card_v1.csv");
    assert_eq!(
        brief(&errors),
        vec![t("3", "entity_id", "disallowed_reference", other)]
    );
    assert!(errors[0][3].contains(acct.as_str()), "{:?}", errors[0]);
    // Added as an authorized user of the account, they may hold a card on it.
    let (uh, user) = fixture_row(
        "authorized_user",
        0,
        &[
            ("account_id", acct),
            ("entity_id", other),
            ("status", "active"),
        ],
    );
    let f = write(&env, "2026-03-03_authorized_user_v1.csv", &uh, &[user]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
    let f = write(&env, "2026-03-03_card_v2.csv", &ch, &[own, foreign]);
    let (code, out) = env.ingest(&[f]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_file_checked_in_several_batches_has_each_finding_on_its_row() {
    // The checks look a batch of rows up at once (1,024 rows): a file of three batches whose
    // findings fall in each, a value unknown in one batch and asked again in the next, a
    // `replaced_by` naming a card of a later batch, and rows with findings of several checks.
    let env = Env::new("");
    let (acct, holder, other) = &first_day_people(&env);
    let mut header = Vec::new();
    let mut rows = Vec::new();
    let mut want = Vec::new();
    for i in 0..2_600 {
        let row = (i + 2).to_string();
        let id = format!("card-{i}");
        let (mut account, mut entity, mut replaced_by) = (acct.as_str(), holder.as_str(), "");
        if i % 500 == 7 {
            account = "acct-none";
            want.push(t(&row, "account_id", "unknown_reference", account));
        }
        match i {
            3 => replaced_by = "card-2500",
            1000 => {
                entity = other;
                want.push(t(&row, "entity_id", "disallowed_reference", other));
            }
            1020 | 2049 => {
                (account, entity) = ("acct-none-2", "cus-none");
                want.push(t(&row, "account_id", "unknown_reference", account));
                want.push(t(&row, "entity_id", "unknown_reference", entity));
            }
            1500 => {
                (entity, replaced_by) = (other, "card-none");
                want.push(t(&row, "entity_id", "disallowed_reference", other));
                // Settled at the end of the file: it may name a card further down.
                want.push(t(&row, "replaced_by", "unknown_reference", replaced_by));
            }
            _ => {}
        }
        let (h, r) = fixture_row(
            "card",
            1,
            &[
                ("client_card_id", &id),
                ("account_id", account),
                ("entity_id", entity),
                ("replaced_by", replaced_by),
            ],
        );
        header = h;
        rows.push(r);
    }
    let f = write(&env, "2026-03-03_card_v1.csv", &header, &rows);
    assert_eq!(env.ingest(&[f]).0, 1);
    let errors = env.errors("card/failed/2026-03-03_card_v1.csv");
    assert_eq!(brief(&errors), want);
    let message = |row: &str, column: &str| {
        let e = errors.iter().find(|e| e[0] == row && e[1] == column);
        e.unwrap()[3].clone()
    };
    assert_eq!(
        message("2509", "account_id"),
        "`acct-none` names no accepted account record, and no account in the partner's \
         registry (spec 04 §1.4, §2.1 (Invalid Account Reference))"
    );
    assert_eq!(
        message("1502", "replaced_by"),
        "`card-none` names no accepted card record nor a row of this file, and no card in the \
         partner's registry (spec 04 §1.4, §2.1 (Invalid Card Reference))"
    );
}
