//! Returns (addenda 99) and notifications of change (COR batches, addenda 98)
//! for entries of an accepted file, as the bank's sandbox produces them.
//!
//! The response file goes back to the originator: its immediate destination is
//! the ODFI, each batch is originated by the RDFI of its entries, every entry
//! answers one original entry (same account, amount, names; the return/NOC
//! transaction code of its family) and carries the original trace number in
//! its addenda.

use std::io::{BufRead, Write};

use crate::reasons::ReturnKind;
use crate::records::{
    Addenda, Addenda98, Addenda99, Addenda99Contested, Addenda99Dishonored, BatchHeader,
    EntryDetail, FileHeader, Record, TypedReader,
};
use crate::{reasons, routing, Date, Error, FileWriter, LineEnding, SecCode, Time, TxCode};

mod correction;

pub use correction::Correction;

/// One entry to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRequest {
    /// Trace number of the original entry.
    pub trace_number: u64,
    /// Return reason code, e.g. `R01`.
    pub code: String,
    /// Date of death (R14/R15 only).
    pub date_of_death: Option<Date>,
    /// Free text for the addenda (at most 44 characters).
    pub addenda_information: String,
}

impl ReturnRequest {
    /// A return of `trace_number` with reason `code`.
    pub fn new(trace_number: u64, code: impl Into<String>) -> Self {
        ReturnRequest {
            trace_number,
            code: code.into(),
            date_of_death: None,
            addenda_information: String::new(),
        }
    }
}

/// One entry to correct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NocRequest {
    /// Trace number of the original entry.
    pub trace_number: u64,
    /// The correction.
    pub correction: Correction,
}

/// Header values of the response file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseOptions {
    /// File creation date.
    pub file_creation_date: Date,
    /// File creation time.
    pub file_creation_time: Option<Time>,
    /// File ID modifier.
    pub file_id_modifier: char,
    /// Line ending to write.
    pub line_ending: LineEnding,
    /// Entry sequence number (trace positions 88–94) of each batch's first entry: a sender
    /// whose trace numbers must stay unique across its files starts past those it used.
    pub first_sequence: u32,
}

impl ResponseOptions {
    /// Options for a file created on `date`, modifier `A`, LF endings.
    pub fn new(date: Date) -> Self {
        ResponseOptions {
            file_creation_date: date,
            file_creation_time: None,
            file_id_modifier: 'A',
            line_ending: LineEnding::Lf,
            first_sequence: 1,
        }
    }
}

/// What a response file contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseSummary {
    /// Batches written.
    pub batches: usize,
    /// Entries written.
    pub entries: usize,
}

/// An original entry found for a request.
struct Found {
    batch: usize,
    header: BatchHeader,
    entry: EntryDetail,
    request: usize,
    /// The addenda 99 of a return or dishonored return being answered.
    answered: Option<Addenda>,
}

/// A return to dishonor (R61, R67–R70): the ODFI refuses it, e.g. R69 for a return sent late.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DishonorRequest {
    /// Trace number of the original entry whose return is dishonored.
    pub original_trace_number: u64,
    /// Dishonored return reason code.
    pub code: String,
    /// When the return settled (blank in the addenda when unknown).
    pub return_settlement_date: Option<Date>,
    /// Free text for the addenda (at most 21 characters).
    pub addenda_information: String,
}

/// A dishonored return to contest (R71–R77).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContestRequest {
    /// Trace number of the original entry.
    pub original_trace_number: u64,
    /// Contested dishonored return code.
    pub code: String,
    /// When the original entry was returned.
    pub date_original_entry_returned: Date,
    /// When the original entry settled (blank when unknown).
    pub original_settlement_date: Option<Date>,
    /// When the dishonored return settled (blank when unknown).
    pub dishonored_return_settlement_date: Option<Date>,
}

/// The code of a return family `code` must belong to, or [`Error::InvalidCode`].
fn code_of_kind(code: &str, kind: ReturnKind) -> Result<(), Error> {
    let ok = reasons::is_return_code(code) && reasons::return_kind(code.as_bytes()) == kind;
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidCode(code.to_string()))
    }
}

