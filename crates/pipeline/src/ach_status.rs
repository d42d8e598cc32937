//! ACH entry statuses (spec 06 §6): the lifecycle of an outgoing or incoming entry, which moves
//! are allowed, and where the clock puts an outgoing entry given its window
//! ([`crate::windows::Scheduled`]): `scheduled` until shortly before its cutoff, `processing`
//! while the bank prepares the window, `submitted` at the cutoff, `posted` when it settles. What
//! happens after (`pending_return`, `returned`) comes from the network's files, not the clock.
//!
//! The transition diagrams are NOT SEEN (§6: "derived from the descriptions"); the moves below
//! are that derivation. How long before a cutoff an entry turns `processing` is NOT SEEN too:
//! [`PROCESSING_LEAD`] is a project default.

use crate::windows::Scheduled;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// How long before its window's cutoff an entry is `processing` (project default, NOT SEEN).
pub const PROCESSING_LEAD: Duration = Duration::minutes(30);

/// An entry's direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Originated by the partner (its Nacha files).
    Outgoing,
    /// Received from the network.
    Incoming,
}

/// A status of spec 06 §6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Accepted, waiting for further processing.
    Scheduled,
    /// Being prepared for submission to the Fed (outgoing).
    Processing,
    /// Submitted to the Fed (outgoing).
    Submitted,
    /// Completed and posted.
    Posted,
    /// Cancelled (outgoing). Terminal.
    Canceled,
    /// A validation rule triggered; under manual review.
    UnderReview,
    /// Manual review succeeded; processing continues.
    Approved,
    /// Manual review failed. Terminal.
    Rejected,
    /// A return of a posted entry was received (incoming).
    PendingReturn,
    /// Returned. Terminal.
    Returned,
}

impl Status {
    /// The status as the bank's pages write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::Processing => "processing",
            Status::Submitted => "submitted",
            Status::Posted => "posted",
            Status::Canceled => "canceled",
            Status::UnderReview => "under_review",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::PendingReturn => "pending_return",
            Status::Returned => "returned",
        }
    }

    /// Whether nothing follows it (§6: `canceled`, `rejected`, `returned`).
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Canceled | Status::Rejected | Status::Returned)
    }

    /// Whether an entry of `direction` may be cancelled in this status (§6 "Cancellable").
    pub fn cancellable(self, direction: Direction) -> bool {
        direction == Direction::Outgoing
            && matches!(
                self,
                Status::Scheduled | Status::UnderReview | Status::Approved
            )
    }
}

/// Whether an entry of `direction` may move from `from` to `to` (§6, derived lifecycle).
pub fn may_move(direction: Direction, from: Status, to: Status) -> bool {
    use Status::*;
    if from.is_terminal() {
        return false;
    }
    if to == Canceled {
        return from.cancellable(direction);
    }
    match direction {
        Direction::Outgoing => matches!(
            (from, to),
            (Scheduled, Processing)
                | (Scheduled, UnderReview)
                | (UnderReview, Approved)
                | (UnderReview, Rejected)
                | (Approved, Processing)
                | (Processing, Submitted)
                | (Submitted, Posted)
                | (Posted, Returned)
        ),
        Direction::Incoming => matches!(
            (from, to),
            (Scheduled, Posted)
                | (Scheduled, UnderReview)
                | (UnderReview, Approved)
                | (UnderReview, Rejected)
                | (Approved, Posted)
                | (Posted, PendingReturn)
                | (PendingReturn, Returned)
                | (PendingReturn, Posted)
        ),
    }
}

