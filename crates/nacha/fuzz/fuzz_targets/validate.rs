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
});
