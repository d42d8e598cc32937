//! The checks of an accepted-looking Nacha file against what the bank and the partner's earlier
//! files allow: effective dates, new trace numbers, limits, dishonors (spec 06 §1.5, §3.4,
//! §5.2, §9.7).

use super::entries::{plain_batch, plain_entry};
use super::{effective_of, receiver_key, DISHONORED_RETURN, RETURN};
use crate::windows::{WindowError, Windows};
use chrono::{DateTime, NaiveDate, Utc};
use std::io::{self, Read};
use validate::report::Finding;

/// Whether a finding of [`check_against_bank`] is a warning (the file is still accepted).
pub fn is_warning(code: &str) -> bool {
    code == validate::report::code::NOC_NOT_APPLIED
}

/// Trace numbers looked up at a time.
const TRACE_CHUNK: usize = 1000;

/// The checks of a well-formed Nacha file against the bank's rules beyond the file itself, in
/// one pass: the processing windows' effective-date rules (spec 06 §3.4, `[ach]`) on each batch
/// header — codes `effective_date_past`, `effective_date_too_far`,
/// `effective_date_not_business_day`, field `effective_entry_date` — and, spec 06 §1.5 ("new
/// entries only"), each money-moving entry whose trace number an earlier accepted file of the
/// partner used — code `duplicate_trace`, field `trace_number`. `known` answers which of a chunk
/// of trace numbers were used.
pub fn check_against_bank<R: Read>(
    input: R,
    windows: &Windows,
    arrival: DateTime<Utc>,
    limits: crate::AchLimits,
    prior: &mut dyn Prior,
) -> io::Result<Vec<Finding>> {
    let mut out = Vec::new();
    let mut chunk: Vec<(u64, String)> = Vec::new();
    // Per processing day: what earlier accepted files and this one send.
    let mut days: std::collections::BTreeMap<NaiveDate, u64> = Default::default();
    let mut batch: Option<nacha::BatchHeader> = None;
    // Receivers a notification of change corrected (read at the first entry).
    let mut corrected: Option<std::collections::HashMap<String, String>> = None;
    let flush = |chunk: &mut Vec<(u64, String)>,
                 out: &mut Vec<Finding>,
                 prior: &mut dyn Prior|
     -> io::Result<()> {
        let traces: Vec<String> = chunk.iter().map(|(_, t)| t.clone()).collect();
        let used: std::collections::HashSet<String> =
            prior.traces_used(&traces)?.into_iter().collect();
        for (line, trace) in chunk.drain(..).filter(|(_, t)| used.contains(t)) {
            out.push(Finding {
                row: line,
                column: Some("trace_number".into()),
                code: validate::report::code::DUPLICATE_TRACE,
                message: format!(
                    "trace number {trace} was used by an entry of an earlier accepted file; ACH files carry new entries only (spec 06 §1.5)"
                ),
                value: Some(trace),
            });
        }
        Ok(())
    };
    for item in nacha::TypedReader::new(io::BufReader::with_capacity(1 << 16, input)) {
        let Ok((raw, record)) = item else {
            continue;
        };
        let record = match record {
            nacha::Record::IatBatchHeader(h) => nacha::Record::BatchHeader(plain_batch(&h)),
            nacha::Record::IatEntryDetail(e) => nacha::Record::EntryDetail(plain_entry(&e)),
            other => other,
        };
        match record {
            nacha::Record::BatchHeader(b) => {
                let effective = effective_of(&b);
                let refused = windows.schedule(arrival, effective, 0).err();
                batch = Some(b);
                if let Some(e) = refused {
                    use validate::report::code;
                    let code = match e {
                        // The Nacha validator's own code for it (crates/nacha/README.md).
                        WindowError::Past(_) => "effective_date_past",
                        WindowError::TooFarAhead { .. } => code::EFFECTIVE_DATE_TOO_FAR,
                        WindowError::NotBusinessDay(_) => code::EFFECTIVE_DATE_NOT_BUSINESS_DAY,
                    };
                    out.push(Finding {
                        row: raw.line,
                        column: Some("effective_entry_date".into()),
                        code,
                        message: format!(
                            "{e} (received {}; spec 06 §3.4, [ach] effective_dates)",
                            arrival.to_rfc3339()
                        ),
                        value: effective.map(|d| d.to_string()),
                    });
                }
            }
            nacha::Record::EntryDetail(e) => {
                let corrected = match &mut corrected {
                    Some(c) => c,
                    None => corrected.insert(prior.noc_receivers()?),
                };
                let key = receiver_key(e.receiving_dfi_identification, &e.dfi_account_number);
                if let Some(noc) = corrected.get(&key) {
                    out.push(Finding {
                        row: raw.line,
                        column: Some("dfi_account_number".into()),
                        code: validate::report::code::NOC_NOT_APPLIED,
                        message: format!(
                            "a notification of change ({noc}) corrected this receiver's account data; the entry still uses the old data (spec 06 §7)"
                        ),
                        value: None,
                    });
                }
                chunk.push((raw.line, format!("{:015}", e.trace_number)));
                if chunk.len() >= TRACE_CHUNK {
                    flush(&mut chunk, &mut out, prior)?;
                }
                let live = nacha::TxCode::new(e.transaction_code)
                    .is_some_and(|c| c.kind == nacha::TxKind::Live);
                if live && e.amount > 0 {
                    let effective = batch.as_ref().and_then(effective_of);
                    let sec = batch.as_ref().map_or(nacha::SecCode::Ppd, |b| b.sec_code);
                    limit_checks(
                        &mut out,
                        raw.line,
                        e.amount,
                        limits,
                        &mut days,
                        prior,
                        || {
                            windows
                                .schedule_entry(arrival, effective, e.amount, sec)
                                .ok()
                                .map(|s| s.window_date)
                        },
                    )?;
                }
            }
            nacha::Record::Addenda(nacha::Addenda::DishonoredReturn(d)) => {
                dishonor_check(&mut out, raw.line, d.original_entry_trace_number, prior)?;
            }
            _ => {}
        }
    }
    if !chunk.is_empty() {
        flush(&mut chunk, &mut out, prior)?;
    }
    out.sort_by_key(|f| f.row);
    Ok(out)
}

