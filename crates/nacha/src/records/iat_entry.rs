//! IAT entry detail record (type 6 in an IAT batch).

use super::fields::{blank, number, number_as, put_num, put_text, text, Buf};
use crate::error::{Error, ParseError};
use crate::layout::{entry as e, iat_entry as f};

/// An International ACH Transaction entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IatEntryDetail {
    /// Transaction code.
    pub transaction_code: u8,
    /// Gateway operator or RDFI identification (8 digits).
    pub receiving_dfi_identification: u32,
    /// Check digit.
    pub check_digit: u8,
    /// Number of addenda records that follow.
    pub number_of_addenda_records: u16,
    /// Amount in cents.
    pub amount: u64,
    /// Foreign receiver's account number.
    pub foreign_receivers_account_number: String,
    /// Gateway operator OFAC screening indicator.
    pub gateway_operator_ofac_screening_indicator: String,
    /// Secondary OFAC screening indicator.
    pub secondary_ofac_screening_indicator: String,
    /// Always `1` for IAT.
    pub addenda_record_indicator: u8,
    /// Trace number.
    pub trace_number: u64,
}

impl IatEntryDetail {
    /// Reads a 94-byte IAT entry.
    pub fn parse(r: &Buf) -> Result<Self, ParseError> {
        Ok(IatEntryDetail {
            transaction_code: number_as(r, e::TRANSACTION_CODE)?,
            receiving_dfi_identification: number_as(r, e::RDFI)?,
            check_digit: number_as(r, e::CHECK_DIGIT)?,
            number_of_addenda_records: number_as(r, f::NUMBER_OF_ADDENDA_RECORDS)?,
            amount: number(r, e::AMOUNT)?,
            foreign_receivers_account_number: text(r, f::FOREIGN_RECEIVERS_ACCOUNT_NUMBER),
            gateway_operator_ofac_screening_indicator: text(r, f::GATEWAY_OFAC),
            secondary_ofac_screening_indicator: text(r, f::SECONDARY_OFAC),
            addenda_record_indicator: number_as(r, e::ADDENDA_RECORD_INDICATOR)?,
            trace_number: number(r, e::TRACE_NUMBER)?,
        })
    }

    /// Writes the record.
    pub fn to_bytes(&self) -> Result<Buf, Error> {
        let mut r = blank(b'6');
        put_num(&mut r, e::TRANSACTION_CODE, self.transaction_code.into())?;
        put_num(&mut r, e::RDFI, self.receiving_dfi_identification.into())?;
        put_num(&mut r, e::CHECK_DIGIT, self.check_digit.into())?;
        put_num(
            &mut r,
            f::NUMBER_OF_ADDENDA_RECORDS,
            self.number_of_addenda_records.into(),
        )?;
        put_num(&mut r, e::AMOUNT, self.amount)?;
        put_text(
            &mut r,
            f::FOREIGN_RECEIVERS_ACCOUNT_NUMBER,
            &self.foreign_receivers_account_number,
        )?;
        put_text(
            &mut r,
            f::GATEWAY_OFAC,
            &self.gateway_operator_ofac_screening_indicator,
        )?;
        put_text(
            &mut r,
            f::SECONDARY_OFAC,
            &self.secondary_ofac_screening_indicator,
        )?;
        put_num(
            &mut r,
            e::ADDENDA_RECORD_INDICATOR,
            self.addenda_record_indicator.into(),
        )?;
        put_num(&mut r, e::TRACE_NUMBER, self.trace_number)?;
        Ok(r)
    }
}
