//! What the cross-file checks ask (D8, D9): does an id name an accepted record, is it in the
//! partner's registry of records created outside files, which balances were open before a date.

use crate::api::Partners;
use crate::{Result, Store};
use rusqlite::{params, OptionalExtension};

/// A record created outside files (Entity API entities, API-created balances, …), registered with
/// `bankdrop registry add|import` so that references to it resolve (D8).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegistryEntry {
    /// `entity`, `account`, `application`, `card` or `balance`.
    pub kind: String,
    /// The id other files use (`entity_…`, `subledger_balance_…`, …).
    pub id: String,
    /// For a balance: the account it was created on (spec 05 §3.2: the file must match it).
    pub account_id: Option<String>,
    /// The day it was created (`YYYY-MM-DD`): an API balance created on T−1 must be in T's
    /// balance file (spec 05 §3.2).
    pub created_on: String,
}

impl RegistryEntry {
    /// Reads a registry file: pipe-delimited, header `kind|id|account_id|created_on`
    /// (`account_id` and `created_on` optional, in any order; `created_on` defaults to `today`).
    /// Errors name the line.
    pub fn parse_file(text: &str, today: &str) -> std::result::Result<Vec<RegistryEntry>, String> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((_, header)) = lines.next() else {
            return Ok(Vec::new());
        };
        let cols: Vec<&str> = header
            .trim_start_matches('\u{feff}')
            .split('|')
            .map(str::trim)
            .collect();
        let at = |name: &str| cols.iter().position(|c| *c == name);
        let (Some(kind), Some(id)) = (at("kind"), at("id")) else {
            return Err("line 1: the header needs `kind` and `id` (and optionally `account_id`, `created_on`)".into());
        };
        if let Some(c) = cols
            .iter()
            .find(|c| !["kind", "id", "account_id", "created_on"].contains(c))
        {
            return Err(format!("line 1: unknown column `{c}`"));
        }
        let (account, created) = (at("account_id"), at("created_on"));
        let mut out = Vec::new();
        for (n, line) in lines {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() != cols.len() {
                return Err(format!(
                    "line {}: {} fields under a {}-column header",
                    n + 1,
                    cells.len(),
                    cols.len()
                ));
            }
            let opt = |i: Option<usize>| i.map(|i| cells[i]).filter(|v| !v.is_empty());
            let e = RegistryEntry {
                kind: cells[kind].to_string(),
                id: cells[id].to_string(),
                account_id: opt(account).map(str::to_string),
                created_on: opt(created).unwrap_or(today).to_string(),
            };
            if !REGISTRY_KINDS.contains(&e.kind.as_str()) {
                return Err(format!(
                    "line {}: unknown kind `{}` (one of {})",
                    n + 1,
                    e.kind,
                    REGISTRY_KINDS.join(", ")
                ));
            }
            if e.id.is_empty() {
                return Err(format!("line {}: empty id", n + 1));
            }
            if chrono_free_date(&e.created_on).is_none() {
                return Err(format!(
                    "line {}: created_on `{}` is not YYYY-MM-DD",
                    n + 1,
                    e.created_on
                ));
            }
            out.push(e);
        }
        Ok(out)
    }
}

/// `YYYY-MM-DD` with plausible ranges (the store has no date library; days are compared as text).
fn chrono_free_date(s: &str) -> Option<()> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    (b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && digits(0..4)
        && digits(5..7)
        && digits(8..10))
    .then_some(())?;
    let (m, d): (u32, u32) = (s[5..7].parse().ok()?, s[8..10].parse().ok()?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some(())
}

/// A balance whose latest accepted report before a date was in a non-terminal status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenBalance {
    /// The balance's record key.
    pub key: String,
    /// The file date of that report.
    pub file_date: String,
    /// Its status then.
    pub status: String,
    /// Its account.
    pub account_id: Option<String>,
}

/// Registry kinds, in documentation order.
pub const REGISTRY_KINDS: [&str; 5] = ["entity", "account", "application", "card", "balance"];

