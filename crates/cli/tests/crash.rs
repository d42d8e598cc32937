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

use common::upload::{decided_once_each, generate, recoveries, upload_all, Rng};
use common::{files_in, names, wait_until, Env};
use std::collections::BTreeSet;
use std::thread;
use std::time::{Duration, Instant};

const FILES: usize = 200;

/// Kills while uploads are under way, at most; then the uploads finish in peace (this bounds the
/// test's run time whatever the schedule), and a few more kills hit the processing backlog.
const MAX_KILLS_WHILE_UPLOADING: usize = 30;

/// Kills after the last upload, while queued files are being decided.
const KILLS_AFTER_UPLOADS: usize = 3;

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
    let files = generate(&env, &mut rng, &src, FILES);
    eprintln!(
        "crash test: {FILES} files generated in {:.1?}",
        started.elapsed()
    );
    assert_eq!(files.iter().collect::<BTreeSet<_>>().len(), FILES);

    let mut server = Some(env.start());
    let root = env.root("demo");
    let client = {
        let (port, key, src, files) = (env.port(), env.demo_key(), src.clone(), files.clone());
        thread::spawn(move || upload_all(vec![port], key, src, files, Duration::from_secs(75)))
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
    // On PostgreSQL a node cannot know it is the only one, so the upload a kill interrupted is
    // swept only once older than an idle connection (README, "Several nodes"); on SQLite the
    // one server sweeps it at its next start.
    let swept = !common::backend::on_postgres();
    let settled = wait_until(Duration::from_secs(30), || {
        files_in(&root.join("transaction"))
            .iter()
            .all(|n| !swept && n.starts_with(".bankdrop-upload-"))
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

    decided_once_each(&env, &src, &files, swept);
    let (waiting, moves) = recoveries(env.tmp.path());
    eprintln!(
        "crash test: seed {seed} passed in {:.1?}: {kills} kills, {} failed client batches, \
         {waiting} files waiting in the inbox at restarts, {moves} interrupted moves finished",
        started.elapsed(),
        stats.failed_batches
    );
}
