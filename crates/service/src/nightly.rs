//! The nightly reconciliation inside `serve` (decision D9): every day at `[recon] time` in
//! `[recon] timezone`, activity date D = local date − 1 for every partner. On start-up, a day
//! whose run time has passed today and whose summary JSON is missing is run at once (catch-up
//! after downtime). Errors are logged; they never stop `serve`.
//!
//! With several nodes, each (partner, D) runs once across the cluster: a node runs it under
//! its lease and marks it done ([`pipeline::Node::take`], `store::cluster::NIGHTLY`); the
//! others skip it. A node that dies mid-run stops renewing its lease, and the minute-by-minute
//! look for missing summaries on the other nodes takes the run over once the lease lapses.

use crate::config::recon::Recon;
use crate::reconcile::{fbo_text, run_partner};
use chrono::{DateTime, Days, NaiveDate, Utc};
use pipeline::node::Leased;
use pipeline::Node;
use recon::nightly::summary_path;
use recon::schedule::{due_today, next_run};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use store::cluster::NIGHTLY;
use store::Db;
use store::{Ledger, Partners};
use validate::schema::types::{BALANCE, NON_POSTED_TRANSACTION, TRANSACTION};

/// Runs D for every partner (only those without D's summary when `missing_only`) whose run no
/// other node holds or has done, one log line each. Blocking: call it off the async runtime.
fn run_all(store: &Db, cfg: &Recon, node: &Node, date: NaiveDate, missing_only: bool) {
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
        let Some(lease) = take(store, node, format!("{}/{date}", p.name)) else {
            continue;
        };
        match run_and_record(store, &p, date, cfg) {
            Ok(s) => {
                if finished(lease) {
                    tracing::info!(
                        partner = %p.name, %date, node = %node.name, breaks = s.breaks,
                        balances = s.balances, transactions = s.transactions,
                        ach_entries = s.ach_entries, fbo = fbo_text(&s),
                        "nightly reconciliation done"
                    );
                }
            }
            // The lease is released: another node, or this one's next look, runs it again.
            Err(e) => tracing::error!(
                partner = %p.name, %date, error = format!("{e:#}"), "nightly reconciliation failed"
            ),
        }
    }
}

/// Runs a partner's day and records what it found for the operations page, its metrics and its
/// alerts (`events`): breaks, or the failure.
fn run_and_record(
    store: &Db,
    p: &store::PartnerRow,
    date: NaiveDate,
    cfg: &Recon,
) -> crate::Result<recon::nightly::DaySummary> {
    let started = std::time::Instant::now();
    let done = run_partner(store, p, date, cfg.nightly_for(&p.name));
    metrics::histogram!(crate::metrics::NIGHTLY_SECONDS, "partner" => p.name.clone())
        .record(started.elapsed().as_secs_f64());
    let recorded = match &done {
        Ok(s) => {
            metrics::gauge!(crate::metrics::NIGHTLY_BREAKS, "partner" => p.name.clone())
                .set(s.breaks as f64);
            metrics::gauge!(crate::metrics::NIGHTLY_LAST_SUCCESS, "partner" => p.name.clone())
                .set(Utc::now().timestamp() as f64);
            crate::events::day_done(store, &p.name, s)
        }
        Err(e) => {
            metrics::counter!(crate::metrics::NIGHTLY_FAILURES, "partner" => p.name.clone())
                .increment(1);
            crate::events::day_failed(store, &p.name, date, &e.to_string())
        }
    };
    if let Err(e) = recorded {
        tracing::error!(partner = %p.name, %date, error = %e, "recording the nightly run's results failed");
    }
    if done.is_ok() {
        write_readiness(store, p, date, &cfg.expected_types);
    }
    done
}

/// A partner with a Day 0 gets its go-live readiness (spec 01 §13) through the night's file
/// date, D+1, in its `reports/`; a failure is logged and the night goes on.
fn write_readiness(store: &Db, p: &store::PartnerRow, date: NaiveDate, expected: &[String]) {
    let through = date + Days::new(1);
    let written = pipeline::readiness::load(store, expected, p, through)
        .map_err(pipeline::Error::from)
        .and_then(|r| {
            r.filter(|r| r.through >= r.day0)
                .map(|r| r.write(p))
                .transpose()
        });
    if let Err(e) = written {
        tracing::error!(partner = %p.name, %through, error = %e, "writing the readiness report failed");
    }
}

