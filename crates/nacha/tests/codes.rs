//! Every code of the catalogue is triggered here, asserting line, field and code.

mod common;

use std::collections::BTreeSet;

use common::*;
use nacha::returns::{self, Correction, NocRequest, ResponseOptions, ReturnRequest};
use nacha::{Date, Policy, SecCode, Severity, CODES};

struct Case {
    code: &'static str,
    line: u64,
    field: &'static str,
    file: Vec<u8>,
    policy: Policy,
}

fn case(code: &'static str, line: u64, field: &'static str, file: Vec<u8>) -> Case {
    Case {
        code,
        line,
        field,
        file,
        policy: Policy::default(),
    }
}

/// The base file with one change applied to its lines.
fn edit(f: impl FnOnce(&mut Vec<Vec<u8>>)) -> Vec<u8> {
    let mut l = lines(&base());
    f(&mut l);
    join(&l)
}

fn return_file() -> Vec<u8> {
    let mut out = Vec::new();
    let req = ReturnRequest::new(91_000_010_000_001, "R01");
    let opts = ResponseOptions::new(Date::new(2026, 1, 19).unwrap());
    returns::build_return(&base()[..], &[req], &opts, &mut out).unwrap();
    out
}

fn noc_file() -> Vec<u8> {
    let mut out = Vec::new();
    let req = NocRequest {
        trace_number: 91_000_010_000_002,
        correction: Correction::AccountNumber("99887766".into()),
    };
    let opts = ResponseOptions::new(Date::new(2026, 1, 19).unwrap());
    returns::build_noc(&base()[..], &[req], &opts, &mut out).unwrap();
    out
}

fn edit_file(file: Vec<u8>, f: impl FnOnce(&mut Vec<Vec<u8>>)) -> Vec<u8> {
    let mut l = lines(&file);
    f(&mut l);
    join(&l)
}

