//! How the Sales Request prints its amounts (spec 04 §3.2, the newer page text: major units, at
//! most the currency's minor-unit digits, trailing zeros removed; `imputed_interest_accrued` at
//! most 6 fractional digits) and the file itself (decision D2 dialect: `|`, LF).

use super::SalesError;
use crate::reports::csv::{write_record, OWN};
use rust_decimal::{Decimal, RoundingStrategy};
use std::io::{self, Write};

/// The Sales Request header, in the page's order (spec 04 §3.2).
pub const SALES_REQUEST_COLUMNS: [&str; 12] = [
    "sale_id",
    "balance_id",
    "start_date",
    "sale_date",
    "funded_amount",
    "outstanding_principal",
    "settled_transactions_amount",
    "imputed_interest_accrued",
    "settlement_amount",
    "currency",
    "generated_at",
    "effective_at",
];

/// Fractional digits of `imputed_interest_accrued` (spec 04 §3.2, newer text).
const INTEREST_DIGITS: u32 = 6;

/// The rounding of a printed amount: the page does not say (spec 04 §3.2 open question), so a
/// project default, half away from zero (commercial rounding).
const ROUNDING: RoundingStrategy = RoundingStrategy::MidpointAwayFromZero;

/// `d` in major units with at most `minor_units` fractional digits, trailing zeros removed:
/// `12.50` → `12.5`, `100.00` → `100`.
pub fn render_amount(d: Decimal, minor_units: u32) -> String {
    plain(d.round_dp_with_strategy(minor_units, ROUNDING))
}

/// `d` with at most 6 fractional digits, trailing zeros removed (`imputed_interest_accrued`).
pub fn render_interest(d: Decimal) -> String {
    plain(d.round_dp_with_strategy(INTEREST_DIGITS, ROUNDING))
}

fn plain(d: Decimal) -> String {
    let n = d.normalize();
    // `-0` after rounding a tiny negative amount prints as 0.
    if n.is_zero() {
        "0".into()
    } else {
        n.to_string()
    }
}

/// A sale's exact amounts (spec 04 §5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleAmounts {
    /// Σ disbursed principal (`funded_amount`).
    pub funded: Decimal,
    /// `outstanding_principal`.
    pub outstanding: Decimal,
    /// `settled_transactions_amount`.
    pub settled: Decimal,
    /// `imputed_interest_accrued`, unrounded.
    pub interest: Decimal,
}

impl SaleAmounts {
    /// The five printed amounts: funded, outstanding, settled, interest, and settlement, the
    /// last the exact sum of the three components as printed (spec 04 §5.1), so a reader adding
    /// the columns finds it to the last digit.
    pub fn render(&self, minor_units: u32) -> Result<[String; 5], SalesError> {
        let round = |d: Decimal| d.round_dp_with_strategy(minor_units, ROUNDING);
        let interest = self
            .interest
            .round_dp_with_strategy(INTEREST_DIGITS, ROUNDING);
        let (outstanding, settled) = (round(self.outstanding), round(self.settled));
        let settlement = outstanding
            .checked_add(settled)
            .and_then(|s| s.checked_add(interest))
            .ok_or_else(|| SalesError::Overflow("settlement_amount".into()))?;
        Ok([
            plain(round(self.funded)),
            plain(outstanding),
            plain(settled),
            plain(interest),
            plain(settlement),
        ])
    }
}

/// Writes a Sales Request: the header, then each row's 12 fields in [`SALES_REQUEST_COLUMNS`]
/// order. No rows: the header alone (the "empty" file of spec 04 §3.1, D2's no-activity form).
pub fn write_sales_request<W: Write + ?Sized>(out: &mut W, rows: &[Vec<String>]) -> io::Result<()> {
    write_record(out, &OWN, SALES_REQUEST_COLUMNS)?;
    for r in rows {
        write_record(out, &OWN, r.iter().map(String::as_str))?;
    }
    Ok(())
}
