//! The nightly run for one partner and one activity date D (decision D9): reconcile the day
//! and write its reports atomically into the partner's tree, from what a [`DaySource`] hands
//! over. Where the day comes from (the store) is the caller's business: this crate stays pure.
//!
//! What makes day D (D9: a file dated T carries the activity of day T−1), as the source gives it:
//!
//! | input | what the source hands over |
//! |---|---|
//! | balances | every balance of the balance file dated D+1, with what it opens from (its row in the latest balance file before) and the activity of the transaction file dated D+1 summed by (type, column) — and those of the opening file missing from D+1, and activity on balances not in it (by file, not by `effective_at`: spec 05 §1.2 OPEN QUESTION) |
//! | non-posted transactions (FBO check) | the snapshot of D+1: the latest accepted non-posted file dated on or before it (spec 05 §7.2) |
//! | ACH entries | accepted outgoing entries whose settlement date is D |
//!
//! One pass over the balances computes the reconciliation, the daily balance report and the
//! FBO totals. Reports never contain the clock, so a rerun over the same data writes the same
//! bytes.

mod ach;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

pub use ach::AchAccount;

use crate::amount::Amount;
use crate::config::ReconConfig;
use crate::day::{DayBalance, DayColumns, DayReconciler};
use crate::fbo::FboCheck;
use crate::model::BalanceType;
use crate::reports::{self, AchSettlement, ActivityCodes, ActivityLine, BankReportFormat};

/// Errors of a nightly run. Breaks are never errors (D9).
#[derive(Debug, thiserror::Error)]
pub enum NightlyError {
    /// The source of the day failed.
    #[error("reading the day: {0}")]
    Source(String),
    /// A stored row is not what the pipeline writes.
    #[error("stored row `{key}`: {message}")]
    StoredRow {
        /// The row's key (balance, transaction, record or trace).
        key: String,
        /// What is wrong with it.
        message: String,
    },
    /// The reconciliation, a report writer or a row conversion failed.
    #[error("{0}")]
    Recon(#[from] crate::Error),
}

/// Where a day's data comes from.
pub trait DaySource {
    /// Hands every balance of the day to `each`, in increasing balance id order, with its
    /// amounts in the order of `columns` (see [`DayColumns`]).
    fn balances(
        &mut self,
        columns: &DayColumns,
        each: &mut dyn FnMut(&DayBalance) -> Result<(), crate::Error>,
    ) -> Result<(), NightlyError>;

    /// The non-posted amounts of the day's snapshot.
    fn non_posted(&mut self, each: &mut dyn FnMut(Decimal)) -> Result<(), NightlyError>;

    /// The accepted outgoing ACH entries settling on the day.
    fn ach_settlements(&mut self, account: &AchAccount)
        -> Result<Vec<AchSettlement>, NightlyError>;
}

/// Report settings of the nightly run beyond [`ReconConfig`]. TOML form (every key optional):
///
/// ```toml
/// fbo_balance = "1234.56"   # the FBO account's balance; absent: the FBO check is skipped
/// [bank_reports]            # BankReportFormat
/// [activity_codes]          # ActivityCodes
/// [ach]                     # AchAccount
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportSettings {
    /// The FBO account's balance for the FBO check (spec 05 §1.4). Its real source (the bank's
    /// core, and the date it is taken at) is NOT SEEN, so it is optional config; when absent
    /// the check is skipped and the summary JSON's `fbo` is `null`.
    #[serde(deserialize_with = "amount")]
    pub fbo_balance: Option<Decimal>,
    /// Text format of the bank-format reports.
    pub bank_reports: BankReportFormat,
    /// `TRANSACTION_CODE`s of the daily activity report.
    pub activity_codes: ActivityCodes,
    /// The program's bank account facts for the ACH reports.
    pub ach: AchAccount,
}

/// A money amount written as a TOML string (never a float, D3).
fn amount<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let s = String::deserialize(d)?;
    crate::money::parse("fbo_balance", &s)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// Everything a nightly run needs besides the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NightlyConfig {
    /// Formulas, components and tolerance.
    pub recon: ReconConfig,
    /// FBO balance, bank report format, activity codes, ACH account.
    pub reports: ReportSettings,
}

/// The partner whose day is run.
#[derive(Debug, Clone, Copy)]
pub struct PartnerTree<'a> {
    /// Partner name (the store key, and `<partner>` in the bank reports' names).
    pub name: &'a str,
    /// Root of its tree (D6); reports go to `reports/` and `bank-account-reports/` under it.
    pub root: &'a Path,
}

