//! `bankdrop ingest` of a tiny two-day deposit program and an outgoing Nacha file, then
//! `bankdrop reconcile` (decision D9): reports in `reports/` and `bank-account-reports/`, one
//! planted break with its amounts, exit codes, and byte-identical reruns.

mod common;

use common::workdir::{run_in, Workdir};
use common::write_csv;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn balance<'a>(id: &'a str, amount: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("account_id", "acct-1"),
        ("client_balance_id", id),
        ("client_balance_name", "Everyday Checking"),
        ("created_at", "2026-04-01T10:00:00Z"),
        ("status", "active"),
        ("status_reason", "active"),
        ("type", "deposit"),
        ("balance", amount),
    ]
}

fn tx<'a>(id: &'a str, bal: &'a str, amount: &'a str, kind: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("client_transaction_id", id),
        ("balance_id", bal),
        ("amount", amount),
        ("currency", "USD"),
        ("type", kind),
        ("effective_at", "2026-04-06T15:00:00Z"),
    ]
}

/// Every file under the partner's two report folders, by path, with its bytes.
fn reports(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for folder in ["reports", "bank-account-reports"] {
        for e in std::fs::read_dir(root.join(folder)).unwrap() {
            let e = e.unwrap();
            let name = format!("{folder}/{}", e.file_name().to_string_lossy());
            out.insert(name, std::fs::read(e.path()).unwrap());
        }
    }
    out
}

fn setup() -> (Workdir, PathBuf) {
    // The Nacha file is scheduled as if it arrived Monday 2026-04-06 10:00 Chicago time: its
    // entries, effective Tuesday, go out in Monday's next-day window and settle Tuesday.
    let w = Workdir::new("[ach]\nclock = \"2026-04-06T10:00:00-05:00\"\n");
    let root = w.root();
    (w, root)
}

