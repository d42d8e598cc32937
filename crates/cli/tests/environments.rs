//! Sandbox and production (issue 15, spec 01 §0.1, §2.2): each environment is its own service
//! with its own listener, host key, partner trees and database, so a sandbox partner's test
//! files never reach production; a partner may be in both with separate keys; what only the
//! sandbox may do (simulations, a simulated clock, the demo partner) production refuses.

mod common;

use common::backend::TestDb;
use common::{fixtures, names, status_json, text, wait_until, Env, WAIT};
use std::fs;

const PRODUCTION: &str = "environment = \"production\"";

/// Adds `partner` with a fresh key to `env`; returns the private key.
fn partner(env: &Env, name: &str, key: &str) -> std::path::PathBuf {
    let (private, public) = env.keygen(key);
    let out = env.bankdrop(&["partner", "add", name, "--key", public.to_str().unwrap()]);
    assert!(out.status.success(), "partner add: {}", text(&out));
    private
}

#[test]
fn a_sandbox_partners_files_never_reach_production() {
    let mut sandbox = Env::new();
    let mut production = Env::new().with_top(PRODUCTION);
    // The same partner in both, with a key of its own in each (spec 01 §2.3).
    let sandbox_key = partner(&sandbox, "acme", "acme-sandbox");
    let production_key = partner(&production, "acme", "acme-production");
    let s = sandbox.start();
    let p = production.start();
    assert_ne!(sandbox.port(), production.port());

    let file = fixtures().join("valid/2026-01-27_transaction_v1.csv");
    let put = format!("put {} transaction/\n", file.display());
    let out = sandbox.sftp("acme", &sandbox_key, &put);
    assert!(out.status.success(), "{}", text(&out));
    let done = sandbox
        .root("acme")
        .join("transaction/processed/2026-01-27_transaction_v1.csv.status.json");
    assert!(wait_until(WAIT, || done.exists()), "{}", s.stderr());
    assert_eq!(status_json(&done)["outcome"], "accepted");

    // The sandbox key does not open production, and production's acme sees nothing of it.
    let out = production.sftp("acme", &sandbox_key, "ls transaction/\n");
    assert!(!out.status.success(), "sandbox key logged in to production");
    let out = production.sftp("acme", &production_key, "ls -1 transaction/processed\n");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("2026-01-27_transaction"),
        "{}",
        text(&out)
    );
    // Every operations page names its environment.
    for (server, name) in [(&s, "sandbox"), (&p, "production")] {
        let out = server.stdout();
        let web = out
            .split("web pages on ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_else(|| panic!("no web address in {out}"));
        let page = common::web::get(&format!("{web}login"), None);
        assert_eq!(page.status, 200);
        assert!(
            page.body
                .contains(&format!("class=\"{name}\">{name} environment")),
            "{}",
            page.body
        );
        assert!(page.body.contains(&format!("<title>[{name}] Log in")));
    }
    s.stop();
    p.stop();
    assert_eq!(sandbox.ledger("acme").len(), 1);
    assert!(production.ledger("acme").is_empty(), "production's store");
    assert!(names(&production.root("acme").join("transaction/processed")).is_empty());
    // Two environments, two host keys: a partner pins each separately (spec 01 §2.1 step 3).
    assert_ne!(
        fs::read(sandbox.data.join("host_ed25519")).unwrap(),
        fs::read(production.data.join("host_ed25519")).unwrap()
    );
    // The demo partner, whose private key sits in the data directory, is a sandbox one only.
    assert!(sandbox.data.join("demo_ed25519").exists());
    assert!(!production.data.join("demo_ed25519").exists());
    let list = text(&production.bankdrop(&["partner", "list"]));
    assert!(!list.contains("demo"), "{list}");
}

