//! Three nodes (issue 11, "Done when"): three `bankdrop serve` processes on loopback ports over
//! one PostgreSQL database and one data directory. 300 files are uploaded with OpenSSH's `sftp`,
//! spread over the three nodes (three partner clients, each starting on its own node and moving
//! to the next one when its node is down), while nodes are SIGKILLed at random moments and
//! restarted. In the end every file is decided exactly once (one ledger row, accepted, one
//! status file), none is lost, every node decided some, and the day's nightly reconciliation —
//! which every node tries at each start — ran once across the cluster.
//!
//! Leases last 2 s here (production: 30 s), so a killed node's files are taken over quickly.
//! The schedule comes from `BANKDROP_NODES_SEED=N` (`scripts/nodes-soak.sh` runs many). Always
//! on PostgreSQL: several nodes need it (under CI a missing server fails, never skips).

mod common;

use common::backend::TestDb;
use common::upload::{decided_once_each, generate, plain_log, upload_all, Rng};
use common::{files_in, find, free_port, names, wait_until, Env, Server};
use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};
use store::Cluster;

const FILES: usize = 300;
const NODES: usize = 3;
const KILLS_WHILE_UPLOADING: usize = 12;
const KILLS_AFTER_UPLOADS: usize = 3;

/// One node: its name, port, config file and, while it runs, its process.
struct NodeProc {
    name: String,
    port: u16,
    config: PathBuf,
    starts: usize,
    server: Option<Server>,
}

impl NodeProc {
    fn new(env: &Env, i: usize) -> NodeProc {
        let name = format!("n{i}");
        let port = free_port();
        let config = env.tmp.path().join(format!("{name}.toml"));
        let text = format!(
            "data_dir = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n[metrics]\nlisten = \"127.0.0.1:0\"\n\n[sftp]\nlisten = \"127.0.0.1:{port}\"\n\n[pipeline]\nworkers = 2\n\n\
             [recon]\nenabled = true\ntime = \"00:00\"\ntimezone = \"UTC\"\n\n\
             [cluster]\nnode = \"{name}\"\nlease = \"2s\"\nrescan = \"3s\"\n{}",
            env.data.display(),
            env.db.config()
        );
        fs::write(&config, text).unwrap();
        NodeProc {
            name,
            port,
            config,
            starts: 0,
            server: None,
        }
    }

    fn start(&mut self, env: &Env) {
        self.starts += 1;
        let label = format!("{}-{}", self.name, self.starts);
        match env.launch(&self.config, &label, self.port) {
            Ok(s) => self.server = Some(s),
            Err((exited, log)) => panic!("{} did not start (exited {exited}):\n{log}", self.name),
        }
    }

    fn kill(&mut self) {
        if let Some(s) = self.server.take() {
            s.kill();
        }
    }
}

/// Lines of every node's logs that contain `what`.
fn log_lines(env: &Env, what: &str) -> Vec<String> {
    find(env.tmp.path(), &|n| {
        n.starts_with("serve-n") && n.ends_with(".err")
    })
    .iter()
    .flat_map(|p| {
        plain_log(p)
            .lines()
            .filter(|l| l.contains(what))
            .map(str::to_string)
            .collect::<Vec<_>>()
    })
    .collect()
}

