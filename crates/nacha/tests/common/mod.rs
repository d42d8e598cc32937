//! Shared helpers: a small valid file with known line numbers, and mutation helpers.
#![allow(dead_code)]

use nacha::{
    Addenda, Addenda05, BatchHeader, Date, EntryDetail, FileHeader, FileWriter, Finding,
    LineEnding, Policy, SecCode, Time,
};

/// The effective entry date of the base file.
pub fn effective() -> Date {
    Date::new(2026, 1, 16).unwrap()
}

pub fn file_header() -> FileHeader {
    FileHeader {
        immediate_destination: "091000019".into(),
        immediate_origin: "1234567890".into(),
        file_creation_date: Date::new(2026, 1, 15).unwrap(),
        file_creation_time: Time::new(17, 16),
        file_id_modifier: 'A',
        immediate_destination_name: "LEAD BANK".into(),
        immediate_origin_name: "ACME INC".into(),
        reference_code: String::new(),
    }
}

pub fn batch_header(service_class_code: u16, batch_number: u32) -> BatchHeader {
    BatchHeader {
        service_class_code,
        company_name: "ACME INC".into(),
        company_discretionary_data: String::new(),
        company_identification: "1234567890".into(),
        sec_code: SecCode::Ppd,
        company_entry_description: "PAYROLL".into(),
        company_descriptive_date: String::new(),
        effective_entry_date: Some(effective()),
        settlement_date: String::new(),
        originator_status_code: 1,
        originating_dfi_identification: 9_100_001,
        batch_number,
    }
}

pub fn entry(code: u8, routing: &str, amount: u64, name: &str, seq: u64) -> EntryDetail {
    EntryDetail {
        transaction_code: code,
        receiving_dfi_identification: routing[..8].parse().unwrap(),
        check_digit: routing[8..].parse().unwrap(),
        dfi_account_number: format!("{:08}", amount),
        amount,
        identification_number: format!("ID{seq}"),
        individual_name: name.into(),
        discretionary_data: String::new(),
        addenda_record_indicator: 0,
        trace_number: 91_000_010_000_000 + seq,
    }
}

/// The base file, 10 records, no filler needed:
///
/// 1 file header · 2 batch header (PPD 200, batch 1) · 3 entry 22 with addenda ·
/// 4 addenda 05 · 5 entry 27 · 6 batch control · 7 batch header (225, batch 2) ·
/// 8 entry 27 · 9 batch control · 10 file control
pub fn base() -> Vec<u8> {
    let mut w = FileWriter::new(Vec::new(), &file_header(), LineEnding::Lf).unwrap();
    w.begin_batch(&batch_header(200, 1)).unwrap();
    w.entry(
        &entry(22, "021000021", 15_000, "JANE DOE", 1),
        &[Addenda::PaymentRelated(Addenda05::new("INVOICE 1"))],
    )
    .unwrap();
    w.entry(&entry(27, "026009593", 2_500, "JOHN ROE", 2), &[])
        .unwrap();
    w.end_batch().unwrap();
    w.begin_batch(&batch_header(225, 2)).unwrap();
    w.entry(&entry(27, "011000015", 700, "MARY MAJOR", 3), &[])
        .unwrap();
    w.end_batch().unwrap();
    w.finish().unwrap()
}

/// Splits LF-terminated bytes into lines (without terminators).
pub fn lines(file: &[u8]) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = file.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    if v.last().is_some_and(Vec::is_empty) {
        v.pop();
    }
    v
}

/// Joins lines with LF, with a final LF.
pub fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

/// Overwrites bytes at a 1-based line and 1-based position.
pub fn set(lines: &mut [Vec<u8>], line: usize, pos: usize, value: &[u8]) {
    lines[line - 1][pos - 1..pos - 1 + value.len()].copy_from_slice(value);
}

pub fn findings(file: &[u8], policy: &Policy) -> Vec<Finding> {
    nacha::validate(file, policy).unwrap().findings
}

/// Asserts a finding with this line, field and code exists.
pub fn assert_finding(fs: &[Finding], line: u64, field: &str, code: &str) {
    assert!(
        fs.iter()
            .any(|f| f.line == line && f.field == field && f.code == code),
        "expected {code} at line {line} field {field}, got:\n{}",
        fs.iter()
            .map(|f| format!("  {} {} {} {}", f.line, f.field, f.code, f.message))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
