//! The typed model: one struct per record type.

mod addenda;
mod adv_controls;
mod adv_entry;
mod batch_header;
mod controls;
mod entry;
pub(crate) mod fields;
mod file_header;
mod iat_batch_header;
mod iat_entry;

pub use addenda::{
    Addenda, Addenda02, Addenda05, Addenda98, Addenda99, Addenda99Contested, Addenda99Dishonored,
    IatAddenda,
};
pub use adv_controls::{AdvBatchControl, AdvFileControl};
pub use adv_entry::AdvEntryDetail;
pub use batch_header::BatchHeader;
pub use controls::{BatchControl, FileControl};
pub use entry::EntryDetail;
pub use file_header::FileHeader;
pub use iat_batch_header::IatBatchHeader;
pub use iat_entry::IatEntryDetail;

use std::io::BufRead;

use crate::error::{Error, ParseError};
use crate::reader::{RawRecord, RecordReader};
use crate::SecCode;

/// Any record, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// Type 1.
    FileHeader(FileHeader),
    /// Type 5 (non-IAT).
    BatchHeader(BatchHeader),
    /// Type 5 with SEC `IAT`.
    IatBatchHeader(IatBatchHeader),
    /// Type 6 (non-IAT).
    EntryDetail(EntryDetail),
    /// Type 6 in an IAT batch.
    IatEntryDetail(IatEntryDetail),
    /// Type 6 in an ADV batch.
    AdvEntryDetail(AdvEntryDetail),
    /// Type 7.
    Addenda(Addenda),
    /// Type 8.
    BatchControl(BatchControl),
    /// Type 8 closing an ADV batch.
    AdvBatchControl(AdvBatchControl),
    /// Type 9.
    FileControl(FileControl),
    /// Type 9 of a file whose batches are ADV.
    AdvFileControl(AdvFileControl),
    /// A filler record (94 `9`s).
    Filler,
}

impl Record {
    /// Parses one record. `batch_sec` is the SEC code of the enclosing batch
    /// (IAT and ADV entries, and the ADV batch control, have their own layouts).
    /// A file control is read with the ordinary layout: use [`Record::parse_in_file`]
    /// for a file whose batches are ADV.
    pub fn parse(bytes: &[u8], batch_sec: Option<SecCode>) -> Result<Record, ParseError> {
        Record::parse_in_file(bytes, batch_sec, false)
    }

    /// [`Record::parse`] knowing whether the file's batches are ADV (`adv_file`): a file
    /// control is then read with the ADV layout (20-digit totals).
    pub fn parse_in_file(
        bytes: &[u8],
        batch_sec: Option<SecCode>,
        adv_file: bool,
    ) -> Result<Record, ParseError> {
        let r: &fields::Buf = bytes.try_into().map_err(|_| ParseError {
            field: "record",
            message: format!("record is {} characters long, expected 94", bytes.len()),
        })?;
        Ok(match r[0] {
            b'1' => Record::FileHeader(FileHeader::parse(r)?),
            b'5' if crate::layout::batch_header::SEC_CODE.get(r) == b"IAT" => {
                Record::IatBatchHeader(IatBatchHeader::parse(r)?)
            }
            b'5' => Record::BatchHeader(BatchHeader::parse(r)?),
            b'6' if batch_sec == Some(SecCode::Iat) => {
                Record::IatEntryDetail(IatEntryDetail::parse(r)?)
            }
            b'6' if batch_sec == Some(SecCode::Adv) => {
                Record::AdvEntryDetail(AdvEntryDetail::parse(r)?)
            }
            b'6' => Record::EntryDetail(EntryDetail::parse(r)?),
            b'7' => Record::Addenda(Addenda::parse(r)?),
            b'8' if batch_sec == Some(SecCode::Adv) => {
                Record::AdvBatchControl(AdvBatchControl::parse(r)?)
            }
            b'8' => Record::BatchControl(BatchControl::parse(r)?),
            b'9' if r.iter().all(|b| *b == b'9') => Record::Filler,
            b'9' if adv_file => Record::AdvFileControl(AdvFileControl::parse(r)?),
            b'9' => Record::FileControl(FileControl::parse(r)?),
            _ => {
                return Err(ParseError {
                    field: "record_type_code",
                    message: "not 1, 5, 6, 7, 8 or 9".into(),
                })
            }
        })
    }

    /// Writes the record as 94 bytes.
    pub fn to_bytes(&self) -> Result<[u8; 94], Error> {
        match self {
            Record::FileHeader(r) => r.to_bytes(),
            Record::BatchHeader(r) => r.to_bytes(),
            Record::IatBatchHeader(r) => r.to_bytes(),
            Record::EntryDetail(r) => r.to_bytes(),
            Record::IatEntryDetail(r) => r.to_bytes(),
            Record::AdvEntryDetail(r) => r.to_bytes(),
            Record::Addenda(r) => r.to_bytes(),
            Record::BatchControl(r) => r.to_bytes(),
            Record::AdvBatchControl(r) => r.to_bytes(),
            Record::FileControl(r) => r.to_bytes(),
            Record::AdvFileControl(r) => r.to_bytes(),
            Record::Filler => Ok([b'9'; 94]),
        }
    }
}

/// Iterates over typed records with their raw form; stops at the first record
/// that does not parse (use the validator to learn everything that is wrong).
///
/// The layout of entries and batch controls follows the enclosing batch's SEC code
/// (IAT, ADV); the file control is read with the ADV layout when the file's first batch
/// is ADV (a file holds ADV batches only or none).
#[derive(Debug)]
pub struct TypedReader<R> {
    inner: RecordReader<R>,
    sec: Option<SecCode>,
    /// Whether the file's first batch is ADV (`None` before any batch header).
    adv_file: Option<bool>,
    done: bool,
}

impl<R: BufRead> TypedReader<R> {
    /// Wraps a buffered reader.
    pub fn new(input: R) -> Self {
        TypedReader {
            inner: RecordReader::new(input),
            sec: None,
            adv_file: None,
            done: false,
        }
    }
}

impl<R: BufRead> Iterator for TypedReader<R> {
    type Item = Result<(RawRecord, Record), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let raw = match self.inner.next()? {
            Ok(raw) => raw,
            Err(e) => {
                self.done = true;
                return Some(Err(e.into()));
            }
        };
        let adv_file = self.adv_file == Some(true);
        match Record::parse_in_file(&raw.bytes, self.sec, adv_file) {
            Ok(rec) => {
                let sec = match &rec {
                    Record::BatchHeader(h) => Some(h.sec_code),
                    Record::IatBatchHeader(_) => Some(SecCode::Iat),
                    Record::BatchControl(_) | Record::AdvBatchControl(_) => {
                        self.sec = None;
                        None
                    }
                    _ => None,
                };
                if let Some(sec) = sec {
                    self.sec = Some(sec);
                    self.adv_file.get_or_insert(sec == SecCode::Adv);
                }
                Some(Ok((raw, rec)))
            }
            Err(source) => {
                self.done = true;
                Some(Err(Error::Parse {
                    line: raw.line,
                    source,
                }))
            }
        }
    }
}
