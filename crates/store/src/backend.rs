//! The store as the rest of the program sees it: one of the two backends, chosen by
//! configuration (`[store] url`, `docs/MULTI-NODE.md`). [`Db`] is the database, [`Snapshot`] a
//! read snapshot of it, [`Writing`] the write transaction of one file. Each is an enum over
//! the SQLite type ([`Store`], [`Reader`], [`WriteTx`]) and the PostgreSQL one ([`PgStore`],
//! [`PgReader`], [`PgWriteTx`]) and forwards every method to it: the two have the same methods
//! and signatures, so all the choosing between backends lives here, and code outside the store
//! crate never asks which one it has.
//!
//! SQLite-only methods mean on PostgreSQL: [`Db::scan_snapshot`] is [`Db::snapshot`] (the
//! server bounds a scan's memory itself, there is no file to map); [`Db::path`] is `None`.

use crate::pg::{PgReader, PgStore, PgWriteTx};
use crate::{
    AchRow, BalanceIn, Cluster, DayBatch, DayRow, Decision, Error, FileRow, HeldNote, HeldNotes,
    Lease, Ledger, NewFile, NodeRow, NonPostedIn, NonPostedRow, OpenBalance, PartnerRow,
    PartnerSchedule, Partners, Reader, RegistryEntry, Result, StateChange, Store, StoredRecord,
    TransactionIn, WriteTx,
};
use crate::{
    AlertOutbox, AlertRow, Audit, AuditRow, BreakAck, BreakRow, FileQuery, FileSearch, NewAlert,
    ReconDayRow, ReconResults, TokenRow, UserRow, Users,
};
use std::path::Path;
use std::time::Duration;

/// The same expression on whichever backend `$value` holds (bound to `$inner`).
macro_rules! each {
    ($value:expr, $inner:ident => $body:expr) => {
        match $value {
            Self::Sqlite($inner) => $body,
            Self::Postgres($inner) => $body,
        }
    };
}

/// Methods forwarded by an enum over the two backends: each signature once (the backends have
/// the same), its body the same call on whichever backend the enum holds.
macro_rules! forward {
    (&self: $($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty;)*) => {
        $($(#[$doc])* $vis fn $name(&self, $($arg: $ty),*) -> $ret {
            each!(self, x => x.$name($($arg),*))
        })*
    };
    (&mut self: $($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty;)*) => {
        $($(#[$doc])* $vis fn $name(&mut self, $($arg: $ty),*) -> $ret {
            each!(self, x => x.$name($($arg),*))
        })*
    };
}

/// The database: SQLite (one process, the default) or PostgreSQL (several nodes). Cheap to
/// share behind an `Arc`, as both backends are.
///
/// Like both backends, it is synchronous: async code calls it through `block_in_place` or
/// `spawn_blocking`. On PostgreSQL that is a must, not only good manners: the `postgres` client
/// runs a runtime of its own, and starting (or closing) it on a tokio runtime thread panics.
// One per process, behind an Arc: the variants' sizes cost nothing.
#[allow(clippy::large_enum_variant)]
pub enum Db {
    /// An embedded SQLite file.
    Sqlite(Store),
    /// A PostgreSQL database shared by the nodes.
    Postgres(PgStore),
}

/// A read snapshot of a [`Db`]: one consistent view for as long as it lives.
pub enum Snapshot<'s> {
    /// A pooled read-only SQLite connection in a read transaction.
    Sqlite(Reader),
    /// A pooled PostgreSQL connection in a `REPEATABLE READ READ ONLY` transaction (boxed:
    /// it is three times the size of SQLite's, and one allocation a snapshot is nothing).
    Postgres(Box<PgReader<'s>>),
}

