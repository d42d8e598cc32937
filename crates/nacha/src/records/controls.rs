//! Batch control (type 8) and file control (type 9), spec 06 §9.8–9.9.

use super::fields::{blank, number, number_as, put_num, put_text, text, Buf};
use crate::error::{Error, ParseError};
use crate::layout::{batch_control as b, file_control as f};

/// A batch control record. The writer computes it; it is parsed for readers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BatchControl {
    /// Same as the batch header's.
    pub service_class_code: u16,
    /// Entry plus addenda records in the batch.
    pub entry_addenda_count: u32,
    /// Sum of RDFI identifications, rightmost 10 digits.
    pub entry_hash: u64,
    /// Debit total in cents.
    pub total_debit_entry_dollar_amount: u64,
    /// Credit total in cents.
    pub total_credit_entry_dollar_amount: u64,
    /// Same as the batch header's.
    pub company_identification: String,
    /// Usually blank.
    pub message_authentication_code: String,
    /// Same as the batch header's.
    pub originating_dfi_identification: u32,
    /// Same as the batch header's.
    pub batch_number: u32,
}

impl BatchControl {
    /// Reads a 94-byte type-8 record.
    pub fn parse(r: &Buf) -> Result<Self, ParseError> {
        Ok(BatchControl {
            service_class_code: number_as(r, b::SERVICE_CLASS_CODE)?,
            entry_addenda_count: number_as(r, b::ENTRY_ADDENDA_COUNT)?,
            entry_hash: number(r, b::ENTRY_HASH)?,
            total_debit_entry_dollar_amount: number(r, b::TOTAL_DEBIT)?,
            total_credit_entry_dollar_amount: number(r, b::TOTAL_CREDIT)?,
            company_identification: text(r, b::COMPANY_IDENTIFICATION),
            message_authentication_code: text(r, b::MESSAGE_AUTHENTICATION_CODE),
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
        put_num(&mut r, b::TOTAL_DEBIT, self.total_debit_entry_dollar_amount)?;
        put_num(
            &mut r,
            b::TOTAL_CREDIT,
            self.total_credit_entry_dollar_amount,
        )?;
        put_text(
            &mut r,
            b::COMPANY_IDENTIFICATION,
            &self.company_identification,
        )?;
        put_text(
            &mut r,
            b::MESSAGE_AUTHENTICATION_CODE,
            &self.message_authentication_code,
        )?;
        put_num(&mut r, b::ODFI, self.originating_dfi_identification.into())?;
        put_num(&mut r, b::BATCH_NUMBER, self.batch_number.into())?;
        Ok(r)
    }
}

/// A file control record. The writer computes it; it is parsed for readers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileControl {
    /// Number of batches.
    pub batch_count: u32,
    /// Records (filler included) divided by 10.
    pub block_count: u32,
    /// Entry plus addenda records in the file.
    pub entry_addenda_count: u32,
    /// Sum of batch entry hashes, rightmost 10 digits.
    pub entry_hash: u64,
    /// Debit total in cents.
    pub total_debit_entry_dollar_amount_in_file: u64,
    /// Credit total in cents.
    pub total_credit_entry_dollar_amount_in_file: u64,
}

impl FileControl {
    /// Reads a 94-byte type-9 record.
    pub fn parse(r: &Buf) -> Result<Self, ParseError> {
        Ok(FileControl {
            batch_count: number_as(r, f::BATCH_COUNT)?,
            block_count: number_as(r, f::BLOCK_COUNT)?,
            entry_addenda_count: number_as(r, f::ENTRY_ADDENDA_COUNT)?,
            entry_hash: number(r, f::ENTRY_HASH)?,
            total_debit_entry_dollar_amount_in_file: number(r, f::TOTAL_DEBIT)?,
            total_credit_entry_dollar_amount_in_file: number(r, f::TOTAL_CREDIT)?,
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
            f::TOTAL_DEBIT,
            self.total_debit_entry_dollar_amount_in_file,
        )?;
        put_num(
            &mut r,
            f::TOTAL_CREDIT,
            self.total_credit_entry_dollar_amount_in_file,
        )?;
        Ok(r)
    }
}
