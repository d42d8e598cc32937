//! Processing one file, start to finish.

use crate::fsio::{move_durable, write_atomic};
use crate::status::{errors_csv, Status, STATUS_LIMIT};
use crate::{deadline, io_err, Result};
use chrono::{NaiveDate, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use store::{Decision, NewFile, PartnerRow, State, Store};
use validate::filename::{self, Prefix};
use validate::report::code;
use validate::schema::Schemas;
use validate::{validate, Options, Outcome, Report};

/// A drop folder and where its results go (D6; the layout is configuration).
#[derive(Debug, Clone)]
pub struct Inbox {
    /// Folder relative to the partner root, e.g. `card` or `ach/outgoing`.
    pub folder: String,
    /// The file type expected there.
    pub file_type: String,
    /// Accepted files go here.
    pub processed: String,
    /// Rejected and duplicate files go here.
    pub failed: String,
}

/// Pipeline settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Drop folders.
    pub inboxes: Vec<Inbox>,
    /// Hour (America/Chicago) of the daily deadline, D9.
    pub deadline_hour: u32,
    /// Validation options (program currencies, …).
    pub options: Options,
    /// Nacha program policy: allowed SEC codes, same day, maximum amount (D10).
    pub ach_policy: nacha::Policy,
}

impl Config {
    /// D6's layout for every schema type plus `ach/outgoing`.
    pub fn default_for(schemas: &Schemas) -> Config {
        let mut inboxes: Vec<Inbox> = schemas
            .iter()
            .map(|s| Inbox {
                folder: s.file_type.clone(),
                file_type: s.file_type.clone(),
                processed: format!("{}/processed", s.file_type),
                failed: format!("{}/failed", s.file_type),
            })
            .collect();
        inboxes.push(Inbox {
            folder: "ach/outgoing".into(),
            file_type: "outgoing_ach".into(),
            processed: "ach/processed".into(),
            failed: "ach/failed".into(),
        });
        Config {
            inboxes,
            deadline_hour: 6,
            options: Options::default(),
            ach_policy: nacha::Policy::default(),
        }
    }
}

/// What happened to a file.
#[derive(Debug, Clone)]
pub struct Processed {
    /// Ledger id.
    pub id: i64,
    /// `accepted`, `rejected` or `duplicate`.
    pub state: State,
    /// Where the file now is, relative to the partner root.
    pub final_path: String,
    /// The status file, relative to the partner root.
    pub status_path: String,
    /// Errors found.
    pub error_count: u64,
}

/// The pipeline over a store and a schema set.
pub struct Pipeline {
    store: Arc<Store>,
    schemas: Arc<Schemas>,
    config: Config,
    tokens: Vec<(String, String, bool)>,
}

/// Names a client uses while uploading, never processed (issue 4).
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.')
        || [".part", ".filepart", ".tmp"]
            .iter()
            .any(|s| name.ends_with(s))
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((hex, n))
}