/// The write transaction of one file on a [`Db`]: its ledger row, rows and decision commit
/// together ([`Writing::commit`]); dropped uncommitted, it rolls back.
// One a file being written, so the PostgreSQL variant's size (its batches) costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Writing<'s> {
    /// The SQLite write connection.
    Sqlite(WriteTx<'s>),
    /// A PostgreSQL connection in a READ COMMITTED transaction.
    Postgres(PgWriteTx<'s>),
}

/// Whether `url` names a PostgreSQL database.
fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `url` without its user and password, for logs and messages: `host:port/db`.
pub fn redacted(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    // The password may hold any character but `@` is the last one before the host.
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    host.split('?').next().unwrap_or(host).to_string()
}

impl Db {
    /// PostgreSQL when `url` is a `postgres://` or `postgresql://` url, SQLite at
    /// `sqlite_path` when there is no url. Any other url is refused rather than ignored: a
    /// mistyped url must not send a node to a private SQLite file.
    pub fn open(url: Option<&str>, sqlite_path: &Path) -> Result<Db> {
        match url {
            None => Ok(Db::Sqlite(Store::open(sqlite_path)?)),
            Some(u) if is_postgres(u) => Ok(Db::Postgres(PgStore::connect(u)?)),
            Some(u) => Err(Error::Url(format!(
                "`{}` is not a postgres:// or postgresql:// url",
                redacted(u)
            ))),
        }
    }

    /// Which database this is, for logs: the SQLite file, or PostgreSQL's host and database
    /// (never its password).
    pub fn describe(&self) -> String {
        match self {
            Db::Sqlite(s) => format!("sqlite {}", s.path().display()),
            Db::Postgres(p) => format!("postgresql {}", redacted(p.url())),
        }
    }

    /// The SQLite database file; `None` on PostgreSQL.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Db::Sqlite(s) => Some(s.path()),
            Db::Postgres(_) => None,
        }
    }

    /// A read snapshot of the committed state of now.
    pub fn snapshot(&self) -> Result<Snapshot<'_>> {
        Ok(match self {
            Db::Sqlite(s) => Snapshot::Sqlite(s.snapshot()?),
            Db::Postgres(p) => Snapshot::Postgres(Box::new(p.snapshot()?)),
        })
    }

    /// A snapshot for one long scan (the nightly run). On SQLite a connection of its own with
    /// a bounded cache; on PostgreSQL the same as [`Db::snapshot`].
    pub fn scan_snapshot(&self) -> Result<Snapshot<'_>> {
        Ok(match self {
            Db::Sqlite(s) => Snapshot::Sqlite(s.scan_snapshot()?),
            Db::Postgres(p) => Snapshot::Postgres(Box::new(p.snapshot()?)),
        })
    }

    /// Begins the write transaction of the file `f` claims, with its ledger row.
    pub fn write(&self, f: &NewFile) -> Result<Writing<'_>> {
        Ok(match self {
            Db::Sqlite(s) => Writing::Sqlite(s.write(f)?),
            Db::Postgres(p) => Writing::Postgres(p.write(f)?),
        })
    }

    /// [`Db::write`], or `None` when another writer holds the database (SQLite's one writer;
    /// on PostgreSQL always `Some`).
    pub fn try_write(&self, f: &NewFile) -> Result<Option<Writing<'_>>> {
        Ok(match self {
            Db::Sqlite(s) => s.try_write(f)?.map(Writing::Sqlite),
            Db::Postgres(p) => p.try_write(f)?.map(Writing::Postgres),
        })
    }

    /// The write transaction of file `id`, claimed earlier; `None` when it is decided already.
    pub fn write_claimed(&self, id: i64) -> Result<Option<Writing<'_>>> {
        Ok(match self {
            Db::Sqlite(s) => s.write_claimed(id)?.map(Writing::Sqlite),
            Db::Postgres(p) => p.write_claimed(id)?.map(Writing::Postgres),
        })
    }

    /// Records the decision and, in the same transaction, whatever `apply` writes; then runs
    /// `before_commit` (writing the result files) while the transaction is still open, and
    /// commits. If either fails nothing is written and the file stays undecided. Returns `false`
    /// (writing nothing) when the file was already decided.
    pub fn decide_and_apply(
        &self,
        id: i64,
        d: &Decision,
        apply: &mut dyn FnMut(&mut Writing) -> Result<()>,
        before_commit: &mut dyn FnMut() -> Result<()>,
    ) -> Result<bool> {
        let Some(mut w) = self.write_claimed(id)? else {
            return Ok(false);
        };
        apply(&mut w)?;
        w.commit(d, before_commit)
    }

    forward! {&self:
        /// Counts of stored records, balance reports and transactions of a partner.
        pub fn counts(partner: &str) -> Result<(u64, u64, u64)>;
        /// The latest version of a record, by its key.
        pub fn record(partner: &str, file_type: &str, key: &str) -> Result<Option<StoredRecord>>;
        /// Adds (or replaces) registry entries in one transaction; returns how many.
        pub fn registry_add(partner: &str, entries: &[RegistryEntry]) -> Result<usize>;
        /// The registry of a partner, optionally of one kind.
        pub fn registry_list(partner: &str, kind: Option<&str>) -> Result<Vec<RegistryEntry>>;
        /// The balances open before `file_date` (not in one of the `terminal` states), each to
        /// `f`.
        pub fn open_balances_before(
            partner: &str,
            file_date: &str,
            terminal: &[&str],
            f: &mut dyn FnMut(OpenBalance),
        ) -> Result<()>;
        /// Registry balances no balance file reported for `file_date`.
        pub fn unreported_registry_balances(partner: &str, file_date: &str)
            -> Result<Vec<RegistryEntry>>;
        /// Whether a file of this type and date was decided.
        pub fn decided_for(partner: &str, file_type: &str, prefix: &str) -> Result<bool>;
        /// The file types decided with a date in `from..to`.
        pub fn types_sent_between(partner: &str, from: &str, to: &str) -> Result<Vec<String>>;
    }
}

