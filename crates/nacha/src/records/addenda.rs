//! Addenda records (type 7): 02, 05, 98, 99 and the IAT addenda 10–18.

use super::fields::{blank, number, number_as, put_num, put_text, text, Buf};
use crate::error::{Error, ParseError};
use crate::layout::addenda as f;
use crate::layout::Field;
use crate::reasons::ReturnKind;
use crate::Date;

/// Any addenda record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addenda {
    /// `02`: point-of-sale terminal data (POS, SHR, MTE).
    PointOfSale(Addenda02),
    /// `05`: payment-related information.
    PaymentRelated(Addenda05),
    /// `98`: notification of change.
    Notification(Addenda98),
    /// `99`: return.
    Return(Addenda99),
    /// `99` with R61, R67–R70: dishonored return.
    DishonoredReturn(Addenda99Dishonored),
    /// `99` with R71–R77: contested dishonored return.
    ContestedReturn(Addenda99Contested),
    /// `10`–`18`: IAT addenda.
    Iat(IatAddenda),
}

impl Addenda {
    /// Reads a 94-byte type-7 record, choosing the layout by addenda type code.
    pub fn parse(r: &Buf) -> Result<Self, ParseError> {
        let t: u8 = number_as(r, f::TYPE_CODE)?;
        Ok(match t {
            2 => Addenda::PointOfSale(Addenda02::parse(r)?),
            5 => Addenda::PaymentRelated(Addenda05::parse(r)?),
            98 => Addenda::Notification(Addenda98::parse(r)?),
            99 => match crate::reasons::return_kind(f::RETURN_REASON_CODE.get(r)) {
                ReturnKind::Return => Addenda::Return(Addenda99::parse(r)?),
                ReturnKind::Dishonored => Addenda::DishonoredReturn(Addenda99Dishonored::parse(r)?),
                ReturnKind::Contested => Addenda::ContestedReturn(Addenda99Contested::parse(r)?),
            },
            10..=18 => Addenda::Iat(IatAddenda { record: *r }),
            _ => {
                return Err(ParseError {
                    field: f::TYPE_CODE.name,
                    message: format!("unknown addenda type {t:02}"),
                })
            }
        })
    }

    /// Writes the record.
    pub fn to_bytes(&self) -> Result<Buf, Error> {
        match self {
            Addenda::PointOfSale(a) => a.to_bytes(),
            Addenda::PaymentRelated(a) => a.to_bytes(),
            Addenda::Notification(a) => a.to_bytes(),
            Addenda::Return(a) => a.to_bytes(),
            Addenda::DishonoredReturn(a) => a.to_bytes(),
            Addenda::ContestedReturn(a) => a.to_bytes(),
            Addenda::Iat(a) => Ok(a.record),
        }
    }
}

/// Addenda `05`: payment-related information (spec 06 §9.5).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Addenda05 {
    /// Free text or ANSI X12 segments (80).
    pub payment_related_information: String,
    /// 1 for the first addenda of an entry (the writer numbers them).
    pub addenda_sequence_number: u16,
    /// Last 7 digits of the entry's trace number (the writer fills it).
    pub entry_detail_sequence_number: u32,
}

impl Addenda05 {
    /// An addenda 05 with this text; the writer fills the sequence numbers.
    pub fn new(payment_related_information: impl Into<String>) -> Self {
        Addenda05 {
            payment_related_information: payment_related_information.into(),
            ..Addenda05::default()
        }
    }

    fn parse(r: &Buf) -> Result<Self, ParseError> {
        Ok(Addenda05 {
            payment_related_information: text(r, f::PAYMENT_RELATED_INFORMATION),
            addenda_sequence_number: number_as(r, f::ADDENDA_SEQUENCE_NUMBER)?,
            entry_detail_sequence_number: number_as(r, f::ENTRY_DETAIL_SEQUENCE_NUMBER)?,
        })
    }

    fn to_bytes(&self) -> Result<Buf, Error> {
        let mut r = blank(b'7');
        put_num(&mut r, f::TYPE_CODE, 5)?;
        put_text(
            &mut r,
            f::PAYMENT_RELATED_INFORMATION,
            &self.payment_related_information,
        )?;
        put_num(
            &mut r,
            f::ADDENDA_SEQUENCE_NUMBER,
            self.addenda_sequence_number.into(),
        )?;
        put_num(
            &mut r,
            f::ENTRY_DETAIL_SEQUENCE_NUMBER,
            self.entry_detail_sequence_number.into(),
        )?;
        Ok(r)
    }
}

