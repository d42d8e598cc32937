//! The crash test (issue 4, "Done when"): `bankdrop serve` is killed with SIGKILL at random
//! moments while 200 files are uploaded and processed, and restarted after each kill. In the end
//! every file sent is decided exactly once (one ledger row, accepted, one status file) and none is
//! lost (nothing left in the inbox, no temporary file left anywhere in the partner's tree).
//!
//! The kill schedule comes from a seeded generator: `BANKDROP_CRASH_SEED=N` picks another one
//! (`scripts/crash-soak.sh` runs many). The moments a kill lands on still vary from run to run
//! with timing — which is the point of running it many times.
//!
//! The client is OpenSSH's `sftp` in batch mode, behaving as a careful partner: it puts every
//! file it has not yet seen arrive, and after a failure (the server died under it, or refused
//! the connection while down) it lists the inbox, `processed/` and `failed/` and sends again only
//! the files found in none of them. A file whose upload was committed just before the kill is
//! therefore never sent twice (a second copy would be a `duplicate`, a second decision). While the
//! pipeline works on a file it is renamed to `.claim-<name>` in its folder (README, "Crash
//! safety"); the server lists it under its own name, and the client also accepts the claimed name
//! (`ls -a`), so the check does not depend on that listing.

mod common;

use chrono::{Days, NaiveDate};
use common::{files_in, find, names, sftp, status_json, wait_until, Env};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};
use store::State;

const FILES: usize = 200;

/// Kills while uploads are under way, at most; then the uploads finish in peace (this bounds the
/// test's run time whatever the schedule), and a few more kills hit the processing backlog.
const MAX_KILLS_WHILE_UPLOADING: usize = 30;

/// Kills after the last upload, while queued files are being decided.
const KILLS_AFTER_UPLOADS: usize = 3;

/// splitmix64: a small, well-mixed deterministic generator for the schedule.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }

    fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(self.range(lo, hi))
    }
}

