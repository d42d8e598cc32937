//! The registry and the reference lookups on PostgreSQL: the same questions as SQLite's
//! (`crate::refs`), with the same answers.

use super::{PgReader, PgStore};
use crate::api::Partners;
use crate::refs::REGISTRY_KINDS;
use crate::{Error, OpenBalance, RegistryEntry, Result};
use postgres::Row;
use std::collections::HashMap;

fn entry(r: &Row) -> RegistryEntry {
    RegistryEntry {
        kind: r.get(0),
        id: r.get(1),
        account_id: r.get(2),
        created_on: r.get(3),
    }
}

/// Registry entries written by one statement.
const REGISTRY_CHUNK: usize = 2_000;

impl PgStore {
    /// Adds (or replaces) registry entries in one transaction; returns how many.
    pub fn registry_add(&self, partner: &str, entries: &[RegistryEntry]) -> Result<usize> {
        if self.partner(partner)?.is_none() {
            return Err(Error::Partner(format!("no partner `{partner}`")));
        }
        if let Some(e) = entries
            .iter()
            .find(|e| !REGISTRY_KINDS.contains(&e.kind.as_str()))
        {
            return Err(Error::Partner(format!(
                "unknown registry kind `{}` (one of {})",
                e.kind,
                REGISTRY_KINDS.join(", ")
            )));
        }
        // One statement per chunk, not a round trip per entry (a file's ids run to tens of
        // thousands). A statement may change a row once, so a repeated (kind, id) keeps its
        // last entry, as the SQLite store's entry-by-entry upsert does.
        let mut last: HashMap<(&str, &str), usize> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            last.insert((e.kind.as_str(), e.id.as_str()), i);
        }
        let mut kept: Vec<usize> = last.into_values().collect();
        kept.sort_unstable();
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let st = tx.prepare(
            "INSERT INTO registry(partner, kind, id, account_id, created_on) \
             SELECT $1, k, i, a, c FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) \
             AS u(k, i, a, c) \
             ON CONFLICT (partner, kind, id) DO UPDATE SET \
             account_id = excluded.account_id, created_on = excluded.created_on",
        )?;
        for chunk in kept.chunks(REGISTRY_CHUNK) {
            let column = |f: fn(&RegistryEntry) -> Option<&str>| -> Vec<Option<&str>> {
                chunk.iter().map(|&i| f(&entries[i])).collect()
            };
            tx.execute(
                &st,
                &[
                    &partner,
                    &column(|e| Some(&e.kind)),
                    &column(|e| Some(&e.id)),
                    &column(|e| e.account_id.as_deref()),
                    &column(|e| Some(&e.created_on)),
                ],
            )?;
        }
        tx.commit()?;
        Ok(entries.len())
    }

    /// A partner's registry, optionally of one kind, by kind and id (byte order).
    pub fn registry_list(&self, partner: &str, kind: Option<&str>) -> Result<Vec<RegistryEntry>> {
        let rows = self.client()?.query(
            "SELECT kind, id, account_id, created_on FROM registry WHERE partner = $1 \
             AND (CAST($2 AS TEXT) IS NULL OR kind = $2) ORDER BY kind COLLATE \"C\", id COLLATE \"C\"",
            &[&partner, &kind],
        )?;
        Ok(rows.iter().map(entry).collect())
    }

    /// Whether a file of this type for this date or batch has been decided, whatever the outcome.
    pub fn decided_for(&self, partner: &str, file_type: &str, prefix: &str) -> Result<bool> {
        let row = self.client()?.query_one(
            "SELECT EXISTS (SELECT 1 FROM files WHERE partner = $1 AND file_type = $2 \
             AND prefix = $3 AND state != 'validating')",
            &[&partner, &file_type, &prefix],
        )?;
        Ok(row.get(0))
    }

    /// File types the partner had files decided for, for dates in `[from, to)` (`YYYY-MM-DD`).
    pub fn types_sent_between(&self, partner: &str, from: &str, to: &str) -> Result<Vec<String>> {
        let rows = self.client()?.query(
            "SELECT DISTINCT file_type COLLATE \"C\" FROM files WHERE partner = $1 \
             AND file_type IS NOT NULL AND length(prefix) = 10 AND prefix COLLATE \"C\" >= $2 \
             AND prefix COLLATE \"C\" < $3 AND state != 'validating' ORDER BY 1",
            &[&partner, &from, &to],
        )?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Calls `f` for every balance in a non-terminal status in the latest accepted balance file
    /// dated before `file_date` (spec 05 §3.2), as SQLite's `Store::open_balances_before`.
    pub fn open_balances_before(
        &self,
        partner: &str,
        file_date: &str,
        terminal: &[&str],
        f: &mut dyn FnMut(OpenBalance),
    ) -> Result<()> {
        let mut c = self.client()?;
        let latest: Option<String> = c
            .query_one(
                "SELECT max(file_date COLLATE \"C\") FROM balance_days WHERE partner = $1 \
                 AND file_date COLLATE \"C\" < $2",
                &[&partner, &file_date],
            )?
            .get(0);
        let Some(day) = latest else {
            return Ok(());
        };
        let rows = c.query(
            "SELECT balance_key, file_date, status, account_id FROM balances WHERE partner = $1 \
             AND file_date = $2 AND closing IS NOT NULL ORDER BY balance_key COLLATE \"C\"",
            &[&partner, &day],
        )?;
        for r in &rows {
            let status: String = r.get::<_, Option<String>>(2).unwrap_or_default();
            if terminal.contains(&status.as_str()) {
                continue;
            }
            f(OpenBalance {
                key: r.get(0),
                file_date: r.get(1),
                status,
                account_id: r.get(3),
            });
        }
        Ok(())
    }

    /// Registry balances created before `file_date` that no accepted balance file has reported
    /// yet (spec 05 §3.2), as SQLite's `Store::unreported_registry_balances`.
    pub fn unreported_registry_balances(
        &self,
        partner: &str,
        file_date: &str,
    ) -> Result<Vec<RegistryEntry>> {
        let rows = self.client()?.query(
            "SELECT kind, id, account_id, created_on FROM registry r WHERE partner = $1 \
             AND kind = 'balance' AND created_on COLLATE \"C\" < $2 AND NOT EXISTS (SELECT 1 \
             FROM record_refs x WHERE x.partner = r.partner AND x.file_type = 'balance' \
             AND x.ref_id = r.id) AND NOT EXISTS (SELECT 1 FROM balances b \
             WHERE b.partner = r.partner AND b.balance_key = r.id AND b.closing IS NOT NULL) \
             ORDER BY id COLLATE \"C\"",
            &[&partner, &file_date],
        )?;
        Ok(rows.iter().map(entry).collect())
    }
}

