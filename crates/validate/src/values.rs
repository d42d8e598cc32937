//! Lexical value checks of decision D3. Each returns the error code and a message with a hint.

use crate::report::code;
use std::cmp::Ordering;

/// A failed check: the code and a message for a person.
pub type Problem = (&'static str, String);

/// Most significant digits `rust_decimal` holds.
const MAX_DIGITS: usize = 28;

/// Checks a plain decimal `-?[0-9]+(\.[0-9]+)?` and its fractional digits.
pub fn check_decimal(
    s: &str,
    signed: bool,
    min_dec: Option<u32>,
    max_dec: u32,
) -> Result<(), Problem> {
    let b = s.as_bytes();
    let neg = b.first() == Some(&b'-');
    let body = &b[usize::from(neg)..];
    let mut int_len = 0;
    while int_len < body.len() && body[int_len].is_ascii_digit() {
        int_len += 1;
    }
    let frac_len = match body.get(int_len) {
        None => Some(0),
        Some(b'.') => {
            let frac = &body[int_len + 1..];
            (!frac.is_empty() && frac.iter().all(u8::is_ascii_digit)).then_some(frac.len())
        }
        Some(_) => None,
    };
    let Some(frac_len) = frac_len.filter(|_| int_len > 0) else {
        return Err((
            code::TYPE_DECIMAL,
            format!("not a plain decimal{}", decimal_hint(s)),
        ));
    };
    if neg && !signed {
        return Err((code::NEGATIVE, "this column may not be negative".into()));
    }
    // Leading zeros are not significant; counted only when the digits could be too many.
    if int_len + frac_len > MAX_DIGITS {
        let significant = body[..int_len].iter().skip_while(|c| **c == b'0').count() + frac_len;
        if significant > MAX_DIGITS {
            return Err((
                code::TYPE_DECIMAL,
                format!("more than {MAX_DIGITS} significant digits"),
            ));
        }
    }
    if frac_len as u32 > max_dec {
        return Err((
            code::TOO_MANY_DECIMALS,
            format!("{} decimal places, at most {max_dec} allowed", frac_len),
        ));
    }
    if let Some(min) = min_dec {
        if (frac_len as u32) < min {
            return Err((
                code::TOO_FEW_DECIMALS,
                format!(
                    "{frac_len} decimal place{}, at least {min} required",
                    if frac_len == 1 { "" } else { "s" }
                ),
            ));
        }
    }
    Ok(())
}

fn decimal_hint(s: &str) -> &'static str {
    if s.contains(['e', 'E']) {
        ": write it without an exponent (1e5 → 100000.00)"
    } else if s.starts_with('+') {
        ": leave out the plus sign"
    } else if s.contains(',') {
        ": no thousands separators, and `.` is the decimal point"
    } else if s.ends_with('.') {
        ": digits are required after the decimal point"
    } else if s.starts_with('.') || s.starts_with("-.") {
        ": a digit is required before the decimal point (0.5)"
    } else if s.contains(['$', '€', '£']) {
        ": no currency symbols"
    } else if s.contains(' ') {
        ": no spaces"
    } else {
        ""
    }
}

/// Whether two short strings are equal, compared in line: lengths first, then bytes. Enum values
/// and codes are a few bytes and most candidates differ in length; a `memcmp` call for each
/// candidate of the same length cost more than the comparison.
#[inline]
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// Checks an integer `-?[0-9]+` within i64.
pub fn check_integer(s: &str, signed: bool) -> Result<(), Problem> {
    let body = s.strip_prefix('-').unwrap_or(s);
    if body.is_empty() || !body.bytes().all(|c| c.is_ascii_digit()) || s.parse::<i64>().is_err() {
        return Err((code::TYPE_INTEGER, "not an integer within 64 bits".into()));
    }
    if s.starts_with('-') && !signed {
        return Err((code::NEGATIVE, "this column may not be negative".into()));
    }
    Ok(())
}