/// Whether the FBO check ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FboOutcome {
    /// No `fbo_balance` configured: not run.
    Skipped,
    /// Run; `is_break` as in [`FboCheck`].
    Checked(FboCheck),
}

/// What one nightly run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySummary {
    /// Activity date D.
    pub date: NaiveDate,
    /// Breaks found (D9).
    pub breaks: u64,
    /// The breaks themselves, by balance id then component (for the operations page).
    pub break_list: Vec<crate::Break>,
    /// Closing balances (reported for D).
    pub balances: u64,
    /// Transactions of D.
    pub transactions: u64,
    /// The FBO check.
    pub fbo: FboOutcome,
    /// ACH entries in the ACH cash reconciliation (settled on D).
    pub ach_entries: usize,
    /// Lines of the daily activity report.
    pub activity_lines: usize,
    /// The reports written, in writing order.
    pub files: Vec<PathBuf>,
}

/// `reports/<D>_balance_reconciliation_summary.json` under `root`: its presence says D was
/// reconciled (the nightly catch-up looks for it).
pub fn summary_path(root: &Path, date: NaiveDate) -> PathBuf {
    root.join("reports")
        .join(reports::balance_reconciliation_summary_file_name(date))
}

/// The bank reports' `[UNIQUE-POSTFIX]` (form an OPEN QUESTION, spec 06 §8.2): D as `YYYYMMDD`,
/// so a rerun replaces the day's file instead of adding another.
fn postfix(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

/// Runs activity date `date` for one partner from `source`, writing, each atomically,
/// `reports/<D>_daily_balance.csv`, `reports/<D>_balance_reconciliation.csv`, and under
/// `bank-account-reports/` the ACH cash reconciliation and the daily activity report of D; the
/// summary JSON last (its presence says the whole day was written).
pub fn run_day(
    source: &mut dyn DaySource,
    partner: PartnerTree,
    date: NaiveDate,
    cfg: &NightlyConfig,
) -> Result<DaySummary, NightlyError> {
    cfg.recon.validate().map_err(crate::Error::from)?;
    let own = partner.root.join("reports");
    let bank = partner.root.join("bank-account-reports");
    for dir in [&own, &bank] {
        std::fs::create_dir_all(dir).map_err(crate::Error::from)?;
    }
    let rc = &cfg.recon;
    let mut day = DayReconciler::new(date, rc)?;
    let columns = day.columns().clone();
    let mut rows = reports::DailyBalanceRows::new(rc, &columns);
    let mut fbo = FboTotals::new(&columns);

    // One pass: the reconciliation, the daily balance report and the FBO totals.
    let daily_path = own.join(reports::daily_balance_file_name(date));
    let mut source_failed = None;
    reports::write_atomically(&daily_path, |w| {
        reports::write_daily_balance_header(w, rc)?;
        std::io::Write::flush(w)?;
        // The rows are written out on another thread while this one reconciles, and synced as
        // they go, so the final sync (write_atomically) has little left to do.
        let mut file = reports::SyncEvery::new(w.get_mut(), SYNC_EVERY);
        let read = reports::through_thread(&mut file, |w| {
            let read = source.balances(&columns, &mut |b| {
                let (verdict, breaks) = day.push(b)?;
                rows.write(w, b, verdict, breaks)?;
                fbo.add(b)
            });
            if read.is_ok() {
                rows.finish(w)?;
            }
            Ok::<_, crate::Error>(read)
        })?;
        match read {
            Ok(()) => Ok(()),
            Err(e) => {
                // A short read must fail the writer, so the report is never a partial one.
                let message = e.to_string();
                source_failed = Some(e);
                Err(std::io::Error::other(message).into())
            }
        }
    })
    .map_err(|e| source_failed.take().unwrap_or(NightlyError::Recon(e)))?;
    let recon = day.finish();
    let mut files = vec![daily_path];

    let fbo = match cfg.reports.fbo_balance {
        None => None,
        Some(balance) => {
            let mut amounts = Vec::new();
            source.non_posted(&mut |a| amounts.push(a))?;
            Some(fbo.check(amounts, balance, rc.tolerance)?)
        }
    };

    let breaks_path = own.join(reports::balance_reconciliation_file_name(date));
    reports::write_atomically(&breaks_path, |w| {
        reports::write_balance_reconciliation(w, &recon)
    })?;
    files.push(breaks_path);

    let bank_reports = run_bank_reports(source, partner, date, cfg)?;
    let (ach_entries, activity_lines) = (bank_reports.ach_entries, bank_reports.activity_lines);
    files.extend(bank_reports.files);

    // The summary last: its presence means the whole day was written (the catch-up checks it).
    let summary = summary_path(partner.root, date);
    reports::write_atomically(&summary, |w| {
        reports::write_summary_json(w, &recon, fbo.as_ref())
    })?;
    files.push(summary);

    Ok(DaySummary {
        date,
        breaks: recon.summary.breaks,
        break_list: recon.breaks,
        balances: recon.summary.balances_closing,
        transactions: recon.summary.transactions,
        fbo: fbo.map_or(FboOutcome::Skipped, FboOutcome::Checked),
        ach_entries,
        activity_lines,
        files,
    })
}

/// What [`run_bank_reports`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankReports {
    /// ACH entries in the ACH cash reconciliation.
    pub ach_entries: usize,
    /// Lines of the daily activity report.
    pub activity_lines: usize,
    /// The reports written.
    pub files: Vec<PathBuf>,
}

