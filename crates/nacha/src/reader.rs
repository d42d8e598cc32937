//! Streaming record reader: splits a Nacha file into raw records.
//!
//! The reader never interprets fields; it only finds record boundaries and
//! remembers each record's line ending, so that writing the records back
//! reproduces the input byte for byte. Three shapes are read (decision D10):
//! LF lines, CRLF lines (mixed too), and files without any line break, which
//! are cut every 94 bytes.

use std::io::{self, BufRead, Write};

use crate::layout::RECORD_LEN;

/// Longest line kept in memory; the rest of a longer line is counted, not stored,
/// so a hostile file without line breaks cannot exhaust memory.
pub const MAX_KEPT_LINE: usize = 64 * 1024;

/// How far the reader looks for a first line break before deciding that the
/// file has none (a Nacha header is 94 bytes, so 4 KiB is plenty).
const DETECT_WINDOW: usize = 4096;

/// The terminator that followed a record in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineEnding {
    /// `\n`.
    #[default]
    Lf,
    /// `\r\n`.
    CrLf,
    /// Nothing: the last line of a file without a final line break, or any
    /// record of a file without line breaks.
    None,
}

impl LineEnding {
    /// The bytes of the terminator.
    pub fn as_bytes(self) -> &'static [u8] {
        match self {
            LineEnding::Lf => b"\n",
            LineEnding::CrLf => b"\r\n",
            LineEnding::None => b"",
        }
    }
}

/// One record as it appeared in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRecord {
    /// 1-based line number (record number in a file without line breaks).
    pub line: u64,
    /// The record's bytes without its line terminator (normally 94 bytes).
    pub bytes: Vec<u8>,
    /// The terminator that followed it.
    pub ending: LineEnding,
    /// Bytes of an over-long line that were counted but not kept (see [`MAX_KEPT_LINE`]).
    pub dropped: u64,
}

impl RawRecord {
    /// Length of the record in the input, without its terminator.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64 + self.dropped
    }

    /// Whether the line is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The record type code (first byte), if any.
    pub fn record_type(&self) -> Option<u8> {
        self.bytes.first().copied()
    }

    /// The record padded with spaces (or cut) to exactly 94 bytes.
    pub fn padded(&self) -> [u8; RECORD_LEN] {
        let mut out = [b' '; RECORD_LEN];
        let n = self.bytes.len().min(RECORD_LEN);
        out[..n].copy_from_slice(&self.bytes[..n]);
        out
    }

    /// Writes the record and its original terminator.
    pub fn write_to<W: Write>(&self, out: &mut W) -> io::Result<()> {
        out.write_all(&self.bytes)?;
        out.write_all(self.ending.as_bytes())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Unknown,
    Lines,
    Fixed,
}

/// Reads raw records from any [`BufRead`], one at a time.
///
/// Use [`RecordReader::read_record`] to reuse one buffer (no allocation per
/// record), or iterate to get owned [`RawRecord`]s.
#[derive(Debug)]
pub struct RecordReader<R> {
    inner: R,
    /// Bytes read ahead while detecting the file's shape, served before `inner`.
    head: Vec<u8>,
    head_pos: usize,
    mode: Mode,
    line: u64,
    failed: bool,
    /// Lines longer than this end the reading (see [`RecordReader::with_max_line`]).
    max_line: u64,
    too_long: bool,
}

impl<R: BufRead> RecordReader<R> {
    /// Wraps a buffered reader.
    pub fn new(inner: R) -> Self {
        RecordReader {
            inner,
            head: Vec::new(),
            head_pos: 0,
            mode: Mode::Unknown,
            line: 0,
            failed: false,
            max_line: u64::MAX,
            too_long: false,
        }
    }

    /// Stops at a line longer than `max` bytes (its terminator excluded): that record is
    /// returned cut after at most `max + 1` bytes, [`RecordReader::too_long`] turns true and
    /// nothing more is read, so a line of any length costs at most `max` bytes of reading.
    /// Without it such a line is read to its end (counted past [`MAX_KEPT_LINE`]).
    pub fn with_max_line(mut self, max: u64) -> Self {
        self.max_line = max;
        self
    }

    /// Whether the last record returned was longer than the maximum line (and reading stopped).
    pub fn too_long(&self) -> bool {
        self.too_long
    }

    /// Whether the input turned out to have no line breaks (records cut every 94 bytes).
    pub fn is_unbroken(&self) -> bool {
        self.mode == Mode::Fixed
    }

