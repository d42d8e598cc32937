//! Returns, NOCs and file names.

mod common;

use common::*;
use nacha::returns::{self, Correction, NocRequest, ResponseOptions, ReturnRequest};
use nacha::{names, Date, Error, Policy, Record, TypedReader};

fn opts() -> ResponseOptions {
    ResponseOptions::new(Date::new(2026, 1, 19).unwrap())
}

#[test]
fn return_file_is_valid_and_answers_the_entries() {
    let mut out = Vec::new();
    let reqs = [
        ReturnRequest::new(91_000_010_000_001, "R01"),
        ReturnRequest::new(91_000_010_000_002, "R02"),
    ];
    let s = returns::build_return(&base()[..], &reqs, &opts(), &mut out).unwrap();
    assert_eq!(s.entries, 2);
    // Two RDFIs in batch 1 → two return batches.
    assert_eq!(s.batches, 2);
    let r = nacha::validate(&out[..], &Policy::permissive()).unwrap();
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    let recs: Vec<Record> = TypedReader::new(&out[..]).map(|r| r.unwrap().1).collect();
    let returns: Vec<_> = recs
        .iter()
        .filter_map(|r| match r {
            Record::Addenda(nacha::Addenda::Return(a)) => Some(a.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(returns.len(), 2);
    assert_eq!(returns[0].return_reason_code, "R01");
    assert_eq!(returns[0].original_entry_trace_number, 91_000_010_000_001);
    assert_eq!(returns[0].original_receiving_dfi_identification, 2_100_002);
    let entries: Vec<_> = recs
        .iter()
        .filter_map(|r| match r {
            Record::EntryDetail(e) => Some(e.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(entries[0].transaction_code, 21);
    assert_eq!(entries[1].transaction_code, 26);
    assert_eq!(entries[0].amount, 15_000);
    assert_eq!(entries[0].receiving_dfi_identification, 9_100_001);
}

#[test]
fn noc_file_is_valid_for_every_documented_correction() {
    let corrections = [
        Correction::AccountNumber("99887766".into()),
        Correction::RoutingNumber("021000021".into()),
        Correction::RoutingAndAccount {
            routing: "021000021".into(),
            account: "123".into(),
        },
        Correction::Name("JANE Q DOE".into()),
        Correction::TransactionCode(32),
        Correction::AccountAndTransactionCode {
            account: "123".into(),
            transaction_code: 32,
        },
        Correction::RoutingAccountAndTransactionCode {
            routing: "011000015".into(),
            account: "123".into(),
            transaction_code: 37,
        },
        Correction::IdentificationNumber("NEWID".into()),
        Correction::Other {
            code: "C13".into(),
            data: "ADDENDA FORMAT".into(),
        },
    ];
    for c in corrections {
        let mut out = Vec::new();
        let req = NocRequest {
            trace_number: 91_000_010_000_002,
            correction: c.clone(),
        };
        returns::build_noc(&base()[..], &[req], &opts(), &mut out).unwrap();
        let r = nacha::validate(&out[..], &Policy::permissive()).unwrap();
        assert!(r.findings.is_empty(), "{c:?}: {:?}", r.findings);
        let text = String::from_utf8(out).unwrap();
        assert!(text.lines().nth(1).unwrap()[50..53] == *"COR");
        assert!(text.contains(&format!("798{}", c.code())));
    }
}

#[test]
fn bad_requests_are_errors() {
    let mut out = Vec::new();
    let e = returns::build_return(
        &base()[..],
        &[ReturnRequest::new(1, "R01")],
        &opts(),
        &mut out,
    );
    assert!(matches!(e, Err(Error::TraceNotFound(_))));
    let e = returns::build_return(
        &base()[..],
        &[ReturnRequest::new(91_000_010_000_001, "R99")],
        &opts(),
        &mut out,
    );
    assert!(matches!(e, Err(Error::InvalidCode(_))));
    let bad = NocRequest {
        trace_number: 91_000_010_000_001,
        correction: Correction::RoutingNumber("021000022".into()),
    };
    assert!(returns::build_noc(&base()[..], &[bad], &opts(), &mut out).is_err());
    assert!(returns::build_return(&base()[..], &[], &opts(), &mut out).is_err());
}

#[test]
fn file_names_follow_spec_06() {
    assert_eq!(
        names::content_id(1_768_497_400).unwrap(),
        "20260115T171640Z"
    );
    assert_eq!(
        names::return_file_name(1_768_497_400).unwrap(),
        "20260115T171640Z_incoming_ach_return_1768497400.ach"
    );
    assert_eq!(
        names::noc_file_name(1_768_497_400).unwrap(),
        "20260115T171640Z_incoming_ach_noc_1768497400.ach"
    );
    assert_eq!(
        names::file_name("20260115T171640Z", names::AchFileType::OutgoingAch, "v2"),
        "20260115T171640Z_outgoing_ach_v2.ach"
    );
}

#[test]
fn policy_reads_from_toml() {
    let p: Policy =
        toml::from_str("allowed_sec_codes = [\"PPD\"]\nmax_file_amount = 100\n").unwrap();
    assert_eq!(p.allowed_sec_codes, vec![nacha::SecCode::Ppd]);
    assert_eq!(p.max_file_amount, Some(100));
    assert!(p.same_day_allowed);
    assert!(toml::from_str::<Policy>("allowed_sec_codes = [\"XYZ\"]").is_err());
    assert!(toml::from_str::<Policy>("unknown = 1").is_err());
    assert_eq!(toml::from_str::<Policy>("").unwrap(), Policy::default());
}
