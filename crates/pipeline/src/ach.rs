//! Nacha files through the same report as CSV files: `row` is the line number and `column` the
//! field name (issue 3 item 5).

use crate::spill::FirstByRow;
use crate::windows::{WindowError, Windows};
use chrono::{DateTime, NaiveDate, Utc};
use std::fs::File;
use std::io::{self, BufRead, Read};
use validate::report::{Collector, Finding, Severity};
use validate::Report;

/// Counts bytes read through it.
struct Counting<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        Ok(k)
    }
}

/// Validates a Nacha file under `policy`. `rows` in the report counts entry detail records; the
/// report keeps the first `max_kept` errors and warnings by line.
pub fn validate_ach<R: Read>(
    input: R,
    policy: &nacha::Policy,
    max_kept: usize,
) -> io::Result<Report> {
    validate_ach_with_len(input, None, policy, max_kept, &mut |_| {})
}

/// [`validate_ach`] of a file, handing every error to `sink` as it is found (entry findings may
/// come when their batch closes, so not in line order): memory stays bounded by `max_kept`. The
/// file's length, from its metadata, lets a file without line breaks that is not a multiple of
/// 94 be refused before its records are read ([`validate_ach_with_len`]).
pub fn validate_ach_with_sink(
    file: File,
    policy: &nacha::Policy,
    max_kept: usize,
    sink: &mut dyn FnMut(&Finding),
) -> io::Result<Report> {
    let len = file.metadata()?.len();
    validate_ach_with_len(file, Some(len), policy, max_kept, sink)
}

/// [`validate_ach_with_sink`] of any input, with its length when known
/// ([`nacha::validate_each_with_len`]).
pub fn validate_ach_with_len<R: Read>(
    input: R,
    len: Option<u64>,
    policy: &nacha::Policy,
    max_kept: usize,
    sink: &mut dyn FnMut(&Finding),
) -> io::Result<Report> {
    let mut reader = io::BufReader::with_capacity(1 << 16, Counting { inner: input, n: 0 });
    let mut errors = FirstByRow::new(max_kept);
    let mut warnings = FirstByRow::new(max_kept);
    let summary =
        nacha::validate_each_with_len(&mut reader as &mut dyn BufRead, len, policy, |f| {
            let finding = Finding {
                row: f.line,
                column: Some(f.field.to_string()),
                code: f.code,
                message: f.message,
                value: None,
            };
            match f.severity {
                nacha::Severity::Error => {
                    sink(&finding);
                    errors.push(finding);
                }
                nacha::Severity::Warning => warnings.push(finding),
            }
        })
        .map_err(|e| match e {
            nacha::Error::Io(e) => e,
            other => io::Error::other(other.to_string()),
        })?;
    let (mut c, error_count, warning_count) =
        (Collector::new(max_kept), errors.seen(), warnings.seen());
    for f in warnings.into_sorted() {
        c.push(Severity::Warning, f);
    }
    for f in errors.into_sorted() {
        c.push(Severity::Error, f);
    }
    let bytes = reader.get_ref().n;
    let mut report = c.finish(
        validate::schema::types::OUTGOING_ACH,
        summary.entries,
        bytes,
    );
    // The counts are of every finding, not only the kept ones.
    report.error_count = error_count;
    report.warning_count = warning_count;
    if error_count > 0 {
        report.outcome = validate::Outcome::Rejected;
    }
    Ok(report)
}

/// A batch's effective entry date; `None` when blank or not a date (ENR batches leave it blank,
/// and the validator has already judged the field).
fn effective_of(b: &nacha::BatchHeader) -> Option<NaiveDate> {
    let eff = b.effective_entry_date?;
    NaiveDate::from_ymd_opt(eff.year().into(), eff.month().into(), eff.day().into())
}

