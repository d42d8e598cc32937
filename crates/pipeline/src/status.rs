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
