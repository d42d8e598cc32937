//! Shared by the `bankdrop serve` end-to-end and crash tests: a temp data directory and config
//! file, the real `bankdrop` binary started (and always killed) as a child process, OpenSSH's
//! `sftp` in batch mode, keys from `ssh-keygen`, and polling helpers (no blind sleeps).
#![allow(dead_code)]

pub mod backend;
pub mod program;
pub mod refs;
pub mod upload;
pub mod web;
pub mod webdriver;
pub mod workdir;

use std::fs::{self, File};
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use store::Ledger;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_bankdrop");

/// How long any single expected outcome may take before a test gives up.
pub const WAIT: Duration = Duration::from_secs(20);

/// `fixtures/csv` of the repository.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/csv")
}

/// A loopback port that was free a moment ago (bind to 0, take the port, let it go).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `cond` every 10 ms until it holds (`true`) or `timeout` passes (`false`).
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// stdout and stderr of a finished command, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Names in a folder, sorted (empty when the folder does not exist).
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Regular files (including hidden ones) directly in a folder, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Every path under `dir` (recursively) whose file name satisfies `pred`.
pub fn find(dir: &Path, pred: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(find(&p, pred));
        } else if pred(&e.file_name().to_string_lossy()) {
            out.push(p);
        }
    }
    out
}

/// `bankdrop --config CONFIG ARGS…`, in the config's directory.
pub fn run_bankdrop(config: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--config")
        .arg(config)
        .args(args)
        .current_dir(config.parent().unwrap())
        .output()
        .unwrap()
}

/// A temp directory holding the data dir, the config file, logs and local files.
pub struct Env {
    pub tmp: tempfile::TempDir,
    /// `data_dir` of the config.
    pub data: PathBuf,
    /// The config file passed with `--config`.
    pub config: PathBuf,
    /// Scratch space for files the clients send and fetch.
    pub local: PathBuf,
    port: u16,
    starts: usize,
    started_once: bool,
    /// Top-level keys written before the config's tables (`environment = …`).
    top: String,
    /// Registry entries every partner gets (at each start and on `register`), D8.
    registry: std::sync::Mutex<Vec<store::RegistryEntry>>,
    /// The store `bankdrop` runs on; last, so a PostgreSQL server stops after everything else.
    pub db: backend::TestDb,
}

impl Env {
    pub fn new() -> Env {
        Env::with_db(backend::TestDb::new())
    }

