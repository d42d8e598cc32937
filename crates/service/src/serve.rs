//! `bankdrop serve`: the SFTP server, the watcher, the pipeline runner and the nightly scheduler
//! in one process.

use crate::config::Config;
use crate::error::{Context, Result};
use crate::setup::add_partner as add;
use bankdrop_sftp::{IntakeEvent, Layout, Partner, PartnerStore, ServerConfig, SftpServer};
use pipeline::{Heartbeat, Job, Jobs, Pipeline};
use std::sync::Arc;
use std::time::Duration;
use store::cluster::FILE;
use store::Db;
use store::{Cluster, Partners};
use tokio::sync::mpsc;

/// Runs a store call from async code. The store is synchronous: the PostgreSQL client drives
/// a runtime of its own, which cannot start on a runtime thread, and a SQLite call would stall
/// the thread's other tasks; `block_in_place` hands those tasks to another thread meanwhile.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// Partners are looked up in the database at every login attempt, so `partner add`, `partner
/// key add|remove` and `partner allow` take effect at the next login, without a restart (a
/// connection already logged in stays).
struct DbPartners(Arc<Db>);

impl PartnerStore for DbPartners {
    fn lookup(&self, user: &str) -> Option<Partner> {
        // Called by the SFTP server's authentication, on the runtime.
        let row = blocking(|| self.0.partner(user)).ok()??;
        crate::access::partner(row)
    }
}

/// Creates the demo partner with a fresh key pair on first start.
fn ensure_demo(cfg: &Config, store: &Db) -> Result<Option<String>> {
    if !cfg.demo.partner(cfg.environment) {
        return Ok(None);
    }
    let key = cfg.data_dir.join("demo_ed25519");
    // Also when a kill during the first start left the partner without its key.
    if store.partner("demo")?.is_none_or(|p| p.keys.is_empty()) {
        let public = bankdrop_sftp::generate_key_pair(&key)?;
        if let Err(e) = add(cfg, store, "demo", std::slice::from_ref(&public)) {
            // Nodes starting together race to add it: the one that lost finds it there.
            if !store
                .partner("demo")?
                .is_some_and(|p| p.keys.contains(&public))
            {
                return Err(e);
            }
        }
    }
    Ok(Some(key.display().to_string()))
}

/// Queues every file waiting in an inbox, waiting for room in the queue rather than skipping
/// (call it off the async runtime).
fn enqueue_pending(p: &Pipeline, jobs: &Jobs) -> Result<usize> {
    let mut n = 0;
    for partner in p.store().partners()? {
        for path in p.pending(&partner) {
            let job = Job {
                partner: partner.name.clone(),
                path,
            };
            if !jobs.blocking_send(job) {
                return Ok(n);
            }
            n += 1;
        }
    }
    Ok(n)
}

/// Jobs for the files whose lease lapsed: their node died holding them (call it off the async
/// runtime). Partner names hold no `/`, so the key's first `/` ends the partner.
fn enqueue_dropped(p: &Pipeline, jobs: &Jobs) -> Result<usize> {
    let mut n = 0;
    for lease in p.store().expired_leases(FILE)? {
        let Some((partner, path)) = lease.key.split_once('/') else {
            continue;
        };
        tracing::info!(partner, file = path, node = %lease.node, "taking over a file whose node stopped renewing its lease");
        let job = Job {
            partner: partner.to_string(),
            path: path.to_string(),
        };
        if !jobs.blocking_send(job) {
            break;
        }
        n += 1;
    }
    Ok(n)
}

/// Every `every`, runs `look` (off the runtime) to queue files into `jobs`.
fn every(
    every: Duration,
    p: &Arc<Pipeline>,
    jobs: &Jobs,
    look: fn(&Pipeline, &Jobs) -> Result<usize>,
    what: &'static str,
) -> tokio::task::JoinHandle<()> {
    let (p, jobs) = (p.clone(), jobs.clone());
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let (p, jobs) = (p.clone(), jobs.clone());
            if let Ok(Err(e)) = tokio::task::spawn_blocking(move || look(&p, &jobs)).await {
                tracing::error!(error = %e, "{what} failed");
            }
        }
    })
}

