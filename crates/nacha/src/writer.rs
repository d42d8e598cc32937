//! Writing Nacha files from typed values, computing every control field.
//!
//! [`FileWriter`] streams: it keeps only running totals, so a generator can
//! write a million entries without holding them. [`NachaFile`] is the
//! in-memory model on top of it.

use std::io::{BufRead, Write};

use crate::records::{
    Addenda, Addenda99, AdvBatchControl, AdvEntryDetail, AdvFileControl, BatchControl, BatchHeader,
    EntryDetail, FileControl, FileHeader, IatAddenda, IatBatchHeader, IatEntryDetail, Record,
    TypedReader,
};
use crate::txcode::{adv_is_credit, family_is_credit};
use crate::validate::HASH_MODULUS;
use crate::SecCode;
use crate::{Error, LineEnding};

/// Running totals of the open batch.
#[derive(Debug, Clone)]
struct BatchAcc {
    service_class_code: u16,
    /// ADV batch (ADV entries and control); `company_identification` then holds the
    /// control's ACH operator data.
    adv: bool,
    company_identification: String,
    odfi: u32,
    batch_number: u32,
    entry_addenda: u64,
    hash: u64,
    debit: u64,
    credit: u64,
    /// The batch's entries state their addenda count (CTX, ATX, ENR, TRX): the writer fills it.
    states_addenda_count: bool,
}

/// Streams a file: header, batches of entries with addenda, then controls and filler.
///
/// ADV batches are written with [`FileWriter::begin_adv_batch`],
/// [`FileWriter::adv_entry`] and [`FileWriter::end_adv_batch`]; a file holds ADV
/// batches only or none, and a file of ADV batches ends with an ADV file control.
///
/// ```
/// use nacha::{FileWriter, FileHeader, BatchHeader, EntryDetail, LineEnding, SecCode, Date};
/// let date = Date::new(2026, 1, 15).unwrap();
/// let header = FileHeader {
///     immediate_destination: "091000019".into(),
///     immediate_origin: "1234567890".into(),
///     file_creation_date: date,
///     file_creation_time: None,
///     file_id_modifier: 'A',
///     immediate_destination_name: "FEDERAL RESERVE".into(),
///     immediate_origin_name: "ACME INC".into(),
///     reference_code: String::new(),
/// };
/// let mut w = FileWriter::new(Vec::new(), &header, LineEnding::Lf).unwrap();
/// w.begin_batch(&BatchHeader {
///     service_class_code: 220,
///     company_name: "ACME INC".into(),
///     company_discretionary_data: String::new(),
///     company_identification: "1234567890".into(),
///     sec_code: SecCode::Ppd,
///     company_entry_description: "PAYROLL".into(),
///     company_descriptive_date: String::new(),
///     effective_entry_date: Some(date),
///     settlement_date: String::new(),
///     originator_status_code: 1,
///     originating_dfi_identification: 9100001,
///     batch_number: 1,
/// }).unwrap();
/// w.entry(&EntryDetail {
///     transaction_code: 22,
///     receiving_dfi_identification: 2100002,
///     check_digit: 1,
///     dfi_account_number: "12345678".into(),
///     amount: 150_00,
///     individual_name: "JANE DOE".into(),
///     trace_number: 91000010000001,
///     ..EntryDetail::default()
/// }, &[]).unwrap();
/// w.end_batch().unwrap();
/// let bytes = w.finish().unwrap();
/// let report = nacha::validate(&bytes[..], &nacha::Policy::default()).unwrap();
/// assert!(report.is_accepted(), "{:?}", report.findings);
/// ```
#[derive(Debug)]
pub struct FileWriter<W: Write> {
    out: W,
    ending: LineEnding,
    records: u64,
    batch: Option<BatchAcc>,
    batch_count: u64,
    /// Whether the batches are ADV (set by the first batch).
    adv_file: Option<bool>,
    entry_addenda: u64,
    hash: u64,
    debit: u64,
    credit: u64,
}

