//! `config/bankdrop.toml`: every key optional, defaults good for a first try.

pub mod ach;
pub mod environment;
pub mod ops;
pub mod recon;
mod sales;
pub mod units;

use crate::error::{Context, Result};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use toml::{Table, Value};
use units::{ByteSize, Listen, Secs};

/// The whole configuration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Sandbox or production (spec 01 §0.1): one service, data directory and database each.
    pub environment: environment::Environment,
    /// The sandbox's simulated clock (RFC 3339): every file is taken as arriving then.
    pub clock: Option<String>,
    /// Database, keys and partner trees.
    pub data_dir: PathBuf,
    /// Which database: SQLite under `data_dir` (the default), or PostgreSQL.
    pub store: StoreConfig,
    /// The embedded SFTP server.
    pub sftp: Sftp,
    /// The directory watcher.
    pub watch: Watch,
    /// Processing.
    pub pipeline: Pipeline,
    /// Program rules.
    pub program: Program,
    /// The nightly reconciliation (D9).
    pub recon: recon::Recon,
    /// The demo partner.
    pub demo: Demo,
    /// Where alerts for the operators go.
    pub alerts: Alerts,
    /// This node among several (`docs/MULTI-NODE.md`).
    pub cluster: Cluster,
    /// The operations web pages and JSON API.
    pub web: ops::Web,
    /// The Prometheus metrics endpoint.
    pub metrics: ops::Metrics,
    /// ACH processing windows and the simulated clock.
    pub ach: ach::Ach,
    /// `[partners.<name>]`: a partner's own program (D1: one partner is one program), any
    /// `[program]` key, and `[partners.<name>.recon]` with any reconciliation key of `[recon]`.
    pub partners: BTreeMap<String, Table>,
    /// The partners' programs resolved at load: `[program]` with their keys over it.
    #[serde(skip)]
    pub programs: HashMap<String, pipeline::Program>,
}

/// `[sftp]`: the embedded server and its resource limits (issue 9).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sftp {
    /// Run the embedded server.
    pub enabled: bool,
    /// Listen addresses: one (`"127.0.0.1:2222"`) or several (`["10.0.0.5:22", "[::1]:22"]`).
    pub listen: Listen,
    /// Largest upload.
    pub max_upload_size: ByteSize,
    /// How far past its first unwritten byte an upload may be written.
    pub max_write_ahead: ByteSize,
    /// Longest name a partner may create, in bytes.
    pub max_name_len: usize,
    /// Open handles per SFTP session.
    pub handles_per_session: usize,
    /// Open handles per partner, all its sessions together.
    pub handles_per_partner: usize,
    /// SFTP sessions per SSH connection.
    pub sessions_per_connection: usize,
    /// Logged-in connections per partner.
    pub connections_per_partner: usize,
    /// Connections per source address.
    pub connections_per_address: usize,
    /// Connections not logged in yet, in total.
    pub unauthenticated_connections: usize,
    /// Time to log in.
    pub login_timeout: Secs,
    /// Time without a request before a logged-in connection is closed.
    pub idle_timeout: Secs,
    /// Refused authentication attempts per address per minute.
    pub auth_failures_per_minute: u32,
    /// Request bytes queued per partner.
    pub queued_bytes_per_partner: ByteSize,
    /// Folder entries held by a partner's open folder listings.
    pub listed_entries_per_partner: usize,
    /// The folders of every partner's tree and what a partner may do in each (decision D6:
    /// configuration, not code); absent: D6's layout.
    pub layout: Option<bankdrop_sftp::Layout>,
}

impl Sftp {
    /// The layout partners' trees follow: `[sftp.layout]`, else D6's, checked.
    pub fn layout(&self) -> Result<bankdrop_sftp::Layout> {
        let layout = self
            .layout
            .clone()
            .unwrap_or_else(bankdrop_sftp::Layout::default_d6);
        layout
            .validate()
            .map_err(|e| crate::Error::Invalid(format!("[sftp.layout]: {e}")))?;
        Ok(layout)
    }