/// Refuses to start a second `serve` on one SQLite file; returns the lock to keep.
fn hold_sqlite(store: &Db, node: &pipeline::Node, info: &str) -> Result<Option<std::fs::File>> {
    let Some(db) = store.path() else {
        return Ok(None);
    };
    match pipeline::node::hold_sole_server(db, node, info)
        .with_context(|| format!("locking {}", db.display()))?
    {
        Some(lock) => Ok(Some(lock)),
        None => crate::bail!(
            "another `bankdrop serve` is running on {}: a SQLite store is served by one process \
             (for several nodes, set [store] url to a PostgreSQL database: docs/MULTI-NODE.md)",
            db.display()
        ),
    }
}

/// Runs until Ctrl-C / SIGTERM, with the pipeline `p` the caller opened off the runtime.
pub async fn run(cfg: Config, p: Arc<Pipeline>) -> Result<()> {
    let store = p.store().clone();
    let node = p.node().clone();
    let info = format!(
        "bankdrop {} {} pid {} sftp {}",
        env!("CARGO_PKG_VERSION"),
        cfg.environment,
        std::process::id(),
        if cfg.sftp.enabled {
            cfg.sftp.listen.to_string()
        } else {
            "off".to_string()
        }
    );
    let sole = hold_sqlite(&store, &node, &info)?;
    // Before anything records: what happens before the recorder exists is not counted.
    if cfg.metrics.enabled {
        crate::metrics::install()?;
    }
    let heartbeat = blocking(|| Heartbeat::start(store.clone(), node.clone(), info));
    tracing::info!(node = %node.name, store = %store.describe(), lease_s = node.lease.as_secs_f64(), "node started");
    let demo_key = blocking(|| ensure_demo(&cfg, &store))?;
    let layout = Layout {
        processing_prefix: Some(pipeline::CLAIM_PREFIX.to_string()),
        ..cfg.sftp.layout()?
    };
    // The only server of the tree (SQLite, locked above) sweeps every unfinished upload; one of
    // several leaves those of the others alone until they are older than an idle connection.
    let stale_upload_age = if sole.is_some() {
        Duration::ZERO
    } else {
        cfg.sftp.idle_timeout.0
    };
    for partner in blocking(|| store.partners())? {
        // One partner's damaged tree must not keep the others from being served.
        let ready = layout.create_tree(partner.root.as_ref()).and_then(|()| {
            bankdrop_sftp::remove_stale_uploads(partner.root.as_ref(), &layout, stale_upload_age)
        });
        if let Err(e) = ready {
            tracing::error!(partner = %partner.name, error = %e, "preparing the partner's folders failed; its other folders are still served");
        }
    }
    let sales = crate::sales::SalesSchedule::new(&cfg, p.schemas().refdata.clone())?;
    let nightly = cfg.recon.enabled.then(|| {
        let recon = Arc::new(cfg.recon.clone());
        [
            tokio::spawn(crate::sales::run(
                store.clone(),
                Arc::new(sales),
                node.clone(),
            )),
            tokio::spawn(crate::nightly::run(
                store.clone(),
                recon.clone(),
                node.clone(),
            )),
            tokio::spawn(crate::nightly::run_bank_reports(
                store.clone(),
                recon,
                node.clone(),
            )),
        ]
    });
    let (job_tx, job_rx) = pipeline::queue(4096);
    let runner = tokio::spawn(pipeline::run(p.clone(), job_rx, cfg.pipeline.workers));
    // Files that arrived while the service was down.
    {
        let (p, tx) = (p.clone(), job_tx.clone());
        tokio::task::spawn_blocking(move || match enqueue_pending(&p, &tx) {
            Ok(n) => tracing::info!(
                files = n,
                "start-up scan queued the files waiting in inboxes"
            ),
            Err(e) => tracing::error!(error = %e, "start-up scan failed"),
        });
    }

    // Files a dead node held, soon after its lease lapses (the rescan would find them later).
    let takeover = every(
        node.lease / 2,
        &p,
        &job_tx,
        enqueue_dropped,
        "looking for lapsed leases",
    );

    let (event_tx, mut event_rx) = mpsc::channel::<IntakeEvent>(4096);
    let forward = {
        let job_tx = job_tx.clone();
        tokio::spawn(async move {
            while let Some(IntakeEvent::Arrived { partner, path }) = event_rx.recv().await {
                let path = path.to_string_lossy().into_owned();
                if !job_tx.send(Job { partner, path }).await {
                    break;
                }
            }
        })
    };
    let _watcher = if cfg.watch.enabled {
        let mut w = bankdrop_sftp::DirWatcher::start(layout.clone(), event_tx.clone())?;
        for partner in blocking(|| store.partners())? {
            w.watch_partner(&partner.name, partner.root.as_ref())?;
        }
        Some(w)
    } else {
        None
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let signals = tokio::spawn(async move {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
        let _ = stop_tx.send(true);
    });
    let operations =
        crate::operations::start(&cfg, store.clone(), node.clone(), stop_rx.clone()).await?;
    let shutdown = crate::operations::stopped(stop_rx);
    if cfg.sftp.enabled {
        let mut sc = ServerConfig::new(cfg.sftp.listen.0[0], cfg.host_key_path());
        sc.listen.clone_from(&cfg.sftp.listen.0);
        sc.layout = layout.clone();
        sc.limits = cfg.sftp.limits()?;
        sc.stale_upload_age = stale_upload_age;
        let server =
            SftpServer::bind(sc, Arc::new(DbPartners(store.clone())), event_tx.clone()).await?;
        for addr in server.local_addrs()? {
            println!(
                "bankdrop: SFTP on {addr}, host key {}",
                server.host_key_fingerprint()
            );
        }
        let addr = server.local_addr()?;
        if let Some(key) = &demo_key {
            println!(
                "bankdrop: try it: sftp -i {key} -P {} demo@{}",
                addr.port(),
                addr.ip()
            );
            println!("bankdrop:   then `put fixtures/csv/valid/2026-01-27_customer_v1.csv customer/` and `ls customer/processed`");
        }
        // A periodic rescan retries files whose processing failed (e.g. a full disk) and finds
        // what a node missed; uploads to our own server are never half-written under their real
        // name, so this is safe. Leases make it safe with several nodes rescanning.
        let rescan = every(cfg.cluster.rescan.0, &p, &job_tx, enqueue_pending, "rescan");
        server.serve(shutdown).await?;
        rescan.abort();
    } else {
        println!(
            "bankdrop: SFTP disabled; watching partner trees under {}",
            cfg.data_dir.display()
        );
        shutdown.await;
    }
    drop(event_tx);
    drop(job_tx);
    forward.abort();
    takeover.abort();
    signals.abort();
    for t in operations {
        t.abort();
    }
    for n in nightly.into_iter().flatten() {
        n.abort();
    }
    let _ = runner.await;
    // Its last renewal is done before the process says it stopped; the leases go with it.
    blocking(|| drop(heartbeat));
    println!("bankdrop: stopped");
    Ok(())
}

/// `bankdrop serve`: opens the store and the pipeline as node `node` (default: `[cluster]
/// node`, else the host name and process id), then serves until Ctrl-C or SIGTERM.
pub fn start(cfg: Config, schemas: validate::schema::Schemas, node: Option<&str>) -> Result<()> {
    let node = Arc::new(cfg.cluster.node(node)?);
    // The store is opened, and dropped last, off the runtime: the PostgreSQL client cannot
    // start or close its own runtime on a runtime thread.
    let p = Arc::new(crate::setup::pipeline(&cfg, schemas)?.with_node(node));
    let rt = tokio::runtime::Runtime::new()?;
    let done = rt.block_on(run(cfg, p.clone()));
    drop(rt);
    drop(p);
    done
}
