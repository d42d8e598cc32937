//! Several nodes sharing work (issue 11, `docs/MULTI-NODE.md`): leases go to one node at a
//! time, lapse when not renewed, and work is finished once, by the node holding its lease. On
//! PostgreSQL each node below is a store with its own pool; a real server is started per test
//! (`crates/pgtest`; under CI a missing server is a failure, never a skip). On SQLite the same
//! rules hold for the one process's cluster in memory.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::sync::Barrier;
use std::thread;
use std::time::Duration;
use store::cluster::{FILE, NIGHTLY};
use store::Cluster;
mod common;

use store::{Db, HeldNote, HeldNotes};

const LONG: Duration = Duration::from_secs(60);

/// Runs `$body` with `$nodes`, `$n` nodes' views of one cluster, on each backend: on
/// PostgreSQL `$n` stores on one fresh database, each with its own pool as a node has; on
/// SQLite one store shared (a SQLite file is served by one process, its cluster in memory).
macro_rules! on_both {
    ($name:ident, $n:expr, |$nodes:ident| $body:block) => {
        mod $name {
            use super::*;

            #[test]
            fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let db = Arc::new(Db::open(None, &dir.path().join("bankdrop.sqlite")).unwrap());
                let $nodes: Vec<Arc<Db>> = vec![db; $n];
                $body
            }

            #[test]
            fn postgresql() {
                let Some(server) = pgtest::require(concat!("cluster: ", stringify!($name))) else {
                    return;
                };
                let url = server.create_database("bankdrop").unwrap();
                let $nodes: Vec<Arc<Db>> = (0..$n)
                    .map(|_| Arc::new(Db::open(Some(&url), std::path::Path::new("")).unwrap()))
                    .collect();
                $body
            }
        }
    };
}

on_both!(
    nodes_racing_for_a_lease_get_one_winner_per_key,
    4,
    |nodes| {
        let keys: Vec<String> = (0..20).map(|i| format!("p/inbox/f{i:02}.csv")).collect();
        let start = Barrier::new(nodes.len());
        // wins[node][key]: every node tries every key, all four lined up on each key.
        let wins: Vec<Vec<bool>> = thread::scope(|t| {
            let racers: Vec<_> = nodes
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let (keys, start) = (&keys, &start);
                    t.spawn(move || {
                        let me = format!("n{i}");
                        keys.iter()
                            .map(|k| {
                                start.wait();
                                n.take_lease(FILE, k, &me, LONG).unwrap()
                            })
                            .collect()
                    })
                })
                .collect();
            racers.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let leases = nodes[0].leases().unwrap();
        assert_eq!(leases.len(), keys.len());
        for (k, key) in keys.iter().enumerate() {
            let winners: Vec<usize> = (0..nodes.len()).filter(|&n| wins[n][k]).collect();
            assert_eq!(winners.len(), 1, "{key}: winners {winners:?}");
            let winner = format!("n{}", winners[0]);
            // The table agrees with the answers; the winner renews by taking again, the rest fail.
            assert_eq!((&leases[k].key, &leases[k].node), (key, &winner));
            for (n, node) in nodes.iter().enumerate() {
                let me = format!("n{n}");
                assert_eq!(node.take_lease(FILE, key, &me, LONG).unwrap(), me == winner);
            }
        }
    }
);

