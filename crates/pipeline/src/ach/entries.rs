//! The money-moving entries of an accepted Nacha file, as the reports and the store see them:
//! IAT entries in the common shape, and what `apply_entries` stores (spec 06 §3, §8, §10).

use super::{effective_of, receiver_key, DISHONORED_RETURN};
use crate::windows::Windows;
use chrono::{DateTime, Utc};
use std::io::{self, Read};

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
