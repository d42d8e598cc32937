//! The store's interface, one trait per concern, implemented by both backends: SQLite
//! ([`crate::Store`], the default) and PostgreSQL ([`crate::pg::PgStore`], for several nodes;
//! `docs/MULTI-NODE.md`). The store's tests run over these traits on both
//! (`tests/backends.rs`). More concerns move here as they are ported.

use crate::cluster::{HeldNote, Lease, NodeRow};
use crate::{Decision, FileRow, NewFile, PartnerRow, Result};
use std::time::Duration;

/// Partners and their SSH public keys.
pub trait Partners {
    /// Adds a partner; fails if the name is taken.
    fn add_partner(&self, name: &str, root: &str, now: &str) -> Result<()>;
    /// Registers another public key for a partner (several keys per partner are allowed).
    fn add_key(&self, name: &str, key: &str) -> Result<()>;
    /// Removes a partner and its keys (its files and ledger history stay).
    fn remove_partner(&self, name: &str) -> Result<()>;
    /// One partner.
    fn partner(&self, name: &str) -> Result<Option<PartnerRow>>;
    /// Every partner, by name.
    fn partners(&self) -> Result<Vec<PartnerRow>>;
}

/// The ledger: one row per file received, from `validating` to its decision (D7).
pub trait Ledger {
    /// Claims a file: a new `validating` row, or the undecided row a crash left for the same
    /// inbox path (so a retried file keeps one ledger entry).
    fn begin(&self, f: &NewFile) -> Result<i64>;
    /// Records the decision, once: returns `false` if the row was already decided.
    fn decide(&self, id: i64, d: &Decision) -> Result<bool>;
    /// A decided file with the same (type, date or batch, version), D5. A file bankdrop failed
    /// to decide does not count: it may be sent again under its name.
    fn same_name(
        &self,
        partner: &str,
        file_type: &str,
        prefix: &str,
        version: u64,
    ) -> Result<Option<FileRow>>;
    /// An accepted file with these bytes and at least one data row, D5.
    fn accepted_same_bytes(&self, partner: &str, sha256: &str) -> Result<Option<FileRow>>;
    /// The accepted file of a type for a date, if any (D5: processed once a day).
    fn accepted_for(&self, partner: &str, file_type: &str, prefix: &str)
        -> Result<Option<FileRow>>;
    /// When the last file of one of `file_types` for `prefix` was accepted (RFC 3339), if any:
    /// a day's reports older than that miss a late file (D9).
    fn last_accepted_at(
        &self,
        partner: &str,
        file_types: &[&str],
        prefix: &str,
    ) -> Result<Option<String>>;
    /// The newest row for an inbox path (to finish a move a crash interrupted).
    fn latest_for_path(&self, partner: &str, path: &str) -> Result<Option<FileRow>>;
    /// The partner's rows still `validating` (claimed, not decided), oldest first.
    fn undecided(&self, partner: &str) -> Result<Vec<FileRow>>;
    /// One row by id.
    fn file(&self, id: i64) -> Result<Option<FileRow>>;
    /// The newest `limit` rows, optionally of one partner.
    fn files(&self, partner: Option<&str>, limit: u32) -> Result<Vec<FileRow>>;
}

/// Work shared between nodes: their heartbeats, leases on work (an inbox file, a nightly run)
/// and work finished once (`docs/MULTI-NODE.md`). Times are the database's, so the nodes'
/// clocks never have to agree. On SQLite, one process ([`crate::cluster::LocalCluster`]).
pub trait Cluster {
    /// Says `node` is alive (and what it is, in `info`); its first heartbeat is its start.
    fn heartbeat(&self, node: &str, info: &str) -> Result<()>;
    /// Every node that ever sent a heartbeat, by name, with its unexpired leases; one whose
    /// heartbeat is older than `dead_after` is reported not alive.
    fn nodes(&self, dead_after: Duration) -> Result<Vec<NodeRow>>;
    /// Takes the lease on (`kind`, `key`) for `node` until now + `ttl`; true if `node` holds it
    /// now: it was free, or expired (its node died or stalled), or already `node`'s (renewed).
    /// False if another node holds it unexpired, or the work is done.
    fn take_lease(&self, kind: &str, key: &str, node: &str, ttl: Duration) -> Result<bool>;
    /// Extends every unexpired lease of `node` to now + `ttl`; returns how many. An expired
    /// lease is not revived: another node may have taken it.
    fn renew_leases(&self, node: &str, ttl: Duration) -> Result<u64>;
    /// Gives up `node`'s lease on (`kind`, `key`) without finishing the work; true if `node`
    /// held it. Another node's lease is left alone.
    fn release_lease(&self, kind: &str, key: &str, node: &str) -> Result<bool>;
    /// Marks (`kind`, `key`) done by `node` and drops its lease; true then. False, changing
    /// nothing, when `node` no longer holds an unexpired lease on it.
    fn finish_work(&self, kind: &str, key: &str, node: &str) -> Result<bool>;
    /// Whether (`kind`, `key`) was finished by some node.
    fn is_done(&self, kind: &str, key: &str) -> Result<bool>;
    /// Every unexpired lease, by kind and key (in byte order).
    fn leases(&self) -> Result<Vec<Lease>>;
    /// The leases of `kind` that expired without being released: work a node dropped when it
    /// died, for another node to take over.
    fn expired_leases(&self, kind: &str) -> Result<Vec<Lease>>;
}

/// Files waiting for their prerequisites (D7): since when and for what, so the node that finally
/// processes a file — any node — writes that into its status file.
pub trait HeldNotes {
    /// The note of the file at `path`, if it waited.
    fn held_note(&self, partner: &str, path: &str) -> Result<Option<HeldNote>>;
    /// Sets the note of the file at `path`.
    fn set_held_note(&self, partner: &str, path: &str, note: &HeldNote) -> Result<()>;
    /// Removes and returns the note of the file at `path` (it is being processed).
    fn take_held_note(&self, partner: &str, path: &str) -> Result<Option<HeldNote>>;
}
