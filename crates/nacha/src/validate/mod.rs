//! The streaming validator (spec 06 §9.13 and §5, decision D10).
//!
//! It keeps only running totals and the state of the current batch and
//! entry, so memory does not grow with the file. Every finding is reported;
//! validation stops early only where the rest of the file cannot be read as
//! records: a line longer than [`MAX_LINE_BYTES`] (`line_too_long`), or a file
//! without line breaks whose length is not a multiple of 94 (`unbroken_length`).

mod addenda;
mod catalogue;
mod control;
mod entry;
mod fields;
mod finding;
mod header;
mod policy;

pub use catalogue::{severity, CODES, WARNING_CODES};
pub use finding::{Finding, Report, Severity, Summary};
pub use policy::Policy;

use std::io::BufRead;

use crate::reader::{LineEnding, RawRecord, RecordReader};
use crate::{Error, SecCode};

/// Entry hashes keep the rightmost 10 digits.
pub(crate) const HASH_MODULUS: u64 = 10_000_000_000;

/// The longest line the validator reads, in bytes (a record is 94): a longer one is
/// `line_too_long` and the rest of the file is not read.
pub const MAX_LINE_BYTES: u64 = 4096;

/// Validates a whole file and collects every finding.
///
/// Only I/O errors are returned as `Err`; every problem in the content is a
/// [`Finding`] in the report.
///
/// ```
/// let report = nacha::validate(&b"hello"[..], &nacha::Policy::default()).unwrap();
/// assert!(!report.is_accepted());
/// assert_eq!(report.findings[0].code, "record_length");
/// ```
pub fn validate<R: BufRead>(input: R, policy: &Policy) -> Result<Report, Error> {
    let mut findings = Vec::new();
    let summary = validate_each(input, policy, |f| findings.push(f))?;
    // Findings about an entry can be reported when its batch closes; keep line order.
    findings.sort_by_key(|f| f.line);
    Ok(Report { findings, summary })
}

/// Validates a file, handing each finding to `on_finding` as soon as it is known
/// (use this to stop storing after N findings, or to stream them out).
pub fn validate_each<R: BufRead, F: FnMut(Finding)>(
    input: R,
    policy: &Policy,
    on_finding: F,
) -> Result<Summary, Error> {
    validate_each_with_len(input, None, policy, on_finding)
}

/// [`validate_each`] for an input whose length is known beforehand (a file's, from its
/// metadata): a file without line breaks whose length is not a multiple of 94 is then refused
/// with `unbroken_length` on line 1 as soon as its shape is known (the first 4 KiB), before any
/// record is checked. Without the length the same is found at the end, on the short last record.
pub fn validate_each_with_len<R: BufRead, F: FnMut(Finding)>(
    input: R,
    len: Option<u64>,
    policy: &Policy,
    mut on_finding: F,
) -> Result<Summary, Error> {
    let mut reader = RecordReader::new(input).with_max_line(MAX_LINE_BYTES);
    let mut validator = Validator::new(policy.clone());
    let mut rec = RawRecord::default();
    while reader.read_record(&mut rec)? {
        if reader.too_long() {
            let msg = format!(
                "line {} is longer than {MAX_LINE_BYTES} characters (a record is 94); the rest of the file was not read",
                rec.line
            );
            let rt = rec.record_type().map_or(' ', printable_byte);
            validator.emit(
                &mut on_finding,
                rec.line,
                rt,
                "record",
                "line_too_long",
                msg,
            );
            return Ok(validator.summary);
        }
        if reader.is_unbroken() {
            let rt = rec.record_type().map_or(' ', printable_byte);
            let record_len = crate::layout::RECORD_LEN as u64;
            if let Some(len) = len.filter(|n| rec.line == 1 && n % record_len != 0) {
                let msg = format!(
                    "the file has no line breaks and its {len} bytes are not a multiple of 94: its records cannot be told apart; the file was not read further"
                );
                validator.emit(&mut on_finding, 1, rt, "record", "unbroken_length", msg);
                return Ok(validator.summary);
            }
            if rec.len() < record_len {
                // Only the last record of a file cut every 94 bytes can be short.
                let total = (rec.line - 1) * record_len + rec.len();
                let msg = format!(
                    "the file has no line breaks and its {total} bytes are not a multiple of 94: the last record is {} characters",
                    rec.len()
                );
                validator.emit(
                    &mut on_finding,
                    rec.line,
                    rt,
                    "record",
                    "unbroken_length",
                    msg,
                );
                return Ok(validator.summary);
            }
        }
        validator.record(&rec, &mut on_finding);
    }
    Ok(validator.finish(&mut on_finding))
}

/// Where the validator is in the record sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing read yet.
    Start,
    /// After the file header or a batch control.
    BetweenBatches,
    /// Inside a batch.
    InBatch,
    /// After the file control.
    AfterFileControl,
}