/// This node's lease on the nightly run `key` (`partner/date`); `None` when another node runs
/// it or it is done.
fn take<'a>(store: &'a Db, node: &'a Node, key: String) -> Option<Leased<'a>> {
    match node.take(store, NIGHTLY, key) {
        Ok(lease) => lease,
        Err(e) => {
            tracing::error!(error = %e, "taking a nightly run's lease failed");
            None
        }
    }
}

/// Marks a run done; false (logged) when the lease lapsed during it, so another node may have
/// run it too: its reports are the same day's from the same store.
fn finished(lease: Leased) -> bool {
    match lease.finish() {
        Ok(true) => true,
        Ok(false) => {
            tracing::warn!("a nightly run finished after this node's lease on it lapsed");
            false
        }
        Err(e) => {
            tracing::error!(error = %e, "marking a nightly run done failed");
            false
        }
    }
}

async fn run_blocking(
    store: &Arc<Db>,
    cfg: &Arc<Recon>,
    node: &Arc<Node>,
    date: NaiveDate,
    missing_only: bool,
) {
    let (store, cfg, node) = (store.clone(), cfg.clone(), node.clone());
    let done =
        tokio::task::spawn_blocking(move || run_all(&store, &cfg, &node, date, missing_only)).await;
    if let Err(e) = done {
        tracing::error!(%date, error = %e, "nightly reconciliation task failed");
    }
}

/// File types a day's reconciliation reads (the files dated D+1).
const RECONCILED_TYPES: [&str; 3] = [BALANCE, TRANSACTION, NON_POSTED_TRANSACTION];

/// How many past days a late file can still refresh.
const LATE_DAYS: u64 = 7;

/// Runs again every day of the last week whose reports were written before a file they read was
/// accepted: a late file (D9) is processed, and the partner's reports then include it.
/// Returns the (partner, day) pairs run.
fn rerun_stale(store: &Db, cfg: &Recon, node: &Node, today: NaiveDate) -> Vec<(String, NaiveDate)> {
    let mut done = Vec::new();
    let Ok(partners) = store.partners() else {
        return done;
    };
    for p in partners {
        for back in 1..=LATE_DAYS {
            let Some(d) = today.checked_sub_days(Days::new(back)) else {
                continue;
            };
            let Ok(written) =
                std::fs::metadata(summary_path(Path::new(&p.root), d)).and_then(|m| m.modified())
            else {
                continue; // never run: the nightly run or its catch-up does it
            };
            let written: DateTime<Utc> = written.into();
            let prefix = (d + Days::new(1)).to_string();
            let late = match store.last_accepted_at(&p.name, &RECONCILED_TYPES, &prefix) {
                Ok(Some(at)) => DateTime::parse_from_rfc3339(&at)
                    .is_ok_and(|t| t > written)
                    .then_some(at),
                Ok(None) => None,
                Err(e) => {
                    tracing::error!(partner = %p.name, error = %e, "late-file check failed");
                    None
                }
            };
            let Some(at) = late else {
                continue;
            };
            // Once across the cluster for each late file's acceptance.
            let Some(lease) = take(store, node, format!("{}/{d}/late-{at}", p.name)) else {
                continue;
            };
            match run_and_record(store, &p, d, cfg) {
                Ok(s) => {
                    finished(lease);
                    tracing::info!(partner = %p.name, date = %d, breaks = s.breaks, "reconciliation re-run for a late file");
                    done.push((p.name.clone(), d));
                }
                Err(e) => {
                    tracing::error!(partner = %p.name, date = %d, error = format!("{e:#}"), "re-run failed")
                }
            }
        }
    }
    done
}

