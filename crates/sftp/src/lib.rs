//! bankdrop's partner intake: an embedded SFTP server and a directory watcher.
//!
//! * [`SftpServer`] / [`run`] — an SFTP server (russh + russh-sftp) where each partner logs in with
//!   a public key and is jailed, by the operating system (cap-std, `openat2` `RESOLVE_BENEATH`), in
//!   its own tree laid out by a [`Layout`] (decision D6). Uploads are written to a hidden temporary
//!   file and renamed into place when the client closes the handle; only then is an
//!   [`IntakeEvent::Arrived`] sent (decision D7: a file is "received" only when complete).
//! * [`DirWatcher`] / [`scan_existing`] — a second intake for trees fed by another SFTP server: a
//!   `notify` watcher that reports files closed after writing or renamed into an inbox, and a
//!   start-up scan of files already sitting in inboxes. It emits the same [`IntakeEvent`].
//!
//! Event consumers must tolerate a path that no longer exists when they get to it: a partner may
//! delete or rename a file between its arrival and its processing.

#![warn(missing_docs)]

mod allow;
mod auth;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod handler;
mod jail;
mod layout;
mod limits;
pub mod metrics;
mod names;
mod server;
mod session;
mod upload;
mod watcher;

use std::path::PathBuf;

pub use allow::IpRange;
pub use auth::{
    fingerprint_line, generate_key_pair, host_public_key, key_bits, parse_public_key, Partner,
    PartnerStore, StaticPartners, MIN_RSA_BITS,
};
pub use error::Error;
pub use layout::{Access, FolderRule, Layout, DEFAULT_FILE_TYPES};
pub use limits::Limits;
pub use names::{remove_stale_uploads, UPLOAD_TEMP_PREFIX};
pub use russh::keys::{HashAlg, PublicKey};
pub use server::{run, ServerConfig, SftpServer};
pub use watcher::{scan_existing, DirWatcher};

/// Something the pipeline must look at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IntakeEvent {
    /// A complete file is now in one of a partner's inbox folders.
    Arrived {
        /// The partner's name (its SFTP user name).
        partner: String,
        /// The file's path relative to the partner's root, with `/` separators, e.g.
        /// `transaction/2026-01-27_transaction_v1.csv`.
        path: PathBuf,
    },
}
