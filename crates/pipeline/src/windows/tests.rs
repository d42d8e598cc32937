//! Every window boundary of spec 06 §3: before and after each cutoff, weekends, Fed holidays,
//! Same Day after 14:00 billed next-day, the Same Day limit (§9.14), effective dates (§3.4).

use super::*;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A Chicago wall-clock time as UTC.
fn chi(d: &str, t: &str) -> DateTime<Utc> {
    let t = NaiveTime::parse_from_str(t, "%H:%M:%S").unwrap();
    at(date(d), t)
}

fn w() -> Windows {
    Windows::default()
}

const SMALL: u64 = 10_000; // $100.00
const MON: &str = "2026-12-07";
const TUE: &str = "2026-12-08";

/// (window day, cutoff HH:MM, settlement, billing)
fn got(s: Scheduled) -> (String, String, String, Billing) {
    (
        s.window_date.to_string(),
        s.cutoff.format("%H:%M").to_string(),
        s.settlement_date.to_string(),
        s.billing,
    )
}

fn same_day(day: &str, cutoff: &str) -> (String, String, String, Billing) {
    (day.into(), cutoff.into(), day.into(), Billing::SameDay)
}

fn next_day(day: &str, cutoff: &str, settles: &str) -> (String, String, String, Billing) {
    (day.into(), cutoff.into(), settles.into(), Billing::NextDay)
}

#[test]
fn same_day_entries_take_the_first_same_day_window_not_yet_closed_spec_06_3_2() {
    let cases = [
        ("00:00:00", "09:00"),
        ("08:59:59", "09:00"),
        ("09:00:00", "13:15"), // a cutoff is firm
        ("13:14:59", "13:15"),
        ("13:15:00", "14:00"),
        ("13:59:59", "14:00"),
    ];
    for (t, cutoff) in cases {
        let s = w().schedule(chi(MON, t), Some(date(MON)), SMALL).unwrap();
        assert_eq!(got(s), same_day(MON, cutoff), "received {t}");
    }
}

#[test]
fn same_day_received_at_or_after_14_00_settles_next_business_day_billed_next_day_spec_06_3_2() {
    let s = w()
        .schedule(chi(MON, "14:00:00"), Some(date(MON)), SMALL)
        .unwrap();
    assert_eq!(got(s), next_day(MON, "15:15", TUE));
    let s = w()
        .schedule(chi(MON, "21:59:59"), Some(date(MON)), SMALL)
        .unwrap();
    assert_eq!(got(s), next_day(MON, "22:00", TUE));
    // After the last next-day cutoff it waits for the next business day's first window.
    let s = w()
        .schedule(chi(MON, "22:00:00"), Some(date(MON)), SMALL)
        .unwrap();
    assert_eq!(got(s), next_day(TUE, "09:00", "2026-12-09"));
}

#[test]
fn next_day_entries_take_each_next_day_window_in_turn_spec_06_3_3() {
    let cases = [
        ("08:59:59", "09:00"),
        ("09:00:00", "13:15"),
        ("13:15:00", "15:15"),
        ("15:14:59", "15:15"),
        ("15:15:00", "18:30"),
        ("18:30:00", "21:15"),
        ("21:15:00", "22:00"),
    ];
    for (t, cutoff) in cases {
        let s = w().schedule(chi(MON, t), Some(date(TUE)), SMALL).unwrap();
        assert_eq!(got(s), next_day(MON, cutoff, TUE), "received {t}");
    }
    let s = w()
        .schedule(chi(MON, "22:00:00"), Some(date(TUE)), SMALL)
        .unwrap();
    assert_eq!(got(s), next_day(TUE, "09:00", "2026-12-09"));
}

#[test]
fn received_on_a_weekend_same_day_settles_monday_billed_next_day_spec_06_3_2() {
    let sat = "2026-12-05";
    let s = w()
        .schedule(chi(sat, "10:00:00"), Some(date(sat)), SMALL)
        .unwrap();
    assert_eq!(
        got(s),
        (MON.into(), "09:00".into(), MON.into(), Billing::NextDay)
    );
    // Due Monday: the same, Monday's first Same Day window.
    let s = w()
        .schedule(chi("2026-12-06", "23:00:00"), Some(date(MON)), SMALL)
        .unwrap();
    assert_eq!(
        got(s),
        (MON.into(), "09:00".into(), MON.into(), Billing::NextDay)
    );
    // Due Tuesday: Monday's first next-day window.
    let s = w()
        .schedule(chi(sat, "10:00:00"), Some(date(TUE)), SMALL)
        .unwrap();
    assert_eq!(got(s), next_day(MON, "09:00", TUE));
}

#[test]
fn fed_holidays_have_no_windows_thanksgiving_and_christmas() {
    // Thanksgiving, Thursday 2026-11-26: nothing goes out or settles on it.
    let s = w()
        .schedule(
            chi("2026-11-25", "23:00:00"),
            Some(date("2026-11-25")),
            SMALL,
        )
        .unwrap();
    assert_eq!(got(s), next_day("2026-11-27", "09:00", "2026-11-30"));
    let s = w()
        .schedule(
            chi("2026-11-26", "10:00:00"),
            Some(date("2026-11-26")),
            SMALL,
        )
        .unwrap();
    assert_eq!(
        got(s),
        (
            "2026-11-27".into(),
            "09:00".into(),
            "2026-11-27".into(),
            Billing::NextDay
        )
    );
    // Due on Christmas (Friday 2026-12-25): rolled to Monday the 28th.
    let s = w()
        .schedule(
            chi("2026-12-24", "15:00:00"),
            Some(date("2026-12-25")),
            SMALL,
        )
        .unwrap();
    assert_eq!(got(s), next_day("2026-12-24", "15:15", "2026-12-28"));
}