impl crate::AchEvents for Db {
    forward! {&self:
        fn ach_entry_data(partner: &str, trace: &str) -> Result<Option<String>>;
        fn ach_traces_known(partner: &str, traces: &[String]) -> Result<Vec<String>>;
        fn ach_total_for_day(partner: &str, day: &str) -> Result<u64>;
        fn add_ach_event(e: &crate::AchEvent) -> Result<()>;
        fn ach_events(partner: &str, trace: &str) -> Result<Vec<crate::AchEvent>>;
        fn ach_nocs(partner: &str) -> Result<Vec<crate::AchEvent>>;
    }
}

impl crate::Sales for Db {
    forward! {&self:
        fn sales_request(partner: &str, date: &str) -> Result<Option<crate::SalesRequestRow>>;
        fn record_sales_request(r: &crate::SalesRequestRow, sales: &[crate::NewSale])
            -> Result<bool>;
        fn sales_of_day(partner: &str, date: &str) -> Result<Vec<crate::SaleRow>>;
        fn sales_by_ids(partner: &str, ids: &[String]) -> Result<Vec<crate::SaleRow>>;
        fn unanswered_sales(partner: &str, through: &str) -> Result<Vec<crate::SaleRow>>;
        fn unsold_disbursements(partner: &str) -> Result<Vec<String>>;
        fn uncounted_transactions(partner: &str, balance_id: &str) -> Result<Vec<String>>;
    }
}

impl Partners for Db {
    forward! {&self:
        fn add_partner(name: &str, root: &str, now: &str) -> Result<()>;
        fn add_key(name: &str, key: &str) -> Result<()>;
        fn remove_partner(name: &str) -> Result<()>;
        fn partner(name: &str) -> Result<Option<PartnerRow>>;
        fn partners() -> Result<Vec<PartnerRow>>;
        fn remove_key(name: &str, key: &str) -> Result<bool>;
        fn set_allow_from(name: &str, ranges: &[String]) -> Result<()>;
        fn set_schedule(name: &str, schedule: &PartnerSchedule) -> Result<()>;
        fn environment(claim: &str) -> Result<String>;
    }
}

impl Cluster for Db {
    forward! {&self:
        fn heartbeat(node: &str, info: &str) -> Result<()>;
        fn nodes(dead_after: Duration) -> Result<Vec<NodeRow>>;
        fn take_lease(kind: &str, key: &str, node: &str, ttl: Duration) -> Result<bool>;
        fn renew_leases(node: &str, ttl: Duration) -> Result<u64>;
        fn release_lease(kind: &str, key: &str, node: &str) -> Result<bool>;
        fn finish_work(kind: &str, key: &str, node: &str) -> Result<bool>;
        fn is_done(kind: &str, key: &str) -> Result<bool>;
        fn leases() -> Result<Vec<Lease>>;
        fn expired_leases(kind: &str) -> Result<Vec<Lease>>;
    }
}

impl HeldNotes for Db {
    forward! {&self:
        fn held_note(partner: &str, path: &str) -> Result<Option<HeldNote>>;
        fn set_held_note(partner: &str, path: &str, note: &HeldNote) -> Result<()>;
        fn take_held_note(partner: &str, path: &str) -> Result<Option<HeldNote>>;
    }
}

