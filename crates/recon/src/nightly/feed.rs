//! Store rows into the iterator-taking reconciliation: page by page from a [`Reader`] snapshot on
//! the calling thread (no hand-off between threads), parsed where they are used, stopping at the
//! first bad row and keeping its error for the caller.

use std::cell::RefCell;
use std::collections::VecDeque;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};
use store::{Page, Reader};

use super::NightlyError;
use crate::model::Cells;

/// Rows fetched per query: small enough to bound memory, big enough that a page costs little.
const PAGE: usize = 4096;

/// Where an iterator leaves the first error it met (it then ends).
pub(crate) type Failed = RefCell<Option<NightlyError>>;

/// Rows `(key, json)` of one keyed query, fetched a page at a time after the last key.
pub(crate) fn pages<'a>(
    fetch: impl Fn(&str, usize) -> store::Result<Page> + 'a,
    failed: &'a Failed,
) -> impl Iterator<Item = (String, String)> + 'a {
    let mut buf: VecDeque<(String, String)> = VecDeque::new();
    let mut after = String::new();
    let mut done = false;
    std::iter::from_fn(move || {
        if buf.is_empty() && !done {
            match fetch(&after, PAGE) {
                Ok(page) => {
                    done = page.len() < PAGE;
                    if let Some((k, _)) = page.last() {
                        after.clone_from(k);
                    }
                    buf.extend(page);
                }
                Err(e) => {
                    failed.borrow_mut().get_or_insert(e.into());
                    done = true;
                }
            }
        }
        buf.pop_front()
    })
}

/// Converts rows, ending at the first one that does not convert (its error kept in `failed`).
pub(crate) fn convert<'a, T>(
    rows: impl Iterator<Item = (String, String)> + 'a,
    each: impl Fn(&str, &JsonCells) -> Result<T, NightlyError> + 'a,
    failed: &'a Failed,
) -> impl Iterator<Item = T> + 'a {
    rows.map_while(move |(key, data)| {
        if failed.borrow().is_some() {
            return None;
        }
        match JsonCells::parse(&key, &data).and_then(|c| each(&key, &c)) {
            Ok(t) => Some(t),
            Err(e) => {
                failed.borrow_mut().get_or_insert(e);
                None
            }
        }
    })
}

/// The balances of `partner`'s balance file dated `file_date` from a snapshot.
pub(crate) fn balance_pages<'a>(
    reader: &'a Reader,
    partner: &'a str,
    file_date: &'a str,
    failed: &'a Failed,
) -> impl Iterator<Item = (String, String)> + 'a {
    pages(
        move |after, n| reader.balances_page(partner, file_date, after, n),
        failed,
    )
}

/// A stored row (a JSON object of strings or nulls by column name) as [`Cells`], borrowing the
/// stored text where it can: one small vector a row instead of a `String` and a `Value` a cell.
pub(crate) enum JsonCells<'a> {
    /// No escapes in the row: cells point into the stored text.
    Borrowed(Vec<(&'a str, Option<&'a str>)>),
    /// A value with escapes (`\"`, `\u00e9`): decoded.
    Owned(Map<String, Value>),
}

impl<'a> JsonCells<'a> {
    /// Parses a stored row.
    pub(crate) fn parse(key: &str, data: &'a str) -> Result<JsonCells<'a>, NightlyError> {
        if let Ok(Pairs(p)) = serde_json::from_str::<Pairs<'a>>(data) {
            return Ok(JsonCells::Borrowed(p));
        }
        match serde_json::from_str(data) {
            Ok(Value::Object(m)) => Ok(JsonCells::Owned(m)),
            Ok(_) => Err(NightlyError::StoredRow {
                key: key.to_string(),
                message: "not a JSON object".into(),
            }),
            Err(e) => Err(NightlyError::StoredRow {
                key: key.to_string(),
                message: e.to_string(),
            }),
        }
    }
}

impl Cells for JsonCells<'_> {
    fn cell(&self, column: &str) -> Option<&str> {
        // A JSON null is D2's null: no value.
        match self {
            // About twenty columns: a scan beats hashing each name.
            JsonCells::Borrowed(p) => p.iter().find(|(k, _)| *k == column).and_then(|(_, v)| *v),
            JsonCells::Owned(m) => m.get(column).and_then(Value::as_str),
        }
    }
}

/// A JSON object of strings or nulls, borrowed from the text (fails on escapes).
struct Pairs<'a>(Vec<(&'a str, Option<&'a str>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Pairs<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pairs<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of strings or nulls")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Pairs<'de>, A::Error> {
                let mut out = Vec::with_capacity(m.size_hint().unwrap_or(24));
                while let Some(k) = m.next_key::<&'de str>()? {
                    out.push((k, m.next_value::<Option<&'de str>>()?));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_with_and_without_escapes_read_the_same() {
        let plain = JsonCells::parse("k", r#"{"a":"x","b":null}"#).unwrap();
        assert!(matches!(plain, JsonCells::Borrowed(_)));
        assert_eq!(
            (plain.cell("a"), plain.cell("b"), plain.cell("c")),
            (Some("x"), None, None)
        );
        let escaped = JsonCells::parse("k", r#"{"a":"caf\u00e9 \"x\"","b":null}"#).unwrap();
        assert!(matches!(escaped, JsonCells::Owned(_)));
        assert_eq!(escaped.cell("a"), Some("café \"x\""));
        assert_eq!(escaped.cell("b"), None);
        assert!(JsonCells::parse("k", "[1]").is_err());
        assert!(JsonCells::parse("k", "{").is_err());
    }

    #[test]
    fn pages_follow_the_last_key_and_stop_at_a_short_page() {
        let keys: Vec<String> = (0..PAGE * 2 + 3).map(|i| format!("k{i:06}")).collect();
        let calls = RefCell::new(0);
        let failed = Failed::default();
        let got: Vec<String> = pages(
            |after, n| {
                *calls.borrow_mut() += 1;
                Ok(keys
                    .iter()
                    .filter(|k| k.as_str() > after)
                    .take(n)
                    .map(|k| (k.clone(), "{}".to_string()))
                    .collect())
            },
            &failed,
        )
        .map(|(k, _)| k)
        .collect();
        assert_eq!(got, keys);
        assert_eq!(*calls.borrow(), 3);
        assert!(failed.borrow().is_none());
    }

    #[test]
    fn the_first_bad_row_ends_the_rows_and_is_kept() {
        let failed = Failed::default();
        let rows = vec![
            ("a".to_string(), r#"{"x":"1"}"#.to_string()),
            ("b".to_string(), "[]".to_string()),
            ("c".to_string(), r#"{"x":"3"}"#.to_string()),
        ];
        let got: Vec<String> = convert(
            rows.into_iter(),
            |_, c| Ok(c.cell("x").unwrap_or_default().to_string()),
            &failed,
        )
        .collect();
        assert_eq!(got, ["1"]);
        assert!(
            matches!(&*failed.borrow(), Some(NightlyError::StoredRow { key, .. }) if key == "b")
        );
    }
}