on_both!(
    an_expired_lease_is_taken_over_and_only_its_new_holder_finishes,
    2,
    |n| {
        let (a, b) = (&n[0], &n[1]);
        let key = "p/2026-02-01";
        assert!(a
            .take_lease(NIGHTLY, key, "a", Duration::from_millis(300))
            .unwrap());
        assert!(
            !b.take_lease(NIGHTLY, key, "b", LONG).unwrap(),
            "A holds it"
        );
        // A lapsed lease no one took over is not the holder's to finish either.
        let alone = "p/2026-02-02";
        assert!(a
            .take_lease(NIGHTLY, alone, "a", Duration::from_millis(300))
            .unwrap());
        thread::sleep(Duration::from_millis(400));
        // A stalled past its lease: B takes the work over, and A can neither revive nor finish it.
        assert!(!a.finish_work(NIGHTLY, alone, "a").unwrap());
        assert!(!a.is_done(NIGHTLY, alone).unwrap());
        assert!(b.take_lease(NIGHTLY, key, "b", LONG).unwrap(), "A's lapsed");
        assert_eq!(a.renew_leases("a", LONG).unwrap(), 0);
        assert!(!a.take_lease(NIGHTLY, key, "a", LONG).unwrap());
        assert!(!a.finish_work(NIGHTLY, key, "a").unwrap());
        assert!(!a.is_done(NIGHTLY, key).unwrap());
        assert_eq!(a.leases().unwrap()[0].node, "b");
        assert!(b.finish_work(NIGHTLY, key, "b").unwrap());
        assert!(a.is_done(NIGHTLY, key).unwrap());
        assert!(!b.finish_work(NIGHTLY, key, "b").unwrap(), "finished once");
        // Done work is never leased again, by anyone; other kinds of the same key are apart.
        for (node, name) in [(a, "a"), (b, "b"), (a, "c")] {
            assert!(!node.take_lease(NIGHTLY, key, name, LONG).unwrap());
        }
        assert!(a.leases().unwrap().is_empty());
        assert!(!a.is_done(FILE, key).unwrap());
        assert!(a.take_lease(FILE, key, "a", LONG).unwrap());
    }
);

on_both!(renewing_extends_only_the_nodes_own_live_leases, 2, |n| {
    let (a, b) = (&n[0], &n[1]);
    let ttl = Duration::from_millis(500);
    assert!(a.take_lease(FILE, "p/1", "a", ttl).unwrap());
    assert!(a.take_lease(FILE, "p/2", "a", ttl).unwrap());
    assert!(a
        .take_lease(FILE, "p/lapsed", "a", Duration::from_millis(50))
        .unwrap());
    assert!(b.take_lease(FILE, "p/3", "b", ttl).unwrap());
    thread::sleep(Duration::from_millis(150));
    // p/lapsed has expired: not revived. B's p/3 is not A's to renew.
    assert_eq!(a.renew_leases("a", LONG).unwrap(), 2);
    thread::sleep(Duration::from_millis(450));
    // Past the first ttl: A's renewed leases hold, B's and A's lapsed one are free.
    assert!(!b.take_lease(FILE, "p/1", "b", LONG).unwrap());
    assert!(!b.take_lease(FILE, "p/2", "b", LONG).unwrap());
    assert!(a.take_lease(FILE, "p/3", "a", LONG).unwrap());
    assert!(b.take_lease(FILE, "p/lapsed", "b", LONG).unwrap());
    let held: Vec<(String, String)> = a
        .leases()
        .unwrap()
        .into_iter()
        .map(|l| (l.key, l.node))
        .collect();
    let want = [("p/1", "a"), ("p/2", "a"), ("p/3", "a"), ("p/lapsed", "b")];
    assert_eq!(held, want.map(|(k, n)| (k.to_string(), n.to_string())));
});

on_both!(only_the_holder_releases_a_lease, 2, |n| {
    let (a, b) = (&n[0], &n[1]);
    assert!(!a.release_lease(FILE, "p/x", "a").unwrap(), "nothing held");
    assert!(a.take_lease(FILE, "p/x", "a", LONG).unwrap());
    assert!(!b.release_lease(FILE, "p/x", "b").unwrap());
    assert!(!b.take_lease(FILE, "p/x", "b", LONG).unwrap(), "still A's");
    assert!(a.release_lease(FILE, "p/x", "a").unwrap());
    // Released, not done: another node takes it at once, and may finish it.
    assert!(!a.is_done(FILE, "p/x").unwrap());
    assert!(b.take_lease(FILE, "p/x", "b", LONG).unwrap());
    assert!(!a.finish_work(FILE, "p/x", "a").unwrap());
    assert!(b.finish_work(FILE, "p/x", "b").unwrap());
});

