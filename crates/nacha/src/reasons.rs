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

/// Which addenda 99 a return reason code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReturnKind {
    /// A return (every code but the two families below).
    Return,
    /// A dishonored return, sent by the ODFI against a return: `R61`, `R67`–`R70`.
    Dishonored,
    /// A contested dishonored return, sent by the RDFI against a dishonor: `R71`–`R77`.
    Contested,
}

/// The kind of return `code` (positions 4–6 of an addenda 99) makes (spec 06 §9.7: the
/// dishonored and contested families use their own layouts).
///
/// ```
/// use nacha::reasons::{return_kind, ReturnKind};
/// assert_eq!(return_kind(b"R69"), ReturnKind::Dishonored);
/// assert_eq!(return_kind(b"R73"), ReturnKind::Contested);
/// assert_eq!(return_kind(b"R01"), ReturnKind::Return);
/// ```
pub fn return_kind(code: &[u8]) -> ReturnKind {
    match std::str::from_utf8(code).ok().and_then(|c| parse(c, b'R')) {
        Some(61 | 67..=70) => ReturnKind::Dishonored,
        Some(71..=77) => ReturnKind::Contested,
        _ => ReturnKind::Return,
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