/// Running state of the current batch.
#[derive(Debug, Clone)]
struct BatchState {
    line: u64,
    header: [u8; 94],
    sec: Option<SecCode>,
    /// SEC `ADV`: entries and control have the ADV layouts.
    adv: bool,
    service_class: Option<u16>,
    entries: u64,
    entry_addenda: u64,
    hash: u64,
    hash_unknown: bool,
    debit: u64,
    credit: u64,
    amount_unknown: bool,
    /// Last trace number (ADV: sequence number) seen in the batch.
    last_trace: Option<u64>,
    entry: Option<EntryState>,
}

/// Running state of the current entry (for its addenda).
#[derive(Debug, Clone, Default)]
struct EntryState {
    line: u64,
    trace: Option<u64>,
    tx: Option<crate::TxCode>,
    indicator: Option<u8>,
    declared_addenda: Option<u64>,
    addenda: u64,
    count_02: u32,
    count_05: u32,
    count_9x: u32,
    has_98: bool,
    has_99: bool,
    iat_next: u8,
    count_17: u32,
    count_18: u32,
    indicator_reported: bool,
}

/// File-level running totals: declared batch control values (computed ones
/// when a control is missing or unreadable), so each control record is
/// compared with its direct children only.
#[derive(Debug, Clone, Default)]
struct FileTotals {
    batches: u64,
    entry_addenda: u64,
    hash: u64,
    debit: u64,
    credit: u64,
    amount_unknown: bool,
    hash_unknown: bool,
    /// Sum of every entry amount, for the program maximum.
    all_amounts: u64,
    max_reported: bool,
}

/// The streaming validator; feed records in order, then call [`Validator::finish`].
#[derive(Debug, Clone)]
pub struct Validator {
    policy: Policy,
    state: State,
    summary: Summary,
    totals: FileTotals,
    batch: Option<BatchState>,
    /// Whether the file's first batch is ADV: it decides the file control's layout.
    adv_file: Option<bool>,
    last_batch_number: Option<u64>,
    last_line: u64,
    first_record_type: char,
    pending_blank: Option<(u64, u64)>,
    ending: Option<LineEnding>,
    mixed_reported: bool,
    previous_unterminated: bool,
    unbroken_reported: bool,
    file_control_line: Option<u64>,
    declared_block_count: Option<u64>,
    filler: u64,
}

impl Validator {
    /// A validator for one file under `policy`.
    pub fn new(policy: Policy) -> Self {
        Validator {
            policy,
            state: State::Start,
            summary: Summary::default(),
            totals: FileTotals::default(),
            batch: None,
            adv_file: None,
            last_batch_number: None,
            last_line: 0,
            first_record_type: ' ',
            pending_blank: None,
            ending: None,
            mixed_reported: false,
            previous_unterminated: false,
            unbroken_reported: false,
            file_control_line: None,
            declared_block_count: None,
            filler: 0,
        }
    }

    /// Checks one record (records must come in file order).
    pub fn record(&mut self, rec: &RawRecord, out: &mut dyn FnMut(Finding)) {
        self.last_line = rec.line;
        self.summary.lines += 1;
        self.line_endings(rec, out);
        if rec.is_empty() {
            self.pending_blank = match self.pending_blank {
                None => Some((rec.line, 1)),
                Some((first, n)) => Some((first, n + 1)),
            };
            return;
        }
        if let Some((first, n)) = self.pending_blank.take() {
            let msg = if n == 1 {
                "empty line between records".to_string()
            } else {
                format!("{n} empty lines between records")
            };
            self.emit(out, first, ' ', "record", "blank_line", msg);
        }
        self.summary.records += 1;
        let padded = rec.padded();
        let rt = char::from(padded[0]);
        if self.summary.records == 1 {
            self.first_record_type = rt;
        }
        let length_ok = rec.len() == crate::layout::RECORD_LEN as u64;
        if !length_ok {
            let msg = format!("record is {} characters long, expected 94", rec.len());
            self.emit(out, rec.line, printable(rt), "record", "record_length", msg);
        }
        let r = Rec {
            line: rec.line,
            b: &padded,
            check_fields: length_ok,
        };
        match padded[0] {
            b'1' => self.file_header(&r, out),
            b'5' => self.batch_header(&r, out),
            b'6' => self.entry(&r, out),
            b'7' => self.addenda(&r, out),
            b'8' => self.batch_control(&r, out),
            b'9' => self.nine(&r, out),
            _ => {
                let msg = format!(
                    "record type code {} is not 1, 5, 6, 7, 8 or 9",
                    show(&padded[..1])
                );
                self.emit(
                    out,
                    rec.line,
                    printable(rt),
                    "record_type_code",
                    "record_type",
                    msg,
                );
            }
        }
    }

