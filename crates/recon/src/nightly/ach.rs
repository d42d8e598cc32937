//! The program's bank account, as the ACH reports print it.

use serde::Deserialize;

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
