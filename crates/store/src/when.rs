//! Dates and timestamps in typed columns. A date written `2026-01-27` is kept as its day number
//! since 1970-01-01 (an INTEGER of 2 bytes where the text takes 10) and a UTC timestamp written
//! `2026-01-27T10:30:00Z` as its seconds since the epoch (4 bytes, not 20), which SQLite's own
//! functions read: `date(file_date * 86400, 'unixepoch')`, `datetime(effective_at, 'unixepoch')`.
//! Anything not exactly in those forms (another offset, fractions of a second) stays TEXT as
//! written, so every value reads back exactly as the partner sent it.

use chrono::NaiveDate;
use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};

/// A date or timestamp as it is bound to a typed column: its number, or its text as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When<'a> {
    /// Days since 1970-01-01 (a date) or seconds since the epoch (a timestamp).
    Int(i64),
    /// A value not in the canonical form, kept as written.
    Text(&'a str),
}

impl ToSql for When<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            When::Int(v) => ToSqlOutput::from(*v),
            When::Text(t) => ToSqlOutput::from(*t),
        })
    }
}

/// A date cell (`YYYY-MM-DD`) as it is stored.
pub fn date(text: &str) -> When<'_> {
    parse_date(text.as_bytes()).map_or(When::Text(text), When::Int)
}

/// A timestamp cell (`YYYY-MM-DDTHH:MM:SSZ`) as it is stored.
pub fn instant(text: &str) -> When<'_> {
    instant_seconds(text.as_bytes()).map_or(When::Text(text), When::Int)
}

/// The text of a stored date: what [`date`] was given.
pub fn date_text(v: ValueRef) -> Option<String> {
    match v {
        ValueRef::Integer(days) => Some(day(days)?.format("%Y-%m-%d").to_string()),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        _ => None,
    }
}

/// The text of a stored timestamp: what [`instant`] was given.
pub fn instant_text(v: ValueRef) -> Option<String> {
    match v {
        ValueRef::Integer(secs) => {
            let t = chrono::DateTime::from_timestamp(secs, 0)?;
            Some(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        }
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        _ => None,
    }
}

/// 1970-01-01 and `days` after it.
fn day(days: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::TimeDelta::try_days(days)?)
}

/// The digits of the numbers in row blob cells ([`put_cell`]): base 64, ASCII, so a cell stays
/// text.
const DIGITS: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
/// Starts a cell holding seconds since the epoch.
const SECONDS: char = '!';
/// Starts a cell holding a day number.
const DAYS: char = '#';
/// Starts a cell holding text that would otherwise start like one of the two.
const ESCAPE: char = '\\';

/// The cell of a date or timestamp column in a row blob (`<column>@when`), appended to `out`: a
/// canonical timestamp is `!` and its seconds, a canonical date `#` and its day number (zigzag,
/// base 64: 7 and 4 bytes where the text takes 20 and 10); other text as written, with `\` put
/// before text starting with `!`, `#` or `\`. [`cell_text`] gives the text back.
pub fn put_cell(text: &str, out: &mut String) {
    // The length tells which form it could be: one parse, not two.
    let number = match text.len() {
        20 => instant_seconds(text.as_bytes()).map(|n| (SECONDS, n)),
        10 => parse_date(text.as_bytes()).map(|n| (DAYS, n)),
        _ => None,
    };
    let (mark, n) = match number {
        Some(found) => found,
        None => {
            if text.starts_with([SECONDS, DAYS, ESCAPE]) {
                out.push(ESCAPE);
            }
            out.push_str(text);
            return;
        }
    };
    out.push(mark);
    let mut z = ((n << 1) ^ (n >> 63)) as u64;
    loop {
        out.push(char::from(DIGITS[(z & 63) as usize]));
        z >>= 6;
        if z == 0 {
            return;
        }
    }
}

/// The text of a cell [`put_cell`] wrote; `None` if it is damaged.
pub fn cell_text(cell: &str) -> Option<String> {
    let mut chars = cell.chars();
    let mark = chars.next();
    if mark == Some(ESCAPE) {
        return Some(chars.as_str().to_string());
    }
    if mark != Some(SECONDS) && mark != Some(DAYS) {
        return Some(cell.to_string());
    }
    let digits = chars.as_str().as_bytes();
    if digits.is_empty() || digits.len() > 11 {
        return None;
    }
    let mut z: u64 = 0;
    for (i, b) in digits.iter().enumerate() {
        let d = DIGITS.iter().position(|c| c == b)? as u64;
        z |= d.checked_shl(6 * i as u32)?;
    }
    let n = ((z >> 1) as i64) ^ -((z & 1) as i64);
    if mark == Some(SECONDS) {
        instant_text(ValueRef::Integer(n))
    } else {
        date_text(ValueRef::Integer(n))
    }
}