    /// Ends the file: reports missing records, filler and block count; returns the summary.
    pub fn finish(mut self, out: &mut dyn FnMut(Finding)) -> Summary {
        let next = self.last_line + 1;
        if let Some((first, n)) = self.pending_blank.take() {
            let msg = format!("{n} empty line(s) after the last record");
            self.emit(out, first, ' ', "record", "trailing_blank_line", msg);
        }
        if self.summary.records == 0 {
            self.emit(
                out,
                1,
                '1',
                "record",
                "empty_file",
                "the file contains no records".into(),
            );
            return self.summary;
        }
        if self.state == State::InBatch {
            self.emit(
                out,
                next,
                '8',
                "record",
                "missing_record",
                "the file ends inside a batch: batch control record missing".into(),
            );
            self.close_batch(out);
        }
        if self.state != State::AfterFileControl {
            self.emit(
                out,
                next,
                '9',
                "record",
                "missing_record",
                "the file ends without a file control record".into(),
            );
        } else {
            self.check_blocks(out, next);
        }
        self.summary
    }

    fn line_endings(&mut self, rec: &RawRecord, out: &mut dyn FnMut(Finding)) {
        // In a file with line breaks only the last record lacks a terminator, so a
        // record following an unterminated one means the file has no line breaks.
        if self.previous_unterminated && !self.unbroken_reported {
            self.unbroken_reported = true;
            let rt = self.first_record_type;
            self.emit(
                out,
                1,
                rt,
                "record",
                "no_line_breaks",
                "the file has no line breaks; records were read 94 characters at a time".into(),
            );
        }
        self.previous_unterminated = rec.ending == LineEnding::None;
        if rec.ending == LineEnding::None {
            return;
        }
        match self.ending {
            None => self.ending = Some(rec.ending),
            Some(e) if e != rec.ending && !self.mixed_reported => {
                self.mixed_reported = true;
                let rt = rec.record_type().map_or(' ', printable_byte);
                self.emit(
                    out,
                    rec.line,
                    rt,
                    "record",
                    "mixed_line_endings",
                    "line endings change between LF and CRLF".into(),
                );
            }
            _ => {}
        }
    }

    /// Reports a record whose place in the sequence is wrong.
    fn out_of_order(&mut self, r: &Rec, out: &mut dyn FnMut(Finding), why: &str) {
        let rt = char::from(r.b[0]);
        self.emit(out, r.line, rt, "record", "record_order", why.to_string());
    }

    fn emit(
        &mut self,
        out: &mut dyn FnMut(Finding),
        line: u64,
        record_type: char,
        field: &'static str,
        code: &'static str,
        message: String,
    ) {
        let severity = severity(code);
        match severity {
            Severity::Error => self.summary.errors += 1,
            Severity::Warning => self.summary.warnings += 1,
        }
        out(Finding {
            line,
            record_type,
            field,
            code,
            message,
            severity,
        });
    }
}

/// A record padded to 94 bytes, with its line and whether field formats are checked.
struct Rec<'a> {
    line: u64,
    b: &'a [u8; 94],
    /// False for a record of the wrong length: its fields are not where the layout
    /// says, so format findings would only repeat the `record_length` error.
    check_fields: bool,
}

impl Rec<'_> {
    fn rt(&self) -> char {
        char::from(self.b[0])
    }
}

fn printable_byte(b: u8) -> char {
    if (0x20..0x7f).contains(&b) {
        char::from(b)
    } else {
        '?'
    }
}

fn printable(c: char) -> char {
    if c.is_ascii_graphic() || c == ' ' {
        c
    } else {
        '?'
    }
}

/// A field value for a message: printable ASCII, other bytes escaped.
pub(crate) fn show(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 2);
    s.push('"');
    for &b in bytes {
        if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    s.push('"');
    s
}

/// Fields whose values never appear in messages unmasked (decision D7).
const SENSITIVE: &[&str] = &[
    "dfi_account_number",
    "foreign_receivers_account_number",
    "receiving_dfi_identification",
    "check_digit",
    "immediate_destination",
    "immediate_origin",
    "corrected_data",
    "individual_identification_number",
    "identification_number",
    "receiver_identification_number",
];

/// A field value for a message, masked when the field is sensitive (`***6789`).
pub(crate) fn show_field(field: &str, bytes: &[u8]) -> String {
    if SENSITIVE.contains(&field) {
        let tail = &bytes[bytes.len().saturating_sub(4)..];
        if bytes.len() <= 4 {
            return "\"***\"".to_string();
        }
        let shown = show(tail);
        return format!("\"***{}", &shown[1..]);
    }
    show(bytes)
}

/// Parses an all-digit field.
pub(crate) fn num(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0')))
}

/// Parses an all-digit field of up to 20 digits (the ADV control totals, wider than
/// [`num`] reads): `None` when it is not digits or exceeds `u64::MAX`.
pub(crate) fn num_wide(b: &[u8]) -> Option<u64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    b.iter().try_fold(0u64, |acc, d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}
