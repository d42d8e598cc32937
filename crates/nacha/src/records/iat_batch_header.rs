//! IAT batch header record (type 5 with SEC `IAT`).

use super::fields::{blank, date, number_as, put_num, put_text, text, Buf};
use crate::error::{Error, ParseError};
use crate::layout::{batch_header as b, iat_batch_header as f};
use crate::Date;

/// The batch header of an International ACH Transaction batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IatBatchHeader {
    /// `200`, `220` or `225`.
    pub service_class_code: u16,
    /// Blank, or `IATCOR` for IAT NOCs.
    pub iat_indicator: String,
    /// `FV`, `VF` or `FF`.
    pub foreign_exchange_indicator: String,
    /// `1`, `2` or `3`.
    pub foreign_exchange_reference_indicator: u8,
    /// Exchange rate or reference.
    pub foreign_exchange_reference: String,
    /// ISO 3166 destination country.
    pub iso_destination_country_code: String,
    /// Originator identification.
    pub originator_identification: String,
    /// Company entry description.
    pub company_entry_description: String,
    /// ISO 4217 originating currency.
    pub iso_originating_currency_code: String,
    /// ISO 4217 destination currency.
    pub iso_destination_currency_code: String,
    /// Effective entry date.
    pub effective_entry_date: Date,
    /// Julian settlement date (blank on input).
    pub settlement_date: String,
    /// Originator status code.
    pub originator_status_code: u8,
    /// Gateway operator / ODFI identification (8 digits).
    pub originating_dfi_identification: u32,
    /// Batch number.
    pub batch_number: u32,
}

impl IatBatchHeader {
    /// Reads a 94-byte IAT batch header.
    pub fn parse(r: &Buf) -> Result<Self, ParseError> {
        Ok(IatBatchHeader {
            service_class_code: number_as(r, b::SERVICE_CLASS_CODE)?,
            iat_indicator: text(r, f::IAT_INDICATOR),
            foreign_exchange_indicator: text(r, f::FOREIGN_EXCHANGE_INDICATOR),
            foreign_exchange_reference_indicator: number_as(
                r,
                f::FOREIGN_EXCHANGE_REFERENCE_INDICATOR,
            )?,
            foreign_exchange_reference: text(r, f::FOREIGN_EXCHANGE_REFERENCE),
            iso_destination_country_code: text(r, f::ISO_DESTINATION_COUNTRY_CODE),
            originator_identification: text(r, f::ORIGINATOR_IDENTIFICATION),
            company_entry_description: text(r, b::COMPANY_ENTRY_DESCRIPTION),
            iso_originating_currency_code: text(r, f::ISO_ORIGINATING_CURRENCY_CODE),
            iso_destination_currency_code: text(r, f::ISO_DESTINATION_CURRENCY_CODE),
            effective_entry_date: date(r, b::EFFECTIVE_ENTRY_DATE)?,
            settlement_date: text(r, b::SETTLEMENT_DATE),
            originator_status_code: number_as(r, b::ORIGINATOR_STATUS_CODE)?,
            originating_dfi_identification: number_as(r, b::ODFI)?,
            batch_number: number_as(r, b::BATCH_NUMBER)?,
        })
    }

    /// Writes the record.
    pub fn to_bytes(&self) -> Result<Buf, Error> {
        let mut r = blank(b'5');
        put_num(
            &mut r,
            b::SERVICE_CLASS_CODE,
            self.service_class_code.into(),
        )?;
        put_text(&mut r, f::IAT_INDICATOR, &self.iat_indicator)?;
        put_text(
            &mut r,
            f::FOREIGN_EXCHANGE_INDICATOR,
            &self.foreign_exchange_indicator,
        )?;
        put_num(
            &mut r,
            f::FOREIGN_EXCHANGE_REFERENCE_INDICATOR,
            self.foreign_exchange_reference_indicator.into(),
        )?;
        put_text(
            &mut r,
            f::FOREIGN_EXCHANGE_REFERENCE,
            &self.foreign_exchange_reference,
        )?;
        put_text(
            &mut r,
            f::ISO_DESTINATION_COUNTRY_CODE,
            &self.iso_destination_country_code,
        )?;
        put_text(
            &mut r,
            f::ORIGINATOR_IDENTIFICATION,
            &self.originator_identification,
        )?;
        put_text(&mut r, b::SEC_CODE, "IAT")?;
        put_text(
            &mut r,
            b::COMPANY_ENTRY_DESCRIPTION,
            &self.company_entry_description,
        )?;
        put_text(
            &mut r,
            f::ISO_ORIGINATING_CURRENCY_CODE,
            &self.iso_originating_currency_code,
        )?;
        put_text(
            &mut r,
            f::ISO_DESTINATION_CURRENCY_CODE,
            &self.iso_destination_currency_code,
        )?;
        put_text(
            &mut r,
            b::EFFECTIVE_ENTRY_DATE,
            &self.effective_entry_date.to_yymmdd(),
        )?;
        put_text(&mut r, b::SETTLEMENT_DATE, &self.settlement_date)?;
        put_num(
            &mut r,
            b::ORIGINATOR_STATUS_CODE,
            self.originator_status_code.into(),
        )?;
        put_num(&mut r, b::ODFI, self.originating_dfi_identification.into())?;
        put_num(&mut r, b::BATCH_NUMBER, self.batch_number.into())?;
        Ok(r)
    }
}