// The window between a holder finishing (lease row deleted, `work_done` row inserted, in one
// transaction) and a taker whose statement began before that commit: the taker waits on the
// lease row, finds it gone and inserts its own. Work done must still never be leased again.
on_both!(
    work_finished_while_others_try_to_take_it_is_never_leased_again,
    4,
    |n| {
        let (holder, takers) = (&n[0], &n[1..]);
        for round in 0..40 {
            let key = format!("p/inbox/r{round:02}.csv");
            assert!(holder.take_lease(FILE, &key, "h", LONG).unwrap());
            let finished = AtomicBool::new(false);
            let stolen = thread::scope(|t| {
                let tries: Vec<_> = takers
                    .iter()
                    .enumerate()
                    .map(|(i, node)| {
                        let (key, finished) = (&key, &finished);
                        t.spawn(move || {
                            let me = format!("t{i}");
                            let mut won = false;
                            // Try while the holder finishes, then a few more times after (bounded,
                            // so a failing holder cannot leave this spinning).
                            let mut after = 0;
                            for _ in 0..10_000 {
                                won |= node.take_lease(FILE, key, &me, LONG).unwrap();
                                after += usize::from(finished.load(Ordering::SeqCst));
                                if after == 5 {
                                    break;
                                }
                            }
                            won
                        })
                    })
                    .collect();
                thread::sleep(Duration::from_millis(2));
                let finish = holder.finish_work(FILE, &key, "h");
                finished.store(true, Ordering::SeqCst);
                assert!(finish.unwrap(), "{key}: the holder finishes");
                tries.into_iter().any(|h| h.join().unwrap())
            });
            assert!(!stolen, "{key}: leased after it was done");
            assert!(holder.leases().unwrap().is_empty(), "{key}");
        }
    }
);

on_both!(nodes_report_heartbeats_liveness_and_their_leases, 2, |n| {
    let (a, b) = (&n[0], &n[1]);
    a.heartbeat("a", "v1 pid 10").unwrap();
    let first = a.nodes(LONG).unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].started_at, first[0].heartbeat_at);
    thread::sleep(Duration::from_millis(20));
    a.heartbeat("a", "v2 pid 11").unwrap();
    b.heartbeat("b", "").unwrap();
    assert!(a.take_lease(FILE, "p/in/x.csv", "a", LONG).unwrap());
    assert!(a.take_lease(FILE, "p/in/w.csv", "a", LONG).unwrap());
    assert!(b.take_lease(NIGHTLY, "p/2026-02-01", "b", LONG).unwrap());
    // A lease of a node that never sent a heartbeat is listed in leases() only.
    assert!(b.take_lease(FILE, "p/in/y.csv", "ghost", LONG).unwrap());
    let all = b.nodes(LONG).unwrap();
    let names: Vec<&str> = all.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    let na = &all[0];
    assert_eq!(na.started_at, first[0].started_at, "kept across heartbeats");
    assert!(na.heartbeat_at > na.started_at, "{na:?}");
    assert_eq!(na.info, "v2 pid 11");
    assert!(na.alive && all[1].alive);
    for stamp in [&na.started_at, &na.heartbeat_at, &na.leases[0].expires_at] {
        // RFC 3339 in UTC: 2026-02-01T12:34:56.789Z
        assert!(stamp.len() == 24 && &stamp[10..11] == "T" && stamp.ends_with('Z'));
    }
    let keys: Vec<&str> = na.leases.iter().map(|l| l.key.as_str()).collect();
    assert_eq!(keys, ["p/in/w.csv", "p/in/x.csv"]);
    assert_eq!(all[1].leases.len(), 1);
    assert_eq!(
        (
            all[1].leases[0].kind.as_str(),
            all[1].leases[0].node.as_str()
        ),
        (NIGHTLY, "b")
    );
    assert_eq!(a.leases().unwrap().len(), 4);
    // A stops beating; B goes on: past dead_after, A is reported dead, its leases still shown.
    thread::sleep(Duration::from_millis(300));
    b.heartbeat("b", "").unwrap();
    let later = a.nodes(Duration::from_millis(200)).unwrap();
    assert!(!later[0].alive, "{:?}", later[0]);
    assert!(later[1].alive, "{:?}", later[1]);
    assert_eq!(later[0].leases.len(), 2);
});

