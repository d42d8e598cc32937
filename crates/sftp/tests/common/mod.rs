//! Test harness: a real server on 127.0.0.1 (port chosen by the system) over a temp dir, real
//! keys from `ssh-keygen`, and OpenSSH's `sftp` in batch mode as the client; `raw` drives the
//! server byte for byte with russh's own client.
#![allow(dead_code)]

pub mod raw;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bankdrop_sftp::{
    IntakeEvent, Layout, Limits, Partner, ServerConfig, SftpServer, StaticPartners,
};
use tokio::sync::{mpsc, oneshot};

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub rt: tokio::runtime::Runtime,
    events: mpsc::Receiver<IntakeEvent>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// A key pair made by `ssh-keygen`: the private key file and the public line.
pub struct Key {
    pub path: PathBuf,
    pub public: String,
}

pub fn keygen(dir: &Path, name: &str, kind: &str) -> Key {
    let path = dir.join(name);
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(["-q", "-N", "", "-C", name, "-t", kind, "-f"])
        .arg(&path);
    match kind {
        "rsa" => {
            cmd.args(["-b", "2048"]);
        }
        "ecdsa" => {
            cmd.args(["-b", "256"]);
        }
        _ => {}
    }
    let out = cmd
        .output()
        .expect("ssh-keygen is required (apt-get install -y openssh-client)");
    assert!(out.status.success(), "ssh-keygen: {out:?}");
    let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
    Key { path, public }
}

impl Harness {
    /// Partners `acme` (an Ed25519 and an ECDSA key) and `beta` (an RSA key).
    pub fn start() -> (Harness, Keys) {
        Self::start_with_limits(Limits::default())
    }

    /// [`Harness::start`] with the server's resource limits set.
    pub fn start_with_limits(limits: Limits) -> (Harness, Keys) {
        let dir = tempfile::tempdir().unwrap();
        let keys_dir = dir.path().join("client-keys");
        std::fs::create_dir_all(&keys_dir).unwrap();
        let keys = Keys {
            acme_ed25519: keygen(&keys_dir, "acme_ed25519", "ed25519"),
            acme_ecdsa: keygen(&keys_dir, "acme_ecdsa", "ecdsa"),
            beta_rsa: keygen(&keys_dir, "beta_rsa", "rsa"),
            stranger: keygen(&keys_dir, "stranger", "ed25519"),
        };
        let partners = StaticPartners::new([
            Partner::with_openssh_keys(
                "acme",
                dir.path().join("partners/acme"),
                [&keys.acme_ed25519.public, &keys.acme_ecdsa.public],
            )
            .unwrap(),
            Partner::with_openssh_keys(
                "beta",
                dir.path().join("partners/beta"),
                [&keys.beta_rsa.public],
            )
            .unwrap(),
        ]);
        let layout = Layout::default_d6();
        layout
            .create_tree(&dir.path().join("partners/acme"))
            .unwrap();
        layout
            .create_tree(&dir.path().join("partners/beta"))
            .unwrap();
        Self::start_with(dir, Arc::new(partners), keys, limits)
    }

