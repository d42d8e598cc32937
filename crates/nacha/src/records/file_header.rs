//! File header record (type 1), spec 06 §9.2.

use super::fields::{blank, date, put_num, put_right, put_text, text, trimmed, Buf};
use crate::error::{Error, ParseError};
use crate::layout::file_header as f;
use crate::{Date, Time};

/// The file header. The constants (priority code `01`, record size `094`,
/// blocking factor `10`, format code `1`) are written by the writer and
/// checked by the validator, so they are not fields here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHeader {
    /// Routing number of the receiving point (9 digits; written as ` bTTTTAAAAC`).
    pub immediate_destination: String,
    /// Sender identification (routing number or 10-character company number).
    pub immediate_origin: String,
    /// File creation date.
    pub file_creation_date: Date,
    /// File creation time (optional).
    pub file_creation_time: Option<Time>,
    /// `A`–`Z` or `0`–`9`, distinguishes files created the same day.
    pub file_id_modifier: char,
    /// Name of the receiving point.
    pub immediate_destination_name: String,
    /// Name of the sender.
    pub immediate_origin_name: String,
    /// Free text.
    pub reference_code: String,
}

impl FileHeader {
    /// Reads a 94-byte type-1 record.
    pub fn parse(r: &Buf) -> Result<Self, ParseError> {
        let time = f::FILE_CREATION_TIME.get(r);
        let file_creation_time = if time.iter().all(|b| *b == b' ') {
            None
        } else {
            Some(Time::from_hhmm(time).ok_or_else(|| ParseError {
                field: f::FILE_CREATION_TIME.name,
                message: "not HHMM".into(),
            })?)
        };
        Ok(FileHeader {
            immediate_destination: trimmed(r, f::IMMEDIATE_DESTINATION),
            immediate_origin: trimmed(r, f::IMMEDIATE_ORIGIN),
            file_creation_date: date(r, f::FILE_CREATION_DATE)?,
            file_creation_time,
            file_id_modifier: char::from(f::FILE_ID_MODIFIER.get(r)[0]),
            immediate_destination_name: text(r, f::IMMEDIATE_DESTINATION_NAME),
            immediate_origin_name: text(r, f::IMMEDIATE_ORIGIN_NAME),
            reference_code: text(r, f::REFERENCE_CODE),
        })
    }

    /// Writes the record.
    pub fn to_bytes(&self) -> Result<Buf, Error> {
        let mut r = blank(b'1');
        put_text(&mut r, f::PRIORITY_CODE, "01")?;
        put_right(
            &mut r,
            f::IMMEDIATE_DESTINATION,
            &self.immediate_destination,
        )?;
        put_right(&mut r, f::IMMEDIATE_ORIGIN, &self.immediate_origin)?;
        put_text(
            &mut r,
            f::FILE_CREATION_DATE,
            &self.file_creation_date.to_yymmdd(),
        )?;
        if let Some(t) = self.file_creation_time {
            put_text(&mut r, f::FILE_CREATION_TIME, &t.to_hhmm())?;
        }
        let mut m = [0u8; 4];
        put_text(
            &mut r,
            f::FILE_ID_MODIFIER,
            self.file_id_modifier.encode_utf8(&mut m),
        )?;
        put_num(&mut r, f::RECORD_SIZE, 94)?;
        put_num(&mut r, f::BLOCKING_FACTOR, 10)?;
        put_num(&mut r, f::FORMAT_CODE, 1)?;
        put_text(
            &mut r,
            f::IMMEDIATE_DESTINATION_NAME,
            &self.immediate_destination_name,
        )?;
        put_text(
            &mut r,
            f::IMMEDIATE_ORIGIN_NAME,
            &self.immediate_origin_name,
        )?;
        put_text(&mut r, f::REFERENCE_CODE, &self.reference_code)?;
        Ok(r)
    }
}
