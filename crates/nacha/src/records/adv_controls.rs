//! ADV batch control (type 8 in an ADV batch) and ADV file control (type 9 of a file of
//! ADV batches): public Nacha layout (moov-io/ach `advBatchControl.go`,
//! `advFileControl.go`), spec 06 §9 source basis. Their totals are 20 digits wide.

use super::fields::{blank, number, number_as, number_wide, put_num, put_text, text, Buf};
use crate::error::{Error, ParseError};
use crate::layout::{
    adv_batch_control as ab, adv_file_control as af, batch_control as b, file_control as f,
};

/// The control record of an ADV batch. The writer computes it; it is parsed for readers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdvBatchControl {
    /// Same as the batch header's (280), positions 2–4.
    pub service_class_code: u16,
    /// Entry plus addenda records in the batch, positions 5–10.
    pub entry_addenda_count: u32,
    /// Sum of RDFI identifications, rightmost 10 digits, positions 11–20.
    pub entry_hash: u64,
    /// Debit total in cents (codes 82, 84, 86, 88), positions 21–40.
    pub total_debit_entry_dollar_amount: u64,
    /// Credit total in cents (codes 81, 83, 85, 87), positions 41–60.
    pub total_credit_entry_dollar_amount: u64,
    /// ACH operator data, positions 61–79.
    pub ach_operator_data: String,
    /// Same as the batch header's, positions 80–87.
    pub originating_dfi_identification: u32,
    /// Same as the batch header's, positions 88–94.
    pub batch_number: u32,
}

impl AdvBatchControl {
    /// Reads a 94-byte ADV batch control.
    pub fn parse(r: &Buf) -> Result<Self, ParseError> {
        Ok(AdvBatchControl {
            service_class_code: number_as(r, b::SERVICE_CLASS_CODE)?,
            entry_addenda_count: number_as(r, b::ENTRY_ADDENDA_COUNT)?,
            entry_hash: number(r, b::ENTRY_HASH)?,
            total_debit_entry_dollar_amount: number_wide(r, ab::TOTAL_DEBIT)?,
            total_credit_entry_dollar_amount: number_wide(r, ab::TOTAL_CREDIT)?,
            ach_operator_data: text(r, ab::ACH_OPERATOR_DATA),
            originating_dfi_identification: number_as(r, b::ODFI)?,
            batch_number: number_as(r, b::BATCH_NUMBER)?,
        })
    }

    /// Writes the record.
    pub fn to_bytes(&self) -> Result<Buf, Error> {
        let mut r = blank(b'8');
        put_num(
            &mut r,
            b::SERVICE_CLASS_CODE,
            self.service_class_code.into(),
        )?;
        put_num(
            &mut r,
            b::ENTRY_ADDENDA_COUNT,
            self.entry_addenda_count.into(),
        )?;
        put_num(&mut r, b::ENTRY_HASH, self.entry_hash)?;
        put_num(
            &mut r,
            ab::TOTAL_DEBIT,
            self.total_debit_entry_dollar_amount,
        )?;
        put_num(
            &mut r,
            ab::TOTAL_CREDIT,
            self.total_credit_entry_dollar_amount,
        )?;
        put_text(&mut r, ab::ACH_OPERATOR_DATA, &self.ach_operator_data)?;
        put_num(&mut r, b::ODFI, self.originating_dfi_identification.into())?;
        put_num(&mut r, b::BATCH_NUMBER, self.batch_number.into())?;
        Ok(r)
    }
}

/// The file control record of a file whose batches are ADV. The writer computes it; it
/// is parsed for readers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdvFileControl {
    /// Number of batches, positions 2–7.
    pub batch_count: u32,
    /// Records (filler included) divided by 10, positions 8–13.
    pub block_count: u32,
    /// Entry plus addenda records in the file, positions 14–21.
    pub entry_addenda_count: u32,
    /// Sum of batch entry hashes, rightmost 10 digits, positions 22–31.
    pub entry_hash: u64,
    /// Debit total in cents, positions 32–51.
    pub total_debit_entry_dollar_amount_in_file: u64,
    /// Credit total in cents, positions 52–71 (72–94 reserved, blank).
    pub total_credit_entry_dollar_amount_in_file: u64,
}

