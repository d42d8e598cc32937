//! One balance's ledger: the day's transactions and the closing values they explain.
//!
//! Every transaction moves the components exactly as the reconciliation formulas read it
//! (deposit: spec 05 §3.3, credit: spec 05 §3.4, the per-type table of spec 05 §3.5), so the
//! closing values computed here are the `expected` values of the nightly run.
//!
//! Amounts are whole cents (two decimals, USD). Magnitudes stay far below `Decimal`'s range
//! (at most a few thousand dollars a transaction, a few per day, `u32` days), so plain `Decimal`
//! addition cannot overflow here.

use rust_decimal::Decimal;

use super::ProgramKind;
use crate::Rng;

/// The running components of one balance (the opening values of a day, then its closing ones).
#[derive(Debug, Clone, Default)]
pub(super) struct State {
    /// `balance`.
    pub balance: Decimal,
    /// Deposit `rewards_balance`.
    pub rewards: Decimal,
    /// Deposit `interest_accrued_balance`.
    pub accrued: Decimal,
    /// Credit `outstanding_principal`.
    pub principal: Decimal,
    /// Credit `outstanding_fees`.
    pub fees: Decimal,
    /// Credit interest owed. Not reported: the column name is NOT SEEN (spec 05 §4.2).
    pub interest: Decimal,
}

impl State {
    /// The value of a reported component by its Balance column name.
    pub fn get(&self, component: &str) -> Decimal {
        match component {
            "balance" => self.balance,
            "rewards_balance" => self.rewards,
            "interest_accrued_balance" => self.accrued,
            "outstanding_principal" => self.principal,
            "outstanding_fees" => self.fees,
            _ => Decimal::ZERO,
        }
    }

    /// Sets a reported component by its Balance column name.
    pub fn set(&mut self, component: &str, v: Decimal) {
        match component {
            "balance" => self.balance = v,
            "rewards_balance" => self.rewards = v,
            "interest_accrued_balance" => self.accrued = v,
            "outstanding_principal" => self.principal = v,
            "outstanding_fees" => self.fees = v,
            _ => {}
        }
    }
}

/// One generated transaction, before it gets its id and time.
#[derive(Debug, Clone)]
pub(super) struct Tx {
    /// Transaction `type` (spec 05 §6.5).
    pub ty: &'static str,
    /// Signed `amount`: positive raises the balance (spec 05 §5.4).
    pub amount: Decimal,
    /// Credit only: `principal_amount`, `fee_amount`, `interest_amount` (they sum to `amount`,
    /// spec 05 §5.1).
    pub parts: Option<[Decimal; 3]>,
    /// Deposit `rewards_amount`.
    pub rewards: Option<Decimal>,
    /// `fee_type`, required iff `type = fee` (spec 05 §6.2).
    pub fee_type: Option<&'static str>,
    /// `transfer_type` (spec 05 §6.4); never `card`, since no cards are generated.
    pub transfer_type: &'static str,
    /// The id of a non-posted transaction this one posts (spec 05 §7.2: linked by id).
    pub posted_id: Option<String>,
}

fn money(cents: u64) -> Decimal {
    // At most u32-scale cent counts are drawn, so the i64 conversion is exact.
    Decimal::new(cents as i64, 2)
}

/// An amount in `lo..=hi` cents.
fn draw(rng: &mut Rng, lo: u64, hi: u64) -> Decimal {
    money(lo + rng.below(hi - lo + 1))
}

fn tx(ty: &'static str, amount: Decimal, transfer_type: &'static str) -> Tx {
    Tx {
        ty,
        amount,
        parts: None,
        rewards: None,
        fee_type: None,
        transfer_type,
        posted_id: None,
    }
}

const FEE_TYPES: [&str; 3] = ["periodic_maintenance", "atm", "other"];
/// Rails of a deposit debit; never `card`, since no Card file is generated (spec 05 §5.1).
const DEBIT_RAILS: [&str; 3] = ["ach", "internal_transfer", "wire"];

/// The day's transactions of one balance; `st` goes from the opening values to the expected
/// closing ones. `first` is the balance's first day: it opens with a deposit (or a
/// disbursement) larger than any later debit, so balances stay positive (spec 05 §0.1).
/// `posting` are yesterday's non-posted credits (id, amount) that post today (deposit only,
/// spec 05 §7).
pub(super) fn day(
    kind: ProgramKind,
    st: &mut State,
    first: bool,
    posting: &[(String, Decimal)],
    rng: &mut Rng,
) -> Vec<Tx> {
    let mut out = Vec::new();
    for (id, amount) in posting {
        let mut t = tx("credit", *amount, "ach");
        t.posted_id = Some(id.clone());
        apply(kind, st, &t);
        out.push(t);
    }
    if first {
        let t = match kind {
            ProgramKind::Deposit => tx("credit", draw(rng, 200_000, 500_000), "ach"),
            ProgramKind::Credit => {
                let a = draw(rng, 50_000, 500_000);
                let mut t = tx("disbursement", a, "ach");
                t.parts = Some([a, Decimal::ZERO, Decimal::ZERO]);
                t
            }
        };
        apply(kind, st, &t);
        out.push(t);
    }
    // Two to four more a day. A draw that does not fit (it would take a component below zero)
    // becomes money in, so every balance moves every day.
    for _ in 0..2 + rng.below(3) {
        let t = match kind {
            ProgramKind::Deposit => deposit_tx(st, rng),
            ProgramKind::Credit => credit_tx(st, rng),
        };
        let t = t.unwrap_or_else(|| money_in(kind, rng));
        apply(kind, st, &t);
        out.push(t);
    }
    out
}

