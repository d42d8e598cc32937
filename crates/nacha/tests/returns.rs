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

/// Addenda 99 of one kind in a file, as `pick` reads them.
fn addenda_of<T>(file: &[u8], pick: impl Fn(&nacha::Addenda) -> Option<T>) -> Vec<T> {
    TypedReader::new(file)
        .filter_map(|r| match r.unwrap().1 {
            Record::Addenda(a) => pick(&a),
            _ => None,
        })
        .collect()
}

#[test]
fn a_return_is_dishonored_and_the_dishonor_contested_each_valid_and_linked() {
    // spec 06 §9.7: dishonored (R61, R67–R70) and contested (R71–R77) returns.
    let mut ret = Vec::new();
    let reqs = [ReturnRequest::new(91_000_010_000_001, "R01")];
    returns::build_return(&base()[..], &reqs, &opts(), &mut ret).unwrap();
    let return_trace = addenda_of(&ret, |a| match a {
        nacha::Addenda::Return(r) => Some(r.trace_number),
        _ => None,
    })[0];

    let mut dis = Vec::new();
    let dreq = returns::DishonorRequest {
        original_trace_number: 91_000_010_000_001,
        code: "R69".into(),
        return_settlement_date: Date::new(2026, 2, 1),
        addenda_information: "ACCOUNT NUMBER".into(),
    };
    returns::build_dishonored(&ret[..], std::slice::from_ref(&dreq), &opts(), &mut dis).unwrap();
    let r = nacha::validate(&dis[..], &Policy::permissive()).unwrap();
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    let d = addenda_of(&dis, |a| match a {
        nacha::Addenda::DishonoredReturn(d) => Some(d.clone()),
        _ => None,
    });
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].dishonored_return_reason_code, "R69");
    assert_eq!(d[0].original_entry_trace_number, 91_000_010_000_001);
    assert_eq!(d[0].return_trace_number, return_trace);
    assert_eq!(d[0].return_settlement_date, "032");
    assert_eq!(d[0].return_reason_code, "01");
    assert_eq!(d[0].addenda_information, "ACCOUNT NUMBER");
    // It goes back to the RDFI that returned the entry.
    let entry = TypedReader::new(&dis[..])
        .find_map(|r| match r.unwrap().1 {
            Record::EntryDetail(e) => Some(e),
            _ => None,
        })
        .unwrap();
    assert_eq!(entry.receiving_dfi_identification, 2_100_002);
    assert_eq!(entry.transaction_code, 21);

    let mut con = Vec::new();
    let creq = returns::ContestRequest {
        original_trace_number: 91_000_010_000_001,
        code: "R73".into(),
        date_original_entry_returned: Date::new(2026, 1, 30).unwrap(),
        original_settlement_date: Date::new(2026, 1, 29),
        dishonored_return_settlement_date: None,
    };
    returns::build_contested(&dis[..], std::slice::from_ref(&creq), &opts(), &mut con).unwrap();
    let r = nacha::validate(&con[..], &Policy::permissive()).unwrap();
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    let c = addenda_of(&con, |a| match a {
        nacha::Addenda::ContestedReturn(c) => Some(c.clone()),
        _ => None,
    });
    assert_eq!(c[0].contested_return_code, "R73");
    assert_eq!(c[0].return_trace_number, return_trace);
    assert_eq!(c[0].dishonored_return_reason_code, "69");
    assert_eq!(c[0].original_settlement_date, "029");
    assert_eq!(c[0].dishonored_return_settlement_date, "");
    assert_eq!(c[0].date_original_entry_returned, Date::new(2026, 1, 30));

    // A code of the wrong family, and an entry that was never returned, are refused.
    let mut wrong = dreq.clone();
    wrong.code = "R01".into();
    let e = returns::build_dishonored(&ret[..], &[wrong], &opts(), &mut Vec::new());
    assert!(matches!(e, Err(Error::InvalidCode(c)) if c == "R01"));
    let mut absent = dreq;
    absent.original_trace_number = 91_000_010_000_002;
    let e = returns::build_dishonored(&ret[..], &[absent], &opts(), &mut Vec::new());
    assert!(matches!(e, Err(Error::TraceNotFound(_))));
    // A plain return is no dishonor to contest.
    let e = returns::build_contested(&ret[..], &[creq], &opts(), &mut Vec::new());
    assert!(matches!(e, Err(Error::TraceNotFound(_))));
}

