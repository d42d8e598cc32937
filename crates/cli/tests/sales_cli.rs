//! The Sales Request / Sales Response cycle through `bankdrop` commands (spec 04 §3–§5): a small
//! credit program that sells its receivables (`sells_receivables`, hold 3 business days, imputed
//! APR 19.99 % actual/365), its requests written with exact amounts (two disbursements of one
//! balance in one row, a header-only Saturday), written again byte for byte, and Sales Responses
//! matched against the sales (`unknown_sale`, `sale_already_answered`). On SQLite, or PostgreSQL
//! with `BANKDROP_TEST_STORE=postgres`.

mod common;

use common::workdir::Workdir;
use common::write_csv;

fn balance<'a>(id: &'a str, amount: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("account_id", "acct-1"),
        ("client_balance_id", id),
        ("client_balance_name", "Installment Loan"),
        ("created_at", "2026-03-01T10:00:00Z"),
        ("status", "active"),
        ("status_reason", "active"),
        ("type", "credit"),
        ("balance", amount),
        ("outstanding_principal", amount),
    ]
}

/// A credit transaction: amount = principal, settled on `settled`.
fn tx<'a>(
    id: &'a str,
    bal: &'a str,
    amount: &'a str,
    kind: &'a str,
    settled: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("client_transaction_id", id),
        ("balance_id", bal),
        ("amount", amount),
        ("principal_amount", amount),
        ("currency", "USD"),
        ("type", kind),
        ("settlement_date", settled),
        ("effective_at", "2026-03-02T15:00:00Z"),
    ]
}

fn response<'a>(sale: &'a str, answer: &'a str, reason: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("sale_id", sale),
        ("response", answer),
        ("reject_reason", reason),
        ("generated_at", "2026-03-05T15:00:00Z"),
        ("effective_at", "2026-03-05T14:00:00Z"),
    ]
}

/// Monday 2026-03-02: bal-1 gets 1000.00 and 500.00, bal-2 nothing; Tuesday 03-03: bal-1 repays
/// 200.00 (settled), bal-2 gets 300.00. Files dated the next day (D9).
fn ingest_program(w: &Workdir) {
    let dir = w.dir();
    let [customer, account] = common::one_customer_and_account(dir, "2026-03-03");
    let files = [
        customer,
        account,
        write_csv(
            dir,
            "2026-03-03_balance_v1.csv",
            &[balance("bal-1", "1500.00"), balance("bal-2", "0.00")],
        ),
        write_csv(
            dir,
            "2026-03-03_transaction_v1.csv",
            &[
                tx("t-1", "bal-1", "1000.00", "disbursement", "2026-03-02"),
                tx("t-2", "bal-1", "500.00", "disbursement", "2026-03-02"),
            ],
        ),
        write_csv(
            dir,
            "2026-03-04_balance_v1.csv",
            &[balance("bal-1", "1300.00"), balance("bal-2", "300.00")],
        ),
        write_csv(
            dir,
            "2026-03-04_transaction_v1.csv",
            &[
                tx("t-3", "bal-1", "-200.00", "credit", "2026-03-03"),
                tx("t-4", "bal-2", "300.00", "disbursement", "2026-03-03"),
            ],
        ),
    ];
    let mut args = vec!["ingest", "--partner", "acme"];
    args.extend(files.iter().map(String::as_str));
    w.ok(&args);
}

/// The request of `date`: its text, the command's output.
fn request(w: &Workdir, date: &str) -> (String, String) {
    let out = w.ok(&["sales", "request", "--partner", "acme", "--date", date]);
    let path = w
        .root()
        .join(format!("sales_request/{date}_sales_request_v1.csv"));
    (std::fs::read_to_string(path).unwrap(), out)
}

const HEADER: &str = "sale_id|balance_id|start_date|sale_date|funded_amount|outstanding_principal|settled_transactions_amount|imputed_interest_accrued|settlement_amount|currency|generated_at|effective_at";

/// A request's rows without their two timestamps, which are checked to be RFC 3339.
fn rows(text: &str) -> Vec<String> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(HEADER));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            assert_eq!(f.len(), 12, "{l}");
            for t in &f[10..] {
                assert!(chrono::DateTime::parse_from_rfc3339(t).is_ok(), "{l}");
            }
            f[..10].join("|")
        })
        .collect()
}

