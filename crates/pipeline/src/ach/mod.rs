//! Nacha files through the same report as CSV files: `row` is the line number and `column` the
//! field name (issue 3 item 5).

use crate::spill::FirstByRow;
use chrono::NaiveDate;
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
pub(crate) fn effective_of(b: &nacha::BatchHeader) -> Option<NaiveDate> {
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

/// Kinds of `ach_events`: a return, the partner's dishonor of it, and the RDFI's contest of the
/// dishonor (spec 06 §8.3 settlement types `RETURN`, `DISHONORED_RETURN`, `CONTESTED_RETURN`).
pub const RETURN: &str = "return";
/// See [`RETURN`].
pub const DISHONORED_RETURN: &str = "dishonored_return";
/// See [`RETURN`].
pub const CONTESTED_RETURN: &str = "contested_return";

mod bank;
mod entries;

pub use bank::{check_against_bank, is_warning, Prior};
pub use entries::{
    apply_entries, each_entry_item, each_live_entry, entry_json, plain_batch, plain_entry,
    EntryItem, LiveEntry, Sent,
};

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
