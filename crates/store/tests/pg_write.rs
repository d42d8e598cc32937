//! The write transaction on PostgreSQL (`PgStore::write`), held to SQLite's (`Store::write`),
//! which is its specification: the same steps are compiled once for each backend ([`steps!`]),
//! run on a SQLite file and on a throwaway PostgreSQL server (`crates/pgtest`), and what they
//! stored is read back — SQLite's through its public reads, PostgreSQL's with direct SQL — and
//! compared, blobs byte for byte.

mod common;

use common::file;
use rust_decimal::Decimal;
use std::str::FromStr;
use store::codec;
use store::pg::PgStore;
use store::{BalanceIn, Decision, Ledger, NewFile, NonPostedIn, State, Store, TransactionIn};

const P: &str = "p";

/// A PostgreSQL store on a server of its own; `None` (skipped) without PostgreSQL binaries.
struct Pg {
    /// Stopped when dropped: after the store's connections.
    _server: pgtest::Server,
    url: String,
    store: PgStore,
}

fn pg(test: &str) -> Option<Pg> {
    let server = pgtest::require(test)?;
    let url = server.create_database("x").unwrap();
    let store = PgStore::connect(&url).unwrap();
    Some(Pg {
        _server: server,
        url,
        store,
    })
}

impl Pg {
    /// A connection of the test's own, outside any write transaction.
    fn raw(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }
}

fn sqlite() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("x.sqlite")).unwrap();
    (dir, s)
}

fn decision(state: State) -> Decision {
    Decision {
        state,
        rows: 1,
        late: false,
        error_count: 0,
        warning_count: 0,
        decided_at: "2026-03-02T01:00:01Z".into(),
        final_path: "processed/x".into(),
    }
}

/// Runs `$body` with `$w` the write transaction of the file `$name` on store `$s`, and
/// commits it with its acceptance.
macro_rules! accept {
    ($s:expr, $name:expr, |$w:ident| $body:block) => {{
        let mut tx = $s.write(&file($name)).unwrap();
        {
            let $w = &mut tx;
            $body
        }
        assert!(tx
            .commit(&decision(State::Accepted), &mut || Ok(()))
            .unwrap());
    }};
}

/// Steps written once, compiled for each backend: `$name::sqlite(&Store)` and
/// `$name::pg(&PgStore)` (the two write transactions have the same methods, not a trait).
macro_rules! steps {
    ($name:ident, |$s:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            pub fn sqlite($s: &Store) $body
            pub fn pg($s: &PgStore) $body
        }
    };
}

/// A balance row of the balance file dated `$date`.
macro_rules! balance {
    ($w:expr, $id:expr, $date:expr, $status:expr, $amounts:expr) => {{
        let id: &str = $id;
        let layout = $w
            .layout("balance", &["client_balance_id", "note"])
            .unwrap();
        let mut row = Vec::new();
        codec::encode_row(layout, &[Some(id), Some("n")], &mut row);
        $w.balance(&BalanceIn {
            balance_id: id,
            lead_id: id.starts_with('L'),
            file_date: $date,
            account_id: Some("a1"),
            balance_type: Some("deposit"),
            status: Some($status),
            status_reason: Some("none"),
            currency: Some("USD"),
            settlement_account: None,
            amounts: $amounts,
            row: &row,
        })
        .unwrap();
    }};
}

/// The transaction `$id` (batched, file row `$row`) of the transaction file dated `$date`.
macro_rules! transaction {
    ($w:expr, $row:expr, $id:expr, $balance:expr, $date:expr, $ty:expr, $amounts:expr) => {{
        let id: &str = $id;
        let amounts: &[(&str, &str)] = $amounts;
        let layout = $w
            .layout(
                "transaction",
                &["currency", "amount@scale", "fee_amount@scale"],
            )
            .unwrap();
        let scale = |c: &str| {
            amounts
                .iter()
                .find(|(k, _)| *k == c)
                .map(|(_, v)| codec::scale_cell(v))
        };
        let mut row = Vec::new();
        codec::encode_row(
            layout,
            &[Some("USD"), scale("amount"), scale("fee_amount")],
            &mut row,
        );
        $w.transaction_batched(
            $row,
            &TransactionIn {
                id,
                balance_id: $balance,
                card_id: None,
                file_date: Some($date),
                effective_at: Some("2026-03-02T10:30:00Z"),
                tx_type: $ty,
                amounts,
                row: &row,
            },
        )
        .unwrap();
    }};
}

/// A card record with its state, and a reference to it.
macro_rules! card {
    ($w:expr, $key:expr, $name:expr, $date:expr, $state:expr) => {{
        let key: &str = $key;
        let layout = $w.layout("card", &["card_id", "name", "status"]).unwrap();
        let mut row = Vec::new();
        codec::encode_row(layout, &[Some(key), Some($name), Some($state)], &mut row);
        $w.record("card", key, &row).unwrap();
        $w.record_ref("card", &format!("ref-{key}"), key).unwrap();
        $w.record_ref("card", key, key).unwrap();
        $w.state(
            "card",
            key,
            Some($date),
            $state,
            Some("2026-03-01T00:00:00Z"),
        )
        .unwrap();
    }};
}

// ---------------------------------------------------------------------------------------------
// What each backend stored, in one form.

/// A record: (the name of the file that wrote it, its layout's columns, its cells). File ids
/// are compared by name: PostgreSQL's identity does not hand out again the id of a rolled back
/// claim, where SQLite's rowid does.
type RecordDump = (String, Vec<String>, Vec<Option<String>>);

/// A balance day's row: key, account, currency, closing (type, status, reason, amounts),
/// opening (type, status, amounts), activity — what the nightly run reads.
type DayDump = (
    String,
    Option<String>,
    Option<String>,
    Option<(String, String, String, Vec<u8>)>,
    Option<(String, String, Vec<u8>)>,
    Option<Vec<u8>>,
);

