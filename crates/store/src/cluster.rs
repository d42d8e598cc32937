//! Work shared between nodes (issue 11, `docs/MULTI-NODE.md`): the types of
//! [`crate::api::Cluster`], and its implementation for the SQLite store, [`LocalCluster`].
//!
//! A SQLite file is served by one process (`serve` locks it), so its cluster is that process:
//! leases and finished work live in memory, with the same rules as PostgreSQL's tables
//! (`pg::cluster`). Nothing there needs to outlive the process: a restarted node has no work
//! in hand, and a nightly run's reports on disk say whether it ran.

use crate::api::{Cluster, HeldNotes};
use crate::Result;
use chrono::{DateTime, SecondsFormat, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// The lease kind of an inbox file (key: `partner/path`): one node validates and decides it.
pub const FILE: &str = "file";
/// The lease kind of a nightly run (key: `partner/date`): one node runs it.
pub const NIGHTLY: &str = "nightly";

/// A lease on a piece of work, held by a node until it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// [`FILE`] or [`NIGHTLY`].
    pub kind: String,
    /// Which work of that kind (`partner/path`, `partner/date`).
    pub key: String,
    /// The node holding it.
    pub node: String,
    /// When it lapses unless renewed (RFC 3339, UTC, the database's clock).
    pub expires_at: String,
}

/// A node as `bankdrop nodes` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRow {
    /// The node's name (`serve --node`).
    pub name: String,
    /// Its first heartbeat (RFC 3339, UTC, the database's clock).
    pub started_at: String,
    /// Its last heartbeat (RFC 3339, UTC, the database's clock).
    pub heartbeat_at: String,
    /// Whether its last heartbeat is recent enough for it to count as running.
    pub alive: bool,
    /// What the node said about itself in its last heartbeat (version, host, pid...).
    pub info: String,
    /// The unexpired leases it holds, by kind and key.
    pub leases: Vec<Lease>,
}

/// A file that waited for its prerequisites (D7), as its status file tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldNote {
    /// First seen waiting (RFC 3339).
    pub since: String,
    /// Every type it waited for, in D7 order.
    pub waiting_for: Vec<String>,
    /// Why it was let go, once it was: `prerequisites decided` or `deadline`.
    pub released: Option<String>,
}

/// A time as every stamp of the cluster shows it: RFC 3339, UTC, milliseconds.
pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

type Key = (String, String);

struct Held {
    node: String,
    expires: DateTime<Utc>,
}

struct Node {
    started: DateTime<Utc>,
    beat: DateTime<Utc>,
    info: String,
}

#[derive(Default)]
struct State {
    leases: BTreeMap<Key, Held>,
    done: HashSet<Key>,
    nodes: BTreeMap<String, Node>,
    /// Held files' notes by (partner, path).
    held: HashMap<Key, HeldNote>,
}

/// The cluster of a store served by one process: leases and finished work in memory.
#[derive(Default)]
pub struct LocalCluster {
    state: Mutex<State>,
}

fn key(kind: &str, key: &str) -> Key {
    (kind.to_string(), key.to_string())
}

