//! The operations page's users, sessions, API tokens and audit log on SQLite.

use super::sql;
use super::{token_refused, AuditRow, TokenRow, UserRow};
use crate::api::{Audit, Users};
use crate::{Error, Result, Store};
use rusqlite::{params, OptionalExtension, Row};

/// A user from a row of [`sql::USER_BY_NAME`]'s columns.
fn user(r: &Row) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        name: r.get(0)?,
        partner: r.get(1)?,
        password_hash: r.get(2)?,
        created_at: r.get(3)?,
    })
}

impl Store {
    /// The user one of the user queries finds, if any.
    fn one_user(&self, sql: &str, p: impl rusqlite::Params) -> Result<Option<UserRow>> {
        Ok(self.reader()?.query_row(sql, p, user).optional()?)
    }

    /// Runs a statement on the write connection; how many rows it changed.
    fn change(&self, sql: &str, p: impl rusqlite::Params) -> Result<usize> {
        let n = self.conn().execute(sql, p)?;
        self.committed();
        Ok(n)
    }
}

impl Users for Store {
    fn add_user(
        &self,
        name: &str,
        partner: Option<&str>,
        password_hash: &str,
        now: &str,
    ) -> Result<()> {
        if self.change(sql::ADD_USER, params![name, partner, password_hash, now])? == 0 {
            return Err(Error::User(format!("user `{name}` already exists")));
        }
        Ok(())
    }

    fn remove_user(&self, name: &str) -> Result<bool> {
        // Its sessions and tokens go by `ON DELETE CASCADE` (foreign keys are on).
        Ok(self.change(sql::REMOVE_USER, params![name])? > 0)
    }

    fn user(&self, name: &str) -> Result<Option<UserRow>> {
        self.one_user(sql::USER_BY_NAME, params![name])
    }

    fn users(&self) -> Result<Vec<UserRow>> {
        let c = self.reader()?;
        let mut st = c.prepare(sql::USERS)?;
        let rows = st.query_map([], user)?.collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn create_session(&self, id_hash: &str, user: &str, now: &str, expires_at: &str) -> Result<()> {
        if self.change(sql::CREATE_SESSION, params![id_hash, now, expires_at, user])? == 0 {
            return Err(Error::User(format!("no user `{user}`")));
        }
        Ok(())
    }

    fn session_user(&self, id_hash: &str, now: &str) -> Result<Option<UserRow>> {
        self.one_user(sql::SESSION_USER, params![id_hash, now])
    }

    fn end_session(&self, id_hash: &str) -> Result<()> {
        self.change(sql::END_SESSION, params![id_hash])?;
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
            params![token_hash, label, now, expires_at, user],
        )?;
        if n == 0 {
            return Err(token_refused(self.user(user)?.is_some(), user, label));
        }
        Ok(())
    }

    fn token_user(&self, token_hash: &str, now: &str) -> Result<Option<UserRow>> {
        self.one_user(sql::TOKEN_USER, params![token_hash, now])
    }

    fn tokens(&self, user: &str) -> Result<Vec<TokenRow>> {
        let c = self.reader()?;
        let mut st = c.prepare(sql::TOKENS)?;
        let rows = st
            .query_map(params![user], |r| {
                Ok(TokenRow {
                    label: r.get(0)?,
                    created_at: r.get(1)?,
                    expires_at: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    fn revoke_token(&self, user: &str, label: &str) -> Result<bool> {
        Ok(self.change(sql::REVOKE_TOKEN, params![user, label])? > 0)
    }
}

impl Audit for Store {
    fn audit(&self, at: &str, user: &str, action: &str, detail: &str) -> Result<()> {
        self.change(sql::AUDIT, params![at, user, action, detail])?;
        Ok(())
    }

    fn audit_log(&self, user: Option<&str>, limit: u32) -> Result<Vec<AuditRow>> {
        let c = self.reader()?;
        let mut st = c.prepare(sql::AUDIT_LOG)?;
        let rows = st
            .query_map(params![user, limit], |r| {
                Ok(AuditRow {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    user: r.get(2)?,
                    action: r.get(3)?,
                    detail: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}
