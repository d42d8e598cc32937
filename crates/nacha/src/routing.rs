//! ABA routing number check digits (spec 06 §9.12).

const WEIGHTS: [u32; 8] = [3, 7, 1, 3, 7, 1, 3, 7];

/// The check digit (9th digit) for the first 8 digits of a routing number.
///
/// Returns `None` when `first8` is not exactly 8 ASCII digits.
///
/// ```
/// assert_eq!(nacha::routing::check_digit(b"09100001"), Some(9));
/// ```
pub fn check_digit(first8: &[u8]) -> Option<u8> {
    if first8.len() != 8 || !first8.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first8
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    // The result is in 0..=9, so the narrowing cannot lose information.
    Some(((10 - sum % 10) % 10) as u8)
}

/// Whether a 9-digit routing number has a correct check digit.
///
/// ```
/// assert!(nacha::routing::is_valid("091000019"));
/// assert!(!nacha::routing::is_valid("091000018"));
/// ```
pub fn is_valid(routing: &str) -> bool {
    is_valid_bytes(routing.as_bytes())
}

/// [`is_valid`] over bytes.
pub(crate) fn is_valid_bytes(b: &[u8]) -> bool {
    b.len() == 9 && b[8].is_ascii_digit() && check_digit(&b[..8]) == Some(b[8] - b'0')
}

/// Appends the check digit to an 8-digit DFI identification (`None` if not 8 digits).
///
/// ```
/// assert_eq!(nacha::routing::with_check_digit(9100001).as_deref(), Some("091000019"));
/// ```
pub fn with_check_digit(dfi: u32) -> Option<String> {
    if dfi > 99_999_999 {
        return None;
    }
    let s = format!("{dfi:08}");
    let c = check_digit(s.as_bytes())?;
    Some(format!("{s}{c}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_routing_numbers() {
        for r in [
            "021000021",
            "011000015",
            "121000358",
            "026009593",
            "091000019",
        ] {
            assert!(is_valid(r), "{r}");
        }
        assert!(!is_valid("021000022"));
        assert!(!is_valid("02100002"));
        assert!(!is_valid("02100002x"));
        assert_eq!(check_digit(b"0210000"), None);
    }
}
