//! No panics on any input: arbitrary cells and arbitrary (huge, tiny, negative) amounts give a
//! value or an error, and a reconciliation of made-up books matches an independent sum.

mod common;

use std::collections::HashMap;

use common::date;
use proptest::prelude::*;
use recon::{reconcile, BalanceRow, BalanceStatus, BalanceType, ReconConfig, TransactionRow};
use rust_decimal::Decimal;

fn any_decimal() -> impl Strategy<Value = Decimal> {
    (any::<i64>(), 0u32..=28, any::<bool>()).prop_map(|(m, scale, big)| {
        let mut d = Decimal::new(m, scale.min(18));
        if big {
            d = Decimal::from_i128_with_scale(i128::from(m) << 30, scale);
        }
        d
    })
}

proptest! {
    #[test]
    fn row_constructors_never_panic(cells in proptest::collection::hash_map(
        prop_oneof![
            Just("client_balance_id".to_string()), Just("id".to_string()),
            Just("account_id".to_string()), Just("type".to_string()),
            Just("status".to_string()), Just("status_reason".to_string()),
            Just("balance".to_string()), Just("dispute_balance".to_string()),
            Just("client_transaction_id".to_string()), Just("balance_id".to_string()),
            Just("amount".to_string()), Just("currency".to_string()),
            Just("settlement_date".to_string()), Just("principal_amount".to_string()),
        ],
        "\\PC{0,40}",
        0..14,
    )) {
        let cfg = ReconConfig::default();
        let _ = BalanceRow::from_cells(&cells, &cfg);
        let _ = TransactionRow::from_cells(&cells, &cfg);
    }

    #[test]
    fn reconcile_never_panics(
        opening in proptest::collection::vec(any_decimal(), 0..6),
        txs in proptest::collection::vec((0usize..4, 0usize..16, any_decimal(), any_decimal()), 0..24),
        closing in proptest::collection::vec(any_decimal(), 0..6),
    ) {
        let types = ["debit", "credit", "interest_accrued", "interest_paid", "dispute_won",
            "fee", "charge_off", "rewards_earned", "dispute_provisional", "charge_off_recovery",
            "disbursement", "refund", "dispute_lost", "rewards_spent", "x", "interest_paid"];
        let row = |i: usize, v: Decimal| {
            let ty = if i.is_multiple_of(2) { BalanceType::Deposit } else { BalanceType::Credit };
            BalanceRow::new(format!("b{i}"), "a", ty, BalanceStatus::Active, "active")
                .with("balance", v)
                .with("outstanding_principal", v)
                .with("dispute_balance", v)
        };
        let o: Vec<_> = opening.iter().enumerate().map(|(i, v)| row(i, *v)).collect();
        let c: Vec<_> = closing.iter().enumerate().map(|(i, v)| row(i, *v)).collect();
        let t: Vec<_> = txs.iter().enumerate().map(|(n, (b, ty, a, p))| {
            TransactionRow::new(format!("t{n}"), format!("b{b}"), types[*ty], *a)
                .with("principal_amount", *p)
                .with("rewards_amount", *p)
        }).collect();
        let _ = reconcile(date("2026-01-14"), &o, &t, &c, &ReconConfig::default());
    }

    /// Deposit `balance` only: the library agrees with a plain i128 sum over cents.
    #[test]
    fn deposit_balance_matches_integer_sum(
        open in -1_000_000_000i64..1_000_000_000,
        txs in proptest::collection::vec((0usize..4, -1_000_000i64..1_000_000), 0..40),
        off in -2i64..=2,
    ) {
        let types = ["debit", "interest_accrued", "dispute_won", "charge_off"];
        let mut cents = i128::from(open);
        let t: Vec<_> = txs.iter().enumerate().map(|(n, (ty, a))| {
            if types[*ty] != "interest_accrued" && types[*ty] != "dispute_won" {
                cents += i128::from(*a);
            }
            TransactionRow::new(format!("t{n}"), "b", types[*ty], Decimal::new(*a, 2))
        }).collect();
        let cfg = ReconConfig { deposit_components: vec!["balance".into()], ..ReconConfig::default() };
        let reported = Decimal::from_i128_with_scale(cents + i128::from(off), 2);
        let o = [common::deposit("b", &[]).with("balance", Decimal::new(open, 2))];
        let c = [common::deposit("b", &[]).with("balance", reported)];
        let r = reconcile(date("2026-01-14"), &o, &t, &c, &cfg).unwrap();
        prop_assert_eq!(r.breaks.len(), usize::from(off != 0));
        if off != 0 {
            prop_assert_eq!(r.breaks[0].difference, Decimal::new(off, 2));
        }
    }
}

#[test]
fn hashmap_of_strings_is_cells() {
    let cells: HashMap<String, String> = HashMap::new();
    assert!(BalanceRow::from_cells(&cells, &ReconConfig::default()).is_err());
}
