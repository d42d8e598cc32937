//! Accepted documents (spec 01 §14.1) on both backends: written in the document's own decision
//! transaction, found by exact name per partner, gone with a rolled-back transaction.

use store::{Db, Decision, DocumentRow, NewFile, Partners, State};

fn new_file(name: &str) -> NewFile {
    NewFile {
        partner: "acme".into(),
        path: format!("documents/{name}"),
        name: name.into(),
        file_type: Some("document".into()),
        prefix: None,
        version: None,
        sha256: String::new(),
        bytes: 0,
        received_at: "2026-01-27T01:00:00.000Z".into(),
    }
}

fn row(name: &str, file_id: i64) -> DocumentRow {
    DocumentRow {
        name: name.into(),
        content_type: "pdf".into(),
        sha256: "ab".repeat(32),
        bytes: 142,
        received_at: "2026-01-27T01:00:00.000Z".into(),
        file_id,
    }
}

fn suite(db: &Db) {
    db.add_partner("acme", "/srv/acme", "now").unwrap();
    let mut w = db.write(&new_file("id.pdf")).unwrap();
    let id = w.file_id();
    w.document(&row("id.pdf", id)).unwrap();
    let d = Decision {
        state: State::Accepted,
        rows: 0,
        late: false,
        error_count: 0,
        warning_count: 0,
        decided_at: "now".into(),
        final_path: "documents/processed/id.pdf".into(),
    };
    assert!(w.commit(&d, &mut || Ok(())).unwrap());
    // Rolled back with its transaction: never recorded.
    let mut w = db.write(&new_file("gone.pdf")).unwrap();
    let gone = w.file_id();
    w.document(&row("gone.pdf", gone)).unwrap();
    drop(w);
    let r = db.snapshot().unwrap();
    assert_eq!(
        r.document("acme", "id.pdf").unwrap(),
        Some(row("id.pdf", id))
    );
    assert_eq!(
        r.documents_known("acme", &["id.pdf", "ID.pdf", "gone.pdf", "x.png"])
            .unwrap(),
        [true, false, false, false]
    );
    assert_eq!(r.documents_known("beta", &["id.pdf"]).unwrap(), [false]);
    assert!(r.documents_known("acme", &[]).unwrap().is_empty());
}

#[test]
fn sqlite_keeps_documents() {
    let dir = tempfile::tempdir().unwrap();
    suite(&Db::open(None, &dir.path().join("bankdrop.sqlite")).unwrap());
}

#[test]
fn postgresql_keeps_documents() {
    let Some(server) = pgtest::require("store documents: postgresql") else {
        return;
    };
    let url = server.create_database("bankdrop").unwrap();
    suite(&Db::open(Some(&url), std::path::Path::new("")).unwrap());
}
