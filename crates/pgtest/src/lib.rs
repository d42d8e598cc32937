//! A throwaway PostgreSQL server for tests (issue 11): `initdb` and `pg_ctl` from the system's
//! PostgreSQL binaries, a cluster in a temporary directory listening on a free loopback port,
//! stopped and removed when the [`Server`] is dropped. Nothing is downloaded: the binaries are
//! Debian's (`/usr/lib/postgresql/<version>/bin`, installed by `.ci/run` when missing), or those
//! on `PATH`, or those under `$BANKDROP_PG_BIN`.
//!
//! `initdb` refuses to run as root, so under root the cluster belongs to the `postgres` user and
//! the server runs as it (`runuser -u postgres`).
//!
//! ```no_run
//! let server = pgtest::Server::start().unwrap().expect("PostgreSQL binaries");
//! let url = server.create_database("store_tests").unwrap();
//! // postgres://postgres@127.0.0.1:<port>/store_tests
//! ```

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Why a server could not be started or used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A command could not be run.
    #[error("{command}: {source}")]
    Spawn {
        /// The command.
        command: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A command ran and failed.
    #[error("{command} failed: {output}")]
    Failed {
        /// The command.
        command: String,
        /// What it printed.
        output: String,
    },
    /// Preparing the cluster's directory failed.
    #[error("cluster directory: {0}")]
    Dir(#[from] std::io::Error),
}

/// A running throwaway server; stopped and its files removed when dropped.
pub struct Server {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// The user the server runs as, when it is not us (we are root).
    user: Option<&'static str>,
}

/// The directory holding `initdb` and `pg_ctl`, if any.
pub fn binaries() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("BANKDROP_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    // Debian keeps the server binaries off PATH, one directory per major version: the newest.
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|d| d.join("initdb").exists() && d.join("pg_ctl").exists())
}

fn run(mut cmd: Command) -> Result<Output, Error> {
    let command = format!("{cmd:?}");
    let out = cmd.output().map_err(|source| Error::Spawn {
        command: command.clone(),
        source,
    })?;
    if !out.status.success() {
        let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
        output.push_str(&String::from_utf8_lossy(&out.stderr));
        return Err(Error::Failed { command, output });
    }
    Ok(out)
}

fn is_root() -> bool {
    // The effective uid, without a libc dependency: /proc/self/status's "Uid:" line.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// The uid and gid of the `postgres` user, from `/etc/passwd`.
fn postgres_ids() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let line = passwd.lines().find(|l| l.starts_with("postgres:"))?;
    let mut f = line.split(':').skip(2);
    Some((f.next()?.parse().ok()?, f.next()?.parse().ok()?))
}

fn free_port() -> Result<u16, Error> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Server {
    /// Starts a server; `Ok(None)` when no PostgreSQL binaries are installed (see [`require`]).
    pub fn start() -> Result<Option<Server>, Error> {
        let Some(bin) = binaries() else {
            return Ok(None);
        };
        let dir = tempfile::Builder::new().prefix("bankdrop-pg").tempdir()?;
        let user = if is_root() {
            let (uid, gid) = postgres_ids().ok_or_else(|| Error::Failed {
                command: "initdb".into(),
                output: "running as root, and there is no postgres user to run it as".into(),
            })?;
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))?;
            Some("postgres")
        } else {
            None
        };
        let mut server = Server {
            dir,
            bin,
            port: 0,
            user,
        };
        let mut initdb = server.command(
            "initdb",
            &[
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ],
        );
        initdb.arg(server.data());
        run(initdb)?;
        // A port taken between our look and the server's bind fails the start: try again.
        let mut last = None;
        for _ in 0..5 {
            server.port = free_port()?;
            let options = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                server.port,
                server.dir.path().display()
            );
            let log = server.dir.path().join("server.log");
            let mut start = server.command("pg_ctl", &["-w", "-t", "60", "-o", &options, "-l"]);
            start.arg(&log).arg("-D").arg(server.data()).arg("start");
            match run(start) {
                Ok(_) => return Ok(Some(server)),
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("five tries"))
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `program` of the PostgreSQL binaries with `args`, as the cluster's user.
    fn command(&self, program: &str, args: &[&str]) -> Command {
        let exe = self.bin.join(program);
        let mut c = match self.user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        };
        c.args(args);
        c
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `name` as the `postgres` superuser.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates database `name` and gives its URL.
    pub fn create_database(&self, name: &str) -> Result<String, Error> {
        let port = self.port.to_string();
        let host = self.dir.path().display().to_string();
        run(self.command(
            "createdb",
            &["-h", &host, "-p", &port, "-U", "postgres", name],
        ))?;
        Ok(self.url(name))
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The cluster's directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let mut stop = self.command("pg_ctl", &["-m", "immediate", "-w", "stop", "-D"]);
        stop.arg(self.data());
        if let Err(e) = run(stop) {
            eprintln!(
                "pgtest: stopping the server in {}: {e}",
                self.dir.path().display()
            );
        }
    }
}

/// A server for a test: `None` (the test should return, saying it skipped) when the binaries are
/// missing on a developer's machine; under CI (`CI` set, `.ci/run` installs PostgreSQL) a missing
/// server is a failure, never a skip.
pub fn require(test: &str) -> Option<Server> {
    match Server::start() {
        Ok(Some(s)) => Some(s),
        Ok(None) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: PostgreSQL binaries are missing under CI"
            );
            eprintln!("SKIPPED {test}: no PostgreSQL binaries (apt-get install postgresql)");
            None
        }
        Err(e) => panic!("{test}: starting a PostgreSQL server: {e}"),
    }
}
