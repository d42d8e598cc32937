//! ADV (automated accounting advice) files: typed reading, validation and the writer.

mod common;

use common::*;
use nacha::{
    Addenda, Addenda99, AdvEntryDetail, BatchHeader, Error, FileWriter, LineEnding, Policy, Record,
    SecCode, TypedReader,
};

fn adv_header(batch_number: u32) -> BatchHeader {
    BatchHeader {
        sec_code: SecCode::Adv,
        originator_status_code: 0,
        ..batch_header(280, batch_number)
    }
}

fn adv_entry(code: u8, amount: u64, seq: u16) -> AdvEntryDetail {
    AdvEntryDetail {
        transaction_code: code,
        receiving_dfi_identification: 23_138_010,
        check_digit: 4,
        dfi_account_number: "744-5678-99".into(),
        amount,
        advice_routing_number: 121_042_882,
        file_identification: "FILE1".into(),
        individual_name: "NAME".into(),
        ach_operator_routing_number: 1_100_001,
        julian_date_day: 50,
        sequence_number: seq,
        ..AdvEntryDetail::default()
    }
}

/// 1 FH · 2 BH · 3 entry 81 · 4 entry 82 · 5 entry 87 · 6 BC · 7 FC.
fn adv_file() -> Vec<u8> {
    let mut w = FileWriter::new(Vec::new(), &file_header(), LineEnding::Lf).unwrap();
    w.begin_adv_batch(&adv_header(1)).unwrap();
    w.adv_entry(&adv_entry(81, 50_000, 1), None).unwrap();
    w.adv_entry(&adv_entry(82, 1_500, 2), None).unwrap();
    w.adv_entry(&adv_entry(87, 20, 3), None).unwrap();
    let c = w.end_adv_batch().unwrap();
    assert_eq!(c.total_credit_entry_dollar_amount, 50_020);
    assert_eq!(c.total_debit_entry_dollar_amount, 1_500);
    assert_eq!(c.entry_addenda_count, 3);
    assert_eq!(c.entry_hash, 3 * 23_138_010);
    assert_eq!(c.ach_operator_data, "ACME INC");
    w.finish().unwrap()
}

fn codes(file: &[u8], policy: &Policy) -> Vec<(u64, &'static str, &'static str)> {
    findings(file, policy)
        .iter()
        .map(|f| (f.line, f.field, f.code))
        .collect()
}

#[test]
fn a_written_adv_file_is_valid_and_reads_back_typed() {
    let file = adv_file();
    assert!(codes(&file, &Policy::permissive()).is_empty());
    // The default program does not originate ADV: only the policy finding.
    assert_eq!(
        codes(&file, &Policy::default()),
        [(2, "standard_entry_class_code", "sec_code_not_allowed")]
    );
    let recs: Vec<Record> = TypedReader::new(&file[..]).map(|r| r.unwrap().1).collect();
    assert!(matches!(&recs[2], Record::AdvEntryDetail(e) if e.transaction_code == 81));
    assert!(
        matches!(&recs[5], Record::AdvBatchControl(c) if c.total_credit_entry_dollar_amount == 50_020)
    );
    let Record::AdvFileControl(fc) = &recs[6] else {
        panic!("{:?}", recs[6]);
    };
    assert_eq!(fc.total_debit_entry_dollar_amount_in_file, 1_500);
    assert_eq!(fc.total_credit_entry_dollar_amount_in_file, 50_020);
    for r in &recs {
        // Every typed record writes back its own bytes.
        let raw = &file[..];
        let bytes = r.to_bytes().unwrap();
        assert!(raw.windows(94).any(|w| w == bytes));
    }
    let s = nacha::validate(&file[..], &Policy::permissive())
        .unwrap()
        .summary;
    assert_eq!(
        (s.entries, s.total_credit_cents, s.total_debit_cents),
        (3, 50_020, 1_500)
    );
}

#[test]
fn adv_rules_are_reported_with_line_field_and_code() {
    let p = Policy::permissive();
    let edit = |f: &dyn Fn(&mut Vec<Vec<u8>>)| {
        let mut l = lines(&adv_file());
        f(&mut l);
        join(&l)
    };
    // Originator status 1 in an ADV batch.
    let f = edit(&|l| set(l, 2, 79, b"1"));
    assert_eq!(
        codes(&f, &p),
        [(2, "originator_status_code", "invalid_value")]
    );
    // A code that is not a Nacha code at all.
    let f = edit(&|l| set(l, 3, 2, b"99"));
    assert_eq!(codes(&f, &p), [(3, "transaction_code", "transaction_code")]);
    // A debit turned into a credit: both batch totals move, the file control follows the batch control.
    let f = edit(&|l| set(l, 4, 2, b"83"));
    assert_eq!(
        codes(&f, &p),
        [
            (6, "total_debit_entry_dollar_amount", "total_debit"),
            (6, "total_credit_entry_dollar_amount", "total_credit"),
        ]
    );
    // Julian day 000, a blank name, a letter in the advice routing number, a wrong check digit.
    let f = edit(&|l| {
        set(l, 3, 88, b"000");
        set(l, 3, 55, &[b' '; 22]);
        set(l, 3, 40, b"X");
        set(l, 4, 12, b"9");
    });
    assert_eq!(
        codes(&f, &p),
        [
            (3, "advice_routing_number", "numeric"),
            (3, "individual_name", "required"),
            (3, "julian_date_day", "date"),
            (4, "check_digit", "check_digit"),
        ]
    );
    // The file control's 20-digit totals and reserved field.
    let f = edit(&|l| {
        set(l, 7, 52, b"99999999999999999999");
        set(l, 7, 80, b"X");
    });
    assert_eq!(
        codes(&f, &p),
        [
            (7, "reserved", "reserved_not_blank"),
            (
                7,
                "total_credit_entry_dollar_amount_in_file",
                "total_credit"
            ),
        ]
    );
    let msg = findings(&f, &p)[1].message.clone();
    assert!(msg.contains("99999999999999999999"), "{msg}");
    // The batch control's ODFI differs from the header's.
    let f = edit(&|l| set(l, 6, 80, b"12345678"));
    assert_eq!(
        codes(&f, &p),
        [(
            6,
            "originating_dfi_identification",
            "batch_control_mismatch"
        )]
    );
    // An ADV code in a PPD batch.
    let mut l = lines(&base());
    set(&mut l, 3, 2, b"81");
    let f = join(&l);
    assert!(codes(&f, &Policy::default()).contains(&(
        3,
        "transaction_code",
        "transaction_code_not_allowed"
    )));
}