fn cases() -> Vec<Case> {
    let filler = vec![b'9'; 94];
    let mut v = vec![
        case(
            "record_length",
            3,
            "record",
            edit(|l| {
                l[2].pop();
            }),
        ),
        case(
            "line_too_long",
            3,
            "record",
            edit(|l| l[2].resize(nacha::MAX_LINE_BYTES as usize + 1, b' ')),
        ),
        case("unbroken_length", 10, "record", {
            let mut f = lines(&base()).concat();
            f.pop();
            f
        }),
        case("blank_line", 4, "record", edit(|l| l.insert(3, Vec::new()))),
        case("trailing_blank_line", 11, "record", {
            let mut f = base();
            f.push(b'\n');
            f
        }),
        case("no_line_breaks", 1, "record", lines(&base()).concat()),
        case("mixed_line_endings", 2, "record", {
            let l = lines(&base());
            let mut f = Vec::new();
            for (i, x) in l.iter().enumerate() {
                f.extend_from_slice(x);
                f.extend_from_slice(if i == 1 { b"\r\n" } else { b"\n" });
            }
            f
        }),
        case("empty_file", 1, "record", Vec::new()),
        case(
            "record_type",
            11,
            "record_type_code",
            edit(|l| l.push(vec![b'0'; 94])),
        ),
        case("record_order", 3, "record", edit(|l| l.swap(2, 3))),
        case(
            "missing_record",
            10,
            "record",
            edit(|l| {
                l.pop();
            }),
        ),
        case(
            "empty_batch",
            7,
            "record",
            edit(|l| {
                l.remove(7);
            }),
        ),
        case(
            "constant",
            1,
            "record_size",
            edit(|l| set(l, 1, 35, b"095")),
        ),
        case("numeric", 3, "amount", edit(|l| set(l, 3, 30, b"A"))),
        case(
            "alphanumeric",
            3,
            "individual_name",
            edit(|l| set(l, 3, 55, b"\x01")),
        ),
        case(
            "required",
            2,
            "company_name",
            edit(|l| set(l, 2, 5, &[b' '; 16])),
        ),
        case(
            "date",
            1,
            "file_creation_date",
            edit(|l| set(l, 1, 24, b"261340")),
        ),
        case(
            "time",
            1,
            "file_creation_time",
            edit(|l| set(l, 1, 30, b"2561")),
        ),
        case(
            "reserved_not_blank",
            6,
            "reserved",
            edit(|l| set(l, 6, 74, b"000000")),
        ),
        case(
            "invalid_value",
            1,
            "file_id_modifier",
            edit(|l| set(l, 1, 34, b"*")),
        ),
        case(
            "check_digit",
            3,
            "check_digit",
            edit(|l| set(l, 3, 12, b"2")),
        ),
        case(
            "service_class_code",
            2,
            "service_class_code",
            edit(|l| {
                set(l, 2, 2, b"230");
                set(l, 6, 2, b"230");
            }),
        ),
        case(
            "sec_code",
            2,
            "standard_entry_class_code",
            edit(|l| set(l, 2, 51, b"XYZ")),
        ),
        Case {
            policy: Policy {
                allowed_sec_codes: vec![SecCode::Ccd],
                ..Policy::default()
            },
            ..case(
                "sec_code_not_allowed",
                2,
                "standard_entry_class_code",
                base(),
            )
        },
        case(
            "batch_number",
            7,
            "batch_number",
            edit(|l| {
                set(l, 7, 88, b"0000001");
                set(l, 9, 88, b"0000001");
            }),
        ),
        Case {
            policy: Policy {
                today: effective().add_days(5),
                max_effective_date_age_days: 2,
                ..Policy::default()
            },
            ..case("effective_date_past", 2, "effective_entry_date", base())
        },
        Case {
            policy: Policy {
                today: Some(effective()),
                same_day_allowed: false,
                ..Policy::default()
            },
            ..case("same_day_not_allowed", 7, "effective_entry_date", base())
        },
        case(
            "transaction_code",
            3,
            "transaction_code",
            edit(|l| set(l, 3, 2, b"20")),
        ),
        case(
            "transaction_code_not_allowed",
            3,
            "transaction_code",
            edit(|l| {
                set(l, 2, 51, b"TEL");
                set(l, 7, 51, b"TEL");
            }),
        ),
        case(
            "service_class_mismatch",
            8,
            "transaction_code",
            edit(|l| set(l, 8, 2, b"22")),
        ),
        case("nonzero_amount", 3, "amount", edit(|l| set(l, 3, 2, b"23"))),
        case(
            "payment_type_code",
            5,
            "discretionary_data",
            edit(|l| set(l, 2, 51, b"WEB")),
        ),
        case(
            "trace_odfi",
            5,
            "trace_number",
            edit(|l| set(l, 5, 80, b"1")),
        ),
        case(
            "trace_order",
            5,
            "trace_number",
            edit(|l| set(l, 5, 88, b"0000001")),
        ),
        case(
            "addenda_indicator",
            5,
            "addenda_record_indicator",
            edit(|l| set(l, 5, 79, b"1")),
        ),
        case(
            "missing_addenda",
            5,
            "addenda_record_indicator",
            edit(|l| set(l, 5, 2, b"26")),
        ),
        Case {
            policy: Policy {
                max_file_amount: Some(16_000),
                ..Policy::default()
            },
            ..case("max_file_amount", 5, "amount", base())
        },
        case(
            "addenda_type",
            4,
            "addenda_type_code",
            edit(|l| set(l, 4, 2, b"06")),
        ),
        case(
            "addenda_type_not_allowed",
            4,
            "addenda_type_code",
            edit(|l| set(l, 4, 2, b"02")),
        ),
        case(
            "addenda_count",
            5,
            "addenda_type_code",
            edit(|l| {
                let mut second = l[3].clone();
                second[83..87].copy_from_slice(b"0002");
                l.insert(4, second);
            }),
        ),
        case(
            "addenda_sequence",
            4,
            "addenda_sequence_number",
            edit(|l| set(l, 4, 84, b"0002")),
        ),
        case(
            "addenda_trace",
            4,
            "entry_detail_sequence_number",
            edit(|l| set(l, 4, 88, b"0000009")),
        ),
        Case {
            policy: Policy::permissive(),
            ..case(
                "return_reason_code",
                4,
                "return_reason_code",
                edit_file(return_file(), |l| set(l, 4, 4, b"R99")),
            )
        },
        Case {
            policy: Policy::permissive(),
            ..case(
                "change_code",
                4,
                "change_code",
                edit_file(noc_file(), |l| set(l, 4, 4, b"C99")),
            )
        },
        Case {
            policy: Policy::permissive(),
            ..case(
                "corrected_data",
                4,
                "corrected_data",
                edit_file(noc_file(), |l| set(l, 4, 36, &[b' '; 17])),
            )
        },
        case(
            "batch_control_mismatch",
            6,
            "company_identification",
            edit(|l| set(l, 6, 45, b"9")),
        ),
        case(
            "entry_addenda_count",
            6,
            "entry_addenda_count",
            edit(|l| set(l, 6, 5, b"000009")),
        ),
        case(
            "entry_hash",
            6,
            "entry_hash",
            edit(|l| set(l, 6, 11, b"0000000001")),
        ),
        case(
            "total_debit",
            6,
            "total_debit_entry_dollar_amount",
            edit(|l| set(l, 6, 21, b"000000000001")),
        ),
        case(
            "total_credit",
            10,
            "total_credit_entry_dollar_amount_in_file",
            edit(|l| set(l, 10, 44, b"000000000001")),
        ),
        case(
            "batch_count",
            10,
            "batch_count",
            edit(|l| set(l, 10, 2, b"000003")),
        ),
        case(
            "block_count",
            10,
            "block_count",
            edit(|l| set(l, 10, 8, b"000002")),
        ),
        case(
            "missing_filler",
            10,
            "record",
            edit(|l| {
                l.remove(3);
            }),
        ),
        case(
            "excess_filler",
            20,
            "record",
            edit(|l| {
                for _ in 0..10 {
                    l.push(filler.clone());
                }
            }),
        ),
        case(
            "filler_content",
            11,
            "record",
            edit(|l| {
                let mut bad = filler.clone();
                bad[5] = b'0';
                l.push(bad);
            }),
        ),
    ];
    // A PPD batch after an ADV batch: an ADV file holds ADV batches only.
    v.push(Case {
        policy: Policy::permissive(),
        ..case("adv_mixed", 5, "standard_entry_class_code", {
            // The ADV file's header and batch (lines 1-4), the base file's first PPD
            // batch (lines 5-9), the ADV file control.
            let (adv, ppd) = (lines(&adv_file()), lines(&base()));
            let mut l = adv[..4].to_vec();
            l.extend_from_slice(&ppd[1..6]);
            l.push(adv[4].clone());
            join(&l)
        })
    });
    // IAT-specific values: a minimal IAT file with one broken qualifier.
    v.push(Case {
        policy: Policy::permissive(),
        ..case(
            "invalid_value",
            7,
            "originating_dfi_identification_number_qualifier",
            edit_file(iat_file(), |l| set(l, 7, 39, b"09")),
        )
    });
    v
}