impl AdvFileControl {
    /// Reads a 94-byte ADV file control.
    pub fn parse(r: &Buf) -> Result<Self, ParseError> {
        Ok(AdvFileControl {
            batch_count: number_as(r, f::BATCH_COUNT)?,
            block_count: number_as(r, f::BLOCK_COUNT)?,
            entry_addenda_count: number_as(r, f::ENTRY_ADDENDA_COUNT)?,
            entry_hash: number(r, f::ENTRY_HASH)?,
            total_debit_entry_dollar_amount_in_file: number_wide(r, af::TOTAL_DEBIT)?,
            total_credit_entry_dollar_amount_in_file: number_wide(r, af::TOTAL_CREDIT)?,
        })
    }

    /// Writes the record.
    pub fn to_bytes(&self) -> Result<Buf, Error> {
        let mut r = blank(b'9');
        put_num(&mut r, f::BATCH_COUNT, self.batch_count.into())?;
        put_num(&mut r, f::BLOCK_COUNT, self.block_count.into())?;
        put_num(
            &mut r,
            f::ENTRY_ADDENDA_COUNT,
            self.entry_addenda_count.into(),
        )?;
        put_num(&mut r, f::ENTRY_HASH, self.entry_hash)?;
        put_num(
            &mut r,
            af::TOTAL_DEBIT,
            self.total_debit_entry_dollar_amount_in_file,
        )?;
        put_num(
            &mut r,
            af::TOTAL_CREDIT,
            self.total_credit_entry_dollar_amount_in_file,
        )?;
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// moov-io/ach `advBatchControl_test.go`, `testParseADVBatchControl`.
    const MOOV_BC: &[u8; 94] = b"828000000100053200010000000000000001050000000000000000000000T-BANK             076401250000001";

    #[test]
    fn batch_control_parses_and_writes_the_public_sample() {
        let c = AdvBatchControl::parse(MOOV_BC).unwrap();
        assert_eq!(c.service_class_code, 280);
        assert_eq!(c.entry_addenda_count, 1);
        assert_eq!(c.entry_hash, 5_320_001);
        assert_eq!(c.total_debit_entry_dollar_amount, 10_500);
        assert_eq!(c.total_credit_entry_dollar_amount, 0);
        assert_eq!(c.ach_operator_data, "T-BANK");
        assert_eq!(c.originating_dfi_identification, 7_640_125);
        assert_eq!(c.batch_number, 1);
        assert_eq!(&c.to_bytes().unwrap(), MOOV_BC);
    }

    #[test]
    fn file_control_round_trips_and_reads_20_digit_totals() {
        let mut rec = *b"90000010000010000000100053200010000000000000001050000000000000000000000                       ";
        let c = AdvFileControl::parse(&rec).unwrap();
        assert_eq!(c.batch_count, 1);
        assert_eq!(c.block_count, 1);
        assert_eq!(c.entry_addenda_count, 1);
        assert_eq!(c.entry_hash, 5_320_001);
        assert_eq!(c.total_debit_entry_dollar_amount_in_file, 10_500);
        assert_eq!(c.total_credit_entry_dollar_amount_in_file, 0);
        assert_eq!(c.to_bytes().unwrap(), rec);
        // The largest u64 fits the 20-digit field; anything above is out of range, not wrapped.
        let max = AdvFileControl {
            total_credit_entry_dollar_amount_in_file: u64::MAX,
            ..c
        };
        let bytes = max.to_bytes().unwrap();
        assert_eq!(&bytes[51..71], b"18446744073709551615");
        assert_eq!(AdvFileControl::parse(&bytes).unwrap(), max);
        rec[51..71].copy_from_slice(b"99999999999999999999");
        let e = AdvFileControl::parse(&rec).unwrap_err();
        assert_eq!(e.field, "total_credit_entry_dollar_amount_in_file");
        assert!(e.message.contains("out of range"), "{}", e.message);
    }
}
