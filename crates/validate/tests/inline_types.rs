//! Column types and rules no shipped schema uses yet, on a schema written in the test
//! (decision D3: json, country, state).

use validate::schema::{parse_schema, Schemas};
use validate::{validate, Options, Report};

const SCHEMA: &str = r#"
file_type = "test"
title = "Test"
source = "decision D3"
id_column = "id"

[[columns]]
name = "id"
type = "string"
required = true
source = "test"

[[columns]]
name = "doc"
type = "json"
source = "spec 01 §15"

[[columns]]
name = "country"
type = "country"
source = "decision D3"

[[columns]]
name = "state"
type = "state"
source = "decision D3"

[[columns]]
name = "ssn"
type = "string"
sensitive = true
pattern = '[0-9]{9}'
source = "decision D7"
"#;

fn check(body: &str) -> Report {
    let builtin = Schemas::builtin().unwrap();
    let schema = parse_schema("test.toml", SCHEMA).unwrap();
    let input = format!("id|doc|country|state|ssn\n{body}");
    validate(
        &schema,
        &builtin.refdata,
        input.as_bytes(),
        &Options::default(),
        &mut |_| {},
    )
    .unwrap()
}

fn triple(r: &Report) -> Vec<(u64, String, &str)> {
    r.errors
        .iter()
        .map(|e| (e.row, e.column.clone().unwrap_or_default(), e.code))
        .collect()
}

#[test]
fn json_country_state_are_checked() {
    let r = check("a|{\"type\":\"passport\"}|US|TX|123456789\nb|{broken|USA|ZZ|\n");
    assert_eq!(
        triple(&r),
        [
            (3, "doc".into(), "type_json"),
            (3, "country".into(), "type_country"),
            (3, "state".into(), "type_state")
        ]
    );
}

#[test]
fn sensitive_values_are_masked_in_findings() {
    // decision D7: `***6789`, never the whole value.
    let r = check("a||||12345678x9\n");
    assert_eq!(triple(&r), [(2, "ssn".into(), "pattern")]);
    assert_eq!(r.errors[0].value.as_deref(), Some("***78x9"));
    assert!(!r.errors[0].message.contains("12345678x9"));
}