/// Writes the bank's ACH reports of calendar day `date` for every partner, each once across the
/// cluster (lease `partner/date/bank`); a failure raises `nightly_failed`. Blocking. Returns the
/// partners written.
fn bank_reports_all(store: &Db, cfg: &Recon, node: &Node, date: NaiveDate) -> Vec<String> {
    let mut done = Vec::new();
    let Ok(partners) = store.partners() else {
        return done;
    };
    for p in partners {
        let Some(lease) = take(store, node, format!("{}/{date}/bank", p.name)) else {
            continue;
        };
        let tree = recon::nightly::PartnerTree {
            name: &p.name,
            root: Path::new(&p.root),
        };
        match pipeline::nightly::run_bank_reports(store, tree, date, cfg.nightly_for(&p.name)) {
            Ok(r) => {
                finished(lease);
                tracing::info!(partner = %p.name, %date, ach_entries = r.ach_entries,
                    activity_lines = r.activity_lines, "bank ACH reports written");
                done.push(p.name.clone());
            }
            Err(e) => {
                tracing::error!(partner = %p.name, %date, error = %e, "bank ACH reports failed");
                let _ = crate::events::day_failed(store, &p.name, date, &e.to_string());
            }
        }
    }
    done
}

/// The bank's ACH reports at `[recon] bank_reports_time` each day (spec 06 §8.2: between 03:00
/// and 06:00 CT), for D = the local date − 1; at start-up, today's if their time has passed.
pub async fn run_bank_reports(store: Arc<Db>, cfg: Arc<Recon>, node: Arc<Node>) {
    let mut due = due_today(Utc::now(), cfg.bank_reports_time, cfg.timezone);
    loop {
        if let Some(date) = due {
            let (store, cfg, node) = (store.clone(), cfg.clone(), node.clone());
            let ran =
                tokio::task::spawn_blocking(move || bank_reports_all(&store, &cfg, &node, date))
                    .await;
            if let Err(e) = ran {
                tracing::error!(%date, error = %e, "bank ACH reports task failed");
            }
        }
        let (at, date) = next_run(Utc::now(), cfg.bank_reports_time, cfg.timezone);
        loop {
            let left = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            if left.is_zero() {
                break;
            }
            tokio::time::sleep(left.min(Duration::from_secs(60))).await;
        }
        due = Some(date);
    }
}

