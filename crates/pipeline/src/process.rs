//! Processing one file, start to finish.

use crate::crossfile::{self, BalanceCreation};
use crate::finish::FinishArgs;
use crate::fsio::move_durable;
use crate::held::{HeldNote, Hold};
use crate::names::{claim_name, is_hashed_claim, CLAIM_PREFIX};
use crate::spill::ErrorSpill;
use crate::status::STATUS_LIMIT;
use crate::{deadline, io_err, Result};
use chrono::{NaiveDate, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use store::{NewFile, PartnerRow, State, Store};
use validate::filename::{self, Prefix};
use validate::report::code;
use validate::schema::Schemas;
use validate::{validate_with_sink, Options, Outcome, Report};

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
    /// Processing order of file types for one date or batch (D7), earliest first.
    pub order: Vec<Vec<String>>,
    /// Types the partner sends daily, waited for before later types (D7). Empty: the types it
    /// sent in the previous 7 days.
    pub expected_types: Vec<String>,
    /// The program of a partner without one of its own.
    pub program: Program,
    /// Partners' own programs (D1: one partner is one program), by partner name.
    pub programs: HashMap<String, Program>,
    /// Longest file name accepted, in bytes; a longer one is rejected (`bad_file_name`) and kept
    /// in `failed/` under a shortened name (the SFTP server refuses to create such names).
    pub max_name_len: usize,
    /// The longest row of a partner file, in bytes (`line_too_long` past it; bounds memory).
    pub max_line_bytes: usize,
    /// Ids duplicate-id detection keeps in memory before spilling to temporary files.
    pub max_ids_in_memory: usize,
    /// Times a file whose processing fails (bankdrop's own failure: a full disk, a database
    /// error) is tried before it is set aside in `failed/` with outcome `failed` and an alert.
    pub max_attempts: u32,
}

/// One program's rules (D1): what its files may contain.
#[derive(Debug, Clone, Default)]
pub struct Program {
    /// Currencies the program accepts (D3); `None`: every active ISO 4217 code.
    pub currencies: Option<Vec<String>>,
    /// Nacha policy: allowed SEC codes, same day, maximum amount (D10).
    pub ach_policy: nacha::Policy,
    /// How the program creates balances (spec 05 §3.2).
    pub balance_creation: BalanceCreation,
}