    /// The server's form of the limits.
    pub fn limits(&self) -> Result<bankdrop_sftp::Limits> {
        let queued = usize::try_from(self.queued_bytes_per_partner.0)
            .ok()
            .filter(|n| (1 << 20..=u32::MAX as usize).contains(n))
            .context("sftp.queued_bytes_per_partner: between 1 MiB and 4 GiB")?;
        let positive = [
            ("handles_per_session", self.handles_per_session),
            ("handles_per_partner", self.handles_per_partner),
            (
                "listed_entries_per_partner",
                self.listed_entries_per_partner,
            ),
            ("sessions_per_connection", self.sessions_per_connection),
            ("connections_per_partner", self.connections_per_partner),
            ("connections_per_address", self.connections_per_address),
            (
                "unauthenticated_connections",
                self.unauthenticated_connections,
            ),
            (
                "auth_failures_per_minute",
                self.auth_failures_per_minute as usize,
            ),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, n)| *n == 0) {
            crate::bail!("sftp.{key}: must be at least 1");
        }
        // `<name>.<ledger id>.status.json` and the result files' temporary names must fit 255.
        if !(16..=crate::config::MAX_NAME_LEN).contains(&self.max_name_len) {
            crate::bail!(
                "sftp.max_name_len: between 16 and {} bytes",
                crate::config::MAX_NAME_LEN
            );
        }
        Ok(bankdrop_sftp::Limits {
            max_upload_size: self.max_upload_size.0,
            max_write_ahead: self.max_write_ahead.0,
            max_name_len: self.max_name_len,
            handles_per_session: self.handles_per_session,
            handles_per_partner: self.handles_per_partner,
            sessions_per_connection: self.sessions_per_connection,
            connections_per_partner: self.connections_per_partner,
            connections_per_address: self.connections_per_address,
            unauthenticated_connections: self.unauthenticated_connections,
            login_timeout: self.login_timeout.0,
            idle_timeout: self.idle_timeout.0,
            auth_failures_per_minute: self.auth_failures_per_minute,
            queued_bytes_per_partner: queued,
            listed_entries_per_partner: self.listed_entries_per_partner,
        })
    }
}

/// The longest `max_name_len` allowed: the pipeline's longest result name beside a partner's
/// file is `<name>.<id>.status.json` (an id of up to 19 digits).
pub const MAX_NAME_LEN: usize = 255 - ".".len() - 19 - ".status.json".len();

/// `[watch]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Watch {
    /// Watch partner inboxes written by another server.
    pub enabled: bool,
}

/// `[pipeline]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pipeline {
    /// Concurrent validations.
    pub workers: usize,
    /// Deadline hour, America/Chicago (D9).
    pub deadline_hour: u32,
    /// Processing order of file types for one date or batch (D7), earliest first.
    pub order: Vec<Vec<String>>,
    /// Types every partner sends daily, waited for (D7); empty: learnt from the last 7 days.
    pub expected_types: Vec<String>,
    /// Tries of a file whose processing fails before it is set aside.
    pub max_attempts: u32,
    /// The longest row of a partner file.
    pub max_line_bytes: ByteSize,
    /// Ids kept in memory for duplicate-id detection before spilling to temporary files.
    pub max_ids_in_memory: usize,
    /// A file's rows go into the write transaction as they are read when nothing else is being
    /// decided (false: always kept until the verdict).
    pub live_writes: bool,
}

/// `[alerts]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Alerts {
    /// A command run for every alert, the alert as JSON on its standard input (no shell).
    pub command: Vec<String>,
    /// How long the command (or one webhook request) may run.
    pub timeout: Secs,
    /// `[[alerts.webhooks]]`: Slack incoming webhooks and generic JSON webhooks.
    pub webhooks: Vec<ops::Webhook>,
    /// The longest wait between two tries of an undelivered alert (the waits double up to it).
    pub retry_max: Secs,
    /// How often missing files (past their deadline) and files in `ach/incoming` are looked for.
    pub check_every: Secs,
}

