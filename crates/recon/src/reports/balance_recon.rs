//! `reports/<D>_balance_reconciliation.csv` and its summary JSON (decision D9).

use std::io::Write;

use serde::Serialize;

use super::csv::{write_record, OWN};
use crate::error::Error;
use crate::fbo::FboCheck;
use crate::money::fmt;
use crate::reconcile::Reconciliation;

/// The header of the balance reconciliation report, the columns D9 lists, in its order.
pub const BREAK_COLUMNS: [&str; 8] = [
    "balance_id",
    "account_id",
    "component",
    "opening",
    "activity",
    "expected",
    "reported",
    "difference",
];

/// Writes one row per break, in the reconciliation's order (balance id, then component in
/// config order), pipe-delimited (D2 dialect). The header is written even when there is no
/// break. Amounts carry every digit the arithmetic produced (never rounded); a new balance's
/// opening and a day without activity print `0`. `difference = reported - expected`.
pub fn write_balance_reconciliation<W: Write + ?Sized>(
    w: &mut W,
    recon: &Reconciliation,
) -> Result<(), Error> {
    write_record(w, &OWN, BREAK_COLUMNS)?;
    for b in &recon.breaks {
        let amounts = [
            fmt(b.opening),
            fmt(b.activity),
            fmt(b.expected),
            fmt(b.reported),
            fmt(b.difference),
        ];
        let fields = [
            b.balance_id.as_str(),
            b.account_id.as_str(),
            b.component.as_str(),
        ]
        .into_iter()
        .chain(amounts.iter().map(String::as_str));
        write_record(w, &OWN, fields)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct SummaryJson<'a> {
    date: String,
    tolerance: String,
    balances_opening: u64,
    balances_closing: u64,
    balances_checked: u64,
    balances_not_reconciled: u64,
    new_balances: u64,
    transactions: u64,
    transactions_unmatched: u64,
    breaks: u64,
    breaks_on_inactive: u64,
    missing_balances: Vec<MissingJson<'a>>,
    unmatched_activity: Vec<UnmatchedJson<'a>>,
    components: Vec<ComponentJson<'a>>,
    fbo: Option<FboJson>,
}

#[derive(Serialize)]
struct MissingJson<'a> {
    balance_id: &'a str,
    status: &'static str,
}

#[derive(Serialize)]
struct UnmatchedJson<'a> {
    balance_id: &'a str,
    transactions: u64,
    amount: String,
}

#[derive(Serialize)]
struct ComponentJson<'a> {
    balance_type: &'static str,
    component: &'a str,
    balances: u64,
    opening: String,
    activity: String,
    expected: String,
    reported: String,
    breaks: u64,
    reported_nulls: u64,
}

#[derive(Serialize)]
struct FboJson {
    deposit_balances: u64,
    balances_total: String,
    non_posted: u64,
    non_posted_total: String,
    expected: String,
    fbo_balance: Option<String>,
    difference: Option<String>,
    is_break: bool,
}

/// Writes the summary JSON: counts, the balances missing today, the activity on balances not
/// reported today, per-component totals, and the FBO check when one was run. Amounts are JSON
/// strings (exact decimals; a JSON number would be read as a float). Two-space indentation,
/// keys in a fixed order, a final newline.
pub fn write_summary_json<W: Write + ?Sized>(
    w: &mut W,
    recon: &Reconciliation,
    fbo: Option<&FboCheck>,
) -> Result<(), Error> {
    let s = &recon.summary;
    let doc = SummaryJson {
        date: recon.date.format("%Y-%m-%d").to_string(),
        tolerance: fmt(s.tolerance),
        balances_opening: s.balances_opening,
        balances_closing: s.balances_closing,
        balances_checked: s.balances_checked,
        balances_not_reconciled: s.balances_not_reconciled,
        new_balances: s.new_balances,
        transactions: s.transactions,
        transactions_unmatched: s.transactions_unmatched,
        breaks: s.breaks,
        breaks_on_inactive: s.breaks_on_inactive,
        missing_balances: recon
            .missing_balances
            .iter()
            .map(|m| MissingJson {
                balance_id: &m.balance_id,
                status: m.status.as_str(),
            })
            .collect(),
        unmatched_activity: recon
            .unmatched_activity
            .iter()
            .map(|u| UnmatchedJson {
                balance_id: &u.balance_id,
                transactions: u.transactions,
                amount: fmt(u.amount),
            })
            .collect(),
        components: s
            .components
            .iter()
            .map(|c| ComponentJson {
                balance_type: c.balance_type.as_str(),
                component: &c.component,
                balances: c.balances,
                opening: fmt(c.opening),
                activity: fmt(c.activity),
                expected: fmt(c.expected),
                reported: fmt(c.reported),
                breaks: c.breaks,
                reported_nulls: c.reported_nulls,
            })
            .collect(),
        fbo: fbo.map(|f| FboJson {
            deposit_balances: f.deposit_balances,
            balances_total: fmt(f.balances_total),
            non_posted: f.non_posted,
            non_posted_total: fmt(f.non_posted_total),
            expected: fmt(f.expected),
            fbo_balance: f.fbo_balance.map(fmt),
            difference: f.difference.map(fmt),
            is_break: f.is_break,
        }),
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")?;
    Ok(())
}
