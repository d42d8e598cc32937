//! `run_day` against a real SQLite store: a bad stored row is an error and leaves no summary
//! (so the nightly catch-up retries the day), and a good day writes every report.

use chrono::NaiveDate;
use recon::nightly::{run_day, summary_path, NightlyConfig, NightlyError, PartnerTree};
use store::{Decision, NewFile, State, Store};

fn accept_balances(s: &Store, file_date: &str, rows: &[(&str, &str)]) {
    let name = format!("{file_date}_balance_v1.csv");
    let id = s
        .begin(&NewFile {
            partner: "p".into(),
            path: format!("balance/{name}"),
            name: name.clone(),
            file_type: Some("balance".into()),
            prefix: Some(file_date.into()),
            version: Some(1),
            sha256: name.clone(),
            bytes: 1,
            received_at: "2026-03-02T01:00:00Z".into(),
        })
        .unwrap();
    let d = Decision {
        state: State::Accepted,
        rows: rows.len() as u64,
        late: false,
        error_count: 0,
        warning_count: 0,
        decided_at: "2026-03-02T01:00:01Z".into(),
        final_path: format!("balance/processed/{name}"),
    };
    let mut apply = |ap: &mut store::Applier| {
        for (k, json) in rows {
            ap.balance(k, file_date, json)?;
        }
        Ok(())
    };
    assert!(s
        .decide_and_apply(id, &d, &mut apply, &mut || Ok(()))
        .unwrap());
}

const B1: &str = r#"{"client_balance_id":"b1","id":null,"account_id":"a1","type":"deposit","status":"active","status_reason":"active","balance":"10.00"}"#;

#[test]
fn a_bad_stored_row_fails_the_day_without_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("db.sqlite")).unwrap();
    let root = dir.path().join("p");
    accept_balances(&s, "2026-03-02", &[("b1", B1)]);
    accept_balances(
        &s,
        "2026-03-03",
        &[("b1", r#"{"client_balance_id":"b1","type":"savings"}"#)],
    );
    let tree = PartnerTree {
        name: "p",
        root: &root,
    };
    let cfg = NightlyConfig::default();
    let d1 = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let ok = run_day(&s, tree, d1, &cfg).unwrap();
    assert_eq!((ok.breaks, ok.balances, ok.files.len()), (1, 1, 5));
    assert!(summary_path(&root, d1).exists());
    let d2 = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let err = run_day(&s, tree, d2, &cfg).unwrap_err();
    assert!(
        matches!(err, NightlyError::StoredRow { ref key, .. } if key == "b1"),
        "{err}"
    );
    assert!(!summary_path(&root, d2).exists());
}