/// Addenda `98`: notification of change (spec 06 §9.6).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Addenda98 {
    /// `C01`…
    pub change_code: String,
    /// Trace number of the entry being corrected.
    pub original_entry_trace_number: u64,
    /// First 8 digits of the original entry's RDFI routing number.
    pub original_receiving_dfi_identification: u32,
    /// Corrected data laid out per change code (29, spec 06 §9.10).
    pub corrected_data: String,
    /// Trace number of the NOC entry (the writer fills it).
    pub trace_number: u64,
}

impl Addenda98 {
    fn parse(r: &Buf) -> Result<Self, ParseError> {
        Ok(Addenda98 {
            change_code: text(r, f::CHANGE_CODE),
            original_entry_trace_number: number(r, f::ORIGINAL_TRACE)?,
            original_receiving_dfi_identification: number_as(r, f::ORIGINAL_RDFI)?,
            corrected_data: text(r, f::CORRECTED_DATA),
            trace_number: number(r, f::TRACE_NUMBER)?,
        })
    }

    fn to_bytes(&self) -> Result<Buf, Error> {
        let mut r = blank(b'7');
        put_num(&mut r, f::TYPE_CODE, 98)?;
        put_text(&mut r, f::CHANGE_CODE, &self.change_code)?;
        put_num(&mut r, f::ORIGINAL_TRACE, self.original_entry_trace_number)?;
        put_num(
            &mut r,
            f::ORIGINAL_RDFI,
            self.original_receiving_dfi_identification.into(),
        )?;
        put_text(&mut r, f::CORRECTED_DATA, &self.corrected_data)?;
        put_num(&mut r, f::TRACE_NUMBER, self.trace_number)?;
        Ok(r)
    }
}

/// Addenda `99`: return (spec 06 §9.7).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Addenda99 {
    /// `R01`…
    pub return_reason_code: String,
    /// Trace number of the entry being returned.
    pub original_entry_trace_number: u64,
    /// Only for R14/R15.
    pub date_of_death: Option<Date>,
    /// First 8 digits of the original entry's RDFI routing number.
    pub original_receiving_dfi_identification: u32,
    /// Free text (44).
    pub addenda_information: String,
    /// Trace number of the return entry (the writer fills it).
    pub trace_number: u64,
}

impl Addenda99 {
    fn parse(r: &Buf) -> Result<Self, ParseError> {
        let dod = f::DATE_OF_DEATH.get(r);
        Ok(Addenda99 {
            return_reason_code: text(r, f::RETURN_REASON_CODE),
            original_entry_trace_number: number(r, f::ORIGINAL_TRACE)?,
            date_of_death: Date::from_yymmdd(dod),
            original_receiving_dfi_identification: number_as(r, f::ORIGINAL_RDFI)?,
            addenda_information: text(r, f::ADDENDA_INFORMATION),
            trace_number: number(r, f::TRACE_NUMBER)?,
        })
    }

    fn to_bytes(&self) -> Result<Buf, Error> {
        let mut r = blank(b'7');
        put_num(&mut r, f::TYPE_CODE, 99)?;
        put_text(&mut r, f::RETURN_REASON_CODE, &self.return_reason_code)?;
        put_num(&mut r, f::ORIGINAL_TRACE, self.original_entry_trace_number)?;
        if let Some(d) = self.date_of_death {
            put_text(&mut r, f::DATE_OF_DEATH, &d.to_yymmdd())?;
        }
        put_num(
            &mut r,
            f::ORIGINAL_RDFI,
            self.original_receiving_dfi_identification.into(),
        )?;
        put_text(&mut r, f::ADDENDA_INFORMATION, &self.addenda_information)?;
        put_num(&mut r, f::TRACE_NUMBER, self.trace_number)?;
        Ok(r)
    }
}

/// Addenda `99` of a dishonored return (R61, R67–R70): the ODFI refuses a return of its entry.
/// Public Nacha layout (moov-io/ach `addenda99_dishonored_return.go`), spec 06 §9 source basis.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Addenda99Dishonored {
    /// `R61`, `R67`–`R70`.
    pub dishonored_return_reason_code: String,
    /// Trace number of the entry that was returned.
    pub original_entry_trace_number: u64,
    /// First 8 digits of the original entry's RDFI routing number.
    pub original_receiving_dfi_identification: u32,
    /// Trace number of the return being dishonored.
    pub return_trace_number: u64,
    /// The return's settlement date, Julian day `001`–`366` (blank when unknown).
    pub return_settlement_date: String,
    /// The return's reason code without its `R` (`01` for R01).
    pub return_reason_code: String,
    /// Free text (21).
    pub addenda_information: String,
    /// Trace number of the dishonored return entry (the writer fills it).
    pub trace_number: u64,
}

