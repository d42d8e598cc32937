//! Compliance document references (spec 03 §9, spec 01 §15): the value of a `json` column with
//! `shape = "document_references"` is a JSON array of objects with the keys `document_id`,
//! `type`, `displayed_at`, `consented_at` and `version`; each type requires one of the two
//! timestamps (`schemas/document_types.csv`). Whether `document_id` names a received document is
//! a cross-file check (the pipeline's).

use crate::report::code;
use crate::schema::RefData;
use crate::values::{parse_datetime, Problem};
use serde_json::{Map, Value};

/// The keys a reference object may have (spec 03 §9.1).
pub const KEYS: [&str; 5] = [
    "document_id",
    "type",
    "displayed_at",
    "consented_at",
    "version",
];

/// Every problem of a document reference cell, in object and key order; empty when it is valid.
/// Messages name the object by its index and key (`documents[1].type`, for column `column`).
pub fn check(column: &str, v: &str, refdata: &RefData) -> Vec<Problem> {
    let value: Value = match serde_json::from_str(v) {
        Ok(value) => value,
        Err(e) => return vec![(code::TYPE_JSON, format!("not JSON: {e}"))],
    };
    let Value::Array(items) = value else {
        let m = "expected a JSON array of document reference objects, e.g. \
                 [{\"document_id\":\"id.pdf\",\"type\":\"aan\",\"displayed_at\":\"2026-01-27T09:30:00Z\"}]";
        return vec![(code::DOCUMENT_REFERENCE, m.into())];
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{column}[{i}]");
        match item {
            Value::Object(o) => check_object(&at, o, refdata, &mut out),
            _ => out.push((
                code::DOCUMENT_REFERENCE,
                format!("{at}: expected an object with the keys {}", KEYS.join(", ")),
            )),
        }
    }
    out
}

fn check_object(at: &str, o: &Map<String, Value>, refdata: &RefData, out: &mut Vec<Problem>) {
    for k in o.keys() {
        if !KEYS.contains(&k.as_str()) {
            out.push((
                code::DOCUMENT_REFERENCE,
                format!("{at}: unknown key `{k}`; the keys are {}", KEYS.join(", ")),
            ));
        }
    }
    // A key given as JSON null counts as absent, like an empty cell (D2).
    let text = |k: &str, out: &mut Vec<Problem>| -> Option<String> {
        match o.get(k) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                out.push((
                    code::DOCUMENT_REFERENCE,
                    format!("{at}.{k}: expected a string"),
                ));
                None
            }
        }
    };
    match text("document_id", out) {
        None if !matches!(o.get("document_id"), Some(v) if !v.is_null()) => out.push((
            code::REQUIRED,
            format!("{at}.document_id is required: the file name of a document sent to documents/"),
        )),
        Some(id) if id.is_empty() => out.push((
            code::REQUIRED,
            format!("{at}.document_id is empty: the file name of a document sent to documents/"),
        )),
        _ => {}
    }
    let ty = text("type", out);
    if ty.is_none() && !matches!(o.get("type"), Some(v) if !v.is_null()) {
        out.push((code::REQUIRED, format!("{at}.type is required")));
    }
    let mut times = Vec::new();
    for key in ["displayed_at", "consented_at"] {
        if let Some(t) = text(key, out) {
            if let Err(m) = parse_datetime(&t) {
                out.push((code::TYPE_DATETIME, format!("{at}.{key}: {m}")));
            }
            times.push(key);
        }
    }
    text("version", out);
    let Some(ty) = ty else {
        return;
    };
    match refdata.document_type(&ty) {
        None => {
            let names: Vec<&str> = refdata
                .document_types()
                .iter()
                .map(|t| t.name.as_str())
                .collect();
            out.push((
                code::ENUM,
                format!(
                    "{at}.type: `{ty}` is not a document type ({})",
                    names.join(", ")
                ),
            ));
        }
        Some(t) if !times.contains(&t.requires.key()) => {
            let key = t.requires.key();
            out.push((
                code::CONDITIONAL_REQUIRED,
                format!(
                    "{at}.{key} is required for type `{ty}` ({}): an RFC 3339 datetime",
                    t.source
                ),
            ));
        }
        Some(_) => {}
    }
}

/// The `document_id` of every reference object of a valid cell, in order.
pub fn document_ids(v: &str) -> Vec<String> {
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(v) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| i.get("document_id")?.as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schemas;

    fn codes(v: &str) -> Vec<(&'static str, String)> {
        let s = Schemas::builtin().unwrap();
        check("documents", v, &s.refdata)
    }

    #[test]
    fn valid_references_pass() {
        let v = r#"[{"document_id":"a.pdf","type":"aan","displayed_at":"2026-01-27T09:30:00Z","version":"v1"},
                    {"document_id":"b.png","type":"esign_agreement","consented_at":"2026-01-27T09:30:00-06:00"}]"#;
        assert_eq!(codes(v), vec![]);
        assert_eq!(codes("[]"), vec![]);
        assert_eq!(document_ids(v), ["a.pdf", "b.png"]);
    }

    #[test]
    fn each_problem_names_its_object_and_key() {
        let got = codes(
            r#"[{"document_id":"a.pdf","type":"aan"},{"type":"esign_agreement","displayed_at":"x","colour":1},5]"#,
        );
        let c: Vec<&str> = got.iter().map(|p| p.0).collect();
        assert_eq!(
            c,
            [
                "conditional_required",
                "document_reference",
                "required",
                "type_datetime",
                "conditional_required",
                "document_reference"
            ],
            "{got:?}"
        );
        assert!(got[0]
            .1
            .starts_with("documents[0].displayed_at is required for type `aan`"));
        assert!(got[1].1.contains("documents[1]: unknown key `colour`"));
        assert!(got[4]
            .1
            .starts_with("documents[1].consented_at is required"));
        assert!(got[5].1.starts_with("documents[2]: expected an object"));
        let bad = codes(
            r#"[{"document_id":"a.pdf","type":"poster","displayed_at":"2026-01-27T09:30:00Z"}]"#,
        );
        assert_eq!(bad[0].0, "enum");
        assert!(bad[0].1.contains("`poster` is not a document type (aan, "));
        assert_eq!(
            codes(r#"{"document_id":"a.pdf"}"#)[0].0,
            "document_reference"
        );
        assert_eq!(codes("{broken")[0].0, "type_json");
    }
}
