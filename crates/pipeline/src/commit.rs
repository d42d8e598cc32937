//! Committing a decision (the third stage): the one place a file's outcome is written — its
//! rows, its decision and, just before the commit, its result files — in one transaction of the
//! store's single writer. Rows that cannot be applied (a transaction id applied from an earlier
//! file, D8) turn the file into a rejection instead of leaving it stuck.
//!
//! The rows arrive while the file is read ([`Sink`]): straight into the write transaction when
//! the writer was free as the file was claimed and no other file is being decided (one file
//! then uses both cores: one reads and checks, the other writes), else kept in a
//! [`Stage`](crate::stage::Stage) and written once the verdict is known, so workers validate in
//! parallel and hold the writer only for the write itself.

use crate::apply::{Conflict, RowWriter};
use crate::decide::{Apply, Verdict};
use crate::results::Results;
use crate::spill::ErrorSpill;
use crate::stage::{Batch, EachRow, Stage};
use crate::status::STATUS_LIMIT;
use crate::{io_err, Result};
use std::fs::File;
use store::cluster::FILE;
use store::{Db, Decision, NewFile, State, Writing};
use validate::report::code;
use validate::schema::Schema;
use validate::Report;

/// A decision written.
pub(crate) struct Committed {
    /// The file's ledger id.
    pub id: i64,
    pub decision: Decision,
    /// The status file, relative to the partner root.
    pub status_rel: String,
}

/// Where a file's rows go while it is read.
pub(crate) enum Sink<'s> {
    /// Into the write transaction, as they come.
    Live(Box<(Writing<'s>, RowWriter<'s>)>),
    /// Kept until the verdict.
    Staged { stage: Stage, schema: &'s Schema },
    /// Nowhere: the file's rows are never written (a Nacha file, a file of no known type).
    None,
}

impl<'s> Sink<'s> {
    /// A sink for the file `f` of `schema` (dated `file_date`): live when `live` and the writer
    /// is free now, else staged.
    pub(crate) fn new(
        store: &'s Db,
        f: &NewFile,
        schema: Option<&'s Schema>,
        file_date: Option<&'s str>,
        live: bool,
    ) -> Result<Sink<'s>> {
        let Some(schema) = schema else {
            return Ok(Sink::None);
        };
        if live {
            if let Some(mut w) = store.try_write(f)? {
                let rows = RowWriter::new(schema, file_date, &mut w)?;
                return Ok(Sink::Live(Box::new((w, rows))));
            }
        }
        Ok(Sink::Staged {
            stage: Stage::default(),
            schema,
        })
    }

    /// Whether rows go into the write transaction as they come.
    pub(crate) fn is_live(&self) -> bool {
        matches!(self, Sink::Live(_))
    }

    /// Takes a batch of rows.
    pub(crate) fn take(&mut self, b: Batch) -> Result<()> {
        match self {
            Sink::Live(live) => {
                let (w, rows) = &mut **live;
                let columns = rows.columns();
                write_rows(w, rows, |each| b.for_each(columns, each))
            }
            Sink::Staged { stage, .. } => stage
                .push(b)
                .map_err(|e| store::Error::Apply(format!("staging rows: {e}")).into()),
            Sink::None => Ok(()),
        }
    }
}

