//! The directory watcher on a real tree, written with plain `std::fs` (as another SFTP server
//! would), and the start-up scan.

use std::path::PathBuf;
use std::time::Duration;

use bankdrop_sftp::{scan_existing, DirWatcher, IntakeEvent, Layout};
use tokio::sync::mpsc;

fn arrived(path: &str) -> IntakeEvent {
    IntakeEvent::Arrived {
        partner: "acme".to_string(),
        path: PathBuf::from(path),
    }
}

struct Watched {
    root: tempfile::TempDir,
    _watcher: DirWatcher,
    events: mpsc::Receiver<IntakeEvent>,
    rt: tokio::runtime::Runtime,
}

impl Watched {
    fn start() -> Watched {
        let root = tempfile::tempdir().unwrap();
        let (tx, events) = mpsc::channel(64);
        let mut watcher = DirWatcher::start(Layout::default_d6(), tx).unwrap();
        watcher.watch_partner("acme", root.path()).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        Watched {
            root,
            _watcher: watcher,
            events,
            rt,
        }
    }

    fn drain(&mut self, wait: Duration) -> Vec<IntakeEvent> {
        let mut all = Vec::new();
        let events = &mut self.events;
        while let Some(e) = self.rt.block_on(async {
            tokio::time::timeout(wait, events.recv())
                .await
                .ok()
                .flatten()
        }) {
            all.push(e);
        }
        all
    }
}

const SETTLE: Duration = Duration::from_millis(500);

#[test]
fn file_closed_after_writing_arrives_once() {
    let mut w = Watched::start();
    let inbox = w.root.path().join("transaction");
    std::fs::write(inbox.join("2026-01-27_transaction_v1.csv"), b"a|b\n").unwrap();
    assert_eq!(
        w.drain(SETTLE),
        [arrived("transaction/2026-01-27_transaction_v1.csv")]
    );
}

#[test]
fn temp_name_renamed_into_place_arrives_once() {
    let mut w = Watched::start();
    let inbox = w.root.path().join("balance");
    std::fs::write(inbox.join("b.csv.part"), b"partial").unwrap();
    std::fs::write(inbox.join(".b.csv"), b"hidden").unwrap();
    std::fs::rename(
        inbox.join("b.csv.part"),
        inbox.join("2026-01-27_balance_v1.csv"),
    )
    .unwrap();
    assert_eq!(
        w.drain(SETTLE),
        [arrived("balance/2026-01-27_balance_v1.csv")]
    );
}

#[test]
fn rename_from_outside_the_tree_arrives() {
    let mut w = Watched::start();
    let staging = w.root.path().join("staging.tmp");
    std::fs::write(&staging, b"x").unwrap();
    assert!(w.drain(SETTLE).is_empty(), "the root is not an inbox");
    std::fs::rename(&staging, w.root.path().join("ach/outgoing/f.ach")).unwrap();
    assert_eq!(w.drain(SETTLE), [arrived("ach/outgoing/f.ach")]);
}

#[test]
fn non_inbox_folders_are_ignored() {
    let mut w = Watched::start();
    let root = w.root.path();
    std::fs::write(root.join("transaction/processed/x.csv"), b"x").unwrap();
    std::fs::write(root.join("documents/processed/id.pdf"), b"x").unwrap();
    std::fs::write(root.join("reports/r.csv"), b"x").unwrap();
    std::fs::create_dir(root.join("transaction/sub")).unwrap();
    std::fs::write(root.join("transaction/sub/y.csv"), b"x").unwrap();
    assert!(w.drain(SETTLE).is_empty());
}

#[test]
fn scan_finds_files_waiting_in_inboxes() {
    let root = tempfile::tempdir().unwrap();
    let layout = Layout::default_d6();
    layout.create_tree(root.path()).unwrap();
    let r = root.path();
    std::fs::write(r.join("transaction/t.csv"), b"x").unwrap();
    std::fs::write(r.join("customer/c.csv"), b"x").unwrap();
    std::fs::write(r.join("ach/outgoing/o.ach"), b"x").unwrap();
    std::fs::write(r.join("customer/c.csv.filepart"), b"x").unwrap();
    std::fs::write(r.join("customer/.dot"), b"x").unwrap();
    std::fs::write(r.join("customer/processed/done.csv"), b"x").unwrap();
    std::fs::write(r.join("documents/d.pdf"), b"x").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", r.join("customer/link.csv")).unwrap();
    assert_eq!(
        scan_existing(r, &layout).unwrap(),
        [
            PathBuf::from("ach/outgoing/o.ach"),
            PathBuf::from("customer/c.csv"),
            PathBuf::from("documents/d.pdf"),
            PathBuf::from("transaction/t.csv"),
        ]
    );
}