impl Ledger for Db {
    forward! {&self:
        fn begin(f: &NewFile) -> Result<i64>;
        fn decide(id: i64, d: &Decision) -> Result<bool>;
        fn same_name(partner: &str, file_type: &str, prefix: &str, version: u64)
            -> Result<Option<FileRow>>;
        fn accepted_same_bytes(partner: &str, sha256: &str) -> Result<Option<FileRow>>;
        fn accepted_for(partner: &str, file_type: &str, prefix: &str) -> Result<Option<FileRow>>;
        fn last_accepted_at(partner: &str, file_types: &[&str], prefix: &str)
            -> Result<Option<String>>;
        fn latest_for_path(partner: &str, path: &str) -> Result<Option<FileRow>>;
        fn undecided(partner: &str) -> Result<Vec<FileRow>>;
        fn file(id: i64) -> Result<Option<FileRow>>;
        fn files(partner: Option<&str>, limit: u32) -> Result<Vec<FileRow>>;
        fn dated_between(partner: &str, from: &str, to: &str) -> Result<Vec<FileRow>>;
    }
}

impl Users for Db {
    forward! {&self:
        fn add_user(name: &str, partner: Option<&str>, password_hash: &str, now: &str)
            -> Result<()>;
        fn remove_user(name: &str) -> Result<bool>;
        fn user(name: &str) -> Result<Option<UserRow>>;
        fn users() -> Result<Vec<UserRow>>;
        fn create_session(id_hash: &str, user: &str, now: &str, expires_at: &str) -> Result<()>;
        fn session_user(id_hash: &str, now: &str) -> Result<Option<UserRow>>;
        fn end_session(id_hash: &str) -> Result<()>;
        fn add_token(token_hash: &str, user: &str, label: &str, now: &str,
            expires_at: Option<&str>) -> Result<()>;
        fn token_user(token_hash: &str, now: &str) -> Result<Option<UserRow>>;
        fn tokens(user: &str) -> Result<Vec<TokenRow>>;
        fn revoke_token(user: &str, label: &str) -> Result<bool>;
    }
}

impl Audit for Db {
    forward! {&self:
        fn audit(at: &str, user: &str, action: &str, detail: &str) -> Result<()>;
        fn audit_log(user: Option<&str>, limit: u32) -> Result<Vec<AuditRow>>;
    }
}

impl ReconResults for Db {
    forward! {&self:
        fn record_recon_day(partner: &str, date: &str, run_at: &str, summary_json: &str,
            breaks: &[BreakRow]) -> Result<()>;
        fn recon_day(partner: &str, date: &str) -> Result<Option<ReconDayRow>>;
        fn recon_days(partner: Option<&str>, from: &str, to: &str) -> Result<Vec<ReconDayRow>>;
        fn breaks(partner: &str, from: &str, to: &str) -> Result<Vec<BreakRow>>;
        fn ack_break(a: &BreakAck) -> Result<i64>;
        fn break_acks(partner: &str) -> Result<Vec<BreakAck>>;
    }
}

impl AlertOutbox for Db {
    forward! {&self:
        fn enqueue_alert(a: &NewAlert) -> Result<bool>;
        fn due_alerts(now: &str, limit: u32) -> Result<Vec<AlertRow>>;
        fn alert_route_done(id: i64, route: &str) -> Result<()>;
        fn alert_delivered(id: i64, now: &str) -> Result<()>;
        fn alert_retry(id: i64, next_at: &str, error: &str) -> Result<()>;
        fn alerts(limit: u32) -> Result<Vec<AlertRow>>;
    }
}

impl FileSearch for Db {
    forward! {&self:
        fn search_files(q: &FileQuery) -> Result<(Vec<FileRow>, u64)>;
        fn file_counts(q: &FileQuery) -> Result<Vec<(String, String, u64)>>;
        fn last_upload(partner: &str) -> Result<Option<String>>;
        fn received_between(partner: &str, from: &str, to: &str) -> Result<Vec<FileRow>>;
    }
}

