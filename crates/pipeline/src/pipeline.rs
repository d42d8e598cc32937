//! The orchestrator: each file goes through four stages, in order, each handing its result to
//! the next — claim (`claim`), decide (`decide`: reads only), commit (`commit`: the one place
//! that writes the store) and publish (`publish`: the move). Ordering (`held`), the retries and
//! setting a file aside (`setaside`) are asked here; no stage calls back into another.

use crate::alert::{Alerts, LogOnly};
use crate::claim::{self, is_temp_name, Claim, Fence};
use crate::commit::{self, Sink};
use crate::config::{Config, Inbox};
use crate::decide::Decider;
use crate::held::{HeldNote, Hold, Order};
use crate::names::{claim_name, is_hashed_claim, CLAIM_PREFIX};
use crate::node::Node;
use crate::publish::{self, Processed};
use crate::results::{now, Results};
use crate::setaside::SetAside;
use crate::stage::Batch;
use crate::{deadline, Result};
use chrono::{SecondsFormat, Utc};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use store::cluster::FILE;
use store::{Db, PartnerRow};
use store::{HeldNotes, Ledger};
use validate::schema::Schemas;

/// What [`Pipeline::process_or_hold`] did with a file.
#[derive(Debug, Clone)]
pub enum Step {
    /// It waits for the files it depends on (D7); it is still in its inbox.
    Held(Hold),
    /// It was decided.
    Decided(Processed),
    /// Another node holds its lease: it is being processed there.
    Elsewhere,
}

/// Batches of rows between the reading thread and the writer: about 1 MiB in flight.
const BATCHES_IN_FLIGHT: usize = 4;

/// The pipeline over a store and a schema set.
pub struct Pipeline {
    store: Arc<Db>,
    schemas: Arc<Schemas>,
    config: Config,
    /// Failed attempts per (partner, path) in this run of the service.
    attempts: Mutex<HashMap<(String, String), u32>>,
    alerts: Arc<dyn Alerts>,
    /// Files between their claim and their publication, in every worker.
    in_flight: AtomicUsize,
    /// This process as a node: the leases it takes on files.
    node: Arc<Node>,
}