#[test]
fn sales_requests_are_written_exactly_and_responses_are_matched_against_them() {
    let w = Workdir::new("[program]\nsells_receivables = true\nsales_imputed_apr = \"0.1999\"\n");
    ingest_program(&w);

    // Wednesday: bal-1 is still in its hold period (Monday + 3 business days = Thursday).
    let (text, _) = request(&w, "2026-03-04");
    assert_eq!(text, format!("{HEADER}\n"));

    // Thursday: bal-1's two disbursements in one row. Outstanding 1500 − 200; settled 200;
    // interest (1500 + 1300 + 1300) × 0.1999 / 365 = 2.2454520…; settlement 1502.245452.
    let (thursday, out) = request(&w, "2026-03-05");
    assert!(out.contains("1 sale(s)"), "{out}");
    assert_eq!(
        rows(&thursday),
        ["sale_20260305_0001|bal-1|2026-03-02|2026-03-05|1500|1300|200|2.245452|1502.245452|USD"]
    );
    // Written again: the same bytes, no new sale.
    let (again, out) = request(&w, "2026-03-05");
    assert_eq!(again, thursday);
    assert!(out.contains("recorded earlier"), "{out}");

    // Friday: bal-2 (300 from Tuesday: 3 days × 300 × 0.1999 / 365 = 0.4929041…).
    let (friday, _) = request(&w, "2026-03-06");
    assert_eq!(
        rows(&friday),
        ["sale_20260306_0001|bal-2|2026-03-03|2026-03-06|300|300|0|0.492904|300.492904|USD"]
    );
    // Saturday: no sales on a non-business day, the header alone (spec 04 §3.1).
    let (saturday, _) = request(&w, "2026-03-07");
    assert_eq!(saturday, format!("{HEADER}\n"));

    // Thursday's response forgets the sale: accepted, the sale reported unanswered (a warning).
    let f = write_csv::<[(&str, &str); 0]>(w.dir(), "2026-03-05_sales_response_v1.csv", &[]);
    w.ok(&["ingest", "--partner", "acme", &f]);
    let st = status(&w, "processed/2026-03-05_sales_response_v1.csv");
    assert_eq!(
        warnings(&st),
        ["0|sale_id|unanswered_sale|sale_20260305_0001"]
    );

    // Friday's answers Thursday's sale: accepted and recorded; Friday's sale is unanswered.
    let f = write_csv(
        w.dir(),
        "2026-03-06_sales_response_v1.csv",
        &[response("sale_20260305_0001", "accepted", "")],
    );
    w.ok(&["ingest", "--partner", "acme", &f]);
    let st = status(&w, "processed/2026-03-06_sales_response_v1.csv");
    assert_eq!(
        warnings(&st),
        ["0|sale_id|unanswered_sale|sale_20260306_0001"]
    );
    assert_eq!(show(&w, "2026-03-05")["sales"][0]["response"], "accepted");

    // Saturday's: an answered sale again, an unknown sale: rejected row by row, nothing recorded.
    let f = write_csv(
        w.dir(),
        "2026-03-07_sales_response_v1.csv",
        &[
            response("sale_20260305_0001", "accepted", ""),
            response("sale_20260306_0001", "accepted", ""),
            response("sale_nobody", "rejected", "not ours"),
        ],
    );
    let o = w.run(&["ingest", "--partner", "acme", &f]);
    assert_eq!(o.status.code(), Some(1), "{}", common::text(&o));
    let errors = std::fs::read_to_string(
        w.root()
            .join("sales_response/failed/2026-03-07_sales_response_v1.csv.errors.csv"),
    )
    .unwrap();
    let brief: Vec<String> = errors
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            format!("{}|{}|{}|{}", f[0], f[1], f[2], f[4])
        })
        .collect();
    assert_eq!(
        brief,
        [
            "2|sale_id|sale_already_answered|sale_20260305_0001",
            "4|sale_id|unknown_sale|sale_nobody"
        ]
    );
    assert!(show(&w, "2026-03-06")["sales"][0]["response"].is_null());

    // The corrected v2 rejects Friday's sale without a reason (the schema's rule), v3 with one.
    let f = write_csv(
        w.dir(),
        "2026-03-07_sales_response_v2.csv",
        &[response("sale_20260306_0001", "rejected", "")],
    );
    let o = w.run(&["ingest", "--partner", "acme", &f]);
    assert_eq!(o.status.code(), Some(1), "{}", common::text(&o));
    let st = status(&w, "failed/2026-03-07_sales_response_v2.csv");
    assert_eq!(st["errors"][0]["code"], "conditional_required", "{st}");
    let f = write_csv(
        w.dir(),
        "2026-03-07_sales_response_v3.csv",
        &[response(
            "sale_20260306_0001",
            "rejected",
            "customer paid off",
        )],
    );
    w.ok(&["ingest", "--partner", "acme", &f]);
    assert_eq!(show(&w, "2026-03-06")["sales"][0]["response"], "rejected");
    assert_eq!(show(&w, "2026-03-05")["sales"][0]["response"], "accepted");
}