impl<W: Write> FileWriter<W> {
    /// Starts a file by writing its header. `ending` terminates every record
    /// (`LineEnding::None` writes a file without line breaks).
    pub fn new(out: W, header: &FileHeader, ending: LineEnding) -> Result<Self, Error> {
        let mut w = FileWriter {
            out,
            ending,
            records: 0,
            batch: None,
            batch_count: 0,
            adv_file: None,
            entry_addenda: 0,
            hash: 0,
            debit: 0,
            credit: 0,
        };
        w.put(&header.to_bytes()?)?;
        Ok(w)
    }

    fn put(&mut self, rec: &[u8; 94]) -> Result<(), Error> {
        self.out.write_all(rec)?;
        self.out.write_all(self.ending.as_bytes())?;
        self.records += 1;
        Ok(())
    }

    /// Opens a batch (non-IAT, non-ADV).
    pub fn begin_batch(&mut self, header: &BatchHeader) -> Result<(), Error> {
        if header.sec_code == SecCode::Adv {
            return Err(Error::Invalid(
                "an ADV batch is opened with begin_adv_batch".into(),
            ));
        }
        self.open(
            header.to_bytes()?,
            header.service_class_code,
            false,
            &header.company_identification,
            header.originating_dfi_identification,
            header.batch_number,
        )?;
        if let Some(b) = self.batch.as_mut() {
            b.states_addenda_count = header.sec_code.states_addenda_count();
        }
        Ok(())
    }

    /// Opens an ADV batch (SEC `ADV`, service class 280): its entries are written with
    /// [`FileWriter::adv_entry`] and it is closed with [`FileWriter::end_adv_batch`].
    pub fn begin_adv_batch(&mut self, header: &BatchHeader) -> Result<(), Error> {
        if header.sec_code != SecCode::Adv {
            return Err(Error::Invalid(format!(
                "begin_adv_batch needs SEC code ADV, not {}",
                header.sec_code
            )));
        }
        // The control's ACH operator data: moov-io/ach writes the company name there.
        self.open(
            header.to_bytes()?,
            header.service_class_code,
            true,
            &header.company_name,
            header.originating_dfi_identification,
            header.batch_number,
        )
    }

    /// Opens an IAT batch.
    pub fn begin_iat_batch(&mut self, header: &IatBatchHeader) -> Result<(), Error> {
        self.open(
            header.to_bytes()?,
            header.service_class_code,
            false,
            &header.originator_identification,
            header.originating_dfi_identification,
            header.batch_number,
        )
    }

    fn open(
        &mut self,
        rec: [u8; 94],
        service_class_code: u16,
        adv: bool,
        company_identification: &str,
        odfi: u32,
        batch_number: u32,
    ) -> Result<(), Error> {
        if self.batch.is_some() {
            return Err(Error::Sequence("begin_batch while a batch is open"));
        }
        if *self.adv_file.get_or_insert(adv) != adv {
            // An ADV file control sums ADV batches only (moov-io/ach `file.go`).
            return Err(Error::Invalid(
                "a file holds ADV batches only or none".into(),
            ));
        }
        self.put(&rec)?;
        self.batch_count += 1;
        self.batch = Some(BatchAcc {
            service_class_code,
            adv,
            company_identification: company_identification.to_string(),
            odfi,
            batch_number,
            entry_addenda: 0,
            hash: 0,
            debit: 0,
            credit: 0,
            states_addenda_count: false,
        });
        Ok(())
    }

    /// Writes an entry and its addenda. The addenda record indicator, the addenda count of the
    /// SEC codes that state it (CTX, ATX, ENR, TRX), the 05 sequence numbers and the 98/99
    /// trace numbers are filled in here.
    pub fn entry(&mut self, entry: &EntryDetail, addenda: &[Addenda]) -> Result<(), Error> {
        self.expect_adv(false)?;
        let mut e = entry.clone();
        e.addenda_record_indicator = u8::from(!addenda.is_empty());
        if self.batch.as_ref().is_some_and(|b| b.states_addenda_count) {
            // Positions 55–58, the start of the name field (crate::records::EntryDetail).
            let rest: String = e.individual_name.chars().skip(4).collect();
            e.individual_name = format!("{:04}{rest}", addenda.len().min(9999));
        }
        self.count_entry(
            e.transaction_code,
            e.receiving_dfi_identification,
            e.amount,
            addenda.len(),
        )?;
        self.put(&e.to_bytes()?)?;
        let mut seq = 0u16;
        for a in addenda {
            let mut a = a.clone();
            match &mut a {
                Addenda::PaymentRelated(p) => {
                    seq = seq.saturating_add(1);
                    p.addenda_sequence_number = seq;
                    p.entry_detail_sequence_number = (e.trace_number % 10_000_000) as u32;
                }
                Addenda::Notification(n) => n.trace_number = e.trace_number,
                Addenda::Return(r) => r.trace_number = e.trace_number,
                Addenda::DishonoredReturn(r) => r.trace_number = e.trace_number,
                Addenda::ContestedReturn(r) => r.trace_number = e.trace_number,
                Addenda::PointOfSale(_) | Addenda::Iat(_) => {}
            }
            self.put(&a.to_bytes()?)?;
        }
        Ok(())
    }

