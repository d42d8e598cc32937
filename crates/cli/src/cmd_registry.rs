//! `bankdrop registry add|import|list`: records a partner created outside files (Entity API
//! entities, API-created balances, …), so that references to them resolve (D8).

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use service::setup::open_store;
use service::Config;
use std::path::PathBuf;
use store::Partners;
use store::{Db, RegistryEntry, REGISTRY_KINDS};

/// Registry management.
#[derive(Subcommand)]
pub enum Cmd {
    /// Register ids of one kind.
    Add {
        /// Partner.
        #[arg(long)]
        partner: String,
        /// `entity`, `account`, `application`, `card` or `balance`.
        #[arg(long)]
        kind: String,
        /// For a balance: the account it was created on (the balance file must match it).
        #[arg(long)]
        account: Option<String>,
        /// Day it was created (`YYYY-MM-DD`, default today in America/Chicago): an API balance
        /// created on T−1 is due in T's balance file.
        #[arg(long)]
        created: Option<String>,
        /// The ids.
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Register every row of a pipe-delimited file `kind|id|account_id|created_on`
    /// (`account_id`, `created_on` optional), in one transaction.
    Import {
        /// Partner.
        #[arg(long)]
        partner: String,
        /// The file.
        file: PathBuf,
    },
    /// List a partner's registry.
    List {
        /// Partner.
        #[arg(long)]
        partner: String,
        /// Only this kind.
        #[arg(long)]
        kind: Option<String>,
    },
}

fn today() -> String {
    pipeline::deadline::chicago_date(chrono::Utc::now()).to_string()
}

fn known_partner(store: &Db, partner: &str) -> Result<()> {
    if store.partner(partner)?.is_none() {
        bail!("no partner `{partner}` (bankdrop partner add)");
    }
    Ok(())
}

/// Runs the command.
pub fn run(cfg: &Config, cmd: Cmd) -> Result<()> {
    let store = open_store(cfg)?;
    match cmd {
        Cmd::Add {
            partner,
            kind,
            account,
            created,
            ids,
        } => {
            known_partner(&store, &partner)?;
            if !REGISTRY_KINDS.contains(&kind.as_str()) {
                bail!(
                    "unknown kind `{kind}` (one of {})",
                    REGISTRY_KINDS.join(", ")
                );
            }
            let created = created.unwrap_or_else(today);
            chrono::NaiveDate::parse_from_str(&created, "%Y-%m-%d")
                .with_context(|| format!("--created `{created}` is not YYYY-MM-DD"))?;
            let entries: Vec<RegistryEntry> = ids
                .into_iter()
                .map(|id| RegistryEntry {
                    kind: kind.clone(),
                    id,
                    account_id: account.clone(),
                    created_on: created.clone(),
                })
                .collect();
            let n = store.registry_add(&partner, &entries)?;
            println!("registered {n} {kind} id(s) for {partner}");
        }
        Cmd::Import { partner, file } => {
            known_partner(&store, &partner)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let entries = RegistryEntry::parse_file(&text, &today())
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let n = store.registry_add(&partner, &entries)?;
            println!("registered {n} id(s) for {partner} from {}", file.display());
        }
        Cmd::List { partner, kind } => {
            known_partner(&store, &partner)?;
            println!("kind|id|account_id|created_on");
            for e in store.registry_list(&partner, kind.as_deref())? {
                println!(
                    "{}|{}|{}|{}",
                    e.kind,
                    e.id,
                    e.account_id.unwrap_or_default(),
                    e.created_on
                );
            }
        }
    }
    Ok(())
}
