//! `bankdrop partner add|list|remove`

use crate::config::Config;
use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::PathBuf;
use store::Db;
use store::Partners;

/// Partner management.
#[derive(Subcommand)]
pub enum Cmd {
    /// Add a partner (or another key to an existing one) and create its folder tree (D6).
    Add {
        /// Partner name, also its SFTP user name.
        name: String,
        /// OpenSSH public key file (`ssh-ed25519 AAAA… comment`); repeat for several keys.
        #[arg(long = "key", required = true)]
        keys: Vec<PathBuf>,
    },
    /// List partners and their keys.
    List,
    /// Remove a partner's access (its files and history stay).
    Remove {
        /// Partner name.
        name: String,
    },
}

/// Opens the store of the configured data directory.
pub fn open_store(cfg: &Config) -> Result<Db> {
    std::fs::create_dir_all(&cfg.data_dir)
        .with_context(|| format!("creating {}", cfg.data_dir.display()))?;
    let store = Db::open(cfg.store.url.as_deref(), &cfg.db_path()).with_context(|| {
        match cfg.store.url.as_deref() {
            // The url's password stays out of the message.
            Some(url) => format!("opening the store at {}", store::backend::redacted(url)),
            None => format!("opening {}", cfg.db_path().display()),
        }
    })?;
    tracing::debug!(store = %store.describe(), "store opened");
    Ok(store)
}

/// Adds a partner with its keys, creating the tree; an existing partner gets the keys added.
pub fn add(cfg: &Config, store: &Db, name: &str, keys: &[String]) -> Result<PathBuf> {
    anyhow::ensure!(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "a partner name uses letters, digits, `-` and `_` only"
    );
    for k in keys {
        bankdrop_sftp::parse_public_key(k)
            .with_context(|| format!("partner {name}: not a usable public key"))?;
    }
    let root = cfg.partner_root(name);
    if store.partner(name)?.is_none() {
        let now = chrono::Utc::now().to_rfc3339();
        store.add_partner(name, &root.display().to_string(), &now)?;
    }
    bankdrop_sftp::Layout::default_d6().create_tree(&root)?;
    for k in keys {
        store.add_key(name, k)?;
    }
    Ok(root)
}

/// Runs the command.
pub fn run(cfg: &Config, cmd: Cmd) -> Result<()> {
    let store = open_store(cfg)?;
    match cmd {
        Cmd::Add { name, keys } => {
            let lines = keys
                .iter()
                .map(|p| {
                    std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))
                })
                .collect::<Result<Vec<_>>>()?;
            let root = add(cfg, &store, &name, &lines)?;
            println!(
                "partner {name}: {} key(s), tree at {}",
                lines.len(),
                root.display()
            );
        }
        Cmd::List => {
            for p in store.partners()? {
                println!("{}\t{}\t{} key(s)", p.name, p.root, p.keys.len());
                for k in p.keys {
                    println!("\t{k}");
                }
            }
        }
        Cmd::Remove { name } => {
            store.remove_partner(&name)?;
            println!("partner {name} removed (its files stay in place)");
        }
    }
    Ok(())
}
