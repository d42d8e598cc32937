//! A pipeline over a real store and a real partner tree, for the pipeline's tests. The store is
//! a SQLite file, or, with `BANKDROP_TEST_STORE=postgres`, a fresh database on a throwaway
//! PostgreSQL server of the test's own (`crates/pgtest`; under CI a missing server fails).
#![allow(dead_code)]

use pipeline::{Config, Pipeline};
use std::path::Path;
use std::sync::Arc;
use store::Partners;
use store::{Db, PartnerRow};
use validate::schema::Schemas;

pub struct Env {
    pub dir: tempfile::TempDir,
    pub root: std::path::PathBuf,
    pub pipeline: Pipeline,
    pub partner: PartnerRow,
    /// The PostgreSQL server of a run on PostgreSQL; last, so it stops after the pipeline.
    pub server: Option<pgtest::Server>,
}

/// Whether the tests run on PostgreSQL (`BANKDROP_TEST_STORE=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("BANKDROP_TEST_STORE").as_deref() == Ok("postgres")
}

/// The store of a test: on PostgreSQL when asked and `sqlite_only` is false, else SQLite in `dir`.
pub fn open_store(dir: &Path, sqlite_only: bool) -> (Db, Option<pgtest::Server>) {
    if on_postgres() && !sqlite_only {
        if let Some(server) = pgtest::require("pipeline tests on postgresql") {
            let url = server.create_database("bankdrop").unwrap();
            let db = Db::open(Some(&url), Path::new("unused")).unwrap();
            return (db, Some(server));
        }
    }
    (Db::open(None, &dir.join("bankdrop.sqlite")).unwrap(), None)
}

pub fn env() -> Env {
    env_with(|_| {})
}

/// [`env`] with the pipeline's configuration changed by `adjust`.
pub fn env_with(adjust: impl FnOnce(&mut Config)) -> Env {
    env_on(false, adjust)
}

/// [`env_with`] on SQLite whatever `BANKDROP_TEST_STORE` says, for a test that reads the
/// SQLite file itself.
pub fn env_sqlite_with(adjust: impl FnOnce(&mut Config)) -> Env {
    env_on(true, adjust)
}

fn env_on(sqlite_only: bool, adjust: impl FnOnce(&mut Config)) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("partners/acme");
    let schemas = Arc::new(Schemas::builtin().unwrap());
    let (store, server) = open_store(dir.path(), sqlite_only);
    let store = Arc::new(store);
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
        server,
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