#[test]
fn the_same_day_limit_is_one_million_dollars_per_entry_spec_06_9_14() {
    let s = w()
        .schedule(chi(MON, "10:00:00"), Some(date(MON)), 100_000_000)
        .unwrap();
    assert_eq!(got(s), same_day(MON, "13:15"));
    let s = w()
        .schedule(chi(MON, "10:00:00"), Some(date(MON)), 100_000_001)
        .unwrap();
    assert_eq!(got(s), next_day(MON, "13:15", TUE));
}

#[test]
fn iat_entries_never_go_same_day() {
    // Public Nacha rule: international entries are not eligible for Same Day ACH.
    let at = chi(MON, "10:00:00");
    let ppd = w().schedule_entry(at, Some(date(MON)), 5_000, nacha::SecCode::Ppd);
    assert_eq!(got(ppd.unwrap()), same_day(MON, "13:15"));
    let iat = w().schedule_entry(at, Some(date(MON)), 5_000, nacha::SecCode::Iat);
    assert_eq!(got(iat.unwrap()), next_day(MON, "13:15", TUE));
    assert!(!w().same_day_eligible(5_000, nacha::SecCode::Iat));
    assert!(!w().same_day_eligible(100_000_001, nacha::SecCode::Ppd));
}

#[test]
fn a_future_effective_date_waits_for_the_business_day_before_it() {
    let s = w()
        .schedule(chi(MON, "10:00:00"), Some(date("2026-12-14")), SMALL)
        .unwrap();
    assert_eq!(got(s), next_day("2026-12-11", "09:00", "2026-12-14"));
    // A Saturday rolls to Monday; the window is the Friday before.
    let s = w()
        .schedule(chi(MON, "10:00:00"), Some(date("2026-12-12")), SMALL)
        .unwrap();
    assert_eq!(got(s), next_day("2026-12-11", "09:00", "2026-12-14"));
}

#[test]
fn past_blank_far_and_non_business_effective_dates_follow_the_configured_rules() {
    // Past (default: as soon as possible) and blank (ENR): as if due today.
    let s = w()
        .schedule(chi(MON, "10:00:00"), Some(date("2026-12-04")), SMALL)
        .unwrap();
    assert_eq!(got(s), same_day(MON, "13:15"));
    let s = w().schedule(chi(MON, "10:00:00"), None, SMALL).unwrap();
    assert_eq!(got(s), same_day(MON, "13:15"));
    // 30 days ahead is taken, 31 refused.
    assert!(w()
        .schedule(chi(MON, "10:00:00"), Some(date("2027-01-06")), SMALL)
        .is_ok());
    assert_eq!(
        w().schedule(chi(MON, "10:00:00"), Some(date("2027-01-07")), SMALL),
        Err(WindowError::TooFarAhead {
            date: date("2027-01-07"),
            days: 30
        })
    );
    let mut strict = w();
    strict.effective_dates.past = DateRule::Reject;
    strict.effective_dates.non_business = DateRule::Reject;
    assert_eq!(
        strict.schedule(chi(MON, "10:00:00"), Some(date("2026-12-04")), SMALL),
        Err(WindowError::Past(date("2026-12-04")))
    );
    assert_eq!(
        strict.schedule(chi(MON, "10:00:00"), Some(date("2026-12-12")), SMALL),
        Err(WindowError::NotBusinessDay(date("2026-12-12")))
    );
}

#[test]
fn cutoffs_are_chicago_time_across_daylight_saving() {
    // Winter: 09:00 CT is 15:00 UTC; summer (after 2026-03-08): 14:00 UTC.
    let s = w()
        .schedule(chi(MON, "08:00:00"), Some(date(MON)), SMALL)
        .unwrap();
    assert_eq!(s.submit_at.to_rfc3339(), "2026-12-07T15:00:00+00:00");
    let s = w()
        .schedule(
            chi("2026-03-09", "08:00:00"),
            Some(date("2026-03-09")),
            SMALL,
        )
        .unwrap();
    assert_eq!(s.submit_at.to_rfc3339(), "2026-03-09T14:00:00+00:00");
}

#[test]
fn entries_settle_at_their_windows_settlement_time_spec_06_3_2_3_3() {
    let when = |t: &str, eff: &str| {
        let s = w().schedule(chi(MON, t), Some(date(eff)), SMALL).unwrap();
        s.settles_at
            .with_timezone(&Chicago)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    assert_eq!(when("08:00:00", MON), "2026-12-07 12:00");
    assert_eq!(when("10:00:00", MON), "2026-12-07 16:00");
    assert_eq!(when("13:30:00", MON), "2026-12-07 17:00");
    assert_eq!(when("15:00:00", MON), "2026-12-08 07:30");
    assert_eq!(when("08:00:00", TUE), "2026-12-08 07:30");
}

#[test]
fn windows_must_be_listed_in_ascending_order() {
    assert!(w().check().is_ok());
    let mut bad = w();
    bad.next_day = vec![hm(13, 0), hm(9, 0)];
    assert!(bad.check().is_err());
    bad.next_day = Vec::new();
    assert!(bad.check().is_err());
    let mut unpaired = w();
    unpaired.same_day_settlement.pop();
    assert!(unpaired.check().is_err());
}
