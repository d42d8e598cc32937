//! Property tests: generated files always pass, malformed input never panics,
//! and corruptions of amounts, hashes and counts are always reported.

use nacha::{gen, Policy, SecCode};
use proptest::prelude::*;

fn all_five() -> Policy {
    Policy {
        allowed_sec_codes: gen::SUPPORTED.to_vec(),
        ..Policy::default()
    }
}

fn sec() -> impl Strategy<Value = SecCode> {
    prop::sample::select(gen::SUPPORTED.to_vec())
}

/// An ADV file from the writer: batches of (code 81-88, amount, RDFI index) entries.
fn adv_file(batches: &[Vec<(u8, u64, usize)>]) -> Vec<u8> {
    use nacha::{AdvEntryDetail, BatchHeader, Date, FileHeader, FileWriter, LineEnding};
    let date = Date::new(2026, 1, 15).unwrap();
    let header = FileHeader {
        immediate_destination: "091000019".into(),
        immediate_origin: "0110000015".into(),
        file_creation_date: date,
        file_creation_time: None,
        file_id_modifier: 'A',
        immediate_destination_name: "LEAD BANK".into(),
        immediate_origin_name: "FEDERAL RESERVE".into(),
        reference_code: String::new(),
    };
    let rdfis = [(2_100_002, 1), (23_138_010, 4), (9_100_001, 9)];
    let mut w = FileWriter::new(Vec::new(), &header, LineEnding::Lf).unwrap();
    for (n, entries) in (1u32..).zip(batches) {
        w.begin_adv_batch(&BatchHeader {
            service_class_code: 280,
            company_name: "FED".into(),
            company_discretionary_data: String::new(),
            company_identification: "0110000015".into(),
            sec_code: SecCode::Adv,
            company_entry_description: "ADV".into(),
            company_descriptive_date: String::new(),
            effective_entry_date: Some(date),
            settlement_date: String::new(),
            originator_status_code: 0,
            originating_dfi_identification: 9_100_001,
            batch_number: n,
        })
        .unwrap();
        for (seq, (code, amount, r)) in (1u16..).zip(entries) {
            let (rdfi, cd) = rdfis[r % rdfis.len()];
            let e = AdvEntryDetail {
                transaction_code: *code,
                receiving_dfi_identification: rdfi,
                check_digit: cd,
                dfi_account_number: "1".into(),
                amount: *amount,
                advice_routing_number: 91_000_019,
                individual_name: "X".into(),
                ach_operator_routing_number: 1_100_001,
                julian_date_day: 1,
                sequence_number: seq,
                ..AdvEntryDetail::default()
            };
            w.adv_entry(&e, None).unwrap();
        }
        w.end_adv_batch().unwrap();
    }
    w.finish().unwrap()
}

