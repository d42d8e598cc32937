//! Delivering alerts (`[alerts]`, `[[alerts.webhooks]]`): the store's outbox holds every alert,
//! written with the event that raised it; this task posts each to the webhooks that take it —
//! Slack incoming webhooks (`{"text": …}`) and generic JSON webhooks (the alert itself) — with
//! retries and a doubling backoff, one node at a time (a lease). An alert is marked delivered
//! only when every webhook taking it answered 2xx, so a webhook that is down loses nothing, and
//! one that answered is not posted again. Delivery runs on its own task: intake never waits for
//! it. Webhook URLs are secrets: logs name a webhook by its `name` only.

use crate::config::ops::{HookKind, Webhook};
use crate::error::Result;
use pipeline::Node;
use std::sync::Arc;
use std::time::Duration;
use store::{AlertOutbox, AlertRow, Cluster, Db};

/// Every kind of alert, as `events = [...]` may name them.
pub const KINDS: &[&str] = &[
    pipeline::events::FILE_REJECTED,
    pipeline::events::CUSTOMER_BATCH_ACCEPTED,
    pipeline::events::FILE_LATE,
    FILE_MISSING,
    RECON_BREAKS,
    NIGHTLY_FAILED,
    ACH_DELIVERED,
];
/// An expected daily file was not accepted by its deadline (spec 01 §5.2).
pub const FILE_MISSING: &str = "file_missing";
/// The nightly reconciliation found breaks.
pub const RECON_BREAKS: &str = "recon_breaks";
/// The nightly reconciliation failed for a partner.
pub const NIGHTLY_FAILED: &str = "nightly_failed";
/// A file was delivered into a partner's `ach/incoming` (spec 06 §9).
pub const ACH_DELIVERED: &str = "ach_delivered";

/// The lease that makes one node the deliverer at a time.
const LEASE_KIND: &str = "alerts";
/// Alerts looked at per round.
const BATCH: u32 = 100;
/// How often the outbox is looked at.
const TICK: Duration = Duration::from_millis(500);

/// A webhook ready to post to.
pub struct Route {
    name: String,
    kind: HookKind,
    url: String,
    partners: Vec<String>,
    events: Vec<String>,
}

impl Route {
    /// The configured webhooks with their URLs resolved (an unset variable fails start-up).
    pub fn all(hooks: &[Webhook]) -> Result<Vec<Route>> {
        hooks
            .iter()
            .map(|h| {
                Ok(Route {
                    name: h.name.clone(),
                    kind: h.kind,
                    url: h.resolve_url()?,
                    partners: h.partners.clone(),
                    events: h.events.clone(),
                })
            })
            .collect()
    }

    fn takes(&self, a: &AlertRow) -> bool {
        let partner_ok = self.partners.is_empty()
            || a.partner
                .as_ref()
                .is_some_and(|p| self.partners.contains(p));
        partner_ok && (self.events.is_empty() || self.events.contains(&a.kind))
    }
}

/// The body posted for `a` to a webhook of `kind`.
pub fn body(kind: HookKind, a: &AlertRow) -> String {
    match kind {
        HookKind::Json => a.payload_json.clone(),
        HookKind::Slack => {
            let p: serde_json::Value = serde_json::from_str(&a.payload_json).unwrap_or_default();
            let title = p
                .get("title")
                .and_then(|t| t.as_str())
                .unwrap_or(&a.kind)
                .to_string();
            serde_json::json!({ "text": format!(":bank: bankdrop {}: {title}", a.kind) })
                .to_string()
        }
    }
}

/// Posts `a` to `r`; the error says what went wrong without the URL.
fn post(agent: &ureq::Agent, r: &Route, a: &AlertRow) -> std::result::Result<(), String> {
    let sent = agent
        .post(&r.url)
        .set("Content-Type", "application/json")
        .set("X-Bankdrop-Alert", &a.dedupe_key)
        .send_string(&body(r.kind, a));
    match sent {
        Ok(_) => Ok(()),
        Err(ureq::Error::Status(code, _)) => Err(format!("answered HTTP {code}")),
        // The transport error's text may hold the URL: only its kind is kept.
        Err(ureq::Error::Transport(t)) => Err(format!("not reached ({:?})", t.kind())),
    }
}

/// The wait after `attempts` failed tries: 1 s, 2 s, 4 s, … up to `max`.
pub fn backoff(attempts: u32, max: Duration) -> Duration {
    Duration::from_secs(1u64 << attempts.min(20)).min(max)
}

/// One round: every due alert posted to the routes that take it and have not had it.
/// Returns how many alerts were finished. Blocking.
pub fn deliver_due(
    db: &Db,
    routes: &[Route],
    agent: &ureq::Agent,
    retry_max: Duration,
) -> Result<usize> {
    let now = chrono::Utc::now();
    let mut finished = 0;
    for a in db.due_alerts(&crate::web::auth::stamp(now), BATCH)? {
        let mut failed = Vec::new();
        for r in routes
            .iter()
            .filter(|r| r.takes(&a) && !a.done_routes.contains(&r.name))
        {
            match post(agent, r, &a) {
                Ok(()) => db.alert_route_done(a.id, &r.name)?,
                Err(e) => failed.push(format!("{}: {e}", r.name)),
            }
        }
        if failed.is_empty() {
            db.alert_delivered(a.id, &crate::web::auth::now())?;
            metrics::counter!("bankdrop_alerts_delivered_total", "kind" => a.kind.clone())
                .increment(1);
            finished += 1;
        } else {
            let wait = backoff(a.attempts, retry_max);
            let next = now + chrono::Duration::from_std(wait).unwrap_or_default();
            let error = failed.join("; ");
            tracing::warn!(alert = a.id, kind = %a.kind, attempts = a.attempts + 1, retry_in_s = wait.as_secs(), %error, "alert not delivered yet");
            db.alert_retry(a.id, &crate::web::auth::stamp(next), &error)?;
        }
    }
    Ok(finished)
}

/// The delivery task: every half second, under the cluster-wide lease, delivers what is due.
pub async fn run(
    db: Arc<Db>,
    node: Arc<Node>,
    routes: Arc<Vec<Route>>,
    timeout: Duration,
    retry_max: Duration,
) {
    let agent = ureq::AgentBuilder::new().timeout(timeout).build();
    loop {
        tokio::time::sleep(TICK).await;
        let (db, node, routes, agent) = (db.clone(), node.clone(), routes.clone(), agent.clone());
        let round = tokio::task::spawn_blocking(move || -> Result<()> {
            // A read first: taking (renewing) the lease is a write, not to be done twice a
            // second by every node while nothing is due.
            let now = crate::web::auth::now();
            if db.due_alerts(&now, 1)?.is_empty() {
                return Ok(());
            }
            if !db.take_lease(LEASE_KIND, "deliver", &node.name, node.lease)? {
                return Ok(()); // another node delivers
            }
            deliver_due(&db, &routes, &agent, retry_max)?;
            Ok(())
        })
        .await;
        match round {
            Ok(Err(e)) => tracing::error!(error = %e, "delivering alerts failed"),
            Err(e) => tracing::error!(error = %e, "the alert delivery task failed"),
            Ok(Ok(())) => {}
        }
    }
}
