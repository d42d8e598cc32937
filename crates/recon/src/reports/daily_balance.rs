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

/// Writes the header of the daily balance report (the rows follow with [`DailyBalanceRows`]).
pub fn write_daily_balance_header<W: Write + ?Sized>(
    w: &mut W,
    config: &ReconConfig,
) -> Result<(), Error> {
    let header = daily_balance_columns(config);
    Ok(write_record(w, &OWN, header.iter().map(String::as_str))?)
}

/// Writes the daily balance report's rows one balance of the day at a time, with its verdict,
/// as [`write_daily_balance`] writes them: the same bytes, built in one reused buffer (amounts
/// formatted straight from their integers) and handed to the writer some 64 KiB at a time —
/// call [`DailyBalanceRows::finish`] after the last row.
pub struct DailyBalanceRows {
    /// For each of the configuration's `balance_columns`, its slot in the day's amounts.
    slots: Vec<Option<usize>>,
    rows: Vec<u8>,
}

/// Rows are handed to the writer when this many bytes are waiting.
const FLUSH_AT: usize = 1 << 16;

impl DailyBalanceRows {
    /// Rows of the configuration's `balance_columns`, from amounts in the order of `columns`.
    pub fn new(config: &ReconConfig, columns: &crate::day::DayColumns) -> DailyBalanceRows {
        DailyBalanceRows {
            slots: config
                .balance_columns
                .iter()
                .map(|c| columns.balance.iter().position(|b| b == c))
                .collect(),
            rows: Vec::with_capacity(FLUSH_AT + 1024),
        }
    }

    /// Hands the rows still waiting to `w`.
    pub fn finish<W: Write + ?Sized>(&mut self, w: &mut W) -> Result<(), Error> {
        w.write_all(&self.rows)?;
        self.rows.clear();
        Ok(())
    }

    /// Writes the row of `b` (nothing for a balance not reported today); rows may wait in the
    /// buffer until [`DailyBalanceRows::finish`].
    pub fn write<W: Write + ?Sized>(
        &mut self,
        w: &mut W,
        b: &crate::day::DayBalance,
        verdict: crate::day::Verdict,
        breaks: &[crate::reconcile::Break],
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
        let row = &mut self.rows;
        push_field(row, b.balance_id);
        for f in [
            b.account_id,
            closing.balance_type.as_str(),
            closing.status.as_str(),
            closing.status_reason,
            b.currency.unwrap_or(""),
        ] {
            row.push(OWN.delimiter);
            push_field(row, f);
        }
        for slot in &self.slots {
            row.push(OWN.delimiter);
            // Digits, `-` and `.` never need quotes.
            if let Some(a) = slot.and_then(|s| closing.amount(s)) {
                a.write_text(row);
            }
        }
        row.push(OWN.delimiter);
        row.extend_from_slice(status.as_bytes());
        row.push(OWN.delimiter);
        match breaks {
            [] => {}
            [one] => push_field(row, &one.component),
            more => {
                let names: Vec<&str> = more.iter().map(|b| b.component.as_str()).collect();
                push_field(row, &names.join(";"));
            }
        }
        row.extend_from_slice(OWN.line_end);
        if row.len() >= FLUSH_AT {
            self.finish(w)?;
        }
        Ok(())
    }
}

/// One field as [`write_record`] writes it in the [`OWN`] dialect.
fn push_field(row: &mut Vec<u8>, f: &str) {
    let needs = f
        .bytes()
        .any(|b| b == OWN.delimiter || b == b'"' || b == b'\n' || b == b'\r');
    if !needs {
        row.extend_from_slice(f.as_bytes());
        return;
    }
    row.push(b'"');
    for &b in f.as_bytes() {
        if b == b'"' {
            row.push(b'"');
        }
        row.push(b);
    }
    row.push(b'"');
}
