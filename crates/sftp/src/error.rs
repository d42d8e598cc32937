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
    /// The server was given no address to listen on.
    #[error("no address to listen on")]
    NoListenAddress,
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
    /// An RSA key shorter than the 2,048 bits spec 01 §0.1 and §2.3 require.
    #[error("RSA key of {bits} bits refused: RSA keys must have at least 2048 bits (generate one with `ssh-keygen -t rsa -b 4096` or use Ed25519)")]
    RsaKeyTooShort {
        /// The key's modulus size.
        bits: u32,
    },
    /// An allow-list entry that is not an address or CIDR range.
    #[error("`{text}` is not an address range: {reason}")]
    IpRange {
        /// The entry as given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
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
