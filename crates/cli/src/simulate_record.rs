//! What `bankdrop simulate --partner P` checks against, and records in, the store: the answered
//! entries must be the partner's accepted ones, a return within its deadline (spec 06 §4.1), a
//! contest only of a dishonor the partner sent (spec 06 §9.7); each answer becomes an event of
//! its entry (`ach_events`), which the ACH reports and `bankdrop ach entries` read.

use crate::cmd_simulate::{Args, Kind};
use anyhow::{bail, Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use nacha::returns::ContestRequest;
use service::setup::open_store;
use service::Config;
use std::path::PathBuf;
use store::{AchEvents, Partners};

/// Where a delivery goes, and what it is recorded against.
pub struct Delivery {
    store: store::Db,
    partner: String,
    /// The partner's root folder.
    pub root: PathBuf,
}

impl Delivery {
    /// The store and tree of partner `p`.
    pub fn open(cfg: &Config, p: &str) -> Result<Delivery> {
        let store = open_store(cfg)?;
        let row = store
            .partner(p)?
            .with_context(|| format!("no partner `{p}` (bankdrop partner add)"))?;
        Ok(Delivery {
            store,
            partner: p.to_string(),
            root: PathBuf::from(row.root),
        })
    }
}

/// Checks that every trace is an accepted entry of the partner and, for a return, that its
/// deadline has not passed at `at` (spec 06 §4.1). Each entry as stored.
pub fn check_originals(d: &Delivery, args: &Args, at: DateTime<Utc>) -> Result<Vec<String>> {
    let mut originals = Vec::new();
    for (i, t) in args.traces.iter().enumerate() {
        let trace = format!("{t:015}");
        let data = d
            .store
            .ach_entry_data(&d.partner, &trace)?
            .with_context(|| {
                format!(
                    "{}: no accepted outgoing entry with trace {trace}",
                    d.partner
                )
            })?;
        if args.kind == Kind::Contest {
            originals.push(data);
            continue;
        }
        originals.push(data.clone());
        if args.is_noc(i) {
            continue;
        }
        let code = args.code(i);
        let v: serde_json::Value = serde_json::from_str(&data)?;
        let settled = v["settlement_date"]
            .as_str()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .with_context(|| format!("entry {trace}: no settlement date stored"))?;
        let due = pipeline::ach_status::return_deadline(code, settled);
        if at >= due {
            bail!(
                "a {code} return of entry {trace} (settled {settled}) was due by {} (spec 06 §4.1); it is {}",
                due.to_rfc3339(),
                at.to_rfc3339()
            );
        }
    }
    Ok(originals)
}

/// A stored date (`YYYY-MM-DD`, or the date part of an RFC 3339 instant) of `v[key]`.
fn stored_date(v: &serde_json::Value, key: &str) -> Option<nacha::Date> {
    v[key].as_str()?.get(..10)?.parse().ok()
}

/// The contest (`code`) of each of `traces`, whose stored entries are `originals`: the
/// partner's dishonor of its return, as recorded when its file was accepted, is what a contest
/// answers (and only once). Each entry's dishonor (its events read once), and the requests
/// dated from the return, the entry and the dishonor.
pub fn contests(
    d: &Delivery,
    traces: &[u64],
    code: &str,
    originals: &[String],
) -> Result<(Vec<String>, Vec<ContestRequest>)> {
    let (mut dishonors, mut reqs) = (Vec::new(), Vec::new());
    for (t, original) in traces.iter().zip(originals) {
        let trace = format!("{t:015}");
        let events = d.store.ach_events(&d.partner, &trace)?;
        let first = |kind: &str| events.iter().find(|e| e.kind == kind);
        if first(pipeline::ach::CONTESTED_RETURN).is_some() {
            bail!("entry {trace}: its dishonored return was contested already");
        }
        // A return is dishonored once at most (dishonor_without_return), so there is one.
        let dishonor = first(pipeline::ach::DISHONORED_RETURN)
            .map(|e| e.detail.clone())
            .with_context(|| {
                format!("entry {trace}: the partner sent no dishonored return of it")
            })?;
        let returned = first(pipeline::ach::RETURN)
            .and_then(|e| e.at.get(..10)?.parse().ok())
            .with_context(|| format!("entry {trace}: no return recorded"))?;
        let original: serde_json::Value = serde_json::from_str(original)?;
        let dishonored: serde_json::Value = serde_json::from_str(&dishonor)?;
        reqs.push(ContestRequest {
            original_trace_number: *t,
            code: code.to_string(),
            date_original_entry_returned: returned,
            original_settlement_date: stored_date(&original, "settlement_date"),
            dishonored_return_settlement_date: stored_date(&dishonored, "settlement_date"),
        });
        dishonors.push(dishonor);
    }
    Ok((dishonors, reqs))
}

/// Records each answer delivered in `file` at `now` as an event of its entry. A return or a
/// contest settles on the business day it is delivered (project default: the bank's return
/// settlement is NOT SEEN); a NOC moves no money.
pub fn record(
    d: &Delivery,
    args: &Args,
    originals: &[String],
    file: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let settles = pipeline::windows::roll_forward(pipeline::deadline::chicago_date(now));
    for (i, (t, original)) in args.traces.iter().zip(originals).enumerate() {
        let (kind, detail, settlement_date) = if args.is_noc(i) {
            // The receiver it corrects, by key only (no account number is kept): later
            // entries still sending its old data are warned (spec 06 §7).
            let original: serde_json::Value = serde_json::from_str(original)?;
            let detail = serde_json::json!({
                "corrected": args.corrected,
                "receiver_key": original["receiver_key"],
            });
            ("noc", detail.to_string(), None)
        } else if args.kind == Kind::Contest {
            // The dishonor's entry facts, settling again (the other way) today.
            let mut v: serde_json::Value = serde_json::from_str(original)?;
            v["event"] = pipeline::ach::CONTESTED_RETURN.into();
            v["settlement_date"] = settles.to_string().into();
            (
                pipeline::ach::CONTESTED_RETURN,
                v.to_string(),
                Some(settles.to_string()),
            )
        } else {
            (
                pipeline::ach::RETURN,
                original.clone(),
                Some(settles.to_string()),
            )
        };
        d.store.add_ach_event(&store::AchEvent {
            partner: d.partner.clone(),
            trace: format!("{t:015}"),
            kind: kind.into(),
            code: args.code(i).to_string(),
            file: file.to_string(),
            at: now.to_rfc3339(),
            detail,
            settlement_date,
        })?;
    }
    Ok(())
}
