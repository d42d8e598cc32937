//! The crash tests' partner client and kill schedule (`crash.rs`: one node; `nodes.rs`: three
//! nodes on PostgreSQL), and what their logs say the kills hit.

use super::{find, names, sftp, status_json, Env};
use chrono::{Days, NaiveDate};
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};
use store::State;

/// splitmix64: a small, well-mixed deterministic generator for the schedule.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }

    pub fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(self.range(lo, hi))
    }
}

/// The name a file being processed has in its folder (README, "Crash safety").
pub const CLAIM_PREFIX: &str = ".claim-";

/// File names in `ls -1` listings (the batch's echoed commands skipped), a claimed file under
/// the name it was uploaded as.
pub fn listed(stdout: &str) -> BTreeSet<String> {
    stdout
        .lines()
        .filter(|l| !l.starts_with("sftp>"))
        .filter_map(|l| l.trim().rsplit('/').next())
        .map(|n| n.strip_prefix(CLAIM_PREFIX).unwrap_or(n).to_string())
        .filter(|n| !n.is_empty())
        .collect()
}

/// What the client did.
#[derive(Debug, Default)]
pub struct ClientStats {
    pub batches: usize,
    pub failed_batches: usize,
    pub puts: usize,
}

/// The partner's client: runs until every file has arrived (inbox, processed or failed), as the
/// partner can see over SFTP; gives up after `limit`. It talks to the first of `ports`, and
/// after a failure to the next one (several nodes behind one name, as a partner would see them).
pub fn upload_all(
    ports: Vec<u16>,
    key: PathBuf,
    src: PathBuf,
    files: Vec<String>,
    limit: Duration,
) -> ClientStats {
    let start = Instant::now();
    let mut stats = ClientStats::default();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut first = true;
    let mut at = 0;
    loop {
        let port = ports[at % ports.len()];
        assert!(
            start.elapsed() < limit,
            "uploads not done after {limit:?}: {stats:?}, {} of {} seen",
            seen.len(),
            files.len()
        );
        if !first {
            // Which files did the server get? The inbox first (hidden names too): files only
            // ever move from there to processed/ or failed/, so none slips between listings.
            let out = sftp(
                port,
                "demo",
                &key,
                "ls -1a transaction\nls -1 transaction/processed\nls -1 transaction/failed\n",
            );
            if !out.status.success() {
                // The server is down (or went down mid-listing): ask again, of the next one.
                at += 1;
                thread::sleep(Duration::from_millis(20));
                continue;
            }
            seen = listed(&String::from_utf8_lossy(&out.stdout));
        }
        first = false;
        let todo: Vec<&String> = files.iter().filter(|f| !seen.contains(*f)).collect();
        if todo.is_empty() {
            return stats;
        }
        let batch: String = todo
            .iter()
            .map(|f| format!("put {} transaction/{f}\n", src.join(f).display()))
            .collect();
        stats.batches += 1;
        stats.puts += todo.len();
        let out = sftp(port, "demo", &key, &batch);
        if out.status.success() {
            seen.extend(todo.into_iter().cloned());
        } else {
            stats.failed_batches += 1;
            at += 1;
        }
    }
}

/// From the servers' logs: files found waiting in the inbox at start-up, and moves a kill had
/// interrupted after the decision was committed (what the kills actually hit).
pub fn recoveries(dir: &Path) -> (u64, usize) {
    let (mut waiting, mut moves) = (0, 0);
    for log in find(dir, &|n| n.starts_with("serve-") && n.ends_with(".err")) {
        for line in plain_log(&log).lines() {
            if line.contains("finished an interrupted move") {
                moves += 1;
            }
            if line.contains("start-up scan queued") {
                if let Some(n) = line.rsplit("files=").next() {
                    let digits: String = n.chars().take_while(char::is_ascii_digit).collect();
                    waiting += digits.parse::<u64>().unwrap_or(0);
                }
            }
        }
    }
    (waiting, moves)
}

