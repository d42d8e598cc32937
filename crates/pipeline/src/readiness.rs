//! Go-live readiness (spec 01 §13): production testing begins "after seven days of successful
//! tests"; decided as the spec proposes, seven consecutive due days from Day 0 whose file sets
//! were all accepted.
//!
//! [`assess`] is a pure function of the schedule, the expected types and the partner's files
//! (fed by [`load`] from the ledger, as `recon` is fed by its caller). A day is fully accepted
//! when every expected type has an accepted file for it: late (D9) counts, since Day 0 may be
//! set in the past to speed testing up (spec 01 §12.2), and so does a file accepted after an
//! earlier version was rejected (the partner fixed the day, D7). A type whose only files were
//! rejected, or that never came, breaks the run.

use crate::deadline::chicago_date;
use crate::schedule::{ser_date, Schedule};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::fmt::Write as _;
use store::{Db, FileSearch, Ledger, State};

/// Consecutive fully accepted days needed (spec 01 §13).
pub const DAYS_NEEDED: usize = 7;

/// One file the partner sent, as readiness sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// Its file type.
    pub file_type: String,
    /// Its file date (a batch-named file: the Chicago day it arrived).
    pub date: NaiveDate,
    /// Its outcome so far.
    pub state: State,
    /// Accepted after its deadline (D9).
    pub late: bool,
}

/// How one expected type fared on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// An accepted file, on time.
    Accepted,
    /// An accepted file, after its deadline (D9).
    AcceptedLate,
    /// Files came, none accepted (rejected, or bankdrop failed to decide them).
    Rejected,
    /// A file is being processed.
    Pending,
    /// No file came.
    Missing,
}

impl Outcome {
    fn accepted(self) -> bool {
        matches!(self, Outcome::Accepted | Outcome::AcceptedLate)
    }

    fn text(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::AcceptedLate => "accepted late",
            Outcome::Rejected => "rejected",
            Outcome::Pending => "pending",
            Outcome::Missing => "missing",
        }
    }
}

/// One expected type on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeDay {
    /// The file type.
    pub file_type: String,
    /// How it fared.
    pub outcome: Outcome,
    /// Its files rejected (or failed) that day, before or without an accepted one.
    pub rejected: u32,
}

/// One due day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    /// Day N, counted in due days from Day 0 (0).
    pub n: usize,
    /// Its file date.
    #[serde(serialize_with = "ser_date")]
    pub date: NaiveDate,
    /// Each expected type, in the order given.
    pub types: Vec<TypeDay>,
    /// Every expected type has an accepted file.
    pub fully_accepted: bool,
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Readiness {
    /// Day 0.
    #[serde(serialize_with = "ser_date")]
    pub day0: NaiveDate,
    /// The last day looked at.
    #[serde(serialize_with = "ser_date")]
    pub through: NaiveDate,
    /// The types due each day.
    pub types: Vec<String>,
    /// Every due day from Day 0 through `through`.
    pub days: Vec<Day>,
    /// Seven consecutive fully accepted days were reached.
    pub ready: bool,
    /// The first run of seven fully accepted days (day numbers), when ready.
    pub ready_days: Option<(usize, usize)>,
    /// Why not ready (empty when ready).
    pub reasons: Vec<String>,
}

/// The readiness of a schedule: `types` due on each due day through `through`, given every
/// file the partner sent (in any order; duplicates are left out by the caller or ignored).
pub fn assess(s: &Schedule, types: &[String], through: NaiveDate, sent: &[Sent]) -> Readiness {
    let mut days = Vec::new();
    for (n, date) in s.due_days(through).into_iter().enumerate() {
        let types: Vec<TypeDay> = types.iter().map(|t| type_day(t, date, sent)).collect();
        let fully_accepted = !types.is_empty() && types.iter().all(|t| t.outcome.accepted());
        days.push(Day {
            n,
            date,
            types,
            fully_accepted,
        });
    }
    let mut run = 0;
    let mut ready_days = None;
    for d in &days {
        run = if d.fully_accepted { run + 1 } else { 0 };
        if run == DAYS_NEEDED && ready_days.is_none() {
            ready_days = Some((d.n + 1 - DAYS_NEEDED, d.n));
        }
    }
    let mut reasons = Vec::new();
    if ready_days.is_none() {
        if types.is_empty() {
            reasons.push("no expected file types: set them with `partner schedule --types`, or `[pipeline] expected_types`".to_string());
        }
        for d in days.iter().filter(|d| !d.fully_accepted) {
            let what: Vec<String> = d
                .types
                .iter()
                .filter(|t| !t.outcome.accepted())
                .map(|t| format!("{} {}", t.file_type, t.outcome.text()))
                .collect();
            if !what.is_empty() {
                reasons.push(format!("day {} ({}): {}", d.n, d.date, what.join(", ")));
            }
        }
        reasons.push(format!(
            "no {DAYS_NEEDED} consecutive fully accepted days yet: {run} so far"
        ));
    }
    Readiness {
        day0: s.day0,
        through,
        types: types.to_vec(),
        days,
        ready: ready_days.is_some(),
        ready_days,
        reasons,
    }
}

