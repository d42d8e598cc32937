//! Errors of the reconciliation library.
//!
//! A reconciliation *break* is never an error (decision D9): breaks are data in
//! [`crate::Reconciliation`]. Errors are reserved for inputs that cannot be read, a configuration
//! that cannot be applied, arithmetic that cannot be carried out exactly, and I/O.

use std::io;

/// Which input stream of [`crate::reconcile`] an offending row came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Yesterday's reported balances (the opening values).
    Opening,
    /// Today's reported balances (the closing values).
    Closing,
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Opening => "opening",
            Side::Closing => "closing",
        })
    }
}

/// A cell of a balance or transaction row that cannot be turned into a model value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    /// A required column is absent from the row or its cell is null (empty or `null`, D2).
    #[error("column `{column}`: required value is missing")]
    Missing {
        /// The column name.
        column: String,
    },
    /// A money cell is not `-?[0-9]+(\.[0-9]+)?` (decision D3) or does not fit a decimal.
    #[error("column `{column}`: `{value}` is not a decimal amount ({reason})")]
    Decimal {
        /// The column name.
        column: String,
        /// The cell as given.
        value: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// An enum cell holds a value outside its list.
    #[error("column `{column}`: `{value}` is not one of {expected}")]
    Enum {
        /// The column name.
        column: String,
        /// The cell as given.
        value: String,
        /// The accepted spellings, for the message.
        expected: &'static str,
    },
    /// A date cell is not a real `YYYY-MM-DD` calendar date.
    #[error("column `{column}`: `{value}` is not a YYYY-MM-DD date")]
    Date {
        /// The column name.
        column: String,
        /// The cell as given.
        value: String,
    },
    /// Both `client_balance_id` and `id` are filled, or neither is (spec 05 §4.3).
    #[error("exactly one of `client_balance_id` / `id` must be filled (spec 05 §4.3); {found}")]
    BalanceIdentity {
        /// What was found: "both are filled" or "both are empty".
        found: &'static str,
    },
}

/// A reconciliation configuration that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A reconciled component has no formula for the balance type (built in or in `formulas`).
    #[error("{balance_type} component `{component}` is reconciled but has no formula; its spec 05 formula is NOT SEEN or unknown, add it under [[formulas]]")]
    NoFormula {
        /// `deposit` or `credit`.
        balance_type: &'static str,
        /// The component (balance column) name.
        component: String,
    },
    /// A reconciled component is not among `balance_columns`, so it would never be read.
    #[error("component `{component}` is reconciled but not listed in balance_columns")]
    ComponentNotRead {
        /// The component (balance column) name.
        component: String,
    },
    /// A formula term sums a transaction column that is neither built in nor listed in
    /// `transaction_columns`.
    #[error("formula for `{component}` sums unknown transaction column `{column}`; list it in transaction_columns")]
    UnknownTransactionColumn {
        /// The component whose formula names the column.
        component: String,
        /// The unknown transaction column.
        column: String,
    },
    /// A component is listed twice for one balance type, or defined twice in `formulas`.
    #[error("{balance_type} component `{component}` is listed twice")]
    Duplicate {
        /// `deposit` or `credit`.
        balance_type: &'static str,
        /// The component name.
        component: String,
    },
    /// The tolerance is negative.
    #[error("tolerance must not be negative, got {0}")]
    NegativeTolerance(String),
    /// A bank report delimiter that cannot delimit (non-ASCII, a quote or a line end).
    #[error("report delimiter {0:?} must be one ASCII character other than a quote or line end")]
    BadDelimiter(char),
    /// A formula has no terms.
    #[error("formula for {balance_type} `{component}` has no terms")]
    EmptyFormula {
        /// `deposit` or `credit`.
        balance_type: &'static str,
        /// The component name.
        component: String,
    },
}

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A row could not be read (constructors of [`crate::BalanceRow`] / [`crate::TransactionRow`]).
    #[error(transparent)]
    Row(#[from] RowError),
    /// The configuration cannot be applied.
    #[error("reconciliation config: {0}")]
    Config(#[from] ConfigError),
    /// A checked sum or difference overflowed the decimal range, or could only be represented by
    /// rounding (rust_decimal rounds silently in `checked_add` when scales do not fit; we refuse).
    #[error("arithmetic overflow while computing {context}: {left} and {right} cannot be combined exactly")]
    Overflow {
        /// What was being computed, e.g. `activity of balance b1 / balance`.
        context: String,
        /// Left operand.
        left: String,
        /// Right operand.
        right: String,
    },
    /// The same balance appears twice in one day's balances; the validator should have refused
    /// the file (spec 05 §4.3), so reconciling it would be meaningless.
    #[error("balance `{balance_id}` appears twice in the {side} balances")]
    DuplicateBalance {
        /// The balance key.
        balance_id: String,
        /// Which input it was repeated in.
        side: Side,
    },
    /// A report file name part would escape its folder or break the documented pattern.
    #[error("report file name: {0}")]
    BadName(String),
    /// Writing a report failed.
    #[error("writing report: {0}")]
    Io(#[from] io::Error),
    /// Encoding the summary JSON failed.
    #[error("encoding summary JSON: {0}")]
    Json(#[from] serde_json::Error),
}
