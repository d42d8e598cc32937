//! Report writers: byte-exact output, header-only files for empty days, file names, atomic
//! writes.

mod common;

use chrono::NaiveDate;
use common::{credit, d, date, deposit, tx};
use recon::reports::{
    self, write_ach_cash_recon, write_balance_reconciliation, write_daily_activity,
    write_daily_balance, write_summary_json, AchSettlement, ActivityCodes, ActivityLine,
    AmountStyle, BankReportFormat, EntryDirection, LineEnding, SettlementType,
};
use recon::{fbo_check, reconcile, BalanceRow, BalanceStatus, ReconConfig, Reconciliation};
use rust_decimal::Decimal;

fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut out = Vec::new();
    f(&mut out);
    String::from_utf8(out).unwrap()
}

fn sample() -> (Vec<BalanceRow>, Reconciliation) {
    let mut inactive = deposit("dep|2", &[("balance", "5.00")]);
    inactive.status = BalanceStatus::Inactive;
    inactive.status_reason = "frozen".into();
    inactive.currency = Some("USD".into());
    let closing = vec![
        credit(
            "cr_1",
            &[("balance", "629.00"), ("outstanding_principal", "551.00")],
        ),
        deposit(
            "dep_1",
            &[("balance", "140.35"), ("dispute_balance", "10.00")],
        ),
        inactive,
        deposit("dep_new", &[("balance", "7.500")]),
    ];
    let opening = vec![
        credit(
            "cr_1",
            &[("balance", "500.00"), ("outstanding_principal", "450.00")],
        ),
        deposit("dep_1", &[("balance", "100.00")]),
        deposit("dep|2", &[("balance", "5.00")]),
        deposit("gone", &[("balance", "1.00")]),
    ];
    let txs = vec![
        tx("t1", "cr_1", "disbursement", "100.00").with("principal_amount", d("100.00")),
        tx("t2", "cr_1", "fee", "29.00").with("fee_amount", d("29.00")),
        tx("t3", "dep_1", "credit", "30.35"),
        tx("t4", "dep_1", "dispute_provisional", "10.00"),
        tx("t5", "dep_new", "credit", "7.50"),
        tx("t6", "ghost", "debit", "-1.00"),
    ];
    let r = reconcile(
        date("2026-01-14"),
        &opening,
        &txs,
        &closing,
        &ReconConfig::default(),
    )
    .unwrap();
    (closing, r)
}

#[test]
fn balance_reconciliation_csv_is_byte_exact() {
    let (_, r) = sample();
    let got = text(|w| write_balance_reconciliation(w, &r).unwrap());
    assert_eq!(
        got,
        "balance_id|account_id|component|opening|activity|expected|reported|difference\n\
         cr_1|acct_cr_1|outstanding_principal|450.00|100.00|550.00|551.00|1.00\n"
    );
}

#[test]
fn balance_reconciliation_quotes_a_delimiter_in_a_value() {
    let r = reconcile(
        date("2026-01-14"),
        Vec::<BalanceRow>::new(),
        Vec::<recon::TransactionRow>::new(),
        [deposit("a|b", &[("balance", "1.00")])],
        &ReconConfig::default(),
    )
    .unwrap();
    let got = text(|w| write_balance_reconciliation(w, &r).unwrap());
    assert_eq!(
        got.lines().nth(1).unwrap(),
        "\"a|b\"|\"acct_a|b\"|balance|0|0|0|1.00|1.00"
    );
}

