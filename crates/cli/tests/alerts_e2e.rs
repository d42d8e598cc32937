//! Issue 12, "Done when": alerts posted to a real local webhook receiver — a rejected file, an
//! expected balance file missing at its deadline, a failed nightly run — with the receiver down
//! for a while, then up: every alert delivered once, to every webhook that takes it. And
//! `/metrics` scraped and parsed: the counters move with an upload. Webhook URLs never reach the
//! log.

mod common;

use common::web::{self, Serving};
use common::workdir::Workdir;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::AlertOutbox;

/// What the receiver got: (path, the alert's key header, body).
type Got = Arc<Mutex<Vec<(String, String, String)>>>;

/// An HTTP receiver on `port` answering 200 to every POST, started when `up` says so.
fn receiver(port: u16, up: std::sync::mpsc::Receiver<()>) -> Got {
    let got: Got = Arc::default();
    let g = got.clone();
    std::thread::spawn(move || {
        if up.recv().is_err() {
            return;
        }
        let l = TcpListener::bind(("127.0.0.1", port)).unwrap();
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            let path = line.split(' ').nth(1).unwrap_or("").to_string();
            let (mut len, mut key) = (0usize, String::new());
            loop {
                let mut h = String::new();
                r.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(": ").unwrap_or((h, ""));
                match k.to_ascii_lowercase().as_str() {
                    "content-length" => len = v.parse().unwrap(),
                    "x-bankdrop-alert" => key = v.to_string(),
                    _ => {}
                }
            }
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            g.lock()
                .unwrap()
                .push((path, key, String::from_utf8(body).unwrap()));
            let _ =
                s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        }
    });
    got
}

/// Every sample of a Prometheus text page: `name{labels}` → value.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').unwrap();
            (
                k.to_string(),
                v.parse().unwrap_or_else(|_| panic!("not a sample: {l}")),
            )
        })
        .collect()
}

fn scrape(s: &Serving) -> (String, BTreeMap<String, f64>) {
    let page = web::get(&format!("{}/metrics", s.metrics.as_ref().unwrap()), None);
    assert_eq!(page.status, 200);
    let parsed = samples(&page.body);
    (page.body, parsed)
}