impl Config {
    /// A partner's program: its own, or the default one.
    pub fn program(&self, partner: &str) -> &Program {
        self.programs.get(partner).unwrap_or(&self.program)
    }
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
            order: crate::held::default_order(),
            expected_types: Vec::new(),
            program: Program::default(),
            programs: HashMap::new(),
            max_name_len: 200,
            max_line_bytes: Options::default().max_line_bytes,
            max_ids_in_memory: Options::default().max_ids_in_memory,
            max_attempts: 5,
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

/// What [`Pipeline::process_or_hold`] did with a file.
#[derive(Debug, Clone)]
pub enum Step {
    /// It waits for the files it depends on (D7); it is still in its inbox.
    Held(Hold),
    /// It was decided.
    Decided(Processed),
}

/// Files seen waiting: (partner, path) → (first seen waiting, what it waits for, why it was
/// released once it was).
type HeldFiles = HashMap<(String, String), (String, Vec<String>, Option<&'static str>)>;

/// The pipeline over a store and a schema set.
pub struct Pipeline {
    store: Arc<Store>,
    schemas: Arc<Schemas>,
    config: Config,
    /// Files seen waiting, by (partner, path): since when and for what (for their status file).
    held: Mutex<HeldFiles>,
    /// Failed attempts per (partner, path) in this run of the service.
    pub(crate) attempts: Mutex<HashMap<(String, String), u32>>,
    pub(crate) alerts: Arc<dyn crate::alert::Alerts>,
}

/// Names a client uses while uploading, never processed (issue 4).
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.')
        || [".part", ".filepart", ".tmp"]
            .iter()
            .any(|s| name.ends_with(s))
}

pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
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
        Pipeline {
            store,
            schemas,
            config,
            held: Mutex::default(),
            attempts: Mutex::default(),
            alerts: Arc::new(crate::alert::LogOnly),
        }
    }

    /// Where alerts go (files set aside); by default only to the log.
    pub fn with_alerts(mut self, alerts: Arc<dyn crate::alert::Alerts>) -> Pipeline {
        self.alerts = alerts;
        self
    }

    /// The schema set.
    pub fn schemas(&self) -> &Schemas {
        &self.schemas
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn held_map(&self) -> MutexGuard<'_, HeldFiles> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Processes the file at `rel` unless a file it depends on for the same date or batch is
    /// not decided yet (D7): then it stays in its inbox and `Held` says why. `Ok(None)` as for
    /// [`Pipeline::process`].
    pub fn process_or_hold(&self, partner: &PartnerRow, rel: &str) -> Result<Option<Step>> {
        if self.inbox_of(rel).is_none() {
            return Ok(None);
        }
        if let Some(h) = self.hold(partner, rel, Utc::now())? {
            // Gone (deleted by the partner, or decided meanwhile): nothing waits. A copy a
            // crash left claimed waits like the file itself.
            let root = Path::new(&partner.root);
            let (folder, name) = rel.rsplit_once('/').unwrap_or(("", rel));
            let claimed = root.join(folder).join(claim_name(name));
            if !root.join(rel).exists() && !claimed.exists() {
                return Ok(None);
            }
            self.held_map()
                .entry((partner.name.clone(), rel.to_string()))
                .and_modify(|e| {
                    // Everything it ever waited for, in D7 order.
                    for t in &h.waiting_for {
                        if !e.1.contains(t) {
                            e.1.push(t.clone());
                        }
                    }
                    let order: Vec<&String> = self.config.order.iter().flatten().collect();
                    e.1.sort_by_key(|t| order.iter().position(|o| *o == t));
                })
                .or_insert_with(|| (now(), h.waiting_for.clone(), None));
            tracing::info!(partner = %partner.name, file = rel, waiting_for = ?h.waiting_for, "held");
            return Ok(Some(Step::Held(h)));
        }
        let key = (partner.name.clone(), rel.to_string());
        let waited = self.held_map().get(&key).map(|e| e.1.clone());
        if let Some(waited) = waited {
            let why = self.released_why(partner, rel, &waited)?;
            if let Some(e) = self.held_map().get_mut(&key) {
                e.2 = Some(why);
            }
        }
        Ok(self.process(partner, rel)?.map(Step::Decided))
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The drop folder for a file name (by its file type, D5), if the name parses.
    pub fn folder_for_name(&self, name: &str) -> std::result::Result<String, String> {
        let f = self.schemas.parse_file_name(name)?;
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

    /// Every file waiting in a partner's drop folders, including files a crash left claimed
    /// (for start-up and periodic scans).
    pub fn pending(&self, partner: &PartnerRow) -> Vec<String> {
        let mut out = Vec::new();
        // A claim of a name too long to keep in it names its file by a hash: the ledger row the
        // crash left undecided has the name.
        let mut undecided: Option<Vec<String>> = None;
        for inbox in &self.config.inboxes {
            let dir = Path::new(&partner.root).join(&inbox.folder);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if !e.file_type().is_ok_and(|t| t.is_file()) {
                    continue;
                }
                if is_hashed_claim(&name) {
                    let paths = undecided.get_or_insert_with(|| {
                        match self.store.undecided(&partner.name) {
                            Ok(rows) => rows.into_iter().map(|r| r.file.path).collect(),
                            Err(e) => {
                                tracing::error!(partner = %partner.name, error = %e, "cannot list undecided files");
                                Vec::new()
                            }
                        }
                    });
                    let prefix = format!("{}/", inbox.folder);
                    let known = paths.iter().find(|p| {
                        p.strip_prefix(&prefix)
                            .is_some_and(|n| !n.contains('/') && claim_name(n) == name)
                    });
                    // Claimed before its row was written: its name is lost, its hash stands in
                    // (and, not a file name of D5, it is rejected as one).
                    let logical = name.strip_prefix(CLAIM_PREFIX).unwrap_or(&name);
                    out.push(known.cloned().unwrap_or_else(|| prefix + logical));
                    continue;
                }
                let logical = name.strip_prefix(CLAIM_PREFIX).unwrap_or(&name);
                if !is_temp_name(logical) {
                    out.push(format!("{}/{logical}", inbox.folder));
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Processes the file at `rel` (relative to the partner root). `Ok(None)` when there is
    /// nothing to do: not a drop folder, a temporary name, or already gone.
    ///
    /// The file is first claimed by renaming it to `.claim-<name>` in its folder, so a partner
    /// uploading the same name again while it is processed creates a new file (and a new event)
    /// instead of changing the bytes under the validator.
    pub fn process(&self, partner: &PartnerRow, rel: &str) -> Result<Option<Processed>> {
        let Some(inbox) = self.inbox_of(rel) else {
            return Ok(None);
        };
        let root = PathBuf::from(&partner.root);
        let (folder, name) = rel.rsplit_once('/').unwrap_or(("", rel));
        let claim_rel = format!("{folder}/{}", claim_name(name));
        let mut done = None;
        // A claim left by a crash is an older upload of this name: it goes first.
        if root.join(&claim_rel).exists() {
            let received = ctime(&root.join(&claim_rel)).unwrap_or_else(|_| Utc::now());
            done = self.process_claimed(partner, inbox, rel, &claim_rel, received)?;
        }
        let path = root.join(rel);
        // ctime, not mtime: a client can set mtime (`put -p`), nobody can set ctime, and the
        // upload's final rename set it. Read it before the claim rename changes it.
        let received = match ctime(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(done),
            Err(e) => return Err(io_err(&path)(e)),
        };
        match std::fs::rename(&path, root.join(&claim_rel)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(done),
            Err(e) => return Err(io_err(&path)(e)),
        }
        self.process_claimed(partner, inbox, rel, &claim_rel, received)
    }

    fn process_claimed(
        &self,
        partner: &PartnerRow,
        inbox: &Inbox,
        rel: &str,
        work: &str,
        received: chrono::DateTime<Utc>,
    ) -> Result<Option<Processed>> {
        let root = PathBuf::from(&partner.root);
        let path = root.join(work);
        let (sha256, bytes) = match hash_file(&path) {
            Ok(x) => x,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(&path)(e)),
        };
        // A decision committed before a crash whose move did not happen: finish the move only.
        if let Some(prev) = self.store.latest_for_path(&partner.name, rel)? {
            if let Some(d) = &prev.decision {
                let fp = &d.final_path;
                if prev.file.sha256 == sha256 && !root.join(fp).exists() {
                    move_durable(&path, &root.join(fp)).map_err(io_err(&path))?;
                    tracing::info!(partner = %partner.name, file = rel, id = prev.id, "finished an interrupted move");
                    return Ok(Some(Processed {
                        id: prev.id,
                        state: d.state,
                        final_path: fp.clone(),
                        status_path: format!("{fp}.status.json"),
                        error_count: d.error_count,
                    }));
                }
            }
        }
        let name = rel.rsplit('/').next().unwrap_or(rel).to_string();
        let received_at = received.to_rfc3339_opts(SecondsFormat::Millis, true);
        let parsed = self.schemas.parse_file_name(&name);
        let (file_type, prefix, version) = match &parsed {
            Ok(f) => (
                Some(f.file_type.clone()),
                Some(f.ledger_prefix()),
                Some(f.version),
            ),
            Err(_) => (None, None, None),
        };
        let id = self.store.begin(&NewFile {
            partner: partner.name.clone(),
            path: rel.to_string(),
            name: name.clone(),
            file_type,
            prefix,
            version,
            sha256: sha256.clone(),
            bytes,
            received_at: received_at.clone(),
        })?;
        let mut errors = ErrorSpill::default();
        let (state, report) = match self.name_too_long(inbox, &name) {
            Some(r) => (State::Rejected, r),
            None => self.decide(partner, inbox, &parsed, &path, &sha256, &mut errors)?,
        };
        // Decisions made without the validator's stream carry their few errors in the report.
        if errors.is_empty() {
            for e in &report.errors {
                errors.push(e).map_err(io_err(&path))?;
            }
        }
        let file_date = match parsed.as_ref().map(|f| &f.prefix) {
            Ok(Prefix::Date(d)) => NaiveDate::parse_from_str(d, "%Y-%m-%d").ok(),
            _ => None,
        };
        let due = file_date.and_then(|d| deadline::deadline(d, self.config.deadline_hour));
        let late = due.is_some_and(|d| received >= d);
        let held = self
            .held_map()
            .remove(&(partner.name.clone(), rel.to_string()))
            .map(|(since, waited_for, why)| HeldNote {
                since,
                waited_for,
                // Processed without `process_or_hold` deciding to: released as at the deadline.
                released: why.unwrap_or("deadline"),
            });
        self.finish(FinishArgs {
            partner,
            inbox,
            id,
            name: &name,
            rel,
            work,
            parsed: parsed.as_ref().ok(),
            sha256: &sha256,
            bytes,
            received_at: &received_at,
            state,
            report,
            late,
            due_at: due.map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true)),
            held,
            errors,
        })
        .map(Some)
    }

    /// The rejection of a name longer than `max_name_len` (the SFTP server refuses to create
    /// one; another server feeding a watched tree may not).
    fn name_too_long(&self, inbox: &Inbox, name: &str) -> Option<Report> {
        let max = self.config.max_name_len;
        (name.len() > max).then(|| {
            let m = format!(
                "the name is {} bytes long; names may have at most {max}",
                name.len()
            );
            Report::file_error(&inbox.file_type, code::BAD_FILE_NAME, m)
        })
    }

    /// Classification, duplicate rules (D5) and validation.
    fn decide(
        &self,
        partner: &PartnerRow,
        inbox: &Inbox,
        parsed: &std::result::Result<filename::FileName, String>,
        path: &Path,
        sha256: &str,
        errors: &mut ErrorSpill,
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
        let prefix = f.ledger_prefix();
        if let Some(prev) = self
            .store
            .same_name(&partner.name, &f.file_type, &prefix, f.version)?
        {
            let m = format!(
                "{} version {} was already received as `{}` ({:?}); send a higher version",
                prefix,
                f.version,
                prev.file.name,
                prev.state()
            );
            return Ok((
                State::Duplicate,
                Report::file_error(&f.file_type, code::DUPLICATE, m),
            ));
        }
        if let Some(prev) = self.store.accepted_same_bytes(&partner.name, sha256)? {
            let m = format!(
                "the same bytes were already accepted as `{}`",
                prev.file.name
            );
            return Ok((
                State::Duplicate,
                Report::file_error(&f.file_type, code::DUPLICATE, m),
            ));
        }
        if f.is_ach() {
            let file = File::open(path).map_err(io_err(path))?;
            let policy = &self.config.program(&partner.name).ach_policy;
            let mut spilled = Ok(());
            let report = crate::ach::validate_ach_with_sink(file, policy, STATUS_LIMIT, &mut |f| {
                if spilled.is_ok() {
                    spilled = errors.push(f);
                }
            })
            .map_err(io_err(path))?;
            spilled.map_err(io_err(path))?;
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
                    prev.file.name
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
        // The report keeps the first errors for the status file; every error goes to the spill
        // for the errors file (D7), in bounded memory.
        let opts = Options {
            max_kept: STATUS_LIMIT,
            allowed_currencies: self.config.program(&partner.name).currencies.clone(),
            max_line_bytes: self.config.max_line_bytes,
            max_ids_in_memory: self.config.max_ids_in_memory,
            ..Options::default()
        };
        let file = File::open(path).map_err(io_err(path))?;
        let mut spilled = Ok(());
        let mut report = validate_with_sink(
            schema,
            &self.schemas.refdata,
            file,
            &opts,
            &mut |_| {},
            &mut |f| {
                if spilled.is_ok() {
                    spilled = errors.push(f);
                }
            },
        )
        .map_err(io_err(path))?;
        spilled.map_err(io_err(path))?;
        // Cross-file checks need a readable file: they run once the file itself is valid.
        if report.error_count == 0 {
            let ctx = crossfile::Ctx {
                store: &self.store,
                partner: &partner.name,
                creation: self.config.program(&partner.name).balance_creation,
                file_date: match &f.prefix {
                    Prefix::Date(d) => Some(d.as_str()),
                    _ => None,
                },
            };
            if let Some(r) = crossfile::pair(&ctx, &f.file_type, &prefix)? {
                return Ok((State::Rejected, r));
            }
            crossfile::check(&ctx, schema, path, &mut report, errors)?;
        }
        let state = if report.outcome == Outcome::Accepted {
            State::Accepted
        } else {
            State::Rejected
        };
        Ok((state, report))
    }
}

/// When the inode last changed: the upload's final rename (clients cannot set it).
fn ctime(path: &Path) -> std::io::Result<chrono::DateTime<Utc>> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path)?;
    Ok(chrono::DateTime::from_timestamp(m.ctime(), m.ctime_nsec() as u32).unwrap_or_else(Utc::now))
}
