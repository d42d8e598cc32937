//! Regenerates `fixtures/nacha/`: valid files, a return, a NOC, and invalid files,
//! each with `<name>.expected.json` holding the policy used and the findings.
//!
//! `cargo run --example make_fixtures -- ../../fixtures/nacha`
//!
//! Review the expected files after regenerating: the fixtures test compares the
//! validator with them, so they are only as good as that review.

use std::fs;
use std::path::Path;

use nacha::returns::{
    self, ContestRequest, Correction, DishonorRequest, NocRequest, ResponseOptions, ReturnRequest,
};
use nacha::{gen, names, Date, LineEnding, Policy, Record, SecCode, Time, TypedReader};

type Lines = Vec<Vec<u8>>;
/// A named mutation of the PPD file and the policy to validate it with.
type Mutation<'a> = (&'a str, Box<dyn Fn(&mut Lines)>, &'a Policy);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../../fixtures/nacha".into());
    let dir = Path::new(&dir);
    fs::create_dir_all(dir)?;
    let default = Policy::default();
    let permissive = Policy::permissive();
    let with_cie = Policy {
        allowed_sec_codes: vec![
            SecCode::Ccd,
            SecCode::Ppd,
            SecCode::Web,
            SecCode::Tel,
            SecCode::Cie,
        ],
        ..Policy::default()
    };

    // Valid files, one per supported SEC code.
    for (sec, seed) in [
        (SecCode::Ppd, 1),
        (SecCode::Ccd, 2),
        (SecCode::Web, 3),
        (SecCode::Tel, 4),
        (SecCode::Cie, 5),
    ] {
        let mut f = Vec::new();
        gen::generate(24, sec, seed, &mut f)?;
        let policy = if sec == SecCode::Cie {
            &with_cie
        } else {
            &default
        };
        let name = format!("valid_{}", sec.as_str().to_ascii_lowercase());
        write(dir, &name, &f, policy)?;
        if sec == SecCode::Cie {
            // The same file from a program that was not granted CIE (decision D10).
            write(dir, "bad_sec_code_not_allowed", &f, &default)?;
        }
    }
    let mut ppd = Vec::new();
    gen::generate(24, SecCode::Ppd, 1, &mut ppd)?;
    let ppd_lines = lines(&ppd);

    // Line-ending variants (D10).
    write(dir, "valid_ppd_crlf", &join(&ppd_lines, b"\r\n"), &default)?;
    write(dir, "warn_no_line_breaks", &join(&ppd_lines, b""), &default)?;
    let no_filler: Lines = ppd_lines
        .iter()
        .filter(|l| l.iter().any(|b| *b != b'9'))
        .cloned()
        .collect();
    write(
        dir,
        "warn_missing_filler",
        &join(&no_filler, b"\n"),
        &default,
    )?;
    write(dir, "valid_iat", &iat(false)?, &permissive)?;
    // Service class 200: a credit and a debit in one IAT batch (issue 13).
    let mixed = iat(true)?;
    write(dir, "valid_iat_mixed", &mixed, &permissive)?;
    // The same batch declared credits only (220) over its debit.
    let mut mixed_lines = lines(&mixed);
    let (header, control) = (first(&mixed_lines, b'5'), first(&mixed_lines, b'8'));
    set(&mut mixed_lines, header, 2, b"220");
    set(&mut mixed_lines, control, 2, b"220");
    write(
        dir,
        "bad_iat_mixed_service_class",
        &join(&mixed_lines, b"\n"),
        &permissive,
    )?;

    // ADV (automated accounting advices): two batches of debits and credits, and
    // variants each breaking one ADV rule. Lines: 1 FH, 2 BH, 3-6 entries, 7 BC,
    // 8 BH, 9-11 entries, 12 BC, 13 FC.
    let adv_file = adv()?;
    write(dir, "valid_adv", &adv_file, &permissive)?;
    let adv_lines = lines(&adv_file);
    let adv_bad: Vec<Mutation> = vec![
        (
            // Entry 81 (a credit) on line 3: its batch control's credit total disagrees.
            "bad_adv_total_credit",
            Box::new(|l| bump(l, 3, 38)),
            &permissive,
        ),
        (
            // A PPD credit code in an ADV batch.
            "bad_adv_transaction_code",
            Box::new(|l| set(l, 4, 2, b"22")),
            &permissive,
        ),
        (
            // The second entry repeats the first one's sequence number.
            "bad_adv_sequence_order",
            Box::new(|l| set(l, 4, 91, b"0001")),
            &permissive,
        ),
    ];
    for (name, f, policy) in adv_bad {
        let mut l = adv_lines.clone();
        f(&mut l);
        write(dir, name, &join(&l, b"\n"), policy)?;
    }

    // An original, its return and its NOC, named per spec 06 §1.4.
    let created = 1_768_497_400;
    let answered = 1_768_834_800;
    let original_name = names::file_name(
        &names::content_id(created).unwrap_or_default(),
        names::AchFileType::OutgoingAch,
        &created.to_string(),
    );
    let mut original = Vec::new();
    gen::generate(12, SecCode::Ppd, 42, &mut original)?;
    write(
        dir,
        original_name.trim_end_matches(".ach"),
        &original,
        &default,
    )?;
    let traces: Vec<u64> = TypedReader::new(&original[..])
        .filter_map(|r| match r {
            Ok((_, Record::EntryDetail(e))) => Some(e.trace_number),
            _ => None,
        })
        .collect();
    let mut opts = ResponseOptions::new(Date::new(2026, 1, 19).ok_or("date")?);
    opts.file_creation_time = Time::new(15, 0);
    let mut ret = Vec::new();
    let mut r14 = ReturnRequest::new(traces[3], "R14");
    r14.date_of_death = Date::new(2025, 12, 24);
    let requests = [
        ReturnRequest::new(traces[0], "R01"),
        ReturnRequest::new(traces[2], "R03"),
        r14,
    ];
    returns::build_return(&original[..], &requests, &opts, &mut ret)?;
    let return_name = names::return_file_name(answered).ok_or("name")?;
    write(dir, return_name.trim_end_matches(".ach"), &ret, &permissive)?;
    // The originator dishonors two of the returns (R69: fields of the return wrong; R61:
    // misrouted), and the RDFI contests one dishonor (R73: its return was timely).
    let mut dishonored = Vec::new();
    let dishonor = |trace: u64, code: &str| DishonorRequest {
        original_trace_number: trace,
        code: code.into(),
        return_settlement_date: Date::new(2026, 1, 20),
        addenda_information: String::new(),
    };
    let mut dopts = ResponseOptions::new(Date::new(2026, 1, 21).ok_or("date")?);
    dopts.file_creation_time = Time::new(10, 0);
    returns::build_dishonored(
        &ret[..],
        &[dishonor(traces[0], "R69"), dishonor(traces[2], "R61")],
        &dopts,
        &mut dishonored,
    )?;
    write(dir, "valid_dishonored_return", &dishonored, &permissive)?;
    let mut contested = Vec::new();
    let mut copts = ResponseOptions::new(Date::new(2026, 1, 23).ok_or("date")?);
    copts.file_creation_time = Time::new(11, 0);
    returns::build_contested(
        &dishonored[..],
        &[ContestRequest {
            original_trace_number: traces[0],
            code: "R73".into(),
            date_original_entry_returned: Date::new(2026, 1, 19).ok_or("date")?,
            original_settlement_date: Date::new(2026, 1, 16),
            dishonored_return_settlement_date: Date::new(2026, 1, 22),
        }],
        &copts,
        &mut contested,
    )?;
    write(dir, "valid_contested_return", &contested, &permissive)?;
    let mut dis_lines = lines(&dishonored);
    let a = first(&dis_lines, b'7');
    // The dishonored return repeats a return reason that does not exist (R99).
    set(&mut dis_lines, a, 57, b"99");
    write(
        dir,
        "bad_dishonored_return_reason",
        &join(&dis_lines, b"\n"),
        &permissive,
    )?;
    let mut con_lines = lines(&contested);
    let a = first(&con_lines, b'7');
    // 30 February, and a dishonor reason that is a plain return's (R01, not R61/R67-R70).
    set(&mut con_lines, a, 22, b"260230");
    set(&mut con_lines, a, 77, b"01");
    write(
        dir,
        "bad_contested_return",
        &join(&con_lines, b"\n"),
        &permissive,
    )?;

    let mut noc = Vec::new();
    let nocs = [
        NocRequest {
            trace_number: traces[1],
            correction: Correction::AccountNumber("99887766".into()),
        },
        NocRequest {
            trace_number: traces[4],
            correction: Correction::RoutingAndAccount {
                routing: "021000021".into(),
                account: "55501234".into(),
            },
        },
    ];
    returns::build_noc(&original[..], &nocs, &opts, &mut noc)?;
    let noc_name = names::noc_file_name(answered).ok_or("name")?;
    write(dir, noc_name.trim_end_matches(".ach"), &noc, &permissive)?;

    // Invalid files: each breaks one rule of the PPD file (line 3 is an entry,
    // the line after the last entry of batch 1 its control).
    let entry = first(&ppd_lines, b'6');
    let control = first(&ppd_lines, b'8');
    let file_control = first(&ppd_lines, b'9');
    let bad: Vec<Mutation> = vec![
        (
            "bad_entry_hash",
            Box::new(move |l| set(l, control, 11, b"0000000001")),
            &default,
        ),
        (
            "bad_total_debit",
            Box::new(move |l| bump(l, entry, 39)),
            &default,
        ),
        (
            "bad_block_count",
            Box::new(move |l| set(l, file_control, 8, b"000009")),
            &default,
        ),
        (
            "bad_batch_count",
            Box::new(move |l| set(l, file_control, 2, b"000099")),
            &default,
        ),
        (
            "bad_record_length",
            Box::new(move |l| l[entry - 1].truncate(90)),
            &default,
        ),
        (
            "bad_record_order",
            Box::new(move |l| l.swap(entry - 1, entry - 2)),
            &default,
        ),
        (
            "bad_check_digit",
            Box::new(move |l| bump(l, entry, 12)),
            &default,
        ),
        (
            "bad_constants",
            Box::new(|l| {
                set(l, 1, 2, b"02");
                set(l, 1, 35, b"095");
                set(l, 1, 38, b"20");
                set(l, 1, 40, b"2");
            }),
            &default,
        ),
        (
            "bad_dates",
            Box::new(|l| {
                set(l, 1, 24, b"260230");
                set(l, 2, 70, b"26AB01");
            }),
            &default,
        ),
        (
            "bad_trace_order",
            Box::new(move |l| {
                let t = l[entry - 1][79..94].to_vec();
                l[entry][79..94].copy_from_slice(&t);
            }),
            &default,
        ),
        (
            "bad_addenda_indicator",
            Box::new(move |l| set(l, entry, 79, b"1")),
            &default,
        ),
        (
            "bad_missing_file_control",
            Box::new(move |l| l.truncate(file_control - 1)),
            &default,
        ),
        (
            "bad_service_class_mismatch",
            Box::new(|l| {
                set(l, 2, 2, b"220");
            }),
            &default,
        ),
    ];
    for (name, f, policy) in bad {
        let mut l = ppd_lines.clone();
        f(&mut l);
        write(dir, name, &join(&l, b"\n"), policy)?;
    }
    let mut ret_lines = lines(&ret);
    let a = first(&ret_lines, b'7');
    set(&mut ret_lines, a, 4, b"R99");
    write(
        dir,
        "bad_return_reason_code",
        &join(&ret_lines, b"\n"),
        &permissive,
    )?;
    let mut noc_lines = lines(&noc);
    let c = first(&noc_lines, b'7');
    set(&mut noc_lines, c, 36, b"ABC");
    set(&mut noc_lines, c, 4, b"C02");
    write(
        dir,
        "bad_corrected_data",
        &join(&noc_lines, b"\n"),
        &permissive,
    )?;

    // Many problems in one file: all are reported, not just the first.
    let mut many = ppd_lines.clone();
    set(&mut many, 1, 35, b"095");
    bump(&mut many, entry, 12);
    bump(&mut many, entry, 39);
    set(&mut many, file_control, 8, b"000009");
    many.insert(entry, Vec::new());
    write(dir, "bad_many_errors", &join(&many, b"\n"), &default)?;
    Ok(())
}

