//! The result files beside a decided file (D7): `<name>.status.json` and `<name>.errors.csv`.

use serde::Serialize;
use validate::Finding;

/// Errors (and warnings) listed in a status file; the errors file has all of them.
pub const STATUS_LIMIT: usize = 1000;

/// `<name>.status.json`.
#[derive(Debug, Serialize)]
pub struct Status<'a> {
    /// File name as uploaded.
    pub file: &'a str,
    /// File type, when known.
    pub file_type: Option<&'a str>,
    /// Partner.
    pub partner: &'a str,
    /// File date T (daily files).
    pub file_date: Option<&'a str>,
    /// Batch id (customer files) or Nacha content id.
    pub batch_id: Option<&'a str>,
    /// Version number.
    pub version: Option<u64>,
    /// Hex sha256 of the bytes.
    pub sha256: &'a str,
    /// Size.
    pub bytes: u64,
    /// Data rows.
    pub rows: u64,
    /// Upload completed (RFC 3339, UTC).
    pub received_at: &'a str,
    /// Decided (RFC 3339, UTC).
    pub decided_at: &'a str,
    /// `accepted`, `rejected` or `duplicate`.
    pub outcome: &'a str,
    /// Arrived after its deadline (D9).
    pub late: bool,
    /// Due time (RFC 3339), for daily files.
    pub due_at: Option<String>,
    /// The file waited for the files it depends on before it was processed (D7).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<crate::held::HeldNote>,
    /// All errors.
    pub error_count: u64,
    /// All warnings.
    pub warning_count: u64,
    /// The first errors, in row order.
    pub errors: &'a [Finding],
    /// The first warnings, in row order.
    pub warnings: &'a [Finding],
    /// The errors file, relative to the partner's root.
    pub errors_file: Option<String>,
    /// A Nacha file's errors under the bank's validation names (spec 06 §5.2), beside the
    /// detailed codes: how many of the listed errors each stands for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bank_validations: Vec<BankValidation>,
}

/// A validation name of the bank's (spec 06 §5.2) and how many listed errors it stands for.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct BankValidation {
    /// `invalid_format`, `disallowed_sec_code`, `per_transaction_limit_exceeded`, …
    pub validation: &'static str,
    /// Errors among the status file's listed ones.
    pub errors: u64,
}

/// The bank's validation name for one of our codes on a Nacha file (spec 06 §5.2: `invalid_format`
/// is "the Nacha file is not properly formatted"); `None` for a code the bank's list has no name
/// for (its rows after `per_transaction_limit_exceeded` are NOT SEEN).
pub fn bank_validation(code: &str) -> Option<&'static str> {
    match code {
        "sec_code_not_allowed" => Some("disallowed_sec_code"),
        "per_transaction_limit_exceeded" => Some("per_transaction_limit_exceeded"),
        "aggregate_limit_exceeded" | "max_file_amount" => Some("aggregate_limit_exceeded"),
        c if nacha::CODES.iter().any(|(n, _)| *n == c) => Some("invalid_format"),
        _ => None,
    }
}

/// The bank's validation names of `errors`, with counts, by name.
pub fn bank_validations(errors: &[Finding]) -> Vec<BankValidation> {
    let mut n: std::collections::BTreeMap<&'static str, u64> = Default::default();
    for e in errors {
        if let Some(v) = bank_validation(e.code) {
            *n.entry(v).or_insert(0) += 1;
        }
    }
    n.into_iter()
        .map(|(validation, errors)| BankValidation { validation, errors })
        .collect()
}

/// Escapes a value for the pipe-delimited errors file (RFC 4180 quoting when needed).
fn cell(v: &str) -> String {
    if v.contains(['|', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

/// The header of `<name>.errors.csv` (D7).
pub const ERRORS_HEADER: &str = "row|column|code|message|value";

/// One error as a line of `<name>.errors.csv` (without the line end).
pub fn error_line(e: &Finding) -> String {
    format!(
        "{}|{}|{}|{}|{}",
        e.row,
        cell(e.column.as_deref().unwrap_or("")),
        e.code,
        cell(&e.message),
        cell(e.value.as_deref().unwrap_or(""))
    )
}