/// A reason code without its `R` (`R01` → `01`), as the dishonored and contested layouts
/// repeat earlier codes.
fn two_digits(code: &str) -> String {
    code.get(1..).unwrap_or_default().to_string()
}

/// Writes a dishonored-return file answering returns in `returns` (a return file that passed
/// validation), chosen by their original entries' trace numbers: it goes back to the RDFI that
/// returned them.
pub fn build_dishonored<R: BufRead, W: Write>(
    returns: R,
    requests: &[DishonorRequest],
    options: &ResponseOptions,
    out: W,
) -> Result<ResponseSummary, Error> {
    for r in requests {
        code_of_kind(&r.code, ReturnKind::Dishonored)?;
    }
    let traces: Vec<u64> = requests.iter().map(|r| r.original_trace_number).collect();
    let (header, found) = find_answered(returns, &traces, ReturnKind::Return)?;
    respond(&header, found, options, out, None, |entry, f| {
        let req = &requests[f.request];
        let Some(Addenda::Return(a)) = &f.answered else {
            return Err(Error::Invalid("not a return".into()));
        };
        Ok(Addenda::DishonoredReturn(Addenda99Dishonored {
            dishonored_return_reason_code: req.code.clone(),
            original_entry_trace_number: a.original_entry_trace_number,
            original_receiving_dfi_identification: a.original_receiving_dfi_identification,
            return_trace_number: f.entry.trace_number,
            return_settlement_date: req
                .return_settlement_date
                .map(Date::to_julian)
                .unwrap_or_else(|| f.header.settlement_date.clone()),
            return_reason_code: two_digits(&a.return_reason_code),
            addenda_information: req.addenda_information.clone(),
            trace_number: entry.trace_number,
        }))
    })
}

/// Writes a contested-dishonored-return file answering dishonored returns in `dishonored` (a
/// file that passed validation), chosen by their original entries' trace numbers.
pub fn build_contested<R: BufRead, W: Write>(
    dishonored: R,
    requests: &[ContestRequest],
    options: &ResponseOptions,
    out: W,
) -> Result<ResponseSummary, Error> {
    for r in requests {
        code_of_kind(&r.code, ReturnKind::Contested)?;
    }
    let traces: Vec<u64> = requests.iter().map(|r| r.original_trace_number).collect();
    let (header, found) = find_answered(dishonored, &traces, ReturnKind::Dishonored)?;
    let julian = |d: Option<Date>| d.map(Date::to_julian).unwrap_or_default();
    respond(&header, found, options, out, None, |entry, f| {
        let req = &requests[f.request];
        let Some(Addenda::DishonoredReturn(d)) = &f.answered else {
            return Err(Error::Invalid("not a dishonored return".into()));
        };
        Ok(Addenda::ContestedReturn(Addenda99Contested {
            contested_return_code: req.code.clone(),
            original_entry_trace_number: d.original_entry_trace_number,
            date_original_entry_returned: Some(req.date_original_entry_returned),
            original_receiving_dfi_identification: d.original_receiving_dfi_identification,
            original_settlement_date: julian(req.original_settlement_date),
            return_trace_number: d.return_trace_number,
            return_settlement_date: d.return_settlement_date.clone(),
            return_reason_code: d.return_reason_code.clone(),
            dishonored_return_trace_number: f.entry.trace_number,
            dishonored_return_settlement_date: julian(req.dishonored_return_settlement_date),
            dishonored_return_reason_code: two_digits(&d.dishonored_return_reason_code),
            trace_number: entry.trace_number,
        }))
    })
}