fn lines(f: &[u8]) -> Lines {
    let mut v: Lines = f.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    if v.last().is_some_and(Vec::is_empty) {
        v.pop();
    }
    v
}

fn join(l: &[Vec<u8>], ending: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for x in l {
        out.extend_from_slice(x);
        out.extend_from_slice(ending);
    }
    out
}

/// 1-based number of the first line of a record type.
fn first(l: &[Vec<u8>], t: u8) -> usize {
    l.iter()
        .position(|x| x.first() == Some(&t))
        .map_or(1, |i| i + 1)
}

fn set(l: &mut [Vec<u8>], line: usize, pos: usize, v: &[u8]) {
    l[line - 1][pos - 1..pos - 1 + v.len()].copy_from_slice(v);
}

/// Changes one digit (position 1-based) to a different digit.
fn bump(l: &mut [Vec<u8>], line: usize, pos: usize) {
    let b = &mut l[line - 1][pos - 1];
    *b = if *b == b'9' { b'1' } else { *b + 1 };
}

fn write(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    policy: &Policy,
) -> Result<(), Box<dyn std::error::Error>> {
    let report = nacha::validate(bytes, policy)?;
    let findings: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "line": f.line,
                "record_type": f.record_type.to_string(),
                "field": f.field,
                "code": f.code,
                "severity": f.severity,
            })
        })
        .collect();
    let expected = serde_json::json!({
        "policy": policy,
        "accepted": report.is_accepted(),
        "findings": findings,
    });
    fs::write(dir.join(format!("{name}.ach")), bytes)?;
    fs::write(
        dir.join(format!("{name}.expected.json")),
        serde_json::to_string_pretty(&expected)? + "\n",
    )?;
    Ok(())
}

