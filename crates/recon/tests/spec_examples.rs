//! The constructed examples of spec 05 §1.6 (deposit) and §1.7 (credit), with exact amounts.

mod common;

use common::{credit, d, date, deposit, tx};
use recon::{
    expected_closing, reconcile, BalanceType, Formula, ReconConfig, Sign, Term, TypeFilter,
};

fn spec_1_6_opening() -> recon::BalanceRow {
    deposit(
        "b1",
        &[
            ("balance", "100.00"),
            ("rewards_balance", "5.00"),
            ("interest_accrued_balance", "0.30"),
            ("dispute_balance", "0.00"),
            ("charge_off_balance", "0.00"),
        ],
    )
}

fn spec_1_6_transactions() -> Vec<recon::TransactionRow> {
    vec![
        tx("t1", "b1", "debit", "-20.00").with("rewards_amount", d("0.20")),
        tx("t2", "b1", "credit", "50.00"),
        tx("t3", "b1", "interest_accrued", "0.05"),
        tx("t4", "b1", "interest_paid", "0.35"),
        tx("t5", "b1", "dispute_provisional", "10.00"),
    ]
}

#[test]
fn deposit_example_1_6_expected_values() {
    let cfg = ReconConfig::default();
    let open = spec_1_6_opening();
    let exp = expected_closing(
        BalanceType::Deposit,
        Some(&open),
        spec_1_6_transactions(),
        &cfg,
    )
    .unwrap();
    let s = |c: &str| exp[c].to_string();
    assert_eq!(s("balance"), "140.35"); // t3 (interest_accrued) excluded
    assert_eq!(s("rewards_balance"), "5.20");
    assert_eq!(s("interest_accrued_balance"), "0.00"); // 0.30 + 0.05 - 0.35
    assert_eq!(s("dispute_balance"), "10.00");
    assert_eq!(s("charge_off_balance"), "0.00");
    assert_eq!(exp.len(), 5);
}

#[test]
fn deposit_example_1_6_reconciles_and_breaks() {
    let cfg = ReconConfig::default();
    let closing = deposit(
        "b1",
        &[
            ("balance", "140.35"),
            ("rewards_balance", "5.20"),
            ("interest_accrued_balance", "0.00"),
            ("dispute_balance", "10.00"),
            ("charge_off_balance", "0.00"),
        ],
    );
    let r = reconcile(
        date("2026-01-14"),
        [spec_1_6_opening()],
        spec_1_6_transactions(),
        [closing.clone()],
        &cfg,
    )
    .unwrap();
    assert!(r.breaks.is_empty(), "{:?}", r.breaks);
    assert_eq!(r.summary.balances_checked, 1);
    assert_eq!(r.summary.transactions, 5);

    // A partner that forgot to move the paid interest out of interest_accrued_balance.
    let wrong = closing.with("interest_accrued_balance", d("0.35"));
    let r = reconcile(
        date("2026-01-14"),
        [spec_1_6_opening()],
        spec_1_6_transactions(),
        [wrong],
        &cfg,
    )
    .unwrap();
    assert_eq!(r.breaks.len(), 1);
    let b = &r.breaks[0];
    assert_eq!(b.component, "interest_accrued_balance");
    assert_eq!(b.opening.to_string(), "0.30");
    assert_eq!(b.activity.to_string(), "-0.30");
    assert_eq!(b.expected.to_string(), "0.00");
    assert_eq!(b.reported.to_string(), "0.35");
    assert_eq!(b.difference.to_string(), "0.35");
}

#[test]
fn deposit_example_1_6_dispute_won_and_lost() {
    let cfg = ReconConfig::default();
    let after = deposit("b1", &[("balance", "140.35"), ("dispute_balance", "10.00")]);
    // Won: balance unchanged (dispute_won excluded), dispute_balance back to 0 with -10.00 (A).
    let won = expected_closing(
        BalanceType::Deposit,
        Some(&after),
        [tx("t6", "b1", "dispute_won", "-10.00")],
        &cfg,
    )
    .unwrap();
    assert_eq!(won["balance"].to_string(), "140.35");
    assert_eq!(won["dispute_balance"].to_string(), "0.00");
    // Lost: a dispute_lost row of -10.00 (A) lowers both.
    let lost = expected_closing(
        BalanceType::Deposit,
        Some(&after),
        [tx("t6", "b1", "dispute_lost", "-10.00")],
        &cfg,
    )
    .unwrap();
    assert_eq!(lost["balance"].to_string(), "130.35");
    assert_eq!(lost["dispute_balance"].to_string(), "0.00");
}

