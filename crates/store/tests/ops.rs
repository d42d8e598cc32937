//! The operations page's store (`store::ops`): users with their sessions and tokens, the audit
//! log, what nightly runs found, the alert outbox and the file list, on SQLite and on a real
//! PostgreSQL server started per test (`crates/pgtest`; under CI a missing server is a failure,
//! never a skip).

mod common;

use rust_decimal::Decimal;
use std::str::FromStr;
use store::{
    AlertOutbox, Audit, BreakAck, BreakRow, Db, Decision, Error, FileQuery, FileSearch, Ledger,
    NewAlert, NewFile, ReconResults, State, Users,
};

/// Runs `$body` with `$db`, a fresh database, on each backend.
macro_rules! on_both {
    ($name:ident, |$db:ident| $body:block) => {
        mod $name {
            use super::*;

            #[test]
            fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let $db = Db::open(None, &dir.path().join("bankdrop.sqlite")).unwrap();
                $body
            }

            #[test]
            fn postgresql() {
                let Some(server) = pgtest::require(concat!("ops: ", stringify!($name))) else {
                    return;
                };
                let url = server.create_database("bankdrop").unwrap();
                let $db = Db::open(Some(&url), std::path::Path::new("")).unwrap();
                $body
            }
        }
    };
}

/// A time on 2026-03-02, in the form callers pass: `HH:MM:SS.mmm` UTC.
fn at(hms: &str) -> String {
    format!("2026-03-02T{hms}Z")
}

on_both!(
    users_are_added_once_and_removed_with_their_sessions_and_tokens,
    |db| {
        db.add_user("alice", None, "h-alice", &at("01:00:00.000"))
            .unwrap();
        db.add_user("bob", Some("p"), "h-bob", &at("01:00:01.000"))
            .unwrap();
        db.add_user("Zed", None, "h-zed", &at("01:00:02.000"))
            .unwrap();
        let Err(Error::User(e)) = db.add_user("alice", Some("q"), "other", &at("02:00:00.000"))
        else {
            panic!("a name was taken twice");
        };
        assert!(e.contains("alice") && e.contains("already exists"), "{e}");
        let alice = db.user("alice").unwrap().unwrap();
        assert_eq!(
            (alice.partner, alice.password_hash, alice.created_at),
            (None, "h-alice".to_string(), at("01:00:00.000")),
            "the first alice is kept"
        );
        assert_eq!(
            db.user("bob").unwrap().unwrap().partner.as_deref(),
            Some("p")
        );
        assert!(db.user("carol").unwrap().is_none());
        // By name in byte order, whatever the server's collation.
        let names: Vec<String> = db.users().unwrap().into_iter().map(|u| u.name).collect();
        assert_eq!(names, ["Zed", "alice", "bob"]);

        let later = at("23:00:00.000");
        db.create_session("s-bob", "bob", &at("01:00:00.000"), &later)
            .unwrap();
        db.add_token("t-bob", "bob", "ci", &at("01:00:00.000"), None)
            .unwrap();
        assert!(matches!(
            db.create_session("s-x", "carol", &at("01:00:00.000"), &later),
            Err(Error::User(_))
        ));
        let now = at("03:00:00.000");
        assert_eq!(db.session_user("s-bob", &now).unwrap().unwrap().name, "bob");
        assert_eq!(db.token_user("t-bob", &now).unwrap().unwrap().name, "bob");

        assert!(db.remove_user("bob").unwrap());
        assert!(!db.remove_user("bob").unwrap(), "removed already");
        assert!(db.user("bob").unwrap().is_none());
        assert!(db.session_user("s-bob", &now).unwrap().is_none());
        assert!(db.token_user("t-bob", &now).unwrap().is_none());
        assert!(db.tokens("bob").unwrap().is_empty());
        // A new bob does not inherit the old one's session or token: they were deleted.
        db.add_user("bob", None, "h-bob2", &now).unwrap();
        assert!(db.session_user("s-bob", &now).unwrap().is_none());
        assert!(db.token_user("t-bob", &now).unwrap().is_none());
        assert!(db.tokens("bob").unwrap().is_empty());
        db.add_token("t-bob2", "bob", "ci", &now, None).unwrap();
    }
);