#[test]
fn a_return_or_noc_entry_is_not_returned_again() {
    // Found by the fuzz target: returning an entry of a return or COR batch wrote an invalid
    // file (a COR batch of returns). A return is answered by a dishonor, not a return.
    let mut ret = Vec::new();
    let reqs = [ReturnRequest::new(91_000_010_000_001, "R01")];
    returns::build_return(&base()[..], &reqs, &opts(), &mut ret).unwrap();
    let trace = addenda_of(&ret, |a| match a {
        nacha::Addenda::Return(r) => Some(r.trace_number),
        _ => None,
    })[0];
    let again = [ReturnRequest::new(trace, "R01")];
    let e = returns::build_return(&ret[..], &again, &opts(), &mut Vec::new());
    assert!(matches!(e, Err(Error::Invalid(m)) if m.contains("itself a return")));
}

#[test]
fn a_return_of_an_entry_that_states_its_addenda_count_states_one() {
    // Found by the fuzz target: the return of an ENR (or CTX, ATX, TRX) entry kept the
    // original's count in positions 55–58 while carrying one addenda 99.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/nacha/valid_enr.ach"
    );
    let enr = std::fs::read(path).unwrap();
    let trace = TypedReader::new(&enr[..])
        .find_map(|r| match r.unwrap().1 {
            Record::EntryDetail(e) => Some(e.trace_number),
            _ => None,
        })
        .unwrap();
    let mut out = Vec::new();
    returns::build_return(
        &enr[..],
        &[ReturnRequest::new(trace, "R01")],
        &opts(),
        &mut out,
    )
    .unwrap();
    let r = nacha::validate(&out[..], &Policy::permissive()).unwrap();
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}

#[test]
fn a_combined_file_returns_some_entries_and_corrects_others() {
    // spec 06 §1.4 `incoming_ach_return_noc`: return batches, then COR batches, in one file.
    let rets = [ReturnRequest::new(91_000_010_000_001, "R01")];
    let nocs = [NocRequest {
        trace_number: 91_000_010_000_002,
        correction: Correction::AccountNumber("99887766".into()),
    }];
    let mut out = Vec::new();
    let s = returns::build_return_noc(&base()[..], &rets, &nocs, &opts(), &mut out).unwrap();
    assert_eq!((s.batches, s.entries), (2, 2));
    let r = nacha::validate(&out[..], &Policy::permissive()).unwrap();
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    let secs: Vec<(u32, nacha::SecCode)> = TypedReader::new(&out[..])
        .filter_map(|r| match r.unwrap().1 {
            Record::BatchHeader(h) => Some((h.batch_number, h.sec_code)),
            _ => None,
        })
        .collect();
    assert_eq!(secs, [(1, nacha::SecCode::Ppd), (2, nacha::SecCode::Cor)]);
    let kinds = addenda_of(&out, |a| match a {
        nacha::Addenda::Return(r) => Some(format!(
            "{} {}",
            r.return_reason_code, r.original_entry_trace_number
        )),
        nacha::Addenda::Notification(n) => Some(format!(
            "{} {}",
            n.change_code, n.original_entry_trace_number
        )),
        _ => None,
    });
    assert_eq!(kinds, ["R01 91000010000001", "C01 91000010000002"]);
    // One entry is not both returned and corrected; a dishonor code is not a return's.
    let both = [NocRequest {
        trace_number: 91_000_010_000_001,
        correction: Correction::AccountNumber("1".into()),
    }];
    let e = returns::build_return_noc(&base()[..], &rets, &both, &opts(), &mut Vec::new());
    assert!(matches!(e, Err(Error::Invalid(m)) if m.contains("answered twice")));
    let r69 = [ReturnRequest::new(91_000_010_000_001, "R69")];
    let e = returns::build_return(&base()[..], &r69, &opts(), &mut Vec::new());
    assert!(matches!(e, Err(Error::InvalidCode(c)) if c == "R69"));
}