    /// Reads the next record into `rec`; returns `false` at end of input.
    pub fn read_record(&mut self, rec: &mut RawRecord) -> io::Result<bool> {
        if self.too_long {
            return Ok(false);
        }
        if self.mode == Mode::Unknown {
            self.detect()?;
        }
        rec.bytes.clear();
        rec.dropped = 0;
        rec.ending = LineEnding::None;
        let got = match self.mode {
            Mode::Fixed => self.read_fixed(rec)?,
            _ => self.read_line(rec)?,
        };
        if got {
            self.line += 1;
            rec.line = self.line;
        }
        Ok(got)
    }

    /// Looks ahead (at most [`DETECT_WINDOW`] bytes) for a line break.
    fn detect(&mut self) -> io::Result<()> {
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            let take = buf.len().min(DETECT_WINDOW - self.head.len());
            self.head.extend_from_slice(&buf[..take]);
            self.inner.consume(take);
            if self.head.contains(&b'\n') || self.head.len() >= DETECT_WINDOW {
                break;
            }
        }
        // No break in the window and more than one record's worth: a file
        // written without line breaks (D10). A single 94-byte record without
        // a terminator is an ordinary last line.
        self.mode = if !self.head.contains(&b'\n') && self.head.len() > RECORD_LEN {
            Mode::Fixed
        } else {
            Mode::Lines
        };
        Ok(())
    }

    /// The next available bytes: the look-ahead first, then the inner reader.
    fn fill(&mut self) -> io::Result<&[u8]> {
        if self.head_pos < self.head.len() {
            return Ok(&self.head[self.head_pos..]);
        }
        if !self.head.is_empty() {
            self.head = Vec::new();
            self.head_pos = 0;
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if self.head_pos < self.head.len() {
            self.head_pos += n;
        } else {
            self.inner.consume(n);
        }
    }

    fn read_line(&mut self, rec: &mut RawRecord) -> io::Result<bool> {
        let mut any = false;
        loop {
            let max_line = self.max_line;
            let buf = self.fill()?;
            if buf.is_empty() {
                if rec.len() > max_line {
                    self.too_long = true;
                }
                return Ok(any);
            }
            any = true;
            match memchr::memchr(b'\n', buf) {
                Some(i) => {
                    // Split borrow: copy out before consuming.
                    let room = MAX_KEPT_LINE.saturating_sub(rec.bytes.len());
                    let n = i.min(room);
                    rec.bytes.extend_from_slice(&buf[..n]);
                    rec.dropped += (i - n) as u64;
                    self.consume(i + 1);
                    // A CR dropped past the cap is not seen; such lines are broken anyway.
                    if rec.dropped == 0 && rec.bytes.last() == Some(&b'\r') {
                        rec.bytes.pop();
                        rec.ending = LineEnding::CrLf;
                    } else {
                        rec.ending = LineEnding::Lf;
                    }
                    if rec.len() > max_line {
                        self.too_long = true;
                    }
                    return Ok(true);
                }
                None => {
                    let len = buf.len();
                    let room = MAX_KEPT_LINE.saturating_sub(rec.bytes.len());
                    let n = len.min(room);
                    rec.bytes.extend_from_slice(&buf[..n]);
                    rec.dropped += (len - n) as u64;
                    self.consume(len);
                    // Only a final CR of what was read can fall outside the line.
                    if rec.len() > max_line.saturating_add(1) {
                        self.too_long = true;
                        return Ok(true);
                    }
                }
            }
        }
    }

    fn read_fixed(&mut self, rec: &mut RawRecord) -> io::Result<bool> {
        while rec.bytes.len() < RECORD_LEN {
            let need = RECORD_LEN - rec.bytes.len();
            let buf = self.fill()?;
            if buf.is_empty() {
                break;
            }
            let n = buf.len().min(need);
            rec.bytes.extend_from_slice(&buf[..n]);
            self.consume(n);
        }
        Ok(!rec.bytes.is_empty())
    }
}