impl Default for Alerts {
    fn default() -> Self {
        Alerts {
            command: Vec::new(),
            timeout: Secs(std::time::Duration::from_secs(10)),
            webhooks: Vec::new(),
            retry_max: Secs(std::time::Duration::from_secs(300)),
            check_every: Secs(std::time::Duration::from_secs(60)),
        }
    }
}

impl Alerts {
    /// The hook, when a command is configured.
    pub fn hook(&self) -> Option<pipeline::CommandHook> {
        pipeline::CommandHook::new(self.command.clone(), self.timeout.0)
    }
}

/// `[program]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Program {
    /// Allowed currencies; empty: all.
    pub currencies: Vec<String>,
    /// How balances are created: `file` or `api` (spec 05 §3.2).
    pub balance_creation: pipeline::BalanceCreation,
    /// SEC codes the program may originate (D10; default `CCD PPD WEB TEL`, spec 06 §2.1).
    pub sec_codes: Vec<String>,
    /// The largest ACH entry, in dollars (`"25000.00"`), as agreed with the bank (spec 06 §5.2
    /// `per_transaction_limit_exceeded`); absent: no limit.
    pub ach_per_transaction_limit: Option<String>,
    /// The most a program originates for one processing day, in dollars (spec 06 §5.2
    /// `aggregate_limit_exceeded`); absent: no limit.
    pub ach_daily_limit: Option<String>,
    /// The mode (`off`, `warn`, `reject`) of each future rule by its id (spec 02 §6.2, spec 03
    /// §4.2 and §8.2, spec 04 §2.2: announced with 60 days' notice).
    pub future_rules: std::collections::BTreeMap<String, validate::schema::FutureMode>,
    /// The mode of the future rules not listed.
    pub future_default: validate::schema::FutureMode,
    /// The program's transaction `type` values (spec 05 §6.5); empty: the schemas' list.
    pub transaction_types: Vec<String>,
    /// The transaction `type` values allowed per balance type (spec 05 §6.5), e.g.
    /// `{ deposit = ["debit", "credit"] }`; a balance type not listed takes every type.
    pub transaction_types_by_balance: std::collections::BTreeMap<String, Vec<String>>,
    /// A transaction update may name a transaction of the same day's transaction file (spec
    /// 05 §8.3; default false, as the spec recommends).
    pub same_day_transaction_updates: bool,
    /// The program sells its receivables to the partner (Originate-to-Sell, spec 04 §3.1):
    /// bankdrop writes a daily Sales Request. Default false (On-Sheet Lending).
    pub sells_receivables: bool,
    /// Seasoning period in business days (spec 04 §5.2; default 3, its example).
    pub sales_hold_business_days: u32,
    /// Imputed interest rate per year as a fraction, e.g. `"0.2499"` (spec 04 §5.2: the end
    /// customer's APR or the Program Management Agreement's rate; default `"0"`).
    pub sales_imputed_apr: String,
    /// Days a year the APR is divided by (default 365, actual/365).
    pub sales_day_count: u32,
    /// The Sales Request's file name, `{date}` the day (default `{date}_sales_request_v1.csv`).
    pub sales_request_name: String,
}

impl Default for Program {
    fn default() -> Self {
        Program {
            currencies: Vec::new(),
            balance_creation: pipeline::BalanceCreation::default(),
            sec_codes: ["CCD", "PPD", "WEB", "TEL"].map(String::from).to_vec(),
            ach_per_transaction_limit: None,
            ach_daily_limit: None,
            future_rules: Default::default(),
            future_default: Default::default(),
            transaction_types: Vec::new(),
            transaction_types_by_balance: Default::default(),
            same_day_transaction_updates: false,
            sells_receivables: false,
            sales_hold_business_days: 3,
            sales_imputed_apr: "0".into(),
            sales_day_count: 365,
            sales_request_name: pipeline::sales::DEFAULT_FILE_NAME.into(),
        }
    }
}

