//! Balance and transaction rows as the reconciliation sees them.
//!
//! The pipeline hands over validated CSV cells by column name (schemas/balance.toml,
//! schemas/transaction.toml); the constructors here still check every cell they read, because a
//! row may also come from the store or a test, and a wrong value must be an error, not a panic.
//! Balance amounts are kept by column name so that a balance column confirmed later (spec 05
//! §4.2: the page was cut after `balance`) needs only a config entry, not code.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::config::ReconConfig;
use crate::error::RowError;
use crate::money;

/// Read access to one row's cells by column name.
///
/// Implemented for `HashMap` and `BTreeMap` with string-like keys and values (for example
/// `HashMap<&str, &str>` or `HashMap<String, String>`) and for slices of `(&str, &str)` pairs.
pub trait Cells {
    /// The raw cell of `column`, or `None` when the row has no such column.
    fn cell(&self, column: &str) -> Option<&str>;
}

impl<K, V, S> Cells for HashMap<K, V, S>
where
    K: Borrow<str> + Hash + Eq,
    V: AsRef<str>,
    S: BuildHasher,
{
    fn cell(&self, column: &str) -> Option<&str> {
        self.get(column).map(AsRef::as_ref)
    }
}

impl<K, V> Cells for BTreeMap<K, V>
where
    K: Borrow<str> + Ord,
    V: AsRef<str>,
{
    fn cell(&self, column: &str) -> Option<&str> {
        self.get(column).map(AsRef::as_ref)
    }
}

impl Cells for [(&str, &str)] {
    fn cell(&self, column: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == column).map(|(_, v)| *v)
    }
}

/// A cell's value with D2's nulls removed: an absent column, an empty cell and the literal
/// `null` all read as "no value".
fn value<'a, C: Cells + ?Sized>(cells: &'a C, column: &str) -> Option<&'a str> {
    cells.cell(column).filter(|v| !v.is_empty() && *v != "null")
}

fn required<C: Cells + ?Sized>(cells: &C, column: &str) -> Result<String, RowError> {
    value(cells, column)
        .map(str::to_string)
        .ok_or_else(|| RowError::Missing {
            column: column.to_string(),
        })
}

fn optional<C: Cells + ?Sized>(cells: &C, column: &str) -> Option<String> {
    value(cells, column).map(str::to_string)
}

fn optional_money<C: Cells + ?Sized>(cells: &C, column: &str) -> Result<Option<Decimal>, RowError> {
    value(cells, column)
        .map(|v| money::parse(column, v))
        .transpose()
}

/// `YYYY-MM-DD`, checked for shape first because chrono also accepts unpadded fields.
fn parse_date(column: &str, v: &str) -> Result<NaiveDate, RowError> {
    let b = v.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    shaped
        .then(|| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| RowError::Date {
            column: column.to_string(),
            value: v.to_string(),
        })
}

/// The balance `type` (spec 05 §4.1): deposit or credit. It selects the formulas (§3.3 / §3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BalanceType {
    /// A deposit balance (deposit accounts, debit cards, FBO accounts).
    Deposit,
    /// A credit balance (loans, lines of credit, credit/charge cards, overdraft).
    Credit,
}

impl BalanceType {
    /// Both types, in the order reports list them.
    pub const ALL: [BalanceType; 2] = [BalanceType::Deposit, BalanceType::Credit];

    /// The spelling used in the files.
    pub fn as_str(self) -> &'static str {
        match self {
            BalanceType::Deposit => "deposit",
            BalanceType::Credit => "credit",
        }
    }

    /// Parses the file spelling.
    pub fn parse(v: &str) -> Option<BalanceType> {
        match v {
            "deposit" => Some(BalanceType::Deposit),
            "credit" => Some(BalanceType::Credit),
            _ => None,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// The balance `status` (spec 05 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceStatus {
    /// Works normally.
    Active,
    /// Activity restricted by the partner; still reconciled by default (spec 05 §1.3).
    Inactive,
    /// Terminal.
    Closed,
    /// Terminal, credit only: the receivable went to the partner.
    ReceivableTransferred,
}

impl BalanceStatus {
    /// The spelling used in the files.
    pub fn as_str(self) -> &'static str {
        match self {
            BalanceStatus::Active => "active",
            BalanceStatus::Inactive => "inactive",
            BalanceStatus::Closed => "closed",
            BalanceStatus::ReceivableTransferred => "receivable_transferred",
        }
    }

    /// Parses the file spelling.
    pub fn parse(v: &str) -> Option<BalanceStatus> {
        match v {
            "active" => Some(BalanceStatus::Active),
            "inactive" => Some(BalanceStatus::Inactive),
            "closed" => Some(BalanceStatus::Closed),
            "receivable_transferred" => Some(BalanceStatus::ReceivableTransferred),
            _ => None,
        }
    }

    /// `closed` and `receivable_transferred` are terminal (spec 05 §2.2): a balance in them is
    /// expected to be absent from later Balance files.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            BalanceStatus::Closed | BalanceStatus::ReceivableTransferred
        )
    }
}

