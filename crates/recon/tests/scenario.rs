//! A 5-day program with deposit and credit balances, built here with its own ledger model (the
//! spec 05 §3.5 table written out by hand, not the library's formulas), reconciled day by day:
//! zero breaks. Then planted breaks are found with the right amounts, and do not cascade.

mod common;

use std::collections::BTreeMap;

use common::date;
use recon::{
    reconcile, BalanceIdKind, BalanceRow, BalanceStatus, BalanceType, ReconConfig, Reconciliation,
    TransactionRow,
};
use rust_decimal::Decimal;

const DEPOSIT_TYPES: [&str; 14] = [
    "debit",
    "credit",
    "refund",
    "rewards_earned",
    "rewards_spent",
    "rewards_redeemed",
    "interest_accrued",
    "interest_paid",
    "dispute_provisional",
    "dispute_won",
    "dispute_lost",
    "charge_off",
    "charge_off_recovery",
    "fee",
];
const CREDIT_TYPES: [&str; 6] = [
    "disbursement",
    "fee",
    "interest_accrued",
    "debit",
    "charge_off_recovery",
    "dispute_won",
];

/// A tiny deterministic generator (xorshift), so the scenario is the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// An amount between 0.01 and 500.00, every seventh one with three decimals (D3 allows
    /// more than the currency's minor units; sums must keep them).
    fn amount(&mut self) -> Decimal {
        let n = self.next();
        if n.is_multiple_of(7) {
            Decimal::new((n % 500_000) as i64 + 1, 3)
        } else {
            Decimal::new((n % 50_000) as i64 + 1, 2)
        }
    }
}

struct Balance {
    id: String,
    kind: BalanceIdKind,
    ty: BalanceType,
    status: BalanceStatus,
    reason: &'static str,
    values: BTreeMap<&'static str, Decimal>,
}

impl Balance {
    fn new(id: &str, ty: BalanceType) -> Balance {
        let api = id.starts_with("subledger_balance_");
        Balance {
            id: id.into(),
            kind: if api {
                BalanceIdKind::Lead
            } else {
                BalanceIdKind::Client
            },
            ty,
            status: BalanceStatus::Active,
            reason: "active",
            values: BTreeMap::new(),
        }
    }

    fn bump(&mut self, component: &'static str, by: Decimal) {
        *self.values.entry(component).or_insert(Decimal::ZERO) += by;
    }

    /// The hand-written effect of one transaction (spec 05 §3.3, §3.4, §3.5).
    fn apply(&mut self, t: &TransactionRow) {
        let ty = t.tx_type.as_deref().unwrap_or("");
        let a = t.amount;
        match self.ty {
            BalanceType::Deposit => {
                if ty != "interest_accrued" && ty != "dispute_won" {
                    self.bump("balance", a);
                }
                if [
                    "rewards_earned",
                    "rewards_spent",
                    "rewards_redeemed",
                    "debit",
                    "refund",
                    "credit",
                ]
                .contains(&ty)
                {
                    self.bump("rewards_balance", t.rewards_amount.unwrap_or_default());
                }
                match ty {
                    "interest_accrued" => self.bump("interest_accrued_balance", a),
                    "interest_paid" => self.bump("interest_accrued_balance", -a),
                    "dispute_provisional" | "dispute_won" | "dispute_lost" => {
                        self.bump("dispute_balance", a)
                    }
                    "charge_off" | "charge_off_recovery" => self.bump("charge_off_balance", a),
                    _ => {}
                }
            }
            BalanceType::Credit => {
                if ty != "charge_off_recovery" && ty != "dispute_won" {
                    self.bump("balance", a);
                }
                if ![
                    "fee",
                    "interest_accrued",
                    "charge_off_recovery",
                    "dispute_won",
                ]
                .contains(&ty)
                {
                    self.bump(
                        "outstanding_principal",
                        t.principal_amount.unwrap_or_default(),
                    );
                }
            }
        }
    }

    fn row(&self) -> BalanceRow {
        let mut r = BalanceRow::new(
            self.id.clone(),
            format!("acct_{}", self.id),
            self.ty,
            self.status,
            self.reason,
        );
        r.id_kind = self.kind;
        for (c, v) in &self.values {
            r = r.with(*c, *v);
        }
        r
    }
}

struct Day {
    opening: Vec<BalanceRow>,
    transactions: Vec<TransactionRow>,
    closing: Vec<BalanceRow>,
}

