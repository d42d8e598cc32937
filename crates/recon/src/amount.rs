//! [`Amount`]: an exact decimal as integers, for the nightly run's hot loop.
//!
//! A `Decimal` operation costs tens of nanoseconds; a day of a million balances does tens of
//! millions of them. An [`Amount`] holds the same values (mantissa below 2⁹⁶, scale up to 28,
//! decision D3) as an `i128` and a scale, so adding two amounts of one scale is an integer
//! addition. Every operation gives exactly what [`crate::money`] gives on the same `Decimal`s:
//! when its operands or result leave the range where that is plainly so (an operand that cannot
//! be brought to the other's scale, a result past 2⁹⁶), it hands the operation to
//! [`crate::money`] itself, so an impossible sum is the same [`Error::Overflow`] with the same
//! context, never a different figure.

use rust_decimal::Decimal;

use crate::error::Error;
use crate::money;

/// The largest mantissa a `Decimal` holds: 2⁹⁶ − 1.
const MAX_MANTISSA: i128 = (1 << 96) - 1;
/// The largest scale a `Decimal` holds.
const MAX_SCALE: u32 = 28;

/// 10ⁿ for n ≤ 28 (10²⁸ < 2¹²⁷).
const POW10: [i128; 29] = {
    let mut t = [1i128; 29];
    let mut i = 1;
    while i < 29 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// An exact decimal amount: `mantissa × 10^-scale`, with `|mantissa| < 2⁹⁶` and `scale ≤ 28` —
/// the values a `rust_decimal::Decimal` holds, its scale included (`12.50` is 1250 at scale 2 and
/// prints `12.50`). There is no negative zero (reports print zero unsigned anyway).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Amount {
    mantissa: i128,
    scale: u32,
}

impl Amount {
    /// Zero at scale 0.
    pub const ZERO: Amount = Amount {
        mantissa: 0,
        scale: 0,
    };

    /// `mantissa × 10^-scale`; `None` outside what a `Decimal` holds (a mantissa of 2⁹⁶ or more,
    /// a scale past 28).
    #[inline(always)]
    pub fn new(mantissa: i128, scale: u32) -> Option<Amount> {
        (scale <= MAX_SCALE && mantissa.unsigned_abs() <= MAX_MANTISSA as u128)
            .then_some(Amount { mantissa, scale })
    }

    /// The mantissa.
    pub fn mantissa(self) -> i128 {
        self.mantissa
    }

    /// The scale (digits after the point).
    pub fn scale(self) -> u32 {
        self.scale
    }

    /// Whether it is zero, at any scale.
    pub fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// The same value and scale as a `Decimal`.
    pub fn to_decimal(self) -> Decimal {
        // In range by construction, so the conversion cannot fail or round.
        Decimal::from_i128_with_scale(self.mantissa, self.scale)
    }

    /// Both mantissas at the larger scale, when both stay within a `Decimal`'s mantissa.
    #[inline]
    fn aligned(self, other: Amount) -> Option<(i128, i128, u32)> {
        use std::cmp::Ordering;
        let up = |m: i128, by: u32| {
            m.checked_mul(POW10[by as usize])
                .filter(|v| v.unsigned_abs() <= MAX_MANTISSA as u128)
        };
        match self.scale.cmp(&other.scale) {
            Ordering::Equal => Some((self.mantissa, other.mantissa, self.scale)),
            Ordering::Less => Some((
                up(self.mantissa, other.scale - self.scale)?,
                other.mantissa,
                other.scale,
            )),
            Ordering::Greater => Some((
                self.mantissa,
                up(other.mantissa, self.scale - other.scale)?,
                self.scale,
            )),
        }
    }

    /// `self + other`, exactly (as [`crate::money`]'s `add`), or [`Error::Overflow`] naming
    /// `context`.
    #[inline(always)]
    pub(crate) fn add(
        self,
        other: Amount,
        context: impl FnOnce() -> String,
    ) -> Result<Amount, Error> {
        // The common cases inline: one scale (both below 2⁹⁶, so the i128 sum cannot
        // overflow), or a zero of no larger scale (a fresh total).
        if self.scale == other.scale {
            if let Some(r) = Amount::new(self.mantissa + other.mantissa, self.scale) {
                return Ok(r);
            }
        } else if self.mantissa == 0 && self.scale < other.scale {
            return Ok(other);
        } else if other.mantissa == 0 && other.scale < self.scale {
            return Ok(self);
        }
        self.add_aligned(other, context)
    }

    #[inline(never)]
    fn add_aligned(self, other: Amount, context: impl FnOnce() -> String) -> Result<Amount, Error> {
        if let Some((a, b, scale)) = self.aligned(other) {
            if let Some(r) = Amount::new(a + b, scale) {
                return Ok(r);
            }
        }
        money::add(self.to_decimal(), other.to_decimal(), context).map(Amount::from)
    }