impl<R: BufRead> Iterator for RecordReader<R> {
    type Item = io::Result<RawRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let mut rec = RawRecord::default();
        match self.read_record(&mut rec) {
            Ok(true) => Some(Ok(rec)),
            Ok(false) => None,
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// Copies a file record by record, reproducing its bytes exactly (records are
/// re-emitted with their original terminators).
///
/// Returns the number of records copied. Lines longer than [`MAX_KEPT_LINE`]
/// are the one case that cannot be reproduced.
pub fn copy_records<R: BufRead, W: Write>(input: R, mut out: W) -> io::Result<u64> {
    let mut reader = RecordReader::new(input);
    let mut rec = RawRecord::default();
    let mut n = 0;
    while reader.read_record(&mut rec)? {
        rec.write_to(&mut out)?;
        n += 1;
    }
    out.flush()?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(input: &[u8]) -> Vec<RawRecord> {
        RecordReader::new(input)
            .collect::<io::Result<Vec<_>>>()
            .unwrap()
    }

    fn round_trip(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        copy_records(input, &mut out).unwrap();
        out
    }

    #[test]
    fn line_endings() {
        let a = [b'1'; 94];
        let mut lf = a.to_vec();
        lf.push(b'\n');
        lf.extend_from_slice(&a);
        lf.extend_from_slice(b"\r\n");
        lf.extend_from_slice(&a);
        let r = records(&lf);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].ending, LineEnding::Lf);
        assert_eq!(r[1].ending, LineEnding::CrLf);
        assert_eq!(r[2].ending, LineEnding::None);
        assert_eq!(r[2].line, 3);
        assert_eq!(round_trip(&lf), lf);
    }

    #[test]
    fn unbroken_file() {
        let mut f = vec![b'1'; 94 * 3];
        f.extend_from_slice(b"12");
        let r = records(&f);
        assert_eq!(r.len(), 4);
        assert_eq!(r[3].bytes, b"12");
        assert!(r.iter().all(|x| x.ending == LineEnding::None));
        assert_eq!(round_trip(&f), f);
    }

    #[test]
    fn edge_cases_round_trip() {
        for input in [
            &b""[..],
            b"\n",
            b"\n\n\r\n",
            b"abc",
            b"abc\r",
            b"\r\r\n",
            b"x\ny\r\nz\n",
        ] {
            assert_eq!(round_trip(input), input);
        }
        assert!(records(b"").is_empty());
        assert_eq!(records(b"\n").len(), 1);
    }

    #[test]
    fn long_line_is_capped() {
        let mut f = vec![b'x'; MAX_KEPT_LINE + 10];
        f.push(b'\n');
        // Force line mode with an early break.
        let mut input = b"short\n".to_vec();
        input.extend_from_slice(&f);
        let r = records(&input);
        assert_eq!(r[1].bytes.len(), MAX_KEPT_LINE);
        assert_eq!(r[1].len(), (MAX_KEPT_LINE + 10) as u64);
    }

    #[test]
    fn a_line_past_the_maximum_stops_the_reader() {
        /// Endless `x` without a line break, counting what was read.
        struct Endless(u64);
        impl io::Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                buf.fill(b'x');
                self.0 += buf.len() as u64;
                Ok(buf.len())
            }
        }
        let mut input = io::Read::chain(&b"short\n"[..], Endless(0));
        let mut r =
            RecordReader::new(io::BufReader::with_capacity(1024, &mut input)).with_max_line(4096);
        let mut rec = RawRecord::default();
        assert!(r.read_record(&mut rec).unwrap());
        assert!(!r.too_long());
        assert!(r.read_record(&mut rec).unwrap());
        assert!(r.too_long());
        assert_eq!(rec.line, 2);
        assert!(
            rec.len() > 4096 && rec.len() <= 4096 + 1024,
            "{}",
            rec.len()
        );
        assert!(!r.read_record(&mut rec).unwrap());
        drop(r);
        assert!(input.into_inner().1 .0 <= 8192, "read too much");
    }

    #[test]
    fn a_line_at_the_maximum_is_read_whatever_its_ending() {
        for input in [&b"abcd\nxy"[..], b"abcd\r\nxy", b"abcd"] {
            let mut r = RecordReader::new(input).with_max_line(4);
            let mut rec = RawRecord::default();
            assert!(r.read_record(&mut rec).unwrap());
            assert!(!r.too_long(), "{input:?}");
        }
        let mut r = RecordReader::new(&b"abcde\nxy"[..]).with_max_line(4);
        let mut rec = RawRecord::default();
        assert!(r.read_record(&mut rec).unwrap());
        assert!(r.too_long());
        assert!(!r.read_record(&mut rec).unwrap());
    }
}
