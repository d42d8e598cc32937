//! Partner file schemas as data: the model, the loader and the reference lists.

mod builtin;
mod load;
mod model;
mod refdata;
pub mod types;

pub use builtin::BUILTIN;
pub use load::{parse_schema, SchemaError, DEFAULT_MAX_DECIMALS};
pub use model::*;
pub use refdata::{DocumentTimestamp, DocumentType, RefData};

use std::collections::BTreeMap;
use std::path::Path;

/// Every known file type plus the reference lists, loaded and checked once at start-up.
#[derive(Debug, Clone)]
pub struct Schemas {
    by_type: BTreeMap<String, Schema>,
    /// Currencies, countries and US states.
    pub refdata: RefData,
}

/// Names of the reference-list files inside a schema directory.
pub const REFDATA_FILES: [&str; 3] = ["currencies.csv", "countries.csv", "us_states.csv"];

/// The compliance document types (spec 03 §9.2): needed only when a column has
/// `shape = "document_references"`.
pub const DOCUMENT_TYPES_FILE: &str = "document_types.csv";

impl Schemas {
    /// Loads every `*.toml` of `dir` and its reference lists.
    pub fn load_dir(dir: &Path) -> Result<Schemas, SchemaError> {
        let io = |file: &Path, e: std::io::Error| SchemaError {
            file: file.display().to_string(),
            line: 0,
            message: e.to_string(),
        };
        let mut files = Vec::new();
        let entries = std::fs::read_dir(dir).map_err(|e| io(dir, e))?;
        for entry in entries {
            let path = entry.map_err(|e| io(dir, e))?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_string();
            if name.ends_with(".toml")
                || name == DOCUMENT_TYPES_FILE
                || REFDATA_FILES.contains(&name.as_str())
            {
                let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
                files.push((name, text));
            }
        }
        Self::from_sources(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
    }

    /// Builds the set from `(file name, text)` pairs: `*.toml` schemas and the reference lists.
    pub fn from_sources<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Schemas, SchemaError> {
        let mut by_type = BTreeMap::new();
        let mut refs: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
        let mut document_types = None;
        for (name, text) in files {
            if name == DOCUMENT_TYPES_FILE {
                document_types = Some((name, text));
            } else if name.ends_with(".toml") {
                let s = parse_schema(name, text)?;
                by_type.insert(s.file_type.clone(), s);
            } else if let Some(r) = REFDATA_FILES.iter().find(|r| **r == name) {
                refs.insert(r, (name, text));
            }
        }
        let get = |n: &str| {
            refs.get(n).copied().ok_or_else(|| SchemaError {
                file: n.to_string(),
                line: 0,
                message: "reference list missing from the schema directory".into(),
            })
        };
        check_references(&by_type)?;
        mark_state_targets(&mut by_type);
        let mut refdata = RefData::parse(
            get("currencies.csv")?,
            get("countries.csv")?,
            get("us_states.csv")?,
        )?;
        match document_types {
            Some(t) => refdata.set_document_types(t)?,
            None => {
                let needs = by_type.values().find(|s| {
                    s.columns
                        .iter()
                        .any(|c| c.shape == Some(JsonShape::DocumentReferences))
                });
                if let Some(s) = needs {
                    return Err(SchemaError {
                        file: DOCUMENT_TYPES_FILE.to_string(),
                        line: 0,
                        message: format!(
                            "missing from the schema directory; `{}.toml` has document references",
                            s.file_type
                        ),
                    });
                }
            }
        }
        Ok(Schemas { by_type, refdata })
    }

    /// The schema of a file type, by its token or an alias (`beneficial_owner`).
    pub fn get(&self, token: &str) -> Option<&Schema> {
        self.by_type.get(token).or_else(|| {
            self.by_type
                .values()
                .find(|s| s.name_aliases.iter().any(|a| a == token))
        })
    }

    /// Parses a file name (D5) against every schema's type and aliases, and the Nacha type
    /// `outgoing_ach`.
    pub fn parse_file_name(&self, name: &str) -> Result<crate::filename::FileName, String> {
        let mut tokens: Vec<crate::filename::TypeToken> = Vec::new();
        for s in self.by_type.values() {
            for t in std::iter::once(&s.file_type).chain(&s.name_aliases) {
                tokens.push((t, &s.file_type, s.batch_names));
            }
        }
        tokens.push(("outgoing_ach", "outgoing_ach", false));
        crate::filename::parse(name, &tokens)
    }

    /// All schemas, by file type.
    pub fn iter(&self) -> impl Iterator<Item = &Schema> {
        self.by_type.values()
    }
}

/// Marks each `[[target_state]]` rule testing the state column of a type whose records are
/// named by their key alone ([`TargetState::target_is_state`]).
fn mark_state_targets(by_type: &mut BTreeMap<String, Schema>) {
    let by_state: BTreeMap<String, String> = by_type
        .iter()
        .filter(|(_, s)| s.key.len() == 1 && s.ref_ids == s.key)
        .filter_map(|(t, s)| Some((t.clone(), s.columns[s.state_column?].name.clone())))
        .collect();
    for s in by_type.values_mut() {
        for t in &mut s.target_states {
            let last = t.via.as_ref().map_or(&t.to, |v| &v.to);
            t.target_is_state = by_state.get(last) == Some(&t.target_column);
        }
    }
}

/// Every reference names known file types, and a `target_is` column exists in each of them;
/// every membership names a known type and list columns it has.
fn check_references(by_type: &BTreeMap<String, Schema>) -> Result<(), SchemaError> {
    for s in by_type.values() {
        for m in &s.memberships {
            let err = |message: String| SchemaError {
                file: format!("{}.toml", s.file_type),
                line: 0,
                message: format!("membership of `{}`: {message}", s.columns[m.column].name),
            };
            let Some(target) = by_type.get(&m.to) else {
                return Err(err(format!("unknown file type `{}`", m.to)));
            };
            for l in &m.lists {
                let ok = target
                    .column_index(l)
                    .is_some_and(|c| target.columns[c].ty == ColumnType::List);
                if !ok {
                    return Err(err(format!("`{}` has no list column `{l}`", m.to)));
                }
            }
            if let Some(p) = &m.pairs {
                if by_type.get(p).is_none_or(|t| t.key.len() != 2) {
                    return Err(err(format!("`{p}` is not a type keyed by a pair")));
                }
            }
        }
        // Where a target_state or uniform rule looks: each type and column it names exists.
        let steps = s
            .target_states
            .iter()
            .flat_map(|t| match &t.via {
                None => vec![(t.column, t.to.as_str(), t.target_column.as_str())],
                Some(v) => vec![
                    (t.column, t.to.as_str(), v.column.as_str()),
                    (t.column, v.to.as_str(), t.target_column.as_str()),
                ],
            })
            .chain(
                s.uniforms
                    .iter()
                    .map(|u| (u.column, u.to.as_str(), u.target_column.as_str())),
            );
        for (column, to, target_column) in steps {
            let found = by_type
                .get(to)
                .is_some_and(|t| t.column_index(target_column).is_some() && !t.ref_ids.is_empty());
            if !found {
                return Err(SchemaError {
                    file: format!("{}.toml", s.file_type),
                    line: 0,
                    message: format!(
                        "rule on `{}`: no file type `{to}` with a column `{target_column}` and ref_ids",
                        s.columns[column].name
                    ),
                });
            }
        }
        for r in &s.references {
            let err = |message: String| SchemaError {
                file: format!("{}.toml", s.file_type),
                line: 0,
                message: format!("reference from `{}`: {message}", s.columns[r.column].name),
            };
            for t in &r.to {
                let Some(target) = by_type.get(t) else {
                    return Err(err(format!("unknown file type `{t}` in `to`")));
                };
                if target.ref_ids.is_empty() {
                    return Err(err(format!(
                        "`{t}` records have no `ref_ids` to be named by"
                    )));
                }
                if let Some((col, _)) = &r.target_is {
                    if target.column_index(col).is_none() {
                        return Err(err(format!("`{t}` has no column `{col}` (target_is)")));
                    }
                }
            }
        }
    }
    Ok(())
}