/// Writes the 200 files: transaction files of distinct dates (D5: one per type and date), each
/// with its own seed and a seeded number of rows, generated a few at a time.
fn generate(env: &Env, rng: &mut Rng, dir: &Path) -> Vec<String> {
    fs::create_dir_all(dir).unwrap();
    let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let specs: Vec<(String, u64, u64)> = (0..FILES)
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

/// The name a file being processed has in its folder (README, "Crash safety").
const CLAIM_PREFIX: &str = ".claim-";

/// File names in `ls -1` listings (the batch's echoed commands skipped), a claimed file under
/// the name it was uploaded as.
fn listed(stdout: &str) -> BTreeSet<String> {
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
struct ClientStats {
    batches: usize,
    failed_batches: usize,
    puts: usize,
}

/// The partner's client: runs until every file has arrived (inbox, processed or failed), as the
/// partner can see over SFTP; gives up after `limit`.
fn upload_all(
    port: u16,
    key: PathBuf,
    src: PathBuf,
    files: Vec<String>,
    limit: Duration,
) -> ClientStats {
    let start = Instant::now();
    let mut stats = ClientStats::default();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut first = true;
    loop {
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
                // The server is down (or went down mid-listing): ask again.
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
        }
    }
}

/// From the servers' logs: files found waiting in the inbox at start-up, and moves a kill had
/// interrupted after the decision was committed (what the kills actually hit).
fn recoveries(dir: &Path) -> (u64, usize) {
    let (mut waiting, mut moves) = (0, 0);
    for log in find(dir, &|n| n.starts_with("serve-") && n.ends_with(".err")) {
        let raw = fs::read_to_string(log).unwrap_or_default();
        // Drop ANSI colour sequences (ESC [ … m).
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
        for line in plain.lines() {
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

#[test]
fn sigkill_at_random_moments_loses_nothing_and_decides_every_file_once() {
    let seed: u64 = std::env::var("BANKDROP_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    eprintln!("crash test: seed {seed} (set BANKDROP_CRASH_SEED to change it)");
    let started = Instant::now();
    let mut rng = Rng(seed);
    let mut env = Env::new();
    let src = env.tmp.path().join("outbox");
    let files = generate(&env, &mut rng, &src);
    eprintln!(
        "crash test: {FILES} files generated in {:.1?}",
        started.elapsed()
    );
    assert_eq!(files.iter().collect::<BTreeSet<_>>().len(), FILES);

    let mut server = Some(env.start());
    let root = env.root("demo");
    let client = {
        let (port, key, src, files) = (env.port(), env.demo_key(), src.clone(), files.clone());
        thread::spawn(move || upload_all(port, key, src, files, Duration::from_secs(75)))
    };

    // The schedule: run for a random while, SIGKILL, sometimes stay down a little, restart.
    // These pauses are the random moments themselves, not waits for a condition.
    let mut kills = 0;
    let mut kills_after_uploads = 0;
    while kills_after_uploads < KILLS_AFTER_UPLOADS {
        if kills >= MAX_KILLS_WHILE_UPLOADING && !client.is_finished() {
            wait_until(Duration::from_secs(90), || client.is_finished());
        }
        let uploading = !client.is_finished();
        let run_for = if uploading {
            rng.millis(10, 600)
        } else {
            // The backlog: kill again soon, while queued files are being decided.
            rng.millis(0, 120)
        };
        if uploading {
            wait_until(run_for, || client.is_finished());
        } else {
            thread::sleep(run_for);
        }
        server.take().unwrap().kill();
        kills += 1;
        if !uploading {
            kills_after_uploads += 1;
        }
        if rng.range(0, 3) == 0 {
            thread::sleep(rng.millis(0, 300));
        }
        server = Some(env.start());
    }
    let stats = match client.join() {
        Ok(s) => s,
        Err(e) => std::panic::resume_unwind(e),
    };
    eprintln!("crash test: {kills} kills; client {stats:?}");
    assert!(
        stats.failed_batches >= 1,
        "no kill ever hit an upload: {stats:?}"
    );

    // Let the last server settle: every file decided and moved, the inbox empty.
    let server = server.take().unwrap();
    let processed = root.join("transaction/processed");
    let settled = wait_until(Duration::from_secs(30), || {
        files_in(&root.join("transaction")).is_empty()
            && files.iter().all(|f| {
                processed.join(f).exists() && processed.join(format!("{f}.status.json")).exists()
            })
    });
    assert!(
        settled,
        "not settled: inbox {:?}, processed {} entries, failed {:?}\n{}",
        names(&root.join("transaction")),
        names(&processed).len(),
        names(&root.join("transaction/failed")),
        server.stderr()
    );
    server.stop();

    // Exactly once: one ledger row per file, accepted, pointing at processed/.
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
    for f in &files {
        let r = rows.get(f).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(
            r,
            [(State::Accepted, Some(format!("transaction/processed/{f}")))],
            "{f}: ledger {r:?}"
        );
    }
    assert_eq!(ledger.len(), FILES);

    // One file and one status per name, byte for byte what was sent, nothing in failed/.
    let mut expected: Vec<String> = files
        .iter()
        .flat_map(|f| [f.clone(), format!("{f}.status.json")])
        .collect();
    expected.sort();
    assert_eq!(names(&processed), expected);
    for f in &files {
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
    // None lost or half-written: the inbox is empty and no temporary file is left anywhere.
    assert!(names(&root.join("transaction")) == ["failed", "processed"]);
    let temps = find(&root, &|n| {
        n.starts_with(".bankdrop-upload-")
            || n.starts_with(CLAIM_PREFIX)
            || n.starts_with(".bankdrop-tmp")
    });
    assert!(temps.is_empty(), "temporary files left: {temps:?}");
    let (waiting, moves) = recoveries(env.tmp.path());
    eprintln!(
        "crash test: seed {seed} passed in {:.1?}: {kills} kills, {} failed client batches, \
         {waiting} files waiting in the inbox at restarts, {moves} interrupted moves finished",
        started.elapsed(),
        stats.failed_batches
    );
}
