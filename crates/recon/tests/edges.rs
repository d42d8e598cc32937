//! Edge cases of the reconciliation: empty inputs, new and missing balances, unknown balances,
//! inactive balances, nulls, duplicates, type filters on a null type; and the FBO check.

mod common;

use common::{credit, d, date, deposit, tx};
use recon::{
    fbo_check, reconcile, BalanceRow, BalanceStatus, Error, ReconConfig, Side, TransactionRow,
};
use rust_decimal::Decimal;

fn none_b() -> Vec<BalanceRow> {
    Vec::new()
}
fn none_t() -> Vec<TransactionRow> {
    Vec::new()
}

#[test]
fn empty_inputs() {
    let r = reconcile(
        date("2026-01-14"),
        none_b(),
        none_t(),
        none_b(),
        &ReconConfig::default(),
    )
    .unwrap();
    assert!(r.breaks.is_empty() && r.missing_balances.is_empty());
    assert_eq!(r.summary.balances_checked, 0);
    assert_eq!(r.summary.components.len(), 7);
    assert!(r.summary.components.iter().all(|c| c.balances == 0));
}

#[test]
fn new_balance_opens_at_zero() {
    let r = reconcile(
        date("2026-01-14"),
        none_b(),
        [tx("t1", "n1", "credit", "25.00")],
        [deposit("n1", &[("balance", "25.01")])],
        &ReconConfig::default(),
    )
    .unwrap();
    assert_eq!(r.summary.new_balances, 1);
    assert_eq!(r.breaks.len(), 1);
    let b = &r.breaks[0];
    assert!(b.new_balance);
    assert_eq!(b.opening.to_string(), "0");
    assert_eq!(b.expected.to_string(), "25.00");
    assert_eq!(b.difference.to_string(), "0.01");
}

#[test]
fn missing_and_unmatched() {
    let mut closed = deposit("gone_closed", &[("balance", "0.00")]);
    closed.status = BalanceStatus::Closed;
    let r = reconcile(
        date("2026-01-14"),
        [
            deposit("kept", &[("balance", "1.00")]),
            deposit("gone_active", &[("balance", "1.00")]),
            closed,
        ],
        [
            tx("t1", "gone_active", "debit", "-0.50"),
            tx("t2", "ghost", "credit", "3.00"),
            tx("t3", "ghost", "debit", "-1.25"),
        ],
        [deposit("kept", &[("balance", "1.00")])],
        &ReconConfig::default(),
    )
    .unwrap();
    assert!(r.breaks.is_empty());
    assert_eq!(
        r.missing_balances.len(),
        1,
        "terminal balances may disappear"
    );
    assert_eq!(r.missing_balances[0].balance_id, "gone_active");
    assert_eq!(r.summary.missing_balances, 1);
    assert_eq!(r.summary.transactions_unmatched, 3);
    let u: Vec<(&str, u64, String)> = r
        .unmatched_activity
        .iter()
        .map(|u| (u.balance_id.as_str(), u.transactions, u.amount.to_string()))
        .collect();
    assert_eq!(
        u,
        vec![
            ("ghost", 2, "1.75".to_string()),
            ("gone_active", 1, "-0.50".to_string())
        ]
    );
}

#[test]
fn inactive_balances_are_reconciled_unless_configured() {
    let mut row = deposit("i1", &[("balance", "9.00")]);
    row.status = BalanceStatus::Inactive;
    row.status_reason = "dormant".into();
    let open = [deposit("i1", &[("balance", "10.00")])];
    let r = reconcile(
        date("2026-01-14"),
        &open,
        none_t(),
        [&row],
        &ReconConfig::default(),
    )
    .unwrap();
    assert_eq!(r.breaks.len(), 1);
    assert_eq!(r.breaks[0].status, BalanceStatus::Inactive);
    assert_eq!(r.summary.breaks_on_inactive, 1);
    let cfg = ReconConfig {
        reconcile_inactive: false,
        ..ReconConfig::default()
    };
    let r = reconcile(date("2026-01-14"), &open, none_t(), [&row], &cfg).unwrap();
    assert!(r.breaks.is_empty());
    assert_eq!(r.summary.balances_not_reconciled, 1);
    assert_eq!(r.summary.balances_checked, 0);
}

