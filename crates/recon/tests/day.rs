//! The nightly run's reconciliation, one balance at a time from day sums ([`DayReconciler`],
//! exact integer [`Amount`]s, [`DailyBalanceRows`]), finds what [`reconcile`] finds from the
//! rows and transactions themselves (`Decimal`s), and writes the same report bytes: random days
//! of deposit and credit balances, new, missing, inactive and closed ones, null amounts,
//! unknown and null transaction types, mixed scales, under several configurations.

mod common;

use std::collections::BTreeMap;

use common::date;
use proptest::prelude::*;
use recon::reports::{
    write_balance_reconciliation, write_daily_balance, write_daily_balance_header,
    write_summary_json, DailyBalanceRows,
};
use recon::{
    reconcile, Amount, BalanceRow, BalanceStatus, BalanceType, DayBalance, DayColumns,
    DayReconciler, DaySide, ReconConfig, Sum, TransactionRow,
};
use rust_decimal::Decimal;

const TYPES: [Option<&str>; 12] = [
    Some("debit"),
    Some("credit"),
    Some("interest_accrued"),
    Some("interest_paid"),
    Some("dispute_won"),
    Some("dispute_provisional"),
    Some("charge_off_recovery"),
    Some("rewards_earned"),
    Some("fee"),
    Some("weird_new_type"),
    Some("refund"),
    None,
];

const STATUSES: [BalanceStatus; 4] = [
    BalanceStatus::Active,
    BalanceStatus::Inactive,
    BalanceStatus::Closed,
    BalanceStatus::ReceivableTransferred,
];

/// A balance file row: type, status, and per default balance column an amount or null.
#[derive(Debug, Clone)]
struct Side {
    credit: bool,
    status: usize,
    amounts: Vec<Option<Decimal>>,
}

#[derive(Debug, Clone)]
struct Tx {
    ty: usize,
    amount: Decimal,
    rewards: Option<Decimal>,
    principal: Option<Decimal>,
}

#[derive(Debug, Clone)]
struct Balance {
    opening: Option<Side>,
    closing: Option<Side>,
    txs: Vec<Tx>,
    /// Per balance column: report what the formulas expect, plus this, instead of the random
    /// amount (most balances reconcile; breaks sit next to the tolerance).
    settle: Vec<Option<Decimal>>,
}

/// Amounts of a few scales and sizes whose sums over a day never need rounding.
fn amount() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (-100_000i64..100_000, 0u32..=3).prop_map(|(m, s)| Decimal::new(m, s)),
        (-1_000_000_000_000i64..1_000_000_000_000, 2u32..=8).prop_map(|(m, s)| Decimal::new(m, s)),
        Just(Decimal::ZERO),
        Just(Decimal::new(0, 2)),
    ]
}

fn side() -> impl Strategy<Value = Side> {
    (
        any::<bool>(),
        0usize..STATUSES.len(),
        proptest::collection::vec(proptest::option::weighted(0.85, amount()), 8),
    )
        .prop_map(|(credit, status, amounts)| Side {
            credit,
            status,
            amounts,
        })
}

fn balance() -> impl Strategy<Value = Balance> {
    let tx = (
        0usize..TYPES.len(),
        amount(),
        proptest::option::of(amount()),
        proptest::option::of(amount()),
    )
        .prop_map(|(ty, amount, rewards, principal)| Tx {
            ty,
            amount,
            rewards,
            principal,
        });
    let offset = prop_oneof![
        4 => Just(Decimal::ZERO),
        1 => Just(Decimal::new(1, 2)),
        1 => Just(Decimal::new(-1, 2)),
        1 => Just(Decimal::new(-5, 3)),
        1 => Just(Decimal::new(2, 2)),
    ];
    (
        proptest::option::weighted(0.8, side()),
        proptest::option::weighted(0.8, side()),
        proptest::collection::vec(tx, 0..6),
        proptest::collection::vec(proptest::option::weighted(0.7, offset), 8),
    )
        .prop_map(|(opening, closing, txs, settle)| Balance {
            opening,
            closing,
            txs,
            settle,
        })
}

