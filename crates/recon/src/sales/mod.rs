//! The Sales Request of an Originate-to-Sell program (spec 04 §3–§5): which receivables are sold
//! on a day and for how much, from the disbursements and principal movements its caller read
//! from the store. Pure: no clock, no store, no file system (the caller feeds it and writes the
//! file through [`write_sales_request`] and [`crate::reports::write_atomically`]).
//!
//! Derivations (every one a project reading where spec 04 §5 leaves it open; README, "Sales
//! Request / Sales Response"):
//! - a disbursement is for sale on the business day `hold_business_days` business days after its
//!   `settlement_date` (spec 04 §5.2 example: Monday + 3 = Thursday), or on the first business day
//!   after that on which it was not sold yet (a late file is sold on the next request);
//! - one row per `balance_id` of the day (spec 04 §3.1), `start_date` = its earliest disbursement's
//!   `settlement_date`;
//! - `funded_amount` = Σ disbursed principal;
//! - `settled_transactions_amount` = Σ |principal| of the settled movements that lowered the
//!   balance's principal from `start_date` to the day before the sale, card refunds left out
//!   (gross settlement; refunds are netted, spec 04 §5.2);
//! - `outstanding_principal` = funded − every such movement, refunds included (the schema's
//!   "reflecting customer activity", spec 04 §5 illustrative calculation);
//! - `imputed_interest_accrued` = Σ over each calendar day from `start_date` to the day before
//!   the sale of that day's outstanding principal × APR / day count (simple, no compounding);
//! - `settlement_amount` = the three as rendered, added exactly (spec 04 §5.1).

mod render;

pub use render::{
    render_amount, render_interest, write_sales_request, SaleAmounts, SALES_REQUEST_COLUMNS,
};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// A disbursement not sold yet (a Transactions row with `type = disbursement`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disbursement {
    /// Its `client_transaction_id`.
    pub id: String,
    /// The balance it was disbursed against.
    pub balance_id: String,
    /// Its currency.
    pub currency: String,
    /// Its `settlement_date`: interest accrues from it (spec 04 §3.2 `start_date`).
    pub settlement_date: NaiveDate,
    /// Its principal (`principal_amount`, else `amount`).
    pub principal: Decimal,
}

/// A settled transaction that lowered a balance's principal, not counted in a sale yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    /// Its `client_transaction_id`.
    pub id: String,
    /// Its balance.
    pub balance_id: String,
    /// Its `settlement_date`.
    pub settlement_date: NaiveDate,
    /// Its principal, negative (it lowered the principal).
    pub principal: Decimal,
    /// A card refund (`type = refund`): netted, not in `settled_transactions_amount`.
    pub refund: bool,
}

/// A program's sale terms (configuration; none is documented, spec 04 §5 open questions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesTerms {
    /// Seasoning period in business days.
    pub hold_business_days: u32,
    /// Imputed interest rate per year, as a fraction (`0.2499` = 24.99 %).
    pub imputed_apr: Decimal,
    /// Days of the year the APR is divided by (365: actual/365).
    pub day_count: u32,
}

/// One row of a day's Sales Request, before its sale id and timestamps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSale {
    /// The balance sold.
    pub balance_id: String,
    /// Its currency.
    pub currency: String,
    /// The earliest disbursement's settlement date.
    pub start_date: NaiveDate,
    /// Amounts, exact (not rounded yet).
    pub amounts: SaleAmounts,
    /// The disbursements sold.
    pub disbursements: Vec<String>,
    /// The movements counted.
    pub movements: Vec<String>,
}

/// A balance left out of a day's request, and why (told to the operator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The balance.
    pub balance_id: String,
    /// Why.
    pub reason: String,
}

/// Why a day's sales cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SalesError {
    /// A sum does not fit a decimal.
    #[error("sales of balance {0}: an amount does not fit a decimal")]
    Overflow(String),
    /// A date out of the calendar's range.
    #[error("a date past the end of the calendar")]
    Date,
}

