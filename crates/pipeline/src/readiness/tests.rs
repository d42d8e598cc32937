//! [`assess`] on hand-made ledgers: consecutive days, late files, missing and rejected ones, a
//! rejection fixed by a later version (spec 01 §13).

use super::*;
use crate::schedule::Cadence;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn schedule() -> Schedule {
    Schedule {
        day0: date("2026-01-27"),
        cadence: Cadence::Daily,
        daily_types: Vec::new(),
    }
}

fn types() -> Vec<String> {
    vec!["balance".into(), "transaction".into()]
}

fn sent(file_type: &str, day: i64, state: State, late: bool) -> Sent {
    Sent {
        file_type: file_type.into(),
        date: date("2026-01-27") + chrono::Duration::days(day),
        state,
        late,
    }
}

/// Both types accepted on time for days `0..n`.
fn clean(n: i64) -> Vec<Sent> {
    (0..n)
        .flat_map(|d| {
            [
                sent("balance", d, State::Accepted, false),
                sent("transaction", d, State::Accepted, false),
            ]
        })
        .collect()
}

#[test]
fn seven_consecutive_fully_accepted_days_are_ready() {
    let r = assess(&schedule(), &types(), date("2026-02-03"), &clean(8));
    assert!(r.ready, "{}", r.text("acme"));
    assert_eq!(r.ready_days, Some((0, 6)));
    assert_eq!(r.days.len(), 8);
    assert!(r.reasons.is_empty());
    assert!(r.text("acme").contains(
        "READY: 7 consecutive fully accepted days, day 0 (2026-01-27) to day 6 (2026-02-02)"
    ));
}

#[test]
fn six_days_are_not_enough() {
    let r = assess(&schedule(), &types(), date("2026-02-01"), &clean(6));
    assert!(!r.ready);
    assert_eq!(
        r.reasons,
        ["no 7 consecutive fully accepted days yet: 6 so far"]
    );
}

#[test]
fn a_rejected_day_restarts_the_count() {
    let mut files = clean(9);
    // Day 2's transaction file rejected, never fixed.
    files.retain(|f| !(f.file_type == "transaction" && f.date == date("2026-01-29")));
    files.push(sent("transaction", 2, State::Rejected, false));
    let r = assess(&schedule(), &types(), date("2026-02-04"), &files);
    assert!(!r.ready);
    assert_eq!(r.days[2].types[1].outcome, Outcome::Rejected);
    assert_eq!(
        r.reasons,
        [
            "day 2 (2026-01-29): transaction rejected",
            "no 7 consecutive fully accepted days yet: 6 so far"
        ]
    );
    // One more clean day completes days 3–9.
    files.extend(
        clean(10)
            .into_iter()
            .filter(|f| f.date == date("2026-02-05")),
    );
    let r = assess(&schedule(), &types(), date("2026-02-05"), &files);
    assert_eq!(r.ready_days, Some((3, 9)));
}

#[test]
fn a_rejection_fixed_by_a_later_version_counts_and_late_counts() {
    let mut files = clean(7);
    files.push(sent("balance", 3, State::Rejected, false));
    files.push(sent("balance", 3, State::Duplicate, false));
    files.retain(|f| !(f.file_type == "transaction" && f.date == date("2026-01-28")));
    files.push(sent("transaction", 1, State::Accepted, true));
    let r = assess(&schedule(), &types(), date("2026-02-02"), &files);
    assert!(r.ready, "{}", r.text("acme"));
    assert_eq!(r.days[1].types[1].outcome, Outcome::AcceptedLate);
    assert_eq!(r.days[3].types[0].outcome, Outcome::Accepted);
    assert_eq!(r.days[3].types[0].rejected, 1);
    let text = r.text("acme");
    assert!(
        text.contains("day 3 (2026-01-30): fully accepted: balance accepted after 1 rejected"),
        "{text}"
    );
    assert!(text.contains("transaction accepted late"), "{text}");
}

#[test]
fn missing_and_pending_types_break_the_day() {
    let mut files = clean(8);
    files.retain(|f| !(f.date == date("2026-01-31") && f.file_type == "balance"));
    files.push(sent("transaction", 7, State::Validating, false));
    files.retain(|f| {
        !(f.date == date("2026-02-03")
            && f.file_type == "transaction"
            && f.state == State::Accepted)
    });
    let r = assess(&schedule(), &types(), date("2026-02-03"), &files);
    assert!(!r.ready);
    assert_eq!(r.days[4].types[0].outcome, Outcome::Missing);
    assert_eq!(r.days[7].types[1].outcome, Outcome::Pending);
    assert_eq!(r.reasons[0], "day 4 (2026-01-31): balance missing");
    assert_eq!(r.reasons[1], "day 7 (2026-02-03): transaction pending");
    assert_eq!(
        r.reasons[2],
        "no 7 consecutive fully accepted days yet: 0 so far"
    );
}

#[test]
fn business_day_cadence_counts_business_days_only() {
    let s = Schedule {
        cadence: Cadence::BusinessDays,
        ..schedule()
    };
    // Tue 2026-01-27 … Wed 2026-02-04 holds 7 business days; weekend files are not needed.
    let files: Vec<Sent> = clean(9).into_iter().filter(|f| s.is_due(f.date)).collect();
    let r = assess(&s, &types(), date("2026-02-04"), &files);
    assert_eq!(r.days.len(), 7);
    assert!(r.ready, "{}", r.text("acme"));
    assert_eq!(r.days[4].date, date("2026-02-02"));
}

#[test]
fn no_types_is_never_ready() {
    let r = assess(&schedule(), &[], date("2026-02-03"), &clean(8));
    assert!(!r.ready);
    assert!(r.reasons[0].starts_with("no expected file types"));
}