#[test]
fn summary_json_is_byte_exact() {
    let (closing, r) = sample();
    let fbo = fbo_check(&closing, [d("2.00")], Some(d("154.850")), Decimal::ZERO).unwrap();
    let got = text(|w| write_summary_json(w, &r, Some(&fbo)).unwrap());
    let component = |t: &str,
                     c: &str,
                     n: u64,
                     o: &str,
                     a: &str,
                     e: &str,
                     rep: &str,
                     b: u64,
                     nulls: u64| {
        format!(
            "    {{\n      \"balance_type\": \"{t}\",\n      \"component\": \"{c}\",\n      \"balances\": {n},\n      \"opening\": \"{o}\",\n      \"activity\": \"{a}\",\n      \"expected\": \"{e}\",\n      \"reported\": \"{rep}\",\n      \"breaks\": {b},\n      \"reported_nulls\": {nulls}\n    }}"
        )
    };
    let components = [
        component(
            "deposit", "balance", 3, "105.00", "47.85", "152.85", "152.850", 0, 0,
        ),
        component("deposit", "rewards_balance", 3, "0", "0", "0", "0", 0, 3),
        component(
            "deposit",
            "interest_accrued_balance",
            3,
            "0",
            "0",
            "0",
            "0",
            0,
            3,
        ),
        component(
            "deposit",
            "dispute_balance",
            3,
            "0",
            "10.00",
            "10.00",
            "10.00",
            0,
            2,
        ),
        component("deposit", "charge_off_balance", 3, "0", "0", "0", "0", 0, 3),
        component(
            "credit", "balance", 1, "500.00", "129.00", "629.00", "629.00", 0, 0,
        ),
        component(
            "credit",
            "outstanding_principal",
            1,
            "450.00",
            "100.00",
            "550.00",
            "551.00",
            1,
            0,
        ),
    ]
    .join(",\n");
    let expected = format!(
        r#"{{
  "date": "2026-01-14",
  "tolerance": "0",
  "balances_opening": 4,
  "balances_closing": 4,
  "balances_checked": 4,
  "balances_not_reconciled": 0,
  "new_balances": 1,
  "transactions": 6,
  "transactions_unmatched": 1,
  "breaks": 1,
  "breaks_on_inactive": 0,
  "missing_balances": [
    {{
      "balance_id": "gone",
      "status": "active"
    }}
  ],
  "unmatched_activity": [
    {{
      "balance_id": "ghost",
      "transactions": 1,
      "amount": "-1.00"
    }}
  ],
  "components": [
{components}
  ],
  "fbo": {{
    "deposit_balances": 3,
    "balances_total": "152.850",
    "non_posted": 1,
    "non_posted_total": "2.00",
    "expected": "154.850",
    "fbo_balance": "154.850",
    "difference": "0.000",
    "is_break": false
  }}
}}
"#
    );
    assert_eq!(got, expected);
}

#[test]
fn daily_balance_csv_is_byte_exact() {
    let (closing, r) = sample();
    let cfg = ReconConfig::default();
    let got = text(|w| write_daily_balance(w, &closing, &r, &cfg).unwrap());
    assert_eq!(
        got,
        "balance_id|account_id|type|status|status_reason|currency|balance|rewards_balance|interest_accrued_balance|dispute_balance|charge_off_balance|past_due_balance|outstanding_principal|outstanding_fees|reconciliation|break_components\n\
         cr_1|acct_cr_1|credit|active|active||629.00||||||551.00||break|outstanding_principal\n\
         dep_1|acct_dep_1|deposit|active|active||140.35|||10.00|||||ok|\n\
         \"dep|2\"|\"acct_dep|2\"|deposit|inactive|frozen|USD|5.00||||||||ok|\n\
         dep_new|acct_dep_new|deposit|active|active||7.500||||||||ok|\n"
    );
    let off = ReconConfig {
        reconcile_inactive: false,
        ..ReconConfig::default()
    };
    let got = text(|w| write_daily_balance(w, &closing[2..3], &r, &off).unwrap());
    assert!(got.ends_with("|not_reconciled|\n"), "{got}");
}

fn entry(
    code: &str,
    ach_id: &str,
    cents: u64,
    dir: EntryDirection,
    received: bool,
) -> AchSettlement {
    AchSettlement {
        settlement_date: date("2026-01-14"),
        settlement_code: code.into(),
        settlement_type: SettlementType::Origination,
        bank_account_id: "account_2WxBDCONkqokrba1kD2WhYeXz2g".into(),
        bank_account_number: "1000122854".into(),
        direction: dir,
        amount_cents: cents,
        ach_id: ach_id.into(),
        statement_descriptor: "PAYROLL".into(),
        linked_reversal_id: None,
        trace_number: ach_id.into(),
        effective_date: date("2026-01-13"),
        company_name: "ACME, INC".into(),
        company_id: "9001843647".into(),
        sec_code: "PPD".into(),
        received,
    }
}