fn round_trip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    nacha::copy_records(bytes, &mut out).unwrap();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn generated_files_always_pass(seed in any::<u64>(), entries in 1usize..400, sec in sec()) {
        let mut f = Vec::new();
        let s = gen::generate(entries, sec, seed, &mut f).unwrap();
        prop_assert_eq!(s.entries, entries as u64);
        let r = nacha::validate(&f[..], &all_five()).unwrap();
        prop_assert!(r.findings.is_empty(), "{:?}", r.findings);
        prop_assert_eq!(r.summary.entries, entries as u64);
        prop_assert_eq!(r.summary.total_debit_cents, s.total_debit_cents);
        prop_assert_eq!(r.summary.total_credit_cents, s.total_credit_cents);
        if sec != SecCode::Cie {
            prop_assert!(nacha::validate(&f[..], &Policy::default()).unwrap().is_accepted());
        }
    }

    #[test]
    fn generation_is_deterministic(seed in any::<u64>(), sec in sec()) {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        gen::generate(50, sec, seed, &mut a).unwrap();
        gen::generate(50, sec, seed, &mut b).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..3000)) {
        let r = nacha::validate(&bytes[..], &Policy::default()).unwrap();
        prop_assert_eq!(r.summary.errors + r.summary.warnings, r.findings.len() as u64);
        prop_assert_eq!(round_trip(&bytes), bytes.clone());
        for item in nacha::TypedReader::new(&bytes[..]) {
            let _ = item;
        }
        let _ = nacha::NachaFile::read(&bytes[..]);
    }

    #[test]
    fn record_shaped_garbage_never_panics(
        lines in prop::collection::vec(
            (prop::sample::select(b"1567890".to_vec()), prop::collection::vec(prop::sample::select(b" 0123456789ACR*\\9".to_vec()), 93)),
            0..40,
        )
    ) {
        let mut f = Vec::new();
        for (t, rest) in lines {
            f.push(t);
            f.extend_from_slice(&rest);
            f.push(b'\n');
        }
        let _ = nacha::validate(&f[..], &Policy::permissive()).unwrap();
        prop_assert_eq!(round_trip(&f), f.clone());
    }

    #[test]
    fn any_single_byte_corruption_never_panics(seed in any::<u64>(), pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut f = Vec::new();
        gen::generate(30, SecCode::Ppd, seed, &mut f).unwrap();
        let i = pos.index(f.len());
        f[i] = byte;
        let _ = nacha::validate(&f[..], &Policy::default()).unwrap();
        prop_assert_eq!(round_trip(&f), f.clone());
    }

    #[test]
    fn corrupted_amounts_hashes_and_counts_are_reported(
        seed in any::<u64>(),
        pick in any::<prop::sample::Index>(),
        delta in 1u8..10,
    ) {
        let mut f = Vec::new();
        gen::generate(40, SecCode::Ppd, seed, &mut f).unwrap();
        // (line start, 1-based start, length) of every amount, hash and count digit field.
        let mut targets = Vec::new();
        let mut start = 0;
        for line in f.split(|b| *b == b'\n') {
            match line.first() {
                Some(b'6') => {
                    targets.push((start, 30, 10)); // amount
                    targets.push((start, 4, 8)); // receiving DFI identification (hash)
                }
                Some(b'8') => targets.push((start, 5, 40)), // count, hash, totals
                Some(b'9') if line.iter().any(|b| *b != b'9') => targets.push((start, 2, 54)),
                _ => {}
            }
            start += line.len() + 1;
        }
        let (line_start, field_start, len) = targets[pick.index(targets.len())];
        let digit = pick.index(len);
        let i = line_start + field_start - 1 + digit;
        f[i] = b'0' + (f[i] - b'0' + delta) % 10;
        let r = nacha::validate(&f[..], &Policy::default()).unwrap();
        prop_assert!(!r.is_accepted());
        let arithmetic = ["total_debit", "total_credit", "entry_hash", "entry_addenda_count", "batch_count", "block_count"];
        prop_assert!(
            r.errors().any(|e| arithmetic.contains(&e.code)),
            "{:?}", r.findings
        );
    }

    #[test]
    fn adv_files_pass_and_their_corruptions_are_reported(
        batches in prop::collection::vec(
            prop::collection::vec((81u8..=88, 0u64..1_000_000_000_000, 0usize..3), 1..20),
            1..4,
        ),
        pick in any::<prop::sample::Index>(),
        delta in 1u8..10,
        byte in any::<u8>(),
    ) {
        let f = adv_file(&batches);
        let r = nacha::validate(&f[..], &Policy::permissive()).unwrap();
        prop_assert!(r.findings.is_empty(), "{:?}", r.findings);
        let credit: u64 = batches.iter().flatten().filter(|e| e.0 % 2 == 1).map(|e| e.1).sum();
        prop_assert_eq!(r.summary.total_credit_cents, credit);
        // Any digit of an amount, RDFI, count, hash or total changed: an arithmetic finding.
        let mut targets = Vec::new();
        let mut start = 0;
        for line in f.split(|b| *b == b'\n') {
            match line.first() {
                Some(b'6') => {
                    targets.push((start, 28, 12)); // amount
                    targets.push((start, 4, 8)); // receiving DFI identification (hash)
                }
                Some(b'8') => targets.push((start, 5, 56)), // count, hash, 20-digit totals
                Some(b'9') if line.iter().any(|b| *b != b'9') => targets.push((start, 2, 70)),
                _ => {}
            }
            start += line.len() + 1;
        }
        let (line_start, field_start, len) = targets[pick.index(targets.len())];
        let i = line_start + field_start - 1 + pick.index(len);
        let mut bad = f.clone();
        bad[i] = b'0' + (bad[i] - b'0' + delta) % 10;
        let r = nacha::validate(&bad[..], &Policy::permissive()).unwrap();
        let arithmetic = ["total_debit", "total_credit", "entry_hash", "entry_addenda_count", "batch_count", "block_count", "check_digit"];
        prop_assert!(r.errors().any(|e| arithmetic.contains(&e.code)), "{:?}", r.findings);
        // Any byte anywhere: no panic, and the typed reader stops or reads on.
        let mut any = f.clone();
        let at = pick.index(any.len());
        any[at] = byte;
        let _ = nacha::validate(&any[..], &Policy::permissive()).unwrap();
        for item in nacha::TypedReader::new(&any[..]) {
            let _ = item;
        }
        prop_assert_eq!(round_trip(&any), any.clone());
    }
}
