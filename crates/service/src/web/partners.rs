//! The partners as operators check them: their keys' fingerprints and allowed addresses, their
//! last upload, today's expected files — received, late, missing past the deadline, or not due
//! yet — and, for a partner with a Day 0, its go-live readiness (spec 01 §13).

use super::auth::User;
use super::WebError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use store::{Db, FileSearch, Ledger, Partners};

/// One partner.
#[derive(Debug, Serialize)]
pub struct PartnerView {
    /// Name, also its SFTP user.
    pub name: String,
    /// Its keys as `ssh-keygen -lf` lists them (`256 SHA256:… user@host (ED25519)`), a key the
    /// server refuses followed by why.
    pub keys: Vec<String>,
    /// The newest upload, RFC 3339.
    pub last_upload: Option<String>,
    /// Today's file date (America/Chicago).
    pub file_date: String,
    /// When today's files are due.
    pub due_at: Option<String>,
    /// Today's expected files.
    pub expected: Vec<Expected>,
    /// The address ranges it may connect from (spec 01 §2.3); empty: any.
    pub allow_from: Vec<String>,
    /// Its schedule and go-live readiness through today, when it has a Day 0.
    pub go_live: Option<GoLive>,
}

/// A scheduled partner's readiness (spec 01 §13).
#[derive(Debug, Serialize)]
pub struct GoLive {
    /// Day 0.
    pub day0: String,
    /// Seven consecutive fully accepted days so far.
    pub ready: bool,
    /// The verdict in a line: the ready days, or why not ready.
    pub summary: Vec<String>,
}

/// An expected file of today's date.
#[derive(Debug, Serialize)]
pub struct Expected {
    /// File type.
    pub file_type: String,
    /// `received`, `late`, `missing` (deadline passed, none accepted) or `due` (not yet).
    pub state: &'static str,
    /// The ledger id of the file received for it, if any.
    pub file_id: Option<i64>,
}

/// The partners `user` may see, as of `now`.
pub fn partners(
    db: &Db,
    user: &User,
    configured: &[String],
    deadline_hour: u32,
    now: DateTime<Utc>,
) -> Result<Vec<PartnerView>, WebError> {
    let date = pipeline::deadline::chicago_date(now);
    let due = pipeline::deadline::deadline(date, deadline_hour);
    let prefix = date.to_string();
    let mut out = Vec::new();
    for p in db.partners()? {
        if !user.may_see(&p.name) {
            continue;
        }
        let keys = crate::access::describe_keys(&p);
        let mut expected = Vec::new();
        for t in pipeline::held::expected_types(db, configured, &p.name, date)? {
            let got = db.accepted_for(&p.name, &t, &prefix)?;
            let state = match (&got, due) {
                (Some(r), _) if r.decision.as_ref().is_some_and(|d| d.late) => "late",
                (Some(_), _) => "received",
                (None, Some(d)) if now >= d => "missing",
                (None, _) => "due",
            };
            expected.push(Expected {
                file_type: t,
                state,
                file_id: got.map(|r| r.id),
            });
        }
        let go_live = pipeline::readiness::load(db, configured, &p, date)?.map(|r| GoLive {
            day0: r.day0.to_string(),
            ready: r.ready,
            summary: match r.ready_days {
                Some((a, b)) if r.ready => vec![format!("ready: day {a} to day {b}")],
                _ => r.reasons.clone(),
            },
        });
        out.push(PartnerView {
            allow_from: p.allow_from.clone(),
            go_live,
            last_upload: db.last_upload(&p.name)?,
            name: p.name,
            keys,
            file_date: prefix.clone(),
            due_at: due.map(crate::web::auth::stamp),
            expected,
        });
    }
    Ok(out)
}
