//! Program policy: what a partner's program may originate (decision D10).

use serde::{Deserialize, Serialize};

use crate::{Date, SecCode};

/// Per-program rules on top of the Nacha format.
///
/// Deserializable so it can live in a TOML config section:
///
/// ```
/// let p: nacha::Policy = toml::from_str(r#"
///     allowed_sec_codes = ["PPD", "CCD", "CIE"]
///     same_day_allowed = false
///     max_file_amount = 10000000
///     today = "2026-01-15"
/// "#).unwrap();
/// assert!(p.allows(nacha::SecCode::Cie));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// SEC codes the program may originate (default `CCD PPD WEB TEL`, spec 06 §2.1).
    pub allowed_sec_codes: Vec<SecCode>,
    /// Lift the SEC restriction: any well-formed file passes (`--sec-codes all`).
    pub all_sec_codes: bool,
    /// Whether a batch may have today's date as its effective entry date.
    /// Only checked when `today` is set.
    pub same_day_allowed: bool,
    /// Largest allowed sum of all entry amounts in a file (debits plus credits), in cents.
    pub max_file_amount: Option<u64>,
    /// The processing date; enables the effective-date checks. `None` skips them.
    pub today: Option<Date>,
    /// How many days before `today` an effective entry date may lie (0: not in the past).
    pub max_effective_date_age_days: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allowed_sec_codes: SecCode::DEFAULT_ALLOWED.to_vec(),
            all_sec_codes: false,
            same_day_allowed: true,
            max_file_amount: None,
            today: None,
            max_effective_date_age_days: 0,
        }
    }
}

impl Policy {
    /// A policy that allows every SEC code and sets no limits (`--sec-codes all`).
    pub fn permissive() -> Self {
        Policy {
            all_sec_codes: true,
            ..Policy::default()
        }
    }

    /// Whether the program may use this SEC code.
    pub fn allows(&self, sec: SecCode) -> bool {
        self.all_sec_codes || self.allowed_sec_codes.contains(&sec)
    }
}
