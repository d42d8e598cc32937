//! # nacha — reader, validator and writer for Nacha ACH files
//!
//! A Nacha file is a sequence of 94-character records (spec 06 §9). This crate
//!
//! * **reads** files as a stream of raw records ([`RecordReader`]) — LF, CRLF,
//!   mixed, or without any line break (decision D10) — or as typed records
//!   ([`TypedReader`], [`Record`]); every record type 1, 5, 6, 7, 8, 9, addenda
//!   02/05/98/99, the IAT batch header, entry and addenda 10–18, and the ADV entry,
//!   batch control and file control;
//! * **validates** a file in one pass with constant memory ([`validate`],
//!   [`validate_each`], [`Validator`]): record length and order, field formats,
//!   constants, routing check digits, transaction codes per SEC code and service
//!   class, counts, entry hash, totals, block count, filler, trace numbers,
//!   addenda, return and NOC content, effective dates and the program
//!   [`Policy`]. Every problem is a [`Finding`] with its line, record type,
//!   field and a stable code from [`CODES`];
//! * **writes** files from typed values, computing every control field
//!   ([`FileWriter`], [`NachaFile`]), and reproduces files it read byte for
//!   byte ([`copy_records`], [`RawRecord::write_to`]);
//! * builds **returns** and **notifications of change** for entries of an
//!   accepted file ([`returns`]), names files as the bank does ([`names`]), and
//!   **generates** valid test files ([`gen`]).
//!
//! ```
//! use nacha::{gen, validate, Policy, SecCode};
//!
//! let mut file = Vec::new();
//! gen::generate(25, SecCode::Ppd, 7, &mut file).unwrap();
//! let report = validate(&file[..], &Policy::default()).unwrap();
//! assert!(report.is_accepted());
//! assert_eq!(report.summary.entries, 25);
//!
//! // Corrupt one amount: the batch control's debit or credit total no longer adds up.
//! let mut bad = file.clone();
//! let entry = bad.windows(2).position(|w| w == b"\n6").unwrap() + 1;
//! bad[entry + 38] = if bad[entry + 38] == b'9' { b'8' } else { b'9' };
//! let report = validate(&bad[..], &Policy::default()).unwrap();
//! assert!(report.errors().any(|f| f.code == "total_debit" || f.code == "total_credit"));
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod date;
mod error;
pub mod gen;
mod layout;
pub mod names;
mod reader;
pub mod reasons;
mod records;
pub mod returns;
pub mod routing;
mod sec;
mod txcode;
mod validate;
mod writer;

pub use date::{BadDate, Date, Time};
pub use error::{Error, ParseError};
pub use layout::RECORD_LEN;
pub use reader::{copy_records, LineEnding, RawRecord, RecordReader, MAX_KEPT_LINE};
pub use records::{
    Addenda, Addenda02, Addenda05, Addenda98, Addenda99, Addenda99Contested, Addenda99Dishonored,
    AdvBatchControl, AdvEntryDetail, AdvFileControl, BatchControl, BatchHeader, EntryDetail,
    FileControl, FileHeader, IatAddenda, IatBatchHeader, IatEntryDetail, Record, TypedReader,
};
pub use sec::{SecCode, UnknownSecCode};
pub use txcode::{TxCode, TxKind};
pub use validate::{
    severity, validate, validate_each, validate_each_with_len, Finding, Policy, Report, Severity,
    Summary, Validator, CODES, MAX_LINE_BYTES, WARNING_CODES,
};
pub use writer::{Batch, Entry, FileWriter, NachaFile};