fn configs() -> Vec<ReconConfig> {
    let all = ReconConfig::default();
    let strict = ReconConfig {
        tolerance: Decimal::new(1, 2),
        reconcile_inactive: false,
        // Reordered, without two columns nothing reconciles, and one named twice.
        balance_columns: [
            "outstanding_principal",
            "balance",
            "dispute_balance",
            "rewards_balance",
            "interest_accrued_balance",
            "charge_off_balance",
            "balance",
        ]
        .map(String::from)
        .to_vec(),
        ..ReconConfig::default()
    };
    let custom: ReconConfig = toml::from_str(
        r#"
        credit_components = ["balance", "outstanding_principal", "outstanding_fees"]
        [[formulas]]
        balance_type = "credit"
        component = "outstanding_fees"
        terms = [{ column = "fee_amount", types = { not_in = ["dispute_won"] } },
                 { column = "amount", types = { in = ["fee"] }, sign = "-" }]
        "#,
    )
    .unwrap();
    vec![all, strict, custom]
}

fn row(id: &str, s: &Side, cfg: &ReconConfig) -> BalanceRow {
    let ty = if s.credit {
        BalanceType::Credit
    } else {
        BalanceType::Deposit
    };
    let mut r = BalanceRow::new(id, format!("acct|{id}"), ty, STATUSES[s.status], "reason");
    r.currency = Some("USD".into());
    for (c, v) in recon::config::DEFAULT_BALANCE_COLUMNS
        .iter()
        .zip(&s.amounts)
    {
        if let Some(v) = v.filter(|_| cfg.balance_columns.iter().any(|b| b == c)) {
            r = r.with(*c, v);
        }
    }
    r
}

fn transaction(n: usize, id: &str, t: &Tx) -> TransactionRow {
    let mut r = TransactionRow::new(format!("t{n}"), id, "x", t.amount);
    r.tx_type = TYPES[t.ty].map(str::to_string);
    if let Some(v) = t.rewards {
        r = r.with("rewards_amount", v);
    }
    if let Some(v) = t.principal {
        r = r.with("principal_amount", v);
        r = r.with("fee_amount", v);
    }
    r
}

/// What [`reconcile`] and the report writers make of the day.
fn by_rows(balances: &[Balance], cfg: &ReconConfig) -> Result<[Vec<u8>; 3], recon::Error> {
    let d = date("2026-03-03");
    let id = |i: usize| format!("b{i:02}");
    let opening: Vec<_> = balances
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.opening.as_ref().map(|s| row(&id(i), s, cfg)))
        .collect();
    let closing: Vec<_> = balances
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.closing.as_ref().map(|s| row(&id(i), s, cfg)))
        .collect();
    let mut n = 0;
    let mut txs = Vec::new();
    for (i, b) in balances.iter().enumerate() {
        for t in &b.txs {
            txs.push(transaction(n, &id(i), t));
            n += 1;
        }
    }
    let r = reconcile(d, &opening, &txs, &closing, cfg)?;
    let mut out = [Vec::new(), Vec::new(), Vec::new()];
    write_balance_reconciliation(&mut out[0], &r)?;
    write_summary_json(&mut out[1], &r, None)?;
    write_daily_balance(&mut out[2], &closing, &r, cfg)?;
    Ok(out)
}

fn day_side<'a>(s: &Side, amounts: &'a [Option<Amount>], reason: &'static str) -> DaySide<'a> {
    DaySide {
        balance_type: if s.credit {
            BalanceType::Credit
        } else {
            BalanceType::Deposit
        },
        status: STATUSES[s.status],
        status_reason: reason,
        amounts,
    }
}