impl Store {
    /// Adds (or replaces) registry entries in one transaction; returns how many.
    pub fn registry_add(&self, partner: &str, entries: &[RegistryEntry]) -> Result<usize> {
        if self.partner(partner)?.is_none() {
            return Err(crate::Error::Partner(format!("no partner `{partner}`")));
        }
        for e in entries {
            if !REGISTRY_KINDS.contains(&e.kind.as_str()) {
                return Err(crate::Error::Partner(format!(
                    "unknown registry kind `{}` (one of {})",
                    e.kind,
                    REGISTRY_KINDS.join(", ")
                )));
            }
        }
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for e in entries {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO registry(partner, kind, id, account_id, created_on) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![partner, e.kind, e.id, e.account_id, e.created_on])?;
        }
        tx.commit()?;
        self.committed();
        Ok(entries.len())
    }

    /// A partner's registry, optionally of one kind, by kind and id.
    pub fn registry_list(&self, partner: &str, kind: Option<&str>) -> Result<Vec<RegistryEntry>> {
        let c = self.reader()?;
        let mut st = c.prepare(
            "SELECT kind, id, account_id, created_on FROM registry WHERE partner = ?1 AND (?2 IS NULL OR kind = ?2) \
             ORDER BY kind, id",
        )?;
        let rows = st.query_map(params![partner, kind], entry)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Calls `f` for every balance in a non-terminal status (not in `terminal`) in the latest
    /// accepted balance file dated before `file_date` (spec 05 §3.2: such a balance must be in
    /// the file dated `file_date`). That file holds every balance open at its date — it was
    /// checked the same way — so one file's rows are read, however much history is stored.
    pub fn open_balances_before(
        &self,
        partner: &str,
        file_date: &str,
        terminal: &[&str],
        f: &mut dyn FnMut(OpenBalance),
    ) -> Result<()> {
        let c = self.reader()?;
        let latest: Option<String> = c.query_row(
            "SELECT max(file_date) FROM balance_days WHERE partner = ?1 AND file_date < ?2",
            params![partner, file_date],
            |r| r.get(0),
        )?;
        let Some(day) = latest else {
            return Ok(());
        };
        let mut st = c.prepare(
            "SELECT balance_key, file_date, status, account_id FROM balances \
             WHERE partner = ?1 AND file_date = ?2 AND closing IS NOT NULL ORDER BY balance_key",
        )?;
        let mut rows = st.query(params![partner, day])?;
        while let Some(r) = rows.next()? {
            let status: Option<String> = r.get(2)?;
            let status = status.unwrap_or_default();
            if terminal.contains(&status.as_str()) {
                continue;
            }
            f(OpenBalance {
                key: r.get(0)?,
                file_date: r.get(1)?,
                status,
                account_id: r.get(3)?,
            });
        }
        Ok(())
    }

    /// Registry balances created before `file_date` that no accepted balance file has reported
    /// yet (spec 05 §3.2: a balance created through the API on T−1 is due in T's file).
    pub fn unreported_registry_balances(
        &self,
        partner: &str,
        file_date: &str,
    ) -> Result<Vec<RegistryEntry>> {
        let c = self.reader()?;
        let mut st = c.prepare(
            "SELECT kind, id, account_id, created_on FROM registry r WHERE partner = ?1 AND kind = 'balance' \
             AND created_on < ?2 AND NOT EXISTS (SELECT 1 FROM record_refs x WHERE x.partner = r.partner \
             AND x.file_type = 'balance' AND x.ref_id = r.id) AND NOT EXISTS (SELECT 1 FROM balances b \
             INDEXED BY balances_by_key WHERE b.partner = r.partner AND b.balance_key = r.id \
             AND b.closing IS NOT NULL) ORDER BY id",
        )?;
        let rows = st.query_map(params![partner, file_date], entry)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether a file of this type for this date or batch has been decided, whatever the outcome.
    pub fn decided_for(&self, partner: &str, file_type: &str, prefix: &str) -> Result<bool> {
        let c = self.reader()?;
        let n: i64 = c
            .prepare_cached(
                "SELECT count(*) FROM files WHERE partner = ?1 AND file_type = ?2 AND prefix = ?3 \
                 AND state != 'validating'",
            )?
            .query_row(params![partner, file_type, prefix], |r| r.get(0))?;
        Ok(n > 0)
    }

    /// File types the partner had files decided for, for dates in `[from, to)` (`YYYY-MM-DD`):
    /// the types it is expected to send (D7 ordering).
    pub fn types_sent_between(&self, partner: &str, from: &str, to: &str) -> Result<Vec<String>> {
        let c = self.reader()?;
        let mut st = c.prepare_cached(
            "SELECT DISTINCT file_type FROM files WHERE partner = ?1 AND file_type IS NOT NULL \
             AND length(prefix) = 10 AND prefix >= ?2 AND prefix < ?3 AND state != 'validating' ORDER BY file_type",
        )?;
        let rows = st.query_map(params![partner, from, to], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// SQL fragments of the lookups by key, one a table: `?1` partner, `?2` file type, `?3` id.
macro_rules! by_key {
    (transaction) => {
        "EXISTS (SELECT 1 FROM transactions WHERE partner = ?1 AND transaction_id = ?3)"
    };
    (balance) => {
        "EXISTS (SELECT 1 FROM balances INDEXED BY balances_by_key WHERE partner = ?1 \
         AND balance_key = ?3 AND closing IS NOT NULL)"
    };
    (record) => {
        "EXISTS (SELECT 1 FROM records WHERE partner = ?1 AND file_type = ?2 AND record_key = ?3)"
    };
}

/// Another id of the record, or (`?4` set) a registry entry of that kind.
macro_rules! by_other_id {
    () => {
        " OR EXISTS (SELECT 1 FROM record_refs WHERE partner = ?1 AND file_type = ?2 AND ref_id = ?3) \
         OR (?4 IS NOT NULL AND EXISTS (SELECT 1 FROM registry WHERE partner = ?1 AND kind = ?4 AND id = ?3))"
    };
}

/// (whether `id` is a key of `file_type`, whether it is known at all): the statements of
/// [`crate::Reader::find_ref`] and [`crate::Reader::known`].
fn lookups(file_type: &str) -> (&'static str, &'static str) {
    match file_type {
        "transaction" => (
            concat!("SELECT ", by_key!(transaction)),
            concat!("SELECT ", by_key!(transaction), by_other_id!()),
        ),
        crate::day::BALANCE => (
            concat!("SELECT ", by_key!(balance)),
            concat!("SELECT ", by_key!(balance), by_other_id!()),
        ),
        _ => (
            concat!("SELECT ", by_key!(record)),
            concat!("SELECT ", by_key!(record), by_other_id!()),
        ),
    }
}

/// The lookups of the cross-file checks, on a [`Reader`](crate::Reader) snapshot: they run on
/// their own connection, never waiting for another worker applying a big file on the shared one.
impl crate::Reader {
    /// The key of the accepted `file_type` record that `id` names (by one of its `ref_ids`), if
    /// any. Transactions are looked up by `client_transaction_id` in the transaction history.
    pub fn find_ref(&self, partner: &str, file_type: &str, id: &str) -> Result<Option<String>> {
        let c = &self.0;
        // A record is found by its key; only its other ids have a reference row.
        let by_key: bool = c
            .prepare_cached(lookups(file_type).0)?
            .query_row(params![partner, file_type, id], |r| r.get(0))?;
        if by_key {
            return Ok(Some(id.to_string()));
        }
        Ok(c.prepare_cached(
            "SELECT record_key FROM record_refs WHERE partner = ?1 AND file_type = ?2 AND ref_id = ?3",
        )?
        .query_row(params![partner, file_type, id], |r| r.get(0))
        .optional()?)
    }

    /// Whether `id` names an accepted `file_type` record (by its key or another of its ids) or,
    /// with `registry_kind`, a registry entry of that kind: one statement where
    /// [`crate::Reader::find_ref`] and [`crate::Reader::registry_get`] take up to three (the
    /// reference checks ask this for every distinct value of a file).
    pub fn known(
        &self,
        partner: &str,
        file_type: &str,
        registry_kind: Option<&str>,
        id: &str,
    ) -> Result<bool> {
        Ok(self
            .0
            .prepare_cached(lookups(file_type).1)?
            .query_row(params![partner, file_type, id, registry_kind], |r| r.get(0))?)
    }

    /// [`crate::Reader::known`] of each of `ids`, in their order. SQLite is in the process, so
    /// this is the same statement once an id; PostgreSQL answers a batch in one round trip.
    pub fn known_many(
        &self,
        partner: &str,
        file_type: &str,
        registry_kind: Option<&str>,
        ids: &[&str],
    ) -> Result<Vec<bool>> {
        let mut st = self.0.prepare_cached(lookups(file_type).1)?;
        ids.iter()
            .map(|id| {
                Ok(st.query_row(params![partner, file_type, id, registry_kind], |r| r.get(0))?)
            })
            .collect()
    }

    /// The registry entry of a kind and id.
    pub fn registry_get(
        &self,
        partner: &str,
        kind: &str,
        id: &str,
    ) -> Result<Option<RegistryEntry>> {
        let mut st = self.0.prepare_cached(
            "SELECT kind, id, account_id, created_on FROM registry WHERE partner = ?1 AND kind = ?2 AND id = ?3",
        )?;
        Ok(st.query_row(params![partner, kind, id], entry).optional()?)
    }
}

fn entry(r: &rusqlite::Row) -> rusqlite::Result<RegistryEntry> {
    Ok(RegistryEntry {
        kind: r.get(0)?,
        id: r.get(1)?,
        account_id: r.get(2)?,
        created_on: r.get(3)?,
    })
}
