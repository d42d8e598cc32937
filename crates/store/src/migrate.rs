//! Schema 6 (Store v2): typed tables, compact rows and the per-day reconciliation rows, and the
//! conversion of a schema-5 database (rows kept as JSON documents) in place, in the migration's
//! transaction: nothing accepted before is lost.

use crate::apply::{
    add_activity, insert_balance, insert_state, insert_transaction, layout_id, upsert_activity,
    BalanceIn, TransactionIn,
};
use crate::codec::{self, Activity};
use crate::day::{
    BALANCE, BALANCE_AMOUNT_COLUMNS, BALANCE_KEY_COLUMN, BALANCE_TYPED, NON_POSTED,
    NON_POSTED_TYPED,
};
use crate::day::{TRANSACTION_AMOUNT_COLUMNS, TRANSACTION_TYPED};
use crate::{Error, Result};
use rusqlite::{params, Transaction};
use std::collections::{BTreeMap, HashMap};

pub(crate) const V6_SCHEMA: &str = r#"
ALTER TABLE records RENAME TO records_v5;
ALTER TABLE transactions RENAME TO transactions_v5;
-- The column names a row blob's cells follow, per file type (a schema may gain columns).
CREATE TABLE layouts (
    id INTEGER PRIMARY KEY,
    file_type TEXT NOT NULL,
    columns TEXT NOT NULL,
    UNIQUE (file_type, columns)
);
-- The current version of every record (D8: a row sent again overwrites it), balances excepted.
CREATE TABLE records (
    partner TEXT NOT NULL,
    file_type TEXT NOT NULL,
    record_key TEXT NOT NULL,
    file_id INTEGER NOT NULL,
    row BLOB NOT NULL,
    PRIMARY KEY (partner, file_type, record_key)
) WITHOUT ROWID;
-- Every balance of every balance file, by the id transactions name it by, with what the nightly
-- run of that day compares (day.rs): the reported amounts (`closing`, exact), the row of the
-- balance file the day opens from (`opening`), and the day's transactions summed by (type, money
-- column) (`activity`). A row without `closing` is a balance absent from that day's file (missing,
-- or with activity only). Money columns: INTEGER in units of 1e-8, or TEXT past its range.
CREATE TABLE balances (
    partner TEXT NOT NULL,
    file_date TEXT NOT NULL,
    balance_key TEXT NOT NULL,
    file_id INTEGER,
    account_id TEXT,
    settlement_account TEXT,
    currency TEXT,
    id_kind INTEGER,
    type TEXT,
    status TEXT,
    status_reason TEXT,
    balance, rewards_balance, interest_accrued_balance, dispute_balance, charge_off_balance,
    past_due_balance, outstanding_principal, outstanding_fees,
    row BLOB,
    closing BLOB,
    opening_type TEXT,
    opening_status TEXT,
    opening BLOB,
    activity BLOB,
    PRIMARY KEY (partner, file_date, balance_key)
) WITHOUT ROWID;
-- A balance's reports by date (its history, its latest version); rows without a report are
-- not in it, so a lookup by id reads the index alone.
CREATE INDEX balances_by_key ON balances(partner, balance_key, file_date) WHERE closing IS NOT NULL;
-- The dates a balance file reported balances for: which file a day opens from, in one lookup.
CREATE TABLE balance_days (
    partner TEXT NOT NULL,
    file_date TEXT NOT NULL,
    PRIMARY KEY (partner, file_date)
) WITHOUT ROWID;
CREATE TABLE transactions (
    partner TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    balance_id TEXT,
    card_id TEXT,
    file_date TEXT,
    effective_at TEXT,
    type TEXT,
    amount, amount_in_usd, principal_amount, fee_amount, interest_amount, rewards_amount,
    settlement_amount,
    file_id INTEGER NOT NULL,
    row BLOB NOT NULL,
    PRIMARY KEY (partner, transaction_id)
) WITHOUT ROWID;
-- One snapshot per file date (spec 05 §7.2: each file lists everything pending).
CREATE TABLE non_posted (
    partner TEXT NOT NULL,
    file_date TEXT NOT NULL,
    id TEXT NOT NULL,
    balance_id TEXT,
    amount,
    file_id INTEGER NOT NULL,
    row BLOB NOT NULL,
    PRIMARY KEY (partner, file_date, id)
) WITHOUT ROWID;
-- Each change of a record's lifecycle state (cards, accounts, applications, authorized users;
-- a balance's statuses are its `balances` rows).
CREATE TABLE record_states (
    partner TEXT NOT NULL,
    file_type TEXT NOT NULL,
    record_key TEXT NOT NULL,
    file_id INTEGER NOT NULL,
    file_date TEXT,
    state TEXT NOT NULL,
    effective_at TEXT,
    PRIMARY KEY (partner, file_type, record_key, file_id)
) WITHOUT ROWID;
DROP INDEX ach_entries_settled;
ALTER TABLE ach_entries ADD COLUMN settlement_date TEXT;
UPDATE ach_entries SET settlement_date = json_extract(data, '$.settlement_date');
CREATE INDEX ach_entries_settled ON ach_entries(partner, settlement_date);
"#;