/// A receiver as a notification of change names it, without keeping its account number: a hash
/// of the receiving DFI and the account (the entry JSON and the NOC's event hold only this).
pub fn receiver_key(rdfi: u32, account: &str) -> String {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("{rdfi:08}|{}", account.trim()).as_bytes());
    h.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

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
                    limit_checks(
                        &mut out,
                        raw.line,
                        e.amount,
                        limits,
                        &mut days,
                        prior,
                        || {
                            windows
                                .schedule(arrival, effective, e.amount)
                                .ok()
                                .map(|s| s.window_date)
                        },
                    )?;
                }
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
    /// The receivers (by [`receiver_key`]) a delivered notification of change corrected, each
    /// with what it was (`C01 of <date>`).
    fn noc_receivers(&mut self) -> io::Result<std::collections::HashMap<String, String>>;
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

/// A money-moving entry of a Nacha file, as [`each_live_entry`] hands it on.
pub struct LiveEntry<'a> {
    /// Its line.
    pub line: u64,
    /// Its batch's header.
    pub batch: &'a nacha::BatchHeader,
    /// The entry.
    pub entry: &'a nacha::EntryDetail,
    /// Its transaction code.
    pub code: nacha::TxCode,
}

/// Each money-moving entry of a Nacha file with its batch header and line, in file order, to
/// `each`: prenotes and zero-dollar entries move no money and are skipped, and so are IAT
/// batches (no IAT program yet). A record that does not parse is `bad`'s error.
pub fn each_live_entry<R: Read, E>(
    input: R,
    bad: impl Fn(nacha::Error) -> E,
    each: &mut dyn FnMut(LiveEntry) -> Result<(), E>,
) -> Result<(), E> {
    let mut batch: Option<nacha::BatchHeader> = None;
    for item in nacha::TypedReader::new(io::BufReader::with_capacity(1 << 16, input)) {
        let (raw, record) = item.map_err(&bad)?;
        let e = match record {
            nacha::Record::BatchHeader(h) => {
                batch = Some(h);
                continue;
            }
            nacha::Record::IatBatchHeader(_) | nacha::Record::BatchControl(_) => {
                batch = None;
                continue;
            }
            nacha::Record::EntryDetail(e) => e,
            _ => continue,
        };
        let (Some(b), Some(code)) = (&batch, nacha::TxCode::new(e.transaction_code)) else {
            continue;
        };
        if code.kind == nacha::TxKind::Live && e.amount > 0 {
            each(LiveEntry {
                line: raw.line,
                batch: b,
                entry: &e,
                code,
            })?;
        }
    }
    Ok(())
}