/// An IAT batch: one credit, or (`mixed`) a credit and a debit under service class 200.
fn iat(mixed: bool) -> Result<Vec<u8>, nacha::Error> {
    use nacha::{FileHeader, FileWriter, IatBatchHeader};
    let date = Date::new(2026, 1, 15).ok_or(nacha::Error::Invalid("date".into()))?;
    let header = FileHeader {
        immediate_destination: "091000019".into(),
        immediate_origin: "1234567890".into(),
        file_creation_date: date,
        file_creation_time: Time::new(9, 30),
        file_id_modifier: 'A',
        immediate_destination_name: "LEAD BANK".into(),
        immediate_origin_name: "ACME INC".into(),
        reference_code: String::new(),
    };
    let mut w = FileWriter::new(Vec::new(), &header, LineEnding::Lf)?;
    w.begin_iat_batch(&IatBatchHeader {
        service_class_code: if mixed { 200 } else { 220 },
        iat_indicator: String::new(),
        foreign_exchange_indicator: "FF".into(),
        foreign_exchange_reference_indicator: 3,
        foreign_exchange_reference: String::new(),
        iso_destination_country_code: "US".into(),
        originator_identification: "1234567890".into(),
        company_entry_description: "TRADEPAYMT".into(),
        iso_originating_currency_code: "CAD".into(),
        iso_destination_currency_code: "USD".into(),
        effective_entry_date: date.add_days(1).unwrap_or(date),
        settlement_date: String::new(),
        originator_status_code: 1,
        originating_dfi_identification: 9_100_001,
        batch_number: 1,
    })?;
    let mut entries = vec![(22, 91_000_010_000_001, "0000001")];
    if mixed {
        entries.push((27, 91_000_010_000_002, "0000002"));
    }
    for (transaction_code, trace_number, e) in entries {
        iat_entry(&mut w, transaction_code, trace_number, e)?;
    }
    w.end_batch()?;
    w.finish()
}