/// Which identity column named the balance (spec 05 §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BalanceIdKind {
    /// `client_balance_id`: a file-created balance.
    Client,
    /// `id`: a balance created through the Subledger Balance API.
    Lead,
}

/// One row of a Balance file (one balance on one day).
#[derive(Debug, Clone, PartialEq)]
pub struct BalanceRow {
    /// The balance key: `client_balance_id`, or `id` for API-created balances. Transactions
    /// refer to it through `balance_id`.
    pub balance_id: String,
    /// Which column the key came from.
    pub id_kind: BalanceIdKind,
    /// `account_id`.
    pub account_id: String,
    /// `type`.
    pub balance_type: BalanceType,
    /// `status`.
    pub status: BalanceStatus,
    /// `status_reason`, as given (its list depends on the status and is checked by the validator).
    pub status_reason: String,
    /// `currency`, if the file carries one (NOT SEEN in spec 05 §4; read when present).
    pub currency: Option<String>,
    /// `client_settlement_bank_account_id`, which groups balances per FBO (spec 05 §1.4).
    pub settlement_bank_account_id: Option<String>,
    /// The money columns of `ReconConfig::balance_columns` that had a value; a null cell is
    /// absent here (the reconciliation reads it as 0 and counts it).
    pub amounts: BTreeMap<String, Decimal>,
}

impl BalanceRow {
    /// A row with no amounts, for building rows in code (tests, generators).
    pub fn new(
        balance_id: impl Into<String>,
        account_id: impl Into<String>,
        balance_type: BalanceType,
        status: BalanceStatus,
        status_reason: impl Into<String>,
    ) -> BalanceRow {
        BalanceRow {
            balance_id: balance_id.into(),
            id_kind: BalanceIdKind::Client,
            account_id: account_id.into(),
            balance_type,
            status,
            status_reason: status_reason.into(),
            currency: None,
            settlement_bank_account_id: None,
            amounts: BTreeMap::new(),
        }
    }

    /// Sets one amount column (builder style).
    pub fn with(mut self, column: impl Into<String>, amount: Decimal) -> BalanceRow {
        self.amounts.insert(column.into(), amount);
        self
    }

    /// The amount of a column, `None` when the cell was null or not read.
    pub fn amount(&self, column: &str) -> Option<Decimal> {
        self.amounts.get(column).copied()
    }

    /// Reads a row from its cells: the identity, `account_id`, `type`, `status`,
    /// `status_reason`, optional `currency` and `client_settlement_bank_account_id`, and every
    /// money column of `config.balance_columns`.
    pub fn from_cells<C: Cells + ?Sized>(
        cells: &C,
        config: &ReconConfig,
    ) -> Result<BalanceRow, RowError> {
        let (balance_id, id_kind) = match (value(cells, "client_balance_id"), value(cells, "id")) {
            (Some(c), None) => (c.to_string(), BalanceIdKind::Client),
            (None, Some(i)) => (i.to_string(), BalanceIdKind::Lead),
            (Some(_), Some(_)) => {
                return Err(RowError::BalanceIdentity {
                    found: "both are filled",
                })
            }
            (None, None) => {
                return Err(RowError::BalanceIdentity {
                    found: "both are empty",
                })
            }
        };
        let type_text = required(cells, "type")?;
        let balance_type = BalanceType::parse(&type_text).ok_or(RowError::Enum {
            column: "type".into(),
            value: type_text,
            expected: "deposit, credit",
        })?;
        let status_text = required(cells, "status")?;
        let status = BalanceStatus::parse(&status_text).ok_or(RowError::Enum {
            column: "status".into(),
            value: status_text,
            expected: "active, inactive, closed, receivable_transferred",
        })?;
        let mut amounts = BTreeMap::new();
        for column in &config.balance_columns {
            if let Some(v) = optional_money(cells, column)? {
                amounts.insert(column.clone(), v);
            }
        }
        Ok(BalanceRow {
            balance_id,
            id_kind,
            account_id: required(cells, "account_id")?,
            balance_type,
            status,
            status_reason: required(cells, "status_reason")?,
            currency: optional(cells, "currency"),
            settlement_bank_account_id: optional(cells, "client_settlement_bank_account_id"),
            amounts,
        })
    }
}

