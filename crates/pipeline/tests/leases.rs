//! Files processed under leases (issue 11, `docs/MULTI-NODE.md`): a file another node holds
//! is left to it, and a node whose lease lapsed before its commit commits nothing, so the file
//! is decided once, by the node that took it over; a file held on one node (for its day's
//! files, D7, or an earlier day's, spec 01 §12.5) is released on another. On SQLite, or on
//! PostgreSQL with `BANKDROP_TEST_STORE=postgres`.

mod common;

use common::{env, fixture};
use pipeline::{Node, Step};
use std::sync::Arc;
use std::time::Duration;
use store::cluster::FILE;
use store::{Cluster, HeldNotes, Ledger, Partners, State};

const CARD: &str = "valid/2026-01-27_card_v1.csv";
const REL: &str = "card/2026-01-27_card_v1.csv";

#[test]
fn a_file_another_node_holds_is_left_to_it_until_released() {
    let e = env();
    let store = e.pipeline.store().clone();
    let key = format!("acme/{REL}");
    assert!(store
        .take_lease(FILE, &key, "other", Duration::from_secs(60))
        .unwrap());
    e.drop_file(REL, &fixture(CARD));
    assert!(matches!(
        e.pipeline.process_job(&e.partner, REL),
        Some(Step::Elsewhere)
    ));
    // Untouched: under its own name, no ledger row.
    assert!(e.root.join(REL).exists());
    assert!(store.files(Some("acme"), 10).unwrap().is_empty());
    assert!(store.release_lease(FILE, &key, "other").unwrap());
    let Some(Step::Decided(p)) = e.pipeline.process_job(&e.partner, REL) else {
        panic!("not decided once the lease was free");
    };
    assert_eq!(p.state, State::Accepted);
    // The lease is given back once the decision is published, not kept or marked done: the
    // same name may come again.
    assert!(store.leases().unwrap().is_empty());
    assert!(!store.is_done(FILE, &key).unwrap());
}

#[test]
fn a_node_whose_lease_lapsed_before_its_commit_commits_nothing() {
    let mut e = env();
    let store = e.pipeline.store().clone();
    let normal = e.pipeline.node().clone();
    // A lease that has lapsed by the time of the commit, as after a long stall.
    e.pipeline.set_node(Arc::new(Node {
        name: "stalled".into(),
        lease: Duration::ZERO,
    }));
    e.drop_file(REL, &fixture(CARD));
    assert!(
        e.pipeline.process_job(&e.partner, REL).is_none(),
        "a failure, left for the next look"
    );
    // Claimed, undecided: nothing was committed.
    assert_eq!(e.pipeline.pending(&e.partner), vec![REL.to_string()]);
    assert!(store
        .files(Some("acme"), 10)
        .unwrap()
        .iter()
        .all(|r| r.decision.is_none()));
    // The node that takes it over decides it, once.
    e.pipeline.set_node(normal);
    let Some(Step::Decided(p)) = e.pipeline.process_job(&e.partner, REL) else {
        panic!("not decided by the node that took it over");
    };
    assert_eq!(p.state, State::Accepted);
    let rows = store.files(Some("acme"), 10).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].state(), State::Accepted);
    assert!(e
        .root
        .join("card/processed/2026-01-27_card_v1.csv")
        .exists());
    assert!(e.pipeline.pending(&e.partner).is_empty());
}