fn entries() -> Vec<AchSettlement> {
    let mut ret = entry(
        "5702",
        "091000010000002",
        2_460,
        EntryDirection::Debit,
        false,
    );
    ret.settlement_type = SettlementType::Return;
    ret.linked_reversal_id = Some("091000010000001".into());
    ret.statement_descriptor = "say \"hi\"".into();
    let mut other_day = entry("5701", "091000010000009", 1, EntryDirection::Credit, false);
    other_day.settlement_date = date("2026-01-15");
    vec![
        ret,
        entry(
            "5701",
            "091000010000001",
            123_045,
            EntryDirection::Credit,
            true,
        ),
        other_day,
        entry(
            "5701",
            "091000010000003",
            2_500,
            EntryDirection::Debit,
            false,
        ),
    ]
}

#[test]
fn ach_cash_recon_is_byte_exact() {
    let fmt = BankReportFormat::default();
    let mut n = 0;
    let got = text(|w| n = write_ach_cash_recon(w, date("2026-01-14"), entries(), &fmt).unwrap());
    assert_eq!(n, 3);
    assert_eq!(
        got,
        "\"Settlement Date\",\"Settlement Code\",\"Settlement Type\",\"Bank Account Id\",\"Bank Account Number\",\"Transaction Type\",\"Amount\",\"ACH ID\",\"Statement Descriptor\",\"Linked Reversal ID\"\n\
         \"2026-01-14\",\"5701\",\"ORIGINATION\",\"account_2WxBDCONkqokrba1kD2WhYeXz2g\",\"1000122854\",\"CREDIT\",\"1230.45\",\"091000010000001\",\"PAYROLL\",\"\"\n\
         \"2026-01-14\",\"5701\",\"ORIGINATION\",\"account_2WxBDCONkqokrba1kD2WhYeXz2g\",\"1000122854\",\"DEBIT\",\"25.00\",\"091000010000003\",\"PAYROLL\",\"\"\n\
         \"2026-01-14\",\"5702\",\"RETURN\",\"account_2WxBDCONkqokrba1kD2WhYeXz2g\",\"1000122854\",\"DEBIT\",\"24.60\",\"091000010000002\",\"say \"\"hi\"\"\",\"091000010000001\"\n"
    );
    // Other settings: unquoted pipes, CRLF, dollar amounts (a `,` inside needs no quotes then).
    let fmt = BankReportFormat {
        delimiter: '|',
        quote_all: false,
        line_ending: LineEnding::Crlf,
        amount_style: AmountStyle::Dollar,
        ..BankReportFormat::default()
    };
    let got = text(|w| {
        write_ach_cash_recon(w, date("2026-01-14"), &entries()[1..2], &fmt).unwrap();
    });
    assert_eq!(
        got,
        "Settlement Date|Settlement Code|Settlement Type|Bank Account Id|Bank Account Number|Transaction Type|Amount|ACH ID|Statement Descriptor|Linked Reversal ID\r\n\
         2026-01-14|5701|ORIGINATION|account_2WxBDCONkqokrba1kD2WhYeXz2g|1000122854|CREDIT|$1,230.45|091000010000001|PAYROLL|\r\n"
    );
}

#[test]
fn ach_cash_recon_input_order_does_not_matter() {
    let fmt = BankReportFormat::default();
    let a = text(|w| {
        write_ach_cash_recon(w, date("2026-01-14"), entries(), &fmt).unwrap();
    });
    let mut rev = entries();
    rev.reverse();
    let b = text(|w| {
        write_ach_cash_recon(w, date("2026-01-14"), rev, &fmt).unwrap();
    });
    assert_eq!(a, b);
}

