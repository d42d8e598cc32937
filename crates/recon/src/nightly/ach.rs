//! Stored ACH entries (what the pipeline keeps of accepted Nacha files) as report rows.

use chrono::NaiveDate;
use serde::Deserialize;

use super::NightlyError;
use crate::reports::{AchSettlement, EntryDirection, SettlementType};

/// The program's bank account facts for the ACH reports (spec 06 §8.3), which no partner file
/// carries. TOML form (every key optional, defaults empty):
///
/// ```toml
/// bank_account_id = "account_2WxBDCONkqokrba1kD2WhYeXz2g"  # Bank Account Id
/// bank_account_number = "1XXXXX2854"                     # Bank Account Number, as written
/// settlement_code = "5701"                               # Settlement Code (meanings NOT SEEN)
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AchAccount {
    /// `Bank Account Id`: the platform account the program's ACH posts to.
    pub bank_account_id: String,
    /// `Bank Account Number` (and the daily activity's `ACCOUNT_NUMBER`), written as given.
    pub bank_account_number: String,
    /// `Settlement Code`: the Fed AMI code (5701/5702/5703; which one applies is NOT SEEN).
    pub settlement_code: String,
}

/// An entry as the pipeline stores it (`crates/pipeline/src/ach.rs`).
#[derive(Deserialize)]
struct Stored {
    trace: String,
    direction: String,
    amount_cents: String,
    sec_code: String,
    company_name: String,
    company_id: String,
    company_entry_description: String,
    effective_date: String,
    settlement_date: String,
}

fn bad(key: &str, message: impl Into<String>) -> NightlyError {
    NightlyError::StoredRow {
        key: key.to_string(),
        message: message.into(),
    }
}

fn date(key: &str, v: &str) -> Result<NaiveDate, NightlyError> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| bad(key, format!("bad date `{v}`")))
}

/// One stored outgoing entry as an [`AchSettlement`]: it settles as an `ORIGINATION`; `ACH ID`
/// is the trace number (bankdrop has no bank ACH objects) and `Statement Descriptor` the batch's
/// Company Entry Description.
pub(crate) fn settlement(
    key: &str,
    data: &str,
    account: &AchAccount,
) -> Result<AchSettlement, NightlyError> {
    let s: Stored = serde_json::from_str(data).map_err(|e| bad(key, e.to_string()))?;
    let direction = match s.direction.as_str() {
        "credit" => EntryDirection::Credit,
        "debit" => EntryDirection::Debit,
        other => return Err(bad(key, format!("bad direction `{other}`"))),
    };
    let amount_cents = s
        .amount_cents
        .parse()
        .map_err(|_| bad(key, format!("bad amount `{}`", s.amount_cents)))?;
    Ok(AchSettlement {
        settlement_date: date(key, &s.settlement_date)?,
        settlement_code: account.settlement_code.clone(),
        settlement_type: SettlementType::Origination,
        bank_account_id: account.bank_account_id.clone(),
        bank_account_number: account.bank_account_number.clone(),
        direction,
        amount_cents,
        ach_id: s.trace.clone(),
        statement_descriptor: s.company_entry_description,
        linked_reversal_id: None,
        trace_number: s.trace,
        effective_date: date(key, &s.effective_date)?,
        company_name: s.company_name,
        company_id: s.company_id,
        sec_code: s.sec_code,
        received: false,
    })
}