/// Builds the 5 days. Day 1 starts from balances reported on day 0. Along the way: an
/// API-created balance, an inactive period, a deposit and a credit balance first seen on day 3
/// (with activity that day), a balance closed on day 4 and absent on day 5.
fn build() -> Vec<Day> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut book: Vec<Balance> = vec![
        Balance::new("dep_001", BalanceType::Deposit),
        Balance::new("dep_002", BalanceType::Deposit),
        Balance::new("subledger_balance_k8L2n9QpW3", BalanceType::Deposit),
        Balance::new("dep_closing", BalanceType::Deposit),
        Balance::new("cr_001", BalanceType::Credit),
        Balance::new("cr_002", BalanceType::Credit),
    ];
    for b in &mut book {
        b.bump("balance", Decimal::new(100_000, 2));
        if b.ty == BalanceType::Credit {
            b.bump("outstanding_principal", Decimal::new(90_000, 2));
        }
    }
    let mut days = Vec::new();
    let mut prev: Vec<BalanceRow> = book.iter().map(Balance::row).collect();
    let mut seq = 0;
    for day in 1..=5 {
        if day == 3 {
            book.push(Balance::new("dep_new", BalanceType::Deposit));
            book.push(Balance::new("cr_new", BalanceType::Credit));
        }
        if day == 5 {
            book.retain(|b| b.id != "dep_closing");
        }
        let mut txs = Vec::new();
        for b in &mut book {
            b.status = if b.id == "dep_002" && (day == 2 || day == 3) {
                b.reason = "frozen";
                BalanceStatus::Inactive
            } else {
                b.reason = "active";
                BalanceStatus::Active
            };
            let n = if b.id == "dep_closing" && day == 4 {
                0
            } else {
                3 + (rng.next() % 6) as usize
            };
            for _ in 0..n {
                seq += 1;
                let sign = if rng.next().is_multiple_of(3) { -1 } else { 1 };
                let amount = rng.amount() * Decimal::from(sign);
                let t = match b.ty {
                    BalanceType::Deposit => {
                        let ty = DEPOSIT_TYPES[(rng.next() % 14) as usize];
                        let mut t =
                            TransactionRow::new(format!("t{seq}"), b.id.clone(), ty, amount);
                        if rng.next().is_multiple_of(2) {
                            t = t.with("rewards_amount", rng.amount());
                        }
                        t
                    }
                    BalanceType::Credit => {
                        let ty = CREDIT_TYPES[(rng.next() % 6) as usize];
                        let mut t =
                            TransactionRow::new(format!("t{seq}"), b.id.clone(), ty, amount);
                        let col = match ty {
                            "fee" => "fee_amount",
                            "interest_accrued" => "interest_amount",
                            _ => "principal_amount",
                        };
                        t = t.with(col, amount);
                        t
                    }
                };
                b.apply(&t);
                txs.push(t);
            }
            if b.id == "dep_closing" && day == 4 {
                // Closed with whatever it holds reported one last time (spec 05 §2.2).
                b.status = BalanceStatus::Closed;
                b.reason = "client_closed";
            }
        }
        let closing: Vec<BalanceRow> = book.iter().map(Balance::row).collect();
        days.push(Day {
            opening: std::mem::replace(&mut prev, closing.clone()),
            transactions: txs,
            closing,
        });
    }
    days
}

fn run(day: usize, d: &Day) -> Reconciliation {
    let date = date("2026-01-10") + chrono::Days::new(day as u64);
    reconcile(
        date,
        &d.opening,
        &d.transactions,
        &d.closing,
        &ReconConfig::default(),
    )
    .unwrap()
}

#[test]
fn five_days_reconcile_with_zero_breaks() {
    let days = build();
    assert_eq!(days.len(), 5);
    for (i, d) in days.iter().enumerate() {
        let r = run(i, d);
        assert!(r.breaks.is_empty(), "day {}: {:?}", i + 1, r.breaks);
        assert!(r.missing_balances.is_empty(), "day {}", i + 1);
        assert!(r.unmatched_activity.is_empty(), "day {}", i + 1);
        let s = &r.summary;
        assert_eq!(s.transactions, d.transactions.len() as u64);
        assert_eq!(s.balances_checked, d.closing.len() as u64);
        assert_eq!(s.new_balances, if i == 2 { 2 } else { 0 });
        assert_eq!(s.balances_closing, d.closing.len() as u64);
        for c in &s.components {
            assert_eq!(c.expected, c.reported, "day {} {}", i + 1, c.component);
            assert_eq!(c.breaks, 0);
        }
    }
    // Day 5 has no row for the balance closed on day 4: terminal, so not missing.
    assert!(days[4]
        .closing
        .iter()
        .all(|b| b.balance_id != "dep_closing"));
    assert!(days[3]
        .closing
        .iter()
        .any(|b| b.balance_id == "dep_closing" && b.status == BalanceStatus::Closed));
}

