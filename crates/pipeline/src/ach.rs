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

/// Kinds of `ach_events`: a return, the partner's dishonor of it, and the RDFI's contest of the
/// dishonor (spec 06 §8.3 settlement types `RETURN`, `DISHONORED_RETURN`, `CONTESTED_RETURN`).
pub const RETURN: &str = "return";
/// See [`RETURN`].
pub const DISHONORED_RETURN: &str = "dishonored_return";
/// See [`RETURN`].
pub const CONTESTED_RETURN: &str = "contested_return";

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

/// What [`each_entry_item`] hands on.
pub enum EntryItem<'a> {
    /// A money-moving entry.
    Live(LiveEntry<'a>),
    /// A dishonored return the file sends (spec 06 §9.7), at the line of its addenda.
    Dishonor {
        /// The addenda's line.
        line: u64,
        /// Its batch's header.
        batch: &'a nacha::BatchHeader,
        /// The return-family entry carrying it.
        entry: &'a nacha::EntryDetail,
        /// The addenda 99.
        addenda: &'a nacha::Addenda99Dishonored,
    },
}

/// Each money-moving entry of a Nacha file with its batch header and line, in file order, to
/// `each`: prenotes and zero-dollar entries move no money and are skipped. IAT entries come in
/// the common shape ([`plain_batch`], [`plain_entry`]), named from their addenda 10 (receiver)
/// and 11 (originator). A record that does not parse is `bad`'s error.
pub fn each_live_entry<R: Read, E>(
    input: R,
    bad: impl Fn(nacha::Error) -> E,
    each: &mut dyn FnMut(LiveEntry) -> Result<(), E>,
) -> Result<(), E> {
    each_entry_item(input, bad, &mut |item| match item {
        EntryItem::Live(l) => each(l),
        EntryItem::Dishonor { .. } => Ok(()),
    })
}

/// [`each_live_entry`], and the dishonored returns, in one pass.
pub fn each_entry_item<R: Read, E>(
    input: R,
    bad: impl Fn(nacha::Error) -> E,
    each: &mut dyn FnMut(EntryItem) -> Result<(), E>,
) -> Result<(), E> {
    let mut batch: Option<nacha::BatchHeader> = None;
    let mut last: Option<nacha::EntryDetail> = None;
    // An IAT entry waits for its addenda, which carry the names.
    let mut pending: Option<(u64, nacha::BatchHeader, nacha::EntryDetail)> = None;
    for item in nacha::TypedReader::new(io::BufReader::with_capacity(1 << 16, input)) {
        let (raw, record) = item.map_err(&bad)?;
        match &record {
            nacha::Record::Addenda(nacha::Addenda::Iat(a)) => {
                if let Some((_, b, e)) = &mut pending {
                    match a.type_code() {
                        10 => e.individual_name = a.field("name_of_receiver").unwrap_or_default(),
                        11 => b.company_name = a.field("originator_name").unwrap_or_default(),
                        _ => {}
                    }
                }
                continue;
            }
            nacha::Record::Addenda(nacha::Addenda::DishonoredReturn(d)) => {
                if let (Some(b), Some(e)) = (&batch, &last) {
                    each(EntryItem::Dishonor {
                        line: raw.line,
                        batch: b,
                        entry: e,
                        addenda: d,
                    })?;
                }
                continue;
            }
            _ => {}
        }
        if let Some((line, b, e)) = pending.take() {
            if let Some(l) = live(line, &b, &e) {
                each(EntryItem::Live(l))?;
            }
        }
        match record {
            nacha::Record::BatchHeader(h) => batch = Some(h),
            nacha::Record::IatBatchHeader(h) => batch = Some(plain_batch(&h)),
            nacha::Record::BatchControl(_) => batch = None,
            nacha::Record::EntryDetail(e) => {
                if let Some(l) = batch.as_ref().and_then(|b| live(raw.line, b, &e)) {
                    each(EntryItem::Live(l))?;
                }
                last = Some(e);
            }
            nacha::Record::IatEntryDetail(e) => {
                if let Some(b) = &batch {
                    pending = Some((raw.line, b.clone(), plain_entry(&e)));
                }
            }
            _ => {}
        }
    }
    if let Some((line, b, e)) = pending.take() {
        if let Some(l) = live(line, &b, &e) {
            each(EntryItem::Live(l))?;
        }
    }
    Ok(())
}

/// The entry as a [`LiveEntry`] when it moves money.
fn live<'a>(
    line: u64,
    batch: &'a nacha::BatchHeader,
    entry: &'a nacha::EntryDetail,
) -> Option<LiveEntry<'a>> {
    let code = nacha::TxCode::new(entry.transaction_code)?;
    (code.kind == nacha::TxKind::Live && entry.amount > 0).then_some(LiveEntry {
        line,
        batch,
        entry,
        code,
    })
}

