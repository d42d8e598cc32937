//! Events the service itself notices, kept for the operations page and raised as alerts into
//! the store's outbox (`alerts` delivers them): a reconciled day with its breaks, a nightly run
//! that failed, an expected file missing at its deadline (spec 01 §5.2), a file delivered into a
//! partner's `ach/incoming` (spec 06 §9). Each alert has a key of its own, so noticing an event
//! twice (a rerun, another node, the next look) raises it once.

use crate::alerts::{ACH_DELIVERED, FILE_MISSING, NIGHTLY_FAILED, RECON_BREAKS};
use crate::web::auth::{now, stamp};
use chrono::{DateTime, Days, NaiveDate, Utc};
use recon::nightly::DaySummary;
use serde_json::json;
use store::{AlertOutbox, BreakRow, Db, Ledger, NewAlert, PartnerRow, Partners, ReconResults};

/// How many past file dates the missing-file check looks at.
const MISSING_LOOKBACK_DAYS: u64 = 7;

fn alert(
    kind: &str,
    partner: &str,
    key: String,
    title: String,
    extra: serde_json::Value,
) -> NewAlert {
    let at = now();
    let mut payload = json!({ "kind": kind, "partner": partner, "title": title, "at": at });
    if let (Some(p), serde_json::Value::Object(e)) = (payload.as_object_mut(), extra) {
        p.extend(e);
    }
    NewAlert {
        kind: kind.to_string(),
        partner: Some(partner.to_string()),
        dedupe_key: format!("{kind}/{partner}/{key}"),
        payload_json: payload.to_string(),
        at,
    }
}

/// Records a partner's reconciled day for the operations page (a rerun replaces it) and raises
/// `recon_breaks` when it has breaks. The alert goes first: a crash between the two leaves an
/// alert whose day the next run records, never a recorded break nobody was told of.
pub fn day_done(db: &Db, partner: &str, s: &DaySummary) -> store::Result<()> {
    let date = s.date.to_string();
    if s.breaks > 0 {
        let title = format!(
            "{partner}: {} break(s) in the reconciliation of {date}",
            s.breaks
        );
        db.enqueue_alert(&alert(
            RECON_BREAKS,
            partner,
            date.clone(),
            title,
            json!({ "date": date, "breaks": s.breaks }),
        ))?;
    }
    record_day(db, partner, s)
}

/// Records a partner's reconciled day for the operations page (a rerun replaces it), without
/// alerts: what `bankdrop reconcile` does when an operator runs a day by hand.
pub fn record_day(db: &Db, partner: &str, s: &DaySummary) -> store::Result<()> {
    let date = s.date.to_string();
    // The summary is written last by the run; its text is what the page shows.
    let summary = s
        .files
        .last()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_else(|| "{}".into());
    let breaks: Vec<BreakRow> = s
        .break_list
        .iter()
        .map(|b| BreakRow {
            date: date.clone(),
            balance_id: b.balance_id.clone(),
            account_id: Some(b.account_id.clone()).filter(|a| !a.is_empty()),
            balance_type: b.balance_type.as_str().to_string(),
            status: b.status.as_str().to_string(),
            component: b.component.clone(),
            opening: b.opening,
            activity: b.activity,
            expected: b.expected,
            reported: b.reported,
            difference: b.difference,
        })
        .collect();
    db.record_recon_day(partner, &date, &now(), &summary, &breaks)
}

/// Raises `nightly_failed` for a partner's day (once a day per partner).
pub fn day_failed(db: &Db, partner: &str, date: NaiveDate, error: &str) -> store::Result<()> {
    db.enqueue_alert(&alert(
        NIGHTLY_FAILED,
        partner,
        date.to_string(),
        format!("{partner}: the nightly reconciliation of {date} failed: {error}"),
        json!({ "date": date.to_string(), "error": error }),
    ))
    .map(drop)
}

/// Raises `file_missing` for every expected file of the last few file dates whose deadline
/// passed by `at` and that no accepted file covers. Returns how many alerts were new.
pub fn check_missing(
    db: &Db,
    configured: &[String],
    deadline_hour: u32,
    at: DateTime<Utc>,
) -> store::Result<usize> {
    let today = pipeline::deadline::chicago_date(at);
    let mut raised = 0;
    for p in db.partners()? {
        for back in 0..=MISSING_LOOKBACK_DAYS {
            let Some(t) = today.checked_sub_days(Days::new(back)) else {
                continue;
            };
            let Some(due) = pipeline::deadline::deadline(t, deadline_hour).filter(|d| *d <= at)
            else {
                continue;
            };
            let prefix = t.to_string();
            for ty in pipeline::held::expected_types(db, configured, &p.name, t)? {
                if db.accepted_for(&p.name, &ty, &prefix)?.is_some() {
                    continue;
                }
                let a = alert(
                    FILE_MISSING,
                    &p.name,
                    format!("{ty}/{prefix}"),
                    format!(
                        "{}: no accepted {ty} file for {prefix} by its deadline {}",
                        p.name,
                        stamp(due)
                    ),
                    json!({ "file_type": ty, "file_date": prefix, "due_at": stamp(due) }),
                );
                raised += usize::from(db.enqueue_alert(&a)?);
            }
        }
    }
    Ok(raised)
}

/// Raises `ach_delivered` for every file in each partner's `ach/incoming` (spec 06 §9: the
/// partner is told of every file delivered there). Returns how many alerts were new.
pub fn check_ach_incoming(db: &Db) -> store::Result<usize> {
    let mut raised = 0;
    for p in db.partners()? {
        raised += ach_incoming_of(db, &p)?;
    }
    Ok(raised)
}

fn ach_incoming_of(db: &Db, p: &PartnerRow) -> store::Result<usize> {
    let dir = std::path::Path::new(&p.root).join("ach").join("incoming");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(0);
    };
    let mut raised = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        // Hidden names are files still being written.
        if name.starts_with('.') || !e.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let bytes = e.metadata().map(|m| m.len()).unwrap_or(0);
        let a = alert(
            ACH_DELIVERED,
            &p.name,
            name.clone(),
            format!("{}: ACH file {name} delivered to ach/incoming", p.name),
            json!({ "file": format!("ach/incoming/{name}"), "bytes": bytes }),
        );
        raised += usize::from(db.enqueue_alert(&a)?);
    }
    Ok(raised)
}
