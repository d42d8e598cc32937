//! Company/batch header record (type 5), spec 06 §9.3.

use super::fields::{blank, date, number_as, put_num, put_text, text, Buf};
use crate::error::{Error, ParseError};
use crate::layout::batch_header as f;
use crate::{Date, SecCode};

/// A batch header for every SEC code except IAT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchHeader {
    /// `200` mixed, `220` credits only, `225` debits only (`280` ADV).
    pub service_class_code: u16,
    /// Originator name as the receiver knows it.
    pub company_name: String,
    /// For the ODFI/originator's use.
    pub company_discretionary_data: String,
    /// Originator identification, commonly `1` + EIN.
    pub company_identification: String,
    /// Standard entry class code.
    pub sec_code: SecCode,
    /// E.g. `PAYROLL`.
    pub company_entry_description: String,
    /// Free-form date text shown to the receiver.
    pub company_descriptive_date: String,
    /// Date the originator intends the entries to settle; `None` when blank, as automated
    /// enrollment (ENR) batches leave it (the validator allows a blank only there).
    pub effective_entry_date: Option<Date>,
    /// Julian settlement date, inserted by the ACH operator (blank on input).
    pub settlement_date: String,
    /// `1` for a DFI bound by the Nacha rules.
    pub originator_status_code: u8,
    /// First 8 digits of the ODFI routing number.
    pub originating_dfi_identification: u32,
    /// Ascending batch number within the file.
    pub batch_number: u32,
}

impl BatchHeader {
    /// Reads a 94-byte type-5 record (non-IAT layout).
    pub fn parse(r: &Buf) -> Result<Self, ParseError> {
        let sec = f::SEC_CODE.get(r);
        Ok(BatchHeader {
            service_class_code: number_as(r, f::SERVICE_CLASS_CODE)?,
            company_name: text(r, f::COMPANY_NAME),
            company_discretionary_data: text(r, f::COMPANY_DISCRETIONARY_DATA),
            company_identification: text(r, f::COMPANY_IDENTIFICATION),
            sec_code: SecCode::from_bytes(sec).ok_or_else(|| ParseError {
                field: f::SEC_CODE.name,
                message: "unknown SEC code".into(),
            })?,
            company_entry_description: text(r, f::COMPANY_ENTRY_DESCRIPTION),
            company_descriptive_date: text(r, f::COMPANY_DESCRIPTIVE_DATE),
            effective_entry_date: if f::EFFECTIVE_ENTRY_DATE.get(r).iter().all(|b| *b == b' ') {
                None
            } else {
                Some(date(r, f::EFFECTIVE_ENTRY_DATE)?)
            },
            settlement_date: text(r, f::SETTLEMENT_DATE),
            originator_status_code: number_as(r, f::ORIGINATOR_STATUS_CODE)?,
            originating_dfi_identification: number_as(r, f::ODFI)?,
            batch_number: number_as(r, f::BATCH_NUMBER)?,
        })
    }

    /// Writes the record.
    pub fn to_bytes(&self) -> Result<Buf, Error> {
        let mut r = blank(b'5');
        put_num(
            &mut r,
            f::SERVICE_CLASS_CODE,
            self.service_class_code.into(),
        )?;
        put_text(&mut r, f::COMPANY_NAME, &self.company_name)?;
        put_text(
            &mut r,
            f::COMPANY_DISCRETIONARY_DATA,
            &self.company_discretionary_data,
        )?;
        put_text(
            &mut r,
            f::COMPANY_IDENTIFICATION,
            &self.company_identification,
        )?;
        put_text(&mut r, f::SEC_CODE, self.sec_code.as_str())?;
        put_text(
            &mut r,
            f::COMPANY_ENTRY_DESCRIPTION,
            &self.company_entry_description,
        )?;
        put_text(
            &mut r,
            f::COMPANY_DESCRIPTIVE_DATE,
            &self.company_descriptive_date,
        )?;
        put_text(
            &mut r,
            f::EFFECTIVE_ENTRY_DATE,
            &self
                .effective_entry_date
                .map_or_else(String::new, |d| d.to_yymmdd()),
        )?;
        put_text(&mut r, f::SETTLEMENT_DATE, &self.settlement_date)?;
        put_num(
            &mut r,
            f::ORIGINATOR_STATUS_CODE,
            self.originator_status_code.into(),
        )?;
        put_num(&mut r, f::ODFI, self.originating_dfi_identification.into())?;
        put_num(&mut r, f::BATCH_NUMBER, self.batch_number.into())?;
        Ok(r)
    }
}
