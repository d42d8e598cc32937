//! Documents (spec 01 §14.1) and compliance document references (spec 03 §9) through
//! `bankdrop ingest`, on the store `BANKDROP_TEST_STORE` names: a document is decided by its
//! bytes, kept in `documents/processed` or `documents/failed`, recorded in the store, and an
//! account file's `documents` must name documents accepted before it.

mod common;

use common::workdir::Workdir;
use common::{errors_csv_rows, status_json};
use std::path::{Path, PathBuf};

/// `fixtures/documents` of the repository.
fn docs() -> PathBuf {
    common::fixtures().join("../documents")
}

/// `bankdrop ingest --partner acme FILES` (documents go to `documents/` by their extension):
/// (exit code, output).
fn ingest(w: &Workdir, files: &[PathBuf]) -> (i32, String) {
    let mut args = vec!["ingest".to_string(), "--partner".into(), "acme".into()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = w.run(&args);
    (o.status.code().unwrap_or(-1), common::text(&o))
}

fn status(w: &Workdir, rel: &str) -> serde_json::Value {
    status_json(&w.root().join(format!("{rel}.status.json")))
}

/// (row, column, code, message) of each line of a rejected file's errors.csv.
fn errors(w: &Workdir, rel: &str) -> Vec<(String, String, String, String)> {
    let text = std::fs::read_to_string(w.root().join(format!("{rel}.errors.csv"))).unwrap();
    errors_csv_rows(&text)
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
        .collect()
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

#[test]
fn documents_are_decided_by_their_content() {
    let w = Workdir::new("");
    let accepted = [
        "id-card.pdf",
        "selfie.jpg",
        "proof.JPEG",
        "logo.png",
        "terms.html",
    ];
    let files: Vec<PathBuf> = accepted
        .iter()
        .map(|n| docs().join("accepted").join(n))
        .collect();
    let (code, out) = ingest(&w, &files);
    assert_eq!(code, 0, "{out}");
    for (name, kind) in accepted.iter().zip(["pdf", "jpeg", "jpeg", "png", "html"]) {
        let rel = format!("documents/processed/{name}");
        // Accepted documents stay available, byte for byte.
        assert_eq!(
            read(&w.root().join(&rel)),
            read(&docs().join("accepted").join(name))
        );
        let s = status(&w, &rel);
        assert_eq!(
            (
                s["outcome"].as_str(),
                s["file_type"].as_str(),
                s["error_count"].as_u64()
            ),
            (Some("accepted"), Some("document"), Some(0)),
            "{name}: {s}"
        );
        assert_eq!(s["sha256"].as_str().unwrap().len(), 64);
        assert!(s["errors_file"].is_null());
        let _ = kind;
    }
    assert!(!w.root().join("documents/id-card.pdf").exists());

    // A program renamed `.pdf`, and PDF bytes named `.png`: refused, kept in documents/failed.
    let refused = [
        ("program.pdf", "document_type_not_allowed", "an ELF program"),
        (
            "scan.png",
            "document_content_mismatch",
            "the name says png but the bytes are pdf",
        ),
    ];
    let files: Vec<PathBuf> = refused
        .iter()
        .map(|r| docs().join("refused").join(r.0))
        .collect();
    let (code, out) = ingest(&w, &files);
    assert_eq!(code, 1, "{out}");
    for (name, want, says) in refused {
        let rel = format!("documents/failed/{name}");
        assert_eq!(
            read(&w.root().join(&rel)),
            read(&docs().join("refused").join(name))
        );
        let s = status(&w, &rel);
        assert_eq!(s["outcome"], "rejected", "{s}");
        assert_eq!(s["errors"][0]["code"], want, "{s}");
        let e = errors(&w, &rel);
        assert_eq!((e[0].0.as_str(), e[0].2.as_str()), ("0", want));
        assert!(e[0].3.contains(says), "{}", e[0].3);
    }

    // The same name again, once accepted: a duplicate (a new version needs a new name).
    let (code, _) = ingest(&w, &[docs().join("accepted/id-card.pdf")]);
    assert_eq!(code, 1);
    let dup = w.root().join("documents/failed/id-card.pdf.status.json");
    assert_eq!(status_json(&dup)["errors"][0]["code"], "duplicate");
}

#[test]
fn references_must_name_accepted_documents() {
    let w = Workdir::new("");
    let accounts = docs().join("accounts");
    // Before its documents, an account file naming them is rejected (the default order: the
    // document comes first).
    let (code, out) = ingest(&w, &[accounts.join("2026-01-28_account_v1.csv")]);
    assert_eq!(code, 1, "{out}");
    let rel = "account/failed/2026-01-28_account_v1.csv";
    let e = errors(&w, rel);
    let got: Vec<(&str, &str, &str)> = e
        .iter()
        .map(|r| (r.0.as_str(), r.1.as_str(), r.2.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("2", "documents", "unknown_document"),
            ("3", "documents", "unknown_document"),
            ("3", "documents", "unknown_document"),
        ]
    );
    assert!(
        e[2].3
            .starts_with("documents[1].document_id `never-sent.pdf`"),
        "{}",
        e[2].3
    );

    // With the documents accepted, the account naming them is accepted.
    let sent = ["id-card.pdf", "terms.html"].map(|n| docs().join("accepted").join(n));
    assert_eq!(ingest(&w, &sent).0, 0);
    let (code, out) = ingest(&w, &[accounts.join("2026-01-27_account_v1.csv")]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        status(&w, "account/processed/2026-01-27_account_v1.csv")["outcome"],
        "accepted"
    );

    // Reference objects that break the schema: row, column, code, and the object and key.
    let (code, out) = ingest(&w, &[accounts.join("2026-01-29_account_v1.csv")]);
    assert_eq!(code, 1, "{out}");
    let e = errors(&w, "account/failed/2026-01-29_account_v1.csv");
    let got: Vec<(&str, &str, &str)> = e
        .iter()
        .map(|r| (r.0.as_str(), r.1.as_str(), r.2.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("2", "documents", "enum"),
            ("3", "documents", "conditional_required"),
            ("4", "documents", "conditional_required"),
            ("5", "documents", "document_reference"),
        ]
    );
    assert!(e[0]
        .3
        .starts_with("documents[0].type: `poster` is not a document type"));
    assert!(e[1]
        .3
        .starts_with("documents[0].displayed_at is required for type `aan`"));
    assert!(e[2]
        .3
        .starts_with("documents[0].consented_at is required for type `esign_agreement`"));
    assert!(e[3].3.starts_with("documents[0]: unknown key `shown_by`"));
}
