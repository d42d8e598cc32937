//! Files are always decided (issue 9): any name the file system allows, and bankdrop's own
//! failures, which are retried a bounded number of times and then set aside with an alert.

mod common;

use common::{env, env_with, fixture};
use std::time::Duration;
use store::Ledger;
use store::State;

const CARD: &str = "valid/2026-01-27_card_v1.csv";

/// Issue 9, defect 4: a 230–248-byte name was claimed but its results could not be written
/// (the temporary name added 26 bytes); a 249–255-byte name could not even be claimed.
#[test]
fn names_up_to_the_file_system_limit_are_decided() {
    let e = env();
    for len in [201usize, 230, 248, 249, 255] {
        let name = format!("2026-01-27_card_v{}.csv", "9".repeat(len - 21));
        assert_eq!(name.len(), len);
        let rel = format!("card/{name}");
        e.drop_file(&rel, b"client_card_id\n");
        let p = e.process(&rel);
        assert_eq!(p.state, State::Rejected, "{len}");
        let s = e.status(&p);
        assert_eq!(s["file"], name.as_str(), "the status keeps the whole name");
        assert_eq!(s["errors"][0]["code"], "bad_file_name");
        let message = s["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(&format!("{len} bytes long")), "{message}");
        // Kept under a short name that its result files fit beside.
        let kept = p.final_path.rsplit('/').next().unwrap();
        assert!(kept.len() + ".status.json".len() <= 255, "{kept}");
        assert!(kept.ends_with(&format!("~{}", p.id)), "{kept}");
        assert!(e.root.join(&p.final_path).exists());
        assert!(e.root.join(format!("{}.errors.csv", p.final_path)).exists());
        let row = e.pipeline.store().file(p.id).unwrap().unwrap();
        assert_eq!(row.state(), State::Rejected);
        assert!(e.pipeline.store().undecided("acme").unwrap().is_empty());
    }
    // Nothing left in the inbox: no claim, no temporary file.
    let left: Vec<_> = std::fs::read_dir(e.root.join("card"))
        .unwrap()
        .map(|d| d.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["failed"]);
}

#[test]
fn a_long_name_claimed_before_a_crash_is_found_by_its_ledger_row() {
    let e = env();
    // A crash between the claim and the decision: the claim has a hashed name (`.claim-` and
    // 251 bytes do not fit), the row is undecided.
    let name = format!("{}.csv", "y".repeat(251));
    let rel = format!("card/{name}");
    let id = e
        .pipeline
        .store()
        .begin(&store::NewFile {
            partner: "acme".into(),
            path: rel.clone(),
            name: name.clone(),
            file_type: None,
            prefix: None,
            version: None,
            sha256: "0".repeat(64),
            bytes: 4,
            received_at: "2026-01-27T01:00:00Z".into(),
        })
        .unwrap();
    let claim = e.root.join("card").join(pipeline::claim_name(&name));
    assert!(claim.file_name().unwrap().len() < 40);
    std::fs::write(&claim, b"abc\n").unwrap();
    assert_eq!(e.pipeline.pending(&e.partner), vec![rel.clone()]);
    let p = e.process(&rel);
    assert_eq!(
        (p.id, p.state),
        (id, State::Rejected),
        "the same ledger row"
    );
    assert_eq!(e.status(&p)["file"], name.as_str());
    assert!(!claim.exists());
    // Claimed, then a crash before the row was written: the name is lost, and the hash that
    // stands in for it is decided (a bad file name) rather than retried for ever.
    let orphan = e.root.join("card/.claim-~0123456789abcdef");
    std::fs::write(&orphan, b"abc\n").unwrap();
    assert_eq!(
        e.pipeline.pending(&e.partner),
        vec!["card/~0123456789abcdef"]
    );
    let p = e.process("card/~0123456789abcdef");
    assert_eq!(p.state, State::Rejected);
    assert!(!orphan.exists());
    assert!(e.pipeline.store().undecided("acme").unwrap().is_empty());
}

/// A folder the pipeline must write into is broken: every try fails until the limit, then
/// the file is set aside in `failed/` with outcome `failed`, the hook is run, and the same name
/// can be sent again once the problem is fixed.
#[test]
fn a_file_that_keeps_failing_is_set_aside_with_an_alert() {
    let alerts = tempfile::tempdir().unwrap();
    let out = alerts.path().join("alerts.jsonl");
    let hook = pipeline::CommandHook::new(
        vec![
            "sh".into(),
            "-c".into(),
            format!("cat >> {}; echo >> {}", out.display(), out.display()),
        ],
        Duration::from_secs(10),
    )
    .unwrap();
    let mut e = env_with(|c| c.max_attempts = 3);
    e.pipeline = e.pipeline.with_alerts(std::sync::Arc::new(hook));
    let rel = "card/2026-01-27_card_v1.csv";
    std::fs::create_dir_all(e.root.join("card")).unwrap();
    // `processed/` replaced by a link to nowhere: the accepted file cannot be moved there.
    std::fs::remove_dir_all(e.root.join("card/processed")).ok();
    std::os::unix::fs::symlink("/nonexistent/bankdrop-test", e.root.join("card/processed"))
        .unwrap();
    e.drop_file(rel, &fixture(CARD));
    for attempt in 1..=2 {
        let err = e.pipeline.process(&e.partner, rel).unwrap_err();
        assert!(
            e.pipeline.on_failure(&e.partner, rel, &err).is_none(),
            "{attempt}"
        );
        // Still there (claimed), undecided, for the next scan.
        assert_eq!(e.pipeline.pending(&e.partner), vec![rel.to_string()]);
    }
    let err = e.pipeline.process(&e.partner, rel).unwrap_err();
    let p = e.pipeline.on_failure(&e.partner, rel, &err).unwrap();
    assert_eq!(p.state, State::Failed);
    assert_eq!(p.final_path, "card/failed/2026-01-27_card_v1.csv");
    assert_eq!(
        std::fs::read(e.root.join(&p.final_path)).unwrap(),
        fixture(CARD),
        "the bytes are kept"
    );
    let s = e.status(&p);
    assert_eq!(s["outcome"], "failed");
    assert_eq!(s["errors"][0]["code"], "processing_failed");
    let message = s["errors"][0]["message"].as_str().unwrap();
    assert!(
        !message.contains(e.dir.path().to_str().unwrap()),
        "no host path for the partner: {message}"
    );
    assert!(e.pipeline.pending(&e.partner).is_empty());
    let row = e.pipeline.store().file(p.id).unwrap().unwrap();
    assert_eq!(row.state(), State::Failed);
    // Nothing of it was applied.
    assert_eq!(e.pipeline.store().counts("acme").unwrap().0, 0);
    // The operators' hook got the alert, with the bank-side error.
    let alert: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&out)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(alert["kind"], "file_set_aside");
    assert_eq!(alert["partner"], "acme");
    assert_eq!(alert["moved_to"], p.final_path.as_str());
    assert!(alert["error"].as_str().unwrap().contains("processed"));
    // Fixed: the same name is accepted, not a duplicate.
    std::fs::remove_file(e.root.join("card/processed")).unwrap();
    e.drop_file(rel, &fixture(CARD));
    let again = e.process(rel);
    assert_eq!(again.state, State::Accepted);
}

/// Issue 9, defect 3 at the pipeline: the configured row limit applies to uploads.
#[test]
fn the_configured_row_limit_applies_to_uploads() {
    let e = env_with(|c| c.max_line_bytes = 1024);
    let mut text = String::from_utf8(fixture(CARD)).unwrap();
    let header_end = text.find('\n').unwrap();
    text.insert_str(header_end + 1, &format!("{}\n", "x".repeat(2000)));
    let rel = "card/2026-01-27_card_v1.csv";
    e.drop_file(rel, text.as_bytes());
    let p = e.process(rel);
    assert_eq!(p.state, State::Rejected);
    let s = e.status(&p);
    assert_eq!(s["errors"][0]["code"], "line_too_long", "{s}");
    assert_eq!(s["errors"][0]["row"], 2);
}
