//! When bankdrop itself fails on a file (a full disk, a database error, a folder it cannot
//! write): the file is tried again a bounded number of times, then set aside in its `failed/`
//! folder with outcome `failed`, a status file saying so, and an alert — never left claimed and
//! retried for ever.
//!
//! Order, for crash safety as everywhere else: status file (best effort: writing it may be what
//! fails) → decision `failed` in the ledger → move. A crash after the decision leaves a decided
//! row whose move the next look at the inbox finishes.

use crate::alert::{Alert, Alerts};
use crate::config::Inbox;
use crate::fsio::{move_durable, write_atomic};
use crate::names::final_name;
use crate::publish::Processed;
use crate::results::{now, outcome_name};
use crate::status::Status;
use std::path::{Path, PathBuf};
use store::Ledger;
use store::{Db, Decision, NewFile, PartnerRow, State};
use validate::report::code;
use validate::Finding;

/// What the partner reads: nothing of the bank's side (no host paths, no internals).
const PARTNER_MESSAGE: &str = "bankdrop could not process this file (a failure on the bank's \
side, tried several times); it was set aside here and the bank's operators were alerted. Nothing \
from it was applied. Send it again under the same name once the bank confirms the problem is \
fixed.";

/// What setting a file aside needs.
pub(crate) struct SetAside<'a> {
    pub store: &'a Db,
    pub alerts: &'a dyn Alerts,
    pub max_name_len: usize,
}

impl SetAside<'_> {
    /// Sets the file at `rel` (in `inbox`) aside with outcome `failed`, and alerts.
    pub(crate) fn set_aside(
        &self,
        partner: &PartnerRow,
        inbox: &Inbox,
        rel: &str,
        error: &str,
    ) -> crate::Result<Option<Processed>> {
        let root = PathBuf::from(&partner.root);
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let claimed = root.join(crate::claim::claimed_rel(rel));
        let from = if claimed.exists() {
            claimed
        } else if root.join(rel).exists() {
            root.join(rel)
        } else {
            return Ok(None); // gone: nothing to set aside
        };
        let (sha256, bytes) = crate::claim::hash_file(&from).unwrap_or_else(|_| {
            let len = std::fs::metadata(&from).map_or(0, |m| m.len());
            (String::new(), len)
        });
        let row = self
            .store
            .latest_for_path(&partner.name, rel)?
            .filter(|r| r.decision.is_none());
        let (id, received_at) = match row {
            Some(row) => (row.id, row.file.received_at),
            None => {
                let at = now();
                let id = self.store.begin(&NewFile {
                    partner: partner.name.clone(),
                    path: rel.to_string(),
                    name: name.to_string(),
                    file_type: None,
                    prefix: None,
                    version: None,
                    sha256: sha256.clone(),
                    bytes,
                    received_at: at.clone(),
                })?;
                (id, at)
            }
        };
        std::fs::create_dir_all(root.join(&inbox.failed))
            .map_err(crate::io_err(&root.join(&inbox.failed)))?;
        let short = final_name(name, id, self.max_name_len);
        let mut final_rel = format!("{}/{short}", inbox.failed);
        if root.join(&final_rel).exists() {
            final_rel = format!("{}/{short}.{id}", inbox.failed);
        }
        let decision = Decision {
            state: State::Failed,
            rows: 0,
            late: false,
            error_count: 1,
            warning_count: 0,
            decided_at: now(),
            final_path: final_rel.clone(),
        };
        let status_rel = format!("{final_rel}.status.json");
        let written = write_status(
            &root,
            name,
            partner,
            (&sha256, bytes, &received_at),
            &decision,
        );
        if let Err(e) = written {
            tracing::error!(partner = %partner.name, file = rel, error = %e, "cannot write the status of a file set aside");
        }
        self.store.decide(id, &decision)?;
        move_durable(&from, &root.join(&final_rel)).map_err(crate::io_err(&from))?;
        self.alerts.send(&Alert {
            kind: "file_set_aside",
            partner: partner.name.clone(),
            file: rel.to_string(),
            moved_to: Some(final_rel.clone()),
            ledger_id: Some(id),
            error: error.to_string(),
            at: now(),
        });
        Ok(Some(Processed {
            id,
            state: State::Failed,
            final_path: final_rel,
            status_path: status_rel,
            error_count: 1,
            written_as_read: false,
        }))
    }
}

fn write_status(
    root: &Path,
    name: &str,
    partner: &PartnerRow,
    (sha256, bytes, received_at): (&str, u64, &str),
    d: &Decision,
) -> crate::Result<()> {
    let finding = Finding {
        row: 0,
        column: None,
        code: code::PROCESSING_FAILED,
        message: PARTNER_MESSAGE.to_string(),
        value: None,
    };
    let status = Status {
        file: name,
        file_type: None,
        partner: &partner.name,
        file_date: None,
        batch_id: None,
        version: None,
        sha256,
        bytes,
        rows: 0,
        received_at,
        decided_at: &d.decided_at,
        outcome: outcome_name(d.state),
        late: false,
        due_at: None,
        held: None,
        error_count: 1,
        warning_count: 0,
        errors: std::slice::from_ref(&finding),
        warnings: &[],
        errors_file: None,
        bank_validations: Vec::new(),
    };
    let path = root.join(format!("{}.status.json", d.final_path));
    let json = serde_json::to_vec_pretty(&status)?;
    write_atomic(&path, &json).map_err(crate::io_err(&path))
}