/// The credit formulas the spec does not show, as the "assumed mirror" of spec 05 §3.4, given
/// by config exactly as a program would (they are not built in).
fn credit_config_with_mirrors() -> ReconConfig {
    let mut cfg = ReconConfig::default();
    cfg.balance_columns.push("outstanding_interest".into());
    cfg.credit_components = vec![
        "balance".into(),
        "outstanding_principal".into(),
        "outstanding_interest".into(),
        "outstanding_fees".into(),
    ];
    let not_in = TypeFilter::NotIn(vec!["charge_off_recovery".into(), "dispute_won".into()]);
    for (component, column) in [
        ("outstanding_fees", "fee_amount"),
        ("outstanding_interest", "interest_amount"),
    ] {
        cfg.formulas.push(Formula {
            balance_type: BalanceType::Credit,
            component: component.into(),
            terms: vec![Term {
                column: column.into(),
                types: not_in.clone(),
                sign: Sign::Plus,
            }],
            source: "assumed mirror of spec 05 §3.4 (test)".into(),
        });
    }
    cfg
}

fn spec_1_7() -> (recon::BalanceRow, Vec<recon::TransactionRow>) {
    let open = credit(
        "c1",
        &[
            ("balance", "500.00"),
            ("outstanding_principal", "450.00"),
            ("outstanding_interest", "30.00"),
            ("outstanding_fees", "20.00"),
        ],
    );
    let txs = vec![
        tx("t1", "c1", "disbursement", "100.00").with("principal_amount", d("100.00")),
        tx("t2", "c1", "fee", "25.00").with("fee_amount", d("25.00")),
        tx("t3", "c1", "interest_accrued", "4.00").with("interest_amount", d("4.00")),
    ];
    (open, txs)
}

#[test]
fn credit_example_1_7_builtin_formulas() {
    let (open, txs) = spec_1_7();
    let exp = expected_closing(
        BalanceType::Credit,
        Some(&open),
        txs,
        &ReconConfig::default(),
    )
    .unwrap();
    assert_eq!(exp["balance"].to_string(), "629.00"); // none of the three types excluded
    assert_eq!(exp["outstanding_principal"].to_string(), "550.00"); // fee, interest excluded
    assert_eq!(
        exp.len(),
        2,
        "fees/interest formulas are NOT SEEN: not built in"
    );
}

#[test]
fn credit_example_1_7_with_configured_mirrors() {
    let cfg = credit_config_with_mirrors();
    let (open, txs) = spec_1_7();
    let exp = expected_closing(BalanceType::Credit, Some(&open), txs.clone(), &cfg).unwrap();
    assert_eq!(exp["outstanding_fees"].to_string(), "45.00");
    assert_eq!(exp["outstanding_interest"].to_string(), "34.00");
    // Identity check of spec 05 §1.7: 550.00 + 34.00 + 45.00 = 629.00.
    let parts =
        exp["outstanding_principal"] + exp["outstanding_interest"] + exp["outstanding_fees"];
    assert_eq!(parts, exp["balance"]);

    let closing = credit(
        "c1",
        &[
            ("balance", "629.00"),
            ("outstanding_principal", "550.00"),
            ("outstanding_interest", "34.00"),
            ("outstanding_fees", "45.00"),
        ],
    );
    let r = reconcile(date("2026-01-14"), [open], txs, [closing], &cfg).unwrap();
    assert!(r.breaks.is_empty(), "{:?}", r.breaks);
    assert_eq!(r.summary.components.len(), 5 + 4);
}