/// One row of a Transactions file (spec 05 §5).
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionRow {
    /// `client_transaction_id`.
    pub client_transaction_id: String,
    /// `balance_id`: the key of the balance it changes (`client_balance_id` or `id`).
    pub balance_id: String,
    /// `type` (spec 05 §6.5); `None` when the cell is null (the column is not seen, so optional).
    pub tx_type: Option<String>,
    /// `action` (`applied` / `reversed`). Not used by the formulas: amounts are summed as signed
    /// by the partner (spec 05 §3.5 recommendation).
    pub action: Option<String>,
    /// `fee_type`.
    pub fee_type: Option<String>,
    /// `transfer_type`.
    pub transfer_type: Option<String>,
    /// `currency`.
    pub currency: String,
    /// `settlement_date`: not used by the balance check (spec 05 §1.2), kept for settlement work.
    pub settlement_date: Option<NaiveDate>,
    /// `amount`: signed, positive raises the balance (spec 05 §5.4).
    pub amount: Decimal,
    /// `amount_in_usd`.
    pub amount_in_usd: Option<Decimal>,
    /// `principal_amount` (credit).
    pub principal_amount: Option<Decimal>,
    /// `fee_amount` (credit).
    pub fee_amount: Option<Decimal>,
    /// `interest_amount` (credit).
    pub interest_amount: Option<Decimal>,
    /// `rewards_amount`: drives `rewards_balance` (spec 05 §3.3).
    pub rewards_amount: Option<Decimal>,
    /// `settlement_amount`.
    pub settlement_amount: Option<Decimal>,
    /// Money columns named in `ReconConfig::transaction_columns` (columns confirmed later).
    pub extra: BTreeMap<String, Decimal>,
}

/// The transaction money columns the model knows by name; formulas may sum any of them.
pub const TRANSACTION_AMOUNT_COLUMNS: [&str; 7] = [
    "amount",
    "amount_in_usd",
    "principal_amount",
    "fee_amount",
    "interest_amount",
    "rewards_amount",
    "settlement_amount",
];

impl TransactionRow {
    /// A row with only the required values set, for building rows in code.
    pub fn new(
        client_transaction_id: impl Into<String>,
        balance_id: impl Into<String>,
        tx_type: impl Into<String>,
        amount: Decimal,
    ) -> TransactionRow {
        TransactionRow {
            client_transaction_id: client_transaction_id.into(),
            balance_id: balance_id.into(),
            tx_type: Some(tx_type.into()),
            action: None,
            fee_type: None,
            transfer_type: None,
            currency: "USD".into(),
            settlement_date: None,
            amount,
            amount_in_usd: None,
            principal_amount: None,
            fee_amount: None,
            interest_amount: None,
            rewards_amount: None,
            settlement_amount: None,
            extra: BTreeMap::new(),
        }
    }

    /// Sets one money column by name (builder style); unknown names go to `extra`.
    pub fn with(mut self, column: &str, amount: Decimal) -> TransactionRow {
        match column {
            "amount" => self.amount = amount,
            "amount_in_usd" => self.amount_in_usd = Some(amount),
            "principal_amount" => self.principal_amount = Some(amount),
            "fee_amount" => self.fee_amount = Some(amount),
            "interest_amount" => self.interest_amount = Some(amount),
            "rewards_amount" => self.rewards_amount = Some(amount),
            "settlement_amount" => self.settlement_amount = Some(amount),
            other => {
                self.extra.insert(other.to_string(), amount);
            }
        }
        self
    }

    /// The value of a money column by name; `None` when null.
    pub fn amount_of(&self, column: &str) -> Option<Decimal> {
        match column {
            "amount" => Some(self.amount),
            "amount_in_usd" => self.amount_in_usd,
            "principal_amount" => self.principal_amount,
            "fee_amount" => self.fee_amount,
            "interest_amount" => self.interest_amount,
            "rewards_amount" => self.rewards_amount,
            "settlement_amount" => self.settlement_amount,
            other => self.extra.get(other).copied(),
        }
    }

    /// Reads a row from its cells: the required `client_transaction_id`, `balance_id`,
    /// `amount` and `currency`, the optional classification and money columns, and every
    /// column of `config.transaction_columns`.
    pub fn from_cells<C: Cells + ?Sized>(
        cells: &C,
        config: &ReconConfig,
    ) -> Result<TransactionRow, RowError> {
        let amount_text = required(cells, "amount")?;
        let mut extra = BTreeMap::new();
        for column in &config.transaction_columns {
            if let Some(v) = optional_money(cells, column)? {
                extra.insert(column.clone(), v);
            }
        }
        Ok(TransactionRow {
            client_transaction_id: required(cells, "client_transaction_id")?,
            balance_id: required(cells, "balance_id")?,
            tx_type: optional(cells, "type"),
            action: optional(cells, "action"),
            fee_type: optional(cells, "fee_type"),
            transfer_type: optional(cells, "transfer_type"),
            currency: required(cells, "currency")?,
            settlement_date: value(cells, "settlement_date")
                .map(|v| parse_date("settlement_date", v))
                .transpose()?,
            amount: money::parse("amount", &amount_text)?,
            amount_in_usd: optional_money(cells, "amount_in_usd")?,
            principal_amount: optional_money(cells, "principal_amount")?,
            fee_amount: optional_money(cells, "fee_amount")?,
            interest_amount: optional_money(cells, "interest_amount")?,
            rewards_amount: optional_money(cells, "rewards_amount")?,
            settlement_amount: optional_money(cells, "settlement_amount")?,
            extra,
        })
    }
}
