//! Partners, their SSH public keys, access and schedule, on PostgreSQL.

use super::PgStore;
use crate::api::Partners;
use crate::partners_v12::split_list;
use crate::{Error, PartnerRow, PartnerSchedule, Result};

/// The partner columns every query reads first, in [`partner_row`]'s order; the key follows.
const COLUMNS: &str = "p.name, p.root, p.allow_from, p.day0, p.cadence, p.daily_types";

/// A partner from a row starting with [`COLUMNS`], its keys still to add.
fn partner_row(r: &postgres::Row) -> PartnerRow {
    PartnerRow {
        name: r.get(0),
        root: r.get(1),
        keys: Vec::new(),
        allow_from: split_list(r.get(2)),
        schedule: PartnerSchedule {
            day0: r.get(3),
            cadence: r.get(4),
            daily_types: split_list(r.get(5)),
        },
    }
}

impl PgStore {
    /// Partners (one, or all when `name` is `None`) with their keys, by name.
    fn partner_rows(&self, name: Option<&str>) -> Result<Vec<PartnerRow>> {
        let rows = self.client()?.query(
            &format!(
                "SELECT {COLUMNS}, k.key FROM partners p \
                 LEFT JOIN partner_keys k ON k.partner = p.name \
                 WHERE $1::TEXT IS NULL OR p.name = $1 \
                 ORDER BY p.name COLLATE \"C\", k.key COLLATE \"C\""
            ),
            &[&name],
        )?;
        let mut out: Vec<PartnerRow> = Vec::new();
        for r in &rows {
            let name: &str = r.get(0);
            if out.last().is_none_or(|p| p.name != name) {
                out.push(partner_row(r));
            }
            if let (Some(p), Some(key)) = (out.last_mut(), r.get::<_, Option<String>>(6)) {
                p.keys.push(key);
            }
        }
        Ok(out)
    }

    /// Runs `sql` (with the partner's name as `$1`) and fails if no partner has that name.
    fn update_partner(
        &self,
        name: &str,
        sql: &str,
        args: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<()> {
        let mut all: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![&name];
        all.extend_from_slice(args);
        if self.client()?.execute(sql, &all)? == 0 {
            return Err(Error::Partner(format!("no partner `{name}`")));
        }
        Ok(())
    }
}

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
        Ok(self.partner_rows(Some(name))?.pop())
    }

    fn partners(&self) -> Result<Vec<PartnerRow>> {
        self.partner_rows(None)
    }

    fn remove_key(&self, name: &str, key: &str) -> Result<bool> {
        let n = self.client()?.execute(
            "DELETE FROM partner_keys WHERE partner = $1 AND key = $2",
            &[&name, &key.trim()],
        )?;
        Ok(n > 0)
    }

    fn set_allow_from(&self, name: &str, ranges: &[String]) -> Result<()> {
        self.update_partner(
            name,
            "UPDATE partners SET allow_from = $2 WHERE name = $1",
            &[&ranges.join(",")],
        )
    }

    fn set_schedule(&self, name: &str, s: &PartnerSchedule) -> Result<()> {
        self.update_partner(
            name,
            "UPDATE partners SET day0 = $2, cadence = $3, daily_types = $4 WHERE name = $1",
            &[&s.day0, &s.cadence, &s.daily_types.join(",")],
        )
    }

    fn environment(&self, claim: &str) -> Result<String> {
        let mut c = self.client()?;
        // Two nodes starting together: the table lock makes one insert and the other read it.
        let mut tx = c.transaction()?;
        tx.batch_execute("LOCK TABLE environment IN EXCLUSIVE MODE")?;
        tx.execute(
            "INSERT INTO environment(name) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM environment)",
            &[&claim],
        )?;
        let name: String = tx.query_one("SELECT name FROM environment", &[])?.get(0);
        tx.commit()?;
        Ok(name)
    }
}