    fn start_with(
        dir: tempfile::TempDir,
        partners: Arc<StaticPartners>,
        keys: Keys,
        limits: Limits,
    ) -> (Harness, Keys) {
        count_server_panics();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "warn".into()),
            )
            .with_test_writer()
            .try_init();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (tx, events) = mpsc::channel(1024);
        let mut config =
            ServerConfig::new("127.0.0.1:0".parse().unwrap(), dir.path().join("host_key"));
        config.auth_rejection_time = Duration::from_millis(50);
        config.limits = limits;
        let server = rt.block_on(SftpServer::bind(config, partners, tx)).unwrap();
        let port = server.local_addr().unwrap().port();
        let (stop_tx, stop_rx) = oneshot::channel();
        let handle = rt.spawn(async move {
            server
                .serve(async {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
        });
        (
            Harness {
                dir,
                port,
                rt,
                events,
                stop: Some(stop_tx),
                server: Some(handle),
            },
            keys,
        )
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Whether the server's accept loop is still running (it ends only when stopped, or if it
    /// panicked).
    pub fn server_running(&self) -> bool {
        self.server.as_ref().is_some_and(|s| !s.is_finished())
    }

    pub fn root(&self, partner: &str) -> PathBuf {
        self.dir.path().join("partners").join(partner)
    }

    /// A scratch file for the client to upload.
    pub fn local_file(&self, name: &str, content: &[u8]) -> PathBuf {
        let dir = self.dir.path().join("local");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    pub fn sftp_command(&self, user: &str, key: &Path, extra: &[&str]) -> Command {
        let mut cmd = Command::new("sftp");
        cmd.args(["-F", "/dev/null", "-b", "-", "-i"])
            .arg(key)
            .args(["-P", &self.port.to_string()])
            .args([
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "BatchMode=yes",
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "LogLevel=ERROR",
                "-o",
                "ConnectTimeout=10",
            ])
            .args(extra)
            .arg(format!("{user}@127.0.0.1"))
            .current_dir(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Runs a batch of sftp commands; a failing command aborts the batch (`-b` semantics).
    pub fn sftp(&self, user: &str, key: &Path, batch: &str) -> Output {
        self.sftp_with(user, key, &[], batch)
    }

    pub fn sftp_with(&self, user: &str, key: &Path, extra: &[&str], batch: &str) -> Output {
        let mut child = self
            .sftp_command(user, key, extra)
            .spawn()
            .expect("OpenSSH's sftp is required (apt-get install -y openssh-client)");
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(batch.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// The next event, or `None` after `wait`.
    pub fn next_event(&mut self, wait: Duration) -> Option<IntakeEvent> {
        let events = &mut self.events;
        self.rt.block_on(async {
            tokio::time::timeout(wait, events.recv())
                .await
                .ok()
                .flatten()
        })
    }

    /// Every event that comes within `wait`.
    pub fn drain_events(&mut self, wait: Duration) -> Vec<IntakeEvent> {
        let mut all = Vec::new();
        while let Some(e) = self.next_event(wait) {
            all.push(e);
        }
        all
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = self
                .rt
                .block_on(async { tokio::time::timeout(Duration::from_secs(15), server).await });
        }
    }
}

pub struct Keys {
    pub acme_ed25519: Key,
    pub acme_ecdsa: Key,
    pub beta_rsa: Key,
    pub stranger: Key,
}

pub fn arrived(partner: &str, path: &str) -> IntakeEvent {
    IntakeEvent::Arrived {
        partner: partner.to_string(),
        path: PathBuf::from(path),
    }
}

/// OpenSSH's `ssh` to the server on `port` with `key` only, not asking anything, no known hosts:
/// add the destination and what to run.
pub fn ssh(port: u16, key: &Path) -> std::process::Command {
    let mut c = std::process::Command::new("ssh");
    c.args(["-F", "/dev/null", "-p", &port.to_string()])
        .args([
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
        ])
        .args(["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i"])
        .arg(key);
    c
}

pub fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Names in a host directory, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

static SERVER_PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts panics on the server's threads (the runtime's workers and the SFTP session threads):
/// a connection's task or session thread that panics ends quietly, so only a hook sees it. Test
/// threads are named after their test and are not counted.
fn count_server_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let name = std::thread::current()
                .name()
                .unwrap_or_default()
                .to_string();
            if name.starts_with("tokio-runtime-worker") || name.starts_with("sftp-") {
                SERVER_PANICS.fetch_add(1, Ordering::SeqCst);
            }
            previous(info);
        }));
    });
}

/// Panics seen on server threads so far, in this test process.
pub fn server_panics() -> usize {
    SERVER_PANICS.load(Ordering::SeqCst)
}