    /// `self − other`, exactly (as [`crate::money`]'s `sub`), or [`Error::Overflow`] naming
    /// `context`.
    #[inline(always)]
    pub(crate) fn sub(
        self,
        other: Amount,
        context: impl FnOnce() -> String,
    ) -> Result<Amount, Error> {
        if self.scale == other.scale {
            if let Some(r) = Amount::new(self.mantissa - other.mantissa, self.scale) {
                return Ok(r);
            }
        } else if self.mantissa == 0 && self.scale < other.scale {
            return Ok(Amount {
                mantissa: -other.mantissa,
                scale: other.scale,
            });
        } else if other.mantissa == 0 && other.scale < self.scale {
            return Ok(self);
        }
        self.sub_aligned(other, context)
    }

    #[inline(never)]
    fn sub_aligned(self, other: Amount, context: impl FnOnce() -> String) -> Result<Amount, Error> {
        if let Some((a, b, scale)) = self.aligned(other) {
            if let Some(r) = Amount::new(a - b, scale) {
                return Ok(r);
            }
        }
        money::sub(self.to_decimal(), other.to_decimal(), context).map(Amount::from)
    }

    /// `|self| > limit` (the break test against the tolerance).
    #[inline]
    pub(crate) fn abs_exceeds(self, limit: Amount) -> bool {
        if limit.mantissa == 0 {
            return self.mantissa != 0;
        }
        match self.aligned(limit) {
            Some((a, l, _)) => a.abs() > l,
            None => self.to_decimal().abs() > limit.to_decimal(),
        }
    }

    /// Appends the text of bankdrop's own reports (as the reports print a `Decimal`: every digit of
    /// the scale, `-` for a negative amount, zero unsigned), the same bytes `Decimal`'s
    /// `Display` writes.
    #[inline]
    pub fn write_text(self, out: &mut Vec<u8>) {
        // Nearly every amount: a mantissa of u64, a text of at most 32 bytes, written in place
        // (no copy of a variable length, which costs a library call).
        if let Ok(m) = u64::try_from(self.mantissa.unsigned_abs()) {
            let digits = m.checked_ilog10().map_or(1, |l| l as usize + 1);
            let scale = self.scale as usize;
            let int = digits.saturating_sub(scale).max(1);
            let neg = usize::from(self.mantissa < 0);
            let len = neg + int + if scale > 0 { 1 + scale } else { 0 };
            if len <= 32 {
                let start = out.len();
                // '0's: the fraction's leading zeros and a lone integer zero are already there.
                out.extend_from_slice(&[b'0'; 32]);
                let text = &mut out[start..start + len];
                let mut m = m;
                let mut at = len;
                if scale > 0 {
                    let point = len - scale - 1;
                    while at - point > 2 && m > 0 {
                        at -= 2;
                        text[at..at + 2].copy_from_slice(pair(m % 100));
                        m /= 100;
                    }
                    if at - point == 2 && m > 0 {
                        text[point + 1] = b'0' + (m % 10) as u8;
                        m /= 10;
                    }
                    text[point] = b'.';
                    at = point;
                }
                while m >= 100 {
                    at -= 2;
                    text[at..at + 2].copy_from_slice(pair(m % 100));
                    m /= 100;
                }
                if m >= 10 {
                    text[at - 2..at].copy_from_slice(pair(m));
                } else if m > 0 {
                    text[at - 1] = b'0' + m as u8;
                }
                if neg == 1 {
                    text[0] = b'-';
                }
                out.truncate(start + len);
                return;
            }
        }
        self.write_text_slow(out);
    }

    /// [`Amount::write_text`] for any amount.
    fn write_text_slow(self, out: &mut Vec<u8>) {
        // Right to left into a buffer with room for the sign, 40 digits (2⁹⁶ has 29, a scale
        // of 28 may add "0." and zeros) and the point; then one copy.
        let mut buf = [0u8; TEXT_MAX];
        let mut at = TEXT_MAX;
        let mut m = self.mantissa.unsigned_abs();
        // Fraction digits still to write, and whether the point is.
        let mut frac = self.scale;
        let mut point = self.scale > 0;
        // u128 division is slow: only the digits above u64's range take it (one at a time).
        while m > u128::from(u64::MAX) {
            at -= 1;
            buf[at] = b'0' + (m % 10) as u8;
            m /= 10;
            if frac > 0 {
                frac -= 1;
                if frac == 0 {
                    at -= 1;
                    buf[at] = b'.';
                    point = false;
                }
            }
        }
        let mut m = m as u64;
        if point {
            // The rest of the fraction, its leading zeros included, two digits at a time.
            while frac >= 2 {
                at -= 2;
                buf[at..at + 2].copy_from_slice(pair(m % 100));
                m /= 100;
                frac -= 2;
            }
            if frac == 1 {
                at -= 1;
                buf[at] = b'0' + (m % 10) as u8;
                m /= 10;
            }
            at -= 1;
            buf[at] = b'.';
        }
        // The integer digits: at least one (m is 0 only if no digit was written before the
        // point, the loop above stopping with m above u64's range / 10).
        while m >= 100 {
            at -= 2;
            buf[at..at + 2].copy_from_slice(pair(m % 100));
            m /= 100;
        }
        if m >= 10 {
            at -= 2;
            buf[at..at + 2].copy_from_slice(pair(m));
        } else {
            at -= 1;
            buf[at] = b'0' + m as u8;
        }
        if self.mantissa < 0 {
            at -= 1;
            buf[at] = b'-';
        }
        out.extend_from_slice(&buf[at..]);
    }
}

