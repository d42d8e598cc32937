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
    let _ = nacha::validate(data, &nacha::Policy::permissive());

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
