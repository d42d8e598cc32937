//! ISO 4217 currencies, ISO 3166-1 countries and US state codes (decision D3).

use super::SchemaError;
use std::collections::HashMap;

/// Reference lists the value checks consult.
#[derive(Debug, Clone, Default)]
pub struct RefData {
    currencies: HashMap<String, u32>,
    /// Minor units by `AAA` code index (26³ slots, 255 = unknown): the lookup runs for every
    /// money cell, so it must not hash.
    minor_by_code: Vec<u8>,
    countries: Vec<String>,
    states: Vec<String>,
    /// Compliance document types (spec 03 §9.2), in file order.
    document_types: Vec<DocumentType>,
}

/// The timestamp a compliance document type requires (spec 03 §9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentTimestamp {
    /// `displayed_at`: when the document was shown to the customer.
    DisplayedAt,
    /// `consented_at`: when the customer consented.
    ConsentedAt,
}

impl DocumentTimestamp {
    /// The reference object's key.
    pub fn key(self) -> &'static str {
        match self {
            DocumentTimestamp::DisplayedAt => "displayed_at",
            DocumentTimestamp::ConsentedAt => "consented_at",
        }
    }
}

/// One row of `document_types.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentType {
    /// The `type` value, e.g. `aan`.
    pub name: String,
    /// The timestamp an object of this type must carry.
    pub requires: DocumentTimestamp,
    /// Where the row comes from.
    pub source: String,
}

fn rows<'a>((file, text): (&'a str, &'a str)) -> impl Iterator<Item = (usize, Vec<&'a str>)> + 'a {
    let _ = file;
    text.lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i + 1, l.split('|').map(str::trim).collect()))
}

/// `AAA`..`ZZZ` → 0..26³; `None` for anything else.
fn code_index(code: &str) -> Option<usize> {
    match code.as_bytes() {
        [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => Some(
            ((usize::from(a - b'A') * 26) + usize::from(b - b'A')) * 26 + usize::from(c - b'A'),
        ),
        _ => None,
    }
}

impl RefData {
    /// Parses the three pipe-delimited lists (each with a header line).
    pub fn parse(
        currencies: (&str, &str),
        countries: (&str, &str),
        states: (&str, &str),
    ) -> Result<RefData, SchemaError> {
        let mut out = RefData::default();
        for (line, f) in rows(currencies) {
            let minor = f.get(1).and_then(|m| m.parse::<u32>().ok());
            match (f.first(), minor) {
                (Some(code), Some(m)) if code_index(code).is_some() && m < 255 => {
                    out.currencies.insert(code.to_string(), m);
                }
                _ => {
                    return Err(SchemaError {
                        file: currencies.0.to_string(),
                        line,
                        message: "expected `code|minor_units|name`".into(),
                    })
                }
            }
        }
        for ((file, text), list) in [(countries, &mut out.countries), (states, &mut out.states)] {
            for (line, f) in rows((file, text)) {
                match f.first() {
                    Some(code) if code.len() == 2 => list.push(code.to_string()),
                    _ => {
                        return Err(SchemaError {
                            file: file.to_string(),
                            line,
                            message: "expected `code|name` with a two-letter code".into(),
                        })
                    }
                }
            }
            list.sort();
        }
        out.minor_by_code = vec![255; 26 * 26 * 26];
        for (code, m) in &out.currencies {
            if let Some(i) = code_index(code) {
                out.minor_by_code[i] = *m as u8;
            }
        }
        Ok(out)
    }

    /// Reads `document_types.csv` (`type|required|source`, `required` being `displayed_at` or
    /// `consented_at`), replacing any table read before.
    pub fn set_document_types(&mut self, (file, text): (&str, &str)) -> Result<(), SchemaError> {
        let mut out: Vec<DocumentType> = Vec::new();
        for (line, f) in rows((file, text)) {
            let err = |message: String| SchemaError {
                file: file.to_string(),
                line,
                message,
            };
            let requires = match f.get(1).copied() {
                Some("displayed_at") => DocumentTimestamp::DisplayedAt,
                Some("consented_at") => DocumentTimestamp::ConsentedAt,
                _ => return Err(err(
                    "expected `type|required|source`, required being displayed_at or consented_at"
                        .into(),
                )),
            };
            let (Some(name), Some(source)) = (f.first(), f.get(2)) else {
                return Err(err("expected `type|required|source`".into()));
            };
            if name.is_empty() || source.is_empty() {
                return Err(err("a type and its source are required".into()));
            }
            if out.iter().any(|t| t.name == *name) {
                return Err(err(format!("document type `{name}` is listed twice")));
            }
            out.push(DocumentType {
                name: name.to_string(),
                requires,
                source: source.to_string(),
            });
        }
        self.document_types = out;
        Ok(())
    }

    /// The compliance document types (spec 03 §9.2); empty when no table was loaded.
    pub fn document_types(&self) -> &[DocumentType] {
        &self.document_types
    }

    /// A compliance document type by its `type` value.
    pub fn document_type(&self, name: &str) -> Option<&DocumentType> {
        self.document_types.iter().find(|t| t.name == name)
    }

    /// Minor units of an active ISO 4217 code, `None` when unknown.
    pub fn minor_units(&self, code: &str) -> Option<u32> {
        let m = *self.minor_by_code.get(code_index(code)?)?;
        (m != 255).then_some(u32::from(m))
    }

    /// Whether `code` is an ISO 3166-1 alpha-2 country code.
    pub fn is_country(&self, code: &str) -> bool {
        self.countries
            .binary_search_by(|c| c.as_str().cmp(code))
            .is_ok()
    }

    /// Whether `code` is a US state or territory code.
    pub fn is_state(&self, code: &str) -> bool {
        self.states
            .binary_search_by(|c| c.as_str().cmp(code))
            .is_ok()
    }

    /// All state codes, sorted.
    pub fn state_codes(&self) -> &[String] {
        &self.states
    }
}