/// Schema 7: a transaction's file date and `effective_at` are kept as day and second numbers
/// ([`crate::when`]: 2 and 4 bytes, not 10 and 20); their columns lose the TEXT affinity that
/// would turn a number back into text. The table is rebuilt and its rows converted.
pub(crate) const V7_SCHEMA: &str = r#"
CREATE TABLE transactions_v7 (
    partner TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    balance_id TEXT,
    card_id TEXT,
    file_date,
    effective_at,
    type TEXT,
    amount, amount_in_usd, principal_amount, fee_amount, interest_amount, rewards_amount,
    settlement_amount,
    file_id INTEGER NOT NULL,
    row BLOB NOT NULL,
    PRIMARY KEY (partner, transaction_id)
) WITHOUT ROWID;
INSERT INTO transactions_v7 SELECT partner, transaction_id, balance_id, card_id, bd_date(file_date),
    bd_instant(effective_at), type, amount, amount_in_usd, principal_amount, fee_amount,
    interest_amount, rewards_amount, settlement_amount, file_id, row
    FROM transactions ORDER BY partner, transaction_id;
DROP TABLE transactions;
ALTER TABLE transactions_v7 RENAME TO transactions;
"#;

/// The lifecycle column of the record types whose states are kept (schemas' `state_column`,
/// fixed here for the one-off conversion of records stored before states were).
const STATE_COLUMNS: [(&str, &str); 4] = [
    ("card", "card_status"),
    ("account", "status"),
    ("application", "status"),
    ("authorized_user", "status"),
];

type Json = BTreeMap<String, Option<String>>;

fn parse(key: &str, data: &str) -> Result<Json> {
    serde_json::from_str(data).map_err(|_| Error::Damaged {
        what: "JSON row",
        key: key.to_string(),
    })
}

/// A row blob of the JSON row's cells (sorted by name) except `skip`.
fn blob(
    tx: &Transaction,
    layouts: &mut HashMap<(String, String), i64>,
    file_type: &str,
    json: &Json,
    skip: &[&str],
) -> Result<Vec<u8>> {
    let kept: Vec<(&String, &Option<String>)> = json
        .iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .collect();
    let joined = kept
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join("|");
    let id = match layouts.get(&(file_type.to_string(), joined.clone())) {
        Some(id) => *id,
        None => {
            let id = layout_id(tx, file_type, &joined)?;
            layouts.insert((file_type.to_string(), joined), id);
            id
        }
    };
    let cells: Vec<Option<&str>> = kept.iter().map(|(_, v)| v.as_deref()).collect();
    let mut out = Vec::new();
    codec::encode_row(id, &cells, &mut out);
    Ok(out)
}

fn amounts<'j>(json: &'j Json, columns: &[&'static str]) -> Vec<(&'static str, &'j str)> {
    columns
        .iter()
        .filter_map(|c| json.get(*c).and_then(|v| v.as_deref()).map(|v| (*c, v)))
        .collect()
}

