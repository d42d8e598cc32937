//! A pipeline over a real SQLite file and a real partner tree, for the pipeline's tests.
#![allow(dead_code)]

use pipeline::{Config, Pipeline};
use std::path::Path;
use std::sync::Arc;
use store::Partners;
use store::{PartnerRow, Store};
use validate::schema::Schemas;

pub struct Env {
    pub dir: tempfile::TempDir,
    pub root: std::path::PathBuf,
    pub pipeline: Pipeline,
    pub partner: PartnerRow,
}

pub fn env() -> Env {
    env_with(|_| {})
}

/// [`env`] with the pipeline's configuration changed by `adjust`.
pub fn env_with(adjust: impl FnOnce(&mut Config)) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("partners/acme");
    let schemas = Arc::new(Schemas::builtin().unwrap());
    let store = Arc::new(Store::open(&dir.path().join("bankdrop.sqlite")).unwrap());
    store
        .add_partner("acme", root.to_str().unwrap(), "now")
        .unwrap();
    let mut config = Config::default_for(&schemas);
    adjust(&mut config);
    for i in &config.inboxes {
        std::fs::create_dir_all(root.join(&i.folder)).unwrap();
    }
    // The ids the fixtures name were created "outside files" (D8): these tests are about
    // intake, not references (tests/crossfile.rs is).
    let registry = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/registry.csv"),
    )
    .unwrap();
    store
        .registry_add(
            "acme",
            &store::RegistryEntry::parse_file(&registry, "2026-01-27").unwrap(),
        )
        .unwrap();
    let partner = store.partner("acme").unwrap().unwrap();
    Env {
        pipeline: Pipeline::new(store, schemas, config),
        root,
        partner,
        dir,
    }
}

pub fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/csv")
            .join(rel),
    )
    .unwrap()
}

impl Env {
    pub fn drop_file(&self, rel: &str, bytes: &[u8]) {
        std::fs::write(self.root.join(rel), bytes).unwrap();
    }
    pub fn process(&self, rel: &str) -> pipeline::Processed {
        self.pipeline.process(&self.partner, rel).unwrap().unwrap()
    }
    pub fn status(&self, p: &pipeline::Processed) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.root.join(&p.status_path)).unwrap()).unwrap()
    }
}
