//! The WAL checkpointer: commits only append to the write-ahead log (`wal_autocheckpoint` is off
//! on the write connection), and this thread copies the log into the database file after them,
//! on a connection of its own. A committing worker therefore never pays for the copy, and the
//! copy runs on the other core while the next file is validated.
//!
//! Checkpoints are PASSIVE: they never wait for readers or writers, so a long nightly read just
//! leaves the rest of the log for the next one. The log file is cut back to
//! `journal_size_limit` when SQLite restarts it.

use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

#[derive(Default)]
struct Signal {
    /// Commits since the last checkpoint began.
    pending: bool,
    stop: bool,
}

/// The thread and its signal; the last checkpoint runs when the store is dropped.
pub(crate) struct Checkpointer {
    signal: Arc<(Mutex<Signal>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    pub(crate) fn start(path: &Path) -> Checkpointer {
        let signal: Arc<(Mutex<Signal>, Condvar)> = Arc::default();
        let (s, p) = (signal.clone(), path.to_path_buf());
        let thread = std::thread::Builder::new()
            .name("bankdrop-checkpoint".into())
            .spawn(move || run(&p, &s))
            .ok();
        Checkpointer { signal, thread }
    }

    /// Asks for a checkpoint soon.
    pub(crate) fn nudge(&self) {
        let (m, cv) = &*self.signal;
        m.lock().unwrap_or_else(|p| p.into_inner()).pending = true;
        cv.notify_one();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (m, cv) = &*self.signal;
        m.lock().unwrap_or_else(|p| p.into_inner()).stop = true;
        cv.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(path: &Path, signal: &(Mutex<Signal>, Condvar)) {
    let conn = match Connection::open(path) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "the WAL checkpointer cannot open the database");
            return;
        }
    };
    let _ = conn.busy_timeout(std::time::Duration::from_secs(1));
    let (m, cv) = signal;
    loop {
        let stop = {
            let mut s = m.lock().unwrap_or_else(|p| p.into_inner());
            // A commit nobody nudged for (another process's) is copied within seconds too.
            if !s.pending && !s.stop {
                s = cv
                    .wait_timeout(s, std::time::Duration::from_secs(5))
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            s.pending = false;
            s.stop
        };
        // (busy, frames in the log, frames copied): the rest is copied next time.
        let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        });
        if let Err(e) = done {
            tracing::warn!(error = %e, "WAL checkpoint failed; retried after the next commit");
        }
        if stop {
            return;
        }
    }
}