impl Snapshot<'_> {
    forward! {&self:
        /// The date of the latest accepted balance file dated before `file_date`, if any.
        pub fn latest_balance_file_before(partner: &str, file_date: &str)
            -> Result<Option<String>>;
        /// The date of the non-posted snapshot a day reads, if any.
        pub fn non_posted_snapshot_date(partner: &str, file_date: &str)
            -> Result<Option<String>>;
        /// The rows of a non-posted snapshot, each to `each`; returns how many.
        pub fn non_posted(
            partner: &str,
            snapshot_date: &str,
            each: &mut dyn FnMut(NonPostedRow),
        ) -> Result<u64>;
        /// The key of the record of `file_type` that carries reference `id`, if any.
        pub fn find_ref(partner: &str, file_type: &str, id: &str) -> Result<Option<String>>;
        /// Whether `id` is known: carried by a record of `file_type`, or in the registry.
        pub fn known(partner: &str, file_type: &str, registry_kind: Option<&str>, id: &str)
            -> Result<bool>;
        /// [`Snapshot::known`] of each of `ids`, in order: one round trip on PostgreSQL.
        pub fn known_many(partner: &str, file_type: &str, registry_kind: Option<&str>,
            ids: &[&str]) -> Result<Vec<bool>>;
        /// One registry entry.
        pub fn registry_get(partner: &str, kind: &str, id: &str)
            -> Result<Option<RegistryEntry>>;
        /// The latest version of a record, by its key.
        pub fn record(partner: &str, file_type: &str, key: &str) -> Result<Option<StoredRecord>>;
        /// [`Snapshot::record`] of each of `keys`, in order: one round trip on PostgreSQL.
        pub fn records_many(partner: &str, file_type: &str, keys: &[&str])
            -> Result<Vec<Option<StoredRecord>>>;
        /// A transaction by its id.
        pub fn transaction(partner: &str, id: &str) -> Result<Option<StoredRecord>>;
        /// The date of the transaction file each of `ids` came in, if it is stored, in order.
        pub fn transaction_file_dates(partner: &str, ids: &[&str]) -> Result<Vec<Option<String>>>;
        /// The state changes of a record, oldest first.
        pub fn states(partner: &str, file_type: &str, key: &str) -> Result<Vec<StateChange>>;
        /// The typed columns of the balance `key`'s latest report, if it was reported.
        pub fn balance_state(partner: &str, key: &str) -> Result<Option<crate::BalanceState>>;
        /// The keys of the `file_type` records whose latest state is `state`.
        pub fn keys_in_state(partner: &str, file_type: &str, state: &str)
            -> Result<std::collections::HashSet<String>>;
        /// The partner's accepted document of that exact file name (spec 01 §14.1), if any.
        pub fn document(partner: &str, name: &str) -> Result<Option<crate::DocumentRow>>;
        /// Whether each of `names` is an accepted document of the partner, in order.
        pub fn documents_known(partner: &str, names: &[&str]) -> Result<Vec<bool>>;
    }

    /// The accepted ACH entries settling on `date`, each to `each` (which returns `false` to
    /// stop); returns how many were read.
    pub fn ach_entries_settled_on<E: From<Error>>(
        &self,
        partner: &str,
        date: &str,
        each: &mut dyn FnMut(AchRow) -> std::result::Result<bool, E>,
    ) -> std::result::Result<u64, E> {
        each!(self, r => r.ach_entries_settled_on(partner, date, each))
    }

    /// The returns (each the original entry as stored) and received forward entries settling on
    /// `date`.
    pub fn ach_events_settled_on<E: From<Error>>(
        &self,
        partner: &str,
        date: &str,
        each: &mut dyn FnMut(AchRow) -> std::result::Result<bool, E>,
    ) -> std::result::Result<u64, E> {
        each!(self, r => r.ach_events_settled_on(partner, date, each))
    }

    /// The balance days of `file_date`, one row at a time.
    pub fn day_balances<E: From<Error>>(
        &self,
        partner: &str,
        file_date: &str,
        each: &mut dyn FnMut(DayRow) -> std::result::Result<bool, E>,
    ) -> std::result::Result<u64, E> {
        each!(self, r => r.day_balances(partner, file_date, each))
    }

    /// The balance days of `file_date`, in batches.
    pub fn day_batches<E: From<Error>>(
        &self,
        partner: &str,
        file_date: &str,
        each: &mut dyn FnMut(&mut DayBatch) -> std::result::Result<bool, E>,
    ) -> std::result::Result<u64, E> {
        each!(self, r => r.day_batches(partner, file_date, each))
    }
}