fn after(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

impl LocalCluster {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Plain data: usable after a panic elsewhere.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `node` holds the unexpired lease (`kind`, `key`).
    pub fn holds(&self, kind: &str, k: &str, node: &str) -> bool {
        let now = Utc::now();
        self.lock()
            .leases
            .get(&key(kind, k))
            .is_some_and(|h| h.node == node && h.expires > now)
    }
}

impl Cluster for LocalCluster {
    fn heartbeat(&self, node: &str, info: &str) -> Result<()> {
        let now = Utc::now();
        let mut s = self.lock();
        let n = s.nodes.entry(node.to_string()).or_insert(Node {
            started: now,
            beat: now,
            info: String::new(),
        });
        n.beat = now;
        n.info = info.to_string();
        Ok(())
    }

    fn nodes(&self, dead_after: Duration) -> Result<Vec<NodeRow>> {
        let now = Utc::now();
        let s = self.lock();
        Ok(s.nodes
            .iter()
            .map(|(name, n)| NodeRow {
                name: name.clone(),
                started_at: stamp(n.started),
                heartbeat_at: stamp(n.beat),
                alive: after(n.beat, dead_after) > now,
                info: n.info.clone(),
                leases: live(&s, now).filter(|l| &l.node == name).collect(),
            })
            .collect())
    }

    fn take_lease(&self, kind: &str, k: &str, node: &str, ttl: Duration) -> Result<bool> {
        let now = Utc::now();
        let mut s = self.lock();
        let k = key(kind, k);
        if s.done.contains(&k) {
            return Ok(false);
        }
        if let Some(h) = s.leases.get(&k) {
            if h.node != node && h.expires > now {
                return Ok(false);
            }
        }
        s.leases.insert(
            k,
            Held {
                node: node.to_string(),
                expires: after(now, ttl),
            },
        );
        Ok(true)
    }

    fn renew_leases(&self, node: &str, ttl: Duration) -> Result<u64> {
        let now = Utc::now();
        let mut n = 0;
        for h in self.lock().leases.values_mut() {
            if h.node == node && h.expires > now {
                h.expires = after(now, ttl);
                n += 1;
            }
        }
        Ok(n)
    }

    fn release_lease(&self, kind: &str, k: &str, node: &str) -> Result<bool> {
        let mut s = self.lock();
        let k = key(kind, k);
        if s.leases.get(&k).is_some_and(|h| h.node == node) {
            s.leases.remove(&k);
            return Ok(true);
        }
        Ok(false)
    }

    fn finish_work(&self, kind: &str, k: &str, node: &str) -> Result<bool> {
        let now = Utc::now();
        let mut s = self.lock();
        let k = key(kind, k);
        if !s
            .leases
            .get(&k)
            .is_some_and(|h| h.node == node && h.expires > now)
        {
            return Ok(false);
        }
        s.leases.remove(&k);
        Ok(s.done.insert(k))
    }

    fn is_done(&self, kind: &str, k: &str) -> Result<bool> {
        Ok(self.lock().done.contains(&key(kind, k)))
    }

    fn leases(&self) -> Result<Vec<Lease>> {
        let s = self.lock();
        Ok(live(&s, Utc::now()).collect())
    }

    fn expired_leases(&self, kind: &str) -> Result<Vec<Lease>> {
        let now = Utc::now();
        let s = self.lock();
        Ok(s.leases
            .iter()
            .filter(|((k, _), h)| k == kind && h.expires <= now)
            .map(|((kind, key), h)| lease(kind, key, h))
            .collect())
    }
}

fn lease(kind: &str, key: &str, h: &Held) -> Lease {
    Lease {
        kind: kind.to_string(),
        key: key.to_string(),
        node: h.node.clone(),
        expires_at: stamp(h.expires),
    }
}

/// The unexpired leases, by kind and key (byte order, as the map keeps them).
fn live(s: &State, now: DateTime<Utc>) -> impl Iterator<Item = Lease> + '_ {
    s.leases
        .iter()
        .filter(move |(_, h)| h.expires > now)
        .map(|((kind, key), h)| lease(kind, key, h))
}

/// The SQLite store's cluster is its [`LocalCluster`].
impl Cluster for crate::Store {
    fn heartbeat(&self, node: &str, info: &str) -> Result<()> {
        self.cluster().heartbeat(node, info)
    }
    fn nodes(&self, dead_after: Duration) -> Result<Vec<NodeRow>> {
        self.cluster().nodes(dead_after)
    }
    fn take_lease(&self, kind: &str, key: &str, node: &str, ttl: Duration) -> Result<bool> {
        self.cluster().take_lease(kind, key, node, ttl)
    }
    fn renew_leases(&self, node: &str, ttl: Duration) -> Result<u64> {
        self.cluster().renew_leases(node, ttl)
    }
    fn release_lease(&self, kind: &str, key: &str, node: &str) -> Result<bool> {
        self.cluster().release_lease(kind, key, node)
    }
    fn finish_work(&self, kind: &str, key: &str, node: &str) -> Result<bool> {
        self.cluster().finish_work(kind, key, node)
    }
    fn is_done(&self, kind: &str, key: &str) -> Result<bool> {
        self.cluster().is_done(kind, key)
    }
    fn leases(&self) -> Result<Vec<Lease>> {
        self.cluster().leases()
    }
    fn expired_leases(&self, kind: &str) -> Result<Vec<Lease>> {
        self.cluster().expired_leases(kind)
    }
}

impl HeldNotes for LocalCluster {
    fn held_note(&self, partner: &str, path: &str) -> Result<Option<HeldNote>> {
        Ok(self.lock().held.get(&key(partner, path)).cloned())
    }
    fn set_held_note(&self, partner: &str, path: &str, note: &HeldNote) -> Result<()> {
        self.lock().held.insert(key(partner, path), note.clone());
        Ok(())
    }
    fn take_held_note(&self, partner: &str, path: &str) -> Result<Option<HeldNote>> {
        Ok(self.lock().held.remove(&key(partner, path)))
    }
}

/// The SQLite store's held notes are its process's, like its cluster.
impl HeldNotes for crate::Store {
    fn held_note(&self, partner: &str, path: &str) -> Result<Option<HeldNote>> {
        self.cluster().held_note(partner, path)
    }
    fn set_held_note(&self, partner: &str, path: &str, note: &HeldNote) -> Result<()> {
        self.cluster().set_held_note(partner, path, note)
    }
    fn take_held_note(&self, partner: &str, path: &str) -> Result<Option<HeldNote>> {
        self.cluster().take_held_note(partner, path)
    }
}
