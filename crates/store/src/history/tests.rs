use crate::api::Ledger;
use crate::codec::{self, Activity};
use crate::{BalanceIn, Decision, NewFile, State, Store, TransactionIn, BALANCE_AMOUNT_COLUMNS};

fn accept(s: &Store, partner: &str, name: &str, apply: &mut dyn FnMut(&mut crate::Applier)) {
    let id = s
        .begin(&NewFile {
            partner: partner.into(),
            path: format!("x/{name}"),
            name: name.into(),
            file_type: Some(name[11..].rsplit_once("_v").unwrap().0.into()),
            prefix: Some(name[..10].into()),
            version: Some(1),
            sha256: name.into(),
            bytes: 1,
            received_at: "2026-03-02T01:00:00Z".into(),
        })
        .unwrap();
    let d = Decision {
        state: State::Accepted,
        rows: 1,
        late: false,
        error_count: 0,
        warning_count: 0,
        decided_at: "2026-03-02T01:00:01Z".into(),
        final_path: format!("x/processed/{name}"),
    };
    let mut w = s.write_claimed(id).unwrap().unwrap();
    apply(&mut w);
    assert!(w.commit(&d, &mut || Ok(())).unwrap());
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("db.sqlite")).unwrap();
    (dir, s)
}

fn balance(ap: &mut crate::Applier, id: &str, date: &str, status: &str, amount: &str) {
    let layout = ap.layout("balance", &["client_balance_id"]).unwrap();
    let mut row = Vec::new();
    codec::encode_row(layout, &[Some(id)], &mut row);
    ap.balance(&BalanceIn {
        balance_id: id,
        lead_id: false,
        file_date: date,
        account_id: Some("a1"),
        balance_type: Some("deposit"),
        status: Some(status),
        status_reason: Some("none"),
        currency: Some("USD"),
        settlement_account: None,
        amounts: &[("balance", amount)],
        row: &row,
    })
    .unwrap();
}

fn transaction(ap: &mut crate::Applier, id: &str, date: &str, ty: &str, amount: &str) -> bool {
    let layout = ap.layout("transaction", &["currency"]).unwrap();
    let mut row = Vec::new();
    codec::encode_row(layout, &[Some("USD")], &mut row);
    ap.transaction(&TransactionIn {
        id,
        balance_id: Some("b1"),
        card_id: None,
        file_date: Some(date),
        effective_at: None,
        tx_type: Some(ty),
        amounts: &[("amount", amount)],
        row: &row,
    })
    .unwrap()
}

/// (balance, closing balance, opening balance, activity count) of a day.
type Day = Vec<(String, Option<String>, Option<String>, u64)>;

fn day(s: &Store, partner: &str, date: &str) -> Day {
    let r = s.snapshot().unwrap();
    let mut out = Vec::new();
    let amount = |blob: &[u8]| {
        let mut v = None;
        codec::for_each_amount(&BALANCE_AMOUNT_COLUMNS, blob, &mut |c, d| {
            if c == "balance" {
                v = Some(d.to_string());
            }
        })
        .unwrap();
        v
    };
    r.day_balances::<crate::Error>(partner, date, &mut |row| {
        let count = row.activity.map_or(0, |a| {
            codec::for_each_sum(&crate::TRANSACTION_AMOUNT_COLUMNS, a, &mut |_, _, _| {}).unwrap()
        });
        out.push((
            row.balance_id.to_string(),
            row.closing.and_then(|c| amount(c.amounts)),
            row.opening.and_then(|o| amount(o.amounts)),
            count,
        ));
        Ok(true)
    })
    .unwrap();
    out
}

fn row(
    id: &str,
    closing: Option<&str>,
    opening: Option<&str>,
    count: u64,
) -> (String, Option<String>, Option<String>, u64) {
    (
        id.into(),
        closing.map(Into::into),
        opening.map(Into::into),
        count,
    )
}