/// The parameters every lookup takes, typed once: partner, file type, id, registry kind.
macro_rules! with_params {
    () => {
        "WITH p AS (SELECT CAST($1 AS TEXT) AS partner, CAST($2 AS TEXT) AS file_type, \
         CAST($3 AS TEXT) AS id, CAST($4 AS TEXT) AS kind) SELECT "
    };
}

/// The parameters of a batch of lookups, an id a row of `p`: partner, file type, the ids (an
/// array), registry kind; each row answers with its position in the array (from 1).
macro_rules! with_ids {
    () => {
        "WITH p AS (SELECT CAST($1 AS TEXT) AS partner, CAST($2 AS TEXT) AS file_type, u.id, \
         CAST($4 AS TEXT) AS kind, u.i FROM unnest(CAST($3 AS TEXT[])) WITH ORDINALITY \
         AS u(id, i)) SELECT p.i, "
    };
}

/// Whether `p.id` is a key of a table. Each `EXISTS` has an `OFFSET 0`, which keeps PostgreSQL
/// from turning it into a hashed subplan: for a batch of ids ([`with_ids`]) it would otherwise
/// hash every record of the file type once a statement (estimated at a couple of rows while
/// the table's statistics are behind), 50–130 ms a batch of 1,024 ids against 100,000
/// customers, where looking each id up in the index takes a few microseconds.
macro_rules! by_key {
    (transaction) => {
        "EXISTS (SELECT 1 FROM transactions t WHERE t.partner = p.partner \
         AND t.transaction_id = p.id OFFSET 0)"
    };
    (balance) => {
        "EXISTS (SELECT 1 FROM balances b WHERE b.partner = p.partner \
         AND b.balance_key = p.id AND b.closing IS NOT NULL OFFSET 0)"
    };
    (record) => {
        "EXISTS (SELECT 1 FROM records r WHERE r.partner = p.partner \
         AND r.file_type = p.file_type AND r.record_key = p.id OFFSET 0)"
    };
}

