//! What the operations page keeps (its web users, their sessions and API tokens, the audit log),
//! what each nightly run found (a day's summary and its breaks, and their acknowledgements), the
//! outbox of alerts waiting for delivery, and the page's questions over the ledger: the row types
//! of [`crate::api::Users`], [`crate::api::Audit`], [`crate::api::ReconResults`],
//! [`crate::api::AlertOutbox`] and [`crate::api::FileSearch`], their SQL (shared by both
//! backends where the text can be the same) and SQLite's tables (`pg::ops` has PostgreSQL's).
//!
//! Times are RFC 3339 texts passed in by the caller, so tests control the clock. Those the
//! store compares (a session's or token's expiry, an alert's `next_at`) compare as text: callers
//! pass them in one fixed form, UTC with milliseconds (`2026-03-02T01:00:00.000Z`). Money is a
//! [`Decimal`] kept as its text, exactly as written (`0.10` stays `0.10`).

#[path = "ops_access.rs"]
mod access;
#[path = "ops_data.rs"]
mod data;
#[path = "ops_sql.rs"]
pub(crate) mod sql;

use crate::{Error, Result};
use rust_decimal::Decimal;
use std::str::FromStr;

/// A user of the operations page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserRow {
    /// Login name.
    pub name: String,
    /// The partner whose user this is (who sees that partner only); `None`: the bank's.
    pub partner: Option<String>,
    /// The password's hash (never the password).
    pub password_hash: String,
    /// RFC 3339 time the user was added.
    pub created_at: String,
}

/// An API token of a user, as listed: never its hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenRow {
    /// The name the user gave it (one per user).
    pub label: String,
    /// RFC 3339 time it was made.
    pub created_at: String,
    /// RFC 3339 time it stops working; `None`: never.
    pub expires_at: Option<String>,
}

/// An entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    /// Its place in the log (later entries have greater ids).
    pub id: i64,
    /// RFC 3339 time of the action.
    pub at: String,
    /// Who did it.
    pub user: String,
    /// What was done (`login`, `add_user`...).
    pub action: String,
    /// Its particulars.
    pub detail: String,
}

/// What the nightly run of a partner's day found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReconDayRow {
    /// Partner name.
    pub partner: String,
    /// The day (`YYYY-MM-DD`).
    pub date: String,
    /// RFC 3339 time of the run that recorded it (the latest run).
    pub run_at: String,
    /// How many breaks it found.
    pub breaks: u64,
    /// The run's summary, as JSON.
    pub summary_json: String,
}

/// A break: a balance component whose reported amount is not the expected one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BreakRow {
    /// The day (`YYYY-MM-DD`).
    pub date: String,
    /// The balance's id.
    pub balance_id: String,
    /// The balance's account, when the balance file named one.
    pub account_id: Option<String>,
    /// The balance's `type`.
    pub balance_type: String,
    /// The balance's `status`.
    pub status: String,
    /// Which amount of the balance (`balance`, `outstanding_fees`...).
    pub component: String,
    /// The amount the day opened with.
    pub opening: Decimal,
    /// The day's activity on it.
    pub activity: Decimal,
    /// `opening` + `activity`.
    pub expected: Decimal,
    /// What the balance file reported.
    pub reported: Decimal,
    /// `reported` - `expected`.
    pub difference: Decimal,
}

/// Someone's acknowledgement of a break (append-only).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BreakAck {
    /// Its id (ignored by [`crate::api::ReconResults::ack_break`], which returns the new one).
    pub id: i64,
    /// Partner name.
    pub partner: String,
    /// The balance's id.
    pub balance_id: String,
    /// Which amount of the balance.
    pub component: String,
    /// The day the break first appeared (`YYYY-MM-DD`).
    pub first_date: String,
    /// Who acknowledged it.
    pub user: String,
    /// What they said.
    pub note: String,
    /// RFC 3339 time of the acknowledgement.
    pub at: String,
}

/// An alert to send, written with the event it tells of.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NewAlert {
    /// What kind of event (`file_rejected`, `recon_breaks`...).
    pub kind: String,
    /// The partner it concerns, if one.
    pub partner: Option<String>,
    /// One alert per key: a second one with the same key is not written.
    pub dedupe_key: String,
    /// What the alert says, as JSON.
    pub payload_json: String,
    /// RFC 3339 time of the event; also when it is first due.
    pub at: String,
}

/// An alert in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AlertRow {
    /// Its id (later alerts have greater ids).
    pub id: i64,
    /// What kind of event.
    pub kind: String,
    /// The partner it concerns, if one.
    pub partner: Option<String>,
    /// Its deduplication key.
    pub dedupe_key: String,
    /// What it says, as JSON.
    pub payload_json: String,
    /// RFC 3339 time it was written.
    pub created_at: String,
    /// Failed deliveries so far.
    pub attempts: u32,
    /// RFC 3339 time it is due (again).
    pub next_at: String,
    /// The routes it was delivered on already, by name.
    pub done_routes: Vec<String>,
    /// Why the last delivery failed.
    pub last_error: Option<String>,
    /// RFC 3339 time it was delivered on every route; `None` while it is not.
    pub delivered_at: Option<String>,
}

/// A question of the operations page's file list: every filter set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileQuery {
    /// Files of this partner.
    pub partner: Option<String>,
    /// Files of this type.
    pub file_type: Option<String>,
    /// Received on this day (`YYYY-MM-DD`) or later.
    pub from: Option<String>,
    /// Received on this day (`YYYY-MM-DD`) or earlier.
    pub to: Option<String>,
    /// In this state (`validating`, `accepted`, `rejected`, `duplicate`, `failed`).
    pub state: Option<String>,
    /// Late (`true`) or on time (`false`).
    pub late: Option<bool>,
    /// Whose name contains this, ignoring case (ASCII letters); `%` and `_` are plain characters.
    pub name_contains: Option<String>,
    /// Matching rows skipped (newest first).
    pub offset: u64,
    /// Matching rows returned at most.
    pub limit: u32,
}

impl FileQuery {
    /// The `LIKE` pattern of [`FileQuery::name_contains`]: lower-cased, its wildcards escaped
    /// with `\`.
    pub(crate) fn name_pattern(&self) -> Option<String> {
        self.name_contains.as_ref().map(|n| {
            let mut p = String::from("%");
            for ch in n.to_ascii_lowercase().chars() {
                if matches!(ch, '%' | '_' | '\\') {
                    p.push('\\');
                }
                p.push(ch);
            }
            p.push('%');
            p
        })
    }
}

/// Why a token was not added: no such user, or the label (or, by a one in 2^256 chance, the
/// hash) is taken.
pub(crate) fn token_refused(user_exists: bool, user: &str, label: &str) -> Error {
    if user_exists {
        Error::User(format!("user `{user}` has a token `{label}` already"))
    } else {
        Error::User(format!("no user `{user}`"))
    }
}

/// An amount as stored: its exact text.
pub(crate) fn parse_amount(what: &'static str, text: &str) -> Result<Decimal> {
    Decimal::from_str(text).map_err(|_| Error::Damaged {
        what,
        key: text.to_string(),
    })
}