/// An IAT batch header in the common shape: the originator identification as the company's,
/// no company name (each entry's addenda 11 names its originator).
pub fn plain_batch(h: &nacha::IatBatchHeader) -> nacha::BatchHeader {
    nacha::BatchHeader {
        service_class_code: h.service_class_code,
        company_name: String::new(),
        company_discretionary_data: String::new(),
        company_identification: h.originator_identification.clone(),
        sec_code: nacha::SecCode::Iat,
        company_entry_description: h.company_entry_description.clone(),
        company_descriptive_date: String::new(),
        effective_entry_date: Some(h.effective_entry_date),
        settlement_date: h.settlement_date.clone(),
        originator_status_code: h.originator_status_code,
        originating_dfi_identification: h.originating_dfi_identification,
        batch_number: h.batch_number,
    }
}

/// An IAT entry in the common shape: the foreign receiver's account as the account number.
pub fn plain_entry(e: &nacha::IatEntryDetail) -> nacha::EntryDetail {
    nacha::EntryDetail {
        transaction_code: e.transaction_code,
        receiving_dfi_identification: e.receiving_dfi_identification,
        check_digit: e.check_digit,
        dfi_account_number: e.foreign_receivers_account_number.clone(),
        amount: e.amount,
        addenda_record_indicator: e.addenda_record_indicator,
        trace_number: e.trace_number,
        ..nacha::EntryDetail::default()
    }
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
///
/// A dishonored return the file sends is recorded as an event of its original entry
/// (`dishonored_return`, settling in the window it is sent in), against `file` of `partner`.
pub fn apply_entries<R: Read>(
    input: R,
    ap: &mut store::Writing,
    windows: &Windows,
    arrival: DateTime<Utc>,
    sent: Sent,
) -> store::Result<()> {
    // A batch's entries share a window but for the Same Day limit: two schedules per batch,
    // kept until the batch header changes.
    let mut windows_of: [Option<crate::windows::Scheduled>; 2] = [None, None];
    let mut batch_number = None;
    // The file was validated and accepted: a record that no longer parses means the bytes
    // changed under us, so refuse to apply rather than store half a file.
    let bad = |e: nacha::Error| store::Error::Apply(e.to_string());
    each_entry_item(input, bad, &mut |item| {
        let LiveEntry {
            line,
            batch: b,
            entry: e,
            code,
        } = match item {
            EntryItem::Live(l) => l,
            EntryItem::Dishonor {
                batch,
                entry,
                addenda,
                ..
            } => return apply_dishonor(ap, windows, arrival, &sent, batch, entry, addenda),
        };
        if batch_number != Some(b.batch_number) {
            batch_number = Some(b.batch_number);
            windows_of = [None, None];
        }
        let effective = effective_of(b);
        let slot = &mut windows_of[usize::from(!windows.same_day_eligible(e.amount, b.sec_code))];
        let s = match slot {
            Some(s) => s.clone(),
            None => {
                let s = windows
                    .schedule_entry(arrival, effective, e.amount, b.sec_code)
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

/// Where an applied Nacha file came from.
#[derive(Clone, Copy)]
pub struct Sent<'a> {
    /// Its partner.
    pub partner: &'a str,
    /// Its path, relative to the partner's root.
    pub file: &'a str,
}

/// Records the dishonor of a return (spec 06 §9.7) against the original entry: the return's
/// money goes back the way the original sent it, in the window the dishonor is sent in.
fn apply_dishonor(
    ap: &mut store::Writing,
    windows: &Windows,
    arrival: DateTime<Utc>,
    sent: &Sent,
    b: &nacha::BatchHeader,
    e: &nacha::EntryDetail,
    d: &nacha::Addenda99Dishonored,
) -> store::Result<()> {
    let code = nacha::TxCode::new(e.transaction_code)
        .ok_or_else(|| store::Error::Apply(format!("entry {}: bad code", e.trace_number)))?;
    let s = windows
        .schedule_entry(arrival, effective_of(b), e.amount, b.sec_code)
        .map_err(|err| store::Error::Apply(format!("entry {}: {err}", e.trace_number)))?;
    let trace = format!("{:015}", d.original_entry_trace_number);
    let mut json = entry_json(b, e, code);
    let settles = s.settlement_date.to_string();
    for (k, v) in [
        ("trace", serde_json::json!(trace)),
        ("event", serde_json::json!(DISHONORED_RETURN)),
        (
            "effective_date",
            serde_json::json!(s.window_date.to_string()),
        ),
        ("settlement_date", serde_json::json!(settles)),
        (
            "dishonor_trace",
            serde_json::json!(format!("{:015}", e.trace_number)),
        ),
    ] {
        json.insert(k.to_string(), v);
    }
    ap.ach_event(&store::AchEvent {
        partner: sent.partner.to_string(),
        trace,
        kind: DISHONORED_RETURN.into(),
        code: d.dishonored_return_reason_code.clone(),
        file: sent.file.to_string(),
        at: arrival.to_rfc3339(),
        detail: serde_json::Value::Object(json).to_string(),
        settlement_date: Some(settles),
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
