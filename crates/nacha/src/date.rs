//! Calendar dates and clock times as Nacha writes them (`YYMMDD`, `HHMM`).
//!
//! A tiny civil-date type instead of a date crate: the files only need
//! parsing, comparison and day arithmetic.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A calendar date (proleptic Gregorian). Nacha's two-digit years mean 20YY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// A string that is not a `YYYY-MM-DD` calendar date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a YYYY-MM-DD calendar date")]
pub struct BadDate(pub String);

impl Date {
    /// A date, if it exists on the calendar (years 1–9999).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        if year == 0 || year > 9999 || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        (day <= days_in_month(year, month)).then_some(Date { year, month, day })
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Parses Nacha `YYMMDD` (two-digit years are 2000–2099).
    pub fn from_yymmdd(b: &[u8]) -> Option<Date> {
        if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
        Date::new(2000 + u16::from(n(0)), n(2), n(4))
    }

    /// The Julian (day-of-year) form Nacha settlement dates use, `001`–`366`.
    ///
    /// ```
    /// let d = nacha::Date::new(2026, 2, 1).unwrap();
    /// assert_eq!(d.to_julian(), "032");
    /// ```
    pub fn to_julian(self) -> String {
        let jan1 = Date {
            year: self.year,
            month: 1,
            day: 1,
        };
        format!(
            "{:03}",
            self.days_since_epoch() - jan1.days_since_epoch() + 1
        )
    }

    /// Formats as `YYMMDD`.
    pub fn to_yymmdd(self) -> String {
        format!("{:02}{:02}{:02}", self.year % 100, self.month, self.day)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01, if within years 1–9999.
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date::new(
            u16::try_from(year).ok()?,
            u8::try_from(month).ok()?,
            u8::try_from(day).ok()?,
        )
    }

    /// The UTC calendar date of a Unix timestamp.
    pub fn from_unix_seconds(secs: i64) -> Option<Date> {
        Date::from_days_since_epoch(secs.div_euclid(86_400))
    }

    /// This date plus `days` (may be negative).
    pub fn add_days(self, days: i64) -> Option<Date> {
        Date::from_days_since_epoch(self.days_since_epoch().checked_add(days)?)
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for Date {
    type Err = BadDate;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        let ok = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        let bad = || BadDate(s.to_string());
        if !ok {
            return Err(bad());
        }
        let year = s[0..4].parse().map_err(|_| bad())?;
        let month = s[5..7].parse().map_err(|_| bad())?;
        let day = s[8..10].parse().map_err(|_| bad())?;
        Date::new(year, month, day).ok_or_else(bad)
    }
}

impl TryFrom<String> for Date {
    type Error = BadDate;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

/// A clock time `HHMM` (file creation time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    hour: u8,
    minute: u8,
}

impl Time {
    /// A time of day, if valid (00:00–23:59).
    pub fn new(hour: u8, minute: u8) -> Option<Time> {
        (hour < 24 && minute < 60).then_some(Time { hour, minute })
    }

    /// Parses `HHMM`.
    pub fn from_hhmm(b: &[u8]) -> Option<Time> {
        if b.len() != 4 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Time::new(
            (b[0] - b'0') * 10 + (b[1] - b'0'),
            (b[2] - b'0') * 10 + (b[3] - b'0'),
        )
    }

    /// Formats as `HHMM`.
    pub fn to_hhmm(self) -> String {
        format!("{:02}{:02}", self.hour, self.minute)
    }

    /// The hour, 0–23.
    pub fn hour(self) -> u8 {
        self.hour
    }

    /// The minute, 0–59.
    pub fn minute(self) -> u8 {
        self.minute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-1000i64, 0, 1, 59, 365, 10_000, 20_468, 30_000] {
            let d = Date::from_days_since_epoch(days).unwrap();
            assert_eq!(d.days_since_epoch(), days);
        }
        assert_eq!(
            Date::from_unix_seconds(1_768_497_400).unwrap().to_string(),
            "2026-01-15"
        );
        assert!(Date::from_yymmdd(b"240229").is_some());
        assert!(Date::from_yymmdd(b"250229").is_none());
        assert!(Date::from_yymmdd(b"251301").is_none());
        assert_eq!("2026-01-15".parse::<Date>().unwrap().to_yymmdd(), "260115");
        assert!("2026-1-15".parse::<Date>().is_err());
        assert!(Time::from_hhmm(b"2360").is_none());
        assert_eq!(Time::from_hhmm(b"0959").unwrap().to_hhmm(), "0959");
    }
}
