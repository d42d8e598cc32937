//! File names of decision D5: `<date|batch>_<file_type>_<version>[.csv]` and
//! `<content_id>_<file_type>_<version>.ach`.

use crate::values::parse_date;
use serde::Serialize;

/// What comes before the file type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Prefix {
    /// A `YYYY-MM-DD` file date (day T; the rows describe day T−1).
    Date(String),
    /// A customer batch id (spec 02 §4.2), compared case-insensitively.
    Batch(String),
    /// A Nacha content identifier (spec 06 §1.4).
    Content(String),
}

/// A parsed file name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileName {
    /// Date, batch id or content identifier.
    pub prefix: Prefix,
    /// The canonical file type (an alias such as `beneficial_owner` is resolved).
    pub file_type: String,
    /// The file-type token as written.
    pub token: String,
    /// Version number: `v1`, `V1`, `001` and `1` are all 1; Nacha epoch seconds are kept as is.
    pub version: u64,
    /// `csv`, `ach` or none.
    pub extension: Option<String>,
}

impl FileName {
    /// The date or batch as the ledger compares it: batch ids and content ids case-insensitively
    /// (D5), so they are lower-cased.
    pub fn ledger_prefix(&self) -> String {
        match &self.prefix {
            Prefix::Date(d) => d.clone(),
            Prefix::Batch(b) | Prefix::Content(b) => b.to_lowercase(),
        }
    }

    /// Whether this is a Nacha file.
    pub fn is_ach(&self) -> bool {
        self.extension.as_deref() == Some("ach")
    }
}

/// A known file-type token: (token as written in names, canonical type, batch ids allowed).
pub type TypeToken<'a> = (&'a str, &'a str, bool);

/// The documented patterns, for error messages.
pub const PATTERNS: &str =
    "<YYYY-MM-DD>_<file_type>_<version>[.csv], <batch_id>_<customer|customer_relationship>_<version>[.csv] or <content_id>_outgoing_ach_<version>.ach";

/// Parses `name` (no directory) against the known type tokens. The error explains what is wrong.
pub fn parse(name: &str, tokens: &[TypeToken]) -> Result<FileName, String> {
    let (stem, extension) = match name.rsplit_once('.') {
        Some((s, e)) if e.eq_ignore_ascii_case("csv") => (s, Some("csv")),
        Some((s, e)) if e.eq_ignore_ascii_case("ach") => (s, Some("ach")),
        Some((_, e)) if !e.contains('_') => {
            return Err(format!("`.{e}` is not an accepted extension (use .csv, no extension, or .ach for Nacha files); expected {PATTERNS}"))
        }
        _ => (name, None),
    };
    let (rest, version) = stem
        .rsplit_once('_')
        .ok_or_else(|| format!("no `_` separated parts; expected {PATTERNS}"))?;
    let digits = version.strip_prefix(['v', 'V']).unwrap_or(version);
    let version: u64 = match digits.parse() {
        Ok(v) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && v > 0 => v,
        _ => {
            return Err(format!(
                "`{version}` is not a version (v1, V2, 001, 3); expected {PATTERNS}"
            ))
        }
    };
    let mut best: Option<(&str, &str, bool, &str)> = None;
    for (token, canonical, batch) in tokens {
        if let Some(prefix) = rest.strip_suffix(token).and_then(|p| p.strip_suffix('_')) {
            if !prefix.is_empty() && best.is_none_or(|b| token.len() > b.0.len()) {
                best = Some((token, canonical, *batch, prefix));
            }
        }
    }
    let Some((token, canonical, batch, prefix)) = best else {
        let known: Vec<&str> = tokens.iter().map(|t| t.0).collect();
        return Err(format!(
            "no known file type before the version; types: {}",
            known.join(", ")
        ));
    };
    let prefix = if extension == Some("ach") {
        Prefix::Content(prefix.to_string())
    } else if canonical == "outgoing_ach" {
        return Err(format!("Nacha files end in .ach; expected {PATTERNS}"));
    } else if parse_date(prefix).is_some() {
        Prefix::Date(prefix.to_string())
    } else if batch {
        Prefix::Batch(prefix.to_string())
    } else {
        return Err(format!(
            "`{prefix}` is not a YYYY-MM-DD date; expected {PATTERNS}"
        ));
    };
    Ok(FileName {
        prefix,
        file_type: canonical.to_string(),
        token: token.to_string(),
        version,
        extension: extension.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &[TypeToken] = &[
        ("customer", "customer", true),
        ("customer_relationship", "customer_relationship", true),
        ("beneficial_owner", "customer_relationship", true),
        ("transaction", "transaction", false),
        ("transaction_update", "transaction_update", false),
        ("outgoing_ach", "outgoing_ach", false),
    ];

    #[test]
    fn parses_the_documented_examples() {
        // spec 01 §0.3 N1, N2, N3.
        let f = parse("2026-01-27_customer_v1", T).unwrap();
        assert_eq!(
            (f.prefix, f.version, f.extension),
            (Prefix::Date("2026-01-27".into()), 1, None)
        );
        assert_eq!(parse("2026-01-27_customer_001", T).unwrap().version, 1);
        let f = parse("2024-12-25-01-batch-1_beneficial_owner_V1.csv", T).unwrap();
        assert_eq!(f.file_type, "customer_relationship");
        assert_eq!(f.prefix, Prefix::Batch("2024-12-25-01-batch-1".into()));
        let f = parse("20260115T171640Z_outgoing_ach_1768557400.ach", T).unwrap();
        assert_eq!((f.version, f.is_ach()), (1_768_557_400, true));
        assert_eq!(
            parse("2026-01-27_transaction_update_v2.csv", T)
                .unwrap()
                .file_type,
            "transaction_update"
        );
    }

    #[test]
    fn rejects_what_d5_rejects() {
        assert!(parse("2026-01-27_transaction_v1.txt", T)
            .unwrap_err()
            .contains(".txt"));
        assert!(parse("batch-1_transaction_v1.csv", T)
            .unwrap_err()
            .contains("date"));
        assert!(parse("2026-01-27_cheque_v1.csv", T)
            .unwrap_err()
            .contains("file type"));
        assert!(parse("2026-01-27_transaction_vx.csv", T)
            .unwrap_err()
            .contains("version"));
        assert!(parse("2026-01-27_transaction_v0.csv", T).is_err());
        assert!(parse("x_outgoing_ach_1.csv", T)
            .unwrap_err()
            .contains(".ach"));
    }
}
