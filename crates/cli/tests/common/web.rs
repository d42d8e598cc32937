//! The operations side of a running `bankdrop serve` (issue 12): the server started in a
//! directory with its web pages and metrics on free ports (read from what it prints), HTTP calls
//! with a bearer token, and whether a real Chromium can be driven here.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `bankdrop serve` running in a directory, its addresses read from its output.
pub struct Serving {
    child: Child,
    out: PathBuf,
    err: PathBuf,
    /// `http://127.0.0.1:PORT` of the web pages (empty when they are off).
    pub web: String,
    /// `http://127.0.0.1:PORT` of the metrics.
    pub metrics: Option<String>,
    /// The SFTP port.
    pub sftp_port: u16,
}

fn read(p: &Path) -> String {
    let mut s = String::new();
    if let Ok(mut f) = File::open(p) {
        let _ = f.read_to_string(&mut s);
    }
    s
}

fn addr_after(out: &str, marker: &str) -> Option<String> {
    let rest = &out[out.find(marker)? + marker.len()..];
    Some(rest.split(['/', ' ', ',', '\n']).next()?.to_string())
}

impl Serving {
    /// Starts `bankdrop --config bankdrop.toml serve` in `dir` (its config must put every
    /// listener on port 0) and waits until it serves.
    pub fn start(dir: &Path, label: &str) -> Serving {
        let out = dir.join(format!("serve-{label}.out"));
        let err = dir.join(format!("serve-{label}.err"));
        let child = Command::new(super::BIN)
            .args(["--config", "bankdrop.toml", "serve"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(File::create(&out).unwrap())
            .stderr(File::create(&err).unwrap())
            .spawn()
            .unwrap();
        let mut s = Serving {
            child,
            out,
            err,
            web: String::new(),
            metrics: None,
            sftp_port: 0,
        };
        let ready = super::wait_until(super::WAIT, || {
            read(&s.out).contains("bankdrop: SFTP on ") || s.child.try_wait().unwrap().is_some()
        });
        let printed = read(&s.out);
        assert!(
            ready && printed.contains("bankdrop: SFTP on "),
            "serve did not start:\n{printed}\n{}",
            read(&s.err)
        );
        // Empty when `[web] enabled = false`.
        s.web = addr_after(&printed, "web pages on http://")
            .map_or_else(String::new, |a| format!("http://{a}"));
        s.metrics = addr_after(&printed, "metrics on http://").map(|a| format!("http://{a}"));
        let sftp = addr_after(&printed, "SFTP on ").unwrap();
        s.sftp_port = sftp.rsplit(':').next().unwrap().parse().unwrap();
        s
    }

    /// What the server logged.
    pub fn log(&self) -> String {
        format!("{}\n{}", read(&self.out), read(&self.err))
    }

    /// Stops the server (SIGTERM, as an operator would) and waits for it.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let stopped = super::wait_until(super::WAIT, || self.child.try_wait().unwrap().is_some());
        assert!(stopped, "serve did not stop on SIGTERM");
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer: status and body.
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Body.
    pub body: String,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

fn answer(r: Result<ureq::Response, ureq::Error>) -> Answer {
    match r {
        Ok(r) => Answer {
            status: r.status(),
            body: r.into_string().unwrap(),
        },
        Err(ureq::Error::Status(status, r)) => Answer {
            status,
            body: r.into_string().unwrap_or_default(),
        },
        Err(e) => panic!("HTTP: {e}"),
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(20))
        .redirects(0)
        .build()
}

/// `GET url`, with `Authorization: Bearer token` when given.
pub fn get(url: &str, token: Option<&str>) -> Answer {
    let mut r = agent().get(url);
    if let Some(t) = token {
        r = r.set("Authorization", &format!("Bearer {t}"));
    }
    answer(r.call())
}

/// `POST url` with a JSON body and a bearer token.
pub fn post_json(url: &str, token: &str, body: &serde_json::Value) -> Answer {
    answer(
        agent()
            .post(url)
            .set("Authorization", &format!("Bearer {token}"))
            .send_json(body.clone()),
    )
}

/// Whether Chromium and chromedriver are here; under CI their absence fails the test.
pub fn browser_available(test: &str) -> bool {
    let here = ["chromium", "chromedriver"].iter().all(|b| {
        Command::new(b)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if !here {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: chromium and chromedriver are required under CI (.ci/run installs them)"
        );
        eprintln!("{test}: skipped, no chromium/chromedriver here (apt-get install chromium chromium-driver)");
    }
    here
}