/// The statuses the clock has moved an outgoing entry of window `s` through by `now`, each
/// with when it began: from `scheduled` at `accepted_at` to, at most, `posted`.
pub fn clock_history(
    s: &Scheduled,
    accepted_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<(Status, DateTime<Utc>)> {
    let steps = [
        (Status::Scheduled, accepted_at),
        (
            Status::Processing,
            (s.submit_at - PROCESSING_LEAD).max(accepted_at),
        ),
        (Status::Submitted, s.submit_at),
        (Status::Posted, s.settles_at),
    ];
    steps.into_iter().filter(|(_, at)| *at <= now).collect()
}

/// The statuses of an entry received from the network (spec 06 §11: inbound payments move from
/// `scheduled` to `posted` quickly) by `now`: `scheduled` when delivered, `posted` at the
/// opening of business of its settlement day, or at once when delivered later that day.
pub fn received_history(
    delivered_at: DateTime<Utc>,
    settlement: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> Vec<(Status, DateTime<Utc>)> {
    let (h, m) = OPENING_OF_BUSINESS;
    let opening = crate::windows::at(
        settlement,
        chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default(),
    );
    [
        (Status::Scheduled, delivered_at),
        (Status::Posted, opening.max(delivered_at)),
    ]
    .into_iter()
    .filter(|(_, at)| *at <= now)
    .collect()
}

/// "Opening of business" of a banking day (spec 06 §4.1), Chicago time: NOT SEEN, a project
/// default.
pub const OPENING_OF_BUSINESS: (u32, u32) = (8, 0);

/// Return reasons that need a Written Statement of Unauthorized Debit and have 60 calendar days
/// (spec 06 §4.2).
pub const WSUD_CODES: [&str; 3] = ["R07", "R10", "R11"];

/// When a return of an entry settled on `settlement` must be available by (spec 06 §4.1): the
/// opening of business of the 2nd banking day after it, or of the 60th calendar day for the
/// [`WSUD_CODES`].
pub fn return_deadline(code: &str, settlement: chrono::NaiveDate) -> DateTime<Utc> {
    use crate::windows::next_business_day;
    let day = if WSUD_CODES.contains(&code) {
        settlement + Duration::days(60)
    } else {
        next_business_day(next_business_day(settlement))
    };
    let (h, m) = OPENING_OF_BUSINESS;
    crate::windows::at(
        day,
        chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::windows::Windows;
    use chrono::{NaiveDate, TimeZone};
    use chrono_tz::America::Chicago;

    #[test]
    fn a_received_entry_posts_at_the_opening_of_its_settlement_day_or_on_delivery() {
        let sat = NaiveDate::from_ymd_opt(2026, 4, 11).unwrap();
        let mon = NaiveDate::from_ymd_opt(2026, 4, 13).unwrap();
        // Delivered on a Saturday: scheduled until Monday 08:00 CT.
        let at = chi("2026-04-11", "10:00");
        let h = received_history(at, mon, chi("2026-04-13", "07:59"));
        assert_eq!(h, [(Status::Scheduled, at)]);
        let h = received_history(at, mon, chi("2026-04-13", "08:00"));
        assert_eq!(
            h.last(),
            Some(&(Status::Posted, chi("2026-04-13", "08:00")))
        );
        // Delivered on a business day after the opening: posted at once.
        let at = chi("2026-04-13", "15:00");
        let h = received_history(at, mon, at);
        assert_eq!(h, [(Status::Scheduled, at), (Status::Posted, at)]);
        // Not yet delivered: nothing.
        assert!(received_history(at, sat, chi("2026-04-13", "14:00")).is_empty());
    }

    fn chi(d: &str, t: &str) -> DateTime<Utc> {
        let d = NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let t = chrono::NaiveTime::parse_from_str(t, "%H:%M").unwrap();
        Chicago
            .from_local_datetime(&d.and_time(t))
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_clock_moves_an_outgoing_entry_through_its_window_spec_06_6() {
        let accepted = chi("2026-12-07", "10:00");
        let eff = NaiveDate::from_ymd_opt(2026, 12, 8);
        let s = Windows::default().schedule(accepted, eff, 5_000).unwrap();
        // Next-day window 13:15 Monday, settling 07:30 Tuesday.
        let at = |d: &str, t: &str| clock_history(&s, accepted, chi(d, t)).last().unwrap().0;
        assert_eq!(at("2026-12-07", "10:00"), Status::Scheduled);
        assert_eq!(at("2026-12-07", "12:44"), Status::Scheduled);
        assert_eq!(at("2026-12-07", "12:45"), Status::Processing);
        assert_eq!(at("2026-12-07", "13:14"), Status::Processing);
        assert_eq!(at("2026-12-07", "13:15"), Status::Submitted);
        assert_eq!(at("2026-12-08", "07:29"), Status::Submitted);
        assert_eq!(at("2026-12-08", "07:30"), Status::Posted);
        let h = clock_history(&s, accepted, chi("2026-12-09", "00:00"));
        let names: Vec<&str> = h.iter().map(|(st, _)| st.as_str()).collect();
        assert_eq!(names, ["scheduled", "processing", "submitted", "posted"]);
        // Every step of the clock is an allowed move.
        assert!(h
            .windows(2)
            .all(|p| may_move(Direction::Outgoing, p[0].0, p[1].0)));
    }

    #[test]
    fn returns_are_due_by_the_2nd_banking_day_or_the_60th_calendar_day_spec_06_4_1() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // Settled Thursday 2026-11-19: Friday, then Monday (the weekend is no banking day).
        assert_eq!(
            return_deadline("R01", d("2026-11-19")),
            chi("2026-11-23", "08:00")
        );
        // Settled Wednesday 2026-11-25: Thanksgiving is skipped, Friday and Monday.
        assert_eq!(
            return_deadline("R03", d("2026-11-25")),
            chi("2026-11-30", "08:00")
        );
        // Unauthorized (WSUD): 60 calendar days, weekends included.
        assert_eq!(
            return_deadline("R10", d("2026-11-19")),
            chi("2027-01-18", "08:00")
        );
        assert_eq!(
            return_deadline("R07", d("2026-11-19")),
            return_deadline("R11", d("2026-11-19"))
        );
    }

    #[test]
    fn an_entry_accepted_inside_the_lead_time_is_processing_at_once() {
        let accepted = chi("2026-12-07", "13:00");
        let s = Windows::default()
            .schedule(accepted, NaiveDate::from_ymd_opt(2026, 12, 8), 5_000)
            .unwrap();
        let h = clock_history(&s, accepted, chi("2026-12-07", "13:01"));
        assert_eq!(h[1], (Status::Processing, accepted));
    }

    #[test]
    fn every_move_of_the_derived_lifecycles_and_none_other_spec_06_6() {
        use Direction::*;
        use Status::*;
        let all = [
            Scheduled,
            Processing,
            Submitted,
            Posted,
            Canceled,
            UnderReview,
            Approved,
            Rejected,
            PendingReturn,
            Returned,
        ];
        let outgoing = [
            (Scheduled, Processing),
            (Scheduled, UnderReview),
            (Scheduled, Canceled),
            (UnderReview, Approved),
            (UnderReview, Rejected),
            (UnderReview, Canceled),
            (Approved, Processing),
            (Approved, Canceled),
            (Processing, Submitted),
            (Submitted, Posted),
            (Posted, Returned),
        ];
        let incoming = [
            (Scheduled, Posted),
            (Scheduled, UnderReview),
            (UnderReview, Approved),
            (UnderReview, Rejected),
            (Approved, Posted),
            (Posted, PendingReturn),
            (PendingReturn, Returned),
            (PendingReturn, Posted),
        ];
        for from in all {
            for to in all {
                assert_eq!(
                    may_move(Outgoing, from, to),
                    outgoing.contains(&(from, to)),
                    "outgoing {from:?} → {to:?}"
                );
                assert_eq!(
                    may_move(Incoming, from, to),
                    incoming.contains(&(from, to)),
                    "incoming {from:?} → {to:?}"
                );
            }
        }
        for t in [Canceled, Rejected, Returned] {
            assert!(t.is_terminal());
        }
        assert!(!Scheduled.cancellable(Incoming));
    }
}
