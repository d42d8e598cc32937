//! The FBO (bank account) check of deposit programs (spec 05 §1.4):
//! `FBO account balance = Σ non_posted.amount + Σ balances.balance`.
//!
//! Scope: one FBO account per call. For programs whose balances sit in several settlement
//! accounts (an OPEN QUESTION in spec 05 §1.4, recommended: group by
//! `client_settlement_bank_account_id`) the caller filters the rows per account and calls once
//! per account. Only `deposit` rows count; credit balances are not held in an FBO.

use std::borrow::Borrow;

use rust_decimal::Decimal;

use crate::error::Error;
use crate::model::{BalanceRow, BalanceType};
use crate::money;

/// The outcome of [`fbo_check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FboCheck {
    /// Deposit balances summed.
    pub deposit_balances: u64,
    /// Σ `balance` of those rows (a null `balance` reads as 0).
    pub balances_total: Decimal,
    /// Non-posted transactions summed.
    pub non_posted: u64,
    /// Σ their `amount`, signed as given (the sign convention is an OPEN QUESTION, spec 05 §7.2).
    pub non_posted_total: Decimal,
    /// `balances_total + non_posted_total`: what the FBO account should hold.
    pub expected: Decimal,
    /// The FBO account's balance, when known (its source is an OPEN QUESTION, spec 05 §1.4).
    pub fbo_balance: Option<Decimal>,
    /// `fbo_balance - expected`, when the FBO balance is known.
    pub difference: Option<Decimal>,
    /// True when the FBO balance is known and `|difference| > tolerance`.
    pub is_break: bool,
}

/// Runs the FBO check over today's balances and today's non-posted transaction amounts.
///
/// `fbo_balance` is `None` when the bank account's balance is not available: the totals are
/// still computed and `is_break` is false.
pub fn fbo_check<B: Borrow<BalanceRow>>(
    balances: impl IntoIterator<Item = B>,
    non_posted_amounts: impl IntoIterator<Item = Decimal>,
    fbo_balance: Option<Decimal>,
    tolerance: Decimal,
) -> Result<FboCheck, Error> {
    let mut deposit_balances = 0u64;
    let mut balances_total = Decimal::ZERO;
    for row in balances {
        let row = row.borrow();
        if row.balance_type != BalanceType::Deposit {
            continue;
        }
        deposit_balances += 1;
        let v = row.amount("balance").unwrap_or(Decimal::ZERO);
        balances_total = money::add(balances_total, v, || {
            format!("FBO balance total at balance {}", row.balance_id)
        })?;
    }
    fbo_check_totals(
        deposit_balances,
        balances_total,
        non_posted_amounts,
        fbo_balance,
        tolerance,
    )
}

/// [`fbo_check`] from the deposit balances already counted and summed (`balances_total`).
pub fn fbo_check_totals(
    deposit_balances: u64,
    balances_total: Decimal,
    non_posted_amounts: impl IntoIterator<Item = Decimal>,
    fbo_balance: Option<Decimal>,
    tolerance: Decimal,
) -> Result<FboCheck, Error> {
    let mut non_posted = 0u64;
    let mut non_posted_total = Decimal::ZERO;
    for a in non_posted_amounts {
        non_posted += 1;
        non_posted_total = money::add(non_posted_total, a, || "FBO non-posted total".into())?;
    }
    let expected = money::add(balances_total, non_posted_total, || "FBO expected".into())?;
    let difference = fbo_balance
        .map(|f| money::sub(f, expected, || "FBO difference".into()))
        .transpose()?;
    Ok(FboCheck {
        deposit_balances,
        balances_total,
        non_posted,
        non_posted_total,
        expected,
        fbo_balance,
        difference,
        is_break: difference.is_some_and(|d| d.abs() > tolerance),
    })
}
