//! Reading an accepted record back whole: its compact row decoded against the layout it was
//! written with, plus the columns kept typed beside it.

use crate::codec;
use crate::day::TRANSACTION_AMOUNT_COLUMNS;
use crate::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension};
use std::sync::Arc;

/// A record as accepted: its cells by column name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The id of the file that wrote this version.
    pub file_id: i64,
    /// Column names, in the order of `cells`.
    pub columns: Arc<[String]>,
    /// The cells (`None`: null).
    pub cells: Vec<Option<String>>,
}

impl StoredRecord {
    /// The value of `column`; `None` when null or not a column of the row.
    pub fn get(&self, column: &str) -> Option<&str> {
        let i = self.columns.iter().position(|c| c == column)?;
        self.cells[i].as_deref()
    }
}

/// One change of a record's lifecycle state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    /// The date (or batch id) of the file that made it.
    pub file_date: Option<String>,
    /// The new state.
    pub state: String,
    /// The row's `effective_at`, when it has one.
    pub effective_at: Option<String>,
}

/// Decodes a row blob, its layout read from `layouts` (cached per connection by SQLite's
/// statement cache; layouts are few).
pub(crate) fn decode(
    c: &Connection,
    key: &str,
    file_id: i64,
    blob: &[u8],
    extra: &[(&str, Option<String>)],
    money: &[(&str, Option<rusqlite::types::Value>)],
) -> Result<StoredRecord> {
    let layout = codec::decode_row(blob).ok_or_else(|| damaged_row(key))?.0;
    let joined: String = c
        .prepare_cached("SELECT columns FROM layouts WHERE id = ?1")?
        .query_row(params![layout], |r| r.get(0))
        .optional()?
        .ok_or_else(|| damaged_row(key))?;
    // A money column kept typed: its text is the typed amount at the scale in the row.
    let typed = |col: &str, scale: Option<&str>| -> Option<Option<String>> {
        match money
            .iter()
            .find(|(c, _)| *c == col)
            .and_then(|(_, v)| v.as_ref())
        {
            None => Some(None),
            Some(v) => codec::money_text(v, scale).map(Some),
        }
    };
    decode_with(&joined, key, file_id, blob, extra, &typed)
}

fn damaged_row(key: &str) -> Error {
    Error::Damaged {
        what: "row",
        key: key.to_string(),
    }
}

/// A money column's text from its typed form and the scale cell of the row: `Some(None)` for a
/// null amount, `None` when they do not fit together (damage).
pub(crate) type MoneyText<'a> = dyn Fn(&str, Option<&str>) -> Option<Option<String>> + 'a;

/// Decodes a row blob written against the layout `joined` (its column names joined by `|`),
/// whichever backend kept it: `money` gives the text of the money columns kept typed.
pub(crate) fn decode_with(
    joined: &str,
    key: &str,
    file_id: i64,
    blob: &[u8],
    extra: &[(&str, Option<String>)],
    money: &MoneyText,
) -> Result<StoredRecord> {
    let damaged = || damaged_row(key);
    let (_, cells) = codec::decode_row(blob).ok_or_else(damaged)?;
    let mut columns: Vec<String> = if joined.is_empty() {
        Vec::new()
    } else {
        joined.split('|').map(str::to_string).collect()
    };
    if columns.len() != cells.len() {
        return Err(damaged());
    }
    let mut cells: Vec<Option<String>> = cells.into_iter().map(|c| c.map(str::to_string)).collect();
    // A money column kept typed has only its scale in the row (`<column>@scale`): its text is
    // the typed amount at that scale, exactly as it was written.
    for (i, name) in columns.iter_mut().enumerate() {
        let Some(col) = name.strip_suffix(codec::SCALE_SUFFIX) else {
            continue;
        };
        cells[i] = money(col, cells[i].as_deref()).ok_or_else(damaged)?;
        *name = col.to_string();
    }
    // The record key's own column has its cell in the key only; dates and timestamps are short.
    for (i, name) in columns.iter_mut().enumerate() {
        if let Some(col) = name.strip_suffix(codec::KEY_SUFFIX) {
            cells[i] = Some(key.to_string());
            *name = col.to_string();
        } else if let Some(col) = name.strip_suffix(codec::WHEN_SUFFIX) {
            if let Some(short) = &cells[i] {
                cells[i] = Some(crate::when::cell_text(short).ok_or_else(damaged)?);
            }
            *name = col.to_string();
        }
    }
    for (name, v) in extra {
        columns.push(name.to_string());
        cells.push(v.clone());
    }
    Ok(StoredRecord {
        file_id,
        columns: columns.into(),
        cells,
    })
}