on_both!(a_session_lasts_until_it_expires_or_ends, |db| {
    db.add_user("alice", None, "h", &at("01:00:00.000"))
        .unwrap();
    db.create_session("s1", "alice", &at("01:00:00.000"), &at("02:00:00.000"))
        .unwrap();
    db.create_session("s2", "alice", &at("01:00:00.000"), &at("02:00:00.000"))
        .unwrap();
    assert!(db
        .session_user("s1", &at("01:59:59.999"))
        .unwrap()
        .is_some());
    assert!(
        db.session_user("s1", &at("02:00:00.000"))
            .unwrap()
            .is_none(),
        "expired at its expiry"
    );
    assert!(db
        .session_user("s1", "2026-03-03T00:00:00.000Z")
        .unwrap()
        .is_none());
    assert!(db
        .session_user("nope", &at("01:00:00.000"))
        .unwrap()
        .is_none());
    db.end_session("s2").unwrap();
    assert!(db
        .session_user("s2", &at("01:00:00.000"))
        .unwrap()
        .is_none());
    assert!(
        db.session_user("s1", &at("01:00:00.000"))
            .unwrap()
            .is_some(),
        "ending one session leaves the other"
    );
    db.end_session("s2").unwrap();
});

on_both!(tokens_are_found_listed_and_revoked, |db| {
    db.add_user("alice", None, "h", &at("01:00:00.000"))
        .unwrap();
    db.add_user("bob", None, "h", &at("01:00:00.000")).unwrap();
    db.add_token(
        "hash-laptop",
        "alice",
        "laptop",
        &at("01:00:00.000"),
        Some(&at("05:00:00.000")),
    )
    .unwrap();
    db.add_token("hash-ci", "alice", "ci", &at("01:30:00.000"), None)
        .unwrap();
    db.add_token("hash-bob", "bob", "ci", &at("01:30:00.000"), None)
        .unwrap();
    let Err(Error::User(e)) = db.add_token("other", "alice", "ci", &at("02:00:00.000"), None)
    else {
        panic!("a label was taken twice");
    };
    assert!(e.contains("ci"), "{e}");
    let Err(Error::User(e)) = db.add_token("x", "carol", "ci", &at("02:00:00.000"), None) else {
        panic!("a token for nobody");
    };
    assert!(e.contains("no user"), "{e}");

    let tokens = db.tokens("alice").unwrap();
    let listed: Vec<(&str, &str, Option<&str>)> = tokens
        .iter()
        .map(|t| {
            (
                t.label.as_str(),
                t.created_at.as_str(),
                t.expires_at.as_deref(),
            )
        })
        .collect();
    let (ci_at, laptop_at, laptop_until) =
        (at("01:30:00.000"), at("01:00:00.000"), at("05:00:00.000"));
    assert_eq!(
        listed,
        [
            ("ci", ci_at.as_str(), None),
            ("laptop", laptop_at.as_str(), Some(laptop_until.as_str()))
        ]
    );

    let now = at("04:59:59.999");
    assert_eq!(
        db.token_user("hash-laptop", &now).unwrap().unwrap().name,
        "alice"
    );
    assert!(db
        .token_user("hash-laptop", &at("05:00:00.000"))
        .unwrap()
        .is_none());
    assert!(
        db.token_user("hash-ci", "2099-01-01T00:00:00.000Z")
            .unwrap()
            .is_some(),
        "no expiry"
    );
    assert!(db.token_user("unknown", &now).unwrap().is_none());

    assert!(db.revoke_token("alice", "ci").unwrap());
    assert!(!db.revoke_token("alice", "ci").unwrap());
    assert!(db.token_user("hash-ci", &now).unwrap().is_none());
    assert_eq!(
        db.token_user("hash-bob", &now).unwrap().unwrap().name,
        "bob"
    );
    assert_eq!(db.tokens("alice").unwrap().len(), 1);
});