impl Program {
    /// The pipeline's form of the program.
    pub fn resolve(&self) -> Result<pipeline::Program> {
        let allowed_sec_codes = self
            .sec_codes
            .iter()
            .map(|c| {
                c.parse::<nacha::SecCode>()
                    .map_err(|e| crate::Error::Invalid(format!("sec_codes: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(pipeline::Program {
            currencies: (!self.currencies.is_empty()).then(|| self.currencies.clone()),
            ach_policy: nacha::Policy {
                allowed_sec_codes,
                ..nacha::Policy::default()
            },
            balance_creation: self.balance_creation,
            ach_limits: pipeline::AchLimits {
                per_transaction_cents: cents(
                    "ach_per_transaction_limit",
                    &self.ach_per_transaction_limit,
                )?,
                daily_cents: cents("ach_daily_limit", &self.ach_daily_limit)?,
            },
            future_rules: self.future_rules.clone(),
            future_default: self.future_default,
            transaction_types: (!self.transaction_types.is_empty())
                .then(|| self.transaction_types.clone()),
            transaction_types_by_balance: self.transaction_types_by_balance.clone(),
            same_day_transaction_updates: self.same_day_transaction_updates,
            sales: sales::settings(self)?,
        })
    }
}

/// A dollar amount of the configuration (`"25000.00"`) in cents.
fn cents(key: &str, v: &Option<String>) -> Result<Option<u64>> {
    let Some(v) = v else {
        return Ok(None);
    };
    let bad = || {
        crate::Error::Invalid(format!(
            "[program] {key}: `{v}` is not an amount in dollars"
        ))
    };
    let d: rust_decimal::Decimal = v.trim().parse().map_err(|_| bad())?;
    let c = d
        .checked_mul(rust_decimal::Decimal::ONE_HUNDRED)
        .ok_or_else(bad)?;
    if c.is_sign_negative() || c.fract() != rust_decimal::Decimal::ZERO {
        return Err(bad());
    }
    u64::try_from(c).map(Some).map_err(|_| bad())
}

/// `[store]`: the database (`docs/MULTI-NODE.md`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// A `postgres://` url: PostgreSQL, for several nodes. Absent: SQLite in `data_dir`.
    pub url: Option<String>,
}

/// `[cluster]`: this node among several sharing a PostgreSQL store (`docs/MULTI-NODE.md`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cluster {
    /// This node's name in leases, logs and `bankdrop nodes` (`serve --node` overrides it);
    /// absent: the host name and process id.
    pub node: Option<String>,
    /// How long a lease on a file or a nightly run lasts without a heartbeat.
    pub lease: Secs,
    /// How often every inbox is looked at again.
    pub rescan: Secs,
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster {
            node: None,
            lease: Secs(pipeline::node::DEFAULT_LEASE),
            rescan: Secs(std::time::Duration::from_secs(60)),
        }
    }
}

impl Cluster {
    /// The node these settings describe, named `name` when given (`serve --node`).
    pub fn node(&self, name: Option<&str>) -> Result<pipeline::Node> {
        let name = name
            .or(self.node.as_deref())
            .map_or_else(pipeline::node::default_name, str::to_string);
        crate::ensure!(
            !name.is_empty() && !name.chars().any(char::is_control),
            "a node name must be printable and not empty"
        );
        crate::ensure!(
            self.lease.0 >= std::time::Duration::from_secs(1),
            "[cluster] lease must be at least 1 s"
        );
        Ok(pipeline::Node {
            name,
            lease: self.lease.0,
        })
    }
}

/// `[demo]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Demo {
    /// Create the demo partner on first start; default: in the sandbox only (a partner whose
    /// private key sits in the data directory has no place in production).
    pub partner: Option<bool>,
}

