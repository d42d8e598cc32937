//! The SQL of the operations concerns (`crate::ops`): SQLite's tables, and the statements
//! both backends run: parameters are written `$N` and first appear in order, which SQLite binds
//! by position as PostgreSQL does. On PostgreSQL the text columns compared or sorted are
//! `COLLATE "C"` (`pg::ops`), so they sort as SQLite's do.

/// SQLite's tables of these concerns (a migration of [`crate::MIGRATIONS`]). A change to them is
/// a new migration, never an edit of this one.
pub(crate) const SCHEMA: &str = r#"
-- The operations page's users; `partner` set: a partner's user, who sees that partner only.
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    partner TEXT,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
-- Signed-in browsers, by the hash of their cookie's id.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_name);
-- API tokens, by their hash (the token itself is never stored); a label names one per user.
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    UNIQUE (user_name, label)
);
-- Append-only: nothing updates or deletes a row.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_user ON audit_log(user_name, id);
-- What the nightly run of a (partner, day) found; a rerun replaces it and its breaks.
CREATE TABLE recon_days (
    partner TEXT NOT NULL,
    date TEXT NOT NULL,
    run_at TEXT NOT NULL,
    breaks INTEGER NOT NULL,
    summary_json TEXT NOT NULL,
    PRIMARY KEY (partner, date)
);
CREATE INDEX recon_days_date ON recon_days(date, partner);
-- Amounts are decimal texts, as written.
CREATE TABLE recon_breaks (
    partner TEXT NOT NULL,
    date TEXT NOT NULL,
    balance_id TEXT NOT NULL,
    account_id TEXT,
    balance_type TEXT NOT NULL,
    status TEXT NOT NULL,
    component TEXT NOT NULL,
    opening TEXT NOT NULL,
    activity TEXT NOT NULL,
    expected TEXT NOT NULL,
    reported TEXT NOT NULL,
    difference TEXT NOT NULL
);
CREATE INDEX recon_breaks_day ON recon_breaks(partner, date, balance_id, component);
-- Append-only.
CREATE TABLE break_acks (
    id INTEGER PRIMARY KEY,
    partner TEXT NOT NULL,
    balance_id TEXT NOT NULL,
    component TEXT NOT NULL,
    first_date TEXT NOT NULL,
    user_name TEXT NOT NULL,
    note TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX break_acks_partner ON break_acks(partner, id);
-- Alerts written by the transaction of their event, delivered later (with retries).
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    partner TEXT,
    dedupe_key TEXT NOT NULL UNIQUE,
    payload_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at TEXT NOT NULL,
    last_error TEXT,
    delivered_at TEXT
);
CREATE INDEX alerts_due ON alerts(next_at) WHERE delivered_at IS NULL;
-- The routes an alert went out on already (a retry skips them).
CREATE TABLE alert_routes (
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    route TEXT NOT NULL,
    PRIMARY KEY (alert_id, route)
);
-- The file list of the operations page.
CREATE INDEX files_received ON files(partner, received_at);
"#;

/// The file list's filter, a `WHERE` clause: partner, type, from, to, state, late,
/// name pattern (`$1`..`$7`, NULL: any). `$c` is the collation text compares by (PostgreSQL's
/// `COLLATE "C"`: byte order, as SQLite compares).
macro_rules! file_filter {
    ($c:literal) => {
        concat!(
            "WHERE (CAST($1 AS TEXT) IS NULL OR partner = $1) \
             AND (CAST($2 AS TEXT) IS NULL OR file_type = $2) \
             AND (CAST($3 AS TEXT) IS NULL OR substr(received_at, 1, 10)",
            $c,
            " >= $3) AND (CAST($4 AS TEXT) IS NULL OR substr(received_at, 1, 10)",
            $c,
            " <= $4) AND (CAST($5 AS TEXT) IS NULL OR state = $5) \
             AND (CAST($6 AS BOOLEAN) IS NULL OR late = $6) \
             AND (CAST($7 AS TEXT) IS NULL OR lower(name) LIKE $7 ESCAPE '\\')"
        )
    };
}

