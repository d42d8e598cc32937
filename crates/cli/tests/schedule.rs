//! Day 0 and the daily schedule (spec 01 §12), through `bankdrop partner schedule|readiness` and
//! `bankdrop ingest` on a real store (SQLite, or PostgreSQL with `BANKDROP_TEST_STORE=postgres`):
//! a file dated T+1 waits for T's (spec 01 §12.5), the dates inside a daily file are checked
//! (spec 01 §12.1), and go-live readiness counts consecutive fully accepted days (spec 01 §13).

mod common;

use chrono::{Duration, NaiveDate, Utc};
use common::program::*;
use std::path::{Path, PathBuf};

/// The types a generated deposit program sends every day (customers and accounts come once).
const DAILY: &str = "balance,transaction,non_posted_transaction";

/// Today in America/Chicago, the calendar of activity days (D9).
fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::America::Chicago)
        .date_naive()
}

/// `bankdrop gen --program deposit` of `days` file dates from `start`, into `prog-<start>`.
fn program(env: &Env, days: u32, start: NaiveDate) -> PathBuf {
    let out = env.dir().join(format!("prog-{start}"));
    env.ok(&[
        "gen",
        "--program",
        "deposit",
        "--days",
        &days.to_string(),
        "--accounts",
        "2",
        "--start",
        &start.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]);
    out
}

fn files_of(prog: &Path, date: NaiveDate) -> Vec<PathBuf> {
    day(prog, &date.to_string())
}

#[test]
fn a_file_dated_t_plus_1_waits_in_its_inbox_until_t_is_accepted() {
    // Expected types configured: a file waits for nothing else of its own day (D7).
    let env = Env::new(&format!(
        "\n[pipeline]\nexpected_types = [{}]",
        DAILY
            .split(',')
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(",")
    ));
    // Future dates: deadlines not passed, so waiting is real (spec 01 §0.4).
    let t = today() + Duration::days(10);
    let prog = program(&env, 2, t);
    let out = env.ok(&["partner", "schedule", "acme", "--day0", &t.to_string()]);
    assert!(
        out.contains(&format!("Day 0 {t}, daily, types expected types")),
        "{out}"
    );
    assert!(env
        .ok(&["partner", "list"])
        .contains(&format!("schedule: Day 0 {t}")));

    // T+1's balance file first: held, untouched in its inbox, and the output says why.
    let t1 = t + Duration::days(1);
    let early = file(&prog, &t1.to_string(), "balance");
    let (code, out) = env.ingest(&[early]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("held — waiting for balance {t}")),
        "{out}"
    );
    let name = format!("{t1}_balance_v1.csv");
    assert!(env.root().join("balance").join(&name).is_file());
    assert!(!env.root().join("balance/processed").join(&name).exists());

    // Day T arrives and is accepted: the waiting file goes next, and its status says why it
    // waited.
    let (code, out) = env.ingest(&files_of(&prog, t));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&name), "{out}");
    let s = env.status(&format!("balance/processed/{name}"));
    assert_eq!(s["outcome"], "accepted", "{s}");
    assert_eq!(
        s["held"]["waited_for"],
        serde_json::json!([format!("balance {t}")])
    );
    assert_eq!(s["held"]["released"], "prerequisites decided");
    assert!(!env.root().join("balance").join(&name).exists());
}

#[test]
fn files_before_day0_are_rejected_and_a_missing_day_is_warned_at_the_deadline() {
    let env = Env::new("");
    let start = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let prog = program(&env, 3, start);
    let day1 = start + Duration::days(1);
    env.ok(&[
        "partner",
        "schedule",
        "acme",
        "--day0",
        &day1.to_string(),
        "--types",
        DAILY,
    ]);
    // Dated before Day 0 (spec 01 §12.2).
    let early = resend(&env, &file(&prog, &start.to_string(), "customer"), 9);
    let (code, out) = env.ingest(&[early]);
    assert_eq!(code, 1, "{out}");
    let s = env.status(&format!("customer/failed/{start}_customer_v9.csv"));
    assert_eq!(s["errors"][0]["code"], "before_day0", "{s}");
    // Without a schedule the same day goes through.
    env.ok(&["partner", "schedule", "acme", "--clear"]);
    let (code, out) = env.ingest(&files_of(&prog, start));
    assert_eq!(code, 0, "{out}");
    env.ok(&[
        "partner",
        "schedule",
        "acme",
        "--day0",
        &day1.to_string(),
        "--types",
        DAILY,
    ]);
    // Day 2's balance without day 1's: long past its deadline (D9), it is not held; it is
    // processed with a warning naming the missing day.
    let day2 = start + Duration::days(2);
    let (code, out) = env.ingest(&[file(&prog, &day2.to_string(), "balance")]);
    assert_eq!(code, 0, "{out}");
    let s = env.status(&format!("balance/processed/{day2}_balance_v1.csv"));
    assert!(s.get("held").is_none(), "{s}");
    let w = &s["warnings"][0];
    assert_eq!(w["code"], "previous_day_missing", "{s}");
    assert_eq!(w["row"], 0);
    assert_eq!(w["value"], format!("balance {day1}"));
}

