//! Publishing a decided file (the last stage): move it from its claim to `processed/` or
//! `failed/`, beside its result files. A crash between the commit and the move leaves a decided
//! row and the claimed bytes: the next look at the inbox finds that and only finishes the move.

use crate::claim::{hash_file, Claim};
use crate::fsio::move_durable;
use crate::results::outcome_name;
use crate::{io_err, Result};
use store::Ledger;
use store::{Db, Decision};

/// What happened to a file.
#[derive(Debug, Clone)]
pub struct Processed {
    /// Ledger id.
    pub id: i64,
    /// `accepted`, `rejected`, `duplicate` or `failed`.
    pub state: store::State,
    /// Where the file now is, relative to the partner root.
    pub final_path: String,
    /// The status file, relative to the partner root.
    pub status_path: String,
    /// Errors found.
    pub error_count: u64,
    /// Its rows went into the store as they were read (no other file was being decided), rather
    /// than after its verdict (`[pipeline] live_writes`).
    pub written_as_read: bool,
}

/// How long a file took, for the log: reading it (decide) and writing it (commit), and whether its
/// rows were written as they were read.
pub(crate) struct Timing {
    pub read: std::time::Duration,
    pub write: std::time::Duration,
    pub live: bool,
}

/// Moves the claimed file of ledger row `id` where `d` says.
pub(crate) fn publish(
    c: &Claim,
    id: i64,
    d: Decision,
    status_path: String,
    t: Timing,
) -> Result<Processed> {
    let root = c.root();
    let from = c.path();
    move_durable(&from, &root.join(&d.final_path)).map_err(io_err(&from))?;
    crate::metrics::decided(c, outcome_name(d.state), d.rows, t.read, t.write);
    tracing::info!(
        partner = %c.partner.name, file = c.rel, id, outcome = outcome_name(d.state), rows = d.rows,
        errors = d.error_count, warnings = d.warning_count, late = d.late,
        read_ms = t.read.as_millis() as u64, write_ms = t.write.as_millis() as u64,
        rows_written = if t.live { "as read" } else { "after" }, "decided"
    );
    Ok(Processed {
        id,
        state: d.state,
        final_path: d.final_path,
        status_path,
        error_count: d.error_count,
        written_as_read: t.live && d.state == store::State::Accepted,
    })
}

/// The move a crash interrupted, finished: the claimed bytes are those of the last decision of
/// their path, whose file is not where it was going.
pub(crate) fn finish_interrupted(store: &Db, c: &Claim) -> Result<Option<Processed>> {
    let Some(prev) = store.latest_for_path(&c.partner.name, &c.rel)? else {
        return Ok(None);
    };
    let Some(d) = prev.decision else {
        return Ok(None);
    };
    let root = c.root();
    if root.join(&d.final_path).exists() {
        return Ok(None);
    }
    let path = c.path();
    let (sha256, _) = match hash_file(&path) {
        Ok(h) => h,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(&path)(e)),
    };
    if sha256 != prev.file.sha256 {
        return Ok(None);
    }
    let status_path = format!("{}.status.json", d.final_path);
    move_durable(&path, &root.join(&d.final_path)).map_err(io_err(&path))?;
    tracing::info!(partner = %c.partner.name, file = c.rel, id = prev.id, "finished an interrupted move");
    Ok(Some(Processed {
        id: prev.id,
        state: d.state,
        final_path: d.final_path,
        status_path,
        error_count: d.error_count,
        written_as_read: false,
    }))
}
