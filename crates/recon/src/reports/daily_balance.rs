//! `reports/<D>_daily_balance.csv`: bankdrop's own end-of-day balance report (decision D9; the
//! bank's Balance Report page is NOT SEEN, spec 06 §13, so this is not the bank's format).
//!
//! Columns, pipe-delimited (D2 dialect), one row per balance reported today:
//!
//! | column | content |
//! |---|---|
//! | `balance_id` | `client_balance_id`, or `id` for an API-created balance |
//! | `account_id` | as reported |
//! | `type` | `deposit` / `credit` |
//! | `status`, `status_reason` | as reported |
//! | `currency` | as reported; empty when the file has no currency column |
//! | one column per `balance_columns` entry (default `balance` … `outstanding_fees`) | the reported amount as given; empty when null |
//! | `reconciliation` | `ok` (every reconciled component matched), `break`, or `not_reconciled` (an `inactive` balance while `reconcile_inactive` is false) |
//! | `break_components` | the components that broke, `;`-separated, in config order; empty otherwise |

use std::borrow::Borrow;
use std::io::Write;

use super::csv::{write_record, OWN};
use crate::config::ReconConfig;
use crate::error::Error;
use crate::model::{BalanceRow, BalanceStatus};
use crate::money::fmt;
use crate::reconcile::Reconciliation;

/// The header of the daily balance report for a configuration.
pub fn daily_balance_columns(config: &ReconConfig) -> Vec<String> {
    let mut cols: Vec<String> = [
        "balance_id",
        "account_id",
        "type",
        "status",
        "status_reason",
        "currency",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    cols.extend(config.balance_columns.iter().cloned());
    cols.push("reconciliation".into());
    cols.push("break_components".into());
    cols
}

/// Writes the daily balance report from today's balance rows (streamed again; rows are written
/// in the order given, so hand them over in balance id order for a stable file) and the
/// reconciliation of the same day. The header is written even when there is no balance.
pub fn write_daily_balance<W, B>(
    w: &mut W,
    closing: impl IntoIterator<Item = B>,
    recon: &Reconciliation,
    config: &ReconConfig,
) -> Result<(), Error>
where
    W: Write + ?Sized,
    B: Borrow<BalanceRow>,
{
    let header = daily_balance_columns(config);
    write_record(w, &OWN, header.iter().map(String::as_str))?;
    let mut fields: Vec<String> = Vec::with_capacity(header.len());
    for row in closing {
        let row = row.borrow();
        let breaks = recon.breaks_of(&row.balance_id);
        let status = if row.status == BalanceStatus::Inactive && !config.reconcile_inactive {
            "not_reconciled"
        } else if breaks.is_empty() {
            "ok"
        } else {
            "break"
        };
        fields.clear();
        fields.push(row.balance_id.clone());
        fields.push(row.account_id.clone());
        fields.push(row.balance_type.as_str().into());
        fields.push(row.status.as_str().into());
        fields.push(row.status_reason.clone());
        fields.push(row.currency.clone().unwrap_or_default());
        for c in &config.balance_columns {
            fields.push(row.amount(c).map(fmt).unwrap_or_default());
        }
        fields.push(status.into());
        let names: Vec<&str> = breaks.iter().map(|b| b.component.as_str()).collect();
        fields.push(names.join(";"));
        write_record(w, &OWN, fields.iter().map(String::as_str))?;
    }
    Ok(())
}

/// Writes the header of the daily balance report (the rows follow with [`write_daily_balance_row`]).
pub fn write_daily_balance_header<W: Write + ?Sized>(
    w: &mut W,
    config: &ReconConfig,
) -> Result<(), Error> {
    let header = daily_balance_columns(config);
    Ok(write_record(w, &OWN, header.iter().map(String::as_str))?)
}

/// Writes one balance of the day with its verdict, as [`write_daily_balance`] does; balances not
/// reported today are not rows of the report.
pub fn write_daily_balance_row<W: Write + ?Sized>(
    w: &mut W,
    b: &crate::day::DayBalance,
    verdict: crate::day::Verdict,
    breaks: &[crate::reconcile::Break],
    config: &ReconConfig,
) -> Result<(), Error> {
    use crate::day::Verdict;
    let Some(closing) = b.closing else {
        return Ok(());
    };
    let status = match verdict {
        Verdict::NotReconciled => "not_reconciled",
        Verdict::Break => "break",
        Verdict::Ok | Verdict::Absent => "ok",
    };
    let amounts: Vec<String> = config
        .balance_columns
        .iter()
        .map(|c| closing.amount(c).map(fmt).unwrap_or_default())
        .collect();
    let names: Vec<&str> = breaks.iter().map(|b| b.component.as_str()).collect();
    let joined = names.join(";");
    let fields = [
        b.balance_id,
        b.account_id,
        closing.balance_type.as_str(),
        closing.status.as_str(),
        closing.status_reason,
        b.currency.unwrap_or(""),
    ]
    .into_iter()
    .chain(amounts.iter().map(String::as_str))
    .chain([status, joined.as_str()]);
    Ok(write_record(w, &OWN, fields)?)
}
