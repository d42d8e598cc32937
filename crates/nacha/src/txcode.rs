//! Transaction codes (spec 06 §9.11).

/// What kind of entry a transaction code makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxKind {
    /// A return or NOC for a live entry or prenote (x1, x6; 56 for loans).
    ReturnOrNoc,
    /// A live entry moving money (x2, x7; 55 loan reversal debit).
    Live,
    /// A zero-dollar prenotification (x3, x8).
    Prenote,
    /// A zero-dollar entry carrying remittance data (x4, x9; CCD/CTX).
    ZeroDollarRemittance,
}

/// A decoded, known transaction code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxCode {
    /// The two-digit code.
    pub code: u8,
    /// True for the credit family (second digit 1–4), false for debits (5–9).
    pub credit: bool,
    /// Kind of entry.
    pub kind: TxKind,
}

impl TxCode {
    /// Decodes a two-digit transaction code; `None` when it is not a Nacha code.
    pub fn new(code: u8) -> Option<TxCode> {
        let account = code / 10;
        let digit = code % 10;
        if !(2..=5).contains(&account) {
            return None;
        }
        let kind = match (account, digit) {
            // Loans have no debit prenote / remittance codes; 55 is the reversal debit and 56 its return.
            (5, 5) => TxKind::Live,
            (5, 6) => TxKind::ReturnOrNoc,
            (5, 7..=9) => return None,
            (_, 1) | (_, 6) => TxKind::ReturnOrNoc,
            (_, 2) | (_, 7) => TxKind::Live,
            (_, 3) | (_, 8) => TxKind::Prenote,
            (_, 4) | (_, 9) => TxKind::ZeroDollarRemittance,
            _ => return None,
        };
        Some(TxCode {
            code,
            credit: (1..=4).contains(&digit),
            kind,
        })
    }

    /// The return/NOC code that answers this code (22 → 21, 27 → 26, 55 → 56).
    pub fn return_code(self) -> u8 {
        if self.code == 55 {
            return 56;
        }
        let account = self.code / 10 * 10;
        if self.credit {
            account + 1
        } else {
            account + 6
        }
    }

    /// Whether the amount must be zero.
    pub fn requires_zero_amount(self) -> bool {
        matches!(self.kind, TxKind::Prenote | TxKind::ZeroDollarRemittance)
    }
}

/// Whether the totals rule counts this code as a credit: `Some(true)` credit,
/// `Some(false)` debit, `None` when the second digit is 0 (no family).
pub(crate) fn family_is_credit(code: u8) -> Option<bool> {
    match code % 10 {
        1..=4 => Some(true),
        5..=9 => Some(false),
        _ => None,
    }
}

/// ADV transaction codes 81–88 (public Nacha layout, moov-io/ach `batch.go`
/// `calculateADVBatchAmounts`, spec 06 §9 source basis): odd codes are credits, even
/// codes debits (unlike the second-digit families of the other codes); `None` outside 81–88.
pub(crate) fn adv_is_credit(code: u8) -> Option<bool> {
    (81..=88).contains(&code).then_some(code % 2 == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        let known: Vec<u8> = (0..100).filter(|c| TxCode::new(*c).is_some()).collect();
        assert_eq!(
            known,
            vec![
                21, 22, 23, 24, 26, 27, 28, 29, 31, 32, 33, 34, 36, 37, 38, 39, 41, 42, 43, 44, 46,
                47, 48, 49, 51, 52, 53, 54, 55, 56
            ]
        );
        assert_eq!(TxCode::new(22).map(TxCode::return_code), Some(21));
        assert_eq!(TxCode::new(38).map(TxCode::return_code), Some(36));
        assert_eq!(TxCode::new(55).map(TxCode::return_code), Some(56));
    }

    #[test]
    fn adv_codes() {
        let credits: Vec<u8> = (0..100)
            .filter(|c| adv_is_credit(*c) == Some(true))
            .collect();
        let debits: Vec<u8> = (0..100)
            .filter(|c| adv_is_credit(*c) == Some(false))
            .collect();
        assert_eq!(credits, [81, 83, 85, 87]);
        assert_eq!(debits, [82, 84, 86, 88]);
    }
}