/// An entry as the ACH reports read it (`pipeline::nightly`), stored with its batch facts:
/// the caller adds its dates. The receiver's account number is not kept, only its
/// [`receiver_key`].
pub fn entry_json(
    b: &nacha::BatchHeader,
    e: &nacha::EntryDetail,
    code: nacha::TxCode,
) -> serde_json::Map<String, serde_json::Value> {
    let v = serde_json::json!({
        "trace": format!("{:015}", e.trace_number),
        "transaction_code": e.transaction_code.to_string(),
        "direction": if code.credit { "credit" } else { "debit" },
        "amount_cents": e.amount.to_string(),
        "sec_code": b.sec_code.to_string(),
        "company_name": b.company_name,
        "company_id": b.company_identification,
        "company_entry_description": b.company_entry_description,
        "individual_name": e.individual_name,
        "identification_number": e.identification_number,
        "receiver_key": receiver_key(e.receiving_dfi_identification, &e.dfi_account_number),
    });
    match v {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// Stores every money-moving entry of an accepted Nacha file in `ach_entries` (the ACH cash
/// reconciliation and daily activity reports read them, spec 06 §8, §10): its [`entry_json`]
/// and its window (spec 06 §3: the window's day and cutoff, when it is submitted and settles,
/// Same Day or next-day billing), scheduled from `arrival`.
pub fn apply_entries<R: Read>(
    input: R,
    ap: &mut store::Writing,
    windows: &Windows,
    arrival: DateTime<Utc>,
) -> store::Result<()> {
    // A batch's entries share a window but for the Same Day limit: two schedules per batch,
    // kept until the batch header changes.
    let mut windows_of: [Option<crate::windows::Scheduled>; 2] = [None, None];
    let mut batch_number = None;
    // The file was validated and accepted: a record that no longer parses means the bytes
    // changed under us, so refuse to apply rather than store half a file.
    let bad = |e: nacha::Error| store::Error::Apply(e.to_string());
    each_live_entry(input, bad, &mut |LiveEntry {
                                          line,
                                          batch: b,
                                          entry: e,
                                          code,
                                      }| {
        if batch_number != Some(b.batch_number) {
            batch_number = Some(b.batch_number);
            windows_of = [None, None];
        }
        let effective = effective_of(b);
        let slot = &mut windows_of[usize::from(e.amount > windows.same_day_limit_cents)];
        let s = match slot {
            Some(s) => s.clone(),
            None => {
                let s = windows
                    .schedule(arrival, effective, e.amount)
                    .map_err(|err| {
                        store::Error::Apply(format!("entry {}: {err}", e.trace_number))
                    })?;
                slot.insert(s).clone()
            }
        };
        let settles = s.settlement_date.to_string();
        let mut json = entry_json(b, e, code);
        let effective = effective.map_or_else(|| s.window_date.to_string(), |d| d.to_string());
        for (k, v) in [
            ("effective_date", serde_json::json!(effective)),
            ("settlement_date", serde_json::json!(settles)),
            ("window_date", serde_json::json!(s.window_date.to_string())),
            (
                "cutoff",
                serde_json::json!(s.cutoff.format("%H:%M").to_string()),
            ),
            ("submit_at", serde_json::json!(s.submit_at.to_rfc3339())),
            ("settles_at", serde_json::json!(s.settles_at.to_rfc3339())),
            ("billing", serde_json::json!(s.billing)),
            ("accepted_at", serde_json::json!(arrival.to_rfc3339())),
        ] {
            json.insert(k.to_string(), v);
        }
        let trace = format!("{:015}", e.trace_number);
        let json = serde_json::Value::Object(json).to_string();
        ap.ach_entry(line, &trace, Some(&settles), &json)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nacha_findings_become_rows_and_columns() {
        let mut file = Vec::new();
        nacha::gen::generate(20, nacha::SecCode::Ppd, 3, &mut file).unwrap();
        let ok = validate_ach(&file[..], &nacha::Policy::default(), 100).unwrap();
        assert_eq!((ok.outcome, ok.rows), (validate::Outcome::Accepted, 20));
        // Break the file control's entry hash (line = last non-filler record).
        let text = String::from_utf8(file).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let i = lines.iter().position(|l| l.starts_with('9')).unwrap();
        let hash = &lines[i][21..31];
        let bad = if hash.starts_with('0') {
            hash.replacen('0', "1", 1)
        } else {
            hash.replacen(&hash[..1], "0", 1)
        };
        lines[i].replace_range(21..31, &bad);
        let r = validate_ach(
            (lines.join("\n") + "\n").as_bytes(),
            &nacha::Policy::default(),
            100,
        )
        .unwrap();
        assert_eq!(r.outcome, validate::Outcome::Rejected);
        let e = r.errors.iter().find(|e| e.code == "entry_hash").unwrap();
        assert_eq!(
            (e.row, e.column.as_deref()),
            (i as u64 + 1, Some("entry_hash"))
        );
    }

    #[test]
    fn a_file_is_checked_against_its_length_before_its_records() {
        let mut file = Vec::new();
        nacha::gen::generate(20, nacha::SecCode::Ppd, 3, &mut file).unwrap();
        let mut unbroken: Vec<u8> = file.into_iter().filter(|b| *b != b'\n').collect();
        unbroken.pop();
        let mut f = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut f, &unbroken).unwrap();
        std::io::Seek::rewind(&mut f).unwrap();
        let mut sunk = Vec::new();
        let r = validate_ach_with_sink(f, &nacha::Policy::default(), 100, &mut |f| {
            sunk.push((f.row, f.code))
        })
        .unwrap();
        assert_eq!(r.outcome, validate::Outcome::Rejected);
        assert_eq!(sunk, [(1, "unbroken_length")]);
        assert_eq!((r.error_count, r.rows), (1, 0));
        // From bytes, without the length, it is the short last record instead.
        let r = validate_ach(&unbroken[..], &nacha::Policy::default(), 100).unwrap();
        let last = r.errors.last().unwrap();
        assert_eq!(last.code, "unbroken_length");
        assert_eq!(last.row, unbroken.len() as u64 / 94 + 1);
    }
}