    /// Writes an IAT entry and its addenda (10–18, in order); the addenda count
    /// and indicator are filled in here.
    pub fn iat_entry(
        &mut self,
        entry: &IatEntryDetail,
        addenda: &[IatAddenda],
    ) -> Result<(), Error> {
        self.expect_adv(false)?;
        let mut e = entry.clone();
        e.addenda_record_indicator = 1;
        e.number_of_addenda_records =
            u16::try_from(addenda.len()).map_err(|_| Error::Overflow {
                field: "number_of_addenda_records",
            })?;
        self.count_entry(
            e.transaction_code,
            e.receiving_dfi_identification,
            e.amount,
            addenda.len(),
        )?;
        self.put(&e.to_bytes()?)?;
        for a in addenda {
            self.put(&Addenda::Iat(a.clone()).to_bytes()?)?;
        }
        Ok(())
    }

    /// Writes an ADV entry and its optional addenda 99 (the only addenda an ADV entry
    /// carries, as in moov-io/ach `batch.go`); the addenda record indicator is filled in
    /// here. The sequence number is the caller's (it must ascend within the batch).
    pub fn adv_entry(
        &mut self,
        entry: &AdvEntryDetail,
        addenda: Option<&Addenda99>,
    ) -> Result<(), Error> {
        self.expect_adv(true)?;
        let mut e = entry.clone();
        e.addenda_record_indicator = u8::from(addenda.is_some());
        let credit = adv_is_credit(e.transaction_code).ok_or_else(|| Error::Field {
            field: "transaction_code",
            reason: format!("{:02} is not an ADV code (81-88)", e.transaction_code),
        })?;
        // Encode before counting, so a value that does not fit leaves the totals alone.
        let rec = e.to_bytes()?;
        let add = addenda
            .map(|a| Addenda::Return(a.clone()).to_bytes())
            .transpose()?;
        let b = self
            .batch
            .as_mut()
            .ok_or(Error::Sequence("entry outside a batch"))?;
        let overflow = |field| Error::Overflow { field };
        if credit {
            b.credit = b
                .credit
                .checked_add(e.amount)
                .ok_or(overflow("total_credit_entry_dollar_amount"))?;
        } else {
            b.debit = b
                .debit
                .checked_add(e.amount)
                .ok_or(overflow("total_debit_entry_dollar_amount"))?;
        }
        b.entry_addenda += 1 + u64::from(add.is_some());
        b.hash = (b.hash + u64::from(e.receiving_dfi_identification)) % HASH_MODULUS;
        self.put(&rec)?;
        if let Some(a) = add {
            self.put(&a)?;
        }
        Ok(())
    }

    /// Fails unless a batch is open and is (`adv`) or is not an ADV batch.
    fn expect_adv(&self, adv: bool) -> Result<(), Error> {
        match &self.batch {
            None => Err(Error::Sequence("entry outside a batch")),
            Some(b) if b.adv != adv => Err(Error::Sequence(if adv {
                "adv_entry outside an ADV batch"
            } else {
                "an ADV batch takes adv_entry"
            })),
            Some(_) => Ok(()),
        }
    }

