//! bankdrop's running service, `bankdrop serve`: the embedded SFTP server and the directory
//! watcher hand arrived files to the pipeline runner; the nightly scheduler reconciles each
//! partner's day. The `bankdrop` binary parses arguments and calls this crate.

pub mod access;
pub mod alerts;
pub mod config;
mod error;
pub mod events;
pub mod metrics;
pub mod nightly;
pub mod operations;
pub mod reconcile;
pub mod sales;
pub mod serve;
pub mod setup;
pub mod web;

pub use config::Config;
pub use error::{Context, Error, Result};
