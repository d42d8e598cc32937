//! Entry detail record (type 6), spec 06 §9.4.

use super::fields::{blank, number, number_as, put_num, put_text, text, Buf};
use crate::error::{Error, ParseError};
use crate::layout::entry as f;

/// An entry detail record of any SEC code but IAT.
///
/// Positions 40–54 and 55–76 change meaning with the SEC code; the fields are
/// named after the PPD layout:
///
/// | SEC | `identification_number` (40–54) | `individual_name` (55–76) |
/// |---|---|---|
/// | PPD, WEB, TEL, most others | individual identification number | individual name |
/// | CCD | identification number | receiving company name |
/// | CIE | individual name (15) | individual identification number (22) |
/// | ARC, BOC, POP, RCK | check serial number | individual name |
/// | CTX | identification number | addenda count (4) + receiving company name (16) + reserved |
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntryDetail {
    /// Two-digit transaction code (spec 06 §9.11).
    pub transaction_code: u8,
    /// First 8 digits of the RDFI routing number.
    pub receiving_dfi_identification: u32,
    /// 9th digit of the RDFI routing number.
    pub check_digit: u8,
    /// Receiver's account number.
    pub dfi_account_number: String,
    /// Amount in cents.
    pub amount: u64,
    /// Positions 40–54 (see the table above).
    pub identification_number: String,
    /// Positions 55–76 (see the table above).
    pub individual_name: String,
    /// Discretionary data; WEB/TEL payment type code `R` or `S`.
    pub discretionary_data: String,
    /// `1` when addenda follow (the writer sets it from the addenda given).
    pub addenda_record_indicator: u8,
    /// ODFI identification (8) + entry sequence number (7).
    pub trace_number: u64,
}

impl EntryDetail {
    /// Reads a 94-byte type-6 record.
    pub fn parse(r: &Buf) -> Result<Self, ParseError> {
        Ok(EntryDetail {
            transaction_code: number_as(r, f::TRANSACTION_CODE)?,
            receiving_dfi_identification: number_as(r, f::RDFI)?,
            check_digit: number_as(r, f::CHECK_DIGIT)?,
            dfi_account_number: text(r, f::DFI_ACCOUNT_NUMBER),
            amount: number(r, f::AMOUNT)?,
            identification_number: text(r, f::ID_15),
            individual_name: text(r, f::NAME_22),
            discretionary_data: text(r, f::DISCRETIONARY_DATA),
            addenda_record_indicator: number_as(r, f::ADDENDA_RECORD_INDICATOR)?,
            trace_number: number(r, f::TRACE_NUMBER)?,
        })
    }

    /// Writes the record.
    pub fn to_bytes(&self) -> Result<Buf, Error> {
        let mut r = blank(b'6');
        put_num(&mut r, f::TRANSACTION_CODE, self.transaction_code.into())?;
        put_num(&mut r, f::RDFI, self.receiving_dfi_identification.into())?;
        put_num(&mut r, f::CHECK_DIGIT, self.check_digit.into())?;
        put_text(&mut r, f::DFI_ACCOUNT_NUMBER, &self.dfi_account_number)?;
        put_num(&mut r, f::AMOUNT, self.amount)?;
        put_text(&mut r, f::ID_15, &self.identification_number)?;
        put_text(&mut r, f::NAME_22, &self.individual_name)?;
        put_text(&mut r, f::DISCRETIONARY_DATA, &self.discretionary_data)?;
        put_num(
            &mut r,
            f::ADDENDA_RECORD_INDICATOR,
            self.addenda_record_indicator.into(),
        )?;
        put_num(&mut r, f::TRACE_NUMBER, self.trace_number)?;
        Ok(r)
    }

    /// The full 9-digit RDFI routing number.
    pub fn routing_number(&self) -> String {
        format!(
            "{:08}{}",
            self.receiving_dfi_identification, self.check_digit
        )
    }
}
