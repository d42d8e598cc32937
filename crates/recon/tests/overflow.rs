//! Checked arithmetic: an overflow or a sum that would need rounding is an error, never a panic
//! and never a silently rounded figure (decision D3).

mod common;

use common::{d, date, deposit, tx};
use recon::{expected_closing, fbo_check, reconcile, BalanceType, Error, ReconConfig};
use rust_decimal::Decimal;

const MAX: &str = "79228162514264337593543950335";

#[test]
fn opening_plus_activity_overflow_is_an_error() {
    let r = reconcile(
        date("2026-01-14"),
        [deposit("b1", &[("balance", MAX)])],
        [tx("t1", "b1", "credit", "1")],
        [deposit("b1", &[("balance", MAX)])],
        &ReconConfig::default(),
    );
    match r {
        Err(Error::Overflow { context, .. }) => {
            assert!(
                context.contains("b1") && context.contains("balance"),
                "{context}"
            )
        }
        other => panic!("expected overflow, got {other:?}"),
    }
}

#[test]
fn activity_sum_overflow_is_an_error() {
    let r = reconcile(
        date("2026-01-14"),
        Vec::<recon::BalanceRow>::new(),
        [tx("t1", "b1", "credit", MAX), tx("t2", "b1", "credit", MAX)],
        [deposit("b1", &[("balance", "0.00")])],
        &ReconConfig::default(),
    );
    match r {
        Err(Error::Overflow { context, .. }) => assert!(context.contains("t2"), "{context}"),
        other => panic!("expected overflow, got {other:?}"),
    }
}

#[test]
fn subtracting_term_overflow_is_an_error() {
    // interest_paid is subtracted from interest_accrued_balance (spec 05 §3.3).
    let r = expected_closing(
        BalanceType::Deposit,
        None,
        [
            tx("t1", "b1", "interest_paid", MAX),
            tx("t2", "b1", "interest_paid", MAX),
        ],
        &ReconConfig::default(),
    );
    assert!(matches!(r, Err(Error::Overflow { .. })), "{r:?}");
}

#[test]
fn a_sum_that_would_round_is_an_error() {
    // rust_decimal would silently give ...950.000 here.
    let r = reconcile(
        date("2026-01-14"),
        [deposit("b1", &[("balance", "79228162514264337593543950")])],
        [tx("t1", "b1", "credit", "0.0001")],
        [deposit("b1", &[("balance", "79228162514264337593543950")])],
        &ReconConfig::default(),
    );
    assert!(matches!(r, Err(Error::Overflow { .. })), "{r:?}");
}

#[test]
fn totals_overflow_is_an_error() {
    // Each balance is fine on its own; the per-component total is not.
    let rows = || {
        vec![
            deposit("b1", &[("balance", MAX)]),
            deposit("b2", &[("balance", MAX)]),
        ]
    };
    let r = reconcile(
        date("2026-01-14"),
        rows(),
        Vec::<recon::TransactionRow>::new(),
        rows(),
        &ReconConfig::default(),
    );
    match r {
        Err(Error::Overflow { context, .. }) => assert!(context.contains("total"), "{context}"),
        other => panic!("expected overflow, got {other:?}"),
    }
}

#[test]
fn fbo_overflow_is_an_error() {
    let r = fbo_check(
        [deposit("b1", &[("balance", MAX)])],
        [d("1")],
        None,
        Decimal::ZERO,
    );
    assert!(matches!(r, Err(Error::Overflow { .. })));
}

#[test]
fn extreme_but_representable_values_reconcile() {
    let r = reconcile(
        date("2026-01-14"),
        [deposit(
            "b1",
            &[("balance", "79228162514264337593543950334")],
        )],
        [tx("t1", "b1", "credit", "1")],
        [deposit("b1", &[("balance", MAX)])],
        &ReconConfig::default(),
    )
    .unwrap();
    assert!(r.breaks.is_empty());
    let tiny = reconcile(
        date("2026-01-14"),
        [deposit("b1", &[("balance", "0.00000001")])],
        [tx("t1", "b1", "credit", "0.00000001")],
        [deposit("b1", &[("balance", "0.00000002")])],
        &ReconConfig::default(),
    )
    .unwrap();
    assert!(tiny.breaks.is_empty());
}
