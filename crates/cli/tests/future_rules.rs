//! Every future rule (spec 02 §6.2, spec 03 §4.2 and §8.2, spec 04 §2.2, and the flagged
//! activity on closed balances of spec 05 §2.2) in each of its three modes, through `bankdrop
//! ingest`: `off` accepts the file without a word, `warn` accepts it with the row, column and
//! code as a warning, `reject` refuses it with them as errors. Each program names every rule in
//! `future_rules`, so each rule's own switch is what is tested, not only `future_default`.

mod common;

use common::program::*;

const RULES: [&str; 11] = [
    "AF1",
    "AF3",
    "AcF1",
    "AcF3",
    "CF1",
    "CF2",
    "CF3",
    "CF4",
    "AuF1",
    "closed_balance_activity",
    "closed_account_activity",
];

/// (row, column, code) a rule reports, by file.
type Expected = Vec<(&'static str, Vec<(u64, &'static str, &'static str)>)>;

/// A program's state before the triggering files: day 1 of a generated program, a card and an
/// authorized user, then the first account and balance closed. Returns the triggering files
/// and what each must report.
fn scenario(env: &Env) -> (Vec<std::path::PathBuf>, Expected) {
    let prog = env.program(2, 3);
    let (code, out) = env.ingest(&day(&prog, "2026-03-02"));
    assert_eq!(code, 0, "{out}");
    let (ah, accounts) = read_rows(&file(&prog, "2026-03-02", "account"));
    let (_, customers) = read_rows(&file(&prog, "2026-03-02", "customer"));
    let (closing, open) = (accounts[0][0].clone(), accounts[1][0].clone());
    let holder = customers[0][0].clone();
    // A card's holder must hold its account (spec 04 §1.4): the first of the account's holders.
    let holder_of = |acct: &str| -> String {
        let row = accounts.iter().find(|r| r[0] == acct).unwrap();
        let list: Vec<String> = serde_json::from_str(get(&ah, row, "account_holders")).unwrap();
        list[0].clone()
    };
    let card = |id: &str, acct: &str, set: &[(&str, &str)]| card(id, acct, &holder_of(acct), set);
    let user = |status: &str, at: &str| {
        fixture_row(
            "authorized_user",
            0,
            &[
                ("account_id", &closing),
                ("entity_id", &customers[1][0]),
                ("status", status),
                ("effective_at", at),
            ],
        )
    };
    let (ch, card1) = card("card-1", &open, &[]);
    let (uh, active) = user("active", "2026-03-02T10:00:00Z");
    let setup = [
        write(env, "2026-03-02_card_v1.csv", &ch, &[card1]),
        write(env, "2026-03-02_authorized_user_v1.csv", &uh, &[active]),
    ];
    let (code, out) = env.ingest(&setup);
    assert_eq!(code, 0, "{out}");
    let mut closed = accounts[0].clone();
    set(&ah, &mut closed, "status", "closed");
    set(&ah, &mut closed, "status_reason", "paid_off");
    set(&ah, &mut closed, "effective_at", "2026-03-03T00:00:00Z");
    let (bh, balances) = read_rows(&file(&prog, "2026-03-03", "balance"));
    // A balance of an open account closes; one of the closing account stays open.
    let mut day2 = balances.clone();
    let on = |acct: &str| {
        balances
            .iter()
            .position(|b| get(&bh, b, "account_id") == acct)
            .unwrap()
    };
    let (shut, of_closed) = (on(&open), on(&closing));
    set(&bh, &mut day2[shut], "status", "closed");
    set(&bh, &mut day2[shut], "status_reason", "client_closed");
    let closed_balance = get(&bh, &day2[shut], "client_balance_id").to_string();
    let on_closed_account = get(&bh, &day2[of_closed], "client_balance_id").to_string();
    let setup = [
        write(env, "2026-03-03_account_v1.csv", &ah, &[closed]),
        write(env, "2026-03-03_balance_v1.csv", &bh, &day2),
    ];
    let (code, out) = env.ingest(&setup);
    assert_eq!(code, 0, "{out}");

    // The triggering files, one rule a row.
    let app = |id: &str, limits: (&str, &str)| {
        fixture_row(
            "application",
            0,
            &[
                ("client_application_id", id),
                ("account_holders", &format!("[\"{holder}\"]")),
                ("status", "submitted"),
                ("credit_limit", limits.0),
                ("max_credit_limit", limits.1),
            ],
        )
    };
    let (aph, af1) = app("application_1", ("", ""));
    let (_, af3) = app("app-2", ("900.00", "500.00"));
    let account = |id: &str, limits: (&str, &str)| {
        let mut row = accounts[2].clone();
        set(&ah, &mut row, "client_account_id", id);
        set(&ah, &mut row, "application_id", "");
        set(&ah, &mut row, "credit_limit", limits.0);
        set(&ah, &mut row, "max_credit_limit", limits.1);
        row
    };
    let (_, cf1) = card("card_0001", &open, &[]);
    let (_, cf2) = card("card-2", &open, &[("replaced_by", "card-1")]);
    let (_, cf3) = card("card-1", &open, &[("card_type", "commercial")]);
    let (_, cf4) = card("card-3", &closing, &[]);
    let (_, auf1) = user("active", "2026-03-04T10:00:00Z");
    let (th, mut txs) = read_rows(&file(&prog, "2026-03-03", "transaction"));
    txs.truncate(2);
    set(&th, &mut txs[0], "balance_id", &closed_balance);
    set(&th, &mut txs[0], "client_transaction_id", "late-refund-1");
    set(&th, &mut txs[1], "balance_id", &on_closed_account);
    set(&th, &mut txs[1], "client_transaction_id", "late-refund-2");
    let files = vec![
        write(env, "2026-03-04_application_v1.csv", &aph, &[af1, af3]),
        write(
            env,
            "2026-03-04_account_v1.csv",
            &ah,
            &[
                account("account_9", ("", "")),
                account("acct-9", ("900.00", "500.00")),
            ],
        ),
        // Rules of rows, then rules against earlier files: these run on a file whose rows pass.
        write(env, "2026-03-04_card_v1.csv", &ch, &[cf1, cf2]),
        write(env, "2026-03-05_card_v1.csv", &ch, &[cf3, cf4]),
        write(env, "2026-03-04_authorized_user_v1.csv", &uh, &[auf1]),
        write(env, "2026-03-04_transaction_v1.csv", &th, &txs),
    ];
    let expected: Expected = vec![
        (
            "application",
            vec![
                (2, "client_application_id", "invalid_namespace"), // AF1
                (3, "credit_limit", "comparison"),                 // AF3
            ],
        ),
        (
            "account",
            vec![
                (2, "client_account_id", "invalid_namespace"), // AcF1
                (3, "credit_limit", "comparison"),             // AcF3
            ],
        ),
        (
            "card",
            vec![
                (2, "client_card_id", "invalid_namespace"), // CF1
                (3, "card_status", "not_allowed"),          // CF2
            ],
        ),
        (
            "card",
            vec![
                (2, "card_type", "immutable_field"),   // CF3
                (3, "account_id", "disallowed_state"), // CF4
            ],
        ),
        (
            "authorized_user",
            vec![(2, "account_id", "disallowed_state")],
        ), // AuF1
        (
            "transaction",
            vec![
                (2, "balance_id", "disallowed_state"), // closed_balance_activity
                (3, "balance_id", "disallowed_state"), // closed_account_activity
            ],
        ),
    ];
    (files, expected)
}

/// (row, column, code) of a status file's warnings, or of an errors.csv's rows.
fn reported(env: &Env, file_type: &str, name: &str, rejected: bool) -> Vec<(u64, String, String)> {
    if rejected {
        return env
            .errors(&format!("{file_type}/failed/{name}"))
            .iter()
            .map(|r| (r[0].parse().unwrap(), r[1].clone(), r[2].clone()))
            .collect();
    }
    env.warnings(&format!("{file_type}/processed/{name}"))
}

#[test]
fn every_future_rule_in_each_of_its_three_modes() {
    for mode in ["off", "warn", "reject"] {
        let switches: Vec<String> = RULES.iter().map(|r| format!("{r} = \"{mode}\"")).collect();
        // The default is the opposite of the mode, so only each rule's own switch can pass.
        let default = if mode == "reject" { "off" } else { "reject" };
        let env = Env::new(&format!(
            "future_rules = {{ {} }}\nfuture_default = \"{default}\"",
            switches.join(", ")
        ));
        let (files, expected) = scenario(&env);
        for (path, (file_type, rows)) in files.iter().zip(&expected) {
            let name = path.file_name().unwrap().to_str().unwrap();
            let (code, out) = env.ingest(std::slice::from_ref(path));
            let rejected = mode == "reject";
            assert_eq!(code, i32::from(rejected), "{mode} {name}: {out}");
            let got = reported(&env, file_type, name, rejected);
            let want: Vec<(u64, String, String)> = match mode {
                "off" => Vec::new(),
                _ => rows
                    .iter()
                    .map(|(r, c, k)| (*r, c.to_string(), k.to_string()))
                    .collect(),
            };
            assert_eq!(got, want, "{mode} {name}");
        }
    }
}
