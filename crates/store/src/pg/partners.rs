//! Partners and their SSH public keys, on PostgreSQL.

use super::PgStore;
use crate::api::Partners;
use crate::{Error, PartnerRow, Result};

impl Partners for PgStore {
    fn add_partner(&self, name: &str, root: &str, now: &str) -> Result<()> {
        let n = self.client()?.execute(
            "INSERT INTO partners(name, root, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[&name, &root, &now],
        )?;
        if n == 0 {
            return Err(Error::Partner(format!("partner `{name}` already exists")));
        }
        Ok(())
    }

    fn add_key(&self, name: &str, key: &str) -> Result<()> {
        // One statement: a partner removed meanwhile makes it insert nothing.
        let n = self.client()?.execute(
            "INSERT INTO partner_keys(partner, key) SELECT name, $2 FROM partners WHERE name = $1 \
             ON CONFLICT DO NOTHING",
            &[&name, &key.trim()],
        )?;
        if n == 0 && self.partner(name)?.is_none() {
            return Err(Error::Partner(format!("no partner `{name}`")));
        }
        Ok(())
    }

    fn remove_partner(&self, name: &str) -> Result<()> {
        let n = self
            .client()?
            .execute("DELETE FROM partners WHERE name = $1", &[&name])?;
        if n == 0 {
            return Err(Error::Partner(format!("no partner `{name}`")));
        }
        Ok(())
    }

    fn partner(&self, name: &str) -> Result<Option<PartnerRow>> {
        let rows = self.client()?.query(
            "SELECT p.root, k.key FROM partners p LEFT JOIN partner_keys k ON k.partner = p.name \
             WHERE p.name = $1 ORDER BY k.key COLLATE \"C\"",
            &[&name],
        )?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        Ok(Some(PartnerRow {
            name: name.to_string(),
            root: first.get(0),
            keys: rows.iter().filter_map(|r| r.get(1)).collect(),
        }))
    }

    fn partners(&self) -> Result<Vec<PartnerRow>> {
        let rows = self.client()?.query(
            "SELECT p.name, p.root, k.key FROM partners p \
             LEFT JOIN partner_keys k ON k.partner = p.name ORDER BY p.name COLLATE \"C\", k.key COLLATE \"C\"",
            &[],
        )?;
        let mut out: Vec<PartnerRow> = Vec::new();
        for r in &rows {
            let name: String = r.get(0);
            if out.last().is_none_or(|p| p.name != name) {
                out.push(PartnerRow {
                    name,
                    root: r.get(1),
                    keys: Vec::new(),
                });
            }
            if let (Some(p), Some(key)) = (out.last_mut(), r.get::<_, Option<String>>(2)) {
                p.keys.push(key);
            }
        }
        Ok(out)
    }
}