/// A deposit `credit` or a credit `disbursement`: raises `balance`, never below zero.
fn money_in(kind: ProgramKind, rng: &mut Rng) -> Tx {
    let a = draw(rng, 1_000, 30_000);
    match kind {
        ProgramKind::Deposit => tx("credit", a, "ach"),
        ProgramKind::Credit => {
            let mut t = tx("disbursement", a, "ach");
            t.parts = Some([a, Decimal::ZERO, Decimal::ZERO]);
            t
        }
    }
}

/// A deposit transaction (spec 05 §3.5 deposit table), or `None` when the draw would take a
/// component below zero or has nothing to pay out.
fn deposit_tx(st: &State, rng: &mut Rng) -> Option<Tx> {
    let roll = rng.below(100);
    Some(match roll {
        0..=44 => {
            let cents = 100 + rng.below(14_901);
            let a = money(cents);
            if a > st.balance {
                return None;
            }
            let rail: &&str = rng.pick(&DEBIT_RAILS);
            let mut t = tx("debit", -a, rail);
            // 1% cash back in whole cents, computed on integers: nothing is rounded.
            t.rewards = Some(money((cents / 100).max(1)));
            t
        }
        45..=64 => money_in(ProgramKind::Deposit, rng),
        65..=71 => {
            let a = draw(rng, 100, 500);
            if a > st.balance {
                return None;
            }
            let mut t = tx("fee", -a, "no_money_movement");
            t.fee_type = Some(*rng.pick(&FEE_TYPES));
            t
        }
        72..=86 => tx("interest_accrued", draw(rng, 1, 50), "no_money_movement"),
        87..=93 if st.accrued > Decimal::ZERO => {
            // Pays out everything accrued: interest_accrued_balance back to 0 (spec 05 §3.3).
            tx("interest_paid", st.accrued, "internal_transfer")
        }
        94..=99 if st.rewards >= Decimal::ONE => {
            let r = money(100);
            let mut t = tx("rewards_redeemed", r, "internal_transfer");
            t.rewards = Some(-r);
            t
        }
        _ => return None,
    })
}

/// A credit transaction (spec 05 §3.5 credit table), or `None` when nothing fits.
fn credit_tx(st: &State, rng: &mut Rng) -> Option<Tx> {
    let z = Decimal::ZERO;
    let roll = rng.below(100);
    Some(match roll {
        0..=34 => money_in(ProgramKind::Credit, rng),
        35..=69 => {
            // A payment pays fees, then interest, then principal, and never more than is owed,
            // so no component goes negative.
            let owed = st.fees + st.interest + st.principal;
            let y = draw(rng, 1_000, 40_000).min(st.balance).min(owed);
            if y < Decimal::ONE {
                return None;
            }
            let f = y.min(st.fees);
            let i = (y - f).min(st.interest);
            let p = y - f - i;
            let mut t = tx("credit", -y, "ach");
            t.parts = Some([-p, -f, -i]);
            t
        }
        70..=79 => {
            let a = draw(rng, 500, 3_500);
            let mut t = tx("fee", a, "no_money_movement");
            t.parts = Some([z, a, z]);
            t.fee_type = Some(*rng.pick(&FEE_TYPES));
            t
        }
        _ => {
            let a = draw(rng, 1, 2_000);
            let mut t = tx("interest_accrued", a, "no_money_movement");
            t.parts = Some([z, z, a]);
            t
        }
    })
}

/// Moves `st` by one transaction, exactly as the formulas read it.
fn apply(kind: ProgramKind, st: &mut State, t: &Tx) {
    match kind {
        ProgramKind::Deposit => {
            // balance: every type but interest_accrued and dispute_won (spec 05 §3.3).
            if t.ty != "interest_accrued" {
                st.balance += t.amount;
            }
            match t.ty {
                "interest_accrued" => st.accrued += t.amount,
                "interest_paid" => st.accrued -= t.amount,
                _ => {}
            }
            // rewards_balance: rewards_amount of the rewards types, debit, refund, credit.
            if let Some(r) = t.rewards {
                st.rewards += r;
            }
        }
        ProgramKind::Credit => {
            // balance: every type but charge_off_recovery and dispute_won (spec 05 §3.4).
            st.balance += t.amount;
            if let Some([p, f, i]) = t.parts {
                // outstanding_principal: not for fee / interest_accrued (spec 05 §3.4); their
                // principal part is 0 anyway.
                if t.ty != "fee" && t.ty != "interest_accrued" {
                    st.principal += p;
                }
                st.fees += f;
                st.interest += i;
            }
        }
    }
}
