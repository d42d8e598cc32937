//! Partners and their SSH public keys.

use crate::api::Partners;
use crate::{Error, Result, Store};
use rusqlite::{params, OptionalExtension};

/// A partner as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PartnerRow {
    /// Login name, also the SFTP user.
    pub name: String,
    /// Root of the partner's tree (its jail).
    pub root: String,
    /// OpenSSH public-key lines.
    pub keys: Vec<String>,
}

impl Partners for Store {
    fn add_partner(&self, name: &str, root: &str, now: &str) -> Result<()> {
        let c = self.conn();
        let n = c.execute(
            "INSERT OR IGNORE INTO partners(name, root, created_at) VALUES (?1, ?2, ?3)",
            params![name, root, now],
        )?;
        if n == 0 {
            return Err(Error::Partner(format!("partner `{name}` already exists")));
        }
        Ok(())
    }

    fn add_key(&self, name: &str, key: &str) -> Result<()> {
        self.partner(name)?
            .ok_or_else(|| Error::Partner(format!("no partner `{name}`")))?;
        self.conn().execute(
            "INSERT OR IGNORE INTO partner_keys(partner, key) VALUES (?1, ?2)",
            params![name, key.trim()],
        )?;
        Ok(())
    }

    fn remove_partner(&self, name: &str) -> Result<()> {
        let n = self
            .conn()
            .execute("DELETE FROM partners WHERE name = ?1", params![name])?;
        if n == 0 {
            return Err(Error::Partner(format!("no partner `{name}`")));
        }
        Ok(())
    }

    fn partner(&self, name: &str) -> Result<Option<PartnerRow>> {
        let c = self.reader()?;
        let root: Option<String> = c
            .query_row(
                "SELECT root FROM partners WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()?;
        let Some(root) = root else { return Ok(None) };
        let mut st = c.prepare("SELECT key FROM partner_keys WHERE partner = ?1 ORDER BY key")?;
        let keys = st
            .query_map(params![name], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(PartnerRow {
            name: name.to_string(),
            root,
            keys,
        }))
    }

    fn partners(&self) -> Result<Vec<PartnerRow>> {
        let names: Vec<String> = {
            let c = self.reader()?;
            let mut st = c.prepare("SELECT name FROM partners ORDER BY name")?;
            let names = st
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            names
        };
        let mut out = Vec::new();
        for n in names {
            out.extend(self.partner(&n)?);
        }
        Ok(out)
    }
}