/// What the nightly run makes of it: each balance's day with its transactions summed by (type,
/// column), in (type, column) order, as the store keeps them.
fn by_day(balances: &[Balance], cfg: &ReconConfig) -> Result<[Vec<u8>; 3], recon::Error> {
    let mut day = DayReconciler::new(date("2026-03-03"), cfg)?;
    let columns: DayColumns = day.columns().clone();
    let mut rows = DailyBalanceRows::new(cfg, &columns);
    let mut report = Vec::new();
    write_daily_balance_header(&mut report, cfg)?;
    for (i, b) in balances.iter().enumerate() {
        let id = format!("b{i:02}");
        let amounts = |s: &Side| -> Vec<Option<Amount>> {
            let r = row(&id, s, cfg);
            columns
                .balance
                .iter()
                .map(|c| r.amount(c).map(Amount::from))
                .collect()
        };
        let open_amounts = b.opening.as_ref().map(amounts).unwrap_or_default();
        let close_amounts = b.closing.as_ref().map(amounts).unwrap_or_default();
        let mut sums: BTreeMap<(Option<&str>, &str), Decimal> = BTreeMap::new();
        for t in &b.txs {
            let ty = TYPES[t.ty];
            // As the store sums (`codec::Activity::add`): the first term as it is, then exact
            // sums at the larger scale.
            let mut add = |column: &'static str, v: Decimal| {
                sums.entry((ty, column))
                    .and_modify(|s| {
                        let scale = s.scale().max(v.scale());
                        *s = s.checked_add(v).unwrap();
                        s.rescale(scale);
                    })
                    .or_insert(v);
            };
            add("amount", t.amount);
            if let Some(v) = t.rewards {
                add("rewards_amount", v);
            }
            if let Some(v) = t.principal {
                add("principal_amount", v);
                add("fee_amount", v);
            }
        }
        let sums: Vec<Sum> = sums
            .iter()
            .filter_map(|((ty, column), v)| {
                Some(Sum {
                    ty: ty.and_then(|t| columns.transaction_type(t.as_bytes())),
                    column: columns.transaction.iter().position(|c| c == column)?,
                    amount: Amount::from(*v),
                })
            })
            .collect();
        let account = format!("acct|{id}");
        let balance = DayBalance {
            balance_id: &id,
            account_id: &account,
            currency: Some("USD"),
            closing: b
                .closing
                .as_ref()
                .map(|s| day_side(s, &close_amounts, "reason")),
            opening: b.opening.as_ref().map(|s| day_side(s, &open_amounts, "")),
            activity: (!b.txs.is_empty()).then_some((b.txs.len() as u64, &sums[..])),
        };
        let (verdict, breaks) = day.push(&balance)?;
        rows.write(&mut report, &balance, verdict, breaks)?;
    }
    rows.finish(&mut report)?;
    let r = day.finish();
    let mut out = [Vec::new(), Vec::new(), report];
    write_balance_reconciliation(&mut out[0], &r)?;
    write_summary_json(&mut out[1], &r, None)?;
    Ok(out)
}

/// The day with each balance's settled columns reported at what the formulas of `cfg` expect,
/// plus their offset.
fn settled(balances: &[Balance], cfg: &ReconConfig) -> Vec<Balance> {
    let mut out = balances.to_vec();
    for (i, b) in out.iter_mut().enumerate() {
        let id = format!("b{i:02}");
        let Some(closing) = &mut b.closing else {
            continue;
        };
        let ty = if closing.credit {
            BalanceType::Credit
        } else {
            BalanceType::Deposit
        };
        let opening = b.opening.as_ref().map(|s| row(&id, s, cfg));
        let txs: Vec<_> = b.txs.iter().map(|t| transaction(0, &id, t)).collect();
        let Ok(expected) = recon::expected_closing(ty, opening.as_ref(), &txs, cfg) else {
            continue;
        };
        for (c, (slot, offset)) in recon::config::DEFAULT_BALANCE_COLUMNS
            .iter()
            .zip(closing.amounts.iter_mut().zip(&b.settle))
        {
            if let (Some(e), Some(o)) = (expected.get(*c), offset) {
                *slot = e.checked_add(*o);
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn day_sums_reconcile_as_rows_do(balances in proptest::collection::vec(balance(), 0..12)) {
        for cfg in configs() {
            let balances = settled(&balances, &cfg);
            let rows = by_rows(&balances, &cfg).map_err(|e| e.to_string());
            let day = by_day(&balances, &cfg).map_err(|e| e.to_string());
            match (rows, day) {
                (Ok(rows), Ok(day)) => {
                    for (a, b) in rows.iter().zip(&day) {
                        prop_assert_eq!(String::from_utf8_lossy(a), String::from_utf8_lossy(b));
                    }
                }
                (rows, day) => prop_assert_eq!(rows.is_ok(), day.is_ok(), "{:?} / {:?}", rows, day),
            }
        }
    }
}

#[test]
fn a_sum_past_a_decimal_is_the_same_error_both_ways() {
    let big = Decimal::MAX;
    let side = Side {
        credit: false,
        status: 0,
        amounts: vec![Some(big); 8],
    };
    let b = Balance {
        opening: Some(side.clone()),
        closing: Some(side),
        txs: vec![Tx {
            ty: 0,
            amount: Decimal::new(1, 0),
            rewards: None,
            principal: None,
        }],
        settle: vec![None; 8],
    };
    let cfg = ReconConfig::default();
    let rows = by_rows(std::slice::from_ref(&b), &cfg).unwrap_err();
    let day = by_day(&[b], &cfg).unwrap_err();
    assert_eq!(rows.to_string(), day.to_string());
    assert!(matches!(day, recon::Error::Overflow { .. }), "{day}");
}
