//! The nightly reconciliation inside `serve` (decision D9): every day at `[recon] time` in
//! `[recon] timezone`, activity date D = local date − 1 for every partner. On start-up, a day
//! whose run time has passed today and whose summary JSON is missing is run at once (catch-up
//! after downtime). Errors are logged; they never stop `serve`.

use crate::cmd_reconcile::{fbo_text, run_partner};
use crate::recon_config::Recon;
use chrono::{NaiveDate, Utc};
use recon::nightly::summary_path;
use recon::schedule::{due_today, next_run};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use store::Store;

/// Runs D for every partner (only those without D's summary when `missing_only`), one log line
/// each. Blocking: call it off the async runtime.
fn run_all(store: &Store, cfg: &Recon, date: NaiveDate, missing_only: bool) {
    let partners = match store.partners() {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(%date, error = %e, "nightly reconciliation: listing partners failed");
            return;
        }
    };
    for p in partners {
        if missing_only && summary_path(Path::new(&p.root), date).exists() {
            continue;
        }
        match run_partner(store, &p, date, &cfg.nightly) {
            Ok(s) => tracing::info!(
                partner = %p.name, %date, breaks = s.breaks, balances = s.balances,
                transactions = s.transactions, ach_entries = s.ach_entries, fbo = fbo_text(&s),
                "nightly reconciliation done"
            ),
            Err(e) => tracing::error!(
                partner = %p.name, %date, error = format!("{e:#}"), "nightly reconciliation failed"
            ),
        }
    }
}

async fn run_blocking(store: &Arc<Store>, cfg: &Arc<Recon>, date: NaiveDate, missing_only: bool) {
    let (store, cfg) = (store.clone(), cfg.clone());
    let done = tokio::task::spawn_blocking(move || run_all(&store, &cfg, date, missing_only)).await;
    if let Err(e) = done {
        tracing::error!(%date, error = %e, "nightly reconciliation task failed");
    }
}

/// The task: catch-up, then one run a day, for ever.
pub async fn run(store: Arc<Store>, cfg: Arc<Recon>) {
    if let Some(date) = due_today(Utc::now(), cfg.time, cfg.timezone) {
        run_blocking(&store, &cfg, date, true).await;
    }
    loop {
        let (at, date) = next_run(Utc::now(), cfg.time, cfg.timezone);
        tracing::info!(%date, at = %at, "next nightly reconciliation");
        // Sleep in short steps against the wall clock: a suspended host or a clock change
        // must not push the run off by the length of the pause.
        loop {
            let left = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            if left.is_zero() {
                break;
            }
            tokio::time::sleep(left.min(Duration::from_secs(60))).await;
        }
        run_blocking(&store, &cfg, date, false).await;
    }
}
