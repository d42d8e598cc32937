//! A whole synthetic program: the daily file sets of one partner over N days, whose balances
//! reconcile exactly, with an optional number of planted breaks (`bankdrop gen --program`).
//!
//! Layout under the output folder: `<file_date>/<file_date>_<type>_v1.csv` (decision D5) for
//! every file date `start, start+1, …`, and [`MANIFEST_FILE`] describing the program and its
//! planted breaks. A file dated T carries the activity of day T−1 (decision D9, spec 05 §1.2):
//! its balance file holds the end-of-day values of T−1 and its transaction file the transactions
//! of T−1, so the nightly run for activity date D compares the balance file dated D+1 with the
//! one dated D plus the transactions dated D+1.
//!
//! Per file date: `customer` and `account` (the account holders and their accounts on the first
//! date, header only afterwards), `balance` (every balance every day: none is ever terminal,
//! spec 05 §3.2), `transaction`, and for deposit programs `non_posted_transaction` (spec 05 §7: a
//! daily snapshot; each item posts the next day as a transaction with the same id). Every
//! reference names a record of the same or an earlier file date (decision D8).

mod breaks;
mod days;
mod ledger;
mod sheet;

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use validate::schema::{Schema, Schemas};

/// The name of the manifest written next to the date folders.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The balance type of the program (spec 05 §0.1): it picks the formulas (spec 05 §3.3 / §3.4)
/// and the transaction types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProgramKind {
    /// Deposit balances (deposit accounts, debit cards).
    Deposit,
    /// Credit balances (loans, lines of credit).
    Credit,
}

impl ProgramKind {
    /// The spelling used in the files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ProgramKind::Deposit => "deposit",
            ProgramKind::Credit => "credit",
        }
    }

    /// The Balance components the generator reports every day.
    ///
    /// Deposit: `balance`, `rewards_balance`, `interest_accrued_balance` (spec 05 §3.3); the
    /// dispute and charge-off balances are left empty (null, 0 on both sides) because no
    /// dispute or charge-off transactions are generated. Credit: `balance`,
    /// `outstanding_principal` (spec 05 §3.4) and `outstanding_fees` (moved by `fee_amount`,
    /// the "assumed mirror" of spec 05 §3.4; not reconciled by default).
    pub fn components(self) -> &'static [&'static str] {
        match self {
            ProgramKind::Deposit => &["balance", "rewards_balance", "interest_accrued_balance"],
            ProgramKind::Credit => &["balance", "outstanding_principal", "outstanding_fees"],
        }
    }

    /// The components a planted break may land on: the generated ones the default
    /// reconciliation checks (its built-in formulas, spec 05 §3.3 / §3.4).
    pub fn breakable(self) -> &'static [&'static str] {
        match self {
            ProgramKind::Deposit => &["balance", "rewards_balance", "interest_accrued_balance"],
            ProgramKind::Credit => &["balance", "outstanding_principal"],
        }
    }
}

impl fmt::Display for ProgramKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProgramKind {
    type Err = ProgramError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "deposit" => Ok(ProgramKind::Deposit),
            "credit" => Ok(ProgramKind::Credit),
            _ => Err(ProgramError::Options(format!(
                "unknown program kind `{s}`; expected deposit or credit"
            ))),
        }
    }
}

/// What program to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramOptions {
    /// Deposit or credit balances.
    pub kind: ProgramKind,
    /// Number of file dates (at least 1).
    pub days: u32,
    /// Number of accounts, each with one balance (at least 1).
    pub accounts: u32,
    /// Planted reconciliation breaks; they land on file dates from the second one on.
    pub breaks: u32,
    /// Seed: the same options write the same bytes.
    pub seed: u64,
    /// The first file date (its files carry the activity of the day before).
    pub start: NaiveDate,
}

/// What was written: the program's options, its files and its planted breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Deposit or credit.
    pub kind: ProgramKind,
    /// Number of file dates.
    pub days: u32,
    /// Number of accounts (one balance each).
    pub accounts: u32,
    /// The seed.
    pub seed: u64,
    /// The first file date, `YYYY-MM-DD`.
    pub start: String,
    /// Every file written, relative to the output folder, in writing order.
    pub files: Vec<String>,
    /// The planted breaks, ordered by file date, balance id, component.
    pub breaks: Vec<PlantedBreak>,
}