#[test]
fn an_adv_entry_carries_an_addenda_99_and_no_other() {
    let mut w = FileWriter::new(Vec::new(), &file_header(), LineEnding::Lf).unwrap();
    w.begin_adv_batch(&adv_header(1)).unwrap();
    let a = Addenda99 {
        return_reason_code: "R01".into(),
        original_entry_trace_number: 91_000_010_000_001,
        original_receiving_dfi_identification: 23_138_010,
        ..Addenda99::default()
    };
    w.adv_entry(&adv_entry(81, 50_000, 1), Some(&a)).unwrap();
    let c = w.end_adv_batch().unwrap();
    assert_eq!(c.entry_addenda_count, 2);
    let file = w.finish().unwrap();
    assert_eq!(file[94 * 2 + 2 + 78], b'1', "addenda indicator set");
    let fs = codes(&file, &Policy::permissive());
    assert!(fs.is_empty(), "{fs:?}");
    let recs: Vec<Record> = TypedReader::new(&file[..]).map(|r| r.unwrap().1).collect();
    assert!(matches!(recs[3], Record::Addenda(Addenda::Return(_))));
    // An addenda 05 instead.
    let mut l = lines(&file);
    l[3] = format!("705{:80}00010000001", "REMITTANCE").into_bytes();
    let fs = codes(&join(&l), &Policy::permissive());
    assert!(
        fs.contains(&(4, "addenda_type_code", "addenda_type_not_allowed")),
        "{fs:?}"
    );
}

#[test]
fn mixing_adv_and_other_batches_is_refused() {
    let mut w = FileWriter::new(Vec::new(), &file_header(), LineEnding::Lf).unwrap();
    w.begin_adv_batch(&adv_header(1)).unwrap();
    w.adv_entry(&adv_entry(81, 1, 1), None).unwrap();
    w.end_adv_batch().unwrap();
    assert!(matches!(
        w.begin_batch(&batch_header(200, 2)),
        Err(Error::Invalid(_))
    ));
    // An ADV file whose second batch is PPD: adv_mixed on its header, entries read as PPD.
    let adv = lines(&adv_file());
    let ppd = lines(&base());
    let mut l = adv[..6].to_vec();
    l.extend_from_slice(&ppd[1..6]);
    l.push(adv[6].clone());
    let fs = codes(&join(&l), &Policy::permissive());
    assert!(
        fs.contains(&(7, "standard_entry_class_code", "adv_mixed")),
        "{fs:?}"
    );
    assert!(!fs.iter().any(|f| f.0 > 7 && f.0 < 12), "{fs:?}");
}

#[test]
fn the_writer_keeps_adv_and_other_calls_apart() {
    let mut w = FileWriter::new(Vec::new(), &file_header(), LineEnding::Lf).unwrap();
    assert!(matches!(
        w.begin_batch(&adv_header(1)),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        w.begin_adv_batch(&batch_header(200, 1)),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        w.adv_entry(&adv_entry(81, 1, 1), None),
        Err(Error::Sequence(_))
    ));
    w.begin_adv_batch(&adv_header(1)).unwrap();
    assert!(matches!(
        w.entry(&entry(22, "021000021", 1, "X", 1), &[]),
        Err(Error::Sequence(_))
    ));
    assert!(matches!(
        w.adv_entry(&adv_entry(22, 1, 1), None),
        Err(Error::Field {
            field: "transaction_code",
            ..
        })
    ));
    // A 13-digit amount does not fit and leaves the totals untouched.
    assert!(w.adv_entry(&adv_entry(81, 10u64.pow(12), 1), None).is_err());
    assert!(matches!(w.end_batch(), Err(Error::Sequence(_))));
    w.adv_entry(&adv_entry(81, 7, 1), None).unwrap();
    let c = w.end_adv_batch().unwrap();
    assert_eq!(
        (c.total_credit_entry_dollar_amount, c.entry_addenda_count),
        (7, 1)
    );
    // NachaFile does not hold ADV batches.
    assert!(matches!(
        nacha::NachaFile::read(&adv_file()[..]),
        Err(Error::Invalid(_))
    ));
}