/// Writes every row `read` hands out (a batch's, a stage's) into `w`: a store failure stops the
/// reading and is what it returns.
fn write_rows(
    w: &mut Writing,
    rows: &mut RowWriter,
    read: impl FnOnce(EachRow) -> std::io::Result<()>,
) -> Result<()> {
    let mut failed = None;
    let read = read(&mut |row, cells| {
        rows.row(w, row, cells).map_err(|e| {
            failed = Some(e);
            std::io::Error::other("stopped: the store failed")
        })
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    read.map_err(|e| store::Error::Apply(format!("the rows handed on: {e}")).into())
}

/// Commits the decision `v` of the file `f`, with its rows from `sink` when it is accepted.
pub(crate) fn commit(
    store: &Db,
    f: &NewFile,
    sink: Sink,
    v: &mut Verdict,
    results: &Results,
    file_date: Option<&str>,
) -> Result<Committed> {
    match (v.apply, sink) {
        (Apply::Rows, Sink::Live(live)) => {
            let (w, rows) = *live;
            if let Some(done) = with_rows(w, rows, None, v, results)? {
                return Ok(done);
            }
        }
        (Apply::Rows, Sink::Staged { stage, schema }) => {
            let mut w = store.write(f)?;
            let rows = RowWriter::new(schema, file_date, &mut w)?;
            if let Some(done) = with_rows(w, rows, Some(stage), v, results)? {
                return Ok(done);
            }
        }
        (Apply::Ach, _) => {
            let mut w = store.write(f)?;
            let path = results.claim.path();
            let file = File::open(&path).map_err(io_err(&path))?;
            let arrival = results.config.ach_arrival(results.claim.received);
            let sent = crate::ach::Sent {
                partner: &results.claim.partner.name,
                file: &results.claim.rel,
            };
            crate::ach::apply_entries(file, &mut w, &results.config.ach_windows, arrival, sent)?;
            return decide(w, v, results);
        }
        (Apply::Document(kind), _) => {
            let mut w = store.write(f)?;
            let c = results.claim;
            w.document(&store::DocumentRow {
                name: c.name.clone(),
                content_type: kind.name().to_string(),
                sha256: v.sha256.clone(),
                bytes: v.bytes,
                received_at: c.received_at(),
                file_id: w.file_id(),
            })?;
            return decide(w, v, results);
        }
        // Rows taken live for a file that was then rejected roll back here.
        (_, sink) => drop(sink),
    }
    decide(store.write(f)?, v, results)
}

/// Writes the rows (the stage's, or those already in `w`) and commits the acceptance; `None`,
/// with everything rolled back and `v` turned into a rejection, when rows conflict.
fn with_rows(
    mut w: Writing,
    mut rows: RowWriter,
    stage: Option<Stage>,
    v: &mut Verdict,
    results: &Results,
) -> Result<Option<Committed>> {
    if let Some(stage) = stage {
        let columns = rows.columns();
        write_rows(&mut w, &mut rows, |each| stage.replay(columns, each))?;
    }
    let column = rows.key_column();
    let conflicts = rows.finish(&mut w)?;
    if conflicts.is_empty() {
        return decide(w, v, results).map(Some);
    }
    drop(w);
    let path = results.claim.path();
    *v = conflict_verdict(v, &conflicts, column).map_err(io_err(&path))?;
    Ok(None)
}

/// Records the decision in `w` (with what `w` holds), the result files written before the
/// commit.
fn decide(mut w: Writing, v: &mut Verdict, results: &Results) -> Result<Committed> {
    let id = w.file_id();
    if let Some(f) = &results.claim.lease {
        if !w.holds_lease(FILE, &f.key, &f.node)? {
            // This node stalled past its lease: another node may be deciding the file now.
            return Err(store::Error::Apply(format!(
                "file {id}: this node ({}) no longer holds its lease; nothing was committed",
                f.node
            ))
            .into());
        }
    }
    w.set_file_hash(&v.sha256, v.bytes)?;
    let decision = results.decision(id, v)?;
    let c = results.claim;
    for a in crate::events::file_alerts(&c.partner.name, id, &c.name, &decision, &v.report) {
        w.enqueue_alert(&a)?;
    }
    let mut status_rel = String::new();
    let done = w.commit(&decision, &mut || {
        status_rel = results
            .write(&decision, v)
            .map_err(|e| store::Error::Apply(e.to_string()))?;
        Ok(())
    })?;
    if !done {
        return decided_already(id);
    }
    Ok(Committed {
        id,
        decision,
        status_rel,
    })
}

/// A file decided meanwhile by someone else. Within one process a path is processed by one
/// worker at a time, so this is a failure: the retry finds the decision and only finishes the
/// move.
fn decided_already(id: i64) -> Result<Committed> {
    Err(store::Error::Apply(format!("file {id} was decided meanwhile by another writer")).into())
}

/// The rejection of a file whose transaction ids were applied from an earlier file (D8).
fn conflict_verdict(
    accepted: &Verdict,
    conflicts: &[Conflict],
    column: Option<String>,
) -> std::io::Result<Verdict> {
    let r = &accepted.report;
    // The accepted report's warnings (and their count) stay; the conflicts are its errors.
    let mut report = Report {
        outcome: validate::Outcome::Rejected,
        errors: Vec::new(),
        error_count: 0,
        warnings: r.warnings.clone(),
        file_type: r.file_type.clone(),
        ..*r
    };
    let mut errors = ErrorSpill::default();
    for k in conflicts {
        let f = validate::Finding {
            row: k.row,
            column: column.clone(),
            code: code::DUPLICATE_ID_HISTORY,
            message: format!(
                "`{}` was already applied from an earlier accepted file; ids never repeat",
                k.id
            ),
            value: None,
        };
        errors.push(&f)?;
        report.error_count += 1;
        if report.errors.len() < STATUS_LIMIT {
            report.errors.push(f);
        }
    }
    Ok(Verdict {
        state: State::Rejected,
        report,
        errors,
        sha256: accepted.sha256.clone(),
        bytes: accepted.bytes,
        apply: Apply::Nothing,
    })
}