impl Demo {
    /// Whether the demo partner is created, in `env`.
    pub fn partner(&self, env: environment::Environment) -> bool {
        self.partner
            .unwrap_or(env == environment::Environment::Sandbox)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            environment: environment::Environment::default(),
            clock: None,
            data_dir: PathBuf::from("var"),
            store: StoreConfig::default(),
            sftp: Sftp::default(),
            watch: Watch::default(),
            pipeline: Pipeline::default(),
            program: Program::default(),
            recon: Default::default(),
            demo: Demo::default(),
            alerts: Alerts::default(),
            cluster: Cluster::default(),
            web: ops::Web::default(),
            metrics: ops::Metrics::default(),
            ach: ach::Ach::default(),
            partners: BTreeMap::new(),
            programs: HashMap::new(),
        }
    }
}

impl Default for Sftp {
    fn default() -> Self {
        let l = bankdrop_sftp::Limits::default();
        Sftp {
            enabled: true,
            listen: Listen(vec![SocketAddr::from(([127, 0, 0, 1], 2222))]),
            max_upload_size: ByteSize(l.max_upload_size),
            max_write_ahead: ByteSize(l.max_write_ahead),
            max_name_len: l.max_name_len,
            handles_per_session: l.handles_per_session,
            handles_per_partner: l.handles_per_partner,
            sessions_per_connection: l.sessions_per_connection,
            connections_per_partner: l.connections_per_partner,
            connections_per_address: l.connections_per_address,
            unauthenticated_connections: l.unauthenticated_connections,
            login_timeout: Secs(l.login_timeout),
            idle_timeout: Secs(l.idle_timeout),
            auth_failures_per_minute: l.auth_failures_per_minute,
            queued_bytes_per_partner: ByteSize(l.queued_bytes_per_partner as u64),
            listed_entries_per_partner: l.listed_entries_per_partner,
            layout: None,
        }
    }
}

impl Default for Pipeline {
    fn default() -> Self {
        Pipeline {
            workers: 2,
            deadline_hour: 6,
            order: pipeline::default_order(),
            expected_types: Vec::new(),
            max_attempts: 5,
            live_writes: true,
            max_line_bytes: ByteSize(validate::Options::default().max_line_bytes as u64),
            max_ids_in_memory: validate::Options::default().max_ids_in_memory,
        }
    }
}

impl Config {
    /// Reads `path`; a missing default file means defaults, a missing explicit one is an error.
    pub fn load(path: Option<&Path>) -> Result<Config> {
        let default = Path::new("config/bankdrop.toml");
        let path = match path {
            Some(p) => p,
            None if default.is_file() => default,
            None => return Ok(Config::default()),
        };
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Config::parse(&text).with_context(|| format!("{}", path.display()))
    }

