//! Tiny synchronous W3C WebDriver client driving headless Chromium via `chromedriver`.
//!
//! Dependencies: `ureq` 2 (`default-features = false, features = ["json"]`) and
//! `serde_json`. Paths default to Debian's `/usr/bin/chromium` and
//! `/usr/bin/chromedriver`; override with the `CHROMIUM` / `CHROMEDRIVER` env vars.
//! Every fallible call returns `Result<_, String>` carrying the WebDriver error.
// Copied into `tests/common/`, not every test binary uses every item.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::fs::{self, File};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The W3C key under which an element reference is serialized.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Browser flags; `--user-data-dir` (a fresh temp dir) is appended per session.
const CHROMIUM_ARGS: &str = "--headless --no-sandbox --disable-gpu \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-quic --no-first-run --disable-dev-shm-usage";

/// A running `chromedriver` process with one open browser session.
///
/// Dropping it deletes the session, kills `chromedriver` and removes the temp dir.
pub struct Driver {
    agent: ureq::Agent,
    child: Child,
    dir: PathBuf,
    /// `http://127.0.0.1:PORT`, then `.../session/ID` once a session exists.
    url: String,
    session: bool,
}

/// A reference to a DOM element in the session of the [`Driver`] it borrows.
pub struct Element<'d> {
    driver: &'d Driver,
    id: String,
}

