//! Records "created outside files" (D8) for the ids test files name, so tests about intake are
//! not rejected by the cross-file checks (tests/crossfile.rs tests those).

use std::path::PathBuf;
use store::Partners;
use store::RegistryEntry;
use validate::rows::for_each_row;
use validate::schema::{ColumnType, Schemas};
use validate::values::visit_list;

/// `fixtures/registry.csv`: every id the valid fixtures name.
pub fn fixture_registry() -> Vec<RegistryEntry> {
    let text = std::fs::read_to_string(super::fixtures().join("../registry.csv")).unwrap();
    RegistryEntry::parse_file(&text, "2026-01-01").unwrap()
}

/// Registry entries for every id `files` name through a reference that has a registry kind.
pub fn entries_for(files: &[PathBuf]) -> Vec<RegistryEntry> {
    let schemas = Schemas::builtin().unwrap();
    let mut out = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let Ok(f) = schemas.parse_file_name(name) else {
            continue;
        };
        let Some(schema) = schemas.get(&f.file_type) else {
            continue;
        };
        let Ok(file) = std::fs::File::open(path) else {
            continue;
        };
        let _ = for_each_row(schema, file, &mut |cells| {
            for r in &schema.references {
                let (Some(kind), Some(v)) = (r.registry.first(), cells[r.column]) else {
                    continue;
                };
                let mut add = |id: &str| {
                    out.push(RegistryEntry {
                        kind: kind.clone(),
                        id: id.to_string(),
                        account_id: None,
                        created_on: "2026-01-01".into(),
                    })
                };
                if schema.columns[r.column].ty == ColumnType::List {
                    let _ = visit_list(v, &mut |i| add(i));
                } else {
                    add(v);
                }
            }
            Ok(())
        });
    }
    out
}

/// Adds `entries` to every partner of `db`.
pub fn register_everywhere(db: &store::Db, entries: &[RegistryEntry]) {
    for p in db.partners().unwrap() {
        db.registry_add(&p.name, entries).unwrap();
    }
}