#[test]
fn three_nodes_killed_at_random_decide_every_file_once_and_reconcile_the_day_once() {
    let Some(db) = TestDb::postgres("three nodes over one postgresql") else {
        return;
    };
    let seed: u64 = std::env::var("BANKDROP_NODES_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    eprintln!("nodes test: seed {seed} (set BANKDROP_NODES_SEED to change it)");
    let started = Instant::now();
    let mut rng = Rng(seed);
    let env = Env::with_db(db);
    let src = env.tmp.path().join("outbox");
    let files = generate(&env, &mut rng, &src, FILES);
    let mut nodes: Vec<NodeProc> = (1..=NODES).map(|i| NodeProc::new(&env, i)).collect();
    // The first start makes the demo partner and the shared host key; the others find them.
    nodes[0].start(&env);
    env.register(&[]);
    for n in &mut nodes[1..] {
        n.start(&env);
    }
    let ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();
    let root = env.root("demo");
    // An upload in progress on some node (its temporary file, fresh): the other nodes' sweeps
    // at their starts and at logins must leave it alone.
    let in_flight = root.join("transaction/.bankdrop-upload-00000000c0ffee00");
    fs::write(&in_flight, b"partial").unwrap();

    // Three partner clients, a third of the files each, each starting on its own node.
    let clients: Vec<_> = (0..NODES)
        .map(|i| {
            let mine: Vec<String> = files.iter().skip(i).step_by(NODES).cloned().collect();
            let mut order = ports.clone();
            order.rotate_left(i);
            let (key, src) = (env.demo_key(), src.clone());
            thread::spawn(move || upload_all(order, key, src, mine, Duration::from_secs(150)))
        })
        .collect();

    // Kill a random node at random moments; it stays down a random while, then restarts.
    let mut kills = 0;
    let mut after_uploads = 0;
    while after_uploads < KILLS_AFTER_UPLOADS {
        let uploading = clients.iter().any(|c| !c.is_finished());
        if uploading && kills >= KILLS_WHILE_UPLOADING {
            wait_until(Duration::from_secs(150), || {
                clients.iter().all(|c| c.is_finished())
            });
            continue;
        }
        let run_for = if uploading {
            rng.millis(200, 1500)
        } else {
            rng.millis(0, 300)
        };
        thread::sleep(run_for);
        let victim = rng.range(0, NODES as u64) as usize;
        nodes[victim].kill();
        kills += 1;
        if !uploading {
            after_uploads += 1;
        }
        // Mostly back before its leases lapse (it takes its own work up again); a third of the
        // time down past them, so another node takes the work over.
        let down = if rng.range(0, 3) == 0 {
            rng.millis(2500, 4000)
        } else {
            rng.millis(0, 800)
        };
        thread::sleep(down);
        nodes[victim].start(&env);
    }
    let mut failed_batches = 0;
    for c in clients {
        match c.join() {
            Ok(s) => failed_batches += s.failed_batches,
            Err(e) => std::panic::resume_unwind(e),
        }
    }
    eprintln!("nodes test: {kills} kills, {failed_batches} failed client batches");

    // Settle: every file decided and moved (a lapsed lease is taken over within seconds).
    let processed = root.join("transaction/processed");
    // A liveness bound, not a speed test: generous for a loaded CI machine.
    let settled = wait_until(Duration::from_secs(180), || {
        files_in(&root.join("transaction"))
            .iter()
            .all(|n| n.starts_with(".bankdrop-upload-"))
            && files.iter().all(|f| {
                processed.join(f).exists() && processed.join(format!("{f}.status.json")).exists()
            })
    });
    let listing = std::process::Command::new(common::BIN)
        .arg("--config")
        .arg(&nodes[0].config)
        .arg("nodes")
        .output()
        .unwrap();
    let listing = common::text(&listing);
    assert!(
        settled,
        "not settled: inbox {:?}, {} in processed/, failed {:?}\nnodes:\n{listing}",
        names(&root.join("transaction")),
        names(&processed).len(),
        names(&root.join("transaction/failed")),
    );
    // `bankdrop nodes` lists the three, alive.
    for n in &nodes {
        let line = listing.lines().find(|l| l.starts_with(&n.name));
        assert!(
            line.is_some_and(|l| l.contains(" alive ")),
            "{}: {listing}",
            n.name
        );
    }
    for n in &mut nodes {
        if let Some(s) = n.server.take() {
            s.stop();
        }
    }

    decided_once_each(&env, &src, &files, false);
    assert!(
        in_flight.exists(),
        "a node swept another's upload in progress"
    );

    // Spread: every node decided files.
    let by_node: BTreeMap<&str, usize> = nodes
        .iter()
        .map(|n| {
            let tag = format!("serve-{}-", n.name);
            let count = find(env.tmp.path(), &|name| {
                name.starts_with(&tag) && name.ends_with(".err")
            })
            .iter()
            .map(|p| plain_log(p).matches(" decided ").count())
            .sum();
            (n.name.as_str(), count)
        })
        .collect();
    assert!(by_node.values().all(|&c| c > 0), "{by_node:?}");

    // The nightly run of the day: done once, by one node, whatever the kills hit.
    let done = log_lines(&env, "nightly reconciliation done");
    let demo: Vec<&String> = done.iter().filter(|l| l.contains("partner=demo")).collect();
    assert_eq!(demo.len(), 1, "nightly runs done: {done:#?}");
    let db = env.db.open(&env.data);
    let day = chrono::Utc::now().date_naive().pred_opt().unwrap();
    assert!(db
        .is_done(store::cluster::NIGHTLY, &format!("demo/{day}"))
        .unwrap());
    assert!(recon::nightly::summary_path(&root, day).exists());
    eprintln!(
        "nodes test: seed {seed} passed in {:.1?}: {kills} kills, {failed_batches} failed client \
         batches, files decided by node {by_node:?}, {} takeovers of lapsed leases",
        started.elapsed(),
        log_lines(&env, "taking over a file").len()
    );
}
