//! Deterministic generator of valid files for tests, benchmarks and partners.
//!
//! Uses its own small PRNG (SplitMix64) rather than a crate, so the output for a
//! seed never changes with a dependency upgrade.

use std::io::Write;

use crate::records::{Addenda, Addenda05, BatchHeader, EntryDetail, FileHeader};
use crate::{routing, Date, Error, FileWriter, LineEnding, SecCode, Time};

/// What [`generate`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GenSummary {
    /// Batches written.
    pub batches: u64,
    /// Entry detail records written.
    pub entries: u64,
    /// Addenda records written.
    pub addenda: u64,
    /// Sum of debit amounts, in cents.
    pub total_debit_cents: u64,
    /// Sum of credit amounts, in cents.
    pub total_credit_cents: u64,
}

/// SEC codes the generator supports.
pub const SUPPORTED: [SecCode; 5] = [
    SecCode::Ppd,
    SecCode::Ccd,
    SecCode::Web,
    SecCode::Tel,
    SecCode::Cie,
];

/// Writes a valid file of `entries` entries of SEC code `sec` (PPD, CCD, WEB,
/// TEL or CIE), deterministic for `seed`, with LF line endings.
///
/// Several batches; mixed debits and credits in service class 200 where the SEC
/// code allows both (TEL is debits only, 225; CIE credits only, 220); some
/// prenotes; about one entry in ten with an addenda 05 where the SEC code
/// permits it; routing numbers with correct check digits.
///
/// ```
/// let mut out = Vec::new();
/// let s = nacha::gen::generate(10, nacha::SecCode::Web, 1, &mut out).unwrap();
/// assert_eq!(s.entries, 10);
/// ```
pub fn generate<W: Write>(
    entries: usize,
    sec: SecCode,
    seed: u64,
    out: W,
) -> Result<GenSummary, Error> {
    if !SUPPORTED.contains(&sec) {
        return Err(Error::Invalid(format!(
            "the generator writes PPD, CCD, WEB, TEL or CIE, not {sec}"
        )));
    }
    let mut rng = Rng(seed ^ 0x9e37_79b9_7f4a_7c15);
    let created = Date::new(2026, 1, 5)
        .and_then(|d| d.add_days((rng.next() % 300) as i64))
        .ok_or_else(|| Error::Invalid("date out of range".into()))?;
    let effective = created
        .add_days(1)
        .ok_or_else(|| Error::Invalid("date out of range".into()))?;
    let odfi = rng.dfi();
    let header = FileHeader {
        immediate_destination: routing_of(odfi),
        immediate_origin: format!("1{:09}", rng.below(1_000_000_000)),
        file_creation_date: created,
        file_creation_time: Time::new((rng.below(24)) as u8, (rng.below(60)) as u8),
        file_id_modifier: 'A',
        immediate_destination_name: "LEAD BANK".into(),
        immediate_origin_name: pick(&COMPANIES, &mut rng).into(),
        reference_code: String::new(),
    };
    let mut w = FileWriter::new(out, &header, LineEnding::Lf)?;
    let mut summary = GenSummary::default();
    let cap = (entries / 4).clamp(1, 5000) as u64;
    let mut left = entries as u64;
    let mut batch_number = 0u32;
    let mut seq = 0u64;
    while left > 0 {
        let size = (1 + rng.below(cap)).min(left);
        left -= size;
        batch_number += 1;
        let service_class_code = match sec {
            SecCode::Tel => 225,
            SecCode::Cie => 220,
            _ => 200,
        };
        w.begin_batch(&BatchHeader {
            service_class_code,
            company_name: pick(&COMPANIES, &mut rng).into(),
            company_discretionary_data: String::new(),
            company_identification: format!("1{:09}", rng.below(1_000_000_000)),
            sec_code: sec,
            company_entry_description: description(sec).into(),
            company_descriptive_date: String::new(),
            effective_entry_date: Some(effective),
            settlement_date: String::new(),
            originator_status_code: 1,
            originating_dfi_identification: odfi,
            batch_number,
        })?;
        for _ in 0..size {
            // Trace numbers stay unique across the file, not only within a batch.
            seq += 1;
            let (entry, addenda) = entry(&mut rng, sec, odfi, seq);
            if crate::txcode::family_is_credit(entry.transaction_code) == Some(true) {
                summary.total_credit_cents += entry.amount;
            } else {
                summary.total_debit_cents += entry.amount;
            }
            summary.addenda += addenda.len() as u64;
            w.entry(&entry, &addenda)?;
        }
        w.end_batch()?;
        summary.batches += 1;
        summary.entries += size;
    }
    w.finish()?;
    Ok(summary)
}

