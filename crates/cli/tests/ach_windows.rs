//! Issue 13: accepted outgoing Nacha entries get their processing window (spec 06
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
                Some("trace\tdirection\tamount_cents\tbilling\twindow\tsettles_at\tstatus\tevents")
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

/// `bankdrop reconcile --date 2026-04-08` and the two bank ACH reports it writes: the ACH cash
/// reconciliation and the daily activity report.
fn bank_reports_of_04_08(w: &Workdir) -> (String, String) {
    let o = w.run(&["reconcile", "--date", "2026-04-08"]);
    assert!(
        o.status.code().is_some_and(|c| c <= 1),
        "{}",
        common::text(&o)
    );
    let read = |name: &str| {
        std::fs::read_to_string(w.root().join("bank-account-reports").join(name)).unwrap()
    };
    (
        read("2026-04-08_acme-ach-cash-recon-report_20260408.csv"),
        read("2026-04-08_acme-daily-activity-report_20260408.csv"),
    )
}

/// A workdir whose files arrive Monday 2026-04-06 10:00 CT, with the SFTP server on a free port
/// and nothing else of `serve`.
fn sftp_workdir() -> Workdir {
    Workdir::new(
        "[ach]\nclock = \"2026-04-06T10:00:00-05:00\"\n[sftp]\nlisten = \"127.0.0.1:0\"\n\
         [web]\nenabled = false\n[metrics]\nenabled = false\n[recon]\nenabled = false\n\
         [demo]\npartner = false\n",
    )
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

/// The returns and NOCs `bankdrop simulate` delivers into a partner's `ach/incoming` (spec 06
/// §1.3, §4, §7): kept against the original entry, a return refused past its deadline (§4.1),
/// and the files readable over SFTP.
#[test]
fn returns_and_nocs_are_delivered_into_ach_incoming_within_their_deadlines() {
    let w = sftp_workdir();
    let file = common::fixtures().join("../nacha").join(FILE);
    let file = file.to_str().unwrap();
    w.ok(&["ingest", "--partner", "acme", file]);
    let simulate = |kind: &str, code: &str, trace: &str, at: &str, extra: &[&str]| {
        let mut args = vec![
            "simulate",
            kind,
            "--partner",
            "acme",
            "--file",
            file,
            "--trace",
            trace,
            "--code",
            code,
            "--at",
            at,
        ];
        args.extend(extra);
        w.run(&args)
    };
    // Settled Tuesday 2026-04-07: an R01 is due by Thursday's opening of business.
    let late = simulate(
        "return",
        "R01",
        "279632500000001",
        "2026-04-09T08:00:00-05:00",
        &[],
    );
    assert!(!late.status.success());
    assert!(
        common::text(&late).contains("was due by 2026-04-09T13:00:00+00:00"),
        "{}",
        common::text(&late)
    );
    // An unauthorized-debit return (R10) has 60 calendar days; an R01 in time is delivered.
    let r10 = simulate(
        "return",
        "R10",
        "279632500000002",
        "2026-05-01T10:00:00-05:00",
        &[],
    );
    assert!(r10.status.success(), "{}", common::text(&r10));
    let r01 = simulate(
        "return",
        "R01",
        "279632500000001",
        "2026-04-08T10:00:00-05:00",
        &[],
    );
    assert!(r01.status.success(), "{}", common::text(&r01));
    let noc = simulate(
        "noc",
        "C01",
        "279632500000003",
        "2026-04-08T11:00:00-05:00",
        &["--corrected", "12345678"],
    );
    assert!(noc.status.success(), "{}", common::text(&noc));
    // An unknown trace is refused.
    let unknown = simulate(
        "return",
        "R01",
        "999999999999999",
        "2026-04-08T10:00:00-05:00",
        &[],
    );
    assert!(
        common::text(&unknown).contains("no accepted outgoing entry with trace 999999999999999")
    );

    let incoming = w.root().join("ach/incoming");
    let mut names: Vec<String> = std::fs::read_dir(&incoming)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        names
            .iter()
            .filter(|n| n.contains("_incoming_ach_return_"))
            .count()
            == 2,
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.contains("_incoming_ach_noc_")),
        "{names:?}"
    );

    // The returned entry is `returned` once its return is delivered; the NOC is listed.
    let out = w.ok(&[
        "ach",
        "entries",
        "--partner",
        "acme",
        "--settles",
        "2026-04-07",
        "--at",
        "2026-04-08T12:00:00-05:00",
    ]);
    let line = |trace: &str| {
        out.lines()
            .find(|l| l.starts_with(trace))
            .unwrap()
            .to_string()
    };
    assert!(
        line("279632500000001").ends_with("\treturned\treturn R01"),
        "{out}"
    );
    assert!(
        line("279632500000003").ends_with("\tposted\tnoc C01"),
        "{out}"
    );
    assert!(
        line("279632500000002").ends_with("\tposted\t"),
        "not yet delivered then: {out}"
    );

    // The ACH cash reconciliation of 04-08 carries the R01 as a RETURN of the entry (spec 06
    // §8.3), money back the other way; the NOC moves no money and is not there.
    let (cash, activity) = bank_reports_of_04_08(&w);
    let rows: Vec<&str> = cash.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{cash}");
    // The entry was a credit of 839.90: its return moves it back, a debit.
    assert_eq!(
        rows[0],
        "\"2026-04-08\",\"\",\"RETURN\",\"\",\"\",\"DEBIT\",\"839.90\",\"279632500000001\",\"PAYROLL\",\"\""
    );
    // The daily activity report of the day has it too, as an ACH RETURN line (spec 06 §10).
    let lines: Vec<&str> = activity.lines().skip(1).collect();
    assert_eq!(lines.len(), 1, "{activity}");
    assert!(
        // The returned credit comes back to the program account: its credit (spec 06 §10.2).
        lines[0].contains("ACH RETURN DEBIT WONKA IND PAYROLL 279632500000001\",\"\",\"839.9\""),
        "{activity}"
    );
    let tuesday = std::fs::read_to_string(
        w.root()
            .join("bank-account-reports/2026-04-07_acme-ach-cash-recon-report_20260407.csv"),
    );
    // (04-07 is not reconciled here; its ORIGINATION rows are reconcile_cli's.)
    assert!(tuesday.is_err());

    // A later file still sending the NOC'd receiver its old account: accepted, with a
    // noc_not_applied warning on that entry's line (spec 06 §7). Its trace numbers are new.
    let text = std::fs::read_to_string(file).unwrap();
    let mut next: Vec<String> = text.lines().map(str::to_string).collect();
    let mut noc_line = 0;
    for i in 0..next.len() {
        if next[i].starts_with('6') {
            let trace: u64 = next[i][79..94].parse().unwrap();
            if trace == 279632500000003 {
                noc_line = i + 1;
            }
            next[i].replace_range(79..94, &format!("{:015}", trace + 500));
        } else if next[i].starts_with('7') && next[i - 1].starts_with('6') {
            let seq: u64 = next[i][87..94].parse().unwrap();
            next[i].replace_range(87..94, &format!("{:07}", seq + 500));
        }
    }
    let later = w
        .dir()
        .join("in/20260409T150000Z_outgoing_ach_1775746800.ach");
    std::fs::write(&later, next.join("\n") + "\n").unwrap();
    w.ok(&["ingest", "--partner", "acme", later.to_str().unwrap()]);
    let status: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            w.root()
                .join("ach/processed/20260409T150000Z_outgoing_ach_1775746800.ach.status.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(status["outcome"], "accepted");
    let warned: Vec<&serde_json::Value> = status["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "noc_not_applied")
        .collect();
    assert_eq!(warned.len(), 1, "{status}");
    assert_eq!(warned[0]["row"], noc_line as u64);
    assert_eq!(warned[0]["column"], "dfi_account_number");

    // Readable by the partner over SFTP.
    let s = common::web::Serving::start(w.dir(), "sftp");
    let local = w.dir().join("got");
    std::fs::create_dir_all(&local).unwrap();
    let batch: String = names
        .iter()
        .map(|n| format!("get ach/incoming/{n} {}/\n", local.display()))
        .collect();
    let got = common::sftp(s.sftp_port, "acme", &w.dir().join("acme_key"), &batch);
    assert!(got.status.success(), "{}", common::text(&got));
    for n in &names {
        assert_eq!(
            std::fs::read(local.join(n)).unwrap(),
            std::fs::read(incoming.join(n)).unwrap()
        );
    }
    s.stop();
}

/// Entries received from the network (spec 06 §1.3, `..._incoming_ach_forward_...`): delivered
/// into `ach/incoming` and reported that day as `INCOMING` originations (spec 06 §8.3, §10).
#[test]
fn received_entries_are_delivered_and_reported_as_incoming() {
    let w = Workdir::new("");
    let out = w.ok(&[
        "ach",
        "forward",
        "--partner",
        "acme",
        "--entries",
        "6",
        "--seed",
        "7",
        "--at",
        "2026-04-08T09:00:00-05:00",
    ]);
    let path = out.split(' ').next().unwrap();
    assert!(
        path.contains("/ach/incoming/20260408T140000Z_incoming_ach_forward_1775656800.ach"),
        "{out}"
    );
    let received: usize = out
        .split('(')
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(received > 0, "{out}");
    // A valid Nacha file.
    let v = w.run(&[
        "validate",
        "--type",
        "outgoing_ach",
        "--sec-codes",
        "all",
        path,
    ]);
    assert!(v.status.success(), "{}", common::text(&v));

    let (cash, activity) = bank_reports_of_04_08(&w);
    let rows: Vec<&str> = cash.lines().skip(1).collect();
    assert_eq!(rows.len(), received, "{cash}");
    assert!(
        rows.iter()
            .all(|r| r.starts_with("\"2026-04-08\",\"\",\"ORIGINATION\"")),
        "{cash}"
    );
    assert_eq!(
        activity.matches("ACH INCOMING").count(),
        received,
        "{activity}"
    );

    // Listed with their statuses (spec 06 §6, §11): `scheduled` when delivered at 09:00 CT,
    // `posted` at once (after the 08:00 CT opening of their settlement day); not before.
    let listed = |at: &str| -> Vec<Vec<String>> {
        let out = w.ok(&[
            "ach",
            "entries",
            "--partner",
            "acme",
            "--settles",
            "2026-04-08",
            "--at",
            at,
            "--history",
        ]);
        out.lines()
            .skip(1)
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect()
    };
    assert!(listed("2026-04-08T08:59:00-05:00").is_empty());
    let rows = listed("2026-04-08T09:00:00-05:00");
    let entries: Vec<&Vec<String>> = rows.iter().filter(|r| !r[0].is_empty()).collect();
    assert_eq!(entries.len(), received);
    for r in &entries {
        assert_eq!(
            (r[3].as_str(), r[4].as_str(), r[5].as_str(), r[6].as_str()),
            ("received", "-", "2026-04-08T14:00:00+00:00", "posted"),
            "{r:?}"
        );
    }
    // Each with its history: scheduled, then posted, at delivery.
    let steps: Vec<&str> = rows[1..3].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(steps, ["scheduled", "posted"]);
}

/// `bankdrop reconcile --date D` and its ACH cash reconciliation's rows (header dropped).
fn cash_recon_rows(w: &Workdir, date: &str) -> Vec<String> {
    let o = w.run(&["reconcile", "--date", date]);
    assert!(
        o.status.code().is_some_and(|c| c <= 1),
        "{}",
        common::text(&o)
    );
    bank_report_rows(w, date, "ach-cash-recon-report")
}

/// The rows (header dropped) of bank report `kind` of `date`, written by `bankdrop reconcile`.
fn bank_report_rows(w: &Workdir, date: &str, kind: &str) -> Vec<String> {
    let compact = date.replace('-', "");
    let name = format!("bank-account-reports/{date}_acme-{kind}_{compact}.csv");
    let text = std::fs::read_to_string(w.root().join(name)).unwrap();
    text.lines().skip(1).map(str::to_string).collect()
}

/// The path `bankdrop simulate` printed.
fn written(out: &str) -> String {
    out.split(" (").next().unwrap().trim().to_string()
}

/// A return of the partner's entry, the partner's dishonor of it (an `outgoing_ach` file it
/// uploads), and the RDFI's contest of the dishonor (delivered into `ach/incoming`): each
/// recorded against the entry and settled in the ACH cash reconciliation as `RETURN`,
/// `DISHONORED_RETURN` and `CONTESTED_RETURN` rows (spec 06 §8.3, §9.7), money going back and
/// forth. A dishonor of a return that was dishonored already is refused.
#[test]
fn a_return_its_dishonor_and_the_contest_each_settle_as_their_own_row() {
    let w = Workdir::new("[ach]\nclock = \"2026-04-06T10:00:00-05:00\"\n");
    let file = common::fixtures().join("../nacha").join(FILE);
    let file = file.to_str().unwrap();
    w.ok(&["ingest", "--partner", "acme", file]);
    let trace = "279632500000001";
    let ret = w.ok(&[
        "simulate",
        "return",
        "--partner",
        "acme",
        "--file",
        file,
        "--trace",
        trace,
        "--code",
        "R01",
        "--at",
        "2026-04-08T10:00:00-05:00",
    ]);
    let ret = written(&ret);
    let out = w.dir().join("in");
    std::fs::create_dir_all(&out).unwrap();
    let dishonor = |at: &str| {
        written(&w.ok(&[
            "simulate",
            "dishonor",
            "--file",
            &ret,
            "--trace",
            trace,
            "--code",
            "R69",
            "--out",
            out.to_str().unwrap(),
            "--at",
            at,
        ]))
    };
    // Only the partner sends a dishonor: `--partner` is refused.
    let refused = w.run(&[
        "simulate",
        "dishonor",
        "--partner",
        "acme",
        "--file",
        &ret,
        "--trace",
        trace,
        "--code",
        "R69",
    ]);
    assert!(!refused.status.success());
    let first = dishonor("2026-04-09T09:00:00-05:00");
    assert!(first.contains("_outgoing_ach_"), "{first}");
    // The partner uploads it on Thursday morning.
    let config = w.dir().join("bankdrop.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("2026-04-06T10:00:00-05:00", "2026-04-09T09:00:00-05:00"),
    )
    .unwrap();
    w.run(&["ingest", "--partner", "acme", &first]);
    let name = std::path::Path::new(&first)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let status = |name: &str| -> serde_json::Value {
        let p = w.root().join(format!("ach/processed/{name}.status.json"));
        let p = if p.exists() {
            p
        } else {
            w.root().join(format!("ach/failed/{name}.status.json"))
        };
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    assert_eq!(status(&name)["outcome"], "accepted", "{}", status(&name));
    // A second dishonor of the same return is refused, on its addenda's line.
    let again = dishonor("2026-04-09T10:00:00-05:00");
    w.run(&["ingest", "--partner", "acme", &again]);
    let again_name = std::path::Path::new(&again)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let s = status(&again_name);
    assert_eq!(s["outcome"], "rejected", "{s}");
    let e = s["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "dishonor_without_return")
        .unwrap_or_else(|| panic!("{s}"));
    assert_eq!(
        (e["row"].as_u64(), e["column"].as_str()),
        (Some(4), Some("original_entry_trace_number"))
    );
    // The RDFI contests the dishonor (R73: its return was timely).
    let contest = |code: &str| {
        w.run(&[
            "simulate",
            "contest",
            "--partner",
            "acme",
            "--file",
            &first,
            "--trace",
            trace,
            "--code",
            code,
            "--at",
            "2026-04-10T10:00:00-05:00",
        ])
    };
    let wrong = contest("R01");
    assert!(!wrong.status.success(), "{}", common::text(&wrong));
    let contested = contest("R73");
    assert!(contested.status.success(), "{}", common::text(&contested));
    let delivered = written(&String::from_utf8_lossy(&contested.stdout));
    assert!(delivered.contains("/ach/incoming/") && delivered.contains("_incoming_ach_return_"));
    let twice = contest("R73");
    assert!(
        common::text(&twice).contains("contested already"),
        "{}",
        common::text(&twice)
    );

    // The entry, a credit of 839.90: its return is a debit, the dishonor a credit again, the
    // contest a debit once more.
    let row = |kind: &str, dir: &str, date: &str| {
        format!("\"{date}\",\"\",\"{kind}\",\"\",\"\",\"{dir}\",\"839.90\",\"{trace}\",\"PAYROLL\",\"\"")
    };
    assert_eq!(
        cash_recon_rows(&w, "2026-04-08"),
        [row("RETURN", "DEBIT", "2026-04-08")]
    );
    // The dishonor, sent Thursday 09:00 CT with a past effective date (rolled, spec 06 §3.4),
    // goes Same Day; the contest settles the day it is delivered.
    assert_eq!(
        cash_recon_rows(&w, "2026-04-09"),
        [row("DISHONORED_RETURN", "CREDIT", "2026-04-09")]
    );
    assert_eq!(
        cash_recon_rows(&w, "2026-04-10"),
        [row("CONTESTED_RETURN", "DEBIT", "2026-04-10")]
    );
    // The daily activity report (spec 06 §10) from the program account's side: the dishonor
    // takes the 839.90 out again (a debit), the contest brings it back (a credit).
    let activity = |date: &str| bank_report_rows(&w, date, "daily-activity-report");
    let thursday = activity("2026-04-09");
    assert_eq!(thursday.len(), 1, "{thursday:?}");
    assert!(
        thursday[0].contains(&format!(
            "ACH DISHONORED RETURN CREDIT WONKA IND PAYROLL {trace}\",\"839.9\",\"\""
        )),
        "{thursday:?}"
    );
    let friday = activity("2026-04-10");
    assert_eq!(friday.len(), 1, "{friday:?}");
    assert!(
        friday[0].contains(&format!(
            "ACH CONTESTED RETURN DEBIT WONKA IND PAYROLL {trace}\",\"\",\"839.9\""
        )),
        "{friday:?}"
    );
    let events = w.ok(&[
        "ach",
        "entries",
        "--partner",
        "acme",
        "--settles",
        "2026-04-07",
        "--at",
        "2026-04-10T12:00:00-05:00",
    ]);
    let line = events.lines().find(|l| l.starts_with(trace)).unwrap();
    assert!(
        line.ends_with("\treturned\treturn R01; dishonored_return R69; contested_return R73"),
        "{line}"
    );
}

/// An IAT batch of service class 200 (a credit and a debit) is accepted when the program
/// allows IAT, and both entries are scheduled and listed, named from their addenda.
#[test]
fn an_iat_batch_mixing_credits_and_debits_is_accepted_and_its_entries_scheduled() {
    // Received Friday 2026-01-16 10:00 CT, effective that day: a PPD batch would go Same Day,
    // but IAT entries never do (public Nacha rule): the 13:15 next-day window, settling on
    // Tuesday (Monday 01-19 is a Fed holiday).
    let w = Workdir::new(
        "[ach]\nclock = \"2026-01-16T10:00:00-06:00\"\n[program]\nsec_codes = [\"PPD\", \"IAT\"]\n",
    );
    // The fixture's batch is effective 2026-01-16.
    let src = common::fixtures().join("../nacha/valid_iat_mixed.ach");
    let file = w.dir().join("20260116T160000Z_outgoing_ach_1768579200.ach");
    std::fs::copy(src, &file).unwrap();
    w.ok(&["ingest", "--partner", "acme", file.to_str().unwrap()]);
    let out = w.ok(&[
        "ach",
        "entries",
        "--partner",
        "acme",
        "--settles",
        "2026-01-20",
        "--at",
        "2026-01-20T12:00:00-06:00",
    ]);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert_eq!(
        (rows[0][0], rows[0][1], rows[0][2]),
        ("091000010000001", "credit", "100000")
    );
    assert_eq!(
        (rows[1][0], rows[1][1], rows[1][2]),
        ("091000010000002", "debit", "100000")
    );
    for r in &rows {
        assert_eq!(
            (r[3], r[4], r[5], r[6]),
            (
                "next_day",
                "2026-01-16 13:15",
                "2026-01-20T13:30:00+00:00",
                "posted"
            ),
            "{out}"
        );
    }
}

/// A combined file (spec 06 §1.4 `incoming_ach_return_noc`): one entry returned, another
/// corrected, each by its own code; kept against the entries, and readable over SFTP with the
/// forward file delivered the same day.
#[test]
fn a_combined_return_and_noc_file_and_a_forward_file_are_delivered_and_readable_over_sftp() {
    let w = sftp_workdir();
    let file = common::fixtures().join("../nacha").join(FILE);
    let file = file.to_str().unwrap();
    w.ok(&["ingest", "--partner", "acme", file]);
    let combined = |codes: &[&str]| {
        let mut args = vec![
            "simulate",
            "return-noc",
            "--partner",
            "acme",
            "--file",
            file,
            "--trace",
            "279632500000001",
            "--trace",
            "279632500000003",
            "--corrected",
            "12345678",
            "--at",
            "2026-04-08T10:00:00-05:00",
        ];
        for c in codes {
            args.extend(["--code", c]);
        }
        w.run(&args)
    };
    // Three codes for two traces is refused before anything is written.
    let bad = combined(&["R01", "C01", "R02"]);
    assert!(
        common::text(&bad).contains("one per trace"),
        "{}",
        common::text(&bad)
    );
    let o = combined(&["R01", "C01"]);
    assert!(o.status.success(), "{}", common::text(&o));
    let path = written(&String::from_utf8_lossy(&o.stdout));
    assert!(
        path.ends_with("/ach/incoming/20260408T150000Z_incoming_ach_return_noc_1775660400.ach"),
        "{path}"
    );
    let v = w.run(&[
        "validate",
        "--type",
        "outgoing_ach",
        "--sec-codes",
        "all",
        &path,
    ]);
    assert!(v.status.success(), "{}", common::text(&v));
    let out = w.ok(&[
        "ach",
        "entries",
        "--partner",
        "acme",
        "--settles",
        "2026-04-07",
        "--at",
        "2026-04-08T12:00:00-05:00",
    ]);
    let line = |t: &str| out.lines().find(|l| l.starts_with(t)).unwrap().to_string();
    assert!(
        line("279632500000001").ends_with("\treturned\treturn R01"),
        "{out}"
    );
    assert!(
        line("279632500000003").ends_with("\tposted\tnoc C01"),
        "{out}"
    );
    let forward = w.ok(&[
        "ach",
        "forward",
        "--partner",
        "acme",
        "--entries",
        "3",
        "--at",
        "2026-04-08T11:00:00-05:00",
    ]);
    let forward = forward.split(' ').next().unwrap().to_string();

    let s = common::web::Serving::start(w.dir(), "sftp");
    let local = w.dir().join("got");
    std::fs::create_dir_all(&local).unwrap();
    let batch: String = [&path, &forward]
        .iter()
        .map(|p| {
            let name = std::path::Path::new(p)
                .file_name()
                .unwrap()
                .to_str()
                .unwrap();
            format!("get ach/incoming/{name} {}/\n", local.display())
        })
        .collect();
    let got = common::sftp(s.sftp_port, "acme", &w.dir().join("acme_key"), &batch);
    assert!(got.status.success(), "{}", common::text(&got));
    for p in [&path, &forward] {
        let name = std::path::Path::new(p).file_name().unwrap();
        let theirs = std::fs::read(local.join(name)).unwrap();
        assert_eq!(theirs, std::fs::read(w.dir().join(p)).unwrap());
    }
    s.stop();
}
