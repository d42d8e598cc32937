//! Several nodes sharing the work (issue 11, `docs/MULTI-NODE.md`): nodes and their
//! heartbeats, leases on work (an inbox file, a nightly run), and work done once. Every time is
//! the database server's (`now()`), so the nodes' clocks never have to agree.

/// The cluster's tables (a migration of [`super::MIGRATIONS`]).
pub(crate) const SCHEMA: &str = r#"
-- The nodes serving: each writes its heartbeat; one whose heartbeat is older than the lease
-- time is taken as dead.
CREATE TABLE nodes (
    name TEXT PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL,
    info TEXT NOT NULL DEFAULT ''
);
-- Work a node has taken until its lease expires: kind 'file' (key: partner/path) or
-- 'nightly' (key: partner/date).
CREATE TABLE leases (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    node TEXT NOT NULL,
    taken_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX leases_node ON leases(node);
-- Work finished, once: a lease on it is never taken again.
CREATE TABLE work_done (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    node TEXT NOT NULL,
    done_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, key)
);
"#;

/// Files waiting for their prerequisites (D7), for whichever node processes them (a migration
/// of [`super::MIGRATIONS`]). `waiting_for` is the types joined by `,` (type names have none).
pub(crate) const HELD: &str = r#"
CREATE TABLE held_files (
    partner TEXT NOT NULL,
    path TEXT NOT NULL,
    since TEXT NOT NULL,
    waiting_for TEXT NOT NULL,
    released TEXT,
    PRIMARY KEY (partner, path)
);
"#;

use super::PgStore;
use crate::api::{Cluster, HeldNotes};
use crate::cluster::{HeldNote, Lease, NodeRow};
use crate::Result;
use postgres::GenericClient;
use std::time::Duration;