#[inline]
fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() {
        return None;
    }
    let mut n = 0u32;
    for c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u32::from(d);
    }
    Some(n)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD` into days since the epoch.
#[inline]
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(i64::from(y), m) {
        return None;
    }
    Some(days_from_civil(i64::from(y), m, d))
}

/// An instant in UTC: seconds since the epoch and nanoseconds.
pub type Instant = (i64, u32);

/// Parses an RFC 3339 datetime with `Z` or an offset.
pub fn parse_datetime(s: &str) -> Result<Instant, String> {
    let b = s.as_bytes();
    let hint_example = "e.g. 2026-01-27T14:05:00Z or 2026-01-27T08:05:00-06:00";
    if b.len() == 10 && parse_date(s).is_some() {
        return Err(format!(
            "a date without a time; a datetime needs a time and a zone, {hint_example}"
        ));
    }
    let bad = || format!("not an RFC 3339 datetime, {hint_example}");
    if b.len() < 19 {
        return Err(bad());
    }
    // `get`: the 10th byte may fall inside a multi-byte character.
    let days = s.get(..10).and_then(parse_date).ok_or_else(bad)?;
    if b[10] == b' ' {
        return Err(format!("use `T` between date and time, {hint_example}"));
    }
    if !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return Err(bad());
    }
    let (h, mi, se) = (
        digits(&b[11..13]).ok_or_else(bad)?,
        digits(&b[14..16]).ok_or_else(bad)?,
        digits(&b[17..19]).ok_or_else(bad)?,
    );
    if h > 23 || mi > 59 || se > 60 {
        return Err(bad());
    }
    let mut i = 19;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return Err(bad());
        }
        nanos = digits(&b[i + 1..i + 1 + n]).ok_or_else(bad)? * 10u32.pow(9 - n as u32);
        i += 1 + n;
    }
    let offset = match &b[i..] {
        [] => {
            return Err(format!(
                "the datetime has no time zone: add `Z` or an offset, {hint_example}"
            ))
        }
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
            let (oh, om) = (
                digits(&[*oh1, *oh2]).ok_or_else(bad)?,
                digits(&[*om1, *om2]).ok_or_else(bad)?,
            );
            if oh > 23 || om > 59 {
                return Err(bad());
            }
            let secs = i64::from(oh * 3600 + om * 60);
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return Err(bad()),
    };
    let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + se) - offset;
    Ok((secs, nanos))
}

/// A value that `compare` rules can order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Point {
    /// A calendar date (days since the epoch).
    Date(i64),
    /// An instant.
    Instant(Instant),
}

impl Point {
    /// Parses a date or datetime.
    pub fn parse(s: &str) -> Option<Point> {
        parse_date(s)
            .map(Point::Date)
            .or_else(|| parse_datetime(s).ok().map(Point::Instant))
    }

    /// Orders two points; a date against an instant compares the instant's UTC date
    /// (spec 04 §1.2 open question, proposed reading).
    pub fn order(self, other: Point) -> Ordering {
        match (self, other) {
            (Point::Date(a), Point::Date(b)) => a.cmp(&b),
            (Point::Instant(a), Point::Instant(b)) => a.cmp(&b),
            (Point::Date(a), Point::Instant((s, _))) => a.cmp(&s.div_euclid(86_400)),
            (Point::Instant((s, _)), Point::Date(b)) => s.div_euclid(86_400).cmp(&b),
        }
    }
}

const LIST_HINT: &str = "not a JSON array of strings, e.g. [\"cus_1\",\"cus_2\"]";

/// Visits the items of a list cell: a JSON array of strings, or the documented form without
/// brackets (`"a", "b"` with straight or curly quotes, or bare `a, b`). Returns the number of
/// items and whether the documented form was used. Plain items are visited without allocating.
pub fn visit_list(s: &str, visit: &mut dyn FnMut(&str)) -> Result<(usize, bool), Problem> {
    // Nearly every value has no space around it: the Unicode-aware trim only when it might.
    let t = match s.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        _ => s.trim(),
    };
    if t.starts_with('[') {
        return match scan_json_list(t, visit) {
            Some(Ok(n)) => Ok((n, false)),
            Some(Err(())) => Err((code::TYPE_LIST, LIST_HINT.into())),
            // Escapes inside strings: let a full JSON parser decode them.
            None => match serde_json::from_str::<Vec<String>>(t) {
                Ok(items) => {
                    items.iter().for_each(|i| visit(i));
                    Ok((items.len(), false))
                }
                Err(_) => Err((code::TYPE_LIST, LIST_HINT.into())),
            },
        };
    }
    let quotes = ['"', '\u{201c}', '\u{201d}'];
    let mut n = 0;
    for part in t.split(',') {
        let p = part.trim();
        let p = p
            .strip_prefix(quotes)
            .and_then(|x| x.strip_suffix(quotes))
            .unwrap_or(p);
        if p.is_empty() || p.contains(quotes) || p.contains(['[', ']']) {
            return Err((code::TYPE_LIST, LIST_HINT.into()));
        }
        visit(p);
        n += 1;
    }
    Ok((n, true))
}

/// Scans `[ "a" , "b" ]` without escapes. `None` when a string has an escape.
fn scan_json_list(t: &str, visit: &mut dyn FnMut(&str)) -> Option<Result<usize, ()>> {
    let b = t.as_bytes();
    let ws = |i: &mut usize| {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    let mut i = 1;
    let mut n = 0;
    ws(&mut i);
    if b.get(i) == Some(&b']') {
        i += 1;
        ws(&mut i);
        return Some(if i == b.len() { Ok(0) } else { Err(()) });
    }
    loop {
        ws(&mut i);
        if b.get(i) != Some(&b'"') {
            return Some(Err(()));
        }
        let start = i + 1;
        let len = b[start..]
            .iter()
            .position(|c| *c == b'"' || *c == b'\\' || *c < 0x20)?;
        let end = start + len;
        match b.get(end) {
            Some(b'"') => {}
            Some(b'\\') => return None,
            _ => return Some(Err(())),
        }
        visit(&t[start..end]);
        n += 1;
        i = end + 1;
        ws(&mut i);
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b']') => {
                i += 1;
                ws(&mut i);
                return Some(if i == b.len() { Ok(n) } else { Err(()) });
            }
            _ => return Some(Err(())),
        }
    }
}

/// The items of a list cell, allocated (for callers off the hot path).
pub fn parse_list(s: &str) -> Result<(Vec<String>, bool), Problem> {
    let mut items = Vec::new();
    let (_, legacy) = visit_list(s, &mut |i| items.push(i.to_string()))?;
    Ok((items, legacy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_reject_what_rust_decimal_alone_accepts() {
        // spec: decision D3 — rust_decimal parses all of these; we must not.
        for s in [
            "1e5", "+1.00", "1.", ".5", "1,000.00", "$5.00", " 1.00", "-", "",
        ] {
            let e = check_decimal(s, true, None, 8).unwrap_err();
            assert_eq!(e.0, code::TYPE_DECIMAL, "{s}");
        }
        assert!(check_decimal("1e5", true, None, 8)
            .unwrap_err()
            .1
            .contains("exponent"));
        assert!(check_decimal("+1.00", true, None, 8)
            .unwrap_err()
            .1
            .contains("plus"));
    }

    #[test]
    fn decimals_enforce_sign_and_places() {
        assert_eq!(
            check_decimal("-1.00", false, None, 8).unwrap_err().0,
            code::NEGATIVE
        );
        assert!(check_decimal("-1.00", true, None, 8).is_ok());
        // spec 05 §5.1: USD 11.50 and 11.500 valid, 11 and 11.5 not.
        assert!(check_decimal("11.50", false, Some(2), 8).is_ok());
        assert!(check_decimal("11.500", false, Some(2), 8).is_ok());
        assert_eq!(
            check_decimal("11", false, Some(2), 8).unwrap_err().0,
            code::TOO_FEW_DECIMALS
        );
        assert_eq!(
            check_decimal("11.5", false, Some(2), 8).unwrap_err().0,
            code::TOO_FEW_DECIMALS
        );
        assert_eq!(
            check_decimal("1.123456789", false, None, 8).unwrap_err().0,
            code::TOO_MANY_DECIMALS
        );
        assert_eq!(
            check_decimal(&"9".repeat(29), false, None, 8)
                .unwrap_err()
                .0,
            code::TYPE_DECIMAL
        );
        assert!(check_decimal(&format!("000{}", "9".repeat(28)), false, None, 8).is_ok());
    }

    #[test]
    fn dates_are_real_calendar_dates() {
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("2026-13-01").is_none());
        assert!(parse_date("2026-1-01").is_none());
        assert_eq!(parse_date("1970-01-02"), Some(1));
    }

    /// Found by fuzzing (`crates/validate/fuzz`, target `csv`): a multi-byte character across
    /// the 10th byte panicked on slicing instead of being a bad datetime.
    #[test]
    fn a_character_across_the_date_part_is_a_bad_datetime_not_a_panic() {
        let e = parse_datetime("2026-01-2ʯ09:19:38Z").unwrap_err();
        assert!(e.starts_with("not an RFC 3339 datetime"), "{e}");
    }

    #[test]
    fn datetimes_need_a_zone() {
        assert_eq!(parse_datetime("1970-01-01T00:00:01Z"), Ok((1, 0)));
        assert_eq!(parse_datetime("1970-01-01T01:00:00+01:00"), Ok((0, 0)));
        assert_eq!(
            parse_datetime("1970-01-01T00:00:00.5Z"),
            Ok((0, 500_000_000))
        );
        assert!(parse_datetime("2026-01-27T10:00:00")
            .unwrap_err()
            .contains("no time zone"));
        assert!(parse_datetime("2026-01-27")
            .unwrap_err()
            .contains("without a time"));
        assert!(parse_datetime("2026-01-27 10:00:00Z")
            .unwrap_err()
            .contains("`T`"));
        assert!(parse_datetime("2026-01-27T24:00:00Z").is_err());
    }

    #[test]
    fn lists_accept_json_and_warn_on_the_documented_form() {
        assert_eq!(
            parse_list(r#"["a","b"]"#).unwrap(),
            (vec!["a".into(), "b".into()], false)
        );
        assert_eq!(
            parse_list("\u{201c}a\u{201d}, \u{201c}b\u{201d}").unwrap(),
            (vec!["a".into(), "b".into()], true)
        );
        assert!(parse_list(r#""a", "b""#).unwrap().1);
        assert_eq!(parse_list("[1,2]").unwrap_err().0, code::TYPE_LIST);
        assert_eq!(parse_list("a,,b").unwrap_err().0, code::TYPE_LIST);
        assert_eq!(parse_list(r#"["a",]"#).unwrap_err().0, code::TYPE_LIST);
        assert_eq!(parse_list(r#"["a"] x"#).unwrap_err().0, code::TYPE_LIST);
        assert_eq!(parse_list(" [ ] ").unwrap(), (vec![], false));
        assert_eq!(
            parse_list(r#"["a\"b", "c"]"#).unwrap().0,
            vec!["a\"b".to_string(), "c".into()]
        );
    }

    #[test]
    fn points_compare_dates_with_instants_by_utc_date() {
        let d = Point::parse("2026-01-27").unwrap();
        let t = Point::parse("2026-01-27T23:00:00-06:00").unwrap(); // 2026-01-28 UTC
        assert_eq!(d.order(t), Ordering::Less);
    }
}
