//! Pipeline settings: the drop folders (D6), the order of a day's files (D7), deadlines (D9),
//! limits, and each partner's program (D1).

use crate::crossfile::BalanceCreation;
use std::collections::HashMap;
use validate::schema::Schemas;
use validate::Options;

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
    /// Whether a file's rows go into the write transaction as they are read when no other file is
    /// being decided and the writer is free (else they are staged until the verdict).
    pub live_writes: bool,
    /// Times a file whose processing fails (bankdrop's own failure: a full disk, a database
    /// error) is tried before it is set aside in `failed/` with outcome `failed` and an alert.
    pub max_attempts: u32,
    /// The ACH processing windows (spec 06 §3) that schedule accepted outgoing entries.
    pub ach_windows: crate::windows::Windows,
    /// A simulated clock for ACH scheduling (tests, demos): entries are scheduled as if every
    /// file arrived at this instant. `None`: at its real arrival.
    pub ach_clock: Option<chrono::DateTime<chrono::Utc>>,
    /// The sandbox's simulated clock (spec 01 §12.2: test days are often in the past): every
    /// file is taken as arriving at this instant — for its deadline (late), the date-order and
    /// D7 holds, the sending day of `generated_at`, and the ACH windows. `None`: real time.
    pub clock: Option<chrono::DateTime<chrono::Utc>>,
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
    /// ACH limits agreed with the bank (spec 06 §5.2).
    pub ach_limits: AchLimits,
    /// The mode of each future rule by its id (`AF1`, `card F1`, …); a rule not listed takes
    /// `future_default`.
    pub future_rules: std::collections::BTreeMap<String, validate::schema::FutureMode>,
    /// The mode of the future rules not listed (default `warn`).
    pub future_default: validate::schema::FutureMode,
    /// The transaction `type` values of the program (transaction and non-posted files; spec 05
    /// §6.5: the type tables are per program and NOT SEEN); `None`: the schemas' list.
    pub transaction_types: Option<Vec<String>>,
    /// The transaction `type` values allowed on each balance type (`deposit`, `credit`, …; spec
    /// 05 §6.5 "per balance type"): a balance type not listed takes every type of the program.
    pub transaction_types_by_balance: std::collections::BTreeMap<String, Vec<String>>,
    /// Whether and how the program sells its receivables (Sales Request, spec 04 §3).
    pub sales: crate::sales::SalesSettings,
    /// A transaction update may name a transaction of the same day's transaction file (spec
    /// 05 §8.3 open question; default no, as the spec recommends).
    pub same_day_transaction_updates: bool,
}

impl Program {
    /// `schema` as this program sees it: its future rules in the program's modes, and its own
    /// transaction types (borrowed when neither changes anything).
    pub fn schema<'a>(
        &self,
        schema: &'a validate::schema::Schema,
    ) -> std::borrow::Cow<'a, validate::schema::Schema> {
        use std::borrow::Cow;
        use validate::schema::{types, FutureMode};
        let as_loaded = self.future_default == FutureMode::Warn
            && self.future_rules.values().all(|m| *m == FutureMode::Warn);
        let mut s = if as_loaded || schema.future_rules().is_empty() {
            Cow::Borrowed(schema)
        } else {
            let mode_of = |id: &str| *self.future_rules.get(id).unwrap_or(&self.future_default);
            Cow::Owned(schema.with_future_modes(&mode_of))
        };
        let typed = [types::TRANSACTION, types::NON_POSTED_TRANSACTION];
        if let Some(list) = &self.transaction_types {
            if typed.contains(&schema.file_type.as_str()) {
                if let Some(c) = schema.column_index("type") {
                    s.to_mut().columns[c].values = list.clone();
                }
            }
        }
        s
    }
}

/// ACH limits agreed with the bank (spec 06 §5.2: "set with Lead" per partner; their values are
/// configuration), in cents; `None`: no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AchLimits {
    /// The largest entry (`per_transaction_limit_exceeded`).
    pub per_transaction_cents: Option<u64>,
    /// The most originated for one processing day, accepted files and this one together
    /// (`aggregate_limit_exceeded`).
    pub daily_cents: Option<u64>,
}

impl Config {
    /// A partner's program: its own, or the default one.
    pub fn program(&self, partner: &str) -> &Program {
        self.programs.get(partner).unwrap_or(&self.program)
    }

    /// When a file that arrived at `arrived` is scheduled for the ACH windows: then, or at the
    /// simulated clock (`ach_clock`, else `clock`).
    pub fn ach_arrival(
        &self,
        arrived: chrono::DateTime<chrono::Utc>,
    ) -> chrono::DateTime<chrono::Utc> {
        self.ach_clock.or(self.clock).unwrap_or(arrived)
    }

    /// When a file that arrived at `arrived` counts as arriving: then, or at the simulated
    /// clock.
    pub fn arrival(&self, arrived: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        self.clock.unwrap_or(arrived)
    }

    /// Now, or the simulated clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.unwrap_or_else(chrono::Utc::now)
    }
}

impl Config {
    /// D6's layout for every schema type plus `ach/outgoing` and `documents`.
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
            file_type: validate::schema::types::OUTGOING_ACH.into(),
            processed: "ach/processed".into(),
            failed: "ach/failed".into(),
        });
        // Documents get a decision like any file (spec 01 §14.1): kept in `documents/processed`
        // when accepted, `documents/failed` when refused.
        let docs = crate::documents::FOLDER;
        inboxes.push(Inbox {
            folder: docs.into(),
            file_type: crate::documents::DOCUMENT.into(),
            processed: format!("{docs}/processed"),
            failed: format!("{docs}/failed"),
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
            live_writes: true,
            ach_windows: crate::windows::Windows::default(),
            ach_clock: None,
            clock: None,
        }
    }
}