/// Streams a return-family file once, keeping the entries whose addenda 99 (of `kind`) names
/// one of `originals` as its original entry.
fn find_answered<R: BufRead>(
    input: R,
    originals: &[u64],
    kind: ReturnKind,
) -> Result<(FileHeader, Vec<Found>), Error> {
    if originals.is_empty() {
        return Err(Error::Invalid("no trace numbers given".into()));
    }
    let mut header = None;
    let mut batch: Option<BatchHeader> = None;
    let mut batch_index = 0;
    let mut last: Option<EntryDetail> = None;
    let mut found: Vec<Found> = Vec::new();
    for item in TypedReader::new(input) {
        let original = match item?.1 {
            Record::FileHeader(h) => {
                header = Some(h);
                continue;
            }
            Record::BatchHeader(h) => {
                batch_index += 1;
                batch = Some(h);
                continue;
            }
            Record::EntryDetail(e) => {
                last = Some(e);
                continue;
            }
            Record::Addenda(a) => match (&a, kind) {
                (Addenda::Return(r), ReturnKind::Return) => (r.original_entry_trace_number, a),
                (Addenda::DishonoredReturn(d), ReturnKind::Dishonored) => {
                    (d.original_entry_trace_number, a)
                }
                _ => continue,
            },
            _ => continue,
        };
        let (trace, answered) = original;
        let Some(request) = originals.iter().position(|t| *t == trace) else {
            continue;
        };
        if found.iter().any(|f| f.request == request) {
            return Err(Error::Invalid(format!(
                "entry {trace:015} is answered more than once in the file"
            )));
        }
        let (Some(h), Some(entry)) = (batch.clone(), last.clone()) else {
            return Err(Error::Invalid("addenda outside an entry".into()));
        };
        found.push(Found {
            batch: batch_index,
            header: h,
            entry,
            request,
            answered: Some(answered),
        });
    }
    for t in originals {
        if !found.iter().any(|f| originals.get(f.request) == Some(t)) {
            return Err(Error::TraceNotFound(format!("{t:015}")));
        }
    }
    let header = header.ok_or_else(|| Error::Invalid("the file has no file header".into()))?;
    Ok((header, found))
}

/// Writes a return file for entries of `original` (a file that passed validation).
///
/// Fails with [`Error::TraceNotFound`] when a trace number is not in the file and
/// [`Error::InvalidCode`] for an unknown R-code.
pub fn build_return<R: BufRead, W: Write>(
    original: R,
    requests: &[ReturnRequest],
    options: &ResponseOptions,
    out: W,
) -> Result<ResponseSummary, Error> {
    build_return_noc(original, requests, &[], options, out)
}

/// Writes a notification-of-change file (COR batches) for entries of `original`.
pub fn build_noc<R: BufRead, W: Write>(
    original: R,
    requests: &[NocRequest],
    options: &ResponseOptions,
    out: W,
) -> Result<ResponseSummary, Error> {
    build_return_noc(original, &[], requests, options, out)
}

/// Writes one file holding returns of some entries of `original` and notifications of change
/// for others (spec 06 §1.4 `incoming_ach_return_noc`): the return batches first, then the COR
/// batches. An entry is returned or corrected, not both.
pub fn build_return_noc<R: BufRead, W: Write>(
    original: R,
    returns: &[ReturnRequest],
    nocs: &[NocRequest],
    options: &ResponseOptions,
    out: W,
) -> Result<ResponseSummary, Error> {
    for r in returns {
        // A dishonored or contested code has its own layout and builder.
        code_of_kind(&r.code, ReturnKind::Return)?;
    }
    let mut data = Vec::with_capacity(nocs.len());
    for r in nocs {
        let code = r.correction.code();
        if !reasons::is_change_code(code) {
            return Err(Error::InvalidCode(code.to_string()));
        }
        data.push(r.correction.corrected_data()?);
    }
    let traces: Vec<u64> = returns
        .iter()
        .map(|r| r.trace_number)
        .chain(nocs.iter().map(|r| r.trace_number))
        .collect();
    for (i, t) in traces.iter().enumerate() {
        if traces[..i].contains(t) {
            return Err(Error::Invalid(format!(
                "entry {t:015} is answered twice (an entry is returned or corrected, once)"
            )));
        }
    }
    let (header, found) = find(original, &traces)?;
    let (mut returned, mut corrected) = (Vec::new(), Vec::new());
    for mut f in found {
        if f.request < returns.len() {
            returned.push(f);
        } else {
            f.request -= returns.len();
            corrected.push(f);
        }
    }
    let return_addenda = |entry: &EntryDetail, f: &Found| {
        let req = &returns[f.request];
        Ok(Addenda::Return(Addenda99 {
            return_reason_code: req.code.clone(),
            original_entry_trace_number: f.entry.trace_number,
            date_of_death: req.date_of_death,
            original_receiving_dfi_identification: f.entry.receiving_dfi_identification,
            addenda_information: req.addenda_information.clone(),
            trace_number: entry.trace_number,
        }))
    };
    let noc_addenda = |entry: &EntryDetail, f: &Found| {
        Ok(Addenda::Notification(Addenda98 {
            change_code: nocs[f.request].correction.code().to_string(),
            original_entry_trace_number: f.entry.trace_number,
            original_receiving_dfi_identification: f.entry.receiving_dfi_identification,
            corrected_data: data[f.request].clone(),
            trace_number: entry.trace_number,
        }))
    };
    let parts = vec![
        Part {
            found: returned,
            sec_override: None,
            addenda: &return_addenda,
        },
        Part {
            found: corrected,
            sec_override: Some(SecCode::Cor),
            addenda: &noc_addenda,
        },
    ];
    respond_parts(&header, parts, options, out)
}