    fn count_entry(
        &mut self,
        code: u8,
        rdfi: u32,
        amount: u64,
        addenda: usize,
    ) -> Result<(), Error> {
        let b = self
            .batch
            .as_mut()
            .ok_or(Error::Sequence("entry outside a batch"))?;
        b.entry_addenda += 1 + addenda as u64;
        b.hash = (b.hash + u64::from(rdfi)) % HASH_MODULUS;
        let overflow = |field| Error::Overflow { field };
        match family_is_credit(code) {
            Some(true) => {
                b.credit = b
                    .credit
                    .checked_add(amount)
                    .ok_or(overflow("total_credit_entry_dollar_amount"))?
            }
            Some(false) => {
                b.debit = b
                    .debit
                    .checked_add(amount)
                    .ok_or(overflow("total_debit_entry_dollar_amount"))?
            }
            None => {
                return Err(Error::Field {
                    field: "transaction_code",
                    reason: format!("{code:02} is neither a debit nor a credit"),
                })
            }
        }
        Ok(())
    }

    /// Closes the batch with its computed control record (returned).
    pub fn end_batch(&mut self) -> Result<BatchControl, Error> {
        if self.batch.as_ref().is_some_and(|b| b.adv) {
            return Err(Error::Sequence("an ADV batch is closed with end_adv_batch"));
        }
        let b = self
            .batch
            .take()
            .ok_or(Error::Sequence("end_batch without an open batch"))?;
        let control = BatchControl {
            service_class_code: b.service_class_code,
            entry_addenda_count: u32::try_from(b.entry_addenda).map_err(|_| Error::Overflow {
                field: "entry_addenda_count",
            })?,
            entry_hash: b.hash,
            total_debit_entry_dollar_amount: b.debit,
            total_credit_entry_dollar_amount: b.credit,
            company_identification: b.company_identification.clone(),
            message_authentication_code: String::new(),
            originating_dfi_identification: b.odfi,
            batch_number: b.batch_number,
        };
        self.put(&control.to_bytes()?)?;
        self.entry_addenda += b.entry_addenda;
        self.hash = (self.hash + b.hash) % HASH_MODULUS;
        self.debit = self.debit.saturating_add(b.debit);
        self.credit = self.credit.saturating_add(b.credit);
        Ok(control)
    }

    /// Closes the ADV batch with its computed ADV control record (returned).
    pub fn end_adv_batch(&mut self) -> Result<AdvBatchControl, Error> {
        if self.batch.as_ref().is_some_and(|b| !b.adv) {
            return Err(Error::Sequence("end_adv_batch closes an ADV batch only"));
        }
        let b = self
            .batch
            .take()
            .ok_or(Error::Sequence("end_batch without an open batch"))?;
        let control = AdvBatchControl {
            service_class_code: b.service_class_code,
            entry_addenda_count: u32::try_from(b.entry_addenda).map_err(|_| Error::Overflow {
                field: "entry_addenda_count",
            })?,
            entry_hash: b.hash,
            total_debit_entry_dollar_amount: b.debit,
            total_credit_entry_dollar_amount: b.credit,
            ach_operator_data: b.company_identification.clone(),
            originating_dfi_identification: b.odfi,
            batch_number: b.batch_number,
        };
        self.put(&control.to_bytes()?)?;
        let overflow = |field| Error::Overflow { field };
        self.entry_addenda += b.entry_addenda;
        self.hash = (self.hash + b.hash) % HASH_MODULUS;
        self.debit = self
            .debit
            .checked_add(b.debit)
            .ok_or(overflow("total_debit_entry_dollar_amount_in_file"))?;
        self.credit = self
            .credit
            .checked_add(b.credit)
            .ok_or(overflow("total_credit_entry_dollar_amount_in_file"))?;
        Ok(control)
    }