/// A user's columns, of `users u`.
macro_rules! user {
    ($rest:literal) => {
        concat!(
            "SELECT u.name, u.partner, u.password_hash, u.created_at",
            $rest
        )
    };
}
/// A day's row's columns.
macro_rules! day {
    ($rest:literal) => {
        concat!(
            "SELECT partner, date, run_at, breaks, summary_json FROM recon_days",
            $rest
        )
    };
}
/// An alert's columns, but its routes.
macro_rules! alert {
    ($rest:literal) => {
        concat!(
            "SELECT id, kind, partner, dedupe_key, payload_json, created_at, attempts, \
             next_at, last_error, delivered_at FROM alerts",
            $rest
        )
    };
}

/// A new user: name, partner, hash, now; nothing when the name is taken.
pub const ADD_USER: &str = "INSERT INTO users(name, partner, password_hash, created_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
/// Removes a user (its sessions and tokens cascade): name.
pub const REMOVE_USER: &str = "DELETE FROM users WHERE name = $1";
/// One user: name.
pub const USER_BY_NAME: &str = user!(" FROM users u WHERE u.name = $1");
/// Every user, by name.
pub const USERS: &str = user!(" FROM users u ORDER BY u.name");
/// A new session of an existing user: id hash, now, expiry, user.
pub const CREATE_SESSION: &str =
    "INSERT INTO sessions(id_hash, user_name, created_at, expires_at) \
     SELECT $1, name, $2, $3 FROM users WHERE name = $4";
/// The user of an unexpired session: id hash, now.
pub const SESSION_USER: &str = user!(
    " FROM sessions s JOIN users u ON u.name = s.user_name \
      WHERE s.id_hash = $1 AND s.expires_at > $2"
);
/// Ends a session: id hash.
pub const END_SESSION: &str = "DELETE FROM sessions WHERE id_hash = $1";
/// A new token of an existing user: hash, label, now, expiry, user; nothing when the user has
/// a token of that label.
pub const ADD_TOKEN: &str =
    "INSERT INTO api_tokens(token_hash, user_name, label, created_at, expires_at) \
     SELECT $1, name, $2, $3, $4 FROM users WHERE name = $5 ON CONFLICT DO NOTHING";
/// The user of an unexpired token: hash, now.
pub const TOKEN_USER: &str = user!(
    " FROM api_tokens t JOIN users u ON u.name = t.user_name \
      WHERE t.token_hash = $1 AND (t.expires_at IS NULL OR t.expires_at > $2)"
);
/// A user's tokens, by label: user.
pub const TOKENS: &str = "SELECT label, created_at, expires_at FROM api_tokens \
     WHERE user_name = $1 ORDER BY label";
/// Revokes a token: user, label.
pub const REVOKE_TOKEN: &str = "DELETE FROM api_tokens WHERE user_name = $1 AND label = $2";

/// Appends to the audit log: at, user, action, detail.
pub const AUDIT: &str =
    "INSERT INTO audit_log(at, user_name, action, detail) VALUES ($1, $2, $3, $4)";
/// The newest entries: user or NULL, limit.
pub const AUDIT_LOG: &str = "SELECT id, at, user_name, action, detail FROM audit_log \
     WHERE (CAST($1 AS TEXT) IS NULL OR user_name = $1) ORDER BY id DESC LIMIT $2";

/// Drops a day's breaks (before its new ones): partner, date.
pub const CLEAR_BREAKS: &str = "DELETE FROM recon_breaks WHERE partner = $1 AND date = $2";
/// A day's row, replacing the previous run's: partner, date, run_at, breaks, summary.
pub const PUT_DAY: &str = "INSERT INTO recon_days(partner, date, run_at, breaks, summary_json) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (partner, date) DO UPDATE SET \
     run_at = excluded.run_at, breaks = excluded.breaks, summary_json = excluded.summary_json";
/// A break of a day: partner, date, then its columns as [`BREAKS`] reads them, from
/// balance_id.
pub const PUT_BREAK: &str = "INSERT INTO recon_breaks(partner, date, balance_id, account_id, \
     balance_type, status, component, opening, activity, expected, reported, difference) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