/// Another id of the record, or (`p.kind` set) a registry entry of that kind (`OFFSET 0`: see
/// [`by_key`]).
macro_rules! by_other_id {
    () => {
        " OR EXISTS (SELECT 1 FROM record_refs x WHERE x.partner = p.partner \
         AND x.file_type = p.file_type AND x.ref_id = p.id OFFSET 0) OR (p.kind IS NOT NULL \
         AND EXISTS (SELECT 1 FROM registry g WHERE g.partner = p.partner AND g.kind = p.kind \
         AND g.id = p.id OFFSET 0)) FROM p"
    };
}

/// The statements of the lookups of `id` in `file_type`, as SQLite's.
struct Lookups {
    /// Whether `id` is a key.
    by_key: &'static str,
    /// Whether it is known at all ([`PgReader::known`]).
    known: &'static str,
    /// The same of a batch of ids ([`PgReader::known_many`]).
    known_many: &'static str,
}

/// The statements of the lookups in `file_type`.
fn lookups(file_type: &str) -> Lookups {
    match file_type {
        crate::TRANSACTION => Lookups {
            by_key: concat!(with_params!(), by_key!(transaction), " FROM p"),
            known: concat!(with_params!(), by_key!(transaction), by_other_id!()),
            known_many: concat!(with_ids!(), by_key!(transaction), by_other_id!()),
        },
        crate::BALANCE => Lookups {
            by_key: concat!(with_params!(), by_key!(balance), " FROM p"),
            known: concat!(with_params!(), by_key!(balance), by_other_id!()),
            known_many: concat!(with_ids!(), by_key!(balance), by_other_id!()),
        },
        _ => Lookups {
            by_key: concat!(with_params!(), by_key!(record), " FROM p"),
            known: concat!(with_params!(), by_key!(record), by_other_id!()),
            known_many: concat!(with_ids!(), by_key!(record), by_other_id!()),
        },
    }
}

impl PgReader<'_> {
    /// The key of the accepted `file_type` record that `id` names (by one of its ids), if any.
    pub fn find_ref(&self, partner: &str, file_type: &str, id: &str) -> Result<Option<String>> {
        let none: Option<&str> = None;
        let by_key = self.query_opt(
            lookups(file_type).by_key,
            &[&partner, &file_type, &id, &none],
        )?;
        if by_key.is_some_and(|r| r.get::<_, bool>(0)) {
            return Ok(Some(id.to_string()));
        }
        Ok(self
            .query_opt(
                "SELECT record_key FROM record_refs WHERE partner = $1 AND file_type = $2 \
                 AND ref_id = $3",
                &[&partner, &file_type, &id],
            )?
            .map(|r| r.get(0)))
    }

    /// Whether `id` names an accepted `file_type` record (by any of its ids) or, with
    /// `registry_kind`, a registry entry of that kind: one statement.
    pub fn known(
        &self,
        partner: &str,
        file_type: &str,
        registry_kind: Option<&str>,
        id: &str,
    ) -> Result<bool> {
        let row = self.query_opt(
            lookups(file_type).known,
            &[&partner, &file_type, &id, &registry_kind],
        )?;
        Ok(row.is_some_and(|r| r.get::<_, bool>(0)))
    }

    /// [`PgReader::known`] of each of `ids`, in their order: one statement, where a lookup an
    /// id cost a round trip each (most of a 100,000-row file's checks).
    pub fn known_many(
        &self,
        partner: &str,
        file_type: &str,
        registry_kind: Option<&str>,
        ids: &[&str],
    ) -> Result<Vec<bool>> {
        let mut known = vec![false; ids.len()];
        if ids.is_empty() {
            return Ok(known);
        }
        let rows = self.query(
            lookups(file_type).known_many,
            &[&partner, &file_type, &ids, &registry_kind],
        )?;
        for r in &rows {
            // WITH ORDINALITY counts from 1.
            let at = usize::try_from(r.try_get::<_, i64>(0)? - 1).ok();
            if let Some(k) = at.and_then(|i| known.get_mut(i)) {
                *k = r.try_get(1)?;
            }
        }
        Ok(known)
    }

    /// The registry entry of a kind and id.
    pub fn registry_get(
        &self,
        partner: &str,
        kind: &str,
        id: &str,
    ) -> Result<Option<RegistryEntry>> {
        Ok(self
            .query_opt(
                "SELECT kind, id, account_id, created_on FROM registry WHERE partner = $1 \
                 AND kind = $2 AND id = $3",
                &[&partner, &kind, &id],
            )?
            .map(|r| entry(&r)))
    }
}