    /// Writes the file control (the ADV layout for a file of ADV batches) and the
    /// filler records; returns the output.
    pub fn finish(mut self) -> Result<W, Error> {
        if self.batch.is_some() {
            return Err(Error::Sequence("finish while a batch is open"));
        }
        let total = self.records + 1;
        let blocks = total.div_ceil(10);
        let too_big = |field| Error::Overflow { field };
        let control = FileControl {
            batch_count: u32::try_from(self.batch_count).map_err(|_| too_big("batch_count"))?,
            block_count: u32::try_from(blocks).map_err(|_| too_big("block_count"))?,
            entry_addenda_count: u32::try_from(self.entry_addenda)
                .map_err(|_| too_big("entry_addenda_count"))?,
            entry_hash: self.hash,
            total_debit_entry_dollar_amount_in_file: self.debit,
            total_credit_entry_dollar_amount_in_file: self.credit,
        };
        let rec = if self.adv_file == Some(true) {
            AdvFileControl {
                batch_count: control.batch_count,
                block_count: control.block_count,
                entry_addenda_count: control.entry_addenda_count,
                entry_hash: control.entry_hash,
                total_debit_entry_dollar_amount_in_file: control
                    .total_debit_entry_dollar_amount_in_file,
                total_credit_entry_dollar_amount_in_file: control
                    .total_credit_entry_dollar_amount_in_file,
            }
            .to_bytes()?
        } else {
            control.to_bytes()?
        };
        self.put(&rec)?;
        while !self.records.is_multiple_of(10) {
            self.put(&[b'9'; 94])?;
        }
        self.out.flush()?;
        Ok(self.out)
    }
}

/// A whole file in memory (non-IAT batches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NachaFile {
    /// The file header.
    pub header: FileHeader,
    /// The batches, in order.
    pub batches: Vec<Batch>,
}

/// A batch: its header and entries (controls are computed when writing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The batch header.
    pub header: BatchHeader,
    /// The entries, in order.
    pub entries: Vec<Entry>,
}

/// An entry with its addenda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry detail record.
    pub detail: EntryDetail,
    /// Its addenda records.
    pub addenda: Vec<Addenda>,
}

impl NachaFile {
    /// Writes the file, computing every control field and the filler.
    pub fn write<W: Write>(&self, out: W, ending: LineEnding) -> Result<W, Error> {
        let mut w = FileWriter::new(out, &self.header, ending)?;
        for b in &self.batches {
            w.begin_batch(&b.header)?;
            for e in &b.entries {
                w.entry(&e.detail, &e.addenda)?;
            }
            w.end_batch()?;
        }
        w.finish()
    }

    /// Reads a file into memory. Control records are not kept (they are
    /// recomputed on writing); to check them, use [`validate`](crate::validate).
    /// IAT and ADV batches are not supported here: use [`TypedReader`].
    pub fn read<R: BufRead>(input: R) -> Result<NachaFile, Error> {
        let mut header = None;
        let mut batches: Vec<Batch> = Vec::new();
        for item in TypedReader::new(input) {
            let (raw, rec) = item?;
            let misplaced = || Error::Invalid(format!("line {}: record out of order", raw.line));
            match rec {
                Record::FileHeader(h) => header = Some(h),
                Record::BatchHeader(h) if h.sec_code == crate::SecCode::Adv => {
                    return Err(Error::Invalid(
                        "ADV batches are not supported by NachaFile; use TypedReader".into(),
                    ))
                }
                Record::BatchHeader(h) => batches.push(Batch {
                    header: h,
                    entries: Vec::new(),
                }),
                Record::IatBatchHeader(_) | Record::IatEntryDetail(_) => {
                    return Err(Error::Invalid(
                        "IAT batches are not supported by NachaFile; use TypedReader".into(),
                    ))
                }
                Record::EntryDetail(d) => {
                    batches
                        .last_mut()
                        .ok_or_else(misplaced)?
                        .entries
                        .push(Entry {
                            detail: d,
                            addenda: Vec::new(),
                        })
                }
                Record::Addenda(a) => batches
                    .last_mut()
                    .and_then(|b| b.entries.last_mut())
                    .ok_or_else(misplaced)?
                    .addenda
                    .push(a),
                // Unreachable after an ADV batch header was refused, but matched for totality.
                Record::AdvEntryDetail(_) => {
                    return Err(Error::Invalid(
                        "ADV batches are not supported by NachaFile; use TypedReader".into(),
                    ))
                }
                Record::BatchControl(_)
                | Record::AdvBatchControl(_)
                | Record::FileControl(_)
                | Record::AdvFileControl(_)
                | Record::Filler => {}
            }
        }
        let header = header.ok_or_else(|| Error::Invalid("no file header".into()))?;
        Ok(NachaFile { header, batches })
    }
}