/// Streams the original once, keeping only the requested entries.
fn find<R: BufRead>(original: R, traces: &[u64]) -> Result<(FileHeader, Vec<Found>), Error> {
    if traces.is_empty() {
        return Err(Error::Invalid("no trace numbers given".into()));
    }
    let mut header = None;
    let mut batch: Option<BatchHeader> = None;
    let mut batch_index = 0;
    let mut found: Vec<Found> = Vec::new();
    for item in TypedReader::new(original) {
        match item?.1 {
            Record::FileHeader(h) => header = Some(h),
            Record::BatchHeader(h) => {
                batch_index += 1;
                batch = Some(h);
            }
            Record::IatBatchHeader(_) => {
                batch_index += 1;
                batch = None;
            }
            Record::EntryDetail(e) => {
                let Some(request) = traces.iter().position(|t| *t == e.trace_number) else {
                    continue;
                };
                if found.iter().any(|f| f.entry.trace_number == e.trace_number) {
                    return Err(Error::Invalid(format!(
                        "trace number {:015} appears more than once in the original",
                        e.trace_number
                    )));
                }
                let Some(h) = batch.clone() else {
                    return Err(Error::Invalid("entry outside a batch".into()));
                };
                // A return or NOC is answered by a dishonor or a refused NOC, never a return.
                let answer = TxCode::new(e.transaction_code).map(|c| c.kind);
                if h.sec_code == SecCode::Cor || answer == Some(crate::TxKind::ReturnOrNoc) {
                    return Err(Error::Invalid(format!(
                        "entry {:015} is itself a return or notification of change",
                        e.trace_number
                    )));
                }
                found.push(Found {
                    batch: batch_index,
                    header: h,
                    entry: e,
                    request,
                    answered: None,
                });
            }
            Record::IatEntryDetail(e) if traces.contains(&e.trace_number) => {
                return Err(Error::Invalid(
                    "returns of IAT entries are not supported".into(),
                ))
            }
            _ => {}
        }
    }
    for t in traces {
        if !found.iter().any(|f| f.entry.trace_number == *t) {
            return Err(Error::TraceNotFound(format!("{t:015}")));
        }
    }
    let header = header.ok_or_else(|| Error::Invalid("the original has no file header".into()))?;
    Ok((header, found))
}

/// Writes the response: one batch per original batch and RDFI.
fn respond<W: Write>(
    original: &FileHeader,
    found: Vec<Found>,
    options: &ResponseOptions,
    out: W,
    sec_override: Option<SecCode>,
    addenda: impl Fn(&EntryDetail, &Found) -> Result<Addenda, Error>,
) -> Result<ResponseSummary, Error> {
    let part = Part {
        found,
        sec_override,
        addenda: &addenda,
    };
    respond_parts(original, vec![part], options, out)
}

/// One kind of answer in a response file: its entries, the SEC its batches take (COR for
/// NOCs) and the addenda each entry gets.
struct Part<'a> {
    found: Vec<Found>,
    sec_override: Option<SecCode>,
    addenda: &'a dyn Fn(&EntryDetail, &Found) -> Result<Addenda, Error>,
}