#[test]
fn a_day_holds_what_it_closes_at_opens_from_and_its_activity() {
    let (_d, s) = store();
    accept(&s, "p", "2026-03-01_balance_v1.csv", &mut |ap| {
        balance(ap, "b1", "2026-03-01", "active", "10.00");
        balance(ap, "b2", "2026-03-01", "active", "5.00");
        balance(ap, "b9", "2026-03-01", "closed", "0.00");
    });
    // The transaction file of 03-03 before its balance file: its activity waits in the day.
    accept(&s, "p", "2026-03-03_transaction_v1.csv", &mut |ap| {
        assert!(transaction(ap, "t1", "2026-03-03", "debit", "-1.50"));
        assert!(transaction(ap, "t2", "2026-03-03", "credit", "0.25"));
    });
    accept(&s, "p", "2026-03-03_balance_v1.csv", &mut |ap| {
        balance(ap, "b1", "2026-03-03", "active", "8.75");
        balance(ap, "b3", "2026-03-03", "active", "1.00");
    });
    // b2 and b9 of 03-01 are absent on 03-03: rows saying so (b9 was closed: the reconciliation
    // does not list it missing).
    assert_eq!(
        day(&s, "p", "2026-03-03"),
        vec![
            row("b1", Some("8.75"), Some("10.00"), 2),
            row("b2", None, Some("5.00"), 0),
            row("b3", Some("1.00"), None, 0),
            row("b9", None, Some("0.00"), 0),
        ]
    );
    // A late 03-02 file: 03-02 opens from 03-01, and 03-03 now opens from 03-02.
    accept(&s, "p", "2026-03-02_balance_v1.csv", &mut |ap| {
        balance(ap, "b1", "2026-03-02", "active", "10.25");
        balance(ap, "b3", "2026-03-02", "active", "1.00");
    });
    assert_eq!(
        day(&s, "p", "2026-03-03"),
        vec![
            row("b1", Some("8.75"), Some("10.25"), 2),
            row("b3", Some("1.00"), Some("1.00"), 0),
        ]
    );
    assert_eq!(
        day(&s, "p", "2026-03-02")[1],
        row("b2", None, Some("5.00"), 0)
    );
    // The activity is summed exactly, by type and column.
    let r = s.snapshot().unwrap();
    let mut blob = None;
    r.day_balances::<crate::Error>("p", "2026-03-03", &mut |row| {
        blob = row.activity.map(<[u8]>::to_vec);
        Ok(false)
    })
    .unwrap();
    let a = Activity::decode(&crate::TRANSACTION_AMOUNT_COLUMNS, &blob.unwrap()).unwrap();
    assert_eq!(a.total("amount").unwrap().to_string(), "-1.25");
    assert_eq!(a.sums.len(), 2);
    // Another partner's days are its own.
    assert!(day(&s, "q", "2026-03-03").is_empty());
}