    /// An environment whose `bankdrop` runs on `db`.
    pub fn with_db(db: backend::TestDb) -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let local = tmp.path().join("local");
        fs::create_dir_all(&local).unwrap();
        let mut env = Env {
            config: tmp.path().join("bankdrop.toml"),
            data,
            local,
            tmp,
            port: free_port(),
            starts: 0,
            started_once: false,
            top: String::new(),
            registry: std::sync::Mutex::new(refs::fixture_registry()),
            db,
        };
        env.write_config();
        env
    }

    fn write_config(&mut self) {
        let text = format!(
            // The nightly reconciliation would write reports at start-up after 06:30 Chicago.
            "{}data_dir = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n[metrics]\nlisten = \"127.0.0.1:0\"\n\n[sftp]\nlisten = \"127.0.0.1:{}\"\n\n[pipeline]\nworkers = 2\n\n[recon]\nenabled = false\n{}",
            self.top,
            self.data.display(),
            self.port,
            self.db.config()
        );
        fs::write(&self.config, text).unwrap();
    }

    /// This environment with `line` (a top-level key such as `environment = "production"`)
    /// at the head of its configuration.
    pub fn with_top(mut self, line: &str) -> Env {
        self.top.push_str(line);
        self.top.push('\n');
        self.write_config();
        self
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A partner's tree.
    pub fn root(&self, partner: &str) -> PathBuf {
        self.data.join("partners").join(partner)
    }

    /// The key pair `serve` writes for the demo partner on first start.
    pub fn demo_key(&self) -> PathBuf {
        self.data.join("demo_ed25519")
    }

    /// `bankdrop --config <ours> ARGS…`, run in the temp dir.
    pub fn bankdrop(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .current_dir(self.tmp.path())
            .output()
            .unwrap()
    }

    /// `bankdrop gen` into `dir`; returns the written file (`<date>_<type>_v1.csv`), whose
    /// referenced ids every partner gets in its registry.
    pub fn gen(&self, file_type: &str, rows: u64, date: &str, seed: u64, dir: &Path) -> PathBuf {
        let out = self
            .gen_command(file_type, rows, date, seed, dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "bankdrop gen: {}", text(&out));
        let path = dir.join(format!("{date}_{file_type}_v1.csv"));
        self.register(std::slice::from_ref(&path));
        path
    }

    /// Registers the ids `files` name (and the fixtures') for every partner, now and at every
    /// later start: these tests are about intake, not references.
    pub fn register(&self, files: &[PathBuf]) {
        let mut all = self.registry.lock().unwrap();
        all.extend(refs::entries_for(files));
        if self.db.exists(&self.data) {
            refs::register_everywhere(&self.db.open(&self.data), &all);
        }
    }

    /// The `bankdrop gen` command, for callers that run many at once.
    pub fn gen_command(
        &self,
        file_type: &str,
        rows: u64,
        date: &str,
        seed: u64,
        dir: &Path,
    ) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(["gen", "--type", file_type])
            .args(["--rows", &rows.to_string()])
            .args(["--date", date])
            .args(["--seed", &seed.to_string()])
            .arg("--out")
            .arg(dir)
            .current_dir(self.tmp.path())
            .stdin(Stdio::null());
        cmd
    }

    /// A fresh Ed25519 key pair from `ssh-keygen`; returns (private key, public key file).
    pub fn keygen(&self, name: &str) -> (PathBuf, PathBuf) {
        let dir = self.tmp.path().join("keys");
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        let out = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
            .arg(&path)
            .output()
            .expect("ssh-keygen is required (apt-get install -y openssh-client)");
        assert!(out.status.success(), "ssh-keygen: {}", text(&out));
        let public = path.with_extension("pub");
        assert!(public.exists());
        (path, public)
    }

    /// Starts `bankdrop serve` and waits until it listens. A port taken in the meantime by
    /// someone else is replaced by a fresh one before the first successful start; after that the
    /// same port is retried (a restarted server must stay where clients look for it).
    pub fn start(&mut self) -> Server {
        let deadline = Instant::now() + WAIT;
        loop {
            self.starts += 1;
            let label = self.starts.to_string();
            match self.launch(&self.config, &label, self.port) {
                Ok(server) => {
                    self.started_once = true;
                    self.register(&[]);
                    return server;
                }
                Err((exited, log)) => {
                    if exited && log.contains("listen on") && Instant::now() < deadline {
                        if !self.started_once {
                            self.port = free_port();
                            self.write_config();
                        }
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    }
                    panic!("bankdrop serve did not start (exited: {exited}):\n{log}");
                }
            }
        }
    }

    /// Starts `bankdrop --config <config> serve` (logs `serve-<label>.out` and `.err` in the
    /// temp dir) and waits until it listens on `port`; else whether it exited, and its log.
    pub fn launch(&self, config: &Path, label: &str, port: u16) -> Result<Server, (bool, String)> {
        let out = self.tmp.path().join(format!("serve-{label}.out"));
        let err = self.tmp.path().join(format!("serve-{label}.err"));
        let child = Command::new(BIN)
            .arg("--config")
            .arg(config)
            .arg("serve")
            .current_dir(self.tmp.path())
            .stdin(Stdio::null())
            .stdout(File::create(&out).unwrap())
            .stderr(File::create(&err).unwrap())
            .spawn()
            .unwrap();
        let mut server = Server {
            child,
            port,
            out,
            err,
            reaped: false,
        };
        let mut exited = false;
        let ready = wait_until(WAIT, || {
            if server.child.try_wait().unwrap().is_some() {
                exited = true;
                return true;
            }
            server.stdout().contains("bankdrop: SFTP on ")
        });
        if ready && !exited {
            return Ok(server);
        }
        let log = server.stderr();
        Err((exited, log))
    }

    /// The ledger rows of a partner (open the database after `Server::stop` for a settled view).
    pub fn ledger(&self, partner: &str) -> Vec<store::FileRow> {
        let db = self.db.open(&self.data);
        db.files(Some(partner), 1_000_000).unwrap()
    }

    /// OpenSSH's `sftp -b -` as `user` with `key`; the batch is fed on standard input.
    pub fn sftp(&self, user: &str, key: &Path, batch: &str) -> Output {
        sftp(self.port, user, key, batch)
    }

    /// The `sftp` command (stdin, stdout and stderr piped), to spawn and control directly.
    pub fn sftp_command(&self, user: &str, key: &Path) -> Command {
        sftp_command(self.port, user, key)
    }

    /// Whether python3 can import paramiko (`.ci/run` installs it).
    pub fn paramiko_available() -> bool {
        Command::new("python3")
            .args(["-c", "import paramiko"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    /// Writes `script` to a temp file and runs it with python3 and `args`.
    pub fn python(&self, script: &str, args: &[&str]) -> Output {
        let path = self.tmp.path().join("client.py");
        fs::write(&path, script).unwrap();
        Command::new("python3")
            .arg(&path)
            .args(args)
            .current_dir(&self.local)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

/// OpenSSH's `sftp -b -` to 127.0.0.1:`port`; the batch is fed on standard input. A failing
/// command ends the batch with a non-zero exit (`-b` semantics).
pub fn sftp(port: u16, user: &str, key: &Path, batch: &str) -> Output {
    let mut child = sftp_command(port, user, key)
        .spawn()
        .expect("OpenSSH's sftp is required (apt-get install -y openssh-client)");
    // A client that dies early (connection refused) closes its stdin: not our error.
    let _ = child.stdin.take().unwrap().write_all(batch.as_bytes());
    child.wait_with_output().unwrap()
}

/// The `sftp` batch-mode command line (stdin, stdout and stderr piped).
pub fn sftp_command(port: u16, user: &str, key: &Path) -> Command {
    let mut cmd = Command::new("sftp");
    cmd.args(["-F", "/dev/null", "-b", "-", "-i"])
        .arg(key)
        .args(["-P", &port.to_string()])
        .args(["-o", "StrictHostKeyChecking=no"])
        .args(["-o", "UserKnownHostsFile=/dev/null"])
        .args(["-o", "BatchMode=yes"])
        .args(["-o", "IdentitiesOnly=yes"])
        .args(["-o", "LogLevel=ERROR"])
        .args(["-o", "ConnectTimeout=10"])
        .arg(format!("{user}@127.0.0.1"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A running `bankdrop serve`. Dropping it kills the process (SIGKILL) and reaps it.
pub struct Server {
    child: Child,
    pub port: u16,
    out: PathBuf,
    err: PathBuf,
    reaped: bool,
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stdout(&self) -> String {
        fs::read_to_string(&self.out).unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        fs::read_to_string(&self.err).unwrap_or_default()
    }

    /// The server's log without ANSI colour sequences.
    pub fn plain_stderr(&self) -> String {
        upload::plain_log(&self.err)
    }

    /// SIGKILL, as a crash: nothing is flushed or cleaned up by the server.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.reaped = true;
    }

    /// SIGTERM and wait for a clean exit: the server stops accepting, and the pipeline finishes
    /// every file already queued before the process ends — a barrier for ledger checks.
    pub fn stop(mut self) {
        let out = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .output()
            .unwrap();
        assert!(out.status.success(), "kill -TERM: {}", text(&out));
        let mut status = None;
        let exited = wait_until(Duration::from_secs(30), || {
            status = self.child.try_wait().unwrap();
            status.is_some()
        });
        assert!(exited, "bankdrop serve ignored SIGTERM:\n{}", self.stderr());
        self.reaped = true;
        assert!(
            status.unwrap().success() && self.stdout().contains("bankdrop: stopped"),
            "bankdrop serve did not stop cleanly ({status:?}):\n{}\n{}",
            self.stdout(),
            self.stderr()
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.reaped {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Splits one line of a pipe-delimited file with RFC 4180 quoting (`"a|b"`, `""` for `"`).
pub fn split_pipe_line(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let cell = cells.last_mut().unwrap();
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if cell.is_empty() => quoted = true,
            (false, '|') => cells.push(String::new()),
            (_, c) => cell.push(c),
        }
    }
    cells
}

/// The rows of an errors file (`row|column|code|message|value`), header checked and dropped.
pub fn errors_csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("row|column|code|message|value"));
    lines.map(split_pipe_line).collect()
}

/// The `errors` of a fixture's `expected.json` in the errors file's shape.
pub fn expected_error_rows(expected_json: &Path) -> Vec<Vec<String>> {
    let v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(expected_json).unwrap()).unwrap();
    let s = |x: &serde_json::Value| x.as_str().unwrap_or("").to_string();
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            vec![
                e["row"].as_u64().unwrap().to_string(),
                s(&e["column"]),
                s(&e["code"]),
                s(&e["message"]),
                s(&e["value"]),
            ]
        })
        .collect()
}

/// A status file as JSON.
pub fn status_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A file `name` (`<date>_<type>_v<N>.csv`) in `dir/in` with the valid fixture's header of its
/// type (every column present, D2) and the given cells, the others empty; its path.
pub fn write_csv<'a, R: AsRef<[(&'a str, &'a str)]>>(dir: &Path, name: &str, rows: &[R]) -> String {
    let file_type = name[11..].trim_end_matches(".csv");
    let file_type = &file_type[..file_type.rfind("_v").unwrap()];
    let fixture = fixtures().join(format!("valid/2026-01-27_{file_type}_v1.csv"));
    let text = fs::read_to_string(fixture).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split('|').collect();
    let mut out = header.join("|") + "\n";
    for row in rows {
        let cells: Vec<&str> = header
            .iter()
            .map(|c| {
                row.as_ref()
                    .iter()
                    .find(|(k, _)| k == c)
                    .map_or("", |(_, v)| *v)
            })
            .collect();
        out += &(cells.join("|") + "\n");
    }
    let path = dir.join("in").join(name);
    fs::write(&path, out).unwrap();
    path.display().to_string()
}

/// The customer `cus-1` (an individual) and its active consumer account `acct-1`, as the files
/// `<date>_customer_v1.csv` and `<date>_account_v1.csv` in `dir/in`: what a balance needs.
pub fn one_customer_and_account(dir: &Path, date: &str) -> [String; 2] {
    let customer = [
        ("client_customer_id", "cus-1"),
        ("customer_type", "individual"),
        ("first_name", "Ada"),
        ("last_name", "Lovelace"),
        ("date_of_birth", "1980-12-10"),
    ];
    let account = [
        ("client_account_id", "acct-1"),
        ("account_holder_type", "consumer"),
        ("account_holders", "[\"cus-1\"]"),
        ("currency", "USD"),
        ("status", "active"),
        ("status_reason", "active"),
    ];
    [
        write_csv(dir, &format!("{date}_customer_v1.csv"), &[customer]),
        write_csv(dir, &format!("{date}_account_v1.csv"), &[account]),
    ]
}
