//! The second intake: partner trees written by another SFTP server (OpenSSH, a cloud transfer
//! service). A `notify` watcher reports a file when its writer closes it (inotify
//! `IN_CLOSE_WRITE`) or when it is renamed into an inbox (`IN_MOVED_TO`), and
//! [`scan_existing`] lists what arrived while nothing was watching.
//!
//! Each inbox folder is watched on its own, not recursively: files count only directly inside an
//! inbox, and leaving out `processed/` and `failed/` keeps the pipeline's own writes there from
//! waking the watcher. Use one intake per tree: if this crate's SFTP server also writes the tree,
//! its renames would be reported twice.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::error::Error;
use crate::layout::Layout;
use crate::names::is_upload_temp;
use crate::IntakeEvent;

/// An inbox folder being watched: whose it is and where it sits in the partner's tree.
#[derive(Debug, Clone)]
struct Inbox {
    partner: String,
    root: PathBuf,
    folder: PathBuf,
}

type Inboxes = Arc<Mutex<HashMap<PathBuf, Inbox>>>;

/// Watches partners' inbox folders and sends [`IntakeEvent::Arrived`] for every completed file.
/// Dropping it stops the watching.
pub struct DirWatcher {
    watcher: RecommendedWatcher,
    inboxes: Inboxes,
    layout: Arc<Layout>,
}

impl DirWatcher {
    /// Starts a watcher with no partners yet; add them with
    /// [`watch_partner`](DirWatcher::watch_partner).
    pub fn start(layout: Layout, events: mpsc::Sender<IntakeEvent>) -> Result<Self, Error> {
        layout.validate()?;
        let layout = Arc::new(layout);
        let inboxes: Inboxes = Arc::default();
        let mut reactor = Reactor {
            layout: layout.clone(),
            inboxes: inboxes.clone(),
            events,
            last_rename_to: None,
        };
        let watcher = notify::recommended_watcher(move |result: notify::Result<Event>| {
            reactor.react(result)
        })?;
        Ok(DirWatcher {
            watcher,
            inboxes,
            layout,
        })
    }

    /// Watches every inbox folder of a partner's tree (creating missing layout folders first).
    pub fn watch_partner(&mut self, partner: &str, root: &Path) -> Result<(), Error> {
        self.layout.create_tree(root)?;
        let root = root
            .canonicalize()
            .map_err(|e| Error::io("resolve partner root", root, e))?;
        for folder in self.layout.inbox_folders() {
            let dir = root.join(folder);
            // Registered before the watch starts, so no event can find it missing.
            lock(&self.inboxes).insert(
                dir.clone(),
                Inbox {
                    partner: partner.to_string(),
                    root: root.clone(),
                    folder: PathBuf::from(folder),
                },
            );
            self.watcher.watch(&dir, RecursiveMode::NonRecursive)?;
        }
        Ok(())
    }

    /// Stops watching a partner's inboxes.
    pub fn unwatch_partner(&mut self, partner: &str) -> Result<(), Error> {
        let dirs: Vec<PathBuf> = lock(&self.inboxes)
            .iter()
            .filter(|(_, inbox)| inbox.partner == partner)
            .map(|(dir, _)| dir.clone())
            .collect();
        for dir in dirs {
            lock(&self.inboxes).remove(&dir);
            self.watcher.unwatch(&dir)?;
        }
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Turns `notify` events into intake events. Runs on notify's thread.
struct Reactor {
    layout: Arc<Layout>,
    inboxes: Inboxes,
    events: mpsc::Sender<IntakeEvent>,
    /// inotify reports a rename inside the watched set twice (`To`, then `Both` with the same
    /// tracker): the last `To` lets the `Both` be recognised and skipped.
    last_rename_to: Option<(Option<usize>, PathBuf)>,
}

impl Reactor {
    fn react(&mut self, result: notify::Result<Event>) {
        let event = match result {
            Ok(event) => event,
            Err(e) => {
                tracing::warn!(error = %e, "watcher error; rescanning inboxes");
                self.rescan();
                return;
            }
        };
        if event.need_rescan() {
            // The kernel queue overflowed: events were lost, so look at what is there.
            self.rescan();
            return;
        }
        let path = match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => event.paths.first(),
            EventKind::Modify(ModifyKind::Name(RenameMode::To)) => {
                self.last_rename_to = event
                    .paths
                    .first()
                    .map(|p| (event.attrs.tracker(), p.clone()));
                event.paths.first()
            }
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => {
                let to = event.paths.last();
                let seen = match (&self.last_rename_to, to) {
                    (Some((tracker, path)), Some(to)) => {
                        *tracker == event.attrs.tracker() && path == to
                    }
                    _ => false,
                };
                if seen {
                    return;
                }
                to
            }
            _ => return,
        };
        if let Some(event) = path.and_then(|p| self.classify(p)) {
            self.send(event);
        }
    }

    /// The intake event for a host path, if it is a real-named regular file directly inside a
    /// watched inbox.
    fn classify(&self, path: &Path) -> Option<IntakeEvent> {
        let name = path.file_name()?.to_str()?;
        if self.layout.is_temp_name(name) || is_upload_temp(name) {
            return None;
        }
        let inbox = lock(&self.inboxes).get(path.parent()?)?.clone();
        // Not following symlinks: a link dropped into an inbox is not a file that arrived.
        if !std::fs::symlink_metadata(path).ok()?.is_file() {
            return None;
        }
        Some(IntakeEvent::Arrived {
            partner: inbox.partner,
            path: inbox.folder.join(name),
        })
    }

    fn rescan(&self) {
        let mut partners: Vec<(String, PathBuf)> = lock(&self.inboxes)
            .values()
            .map(|i| (i.partner.clone(), i.root.clone()))
            .collect();
        partners.sort();
        partners.dedup();
        for (partner, root) in partners {
            match scan_existing(&root, &self.layout) {
                Ok(paths) => {
                    for path in paths {
                        self.send(IntakeEvent::Arrived {
                            partner: partner.clone(),
                            path,
                        });
                    }
                }
                Err(e) => tracing::warn!(partner, error = %e, "rescan failed"),
            }
        }
    }

    fn send(&self, event: IntakeEvent) {
        // notify's own thread: blocking on a full queue delays later events, never loses them.
        if self.events.blocking_send(event).is_err() {
            tracing::warn!("event receiver gone; arrivals are left for the start-up scan");
        }
    }
}

/// The files sitting directly in a partner's inbox folders (relative to `root`, sorted), leaving
/// out in-transfer names, dot-files and anything that is not a regular file. Run at start-up to
/// pick up files that arrived while the service was down.
pub fn scan_existing(root: &Path, layout: &Layout) -> Result<Vec<PathBuf>, Error> {
    let dir = cap_std::fs::Dir::open_ambient_dir(root, cap_std::ambient_authority())
        .map_err(|e| Error::io("open partner root", root, e))?;
    let mut found = Vec::new();
    for folder in layout.inbox_folders() {
        let inbox = match dir.open_dir(folder) {
            Ok(inbox) => inbox,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io("open inbox", root.join(folder), e)),
        };
        let entries = inbox
            .entries()
            .map_err(|e| Error::io("list inbox", root.join(folder), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("list inbox", root.join(folder), e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if layout.is_temp_name(name) || is_upload_temp(name) {
                continue;
            }
            match entry.file_type() {
                Ok(t) if t.is_file() => found.push(Path::new(folder).join(name)),
                _ => {}
            }
        }
    }
    found.sort();
    Ok(found)
}