#[test]
fn transaction_ids_never_repeat_and_rows_read_back_whole() {
    let (_d, s) = store();
    accept(&s, "p", "2026-03-02_transaction_v1.csv", &mut |ap| {
        assert!(transaction(ap, "t1", "2026-03-02", "debit", "-1.00"));
    });
    accept(&s, "p", "2026-03-03_transaction_v1.csv", &mut |ap| {
        assert!(!transaction(ap, "t1", "2026-03-03", "debit", "-9.00"));
    });
    let r = s.snapshot().unwrap();
    let t = r.transaction("p", "t1").unwrap().unwrap();
    assert_eq!(t.get("currency"), Some("USD"));
    assert_eq!(t.get("type"), Some("debit"));
    assert_eq!(t.get("client_transaction_id"), Some("t1"));
    assert!(s.record("p", "balance", "b1").unwrap().is_none());
    // The typed money column is exact, in units of 1e-8.
    let units: i64 = s
        .conn()
        .query_row(
            "SELECT amount FROM transactions WHERE transaction_id = 't1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(units, -100_000_000);
}

#[test]
fn a_non_posted_snapshot_replaces_the_days_and_an_empty_file_empties_it() {
    let (_d, s) = store();
    let np = |ap: &mut crate::Applier, date: &str, id: &str, amount: &str| {
        let mut row = Vec::new();
        let layout = ap.layout("non_posted_transaction", &["id"]).unwrap();
        codec::encode_row(layout, &[Some(id)], &mut row);
        ap.non_posted(&crate::NonPostedIn {
            id,
            file_date: date,
            balance_id: Some("b1"),
            amount: Some(amount),
            row: &row,
        })
        .unwrap();
    };
    accept(
        &s,
        "p",
        "2026-03-02_non_posted_transaction_v1.csv",
        &mut |ap| {
            np(ap, "2026-03-02", "n1", "5.00");
            np(ap, "2026-03-02", "n2", "1.00");
        },
    );
    accept(
        &s,
        "p",
        "2026-03-03_non_posted_transaction_v1.csv",
        &mut |ap| {
            np(ap, "2026-03-03", "n2", "1.00");
        },
    );
    accept(
        &s,
        "p",
        "2026-03-04_non_posted_transaction_v1.csv",
        &mut |ap| {
            ap.empty_snapshot("2026-03-04").unwrap();
        },
    );
    let r = s.snapshot().unwrap();
    let ids = |date: &str| {
        let at = r.non_posted_snapshot_date("p", date).unwrap().unwrap();
        let mut v = Vec::new();
        r.non_posted("p", &at, &mut |n| v.push(n.id.to_string()))
            .unwrap();
        (at, v)
    };
    assert_eq!(
        ids("2026-03-02"),
        ("2026-03-02".into(), vec!["n1".into(), "n2".into()])
    );
    // n1 left the snapshot: it no longer counts.
    assert_eq!(ids("2026-03-03"), ("2026-03-03".into(), vec!["n2".into()]));
    assert_eq!(ids("2026-03-04"), ("2026-03-04".into(), vec![]));
    // A day without a file holds the latest snapshot before it.
    assert_eq!(ids("2026-03-09").0, "2026-03-04");
    assert!(r
        .non_posted_snapshot_date("p", "2026-03-01")
        .unwrap()
        .is_none());
}

#[test]
fn states_are_kept_when_they_change() {
    let (_d, s) = store();
    for (name, state) in [
        ("2026-03-01_card_v1.csv", "active"),
        ("2026-03-02_card_v1.csv", "active"),
        ("2026-03-03_card_v1.csv", "closed"),
    ] {
        accept(&s, "p", name, &mut |ap| {
            ap.state("card", "c1", Some(&name[..10]), state, None)
                .unwrap();
        });
    }
    let r = s.snapshot().unwrap();
    let states: Vec<(Option<String>, String)> = r
        .states("p", "card", "c1")
        .unwrap()
        .into_iter()
        .map(|c| (c.file_date, c.state))
        .collect();
    assert_eq!(
        states,
        vec![
            (Some("2026-03-01".into()), "active".into()),
            (Some("2026-03-03".into()), "closed".into())
        ]
    );
}

#[test]
fn a_snapshot_reads_alongside_writers_and_keeps_its_view() {
    let (_d, s) = store();
    accept(&s, "p", "2026-03-03_transaction_v1.csv", &mut |ap| {
        transaction(ap, "t0", "2026-03-03", "debit", "-1.00");
    });
    let r = s.snapshot().unwrap();
    assert!(r.transaction("p", "t0").unwrap().is_some());
    // Writing while the snapshot is open: on the shared connection this would wait for ever.
    accept(&s, "p", "2026-03-04_transaction_v1.csv", &mut |ap| {
        transaction(ap, "t2", "2026-03-04", "debit", "-1.00");
    });
    assert!(r.transaction("p", "t2").unwrap().is_none());
    assert!(s
        .snapshot()
        .unwrap()
        .transaction("p", "t2")
        .unwrap()
        .is_some());
}

#[test]
fn one_settlement_day_of_ach_entries_is_read_through_its_index() {
    let (_d, s) = store();
    accept(&s, "p", "2026-03-02_outgoing_v1.csv", &mut |ap| {
        ap.ach_entry(3, "0001", Some("2026-03-02"), r#"{"x":1}"#)
            .unwrap();
        ap.ach_entry(5, "0002", Some("2026-03-03"), r#"{"x":2}"#)
            .unwrap();
    });
    let r = s.snapshot().unwrap();
    let mut seen = Vec::new();
    r.ach_entries_settled_on::<crate::Error>("p", "2026-03-03", &mut |a| {
        seen.push(a.trace.to_string());
        Ok(true)
    })
    .unwrap();
    assert_eq!(seen, ["0002"]);
    let c = s.conn();
    let plan: Vec<String> = c
        .prepare(
            "EXPLAIN QUERY PLAN SELECT trace FROM ach_entries WHERE partner = ?1 AND settlement_date = ?2",
        )
        .unwrap()
        .query_map(["p", "2026-03-03"], |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        plan.iter().any(|p| p.contains("ach_entries_settled")),
        "{plan:?}"
    );
}

#[test]
fn a_schema_5_database_is_converted_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bankdrop.sqlite");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/store/v5/data/bankdrop.sqlite"),
        &db,
    )
    .unwrap();
    let s = Store::open(&db).unwrap();
    let (records, balances, transactions) = s.counts("acme").unwrap();
    // 40 v5 records: 12 customers, 12 accounts, 12 balances (now their per-day rows) and 4
    // non-posted ones (now snapshots).
    assert_eq!((records, balances, transactions), (24, 36, 126));
    let cust = s
        .record("acme", "customer", &first_key(&s, "customer"))
        .unwrap()
        .unwrap();
    assert!(cust.get("customer_type").is_some(), "{cust:?}");
    let d = day(&s, "acme", "2026-03-04");
    assert_eq!(d.len(), 12);
    assert!(d.iter().all(|r| r.1.is_some() && r.2.is_some()));
    assert!(d.iter().map(|r| r.3).sum::<u64>() > 0);
    let version: i64 = s
        .conn()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version as usize, crate::MIGRATIONS.len());
}