/// Activity days 2026-04-06 (files dated 04-07) and 2026-04-07 (files dated 04-08); the
/// records chain customer → account → balances → transactions.
fn ingest_program(dir: &Path) {
    let [customer, account] = common::one_customer_and_account(dir, "2026-04-07");
    let files = [
        customer,
        account,
        write_csv(
            dir,
            "2026-04-07_balance_v1.csv",
            &[&balance("bal-1", "100.00"), &balance("bal-2", "50.00")],
        ),
        write_csv(
            dir,
            "2026-04-07_transaction_v1.csv",
            &[
                &tx("tx-1", "bal-1", "100.00", "credit"),
                &tx("tx-2", "bal-2", "50.00", "credit"),
            ],
        ),
        // Day 2: bal-1 100.00 − 25.00 = 75.00 (right); bal-2 50.00 + 10.01 = 60.01, reported
        // 60.00: the planted break.
        write_csv(
            dir,
            "2026-04-08_balance_v1.csv",
            &[&balance("bal-1", "75.00"), &balance("bal-2", "60.00")],
        ),
        write_csv(
            dir,
            "2026-04-08_transaction_v1.csv",
            &[
                &tx("tx-3", "bal-1", "-25.00", "debit"),
                &tx("tx-4", "bal-2", "10.01", "credit"),
            ],
        ),
        // Outgoing entries effective (and settling) on Tuesday 2026-04-07.
        fixtures()
            .join("nacha/20260115T171640Z_outgoing_ach_1768497400.ach")
            .display()
            .to_string(),
    ];
    let mut args = vec!["ingest", "--partner", "acme"];
    args.extend(files.iter().map(String::as_str));
    let o = run_in(dir, &args);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_two_day_program_reconciles_with_its_planted_break_and_reruns_identically() {
    let (w, root) = setup();
    let dir = w.dir();
    ingest_program(dir);

    // Day 1: every balance new and explained by its transactions.
    let o = run_in(dir, &["reconcile", "--date", "2026-04-06"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.starts_with("acme: 2026-04-06 0 break(s); 2 balance(s), 2 transaction(s)"),
        "{out}"
    );

    // Day 2: exactly the planted break, exit 1.
    let o = run_in(
        dir,
        &["reconcile", "--date", "2026-04-07", "--partner", "acme"],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("1 break(s)") && out.contains("FBO skipped"),
        "{out}"
    );
    let first = reports(&root);
    let text = |name: &str| String::from_utf8(first[name].clone()).unwrap();
    assert_eq!(
        text("reports/2026-04-07_balance_reconciliation.csv"),
        "balance_id|account_id|component|opening|activity|expected|reported|difference\n\
         bal-2|acct-1|balance|50.00|10.01|60.01|60.00|-0.01\n"
    );
    let daily = text("reports/2026-04-07_daily_balance.csv");
    let lines: Vec<&str> = daily.lines().collect();
    assert_eq!(lines.len(), 3, "{daily}");
    assert!(
        lines[0].starts_with("balance_id|account_id|type|status|status_reason|currency|balance|")
    );
    assert!(
        lines[1].starts_with("bal-1|acct-1|deposit|active|active||75.00|")
            && lines[1].ends_with("|ok|")
    );
    assert!(
        lines[2].starts_with("bal-2|acct-1|deposit|active|active||60.00|")
            && lines[2].ends_with("|break|balance")
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&first["reports/2026-04-07_balance_reconciliation_summary.json"])
            .unwrap();
    assert_eq!(summary["breaks"], 1);
    assert_eq!(summary["transactions"], 2);
    assert_eq!(summary["balances_opening"], 2);
    assert_eq!(summary["new_balances"], 0);
    assert!(summary["fbo"].is_null());

    // The bank reports: the 12 outgoing entries settled on 04-07, one line each.
    let cash = text("bank-account-reports/2026-04-07_acme-ach-cash-recon-report_20260407.csv");
    let cash: Vec<&str> = cash.lines().collect();
    assert_eq!(cash.len(), 13, "{cash:?}");
    assert_eq!(cash[0], "\"Settlement Date\",\"Settlement Code\",\"Settlement Type\",\"Bank Account Id\",\"Bank Account Number\",\"Transaction Type\",\"Amount\",\"ACH ID\",\"Statement Descriptor\",\"Linked Reversal ID\"");
    assert!(cash.iter().any(|l| l
        == &"\"2026-04-07\",\"\",\"ORIGINATION\",\"\",\"\",\"CREDIT\",\"839.90\",\"279632500000001\",\"PAYROLL\",\"\""));
    let activity = text("bank-account-reports/2026-04-07_acme-daily-activity-report_20260407.csv");
    assert_eq!(activity.lines().count(), 13, "{activity}");
    // The outgoing credit leaves the program account: a debit there (spec 06 §10.2).
    assert!(activity.contains("\"2026-04-07T00:00:00\",\"2026-04-07T00:00:00\",\"ACH OUTGOING CREDIT WONKA IND PAYROLL 279632500000001\",\"839.9\",\"\""), "{activity}");
    // Day 1 settled nothing: header-only bank reports.
    let empty = text("bank-account-reports/2026-04-06_acme-ach-cash-recon-report_20260406.csv");
    assert_eq!(empty.lines().count(), 1);

    // A rerun over the same data writes the same bytes, and nothing else.
    let o = run_in(
        dir,
        &["reconcile", "--date", "2026-04-07", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["date"], "2026-04-07");
    assert_eq!(doc["partners"][0]["partner"], "acme");
    assert_eq!(doc["partners"][0]["breaks"], 1);
    assert_eq!(doc["partners"][0]["ach_entries"], 12);
    assert_eq!(doc["partners"][0]["fbo"], "skipped");
    assert_eq!(reports(&root), first);
}

#[test]
fn fbo_check_runs_when_configured_and_failures_exit_2() {
    let (w, root) = setup();
    let dir = w.dir();
    ingest_program(dir);
    // Σ balance on 04-07 = 75.00 + 60.00; no non-posted transactions.
    std::fs::write(
        dir.join("bankdrop.toml"),
        format!(
            "data_dir = \"data\"\n[recon]\nfbo_balance = \"135.00\"\n{}",
            w.db.config()
        ),
    )
    .unwrap();
    let o = run_in(dir, &["reconcile", "--date", "2026-04-06"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("FBO break"));
    let o = run_in(dir, &["reconcile", "--date", "2026-04-07"]);
    let summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.join("reports/2026-04-07_balance_reconciliation_summary.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(summary["fbo"]["expected"], "135.00");
    assert_eq!(summary["fbo"]["is_break"], false);
    // Exit 1 all the same: bal-2's balance break.
    assert_eq!(o.status.code(), Some(1));
    let o = run_in(
        dir,
        &["reconcile", "--date", "2026-04-07", "--partner", "nobody"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no partner `nobody`"));
}