#[test]
fn null_reported_reads_as_zero_and_is_counted() {
    let r = reconcile(
        date("2026-01-14"),
        [deposit("b1", &[("balance", "1.00")])],
        [tx("t1", "b1", "dispute_provisional", "2.00")],
        [deposit("b1", &[("balance", "3.00")])],
        &ReconConfig::default(),
    )
    .unwrap();
    assert_eq!(r.breaks.len(), 1);
    assert_eq!(r.breaks[0].component, "dispute_balance");
    assert_eq!(r.breaks[0].reported, Decimal::ZERO);
    assert_eq!(r.breaks[0].difference.to_string(), "-2.00");
    let nulls: u64 = r.summary.components.iter().map(|c| c.reported_nulls).sum();
    assert_eq!(nulls, 4, "rewards, interest, dispute, charge-off were null");
}

#[test]
fn null_type_counts_only_in_not_in_filters() {
    let mut t = tx("t1", "b1", "x", "4.00").with("rewards_amount", d("1.00"));
    t.tx_type = None;
    let r = reconcile(
        date("2026-01-14"),
        none_b(),
        [t],
        [deposit("b1", &[("balance", "4.00")])],
        &ReconConfig::default(),
    )
    .unwrap();
    assert!(r.breaks.is_empty(), "{:?}", r.breaks);
}

#[test]
fn unknown_type_counts_as_any_other_type() {
    // spec 05 §3.5: "any other type" moves deposit `balance` and credit principal.
    let r = reconcile(
        date("2026-01-14"),
        none_b(),
        [
            tx("t1", "d1", "atm_withdrawal", "-4.00"),
            tx("t2", "c1", "purchase", "7.00").with("principal_amount", d("7.00")),
        ],
        [
            deposit("d1", &[("balance", "-4.00")]),
            credit(
                "c1",
                &[("balance", "7.00"), ("outstanding_principal", "7.00")],
            ),
        ],
        &ReconConfig::default(),
    )
    .unwrap();
    assert!(r.breaks.is_empty(), "{:?}", r.breaks);
}

#[test]
fn duplicates_are_errors() {
    let two = || vec![deposit("b1", &[]), deposit("b1", &[])];
    let e = reconcile(
        date("2026-01-14"),
        two(),
        none_t(),
        none_b(),
        &ReconConfig::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::DuplicateBalance {
                side: Side::Opening,
                ..
            }
        ),
        "{e}"
    );
    let e = reconcile(
        date("2026-01-14"),
        none_b(),
        none_t(),
        two(),
        &ReconConfig::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::DuplicateBalance {
                side: Side::Closing,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn breaks_of_finds_a_balances_breaks() {
    let r = reconcile(
        date("2026-01-14"),
        none_b(),
        none_t(),
        [
            deposit("a", &[("balance", "1.00")]),
            deposit("b", &[("balance", "0.00")]),
            deposit("c", &[("balance", "1.00"), ("dispute_balance", "1.00")]),
        ],
        &ReconConfig::default(),
    )
    .unwrap();
    assert_eq!(r.breaks_of("a").len(), 1);
    assert_eq!(r.breaks_of("b").len(), 0);
    assert_eq!(r.breaks_of("c").len(), 2);
    assert_eq!(r.breaks_of("zzz").len(), 0);
}

#[test]
fn fbo_check_sums_deposit_balances_and_non_posted() {
    let rows = [
        deposit("d1", &[("balance", "100.00")]),
        deposit("d2", &[("balance", "50.125")]),
        deposit("d3", &[]),
        credit("c1", &[("balance", "999.00")]),
    ];
    let f = fbo_check(
        &rows,
        [d("10.00"), d("-2.50")],
        Some(d("157.625")),
        Decimal::ZERO,
    )
    .unwrap();
    assert_eq!(f.deposit_balances, 3);
    assert_eq!(f.balances_total.to_string(), "150.125");
    assert_eq!(f.non_posted, 2);
    assert_eq!(f.non_posted_total.to_string(), "7.50");
    assert_eq!(f.expected.to_string(), "157.625");
    assert_eq!(f.difference.unwrap().to_string(), "0.000");
    assert!(!f.is_break);

    let f = fbo_check(&rows, [d("10.00")], Some(d("150.00")), Decimal::ZERO).unwrap();
    assert!(f.is_break);
    assert_eq!(f.difference.unwrap().to_string(), "-10.125");

    let f = fbo_check(&rows, [], None, Decimal::ZERO).unwrap();
    assert!(!f.is_break);
    assert_eq!(f.difference, None);
}
