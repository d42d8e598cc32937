//! bankdrop's nightly balance reconciliation and the daily reports (issue 5, items 4 and 5).
//!
//! For business date D and one partner (one program, decision D1):
//!
//! 1. Read the rows: [`BalanceRow::from_cells`] and [`TransactionRow::from_cells`] turn validated
//!    CSV cells (by column name) into model values, with precise [`RowError`]s.
//! 2. [`reconcile`] applies the formulas of spec 05 §3.3 (deposit) and §3.4 (credit) to every
//!    balance and reconciled component: `expected = opening + activity`, a break when
//!    `|expected - reported| > tolerance` ([`ReconConfig`], default exact equality, decision D9).
//!    Breaks are data, never errors.
//! 3. [`fbo_check`] runs the FBO check of spec 05 §1.4 for deposit programs.
//! 4. The writers in [`reports`] turn the results into the files D9 lists, byte for byte
//!    deterministic.
//! 5. [`nightly::run_day`] does all of the above for one partner and day from what a
//!    [`DaySource`] hands over (one row per balance, [`DayReconciler`]), writing into the
//!    partner's tree; [`schedule`] says when the nightly run happens. Reading the store is the
//!    pipeline's (`pipeline::nightly`): this crate computes and writes, nothing else.
//!
//! ```
//! use recon::{reconcile, BalanceRow, BalanceStatus, BalanceType, ReconConfig, TransactionRow};
//! use rust_decimal::Decimal;
//!
//! let cfg = ReconConfig::default();
//! let row = |v| {
//!     BalanceRow::new("b1", "acct_1", BalanceType::Deposit, BalanceStatus::Active, "active")
//!         .with("balance", Decimal::new(v, 2))
//! };
//! let txs = [TransactionRow::new("t1", "b1", "debit", Decimal::new(-2000, 2))];
//! let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 14).unwrap();
//! let r = reconcile(date, [row(10000)], txs, [row(8001)], &cfg)?;
//! assert_eq!(r.breaks.len(), 1);
//! assert_eq!(r.breaks[0].expected.to_string(), "80.00");
//! assert_eq!(r.breaks[0].difference.to_string(), "0.01");
//! # Ok::<(), recon::Error>(())
//! ```
//!
//! Money is `rust_decimal::Decimal` with checked, exactness-preserving arithmetic throughout
//! (decision D3): an overflow, or a sum that could only be represented by rounding, is an
//! [`Error::Overflow`], never a panic or a silently rounded figure.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod amount;
pub mod config;
pub mod day;
pub mod error;
pub mod fbo;
pub mod formulas;
pub mod model;
mod money;
pub mod nightly;
pub mod reconcile;
pub mod reports;
pub mod sales;
pub mod schedule;

pub use amount::Amount;
pub use config::{Formula, ReconConfig, Sign, Term, TypeFilter};
pub use day::{DayBalance, DayColumns, DayReconciler, DaySide, Sum, Verdict};
pub use error::{ConfigError, Error, RowError, Side};
pub use fbo::{fbo_check, fbo_check_totals, FboCheck};
pub use formulas::{builtin as builtin_formulas, expected_closing, Projector};
pub use model::{BalanceIdKind, BalanceRow, BalanceStatus, BalanceType, Cells, TransactionRow};
pub use nightly::{
    run_day, DaySource, DaySummary, NightlyConfig, NightlyError, PartnerTree, ReportSettings,
};
pub use reconcile::{
    reconcile, Break, ComponentTotals, MissingBalance, Reconciliation, Summary, UnmatchedActivity,
};
