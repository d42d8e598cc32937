//! The service's errors: what went wrong, with what was being done when it did.

/// Errors of the running service and its configuration.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration value, a name or a request that is not allowed, said plainly.
    #[error("{0}")]
    Invalid(String),
    /// A file or socket operation failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The configuration file is not valid TOML for it.
    #[error(transparent)]
    Toml(#[from] toml::de::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// Processing a file failed.
    #[error(transparent)]
    Pipeline(#[from] pipeline::Error),
    /// The nightly reconciliation failed.
    #[error(transparent)]
    Nightly(#[from] recon::NightlyError),
    /// A listen address that does not parse.
    #[error(transparent)]
    Address(#[from] std::net::AddrParseError),
    /// The SFTP server failed.
    #[error(transparent)]
    Sftp(#[from] bankdrop_sftp::Error),
    /// Another error, with what was being done. The inner error is part of the message, not a
    /// `source`, so a chain printer (anyhow's `{:#}`) does not say it twice.
    #[error("{what}: {inner}")]
    Context {
        /// What was being done.
        what: String,
        /// What failed.
        inner: Box<Error>,
    },
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Says what was being done when an error happened (as anyhow's `Context`, typed).
pub trait Context<T> {
    /// Wraps the error with `what`.
    fn context(self, what: impl Into<String>) -> Result<T>;
    /// Wraps the error with what `what` returns, computed only on error.
    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl Into<String>) -> Result<T> {
        self.map_err(|e| Error::Context {
            what: what.into(),
            inner: Box::new(e.into()),
        })
    }
    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| Error::Context {
            what: what().into(),
            inner: Box::new(e.into()),
        })
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, what: impl Into<String>) -> Result<T> {
        self.ok_or_else(|| Error::Invalid(what.into()))
    }
    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T> {
        self.ok_or_else(|| Error::Invalid(what().into()))
    }
}

/// Returns early with [`Error::Invalid`] and a formatted message.
#[macro_export]
#[doc(hidden)]
macro_rules! bail {
    ($($arg:tt)*) => { return Err($crate::Error::Invalid(format!($($arg)*))) };
}

/// Returns early with [`Error::Invalid`] unless the condition holds.
#[macro_export]
#[doc(hidden)]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => { if !$cond { $crate::bail!($($arg)*); } };
}
