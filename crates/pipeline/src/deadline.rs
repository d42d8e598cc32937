//! When a daily file is due (decision D9): before 06:00 America/Chicago on the first business
//! day (US Federal Reserve calendar) on or after the file's date T.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::America::Chicago;

/// The n-th `weekday` of a month (n from 1), or the last one when `n == 0`.
fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u32) -> Option<NaiveDate> {
    if n == 0 {
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        }?;
        let mut d = next - Duration::days(1);
        while d.weekday() != weekday {
            d -= Duration::days(1);
        }
        return Some(d);
    }
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n as u8)
}

/// Federal Reserve holidays observed in `year`. A holiday on Sunday is observed on Monday; one
/// on Saturday is not moved (the Fed stays open the Friday before).
pub fn fed_holidays(year: i32) -> Vec<NaiveDate> {
    let fixed = [(1, 1), (6, 19), (7, 4), (11, 11), (12, 25)];
    let mut out: Vec<NaiveDate> = fixed
        .iter()
        .filter_map(|(m, d)| NaiveDate::from_ymd_opt(year, *m, *d))
        .map(|d| {
            if d.weekday() == Weekday::Sun {
                d + Duration::days(1)
            } else {
                d
            }
        })
        .collect();
    let floating = [
        (1, Weekday::Mon, 3),  // Martin Luther King Jr. Day
        (2, Weekday::Mon, 3),  // Washington's Birthday
        (5, Weekday::Mon, 0),  // Memorial Day (last Monday)
        (9, Weekday::Mon, 1),  // Labor Day
        (10, Weekday::Mon, 2), // Columbus Day
        (11, Weekday::Thu, 4), // Thanksgiving
    ];
    out.extend(
        floating
            .iter()
            .filter_map(|(m, w, n)| nth_weekday(year, *m, *w, *n)),
    );
    out.sort();
    out
}

/// Whether `d` is a Federal Reserve business day.
pub fn is_business_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !fed_holidays(d.year()).contains(&d)
}

/// The deadline of a file dated `t`, at `hour` o'clock Chicago time (6 by D9).
pub fn deadline(t: NaiveDate, hour: u32) -> Option<DateTime<Utc>> {
    let mut d = t;
    while !is_business_day(d) {
        d = d.succ_opt()?;
    }
    let local = Chicago
        .from_local_datetime(&d.and_hms_opt(hour, 0, 0)?)
        .earliest()?;
    Some(local.with_timezone(&Utc))
}

/// The calendar day in America/Chicago at `at` (activity days are Chicago days, D9).
pub fn chicago_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Chicago).date_naive()
}

/// Whether a file dated `t` received at `at` is late.
pub fn is_late(t: NaiveDate, at: DateTime<Utc>, hour: u32) -> bool {
    deadline(t, hour).is_some_and(|d| at >= d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn holidays_of_2026() {
        let h: Vec<String> = fed_holidays(2026).iter().map(|d| d.to_string()).collect();
        assert_eq!(
            h,
            [
                "2026-01-01",
                "2026-01-19",
                "2026-02-16",
                "2026-05-25",
                "2026-06-19",
                "2026-07-04",
                "2026-09-07",
                "2026-10-12",
                "2026-11-11",
                "2026-11-26",
                "2026-12-25"
            ]
        );
    }

    #[test]
    fn friday_to_sunday_files_are_due_monday_six_chicago() {
        // spec 01 §0.4 / decision D9: a file dated Saturday 2026-01-31 is due Monday 2026-02-02 06:00 CST.
        assert_eq!(
            deadline(date("2026-01-31"), 6).unwrap().to_rfc3339(),
            "2026-02-02T12:00:00+00:00"
        );
        // Summer time: 06:00 CDT is 11:00 UTC.
        assert_eq!(
            deadline(date("2026-07-01"), 6).unwrap().to_rfc3339(),
            "2026-07-01T11:00:00+00:00"
        );
        // MLK day 2026-01-19 is not a business day.
        assert_eq!(
            deadline(date("2026-01-19"), 6).unwrap().to_rfc3339(),
            "2026-01-20T12:00:00+00:00"
        );
        let at = Utc.with_ymd_and_hms(2026, 2, 2, 12, 0, 0).unwrap();
        assert!(is_late(date("2026-01-31"), at, 6));
        assert!(!is_late(date("2026-01-31"), at - Duration::seconds(1), 6));
    }
}