on_both!(expired_leases_are_the_work_dead_nodes_dropped, 2, |n| {
    let (a, b) = (&n[0], &n[1]);
    let short = Duration::from_millis(200);
    assert!(a.take_lease(FILE, "p/in/dropped.csv", "a", short).unwrap());
    assert!(a.take_lease(FILE, "p/in/kept.csv", "a", short).unwrap());
    assert!(a.take_lease(NIGHTLY, "p/2026-02-01", "a", short).unwrap());
    assert!(b.take_lease(FILE, "p/in/released.csv", "b", short).unwrap());
    assert!(b.release_lease(FILE, "p/in/released.csv", "b").unwrap());
    assert!(
        b.expired_leases(FILE).unwrap().is_empty(),
        "nothing lapsed yet"
    );
    // A renews its nightly lease and the file it still works on, and releases the other.
    assert_eq!(a.renew_leases("a", LONG).unwrap(), 3);
    assert!(a.release_lease(FILE, "p/in/kept.csv", "a").unwrap());
    assert!(a.take_lease(FILE, "p/in/dropped.csv", "a", short).unwrap());
    thread::sleep(Duration::from_millis(300));
    // A died holding dropped.csv: listed for takeover, by kind; released work is not.
    let lapsed = b.expired_leases(FILE).unwrap();
    let keys: Vec<(&str, &str)> = lapsed
        .iter()
        .map(|l| (l.key.as_str(), l.node.as_str()))
        .collect();
    assert_eq!(keys, [("p/in/dropped.csv", "a")]);
    assert!(b.expired_leases(NIGHTLY).unwrap().is_empty(), "renewed");
    // Taken over, it is no longer lapsed.
    assert!(b.take_lease(FILE, "p/in/dropped.csv", "b", LONG).unwrap());
    assert!(b.expired_leases(FILE).unwrap().is_empty());
});

on_both!(held_notes_are_shared_set_read_and_taken_once, 2, |n| {
    let (a, b) = (&n[0], &n[1]);
    let note = HeldNote {
        since: "2026-02-01T10:00:00.000Z".into(),
        waiting_for: vec!["customer".into(), "account".into()],
        released: None,
    };
    assert_eq!(a.held_note("p", "card/x.csv").unwrap(), None);
    a.set_held_note("p", "card/x.csv", &note).unwrap();
    // Another node reads it; a second set replaces it; other paths and partners are apart.
    assert_eq!(
        b.held_note("p", "card/x.csv").unwrap().as_ref(),
        Some(&note)
    );
    let released = HeldNote {
        released: Some("prerequisites decided".into()),
        ..note.clone()
    };
    b.set_held_note("p", "card/x.csv", &released).unwrap();
    assert_eq!(a.held_note("q", "card/x.csv").unwrap(), None);
    assert_eq!(a.held_note("p", "card/y.csv").unwrap(), None);
    assert_eq!(a.take_held_note("p", "card/x.csv").unwrap(), Some(released));
    assert_eq!(
        b.take_held_note("p", "card/x.csv").unwrap(),
        None,
        "taken once"
    );
    let empty = HeldNote {
        waiting_for: Vec::new(),
        ..note
    };
    a.set_held_note("p", "card/z.csv", &empty).unwrap();
    assert_eq!(b.held_note("p", "card/z.csv").unwrap(), Some(empty));
});

on_both!(
    a_commit_fenced_by_its_lease_never_holds_up_renewals,
    2,
    |n| {
        let (a, b) = (&n[0], &n[1]);
        let key = "p/card/f.csv";
        assert!(a.take_lease(FILE, key, "a", LONG).unwrap());
        assert!(a.take_lease(FILE, "p/card/g.csv", "a", LONG).unwrap());
        let mut w = a.write(&common::file("2026-03-01_card_v1.csv")).unwrap();
        assert!(w.holds_lease(FILE, key, "a").unwrap());
        assert!(!w.holds_lease(FILE, key, "b").unwrap(), "not b's");
        // While that commit is open, the heartbeat's renewal goes on at once (the fenced lease is
        // left for after the commit), and nobody can take the fenced lease over.
        let renewed = thread::scope(|t| {
            let renew = t.spawn(|| b.renew_leases("a", LONG).unwrap());
            let started = std::time::Instant::now();
            while !renew.is_finished() && started.elapsed() < Duration::from_secs(10) {
                thread::sleep(Duration::from_millis(10));
            }
            assert!(renew.is_finished(), "the renewal waited for the commit");
            renew.join().unwrap()
        });
        assert!(renewed >= 1, "the other lease is renewed");
        drop(w);
        assert_eq!(
            b.renew_leases("a", LONG).unwrap(),
            2,
            "both, once the commit is over"
        );
    }
);