impl Pipeline {
    /// A pipeline writing decisions to `store`.
    pub fn new(store: Arc<Store>, schemas: Arc<Schemas>, config: Config) -> Pipeline {
        let mut tokens = Vec::new();
        for s in schemas.iter() {
            for t in std::iter::once(&s.file_type).chain(&s.name_aliases) {
                tokens.push((t.clone(), s.file_type.clone(), s.batch_names));
            }
        }
        tokens.push(("outgoing_ach".into(), "outgoing_ach".into(), false));
        Pipeline {
            store,
            schemas,
            config,
            tokens,
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The drop folder for a file name (by its file type, D5), if the name parses.
    pub fn folder_for_name(&self, name: &str) -> std::result::Result<String, String> {
        let tokens: Vec<(&str, &str, bool)> = self
            .tokens
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), *c))
            .collect();
        let f = filename::parse(name, &tokens)?;
        self.config
            .inboxes
            .iter()
            .find(|i| i.file_type == f.file_type)
            .map(|i| i.folder.clone())
            .ok_or_else(|| format!("no drop folder for {} files", f.file_type))
    }

    /// The drop folder a partner-relative path lies directly in.
    pub fn inbox_of(&self, rel: &str) -> Option<&Inbox> {
        let (folder, name) = rel.rsplit_once('/')?;
        (!is_temp_name(name)).then_some(())?;
        self.config.inboxes.iter().find(|i| i.folder == folder)
    }

    /// Every file waiting in a partner's drop folders (for start-up and periodic scans).
    pub fn pending(&self, partner: &PartnerRow) -> Vec<String> {
        let mut out = Vec::new();
        for inbox in &self.config.inboxes {
            let dir = Path::new(&partner.root).join(&inbox.folder);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if e.file_type().is_ok_and(|t| t.is_file()) && !is_temp_name(&name) {
                    out.push(format!("{}/{name}", inbox.folder));
                }
            }
        }
        out.sort();
        out
    }

    /// Processes the file at `rel` (relative to the partner root). `Ok(None)` when there is
    /// nothing to do: not a drop folder, a temporary name, or already gone.
    pub fn process(&self, partner: &PartnerRow, rel: &str) -> Result<Option<Processed>> {
        let Some(inbox) = self.inbox_of(rel) else {
            return Ok(None);
        };
        let root = PathBuf::from(&partner.root);
        let path = root.join(rel);
        let (sha256, bytes) = match hash_file(&path) {
            Ok(x) => x,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(&path)(e)),
        };
        // A decision committed before a crash whose move did not happen: finish the move only.
        if let Some(prev) = self.store.latest_for_path(&partner.name, rel)? {
            if let (State::Accepted | State::Rejected | State::Duplicate, Some(fp)) =
                (prev.state, &prev.final_path)
            {
                if prev.sha256 == sha256 && !root.join(fp).exists() {
                    move_durable(&path, &root.join(fp)).map_err(io_err(&path))?;
                    tracing::info!(partner = %partner.name, file = rel, id = prev.id, "finished an interrupted move");
                    return Ok(Some(Processed {
                        id: prev.id,
                        state: prev.state,
                        final_path: fp.clone(),
                        status_path: format!("{fp}.status.json"),
                        error_count: prev.error_count,
                    }));
                }
            }
        }
        let name = rel.rsplit('/').next().unwrap_or(rel).to_string();
        // The upload ended with its last write: the file's mtime is when it was received, also
        // for a file that arrived while the service was down.
        let received: chrono::DateTime<Utc> = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .map(Into::into)
            .unwrap_or_else(|_| Utc::now());
        let received_at = received.to_rfc3339_opts(SecondsFormat::Millis, true);
        let tokens: Vec<(&str, &str, bool)> = self
            .tokens
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), *c))
            .collect();
        let parsed = filename::parse(&name, &tokens);
        let (file_type, prefix, version) = match &parsed {
            Ok(f) => {
                let p = match &f.prefix {
                    Prefix::Date(d) => d.clone(),
                    Prefix::Batch(b) | Prefix::Content(b) => b.to_lowercase(),
                };
                (Some(f.file_type.clone()), Some(p), Some(f.version))
            }
            Err(_) => (None, None, None),
        };
        let id = self.store.begin(&NewFile {
            partner: partner.name.clone(),
            path: rel.to_string(),
            name: name.clone(),
            file_type: file_type.clone(),
            prefix: prefix.clone(),
            version,
            sha256: sha256.clone(),
            bytes,
            received_at: received_at.clone(),
        })?;
        let (state, report) = self.decide(partner, inbox, &parsed, &path, &sha256)?;
        let file_date = match parsed.as_ref().map(|f| &f.prefix) {
            Ok(Prefix::Date(d)) => NaiveDate::parse_from_str(d, "%Y-%m-%d").ok(),
            _ => None,
        };
        let due = file_date.and_then(|d| deadline::deadline(d, self.config.deadline_hour));
        let late = due.is_some_and(|d| received >= d);
        self.finish(FinishArgs {
            partner,
            inbox,
            id,
            name: &name,
            rel,
            parsed: parsed.as_ref().ok(),
            sha256: &sha256,
            bytes,
            received_at: &received_at,
            state,
            report: &report,
            late,
            due_at: due.map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true)),
        })
        .map(Some)
    }

    /// Classification, duplicate rules (D5) and validation.
    fn decide(
        &self,
        partner: &PartnerRow,
        inbox: &Inbox,
        parsed: &std::result::Result<filename::FileName, String>,
        path: &Path,
        sha256: &str,
    ) -> Result<(State, Report)> {
        let f = match parsed {
            Ok(f) => f,
            Err(m) => {
                return Ok((
                    State::Rejected,
                    Report::file_error(&inbox.file_type, code::BAD_FILE_NAME, m.clone()),
                ))
            }
        };
        if f.file_type != inbox.file_type {
            let m = format!(
                "a {} file in the `{}` folder; drop it in `{}/`",
                f.file_type, inbox.folder, f.file_type
            );
            return Ok((
                State::Rejected,
                Report::file_error(&f.file_type, code::FOLDER_MISMATCH, m),
            ));
        }
        let prefix = match &f.prefix {
            Prefix::Date(d) => d.clone(),
            Prefix::Batch(b) | Prefix::Content(b) => b.to_lowercase(),
        };
        if let Some(prev) = self
            .store
            .same_name(&partner.name, &f.file_type, &prefix, f.version)?
        {
            let m = format!(
                "{} version {} was already received as `{}` ({:?}); send a higher version",
                prefix, f.version, prev.name, prev.state
            );
            return Ok((
                State::Duplicate,
                Report::file_error(&f.file_type, code::DUPLICATE, m),
            ));
        }
        if let Some(prev) = self.store.accepted_same_bytes(&partner.name, sha256)? {
            let m = format!("the same bytes were already accepted as `{}`", prev.name);
            return Ok((
                State::Duplicate,
                Report::file_error(&f.file_type, code::DUPLICATE, m),
            ));
        }
        if f.is_ach() {
            let file = File::open(path).map_err(io_err(path))?;
            let report = crate::ach::validate_ach(file, &self.config.ach_policy, usize::MAX)
                .map_err(io_err(path))?;
            let state = if report.outcome == Outcome::Accepted {
                State::Accepted
            } else {
                State::Rejected
            };
            return Ok((state, report));
        }
        let several_a_day = self
            .schemas
            .get(&f.file_type)
            .is_some_and(|s| s.batch_names);
        if !several_a_day {
            if let Some(prev) = self
                .store
                .accepted_for(&partner.name, &f.file_type, &prefix)?
            {
                let m = format!(
                    "`{}` was already accepted for {prefix}; this type is processed once a day",
                    prev.name
                );
                return Ok((
                    State::Rejected,
                    Report::file_error(&f.file_type, code::ALREADY_ACCEPTED, m),
                ));
            }
        }
        let Some(schema) = self.schemas.get(&f.file_type) else {
            let m = format!("{} files are not processed yet", f.file_type);
            return Ok((
                State::Rejected,
                Report::file_error(&f.file_type, code::UNKNOWN_FILE_TYPE, m),
            ));
        };
        // Every error goes to the errors file, so keep them all (D7).
        let opts = Options {
            max_kept: usize::MAX,
            ..self.config.options.clone()
        };
        let file = File::open(path).map_err(io_err(path))?;
        let report = validate(schema, &self.schemas.refdata, file, &opts, &mut |_| {})
            .map_err(io_err(path))?;
        let state = if report.outcome == Outcome::Accepted {
            State::Accepted
        } else {
            State::Rejected
        };
        Ok((state, report))
    }

    fn finish(&self, a: FinishArgs) -> Result<Processed> {
        let root = PathBuf::from(&a.partner.root);
        let folder = if a.state == State::Accepted {
            &a.inbox.processed
        } else {
            &a.inbox.failed
        };
        std::fs::create_dir_all(root.join(folder)).map_err(io_err(&root.join(folder)))?;
        // Never overwrite an earlier file of the same name (a duplicate or a re-upload).
        let mut final_rel = format!("{folder}/{}", a.name);
        if root.join(&final_rel).exists() {
            final_rel = format!("{folder}/{}.{}", a.name, a.id);
        }
        let errors_rel = (a.report.error_count > 0).then(|| format!("{final_rel}.errors.csv"));
        if let Some(e) = &errors_rel {
            write_atomic(&root.join(e), errors_csv(&a.report.errors).as_bytes())
                .map_err(io_err(&root.join(e)))?;
        }
        let decided_at = now();
        let (file_date, batch_id) = match a.parsed.map(|f| &f.prefix) {
            Some(Prefix::Date(d)) => (Some(d.as_str()), None),
            Some(Prefix::Batch(b) | Prefix::Content(b)) => (None, Some(b.as_str())),
            None => (None, None),
        };
        let outcome = match a.state {
            State::Accepted => "accepted",
            State::Duplicate => "duplicate",
            _ => "rejected",
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
            decided_at: &decided_at,
            outcome,
            late: a.late,
            due_at: a.due_at,
            error_count: a.report.error_count,
            warning_count: a.report.warning_count,
            errors: &a.report.errors[..a.report.errors.len().min(STATUS_LIMIT)],
            warnings: &a.report.warnings[..a.report.warnings.len().min(STATUS_LIMIT)],
            errors_file: errors_rel,
        };
        let status_rel = format!("{final_rel}.status.json");
        let json = serde_json::to_vec_pretty(&status)?;
        write_atomic(&root.join(&status_rel), &json).map_err(io_err(&root.join(&status_rel)))?;
        let decision = Decision {
            state: a.state,
            rows: a.report.rows,
            late: a.late,
            error_count: a.report.error_count,
            warning_count: a.report.warning_count,
            decided_at,
            final_path: final_rel.clone(),
        };
        // The commit point: from here on the file counts as decided.
        let decided = match (
            a.state,
            a.parsed.and_then(|f| self.schemas.get(&f.file_type)),
        ) {
            (State::Accepted, Some(schema)) => {
                let path = root.join(a.rel);
                let file_date = match a.parsed.map(|f| &f.prefix) {
                    Some(Prefix::Date(d)) => Some(d.as_str()),
                    _ => None,
                };
                self.store.decide_and_apply(a.id, &decision, &mut |ap| {
                    let file = File::open(&path)?;
                    crate::apply::apply_rows(schema, file, file_date, ap)
                })?
            }
            _ => self.store.decide(a.id, &decision)?,
        };
        if !decided {
            tracing::warn!(partner = %a.partner.name, file = a.rel, id = a.id, "already decided by another worker");
        }
        let from = root.join(a.rel);
        move_durable(&from, &root.join(&final_rel)).map_err(io_err(&from))?;
        tracing::info!(
            partner = %a.partner.name, file = a.rel, id = a.id, outcome, rows = a.report.rows,
            errors = a.report.error_count, warnings = a.report.warning_count, late = a.late, "decided"
        );
        Ok(Processed {
            id: a.id,
            state: a.state,
            final_path: final_rel,
            status_path: status_rel,
            error_count: a.report.error_count,
        })
    }
}

struct FinishArgs<'a> {
    partner: &'a PartnerRow,
    inbox: &'a Inbox,
    id: i64,
    name: &'a str,
    rel: &'a str,
    parsed: Option<&'a filename::FileName>,
    sha256: &'a str,
    bytes: u64,
    received_at: &'a str,
    state: State,
    report: &'a Report,
    late: bool,
    due_at: Option<String>,
}