impl Writing<'_> {
    forward! {&self:
        /// The id of the file's ledger row.
        pub fn file_id() -> i64;
        /// Sets the file's hash and size once its bytes are read.
        pub fn set_file_hash(sha256: &str, bytes: u64) -> Result<()>;
        /// Writes an alert in the file's transaction: it commits, or rolls back, with the
        /// decision. False, writing nothing, when an alert with its `dedupe_key` exists.
        pub fn enqueue_alert(a: &NewAlert) -> Result<bool>;
    }

    forward! {&mut self:
        /// How many (day, balance) activities are kept in memory before going to a temporary
        /// table.
        pub fn set_activity_limit(n: usize) -> ();
        /// The id of the layout (column names in cell order) of `file_type` rows.
        pub fn layout(file_type: &str, columns: &[&str]) -> Result<i64>;
        /// Stores a record (its encoded row) under its key.
        pub fn record(file_type: &str, key: &str, row: &[u8]) -> Result<()>;
        /// Stores a reference id a record carries.
        pub fn record_ref(file_type: &str, ref_id: &str, key: &str) -> Result<()>;
        /// Stores a state change of a record.
        pub fn state(
            file_type: &str,
            key: &str,
            file_date: Option<&str>,
            state: &str,
            effective_at: Option<&str>,
        ) -> Result<()>;
        /// Stores a balance report.
        pub fn balance(b: &BalanceIn) -> Result<()>;
        /// Stores a transaction; `false` when its id was applied by an earlier file.
        pub fn transaction(t: &TransactionIn) -> Result<bool>;
        /// Stores a transaction of row `row`, its conflict told later
        /// ([`Writing::take_conflicts`]).
        pub fn transaction_batched(row: u64, t: &TransactionIn) -> Result<()>;
        /// The rows whose transaction id an earlier file applied, with the id.
        pub fn take_conflicts() -> Result<Vec<(u64, String)>>;
        /// Stores a row of a non-posted snapshot.
        pub fn non_posted(n: &NonPostedIn) -> Result<()>;
        /// Whether `node` holds the unexpired lease (`kind`, `key`), checked in this
        /// transaction so that a lease lost before the commit cannot be taken over during it.
        pub fn holds_lease(kind: &str, key: &str, node: &str) -> Result<bool>;
        /// Records an event of an entry (a dishonored return the file sends) in the file's
        /// transaction.
        pub fn ach_event(e: &crate::AchEvent) -> Result<()>;
        /// Stores an accepted outgoing ACH entry.
        pub fn ach_entry(line: u64, trace: &str, settlement_date: Option<&str>, json: &str)
            -> Result<()>;
        /// Records an empty non-posted snapshot for `file_date`.
        pub fn empty_snapshot(file_date: &str) -> Result<()>;
        /// Records the accepted document of this file (spec 01 §14.1).
        pub fn document(d: &crate::DocumentRow) -> Result<()>;
        /// Records a Sales Response's answer to a sale of the file's partner, unless the sale
        /// is unknown or was answered already (told in the outcome).
        pub fn answer_sale(a: &crate::SaleAnswer) -> Result<crate::Answered>;
    }

    /// Records decision `d`, runs `before_commit`, and commits; `false` (nothing committed)
    /// when the file was decided already.
    pub fn commit(
        self,
        d: &Decision,
        before_commit: &mut dyn FnMut() -> Result<()>,
    ) -> Result<bool> {
        each!(self, w => w.commit(d, before_commit))
    }
}

#[cfg(test)]
mod tests {
    use super::{redacted, Db};
    use crate::Error;

    #[test]
    fn no_url_is_sqlite_and_another_scheme_is_refused_without_its_password() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(None, &dir.path().join("db.sqlite")).unwrap();
        assert!(matches!(db, Db::Sqlite(_)));
        assert_eq!(db.path(), Some(dir.path().join("db.sqlite").as_path()));
        let Err(Error::Url(e)) = Db::open(Some("mysql://u:hunter2@db/x"), dir.path()) else {
            panic!("a mysql url was accepted");
        };
        assert!(e.contains("db/x") && !e.contains("hunter2"), "{e}");
    }

    #[test]
    fn a_url_is_shown_without_its_credentials() {
        assert_eq!(
            redacted("postgres://bank:s3cr@t@db.example:5432/bankdrop?sslmode=disable"),
            "db.example:5432/bankdrop"
        );
        assert_eq!(redacted("postgresql://db/x"), "db/x");
    }
}