on_both!(the_audit_log_appends_and_reads_newest_first, |db| {
    assert!(db.audit_log(None, 10).unwrap().is_empty());
    db.audit(&at("01:00:00.000"), "alice", "login", "").unwrap();
    db.audit(&at("01:00:01.000"), "bob", "add_user", "carol")
        .unwrap();
    // The same time again: the log keeps the order entries were appended in.
    db.audit(&at("01:00:01.000"), "alice", "revoke_token", "ci")
        .unwrap();
    let all = db.audit_log(None, 10).unwrap();
    let actions: Vec<&str> = all.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["revoke_token", "add_user", "login"]);
    assert!(all[0].id > all[1].id && all[1].id > all[2].id);
    assert_eq!(
        (
            all[1].user.as_str(),
            all[1].detail.as_str(),
            all[1].at.as_str()
        ),
        ("bob", "carol", at("01:00:01.000").as_str())
    );
    let alice = db.audit_log(Some("alice"), 10).unwrap();
    assert_eq!(alice.len(), 2);
    assert!(alice.iter().all(|a| a.user == "alice"));
    assert_eq!(alice[0].action, "revoke_token");
    let newest = db.audit_log(None, 1).unwrap();
    assert_eq!(newest.len(), 1);
    assert_eq!(newest[0].action, "revoke_token");
});

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn brk(date: &str, balance: &str, component: &str, reported: &str) -> BreakRow {
    BreakRow {
        date: date.into(),
        balance_id: balance.into(),
        account_id: (balance != "b9").then(|| format!("acct-{balance}")),
        balance_type: "credit".into(),
        status: "open".into(),
        component: component.into(),
        opening: dec("0.10"),
        activity: dec("-0.10"),
        expected: dec("0.00"),
        reported: dec(reported),
        difference: dec(reported),
    }
}

