//! Turning an accepted file's rows into stored records (D8): the current version of every
//! record, the balance history by file date, and every transaction.

use serde_json::{Map, Value};
use std::io::Read;
use store::Applier;
use validate::rows::for_each_row;
use validate::schema::Schema;

/// The record key: the key columns' values joined by `|` (empty for null).
pub fn record_key(schema: &Schema, cells: &[Option<&str>]) -> String {
    let parts: Vec<&str> = schema.key.iter().map(|c| cells[*c].unwrap_or("")).collect();
    parts.join("|")
}

/// A row as a JSON object by corrected column name.
fn to_json(schema: &Schema, cells: &[Option<&str>]) -> String {
    let mut m = Map::with_capacity(cells.len());
    for (col, v) in schema.columns.iter().zip(cells) {
        m.insert(
            col.name.clone(),
            v.map_or(Value::Null, |s| Value::String(s.to_string())),
        );
    }
    Value::Object(m).to_string()
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
    let read = for_each_row(schema, input, &mut |cells| {
        row += 1;
        let json = to_json(schema, cells);
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