/// A timestamp column as RFC 3339 UTC with milliseconds, like the rest of bankdrop's stamps;
/// formatted by the server so the node's time zone never enters.
macro_rules! utc {
    ($col:literal) => {
        concat!(
            "to_char(",
            $col,
            " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        )
    };
}

/// Seconds as a float8 parameter, for `make_interval(secs => ...)`: sub-second leases work.
fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Every unexpired lease, in byte order of kind and key (whatever the server's collation).
fn live_leases(c: &mut impl GenericClient) -> Result<Vec<Lease>> {
    let rows = c.query(
        concat!(
            "SELECT kind, key, node, ",
            utc!("expires_at"),
            " FROM leases WHERE expires_at > now() \
             ORDER BY kind COLLATE \"C\", key COLLATE \"C\""
        ),
        &[],
    )?;
    rows.iter().map(lease).collect()
}

/// A lease from a row of (kind, key, node, expires_at as text).
fn lease(r: &postgres::Row) -> Result<Lease> {
    Ok(Lease {
        kind: r.try_get(0)?,
        key: r.try_get(1)?,
        node: r.try_get(2)?,
        expires_at: r.try_get(3)?,
    })
}

impl Cluster for PgStore {
    /// Says `node` is alive (and what it is, in `info`): its row is made on the first
    /// heartbeat, which is then its start; later ones move only `heartbeat_at` and `info`.
    fn heartbeat(&self, node: &str, info: &str) -> Result<()> {
        self.client()?.execute(
            "INSERT INTO nodes(name, started_at, heartbeat_at, info) VALUES ($1, now(), now(), $2) \
             ON CONFLICT (name) DO UPDATE SET heartbeat_at = now(), info = excluded.info",
            &[&node, &info],
        )?;
        Ok(())
    }

    /// Every node that ever sent a heartbeat, by name, with its unexpired leases; a node whose
    /// heartbeat is older than `dead_after` is reported not alive. Leases of a node that never
    /// sent a heartbeat are only in [`Cluster::leases`].
    fn nodes(&self, dead_after: Duration) -> Result<Vec<NodeRow>> {
        let mut c = self.client()?;
        // One transaction: one now() for liveness and leases, so the two agree.
        let mut tx = c.build_transaction().read_only(true).start()?;
        let rows = tx.query(
            concat!(
                "SELECT name, ",
                utc!("started_at"),
                ", ",
                utc!("heartbeat_at"),
                ", heartbeat_at > now() - make_interval(secs => $1::float8), info \
                 FROM nodes ORDER BY name COLLATE \"C\""
            ),
            &[&secs(dead_after)],
        )?;
        let mut leases = live_leases(&mut tx)?;
        tx.commit()?;
        rows.iter()
            .map(|r| {
                let name: String = r.try_get(0)?;
                let (mine, rest) = leases.drain(..).partition(|l| l.node == name);
                leases = rest;
                Ok(NodeRow {
                    started_at: r.try_get(1)?,
                    heartbeat_at: r.try_get(2)?,
                    alive: r.try_get(3)?,
                    info: r.try_get(4)?,
                    leases: mine,
                    name,
                })
            })
            .collect()
    }

    /// Takes the lease on (`kind`, `key`) for `node` until now + `ttl`; true if `node` holds it
    /// now: it was free, or expired (its node died or stalled), or already `node`'s (renewed).
    /// False if another node holds it unexpired, or the work is done.
    fn take_lease(&self, kind: &str, key: &str, node: &str, ttl: Duration) -> Result<bool> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        // One statement decides between nodes: the insert, or the update of a row it conflicts
        // with, locks the lease row, and the update's condition is checked on the row's latest
        // version. A node renewing keeps its `taken_at`.
        let taken = tx.query_opt(
            "INSERT INTO leases(kind, key, node, taken_at, expires_at) \
             SELECT $1::text, $2::text, $3::text, now(), now() + make_interval(secs => $4::float8) \
             WHERE NOT EXISTS (SELECT 1 FROM work_done WHERE kind = $1 AND key = $2) \
             ON CONFLICT (kind, key) DO UPDATE SET node = excluded.node, \
             taken_at = CASE WHEN leases.node = excluded.node AND leases.expires_at > now() \
                        THEN leases.taken_at ELSE excluded.taken_at END, \
             expires_at = excluded.expires_at \
             WHERE leases.expires_at <= now() OR leases.node = excluded.node \
             RETURNING 1",
            &[&kind, &key, &node, &secs(ttl)],
        )?;
        if taken.is_none() {
            tx.rollback()?;
            return Ok(false);
        }
        // The NOT EXISTS above saw the statement's snapshot. If the holder finished the work
        // while we waited on its lease row, the row is gone and our insert went in, yet the
        // snapshot missed its `work_done` row. A new statement sees every commit before it, and
        // that finish committed before our insert could: look again, and give the lease up.
        let done: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM work_done WHERE kind = $1 AND key = $2)",
                &[&kind, &key],
            )?
            .try_get(0)?;
        if done {
            tx.rollback()?;
            return Ok(false);
        }
        tx.commit()?;
        Ok(true)
    }

    /// Extends every unexpired lease of `node` to now + `ttl`, while it is still working;
    /// returns how many. An expired lease is not revived: another node may have taken it, and
    /// [`Cluster::take_lease`] is the way back to it.
    fn renew_leases(&self, node: &str, ttl: Duration) -> Result<u64> {
        // A lease row a commit of this node has share-locked (its fence) is skipped, not
        // waited for: it cannot be taken over until that commit ends, and waiting would hold
        // up the heartbeat behind the commit's result files.
        Ok(self.client()?.execute(
            "UPDATE leases SET expires_at = now() + make_interval(secs => $2::float8) \
             WHERE (kind, key) IN (SELECT kind, key FROM leases \
             WHERE node = $1 AND expires_at > now() FOR UPDATE SKIP LOCKED)",
            &[&node, &secs(ttl)],
        )?)
    }

    /// Gives up `node`'s lease on (`kind`, `key`) without finishing the work, so another node
    /// may take it at once; true if `node` held it. Another node's lease is left alone.
    fn release_lease(&self, kind: &str, key: &str, node: &str) -> Result<bool> {
        let n = self.client()?.execute(
            "DELETE FROM leases WHERE kind = $1 AND key = $2 AND node = $3",
            &[&kind, &key, &node],
        )?;
        Ok(n > 0)
    }

    /// Marks (`kind`, `key`) done by `node` and drops its lease, in one transaction; true then.
    /// False, changing nothing, when `node` no longer holds an unexpired lease on it: a node
    /// that stalled and lost its lease must not mark work another node has taken over.
    fn finish_work(&self, kind: &str, key: &str, node: &str) -> Result<bool> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        // The delete first: it locks the lease row, so a node taking the lease over waits for
        // this commit (and then sees the work done), or this waits for the takeover (and then
        // finds the row no longer `node`'s).
        let held = tx.execute(
            "DELETE FROM leases WHERE kind = $1 AND key = $2 AND node = $3 AND expires_at > now()",
            &[&kind, &key, &node],
        )?;
        if held == 0 {
            tx.rollback()?;
            return Ok(false);
        }
        let done = tx.execute(
            "INSERT INTO work_done(kind, key, node, done_at) VALUES ($1, $2, $3, now()) \
             ON CONFLICT (kind, key) DO NOTHING",
            &[&kind, &key, &node],
        )?;
        tx.commit()?;
        // Done already: not this node's finish (cannot happen while leases are taken through
        // `take_lease`, which refuses done work).
        Ok(done > 0)
    }

    /// Whether (`kind`, `key`) was finished by some node.
    fn is_done(&self, kind: &str, key: &str) -> Result<bool> {
        let row = self.client()?.query_one(
            "SELECT EXISTS (SELECT 1 FROM work_done WHERE kind = $1 AND key = $2)",
            &[&kind, &key],
        )?;
        Ok(row.try_get(0)?)
    }

    /// Every unexpired lease, by kind and key (in byte order).
    fn leases(&self) -> Result<Vec<Lease>> {
        live_leases(&mut *self.client()?)
    }

    fn expired_leases(&self, kind: &str) -> Result<Vec<Lease>> {
        let rows = self.client()?.query(
            concat!(
                "SELECT kind, key, node, ",
                utc!("expires_at"),
                " FROM leases WHERE kind = $1 AND expires_at <= now() \
                 ORDER BY key COLLATE \"C\""
            ),
            &[&kind],
        )?;
        rows.iter().map(lease).collect()
    }
}

