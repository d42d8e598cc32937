//! Benchmark: one business day of 1,000,000 balances and 5,000,000 transactions, generated in
//! memory (never stored), reconciled, with 7 planted breaks that must be found. Reports time
//! and peak RSS (VmHWM).
//!
//! Run: `cargo run --release --example bench [-- BALANCES TRANSACTIONS]`

use std::io::{self, Write};
use std::time::Instant;

use chrono::NaiveDate;
use recon::reports::{write_balance_reconciliation, write_daily_balance, write_summary_json};
use recon::{reconcile, BalanceRow, BalanceStatus, BalanceType, ReconConfig, TransactionRow};
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
/// Deposit components, then credit ones, as cents in the generator.
const DEP: [&str; 5] = [
    "balance",
    "rewards_balance",
    "interest_accrued_balance",
    "dispute_balance",
    "charge_off_balance",
];
const CRED: [&str; 2] = ["balance", "outstanding_principal"];
const PLANTED: u64 = 7;

/// splitmix64: a stateless, deterministic hash of an index.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

struct Gen {
    balances: u64,
    transactions: u64,
}

struct Tx {
    ty: &'static str,
    amount: i64,
    rewards: Option<i64>,
    principal: Option<i64>,
}

impl Gen {
    fn kind(i: u64) -> BalanceType {
        if i.is_multiple_of(5) {
            BalanceType::Credit
        } else {
            BalanceType::Deposit
        }
    }

    fn opening_cents(i: u64) -> [i64; 5] {
        let h = mix(i);
        match Gen::kind(i) {
            BalanceType::Deposit => [
                (h % 10_000_000) as i64,
                ((h >> 24) % 10_000) as i64,
                ((h >> 40) % 1_000) as i64,
                0,
                0,
            ],
            BalanceType::Credit => {
                let b = (h % 10_000_000) as i64;
                [b, b / 2, 0, 0, 0]
            }
        }
    }

    /// Transaction `t` belongs to balance `t % balances`: balances interleave in the stream.
    fn tx_parts(&self, t: u64) -> (u64, Tx) {
        let i = t % self.balances;
        let h = mix(t ^ 0xA5A5_A5A5);
        let mut amount = (h % 100_000) as i64 + 1;
        if h & (1 << 40) != 0 {
            amount = -amount;
        }
        let tx = match Gen::kind(i) {
            BalanceType::Deposit => {
                let ty = DEPOSIT_TYPES[((h >> 20) % 14) as usize];
                let rewards = (h & (1 << 41) != 0).then_some(((h >> 44) % 500) as i64);
                Tx {
                    ty,
                    amount,
                    rewards,
                    principal: None,
                }
            }
            BalanceType::Credit => Tx {
                ty: CREDIT_TYPES[((h >> 20) % 6) as usize],
                amount,
                rewards: None,
                principal: Some(amount),
            },
        };
        (i, tx)
    }

    fn transaction(&self, t: u64) -> TransactionRow {
        let (i, p) = self.tx_parts(t);
        let mut row = TransactionRow::new(
            format!("tx_{t:09}"),
            format!("bal_{i:08}"),
            p.ty,
            Decimal::new(p.amount, 2),
        );
        row.rewards_amount = p.rewards.map(|r| Decimal::new(r, 2));
        row.principal_amount = p.principal.map(|r| Decimal::new(r, 2));
        row
    }

    /// The generator's own ledger rules (spec 05 §3.5 table), in integer cents.
    fn closing_cents(&self, i: u64) -> [i64; 5] {
        let mut v = Gen::opening_cents(i);
        let mut t = i;
        while t < self.transactions {
            let (_, p) = self.tx_parts(t);
            let a = p.amount;
            match Gen::kind(i) {
                BalanceType::Deposit => {
                    if p.ty != "interest_accrued" && p.ty != "dispute_won" {
                        v[0] += a;
                    }
                    if [
                        "rewards_earned",
                        "rewards_spent",
                        "rewards_redeemed",
                        "debit",
                        "refund",
                        "credit",
                    ]
                    .contains(&p.ty)
                    {
                        v[1] += p.rewards.unwrap_or(0);
                    }
                    match p.ty {
                        "interest_accrued" => v[2] += a,
                        "interest_paid" => v[2] -= a,
                        "dispute_provisional" | "dispute_won" | "dispute_lost" => v[3] += a,
                        "charge_off" | "charge_off_recovery" => v[4] += a,
                        _ => {}
                    }
                }
                BalanceType::Credit => {
                    if p.ty != "charge_off_recovery" && p.ty != "dispute_won" {
                        v[0] += a;
                    }
                    if ![
                        "fee",
                        "interest_accrued",
                        "charge_off_recovery",
                        "dispute_won",
                    ]
                    .contains(&p.ty)
                    {
                        v[1] += p.principal.unwrap_or(0);
                    }
                }
            }
            t += self.balances;
        }
        // Planted breaks: spread over the id range, one cent too much on `balance`.
        if i % (self.balances / PLANTED).max(1) == 3
            && i / (self.balances / PLANTED).max(1) < PLANTED
        {
            v[0] += 1;
        }
        v
    }

