//! When the nightly run happens (decision D9): every calendar day at a configured local time in
//! a configured time zone (default 06:30 America/Chicago), for activity date D = the local date
//! of the run − 1. Pure functions of "now", so the daylight-saving cases are unit-tested.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The instant of the run on local calendar day `day` at local time `at`.
///
/// Daylight saving: a time that occurs twice (autumn) runs at its first occurrence; a time that
/// does not exist (the spring gap) runs as if the clock had not moved yet, i.e. the gap's length
/// later on the wall clock (02:30 → 03:30), so no day is ever skipped.
pub fn run_instant(day: NaiveDate, at: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let local = day.and_time(at);
    if let Some(t) = tz.from_local_datetime(&local).earliest() {
        return t.with_timezone(&Utc);
    }
    // In a gap: use the offset in force a day before (the one the clock had before it jumped).
    let before = tz
        .offset_from_utc_datetime(&(local - Duration::days(1)))
        .fix();
    let utc = local - Duration::seconds(i64::from(before.local_minus_utc()));
    Utc.from_utc_datetime(&utc)
}

/// The next run strictly after `now`: its instant and the activity date it reconciles.
pub fn next_run(now: DateTime<Utc>, at: NaiveTime, tz: Tz) -> (DateTime<Utc>, NaiveDate) {
    let mut day = now.with_timezone(&tz).date_naive();
    loop {
        let t = run_instant(day, at, tz);
        if t > now {
            // D = the run's local date − 1 (D9: files dated D+1 carry day D).
            return (t, day.pred_opt().unwrap_or(day));
        }
        match day.succ_opt() {
            Some(d) => day = d,
            // Only at the end of chrono's calendar; never in practice.
            None => return (t, day),
        }
    }
}

/// The activity date of today's run when its time has already passed at `now` (for the catch-up
/// after downtime), `None` before today's run time.
pub fn due_today(now: DateTime<Utc>, at: NaiveTime, tz: Tz) -> Option<NaiveDate> {
    let today = now.with_timezone(&tz).date_naive();
    (run_instant(today, at, tz) <= now)
        .then(|| today.pred_opt())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::Chicago;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").unwrap()
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn runs_at_local_time_for_yesterday() {
        // 2026-01-14 05:00 CST: today's run at 06:30 CST = 12:30 UTC, for activity date 01-13.
        let (at, date) = next_run(utc("2026-01-14T11:00:00Z"), t("06:30"), Chicago);
        assert_eq!((at, date), (utc("2026-01-14T12:30:00Z"), d("2026-01-13")));
        // Exactly at the run time the next run is tomorrow's.
        let (at, date) = next_run(utc("2026-01-14T12:30:00Z"), t("06:30"), Chicago);
        assert_eq!((at, date), (utc("2026-01-15T12:30:00Z"), d("2026-01-14")));
        // Late evening local is already the next UTC day: still the local date counts.
        let (at, date) = next_run(utc("2026-01-15T04:00:00Z"), t("06:30"), Chicago);
        assert_eq!((at, date), (utc("2026-01-15T12:30:00Z"), d("2026-01-14")));
    }

    #[test]
    fn daylight_saving_changes() {
        // Spring forward 2026-03-08: 06:30 is CDT (11:30 UTC), one hour earlier in UTC than the day before.
        let (at, date) = next_run(utc("2026-03-08T06:00:00Z"), t("06:30"), Chicago);
        assert_eq!((at, date), (utc("2026-03-08T11:30:00Z"), d("2026-03-07")));
        assert_eq!(
            run_instant(d("2026-03-07"), t("06:30"), Chicago),
            utc("2026-03-07T12:30:00Z")
        );
        // Fall back 2026-11-01: 06:30 is CST again (12:30 UTC); the day lasts 25 hours.
        let (at, date) = next_run(utc("2026-10-31T12:00:00Z"), t("06:30"), Chicago);
        assert_eq!(
            (at, date),
            (
                utc("2026-10-31T11:30:00Z") + Duration::days(1) + Duration::hours(1),
                d("2026-10-31")
            )
        );
        // 02:30 does not exist on 2026-03-08: it runs at 03:30 CDT (08:30 UTC), not skipped.
        assert_eq!(
            run_instant(d("2026-03-08"), t("02:30"), Chicago),
            utc("2026-03-08T08:30:00Z")
        );
        let (at, date) = next_run(utc("2026-03-08T07:00:00Z"), t("02:30"), Chicago);
        assert_eq!((at, date), (utc("2026-03-08T08:30:00Z"), d("2026-03-07")));
        // 01:30 happens twice on 2026-11-01: the first one (CDT, 06:30 UTC) runs, once.
        assert_eq!(
            run_instant(d("2026-11-01"), t("01:30"), Chicago),
            utc("2026-11-01T06:30:00Z")
        );
        let (at, _) = next_run(utc("2026-11-01T06:30:00Z"), t("01:30"), Chicago);
        assert_eq!(at, utc("2026-11-02T07:30:00Z"));
    }

    #[test]
    fn catch_up_only_after_todays_run_time() {
        assert_eq!(
            due_today(utc("2026-01-14T12:29:59Z"), t("06:30"), Chicago),
            None
        );
        assert_eq!(
            due_today(utc("2026-01-14T12:30:00Z"), t("06:30"), Chicago),
            Some(d("2026-01-13"))
        );
        // 23:00 CDT on 07-01 is 04:00 UTC on 07-02: local today is 07-01, D = 06-30.
        assert_eq!(
            due_today(utc("2026-07-02T04:00:00Z"), t("06:30"), Chicago),
            Some(d("2026-06-30"))
        );
    }
}
