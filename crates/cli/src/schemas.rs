//! Where the command finds its schemas: `--schemas DIR`, else `./schemas` when present, else the
//! copy compiled into the binary.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use validate::schema::Schemas;

/// Loads and checks the schemas (a broken schema stops the command with its file and line).
pub fn load(dir: Option<&Path>) -> Result<Schemas> {
    let local = PathBuf::from("schemas");
    match dir {
        Some(d) => {
            Schemas::load_dir(d).with_context(|| format!("loading schemas from {}", d.display()))
        }
        None if local.join("transaction.toml").is_file() => {
            Schemas::load_dir(&local).context("loading schemas from ./schemas")
        }
        None => Schemas::builtin().context("loading the built-in schemas"),
    }
}

/// File-type tokens for file-name parsing: every schema's type and aliases, and Nacha.
pub fn tokens(s: &Schemas) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    for schema in s.iter() {
        for t in std::iter::once(&schema.file_type).chain(&schema.name_aliases) {
            out.push((t.clone(), schema.file_type.clone(), schema.batch_names));
        }
    }
    out.push(("outgoing_ach".into(), "outgoing_ach".into(), false));
    out
}
