//! One suite, both backends (issue 11, `docs/MULTI-NODE.md`): what the store's interface
//! promises ([`store::api`]) holds on SQLite and on a real PostgreSQL server started for the
//! test (`crates/pgtest`; under CI a missing server is a failure, never a skip).

mod common;

use store::pg::PgStore;
use store::{
    BalanceIn, Decision, Ledger, NewFile, NonPostedIn, PartnerSchedule, Partners, RegistryEntry,
    State, Store, TransactionIn,
};

/// The suite, run on each backend.
fn suite(s: &(impl Partners + Ledger)) {
    partners_and_keys(s);
    partner_access_schedule_and_environment(s);
    a_file_is_decided_once_and_a_crashed_claim_is_reused(s);
    a_failed_file_is_decided_but_its_name_may_come_again(s);
    the_ledger_answers_its_questions(s);
}

fn partners_and_keys(s: &impl Partners) {
    s.add_partner("zeta", "/srv/zeta", "2026-01-27T00:00:00Z")
        .unwrap();
    s.add_partner("acme", "/srv/acme", "2026-01-27T00:00:00Z")
        .unwrap();
    assert!(
        s.add_partner("acme", "/elsewhere", "now").is_err(),
        "a name is taken once"
    );
    // Keys in byte order, whatever the server's collation; trimmed; a repeat is kept once.
    for key in [
        "ssh-ed25519 bbbb k2",
        "  ssh-ed25519 BBBB k1\n",
        "ssh-ed25519 bbbb k2",
    ] {
        s.add_key("acme", key).unwrap();
    }
    assert!(s.add_key("nobody", "ssh-ed25519 AAAA x").is_err());
    let acme = s.partner("acme").unwrap().unwrap();
    assert_eq!(acme.root, "/srv/acme");
    assert_eq!(acme.keys, ["ssh-ed25519 BBBB k1", "ssh-ed25519 bbbb k2"]);
    assert!(s.partner("nobody").unwrap().is_none());
    let all = s.partners().unwrap();
    let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["acme", "zeta"]);
    assert!(all[1].keys.is_empty());
    s.remove_partner("zeta").unwrap();
    assert!(s.remove_partner("zeta").is_err());
    assert_eq!(s.partners().unwrap().len(), 1);
}

/// Issue 15: a key removed alone, the allow-list and schedule kept, one environment per database.
fn partner_access_schedule_and_environment(s: &impl Partners) {
    assert!(s.remove_key("acme", "ssh-ed25519 BBBB k1").unwrap());
    assert!(
        !s.remove_key("acme", "ssh-ed25519 BBBB k1").unwrap(),
        "gone"
    );
    let acme = s.partner("acme").unwrap().unwrap();
    assert_eq!(acme.keys, ["ssh-ed25519 bbbb k2"], "the other key stays");
    assert!(acme.allow_from.is_empty() && acme.schedule == PartnerSchedule::default());
    let ranges = ["127.0.0.1/32".to_string(), "10.0.0.0/8".to_string()];
    s.set_allow_from("acme", &ranges).unwrap();
    let schedule = PartnerSchedule {
        day0: Some("2026-01-05".into()),
        cadence: Some("business_days".into()),
        daily_types: vec!["customer".into(), "account".into()],
    };
    s.set_schedule("acme", &schedule).unwrap();
    assert!(s.set_schedule("nobody", &schedule).is_err());
    assert!(s.set_allow_from("nobody", &ranges).is_err());
    let acme = s.partner("acme").unwrap().unwrap();
    assert_eq!(acme.allow_from, ranges);
    assert_eq!(acme.schedule, schedule);
    assert_eq!(s.partners().unwrap()[0].schedule, schedule);
    assert_eq!(s.environment("sandbox").unwrap(), "sandbox");
    assert_eq!(
        s.environment("production").unwrap(),
        "sandbox",
        "claimed once"
    );
}

fn new_file(path: &str, sha: &str) -> NewFile {
    NewFile {
        partner: "p".into(),
        path: path.into(),
        name: path.rsplit('/').next().unwrap().into(),
        file_type: Some("card".into()),
        prefix: Some(path.split('/').nth(1).unwrap()[..10].into()),
        version: Some(1),
        sha256: sha.into(),
        bytes: 10,
        received_at: "2026-01-27T01:00:00Z".into(),
    }
}