fn type_day(file_type: &str, date: NaiveDate, sent: &[Sent]) -> TypeDay {
    let mine = sent
        .iter()
        .filter(|f| f.file_type == file_type && f.date == date);
    let mut rejected = 0;
    let mut accepted: Option<bool> = None;
    let mut pending = false;
    for f in mine {
        match f.state {
            State::Accepted => accepted = Some(accepted.unwrap_or(true) && f.late),
            State::Rejected | State::Failed => rejected += 1,
            State::Validating => pending = true,
            // A name or bytes sent again: it changes nothing about the day.
            State::Duplicate => {}
        }
    }
    let outcome = match accepted {
        Some(true) => Outcome::AcceptedLate,
        Some(false) => Outcome::Accepted,
        None if pending => Outcome::Pending,
        None if rejected > 0 => Outcome::Rejected,
        None => Outcome::Missing,
    };
    TypeDay {
        file_type: file_type.to_string(),
        outcome,
        rejected,
    }
}

/// The readiness of `partner` through `through`, from its ledger: `None` without a Day 0.
/// Types: the schedule's, else `configured` (`[pipeline] expected_types`), else every type the
/// partner sent dated from Day 0 through `through`.
pub fn load(
    store: &Db,
    configured: &[String],
    partner: &store::PartnerRow,
    through: NaiveDate,
) -> store::Result<Option<Readiness>> {
    let Some(s) = Schedule::of_partner(partner) else {
        return Ok(None);
    };
    let types = s.types(
        store,
        configured,
        &partner.name,
        through.succ_opt().unwrap_or(through),
    )?;
    let (from, to) = (s.day0.to_string(), through.to_string());
    let mut rows = store.dated_between(&partner.name, &from, &to)?;
    // Customer files named by batch id (D5) count for the Chicago day they arrived.
    let (start, end) = (
        chicago_midnight(s.day0),
        chicago_midnight(through.succ_opt().unwrap_or(through)),
    );
    rows.extend(
        store
            .received_between(&partner.name, &start, &end)?
            .into_iter()
            .filter(|r| r.file.prefix.as_deref().is_some_and(|p| date(p).is_none())),
    );
    let sent: Vec<Sent> = rows
        .into_iter()
        .filter_map(|r| {
            let file_type = r.file.file_type.clone()?;
            let day = match r.file.prefix.as_deref().and_then(date) {
                Some(d) => d,
                None => chicago_date(r.file.received_at.parse::<DateTime<Utc>>().ok()?),
            };
            Some(Sent {
                file_type,
                date: day,
                state: r.state(),
                late: r.decision.as_ref().is_some_and(|d| d.late),
            })
        })
        .collect();
    Ok(Some(assess(&s, &types, through, &sent)))
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Midnight starting `d` in America/Chicago, as the ledger writes times (RFC 3339 UTC).
fn chicago_midnight(d: NaiveDate) -> String {
    use chrono::TimeZone;
    let local = chrono_tz::America::Chicago
        .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .earliest();
    local.map_or_else(
        || format!("{d}T00:00:00.000Z"),
        |t| {
            t.with_timezone(&Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        },
    )
}

impl Readiness {
    /// The report as text: one line per day and type, then the verdict.
    pub fn text(&self, partner: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "readiness of {partner}: Day 0 {}, through {}, types {}",
            self.day0,
            self.through,
            if self.types.is_empty() {
                "(none)".to_string()
            } else {
                self.types.join(",")
            }
        );
        for d in &self.days {
            let types: Vec<String> = d
                .types
                .iter()
                .map(|t| match (t.outcome.accepted(), t.rejected) {
                    (true, n) if n > 0 => {
                        format!("{} {} after {n} rejected", t.file_type, t.outcome.text())
                    }
                    _ => format!("{} {}", t.file_type, t.outcome.text()),
                })
                .collect();
            let mark = if d.fully_accepted {
                "fully accepted"
            } else {
                "NOT fully accepted"
            };
            let _ = writeln!(
                out,
                "day {} ({}): {mark}: {}",
                d.n,
                d.date,
                types.join(", ")
            );
        }
        match self.ready_days {
            Some((a, b)) => {
                let _ = writeln!(
                    out,
                    "READY: {DAYS_NEEDED} consecutive fully accepted days, day {a} ({}) to day {b} ({})",
                    self.days[a].date, self.days[b].date
                );
            }
            None => {
                let _ = writeln!(out, "NOT READY");
                for r in &self.reasons {
                    let _ = writeln!(out, "  {r}");
                }
            }
        }
        out
    }

    /// Writes the report into the partner's `reports/` folder, atomically, as
    /// `<through>_readiness.txt` and `<through>_readiness.json`; returns their paths.
    pub fn write(&self, partner: &store::PartnerRow) -> crate::Result<[std::path::PathBuf; 2]> {
        let dir = std::path::Path::new(&partner.root).join("reports");
        std::fs::create_dir_all(&dir).map_err(crate::io_err(&dir))?;
        let txt = dir.join(format!("{}_readiness.txt", self.through));
        let json = dir.join(format!("{}_readiness.json", self.through));
        crate::fsio::write_atomic(&txt, self.text(&partner.name).as_bytes())
            .map_err(crate::io_err(&txt))?;
        let body = serde_json::to_vec_pretty(self)?;
        crate::fsio::write_atomic(&json, &body).map_err(crate::io_err(&json))?;
        Ok([txt, json])
    }
}

#[cfg(test)]
mod tests;
