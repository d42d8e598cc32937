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