/// The current version of a record. A balance's is its latest balance-file row (balances are
/// kept per file date, `balances`), with the columns kept typed put back.
pub(crate) fn record_in(
    c: &Connection,
    partner: &str,
    file_type: &str,
    key: &str,
) -> Result<Option<StoredRecord>> {
    if file_type == crate::day::BALANCE {
        return balance_in(c, partner, key);
    }
    let row = c
        .prepare_cached(
            "SELECT file_id, row FROM records WHERE partner = ?1 AND file_type = ?2 AND record_key = ?3",
        )?
        .query_row(params![partner, file_type, key], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })
        .optional()?;
    match row {
        Some((file_id, blob)) => decode(c, key, file_id, &blob, &[], &[]).map(Some),
        None => Ok(None),
    }
}

/// A balance's latest reported row, with its typed columns and exact amounts put back.
fn balance_in(c: &Connection, partner: &str, key: &str) -> Result<Option<StoredRecord>> {
    type Typed = (i64, Vec<u8>, Vec<u8>, i64, [Option<String>; 6]);
    let row: Option<Typed> = c
        .prepare_cached(
            "SELECT file_id, row, closing, id_kind, account_id, type, status, status_reason, currency, \
             settlement_account FROM balances INDEXED BY balances_by_key \
             WHERE partner = ?1 AND balance_key = ?2 AND closing IS NOT NULL \
             ORDER BY file_date DESC LIMIT 1",
        )?
        .query_row(params![partner, key], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get::<_, Option<i64>>(3)?.unwrap_or(0),
                [
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                ],
            ))
        })
        .optional()?;
    let Some((file_id, blob, closing, id_kind, typed)) = row else {
        return Ok(None);
    };
    let extra = balance_cells(key, id_kind, typed, &closing)?;
    decode(c, key, file_id, &blob, &extra, &[]).map(Some)
}

/// The cells of a balance kept beside its row blob, put back: its typed columns, its client id
/// (the key, when `id_kind` is 0; else the key is the Lead id, already in the row), and its
/// exact amounts from the `closing` blob.
pub(crate) fn balance_cells(
    key: &str,
    id_kind: i64,
    typed: [Option<String>; 6],
    closing: &[u8],
) -> Result<Vec<(&'static str, Option<String>)>> {
    let mut extra: Vec<(&str, Option<String>)> = crate::day::BALANCE_TYPED
        .iter()
        .copied()
        .zip(typed)
        .collect();
    let client_id = (id_kind == 0).then(|| key.to_string());
    extra.push((crate::day::BALANCE_KEY_COLUMN, client_id));
    let mut amounts = Vec::new();
    codec::for_each_amount(
        &crate::day::BALANCE_AMOUNT_COLUMNS,
        closing,
        &mut |col, v| {
            amounts.push((col.to_string(), v.to_string()));
        },
    )
    .ok_or_else(|| Error::Damaged {
        what: "balance amounts",
        key: key.to_string(),
    })?;
    for col in crate::day::BALANCE_AMOUNT_COLUMNS {
        let v = amounts
            .iter()
            .find(|(c, _)| c == col)
            .map(|(_, v)| v.clone());
        extra.push((col, v));
    }
    Ok(extra)
}

impl crate::Store {
    /// The current version of a record.
    pub fn record(
        &self,
        partner: &str,
        file_type: &str,
        key: &str,
    ) -> Result<Option<StoredRecord>> {
        let c = self.reader()?;
        record_in(&c, partner, file_type, key)
    }
}

/// The typed columns of a balance's latest report, read without decoding its row: what the
/// cross-file checks ask of the balance a transaction names (its status, account, type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceState {
    /// The balance's account.
    pub account_id: Option<String>,
    /// `deposit` or `credit`.
    pub balance_type: Option<String>,
    /// Its status.
    pub status: Option<String>,
    /// Its status reason.
    pub status_reason: Option<String>,
    /// Its currency.
    pub currency: Option<String>,
}

impl BalanceState {
    /// The value of one of the balance file's columns, if it is one of these.
    pub fn get(&self, column: &str) -> Option<Option<&str>> {
        let v = match column {
            "account_id" => &self.account_id,
            "type" => &self.balance_type,
            "status" => &self.status,
            "status_reason" => &self.status_reason,
            "currency" => &self.currency,
            _ => return None,
        };
        Some(v.as_deref())
    }

    /// Whether [`BalanceState::get`] knows `column`.
    pub fn has(column: &str) -> bool {
        matches!(
            column,
            "account_id" | "type" | "status" | "status_reason" | "currency"
        )
    }
}