#[test]
fn daily_activity_is_byte_exact() {
    let codes = ActivityCodes::default();
    let mut lines: Vec<ActivityLine> = entries()
        .iter()
        .map(|e| ActivityLine::from_ach(e, &codes).unwrap())
        .collect();
    lines.push(ActivityLine {
        account_number: "1000123456".into(),
        transaction_date: date("2026-01-14").and_hms_opt(9, 30, 5).unwrap(),
        posted_date: date("2026-01-14").and_hms_opt(9, 30, 5).unwrap(),
        description: "TRANSFER FROM ALL IN CHECKING ACCOUNT 1000123456".into(),
        direction: EntryDirection::Credit,
        amount: d("19.950"),
        transaction_code: Some(16),
        check_number: Some(12345),
        company_id: None,
        sec_code: None,
    });
    let fmt = BankReportFormat::default();
    let mut n = 0;
    let got = text(|w| n = write_daily_activity(w, date("2026-01-14"), &lines, &fmt).unwrap());
    assert_eq!(n, 4);
    // DEBIT_AMOUNT / CREDIT_AMOUNT are the program account's (spec 06 §10.2): the received credit
    // credits it, the outgoing debit pulls money into it (a credit), the return of an outgoing
    // credit brings the money back (a credit); descriptions keep the entries' own direction.
    assert_eq!(
        got,
        "\"ACCOUNT_NUMBER\",\"TRANSACTION_DATE\",\"POSTED_DATE\",\"DESCRIPTION\",\"DEBIT_AMOUNT\",\"CREDIT_AMOUNT\",\"TRANSACTION_CODE\",\"CHECK_NUMBER\",\"COMPANY_ID\",\"SEC_CODE\"\n\
         \"1000122854\",\"2026-01-13T00:00:00\",\"2026-01-14T00:00:00\",\"ACH INCOMING CREDIT ACME, INC PAYROLL 091000010000001\",\"\",\"1230.45\",\"26\",\"0\",\"9001843647\",\"PPD\"\n\
         \"1000122854\",\"2026-01-13T00:00:00\",\"2026-01-14T00:00:00\",\"ACH OUTGOING DEBIT ACME, INC PAYROLL 091000010000003\",\"\",\"25\",\"14\",\"0\",\"\",\"\"\n\
         \"1000122854\",\"2026-01-13T00:00:00\",\"2026-01-14T00:00:00\",\"ACH RETURN DEBIT ACME, INC say \"\"hi\"\" 091000010000002\",\"\",\"24.6\",\"\",\"0\",\"\",\"\"\n\
         \"1000123456\",\"2026-01-14T09:30:05\",\"2026-01-14T09:30:05\",\"TRANSFER FROM ALL IN CHECKING ACCOUNT 1000123456\",\"\",\"19.95\",\"16\",\"12345\",\"\",\"\"\n"
    );
}

#[test]
fn empty_inputs_write_header_only_reports() {
    let r = reconcile(
        date("2026-01-17"),
        Vec::<BalanceRow>::new(),
        Vec::<recon::TransactionRow>::new(),
        Vec::<BalanceRow>::new(),
        &ReconConfig::default(),
    )
    .unwrap();
    let cfg = ReconConfig::default();
    let fmt = BankReportFormat::default();
    assert_eq!(
        text(|w| write_balance_reconciliation(w, &r).unwrap()),
        "balance_id|account_id|component|opening|activity|expected|reported|difference\n"
    );
    assert_eq!(
        text(|w| write_daily_balance(w, Vec::<BalanceRow>::new(), &r, &cfg).unwrap()),
        "balance_id|account_id|type|status|status_reason|currency|balance|rewards_balance|interest_accrued_balance|dispute_balance|charge_off_balance|past_due_balance|outstanding_principal|outstanding_fees|reconciliation|break_components\n"
    );
    // A Saturday: nothing settled. Entries of other days are not this day's.
    let sat = date("2026-01-17");
    let got = text(|w| {
        assert_eq!(write_ach_cash_recon(w, sat, entries(), &fmt).unwrap(), 0);
    });
    assert_eq!(got.lines().count(), 1);
    assert!(got.starts_with("\"Settlement Date\","));
    let got = text(|w| {
        assert_eq!(
            write_daily_activity(w, sat, Vec::<ActivityLine>::new(), &fmt).unwrap(),
            0
        );
    });
    assert_eq!(
        got,
        "\"ACCOUNT_NUMBER\",\"TRANSACTION_DATE\",\"POSTED_DATE\",\"DESCRIPTION\",\"DEBIT_AMOUNT\",\"CREDIT_AMOUNT\",\"TRANSACTION_CODE\",\"CHECK_NUMBER\",\"COMPANY_ID\",\"SEC_CODE\"\n"
    );
    let summary = text(|w| write_summary_json(w, &r, None).unwrap());
    assert!(summary.contains("\"breaks\": 0,"));
    assert!(summary.contains("\"missing_balances\": [],"));
    assert!(summary.ends_with("\"fbo\": null\n}\n"), "{summary}");
}