pub(crate) fn v6_data(tx: &Transaction) -> Result<()> {
    let mut layouts = HashMap::new();
    let mut buf = Vec::new();
    // Records (balances come from their history below; non-posted ones become the snapshot of
    // the date of the file that last wrote them).
    let rows: Vec<(String, String, String, String, i64, Option<String>)> = tx
        .prepare(
            "SELECT r.partner, r.file_type, r.record_key, r.data, r.file_id, f.prefix FROM records_v5 r \
             LEFT JOIN files f ON f.id = r.file_id ORDER BY r.partner, r.file_type, r.record_key",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (partner, file_type, key, data, file_id, prefix) in rows {
        if file_type == BALANCE {
            continue;
        }
        let json = parse(&key, &data)?;
        let skip: &[&str] = if file_type == NON_POSTED {
            &NON_POSTED_TYPED
        } else {
            &[]
        };
        let row = blob(tx, &mut layouts, &file_type, &json, skip)?;
        if file_type == NON_POSTED {
            let amount = json
                .get("amount")
                .and_then(|v| v.as_deref())
                .map(codec::money_value);
            tx.execute(
                "INSERT OR REPLACE INTO non_posted(partner, file_date, id, balance_id, amount, file_id, row) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![partner, prefix.unwrap_or_default(), key, json.get("balance_id").cloned().flatten(), amount, file_id, row],
            )?;
            continue;
        }
        tx.execute(
            "INSERT INTO records(partner, file_type, record_key, file_id, row) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![partner, file_type, key, file_id, row],
        )?;
        if let Some((_, col)) = STATE_COLUMNS.iter().find(|(t, _)| *t == file_type) {
            if let Some(state) = json.get(*col).and_then(|v| v.as_deref()) {
                let effective = json.get("effective_at").and_then(|v| v.as_deref());
                insert_state(
                    tx,
                    &partner,
                    (&file_type, &key, file_id),
                    prefix.as_deref(),
                    state,
                    effective,
                )?;
            }
        }
    }
    // Balances per file date, and their reconciliation rows.
    let rows: Vec<(String, String, String, String, i64)> = tx
        .prepare("SELECT partner, balance_key, file_date, data, file_id FROM balance_history ORDER BY partner, file_date, balance_key")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<rusqlite::Result<_>>()?;
    // A record is found by its key: only other ids need a reference.
    tx.execute(
        "DELETE FROM record_refs WHERE file_type = 'balance' OR ref_id = record_key",
        [],
    )?;
    for (partner, key, file_date, data, file_id) in &rows {
        let json = parse(key, data)?;
        let skip: Vec<&str> = BALANCE_TYPED
            .iter()
            .chain(&BALANCE_AMOUNT_COLUMNS)
            .chain(&[BALANCE_KEY_COLUMN])
            .copied()
            .collect();
        let row = blob(tx, &mut layouts, BALANCE, &json, &skip)?;
        let get = |c: &str| json.get(c).and_then(|v| v.as_deref());
        let (balance_id, lead_id) = match (get("client_balance_id"), get("id")) {
            (Some(c), _) => (c, false),
            (None, Some(i)) => (i, true),
            (None, None) => (key.trim_matches('|'), false),
        };
        let amounts = amounts(&json, &BALANCE_AMOUNT_COLUMNS);
        let b = BalanceIn {
            balance_id,
            lead_id,
            file_date,
            account_id: get("account_id"),
            balance_type: get("type"),
            status: get("status"),
            status_reason: get("status_reason"),
            currency: get("currency"),
            settlement_account: get("client_settlement_bank_account_id"),
            amounts: &amounts,
            row: &row,
        };
        insert_balance(tx, partner, *file_id, &b, None, &mut buf)?;
        // Balances are now kept by the id transactions name them by; other ids map to it.
        for id in [get("client_balance_id"), get("id")].into_iter().flatten() {
            if id != balance_id {
                tx.execute(
                    "INSERT OR REPLACE INTO record_refs(partner, file_type, ref_id, record_key) VALUES (?1, 'balance', ?2, ?3)",
                    params![partner, id, balance_id],
                )?;
            }
        }
    }
    // Transactions, and each day's activity.
    let mut activity: HashMap<(String, String, String), Activity> = HashMap::new();
    let mut st = tx.prepare(
        "SELECT partner, transaction_id, file_date, data, file_id FROM transactions_v5 ORDER BY partner, transaction_id",
    )?;
    let mut q = st.query([])?;
    while let Some(r) = q.next()? {
        let (partner, id, file_date, data, file_id): (String, String, Option<String>, String, i64) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        let json = parse(&id, &data)?;
        let row = blob(
            tx,
            &mut layouts,
            crate::day::TRANSACTION,
            &json,
            &TRANSACTION_TYPED,
        )?;
        let get = |c: &str| json.get(c).and_then(|v| v.as_deref());
        let amounts = amounts(&json, &TRANSACTION_AMOUNT_COLUMNS);
        let t = TransactionIn {
            id: &id,
            balance_id: get("balance_id"),
            card_id: get("card_id"),
            file_date: file_date.as_deref(),
            effective_at: get("effective_at"),
            tx_type: get("type"),
            amounts: &amounts,
            row: &row,
        };
        insert_transaction(tx, &partner, file_id, &t)?;
        if let (Some(d), Some(b)) = (t.file_date, t.balance_id) {
            let a = activity
                .entry((partner.clone(), d.to_string(), b.to_string()))
                .or_default();
            add_activity(a, &t)?;
        }
        if activity.len() >= 100_000 {
            for ((p, d, b), a) in activity.drain() {
                upsert_activity(tx, &p, &d, &b, &a, &mut buf)?;
            }
        }
    }
    drop(q);
    drop(st);
    for ((p, d, b), a) in activity.drain() {
        upsert_activity(tx, &p, &d, &b, &a, &mut buf)?;
    }
    tx.execute_batch(
        "INSERT OR IGNORE INTO balance_days(partner, file_date) \
         SELECT DISTINCT partner, file_date FROM balances WHERE closing IS NOT NULL",
    )?;
    let partners: Vec<String> = tx
        .prepare("SELECT DISTINCT partner FROM balances")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for p in partners {
        crate::Store::reopen_all(tx, &p)?;
    }
    tx.execute_batch(
        "DROP TABLE records_v5; DROP TABLE transactions_v5; DROP TABLE balance_history;",
    )?;
    Ok(())
}
