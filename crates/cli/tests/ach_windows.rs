//! Issue 13 (in progress): accepted outgoing Nacha entries get their processing window (spec 06
//! §3) and move through their statuses on the clock (spec 06 §6), shown by `bankdrop ach entries`.
//! The fixture's batches are effective Tuesday 2026-04-07.

mod common;

use common::workdir::Workdir;

const FILE: &str = "20260115T171640Z_outgoing_ach_1768497400.ach";

/// The fixture ingested as if it arrived at `clock`; `bankdrop ach entries` at `at`: each line's
/// (billing, window, settles_at, status).
fn entries(clock: &str, at: &[&str]) -> Vec<Vec<(String, String, String, String)>> {
    let w = Workdir::new(&format!("[ach]\nclock = \"{clock}\"\n"));
    let file = common::fixtures().join("../nacha").join(FILE);
    w.ok(&["ingest", "--partner", "acme", file.to_str().unwrap()]);
    at.iter()
        .map(|t| {
            let out = w.ok(&[
                "ach",
                "entries",
                "--partner",
                "acme",
                "--settles",
                "2026-04-07",
                "--at",
                t,
            ]);
            let mut lines = out.lines();
            assert_eq!(
                lines.next(),
                Some("trace\tdirection\tamount_cents\tbilling\twindow\tsettles_at\tstatus")
            );
            lines
                .map(|l| {
                    let c: Vec<&str> = l.split('\t').collect();
                    (
                        c[3].to_string(),
                        c[4].to_string(),
                        c[5].to_string(),
                        c[6].to_string(),
                    )
                })
                .collect()
        })
        .collect()
}

fn all_same(rows: &[(String, String, String, String)]) -> (String, String, String, String) {
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| *r == rows[0]), "{rows:?}");
    rows[0].clone()
}

#[test]
fn entries_received_the_day_before_go_next_day_and_move_through_their_statuses_on_the_clock() {
    // Monday 10:00 CT: the 13:15 next-day window, settling Tuesday 07:30 CT (spec 06 §3.3).
    let at = [
        "2026-04-06T10:00:00-05:00",
        "2026-04-06T12:45:00-05:00",
        "2026-04-06T13:15:00-05:00",
        "2026-04-07T07:29:59-05:00",
        "2026-04-07T07:30:00-05:00",
    ];
    let seen = entries("2026-04-06T10:00:00-05:00", &at);
    let statuses: Vec<String> = seen.iter().map(|rows| all_same(rows).3).collect();
    assert_eq!(
        statuses,
        [
            "scheduled",
            "processing",
            "submitted",
            "submitted",
            "posted"
        ]
    );
    let (billing, window, settles, _) = all_same(&seen[0]);
    assert_eq!(
        (billing.as_str(), window.as_str()),
        ("next_day", "2026-04-06 13:15")
    );
    assert_eq!(settles, "2026-04-07T12:30:00+00:00");
}

#[test]
fn entries_received_on_their_effective_day_before_14_00_go_same_day_spec_06_3_2() {
    let seen = entries("2026-04-07T10:00:00-05:00", &["2026-04-07T16:00:00-05:00"]);
    let (billing, window, settles, status) = all_same(&seen[0]);
    assert_eq!(
        (billing.as_str(), window.as_str()),
        ("same_day", "2026-04-07 13:15")
    );
    assert_eq!(settles, "2026-04-07T21:00:00+00:00");
    assert_eq!(status, "posted");
}
