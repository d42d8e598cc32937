//! `environment`: sandbox or production (spec 01 §0.1, §2.2). The bank runs the two apart, each
//! with its own host, host key and partner keys; bankdrop runs one service per environment, each
//! with its own configuration file, listener, data directory (host key, partner trees) and
//! database. What may only happen in the sandbox is refused in production here.

use crate::error::{Context, Result};
use serde::Deserialize;
use std::fmt;
use std::path::Path;

/// Which of the bank's two environments a service is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Partners' test days (spec 01 §12): simulations and a simulated clock are allowed.
    #[default]
    Sandbox,
    /// Live files: nothing simulated.
    Production,
}

impl Environment {
    /// Its name, as in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Sandbox => "sandbox",
            Environment::Production => "production",
        }
    }

    /// Refuses `what` (a sandbox convenience) in production.
    pub fn sandbox_only(self, what: &str) -> Result<()> {
        if self == Environment::Production {
            crate::bail!(
                "{what} is a sandbox convenience and is refused in production (environment = \"production\")"
            );
        }
        Ok(())
    }

    /// Claims `data_dir` for this environment, or refuses it when another environment claimed
    /// it: the host key and the partner trees live there, and a production service started on
    /// the sandbox's directory would serve test files as live ones. The claim is the file
    /// `data_dir/environment`, written on first use.
    pub fn claim_dir(self, data_dir: &Path) -> Result<()> {
        let marker = data_dir.join("environment");
        let found = match std::fs::read_to_string(&marker) {
            Ok(s) => s.trim().to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return self
                    .write_claim(&marker)
                    .with_context(|| format!("writing {}", marker.display()));
            }
            Err(e) => {
                return Err(e).with_context(|| format!("reading {}", marker.display()));
            }
        };
        self.same_as(&found, &data_dir.display().to_string())
    }

    /// Writes the claim whole under a temporary name and links it into place: the link fails
    /// if another process claimed the directory first, and then its claim is the one checked.
    fn write_claim(self, marker: &Path) -> Result<()> {
        use std::io::Write;
        let tmp = marker.with_extension(format!("{}.tmp", std::process::id()));
        let mut f = std::fs::File::create(&tmp)?;
        writeln!(f, "{}", self.as_str())?;
        f.sync_all()?;
        let linked = std::fs::hard_link(&tmp, marker);
        std::fs::remove_file(&tmp)?;
        match linked {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let found = std::fs::read_to_string(marker)?;
                self.same_as(found.trim(), &marker.display().to_string())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Refuses data that belongs to environment `found` (`what` names where it lives).
    pub fn same_as(self, found: &str, what: &str) -> Result<()> {
        if found != self.as_str() {
            crate::bail!(
                "{what} belongs to the {found} environment, but this configuration is {}: each environment needs its own data_dir and database",
                self.as_str()
            );
        }
        Ok(())
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
