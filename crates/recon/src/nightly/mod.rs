//! The nightly run for one partner and one activity date D (decision D9): read the day from the
//! store, reconcile, and write the day's reports atomically into the partner's tree.
//!
//! Which rows make day D (D9: a file dated T carries the activity of day T−1):
//!
//! | input | store read |
//! |---|---|
//! | closing balances | balance rows of the file dated D+1 |
//! | opening balances | balance rows of the latest balance file dated before D+1 |
//! | transactions | transactions of files dated D+1 (by file, not by `effective_at`: spec 05 §1.2 OPEN QUESTION) |
//! | non-posted transactions (FBO check) | the current version of each (records are overwritten by id, D8) |
//! | ACH entries | accepted outgoing entries whose settlement date is D |
//!
//! Reports never contain the clock, so a rerun over the same data writes the same bytes.

mod ach;
mod feed;

use std::path::{Path, PathBuf};

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use store::Store;

pub use ach::AchAccount;

use crate::config::ReconConfig;
use crate::fbo::{fbo_check, FboCheck};
use crate::model::Cells;
use crate::model::{BalanceRow, TransactionRow};
use crate::reconcile::reconcile;
use crate::reports::{self, ActivityCodes, ActivityLine, BankReportFormat};
use feed::{balance_pages, convert, pages, Failed, JsonCells};

/// Errors of a nightly run. Breaks are never errors (D9).
#[derive(Debug, thiserror::Error)]
pub enum NightlyError {
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] store::Error),
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

/// Runs activity date `date` for one partner: reconciles it from the store and writes, each
/// atomically, `reports/<D>_balance_reconciliation.csv`, its summary JSON,
/// `reports/<D>_daily_balance.csv`, and under `bank-account-reports/` the ACH cash
/// reconciliation and the daily activity report of D.
pub fn run_day(
    store: &Store,
    partner: PartnerTree,
    date: NaiveDate,
    cfg: &NightlyConfig,
) -> Result<DaySummary, NightlyError> {
    cfg.recon.validate().map_err(crate::Error::from)?;
    let file_date = (date + Duration::days(1)).format("%Y-%m-%d").to_string();
    let own = partner.root.join("reports");
    let bank = partner.root.join("bank-account-reports");
    for dir in [&own, &bank] {
        std::fs::create_dir_all(dir).map_err(crate::Error::from)?;
    }
    let (name, rc) = (partner.name, &cfg.recon);
    // One snapshot for the whole day: a file accepted meanwhile is either wholly in or out.
    let reader = store.snapshot()?;
    let failed = Failed::default();
    let opening_date = reader.latest_balance_file_before(name, &file_date)?;
    let balances = |day| balance_rows(&reader, name, day, rc, &failed);

    // Pass 1: opening, transactions, closing → the reconciliation.
    let opening = opening_date.iter().flat_map(|d| balances(d.as_str()));
    let transactions = convert(
        pages(
            |after, n| reader.transactions_page(name, &file_date, after, n),
            &failed,
        ),
        |key, c| TransactionRow::from_cells(c, rc).map_err(|e| stored(key, e)),
        &failed,
    );
    let recon = reconcile(date, opening, transactions, balances(&file_date), rc);
    if let Some(e) = failed.take() {
        return Err(e);
    }
    let recon = recon?;

    // Pass 2 (only with an FBO balance): today's balances and the non-posted amounts.
    let fbo = match cfg.reports.fbo_balance {
        None => None,
        Some(balance) => {
            let mut amounts = Vec::new();
            store.records_of_type(name, "non_posted_transaction", &mut |r| {
                let amount = JsonCells::parse(r.key, r.data).and_then(|c| {
                    let v = c.cell("amount").unwrap_or("0");
                    crate::money::parse("amount", v).map_err(|e| stored(r.key, e))
                });
                match amount {
                    Ok(a) => {
                        amounts.push(a);
                        true
                    }
                    Err(e) => {
                        failed.borrow_mut().get_or_insert(e);
                        false
                    }
                }
            })?;
            let check = fbo_check(balances(&file_date), amounts, Some(balance), rc.tolerance);
            if let Some(e) = failed.take() {
                return Err(e);
            }
            Some(check?)
        }
    };

    let mut files = Vec::new();
    let breaks_path = own.join(reports::balance_reconciliation_file_name(date));
    reports::write_atomically(&breaks_path, |w| {
        reports::write_balance_reconciliation(w, &recon)
    })?;
    files.push(breaks_path);

    // Pass 3: today's balances again, streamed into the daily balance report. A short read
    // fails the writer, so the report is never replaced by a partial one.
    let daily_path = own.join(reports::daily_balance_file_name(date));
    reports::write_atomically(&daily_path, |w| {
        reports::write_daily_balance(w, balances(&file_date), &recon, rc)?;
        match failed.take() {
            None => Ok(()),
            Some(e) => Err(std::io::Error::other(e.to_string()).into()),
        }
    })?;
    files.push(daily_path);

    // The ACH reports: one day's settled entries (the writers sort them).
    let mut settled = Vec::new();
    let mut failed = None;
    store.ach_entries_settled_on(name, &date.format("%Y-%m-%d").to_string(), &mut |r| {
        match ach::settlement(r.key, r.data, &cfg.reports.ach) {
            Ok(s) => {
                settled.push(s);
                true
            }
            Err(e) => {
                failed = Some(e);
                false
            }
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    let fmt = &cfg.reports.bank_reports;
    let pf = postfix(date);
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

    // The summary last: its presence means the whole day was written (the catch-up checks it).
    let summary = summary_path(partner.root, date);
    reports::write_atomically(&summary, |w| {
        reports::write_summary_json(w, &recon, fbo.as_ref())
    })?;
    files.push(summary);

    Ok(DaySummary {
        date,
        breaks: recon.summary.breaks,
        balances: recon.summary.balances_closing,
        transactions: recon.summary.transactions,
        fbo: fbo.map_or(FboOutcome::Skipped, FboOutcome::Checked),
        ach_entries,
        activity_lines,
        files,
    })
}

/// The balances of one balance file, converted, from the snapshot.
fn balance_rows<'a>(
    reader: &'a store::Reader,
    partner: &'a str,
    file_date: &'a str,
    rc: &'a ReconConfig,
    failed: &'a Failed,
) -> impl Iterator<Item = BalanceRow> + 'a {
    convert(
        balance_pages(reader, partner, file_date, failed),
        |key, c| BalanceRow::from_cells(c, rc).map_err(|e| stored(key, e)),
        failed,
    )
}

fn stored(key: &str, e: impl std::fmt::Display) -> NightlyError {
    NightlyError::StoredRow {
        key: key.to_string(),
        message: e.to_string(),
    }
}
