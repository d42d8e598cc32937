//! A file's rows reach the store the same way whether they went into the write transaction as
//! they were read (live) or were kept until the verdict (staged, `[pipeline] live_writes =
//! false`, and whenever another file is being decided): the same outcomes, result files and
//! stored rows (issue 10, items 3 and 4).

mod common;

use common::{env_sqlite_with, env_with};
use std::path::Path;
use synth::program::{write_program, ProgramKind, ProgramOptions};
use validate::schema::Schemas;

/// Every table a decision writes, as text, in key order (the ledger's times left out).
fn dump(db: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut out = Vec::new();
    for (table, order) in [
        ("files", "id"),
        ("records", "partner, file_type, record_key"),
        ("record_states", "partner, file_type, record_key, file_id"),
        ("record_refs", "partner, file_type, ref_id"),
        ("balances", "partner, file_date, balance_key"),
        ("balance_days", "partner, file_date"),
        ("transactions", "partner, transaction_id"),
        ("non_posted", "partner, file_date, id"),
    ] {
        let mut st = c
            .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
            .unwrap();
        let names: Vec<String> = st.column_names().iter().map(|s| s.to_string()).collect();
        let mut rows = st.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let mut line = format!("{table}:");
            for (i, n) in names.iter().enumerate() {
                if n == "received_at" || n == "decided_at" {
                    continue;
                }
                let v: rusqlite::types::Value = r.get(i).unwrap();
                line.push_str(&format!(" {n}={v:?}"));
            }
            out.push(line);
        }
    }
    out
}

/// A two-day program through a pipeline with `live` writes: the store's content, each status file
/// (times left out), and how many files had their rows written as they were read.
fn ingest(live: bool) -> (Vec<String>, Vec<serde_json::Value>, usize) {
    // SQLite only: the comparison dumps the SQLite file's tables (tests/pg_write.rs in the
    // store compares the two backends' stored rows).
    let e = env_sqlite_with(|c| c.live_writes = live);
    let schemas = Schemas::builtin().unwrap();
    let gen = e.dir.path().join("program");
    let opts = ProgramOptions {
        kind: ProgramKind::Deposit,
        days: 2,
        accounts: 300,
        breaks: 0,
        seed: 7,
        start: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
    };
    let manifest = write_program(&schemas, &opts, &gen).unwrap();
    let mut statuses = Vec::new();
    let mut as_read = 0;
    for f in &manifest.files {
        let name = Path::new(f).file_name().unwrap().to_str().unwrap();
        let folder = e.pipeline.folder_for_name(name).unwrap();
        let rel = format!("{folder}/{name}");
        e.drop_file(&rel, &std::fs::read(gen.join(f)).unwrap());
        let p = e.process(&rel);
        as_read += usize::from(p.written_as_read);
        let mut s = e.status(&p);
        for t in ["received_at", "decided_at", "due_at", "late"] {
            s.as_object_mut().unwrap().remove(t);
        }
        statuses.push(s);
    }
    (
        dump(&e.dir.path().join("bankdrop.sqlite")),
        statuses,
        as_read,
    )
}

#[test]
fn live_and_staged_writes_store_the_same() {
    let (live_rows, live_status, live_files) = ingest(true);
    let (staged_rows, staged_status, staged_files) = ingest(false);
    // Both ways were taken: every file alone wrote as it read, and none did when told not to.
    assert_eq!(live_files, live_status.len());
    assert_eq!(staged_files, 0);
    assert!(live_rows.iter().any(|l| l.starts_with("transactions:")));
    assert!(
        live_status.iter().all(|s| s["outcome"] == "accepted"),
        "{live_status:?}"
    );
    assert_eq!(live_status, staged_status);
    assert_eq!(live_rows.len(), staged_rows.len());
    for (a, b) in live_rows.iter().zip(&staged_rows) {
        assert_eq!(a, b);
    }
}

#[test]
fn rows_written_as_read_roll_back_when_a_later_row_rejects_the_file() {
    // 20,000 valid rows (several batches handed to the writer before the bad one is read),
    // then a row with a bad currency: the file is rejected and nothing of it is stored.
    let e = env_with(|c| c.live_writes = true);
    let schemas = Schemas::builtin().unwrap();
    let schema = schemas.get("transaction").unwrap();
    let opts = synth::GenOptions {
        rows: 20_000,
        seed: 4,
        date: "2026-01-27".into(),
    };
    let mut bytes = Vec::new();
    synth::write_file(schema, &schemas.refdata, &opts, &mut bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.len() > 4 * (256 << 10),
        "the valid rows fill several batches"
    );
    let cur = schema.column_index("currency").unwrap();
    let mut lines: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split('|').map(String::from).collect())
        .collect();
    // The balances and cards the rows name exist (created outside files, D8).
    let mut named = std::collections::BTreeSet::new();
    for (col, kind) in [("balance_id", "balance"), ("card_id", "card")] {
        let i = schema.column_index(col).unwrap();
        for l in &lines[1..] {
            if !l[i].is_empty() {
                named.insert((kind, l[i].clone()));
            }
        }
    }
    let entries: Vec<store::RegistryEntry> = named
        .into_iter()
        .map(|(kind, id)| store::RegistryEntry {
            kind: kind.into(),
            id,
            account_id: None,
            created_on: "2026-01-01".into(),
        })
        .collect();
    e.pipeline.store().registry_add("acme", &entries).unwrap();
    lines.last_mut().unwrap()[cur] = "usd".into();
    let body: String = lines.iter().map(|l| l.join("|") + "\n").collect();
    let rel = "transaction/2026-01-27_transaction_v1.csv";
    e.drop_file(rel, body.as_bytes());
    let p = e.process(rel);
    assert_eq!((p.state, p.error_count), (store::State::Rejected, 1));
    assert!(!p.written_as_read);
    assert_eq!(e.pipeline.store().counts("acme").unwrap(), (0, 0, 0));
    // The same rows without the bad one are accepted, written as they were read.
    lines.pop();
    let body: String = lines.iter().map(|l| l.join("|") + "\n").collect();
    let rel = "transaction/2026-01-27_transaction_v2.csv";
    e.drop_file(rel, body.as_bytes());
    let p = e.process(rel);
    assert_eq!(p.state, store::State::Accepted);
    assert!(p.written_as_read);
    assert_eq!(e.pipeline.store().counts("acme").unwrap().2, 19_999);
}
