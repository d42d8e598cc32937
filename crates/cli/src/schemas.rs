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
