//! A data directory for commands run without a server: `bankdrop.toml` (`data_dir = "data"` plus
//! any extra configuration), an `in/` folder for the files a test writes, and the partner `acme`
//! with a fresh key.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `bankdrop --config bankdrop.toml ARGS…`, run in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(super::BIN)
        .args(["--config", "bankdrop.toml"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// The temp directory; removed when dropped.
pub struct Workdir {
    pub tmp: tempfile::TempDir,
    /// The store `bankdrop` runs on; last, so a PostgreSQL server stops after the directory.
    pub db: super::backend::TestDb,
}

impl Workdir {
    /// A data dir with the partner `acme`; `extra` is appended to the configuration.
    pub fn new(extra: &str) -> Workdir {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let db = super::backend::TestDb::new();
        std::fs::write(
            dir.join("bankdrop.toml"),
            format!("data_dir = \"data\"\n{extra}\n{}", db.config()),
        )
        .unwrap();
        std::fs::create_dir(dir.join("in")).unwrap();
        let keygen = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f", "acme_key"])
            .current_dir(dir)
            .status()
            .unwrap();
        assert!(keygen.success());
        let w = Workdir { tmp, db };
        w.ok(&["partner", "add", "acme", "--key", "acme_key.pub"]);
        w
    }

    /// The directory commands run in.
    pub fn dir(&self) -> &Path {
        self.tmp.path()
    }

    /// `bankdrop ARGS…` here.
    pub fn run(&self, args: &[&str]) -> Output {
        run_in(self.dir(), args)
    }

    /// `bankdrop ARGS…` here, which must succeed; its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(o.status.success(), "{args:?}: {}", super::text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Partner `acme`'s tree.
    pub fn root(&self) -> PathBuf {
        self.dir().join("data/partners/acme")
    }
}