/// The two digits of `v` (below 100).
#[inline(always)]
fn pair(v: u64) -> &'static [u8] {
    let i = v as usize * 2;
    &PAIRS[i..i + 2]
}

/// The longest text of an amount, and more.
const TEXT_MAX: usize = 48;

/// "00" to "99": two digits per division when printing.
const PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

impl From<Decimal> for Amount {
    fn from(d: Decimal) -> Amount {
        Amount {
            mantissa: d.mantissa(),
            scale: d.scale(),
        }
    }
}

impl From<Amount> for Decimal {
    fn from(a: Amount) -> Decimal {
        a.to_decimal()
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = Vec::with_capacity(32);
        self.write_text(&mut out);
        f.write_str(std::str::from_utf8(&out).map_err(|_| std::fmt::Error)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn a(s: &str) -> Amount {
        Amount::from(d(s))
    }

    /// The same result as `money` on Decimals: equal value and scale, or both an error.
    fn same(x: Amount, y: Amount) {
        let dx = x.to_decimal();
        let dy = y.to_decimal();
        let ours = x.add(y, || "c".into()).map(|r| (r.mantissa, r.scale));
        let theirs = money::add(dx, dy, || "c".into()).map(|r| (r.mantissa(), r.scale()));
        assert_eq!(ours.is_ok(), theirs.is_ok(), "{dx} + {dy}");
        if let (Ok(o), Ok(t)) = (ours, theirs) {
            // A Decimal zero may carry a sign; an Amount has none.
            assert_eq!(o, (t.0, t.1), "{dx} + {dy}");
        }
        let ours = x.sub(y, || "c".into()).map(|r| (r.mantissa, r.scale));
        let theirs = money::sub(dx, dy, || "c".into()).map(|r| (r.mantissa(), r.scale()));
        assert_eq!(ours.is_ok(), theirs.is_ok(), "{dx} - {dy}");
        if let (Ok(o), Ok(t)) = (ours, theirs) {
            assert_eq!(o, (t.0, t.1), "{dx} - {dy}");
        }
        let limit = Amount::from(dy.abs());
        assert_eq!(x.abs_exceeds(limit), dx.abs() > dy.abs(), "|{dx}| > |{dy}|");
    }

    #[test]
    fn sums_keep_the_larger_scale_and_refuse_rounding() {
        assert_eq!(
            a("1.50")
                .add(a("1.250"), || "t".into())
                .unwrap()
                .to_string(),
            "2.750"
        );
        assert_eq!(
            a("0.00").add(a("0"), || "t".into()).unwrap().to_string(),
            "0.00"
        );
        assert_eq!(
            a("0").sub(a("0.05"), || "t".into()).unwrap().to_string(),
            "-0.05"
        );
        let err = a("79228162514264337593543950").add(a("0.0001"), || "ctx".into());
        assert!(matches!(err, Err(Error::Overflow { ref context, .. }) if context == "ctx"));
        assert!(Amount::from(Decimal::MAX)
            .add(a("1"), || "t".into())
            .is_err());
        assert_eq!(Amount::new(1 << 96, 0), None);
        assert_eq!(Amount::new(1, 29), None);
        for (x, y) in [
            ("79228162514264337593543950335", "-1"),
            ("7922816251426433759354395033.5", "0.05"),
            ("1", "0.0000000000000000000000000001"),
            ("-0.00", "0.000"),
            ("12345678901234567890", "0.123456789"),
            ("0", "12.50"),
            ("0.000", "12.5"),
            ("0.0", "-79228162514264337593543950335"),
        ] {
            same(a(x), a(y));
            same(a(y), a(x));
        }
    }

    #[test]
    fn text_is_decimal_display() {
        for s in [
            "0",
            "0.00",
            "-0.05",
            "12.50",
            "-12.50",
            "100",
            "0.00000001",
            "-1.0000",
            "79228162514264337593543950335",
            "-7.9228162514264337593543950335",
            "18446744073709551616.5",
            "0.0000000000000000000000000001",
            "99",
            "-100.00",
            "0.10",
            "9.99",
            "18446744073709551615",
            "-1844674407370955161.6",
        ] {
            assert_eq!(a(s).to_string(), money::fmt(d(s)), "{s}");
        }
    }

    fn amount() -> impl Strategy<Value = Amount> {
        let mantissa = prop_oneof![
            -100_000i128..100_000,
            any::<i64>().prop_map(i128::from),
            (-(MAX_MANTISSA)..=MAX_MANTISSA),
        ];
        (mantissa, 0u32..=28).prop_map(|(m, s)| Amount::new(m, s).unwrap())
    }

    proptest! {
        #[test]
        fn arithmetic_is_money_arithmetic(x in amount(), y in amount()) {
            same(x, y);
        }

        #[test]
        fn text_matches_decimal(x in amount()) {
            prop_assert_eq!(x.to_string(), money::fmt(x.to_decimal()));
        }
    }
}
