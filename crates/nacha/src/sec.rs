//! Standard Entry Class codes (spec 06 §2.1) and what each one permits.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A Standard Entry Class code (batch header positions 51–53).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum SecCode {
    /// Acknowledgment of a CCD entry.
    Ack,
    /// Automated accounting advice.
    Adv,
    /// Accounts receivable check conversion.
    Arc,
    /// Acknowledgment of a CTX entry.
    Atx,
    /// Back office conversion.
    Boc,
    /// Corporate credit or debit.
    Ccd,
    /// Customer-initiated entry.
    Cie,
    /// Notification of change / refused NOC.
    Cor,
    /// Corporate trade exchange.
    Ctx,
    /// Death notification entry.
    Dne,
    /// Automated enrollment entry.
    Enr,
    /// International ACH transaction.
    Iat,
    /// Machine transfer entry.
    Mte,
    /// Point-of-purchase check conversion.
    Pop,
    /// Point-of-sale entry.
    Pos,
    /// Prearranged payment and deposit.
    Ppd,
    /// Re-presented check entry.
    Rck,
    /// Shared network transaction.
    Shr,
    /// Telephone-initiated entry.
    Tel,
    /// Truncated entry.
    Trc,
    /// Truncated entries exchange.
    Trx,
    /// Internet-initiated / mobile entry.
    Web,
    /// Destroyed check entry.
    Xck,
}

/// Which side of the ledger a SEC code may carry (ignoring returns and NOCs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Debits and credits.
    Both,
    /// Debit-family codes only.
    DebitOnly,
    /// Credit-family codes only.
    CreditOnly,
}

impl SecCode {
    /// Every SEC code, in alphabetical order.
    pub const ALL: [SecCode; 23] = [
        SecCode::Ack,
        SecCode::Adv,
        SecCode::Arc,
        SecCode::Atx,
        SecCode::Boc,
        SecCode::Ccd,
        SecCode::Cie,
        SecCode::Cor,
        SecCode::Ctx,
        SecCode::Dne,
        SecCode::Enr,
        SecCode::Iat,
        SecCode::Mte,
        SecCode::Pop,
        SecCode::Pos,
        SecCode::Ppd,
        SecCode::Rck,
        SecCode::Shr,
        SecCode::Tel,
        SecCode::Trc,
        SecCode::Trx,
        SecCode::Web,
        SecCode::Xck,
    ];

    /// The program default of decision D10: `CCD PPD WEB TEL`.
    pub const DEFAULT_ALLOWED: [SecCode; 4] =
        [SecCode::Ccd, SecCode::Ppd, SecCode::Web, SecCode::Tel];

    /// The three-letter code as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            SecCode::Ack => "ACK",
            SecCode::Adv => "ADV",
            SecCode::Arc => "ARC",
            SecCode::Atx => "ATX",
            SecCode::Boc => "BOC",
            SecCode::Ccd => "CCD",
            SecCode::Cie => "CIE",
            SecCode::Cor => "COR",
            SecCode::Ctx => "CTX",
            SecCode::Dne => "DNE",
            SecCode::Enr => "ENR",
            SecCode::Iat => "IAT",
            SecCode::Mte => "MTE",
            SecCode::Pop => "POP",
            SecCode::Pos => "POS",
            SecCode::Ppd => "PPD",
            SecCode::Rck => "RCK",
            SecCode::Shr => "SHR",
            SecCode::Tel => "TEL",
            SecCode::Trc => "TRC",
            SecCode::Trx => "TRX",
            SecCode::Web => "WEB",
            SecCode::Xck => "XCK",
        }
    }

    /// Parses the three bytes of the batch header field.
    pub fn from_bytes(b: &[u8]) -> Option<SecCode> {
        SecCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().as_bytes() == b)
    }

    /// Maximum number of `05` addenda per entry, `None` when `05` is not allowed.
    pub(crate) fn max_addenda_05(self) -> Option<u32> {
        match self {
            SecCode::Ccd | SecCode::Ppd | SecCode::Web | SecCode::Cie | SecCode::Ack => Some(1),
            SecCode::Dne | SecCode::Trc => Some(1),
            SecCode::Ctx | SecCode::Atx | SecCode::Enr | SecCode::Trx => Some(9999),
            _ => None,
        }
    }

    /// Whether an entry states its number of addenda (positions 55–58 of the entry detail).
    pub(crate) fn states_addenda_count(self) -> bool {
        matches!(
            self,
            SecCode::Ctx | SecCode::Atx | SecCode::Enr | SecCode::Trx
        )
    }

    /// Whether addenda `02` (point-of-sale terminal data) belongs to this SEC code.
    pub(crate) fn allows_addenda_02(self) -> bool {
        matches!(self, SecCode::Pos | SecCode::Shr | SecCode::Mte)
    }

    /// Debit/credit restriction of the SEC code (Nacha Operating Rules).
    pub(crate) fn direction(self) -> Direction {
        match self {
            // Consumer debits authorised by phone or via a converted check.
            SecCode::Tel
            | SecCode::Arc
            | SecCode::Boc
            | SecCode::Pop
            | SecCode::Rck
            | SecCode::Xck
            | SecCode::Trc
            | SecCode::Trx => Direction::DebitOnly,
            // A consumer pushes money to a biller.
            SecCode::Cie => Direction::CreditOnly,
            _ => Direction::Both,
        }
    }

    /// Whether zero-dollar remittance codes (x4/x9) are allowed.
    pub(crate) fn allows_zero_dollar_remittance(self) -> bool {
        matches!(
            self,
            SecCode::Ccd | SecCode::Ctx | SecCode::Ack | SecCode::Atx | SecCode::Iat
        )
    }
}

impl fmt::Display for SecCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not a SEC code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown SEC code `{0}`")]
pub struct UnknownSecCode(pub String);

impl FromStr for SecCode {
    type Err = UnknownSecCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SecCode::from_bytes(s.trim().to_ascii_uppercase().as_bytes())
            .ok_or_else(|| UnknownSecCode(s.to_string()))
    }
}

impl TryFrom<String> for SecCode {
    type Error = UnknownSecCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<SecCode> for String {
    fn from(c: SecCode) -> String {
        c.as_str().to_string()
    }
}