/// What earlier accepted files of the partner did, for [`check_against_bank`].
pub trait Prior {
    /// Which of `traces` earlier accepted entries used.
    fn traces_used(&mut self, traces: &[String]) -> io::Result<Vec<String>>;
    /// The total, in cents, of the accepted entries sent in the windows of `day`.
    fn day_total(&mut self, day: NaiveDate) -> io::Result<u64>;
    /// The kinds of the events (`return`, `dishonored_return`, …) recorded for the partner's
    /// entry `trace`, oldest first.
    fn event_kinds(&mut self, trace: &str) -> io::Result<Vec<String>>;
    /// The receivers (by [`receiver_key`]) a delivered notification of change corrected, each
    /// with what it was (`C01 of <date>`).
    fn noc_receivers(&mut self) -> io::Result<std::collections::HashMap<String, String>>;
}

/// A dishonored return (spec 06 §9.7) answers a return the bank delivered to the partner: one
/// of entry `original` with a return and no dishonor yet, else `dishonor_without_return`.
fn dishonor_check(
    out: &mut Vec<Finding>,
    line: u64,
    original: u64,
    prior: &mut dyn Prior,
) -> io::Result<()> {
    let trace = format!("{original:015}");
    let kinds = prior.event_kinds(&trace)?;
    let why = if kinds.iter().any(|k| k == DISHONORED_RETURN) {
        "its return was dishonored already"
    } else if kinds.iter().any(|k| k == RETURN) {
        return Ok(());
    } else {
        "no return of it was delivered to this partner"
    };
    out.push(Finding {
        row: line,
        column: Some("original_entry_trace_number".into()),
        code: validate::report::code::DISHONOR_WITHOUT_RETURN,
        message: format!("a dishonored return of entry {trace}, but {why} (spec 06 §9.7)"),
        value: Some(trace),
    });
    Ok(())
}

/// The limits agreed with the bank (spec 06 §5.2) on one money-moving entry at `line`: its own
/// amount, and its processing day's total with it (found by `window_day`).
fn limit_checks(
    out: &mut Vec<Finding>,
    line: u64,
    amount: u64,
    limits: crate::AchLimits,
    days: &mut std::collections::BTreeMap<NaiveDate, u64>,
    prior: &mut dyn Prior,
    window_day: impl FnOnce() -> Option<NaiveDate>,
) -> io::Result<()> {
    let dollars = |c: u64| format!("{}.{:02}", c / 100, c % 100);
    if let Some(max) = limits.per_transaction_cents.filter(|max| amount > *max) {
        out.push(Finding {
            row: line,
            column: Some("amount".into()),
            code: validate::report::code::PER_TRANSACTION_LIMIT_EXCEEDED,
            message: format!("{} is more than the per-transaction limit of {} agreed with the bank (spec 06 §5.2)", dollars(amount), dollars(max)),
            value: Some(dollars(amount)),
        });
    }
    let (Some(max), Some(day)) = (limits.daily_cents, window_day()) else {
        return Ok(());
    };
    let total = match days.get_mut(&day) {
        Some(t) => t,
        None => days.entry(day).or_insert(prior.day_total(day)?),
    };
    let before = *total;
    *total = total.saturating_add(amount);
    // Reported once, on the entry that crosses the limit.
    if before <= max && *total > max {
        out.push(Finding {
            row: line,
            column: Some("amount".into()),
            code: validate::report::code::AGGREGATE_LIMIT_EXCEEDED,
            message: format!("entries for the windows of {day} reach {} with this one, more than the daily limit of {} agreed with the bank (spec 06 §5.2)", dollars(*total), dollars(max)),
            value: Some(dollars(amount)),
        });
    }
    Ok(())
}