fn entry(rng: &mut Rng, sec: SecCode, odfi: u32, seq: u64) -> (EntryDetail, Vec<Addenda>) {
    let credit = match sec {
        SecCode::Tel => false,
        SecCode::Cie => true,
        _ => rng.below(2) == 0,
    };
    let savings = rng.below(5) == 0;
    let prenote = rng.below(50) == 0;
    let base = if savings { 30 } else { 20 };
    let offset = match (credit, prenote) {
        (true, false) => 2,
        (true, true) => 3,
        (false, false) => 7,
        (false, true) => 8,
    };
    // Amounts spread over several orders of magnitude, like real payments.
    let amount = if prenote {
        0
    } else {
        let scale = [1_000, 10_000, 100_000, 1_000_000][rng.below(4) as usize];
        1 + rng.below(scale)
    };
    let rdfi = rng.dfi();
    let name = person(rng);
    let (identification_number, individual_name) = match sec {
        SecCode::Ccd => (
            format!("{:015}", rng.below(1_000_000_000_000)),
            pick(&COMPANIES, rng).to_string(),
        ),
        SecCode::Cie => (
            truncate(&name, 15),
            format!("{:022}", rng.below(1_000_000_000_000)),
        ),
        _ => (format!("ID{:013}", rng.below(1_000_000_000_000)), name),
    };
    let discretionary_data = match sec {
        SecCode::Web | SecCode::Tel => if rng.below(3) == 0 { "R" } else { "S" }.to_string(),
        _ => String::new(),
    };
    let account_digits = 4 + rng.below(14) as usize;
    let account: String = (0..account_digits)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect();
    let trace_number = u64::from(odfi) * 10_000_000 + seq;
    let entry = EntryDetail {
        transaction_code: base + offset,
        receiving_dfi_identification: rdfi,
        check_digit: routing::check_digit(format!("{rdfi:08}").as_bytes()).unwrap_or(0),
        dfi_account_number: account,
        amount,
        identification_number,
        individual_name,
        discretionary_data,
        addenda_record_indicator: 0,
        trace_number,
    };
    let mut addenda = Vec::new();
    if sec != SecCode::Tel && rng.below(10) == 0 {
        let text = format!(
            "RMR*IV*INV{:08}*PI*{}.{:02}\\",
            rng.below(100_000_000),
            amount / 100,
            amount % 100
        );
        addenda.push(Addenda::PaymentRelated(Addenda05::new(text)));
    }
    (entry, addenda)
}

fn description(sec: SecCode) -> &'static str {
    match sec {
        SecCode::Ppd => "PAYROLL",
        SecCode::Ccd => "VENDOR PAY",
        SecCode::Web => "ONLINE PMT",
        SecCode::Tel => "PHONE PMT",
        _ => "BILL PAY",
    }
}

fn routing_of(dfi: u32) -> String {
    routing::with_check_digit(dfi).unwrap_or_else(|| "091000019".into())
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn pick<'a>(list: &[&'a str], rng: &mut Rng) -> &'a str {
    list.get(rng.below(list.len() as u64) as usize)
        .copied()
        .unwrap_or("ACME")
}

fn person(rng: &mut Rng) -> String {
    let first = pick(&FIRST, rng);
    let last = pick(&LAST, rng);
    truncate(&format!("{first} {last}"), 22)
}

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    /// An 8-digit DFI identification whose first two digits are a real Federal
    /// Reserve routing symbol (01–12 banks, 21–32 thrifts).
    fn dfi(&mut self) -> u32 {
        let district = 1 + self.below(12);
        let prefix = if self.below(4) == 0 {
            district + 20
        } else {
            district
        };
        (prefix * 1_000_000 + self.below(1_000_000)) as u32
    }
}

const COMPANIES: [&str; 12] = [
    "ACME INC",
    "GLOBEX CORP",
    "INITECH LLC",
    "UMBRELLA CO",
    "STARK IND",
    "WAYNE ENTERPRS",
    "HOOLI INC",
    "VANDELAY IMP",
    "SOYLENT CORP",
    "TYRELL CORP",
    "CYBERDYNE SYS",
    "WONKA IND",
];
const FIRST: [&str; 16] = [
    "JAMES",
    "MARY",
    "ROBERT",
    "PATRICIA",
    "JOHN",
    "JENNIFER",
    "MICHAEL",
    "LINDA",
    "DAVID",
    "ELIZABETH",
    "WILLIAM",
    "BARBARA",
    "MARIA",
    "JOSE",
    "WEI",
    "AISHA",
];
const LAST: [&str; 16] = [
    "SMITH",
    "JOHNSON",
    "WILLIAMS",
    "BROWN",
    "JONES",
    "GARCIA",
    "MILLER",
    "DAVIS",
    "RODRIGUEZ",
    "MARTINEZ",
    "HERNANDEZ",
    "LOPEZ",
    "NGUYEN",
    "OKAFOR",
    "KOWALSKI",
    "O'BRIEN",
];