/// One day: partner, date.
pub const RECON_DAY: &str = day!(" WHERE partner = $1 AND date = $2");
/// Days in a range, by date then partner: partner or NULL, from, to (inclusive).
pub const RECON_DAYS: &str = day!(
    " WHERE (CAST($1 AS TEXT) IS NULL OR partner = $1) AND date >= $2 AND date <= $3 \
      ORDER BY date, partner"
);
/// A partner's breaks in a range: partner, from, to (inclusive).
pub const BREAKS: &str = "SELECT date, balance_id, account_id, balance_type, status, \
     component, opening, activity, expected, reported, difference FROM recon_breaks \
     WHERE partner = $1 AND date >= $2 AND date <= $3 ORDER BY date, balance_id, component";
/// Appends an acknowledgement: partner, balance, component, first date, user, note, at.
pub const ACK_BREAK: &str = "INSERT INTO break_acks(partner, balance_id, component, \
     first_date, user_name, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
/// A partner's acknowledgements, by id: partner.
pub const BREAK_ACKS: &str = "SELECT id, partner, balance_id, component, first_date, \
     user_name, note, at FROM break_acks WHERE partner = $1 ORDER BY id";

/// A new alert, due at once: kind, partner, key, payload, at; nothing when the key is taken.
pub const ENQUEUE_ALERT: &str = "INSERT INTO alerts(kind, partner, dedupe_key, payload_json, \
     created_at, next_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING";
/// Undelivered alerts due, oldest first: now, limit.
pub const DUE_ALERTS: &str =
    alert!(" WHERE delivered_at IS NULL AND next_at <= $1 ORDER BY id LIMIT $2");
/// The newest alerts: limit.
pub const ALERTS: &str = alert!(" ORDER BY id DESC LIMIT $1");
/// An alert's routes done: id.
pub const ALERT_ROUTES: &str = "SELECT route FROM alert_routes WHERE alert_id = $1";
/// A route done: id, route.
pub const ROUTE_DONE: &str =
    "INSERT INTO alert_routes(alert_id, route) VALUES ($1, $2) ON CONFLICT DO NOTHING";
/// Delivered: now, id.
pub const DELIVERED: &str = "UPDATE alerts SET delivered_at = $1 WHERE id = $2";
/// A failed delivery: next_at, error, id.
pub const RETRY: &str =
    "UPDATE alerts SET attempts = attempts + 1, next_at = $1, last_error = $2 WHERE id = $3";

/// The file list's questions over the ledger, `FROM files` on: its filter's seven parameters
/// (partner, type, from, to, state, late, name pattern), then the rest. SQLite's text; the
/// same with `COLLATE "C"` where text is compared is [`crate::pg`]'s.
macro_rules! file_sql {
    ($c:literal) => {
        FileSql {
            page: concat!(file_filter!($c), " ORDER BY id DESC LIMIT $8 OFFSET $9"),
            count: concat!("SELECT count(*) FROM files ", file_filter!($c)),
            by_day: concat!(
                "SELECT substr(received_at, 1, 10), state, count(*) FROM files ",
                file_filter!($c),
                " GROUP BY 1, 2 ORDER BY 1 DESC, 2"
            ),
            last_upload: concat!(
                "SELECT max(received_at",
                $c,
                ") FROM files WHERE partner = $1"
            ),
            between: concat!(
                "WHERE partner = $1 AND received_at",
                $c,
                " >= $2 AND received_at",
                $c,
                " < $3 ORDER BY received_at",
                $c,
                ", id"
            ),
        }
    };
}

/// The SQL of [`crate::api::FileSearch`] on one backend.
pub(crate) struct FileSql {
    /// A page of matching rows, newest first (after `SELECT {COLUMNS} FROM files`): the
    /// filter's seven, limit, offset.
    pub page: &'static str,
    /// How many rows match: the filter's seven.
    pub count: &'static str,
    /// Matching rows by day (descending) and state: the filter's seven.
    pub by_day: &'static str,
    /// A partner's newest `received_at`: partner.
    pub last_upload: &'static str,
    /// A partner's rows received in [from, to), oldest first (after `SELECT {COLUMNS} FROM
    /// files`): partner, from, to.
    pub between: &'static str,
}

/// SQLite's [`FileSql`].
pub(crate) const FILE_SQL: FileSql = file_sql!("");
/// PostgreSQL's [`FileSql`]: text compared in byte order, as SQLite compares it.
pub(crate) const PG_FILE_SQL: FileSql = file_sql!(" COLLATE \"C\"");