fn held(r: &postgres::Row) -> Result<HeldNote> {
    let waiting: String = r.try_get(1)?;
    Ok(HeldNote {
        since: r.try_get(0)?,
        waiting_for: waiting
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        released: r.try_get(2)?,
    })
}

impl HeldNotes for PgStore {
    fn held_note(&self, partner: &str, path: &str) -> Result<Option<HeldNote>> {
        let row = self.client()?.query_opt(
            "SELECT since, waiting_for, released FROM held_files WHERE partner = $1 AND path = $2",
            &[&partner, &path],
        )?;
        row.as_ref().map(held).transpose()
    }

    fn set_held_note(&self, partner: &str, path: &str, note: &HeldNote) -> Result<()> {
        self.client()?.execute(
            "INSERT INTO held_files(partner, path, since, waiting_for, released) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (partner, path) DO UPDATE SET \
             since = excluded.since, waiting_for = excluded.waiting_for, \
             released = excluded.released",
            &[
                &partner,
                &path,
                &note.since,
                &note.waiting_for.join(","),
                &note.released,
            ],
        )?;
        Ok(())
    }

    fn take_held_note(&self, partner: &str, path: &str) -> Result<Option<HeldNote>> {
        let row = self.client()?.query_opt(
            "DELETE FROM held_files WHERE partner = $1 AND path = $2 \
             RETURNING since, waiting_for, released",
            &[&partner, &path],
        )?;
        row.as_ref().map(held).transpose()
    }
}
