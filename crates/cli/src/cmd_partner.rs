//! `bankdrop partner add|list|remove|key|allow`

use anyhow::{Context, Result};
use clap::Subcommand;
use service::access;
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
        /// RSA keys need at least 2048 bits.
        #[arg(long = "key", required = true)]
        keys: Vec<PathBuf>,
    },
    /// List partners, the fingerprints of their keys and the addresses they may connect from.
    List,
    /// Remove a partner's access (its files and history stay).
    Remove {
        /// Partner name.
        name: String,
    },
    /// Add, remove or list one partner's SSH keys (spec 01 §2.3: several keys, rotation).
    #[command(subcommand)]
    Key(KeyCmd),
    /// Set the address ranges a partner may connect from (spec 01 §2.3), replacing the old
    /// list. Applies from the next login, on a running server too.
    Allow {
        /// Partner name.
        name: String,
        /// CIDR ranges (`203.0.113.0/24`, `2001:db8::/48`) or single addresses.
        #[arg(required_unless_present = "any", conflicts_with = "any")]
        ranges: Vec<String>,
        /// Empty the list: the partner may connect from any address (the default).
        #[arg(long)]
        any: bool,
    },
    #[command(flatten)]
    Schedule(crate::cmd_schedule::Cmd),
}

/// `bankdrop partner key …`
#[derive(Subcommand)]
pub enum KeyCmd {
    /// Add public keys to an existing partner; it may log in with them at once.
    Add {
        /// Partner name.
        name: String,
        /// OpenSSH public key file; repeat for several keys. RSA keys need at least 2048 bits.
        #[arg(long = "key", required = true)]
        keys: Vec<PathBuf>,
    },
    /// Remove a key by its fingerprint; it can no longer log in, on a running server too.
    Remove {
        /// Partner name.
        name: String,
        /// The key's fingerprint as `partner key list` or `ssh-keygen -lf KEY.pub` prints it
        /// (`SHA256:…`; the `SHA256:` prefix may be left out).
        fingerprint: String,
        /// Allow removing the partner's last key (it then cannot log in at all).
        #[arg(long)]
        last: bool,
    },
    /// List a partner's keys as `ssh-keygen -lf` prints them.
    List {
        /// Partner name.
        name: String,
    },
}

fn read_keys(paths: &[PathBuf]) -> Result<Vec<String>> {
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display())))
        .collect()
}

/// Runs the command.
pub fn run(cfg: &Config, cmd: Cmd) -> Result<()> {
    let store = open_store(cfg)?;
    match cmd {
        Cmd::Add { name, keys } => {
            let lines = read_keys(&keys)?;
            let root = add(cfg, &store, &name, &lines)?;
            println!(
                "partner {name}: {} key(s), tree at {}",
                lines.len(),
                root.display()
            );
        }
        Cmd::List => {
            for p in store.partners()? {
                let from = if p.allow_from.is_empty() {
                    "any address".to_string()
                } else {
                    p.allow_from.join(" ")
                };
                println!(
                    "{}\t{}\t{} key(s)\tfrom {from}",
                    p.name,
                    p.root,
                    p.keys.len()
                );
                crate::cmd_schedule::print_in_list(&p.schedule);
                for k in access::describe_keys(&p) {
                    println!("\t{k}");
                }
            }
        }
        Cmd::Remove { name } => {
            store.remove_partner(&name)?;
            println!("partner {name} removed (its files stay in place)");
        }
        Cmd::Key(KeyCmd::Add { name, keys }) => {
            for k in access::add_keys(&store, &name, &read_keys(&keys)?)? {
                println!("partner {name}: added {k}");
            }
        }
        Cmd::Key(KeyCmd::Remove {
            name,
            fingerprint,
            last,
        }) => {
            for k in access::remove_key(&store, &name, &fingerprint, last)? {
                println!("partner {name}: removed {k}");
            }
        }
        Cmd::Key(KeyCmd::List { name }) => {
            let row = store
                .partner(&name)?
                .with_context(|| format!("no partner `{name}`"))?;
            for k in access::describe_keys(&row) {
                println!("{k}");
            }
        }
        Cmd::Allow { name, ranges, any } => {
            let ranges = if any { Vec::new() } else { ranges };
            let set = access::set_allow_from(&store, &name, &ranges)?;
            if set.is_empty() {
                println!("partner {name}: may connect from any address");
            } else {
                let list: Vec<String> = set.iter().map(ToString::to_string).collect();
                println!("partner {name}: may connect from {}", list.join(" "));
            }
        }
        Cmd::Schedule(c) => crate::cmd_schedule::run(cfg, &store, c)?,
    }
    Ok(())
}