/// Writes the parts, in order, into one response file: one batch per part, original batch and
/// RDFI, numbered across the file.
fn respond_parts<W: Write>(
    original: &FileHeader,
    parts: Vec<Part>,
    options: &ResponseOptions,
    out: W,
) -> Result<ResponseSummary, Error> {
    let first = parts
        .iter()
        .find_map(|p| p.found.first())
        .ok_or_else(|| Error::Invalid("nothing to answer".into()))?;
    let odfi_routing = routing::with_check_digit(first.header.originating_dfi_identification)
        .ok_or_else(|| Error::Invalid("bad ODFI identification".into()))?;
    let header = FileHeader {
        immediate_destination: odfi_routing,
        immediate_origin: original.immediate_destination.clone(),
        file_creation_date: options.file_creation_date,
        file_creation_time: options.file_creation_time,
        file_id_modifier: options.file_id_modifier,
        immediate_destination_name: original.immediate_origin_name.clone(),
        immediate_origin_name: original.immediate_destination_name.clone(),
        reference_code: String::new(),
    };
    let mut w = FileWriter::new(out, &header, options.line_ending)?;
    let mut summary = ResponseSummary {
        batches: 0,
        entries: 0,
    };
    for mut part in parts {
        // Group by (original batch, RDFI) in order of first appearance.
        let mut groups: Vec<((usize, u32), Vec<Found>)> = Vec::new();
        for f in std::mem::take(&mut part.found) {
            let key = (f.batch, f.entry.receiving_dfi_identification);
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(f),
                None => groups.push((key, vec![f])),
            }
        }
        for ((_, rdfi), group) in &groups {
            summary.batches += 1;
            let number = summary.batches;
            summary.entries += answer_batch(&mut w, number, *rdfi, group, &part, options)?;
        }
    }
    w.finish()?;
    Ok(summary)
}

/// Writes one response batch (number `number`) answering `group`, entries of one original
/// batch sent to RDFI `rdfi`; how many entries it wrote.
fn answer_batch<W: Write>(
    w: &mut FileWriter<W>,
    number: usize,
    rdfi: u32,
    group: &[Found],
    part: &Part,
    options: &ResponseOptions,
) -> Result<usize, Error> {
    let Some(first) = group.first() else {
        return Ok(0);
    };
    let codes: Vec<TxCode> = group
        .iter()
        .map(|f| {
            TxCode::new(f.entry.transaction_code)
                .map(|t| TxCode::new(t.return_code()).unwrap_or(t))
                .ok_or_else(|| Error::InvalidCode(format!("{:02}", f.entry.transaction_code)))
        })
        .collect::<Result<_, _>>()?;
    let credits = codes.iter().any(|c| c.credit);
    let debits = codes.iter().any(|c| !c.credit);
    let mut bh = first.header.clone();
    bh.service_class_code = match (credits, debits) {
        (true, false) => 220,
        (false, true) => 225,
        _ => 200,
    };
    if let Some(sec) = part.sec_override {
        bh.sec_code = sec;
    }
    bh.settlement_date = String::new();
    bh.originating_dfi_identification = rdfi;
    bh.batch_number = u32::try_from(number).map_err(|_| Error::Overflow {
        field: "batch_number",
    })?;
    w.begin_batch(&bh)?;
    let original_odfi = first.header.originating_dfi_identification;
    let odfi_check = routing::check_digit(format!("{original_odfi:08}").as_bytes())
        .ok_or_else(|| Error::Invalid("bad ODFI identification".into()))?;
    for (i, (f, code)) in group.iter().zip(&codes).enumerate() {
        let mut e = f.entry.clone();
        e.transaction_code = code.code;
        e.receiving_dfi_identification = original_odfi;
        e.check_digit = odfi_check;
        if part.sec_override == Some(SecCode::Cor) {
            e.amount = 0;
        }
        let sequence = u64::from(options.first_sequence) + i as u64;
        if sequence >= 10_000_000 {
            return Err(Error::Overflow {
                field: "trace_number",
            });
        }
        e.trace_number = u64::from(rdfi) * 10_000_000 + sequence;
        let a = (part.addenda)(&e, f)?;
        w.entry(&e, &[a])?;
    }
    w.end_batch()?;
    Ok(group.len())
}