#[test]
fn a_schema_6_database_is_converted_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bankdrop.sqlite");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/store/v6/data/bankdrop.sqlite"),
        &db,
    )
    .unwrap();
    // What schema 6 kept: every transaction's effective_at and file date as text.
    let before: Vec<(String, String, String)> = {
        let c = rusqlite::Connection::open(&db).unwrap();
        let mut st = c
            .prepare(
                "SELECT transaction_id, effective_at, file_date FROM transactions \
                 WHERE typeof(effective_at) = 'text' AND typeof(file_date) = 'text'",
            )
            .unwrap();
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)));
        rows.unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(before.len(), 126);
    let s = Store::open(&db).unwrap();
    assert_eq!(s.counts("acme").unwrap(), (24, 36, 126));
    let r = s.snapshot().unwrap();
    for (id, effective_at, file_date) in &before {
        let t = r.transaction("acme", id).unwrap().unwrap();
        assert_eq!(t.get("effective_at"), Some(effective_at.as_str()), "{id}");
        let (secs, days): (i64, i64) = s
            .conn()
            .query_row(
                "SELECT effective_at, file_date FROM transactions WHERE transaction_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let back = |v| crate::when::date_text(rusqlite::types::ValueRef::Integer(v));
        assert_eq!(back(days).as_deref(), Some(file_date.as_str()), "{id}");
        let text = crate::when::instant_text(rusqlite::types::ValueRef::Integer(secs));
        assert_eq!(text.as_deref(), Some(effective_at.as_str()), "{id}");
    }
    // Its activity blobs, in the first form, are read as they are.
    let d = day(&s, "acme", "2026-03-04");
    assert_eq!(d.len(), 12);
    assert!(d.iter().map(|r| r.3).sum::<u64>() > 0);
}