/// The bank's ACH reports of calendar day `date` (spec 06 §8, §10): the ACH cash reconciliation
/// and the daily activity report, from the entries (and returns) settled on it. Part of
/// [`run_day`]; also run on its own, earlier in the morning, as the bank delivers them (spec 06
/// §8.2: between 03:00 and 06:00 CT).
pub fn run_bank_reports(
    source: &mut dyn DaySource,
    partner: PartnerTree,
    date: NaiveDate,
    cfg: &NightlyConfig,
) -> Result<BankReports, NightlyError> {
    let bank = partner.root.join("bank-account-reports");
    std::fs::create_dir_all(&bank).map_err(crate::Error::from)?;
    let mut files = Vec::new();
    // One day's settled entries (the writers sort them).
    let settled = source.ach_settlements(&cfg.reports.ach)?;
    let fmt = &cfg.reports.bank_reports;
    let pf = postfix(date);
    let name = partner.name;
    let cash_path = bank.join(reports::ach_cash_recon_file_name(date, name, &pf)?);
    let mut ach_entries = 0;
    reports::write_atomically(&cash_path, |w| {
        ach_entries = reports::write_ach_cash_recon(w, date, &settled, fmt)?;
        Ok(())
    })?;
    files.push(cash_path);
    let lines = settled
        .iter()
        .map(|s| ActivityLine::from_ach(s, &cfg.reports.activity_codes))
        .collect::<Result<Vec<_>, _>>()?;
    let activity_path = bank.join(reports::daily_activity_file_name(date, name, &pf, fmt)?);
    let mut activity_lines = 0;
    reports::write_atomically(&activity_path, |w| {
        activity_lines = reports::write_daily_activity(w, date, &lines, fmt)?;
        Ok(())
    })?;
    files.push(activity_path);

    Ok(BankReports {
        ach_entries,
        activity_lines,
        files,
    })
}

/// The daily balance report is synced every this many bytes while it is written.
const SYNC_EVERY: usize = 8 << 20;

/// Σ `balance` of today's deposit balances, for the FBO check (spec 05 §1.4).
struct FboTotals {
    /// Where `balance` sits in the day's amounts.
    slot: Option<usize>,
    deposit_balances: u64,
    balances_total: Amount,
}

impl FboTotals {
    fn new(columns: &DayColumns) -> FboTotals {
        FboTotals {
            slot: columns.balance.iter().position(|c| c == "balance"),
            deposit_balances: 0,
            balances_total: Amount::ZERO,
        }
    }

    fn add(&mut self, b: &DayBalance) -> Result<(), crate::Error> {
        let Some(c) = b.closing.filter(|c| c.balance_type == BalanceType::Deposit) else {
            return Ok(());
        };
        self.deposit_balances += 1;
        let v = self.slot.and_then(|s| c.amount(s)).unwrap_or(Amount::ZERO);
        self.balances_total = self.balances_total.add(v, || {
            format!("FBO balance total at balance {}", b.balance_id)
        })?;
        Ok(())
    }

    fn check(
        &self,
        non_posted: Vec<Decimal>,
        fbo_balance: Decimal,
        tolerance: Decimal,
    ) -> Result<FboCheck, crate::Error> {
        crate::fbo::fbo_check_totals(
            self.deposit_balances,
            self.balances_total.to_decimal(),
            non_posted,
            Some(fbo_balance),
            tolerance,
        )
    }
}