#[test]
fn alerts_reach_a_webhook_that_was_down_once_each_and_metrics_follow_uploads() {
    let port = common::free_port();
    let secret = "T000-SECRET-B000";
    let config = format!(
        "[sftp]\nlisten = \"127.0.0.1:0\"\n[web]\nlisten = \"127.0.0.1:0\"\n\
         [metrics]\nlisten = \"127.0.0.1:0\"\n[demo]\npartner = false\n\
         [pipeline]\nexpected_types = [\"balance\"]\n\
         [recon]\nenabled = true\ntime = \"00:00\"\ntimezone = \"UTC\"\n\
         [alerts]\nretry_max = \"1s\"\ncheck_every = \"1s\"\n\
         [[alerts.webhooks]]\nname = \"ops\"\nkind = \"json\"\nurl = \"http://127.0.0.1:{port}/json/{secret}\"\n\
         [[alerts.webhooks]]\nname = \"acme-slack\"\nkind = \"slack\"\nurl = \"http://127.0.0.1:{port}/slack/{secret}\"\n\
         partners = [\"acme\"]\nevents = [\"file_rejected\", \"nightly_failed\"]\n"
    );
    let w = Workdir::new(&config);
    // The nightly run (due at start: 00:00 UTC has passed) cannot write its reports.
    std::fs::write(w.root().join("reports"), "not a folder").unwrap_or_else(|_| {
        std::fs::remove_dir_all(w.root().join("reports")).unwrap();
        std::fs::write(w.root().join("reports"), "not a folder").unwrap();
    });
    let (up, up_rx) = std::sync::mpsc::channel();
    let got = receiver(port, up_rx);
    let s = Serving::start(w.dir(), "alerts");
    let (_, before) = scrape(&s);
    let rejected_key =
        "bankdrop_files_decided_total{partner=\"acme\",type=\"customer\",outcome=\"rejected\"}";
    assert_eq!(before.get(rejected_key), None);

    // A rejected file over OpenSSH's sftp: 3 bad dates of birth.
    w.ok(&[
        "gen",
        "--type",
        "customer",
        "--rows",
        "10",
        "--date",
        "2026-03-20",
        "--seed",
        "3",
        "--out",
        "in",
    ]);
    let file = w.dir().join("in/2026-03-20_customer_v1.csv");
    let text = std::fs::read_to_string(&file).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split('|').collect();
    let dob = header.iter().position(|c| *c == "date_of_birth").unwrap();
    let bad: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut c: Vec<String> = l.split('|').map(str::to_string).collect();
            if (1..=3).contains(&i) {
                c[dob] = "31/02/1980".into();
            }
            c.join("|")
        })
        .collect();
    std::fs::write(&file, bad.join("\n") + "\n").unwrap();
    let put = common::sftp(
        s.sftp_port,
        "acme",
        &w.dir().join("acme_key"),
        &format!("put {} customer/\n", file.display()),
    );
    assert!(put.status.success(), "{}", common::text(&put));

    // The receiver comes up once tries have failed against it (the failed nightly run is
    // raised at start), and the rejected file's alert is in the outbox.
    let db = w.db.open(&w.dir().join("data"));
    let tried = common::wait_until(common::WAIT, || {
        let a = db.alerts(1000).unwrap();
        a.iter().any(|a| a.attempts > 0) && a.iter().any(|a| a.kind == "file_rejected")
    });
    assert!(tried, "{:?}\n{}", db.alerts(1000).unwrap(), s.log());
    drop(db);
    up.send(()).unwrap();
    // Delivered once the receiver is up: the rejection, the missing balance files, the failed
    // nightly run, each once to the JSON webhook; the Slack one takes its two kinds.
    let kinds = |path: &str| -> Vec<String> {
        got.lock()
            .unwrap()
            .iter()
            .filter(|(p, _, _)| p.starts_with(path))
            .map(|(_, k, _)| k.split('/').next().unwrap().to_string())
            .collect()
    };
    let all_in = common::wait_until(Duration::from_secs(40), || {
        let k = kinds("/json/");
        ["file_rejected", "file_missing", "nightly_failed"]
            .iter()
            .all(|x| k.iter().any(|y| y == x))
            && kinds("/slack/").len() >= 2
    });
    assert!(all_in, "got {:?}\n{}", got.lock().unwrap(), s.log());
    // A few more rounds: nothing is posted twice.
    std::thread::sleep(Duration::from_secs(3));
    let got = got.lock().unwrap().clone();
    let mut seen = std::collections::BTreeSet::new();
    for (path, key, _) in &got {
        assert!(
            seen.insert((path.split('/').nth(1).unwrap().to_string(), key.clone())),
            "{key} posted twice to {path}"
        );
    }
    let json: Vec<serde_json::Value> = got
        .iter()
        .filter(|(p, _, _)| p.starts_with("/json/"))
        .map(|(_, _, b)| serde_json::from_str(b).unwrap())
        .collect();
    let rejected = json.iter().find(|a| a["kind"] == "file_rejected").unwrap();
    assert_eq!(rejected["partner"], "acme");
    assert_eq!(rejected["file"]["name"], "2026-03-20_customer_v1.csv");
    assert_eq!(rejected["file"]["errors"], 3);
    assert_eq!(rejected["top_errors"][0]["count"], 3, "{rejected}");
    let missing = json.iter().find(|a| a["kind"] == "file_missing").unwrap();
    assert_eq!(missing["file_type"], "balance");
    let failed = json.iter().find(|a| a["kind"] == "nightly_failed").unwrap();
    assert!(
        failed["error"].as_str().unwrap().contains("writing report"),
        "{failed}"
    );
    // Slack gets its `{"text": …}` form, of the kinds it takes only.
    let mut slack_kinds = kinds_of(&got, "/slack/");
    slack_kinds.sort();
    slack_kinds.dedup();
    assert_eq!(slack_kinds, vec!["file_rejected", "nightly_failed"]);
    for (p, _, b) in got.iter().filter(|(p, _, _)| p.starts_with("/slack/")) {
        let v: serde_json::Value = serde_json::from_str(b).unwrap();
        assert!(v["text"].as_str().unwrap().contains("acme"), "{p}: {b}");
    }

    // The metrics moved with the upload.
    // A login with a key nobody registered: refused, and counted.
    let failures = |m: &BTreeMap<String, f64>| {
        m.get("bankdrop_sftp_auth_failures_total")
            .copied()
            .unwrap_or(0.0)
    };
    let (_, mid) = scrape(&s);
    let keygen = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f", "stranger_key"])
        .current_dir(w.dir())
        .status()
        .unwrap();
    assert!(keygen.success());
    let refused = common::sftp(s.sftp_port, "acme", &w.dir().join("stranger_key"), "ls\n");
    assert!(!refused.status.success());
    let (page, after) = scrape(&s);
    assert!(failures(&after) > failures(&mid), "{page}");
    assert_eq!(after.get(rejected_key), Some(&1.0), "{page}");
    assert_eq!(
        after.get("bankdrop_files_received_total{partner=\"acme\",type=\"customer\"}"),
        Some(&1.0)
    );
    assert_eq!(
        after.get("bankdrop_rows_total{partner=\"acme\",type=\"customer\",outcome=\"rejected\"}"),
        Some(&10.0)
    );
    assert!(
        after["bankdrop_sftp_bytes_received_total"]
            >= std::fs::metadata(&file).unwrap().len() as f64
    );
    assert_eq!(
        after.get("bankdrop_validate_seconds_count{type=\"customer\"}"),
        Some(&1.0)
    );
    assert!(
        after.contains_key("bankdrop_nightly_failures_total{partner=\"acme\"}"),
        "{page}"
    );
    assert!(page.contains("# TYPE bankdrop_files_decided_total counter"));
    assert!(page.contains("# TYPE bankdrop_apply_seconds histogram"));

    let log = s.log();
    s.stop();
    assert!(
        !log.contains(secret),
        "a webhook URL reached the log:\n{log}"
    );
    // Every alert is marked delivered in the outbox, some after failed tries.
    let db = w.db.open(&w.dir().join("data"));
    let outbox = db.alerts(1000).unwrap();
    assert!(
        outbox.iter().all(|a| a.delivered_at.is_some()),
        "{outbox:?}"
    );
    assert!(
        outbox.iter().any(|a| a.attempts > 0),
        "the receiver was down: some tries failed"
    );
}

fn kinds_of(got: &[(String, String, String)], path: &str) -> Vec<String> {
    got.iter()
        .filter(|(p, _, _)| p.starts_with(path))
        .map(|(_, k, _)| k.split('/').next().unwrap().to_string())
        .collect()
}