fn decision(state: State, decided_at: &str) -> Decision {
    Decision {
        state,
        rows: 3,
        late: true,
        error_count: 1,
        warning_count: 2,
        decided_at: decided_at.into(),
        final_path: "card/processed/x".into(),
    }
}

fn a_file_is_decided_once_and_a_crashed_claim_is_reused(s: &impl Ledger) {
    let path = "card/2026-01-27_card_v1.csv";
    let a = s.begin(&new_file(path, "aa")).unwrap();
    // A crash before the decision: the retry claims the same row, with what it read now.
    let b = s.begin(&new_file(path, "ab")).unwrap();
    assert_eq!(a, b);
    assert_eq!(s.file(a).unwrap().unwrap().file.sha256, "ab");
    assert_eq!(s.undecided("p").unwrap().len(), 1);
    let d = decision(State::Accepted, "2026-01-27T01:00:01Z");
    assert!(s.decide(a, &d).unwrap());
    assert!(
        !s.decide(a, &decision(State::Rejected, "later")).unwrap(),
        "decided twice"
    );
    let row = s.file(a).unwrap().unwrap();
    assert_eq!(row.state(), State::Accepted);
    assert_eq!(row.decision.as_ref(), Some(&d));
    assert_eq!(row.file.version, Some(1));
    assert!(s.undecided("p").unwrap().is_empty());
    let c = s.begin(&new_file(path, "bb")).unwrap();
    assert_ne!(a, c, "a new upload after a decision is a new row");
    assert_eq!(s.latest_for_path("p", path).unwrap().unwrap().id, c);
    assert_eq!(s.undecided("p").unwrap()[0].id, c);
    assert!(s
        .decide(c, &decision(State::Duplicate, "2026-01-27T02:00:00Z"))
        .unwrap());
}

fn a_failed_file_is_decided_but_its_name_may_come_again(s: &impl Ledger) {
    let a = s
        .begin(&new_file("card/2026-01-28_card_v1.csv", "cc"))
        .unwrap();
    assert!(s
        .decide(a, &decision(State::Failed, "2026-01-28T01:00:00Z"))
        .unwrap());
    assert_eq!(s.file(a).unwrap().unwrap().state(), State::Failed);
    assert!(s.same_name("p", "card", "2026-01-28", 1).unwrap().is_none());
    assert!(s.accepted_for("p", "card", "2026-01-28").unwrap().is_none());
}

fn the_ledger_answers_its_questions(s: &impl Ledger) {
    // From the two tests before: 2026-01-27 accepted (sha ab, 3 rows), then a duplicate.
    let same = s.same_name("p", "card", "2026-01-27", 1).unwrap().unwrap();
    assert_eq!(same.file.sha256, "ab", "the first decided row");
    assert!(s.same_name("p", "card", "2026-01-27", 2).unwrap().is_none());
    assert_eq!(
        s.accepted_same_bytes("p", "ab").unwrap().unwrap().id,
        same.id
    );
    assert!(
        s.accepted_same_bytes("p", "bb").unwrap().is_none(),
        "a duplicate"
    );
    assert!(
        s.accepted_same_bytes("q", "ab").unwrap().is_none(),
        "another partner"
    );
    assert_eq!(
        s.accepted_for("p", "card", "2026-01-27")
            .unwrap()
            .unwrap()
            .id,
        same.id
    );
    assert_eq!(
        s.last_accepted_at("p", &["card", "account"], "2026-01-27")
            .unwrap()
            .as_deref(),
        Some("2026-01-27T01:00:01Z")
    );
    assert_eq!(
        s.last_accepted_at("p", &["account"], "2026-01-27").unwrap(),
        None
    );
    let newest = s.files(Some("p"), 2).unwrap();
    assert_eq!(newest.len(), 2);
    assert!(newest[0].id > newest[1].id, "newest first");
    assert_eq!(s.files(None, 100).unwrap().len(), 3);
    assert!(s.files(Some("q"), 100).unwrap().is_empty());
    assert!(s.file(-1).unwrap().is_none());
    // A schedule's days, in ledger order (spec 01 §13 readiness).
    let days = s.dated_between("p", "2026-01-27", "2026-01-28").unwrap();
    let prefixes: Vec<_> = days
        .iter()
        .map(|r| r.file.prefix.as_deref().unwrap())
        .collect();
    assert_eq!(prefixes, ["2026-01-27", "2026-01-27", "2026-01-28"]);
    assert!(days[0].id < days[1].id && days[1].id < days[2].id);
    assert_eq!(
        s.dated_between("p", "2026-01-28", "2026-02-01")
            .unwrap()
            .len(),
        1
    );
    assert!(s
        .dated_between("p", "2026-01-29", "2026-02-01")
        .unwrap()
        .is_empty());
    assert!(s
        .dated_between("q", "2026-01-01", "2026-12-31")
        .unwrap()
        .is_empty());
}