/// A valid ADV file built with the writer (lines: 1 FH, 2 BH, 3 entry 81, 4 BC, 5 FC).
fn adv_file() -> Vec<u8> {
    use nacha::{AdvEntryDetail, FileWriter, LineEnding};
    let mut w = FileWriter::new(Vec::new(), &file_header(), LineEnding::Lf).unwrap();
    w.begin_adv_batch(&nacha::BatchHeader {
        service_class_code: 280,
        sec_code: SecCode::Adv,
        originator_status_code: 0,
        ..batch_header(280, 1)
    })
    .unwrap();
    w.adv_entry(
        &AdvEntryDetail {
            transaction_code: 81,
            receiving_dfi_identification: 23_138_010,
            check_digit: 4,
            dfi_account_number: "744-5678-99".into(),
            amount: 50_000,
            advice_routing_number: 121_042_882,
            file_identification: "FILE1".into(),
            individual_name: "NAME".into(),
            ach_operator_routing_number: 1_100_001,
            julian_date_day: 50,
            sequence_number: 1,
            ..AdvEntryDetail::default()
        },
        None,
    )
    .unwrap();
    w.end_adv_batch().unwrap();
    w.finish().unwrap()
}

/// A valid IAT file built with the writer (lines: 1 FH, 2 BH, 3 entry, 4–10 addenda 10–16, 11 BC, 12 FC).
fn iat_file() -> Vec<u8> {
    use nacha::{FileWriter, IatAddenda, IatBatchHeader, IatEntryDetail, LineEnding};
    let mut w = FileWriter::new(Vec::new(), &file_header(), LineEnding::Lf).unwrap();
    w.begin_iat_batch(&IatBatchHeader {
        service_class_code: 220,
        iat_indicator: String::new(),
        foreign_exchange_indicator: "FF".into(),
        foreign_exchange_reference_indicator: 3,
        foreign_exchange_reference: String::new(),
        iso_destination_country_code: "US".into(),
        originator_identification: "1234567890".into(),
        company_entry_description: "TRADEPAYMT".into(),
        iso_originating_currency_code: "CAD".into(),
        iso_destination_currency_code: "USD".into(),
        effective_entry_date: effective(),
        settlement_date: String::new(),
        originator_status_code: 1,
        originating_dfi_identification: 9_100_001,
        batch_number: 1,
    })
    .unwrap();
    let a = |t: u8, v: &[(&str, &str)]| IatAddenda::new(t, v).unwrap();
    let edsn = "0000001";
    let addenda = vec![
        a(
            10,
            &[
                ("transaction_type_code", "ANN"),
                ("foreign_payment_amount", "000000000000100000"),
                ("name_of_receiver", "BEK ENTERPRISES"),
                ("entry_detail_sequence_number", edsn),
            ],
        ),
        a(
            11,
            &[
                ("originator_name", "BEK SOLUTIONS"),
                ("originator_street_address", "15 WEST PLACE STREET"),
                ("entry_detail_sequence_number", edsn),
            ],
        ),
        a(
            12,
            &[
                ("originator_city_state_province", "JACOBSTOWN*PA\\"),
                ("originator_country_postal_code", "US*19305\\"),
                ("entry_detail_sequence_number", edsn),
            ],
        ),
        a(
            13,
            &[
                ("originating_dfi_name", "WELLS FARGO"),
                ("originating_dfi_identification_number_qualifier", "01"),
                ("originating_dfi_identification", "121042882"),
                ("originating_dfi_branch_country_code", "US"),
                ("entry_detail_sequence_number", edsn),
            ],
        ),
        a(
            14,
            &[
                ("receiving_dfi_name", "CITADEL BANK"),
                ("receiving_dfi_identification_number_qualifier", "01"),
                ("receiving_dfi_identification", "231380104"),
                ("receiving_dfi_branch_country_code", "US"),
                ("entry_detail_sequence_number", edsn),
            ],
        ),
        a(
            15,
            &[
                ("receiver_identification_number", "987465493213987"),
                ("receiver_street_address", "2121 FRONT STREET"),
                ("entry_detail_sequence_number", edsn),
            ],
        ),
        a(
            16,
            &[
                ("receiver_city_state_province", "LETTERTOWN*AB\\"),
                ("receiver_country_postal_code", "CA*80014\\"),
                ("entry_detail_sequence_number", edsn),
            ],
        ),
    ];
    w.iat_entry(
        &IatEntryDetail {
            transaction_code: 22,
            receiving_dfi_identification: 2_100_002,
            check_digit: 1,
            amount: 100_000,
            foreign_receivers_account_number: "123456789".into(),
            trace_number: 91_000_010_000_001,
            ..IatEntryDetail::default()
        },
        &addenda,
    )
    .unwrap();
    w.end_batch().unwrap();
    w.finish().unwrap()
}