fn first_key(s: &Store, file_type: &str) -> String {
    s.conn()
        .query_row(
            "SELECT record_key FROM records WHERE file_type = ?1 ORDER BY record_key LIMIT 1",
            [file_type],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn activity_past_the_memory_limit_is_summed_the_same() {
    let (_d, s) = store();
    let many = |s: &Store, partner: &str, limit: usize| {
        accept(s, partner, "2026-03-03_transaction_v1.csv", &mut |ap| {
            ap.set_activity_limit(limit);
            for i in 0..60 {
                let layout = ap.layout("transaction", &[]).unwrap();
                let mut row = Vec::new();
                codec::encode_row(layout, &[], &mut row);
                let balance = format!("b{}", i % 7);
                let amount = format!("{}.{:02}", i, i % 100);
                assert!(ap
                    .transaction(&TransactionIn {
                        id: &format!("t{i}"),
                        balance_id: Some(&balance),
                        card_id: None,
                        file_date: Some("2026-03-03"),
                        effective_at: None,
                        tx_type: Some(if i % 3 == 0 { "debit" } else { "credit" }),
                        amounts: &[("amount", &amount)],
                        row: &row,
                    })
                    .unwrap());
            }
        });
    };
    many(&s, "mem", 1000);
    many(&s, "spill", 2);
    let blobs = |partner: &str| {
        let mut out = Vec::new();
        s.snapshot()
            .unwrap()
            .day_balances::<crate::Error>(partner, "2026-03-03", &mut |r| {
                out.push((r.balance_id.to_string(), r.activity.unwrap().to_vec()));
                Ok(true)
            })
            .unwrap();
        out
    };
    let (mem, spill) = (blobs("mem"), blobs("spill"));
    assert_eq!(mem.len(), 7);
    assert_eq!(mem, spill);
}

/// Every balance id of a day, read in batches; `stop` after that many batches.
fn batched(s: &Store, date: &str, stop: usize) -> (Vec<String>, Vec<usize>) {
    let r = s.snapshot().unwrap();
    let (mut ids, mut sizes) = (Vec::new(), Vec::new());
    r.day_batches::<crate::Error>("p", date, &mut |batch| {
        sizes.push(batch.len());
        for row in batch.rows() {
            ids.push(row?.balance_id.to_string());
        }
        Ok(sizes.len() < stop)
    })
    .unwrap();
    (ids, sizes)
}

#[test]
fn a_day_is_read_in_batches_in_id_order_and_a_reader_may_stop_and_read_again() {
    let (_d, s) = store();
    accept(&s, "p", "2026-03-03_balance_v1.csv", &mut |ap| {
        for i in 0..2500 {
            balance(ap, &format!("b{i:05}"), "2026-03-03", "active", "1.00");
        }
    });
    let all: Vec<String> = (0..2500).map(|i| format!("b{i:05}")).collect();
    let (ids, sizes) = batched(&s, "2026-03-03", usize::MAX);
    assert_eq!(ids, all);
    assert!(
        sizes.len() >= 3 && sizes.iter().all(|n| *n > 0),
        "{sizes:?}"
    );
    // Stopped after the first batch: the rows of that batch only, and the reader reads on.
    let r = s.snapshot().unwrap();
    for _ in 0..2 {
        let mut seen = 0;
        let n = r
            .day_batches::<crate::Error>("p", "2026-03-03", &mut |batch| {
                seen += batch.len();
                Ok(false)
            })
            .unwrap();
        assert_eq!(n as usize, seen);
        assert!(seen < 2500);
        assert_eq!(day(&s, "p", "2026-03-03").len(), 2500);
    }
    assert_eq!(
        r.latest_balance_file_before("p", "2026-03-04")
            .unwrap()
            .as_deref(),
        Some("2026-03-03")
    );
    // A day no file came for opens from the last balance file: every balance missing.
    let none = day(&s, "p", "2026-03-05");
    assert_eq!(none.len(), 2500);
    assert_eq!(none[7], row("b00007", None, Some("1.00"), 0));
}

#[test]
fn day_text_that_is_not_utf8_is_damage_even_when_its_cells_make_a_character_together() {
    let (_d, s) = store();
    accept(&s, "p", "2026-03-03_balance_v1.csv", &mut |ap| {
        balance(ap, "b1", "2026-03-03", "active", "1.00");
        balance(ap, "b2", "2026-03-03", "active", "2.00");
    });
    let read = |s: &Store| {
        let r = s.snapshot().unwrap();
        let mut ids = Vec::new();
        r.day_balances::<crate::Error>("p", "2026-03-03", &mut |row| {
            ids.push(row.balance_id.to_string());
            Ok(true)
        })
        .map(|_| ids)
    };
    assert_eq!(read(&s).unwrap(), ["b1", "b2"]);
    // "é" is C3 A9: its first byte ends b2's account, its second begins its currency. The
    // batch's text is valid UTF-8 as a whole; neither cell is.
    s.conn()
        .execute_batch(
            "UPDATE balances SET account_id = CAST(x'6163c3' AS TEXT), \
             currency = CAST(x'a955' AS TEXT) WHERE balance_key = 'b2'",
        )
        .unwrap();
    assert!(matches!(read(&s), Err(crate::Error::Damaged { ref key, .. }) if key == "b2"));
    // A cell of another SQL type than the store writes (a blob where text belongs).
    s.conn()
        .execute_batch(
            "UPDATE balances SET account_id = x'41', currency = 'USD' WHERE balance_key = 'b2'",
        )
        .unwrap();
    assert!(read(&s).is_err());
}

/// The claim of the transaction file dated 2026-03-03.
fn transaction_file() -> NewFile {
    NewFile {
        partner: "p".into(),
        path: "transaction/2026-03-03_transaction_v1.csv".into(),
        name: "2026-03-03_transaction_v1.csv".into(),
        file_type: Some("transaction".into()),
        prefix: Some("2026-03-03".into()),
        version: Some(1),
        sha256: String::new(),
        bytes: 0,
        received_at: "2026-03-03T01:00:00Z".into(),
    }
}

/// Its acceptance.
fn accepted(rows: u64) -> Decision {
    Decision {
        state: State::Accepted,
        rows,
        late: false,
        error_count: 0,
        warning_count: 0,
        decided_at: "2026-03-03T01:00:01Z".into(),
        final_path: "transaction/processed/x".into(),
    }
}

/// A credit of 2.50 on b1 in that file.
fn credit<'a>(id: &'a str, row: &'a [u8]) -> TransactionIn<'a> {
    TransactionIn {
        id,
        balance_id: Some("b1"),
        card_id: None,
        file_date: Some("2026-03-03"),
        effective_at: None,
        tx_type: Some("credit"),
        amounts: &[("amount", "2.50")],
        row,
    }
}

#[test]
fn batched_transactions_report_exactly_the_ids_applied_before_and_commit_nothing_else() {
    let (_d, s) = store();
    // An earlier file applied t5 and t40.
    accept(&s, "p", "2026-03-02_transaction_v1.csv", &mut |ap| {
        assert!(transaction(ap, "t5", "2026-03-02", "debit", "-1.00"));
        assert!(transaction(ap, "t40", "2026-03-02", "debit", "-1.00"));
    });
    let mut w = s.write(&transaction_file()).unwrap();
    let layout = w.layout("transaction", &["currency"]).unwrap();
    let mut row = Vec::new();
    codec::encode_row(layout, &[Some("USD")], &mut row);
    // 45 rows: one full statement of 32 (t5 in it) and 13 inserted one by one (t40 in them).
    for i in 0..45 {
        let id = format!("t{i}");
        w.transaction_batched(i + 2, &credit(&id, &row)).unwrap();
    }
    let conflicts = w.take_conflicts().unwrap();
    assert_eq!(conflicts, [(7, "t5".to_string()), (42, "t40".to_string())]);
    drop(w);
    // Rolled back: only the earlier file's two transactions are stored.
    assert_eq!(s.counts("p").unwrap().2, 2);
    // Without conflicts, the pending rows go in with the commit.
    let mut w = s.write(&transaction_file()).unwrap();
    for i in 100..140 {
        let id = format!("t{i}");
        w.transaction_batched(i, &credit(&id, &row)).unwrap();
    }
    assert!(w.commit(&accepted(40), &mut || Ok(())).unwrap());
    assert_eq!(s.counts("p").unwrap().2, 42);
    let r = s.snapshot().unwrap();
    let t = r.transaction("p", "t139").unwrap().unwrap();
    assert_eq!(t.get("balance_id"), Some("b1"));
}

#[test]
fn a_conflict_nobody_took_fails_the_commit() {
    let (_d, s) = store();
    accept(&s, "p", "2026-03-02_transaction_v1.csv", &mut |ap| {
        assert!(transaction(ap, "t1", "2026-03-02", "debit", "-1.00"));
    });
    let mut w = s.write(&transaction_file()).unwrap();
    w.transaction_batched(2, &credit("t1", &[])).unwrap();
    assert!(w.commit(&accepted(1), &mut || Ok(())).is_err());
    assert_eq!(s.counts("p").unwrap().2, 1);
}
