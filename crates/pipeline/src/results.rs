//! A decided file's place and its result files (D7): where it goes (`processed/` or `failed/`,
//! never over an earlier file), and `<name>.status.json` / `<name>.errors.csv`, written
//! atomically before the decision commits.

use crate::claim::Claim;
use crate::decide::Verdict;
use crate::fsio::{write_atomic, write_atomic_with};
use crate::held::HeldNote;
use crate::names::final_name;
use crate::status::{Status, ERRORS_HEADER, STATUS_LIMIT};
use crate::{io_err, Result};
use chrono::{SecondsFormat, Utc};
use store::{Decision, State};
use validate::filename::Prefix;

/// What the result files say of a file beyond its verdict.
pub(crate) struct Results<'a> {
    pub claim: &'a Claim<'a>,
    /// Arrived after its deadline (D9).
    pub late: bool,
    pub due_at: Option<String>,
    /// It waited for the files it depends on (D7).
    pub held: Option<HeldNote>,
    pub max_name_len: usize,
    /// The ACH windows and the simulated clock, for an accepted Nacha file's entries.
    pub config: &'a crate::Config,
}

/// Now, as decisions are stamped (RFC 3339, UTC, milliseconds).
pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The outcome as the status file and the log name it.
pub(crate) fn outcome_name(state: State) -> &'static str {
    match state {
        State::Accepted => "accepted",
        State::Duplicate => "duplicate",
        State::Failed => "failed",
        _ => "rejected",
    }
}

impl Results<'_> {
    /// The decision of ledger row `id` for `v`: its outcome and where the file goes.
    pub(crate) fn decision(&self, id: i64, v: &Verdict) -> Result<Decision> {
        let c = self.claim;
        let root = c.root();
        let folder = if v.state == State::Accepted {
            &c.inbox.processed
        } else {
            &c.inbox.failed
        };
        std::fs::create_dir_all(root.join(folder)).map_err(io_err(&root.join(folder)))?;
        // Never overwrite an earlier file of the same name (a duplicate or a re-upload). A name
        // too long for its results beside it is shortened (the status file keeps it whole).
        let name = final_name(&c.name, id, self.max_name_len);
        let mut final_path = format!("{folder}/{name}");
        if root.join(&final_path).exists() {
            final_path = format!("{folder}/{name}.{id}");
        }
        Ok(Decision {
            state: v.state,
            rows: v.report.rows,
            late: self.late,
            error_count: v.report.error_count,
            warning_count: v.report.warning_count,
            decided_at: now(),
            final_path,
        })
    }

    /// Writes `<final>.errors.csv` (when there are errors) and `<final>.status.json`,
    /// atomically; returns the status file's path relative to the partner root.
    pub(crate) fn write(&self, d: &Decision, v: &mut Verdict) -> Result<String> {
        let c = self.claim;
        let root = c.root();
        let final_rel = &d.final_path;
        let errors_rel = (v.report.error_count > 0).then(|| format!("{final_rel}.errors.csv"));
        if let Some(e) = &errors_rel {
            let errors = &mut v.errors;
            write_atomic_with(&root.join(e), &mut |w| {
                writeln!(w, "{ERRORS_HEADER}")?;
                errors.write_lines(w)
            })
            .map_err(io_err(&root.join(e)))?;
        }
        let first = v.errors.first();
        let parsed = c.parsed.as_ref().ok();
        let (file_date, batch_id) = match parsed.map(|f| &f.prefix) {
            Some(Prefix::Date(d)) => (Some(d.as_str()), None),
            Some(Prefix::Batch(b) | Prefix::Content(b)) => (None, Some(b.as_str())),
            None => (None, None),
        };
        let received_at = c.received_at();
        let warnings = &v.report.warnings;
        let status = Status {
            file: &c.name,
            file_type: c.file_type(),
            partner: &c.partner.name,
            file_date,
            batch_id,
            version: parsed.map(|f| f.version),
            sha256: &v.sha256,
            bytes: v.bytes,
            rows: v.report.rows,
            received_at: &received_at,
            decided_at: &d.decided_at,
            outcome: outcome_name(v.state),
            late: self.late,
            due_at: self.due_at.clone(),
            held: self.held.clone(),
            error_count: v.report.error_count,
            warning_count: v.report.warning_count,
            errors: &first,
            warnings: &warnings[..warnings.len().min(STATUS_LIMIT)],
            errors_file: errors_rel,
            bank_validations: if parsed.is_some_and(|f| f.is_ach()) {
                crate::status::bank_validations(&first)
            } else {
                Vec::new()
            },
        };
        let status_rel = format!("{final_rel}.status.json");
        let json = serde_json::to_vec_pretty(&status)?;
        write_atomic(&root.join(&status_rel), &json).map_err(io_err(&root.join(&status_rel)))?;
        Ok(status_rel)
    }
}
