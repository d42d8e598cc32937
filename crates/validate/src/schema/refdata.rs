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