on_both!(a_rerun_replaces_the_day_and_its_breaks_exactly, |db| {
    let first = [
        brk("2026-03-02", "b2", "balance", "1.5"),
        brk("2026-03-02", "b1", "outstanding_fees", "-12345678901234.56"),
        brk("2026-03-02", "b1", "balance", "0.10"),
    ];
    db.record_recon_day(
        "p",
        "2026-03-02",
        &at("02:00:00.000"),
        r#"{"run":1}"#,
        &first,
    )
    .unwrap();
    db.record_recon_day(
        "p",
        "2026-03-01",
        &at("01:00:00.000"),
        r#"{"day":1}"#,
        &[brk("2026-03-01", "b9", "balance", "2")],
    )
    .unwrap();
    db.record_recon_day("a", "2026-03-02", &at("02:00:00.000"), "{}", &[])
        .unwrap();

    let day = db.recon_day("p", "2026-03-02").unwrap().unwrap();
    assert_eq!(
        (day.run_at.as_str(), day.breaks, day.summary_json.as_str()),
        (at("02:00:00.000").as_str(), 3, r#"{"run":1}"#)
    );
    // By date, balance, component; amounts exactly as written, scale and all.
    let breaks = db.breaks("p", "2026-03-02", "2026-03-02").unwrap();
    let keys: Vec<(&str, &str)> = breaks
        .iter()
        .map(|b| (b.balance_id.as_str(), b.component.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("b1", "balance"),
            ("b1", "outstanding_fees"),
            ("b2", "balance")
        ]
    );
    assert_eq!(breaks[1], first[1]);
    assert_eq!(breaks[1].reported.to_string(), "-12345678901234.56");
    assert_eq!(breaks[0].opening.to_string(), "0.10");
    assert_eq!(breaks[0].expected.to_string(), "0.00");
    assert_eq!(breaks[0].account_id.as_deref(), Some("acct-b1"));
    let both = db.breaks("p", "2026-03-01", "2026-03-02").unwrap();
    assert_eq!(both.len(), 4);
    assert_eq!(
        (both[0].date.as_str(), both[0].account_id.as_deref()),
        ("2026-03-01", None)
    );

    // The rerun replaces the day and its breaks; the other day and partner stay.
    db.record_recon_day(
        "p",
        "2026-03-02",
        &at("03:00:00.000"),
        r#"{"run":2}"#,
        &[brk("2026-03-02", "b3", "balance", "7.000")],
    )
    .unwrap();
    let day = db.recon_day("p", "2026-03-02").unwrap().unwrap();
    assert_eq!(
        (day.run_at.as_str(), day.breaks, day.summary_json.as_str()),
        (at("03:00:00.000").as_str(), 1, r#"{"run":2}"#)
    );
    let breaks = db.breaks("p", "2026-03-02", "2026-03-02").unwrap();
    assert_eq!(breaks.len(), 1);
    assert_eq!(
        (
            breaks[0].balance_id.as_str(),
            breaks[0].reported.to_string().as_str()
        ),
        ("b3", "7.000")
    );
    assert_eq!(db.breaks("p", "2026-03-01", "2026-03-01").unwrap().len(), 1);
    assert!(db.recon_day("p", "2026-03-03").unwrap().is_none());

    // By date then partner; both ends included; one partner's.
    let days: Vec<(String, String)> = db
        .recon_days(None, "2026-03-01", "2026-03-02")
        .unwrap()
        .into_iter()
        .map(|d| (d.date, d.partner))
        .collect();
    let want = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(d, p)| (d.to_string(), p.to_string()))
            .collect()
    };
    assert_eq!(
        days,
        want(&[
            ("2026-03-01", "p"),
            ("2026-03-02", "a"),
            ("2026-03-02", "p")
        ])
    );
    let p_days = db
        .recon_days(Some("p"), "2026-03-02", "2026-03-09")
        .unwrap();
    assert_eq!(p_days.len(), 1);
    assert_eq!(p_days[0].summary_json, r#"{"run":2}"#);
    assert!(db
        .recon_days(None, "2026-03-03", "2026-03-09")
        .unwrap()
        .is_empty());
});

on_both!(acknowledgements_are_appended_in_order, |db| {
    let ack = |partner: &str, balance: &str, note: &str| BreakAck {
        id: 999,
        partner: partner.into(),
        balance_id: balance.into(),
        component: "balance".into(),
        first_date: "2026-03-01".into(),
        user: "alice".into(),
        note: note.into(),
        at: at("04:00:00.000"),
    };
    let first = db.ack_break(&ack("p", "b2", "looking")).unwrap();
    let other = db.ack_break(&ack("q", "b1", "elsewhere")).unwrap();
    // The same break again: a second entry, the first one kept.
    let second = db.ack_break(&ack("p", "b2", "fixed upstream")).unwrap();
    let third = db.ack_break(&ack("p", "b1", "known")).unwrap();
    assert!(first < other && other < second && second < third);
    let acks = db.break_acks("p").unwrap();
    let got: Vec<(i64, &str, &str)> = acks
        .iter()
        .map(|a| (a.id, a.balance_id.as_str(), a.note.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (first, "b2", "looking"),
            (second, "b2", "fixed upstream"),
            (third, "b1", "known")
        ]
    );
    assert_eq!(
        acks[0],
        BreakAck {
            id: first,
            ..ack("p", "b2", "looking")
        }
    );
    assert_eq!(db.break_acks("q").unwrap().len(), 1);
    assert!(db.break_acks("r").unwrap().is_empty());
});

fn alert(key: &str, at: &str) -> NewAlert {
    NewAlert {
        kind: "file_rejected".into(),
        partner: Some("p".into()),
        dedupe_key: key.into(),
        payload_json: format!(r#"{{"key":"{key}"}}"#),
        at: at.into(),
    }
}

fn ids(alerts: &[store::AlertRow]) -> Vec<i64> {
    alerts.iter().map(|a| a.id).collect()
}

on_both!(the_outbox_dedupes_retries_and_delivers, |db| {
    assert!(db.enqueue_alert(&alert("k1", &at("01:00:00.000"))).unwrap());
    assert!(db.enqueue_alert(&alert("k2", &at("02:00:00.000"))).unwrap());
    let k3 = NewAlert {
        partner: None,
        kind: "recon_breaks".into(),
        ..alert("k3", &at("03:00:00.000"))
    };
    assert!(db.enqueue_alert(&k3).unwrap());
    assert!(
        !db.enqueue_alert(&alert("k1", &at("09:00:00.000"))).unwrap(),
        "a key is written once"
    );
    let all = db.alerts(10).unwrap();
    assert_eq!(all.len(), 3);
    let (a1, a2, a3) = (all[2].id, all[1].id, all[0].id);
    assert!(a1 < a2 && a2 < a3, "newest first");
    let first = &all[2];
    assert_eq!(
        (
            first.dedupe_key.as_str(),
            first.created_at.as_str(),
            first.next_at.as_str()
        ),
        (
            "k1",
            at("01:00:00.000").as_str(),
            at("01:00:00.000").as_str()
        )
    );
    assert_eq!(first.payload_json, r#"{"key":"k1"}"#);
    assert_eq!(
        (
            first.attempts,
            first.last_error.as_deref(),
            first.delivered_at.as_deref()
        ),
        (0, None, None)
    );
    assert!(first.done_routes.is_empty());
    assert_eq!(
        (all[0].partner.as_deref(), all[0].kind.as_str()),
        (None, "recon_breaks")
    );
    assert_eq!(ids(&db.alerts(1).unwrap()), [a3]);

    // Due: next_at at or before now, oldest first, up to the limit.
    assert!(db.due_alerts(&at("00:59:59.999"), 10).unwrap().is_empty());
    assert_eq!(
        ids(&db.due_alerts(&at("02:00:00.000"), 10).unwrap()),
        [a1, a2]
    );
    assert_eq!(
        ids(&db.due_alerts(&at("09:00:00.000"), 2).unwrap()),
        [a1, a2]
    );

    // A failed delivery: one more attempt, due again later.
    db.alert_retry(a1, &at("05:00:00.000"), "smtp: connection refused")
        .unwrap();
    assert_eq!(
        ids(&db.due_alerts(&at("04:00:00.000"), 10).unwrap()),
        [a2, a3]
    );
    let due = db.due_alerts(&at("05:00:00.000"), 10).unwrap();
    assert_eq!(ids(&due), [a1, a2, a3]);
    assert_eq!(due[0].attempts, 1);
    assert_eq!(due[0].next_at, at("05:00:00.000"));
    assert_eq!(
        due[0].last_error.as_deref(),
        Some("smtp: connection refused")
    );
    db.alert_retry(a1, &at("06:00:00.000"), "smtp: timeout")
        .unwrap();
    let again = &db.due_alerts(&at("06:00:00.000"), 1).unwrap()[0];
    assert_eq!(
        (again.id, again.attempts, again.last_error.as_deref()),
        (a1, 2, Some("smtp: timeout"))
    );

    // Routes done, each once.
    db.alert_route_done(a2, "slack").unwrap();
    db.alert_route_done(a2, "slack").unwrap();
    db.alert_route_done(a2, "email").unwrap();
    let a2_row = db
        .alerts(10)
        .unwrap()
        .into_iter()
        .find(|a| a.id == a2)
        .unwrap();
    assert_eq!(a2_row.done_routes, ["email", "slack"]);
    assert_eq!(a2_row.attempts, 0);

    // Delivered: never due again, still listed.
    db.alert_delivered(a2, &at("06:30:00.000")).unwrap();
    assert_eq!(
        ids(&db.due_alerts("2099-01-01T00:00:00.000Z", 10).unwrap()),
        [a1, a3]
    );
    let a2_row = db
        .alerts(10)
        .unwrap()
        .into_iter()
        .find(|a| a.id == a2)
        .unwrap();
    assert_eq!(a2_row.delivered_at, Some(at("06:30:00.000")));
});

on_both!(an_alert_commits_or_rolls_back_with_its_file, |db| {
    let decided = Decision {
        state: State::Rejected,
        rows: 0,
        late: false,
        error_count: 1,
        warning_count: 0,
        decided_at: at("01:00:01.000"),
        final_path: "in/rejected/x".into(),
    };
    let w = db.write(&common::file("2026-03-01_card_v1.csv")).unwrap();
    assert!(w
        .enqueue_alert(&alert("file-1", &at("01:00:00.000")))
        .unwrap());
    assert!(
        !w.enqueue_alert(&alert("file-1", &at("01:00:00.000")))
            .unwrap(),
        "deduplicated inside the transaction too"
    );
    assert!(
        db.alerts(10).unwrap().is_empty(),
        "not visible before the commit"
    );
    drop(w);
    assert!(
        db.alerts(10).unwrap().is_empty(),
        "rolled back with the file"
    );

    let w = db.write(&common::file("2026-03-01_card_v1.csv")).unwrap();
    assert!(
        w.enqueue_alert(&alert("file-1", &at("01:00:00.000")))
            .unwrap(),
        "the rolled-back alert left no key behind"
    );
    assert!(w.commit(&decided, &mut || Ok(())).unwrap());
    let all = db.alerts(10).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].dedupe_key, "file-1");
    assert_eq!(
        ids(&db.due_alerts(&at("01:00:00.000"), 10).unwrap()),
        [all[0].id]
    );
    assert!(!db
        .enqueue_alert(&alert("file-1", &at("02:00:00.000")))
        .unwrap());
});

/// Claims a file of `partner` named `name`, received at `received_at`, and decides it (`state`
/// `None`: leaves it `validating`); its ledger id.
fn ledger_row(
    db: &Db,
    partner: &str,
    name: &str,
    file_type: Option<&str>,
    received_at: &str,
    state: Option<State>,
    late: bool,
) -> i64 {
    let id = db
        .begin(&NewFile {
            partner: partner.into(),
            path: format!("in/{name}"),
            name: name.into(),
            file_type: file_type.map(str::to_string),
            prefix: None,
            version: None,
            sha256: name.into(),
            bytes: 1,
            received_at: received_at.into(),
        })
        .unwrap();
    if let Some(state) = state {
        let d = Decision {
            state,
            rows: 1,
            late,
            error_count: 0,
            warning_count: 0,
            decided_at: received_at.into(),
            final_path: format!("in/done/{name}"),
        };
        assert!(db.decide(id, &d).unwrap());
    }
    id
}

on_both!(the_file_list_filters_pages_and_counts, |db| {
    use State::*;
    let f1 = ledger_row(
        &db,
        "p",
        "2026-03-01_card_v1.csv",
        Some("card"),
        "2026-03-01T10:00:00Z",
        Some(Accepted),
        false,
    );
    let f2 = ledger_row(
        &db,
        "p",
        "2026-03-02_balance_v1.csv",
        Some("balance"),
        "2026-03-02T09:00:00Z",
        Some(Rejected),
        true,
    );
    let f3 = ledger_row(
        &db,
        "p",
        "100%_sure.csv",
        None,
        "2026-03-02T23:59:59Z",
        None,
        false,
    );
    let f4 = ledger_row(
        &db,
        "p",
        "100x_sure.csv",
        None,
        "2026-03-03T00:00:00Z",
        Some(Failed),
        false,
    );
    let f5 = ledger_row(
        &db,
        "q",
        "2026-03-02_card_v1.csv",
        Some("card"),
        "2026-03-02T12:00:00Z",
        Some(Accepted),
        true,
    );
    let f6 = ledger_row(
        &db,
        "p",
        "axb.csv",
        None,
        "2026-03-04T08:00:00Z",
        Some(Accepted),
        false,
    );
    let f7 = ledger_row(
        &db,
        "p",
        "a_b.CSV",
        None,
        "2026-03-04T07:00:00Z",
        Some(Accepted),
        false,
    );

    let search = |q: FileQuery| -> (Vec<i64>, u64) {
        let (rows, total) = db
            .search_files(&FileQuery {
                limit: q.limit.max(100),
                ..q
            })
            .unwrap();
        (rows.iter().map(|r| r.id).collect(), total)
    };
    let all = search(FileQuery::default());
    assert_eq!(all, (vec![f7, f6, f5, f4, f3, f2, f1], 7), "newest first");
    let by = |q: FileQuery| search(q).0;
    assert_eq!(
        by(FileQuery {
            partner: Some("q".into()),
            ..Default::default()
        }),
        [f5]
    );
    assert_eq!(
        by(FileQuery {
            file_type: Some("card".into()),
            ..Default::default()
        }),
        [f5, f1]
    );
    let day = FileQuery {
        from: Some("2026-03-02".into()),
        to: Some("2026-03-02".into()),
        ..Default::default()
    };
    assert_eq!(by(day.clone()), [f5, f3, f2], "both ends of a day included");
    assert_eq!(
        by(FileQuery {
            from: Some("2026-03-03".into()),
            ..Default::default()
        }),
        [f7, f6, f4]
    );
    assert_eq!(
        by(FileQuery {
            to: Some("2026-03-01".into()),
            ..Default::default()
        }),
        [f1]
    );
    assert_eq!(
        by(FileQuery {
            state: Some("validating".into()),
            ..Default::default()
        }),
        [f3]
    );
    assert_eq!(
        by(FileQuery {
            state: Some("accepted".into()),
            ..Default::default()
        }),
        [f7, f6, f5, f1]
    );
    assert_eq!(
        by(FileQuery {
            late: Some(true),
            ..Default::default()
        }),
        [f5, f2]
    );
    assert_eq!(
        by(FileQuery {
            late: Some(false),
            ..Default::default()
        }),
        [f7, f6, f4, f3, f1]
    );
    // LIKE's wildcards are plain characters; case does not matter.
    assert_eq!(
        by(FileQuery {
            name_contains: Some("100%".into()),
            ..Default::default()
        }),
        [f3]
    );
    assert_eq!(
        by(FileQuery {
            name_contains: Some("A_B".into()),
            ..Default::default()
        }),
        [f7]
    );
    assert_eq!(
        by(FileQuery {
            name_contains: Some("_sure".into()),
            ..Default::default()
        }),
        [f4, f3]
    );
    assert_eq!(
        by(FileQuery {
            name_contains: Some("CARD".into()),
            ..Default::default()
        }),
        [f5, f1]
    );
    let p_late = FileQuery {
        partner: Some("p".into()),
        late: Some(true),
        ..day.clone()
    };
    assert_eq!(search(p_late), (vec![f2], 1));

    // Pages of the newest first, each with the total.
    let page = |offset: u64, limit: u32| {
        let (rows, total) = db
            .search_files(&FileQuery {
                offset,
                limit,
                ..Default::default()
            })
            .unwrap();
        (rows.iter().map(|r| r.id).collect::<Vec<_>>(), total)
    };
    assert_eq!(page(0, 2), (vec![f7, f6], 7));
    assert_eq!(page(2, 2), (vec![f5, f4], 7));
    assert_eq!(page(6, 2), (vec![f1], 7));
    assert_eq!(page(10, 2), (vec![], 7));
    let (rows, total) = db
        .search_files(&FileQuery {
            partner: Some("p".into()),
            limit: 1,
            ..Default::default()
        })
        .unwrap();
    assert_eq!((rows.len(), total), (1, 6));
    assert_eq!(rows[0].file.name, "a_b.CSV");

    // Counts by day (latest first) and state; offset and limit are not read.
    let counts = db
        .file_counts(&FileQuery {
            partner: Some("p".into()),
            offset: 5,
            limit: 1,
            ..Default::default()
        })
        .unwrap();
    let counts: Vec<(&str, &str, u64)> = counts
        .iter()
        .map(|(d, s, n)| (d.as_str(), s.as_str(), *n))
        .collect();
    assert_eq!(
        counts,
        [
            ("2026-03-04", "accepted", 2),
            ("2026-03-03", "failed", 1),
            ("2026-03-02", "rejected", 1),
            ("2026-03-02", "validating", 1),
            ("2026-03-01", "accepted", 1),
        ]
    );
    let late = db
        .file_counts(&FileQuery {
            late: Some(true),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        late,
        [
            ("2026-03-02".to_string(), "accepted".to_string(), 1),
            ("2026-03-02".to_string(), "rejected".to_string(), 1)
        ]
    );

    assert_eq!(
        db.last_upload("p").unwrap().as_deref(),
        Some("2026-03-04T08:00:00Z")
    );
    assert_eq!(
        db.last_upload("q").unwrap().as_deref(),
        Some("2026-03-02T12:00:00Z")
    );
    assert_eq!(db.last_upload("nobody").unwrap(), None);

    // From included, to excluded, oldest first (by reception, not by id).
    let between = |from: &str, to: &str| -> Vec<i64> {
        db.received_between("p", from, to)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect()
    };
    assert_eq!(
        between("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"),
        [f2, f3]
    );
    assert_eq!(
        between("2026-03-02T23:59:59Z", "2026-03-03T00:00:01Z"),
        [f3, f4]
    );
    assert_eq!(
        between("2026-03-04T00:00:00Z", "2026-03-05T00:00:00Z"),
        [f7, f6]
    );
    assert!(between("2026-03-05T00:00:00Z", "2026-03-06T00:00:00Z").is_empty());
});

// Issue 13: an entry is found by its trace number (the newest file's), and what happened to it
// later is appended against it.
on_both!(
    ach_entries_are_found_by_trace_and_their_events_kept_in_order,
    |db| {
        use store::{AchEvent, AchEvents};
        let decided = Decision {
            state: State::Accepted,
            rows: 2,
            late: false,
            error_count: 0,
            warning_count: 0,
            decided_at: at("01:00:01.000"),
            final_path: "ach/processed/x.ach".into(),
        };
        for (amount, name) in [
            ("100", "2026-03-01_outgoing_ach_v1.ach"),
            ("200", "2026-03-02_outgoing_ach_v1.ach"),
        ] {
            let mut w = db.write(&common::file(name)).unwrap();
            let json = format!(
                r#"{{"trace":"000000000000007","amount_cents":"{amount}","window_date":"2026-04-06"}}"#
            );
            w.ach_entry(3, "000000000000007", Some("2026-04-07"), &json)
                .unwrap();
            assert!(w.commit(&decided, &mut || Ok(())).unwrap());
        }
        let data = db.ach_entry_data("p", "000000000000007").unwrap().unwrap();
        assert!(
            data.contains(r#""amount_cents":"200""#),
            "the newest file's: {data}"
        );
        assert_eq!(db.ach_entry_data("p", "000000000000008").unwrap(), None);
        assert_eq!(db.ach_entry_data("other", "000000000000007").unwrap(), None);
        // Only the newest file's entry is this trace's, but both count toward their day.
        assert_eq!(db.ach_total_for_day("p", "2026-04-06").unwrap(), 300);
        assert_eq!(db.ach_total_for_day("p", "2026-04-07").unwrap(), 0);
        let asked = ["000000000000008".to_string(), "000000000000007".to_string()];
        assert_eq!(
            db.ach_traces_known("p", &asked).unwrap(),
            ["000000000000007"]
        );
        assert!(db.ach_traces_known("other", &asked).unwrap().is_empty());
        let event = |kind: &str, code: &str| AchEvent {
            partner: "p".into(),
            trace: "000000000000007".into(),
            kind: kind.into(),
            code: code.into(),
            file: "ach/incoming/x.ach".into(),
            at: at("02:00:00.000"),
            detail: String::new(),
            settlement_date: (kind == "return").then(|| "2026-04-08".to_string()),
        };
        db.add_ach_event(&event("noc", "C01")).unwrap();
        db.add_ach_event(&event("return", "R01")).unwrap();
        let got = db.ach_events("p", "000000000000007").unwrap();
        assert_eq!(got, vec![event("noc", "C01"), event("return", "R01")]);
        assert!(db.ach_events("p", "000000000000008").unwrap().is_empty());
        // The day's returns for the reports: the return, not the NOC.
        let snap = db.snapshot().unwrap();
        let mut returns = Vec::new();
        snap.ach_events_settled_on::<store::Error>("p", "2026-04-08", &mut |r| {
            returns.push(r.trace.to_string());
            Ok(true)
        })
        .unwrap();
        assert_eq!(returns, ["000000000000007"]);
        // The partner's NOCs, for the warning on later entries.
        let nocs = db.ach_nocs("p").unwrap();
        assert_eq!(nocs, vec![event("noc", "C01")]);
        assert!(db.ach_nocs("other").unwrap().is_empty());
    }
);