#[test]
fn a_file_held_on_one_node_and_processed_on_another_tells_its_wait() {
    let mut e = env();
    let store = e.pipeline.store().clone();
    let (bal, tx) = (
        "balance/2026-01-27_balance_v1.csv",
        "transaction/2026-01-27_transaction_v1.csv",
    );
    e.drop_file(bal, &fixture("valid/2026-01-27_balance_v1.csv"));
    e.drop_file(tx, &fixture("valid/2026-01-27_transaction_v1.csv"));
    e.pipeline.set_node(Arc::new(Node {
        name: "a".into(),
        lease: Duration::from_secs(60),
    }));
    // Node a: the transactions wait for the day's balances, in the inbox (D7).
    assert!(matches!(
        e.pipeline.process_job(&e.partner, tx),
        Some(Step::Held(_))
    ));
    let note = store.held_note("acme", tx).unwrap().expect("a held note");
    assert_eq!(note.waiting_for, ["balance"]);
    assert!(matches!(
        e.pipeline.process_job(&e.partner, bal),
        Some(Step::Decided(_))
    ));
    // Node b processes the transactions. On PostgreSQL it is a store of its own (another pool,
    // as another process has); on SQLite, whose notes live in the one process, the same store.
    let other = e
        .server
        .as_ref()
        .map(|s| {
            Arc::new(store::Db::open(Some(&s.url("bankdrop")), std::path::Path::new("")).unwrap())
        })
        .unwrap_or_else(|| store.clone());
    let schemas = Arc::new(validate::schema::Schemas::builtin().unwrap());
    let config = pipeline::Config::default_for(&schemas);
    let b = pipeline::Pipeline::new(other, schemas, config).with_node(Arc::new(Node {
        name: "b".into(),
        lease: Duration::from_secs(60),
    }));
    let Some(Step::Decided(p)) = b.process_job(&e.partner, tx) else {
        panic!("node b did not decide the transactions");
    };
    let s = e.status(&p);
    assert_eq!(s["outcome"], "accepted", "{s}");
    assert_eq!(s["held"]["since"], note.since.as_str(), "{s}");
    assert_eq!(s["held"]["waited_for"], serde_json::json!(["balance"]));
    assert_eq!(s["held"]["released"], "prerequisites decided");
    assert!(store.held_note("acme", tx).unwrap().is_none(), "kept after");
}

#[test]
fn a_file_waiting_for_an_earlier_day_on_one_node_is_released_on_another_spec_01_12_5() {
    let mut e = env();
    let store = e.pipeline.store().clone();
    // Future dates: the deadline (D9) has not passed, so the wait is real.
    let today = pipeline::deadline::chicago_date(chrono::Utc::now());
    let (t, t1) = (today + chrono::Days::new(10), today + chrono::Days::new(11));
    let schedule = store::PartnerSchedule {
        day0: Some(t.to_string()),
        cadence: None,
        daily_types: vec!["balance".into()],
    };
    store.set_schedule("acme", &schedule).unwrap();
    e.partner = store.partner("acme").unwrap().unwrap();
    let (early, first) = (
        format!("balance/{t1}_balance_v1.csv"),
        format!("balance/{t}_balance_v1.csv"),
    );
    e.drop_file(&early, &fixture("valid/2026-01-27_balance_v1.csv"));
    e.pipeline.set_node(Arc::new(Node {
        name: "a".into(),
        lease: Duration::from_secs(60),
    }));
    // Node a: T+1 waits for T's balance file, untouched in its inbox.
    let Some(Step::Held(h)) = e.pipeline.process_job(&e.partner, &early) else {
        panic!("T+1 was not held");
    };
    assert_eq!(h.waiting_for, [format!("balance {t}")]);
    assert!(e.root.join(&early).is_file());
    let note = store
        .held_note("acme", &early)
        .unwrap()
        .expect("a held note");
    // Day T: header only, a day without balances (D2), accepted.
    let header = fixture("valid/2026-01-27_balance_v1.csv");
    let header = &header[..=header.iter().position(|b| *b == b'\n').unwrap()];
    e.drop_file(&first, header);
    let Some(Step::Decided(p)) = e.pipeline.process_job(&e.partner, &first) else {
        panic!("T was not decided");
    };
    assert_eq!(p.state, State::Accepted);
    // Node b, another store connection on PostgreSQL, takes T+1 up.
    let other = e
        .server
        .as_ref()
        .map(|s| {
            Arc::new(store::Db::open(Some(&s.url("bankdrop")), std::path::Path::new("")).unwrap())
        })
        .unwrap_or_else(|| store.clone());
    let schemas = Arc::new(validate::schema::Schemas::builtin().unwrap());
    let config = pipeline::Config::default_for(&schemas);
    let b = pipeline::Pipeline::new(other, schemas, config).with_node(Arc::new(Node {
        name: "b".into(),
        lease: Duration::from_secs(60),
    }));
    let Some(Step::Decided(p)) = b.process_job(&e.partner, &early) else {
        panic!("node b did not decide T+1");
    };
    let s = e.status(&p);
    assert_eq!(s["outcome"], "accepted", "{s}");
    assert_eq!(s["held"]["since"], note.since.as_str(), "{s}");
    assert_eq!(
        s["held"]["waited_for"],
        serde_json::json!([format!("balance {t}")])
    );
    assert_eq!(s["held"]["released"], "prerequisites decided");
}