fn iat_entry(
    w: &mut nacha::FileWriter<Vec<u8>>,
    transaction_code: u8,
    trace_number: u64,
    e: &str,
) -> Result<(), nacha::Error> {
    use nacha::{IatAddenda, IatEntryDetail};
    let addenda = vec![
        IatAddenda::new(
            10,
            &[
                ("transaction_type_code", "ANN"),
                ("foreign_payment_amount", "000000000000100000"),
                ("name_of_receiver", "BEK ENTERPRISES"),
                ("entry_detail_sequence_number", e),
            ],
        )?,
        IatAddenda::new(
            11,
            &[
                ("originator_name", "BEK SOLUTIONS"),
                ("originator_street_address", "15 WEST PLACE STREET"),
                ("entry_detail_sequence_number", e),
            ],
        )?,
        IatAddenda::new(
            12,
            &[
                ("originator_city_state_province", "JACOBSTOWN*PA\\"),
                ("originator_country_postal_code", "US*19305\\"),
                ("entry_detail_sequence_number", e),
            ],
        )?,
        IatAddenda::new(
            13,
            &[
                ("originating_dfi_name", "WELLS FARGO"),
                ("originating_dfi_identification_number_qualifier", "01"),
                ("originating_dfi_identification", "121042882"),
                ("originating_dfi_branch_country_code", "US"),
                ("entry_detail_sequence_number", e),
            ],
        )?,
        IatAddenda::new(
            14,
            &[
                ("receiving_dfi_name", "CITADEL BANK"),
                ("receiving_dfi_identification_number_qualifier", "01"),
                ("receiving_dfi_identification", "231380104"),
                ("receiving_dfi_branch_country_code", "US"),
                ("entry_detail_sequence_number", e),
            ],
        )?,
        IatAddenda::new(
            15,
            &[
                ("receiver_identification_number", "987465493213987"),
                ("receiver_street_address", "2121 FRONT STREET"),
                ("entry_detail_sequence_number", e),
            ],
        )?,
        IatAddenda::new(
            16,
            &[
                ("receiver_city_state_province", "LETTERTOWN*AB\\"),
                ("receiver_country_postal_code", "CA*80014\\"),
                ("entry_detail_sequence_number", e),
            ],
        )?,
        IatAddenda::new(
            17,
            &[
                ("payment_related_information", "INVOICE 2026-001"),
                ("addenda_sequence_number", "0001"),
                ("entry_detail_sequence_number", e),
            ],
        )?,
    ];
    w.iat_entry(
        &IatEntryDetail {
            transaction_code,
            receiving_dfi_identification: 2_100_002,
            check_digit: 1,
            amount: 100_000,
            foreign_receivers_account_number: "123456789".into(),
            trace_number,
            ..IatEntryDetail::default()
        },
        &addenda,
    )
}