/// Seven planted breaks on day 3 (new balances among them), found with the right amounts.
#[test]
fn planted_breaks_are_found_with_their_amounts() {
    let days = build();
    let d3 = &days[2];
    let plants: [(&str, &str, i64); 7] = [
        ("cr_001", "outstanding_principal", 1), // +0.01
        ("cr_new", "balance", -250),            // -2.50
        ("dep_001", "balance", 100),            // +1.00
        ("dep_001", "dispute_balance", -3),     // -0.03
        ("dep_002", "rewards_balance", 12_345), // +123.45, on an inactive balance
        ("dep_new", "charge_off_balance", 7),   // +0.07, on a new balance
        (
            "subledger_balance_k8L2n9QpW3",
            "interest_accrued_balance",
            -1,
        ),
    ];
    let mut closing = d3.closing.clone();
    for (id, comp, cents) in plants {
        let row = closing.iter_mut().find(|r| r.balance_id == id).unwrap();
        let v = row.amount(comp).unwrap_or_default() + Decimal::new(cents, 2);
        row.amounts.insert(comp.to_string(), v);
    }
    let r = reconcile(
        date("2026-01-12"),
        &d3.opening,
        &d3.transactions,
        &closing,
        &ReconConfig::default(),
    )
    .unwrap();
    assert_eq!(r.breaks.len(), 7, "{:#?}", r.breaks);
    assert_eq!(r.summary.breaks, 7);
    assert_eq!(r.summary.breaks_on_inactive, 1);
    // Order: balance id (byte order), then component in config order.
    let got: Vec<(&str, &str)> = r
        .breaks
        .iter()
        .map(|b| (b.balance_id.as_str(), b.component.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("cr_001", "outstanding_principal"),
            ("cr_new", "balance"),
            ("dep_001", "balance"),
            ("dep_001", "dispute_balance"),
            ("dep_002", "rewards_balance"),
            ("dep_new", "charge_off_balance"),
            ("subledger_balance_k8L2n9QpW3", "interest_accrued_balance"),
        ]
    );
    for (b, (id, comp, cents)) in r.breaks.iter().zip({
        let mut p = plants;
        p.sort();
        p
    }) {
        assert_eq!((b.balance_id.as_str(), b.component.as_str()), (id, comp));
        let truth = d3
            .closing
            .iter()
            .find(|r| r.balance_id == id)
            .unwrap()
            .amount(comp)
            .unwrap_or_default();
        assert_eq!(b.difference, Decimal::new(cents, 2), "{id} {comp}");
        assert_eq!(b.expected, truth, "{id} {comp}");
        assert_eq!(b.reported, truth + Decimal::new(cents, 2));
        assert_eq!(b.expected, b.opening + b.activity);
        assert_eq!(b.new_balance, id.ends_with("_new"));
        if id.ends_with("_new") {
            assert!(
                b.opening.is_zero(),
                "a new balance opens at 0 (spec 05 §1.2)"
            );
        }
    }
    let totals = r
        .summary
        .components
        .iter()
        .find(|c| c.balance_type == BalanceType::Deposit && c.component == "balance")
        .unwrap();
    assert_eq!(totals.breaks, 1);
    assert_eq!(totals.reported - totals.expected, Decimal::new(100, 2));
}

/// D9: the next day opens from the reported value, so a partner that carries its own (wrong)
/// figure forward breaks once, not every day after.
#[test]
fn a_break_does_not_cascade() {
    let days = build();
    let bump = |rows: &[BalanceRow]| -> Vec<BalanceRow> {
        rows.iter()
            .cloned()
            .map(|mut r| {
                if r.balance_id == "dep_001" {
                    let v = r.amount("balance").unwrap() + Decimal::ONE;
                    r.amounts.insert("balance".into(), v);
                }
                r
            })
            .collect()
    };
    let day3_reported = bump(&days[2].closing);
    let r3 = reconcile(
        date("2026-01-12"),
        &days[2].opening,
        &days[2].transactions,
        &day3_reported,
        &ReconConfig::default(),
    )
    .unwrap();
    assert_eq!(r3.breaks.len(), 1);
    let day4_reported = bump(&days[3].closing);
    let r4 = reconcile(
        date("2026-01-13"),
        &day3_reported,
        &days[3].transactions,
        &day4_reported,
        &ReconConfig::default(),
    )
    .unwrap();
    assert!(r4.breaks.is_empty(), "{:?}", r4.breaks);
}
