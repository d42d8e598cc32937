//! The pipeline: for each completed upload, classify it by folder and name (D5), detect
//! duplicates, validate, decide, write `<name>.status.json` / `<name>.errors.csv` and move the
//! file to `processed/` or `failed/` — in an order that survives a crash at any instant.
//!
//! The order per file is: claim a ledger row → validate → write the result files (atomically)
//! → commit the decision → move the file. A crash before the commit leaves the file in its inbox
//! and its row undecided, so it is redone; a crash after it leaves a decided row whose move is
//! finished on the next look at the inbox. Either way the file is decided exactly once.

pub mod ach;
mod alert;
mod apply;
mod crossfile;
pub mod deadline;
mod finish;
mod fsio;
mod held;
mod names;
pub mod nightly;
mod process;
mod runner;
mod setaside;
mod spill;
pub mod status;

pub use alert::{Alert, Alerts, CommandHook, LogOnly};
pub use apply::{apply_rows, Conflict};
pub use crossfile::BalanceCreation;
pub use held::{default_order, HeldNote, Hold};
pub use names::{claim_name, CLAIM_PREFIX};
pub use process::{Config, Inbox, Pipeline, Processed, Program, Step};
pub use runner::{run, Job};

/// Pipeline errors (a file's own problems are findings in its report, not errors here).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading, writing or moving files failed.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The ledger failed.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// Results could not be serialised.
    #[error("status file: {0}")]
    Json(#[from] serde_json::Error),
}

/// Result alias.
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn io_err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}