/// An ADV file built with the writer: two ADV batches (service class 280, originator
/// status 0), codes 81-88, debits and credits.
fn adv() -> Result<Vec<u8>, nacha::Error> {
    use nacha::{AdvEntryDetail, BatchHeader, FileHeader, FileWriter};
    let date = Date::new(2026, 1, 15).ok_or(nacha::Error::Invalid("date".into()))?;
    let header = FileHeader {
        immediate_destination: "091000019".into(),
        immediate_origin: "0110000015".into(),
        file_creation_date: date,
        file_creation_time: Time::new(6, 0),
        file_id_modifier: 'A',
        immediate_destination_name: "LEAD BANK".into(),
        immediate_origin_name: "FEDERAL RESERVE".into(),
        reference_code: String::new(),
    };
    let mut w = FileWriter::new(Vec::new(), &header, LineEnding::Lf)?;
    let entries: [&[(u8, &str, u64, &str)]; 2] = [
        &[
            (81, "231380104", 125_000, "CREDIT DEBITS ORIG"),
            (82, "021000021", 98_015, "DEBIT CREDITS ORIG"),
            (83, "231380104", 4_400, "CREDIT CREDITS RCVD"),
            (84, "091000019", 1_234_567, "DEBIT DEBITS RCVD"),
        ],
        &[
            (85, "021000021", 30_000, "CREDIT REJECTED"),
            (86, "231380104", 7_525, "DEBIT REJECTED"),
            (88, "091000019", 500_000, "SUMMARY DEBIT"),
        ],
    ];
    for (batch, list) in (1u32..).zip(entries) {
        w.begin_adv_batch(&BatchHeader {
            service_class_code: 280,
            company_name: "FED ACH OPERATOR".into(),
            company_discretionary_data: String::new(),
            company_identification: "0110000015".into(),
            sec_code: SecCode::Adv,
            company_entry_description: "ADV FILE".into(),
            company_descriptive_date: String::new(),
            effective_entry_date: Some(date),
            settlement_date: String::new(),
            originator_status_code: 0,
            originating_dfi_identification: 9_100_001,
            batch_number: batch,
        })?;
        for (seq, (code, rdfi, amount, name)) in (1u16..).zip(list.iter()) {
            let routing: u32 = rdfi
                .parse()
                .map_err(|_| nacha::Error::Invalid("routing".into()))?;
            w.adv_entry(
                &AdvEntryDetail {
                    transaction_code: *code,
                    receiving_dfi_identification: routing / 10,
                    check_digit: u8::try_from(routing % 10).unwrap_or(0),
                    dfi_account_number: format!("ACCT{seq:04}"),
                    amount: *amount,
                    advice_routing_number: 91_000_019,
                    file_identification: "FILE1".into(),
                    individual_name: (*name).into(),
                    ach_operator_routing_number: 1_100_001,
                    julian_date_day: 15,
                    sequence_number: seq,
                    ..AdvEntryDetail::default()
                },
                None,
            )?;
        }
        w.end_adv_batch()?;
    }
    w.finish()
}