#[test]
fn every_code_is_triggered_with_line_and_field() {
    let mut seen = BTreeSet::new();
    for c in cases() {
        let fs = findings(&c.file, &c.policy);
        assert_finding(&fs, c.line, c.field, c.code);
        let f = fs
            .iter()
            .find(|f| f.line == c.line && f.field == c.field && f.code == c.code)
            .unwrap();
        assert_eq!(f.severity, nacha::severity(c.code));
        seen.insert(c.code);
    }
    let all: BTreeSet<&str> = CODES.iter().map(|(c, _)| *c).collect();
    let missing: Vec<_> = all.difference(&seen).collect();
    assert!(missing.is_empty(), "codes never triggered: {missing:?}");
}

#[test]
fn base_return_noc_and_iat_files_are_clean() {
    assert!(findings(&base(), &Policy::default()).is_empty());
    for f in [return_file(), noc_file(), iat_file(), adv_file()] {
        let fs = findings(&f, &Policy::permissive());
        assert!(fs.is_empty(), "{fs:?}\n{}", String::from_utf8_lossy(&f));
    }
}

#[test]
fn warnings_alone_do_not_reject() {
    let file = lines(&base()).concat();
    let r = nacha::validate(&file[..], &Policy::default()).unwrap();
    assert!(r.is_accepted());
    assert_eq!(r.summary.warnings, 1);
    assert!(r.findings.iter().all(|f| f.severity == Severity::Warning));
}