#[test]
fn effective_at_off_the_previous_day_and_generated_at_off_the_sending_day_are_warnings() {
    let env = Env::new("");
    let start = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let prog = program(&env, 1, start);
    env.ok(&[
        "partner",
        "schedule",
        "acme",
        "--day0",
        &start.to_string(),
        "--types",
        DAILY,
    ]);
    let d = start.to_string();
    let mut files: Vec<PathBuf> = ["customer", "account", "balance"]
        .iter()
        .map(|t| file(&prog, &d, t))
        .collect();
    // A transaction two days before the file date: not the activity day 2026-03-01.
    let (header, mut rows) = read_rows(&file(&prog, &d, "transaction"));
    set(
        &header,
        &mut rows[1],
        "effective_at",
        "2026-02-28T15:00:00Z",
    );
    // 03:00 UTC on 03-02 is still 03-01 in Chicago: fine.
    set(
        &header,
        &mut rows[2],
        "effective_at",
        "2026-03-02T03:00:00Z",
    );
    files.push(write(
        &env,
        &format!("{d}_transaction_v1.csv"),
        &header,
        &rows,
    ));
    // Non-posted rows: generated_at must be the day the file is sent, today (Chicago).
    let (header, mut rows) = read_rows(&file(&prog, &d, "non_posted_transaction"));
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for r in rows.iter_mut() {
        set(&header, r, "generated_at", &now);
    }
    set(
        &header,
        &mut rows[0],
        "generated_at",
        "2026-03-01T11:00:00Z",
    );
    files.push(write(
        &env,
        &format!("{d}_non_posted_transaction_v1.csv"),
        &header,
        &rows,
    ));
    let (code, out) = env.ingest(&files);
    assert_eq!(code, 0, "warnings never reject: {out}");

    let s = env.status(&format!("transaction/processed/{d}_transaction_v1.csv"));
    assert_eq!(s["warning_count"], 1, "{s}");
    let w = &s["warnings"][0];
    assert_eq!(
        (&w["row"], &w["column"], &w["code"], &w["value"]),
        (
            &serde_json::json!(3),
            &serde_json::json!("effective_at"),
            &serde_json::json!("effective_at_not_previous_day"),
            &serde_json::json!("2026-02-28T15:00:00Z")
        )
    );
    let s = env.status(&format!(
        "non_posted_transaction/processed/{d}_non_posted_transaction_v1.csv"
    ));
    assert_eq!(s["warning_count"], 1, "{s}");
    let w = &s["warnings"][0];
    assert_eq!(w["row"], 2);
    assert_eq!(w["column"], "generated_at");
    assert_eq!(w["code"], "generated_at_not_sending_day");
    assert_eq!(w["value"], "2026-03-01T11:00:00Z");
}

/// An 8-day program from 2026-03-02 ingested in one go, Day 0 its first day; `corrupt` makes
/// day 3's transaction file invalid first. The readiness report through its last day.
fn eight_days(corrupt: bool) -> (Env, String, serde_json::Value) {
    let env = Env::new("");
    let start = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let prog = program(&env, 8, start);
    env.ok(&[
        "partner",
        "schedule",
        "acme",
        "--day0",
        "2026-03-02",
        "--types",
        DAILY,
    ]);
    let mut files = Vec::new();
    for n in 0..8 {
        files.extend(files_of(&prog, start + Duration::days(n)));
    }
    if corrupt {
        let day3 = (start + Duration::days(3)).to_string();
        let (header, mut rows) = read_rows(&file(&prog, &day3, "transaction"));
        set(&header, &mut rows[0], "type", "bogus");
        let bad = write(&env, &format!("{day3}_transaction_v1.csv"), &header, &rows);
        let at = files
            .iter()
            .position(|f| f.ends_with(format!("{day3}_transaction_v1.csv")))
            .unwrap();
        files[at] = bad;
    }
    let (code, out) = env.ingest(&files);
    assert_eq!(code, i32::from(corrupt), "{out}");
    let text = env.ok(&[
        "partner",
        "readiness",
        "acme",
        "--through",
        "2026-03-09",
        "--write",
    ]);
    let json = env.ok(&[
        "partner",
        "readiness",
        "acme",
        "--through",
        "2026-03-09",
        "--json",
    ]);
    (env, text, serde_json::from_str(&json).unwrap())
}

#[test]
fn eight_accepted_days_are_ready_and_the_report_is_written_to_reports() {
    let (env, text, json) = eight_days(false);
    assert!(
        text.contains(
            "READY: 7 consecutive fully accepted days, day 0 (2026-03-02) to day 6 (2026-03-08)"
        ),
        "{text}"
    );
    // Day 0 was long ago: every file is late (D9), and late counts.
    assert!(
        text.contains("day 7 (2026-03-09): fully accepted: balance accepted late"),
        "{text}"
    );
    assert_eq!(json["ready"], true);
    assert_eq!(json["days"].as_array().unwrap().len(), 8);
    let reports = env.root().join("reports");
    let written = std::fs::read_to_string(reports.join("2026-03-09_readiness.txt")).unwrap();
    assert_eq!(written, text);
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.join("2026-03-09_readiness.json")).unwrap())
            .unwrap();
    assert_eq!(written, json);
}

#[test]
fn a_rejected_day_3_is_not_ready_and_says_why() {
    let (env, text, json) = eight_days(true);
    assert!(text.contains("NOT READY"), "{text}");
    assert!(
        text.contains("day 3 (2026-03-05): transaction rejected"),
        "{text}"
    );
    assert!(
        text.contains("no 7 consecutive fully accepted days yet: 4 so far"),
        "{text}"
    );
    assert_eq!(json["ready"], false);
    assert_eq!(json["days"][3]["types"][1]["outcome"], "rejected");
    // Day 4's transaction file was not held past its deadline; it says which day is missing.
    let s = env.status("transaction/processed/2026-03-06_transaction_v1.csv");
    assert_eq!(s["warnings"][0]["code"], "previous_day_missing", "{s}");
}
