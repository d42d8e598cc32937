//! The operations concerns on PostgreSQL (`crate::ops`): the same tables as SQLite's, the same
//! statements (`crate::ops::sql`). Every text column compared or sorted is `COLLATE "C"`, so
//! it compares in byte order as SQLite's does, whatever the server's collation.

#[path = "ops_data.rs"]
mod data;

use super::PgStore;
use crate::api::{Audit, Users};
use crate::ops::{sql, token_refused};
use crate::{AuditRow, Error, Result, TokenRow, UserRow};
use postgres::types::ToSql;

/// The tables (a migration of [`super::MIGRATIONS`]): SQLite's schema 8 (`crate::ops::sql`).
pub(crate) const SCHEMA: &str = r#"
CREATE TABLE users (
    name TEXT COLLATE "C" PRIMARY KEY,
    partner TEXT,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_name TEXT COLLATE "C" NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_name);
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_name TEXT COLLATE "C" NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    label TEXT COLLATE "C" NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT COLLATE "C",
    UNIQUE (user_name, label)
);
CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_user ON audit_log(user_name, id);
CREATE TABLE recon_days (
    partner TEXT COLLATE "C" NOT NULL,
    date TEXT COLLATE "C" NOT NULL,
    run_at TEXT NOT NULL,
    breaks BIGINT NOT NULL,
    summary_json TEXT NOT NULL,
    PRIMARY KEY (partner, date)
);
CREATE INDEX recon_days_date ON recon_days(date, partner);
CREATE TABLE recon_breaks (
    partner TEXT NOT NULL,
    date TEXT COLLATE "C" NOT NULL,
    balance_id TEXT COLLATE "C" NOT NULL,
    account_id TEXT,
    balance_type TEXT NOT NULL,
    status TEXT NOT NULL,
    component TEXT COLLATE "C" NOT NULL,
    opening TEXT NOT NULL,
    activity TEXT NOT NULL,
    expected TEXT NOT NULL,
    reported TEXT NOT NULL,
    difference TEXT NOT NULL
);
CREATE INDEX recon_breaks_day ON recon_breaks(partner, date, balance_id, component);
CREATE TABLE break_acks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner TEXT NOT NULL,
    balance_id TEXT NOT NULL,
    component TEXT NOT NULL,
    first_date TEXT NOT NULL,
    user_name TEXT NOT NULL,
    note TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX break_acks_partner ON break_acks(partner, id);
CREATE TABLE alerts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    partner TEXT,
    dedupe_key TEXT NOT NULL UNIQUE,
    payload_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at TEXT COLLATE "C" NOT NULL,
    last_error TEXT,
    delivered_at TEXT
);
CREATE INDEX alerts_due ON alerts(next_at) WHERE delivered_at IS NULL;
CREATE TABLE alert_routes (
    alert_id BIGINT NOT NULL REFERENCES alerts(id),
    route TEXT NOT NULL,
    PRIMARY KEY (alert_id, route)
);
CREATE INDEX files_received ON files(partner, received_at COLLATE "C");
"#;

fn user(r: &postgres::Row) -> Result<UserRow> {
    Ok(UserRow {
        name: r.try_get(0)?,
        partner: r.try_get(1)?,
        password_hash: r.try_get(2)?,
        created_at: r.try_get(3)?,
    })
}

impl PgStore {
    /// The users one of the user queries finds.
    fn user_rows(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<UserRow>> {
        self.client()?
            .query(sql, params)?
            .iter()
            .map(user)
            .collect()
    }

    /// The first user one of the user queries finds, if any.
    fn one_user(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<UserRow>> {
        Ok(self.user_rows(sql, params)?.into_iter().next())
    }

    /// Runs one statement; how many rows it changed.
    fn change(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        Ok(self.client()?.execute(sql, params)?)
    }
}

impl Users for PgStore {
    fn add_user(
        &self,
        name: &str,
        partner: Option<&str>,
        password_hash: &str,
        now: &str,
    ) -> Result<()> {
        if self.change(sql::ADD_USER, &[&name, &partner, &password_hash, &now])? == 0 {
            return Err(Error::User(format!("user `{name}` already exists")));
        }
        Ok(())
    }

    fn remove_user(&self, name: &str) -> Result<bool> {
        // Its sessions and tokens go by `ON DELETE CASCADE`.
        Ok(self.change(sql::REMOVE_USER, &[&name])? > 0)
    }

    fn user(&self, name: &str) -> Result<Option<UserRow>> {
        self.one_user(sql::USER_BY_NAME, &[&name])
    }

    fn users(&self) -> Result<Vec<UserRow>> {
        self.user_rows(sql::USERS, &[])
    }

    fn create_session(&self, id_hash: &str, user: &str, now: &str, expires_at: &str) -> Result<()> {
        if self.change(sql::CREATE_SESSION, &[&id_hash, &now, &expires_at, &user])? == 0 {
            return Err(Error::User(format!("no user `{user}`")));
        }
        Ok(())
    }

    fn session_user(&self, id_hash: &str, now: &str) -> Result<Option<UserRow>> {
        self.one_user(sql::SESSION_USER, &[&id_hash, &now])
    }

    fn end_session(&self, id_hash: &str) -> Result<()> {
        self.change(sql::END_SESSION, &[&id_hash])?;
        Ok(())
    }

    fn add_token(
        &self,
        token_hash: &str,
        user: &str,
        label: &str,
        now: &str,
        expires_at: Option<&str>,
    ) -> Result<()> {
        let n = self.change(
            sql::ADD_TOKEN,
            &[&token_hash, &label, &now, &expires_at, &user],
        )?;
        if n == 0 {
            return Err(token_refused(self.user(user)?.is_some(), user, label));
        }
        Ok(())
    }

    fn token_user(&self, token_hash: &str, now: &str) -> Result<Option<UserRow>> {
        self.one_user(sql::TOKEN_USER, &[&token_hash, &now])
    }

    fn tokens(&self, user: &str) -> Result<Vec<TokenRow>> {
        let rows = self.client()?.query(sql::TOKENS, &[&user])?;
        rows.iter()
            .map(|r| {
                Ok(TokenRow {
                    label: r.try_get(0)?,
                    created_at: r.try_get(1)?,
                    expires_at: r.try_get(2)?,
                })
            })
            .collect()
    }

    fn revoke_token(&self, user: &str, label: &str) -> Result<bool> {
        Ok(self.change(sql::REVOKE_TOKEN, &[&user, &label])? > 0)
    }
}

impl Audit for PgStore {
    fn audit(&self, at: &str, user: &str, action: &str, detail: &str) -> Result<()> {
        self.change(sql::AUDIT, &[&at, &user, &action, &detail])?;
        Ok(())
    }

    fn audit_log(&self, user: Option<&str>, limit: u32) -> Result<Vec<AuditRow>> {
        let rows = self
            .client()?
            .query(sql::AUDIT_LOG, &[&user, &i64::from(limit)])?;
        rows.iter()
            .map(|r| {
                Ok(AuditRow {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    user: r.try_get(2)?,
                    action: r.try_get(3)?,
                    detail: r.try_get(4)?,
                })
            })
            .collect()
    }
}