    /// Parses a whole configuration and resolves every partner's program, so that a mistake in
    /// one fails at start-up.
    pub fn parse(text: &str) -> Result<Config> {
        let raw: Table = toml::from_str(text)?;
        let mut cfg: Config = Value::Table(raw.clone()).try_into()?;
        cfg.program.resolve()?;
        cfg.sftp.limits()?;
        cfg.sftp.layout()?;
        cfg.alerts.check()?;
        cfg.ach.check()?;
        if cfg.ach.clock.is_some() {
            cfg.environment
                .sandbox_only("[ach] clock (a simulated clock)")?;
        }
        if cfg.demo.partner == Some(true) {
            cfg.environment.sandbox_only("[demo] partner")?;
        }
        if cfg.clock()?.is_some() {
            cfg.environment.sandbox_only("clock (a simulated clock)")?;
        }
        if cfg.pipeline.max_attempts == 0 {
            crate::bail!("pipeline.max_attempts: must be at least 1");
        }
        if !(1024..=64 << 20).contains(&cfg.pipeline.max_line_bytes.0) {
            crate::bail!("pipeline.max_line_bytes: between 1 KiB and 64 MiB");
        }
        if cfg.pipeline.max_ids_in_memory < 1024 {
            crate::bail!("pipeline.max_ids_in_memory: at least 1024");
        }
        let base = |key: &str| match raw.get(key) {
            Some(Value::Table(t)) => t.clone(),
            _ => Table::new(),
        };
        for (name, own) in &cfg.partners {
            let mut own = own.clone();
            let recon_own = own.remove("recon");
            let mut program = base("program");
            program.extend(own);
            let program: Program = Value::Table(program)
                .try_into()
                .with_context(|| format!("[partners.{name}]"))?;
            let program = program
                .resolve()
                .with_context(|| format!("[partners.{name}]"))?;
            cfg.programs.insert(name.clone(), program);
            if let Some(r) = recon_own {
                let Value::Table(r) = r else {
                    crate::bail!("[partners.{name}.recon] is not a table");
                };
                if let Some(k) = ["enabled", "time", "bank_reports_time", "timezone"]
                    .iter()
                    .find(|k| r.contains_key(**k))
                {
                    crate::bail!("[partners.{name}.recon] {k}: the nightly run's schedule is set in [recon] only");
                }
                let mut recon = base("recon");
                recon.extend(r);
                let recon: recon::Recon = Value::Table(recon)
                    .try_into()
                    .with_context(|| format!("[partners.{name}.recon]"))?;
                cfg.recon.partners.insert(name.clone(), recon.nightly);
            }
        }
        cfg.recon.expected_types = cfg.pipeline.expected_types.clone();
        Ok(cfg)
    }

    /// The simulated clock (`clock`), checked.
    pub fn clock(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        ach::parse_clock("clock", self.clock.as_deref())
    }

    /// The simulated clock for ACH: `[ach] clock`, else `clock`.
    pub fn ach_clock(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        Ok(self.ach.clock()?.or(self.clock()?))
    }

