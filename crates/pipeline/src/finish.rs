//! Deciding a validated file (D7): apply accepted rows with the decision in one transaction, write
//! `<name>.status.json` / `<name>.errors.csv` atomically, commit, then move the file.

use crate::fsio::{move_durable, write_atomic, write_atomic_with};
use crate::held::HeldNote;
use crate::names::final_name;
use crate::process::{Inbox, Pipeline, Processed};
use crate::spill::ErrorSpill;
use crate::status::{Status, ERRORS_HEADER, STATUS_LIMIT};
use crate::{io_err, Result};
use std::fs::File;
use std::path::PathBuf;
use store::{Decision, PartnerRow, State};
use validate::filename::{self, Prefix};
use validate::report::code;
use validate::Report;

impl Pipeline {
    /// Where the file goes and the decision to record.
    fn target(&self, a: &FinishArgs) -> Result<(String, Decision)> {
        let root = PathBuf::from(&a.partner.root);
        let folder = if a.state == State::Accepted {
            &a.inbox.processed
        } else {
            &a.inbox.failed
        };
        std::fs::create_dir_all(root.join(folder)).map_err(io_err(&root.join(folder)))?;
        // Never overwrite an earlier file of the same name (a duplicate or a re-upload). A name
        // too long for its results beside it is shortened (the status file keeps it whole).
        let name = final_name(a.name, a.id, self.config().max_name_len);
        let mut final_rel = format!("{folder}/{name}");
        if root.join(&final_rel).exists() {
            final_rel = format!("{folder}/{name}.{}", a.id);
        }
        let decision = Decision {
            state: a.state,
            rows: a.report.rows,
            late: a.late,
            error_count: a.report.error_count,
            warning_count: a.report.warning_count,
            decided_at: crate::process::now(),
            final_path: final_rel.clone(),
        };
        Ok((final_rel, decision))
    }

    /// Writes `<final>.errors.csv` (when rejected) and `<final>.status.json`, atomically.
    fn write_results(
        &self,
        a: &FinishArgs,
        d: &Decision,
        errors: &mut ErrorSpill,
    ) -> Result<String> {
        let root = PathBuf::from(&a.partner.root);
        let final_rel = &d.final_path;
        let errors_rel = (a.report.error_count > 0).then(|| format!("{final_rel}.errors.csv"));
        if let Some(e) = &errors_rel {
            write_atomic_with(&root.join(e), &mut |w| {
                writeln!(w, "{ERRORS_HEADER}")?;
                errors.write_lines(w)
            })
            .map_err(io_err(&root.join(e)))?;
        }
        let first = errors.first();
        let (file_date, batch_id) = match a.parsed.map(|f| &f.prefix) {
            Some(Prefix::Date(d)) => (Some(d.as_str()), None),
            Some(Prefix::Batch(b) | Prefix::Content(b)) => (None, Some(b.as_str())),
            None => (None, None),
        };
        let status = Status {
            file: a.name,
            file_type: a.parsed.map(|f| f.file_type.as_str()),
            partner: &a.partner.name,
            file_date,
            batch_id,
            version: a.parsed.map(|f| f.version),
            sha256: a.sha256,
            bytes: a.bytes,
            rows: a.report.rows,
            received_at: a.received_at,
            decided_at: &d.decided_at,
            outcome: outcome_name(a.state),
            late: a.late,
            due_at: a.due_at.clone(),
            held: a.held.clone(),
            error_count: a.report.error_count,
            warning_count: a.report.warning_count,
            errors: &first,
            warnings: &a.report.warnings[..a.report.warnings.len().min(STATUS_LIMIT)],
            errors_file: errors_rel,
        };
        let status_rel = format!("{final_rel}.status.json");
        let json = serde_json::to_vec_pretty(&status)?;
        write_atomic(&root.join(&status_rel), &json).map_err(io_err(&root.join(&status_rel)))?;
        Ok(status_rel)
    }