/// `sales show` of a day.
fn show(w: &Workdir, date: &str) -> serde_json::Value {
    let out = w.ok(&["sales", "show", "--partner", "acme", "--date", date]);
    serde_json::from_str(&out).unwrap()
}

/// A Sales Response's status file (`processed/…` or `failed/…`).
fn status(w: &Workdir, rel: &str) -> serde_json::Value {
    let path = w.root().join(format!("sales_response/{rel}.status.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A status's warnings as `row|column|code|value`.
fn warnings(status: &serde_json::Value) -> Vec<String> {
    status["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}|{}|{}|{}",
                f["row"],
                f["column"].as_str().unwrap_or(""),
                f["code"].as_str().unwrap_or(""),
                f["value"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn a_program_that_does_not_sell_has_no_sales_request() {
    let w = Workdir::new("");
    let o = w.run(&[
        "sales",
        "request",
        "--partner",
        "acme",
        "--date",
        "2026-03-05",
    ]);
    assert!(!o.status.success());
    assert!(
        common::text(&o).contains("does not sell receivables"),
        "{}",
        common::text(&o)
    );
}

#[test]
fn a_day_that_has_not_begun_is_not_planned() {
    let w = Workdir::new("[program]\nsells_receivables = true\n");
    let o = w.run(&[
        "sales",
        "request",
        "--partner",
        "acme",
        "--date",
        "2999-01-04",
    ]);
    assert!(!o.status.success());
    assert!(
        common::text(&o).contains("before that day"),
        "{}",
        common::text(&o)
    );
    let file = w
        .root()
        .join("sales_request/2999-01-04_sales_request_v1.csv");
    assert!(!file.exists());
}

#[test]
fn a_generated_credit_program_sells_its_receivables_and_a_response_settles_them() {
    // `bankdrop gen --program credit`: disbursements settle the day they are made; with a
    // one-business-day hold the first ones are for sale on Wednesday 2026-03-04.
    let w = Workdir::new("[program]\nsells_receivables = true\nsales_hold_business_days = 1\n");
    let prog = w.dir().join("prog");
    w.ok(&[
        "gen",
        "--program",
        "credit",
        "--days",
        "3",
        "--accounts",
        "2",
        "--start",
        "2026-03-02",
        "--out",
        prog.to_str().unwrap(),
    ]);
    for day in ["2026-03-02", "2026-03-03", "2026-03-04"] {
        let mut files: Vec<String> = std::fs::read_dir(prog.join(day))
            .unwrap()
            .map(|e| e.unwrap().path().display().to_string())
            .collect();
        files.sort();
        let mut args = vec!["ingest", "--partner", "acme"];
        args.extend(files.iter().map(String::as_str));
        w.ok(&args);
    }
    let (text, _) = request(&w, "2026-03-04");
    let sold = rows(&text);
    assert_eq!(sold.len(), 2, "one row per credit balance: {text}");
    // Each row's settlement amount is its three parts added (spec 04 §5.1).
    for r in &sold {
        let f: Vec<&str> = r.split('|').collect();
        let part = |i: usize| f[i].parse::<rust_decimal::Decimal>().unwrap();
        assert_eq!(part(8), part(5) + part(6) + part(7), "{r}");
        assert_eq!(f[3], "2026-03-04", "{r}");
    }
    let ids: Vec<String> = sold
        .iter()
        .map(|r| r.split('|').next().unwrap().to_string())
        .collect();
    let answers: Vec<Vec<(&str, &str)>> =
        ids.iter().map(|id| response(id, "accepted", "")).collect();
    let f = write_csv(w.dir(), "2026-03-05_sales_response_v1.csv", &answers);
    w.ok(&["ingest", "--partner", "acme", &f]);
    assert_eq!(
        status(&w, "processed/2026-03-05_sales_response_v1.csv")["outcome"],
        "accepted"
    );
    let shown = show(&w, "2026-03-04");
    let answered: Vec<&str> = shown["sales"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["response"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(answered, ["accepted", "accepted"], "{shown}");
}