/// A transaction: balance, type, effective_at, amount, fee, the name of its file.
type TxDump = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

fn sqlite_file_name(s: &Store, id: i64) -> String {
    s.file(id).unwrap().unwrap().file.name
}

fn sqlite_record(s: &Store, ft: &str, key: &str) -> Option<RecordDump> {
    let r = s.record(P, ft, key).unwrap()?;
    Some((sqlite_file_name(s, r.file_id), r.columns.to_vec(), r.cells))
}

fn pg_record(c: &mut postgres::Client, ft: &str, key: &str) -> Option<RecordDump> {
    let r = c
        .query_opt(
            "SELECT f.name, r.row FROM records AS r JOIN files AS f ON f.id = r.file_id \
             WHERE r.partner = $1 AND r.file_type = $2 AND r.record_key = $3",
            &[&P, &ft, &key],
        )
        .unwrap()?;
    let blob: Vec<u8> = r.get(1);
    let (layout, cells) = codec::decode_row(&blob).unwrap();
    let columns: String = c
        .query_one("SELECT columns FROM layouts WHERE id = $1", &[&layout])
        .unwrap()
        .get(0);
    Some((
        r.get(0),
        columns.split('|').map(str::to_string).collect(),
        cells.into_iter().map(|c| c.map(str::to_string)).collect(),
    ))
}

fn sqlite_states(s: &Store, ft: &str, key: &str) -> Vec<(Option<String>, String, Option<String>)> {
    let r = s.snapshot().unwrap();
    let states = r.states(P, ft, key).unwrap();
    states
        .into_iter()
        .map(|c| (c.file_date, c.state, c.effective_at))
        .collect()
}

fn pg_states(
    c: &mut postgres::Client,
    ft: &str,
    key: &str,
) -> Vec<(Option<String>, String, Option<String>)> {
    let rows = c
        .query(
            "SELECT file_date, state, effective_at FROM record_states WHERE partner = $1 \
             AND file_type = $2 AND record_key = $3 ORDER BY file_id",
            &[&P, &ft, &key],
        )
        .unwrap();
    rows.iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

fn sqlite_day(s: &Store, date: &str) -> Vec<DayDump> {
    let mut out = Vec::new();
    let r = s.snapshot().unwrap();
    r.day_balances::<store::Error>(P, date, &mut |d| {
        out.push((
            d.balance_id.to_string(),
            d.account_id.map(str::to_string),
            d.currency.map(str::to_string),
            d.closing.map(|c| {
                (
                    c.balance_type.to_string(),
                    c.status.to_string(),
                    c.status_reason.to_string(),
                    c.amounts.to_vec(),
                )
            }),
            d.opening.map(|o| {
                (
                    o.balance_type.to_string(),
                    o.status.to_string(),
                    o.amounts.to_vec(),
                )
            }),
            d.activity.map(<[u8]>::to_vec),
        ));
        Ok(true)
    })
    .unwrap();
    out
}

fn pg_day(c: &mut postgres::Client, date: &str) -> Vec<DayDump> {
    let rows = c
        .query(
            "SELECT balance_key, account_id, currency, type, status, status_reason, closing, \
             opening_type, opening_status, opening, activity FROM balances \
             WHERE partner = $1 AND file_date = $2 ORDER BY balance_key COLLATE \"C\"",
            &[&P, &date],
        )
        .unwrap();
    let text = |r: &postgres::Row, i| r.get::<_, Option<String>>(i).unwrap_or_default();
    rows.iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get::<_, Option<Vec<u8>>>(6)
                    .map(|a| (text(r, 3), text(r, 4), text(r, 5), a)),
                r.get::<_, Option<Vec<u8>>>(9)
                    .map(|a| (text(r, 7), text(r, 8), a)),
                r.get(10),
            )
        })
        .collect()
}

fn sqlite_transaction(s: &Store, id: &str) -> Option<TxDump> {
    let t = s.snapshot().unwrap().transaction(P, id).unwrap()?;
    let get = |c: &str| t.get(c).map(str::to_string);
    Some((
        get("balance_id"),
        get("type"),
        get("effective_at"),
        get("amount"),
        get("fee_amount"),
        sqlite_file_name(s, t.file_id),
    ))
}

fn pg_transactions(c: &mut postgres::Client) -> Vec<(String, TxDump)> {
    let rows = c
        .query(
            "SELECT t.transaction_id, t.balance_id, t.type, t.effective_at, t.amount::text, \
             t.fee_amount::text, f.name FROM transactions AS t JOIN files AS f \
             ON f.id = t.file_id WHERE t.partner = $1 ORDER BY t.transaction_id COLLATE \"C\"",
            &[&P],
        )
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.get(0),
                (r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6)),
            )
        })
        .collect()
}

/// SQLite's `Store::counts` on PostgreSQL: records, balance reports, transactions.
fn pg_counts(c: &mut postgres::Client) -> (u64, u64, u64) {
    let n = |c: &mut postgres::Client, sql: &str| {
        c.query_one(sql, &[&P]).unwrap().get::<_, i64>(0) as u64
    };
    (
        n(c, "SELECT count(*) FROM records WHERE partner = $1"),
        n(
            c,
            "SELECT count(*) FROM balances WHERE partner = $1 AND closing IS NOT NULL",
        ),
        n(c, "SELECT count(*) FROM transactions WHERE partner = $1"),
    )
}

