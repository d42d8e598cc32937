//! Turning an accepted file's rows into stored records (D8): the current version of every
//! record, the balance history by file date, and every transaction.

use std::io::Read;
use store::Applier;
use validate::rows::for_each_row;
use validate::schema::Schema;

/// The record key: the key columns' values joined by `|` (empty for null).
pub fn record_key(schema: &Schema, cells: &[Option<&str>]) -> String {
    let parts: Vec<&str> = schema.key.iter().map(|c| cells[*c].unwrap_or("")).collect();
    parts.join("|")
}

/// A row as a JSON object by corrected column name, in column order, written straight into
/// `out` (no map, no per-cell allocation: applying rows is most of an accepted file's time).
fn to_json(schema: &Schema, cells: &[Option<&str>], out: &mut String) {
    out.clear();
    out.push('{');
    for (i, (col, v)) in schema.columns.iter().zip(cells).enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_str(&col.name, out);
        out.push(':');
        match v {
            Some(s) => json_str(s, out),
            None => out.push_str("null"),
        }
    }
    out.push('}');
}

/// Appends `s` as a JSON string (RFC 8259 escapes).
fn json_str(s: &str, out: &mut String) {
    use std::fmt::Write;
    out.push('"');
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(esc);
        }
        plain = i + 1;
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

/// Stores the current version of a record and the ids other files name it by (`ref_ids`, D8).
fn record(
    schema: &Schema,
    cells: &[Option<&str>],
    key: &str,
    json: &str,
    ap: &mut Applier,
) -> store::Result<()> {
    ap.record(&schema.file_type, key, json)?;
    for c in &schema.ref_ids {
        if let Some(id) = cells[*c] {
            ap.record_ref(&schema.file_type, id, key)?;
        }
    }
    Ok(())
}

/// A row that cannot be applied: its transaction id was applied from an earlier file.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// Row number (header = 1).
    pub row: u64,
    /// The repeated id.
    pub id: String,
}

/// Applies every row of an accepted file. Returns the rows that could not be applied; when there
/// are any the caller rolls the transaction back and rejects the file.
pub fn apply_rows<R: Read>(
    schema: &Schema,
    input: R,
    file_date: Option<&str>,
    ap: &mut Applier,
) -> store::Result<Vec<Conflict>> {
    let balance_id = schema.column_index("balance_id");
    let mut failed = None;
    let mut conflicts = Vec::new();
    let mut row = 1;
    let mut json = String::new();
    let read = for_each_row(schema, input, &mut |cells| {
        row += 1;
        to_json(schema, cells, &mut json);
        let key = record_key(schema, cells);
        let r = match (schema.file_type.as_str(), file_date) {
            ("transaction", _) => ap
                .transaction(&key, balance_id.and_then(|b| cells[b]), file_date, &json)
                .map(|applied| {
                    if !applied {
                        conflicts.push(Conflict {
                            row,
                            id: key.clone(),
                        });
                    }
                }),
            ("balance", Some(date)) => ap
                .balance(&key, date, &json)
                .and_then(|()| record(schema, cells, &key, &json, ap)),
            _ => record(schema, cells, &key, &json, ap),
        };
        r.map_err(|e| {
            failed = Some(e);
            std::io::Error::other("stopped: the store failed")
        })
    });
    if let Some(e) = failed {
        return Err(e);
    }
    read?;
    Ok(conflicts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_valid_json_with_every_escape() {
        let schemas = validate::schema::Schemas::builtin().unwrap();
        let schema = schemas.get("transaction_update").unwrap();
        let mut out = String::new();
        let tricky = "a\"b\\c\nd\te\u{1}f é|g";
        to_json(schema, &[Some(tricky), None, Some("x")], &mut out);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["transaction_id"], tricky);
        assert!(v["settlement_date"].is_null());
        assert_eq!(v["transfer_id"], "x");
        assert!(out.starts_with("{\"transaction_id\":"), "{out}");
    }
}
