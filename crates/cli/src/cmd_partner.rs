//! `bankdrop partner add|list|remove`

use anyhow::{Context, Result};
use clap::Subcommand;
use service::setup::{add_partner as add, open_store};
use service::Config;
use std::path::PathBuf;
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
    #[command(flatten)]
    Schedule(crate::cmd_schedule::Cmd),
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
                crate::cmd_schedule::print_in_list(&p.schedule);
                for k in p.keys {
                    println!("\t{k}");
                }
            }
        }
        Cmd::Remove { name } => {
            store.remove_partner(&name)?;
            println!("partner {name} removed (its files stay in place)");
        }
        Cmd::Schedule(c) => crate::cmd_schedule::run(cfg, &store, c)?,
    }
    Ok(())
}