/// The task: catch-up, then one run a day, for ever; in between, every minute, days whose
/// reports miss a late file are run again, and today's runs a dead node left unfinished are
/// taken over.
pub async fn run(store: Arc<Db>, cfg: Arc<Recon>, node: Arc<Node>) {
    if let Some(date) = due_today(Utc::now(), cfg.time, cfg.timezone) {
        run_blocking(&store, &cfg, &node, date, true).await;
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
            if let Some(due) = due_today(Utc::now(), cfg.time, cfg.timezone) {
                run_blocking(&store, &cfg, &node, due, true).await;
            }
            let (store, cfg, node) = (store.clone(), cfg.clone(), node.clone());
            let today = Utc::now().with_timezone(&cfg.timezone).date_naive();
            let _ =
                tokio::task::spawn_blocking(move || rerun_stale(&store, &cfg, &node, today)).await;
        }
        run_blocking(&store, &cfg, &node, date, false).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::{Decision, NewFile, State};

    fn accept(store: &Db, name: &str, prefix: &str, decided_at: &str) {
        let id = store
            .begin(&NewFile {
                partner: "acme".into(),
                path: format!("balance/{name}"),
                name: name.into(),
                file_type: Some(BALANCE.into()),
                prefix: Some(prefix.into()),
                version: Some(1),
                sha256: name.into(),
                bytes: 0,
                received_at: decided_at.into(),
            })
            .unwrap();
        let d = Decision {
            state: State::Accepted,
            rows: 0,
            late: true,
            error_count: 0,
            warning_count: 0,
            decided_at: decided_at.into(),
            final_path: format!("balance/processed/{name}"),
        };
        assert!(store.decide(id, &d).unwrap());
    }

    #[test]
    fn a_partner_with_a_day0_gets_its_readiness_with_the_night_spec_01_13() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("acme");
        let store = Db::open(None, &tmp.path().join("db.sqlite")).unwrap();
        store
            .add_partner("acme", root.to_str().unwrap(), "now")
            .unwrap();
        let cfg = Recon {
            expected_types: vec![BALANCE.into()],
            ..Recon::default()
        };
        accept(
            &store,
            "2026-03-09_balance_v1.csv",
            "2026-03-09",
            "2026-03-09T11:00:00.000Z",
        );
        let d = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        let report = root.join("reports/2026-03-09_readiness.txt");
        let acme = || store.partner("acme").unwrap().unwrap();
        // No Day 0: no report.
        run_and_record(&store, &acme(), d, &cfg).unwrap();
        assert!(!report.exists());
        let schedule = store::PartnerSchedule {
            day0: Some("2026-03-09".into()),
            ..Default::default()
        };
        store.set_schedule("acme", &schedule).unwrap();
        // The night before Day 0's files: nothing yet.
        run_and_record(&store, &acme(), d - Days::new(1), &cfg).unwrap();
        assert!(!root.join("reports/2026-03-08_readiness.txt").exists());
        run_and_record(&store, &acme(), d, &cfg).unwrap();
        let text = std::fs::read_to_string(&report).unwrap();
        assert!(
            text.contains("day 0 (2026-03-09): fully accepted: balance accepted late"),
            "{text}"
        );
        assert!(text.contains("1 so far"), "{text}");
        assert!(root.join("reports/2026-03-09_readiness.json").exists());
    }

    #[test]
    fn the_bank_reports_of_a_day_are_written_once_spec_06_8_2() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("acme");
        let store = Db::open(None, &tmp.path().join("db.sqlite")).unwrap();
        store
            .add_partner("acme", root.to_str().unwrap(), "now")
            .unwrap();
        let (cfg, node) = (Recon::default(), Node::default());
        let d = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(bank_reports_all(&store, &cfg, &node, d), ["acme"]);
        let cash =
            root.join("bank-account-reports/2026-03-09_acme-ach-cash-recon-report_20260309.csv");
        let text = std::fs::read_to_string(&cash).unwrap();
        assert_eq!(
            text.lines().count(),
            1,
            "a day without settlements: header only\n{text}"
        );
        // Done once: not again, whichever node asks.
        std::fs::remove_file(&cash).unwrap();
        assert!(bank_reports_all(&store, &cfg, &node, d).is_empty());
        assert!(!cash.exists());
        // Its balance reconciliation is not written by it (that waits for 06:30).
        assert!(!summary_path(&root, d).exists());
    }

    #[test]
    fn a_day_is_run_again_when_a_file_it_reads_was_accepted_after_its_reports() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("acme");
        let store = Db::open(None, &tmp.path().join("db.sqlite")).unwrap();
        store
            .add_partner("acme", root.to_str().unwrap(), "now")
            .unwrap();
        let cfg = Recon::default();
        let node = Node::default();
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        // Never reconciled: left to the nightly run.
        accept(
            &store,
            "2026-03-09_balance_v1.csv",
            "2026-03-09",
            "2026-03-09T11:00:00.000Z",
        );
        assert!(rerun_stale(&store, &cfg, &node, today).is_empty());
        // Reconciled after the file: nothing to do.
        let partner = store.partner("acme").unwrap().unwrap();
        run_partner(&store, &partner, d, &cfg.nightly).unwrap();
        let summary = summary_path(&root, d);
        assert!(rerun_stale(&store, &cfg, &node, today).is_empty());
        // A late file for the day, accepted after the reports: the day runs again.
        let old = std::time::SystemTime::now() - Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&summary)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        accept(&store, "2026-03-09_balance_v2.csv", "2026-03-09", &now);
        let store_t = store.last_accepted_at("acme", &RECONCILED_TYPES, "2026-03-09");
        assert_eq!(store_t.unwrap().as_deref(), Some(now.as_str()));
        assert_eq!(
            rerun_stale(&store, &cfg, &node, today),
            vec![("acme".to_string(), d)]
        );
        assert!(std::fs::metadata(&summary).unwrap().modified().unwrap() > old);
        // Once refreshed, not again; days beyond the window are left alone.
        assert!(rerun_stale(&store, &cfg, &node, today).is_empty());
        let later = today + Days::new(LATE_DAYS + 2);
        assert!(rerun_stale(&store, &cfg, &node, later).is_empty());
    }
}