#[test]
fn production_refuses_the_sandbox_conveniences() {
    let production = Env::new().with_top(PRODUCTION);
    let out = production.bankdrop(&[
        "simulate", "return", "--file", "x.ach", "--trace", "1", "--code", "R01",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("sandbox convenience and is refused in production"),
        "{}",
        text(&out)
    );
    for extra in [
        "\n[ach]\nclock = \"2026-12-07T15:00:00Z\"\n",
        "\n[demo]\npartner = true\n",
    ] {
        let cfg = production.tmp.path().join("more.toml");
        let mut t = fs::read_to_string(&production.config).unwrap();
        t.push_str(extra);
        fs::write(&cfg, t).unwrap();
        let out = common::run_bankdrop(&cfg, &["partner", "list"]);
        assert!(!out.status.success(), "{extra} accepted in production");
        assert!(
            text(&out).contains("refused in production"),
            "{}",
            text(&out)
        );
    }
    // The sandbox allows both.
    let sandbox = Env::new();
    let cfg = sandbox.tmp.path().join("more.toml");
    let mut t = fs::read_to_string(&sandbox.config).unwrap();
    t.push_str("\n[ach]\nclock = \"2026-12-07T15:00:00Z\"\n");
    fs::write(&cfg, t).unwrap();
    let out = common::run_bankdrop(&cfg, &["partner", "list"]);
    assert!(out.status.success(), "{}", text(&out));
}

/// A configuration of the other environment pointed at one environment's data directory or
/// database is refused before it touches anything.
#[test]
fn one_environments_data_is_refused_by_the_other() {
    let sandbox = Env::new();
    partner(&sandbox, "acme", "acme");
    let cfg = sandbox.tmp.path().join("production.toml");
    let t = fs::read_to_string(&sandbox.config).unwrap();
    fs::write(&cfg, format!("{PRODUCTION}\n{t}")).unwrap();
    let out = common::run_bankdrop(&cfg, &["partner", "list"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("belongs to the sandbox environment"),
        "{}",
        text(&out)
    );

    // One PostgreSQL database, two data directories: the database's own claim refuses it.
    let Some(db) = TestDb::postgres("environments share no database") else {
        return;
    };
    let sandbox = Env::with_db(db);
    partner(&sandbox, "acme", "acme");
    let other = sandbox.tmp.path().join("other-data");
    let cfg = sandbox.tmp.path().join("production.toml");
    let t = fs::read_to_string(&sandbox.config).unwrap().replace(
        &sandbox.data.display().to_string(),
        &other.display().to_string(),
    );
    fs::write(&cfg, format!("{PRODUCTION}\n{t}")).unwrap();
    let out = common::run_bankdrop(&cfg, &["partner", "list"]);
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(
        msg.contains("the database") && msg.contains("sandbox"),
        "{msg}"
    );
    assert!(!msg.contains("password"), "{msg}");
}

/// The sandbox's simulated clock (`clock`): Day 0 is often in the past (spec 01 §12.2), and
/// with the clock a test day's files arrive on their own day — on time (D9), sent that day
/// (spec 01 §12.1) — rather than weeks late. Production refuses it.
#[test]
fn the_sandbox_clock_sets_when_files_arrive() {
    use common::workdir::Workdir;
    for (clock, simulated) in [
        ("", false),
        ("clock = \"2026-03-04T05:00:00-06:00\"\n", true),
    ] {
        let w = Workdir::new(clock);
        w.ok(&[
            "gen",
            "--program",
            "deposit",
            "--days",
            "3",
            "--accounts",
            "3",
            "--start",
            "2026-03-02",
            "--out",
            "prog",
        ]);
        w.ok(&[
            "partner",
            "schedule",
            "acme",
            "--day0",
            "2026-03-02",
            "--types",
            "balance",
        ]);
        for day in ["2026-03-02", "2026-03-03", "2026-03-04"] {
            let mut args = vec!["ingest".to_string(), "--partner".into(), "acme".into()];
            for e in fs::read_dir(w.dir().join("prog").join(day)).unwrap() {
                args.push(e.unwrap().path().display().to_string());
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            w.ok(&args);
        }
        let s = status_json(
            &w.root()
                .join("balance/processed/2026-03-04_balance_v1.csv.status.json"),
        );
        assert_eq!(s["late"], !simulated, "{clock}: {s}");
        let np = status_json(&w.root().join(
            "non_posted_transaction/processed/2026-03-04_non_posted_transaction_v1.csv.status.json",
        ));
        let codes: Vec<&str> = np["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            codes.contains(&"generated_at_not_sending_day"),
            !simulated,
            "{clock}: {codes:?}"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("production.toml");
    fs::write(
        &cfg,
        "environment = \"production\"\nclock = \"2026-03-04T05:00:00-06:00\"\ndata_dir = \"data\"\n",
    )
    .unwrap();
    let out = common::run_bankdrop(&cfg, &["partner", "list"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("refused in production"),
        "{}",
        text(&out)
    );
}