#[test]
fn sensitive_values_are_masked() {
    let file = edit(|l| set(l, 3, 13, b"\x0212345678"));
    let fs = findings(&file, &Policy::default());
    let f = fs.iter().find(|f| f.field == "dfi_account_number").unwrap();
    assert!(!f.message.contains("12345678"), "{}", f.message);
}

#[test]
fn readme_lists_every_code() {
    let readme = include_str!("../README.md");
    for (code, _) in CODES {
        assert!(
            readme.contains(&format!("| `{code}` |")),
            "{code} missing from README"
        );
    }
}

#[test]
fn reading_stops_at_a_line_too_long_and_reports_nothing_after_it() {
    let file = edit(|l| {
        l[2].resize(nacha::MAX_LINE_BYTES as usize + 1, b'x');
        l.truncate(4);
    });
    let fs = findings(&file, &Policy::default());
    let codes: Vec<(u64, &str)> = fs.iter().map(|f| (f.line, f.code)).collect();
    // No missing_record for the batch and file controls that were never read.
    assert_eq!(codes, [(3, "line_too_long")]);
    assert!(fs[0].message.contains("the rest of the file was not read"));
}

#[test]
fn with_its_length_an_unbroken_file_not_a_multiple_of_94_is_refused_on_line_1() {
    let mut file = lines(&base()).concat();
    let whole = file.len() as u64;
    file.pop();
    let each = |file: &[u8], len: Option<u64>| {
        let mut fs = Vec::new();
        let s =
            nacha::validate_each_with_len(file, len, &Policy::default(), |f| fs.push(f)).unwrap();
        (fs, s)
    };
    let (fs, summary) = each(&file, Some(whole - 1));
    let codes: Vec<(u64, &str)> = fs.iter().map(|f| (f.line, f.code)).collect();
    assert_eq!(codes, [(1, "unbroken_length")]);
    assert_eq!((summary.errors, summary.records), (1, 0));
    assert!(fs[0].message.contains(&format!("its {} bytes", whole - 1)));
    // Without the length it is found on the short last record, after the others were checked.
    let (fs, _) = each(&file, None);
    assert_eq!(
        fs.last().map(|f| (f.line, f.code)),
        Some((10, "unbroken_length"))
    );
    // A length that is a multiple of 94 changes nothing.
    let file = lines(&base()).concat();
    assert_eq!(each(&file, Some(whole)), each(&file, None));
}
