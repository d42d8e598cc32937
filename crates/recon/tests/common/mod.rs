//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::str::FromStr;

use chrono::NaiveDate;
use recon::{BalanceRow, BalanceStatus, BalanceType, TransactionRow};
use rust_decimal::Decimal;

/// A decimal from its text; tests only.
pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).expect("test decimal")
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

pub fn deposit(id: &str, amounts: &[(&str, &str)]) -> BalanceRow {
    let mut row = BalanceRow::new(
        id,
        format!("acct_{id}"),
        BalanceType::Deposit,
        BalanceStatus::Active,
        "active",
    );
    for (c, v) in amounts {
        row = row.with(*c, d(v));
    }
    row
}

pub fn credit(id: &str, amounts: &[(&str, &str)]) -> BalanceRow {
    let mut row = deposit(id, amounts);
    row.balance_type = BalanceType::Credit;
    row
}

pub fn tx(id: &str, balance: &str, ty: &str, amount: &str) -> TransactionRow {
    TransactionRow::new(id, balance, ty, d(amount))
}
