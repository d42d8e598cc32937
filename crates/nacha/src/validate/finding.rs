//! Findings and the collected report.

use serde::Serialize;

/// How bad a finding is: errors reject the file, warnings never do (decision D7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Rejects the file.
    Error,
    /// Reported only.
    Warning,
}

/// One problem found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// 1-based line number (record number in a file without line breaks). For a
    /// record missing at the end of the file, the line where it was expected.
    pub line: u64,
    /// Record type code of the record at that line (`'1'`–`'9'`), or of the
    /// missing record; `' '` for a blank line.
    pub record_type: char,
    /// snake_case field name from spec 06 §9, or `record` for the whole record.
    pub field: &'static str,
    /// Stable code from [`CODES`](crate::CODES).
    pub code: &'static str,
    /// Human-readable explanation (sensitive values are masked).
    pub message: String,
    /// Error or warning.
    pub severity: Severity,
}

/// Counts and totals gathered while validating.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Lines (records and blank lines) read.
    pub lines: u64,
    /// Non-blank records, filler included.
    pub records: u64,
    /// Batch header records.
    pub batches: u64,
    /// Entry detail records.
    pub entries: u64,
    /// Addenda records.
    pub addenda: u64,
    /// Sum of debit entry amounts, in cents.
    pub total_debit_cents: u64,
    /// Sum of credit entry amounts, in cents.
    pub total_credit_cents: u64,
    /// Number of error findings.
    pub errors: u64,
    /// Number of warning findings.
    pub warnings: u64,
}

/// All findings of a file, in line order, and its summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Every finding, sorted by line (stable: same-line findings keep their order).
    pub findings: Vec<Finding>,
    /// Counts and totals.
    pub summary: Summary,
}

impl Report {
    /// Whether the file is accepted: no error findings (warnings do not count).
    pub fn is_accepted(&self) -> bool {
        self.summary.errors == 0
    }

    /// The error findings.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
    }

    /// The warning findings.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
    }
}
