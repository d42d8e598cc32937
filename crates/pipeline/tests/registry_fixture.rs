//! `fixtures/registry.csv` registers every id the valid fixtures name through a reference with a
//! registry kind (D8), so tests about other things can ingest them. `BLESS=1` rewrites it.

use std::collections::BTreeSet;
use std::path::Path;
use validate::rows::for_each_row;
use validate::schema::{ColumnType, Schemas};
use validate::values::visit_list;

fn expected() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let schemas = Schemas::builtin().unwrap();
    let mut rows = BTreeSet::new();
    let mut files: Vec<_> = std::fs::read_dir(root.join("csv/valid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let schema = schemas
            .get(&schemas.parse_file_name(&name).unwrap().file_type)
            .unwrap();
        let file = std::fs::File::open(&path).unwrap();
        for_each_row(schema, file, &mut |cells| {
            for r in &schema.references {
                let (Some(kind), Some(v)) = (r.registry.first(), cells[r.column]) else {
                    continue;
                };
                let mut add = |id: &str| {
                    rows.insert(format!("{kind}|{id}||2026-01-27"));
                };
                if schema.columns[r.column].ty == ColumnType::List {
                    visit_list(v, &mut |i| add(i)).unwrap();
                } else {
                    add(v);
                }
            }
            Ok(())
        })
        .unwrap();
    }
    let mut out = String::from("kind|id|account_id|created_on\n");
    for r in rows {
        out.push_str(&r);
        out.push('\n');
    }
    out
}

#[test]
fn registry_fixture_names_every_registry_reference_of_the_valid_fixtures() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/registry.csv");
    let want = expected();
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let got = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        got, want,
        "fixtures/registry.csv is stale (BLESS=1 to update)"
    );
    let parsed = store::RegistryEntry::parse_file(&got, "2026-01-27").unwrap();
    assert_eq!(parsed.len(), got.lines().count() - 1);
    assert!(parsed.iter().any(|e| e.kind == "balance"));
    assert!(parsed.iter().any(|e| e.kind == "entity"));
}

#[test]
fn schemas_name_only_registry_kinds_the_store_keeps() {
    let schemas = Schemas::builtin().unwrap();
    for s in schemas.iter() {
        for r in &s.references {
            for k in &r.registry {
                assert!(
                    store::REGISTRY_KINDS.contains(&k.as_str()),
                    "{}: registry kind `{k}`",
                    s.file_type
                );
            }
        }
    }
}
