//! This process as a node of the cluster (issue 11, `docs/MULTI-NODE.md`): its name and lease
//! time, the leases it takes on work ([`Node::take`]), and the heartbeat that says it is alive
//! and keeps its leases from lapsing while it works ([`Heartbeat`]). A node that dies stops
//! renewing: its leases lapse, and another node takes the work over.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use store::{Cluster, Db};

/// A node: the name its leases and heartbeats carry, and how long a lease lasts unrenewed.
#[derive(Debug, Clone)]
pub struct Node {
    /// Its name (`serve --node`, `[cluster] node`); one running process per name.
    pub name: String,
    /// How long its leases last without a heartbeat; also how old a heartbeat may be before
    /// the node is taken as dead.
    pub lease: Duration,
}

/// The lease time when none is configured: long enough that a busy node never misses a
/// renewal (it renews every third of it), short enough that a dead node's files wait half a
/// minute. A project default: the spec says nothing of nodes.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

impl Default for Node {
    fn default() -> Node {
        Node {
            name: default_name(),
            lease: DEFAULT_LEASE,
        }
    }
}

/// The host name and process id (`host-1234`): unique among running processes.
pub fn default_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let host = if host.is_empty() { "node" } else { &host };
    format!("{host}-{}", std::process::id())
}

impl Node {
    /// Takes the lease on (`kind`, `key`): `None` when another node holds it, or the work is
    /// done. The lease is released when the returned guard is dropped, unless it is
    /// [`Leased::finish`]ed.
    pub fn take<'a>(
        &'a self,
        store: &'a Db,
        kind: &'static str,
        key: String,
    ) -> store::Result<Option<Leased<'a>>> {
        if !store.take_lease(kind, &key, &self.name, self.lease)? {
            return Ok(None);
        }
        Ok(Some(Leased {
            node: self,
            store,
            kind,
            key,
            open: true,
        }))
    }
}

/// A lease this node holds; released when dropped.
pub struct Leased<'a> {
    node: &'a Node,
    store: &'a Db,
    kind: &'static str,
    key: String,
    open: bool,
}

impl Leased<'_> {
    /// The work's key (`partner/path`, `partner/date`).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Whether this node still holds the lease (renewing it): false when it lapsed and another
    /// node took the work over.
    pub fn still_held(&self) -> store::Result<bool> {
        self.store
            .take_lease(self.kind, &self.key, &self.node.name, self.node.lease)
    }

    /// Marks the work done, once across the cluster; false when the lease had lapsed (then
    /// another node may be doing it again).
    pub fn finish(mut self) -> store::Result<bool> {
        self.open = false;
        self.store
            .finish_work(self.kind, &self.key, &self.node.name)
    }
}

impl Drop for Leased<'_> {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        if let Err(e) = self
            .store
            .release_lease(self.kind, &self.key, &self.node.name)
        {
            // It lapses on its own at its expiry; another node then takes the work.
            tracing::warn!(kind = self.kind, key = %self.key, error = %e, "releasing a lease failed");
        }
    }
}

/// The heartbeat thread: every third of the lease time it says the node is alive and renews
/// the node's leases. Stops when dropped.
pub struct Heartbeat {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Heartbeat {
    /// Beats once now (so the node is listed at once), then in a thread of its own: the store
    /// is synchronous and a beat must not wait behind the pipeline's work.
    pub fn start(store: Arc<Db>, node: Arc<Node>, info: String) -> Heartbeat {
        beat(&store, &node, &info);
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let thread = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("heartbeat".into())
                .spawn(move || {
                    let (lock, cv) = &*stop;
                    let mut stopped = lock.lock().unwrap_or_else(|p| p.into_inner());
                    loop {
                        let (s, _) = cv
                            .wait_timeout(stopped, node.lease / 3)
                            .unwrap_or_else(|p| p.into_inner());
                        stopped = s;
                        if *stopped {
                            return;
                        }
                        beat(&store, &node, &info);
                    }
                })
                .ok()
        };
        if thread.is_none() {
            tracing::error!("cannot start the heartbeat thread: this node's leases will lapse");
        }
        Heartbeat { stop, thread }
    }
}

fn beat(store: &Db, node: &Node, info: &str) {
    let beat = store
        .heartbeat(&node.name, info)
        .and_then(|()| store.renew_leases(&node.name, node.lease));
    if let Err(e) = beat {
        // Leases lapse if this goes on; the work is then taken over, never done twice.
        tracing::warn!(node = %node.name, error = %e, "heartbeat failed");
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        let (lock, cv) = &*self.stop;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cv.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Holds the SQLite store at `db` for this one serving process, until the file returned is
/// closed: a SQLite store's cluster lives in its process, so a second `serve` on the same file
/// would be a second cluster blind to the first one's leases. `None` when another process holds
/// it. (Several nodes share a PostgreSQL store instead.) The file then says which process
/// serves the store, for `bankdrop nodes`: its pid, node name and `info`, tab-separated.
pub fn hold_sole_server(
    db: &std::path::Path,
    node: &Node,
    info: &str,
) -> std::io::Result<Option<std::fs::File>> {
    use rustix::fs::{flock, FlockOperation};
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(sole_server_file(db))?;
    match flock(&f, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    f.set_len(0)?;
    writeln!(f, "{}\t{}\t{info}", std::process::id(), node.name)?;
    Ok(Some(f))
}

/// The lock file of [`hold_sole_server`] beside the SQLite file `db`.
pub fn sole_server_file(db: &std::path::Path) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".serve-lock");
    name.into()
}

/// The process serving the SQLite store `db`, from its lock file: (pid, node name, info), when
/// that process is still running.
pub fn sole_server(db: &std::path::Path) -> Option<(u32, String, String)> {
    let text = std::fs::read_to_string(sole_server_file(db)).ok()?;
    let mut parts = text.trim_end_matches('\n').splitn(3, '\t');
    let pid: u32 = parts.next()?.parse().ok()?;
    let (name, info) = (
        parts.next()?.to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    // The pid alone could be another program's by now: it must still be a `serve`.
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let serving = cmdline.split(|b| *b == 0).any(|arg| arg == b"serve");
    serving.then_some((pid, name, info))
}
