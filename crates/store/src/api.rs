//! The store's interface, one trait per concern, implemented by both backends: SQLite
//! ([`crate::Store`], the default) and PostgreSQL ([`crate::pg::PgStore`], for several nodes;
//! `docs/MULTI-NODE.md`). The store's tests run over these traits on both
//! (`tests/backends.rs`). More concerns move here as they are ported.

use crate::cluster::{HeldNote, Lease, NodeRow};
use crate::ops::{
    AlertRow, AuditRow, BreakAck, BreakRow, FileQuery, NewAlert, ReconDayRow, TokenRow, UserRow,
};
use crate::{Decision, FileRow, NewFile, PartnerRow, PartnerSchedule, Result};
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
    /// Removes one of a partner's keys (the stored line); `false` if it had no such key.
    fn remove_key(&self, name: &str, key: &str) -> Result<bool>;
    /// Sets the CIDR ranges a partner may connect from (none: any address).
    fn set_allow_from(&self, name: &str, ranges: &[String]) -> Result<()>;
    /// Sets a partner's Day 0, cadence and daily types (spec 01 §12).
    fn set_schedule(&self, name: &str, schedule: &PartnerSchedule) -> Result<()>;
    /// The environment this database serves: `claim` is recorded if none is yet, and the
    /// recorded one returned (the caller refuses a database of another environment).
    fn environment(&self, claim: &str) -> Result<String>;
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
    /// The partner's rows of dated files (`YYYY-MM-DD` prefix) from `from` through `to`, in
    /// ledger order: a schedule's days (spec 01 §13 readiness).
    fn dated_between(&self, partner: &str, from: &str, to: &str) -> Result<Vec<FileRow>>;
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

/// The operations page's users, their sessions (signed-in browsers) and their API tokens.
/// Sessions and tokens are known by a hash of their secret, never the secret. Expiry times are
/// compared as text with `now`: pass every time in one form, RFC 3339 UTC with milliseconds
/// (`2026-03-02T01:00:00.000Z`).
pub trait Users {
    /// Adds a user (of `partner`, or the bank's when `None`); fails if the name is taken.
    fn add_user(
        &self,
        name: &str,
        partner: Option<&str>,
        password_hash: &str,
        now: &str,
    ) -> Result<()>;
    /// Removes a user with its sessions and tokens; false if there was none.
    fn remove_user(&self, name: &str) -> Result<bool>;
    /// One user.
    fn user(&self, name: &str) -> Result<Option<UserRow>>;
    /// Every user, by name.
    fn users(&self) -> Result<Vec<UserRow>>;
    /// Starts a session of `user` until `expires_at`; fails if there is no such user.
    fn create_session(&self, id_hash: &str, user: &str, now: &str, expires_at: &str) -> Result<()>;
    /// The user of a session unexpired at `now`; `None` when it expired, ended or is unknown.
    fn session_user(&self, id_hash: &str, now: &str) -> Result<Option<UserRow>>;
    /// Ends a session (nothing if there is none).
    fn end_session(&self, id_hash: &str) -> Result<()>;
    /// Gives `user` an API token named `label`, until `expires_at` (`None`: never); fails if
    /// there is no such user or the user has a token of that label.
    fn add_token(
        &self,
        token_hash: &str,
        user: &str,
        label: &str,
        now: &str,
        expires_at: Option<&str>,
    ) -> Result<()>;
    /// The user of a token unexpired at `now`; `None` when it expired, was revoked or is unknown.
    fn token_user(&self, token_hash: &str, now: &str) -> Result<Option<UserRow>>;
    /// A user's tokens, by label (never their hashes).
    fn tokens(&self, user: &str) -> Result<Vec<TokenRow>>;
    /// Revokes a user's token; false if the user has none of that label.
    fn revoke_token(&self, user: &str, label: &str) -> Result<bool>;
}

