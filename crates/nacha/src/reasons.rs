//! Return reason codes (spec 06 §4.2) and change codes (spec 06 §9.10).

/// Whether `code` is a return reason code that may appear in an addenda 99:
/// `R01`–`R47`, `R50`–`R53`, `R61`, `R62`, `R67`–`R77`, `R80`–`R85` (spec 06 §4.2).
///
/// ```
/// assert!(nacha::reasons::is_return_code("R01"));
/// assert!(!nacha::reasons::is_return_code("R48"));
/// ```
pub fn is_return_code(code: &str) -> bool {
    match parse(code, b'R') {
        Some(n) => matches!(n, 1..=47 | 50..=53 | 61 | 62 | 67..=77 | 80..=85),
        None => false,
    }
}

/// Whether `code` is a change code of an addenda 98: `C01`–`C14`, `C61`–`C69`.
///
/// ```
/// assert!(nacha::reasons::is_change_code("C03"));
/// assert!(!nacha::reasons::is_change_code("C15"));
/// ```
pub fn is_change_code(code: &str) -> bool {
    match parse(code, b'C') {
        Some(n) => matches!(n, 1..=14 | 61..=69),
        None => false,
    }
}

/// Whether a return code carries a date of death (R14, R15).
pub(crate) fn has_date_of_death(code: &[u8]) -> bool {
    code == b"R14" || code == b"R15"
}

fn parse(code: &str, letter: u8) -> Option<u8> {
    let b = code.as_bytes();
    if b.len() != 3 || b[0] != letter || !b[1].is_ascii_digit() || !b[2].is_ascii_digit() {
        return None;
    }
    Some((b[1] - b'0') * 10 + (b[2] - b'0'))
}
