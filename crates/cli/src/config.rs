//! `config/bankdrop.toml`: every key optional, defaults good for a first try.

use anyhow::{Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The whole configuration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Database, keys and partner trees.
    pub data_dir: PathBuf,
    /// The embedded SFTP server.
    pub sftp: Sftp,
    /// The directory watcher.
    pub watch: Watch,
    /// Processing.
    pub pipeline: Pipeline,
    /// Program rules.
    pub program: Program,
    /// The nightly reconciliation (D9).
    pub recon: crate::recon_config::Recon,
    /// The demo partner.
    pub demo: Demo,
}

/// `[sftp]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sftp {
    /// Run the embedded server.
    pub enabled: bool,
    /// Listen address.
    pub listen: String,
}

/// `[watch]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Watch {
    /// Watch partner inboxes written by another server.
    pub enabled: bool,
}

/// `[pipeline]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pipeline {
    /// Concurrent validations.
    pub workers: usize,
    /// Deadline hour, America/Chicago (D9).
    pub deadline_hour: u32,
    /// Processing order of file types for one date or batch (D7), earliest first.
    pub order: Vec<Vec<String>>,
    /// Types every partner sends daily, waited for (D7); empty: learnt from the last 7 days.
    pub expected_types: Vec<String>,
}

/// `[program]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Program {
    /// Allowed currencies; empty: all.
    pub currencies: Vec<String>,
    /// How balances are created: `file` or `api` (spec 05 §3.2).
    pub balance_creation: pipeline::BalanceCreation,
}

/// `[demo]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Demo {
    /// Create the demo partner on first start.
    pub partner: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("var"),
            sftp: Sftp::default(),
            watch: Watch::default(),
            pipeline: Pipeline::default(),
            program: Program::default(),
            recon: Default::default(),
            demo: Demo::default(),
        }
    }
}

impl Default for Sftp {
    fn default() -> Self {
        Sftp {
            enabled: true,
            listen: "127.0.0.1:2222".into(),
        }
    }
}

impl Default for Pipeline {
    fn default() -> Self {
        Pipeline {
            workers: 2,
            deadline_hour: 6,
            order: pipeline::default_order(),
            expected_types: Vec::new(),
        }
    }
}

impl Default for Demo {
    fn default() -> Self {
        Demo { partner: true }
    }
}

impl Config {
    /// Reads `path`; a missing default file means defaults, a missing explicit one is an error.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let default = Path::new("config/bankdrop.toml");
        let path = match path {
            Some(p) => p,
            None if default.is_file() => default,
            None => return Ok(Config::default()),
        };
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("{}", path.display()))
    }

    /// The SQLite database.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("bankdrop.sqlite")
    }

    /// A partner's tree.
    pub fn partner_root(&self, name: &str) -> PathBuf {
        self.data_dir.join("partners").join(name)
    }
}
