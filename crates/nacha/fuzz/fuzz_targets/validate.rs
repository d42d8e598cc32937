//! Feeds arbitrary bytes to the reader, the validator, the typed reader and the writer.
//! Any panic is a bug; so is a raw round trip that does not reproduce the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let strict =
        nacha::validate(data, &nacha::Policy::default()).expect("in-memory reads cannot fail");
    assert_eq!(
        strict.summary.errors + strict.summary.warnings,
        strict.findings.len() as u64
    );
    let permissive =
        nacha::validate(data, &nacha::Policy::permissive()).expect("in-memory reads cannot fail");

    let mut out = Vec::new();
    nacha::copy_records(data, &mut out).expect("in-memory writes cannot fail");
    if data.len() < nacha::MAX_KEPT_LINE {
        assert_eq!(out, data, "raw round trip changed the bytes");
    }

    for item in nacha::TypedReader::new(data) {
        if item.is_err() {
            break;
        }
    }
    if let Ok(file) = nacha::NachaFile::read(data) {
        let _ = file.write(Vec::new(), nacha::LineEnding::Lf);
    }
    answers(data, permissive.summary.errors == 0);

    // The same records with every batch header made ADV (SEC `ADV`, service class 280), so
    // the ADV entry, batch control and file control layouts see every input too.
    let adv = as_adv(data);
    let report = nacha::validate(&adv[..], &nacha::Policy::permissive())
        .expect("in-memory reads cannot fail");
    assert_eq!(
        report.summary.errors + report.summary.warnings,
        report.findings.len() as u64
    );
    for item in nacha::TypedReader::new(&adv[..]) {
        match item {
            Ok((_, rec)) => {
                let _ = rec.to_bytes();
            }
            Err(_) => break,
        }
    }
});

/// The response builders on the input: a return of its first entries, and a dishonor and a
/// contest of the entries its addenda 99 answer. They may refuse; they must not panic, and
/// what they write from a valid input must be valid.
fn answers(data: &[u8], input_valid: bool) {
    use nacha::returns::{self, ContestRequest, DishonorRequest, ResponseOptions, ReturnRequest};
    let (mut entries, mut originals) = (Vec::new(), Vec::new());
    for item in nacha::TypedReader::new(data) {
        match item {
            Ok((_, nacha::Record::EntryDetail(e))) => entries.push(e.trace_number),
            Ok((_, nacha::Record::Addenda(nacha::Addenda::Return(a)))) => {
                originals.push(a.original_entry_trace_number)
            }
            Ok((_, nacha::Record::Addenda(nacha::Addenda::DishonoredReturn(a)))) => {
                originals.push(a.original_entry_trace_number)
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let Some(day) = nacha::Date::new(2026, 1, 19) else {
        return;
    };
    let opts = ResponseOptions::new(day);
    let valid = |out: &[u8]| {
        let r = nacha::validate(out, &nacha::Policy::permissive()).expect("in memory");
        if input_valid {
            assert_eq!(
                r.summary.errors, 0,
                "a built response is invalid: {:?}",
                r.findings
            );
        }
    };
    let returns: Vec<ReturnRequest> = entries
        .iter()
        .take(3)
        .map(|t| ReturnRequest::new(*t, "R01"))
        .collect();
    let mut out = Vec::new();
    if !returns.is_empty() && returns::build_return(data, &returns, &opts, &mut out).is_ok() {
        valid(&out);
    }
    let first: Vec<u64> = originals.iter().take(3).copied().collect();
    let dishonors: Vec<DishonorRequest> = first
        .iter()
        .map(|t| DishonorRequest {
            original_trace_number: *t,
            code: "R69".into(),
            return_settlement_date: Some(day),
            addenda_information: String::new(),
        })
        .collect();
    let mut out = Vec::new();
    if !dishonors.is_empty() && returns::build_dishonored(data, &dishonors, &opts, &mut out).is_ok()
    {
        valid(&out);
    }
    let contests: Vec<ContestRequest> = first
        .iter()
        .map(|t| ContestRequest {
            original_trace_number: *t,
            code: "R73".into(),
            date_original_entry_returned: day,
            original_settlement_date: Some(day),
            dishonored_return_settlement_date: None,
        })
        .collect();
    let mut out = Vec::new();
    if !contests.is_empty() && returns::build_contested(data, &contests, &opts, &mut out).is_ok() {
        valid(&out);
    }
}

/// `data` with the SEC code and service class of each batch header (a line starting
/// with `5`, at least 53 bytes; a 94-byte record in a file without line breaks) set to
/// `ADV` and `280`.
fn as_adv(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    let adv = |line: &mut [u8]| {
        if line.len() >= 53 && line[0] == b'5' {
            line[1..4].copy_from_slice(b"280");
            line[50..53].copy_from_slice(b"ADV");
        }
    };
    if !out.contains(&b'\n') {
        out.chunks_mut(94).for_each(adv);
        return out;
    }
    let mut start = 0;
    while start < out.len() {
        let end = out[start..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(out.len(), |i| start + i);
        adv(&mut out[start..end]);
        start = end + 1;
    }
    out
}
