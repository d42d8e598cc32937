//! Per-program reconciliation configuration (decision D1: one partner is one program).
//!
//! Which components are reconciled is set per program at implementation (spec 05 §1.1), so it is
//! data. The formulas the spec states are built in ([`crate::formulas::builtin`]); the ones it does
//! not state (NOT SEEN: the credit fee / interest / dispute / past-due / charge-off / rewards
//! formulas, spec 05 §3.4) are not invented: a program that needs them adds them under
//! `[[formulas]]` once the bank confirms them.
//!
//! TOML form (every key optional; the values shown are the defaults):
//!
//! ```toml
//! tolerance = "0"            # a string (or an integer): money is never a float
//! reconcile_inactive = true
//! deposit_components = ["balance", "rewards_balance", "interest_accrued_balance",
//!                       "dispute_balance", "charge_off_balance"]
//! credit_components = ["balance", "outstanding_principal"]
//! balance_columns = ["balance", "rewards_balance", "interest_accrued_balance", "dispute_balance",
//!                    "charge_off_balance", "past_due_balance", "outstanding_principal",
//!                    "outstanding_fees"]
//! transaction_columns = []
//!
//! # Example of a formula the spec does not show (spec 05 §3.4 "assumed mirror", to confirm):
//! # [[formulas]]
//! # balance_type = "credit"
//! # component = "outstanding_fees"
//! # source = "assumed mirror of spec 05 §3.4 principal rule; confirm with the bank"
//! # terms = [{ column = "fee_amount", types = { not_in = ["charge_off_recovery", "dispute_won"] } }]
//! ```

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ConfigError;
use crate::model::BalanceType;

/// Which transaction `type` values a formula term counts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeFilter {
    /// Every transaction, whatever its type (also a null type).
    #[default]
    All,
    /// Only these types (`where type in (...)`); a null type does not match.
    In(Vec<String>),
    /// Every type except these (`where type not in (...)`); a null type matches, as SQL's
    /// `NOT IN` on a value outside the list would.
    NotIn(Vec<String>),
}

/// Whether a term adds or subtracts its sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Sign {
    /// Adds the sum (`+`).
    #[default]
    #[serde(rename = "+")]
    Plus,
    /// Subtracts the sum (`-`), as in `daily_interest_activity` (spec 05 §3.3).
    #[serde(rename = "-")]
    Minus,
}

/// One summand of a daily activity: `sign * sum(transactions.<column>) where <types>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// The transaction money column summed (`amount`, `principal_amount`, `rewards_amount`, …).
    pub column: String,
    /// Which transaction types count.
    #[serde(default)]
    pub types: TypeFilter,
    /// `+` (default) or `-`.
    #[serde(default)]
    pub sign: Sign,
}

/// `component on t = component on t-1 + Σ terms` for one balance type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Formula {
    /// The balance type the formula applies to.
    pub balance_type: BalanceType,
    /// The balance column it reconciles.
    pub component: String,
    /// The daily activity, as a sum of terms.
    pub terms: Vec<Term>,
    /// Where the formula comes from (a spec section or a decision), for people reading config.
    #[serde(default)]
    pub source: String,
}

/// The reconciliation settings of one program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReconConfig {
    /// A component breaks when `|expected - reported| > tolerance`. Default 0: exact decimal
    /// equality (decision D9, spec 05 §1.3). Written as a string in TOML (`"0.01"`); floats are
    /// refused so that no binary fraction ever touches money (D3).
    #[serde(
        deserialize_with = "deserialize_tolerance",
        serialize_with = "serialize_tolerance"
    )]
    pub tolerance: Decimal,
    /// Components reconciled on deposit balances, in report order.
    pub deposit_components: Vec<String>,
    /// Components reconciled on credit balances, in report order.
    pub credit_components: Vec<String>,
    /// Formulas added to or replacing the built-in ones (same balance type and component).
    pub formulas: Vec<Formula>,
    /// The money columns read from a Balance row (reported in the daily balance report, and the
    /// pool the reconciled components come from).
    pub balance_columns: Vec<String>,
    /// Transaction money columns beyond the built-in ones
    /// ([`crate::model::TRANSACTION_AMOUNT_COLUMNS`]), for formulas over columns confirmed later.
    pub transaction_columns: Vec<String>,
    /// Reconcile `inactive` balances too (spec 05 §1.3 recommendation: yes; breaks on them are
    /// counted apart so they can be given a lower severity).
    pub reconcile_inactive: bool,
}

/// The Balance money columns of schemas/balance.toml (spec 05 §4.1, §4.2).
pub const DEFAULT_BALANCE_COLUMNS: [&str; 8] = [
    "balance",
    "rewards_balance",
    "interest_accrued_balance",
    "dispute_balance",
    "charge_off_balance",
    "past_due_balance",
    "outstanding_principal",
    "outstanding_fees",
];

/// Deposit default: every formula spec 05 §3.3 states. A program without a feature reports 0
/// and has no such transactions, so the extra checks cost nothing and catch misreported data.
pub const DEFAULT_DEPOSIT_COMPONENTS: [&str; 5] = [
    "balance",
    "rewards_balance",
    "interest_accrued_balance",
    "dispute_balance",
    "charge_off_balance",
];

/// Credit default: the two formulas spec 05 §3.4 shows whole (the rest of the page is NOT SEEN).
pub const DEFAULT_CREDIT_COMPONENTS: [&str; 2] = ["balance", "outstanding_principal"];

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl Default for ReconConfig {
    fn default() -> Self {
        ReconConfig {
            tolerance: Decimal::ZERO,
            deposit_components: strings(&DEFAULT_DEPOSIT_COMPONENTS),
            credit_components: strings(&DEFAULT_CREDIT_COMPONENTS),
            formulas: Vec::new(),
            balance_columns: strings(&DEFAULT_BALANCE_COLUMNS),
            transaction_columns: Vec::new(),
            reconcile_inactive: true,
        }
    }
}

impl ReconConfig {
    /// The components reconciled for a balance type.
    pub fn components(&self, balance_type: BalanceType) -> &[String] {
        match balance_type {
            BalanceType::Deposit => &self.deposit_components,
            BalanceType::Credit => &self.credit_components,
        }
    }

    /// Checks the configuration can be applied (every reconciled component read and with a
    /// formula, every summed column known, tolerance not negative). [`crate::reconcile`] calls
    /// this itself; call it at start-up to fail early.
    pub fn validate(&self) -> Result<(), ConfigError> {
        crate::formulas::Plan::compile(self).map(|_| ())
    }
}

fn deserialize_tolerance<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = Decimal;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a decimal as a string, e.g. \"0.01\", or an integer")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Decimal, E> {
            crate::money::parse("tolerance", v).map_err(E::custom)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Decimal, E> {
            Err(E::custom(format!(
                "tolerance {v} is a float; write it as a string, e.g. \"{v}\" (decision D3)"
            )))
        }
    }
    d.deserialize_any(V)
}

fn serialize_tolerance<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::money::fmt(*v))
}
