//! The pipeline: for each completed upload, classify it by folder and name (D5), detect
//! duplicates, validate, check it against what was accepted before (D8), decide, apply it, write
//! `<name>.status.json` / `<name>.errors.csv` and move the file to `processed/` or `failed/` — in
//! an order that survives a crash at any instant.
//!
//! Four stages, called in order by one orchestrator ([`Pipeline`], `pipeline.rs`), each handing
//! its result to the next: claim (`claim.rs`: the file renamed to its claim name) → decide
//! (`decide.rs`: one read that hashes, validates, checks and hands the rows on; it only reads)
//! → commit (`commit.rs`: rows, decision and result files in one transaction; the one place that
//! writes the store) → publish (`publish.rs`: the move). A crash before the commit leaves the
//! file in its inbox (claimed) with nothing written, so it is redone; a crash after it leaves a
//! decided row whose move is finished on the next look at the inbox. Either way the file is
//! decided exactly once.

pub mod ach;
pub mod ach_status;
mod alert;
mod apply;
mod claim;
mod commit;
mod config;
mod crossfile;
pub mod deadline;
mod decide;
pub mod documents;
pub mod events;
mod fsio;
pub mod held;
pub mod metrics;
mod names;
pub mod nightly;
pub mod node;
mod pipeline;
mod publish;
pub mod readiness;
mod results;
mod runner;
pub mod sales;
pub mod schedule;
mod sequence;
mod setaside;
mod spill;
mod stage;
pub mod status;
pub mod windows;

pub use alert::{Alert, Alerts, CommandHook, LogOnly};
pub use apply::{apply_rows, Conflict, RowWriter};
pub use config::{AchLimits, Config, Inbox, Program};
pub use crossfile::BalanceCreation;
pub use held::{default_order, HeldNote, Hold};
pub use names::{claim_name, CLAIM_PREFIX};
pub use node::{Heartbeat, Node};
pub use pipeline::{Pipeline, Step};
pub use publish::Processed;
pub use runner::{queue, run, Job, Jobs, Queued};

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
    Db(#[from] store::Error),
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
