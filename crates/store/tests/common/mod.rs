//! What the store's test files share.

use store::NewFile;

/// The claim of a file named `name` (`YYYY-MM-DD_type_vN.csv`) of partner `p`.
pub fn file(name: &str) -> NewFile {
    NewFile {
        partner: "p".into(),
        path: format!("in/{name}"),
        name: name.into(),
        file_type: Some(name[11..].rsplit_once("_v").unwrap().0.into()),
        prefix: Some(name[..10].into()),
        version: Some(1),
        sha256: name.into(),
        bytes: 1,
        received_at: "2026-03-02T01:00:00Z".into(),
    }
}
