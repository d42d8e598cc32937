//! Partners, their SSH public keys, access and schedule.

use crate::api::Partners;
use crate::partners_v12::split_list;
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
    /// CIDR ranges the partner may connect from (spec 01 §2.3); empty: any address.
    pub allow_from: Vec<String>,
    /// When and what the partner sends (spec 01 §12).
    pub schedule: PartnerSchedule,
}

/// A partner's daily schedule (spec 01 §12): from Day 0, which days files are due and which
/// types. Unset fields mean the partner has no schedule yet (no date-order hold, no readiness).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PartnerSchedule {
    /// The first day the partner sends files, `YYYY-MM-DD`.
    pub day0: Option<String>,
    /// Which days after Day 0 files are due: `business_days` or `daily`.
    pub cadence: Option<String>,
    /// The file types due each of those days; empty: the configured expected types.
    pub daily_types: Vec<String>,
}

/// The columns every partner query reads, in [`partner_row`]'s order.
const COLUMNS: &str = "name, root, allow_from, day0, cadence, daily_types";

/// A partner row from [`COLUMNS`], its keys still to add.
fn partner_row(r: &rusqlite::Row) -> rusqlite::Result<PartnerRow> {
    Ok(PartnerRow {
        name: r.get(0)?,
        root: r.get(1)?,
        keys: Vec::new(),
        allow_from: split_list(&r.get::<_, String>(2)?),
        schedule: PartnerSchedule {
            day0: r.get(3)?,
            cadence: r.get(4)?,
            daily_types: split_list(&r.get::<_, String>(5)?),
        },
    })
}

impl Store {
    /// Runs `sql` (with the partner's name as `?1`) and fails if no partner has that name.
    fn update_partner(&self, name: &str, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<()> {
        let mut all: Vec<&dyn rusqlite::ToSql> = vec![&name];
        all.extend_from_slice(args);
        let n = self.conn().execute(sql, all.as_slice())?;
        if n == 0 {
            return Err(Error::Partner(format!("no partner `{name}`")));
        }
        Ok(())
    }
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
        let row = c
            .query_row(
                &format!("SELECT {COLUMNS} FROM partners WHERE name = ?1"),
                params![name],
                partner_row,
            )
            .optional()?;
        let Some(mut row) = row else { return Ok(None) };
        let mut st = c.prepare("SELECT key FROM partner_keys WHERE partner = ?1 ORDER BY key")?;
        row.keys = st
            .query_map(params![name], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(row))
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

    fn remove_key(&self, name: &str, key: &str) -> Result<bool> {
        let n = self.conn().execute(
            "DELETE FROM partner_keys WHERE partner = ?1 AND key = ?2",
            params![name, key.trim()],
        )?;
        Ok(n > 0)
    }

    fn set_allow_from(&self, name: &str, ranges: &[String]) -> Result<()> {
        self.update_partner(
            name,
            "UPDATE partners SET allow_from = ?2 WHERE name = ?1",
            &[&ranges.join(",")],
        )
    }

    fn set_schedule(&self, name: &str, s: &crate::PartnerSchedule) -> Result<()> {
        self.update_partner(
            name,
            "UPDATE partners SET day0 = ?2, cadence = ?3, daily_types = ?4 WHERE name = ?1",
            &[&s.day0, &s.cadence, &s.daily_types.join(",")],
        )
    }

    fn environment(&self, claim: &str) -> Result<String> {
        let c = self.conn();
        c.execute(
            "INSERT INTO environment(name) SELECT ?1 WHERE NOT EXISTS (SELECT 1 FROM environment)",
            params![claim],
        )?;
        Ok(c.query_row("SELECT name FROM environment", [], |r| r.get(0))?)
    }
}