/// One planted break, as the nightly reconciliation of its activity date reports it
/// (`recon::Break`; amounts printed the way its reports print them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlantedBreak {
    /// The activity date D (`file_date − 1`) whose reconciliation finds it.
    pub activity_date: String,
    /// The date of the balance file that reports the wrong value.
    pub file_date: String,
    /// The balance's `client_balance_id`.
    pub balance_id: String,
    /// The balance's `account_id` (the account's `client_account_id`).
    pub account_id: String,
    /// The Balance column reported wrong.
    pub component: String,
    /// Opening plus the day's activity.
    pub expected: String,
    /// What the balance file says.
    pub reported: String,
    /// `reported − expected`, never zero.
    pub difference: String,
}

/// Why a program could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    /// The options cannot describe a program.
    #[error("invalid program options: {0}")]
    Options(String),
    /// A schema the program needs is not loaded.
    #[error("no `{0}` schema loaded")]
    MissingSchema(&'static str),
    /// A column the generator fills is not in the schema.
    #[error("the `{file_type}` schema has no column `{column}`")]
    Schema {
        /// The file type.
        file_type: String,
        /// The missing column.
        column: String,
    },
    /// Writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The manifest could not be serialized.
    #[error("manifest: {0}")]
    Json(#[from] serde_json::Error),
}

impl ProgramError {
    fn io(path: &Path, source: std::io::Error) -> ProgramError {
        ProgramError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// An amount as the files and recon's reports print it: every digit, zero without a sign, and
/// at least the two decimals USD needs (decision D3; an untouched component starts as a bare 0).
fn fmt_money(d: Decimal) -> String {
    let mut d = d;
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    if d.scale() < 2 {
        // Widening the scale never rounds.
        d.rescale(2);
    }
    d.to_string()
}

fn schema<'a>(schemas: &'a Schemas, t: &'static str) -> Result<&'a Schema, ProgramError> {
    schemas.get(t).ok_or(ProgramError::MissingSchema(t))
}

/// Checks the options; returns the number of (balance, file date) pairs a break may land on.
fn check(opts: &ProgramOptions) -> Result<u64, ProgramError> {
    let bad = |m: String| Err(ProgramError::Options(m));
    if opts.days == 0 {
        return bad("--days must be at least 1".into());
    }
    if opts.accounts == 0 {
        return bad("--accounts must be at least 1".into());
    }
    // Birth dates lie up to 70 years before the first activity day, and D3 dates have 4-digit
    // years.
    let last = opts.start.checked_add_days(Days::new(u64::from(opts.days)));
    let fits = matches!(last, Some(d) if d.year() <= 9999);
    if opts.start.year() < 1900 || !fits {
        return bad("--start and --days must keep every date between 1900 and 9999".into());
    }
    let pairs = u64::from(opts.days - 1) * u64::from(opts.accounts);
    if u64::from(opts.breaks) > pairs {
        return bad(format!(
            "--breaks {} exceeds the {pairs} (balance, file date) pairs from the second file date on",
            opts.breaks
        ));
    }
    Ok(pairs)
}

/// Writes the whole program under `out` (created if needed) and returns its manifest, which is
/// also written to `out/manifest.json`. The same options write the same bytes.
pub fn write_program(
    schemas: &Schemas,
    opts: &ProgramOptions,
    out: &Path,
) -> Result<Manifest, ProgramError> {
    check(opts)?;
    let files = days::Schemas {
        customer: schema(schemas, "customer")?,
        account: schema(schemas, "account")?,
        balance: schema(schemas, "balance")?,
        transaction: schema(schemas, "transaction")?,
        non_posted: match opts.kind {
            ProgramKind::Deposit => Some(schema(schemas, "non_posted_transaction")?),
            ProgramKind::Credit => None,
        },
    };
    fs::create_dir_all(out).map_err(|e| ProgramError::io(out, e))?;
    let mut g = days::Generator::new(opts, files, out);
    for d in 0..opts.days {
        g.day(d)?;
    }
    let mut manifest = g.finish();
    manifest.breaks.sort_by(|a, b| {
        (&a.file_date, &a.balance_id, &a.component).cmp(&(
            &b.file_date,
            &b.balance_id,
            &b.component,
        ))
    });
    let path = out.join(MANIFEST_FILE);
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    fs::write(&path, json).map_err(|e| ProgramError::io(&path, e))?;
    Ok(manifest)
}