/// Counts a file in flight while it lives.
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The maps stay usable after a worker panicked: they hold plain data.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Pipeline {
    /// A pipeline writing decisions to `store`.
    pub fn new(store: Arc<Db>, schemas: Arc<Schemas>, config: Config) -> Pipeline {
        Pipeline {
            store,
            schemas,
            config,
            attempts: Mutex::default(),
            alerts: Arc::new(LogOnly),
            in_flight: AtomicUsize::new(0),
            node: Arc::default(),
        }
    }

    /// The node this pipeline runs as (its name and lease time); by default the host name and
    /// process id, with [`crate::node::DEFAULT_LEASE`].
    pub fn with_node(mut self, node: Arc<Node>) -> Pipeline {
        self.node = node;
        self
    }

    /// Runs this pipeline as `node` from now on.
    pub fn set_node(&mut self, node: Arc<Node>) {
        self.node = node;
    }

    /// The node this pipeline runs as.
    pub fn node(&self) -> &Arc<Node> {
        &self.node
    }

    /// Processes the file at `rel` under this node's lease on it, as the service does: another
    /// node holding it gives [`Step::Elsewhere`] and nothing is done; a failure below
    /// `[pipeline] max_attempts` leaves the file for the next look (`None`), at the limit it is
    /// set aside ([`Pipeline::on_failure`]). `None` too when there is nothing to do.
    pub fn process_job(&self, partner: &PartnerRow, rel: &str) -> Option<Step> {
        self.inbox_of(rel)?;
        let lease = match self
            .node
            .take(&self.store, FILE, format!("{}/{rel}", partner.name))
        {
            Ok(Some(lease)) => lease,
            Ok(None) => return Some(Step::Elsewhere),
            Err(e) => {
                // Nothing is known of the file yet; it stays in its inbox for the next look.
                tracing::error!(partner = %partner.name, file = rel, error = %e, "taking the file's lease failed");
                return None;
            }
        };
        let fence = Fence {
            key: lease.key().to_string(),
            node: self.node.name.clone(),
        };
        match self.hold_or_process(partner, rel, Some(&fence)) {
            Ok(step) => step,
            Err(e) => match lease.still_held() {
                Ok(true) => self.on_failure(partner, rel, &e).map(Step::Decided),
                // Lapsed (this node stalled) and maybe taken over: the failure is not this
                // node's to count, and setting the file aside could move another node's work.
                held => {
                    tracing::warn!(partner = %partner.name, file = rel, error = %e,
                        lease_check = ?held.err(), "processing failed after this node's lease lapsed");
                    None
                }
            },
        }
    }

    /// Where alerts go (files set aside); by default only to the log.
    pub fn with_alerts(mut self, alerts: Arc<dyn Alerts>) -> Pipeline {
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

    /// The store.
    pub fn store(&self) -> &Arc<Db> {
        &self.store
    }

    fn order(&self) -> Order<'_> {
        Order {
            store: &self.store,
            schemas: &self.schemas,
            config: &self.config,
        }
    }

    /// Why the file at `rel` must wait now (D7), or `None` to process it.
    pub fn hold(
        &self,
        partner: &PartnerRow,
        rel: &str,
        now: chrono::DateTime<Utc>,
    ) -> Result<Option<Hold>> {
        self.order().hold(partner, rel, now)
    }

    /// Processes the file at `rel` unless a file it depends on for the same date or batch is
    /// not decided yet (D7): then it stays in its inbox and `Held` says why. `Ok(None)` as for
    /// [`Pipeline::process`].
    pub fn process_or_hold(&self, partner: &PartnerRow, rel: &str) -> Result<Option<Step>> {
        self.hold_or_process(partner, rel, None)
    }

    /// [`Pipeline::process_or_hold`], its decision fenced by `lease` when it has one.
    fn hold_or_process(
        &self,
        partner: &PartnerRow,
        rel: &str,
        lease: Option<&Fence>,
    ) -> Result<Option<Step>> {
        if self.inbox_of(rel).is_none() {
            return Ok(None);
        }
        if let Some(h) = self.hold(partner, rel, self.config.now())? {
            // Gone (deleted by the partner, or decided meanwhile): nothing waits. A copy a
            // crash left claimed waits like the file itself.
            let root = Path::new(&partner.root);
            if !root.join(rel).exists() && !root.join(claim::claimed_rel(rel)).exists() {
                return Ok(None);
            }
            // Kept in the store, so whichever node processes the file tells its wait.
            let mut note = self
                .store
                .held_note(&partner.name, rel)?
                .unwrap_or_else(|| store::HeldNote {
                    since: now(),
                    waiting_for: Vec::new(),
                    released: None,
                });
            // Everything it ever waited for, in D7 order.
            for t in &h.waiting_for {
                if !note.waiting_for.contains(t) {
                    note.waiting_for.push(t.clone());
                }
            }
            let order: Vec<&String> = self.config.order.iter().flatten().collect();
            note.waiting_for
                .sort_by_key(|t| order.iter().position(|o| *o == t));
            note.released = None;
            self.store.set_held_note(&partner.name, rel, &note)?;
            tracing::info!(partner = %partner.name, file = rel, waiting_for = ?h.waiting_for, "held");
            return Ok(Some(Step::Held(h)));
        }
        if let Some(mut note) = self.store.held_note(&partner.name, rel)? {
            let why = self.order().released_why(partner, rel, &note.waiting_for)?;
            note.released = Some(why.to_string());
            self.store.set_held_note(&partner.name, rel, &note)?;
        }
        Ok(self.process_fenced(partner, rel, lease)?.map(Step::Decided))
    }

    /// The drop folder for a file name (by its file type, D5), if the name parses.
    pub fn folder_for_name(&self, name: &str) -> std::result::Result<String, String> {
        let f = match self.schemas.parse_file_name(name) {
            Ok(f) => f,
            // A document is known by its extension alone (its content is checked later).
            Err(_) if crate::documents::Kind::by_extension(name).is_some() => {
                return Ok(crate::documents::FOLDER.to_string())
            }
            Err(e) => return Err(e),
        };
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
    /// nothing to do: not a drop folder, a temporary name, or already gone. A claim a crash left
    /// for the same name (an older upload of it) goes first.
    pub fn process(&self, partner: &PartnerRow, rel: &str) -> Result<Option<Processed>> {
        self.process_fenced(partner, rel, None)
    }

    /// [`Pipeline::process`], each decision fenced by `lease` when it has one.
    fn process_fenced(
        &self,
        partner: &PartnerRow,
        rel: &str,
        lease: Option<&Fence>,
    ) -> Result<Option<Processed>> {
        let Some(inbox) = self.inbox_of(rel) else {
            return Ok(None);
        };
        let mut done = None;
        if let Some(mut c) = claim::leftover(&self.schemas, partner, inbox, rel) {
            c.lease = lease.cloned();
            done = Some(self.run(&c)?);
        }
        match claim::claim(&self.schemas, partner, inbox, rel)? {
            Some(mut c) => {
                c.lease = lease.cloned();
                self.run(&c).map(Some)
            }
            None => Ok(done),
        }
    }

    /// A claimed file, decided, committed and published.
    fn run(&self, c: &Claim) -> Result<Processed> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let _counted = InFlight(&self.in_flight);
        if let Some(p) = publish::finish_interrupted(&self.store, c)? {
            return Ok(p);
        }
        crate::metrics::received(c);
        let file = c.new_file();
        if is_hashed_claim(&claim_name(&c.name)) {
            // Its claim does not carry its name: the ledger row must, before anything else.
            self.store.begin(&file)?;
        }
        let due = c
            .date()
            .and_then(|d| deadline::deadline(d, self.config.deadline_hour));
        // Removed once the decision is published: a crash before keeps it for the retry.
        let held = self
            .store
            .held_note(&c.partner.name, &c.rel)?
            .map(|n| HeldNote {
                since: n.since,
                waited_for: n.waiting_for,
                released: match n.released.as_deref() {
                    Some("prerequisites decided") => "prerequisites decided",
                    // Processed without `process_or_hold` deciding to: as at the deadline.
                    _ => "deadline",
                },
            });
        let was_held = held.is_some();
        let results = Results {
            claim: c,
            late: due.is_some_and(|d| self.config.arrival(c.received) >= d),
            due_at: due.map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true)),
            held,
            max_name_len: self.config.max_name_len,
            config: &self.config,
        };
        let decider = Decider {
            store: &self.store,
            schemas: &self.schemas,
            config: &self.config,
        };
        // The file's rows are written as they are read when nothing else is being decided (one
        // file, both cores); otherwise they wait for the verdict, so workers validate in
        // parallel and hold the writer only to write.
        let schema = c
            .parsed
            .as_ref()
            .ok()
            .filter(|f| !f.is_ach())
            .and_then(|f| self.schemas.get(&f.file_type));
        let alone = self.config.live_writes && self.in_flight.load(Ordering::SeqCst) == 1;
        let mut sink = Sink::new(&self.store, &file, schema, c.file_date(), alone)?;
        let live = sink.is_live();
        let started = std::time::Instant::now();
        let mut verdict = std::thread::scope(|s| -> Result<_> {
            let (tx, rx) = mpsc::sync_channel::<Batch>(BATCHES_IN_FLIGHT);
            let reading = s.spawn(move || {
                decider.decide(c, &mut |b| {
                    tx.send(b)
                        .map_err(|_| std::io::Error::other("the writer stopped"))
                })
            });
            let mut taken = Ok(());
            for b in rx {
                taken = sink.take(b);
                if taken.is_err() {
                    // Dropping the receiver stops the reading at its next batch.
                    break;
                }
            }
            let verdict = reading
                .join()
                .map_err(|_| store::Error::Apply("the reading thread panicked".into()))?;
            taken?;
            verdict
        })?;
        let read = started.elapsed();
        let done = commit::commit(
            &self.store,
            &file,
            sink,
            &mut verdict,
            &results,
            c.file_date(),
        )?;
        let timing = publish::Timing {
            read,
            write: started.elapsed() - read,
            live,
        };
        let published = publish::publish(c, done.id, done.decision, done.status_rel, timing)?;
        if was_held {
            self.store.take_held_note(&c.partner.name, &c.rel)?;
        }
        Ok(published)
    }

    /// Called when processing `rel` failed with `error`. Below `[pipeline] max_attempts` the file
    /// stays where it is for the next scan (`None`); at the limit it is set aside in its
    /// `failed/` folder with outcome `failed`, a status file saying so, and an alert.
    pub fn on_failure(
        &self,
        partner: &PartnerRow,
        rel: &str,
        error: &crate::Error,
    ) -> Option<Processed> {
        let key = (partner.name.clone(), rel.to_string());
        let attempts = {
            let mut a = lock(&self.attempts);
            let n = a.entry(key.clone()).or_insert(0);
            *n += 1;
            *n
        };
        let max = self.config.max_attempts.max(1);
        if attempts < max {
            tracing::error!(partner = %partner.name, file = rel, attempt = attempts, of = max,
                error = %error, "processing failed; the file will be tried again");
            return None;
        }
        let inbox = self.inbox_of(rel)?;
        let aside = SetAside {
            store: &self.store,
            alerts: self.alerts.as_ref(),
            max_name_len: self.config.max_name_len,
        };
        let result = aside.set_aside(partner, inbox, rel, &error.to_string());
        lock(&self.attempts).remove(&key);
        match result {
            Ok(done) => done,
            Err(e) => {
                // The last resort failed too: say so loudly; the file stays where it is.
                self.alerts.send(&crate::alert::Alert {
                    kind: "file_stuck",
                    partner: partner.name.clone(),
                    file: rel.to_string(),
                    moved_to: None,
                    ledger_id: None,
                    error: format!("{error}; setting it aside failed too: {e}"),
                    at: now(),
                });
                None
            }
        }
    }
}