impl Driver {
    /// Spawns `chromedriver` on a free loopback port, waits (20 s at most) until it
    /// reports ready and opens a headless Chromium session with a fresh profile.
    pub fn start() -> Result<Driver, String> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("webdriver-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("profile")).map_err(|e| format!("temp dir: {e}"))?;
        let log = File::create(dir.join("chromedriver.log")).map_err(|e| e.to_string())?;
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr());
        let port = port.map_err(|e| format!("free port: {e}"))?.port();
        let exe = std::env::var("CHROMEDRIVER").unwrap_or("/usr/bin/chromedriver".into());
        let child = Command::new(&exe)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| {
                let _ = fs::remove_dir_all(&dir);
                format!("spawn {exe}: {e}")
            })?;
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(5))
            .timeout(Duration::from_secs(120))
            .build();
        let url = format!("http://127.0.0.1:{port}");
        // From here on, an early `?` return drops `d`, which cleans up.
        let mut d = Driver {
            agent,
            child,
            dir,
            url,
            session: false,
        };
        d.wait_ready(Duration::from_secs(20))?;
        let browser = std::env::var("CHROMIUM").unwrap_or("/usr/bin/chromium".into());
        let mut args: Vec<String> = CHROMIUM_ARGS.split(' ').map(String::from).collect();
        args.push(format!(
            "--user-data-dir={}",
            d.dir.join("profile").display()
        ));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "timeouts": {"pageLoad": 30_000, "script": 30_000, "implicit": 0},
            "goog:chromeOptions": {"binary": browser, "args": args},
        }}});
        let v = d.http("POST", "/session", Some(caps))?;
        let id = v["sessionId"].as_str().ok_or("no sessionId in reply")?;
        d.url = format!("{}/session/{id}", d.url);
        d.session = true;
        Ok(d)
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("chromedriver exited ({status}): {}", self.log()));
            }
            match self.http("GET", "/status", None) {
                Ok(v) if v["ready"] == json!(true) => return Ok(()),
                _ => sleep(Duration::from_millis(50)),
            }
        }
        Err(format!(
            "chromedriver not ready in {timeout:?}: {}",
            self.log()
        ))
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.join("chromedriver.log")).unwrap_or_default()
    }

    /// Sends one request to `self.url` + `path`; returns the reply's `value`, or
    /// `"<error>: <message> (...)"` built from the WebDriver error.
    fn http(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.url);
        let req = self.agent.request(method, &url);
        let res = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        let resp = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(code, r)) => {
                let v: Value = r.into_json().unwrap_or_default();
                let err = v["value"]["error"].as_str().unwrap_or("?");
                let msg = v["value"]["message"].as_str().unwrap_or("");
                return Err(format!("{err}: {msg} ({method} {url} -> HTTP {code})"));
            }
            Err(e) => return Err(format!("{method} {url}: {e}")),
        };
        let mut v: Value = resp.into_json().map_err(|e| format!("{url}: {e}"))?;
        Ok(v["value"].take())
    }

    fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        self.http("POST", path, Some(body))
    }

    fn string(&self, path: &str) -> Result<String, String> {
        match self.http("GET", path, None)? {
            Value::String(s) => Ok(s),
            v => Err(format!("{path}: not a string: {v}")),
        }
    }

    /// Navigates to `url` and waits for the page load to finish.
    pub fn goto(&self, url: &str) -> Result<(), String> {
        self.post("/url", json!({ "url": url })).map(drop)
    }

    /// The URL of the current page.
    pub fn current_url(&self) -> Result<String, String> {
        self.string("/url")
    }

    /// The current page's `document.title`.
    pub fn title(&self) -> Result<String, String> {
        self.string("/title")
    }

    /// The serialized DOM of the current page.
    pub fn page_source(&self) -> Result<String, String> {
        self.string("/source")
    }

    /// The first element matching the CSS selector (error `no such element` if none).
    pub fn find(&self, css: &str) -> Result<Element<'_>, String> {
        self.element(&self.post("/element", by_css(css))?)
    }

    /// All elements matching the CSS selector, in document order (maybe none).
    pub fn find_all(&self, css: &str) -> Result<Vec<Element<'_>>, String> {
        let v = self.post("/elements", by_css(css))?;
        let list = v.as_array().ok_or_else(|| format!("not an array: {v}"))?;
        list.iter().map(|e| self.element(e)).collect()
    }

    /// Polls every 50 ms until an element matches the CSS selector, at most `timeout`.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element<'_>, String> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.find(css) {
                Err(e) if e.starts_with("no such element") && Instant::now() < deadline => {
                    sleep(Duration::from_millis(50))
                }
                Err(e) => return Err(format!("wait_for({css:?}, {timeout:?}): {e}")),
                ok => return ok,
            }
        }
    }

    fn element(&self, v: &Value) -> Result<Element<'_>, String> {
        let id = v[ELEMENT_KEY].as_str().map(String::from);
        let id = id.ok_or_else(|| format!("not an element: {v}"))?;
        Ok(Element { driver: self, id })
    }

    /// Runs synchronous JavaScript (a function body: use `return` and `arguments[i]`)
    /// and returns its result. Pass elements with [`Element::json`].
    pub fn execute(&self, script: &str, args: &[Value]) -> Result<Value, String> {
        self.post("/execute/sync", json!({"script": script, "args": args}))
    }

    /// A PNG screenshot of the viewport.
    pub fn screenshot_png(&self) -> Result<Vec<u8>, String> {
        base64_decode(&self.string("/screenshot")?)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if self.session {
            let _ = self.http("DELETE", "", None);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

impl Element<'_> {
    fn path(&self, rest: &str) -> String {
        format!("/element/{}{rest}", self.id)
    }

    /// Clicks the element (scrolling it into view first).
    pub fn click(&self) -> Result<(), String> {
        self.driver.post(&self.path("/click"), json!({})).map(drop)
    }

    /// The element's rendered (visible) text.
    pub fn text(&self) -> Result<String, String> {
        self.driver.string(&self.path("/text"))
    }

    /// The attribute (or matching property) `name`, `None` when absent.
    pub fn attr(&self, name: &str) -> Result<Option<String>, String> {
        let path = self.path(&format!("/attribute/{name}"));
        let v = self.driver.http("GET", &path, None)?;
        Ok(v.as_str().map(str::to_string))
    }

    /// Types `text` into the element.
    pub fn send_keys(&self, text: &str) -> Result<(), String> {
        let text = json!({ "text": text });
        self.driver.post(&self.path("/value"), text).map(drop)
    }

    /// Clears an input or textarea.
    pub fn clear(&self) -> Result<(), String> {
        self.driver.post(&self.path("/clear"), json!({})).map(drop)
    }

    /// The W3C element reference, for passing to [`Driver::execute`].
    pub fn json(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }
}

fn by_css(css: &str) -> Value {
    json!({"using": "css selector", "value": css})
}

/// Decodes standard (RFC 4648) base64, ignoring padding and whitespace.
fn base64_decode(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(format!("invalid base64 byte {c:#04x}")),
        };
        acc = ((acc << 6) | u32::from(v)) & 0xff_ffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}
