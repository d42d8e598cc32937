//! bankdrop's running service, `bankdrop serve`: the embedded SFTP server and the directory
//! watcher hand arrived files to the pipeline runner; the nightly scheduler reconciles each
//! partner's day. The `bankdrop` binary parses arguments and calls this crate.

pub mod config;
mod error;
pub mod nightly;
pub mod reconcile;
pub mod serve;
pub mod setup;

pub use config::Config;
pub use error::{Context, Error, Result};
