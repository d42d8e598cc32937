//! The store a test's `bankdrop` runs on: SQLite under its data directory, or, with
//! `BANKDROP_TEST_STORE=postgres`, a fresh database on a throwaway PostgreSQL server of the
//! test's own (`crates/pgtest`; under CI a missing server fails, never skips).

use std::path::Path;

/// The database of one test environment; its server (if any) stops when this is dropped.
pub struct TestDb {
    /// The `[store] url` of the configuration; `None` on SQLite.
    pub url: Option<String>,
    _server: Option<pgtest::Server>,
}

/// Whether the tests run on PostgreSQL (`BANKDROP_TEST_STORE=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("BANKDROP_TEST_STORE").as_deref() == Ok("postgres")
}

impl TestDb {
    /// SQLite, or a fresh PostgreSQL database when the tests run on PostgreSQL.
    pub fn new() -> TestDb {
        if on_postgres() {
            if let Some(server) = pgtest::require("cli tests on postgresql") {
                let url = server.create_database("bankdrop").unwrap();
                return TestDb {
                    url: Some(url),
                    _server: Some(server),
                };
            }
        }
        TestDb {
            url: None,
            _server: None,
        }
    }

    /// A fresh PostgreSQL database whatever `BANKDROP_TEST_STORE` says (the tests of several
    /// nodes); `None` only outside CI without PostgreSQL's binaries (`pgtest::require`).
    pub fn postgres(test: &str) -> Option<TestDb> {
        let server = pgtest::require(test)?;
        let url = server.create_database("bankdrop").unwrap();
        Some(TestDb {
            url: Some(url),
            _server: Some(server),
        })
    }

    /// The `[store]` table to append to a configuration (empty on SQLite).
    pub fn config(&self) -> String {
        match &self.url {
            Some(url) => format!("\n[store]\nurl = \"{url}\"\n"),
            None => String::new(),
        }
    }

    /// The database, as `bankdrop` with data directory `data` opens it.
    pub fn open(&self, data: &Path) -> store::Db {
        store::Db::open(self.url.as_deref(), &data.join("bankdrop.sqlite")).unwrap()
    }

    /// Whether the database exists yet (SQLite's file is created by the first command).
    pub fn exists(&self, data: &Path) -> bool {
        self.url.is_some() || data.join("bankdrop.sqlite").exists()
    }
}