impl Addenda99Dishonored {
    fn parse(r: &Buf) -> Result<Self, ParseError> {
        Ok(Addenda99Dishonored {
            dishonored_return_reason_code: text(r, f::DISHONORED_CODE),
            original_entry_trace_number: number(r, f::ORIGINAL_TRACE)?,
            original_receiving_dfi_identification: number_as(r, f::ORIGINAL_RDFI)?,
            return_trace_number: number(r, f::RETURN_TRACE)?,
            return_settlement_date: text(r, f::RETURN_SETTLEMENT_DATE),
            return_reason_code: text(r, f::RETURN_REASON_2),
            addenda_information: text(r, f::DISHONORED_ADDENDA_INFORMATION),
            trace_number: number(r, f::TRACE_NUMBER)?,
        })
    }

    fn to_bytes(&self) -> Result<Buf, Error> {
        let mut r = blank(b'7');
        put_num(&mut r, f::TYPE_CODE, 99)?;
        put_text(
            &mut r,
            f::DISHONORED_CODE,
            &self.dishonored_return_reason_code,
        )?;
        put_num(&mut r, f::ORIGINAL_TRACE, self.original_entry_trace_number)?;
        put_num(
            &mut r,
            f::ORIGINAL_RDFI,
            self.original_receiving_dfi_identification.into(),
        )?;
        put_num(&mut r, f::RETURN_TRACE, self.return_trace_number)?;
        put_text(
            &mut r,
            f::RETURN_SETTLEMENT_DATE,
            &self.return_settlement_date,
        )?;
        put_text(&mut r, f::RETURN_REASON_2, &self.return_reason_code)?;
        put_text(
            &mut r,
            f::DISHONORED_ADDENDA_INFORMATION,
            &self.addenda_information,
        )?;
        put_num(&mut r, f::TRACE_NUMBER, self.trace_number)?;
        Ok(r)
    }
}

/// Addenda `99` of a contested dishonored return (R71–R77): the RDFI disputes a dishonor.
/// Public Nacha layout (moov-io/ach `addenda99_contested_return.go`), spec 06 §9 source basis.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Addenda99Contested {
    /// `R71`–`R77`.
    pub contested_return_code: String,
    /// Trace number of the entry that was returned.
    pub original_entry_trace_number: u64,
    /// When the original entry was returned.
    pub date_original_entry_returned: Option<Date>,
    /// First 8 digits of the original entry's RDFI routing number.
    pub original_receiving_dfi_identification: u32,
    /// The original entry's settlement date, Julian (blank when unknown).
    pub original_settlement_date: String,
    /// Trace number of the return.
    pub return_trace_number: u64,
    /// The return's settlement date, Julian (blank when unknown).
    pub return_settlement_date: String,
    /// The return's reason code without its `R`.
    pub return_reason_code: String,
    /// Trace number of the dishonored return being contested.
    pub dishonored_return_trace_number: u64,
    /// The dishonored return's settlement date, Julian (blank when unknown).
    pub dishonored_return_settlement_date: String,
    /// The dishonored return's reason code without its `R`.
    pub dishonored_return_reason_code: String,
    /// Trace number of the contested entry (the writer fills it).
    pub trace_number: u64,
}

impl Addenda99Contested {
    fn parse(r: &Buf) -> Result<Self, ParseError> {
        Ok(Addenda99Contested {
            contested_return_code: text(r, f::CONTESTED_CODE),
            original_entry_trace_number: number(r, f::ORIGINAL_TRACE)?,
            date_original_entry_returned: Date::from_yymmdd(f::DATE_ORIGINAL_ENTRY_RETURNED.get(r)),
            original_receiving_dfi_identification: number_as(r, f::ORIGINAL_RDFI)?,
            original_settlement_date: text(r, f::ORIGINAL_SETTLEMENT_DATE),
            return_trace_number: number(r, f::RETURN_TRACE)?,
            return_settlement_date: text(r, f::RETURN_SETTLEMENT_DATE),
            return_reason_code: text(r, f::RETURN_REASON_2),
            dishonored_return_trace_number: number(r, f::DISHONORED_TRACE)?,
            dishonored_return_settlement_date: text(r, f::DISHONORED_SETTLEMENT_DATE),
            dishonored_return_reason_code: text(r, f::DISHONORED_REASON_2),
            trace_number: number(r, f::TRACE_NUMBER)?,
        })
    }

