use crate::{Decision, NewFile, State, Store};

fn accept(s: &Store, partner: &str, name: &str, apply: &mut dyn FnMut(&mut crate::Applier)) {
    let id = s
        .begin(&NewFile {
            partner: partner.into(),
            path: format!("x/{name}"),
            name: name.into(),
            file_type: Some("balance".into()),
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
    let mut a = |ap: &mut crate::Applier| {
        apply(ap);
        Ok(())
    };
    assert!(s.decide_and_apply(id, &d, &mut a, &mut || Ok(())).unwrap());
}

fn collect(
    f: impl FnOnce(&mut dyn FnMut(crate::StoredRow) -> bool) -> crate::Result<u64>,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    f(&mut |r| {
        out.push((
            r.key.to_string(),
            r.file_date.to_string(),
            r.data.to_string(),
        ));
        true
    })
    .unwrap();
    out
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("db.sqlite")).unwrap();
    (dir, s)
}

#[test]
fn opening_rows_are_the_latest_report_before_the_day() {
    let (_d, s) = store();
    // b1 reported on 03-01 and 03-02, b2 only on 03-01 (closed, or the 03-02 file would have
    // been rejected with missing_balance), b3 new on 03-03.
    accept(&s, "p", "2026-03-01_balance_v1.csv", &mut |ap| {
        ap.balance("b1", "2026-03-01", r#"{"v":"1"}"#).unwrap();
        ap.balance("b2", "2026-03-01", r#"{"v":"2"}"#).unwrap();
    });
    accept(&s, "p", "2026-03-02_balance_v1.csv", &mut |ap| {
        ap.balance("b1", "2026-03-02", r#"{"v":"1b"}"#).unwrap();
    });
    accept(&s, "p", "2026-03-03_balance_v1.csv", &mut |ap| {
        ap.balance("b1", "2026-03-03", r#"{"v":"1c"}"#).unwrap();
        ap.balance("b3", "2026-03-03", r#"{"v":"3"}"#).unwrap();
    });
    accept(&s, "q", "2026-03-02_balance_v1.csv", &mut |ap| {
        ap.balance("b1", "2026-03-02", r#"{"other":"partner"}"#)
            .unwrap();
    });
    let r = s.snapshot().unwrap();
    let keys = |day: &str| -> Vec<String> {
        r.balances_page("p", day, "", 100)
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    };
    // The opening of 03-03 is the latest balance file before it, 03-02.
    let day = r.latest_balance_file_before("p", "2026-03-03").unwrap();
    assert_eq!(day.as_deref(), Some("2026-03-02"));
    assert_eq!(
        r.balances_page("p", "2026-03-02", "", 100).unwrap(),
        [("b1".to_string(), r#"{"v":"1b"}"#.to_string())]
    );
    // A day without an accepted balance file opens from the one before it.
    let day = r.latest_balance_file_before("p", "2026-03-09").unwrap();
    assert_eq!(day.as_deref(), Some("2026-03-03"));
    assert_eq!(keys("2026-03-03"), ["b1", "b3"]);
    assert_eq!(keys("2026-03-01"), ["b1", "b2"]);
    assert_eq!(
        r.latest_balance_file_before("p", "2026-03-01").unwrap(),
        None
    );
    // Pages follow the key.
    assert_eq!(
        r.balances_page("p", "2026-03-01", "b1", 1).unwrap(),
        [("b2".to_string(), r#"{"v":"2"}"#.to_string())]
    );
}

#[test]
fn transactions_records_and_ach_entries_by_day() {
    let (_d, s) = store();
    accept(&s, "p", "2026-03-02_transaction_v1.csv", &mut |ap| {
        ap.transaction("t2", Some("b1"), Some("2026-03-02"), r#"{"a":"2"}"#)
            .unwrap();
        ap.transaction("t1", Some("b1"), Some("2026-03-02"), r#"{"a":"1"}"#)
            .unwrap();
        ap.transaction("t3", Some("b1"), Some("2026-03-03"), r#"{"a":"3"}"#)
            .unwrap();
        ap.record("non_posted_transaction", "n1", r#"{"amount":"5"}"#)
            .unwrap();
        ap.ach_entry(3, "0001", r#"{"settlement_date":"2026-03-02"}"#)
            .unwrap();
        ap.ach_entry(5, "0002", r#"{"settlement_date":"2026-03-03"}"#)
            .unwrap();
    });
    let r = s.snapshot().unwrap();
    let ids: Vec<String> = r
        .transactions_page("p", "2026-03-02", "", 100)
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(ids, ["t1", "t2"]);
    assert_eq!(
        r.transactions_page("p", "2026-03-02", "t1", 100)
            .unwrap()
            .len(),
        1
    );
    let np = collect(|f| s.records_of_type("p", "non_posted_transaction", f));
    assert_eq!(
        np,
        [("n1".into(), "2026-03-02".into(), r#"{"amount":"5"}"#.into())]
    );
    let ach = collect(|f| s.ach_entries_settled_on("p", "2026-03-03", f));
    assert_eq!(ach.len(), 1);
    assert_eq!(
        (ach[0].0.as_str(), ach[0].1.as_str()),
        ("0002", "2026-03-03")
    );
    // The callback can stop the stream.
    let mut seen = 0;
    s.ach_entries_settled_on("p", "2026-03-02", &mut |_| {
        seen += 1;
        false
    })
    .unwrap();
    assert_eq!(seen, 1);
}

#[test]
fn a_snapshot_reads_alongside_writers_and_keeps_its_view() {
    let (_d, s) = store();
    s.add_partner("acme", "/tmp/acme", "now").unwrap();
    let tx = |name: &str, ids: &[&str]| {
        accept(&s, "acme", name, &mut |ap| {
            for id in ids {
                ap.transaction(id, Some("b1"), Some("2026-03-03"), "{}")
                    .unwrap();
            }
        })
    };
    tx("2026-03-03_transaction_v1.csv", &["t0", "t1"]);
    let r = s.snapshot().unwrap();
    assert_eq!(
        r.transactions_page("acme", "2026-03-03", "", 1)
            .unwrap()
            .len(),
        1
    );
    // Writing while the snapshot is open: on the shared connection this would wait for ever.
    tx("2026-03-03_transaction_v2.csv", &["t2"]);
    assert_eq!(
        r.transactions_page("acme", "2026-03-03", "", 100)
            .unwrap()
            .len(),
        2
    );
    let fresh = s.snapshot().unwrap();
    assert_eq!(
        fresh
            .transactions_page("acme", "2026-03-03", "", 100)
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn one_settlement_day_of_ach_entries_is_read_through_its_index() {
    let (_d, s) = store();
    let c = s.conn();
    let plan: Vec<String> = c
        .prepare(
            "EXPLAIN QUERY PLAN SELECT trace FROM ach_entries WHERE partner = ?1 \
             AND json_extract(data, '$.settlement_date') = ?2",
        )
        .unwrap()
        .query_map(["acme", "2026-03-03"], |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        plan.iter().any(|p| p.contains("ach_entries_settled")),
        "{plan:?}"
    );
}
