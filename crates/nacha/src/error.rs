//! Errors of the reader, writer and builders (validation problems are
//! [`Finding`](crate::Finding)s, not errors).

/// An error that stops an operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A record could not be parsed into the typed model.
    #[error("line {line}: {source}")]
    Parse {
        /// 1-based line number.
        line: u64,
        /// What was wrong.
        source: ParseError,
    },
    /// A value does not fit its fixed-width field.
    #[error("field `{field}`: {reason}")]
    Field {
        /// snake_case field name.
        field: &'static str,
        /// Why it does not fit.
        reason: String,
    },
    /// A control total would not fit its field.
    #[error("control total `{field}` overflows its field")]
    Overflow {
        /// snake_case field name.
        field: &'static str,
    },
    /// The writer was used out of order (e.g. an entry outside a batch).
    #[error("writer used out of order: {0}")]
    Sequence(&'static str),
    /// A trace number asked for is not in the original file.
    #[error("trace number {0} not found in the original file")]
    TraceNotFound(String),
    /// A return or change code is not valid.
    #[error("invalid code `{0}`")]
    InvalidCode(String),
    /// The request is not possible (e.g. no entries given).
    #[error("invalid request: {0}")]
    Invalid(String),
}

/// A field that could not be read into the typed model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: {message}")]
pub struct ParseError {
    /// snake_case field name.
    pub field: &'static str,
    /// What was wrong.
    pub message: String,
}