/// The audit log of what users did: append-only (nothing updates or deletes an entry).
pub trait Audit {
    /// Appends an entry.
    fn audit(&self, at: &str, user: &str, action: &str, detail: &str) -> Result<()>;
    /// The newest `limit` entries, newest first, optionally of one user.
    fn audit_log(&self, user: Option<&str>, limit: u32) -> Result<Vec<AuditRow>>;
}

/// What each nightly run found, for the operations page: a partner's day (its summary and
/// breaks), and acknowledgements of breaks (append-only). Dates are `YYYY-MM-DD`; ranges
/// include both ends.
pub trait ReconResults {
    /// Records what the run of (`partner`, `date`) found, replacing a previous run's day and
    /// breaks, in one transaction. The breaks are stored as `date`'s (their own `date` is not
    /// read).
    fn record_recon_day(
        &self,
        partner: &str,
        date: &str,
        run_at: &str,
        summary_json: &str,
        breaks: &[BreakRow],
    ) -> Result<()>;
    /// One partner's day.
    fn recon_day(&self, partner: &str, date: &str) -> Result<Option<ReconDayRow>>;
    /// The days from `from` to `to`, optionally of one partner, by date then partner.
    fn recon_days(&self, partner: Option<&str>, from: &str, to: &str) -> Result<Vec<ReconDayRow>>;
    /// A partner's breaks from `from` to `to`, by date, balance and component.
    fn breaks(&self, partner: &str, from: &str, to: &str) -> Result<Vec<BreakRow>>;
    /// Appends an acknowledgement (its `id` is not read); returns its id.
    fn ack_break(&self, a: &BreakAck) -> Result<i64>;
    /// A partner's acknowledgements, oldest first.
    fn break_acks(&self, partner: &str) -> Result<Vec<BreakAck>>;
}

/// Alerts waiting for delivery. An alert is written by the transaction of its event (also
/// through the file's write transaction, `Writing::enqueue_alert`), so it exists exactly when
/// the event committed; a deliverer sends it later, retrying. Times compare as text, like
/// [`Users`]' (RFC 3339 UTC with milliseconds).
pub trait AlertOutbox {
    /// Writes an alert, due at `a.at`; false, writing nothing, when an alert with its
    /// `dedupe_key` exists.
    fn enqueue_alert(&self, a: &NewAlert) -> Result<bool>;
    /// Up to `limit` undelivered alerts due at `now`, oldest first.
    fn due_alerts(&self, now: &str, limit: u32) -> Result<Vec<AlertRow>>;
    /// Notes that alert `id` went out on `route` (once: a repeat changes nothing).
    fn alert_route_done(&self, id: i64, route: &str) -> Result<()>;
    /// Marks alert `id` delivered (on every route): it is no longer due.
    fn alert_delivered(&self, id: i64, now: &str) -> Result<()>;
    /// Records a failed delivery of alert `id`: one more attempt, due again at `next_at`.
    fn alert_retry(&self, id: i64, next_at: &str, error: &str) -> Result<()>;
    /// The newest `limit` alerts, newest first, delivered or not.
    fn alerts(&self, limit: u32) -> Result<Vec<AlertRow>>;
}

/// The operations page's questions over the ledger ([`Ledger`]'s rows).
pub trait FileSearch {
    /// The page of rows matching `q`, newest first, and how many match in all.
    fn search_files(&self, q: &FileQuery) -> Result<(Vec<FileRow>, u64)>;
    /// How many rows matching `q` were received each day (`YYYY-MM-DD`) in each state, latest
    /// day first (`q.offset` and `q.limit` are not read).
    fn file_counts(&self, q: &FileQuery) -> Result<Vec<(String, String, u64)>>;
    /// When the partner's latest file was received (RFC 3339), if ever.
    fn last_upload(&self, partner: &str) -> Result<Option<String>>;
    /// The partner's rows received at or after `from` and before `to` (RFC 3339), oldest first.
    fn received_between(&self, partner: &str, from: &str, to: &str) -> Result<Vec<FileRow>>;
}
