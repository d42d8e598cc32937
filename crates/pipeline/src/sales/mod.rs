//! The Sales Request / Sales Response cycle of a program that sells its receivables
//! (Originate-to-Sell, spec 04 §3–§5): the day's request read from the store, planned by the pure
//! `recon::sales`, recorded (`store::Sales`) and written into the partner's read-only
//! `sales_request/` folder ([`request`]); the responses' rows checked against the sales sent
//! (`crate::crossfile`, codes `unknown_sale`, `sale_already_answered`) and their answers recorded
//! with the file ([`answers`]).

pub mod answers;
pub mod request;

pub use request::{write_request, RequestError, RequestOutcome};

use recon::sales::SalesTerms;
use rust_decimal::Decimal;

/// A program's sales settings (`[program]` keys `sells_receivables`, `sales_*`): none is
/// documented by the bank, each is a project default (README, "Sales Request / Sales Response").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesSettings {
    /// The program sells its receivables to the partner (OTS); default off (OSL keeps them).
    pub enabled: bool,
    /// Hold period, imputed interest rate and day count.
    pub terms: SalesTerms,
    /// The request's file name, `{date}` replaced by the day (`YYYY-MM-DD`).
    pub file_name: String,
    /// The folder under the partner's root (decision D6: `sales_request`, read-only for it).
    pub folder: String,
}

/// The default file name: decision D5's `<date>_<file_type>_<version>.csv`.
pub const DEFAULT_FILE_NAME: &str = "{date}_sales_request_v1.csv";

impl Default for SalesSettings {
    fn default() -> Self {
        SalesSettings {
            enabled: false,
            terms: SalesTerms {
                // Spec 04 §5.2's example period, and the sandbox's Day 1 → Day 4 (spec 04 §4.3).
                hold_business_days: 3,
                imputed_apr: Decimal::ZERO,
                day_count: 365,
            },
            file_name: DEFAULT_FILE_NAME.into(),
            folder: "sales_request".into(),
        }
    }
}

impl SalesSettings {
    /// The request's file name for `date`.
    pub fn file_name_for(&self, date: chrono::NaiveDate) -> String {
        self.file_name
            .replace("{date}", &date.format("%Y-%m-%d").to_string())
    }
}