#[test]
fn sqlite_keeps_the_interface() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("bankdrop.sqlite")).unwrap();
    suite(&s);
}

#[test]
fn sqlite_state_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bankdrop.sqlite");
    let id = {
        let s = Store::open(&path).unwrap();
        s.add_partner("p", "/tmp/p", "now").unwrap();
        s.add_key("p", "ssh-ed25519 AAAA k1").unwrap();
        s.add_key("p", "ssh-ed25519 BBBB k2").unwrap();
        let id = s
            .begin(&new_file("card/2026-01-27_card_v1.csv", "aa"))
            .unwrap();
        s.decide(id, &decision(State::Rejected, "now")).unwrap();
        id
    };
    let s = Store::open(&path).unwrap();
    assert_eq!(s.file(id).unwrap().unwrap().state(), State::Rejected);
    assert!(s.decided_for("p", "card", "2026-01-27").unwrap());
    assert_eq!(s.partner("p").unwrap().unwrap().keys.len(), 2);
}

#[test]
fn postgresql_keeps_the_interface() {
    let Some(server) = pgtest::require("store backends: postgresql") else {
        return;
    };
    let url = server.create_database("bankdrop").unwrap();
    let s = PgStore::connect(&url).unwrap();
    suite(&s);
    // Connecting again (another node starting) finds the schema in place.
    let again = PgStore::connect(&url).unwrap();
    assert_eq!(again.partners().unwrap().len(), 1);
}