    fn to_bytes(&self) -> Result<Buf, Error> {
        let mut r = blank(b'7');
        put_num(&mut r, f::TYPE_CODE, 99)?;
        put_text(&mut r, f::CONTESTED_CODE, &self.contested_return_code)?;
        put_num(&mut r, f::ORIGINAL_TRACE, self.original_entry_trace_number)?;
        if let Some(d) = self.date_original_entry_returned {
            put_text(&mut r, f::DATE_ORIGINAL_ENTRY_RETURNED, &d.to_yymmdd())?;
        }
        put_num(
            &mut r,
            f::ORIGINAL_RDFI,
            self.original_receiving_dfi_identification.into(),
        )?;
        put_text(
            &mut r,
            f::ORIGINAL_SETTLEMENT_DATE,
            &self.original_settlement_date,
        )?;
        put_num(&mut r, f::RETURN_TRACE, self.return_trace_number)?;
        put_text(
            &mut r,
            f::RETURN_SETTLEMENT_DATE,
            &self.return_settlement_date,
        )?;
        put_text(&mut r, f::RETURN_REASON_2, &self.return_reason_code)?;
        put_num(
            &mut r,
            f::DISHONORED_TRACE,
            self.dishonored_return_trace_number,
        )?;
        put_text(
            &mut r,
            f::DISHONORED_SETTLEMENT_DATE,
            &self.dishonored_return_settlement_date,
        )?;
        put_text(
            &mut r,
            f::DISHONORED_REASON_2,
            &self.dishonored_return_reason_code,
        )?;
        put_num(&mut r, f::TRACE_NUMBER, self.trace_number)?;
        Ok(r)
    }
}

/// Addenda `02`: point-of-sale terminal data, kept as its fields' text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addenda02 {
    record: Buf,
}

/// IAT addenda `10`–`18`, kept as the record; read fields by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IatAddenda {
    record: Buf,
}

impl Addenda02 {
    fn parse(r: &Buf) -> Result<Self, ParseError> {
        number(r, f::TRACE_NUMBER)?;
        Ok(Addenda02 { record: *r })
    }

    fn to_bytes(&self) -> Result<Buf, Error> {
        Ok(self.record)
    }

    /// A field by its spec name (e.g. `terminal_city`), trailing spaces removed.
    pub fn field(&self, name: &str) -> Option<String> {
        field_by_name(&self.record, f::A02, name)
    }
}

impl IatAddenda {
    /// Builds an IAT addenda of type `type_code` (10–18) from named field values
    /// (names as in the IAT layout, e.g. `originator_name`). Unnamed fields stay blank;
    /// numeric fields must be given as digits.
    pub fn new(type_code: u8, values: &[(&str, &str)]) -> Result<Self, Error> {
        let layout = match type_code {
            10..=18 => f::layout(type_code),
            _ => None,
        }
        .ok_or_else(|| Error::Invalid(format!("{type_code} is not an IAT addenda type")))?;
        let mut r = blank(b'7');
        put_num(&mut r, f::TYPE_CODE, type_code.into())?;
        for (name, value) in values {
            let fld = layout
                .iter()
                .find(|x| x.name == *name)
                .ok_or_else(|| Error::Invalid(format!("no field {name} in addenda {type_code}")))?;
            put_text(&mut r, *fld, value)?;
        }
        Ok(IatAddenda { record: r })
    }

    /// The addenda type code (10–18).
    pub fn type_code(&self) -> u8 {
        self.record[1]
            .wrapping_sub(b'0')
            .wrapping_mul(10)
            .wrapping_add(self.record[2].wrapping_sub(b'0'))
    }

    /// A field by its name, trailing spaces removed; `None` if the layout has no such field.
    pub fn field(&self, name: &str) -> Option<String> {
        f::layout(self.type_code()).and_then(|l| field_by_name(&self.record, l, name))
    }
}

fn field_by_name(r: &Buf, layout: &[Field], name: &str) -> Option<String> {
    layout.iter().find(|x| x.name == name).map(|x| text(r, *x))
}