    /// Applies (accepted files) and decides in one transaction, then moves the file. Rows that
    /// cannot be applied — transaction ids applied from an earlier file — turn the file into a
    /// rejection (`duplicate_id_history`) instead of leaving it stuck.
    pub(crate) fn finish(&self, mut a: FinishArgs) -> Result<Processed> {
        let root = PathBuf::from(&a.partner.root);
        let mut errors = std::mem::take(&mut a.errors);
        let schema = a.parsed.and_then(|f| self.schemas().get(&f.file_type));
        if a.state == State::Accepted && a.parsed.is_some_and(|f| f.is_ach()) {
            // Accepted Nacha entries are stored with the decision, for the ACH reports (D9).
            let (_, decision) = self.target(&a)?;
            let work = root.join(a.work);
            let mut status_rel = String::new();
            self.store().decide_and_apply(
                a.id,
                &decision,
                &mut |ap| crate::ach::apply_entries(File::open(&work)?, ap),
                &mut || {
                    status_rel = self
                        .write_results(&a, &decision, &mut errors)
                        .map_err(|e| store::Error::Apply(e.to_string()))?;
                    Ok(())
                },
            )?;
            return self.move_decided(&a, decision, status_rel);
        }
        if let (State::Accepted, Some(schema)) = (a.state, schema) {
            let (_, decision) = self.target(&a)?;
            let file_date = match a.parsed.map(|f| &f.prefix) {
                Some(Prefix::Date(d)) => Some(d.as_str()),
                _ => None,
            };
            let work = root.join(a.work);
            let mut conflicts = Vec::new();
            let mut status_rel = String::new();
            let applied = self.store().decide_and_apply(
                a.id,
                &decision,
                &mut |ap| {
                    conflicts =
                        crate::apply::apply_rows(schema, File::open(&work)?, file_date, ap)?;
                    if conflicts.is_empty() {
                        Ok(())
                    } else {
                        Err(store::Error::Apply(
                            "transaction ids already applied".into(),
                        ))
                    }
                },
                &mut || {
                    status_rel = self
                        .write_results(&a, &decision, &mut errors)
                        .map_err(|e| store::Error::Apply(e.to_string()))?;
                    Ok(())
                },
            );
            match applied {
                Ok(_) => return self.move_decided(&a, decision, status_rel),
                Err(_) if !conflicts.is_empty() => {
                    // Remove the accepted status written before the rollback, then reject.
                    let _ = std::fs::remove_file(
                        root.join(format!("{}.status.json", decision.final_path)),
                    );
                    a.state = State::Rejected;
                    errors = ErrorSpill::default();
                    a.report = conflict_report(schema, &a.report, &conflicts, &mut errors)
                        .map_err(io_err(&root.join(a.work)))?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let (_, decision) = self.target(&a)?;
        let status_rel = self.write_results(&a, &decision, &mut errors)?;
        // The commit point: from here on the file counts as decided.
        if !self.store().decide(a.id, &decision)? {
            tracing::warn!(partner = %a.partner.name, file = a.rel, id = a.id, "already decided");
        }
        self.move_decided(&a, decision, status_rel)
    }

    fn move_decided(&self, a: &FinishArgs, d: Decision, status_rel: String) -> Result<Processed> {
        let root = PathBuf::from(&a.partner.root);
        let from = root.join(a.work);
        move_durable(&from, &root.join(&d.final_path)).map_err(io_err(&from))?;
        tracing::info!(
            partner = %a.partner.name, file = a.rel, id = a.id, outcome = outcome_name(d.state), rows = a.report.rows,
            errors = a.report.error_count, warnings = a.report.warning_count, late = a.late, "decided"
        );
        Ok(Processed {
            id: a.id,
            state: d.state,
            final_path: d.final_path,
            status_path: status_rel,
            error_count: a.report.error_count,
        })
    }
}

pub(crate) fn outcome_name(state: State) -> &'static str {
    match state {
        State::Accepted => "accepted",
        State::Duplicate => "duplicate",
        State::Failed => "failed",
        _ => "rejected",
    }
}

/// The rejection of a file whose transaction ids were applied from an earlier file (D8).
fn conflict_report(
    schema: &validate::schema::Schema,
    accepted: &Report,
    conflicts: &[crate::apply::Conflict],
    errors: &mut ErrorSpill,
) -> std::io::Result<Report> {
    let column = schema.key.first().map(|c| schema.columns[*c].name.clone());
    // The accepted report's warnings (and their count) stay; the conflicts are its errors.
    let mut report = Report {
        outcome: validate::Outcome::Rejected,
        errors: Vec::new(),
        error_count: 0,
        warnings: accepted.warnings.clone(),
        file_type: accepted.file_type.clone(),
        ..*accepted
    };
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
    Ok(report)
}

/// Everything known about a file when it is decided.
pub(crate) struct FinishArgs<'a> {
    pub(crate) partner: &'a PartnerRow,
    pub(crate) inbox: &'a Inbox,
    pub(crate) id: i64,
    pub(crate) name: &'a str,
    /// Logical path in the inbox.
    pub(crate) rel: &'a str,
    /// Where the claimed bytes are.
    pub(crate) work: &'a str,
    pub(crate) parsed: Option<&'a filename::FileName>,
    pub(crate) sha256: &'a str,
    pub(crate) bytes: u64,
    pub(crate) received_at: &'a str,
    pub(crate) state: State,
    pub(crate) report: Report,
    pub(crate) late: bool,
    pub(crate) due_at: Option<String>,
    pub(crate) held: Option<HeldNote>,
    /// Every error, for the errors file (the report keeps the first ones only).
    pub(crate) errors: ErrorSpill,
}
