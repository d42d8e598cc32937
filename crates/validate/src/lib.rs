//! Partner file schemas as data, and a streaming validator for the bank's pipe-delimited files.
//!
//! ```no_run
//! use validate::{schema::Schemas, validate, Options};
//! let schemas = Schemas::load_dir("schemas".as_ref()).unwrap();
//! let schema = schemas.get("transaction").unwrap();
//! let file = std::fs::File::open("2026-01-27_transaction_v1.csv").unwrap();
//! let report = validate(schema, &schemas.refdata, file, &Options::default(), &mut |_| {}).unwrap();
//! println!("{:?}: {} errors", report.outcome, report.error_count);
//! ```

mod check;
pub mod docrefs;
pub mod dupes;
pub mod filename;
mod header;
pub mod mask;
mod parallel;
pub mod reader;
pub mod report;
pub mod rows;
mod rules;
pub mod schema;
mod validator;
pub mod values;

pub use report::{Finding, Outcome, Report, Severity, CODES};
pub use validator::{
    validate, validate_with_rows, validate_with_sink, Options, RowSink, DEFAULT_CHUNK_BYTES,
    DEFAULT_MAX_IDS_IN_MEMORY, PROGRESS_EVERY,
};