    /// The SQLite database.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("bankdrop.sqlite")
    }

    /// A partner's tree.
    pub fn partner_root(&self, name: &str) -> PathBuf {
        self.data_dir.join("partners").join(name)
    }

    /// The SFTP server's private host key (Ed25519, generated at first need).
    pub fn host_key_path(&self) -> PathBuf {
        self.data_dir.join("host_ed25519")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ach_limits_are_dollars_kept_as_cents_spec_06_5_2() {
        let cfg = Config::parse(
            "[program]\nach_per_transaction_limit = \"25000.00\"\n\n[partners.acme]\nach_daily_limit = \"1000000\"\n",
        )
        .unwrap();
        let limits = cfg.program.resolve().unwrap().ach_limits;
        assert_eq!(limits.per_transaction_cents, Some(2_500_000));
        assert_eq!(limits.daily_cents, None);
        let acme = cfg.programs["acme"].ach_limits;
        assert_eq!(
            (acme.per_transaction_cents, acme.daily_cents),
            (Some(2_500_000), Some(100_000_000))
        );
        for bad in ["\"1.001\"", "\"-5.00\"", "\"lots\""] {
            let e = Config::parse(&format!("[program]\nach_daily_limit = {bad}\n")).unwrap_err();
            assert!(e.to_string().contains("ach_daily_limit"), "{e}");
        }
    }

    #[test]
    fn a_partner_program_overrides_the_default_one_key_by_key() {
        let cfg = Config::parse(
            r#"
[program]
currencies = ["USD", "EUR"]
sec_codes = ["PPD"]

[recon]
tolerance = "0.01"

[partners.acme]
balance_creation = "api"
[partners.acme.recon]
credit_components = ["balance"]
fbo_balance = "100.00"

[partners.beta]
currencies = ["GBP"]
"#,
        )
        .unwrap();
        let acme = &cfg.programs["acme"];
        assert_eq!(acme.balance_creation, pipeline::BalanceCreation::Api);
        assert_eq!(
            acme.currencies.as_deref(),
            Some(&["USD".to_string(), "EUR".into()][..])
        );
        assert_eq!(acme.ach_policy.allowed_sec_codes, [nacha::SecCode::Ppd]);
        let beta = &cfg.programs["beta"];
        assert_eq!(beta.balance_creation, pipeline::BalanceCreation::File);
        assert_eq!(beta.currencies.as_deref(), Some(&["GBP".to_string()][..]));
        // Reconciliation: acme's keys over [recon]'s; beta has none of its own.
        let a = cfg.recon.nightly_for("acme");
        assert_eq!(a.recon.tolerance.to_string(), "0.01");
        assert_eq!(a.recon.credit_components, ["balance"]);
        assert_eq!(
            a.reports.fbo_balance.map(|d| d.to_string()).as_deref(),
            Some("100.00")
        );
        let b = cfg.recon.nightly_for("beta");
        assert_eq!(b.reports.fbo_balance, None);
        assert_eq!(b.recon.tolerance.to_string(), "0.01");
        assert!(!cfg.programs.contains_key("gamma"));
    }

    #[test]
    fn the_shipped_sftp_limits_are_the_defaults_and_bad_ones_fail_at_load() {
        let shipped = Config::parse(include_str!("../../../../config/bankdrop.toml")).unwrap();
        assert_eq!(
            shipped.sftp.limits().unwrap(),
            bankdrop_sftp::Limits::default()
        );
        let cfg =
            Config::parse("[sftp]\nmax_upload_size = \"1 GiB\"\nidle_timeout = \"2m\"\n").unwrap();
        let limits = cfg.sftp.limits().unwrap();
        assert_eq!(limits.max_upload_size, 1 << 30);
        assert_eq!(limits.idle_timeout, std::time::Duration::from_secs(120));
        let err = |text: &str| format!("{:#}", Config::parse(text).unwrap_err());
        assert!(err("[sftp]\nmax_name_len = 250\n").contains("max_name_len"));
        assert!(err("[sftp]\nsessions_per_connection = 0\n").contains("sessions_per_connection"));
        assert!(err("[sftp]\nmax_upload_size = \"2 PB\"\n").contains("unknown unit"));
        assert!(err("[pipeline]\nmax_line_bytes = \"1 GiB\"\n").contains("max_line_bytes"));
        assert_eq!(
            shipped.pipeline.max_line_bytes.0 as usize,
            validate::Options::default().max_line_bytes
        );
    }

    #[test]
    fn the_store_is_sqlite_unless_a_url_is_given() {
        let shipped = Config::parse(include_str!("../../../../config/bankdrop.toml")).unwrap();
        assert_eq!(shipped.store.url, None);
        let cfg = Config::parse("[store]\nurl = \"postgres://u:p@db/bankdrop\"\n").unwrap();
        assert_eq!(cfg.store.url.as_deref(), Some("postgres://u:p@db/bankdrop"));
        let err = format!("{:#}", Config::parse("[store]\nurI = \"x\"\n").unwrap_err());
        assert!(err.contains("urI"), "{err}");
    }

    #[test]
    fn mistakes_in_a_partner_program_fail_at_load_and_name_it() {
        let err = |text: &str| format!("{:#}", Config::parse(text).unwrap_err());
        let e = err("[partners.acme]\ncurency = [\"USD\"]\n");
        assert!(
            e.contains("[partners.acme]") && e.contains("curency"),
            "{e}"
        );
        let e = err("[partners.acme]\nsec_codes = [\"XYZ\"]\n");
        assert!(
            e.contains("[partners.acme]") && e.contains("sec_codes"),
            "{e}"
        );
        let e = err("[partners.acme.recon]\ntime = \"07:00\"\n");
        assert!(e.contains("set in [recon] only"), "{e}");
        let e = err("[partners.acme.recon]\ntolerance = 0.5\n");
        assert!(e.contains("[partners.acme.recon]"), "{e}");
    }
}
