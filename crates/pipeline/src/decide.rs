//! Deciding a claimed file (the second stage; it only reads): classification by folder and name
//! and the duplicate rules (D5), then one read of the bytes that hashes them, validates every row
//! (D2–D4), runs the cross-file checks on a snapshot of their own (D8, D9) and hands the rows on,
//! in batches, to be written if the file is accepted. The outcome is a [`Verdict`]; nothing is
//! written here.

use crate::claim::{hash_file, Claim, Hashing};
use crate::config::Config;
use crate::crossfile::{self, Checks};
use crate::sequence;
use crate::spill::ErrorSpill;
use crate::stage::Batch;
use crate::status::STATUS_LIMIT;
use crate::{io_err, Result};

mod ach;
use std::fs::File;
use std::io;
use store::Ledger;
use store::{Db, State};
use validate::report::code;
use validate::schema::Schemas;
use validate::{validate_with_rows, Options, Outcome, Report};

/// What a file's decision writes besides the decision itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Apply {
    /// Nothing (rejected, duplicate, or a type nothing is stored of).
    Nothing,
    /// The rows handed on while it was read.
    Rows,
    /// The entries of an accepted Nacha file (read again: such files are small).
    Ach,
    /// An accepted document of this kind (its ledger row and hash are the file's).
    Document(crate::documents::Kind),
}

/// The outcome of deciding a file.
pub(crate) struct Verdict {
    pub state: State,
    pub report: Report,
    /// Every error, for the errors file (the report keeps the first ones).
    pub errors: ErrorSpill,
    pub sha256: String,
    pub bytes: u64,
    pub apply: Apply,
}

impl Verdict {
    /// The verdict of a file read through: accepted (writing `apply`) when its report is.
    fn read(
        report: Report,
        errors: ErrorSpill,
        (sha256, bytes): (String, u64),
        apply: Apply,
    ) -> Self {
        let accepted = report.outcome == Outcome::Accepted;
        Verdict {
            state: if accepted {
                State::Accepted
            } else {
                State::Rejected
            },
            report,
            errors,
            sha256,
            bytes,
            apply: if accepted { apply } else { Apply::Nothing },
        }
    }
}

/// What deciding needs: it reads the store, never writes it.
pub(crate) struct Decider<'a> {
    pub store: &'a Db,
    pub schemas: &'a Schemas,
    pub config: &'a Config,
}

/// Where the rows of a file go as it is read, batch by batch.
pub(crate) type RowsOut<'r> = &'r mut dyn FnMut(Batch) -> io::Result<()>;