#[test]
fn file_names() {
    let d = NaiveDate::from_ymd_opt(2026, 1, 14).unwrap();
    assert_eq!(
        reports::balance_reconciliation_file_name(d),
        "2026-01-14_balance_reconciliation.csv"
    );
    assert_eq!(
        reports::balance_reconciliation_summary_file_name(d),
        "2026-01-14_balance_reconciliation_summary.json"
    );
    assert_eq!(
        reports::daily_balance_file_name(d),
        "2026-01-14_daily_balance.csv"
    );
    assert_eq!(
        reports::ach_cash_recon_file_name(d, "acme_pay", "20260115").unwrap(),
        "2026-01-14_acme_pay-ach-cash-recon-report_20260115.csv"
    );
    assert_eq!(
        reports::daily_activity_file_name(d, "acme", "v1", &BankReportFormat::default()).unwrap(),
        "2026-01-14_acme-daily-activity-report_v1.csv"
    );
    for (p, x) in [
        ("../etc", "v1"),
        ("acme", "a/b"),
        ("", "v1"),
        ("acme", ""),
        ("ac me", "1"),
    ] {
        assert!(
            reports::ach_cash_recon_file_name(d, p, x).is_err(),
            "{p} {x}"
        );
    }
}

#[test]
fn bad_delimiter_is_refused() {
    let fmt = BankReportFormat {
        delimiter: '"',
        ..BankReportFormat::default()
    };
    let mut out = Vec::new();
    assert!(write_ach_cash_recon(&mut out, date("2026-01-14"), entries(), &fmt).is_err());
    assert!(out.is_empty(), "nothing written before the check");
}

#[test]
fn bank_format_from_toml() {
    let fmt: BankReportFormat = toml::from_str(
        "delimiter = \"|\"\nquote_all = false\nline_ending = \"crlf\"\namount_style = \"dollar\"\n",
    )
    .unwrap();
    assert_eq!(fmt.delimiter, '|');
    assert_eq!(fmt.amount_style, AmountStyle::Dollar);
    let def: BankReportFormat = toml::from_str("").unwrap();
    assert_eq!(def, BankReportFormat::default());
    let codes: ActivityCodes = toml::from_str("outgoing_credit = 15").unwrap();
    assert_eq!(codes.outgoing_credit, Some(15));
    assert_eq!(codes.incoming_credit, Some(26));
}

#[test]
fn atomic_write_replaces_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("2026-01-14_balance_reconciliation.csv");
    std::fs::write(&path, "old").unwrap();
    let (_, r) = sample();
    reports::write_atomically(&path, |w| write_balance_reconciliation(w, &r)).unwrap();
    let first = std::fs::read(&path).unwrap();
    reports::write_atomically(&path, |w| write_balance_reconciliation(w, &r)).unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        first,
        "a rerun gives the same bytes"
    );
    // A failing writer leaves the old file and no temporary file behind.
    let e = reports::write_atomically(&path, |w| {
        use std::io::Write;
        w.write_all(b"partial")?;
        Err(recon::Error::BadName("simulated".into()))
    });
    assert!(e.is_err());
    assert_eq!(std::fs::read(&path).unwrap(), first);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}
