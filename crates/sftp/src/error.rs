//! The crate's error type. Errors caused by a client never reach this type: they are answered
//! with an SFTP status code inside the session. These are the operator-facing failures.

use std::path::PathBuf;

/// Everything that can stop the server, the watcher or a layout operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file-system operation on a named path failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done, e.g. "create folder".
        action: &'static str,
        /// The host path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Binding the listening socket failed.
    #[error("listen on {addr}: {source}")]
    Bind {
        /// The address given in the configuration.
        addr: std::net::SocketAddr,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Accepting a connection failed in a way that stops the server.
    #[error("accept: {0}")]
    Accept(#[source] std::io::Error),
    /// The host key file exists but cannot be used, or a new one cannot be generated.
    #[error("host key {path}: {reason}")]
    HostKey {
        /// The host key file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// A public key in OpenSSH format (`ssh-ed25519 AAAA… comment`) did not parse.
    #[error("public key: {0}")]
    PublicKey(String),
    /// The folder layout is not usable (absolute path, `..`, duplicate folder…).
    #[error("layout: {0}")]
    Layout(String),
    /// The `notify` watcher could not be started or could not watch a tree.
    #[error("watcher: {0}")]
    Watch(#[from] notify::Error),
}

impl Error {
    /// Shorthand for [`Error::Io`].
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