impl crate::Reader {
    /// The typed columns of the balance `key`'s latest report, if it was reported.
    pub fn balance_state(&self, partner: &str, key: &str) -> Result<Option<BalanceState>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT account_id, type, status, status_reason, currency FROM balances \
                 INDEXED BY balances_by_key WHERE partner = ?1 AND balance_key = ?2 \
                 AND closing IS NOT NULL ORDER BY file_date DESC LIMIT 1",
            )?
            .query_row(params![partner, key], |r| {
                Ok(BalanceState {
                    account_id: r.get(0)?,
                    balance_type: r.get(1)?,
                    status: r.get(2)?,
                    status_reason: r.get(3)?,
                    currency: r.get(4)?,
                })
            })
            .optional()?)
    }

    /// The current version of a record (see [`crate::Store::record`]).
    pub fn record(
        &self,
        partner: &str,
        file_type: &str,
        key: &str,
    ) -> Result<Option<StoredRecord>> {
        record_in(&self.0, partner, file_type, key)
    }

    /// [`crate::Reader::record`] of each of `keys`, in their order. SQLite is in the process, so
    /// this is the same lookup once a key; PostgreSQL answers a batch in one round trip.
    pub fn records_many(
        &self,
        partner: &str,
        file_type: &str,
        keys: &[&str],
    ) -> Result<Vec<Option<StoredRecord>>> {
        keys.iter()
            .map(|k| record_in(&self.0, partner, file_type, k))
            .collect()
    }

    /// The date of the transaction file each of `ids` came in, if it is stored, in order.
    pub fn transaction_file_dates(
        &self,
        partner: &str,
        ids: &[&str],
    ) -> Result<Vec<Option<String>>> {
        let mut st = self.0.prepare_cached(
            "SELECT file_date FROM transactions WHERE partner = ?1 AND transaction_id = ?2",
        )?;
        ids.iter()
            .map(|id| {
                // Stored compact (`crate::when`): a day number, read back as its date.
                Ok(st
                    .query_row(params![partner, id], |r| {
                        Ok(crate::when::date_text(r.get_ref(0)?))
                    })
                    .optional()?
                    .flatten())
            })
            .collect()
    }

    /// A stored transaction read back whole.
    pub fn transaction(&self, partner: &str, id: &str) -> Result<Option<StoredRecord>> {
        let row = self
            .0
            .prepare_cached(
                "SELECT file_id, row, balance_id, card_id, effective_at, type, amount, amount_in_usd, \
                 principal_amount, fee_amount, interest_amount, rewards_amount, settlement_amount \
                 FROM transactions WHERE partner = ?1 AND transaction_id = ?2",
            )?
            .query_row(params![partner, id], |r| {
                let mut money = Vec::with_capacity(TRANSACTION_AMOUNT_COLUMNS.len());
                for (i, c) in TRANSACTION_AMOUNT_COLUMNS.iter().enumerate() {
                    money.push((*c, r.get::<_, Option<rusqlite::types::Value>>(6 + i)?));
                }
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    [
                        ("client_transaction_id", Some(id.to_string())),
                        ("balance_id", r.get::<_, Option<String>>(2)?),
                        ("card_id", r.get::<_, Option<String>>(3)?),
                        ("effective_at", crate::when::instant_text(r.get_ref(4)?)),
                        ("type", r.get::<_, Option<String>>(5)?),
                    ],
                    money,
                ))
            })
            .optional()?;
        match row {
            Some((file_id, blob, extra, money)) => {
                decode(&self.0, id, file_id, &blob, &extra, &money).map(Some)
            }
            None => Ok(None),
        }
    }

    /// The keys of the `file_type` records whose latest state is `state`: one statement, for
    /// checks that ask it of many records (a closed account, spec 03 §7).
    pub fn keys_in_state(
        &self,
        partner: &str,
        file_type: &str,
        state: &str,
    ) -> Result<std::collections::HashSet<String>> {
        let mut st = self.0.prepare_cached(KEYS_IN_STATE)?;
        let rows = st.query_map(params![partner, file_type, state], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A record's states, oldest first.
    pub fn states(&self, partner: &str, file_type: &str, key: &str) -> Result<Vec<StateChange>> {
        let mut st = self.0.prepare_cached(
            "SELECT file_date, state, effective_at FROM record_states WHERE partner = ?1 AND file_type = ?2 \
             AND record_key = ?3 ORDER BY file_id",
        )?;
        let rows = st.query_map(params![partner, file_type, key], |r| {
            Ok(StateChange {
                file_date: r.get(0)?,
                state: r.get(1)?,
                effective_at: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// The keys whose latest state is `?3` (the rows in that state, each kept if no later row of
/// its record follows: few records are in a terminal state, and the key is the index's prefix).
pub(crate) const KEYS_IN_STATE: &str = "SELECT r.record_key FROM record_states r \
     WHERE r.partner = ?1 AND r.file_type = ?2 AND r.state = ?3 AND NOT EXISTS \
     (SELECT 1 FROM record_states l WHERE l.partner = r.partner AND l.file_type = r.file_type \
      AND l.record_key = r.record_key AND l.file_id > r.file_id)";