impl Decider<'_> {
    /// Decides `c`. The rows of a file that may still be accepted go to `rows` as they are
    /// validated; whether they are written is the verdict's [`Verdict::apply`].
    pub(crate) fn decide(&self, c: &Claim, rows: RowsOut) -> Result<Verdict> {
        let inbox = c.inbox;
        let max = self.config.max_name_len;
        if c.name.len() > max {
            let m = format!(
                "the name is {} bytes long; names may have at most {max}",
                c.name.len()
            );
            let r = Report::file_error(&inbox.file_type, code::BAD_FILE_NAME, m);
            return self.unread(c, State::Rejected, r);
        }
        if inbox.file_type == crate::documents::DOCUMENT {
            return self.document(c);
        }
        let f = match &c.parsed {
            Ok(f) => f,
            Err(m) => {
                let r = Report::file_error(&inbox.file_type, code::BAD_FILE_NAME, m.clone());
                return self.unread(c, State::Rejected, r);
            }
        };
        if f.file_type != inbox.file_type {
            let m = format!(
                "a {} file in the `{}` folder; drop it in `{}/`",
                f.file_type, inbox.folder, f.file_type
            );
            let r = Report::file_error(&f.file_type, code::FOLDER_MISMATCH, m);
            return self.unread(c, State::Rejected, r);
        }
        let partner = &c.partner.name;
        let prefix = f.ledger_prefix();
        if let Some(prev) = self
            .store
            .same_name(partner, &f.file_type, &prefix, f.version)?
        {
            let m = format!(
                "{} version {} was already received as `{}` ({:?}); send a higher version",
                prefix,
                f.version,
                prev.file.name,
                prev.state()
            );
            let r = Report::file_error(&f.file_type, code::DUPLICATE, m);
            return self.unread(c, State::Duplicate, r);
        }
        if f.is_ach() {
            return self.ach(c, f);
        }
        if let Some(r) = c
            .date()
            .and_then(|d| sequence::before_day0(c.partner, &f.file_type, d))
        {
            return self.hashed(c, State::Rejected, r);
        }
        let several_a_day = self
            .schemas
            .get(&f.file_type)
            .is_some_and(|s| s.batch_names);
        if !several_a_day {
            if let Some(prev) = self.store.accepted_for(partner, &f.file_type, &prefix)? {
                let m = format!(
                    "`{}` was already accepted for {prefix}; this type is processed once a day",
                    prev.file.name
                );
                let r = Report::file_error(&f.file_type, code::ALREADY_ACCEPTED, m);
                return self.hashed(c, State::Rejected, r);
            }
        }
        let Some(schema) = self.schemas.get(&f.file_type) else {
            let m = format!("{} files are not processed yet", f.file_type);
            let r = Report::file_error(&f.file_type, code::UNKNOWN_FILE_TYPE, m);
            return self.hashed(c, State::Rejected, r);
        };
        let path = c.path();
        let program = self.config.program(partner);
        let schema = &*program.schema(schema);
        // The report keeps the first errors for the status file; every error goes to the spill
        // for the errors file (D7), in bounded memory.
        let opts = Options {
            max_kept: STATUS_LIMIT,
            allowed_currencies: program.currencies.clone(),
            max_line_bytes: self.config.max_line_bytes,
            max_ids_in_memory: self.config.max_ids_in_memory,
            ..Options::default()
        };
        let ctx = crossfile::Ctx {
            store: self.store,
            partner,
            creation: program.balance_creation,
            file_date: c.file_date(),
            sells_receivables: program.sales.enabled,
            same_day_updates: program.same_day_transaction_updates,
            types_by_balance: &program.transaction_types_by_balance,
            records: Default::default(),
            day_checks: crate::schedule::Schedule::of_partner(c.partner).is_some(),
            received_day: crate::deadline::chicago_date(self.config.arrival(c.received)),
        };
        // Lookups on a snapshot of their own: another worker may be writing meanwhile.
        let reader = self.store.snapshot()?;
        let mut checks = Checks::new(&ctx, &reader, schema);
        let mut input = Hashing::new(File::open(&path).map_err(io_err(&path))?);
        let mut errors = ErrorSpill::default();
        let mut spilled = Ok(());
        let mut failed: Option<crate::Error> = None;
        let mut batch = Batch::default();
        let read = validate_with_rows(
            schema,
            &self.schemas.refdata,
            &mut input,
            &opts,
            &mut |f| {
                if spilled.is_ok() {
                    spilled = errors.push(f);
                }
            },
            &mut |row, cells| {
                if let Err(e) = checks.row(row, cells) {
                    failed = Some(e.into());
                    return Err(io::Error::other("stopped: the store failed"));
                }
                batch.push(row, cells);
                if batch.is_full() {
                    rows(std::mem::take(&mut batch))?;
                }
                Ok(())
            },
        );
        if let Some(e) = failed {
            return Err(e);
        }
        let mut report = read.map_err(io_err(&path))?;
        spilled.map_err(io_err(&path))?;
        let (sha256, bytes) = input.drain().map_err(io_err(&path))?;
        if report.rows > 0 {
            if let Some(r) = self.same_bytes(partner, &f.file_type, &sha256)? {
                return Ok(verdict(State::Duplicate, r, sha256, bytes));
            }
        }
        // Cross-file checks need a readable file: their findings count once the file itself is
        // valid.
        if report.error_count == 0 {
            if let Some(r) = crossfile::pair(&ctx, &f.file_type, &prefix)? {
                return Ok(verdict(State::Rejected, r, sha256, bytes));
            }
            let mut found = checks.finish()?;
            if let Some(d) = c.date() {
                let missing =
                    sequence::missing_warning(self.store, self.config, c.partner, &f.file_type, d)?;
                found.extend(missing);
            }
            crossfile::merge(&mut report, found, &mut errors).map_err(io_err(&path))?;
        }
        if report.outcome == Outcome::Accepted && !batch.is_empty() {
            rows(batch).map_err(io_err(&path))?;
        }
        Ok(Verdict::read(report, errors, (sha256, bytes), Apply::Rows))
    }

    /// A document (spec 01 §14.1): its first bytes decide its kind, the rest is only hashed.
    /// A name already accepted is a duplicate: a reference names a document by its name, so a
    /// new version needs a new name (spec 03 §9.1 `version`). A name refused before may come again.
    fn document(&self, c: &Claim) -> Result<Verdict> {
        let path = c.path();
        let mut input = Hashing::new(File::open(&path).map_err(io_err(&path))?);
        let head = crate::documents::read_head(&mut input).map_err(io_err(&path))?;
        let (sha256, bytes) = input.drain().map_err(io_err(&path))?;
        if let Some(prev) = self.store.snapshot()?.document(&c.partner.name, &c.name)? {
            let m = format!(
                "a document named `{}` was already accepted (received {}); a new version needs a new name",
                prev.name, prev.received_at
            );
            let r = Report::file_error(crate::documents::DOCUMENT, code::DUPLICATE, m);
            return Ok(verdict(State::Duplicate, r, sha256, bytes));
        }
        match crate::documents::judge(&c.name, &head) {
            Err(r) => Ok(verdict(State::Rejected, r, sha256, bytes)),
            Ok(kind) => Ok(Verdict {
                apply: Apply::Document(kind),
                ..verdict(
                    State::Accepted,
                    crate::documents::accepted(bytes),
                    sha256,
                    bytes,
                )
            }),
        }
    }

    /// A decision taken before reading the rows: the bytes are only hashed.
    fn unread(&self, c: &Claim, state: State, report: Report) -> Result<Verdict> {
        let path = c.path();
        let (sha256, bytes) = hash_file(&path).map_err(io_err(&path))?;
        Ok(verdict(state, report, sha256, bytes))
    }

    /// [`Decider::unread`], unless the same bytes were accepted already: then a duplicate (D5).
    fn hashed(&self, c: &Claim, state: State, report: Report) -> Result<Verdict> {
        let path = c.path();
        let (sha256, bytes) = hash_file(&path).map_err(io_err(&path))?;
        let file_type = &report.file_type;
        match self.same_bytes(&c.partner.name, file_type, &sha256)? {
            Some(r) => Ok(verdict(State::Duplicate, r, sha256, bytes)),
            None => Ok(verdict(state, report, sha256, bytes)),
        }
    }

    /// The duplicate report of bytes already accepted with data rows (D5).
    fn same_bytes(&self, partner: &str, file_type: &str, sha256: &str) -> Result<Option<Report>> {
        let Some(prev) = self.store.accepted_same_bytes(partner, sha256)? else {
            return Ok(None);
        };
        let m = format!(
            "the same bytes were already accepted as `{}`",
            prev.file.name
        );
        Ok(Some(Report::file_error(file_type, code::DUPLICATE, m)))
    }
}

/// A verdict whose few errors are all in its report.
fn verdict(state: State, report: Report, sha256: String, bytes: u64) -> Verdict {
    let mut errors = ErrorSpill::default();
    for e in &report.errors {
        // In memory: a handful of findings never reach the spill's disk runs.
        let _ = errors.push(e);
    }
    Verdict {
        state,
        report,
        errors,
        sha256,
        bytes,
        apply: Apply::Nothing,
    }
}
