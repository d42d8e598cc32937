//! Exact money arithmetic and the text forms of amounts (decision D3).
//!
//! `rust_decimal`'s `checked_add` / `checked_sub` return `None` on overflow, but when the operands'
//! scales cannot be aligned inside 96 bits they *round* the result silently (for example
//! `79228162514264337593543950 + 0.0001` gives `...950.000`). D3 forbids rounding, so [`add`] and
//! [`sub`] also refuse a result whose scale is below the larger operand scale: that is exactly
//! the case in which digits were dropped (a zero operand is the one exception: the other operand
//! comes back unchanged, scale and all).

use rust_decimal::Decimal;

use crate::error::{Error, RowError};

/// `a + b`, exactly, or [`Error::Overflow`] naming `context`.
pub fn add(a: Decimal, b: Decimal, context: impl FnOnce() -> String) -> Result<Decimal, Error> {
    exact(a.checked_add(b), a, b, context)
}

/// `a - b`, exactly, or [`Error::Overflow`] naming `context`.
pub fn sub(a: Decimal, b: Decimal, context: impl FnOnce() -> String) -> Result<Decimal, Error> {
    exact(a.checked_sub(b), a, b, context)
}

fn exact(
    result: Option<Decimal>,
    a: Decimal,
    b: Decimal,
    context: impl FnOnce() -> String,
) -> Result<Decimal, Error> {
    let scale = a.scale().max(b.scale());
    match result {
        Some(r) if r.scale() >= scale => Ok(r),
        // With a zero operand rust_decimal returns the other operand (possibly negated) as is,
        // whatever the zero's scale: exact. Widen it to the operands' scale so that
        // `0.00 + 0` prints `0.00` whichever side the zero is on (scaling up never rounds).
        Some(mut r) if a.is_zero() || b.is_zero() => {
            r.rescale(scale);
            Ok(r)
        }
        // Otherwise a scale below the operands' means digits were rounded away.
        _ => Err(Error::Overflow {
            context: context(),
            left: a.to_string(),
            right: b.to_string(),
        }),
    }
}

/// Parses a money cell: `-?[0-9]+(\.[0-9]+)?` checked lexically first (D3: `rust_decimal` alone
/// would accept `1e5`, `+1.00`, `1.` and `.5`), then converted without rounding.
pub fn parse(column: &str, value: &str) -> Result<Decimal, RowError> {
    let bad = |reason| RowError::Decimal {
        column: column.to_string(),
        value: value.to_string(),
        reason,
    };
    let digits = value.strip_prefix('-').unwrap_or(value);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return Err(bad("expected -?[0-9]+(.[0-9]+)?, decision D3"));
    }
    Decimal::from_str_exact(value).map_err(|_| bad("too many digits for an exact decimal"))
}

/// The text of an amount in bankdrop's own reports: every digit the arithmetic produced (never
/// rounded, D3), and zero without a sign.
pub fn fmt(d: Decimal) -> String {
    let mut d = d;
    if d.is_zero() {
        // A computed zero may carry a negative sign (e.g. `-0.00` given by a partner); "-0.00"
        // in a report would read as a debit.
        d.set_sign_positive(true);
    }
    d.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn refuses_silent_rounding() {
        let err = add(d("79228162514264337593543950"), d("0.0001"), || "t".into());
        assert!(matches!(err, Err(Error::Overflow { .. })));
        let err = sub(d("79228162514264337593543950"), d("0.0001"), || "t".into());
        assert!(matches!(err, Err(Error::Overflow { .. })));
        assert!(add(Decimal::MAX, d("1"), || "t".into()).is_err());
        assert_eq!(
            add(d("1.50"), d("1.250"), || "t".into())
                .unwrap()
                .to_string(),
            "2.750"
        );
        assert_eq!(
            add(d("0.00"), d("0"), || "t".into()).unwrap().to_string(),
            "0.00"
        );
        assert_eq!(
            add(d("0"), d("0.05"), || "t".into()).unwrap().to_string(),
            "0.05"
        );
        assert_eq!(
            sub(d("0"), d("0.05"), || "t".into()).unwrap().to_string(),
            "-0.05"
        );
    }

    #[test]
    fn parse_is_lexical() {
        for bad in [
            "1e5", "+1.00", "1.", ".5", "", "-", "1,000.00", "$1", " 1", "1.2.3",
        ] {
            assert!(parse("amount", bad).is_err(), "{bad}");
        }
        assert_eq!(parse("amount", "-11.500").unwrap().to_string(), "-11.500");
        assert!(parse("amount", "99999999999999999999999999999").is_err());
    }

    #[test]
    fn zero_prints_unsigned() {
        let z = sub(d("0.00"), d("0.00"), || "t".into()).unwrap();
        assert_eq!(fmt(z), "0.00");
        assert_eq!(fmt(-d("0.00")), "0.00");
    }
}