/// The rows of every table the write transaction writes (the ledger's included).
fn pg_all_rows(c: &mut postgres::Client) -> i64 {
    let tables = [
        "files",
        "layouts",
        "records",
        "record_refs",
        "record_states",
        "balances",
        "balance_days",
        "transactions",
        "non_posted",
        "ach_entries",
    ];
    tables
        .iter()
        .map(|t| {
            c.query_one(&format!("SELECT count(*) FROM {t}"), &[])
                .unwrap()
                .get::<_, i64>(0)
        })
        .sum()
}

fn sqlite_non_posted(s: &Store, date: &str) -> Vec<(String, Option<String>, Option<Decimal>)> {
    let mut out = Vec::new();
    s.snapshot()
        .unwrap()
        .non_posted(P, date, &mut |n| {
            out.push((
                n.id.to_string(),
                n.balance_id.map(str::to_string),
                n.amount.map(|a| a.normalize()),
            ))
        })
        .unwrap();
    out
}

/// The snapshot of `date`, and the amounts as PostgreSQL keeps them (text of the NUMERIC).
#[allow(clippy::type_complexity)]
fn pg_non_posted(
    c: &mut postgres::Client,
    date: &str,
) -> (Vec<(String, Option<String>, Option<Decimal>)>, Vec<String>) {
    let rows = c
        .query(
            "SELECT id, balance_id, amount::text FROM non_posted WHERE partner = $1 \
             AND file_date = $2 ORDER BY id COLLATE \"C\"",
            &[&P, &date],
        )
        .unwrap();
    let amount = |r: &postgres::Row| r.get::<_, Option<String>>(2);
    (
        rows.iter()
            .map(|r| {
                (
                    r.get(0),
                    r.get(1),
                    amount(r).map(|a| Decimal::from_str(&a).unwrap().normalize()),
                )
            })
            .collect(),
        rows.iter().filter_map(amount).collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// 1. Records, references and states.

steps!(records, |s| {
    accept!(s, "2026-03-01_card_v1.csv", |w| {
        card!(w, "c1", "Ann", "2026-03-01", "active");
        card!(w, "c2", "Bob", "2026-03-01", "active");
    });
    accept!(s, "2026-03-02_card_v1.csv", |w| {
        // Sent again: overwritten; the same state is not kept twice.
        card!(w, "c1", "Ann B", "2026-03-02", "active");
        // A change is kept once, whatever the file repeats.
        card!(w, "c2", "Bob", "2026-03-02", "closed");
        card!(w, "c2", "Bob", "2026-03-02", "closed");
        // A key twice in one file: its last row and state stand, one state row a file.
        card!(w, "c3", "Cy", "2026-03-02", "pending");
        card!(w, "c3", "Cy 2", "2026-03-02", "active");
        w.ach_entry(3, "0001", Some("2026-03-02"), r#"{"x":1}"#)
            .unwrap();
        w.ach_entry(5, "0002", Some("2026-03-03"), r#"{"x":2}"#)
            .unwrap();
    });
    accept!(s, "2026-03-03_card_v1.csv", |w| {
        // Away and back within one file: against this file's own row, then back to the
        // earlier file's state (SQLite keeps it: the last row kept is this file's).
        card!(w, "c1", "Ann B", "2026-03-03", "frozen");
        card!(w, "c1", "Ann C", "2026-03-03", "active");
        card!(w, "c3", "Cy 2", "2026-03-03", "active");
        // More than a batch of records (PostgreSQL writes them 2,000 to a statement).
        for i in 0..2_500 {
            let key = format!("k{i:04}");
            let state = if i % 3 == 0 { "closed" } else { "active" };
            card!(w, &key, "many", "2026-03-03", state);
        }
    });
    accept!(s, "2026-03-04_card_v1.csv", |w| {
        for i in (0..2_500).step_by(7) {
            card!(w, &format!("k{i:04}"), "many", "2026-03-04", "active");
        }
    });
});

#[test]
fn records_refs_and_states_are_sqlites() {
    let Some(pg) = pg("pg_write: records") else {
        return;
    };
    let (_d, lite) = sqlite();
    records::sqlite(&lite);
    records::pg(&pg.store);
    let mut c = pg.raw();
    let mut keys: Vec<String> = ["c1", "c2", "c3", "nobody"].map(String::from).to_vec();
    keys.extend((0..2_500).map(|i| format!("k{i:04}")));
    for key in &keys {
        assert_eq!(
            pg_record(&mut c, "card", key),
            sqlite_record(&lite, "card", key),
            "{key}"
        );
        assert_eq!(
            pg_states(&mut c, "card", key),
            sqlite_states(&lite, "card", key),
            "{key}"
        );
        let pg_ref: Option<String> = c
            .query_opt(
                "SELECT record_key FROM record_refs WHERE partner = $1 AND file_type = 'card' \
                 AND ref_id = $2",
                &[&P, &format!("ref-{key}")],
            )
            .unwrap()
            .map(|r| r.get(0));
        let lite_ref = lite
            .snapshot()
            .unwrap()
            .find_ref(P, "card", &format!("ref-{key}"))
            .unwrap();
        assert_eq!(pg_ref, lite_ref, "{key}");
    }
    // What the steps meant, read on one side (the other is equal).
    let c1 = sqlite_record(&lite, "card", "c1").unwrap();
    assert_eq!(c1.2[1].as_deref(), Some("Ann C"));
    let states = |key| {
        pg_states(&mut pg.raw(), "card", key)
            .into_iter()
            .map(|s| (s.0.unwrap(), s.1))
            .collect::<Vec<_>>()
    };
    let st = |d: &str, s: &str| (d.to_string(), s.to_string());
    assert_eq!(
        states("c1"),
        [st("2026-03-01", "active"), st("2026-03-03", "active")]
    );
    assert_eq!(
        states("c2"),
        [st("2026-03-01", "active"), st("2026-03-02", "closed")]
    );
    assert_eq!(states("c3"), [st("2026-03-02", "active")]);
    assert_eq!(
        states("k0021"),
        [st("2026-03-03", "closed"), st("2026-03-04", "active")]
    );
    assert_eq!(pg_counts(&mut c), lite.counts(P).unwrap());
    // ACH entries of one settlement day.
    let mut lite_ach = Vec::new();
    lite.snapshot()
        .unwrap()
        .ach_entries_settled_on::<store::Error>(P, "2026-03-03", &mut |a| {
            lite_ach.push((a.trace.to_string(), a.data.to_string()));
            Ok(true)
        })
        .unwrap();
    let pg_ach: Vec<(String, String)> = c
        .query(
            "SELECT trace, data FROM ach_entries WHERE partner = $1 AND settlement_date = $2 \
             ORDER BY file_id, line",
            &[&P, &"2026-03-03"],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(pg_ach, lite_ach);
    assert_eq!(pg_ach.len(), 1);
}

#[test]
fn nothing_is_visible_before_the_commit() {
    let Some(pg) = pg("pg_write: visibility") else {
        return;
    };
    let mut c = pg.raw();
    let mut w = pg.store.write(&file("2026-03-01_card_v1.csv")).unwrap();
    card!(w, "c1", "Ann", "2026-03-01", "active");
    w.set_file_hash("ff", 42).unwrap();
    // Rows still waiting for their statement, and rows written: neither is seen outside.
    w.take_conflicts().unwrap();
    assert_eq!(pg_all_rows(&mut c), 0);
    let id = w.file_id();
    assert!(w
        .commit(&decision(State::Accepted), &mut || {
            // Still nothing outside while the result files are written.
            assert_eq!(pg_all_rows(&mut pg.raw()), 0);
            Ok(())
        })
        .unwrap());
    let row = pg.store.file(id).unwrap().unwrap();
    assert_eq!(row.state(), State::Accepted);
    assert_eq!((row.file.sha256.as_str(), row.file.bytes), ("ff", 42));
    assert_eq!(pg_counts(&mut c), (1, 0, 0));
}

// ---------------------------------------------------------------------------------------------
// 2. Balances over three balance-file days, one of them late.

const D1: &str = "2026-03-01";
const D2: &str = "2026-03-02";
const D3: &str = "2026-03-03";
const D4: &str = "2026-03-04";

steps!(balance_days, |s| {
    accept!(s, "2026-03-01_balance_v1.csv", |w| {
        balance!(
            w,
            "b1",
            D1,
            "active",
            &[("balance", "10.00"), ("outstanding_fees", "0.5")]
        );
        balance!(w, "b2", D1, "active", &[("balance", "5.00")]);
        balance!(w, "b9", D1, "closed", &[("balance", "0.00")]);
        balance!(
            w,
            "L7",
            D1,
            "active",
            &[("balance", "-3"), ("balance", "9")]
        );
    });
    // The transaction file of day 3 before its balance file: its activity waits in the day.
    accept!(s, "2026-03-03_transaction_v1.csv", |w| {
        transaction!(
            w,
            2,
            "t1",
            Some("b1"),
            D3,
            Some("debit"),
            &[("amount", "-1.50")]
        );
        transaction!(
            w,
            3,
            "t2",
            Some("b1"),
            D3,
            Some("credit"),
            &[("amount", "0.25")]
        );
        transaction!(w, 4, "t3", Some("b4"), D3, None, &[("amount", "7")]);
    });
    accept!(s, "2026-03-03_balance_v1.csv", |w| {
        // b2, b9 and L7 are missing on day 3: rows without a closing, opening from day 1.
        balance!(w, "b1", D3, "active", &[("balance", "8.75")]);
        balance!(w, "b3", D3, "active", &[("balance", "1.00")]);
        balance!(w, "b4", D3, "active", &[("balance", "7")]);
    });
    // Day 2, late: it opens from day 1, and day 3 now opens from it.
    accept!(s, "2026-03-02_balance_v1.csv", |w| {
        balance!(w, "b1", D2, "active", &[("balance", "10.25")]);
        balance!(w, "b3", D2, "frozen", &[("balance", "1.00")]);
        // Sent twice in the file: the last row stands.
        balance!(w, "L7", D2, "active", &[("balance", "1")]);
        balance!(w, "L7", D2, "closed", &[("balance", "2")]);
    });
    // A second file of day 3 (a day with rows already): its openings are all recomputed.
    accept!(s, "2026-03-03_balance_v2.csv", |w| {
        balance!(w, "b1", D3, "active", &[("balance", "8.80")]);
        balance!(w, "b5", D3, "active", &[("balance", "0.01")]);
    });
    // Day 4 opens from day 3, which has no b2: none of day 4's rows open from it.
    accept!(s, "2026-03-04_balance_v1.csv", |w| {
        balance!(w, "b1", D4, "active", &[("balance", "8.80")]);
        // Many balances: several statements, and openings looked up across them.
        for i in 0..4_100 {
            let id = format!("m{i:05}");
            balance!(w, &id, D4, "active", &[("balance", "1.10")]);
        }
    });
    accept!(s, "2026-03-05_balance_v1.csv", |w| {
        for i in (0..4_100).step_by(2) {
            let id = format!("m{i:05}");
            balance!(w, &id, "2026-03-05", "active", &[("balance", "1.20")]);
        }
    });
    // One file with rows of two new days: a row of the later day opens from a row of the
    // earlier one written just before it in the same file.
    accept!(s, "2026-03-07_balance_v1.csv", |w| {
        for id in ["x1", "x2"] {
            balance!(w, id, "2026-03-06", "active", &[("balance", "6")]);
            balance!(w, id, "2026-03-07", "active", &[("balance", "7")]);
        }
    });
});

#[test]
fn balance_days_open_close_and_reopen_as_on_sqlite() {
    let Some(pg) = pg("pg_write: balance days") else {
        return;
    };
    let (_d, lite) = sqlite();
    balance_days::sqlite(&lite);
    balance_days::pg(&pg.store);
    let mut c = pg.raw();
    for date in [D1, D2, D3, D4, "2026-03-05", "2026-03-06", "2026-03-07"] {
        let want = sqlite_day(&lite, date);
        assert!(!want.is_empty(), "{date}");
        assert_eq!(pg_day(&mut c, date), want, "{date}");
    }
    // What the steps meant.
    let day3 = pg_day(&mut c, D3);
    let keys: Vec<&str> = day3.iter().map(|r| r.0.as_str()).collect();
    // b2 and b9, missing on day 2 (the day 3 opens from now), are not listed on day 3.
    assert_eq!(keys, ["L7", "b1", "b3", "b4", "b5"]);
    let by = |k: &str| day3.iter().find(|r| r.0 == k).unwrap().clone();
    let amount = |blob: &[u8]| {
        let mut v = Vec::new();
        codec::for_each_amount(&store::BALANCE_AMOUNT_COLUMNS, blob, &mut |c, d| {
            v.push(format!("{c}={d}"))
        })
        .unwrap();
        v.join(",")
    };
    // b1 opens from day 2 (the late file), closes at the v2 file's amount, keeps its activity.
    let b1 = by("b1");
    assert_eq!(amount(&b1.3.unwrap().3), "balance=8.80");
    assert_eq!(amount(&b1.4.unwrap().2), "balance=10.25");
    assert!(b1.5.is_some());
    // b2: missing on day 2, opening from day 1.
    let day2 = pg_day(&mut c, D2);
    let b2 = day2.iter().find(|r| r.0 == "b2").unwrap().clone();
    assert!(b2.3.is_none());
    assert_eq!(amount(&b2.4.unwrap().2), "balance=5.00");
    // b3 opens from day 2 with day 2's status; L7 from its last day-2 row.
    assert_eq!(by("b3").4.unwrap().1, "frozen");
    let l7 = by("L7").4.unwrap();
    assert_eq!(
        (l7.1.as_str(), amount(&l7.2).as_str()),
        ("closed", "balance=2")
    );
    // b5 is new: it opens from nothing.
    assert!(by("b5").4.is_none());
    let day5 = pg_day(&mut c, "2026-03-05");
    assert_eq!(day5.len(), 4_101, "b1 and the odd m's missing");
    // Money is exact, as written.
    let typed: String = c
        .query_one(
            "SELECT balance::text FROM balances WHERE partner = $1 AND file_date = $2 \
             AND balance_key = 'b1'",
            &[&P, &D1],
        )
        .unwrap()
        .get(0);
    assert_eq!(typed, "10.00");
    assert_eq!(pg_counts(&mut c), lite.counts(P).unwrap());
    let days: Vec<String> = c
        .query(
            "SELECT file_date FROM balance_days ORDER BY file_date COLLATE \"C\"",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        days,
        [D1, D2, D3, D4, "2026-03-05", "2026-03-06", "2026-03-07"]
    );
    let x2 = pg_day(&mut c, "2026-03-07")
        .into_iter()
        .find(|r| r.0 == "x2")
        .unwrap();
    assert_eq!(amount(&x2.4.unwrap().2), "balance=6");
}

/// A write transaction, its rows written, waiting for its commit.
type Open<'a> = Box<dyn FnOnce() + 'a>;

/// `first` opened on one node, then `second` opened on another while it is; `first` commits
/// 300 ms later, `second` 600 ms later. Without a lock between them `second` reads before
/// `first` commits, and commits after.
fn overlapping(
    url: &str,
    first: &(dyn for<'a> Fn(&'a PgStore) -> Open<'a> + Sync),
    second: &(dyn for<'a> Fn(&'a PgStore) -> Open<'a> + Sync),
) {
    let (a, b) = (
        PgStore::connect(url).unwrap(),
        PgStore::connect(url).unwrap(),
    );
    let opened = std::sync::Barrier::new(2);
    let ms = std::time::Duration::from_millis;
    std::thread::scope(|t| {
        t.spawn(|| {
            let commit = first(&a);
            opened.wait();
            std::thread::sleep(ms(300));
            commit();
        });
        t.spawn(|| {
            opened.wait();
            let commit = second(&b);
            std::thread::sleep(ms(600));
            commit();
        });
    });
}

/// Commits `w` with its acceptance, later.
macro_rules! later {
    ($w:ident) => {
        Box::new(move || {
            assert!($w
                .commit(&decision(State::Accepted), &mut || Ok(()))
                .unwrap());
        })
    };
}

#[test]
fn nodes_applying_days_at_once_apply_them_as_one_after_the_other() {
    let Some(pg) = pg("pg_write: concurrent days") else {
        return;
    };
    accept!(pg.store, "2026-03-01_balance_v1.csv", |w| {
        balance!(w, "b1", D1, "active", &[("balance", "1")]);
    });
    // Day 2 open on one node while day 3 is applied on another: day 3 must open from day 2,
    // which its node cannot see until it is committed (and day 2's node cannot see day 3 to
    // reopen it).
    overlapping(
        &pg.url,
        &|s| {
            let mut w = s.write(&file("2026-03-02_balance_v1.csv")).unwrap();
            balance!(w, "b1", D2, "active", &[("balance", "2")]);
            later!(w)
        },
        &|s| {
            let mut w = s.write(&file("2026-03-03_balance_v1.csv")).unwrap();
            balance!(w, "b1", D3, "active", &[("balance", "3")]);
            later!(w)
        },
    );
    // Two transaction files of day 3 at once: the day's activity holds both.
    fn tx<'a>(s: &'a PgStore, name: &str, id: &str, amount: &str) -> Open<'a> {
        let mut w = s.write(&file(name)).unwrap();
        let amounts = [("amount", amount)];
        transaction!(w, 2, id, Some("b1"), D3, Some("debit"), &amounts);
        assert!(w.take_conflicts().unwrap().is_empty());
        later!(w)
    }
    overlapping(
        &pg.url,
        &|s| tx(s, "2026-03-03_transaction_v1.csv", "t1", "-1"),
        &|s| tx(s, "2026-03-03_transaction_v2.csv", "t2", "5"),
    );
    let mut c = pg.raw();
    let b1 = pg_day(&mut c, D3)
        .into_iter()
        .find(|r| r.0 == "b1")
        .unwrap();
    let mut opening = Vec::new();
    codec::for_each_amount(
        &store::BALANCE_AMOUNT_COLUMNS,
        &b1.4.unwrap().2,
        &mut |_, d| opening.push(d.to_string()),
    )
    .unwrap();
    assert_eq!(opening, ["2"], "day 3 opens from day 2");
    let activity =
        codec::Activity::decode(&store::TRANSACTION_AMOUNT_COLUMNS, &b1.5.unwrap()).unwrap();
    assert_eq!(activity.count, 2);
    assert_eq!(activity.total("amount").unwrap().to_string(), "4");
}

// ---------------------------------------------------------------------------------------------
// 3. A big transaction file in batches, activity of two files of a day, conflicts.

/// The `i`th transaction of the big file: id, balance, type, amounts.
fn big(
    i: usize,
) -> (
    String,
    String,
    Option<&'static str>,
    Vec<(&'static str, String)>,
) {
    let ty = [Some("debit"), Some("credit"), None, Some("fee")][i % 4];
    let mut amounts = vec![(
        "amount",
        format!(
            "{}{}.{:02}",
            if i.is_multiple_of(5) { "-" } else { "" },
            i % 97,
            i % 100
        ),
    )];
    if i.is_multiple_of(7) {
        amounts.push(("fee_amount", format!("0.{:03}", i % 1000)));
    }
    (format!("t{i}"), format!("b{}", i % 37), ty, amounts)
}

/// Batched transactions `range` of the big file dated `$date`, file rows from 2.
macro_rules! big_file {
    ($w:expr, $range:expr, $date:expr) => {{
        for i in $range {
            let (id, balance, ty, amounts) = big(i);
            let amounts: Vec<(&str, &str)> =
                amounts.iter().map(|(c, v)| (*c, v.as_str())).collect();
            transaction!(
                $w,
                i as u64 + 2,
                &id,
                Some(balance.as_str()),
                $date,
                ty,
                &amounts
            );
        }
    }};
}

steps!(transactions, |s| {
    accept!(s, "2026-03-02_balance_v1.csv", |w| {
        for i in 0..37 {
            balance!(w, &format!("b{i}"), D2, "active", &[("balance", "100.00")]);
        }
    });
    // 5,000 rows: several statements; few sums kept in memory, so they spill.
    accept!(s, "2026-03-03_transaction_v1.csv", |w| {
        w.set_activity_limit(10);
        big_file!(w, 0..5_000, D3);
        assert!(w.take_conflicts().unwrap().is_empty());
    });
    accept!(s, "2026-03-03_balance_v1.csv", |w| {
        for i in 0..20 {
            balance!(w, &format!("b{i}"), D3, "active", &[("balance", "99.00")]);
        }
    });
    // Another file of the same day: its activity is added to the first's.
    accept!(s, "2026-03-03_transaction_v2.csv", |w| {
        big_file!(w, 5_000..6_000, D3);
        // A transaction without a balance or date: stored, no activity.
        transaction!(
            w,
            9_000,
            "loose",
            None,
            D3,
            Some("debit"),
            &[("amount", "1")]
        );
    });
    // Ids applied by earlier files come back with their rows; a repeat within the file does
    // not; across statements too.
    let conflicts = {
        let mut w = s.write(&file("2026-03-04_transaction_v1.csv")).unwrap();
        for i in 0..2_100u64 {
            let id = match i {
                10 => "t17".to_string(),
                11 => "u5".to_string(),
                2_050 => "t5999".to_string(),
                _ => format!("u{i}"),
            };
            transaction!(
                w,
                i + 2,
                &id,
                Some("b1"),
                D4,
                Some("debit"),
                &[("amount", "1")]
            );
        }
        w.take_conflicts().unwrap()
        // Dropped: rolled back.
    };
    assert_eq!(
        conflicts,
        [(12, "t17".to_string()), (2_052, "t5999".to_string())]
    );
    // A conflict nobody took fails the commit, and nothing of the file stays.
    let mut w = s.write(&file("2026-03-04_transaction_v2.csv")).unwrap();
    transaction!(
        w,
        2,
        "v1",
        Some("b1"),
        D3,
        Some("debit"),
        &[("amount", "5")]
    );
    transaction!(
        w,
        3,
        "t3",
        Some("b1"),
        D3,
        Some("debit"),
        &[("amount", "5")]
    );
    balance!(w, "b1", D4, "active", &[("balance", "1")]);
    card!(w, "c1", "Ann", D4, "active");
    assert!(w
        .commit(&decision(State::Accepted), &mut || Ok(()))
        .is_err());
    // Single transactions: a repeat is `false`.
    accept!(s, "2026-03-05_transaction_v1.csv", |w| {
        let layout = w
            .layout(
                "transaction",
                &["currency", "amount@scale", "fee_amount@scale"],
            )
            .unwrap();
        let mut row = Vec::new();
        codec::encode_row(layout, &[Some("USD"), Some("2"), None], &mut row);
        let t = |id| TransactionIn {
            id,
            balance_id: Some("b2"),
            card_id: None,
            file_date: Some("2026-03-05"),
            effective_at: None,
            tx_type: Some("debit"),
            amounts: &[("amount", "-2.50")],
            row: &row,
        };
        assert!(w.transaction(&t("w1")).unwrap());
        assert!(!w.transaction(&t("w1")).unwrap());
        assert!(!w.transaction(&t("t1")).unwrap());
    });
});

#[test]
fn transactions_activity_and_conflicts_are_sqlites() {
    let Some(pg) = pg("pg_write: transactions") else {
        return;
    };
    let (_d, lite) = sqlite();
    transactions::sqlite(&lite);
    transactions::pg(&pg.store);
    let mut c = pg.raw();
    for date in [D2, D3, "2026-03-05"] {
        let want = sqlite_day(&lite, date);
        assert!(!want.is_empty(), "{date}");
        assert_eq!(pg_day(&mut c, date), want, "{date}");
    }
    // Every transaction as SQLite reads it back.
    let stored = pg_transactions(&mut c);
    assert_eq!(stored.len(), 6_002);
    for (id, t) in &stored {
        assert_eq!(Some(t), sqlite_transaction(&lite, id).as_ref(), "{id}");
    }
    assert_eq!(pg_counts(&mut c), lite.counts(P).unwrap());
    // Nothing of the failed or dropped files: no rows (checked above), no ledger rows.
    for name in [
        "2026-03-04_transaction_v1.csv",
        "2026-03-04_transaction_v2.csv",
    ] {
        let path = format!("in/{name}");
        assert!(pg.store.latest_for_path(P, &path).unwrap().is_none());
        assert!(lite.latest_for_path(P, &path).unwrap().is_none());
    }
    assert!(pg_day(&mut c, D4).is_empty());
    // The day's activity holds both files: 5,000 + 1,000 transactions, in 37 balances.
    let count: u64 = pg_day(&mut c, D3)
        .iter()
        .filter_map(|r| r.5.as_ref())
        .map(|a| {
            codec::Activity::decode(&store::TRANSACTION_AMOUNT_COLUMNS, a)
                .unwrap()
                .count
        })
        .sum();
    assert_eq!(count, 6_000);
}

// ---------------------------------------------------------------------------------------------
// 4. Rollback, claims, and a decision made once.

steps!(dropped, |s| {
    let mut w = s.write(&file("2026-03-03_transaction_v1.csv")).unwrap();
    card!(w, "c1", "Ann", D3, "active");
    balance!(w, "b1", D3, "active", &[("balance", "1")]);
    transaction!(
        w,
        2,
        "t1",
        Some("b1"),
        D3,
        Some("debit"),
        &[("amount", "5")]
    );
    w.non_posted(&NonPostedIn {
        id: "n1",
        file_date: D3,
        balance_id: None,
        amount: Some("1"),
        row: &[],
    })
    .unwrap();
    w.ach_entry(1, "0001", None, "{}").unwrap();
    assert!(w.take_conflicts().unwrap().is_empty());
    drop(w);
});

#[test]
fn a_dropped_transaction_leaves_nothing() {
    let Some(pg) = pg("pg_write: dropped") else {
        return;
    };
    let (_d, lite) = sqlite();
    dropped::sqlite(&lite);
    dropped::pg(&pg.store);
    assert_eq!(lite.counts(P).unwrap(), (0, 0, 0));
    assert!(lite.files(None, 10).unwrap().is_empty());
    assert_eq!(pg_all_rows(&mut pg.raw()), 0);
    // The connection went back to the pool out of its transaction: the next file commits.
    accept!(pg.store, "2026-03-04_card_v1.csv", |w| {
        card!(w, "c1", "Ann", D4, "active");
    });
    assert_eq!(pg_counts(&mut pg.raw()), (1, 0, 0));
}

#[test]
fn a_claim_is_reused_locked_and_decided_once() {
    let Some(pg) = pg("pg_write: claims") else {
        return;
    };
    let s = &pg.store;
    let f = file("2026-03-03_card_v1.csv");
    // A crashed claim's row is the file's row; a rollback leaves it as it was.
    let id = s.begin(&f).unwrap();
    let w = s
        .write(&NewFile {
            sha256: "bb".into(),
            ..f.clone()
        })
        .unwrap();
    assert_eq!(w.file_id(), id);
    w.set_file_hash("cc", 9).unwrap();
    drop(w);
    let row = s.file(id).unwrap().unwrap();
    assert_eq!(
        (row.state(), row.file.sha256.as_str()),
        (State::Validating, f.sha256.as_str())
    );
    assert_eq!(s.undecided(P).unwrap().len(), 1);
    // try_write never waits for a writer: there is none to wait for.
    assert!(s.try_write(&f).unwrap().is_some());
    assert!(s.write_claimed(-1).unwrap().is_none());
    // Claimed, the row is locked: another node deciding it waits, then finds it decided.
    let other = PgStore::connect(&pg.url).unwrap();
    let mut w = s.write_claimed(id).unwrap().unwrap();
    assert_eq!(w.file_id(), id);
    card!(w, "c1", "Ann", D3, "active");
    std::thread::scope(|t| {
        let racing = t.spawn(|| other.decide(id, &decision(State::Rejected)).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(!racing.is_finished(), "the claimed row is locked");
        assert!(w
            .commit(&decision(State::Accepted), &mut || Ok(()))
            .unwrap());
        assert!(!racing.join().unwrap(), "decided once");
    });
    assert_eq!(s.file(id).unwrap().unwrap().state(), State::Accepted);
    assert!(s.write_claimed(id).unwrap().is_none(), "decided");
    assert_eq!(pg_counts(&mut pg.raw()), (1, 0, 0));
}

#[test]
fn a_row_decided_meanwhile_commits_nothing() {
    let Some(pg) = pg("pg_write: decided meanwhile") else {
        return;
    };
    // The claim's lock keeps other nodes out, so "meanwhile" is made inside the transaction: a
    // trigger decides the row when the file's hash is set to `decided-meanwhile`.
    pg.raw()
        .batch_execute(
            "CREATE FUNCTION decide_meanwhile() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN NEW.state := 'rejected'; NEW.decided_at := 'meanwhile'; RETURN NEW; END $$; \
             CREATE TRIGGER decide_meanwhile BEFORE UPDATE OF sha256 ON files FOR EACH ROW \
             WHEN (NEW.sha256 = 'decided-meanwhile') EXECUTE FUNCTION decide_meanwhile();",
        )
        .unwrap();
    let s = &pg.store;
    let mut w = s.write(&file("2026-03-03_card_v1.csv")).unwrap();
    card!(w, "c1", "Ann", D3, "active");
    w.set_file_hash("decided-meanwhile", 1).unwrap();
    let mut ran = false;
    let committed = w
        .commit(&decision(State::Accepted), &mut || {
            ran = true;
            Ok(())
        })
        .unwrap();
    assert!(!committed);
    assert!(!ran, "no result files for a file decided elsewhere");
    assert_eq!(pg_all_rows(&mut pg.raw()), 0, "rolled back");
    // A failing `before_commit` rolls back too.
    let mut w = s.write(&file("2026-03-04_card_v1.csv")).unwrap();
    card!(w, "c1", "Ann", D4, "active");
    let failed = w.commit(&decision(State::Accepted), &mut || {
        Err(store::Error::Apply("disk full".into()))
    });
    assert!(failed.is_err());
    assert_eq!(pg_all_rows(&mut pg.raw()), 0);
}

// ---------------------------------------------------------------------------------------------
// 5. Non-posted snapshots.

/// A non-posted row of the file dated `$date`.
macro_rules! non_posted {
    ($w:expr, $date:expr, $id:expr, $amount:expr) => {{
        let layout = $w.layout("non_posted_transaction", &["id"]).unwrap();
        let mut row = Vec::new();
        codec::encode_row(layout, &[Some($id)], &mut row);
        $w.non_posted(&NonPostedIn {
            id: $id,
            file_date: $date,
            balance_id: Some("b1"),
            amount: $amount,
            row: &row,
        })
        .unwrap();
    }};
}

steps!(snapshots, |s| {
    accept!(s, "2026-03-02_non_posted_transaction_v1.csv", |w| {
        w.empty_snapshot(D2).unwrap();
        non_posted!(w, D2, "n1", Some("5.00"));
        non_posted!(w, D2, "n2", Some("1.00"));
        non_posted!(w, D2, "n3", None);
    });
    // Another file of the same day: its snapshot replaces the first's.
    accept!(s, "2026-03-02_non_posted_transaction_v2.csv", |w| {
        w.empty_snapshot(D2).unwrap();
        non_posted!(w, D2, "n2", Some("1.25"));
        non_posted!(w, D2, "n4", Some("-0.10"));
        // An id twice: its last row stands.
        non_posted!(w, D2, "n4", Some("-0.20"));
    });
    accept!(s, "2026-03-03_non_posted_transaction_v1.csv", |w| {
        w.empty_snapshot(D3).unwrap();
        for i in 0..2_100 {
            non_posted!(w, D3, &format!("m{i:04}"), Some("0.01"));
        }
    });
    // A header-only file empties its day.
    accept!(s, "2026-03-03_non_posted_transaction_v2.csv", |w| {
        w.empty_snapshot(D3).unwrap();
    });
    // Rows then an empty snapshot in one file: empty.
    accept!(s, "2026-03-04_non_posted_transaction_v1.csv", |w| {
        non_posted!(w, D4, "n9", Some("9"));
        w.empty_snapshot(D4).unwrap();
    });
});

#[test]
fn non_posted_snapshots_are_replaced_and_emptied_as_on_sqlite() {
    let Some(pg) = pg("pg_write: non-posted") else {
        return;
    };
    let (_d, lite) = sqlite();
    snapshots::sqlite(&lite);
    snapshots::pg(&pg.store);
    let mut c = pg.raw();
    for date in [D2, D3, D4] {
        assert_eq!(
            pg_non_posted(&mut c, date).0,
            sqlite_non_posted(&lite, date),
            "{date}"
        );
    }
    let (rows, amounts) = pg_non_posted(&mut c, D2);
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(ids, ["n2", "n4"]);
    assert_eq!(
        amounts,
        ["1.25", "-0.20"],
        "NUMERIC keeps the amounts as written"
    );
    assert!(pg_non_posted(&mut c, D3).0.is_empty());
    assert!(pg_non_posted(&mut c, D4).0.is_empty());
}

#[test]
fn a_cell_that_is_not_an_amount_fails_the_row_and_the_file() {
    let Some(pg) = pg("pg_write: not an amount") else {
        return;
    };
    let mut w = pg
        .store
        .write(&file("2026-03-02_non_posted_transaction_v1.csv"))
        .unwrap();
    let bad = w.non_posted(&NonPostedIn {
        id: "n1",
        file_date: D2,
        balance_id: None,
        amount: Some("1e5"),
        row: &[],
    });
    assert!(matches!(bad, Err(store::Error::Apply(_))), "{bad:?}");
    let t = TransactionIn {
        id: "t1",
        balance_id: None,
        card_id: None,
        file_date: None,
        effective_at: None,
        tx_type: None,
        amounts: &[("fee_amount", "12,50")],
        row: &[],
    };
    assert!(w.transaction_batched(2, &t).is_err());
    drop(w);
    assert_eq!(pg_all_rows(&mut pg.raw()), 0);
}
