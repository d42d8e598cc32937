//! Opening what the service runs on, from the configuration: the store, the pipeline, a
//! partner's place in both.

use crate::config::Config;
use crate::error::{Context, Result};
use pipeline::Pipeline;
use std::path::PathBuf;
use std::sync::Arc;
use store::{Db, Partners};

/// Opens the store of the configured data directory (or `[store] url`), refusing a data
/// directory or database another environment claimed (spec 01 §0.1: test files never mix with
/// live ones).
pub fn open_store(cfg: &Config) -> Result<Db> {
    std::fs::create_dir_all(&cfg.data_dir)
        .with_context(|| format!("creating {}", cfg.data_dir.display()))?;
    cfg.environment.claim_dir(&cfg.data_dir)?;
    let store = Db::open(cfg.store.url.as_deref(), &cfg.db_path()).with_context(|| {
        match cfg.store.url.as_deref() {
            // The url's password stays out of the message.
            Some(url) => format!("opening the store at {}", store::backend::redacted(url)),
            None => format!("opening {}", cfg.db_path().display()),
        }
    })?;
    let found = store.environment(cfg.environment.as_str())?;
    cfg.environment
        .same_as(&found, &format!("the database ({})", store.describe()))?;
    tracing::debug!(store = %store.describe(), environment = %cfg.environment, "store opened");
    Ok(store)
}

/// Adds a partner with its keys, creating the tree; an existing partner gets the keys added.
pub fn add_partner(cfg: &Config, store: &Db, name: &str, keys: &[String]) -> Result<PathBuf> {
    crate::ensure!(
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

/// Refuses a layout (`[sftp.layout]`) whose inboxes are not the pipeline's: a file dropped in a
/// folder nothing processes would wait forever, and an inbox missing from the layout could
/// never receive a file. Each inbox needs its read-only `processed/` and `failed/` too.
fn check_layout(layout: &bankdrop_sftp::Layout, pc: &pipeline::Config) -> Result<()> {
    let inboxes: std::collections::BTreeSet<&str> = layout.inbox_folders().collect();
    let processed: std::collections::BTreeSet<&str> =
        pc.inboxes.iter().map(|i| i.folder.as_str()).collect();
    if let Some(f) = processed.difference(&inboxes).next() {
        crate::bail!("[sftp.layout]: `{f}` must be an inbox folder (inbox = true): the pipeline processes files dropped there");
    }
    if let Some(f) = inboxes.difference(&processed).next() {
        crate::bail!("[sftp.layout]: `{f}` is an inbox, but no file type is processed there; the inboxes are {}", processed.iter().copied().collect::<Vec<_>>().join(", "));
    }
    let folders: std::collections::BTreeSet<&str> =
        layout.folders.iter().map(|r| r.path.as_str()).collect();
    for i in &pc.inboxes {
        for f in [&i.processed, &i.failed] {
            if !folders.contains(f.as_str()) {
                crate::bail!(
                    "[sftp.layout]: `{f}` is missing: decided files of `{}` go there",
                    i.folder
                );
            }
        }
    }
    Ok(())
}

/// Every program with where it is configured: `[program]`, then each `[partners.<name>]`.
fn programs(pc: &pipeline::Config) -> impl Iterator<Item = (String, &pipeline::Program)> {
    std::iter::once(("[program]".to_string(), &pc.program)).chain(
        pc.programs
            .iter()
            .map(|(name, p)| (format!("[partners.{name}]"), p)),
    )
}

/// Refuses a program naming a future rule no schema has (a typo would leave the rule in its
/// default mode without a word).
fn check_future_rules(schemas: &validate::schema::Schemas, pc: &pipeline::Config) -> Result<()> {
    let known: std::collections::BTreeSet<&str> =
        schemas.iter().flat_map(|s| s.future_rules()).collect();
    for (at, program) in programs(pc) {
        if let Some(id) = program
            .future_rules
            .keys()
            .find(|id| !known.contains(id.as_str()))
        {
            let list: Vec<&str> = known.iter().copied().collect();
            crate::bail!(
                "{at} future_rules: no future rule `{id}`; the schemas have {}",
                list.join(", ")
            );
        }
    }
    Ok(())
}

/// Refuses per-balance-type transaction types (spec 05 §6.5) naming a balance type the balance
/// schema does not have or a transaction type the program does not have: a typo would turn
/// every file of that balance type away, or let nothing through.
fn check_balance_types(schemas: &validate::schema::Schemas, pc: &pipeline::Config) -> Result<()> {
    use validate::schema::types;
    let values = |file_type: &str| -> Vec<String> {
        schemas
            .get(file_type)
            .and_then(|s| s.column_index("type").map(|c| s.columns[c].values.clone()))
            .unwrap_or_default()
    };
    let balance_types = values(types::BALANCE);
    for (at, program) in programs(pc) {
        let known = program
            .transaction_types
            .clone()
            .unwrap_or_else(|| values(types::TRANSACTION));
        for (balance, list) in &program.transaction_types_by_balance {
            if !balance_types.contains(balance) {
                crate::bail!(
                    "{at} transaction_types_by_balance: no balance type `{balance}`; balances are {}",
                    balance_types.join(", ")
                );
            }
            if let Some(t) = list.iter().find(|t| !known.contains(t)) {
                crate::bail!(
                    "{at} transaction_types_by_balance.{balance}: `{t}` is not one of the program's transaction types"
                );
            }
        }
    }
    Ok(())
}

/// The upload pipeline over the configured store, with `schemas`.
pub fn pipeline(cfg: &Config, schemas: validate::schema::Schemas) -> Result<Pipeline> {
    let store = Arc::new(open_store(cfg)?);
    let mut pc = pipeline::Config::default_for(&schemas);
    pc.deadline_hour = cfg.pipeline.deadline_hour;
    pc.order = cfg.pipeline.order.clone();
    pc.expected_types = cfg.pipeline.expected_types.clone();
    pc.program = cfg.program.resolve()?;
    pc.programs = cfg.programs.clone();
    check_future_rules(&schemas, &pc)?;
    check_balance_types(&schemas, &pc)?;
    check_layout(&cfg.sftp.layout()?, &pc)?;
    pc.max_name_len = cfg.sftp.max_name_len;
    pc.max_attempts = cfg.pipeline.max_attempts;
    pc.max_line_bytes = cfg.pipeline.max_line_bytes.0 as usize;
    pc.max_ids_in_memory = cfg.pipeline.max_ids_in_memory;
    pc.live_writes = cfg.pipeline.live_writes;
    pc.ach_windows = cfg.ach.windows.clone();
    pc.ach_clock = cfg.ach.clock()?;
    pc.clock = cfg.clock()?;
    let p = Pipeline::new(store, Arc::new(schemas), pc);
    Ok(match cfg.alerts.hook() {
        Some(hook) => p.with_alerts(Arc::new(hook)),
        None => p,
    })
}