/// A server's log without ANSI colour sequences (ESC [ … m).
pub fn plain_log(path: &Path) -> String {
    let raw = fs::read_to_string(path).unwrap_or_default();
    let mut plain = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

/// Writes `n` files: transaction files of distinct dates (D5: one per type and date), each
/// with its own seed and a seeded number of rows, generated a few at a time.
pub fn generate(env: &Env, rng: &mut Rng, dir: &Path, n: usize) -> Vec<String> {
    fs::create_dir_all(dir).unwrap();
    let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let specs: Vec<(String, u64, u64)> = (0..n)
        .map(|i| {
            let date = first.checked_add_days(Days::new(i as u64)).unwrap();
            (date.to_string(), rng.range(5, 1200), 1000 + i as u64)
        })
        .collect();
    for chunk in specs.chunks(8) {
        let children: Vec<Child> = chunk
            .iter()
            .map(|(date, rows, seed)| {
                env.gen_command("transaction", *rows, date, *seed, dir)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success(), "bankdrop gen failed");
        }
    }
    let names: Vec<String> = specs
        .iter()
        .map(|(date, _, _)| format!("{date}_transaction_v1.csv"))
        .collect();
    // The balances the transactions name exist (registered as created outside files, D8).
    let paths: Vec<_> = names.iter().map(|n| dir.join(n)).collect();
    env.register(&paths);
    names
}

/// Every one of `files` (sent from `src` to the demo partner's `transaction/`) decided exactly
/// once and none lost: one ledger row each, accepted, pointing at `processed/`; there one file,
/// byte for byte what was sent, and one status; nothing in `failed/`, the inbox empty, no
/// claim or temporary result file anywhere in the partner's tree, nor, when `swept`, any
/// unfinished upload (with several nodes, a node sweeps another's only once they are older than
/// an idle connection). Call it once the servers are stopped.
pub fn decided_once_each(env: &Env, src: &Path, files: &[String], swept: bool) {
    let root = env.root("demo");
    let processed = root.join("transaction/processed");
    let ledger = env.ledger("demo");
    let mut rows: BTreeMap<String, Vec<(State, Option<String>)>> = BTreeMap::new();
    for r in &ledger {
        rows.entry(r.file.name.clone())
            .or_default()
            .push((r.state(), r.decision.as_ref().map(|d| d.final_path.clone())));
    }
    let extra: Vec<&String> = rows.keys().filter(|n| !files.contains(n)).collect();
    assert!(
        extra.is_empty(),
        "ledger rows for names never sent: {extra:?}"
    );
    for f in files {
        let r = rows.get(f).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(
            r,
            [(State::Accepted, Some(format!("transaction/processed/{f}")))],
            "{f}: ledger {r:?}"
        );
    }
    assert_eq!(ledger.len(), files.len());
    let mut expected: Vec<String> = files
        .iter()
        .flat_map(|f| [f.clone(), format!("{f}.status.json")])
        .collect();
    expected.sort();
    assert_eq!(names(&processed), expected);
    for f in files {
        let sent = fs::read(src.join(f)).unwrap();
        assert!(
            fs::read(processed.join(f)).unwrap() == sent,
            "{f} differs from what was sent"
        );
        let s = status_json(&processed.join(format!("{f}.status.json")));
        assert_eq!(s["outcome"], "accepted", "{f}: {s}");
        assert_eq!(s["bytes"], sent.len() as u64, "{f}: {s}");
    }
    assert!(
        names(&root.join("transaction/failed")).is_empty(),
        "failed/: {:?}",
        names(&root.join("transaction/failed"))
    );
    let inbox: Vec<String> = names(&root.join("transaction"))
        .into_iter()
        .filter(|n| swept || !n.starts_with(".bankdrop-upload-"))
        .collect();
    assert_eq!(inbox, ["failed", "processed"]);
    let temps = find(&root, &|n| {
        (swept && n.starts_with(".bankdrop-upload-"))
            || n.starts_with(CLAIM_PREFIX)
            || n.starts_with(".bankdrop-tmp")
    });
    assert!(temps.is_empty(), "temporary files left: {temps:?}");
}