/// The date `hold` business days after `from` (`is_business_day`: the Fed calendar).
pub fn sale_date_of(
    from: NaiveDate,
    hold: u32,
    is_business_day: &dyn Fn(NaiveDate) -> bool,
) -> Result<NaiveDate, SalesError> {
    let mut d = from;
    let mut left = hold;
    while left > 0 {
        d = d.succ_opt().ok_or(SalesError::Date)?;
        if is_business_day(d) {
            left -= 1;
        }
    }
    // A hold of 0 on a weekend still sells on a business day.
    while !is_business_day(d) {
        d = d.succ_opt().ok_or(SalesError::Date)?;
    }
    Ok(d)
}

/// The sales of `date`: none on a day that is not a business day (spec 04 §3.1), else one per
/// balance with a disbursement due. `movements` are the unsold principal-lowering movements of
/// the balances of `disbursements`; each is counted in the sale whose window holds it.
pub fn plan(
    date: NaiveDate,
    disbursements: &[Disbursement],
    movements: &[Movement],
    terms: &SalesTerms,
    is_business_day: &dyn Fn(NaiveDate) -> bool,
) -> Result<(Vec<PlannedSale>, Vec<Skipped>), SalesError> {
    if !is_business_day(date) {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut due: BTreeMap<&str, Vec<&Disbursement>> = BTreeMap::new();
    for d in disbursements {
        if sale_date_of(d.settlement_date, terms.hold_business_days, is_business_day)? <= date {
            due.entry(&d.balance_id).or_default().push(d);
        }
    }
    let (mut sales, mut skipped) = (Vec::new(), Vec::new());
    for (balance, ds) in due {
        let currency = &ds[0].currency;
        if let Some(other) = ds.iter().find(|d| &d.currency != currency) {
            skipped.push(Skipped {
                balance_id: balance.to_string(),
                reason: format!(
                    "disbursements in {currency} and {}: one row cannot carry both",
                    other.currency
                ),
            });
            continue;
        }
        sales.push(one_sale(balance, currency, date, &ds, movements, terms)?);
    }
    Ok((sales, skipped))
}

fn one_sale(
    balance: &str,
    currency: &str,
    date: NaiveDate,
    ds: &[&Disbursement],
    movements: &[Movement],
    terms: &SalesTerms,
) -> Result<PlannedSale, SalesError> {
    let over = || SalesError::Overflow(balance.to_string());
    let start = ds.iter().map(|d| d.settlement_date).min().unwrap_or(date);
    let ms: Vec<&Movement> = movements
        .iter()
        .filter(|m| {
            m.balance_id == balance && m.settlement_date >= start && m.settlement_date < date
        })
        .collect();
    let sum = |it: &mut dyn Iterator<Item = Decimal>| {
        let mut total = Decimal::ZERO;
        for x in it {
            total = total.checked_add(x).ok_or_else(over)?;
        }
        Ok::<_, SalesError>(total)
    };
    let funded = sum(&mut ds.iter().map(|d| d.principal))?;
    let lowered = sum(&mut ms.iter().map(|m| m.principal))?;
    let settled = sum(&mut ms.iter().filter(|m| !m.refund).map(|m| m.principal.abs()))?;
    let outstanding = funded.checked_add(lowered).ok_or_else(over)?;
    // Σ of each day's outstanding principal, then one multiplication: nothing rounded before.
    let mut day_sum = Decimal::ZERO;
    let mut day = start;
    while day < date {
        let on = |d: NaiveDate| d <= day;
        let out = sum(&mut ds
            .iter()
            .filter(|d| on(d.settlement_date))
            .map(|d| d.principal)
            .chain(
                ms.iter()
                    .filter(|m| on(m.settlement_date))
                    .map(|m| m.principal),
            ))?;
        day_sum = day_sum.checked_add(out).ok_or_else(over)?;
        day = day.succ_opt().ok_or(SalesError::Date)?;
    }
    let interest = day_sum
        .checked_mul(terms.imputed_apr)
        .and_then(|x| x.checked_div(Decimal::from(terms.day_count.max(1))))
        .ok_or_else(over)?;
    Ok(PlannedSale {
        balance_id: balance.to_string(),
        currency: currency.to_string(),
        start_date: start,
        amounts: SaleAmounts {
            funded,
            outstanding,
            settled,
            interest,
        },
        disbursements: ds.iter().map(|d| d.id.clone()).collect(),
        movements: ms.iter().map(|m| m.id.clone()).collect(),
    })
}

#[cfg(test)]
mod tests;
