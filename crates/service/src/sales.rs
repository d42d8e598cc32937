//! The daily Sales Request inside `serve` and on demand (`bankdrop sales request`): for every
//! partner whose program sells its receivables (`[program] sells_receivables`), the request of
//! day D is written at `[recon] sales_time` in `[recon] timezone` on D (after the 06:00 deadline of
//! the balance and transaction files it reads, D9). On start-up, today's is written at once if its
//! time has passed. Each (partner, D) runs once across the cluster (lease `partner/D/sales`);
//! writing a day again rewrites the same file from what was recorded.

use crate::config::Config;
use chrono::{Days, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use pipeline::sales::{write_request, RequestOutcome, SalesSettings};
use pipeline::Node;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use store::cluster::NIGHTLY;
use store::{Db, Partners};
use validate::schema::RefData;

/// What the scheduled run needs: each partner's sales settings, when, and the currencies' digits.
#[derive(Debug, Clone)]
pub struct SalesSchedule {
    /// `[program]`'s settings, for partners without their own.
    pub default: SalesSettings,
    /// Partners' own (`[partners.<name>]`).
    pub partners: HashMap<String, SalesSettings>,
    /// Local time of the run.
    pub time: NaiveTime,
    /// Its time zone.
    pub timezone: Tz,
    /// Currencies' minor units (D3).
    pub refdata: RefData,
}

impl SalesSchedule {
    /// The schedule of a configuration.
    pub fn new(cfg: &Config, refdata: RefData) -> crate::Result<SalesSchedule> {
        Ok(SalesSchedule {
            default: cfg.program.resolve()?.sales,
            partners: cfg
                .programs
                .iter()
                .map(|(n, p)| (n.clone(), p.sales.clone()))
                .collect(),
            time: cfg.recon.sales_time,
            timezone: cfg.recon.timezone,
            refdata,
        })
    }

    /// A partner's settings.
    pub fn settings_for(&self, partner: &str) -> &SalesSettings {
        self.partners.get(partner).unwrap_or(&self.default)
    }
}

/// Writes `partner`'s Sales Request of `date` (rooted at `root`).
pub fn write_partner(
    store: &Db,
    s: &SalesSchedule,
    partner: &str,
    root: &Path,
    date: NaiveDate,
) -> crate::Result<RequestOutcome> {
    let settings = s.settings_for(partner);
    crate::ensure!(
        settings.enabled,
        "partner `{partner}` does not sell receivables ([program] sells_receivables = false)"
    );
    // A day is planned once: planned before it begins, it would miss the files still to come.
    let today = Utc::now().with_timezone(&s.timezone).date_naive();
    crate::ensure!(
        date <= today,
        "the Sales Request of {date} cannot be written before that day (today is {today} in {})",
        s.timezone
    );
    let minor = |c: &str| s.refdata.minor_units(c);
    write_request(store, partner, root, date, settings, Utc::now(), &minor)
        .map_err(|e| crate::Error::Invalid(format!("sales request of {partner} for {date}: {e}")))
}

/// Writes day `date`'s requests of every selling partner, each once across the cluster.
/// Blocking. Returns the partners written.
pub fn write_all(store: &Db, s: &SalesSchedule, node: &Node, date: NaiveDate) -> Vec<String> {
    let mut done = Vec::new();
    let Ok(partners) = store.partners() else {
        return done;
    };
    for p in partners {
        if !s.settings_for(&p.name).enabled {
            continue;
        }
        let lease = match node.take(store, NIGHTLY, format!("{}/{date}/sales", p.name)) {
            Ok(Some(l)) => l,
            Ok(None) => continue,
            Err(e) => {
                tracing::error!(error = %e, "taking a sales request's lease failed");
                continue;
            }
        };
        match write_partner(store, s, &p.name, Path::new(&p.root), date) {
            Ok(o) => {
                let _ = lease.finish();
                for k in &o.skipped {
                    tracing::warn!(partner = %p.name, %date, balance = %k.balance_id, reason = %k.reason, "balance left out of the sales request");
                }
                tracing::info!(partner = %p.name, %date, rows = o.rows, planned = o.planned,
                    unsettled = o.unsettled.len(), "sales request written");
                done.push(p.name.clone());
            }
            Err(e) => {
                tracing::error!(partner = %p.name, %date, error = %e, "sales request failed");
                let _ = crate::events::day_failed(store, &p.name, date, &e.to_string());
            }
        }
    }
    done
}

/// The task: today's requests at start-up if their time has passed, then one run a day.
pub async fn run(store: Arc<Db>, s: Arc<SalesSchedule>, node: Arc<Node>) {
    // `due_today` and `next_run` name the day before the run's (the nightly run's D); a Sales
    // Request is the run day's own.
    let own = |d: NaiveDate| d.checked_add_days(Days::new(1));
    let mut due = recon::schedule::due_today(Utc::now(), s.time, s.timezone).and_then(own);
    loop {
        if let Some(date) = due {
            let (store, s, node) = (store.clone(), s.clone(), node.clone());
            let ran = tokio::task::spawn_blocking(move || write_all(&store, &s, &node, date)).await;
            if let Err(e) = ran {
                tracing::error!(%date, error = %e, "sales request task failed");
            }
        }
        let (at, date) = recon::schedule::next_run(Utc::now(), s.time, s.timezone);
        loop {
            let left = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            if left.is_zero() {
                break;
            }
            tokio::time::sleep(left.min(Duration::from_secs(60))).await;
        }
        due = own(date);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_written_once_across_the_cluster_and_only_for_selling_programs() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Db::open(None, &tmp.path().join("db.sqlite")).unwrap();
        for p in ["acme", "beta"] {
            let root = tmp.path().join(p);
            store.add_partner(p, root.to_str().unwrap(), "now").unwrap();
        }
        let cfg = Config::parse("[partners.acme]\nsells_receivables = true\n").unwrap();
        let s = SalesSchedule::new(&cfg, validate::schema::Schemas::builtin().unwrap().refdata)
            .unwrap();
        assert_eq!(s.time.to_string(), "07:00:00");
        let node = Node::default();
        // Saturday 2026-03-07: the header alone.
        let d = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        assert_eq!(write_all(&store, &s, &node, d), ["acme"]);
        let file = tmp
            .path()
            .join("acme/sales_request/2026-03-07_sales_request_v1.csv");
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(!tmp.path().join("beta/sales_request").exists());
        // Done once: not again, whichever node asks.
        std::fs::remove_file(&file).unwrap();
        assert!(write_all(&store, &s, &node, d).is_empty());
        assert!(!file.exists());
    }
}