/// The number of `n` ASCII digits at `b[at..]`.
fn digits(b: &[u8], at: usize, n: usize) -> Option<i64> {
    let mut v = 0i64;
    for &c in b.get(at..at + n)? {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

/// Days since 1970-01-01 of exactly `YYYY-MM-DD`, a real calendar date (years 1000–9999, so
/// the text has four digits both ways).
fn parse_date(b: &[u8]) -> Option<i64> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    if !(1000..=9999).contains(&y) {
        return None;
    }
    // 2026-02-30 is no date: kept as text.
    let date = NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32)?;
    Some((date - NaiveDate::from_ymd_opt(1970, 1, 1)?).num_days())
}

/// Seconds since the epoch of exactly `YYYY-MM-DDTHH:MM:SSZ`.
fn instant_seconds(b: &[u8]) -> Option<i64> {
    if b.len() != 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
        return None;
    }
    let days = parse_date(&b[..10])?;
    let (hh, mm, ss) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    // A leap second (:60) has no number of its own: kept as text.
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(w: When) -> i64 {
        match w {
            When::Int(v) => v,
            When::Text(t) => panic!("{t} kept as text"),
        }
    }

    #[test]
    fn dates_are_day_numbers_and_read_back_as_written() {
        assert_eq!(int(date("1970-01-01")), 0);
        assert_eq!(int(date("2026-01-27")), 20_480);
        assert_eq!(int(date("1969-12-31")), -1);
        // Every day of 1999–2101 (leap years, 2000 and 2100) round-trips.
        let (first, last) = (int(date("1999-01-01")), int(date("2101-12-31")));
        assert_eq!(last - first + 1, 103 * 365 + 25);
        for n in first..=last {
            let text = date_text(ValueRef::Integer(n)).unwrap();
            assert_eq!(int(date(&text)), n, "{text}");
        }
    }

    #[test]
    fn timestamps_are_seconds_and_read_back_as_written() {
        assert_eq!(int(instant("1970-01-01T00:00:00Z")), 0);
        assert_eq!(int(instant("2026-01-27T10:30:00Z")), 1_769_509_800);
        for text in [
            "2026-01-27T10:30:00Z",
            "2024-02-29T23:59:59Z",
            "1960-06-01T00:00:01Z",
        ] {
            let n = int(instant(text));
            assert_eq!(instant_text(ValueRef::Integer(n)).unwrap(), text);
        }
    }

    #[test]
    fn row_blob_cells_are_short_and_read_back_as_written() {
        for (text, len) in [
            ("2026-01-26T14:00:00Z", 7),
            ("2026-01-27", 4),
            ("1950-03-04", 4),
            ("1969-12-31T23:59:59Z", 2),
            ("2026-01-27T10:30:00+01:00", 25),
            ("!odd", 5),
            ("#2", 3),
            ("\\x", 3),
            ("", 0),
            ("plain", 5),
        ] {
            let mut cell = String::new();
            put_cell(text, &mut cell);
            assert_eq!(cell.len(), len, "{text} as {cell}");
            assert_eq!(cell_text(&cell).as_deref(), Some(text), "{cell}");
        }
        for damaged in ["!", "#", "!***", "#____________"] {
            assert_eq!(cell_text(damaged), None, "{damaged}");
        }
    }

    #[test]
    fn anything_else_stays_text() {
        for text in [
            "2026-02-30",
            "2026-13-01",
            "2026-1-27",
            "26-01-27",
            "0999-01-01",
            "2026-01-27 ",
            "２026-01-27",
        ] {
            assert_eq!(date(text), When::Text(text));
        }
        for text in [
            "2026-01-27T10:30:00+00:00",
            "2026-01-27T10:30:00.5Z",
            "2026-01-27T24:00:00Z",
            "2026-12-31T23:59:60Z",
            "2026-01-27t10:30:00Z",
            "2026-01-27",
        ] {
            assert_eq!(instant(text), When::Text(text));
        }
        assert_eq!(
            instant_text(ValueRef::Text(b"2026-01-27T10:30:00+01:00")).as_deref(),
            Some("2026-01-27T10:30:00+01:00")
        );
    }
}