    fn row(i: u64, cents: [i64; 5]) -> BalanceRow {
        let ty = Gen::kind(i);
        let mut row = BalanceRow::new(
            format!("bal_{i:08}"),
            format!("acct_{:08}", i / 2),
            ty,
            BalanceStatus::Active,
            "active",
        );
        let names: &[&str] = match ty {
            BalanceType::Deposit => &DEP,
            BalanceType::Credit => &CRED,
        };
        for (n, c) in names.iter().zip(cents) {
            row = row.with(*n, Decimal::new(c, 2));
        }
        row
    }

    fn opening(&self) -> impl Iterator<Item = BalanceRow> + '_ {
        (0..self.balances).map(|i| Gen::row(i, Gen::opening_cents(i)))
    }
    fn transactions(&self) -> impl Iterator<Item = TransactionRow> + '_ {
        (0..self.transactions).map(|t| self.transaction(t))
    }
    fn closing(&self) -> impl Iterator<Item = BalanceRow> + '_ {
        (0..self.balances).map(|i| Gen::row(i, self.closing_cents(i)))
    }
}

fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "n/a".into())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let balances: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let transactions: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(5_000_000);
    if balances < 28 {
        return Err("use at least 28 balances (7 planted breaks are spread over the range)".into());
    }
    let gen = Gen {
        balances,
        transactions,
    };
    let cfg = ReconConfig::default();
    let date = NaiveDate::from_ymd_opt(2026, 1, 14).ok_or("date")?;
    println!("balances {balances}, transactions {transactions}");

    // Generation alone, to tell it apart from the reconciliation (both stream; nothing kept).
    let t0 = Instant::now();
    let n = gen.opening().count() + gen.transactions().count() + gen.closing().count();
    let gen_secs = t0.elapsed().as_secs_f64();
    println!(
        "generate only:        {gen_secs:>7.2} s ({n} rows)   VmHWM {}",
        vm_hwm()
    );

    let t0 = Instant::now();
    let r = reconcile(date, gen.opening(), gen.transactions(), gen.closing(), &cfg)?;
    let total = t0.elapsed().as_secs_f64();
    println!(
        "generate + reconcile: {total:>7.2} s   reconcile alone ~{:.2} s   VmHWM {}",
        total - gen_secs,
        vm_hwm()
    );
    println!(
        "checked {} balances, {} transactions, {} breaks, {} new, {} missing, {} unmatched",
        r.summary.balances_checked,
        r.summary.transactions,
        r.summary.breaks,
        r.summary.new_balances,
        r.summary.missing_balances,
        r.summary.transactions_unmatched
    );
    for b in &r.breaks {
        println!(
            "  break {} {} expected {} reported {} difference {}",
            b.balance_id, b.component, b.expected, b.reported, b.difference
        );
    }

    let t0 = Instant::now();
    let mut sink = io::BufWriter::new(io::sink());
    write_balance_reconciliation(&mut sink, &r)?;
    write_summary_json(&mut sink, &r, None)?;
    write_daily_balance(&mut sink, gen.closing(), &r, &cfg)?;
    sink.flush()?;
    println!(
        "reports (closing regenerated for the daily balance): {:.2} s   VmHWM {}",
        t0.elapsed().as_secs_f64(),
        vm_hwm()
    );

    let expected = PLANTED;
    if r.summary.breaks != expected || r.summary.transactions != transactions {
        return Err(format!(
            "expected {expected} planted breaks, found {}",
            r.summary.breaks
        )
        .into());
    }
    Ok(())
}