#[test]
fn postgresql_nodes_claiming_one_path_at_once_share_one_row() {
    let Some(server) = pgtest::require("store backends: concurrent claims") else {
        return;
    };
    let url = server.create_database("bankdrop").unwrap();
    // Nodes starting together migrate once.
    let nodes: Vec<PgStore> = std::thread::scope(|t| {
        let starting: Vec<_> = (0..4).map(|_| t.spawn(|| PgStore::connect(&url))).collect();
        starting
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    for round in 0..20 {
        let path = format!("card/2026-02-{:02}_card_v1.csv", round % 28 + 1);
        let ids: Vec<i64> = std::thread::scope(|t| {
            let claims: Vec<_> = nodes
                .iter()
                .map(|n| t.spawn(|| n.begin(&new_file(&path, "ee")).unwrap()))
                .collect();
            claims.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(ids.iter().all(|id| *id == ids[0]), "round {round}: {ids:?}");
        let id = ids[0];
        let decided: Vec<bool> = std::thread::scope(|t| {
            let d = decision(State::Rejected, "2026-02-01T00:00:00Z");
            let tries: Vec<_> = nodes
                .iter()
                .map(|n| {
                    let d = d.clone();
                    t.spawn(move || n.decide(id, &d).unwrap())
                })
                .collect();
            tries.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(decided.iter().filter(|d| **d).count(), 1, "round {round}");
    }
    assert_eq!(nodes[0].files(None, 100).unwrap().len(), 20);
}

/// A test of `$body` on each backend, `$s` a fresh store: the methods it calls have the same
/// names and signatures on both (those not behind a trait yet).
macro_rules! on_both {
    ($name:ident, |$s:ident| $body:block) => {
        mod $name {
            use super::*;

            #[test]
            fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let $s = Store::open(&dir.path().join("bankdrop.sqlite")).unwrap();
                $body
            }

            #[test]
            fn postgresql() {
                let Some(server) = pgtest::require(concat!(stringify!($name), ", postgresql"))
                else {
                    return;
                };
                let url = server.create_database("bankdrop").unwrap();
                let $s = PgStore::connect(&url).unwrap();
                $body
            }
        }
    };
}

fn entry(kind: &str, id: &str, account: Option<&str>, created_on: &str) -> RegistryEntry {
    RegistryEntry {
        kind: kind.into(),
        id: id.into(),
        account_id: account.map(str::to_string),
        created_on: created_on.into(),
    }
}

on_both!(the_registry_is_kept_and_looked_up, |s| {
    assert!(
        s.registry_add("acme", &[entry("card", "c1", None, "2026-01-01")])
            .is_err(),
        "no such partner"
    );
    s.add_partner("acme", "/srv/acme", "now").unwrap();
    s.add_partner("beta", "/srv/beta", "now").unwrap();
    let bad = s.registry_add("acme", &[entry("spaceship", "x", None, "2026-01-01")]);
    assert!(bad
        .unwrap_err()
        .to_string()
        .contains("unknown registry kind"));
    let added = s
        .registry_add(
            "acme",
            &[
                entry("card", "c2", Some("a1"), "2026-01-02"),
                entry("balance", "b1", Some("a1"), "2026-01-01"),
                entry("card", "C1", None, "2026-01-01"),
                entry("balance", "b2", None, "2026-02-01"),
            ],
        )
        .unwrap();
    assert_eq!(added, 4);
    // Sent again: replaced, not repeated.
    s.registry_add("acme", &[entry("card", "c2", Some("a9"), "2026-01-03")])
        .unwrap();
    let ids = |kind| -> Vec<String> {
        s.registry_list("acme", kind)
            .unwrap()
            .into_iter()
            .map(|e| format!("{}:{}", e.kind, e.id))
            .collect()
    };
    assert_eq!(
        ids(None),
        ["balance:b1", "balance:b2", "card:C1", "card:c2"]
    );
    assert_eq!(ids(Some("card")), ["card:C1", "card:c2"]);
    assert!(s.registry_list("beta", None).unwrap().is_empty());
    let r = s.snapshot().unwrap();
    let c2 = r.registry_get("acme", "card", "c2").unwrap().unwrap();
    assert_eq!(
        (c2.account_id.as_deref(), c2.created_on.as_str()),
        (Some("a9"), "2026-01-03")
    );
    assert!(r.registry_get("beta", "card", "c2").unwrap().is_none());
    // A registry entry is known for a reference that allows its kind, and only then.
    assert!(r.known("acme", "card", Some("card"), "c2").unwrap());
    assert!(!r.known("acme", "card", None, "c2").unwrap());
    assert!(!r.known("acme", "card", Some("entity"), "c2").unwrap());
    assert!(!r.known("beta", "card", Some("card"), "c2").unwrap());
    assert!(r.known("acme", "balance", Some("balance"), "b1").unwrap());
    assert!(!r
        .known("acme", "transaction", Some("card"), "nothing")
        .unwrap());
    assert_eq!(
        r.find_ref("acme", "card", "c2").unwrap(),
        None,
        "not a record"
    );
    drop(r);
    // Balances created through the API before a date, no balance file has reported yet.
    let due: Vec<String> = s
        .unreported_registry_balances("acme", "2026-01-15")
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(due, ["b1"]);
});

// PostgreSQL writes the registry a chunk to a statement, where a row may change once: a
// repeated id keeps its last entry there as on SQLite, and more entries than a chunk all go in.
on_both!(a_repeated_registry_id_keeps_its_last_entry, |s| {
    s.add_partner("acme", "/srv/acme", "now").unwrap();
    let mut entries: Vec<RegistryEntry> = (0..4_500)
        .map(|i| entry("card", &format!("c{i}"), None, "2026-01-01"))
        .collect();
    entries.push(entry("card", "c7", Some("a7"), "2026-02-07"));
    entries.push(entry("balance", "c7", None, "2026-03-01"));
    assert_eq!(s.registry_add("acme", &entries).unwrap(), 4_502);
    let cards = s.registry_list("acme", Some("card")).unwrap();
    assert_eq!(cards.len(), 4_500);
    let c7 = cards.iter().find(|e| e.id == "c7").unwrap();
    assert_eq!(
        (c7.account_id.as_deref(), c7.created_on.as_str()),
        (Some("a7"), "2026-02-07")
    );
    assert_eq!(s.registry_list("acme", Some("balance")).unwrap().len(), 1);
});

on_both!(the_ledger_says_what_was_decided_and_sent, |s| {
    let decide = |path: &str, state: State| {
        let id = s.begin(&new_file(path, path)).unwrap();
        s.decide(id, &decision(state, "2026-01-27T01:00:00Z"))
            .unwrap();
    };
    decide("card/2026-01-27_card_v1.csv", State::Rejected);
    decide("card/2026-01-29_card_v1.csv", State::Accepted);
    let open = s
        .begin(&new_file("card/2026-01-28_card_v1.csv", "x"))
        .unwrap();
    assert!(s.decided_for("p", "card", "2026-01-27").unwrap());
    assert!(
        !s.decided_for("p", "card", "2026-01-28").unwrap(),
        "validating"
    );
    assert!(!s.decided_for("q", "card", "2026-01-27").unwrap());
    assert_eq!(
        s.types_sent_between("p", "2026-01-27", "2026-01-29")
            .unwrap(),
        ["card"]
    );
    assert!(s
        .types_sent_between("p", "2026-01-28", "2026-01-29")
        .unwrap()
        .is_empty());
    assert!(s.decide(open, &decision(State::Accepted, "now")).unwrap());
    assert_eq!(
        s.types_sent_between("p", "2026-01-28", "2026-01-29")
            .unwrap(),
        ["card"]
    );
});

/// Applies and commits one accepted file named `$name` (`<date>_<type>_v1.csv`) for partner
/// `p`, `$w` its write transaction in `$body` (the same methods on both backends).
macro_rules! accepted_file {
    ($s:expr, $name:expr, |$w:ident| $body:block) => {{
        let name: &str = $name;
        let mut $w = $s.write(&common::file(name)).unwrap();
        $body
        let d = Decision {
            final_path: format!("in/processed/{name}"),
            ..decision(State::Accepted, "2026-03-02T01:00:01Z")
        };
        assert!($w.commit(&d, &mut || Ok(())).unwrap());
    }};
}

/// A row blob of `cells` under a layout of `columns`.
macro_rules! row {
    ($w:ident, $file_type:expr, $columns:expr, $cells:expr) => {{
        let layout = $w.layout($file_type, &$columns).unwrap();
        let mut row = Vec::new();
        store::codec::encode_row(layout, &$cells, &mut row);
        row
    }};
}

/// A balance of the balance file of `$date`.
macro_rules! balance_in {
    ($w:ident, $id:expr, $date:expr, $status:expr, $amount:expr) => {{
        let row = row!($w, "balance", ["client_balance_name"], [Some("Checking")]);
        $w.balance(&BalanceIn {
            balance_id: $id,
            lead_id: false,
            file_date: $date,
            account_id: Some("a1"),
            balance_type: Some("deposit"),
            status: Some($status),
            status_reason: Some("none"),
            currency: Some("USD"),
            settlement_account: None,
            amounts: &[("balance", $amount), ("rewards_balance", "0.10")],
            row: &row,
        })
        .unwrap();
    }};
}

on_both!(what_was_written_reads_back_the_same, |s| {
    s.add_partner("p", "/srv/p", "now").unwrap();
    accepted_file!(s, "2026-03-02_customer_v1.csv", |w| {
        let row = row!(
            w,
            "customer",
            ["client_customer_id", "first_name"],
            [Some("c1"), Some("Ann")]
        );
        w.record("customer", "c1", &row).unwrap();
        w.state("customer", "c1", Some("2026-03-02"), "active", None)
            .unwrap();
    });
    accepted_file!(s, "2026-03-02_card_v1.csv", |w| {
        let row = row!(w, "card", ["client_card_id"], [Some("card1")]);
        w.record("card", "card1", &row).unwrap();
        w.record_ref("card", "lead-9", "card1").unwrap();
    });
    accepted_file!(s, "2026-03-02_balance_v1.csv", |w| {
        balance_in!(w, "b1", "2026-03-02", "active", "10.00");
        balance_in!(w, "b2", "2026-03-02", "active", "5");
    });
    accepted_file!(s, "2026-03-02_transaction_v1.csv", |w| {
        let row = row!(
            w,
            "transaction",
            ["currency", "amount@scale"],
            [Some("USD"), Some("2")]
        );
        assert!(w
            .transaction(&TransactionIn {
                id: "t1",
                balance_id: Some("b1"),
                card_id: None,
                file_date: Some("2026-03-02"),
                effective_at: Some("2026-03-02T10:00:00Z"),
                tx_type: Some("credit"),
                amounts: &[("amount", "2.50")],
                row: &row,
            })
            .unwrap());
    });
    accepted_file!(s, "2026-03-02_non_posted_transaction_v1.csv", |w| {
        w.empty_snapshot("2026-03-02").unwrap();
        let row = row!(w, "non_posted_transaction", ["currency"], [Some("USD")]);
        w.non_posted(&NonPostedIn {
            id: "n1",
            file_date: "2026-03-02",
            balance_id: Some("b1"),
            amount: Some("1.25"),
            row: &row,
        })
        .unwrap();
    });
    accepted_file!(s, "2026-03-03_balance_v1.csv", |w| {
        balance_in!(w, "b1", "2026-03-03", "closed", "0.00");
    });
    // Accounts' states over two files, for `keys_in_state` (the latest state counts).
    accepted_file!(s, "2026-03-02_account_v1.csv", |w| {
        for (key, state) in [("a1", "active"), ("a2", "closed"), ("a3", "closed")] {
            w.state("account", key, Some("2026-03-02"), state, None)
                .unwrap();
        }
    });
    accepted_file!(s, "2026-03-03_account_v1.csv", |w| {
        for (key, state) in [("a1", "closed"), ("a3", "inactive")] {
            w.state("account", key, Some("2026-03-03"), state, None)
                .unwrap();
        }
    });
    accepted_file!(s, "2026-03-16_ach_v1.csv", |w| {
        w.ach_entry(
            1,
            "091000019000001",
            Some("2026-03-16"),
            r#"{"amount":"1.00"}"#,
        )
        .unwrap();
    });

    let r = s.snapshot().unwrap();
    let closed = r.keys_in_state("p", "account", "closed").unwrap();
    let mut closed: Vec<String> = closed.into_iter().collect();
    closed.sort();
    assert_eq!(closed, ["a1", "a2"], "a3 is inactive since");
    assert!(r
        .keys_in_state("q", "account", "closed")
        .unwrap()
        .is_empty());
    let c1 = r.record("p", "customer", "c1").unwrap().unwrap();
    assert_eq!(c1.get("first_name"), Some("Ann"));
    let states: Vec<String> = r
        .states("p", "customer", "c1")
        .unwrap()
        .into_iter()
        .map(|c| c.state)
        .collect();
    assert_eq!(states, ["active"]);
    assert_eq!(
        r.find_ref("p", "card", "lead-9").unwrap().as_deref(),
        Some("card1")
    );
    assert_eq!(
        r.find_ref("p", "card", "card1").unwrap().as_deref(),
        Some("card1")
    );
    assert!(r.known("p", "card", None, "lead-9").unwrap());
    assert!(r.known("p", "balance", None, "b2").unwrap());
    assert!(r.known("p", "transaction", None, "t1").unwrap());
    assert!(!r.known("p", "transaction", None, "t2").unwrap());
    // A balance's record is its latest report, amounts as written.
    let b1 = r.record("p", "balance", "b1").unwrap().unwrap();
    assert_eq!(
        (
            b1.get("status"),
            b1.get("balance"),
            b1.get("client_balance_name")
        ),
        (Some("closed"), Some("0.00"), Some("Checking"))
    );
    // The typed columns of its latest report, read without decoding its row.
    assert_eq!(
        r.balance_state("p", "b1").unwrap(),
        Some(store::BalanceState {
            account_id: Some("a1".into()),
            balance_type: Some("deposit".into()),
            status: Some("closed".into()),
            status_reason: Some("none".into()),
            currency: Some("USD".into()),
        })
    );
    assert!(r.balance_state("p", "nope").unwrap().is_none());
    let t1 = r.transaction("p", "t1").unwrap().unwrap();
    assert_eq!(
        (
            t1.get("amount"),
            t1.get("effective_at"),
            t1.get("type"),
            t1.get("currency")
        ),
        (
            Some("2.50"),
            Some("2026-03-02T10:00:00Z"),
            Some("credit"),
            Some("USD")
        )
    );
    // Day 3: b1 reported and opening from day 2; b2 missing from day 3's file.
    let mut day3 = Vec::new();
    r.day_balances::<store::Error>("p", "2026-03-03", &mut |row| {
        day3.push((
            row.balance_id.to_string(),
            row.closing.map(|c| c.status.to_string()),
            row.opening.map(|o| o.status.to_string()),
        ));
        Ok(true)
    })
    .unwrap();
    let day3_want = [
        (
            "b1".to_string(),
            Some("closed".to_string()),
            Some("active".to_string()),
        ),
        ("b2".to_string(), None, Some("active".to_string())),
    ];
    assert_eq!(day3, day3_want);
    let mut activity = 0;
    r.day_balances::<store::Error>("p", "2026-03-02", &mut |row| {
        if let Some(a) = row.activity {
            let (count, _) = store::codec::raw_sums(7, a).unwrap();
            activity += count;
        }
        Ok(true)
    })
    .unwrap();
    assert_eq!(activity, 1);
    // A day no file came for opens from the last balance file: b1 (b2 was not in it).
    let mut day4 = Vec::new();
    r.day_balances::<store::Error>("p", "2026-03-04", &mut |row| {
        day4.push((
            row.balance_id.to_string(),
            row.closing.is_some(),
            row.opening.is_some(),
        ));
        Ok(true)
    })
    .unwrap();
    assert_eq!(day4, [("b1".to_string(), false, true)]);
    assert_eq!(
        r.latest_balance_file_before("p", "2026-03-03")
            .unwrap()
            .as_deref(),
        Some("2026-03-02")
    );
    let snapshot = r.non_posted_snapshot_date("p", "2026-03-03").unwrap();
    assert_eq!(snapshot.as_deref(), Some("2026-03-02"));
    let mut pending = Vec::new();
    r.non_posted("p", "2026-03-02", &mut |n| {
        pending.push((n.id.to_string(), n.amount.map(|a| a.to_string())))
    })
    .unwrap();
    // As SQLite's typed form reads it (units of 10⁻⁸), on both backends.
    assert_eq!(
        pending,
        [("n1".to_string(), Some("1.25000000".to_string()))]
    );
    let mut traces = Vec::new();
    r.ach_entries_settled_on::<store::Error>("p", "2026-03-16", &mut |a| {
        traces.push(a.trace.to_string());
        Ok(true)
    })
    .unwrap();
    assert_eq!(traces, ["091000019000001"]);
    drop(r);
    assert_eq!(s.counts("p").unwrap(), (2, 3, 1));
    let mut open = Vec::new();
    s.open_balances_before("p", "2026-03-04", &["closed"], &mut |b| open.push(b.key))
        .unwrap();
    assert!(open.is_empty(), "b1 closed on 2026-03-03: {open:?}");
    s.open_balances_before("p", "2026-03-03", &["closed"], &mut |b| open.push(b.key))
        .unwrap();
    assert_eq!(open, ["b1", "b2"]);
});

// The cross-file checks ask about a batch of ids at once (one round trip on PostgreSQL): each
// answer is the one-id lookup's, in the order asked, whatever makes an id known or not.
on_both!(a_batch_of_ids_is_known_as_each_id_is, |s| {
    s.add_partner("p", "/srv/p", "now").unwrap();
    s.add_partner("q", "/srv/q", "now").unwrap();
    accepted_file!(s, "2026-03-02_card_v1.csv", |w| {
        let row = row!(w, "card", ["client_card_id"], [Some("card1")]);
        w.record("card", "card1", &row).unwrap();
        w.record_ref("card", "lead-9", "card1").unwrap();
    });
    accepted_file!(s, "2026-03-02_balance_v1.csv", |w| {
        balance_in!(w, "b1", "2026-03-02", "active", "10.00");
        w.record_ref("balance", "lead-b1", "b1").unwrap();
    });
    // b1 missing from the next day's file: a row without a closing, still known by day 2's.
    accepted_file!(s, "2026-03-03_balance_v1.csv", |w| {
        balance_in!(w, "b3", "2026-03-03", "active", "1.00");
    });
    accepted_file!(s, "2026-03-03_transaction_v1.csv", |w| {
        let row = row!(w, "transaction", ["currency"], [Some("USD")]);
        w.transaction(&TransactionIn {
            id: "t1",
            balance_id: Some("b1"),
            card_id: None,
            file_date: Some("2026-03-03"),
            effective_at: None,
            tx_type: Some("credit"),
            amounts: &[("amount", "1")],
            row: &row,
        })
        .unwrap();
    });
    s.registry_add(
        "p",
        &[
            entry("card", "api-card", None, "2026-01-01"),
            entry("balance", "api-balance", Some("a1"), "2026-01-01"),
            entry("entity", "card1", None, "2026-01-01"),
        ],
    )
    .unwrap();
    s.registry_add("q", &[entry("card", "q-card", None, "2026-01-01")])
        .unwrap();
    let ids = [
        "card1",
        "lead-9",
        "api-card",
        "nothing",
        "b1",
        "lead-b1",
        "b3",
        "api-balance",
        "t1",
        "q-card",
        "card1",
        "",
        "CARD1",
    ];
    let r = s.snapshot().unwrap();
    for partner in ["p", "q", "nobody"] {
        for file_type in ["card", "balance", "transaction", "customer"] {
            for kind in [None, Some("card"), Some("balance"), Some("entity")] {
                let many = r.known_many(partner, file_type, kind, &ids).unwrap();
                let each: Vec<bool> = ids
                    .iter()
                    .map(|id| r.known(partner, file_type, kind, id).unwrap())
                    .collect();
                assert_eq!(many, each, "{partner} {file_type} {kind:?}");
                let reversed: Vec<&str> = ids.iter().rev().copied().collect();
                let mut back = r.known_many(partner, file_type, kind, &reversed).unwrap();
                back.reverse();
                assert_eq!(back, each, "{partner} {file_type} {kind:?}, reversed");
            }
        }
    }
    // Not a vacuous agreement: each way of being known was met (the single lookup's own test
    // says which are right).
    let card = r.known_many("p", "card", Some("card"), &ids).unwrap();
    assert_eq!(
        card,
        [true, true, true, false, false, false, false, false, false, false, true, false, false]
    );
    let balance = r.known_many("p", "balance", Some("balance"), &ids).unwrap();
    assert_eq!(
        balance,
        [false, false, false, false, true, true, true, true, false, false, false, false, false]
    );
    assert!(r.known_many("p", "transaction", None, &ids).unwrap()[8]);
    assert!(r.known_many("q", "card", Some("card"), &ids).unwrap()[9]);
    assert!(r.known_many("p", "customer", Some("entity"), &ids).unwrap()[0]);
    assert!(r.known_many("p", "card", None, &[]).unwrap().is_empty());
});

// The history checks read a batch of rows' records at once: each as the one-key read has it,
// in the order asked, rows of several layouts in one batch.
on_both!(a_batch_of_records_reads_as_each_record_does, |s| {
    s.add_partner("p", "/srv/p", "now").unwrap();
    accepted_file!(s, "2026-03-02_customer_v1.csv", |w| {
        let row = row!(
            w,
            "customer",
            ["client_customer_id", "first_name"],
            [Some("c1"), Some("Ann")]
        );
        w.record("customer", "c1", &row).unwrap();
        let row = row!(w, "customer", ["client_customer_id"], [Some("c2")]);
        w.record("customer", "c2", &row).unwrap();
    });
    accepted_file!(s, "2026-03-03_customer_v1.csv", |w| {
        let row = row!(
            w,
            "customer",
            ["client_customer_id", "last_name", "first_name"],
            [Some("c1"), Some("Lee"), None]
        );
        w.record("customer", "c1", &row).unwrap();
        w.record_ref("customer", "lead-c3", "c3").unwrap();
    });
    accepted_file!(s, "2026-03-02_balance_v1.csv", |w| {
        balance_in!(w, "b1", "2026-03-02", "active", "10.00");
        balance_in!(w, "b2", "2026-03-02", "active", "5.00");
    });
    // A later report: a balance's record is its latest (a batch on PostgreSQL too).
    accepted_file!(s, "2026-03-03_balance_v1.csv", |w| {
        balance_in!(w, "b1", "2026-03-03", "closed", "20.00");
    });
    let keys = ["c2", "c1", "nothing", "lead-c3", "c1", "", "b1", "b2"];
    let r = s.snapshot().unwrap();
    for file_type in ["customer", "balance", "card"] {
        let many = r.records_many("p", file_type, &keys).unwrap();
        let each: Vec<_> = keys
            .iter()
            .map(|k| r.record("p", file_type, k).unwrap())
            .collect();
        assert_eq!(many, each, "{file_type}");
    }
    let many = r.records_many("p", "customer", &keys).unwrap();
    let c1 = many[1].as_ref().unwrap();
    assert_eq!(
        (c1.get("last_name"), c1.get("first_name")),
        (Some("Lee"), None)
    );
    assert_eq!(
        many[0].as_ref().unwrap().get("client_customer_id"),
        Some("c2")
    );
    assert!(
        many[2].is_none() && many[3].is_none(),
        "a reference is not a key"
    );
    let balance = r.records_many("p", "balance", &keys).unwrap();
    let b1 = balance[6].as_ref().unwrap();
    assert_eq!(
        (b1.get("balance"), b1.get("status")),
        (Some("20.00"), Some("closed"))
    );
    assert_eq!(balance[7].as_ref().unwrap().get("balance"), Some("5.00"));
    assert!(r.records_many("p", "customer", &[]).unwrap().is_empty());
});
