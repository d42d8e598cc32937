//! A streaming reader for the pipe-delimited dialect of decision D2.
//!
//! The `csv` crate skips blank lines and accepts stray quotes silently; D2 makes both errors, so
//! records are split here. Lines without a quote (nearly all of them) take a fast path: one
//! `memchr` for the line end, one for a quote, then a split on `|`.
//!
//! A record (a line, or a quoted value over several lines) longer than the reader's maximum is
//! not read into memory: the reader reports it as [`Record::too_long`] and reads nothing after
//! it, so memory follows the maximum, never the file.

use memchr::memchr;
use std::io::{self, Read};

const INITIAL_BUF: usize = 256 * 1024;

/// The longest record [`RecordReader::new`] reads, in bytes, its final line end excluded.
pub const DEFAULT_MAX_LINE_BYTES: usize = 256 * 1024;

/// One record: its fields' bytes (quotes removed) and how it was written.
#[derive(Debug, Default, Clone)]
pub struct Record {
    data: Vec<u8>,
    /// (start, end) of each field in `data`.
    bounds: Vec<(usize, usize)>,
    /// The line was empty.
    pub blank: bool,
    /// Index of the first field with a stray quote.
    pub stray_quote: Option<usize>,
    /// Index of a quoted field that was never closed (it ran to the end of the file).
    pub unclosed_quote: Option<usize>,
    /// The record is longer than the reader's maximum: it has no fields, and the reader read
    /// nothing after it.
    pub too_long: bool,
    /// Read on the quote-aware path: the fields' bytes are joined without their separators.
    joined: bool,
}

impl Record {
    /// Number of fields (a blank line has none).
    pub fn len(&self) -> usize {
        self.bounds.len()
    }

    /// Whether the record has no fields.
    pub fn is_empty(&self) -> bool {
        self.bounds.is_empty()
    }

    /// The bytes of field `i`.
    pub fn field(&self, i: usize) -> &[u8] {
        let (start, end) = self.bounds[i];
        &self.data[start..end]
    }

    /// (start, end) of each field within [`Record::bytes`].
    pub fn bounds(&self) -> &[(usize, usize)] {
        &self.bounds
    }

    /// All field bytes, concatenated.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// Whether the fields' bytes are joined without the `|` between them (a line with quoted
    /// values): valid UTF-8 as a whole, a field may still end inside a character.
    pub(crate) fn joined(&self) -> bool {
        self.joined
    }

    /// Iterates the fields.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).map(move |i| self.field(i))
    }

    fn clear(&mut self) {
        self.data.clear();
        self.bounds.clear();
        self.blank = false;
        self.stray_quote = None;
        self.unclosed_quote = None;
        self.too_long = false;
        self.joined = false;
    }

    fn end_field(&mut self) {
        let start = self.bounds.last().map_or(0, |b| b.1);
        self.bounds.push((start, self.data.len()));
    }
}

/// A line from [`RecordReader::next_line`].
enum Line {
    /// Its bytes, without the line end, as a range of `buf`.
    Range(usize, usize),
    /// Longer than the limit asked for; the reader has stopped.
    TooLong,
    End,
}

/// Reads records from any byte stream with a bounded buffer: 256 KiB, grown for a longer
/// record up to the maximum record size and never beyond it.
pub struct RecordReader<R> {
    inner: R,
    max: usize,
    /// A record was too long: nothing more is read.
    stopped: bool,
    /// Where the current record starts, in bytes consumed.
    record_start: u64,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    consumed: u64,
    bom: bool,
    started: bool,
    raw_fields: Vec<bool>,
    /// The current line on the slow path (reused: no allocation per quoted line).
    scratch: Vec<u8>,
}

impl RecordReader<io::Empty> {
    /// A reader over the records of `chunk[start..]`, which begins at a record (a chunk of a
    /// file past its header, so no byte-order mark is looked for). The chunk becomes the
    /// reader's buffer: nothing is copied. Its end is the end of the stream; `position` counts
    /// from `start`.
    pub(crate) fn span(chunk: Vec<u8>, start: usize, max: usize, raw_fields: Vec<bool>) -> Self {
        let end = chunk.len();
        RecordReader {
            inner: io::empty(),
            max,
            stopped: false,
            record_start: 0,
            buf: chunk,
            pos: start.min(end),
            end,
            eof: true,
            consumed: 0,
            bom: false,
            started: true,
            raw_fields,
            scratch: Vec::new(),
        }
    }
}

impl<R: Read> RecordReader<R> {
    /// A reader over `inner` for records of at most [`DEFAULT_MAX_LINE_BYTES`].
    pub fn new(inner: R) -> Self {
        Self::with_max_line_bytes(inner, DEFAULT_MAX_LINE_BYTES)
    }

    /// A reader over `inner` for records of at most `max` bytes (final line end excluded; a
    /// quoted value's line breaks inside the record count).
    pub fn with_max_line_bytes(inner: R, max: usize) -> Self {
        RecordReader {
            inner,
            max,
            stopped: false,
            record_start: 0,
            buf: vec![0; INITIAL_BUF],
            pos: 0,
            end: 0,
            eof: false,
            consumed: 0,
            bom: false,
            started: false,
            raw_fields: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Gives up the stream: the reader, the bytes read ahead of the last record returned, and
    /// whether the stream had ended. The parallel path reads the header here and the rest in
    /// chunks.
    pub(crate) fn into_parts(mut self) -> (R, Vec<u8>, bool) {
        self.buf.truncate(self.end);
        self.buf.drain(..self.pos);
        (self.inner, self.buf, self.eof)
    }

    /// Gives back the reader's buffer (a chunk of [`RecordReader::span`], for reuse).
    pub(crate) fn into_buf(self) -> Vec<u8> {
        self.buf
    }

    /// Whether the stream began with a UTF-8 byte-order mark (stripped). Known after the first record.
    pub fn had_bom(&self) -> bool {
        self.bom
    }

    /// Bytes consumed so far (records returned, including line ends). Of a too-long record the
    /// count includes the most a record may have and the byte past it, however much of it was
    /// read ahead: the same input gives the same count whatever its reads return.
    pub fn position(&self) -> u64 {
        self.consumed
    }

    /// Marks fields whose values are JSON (lists, documents). In such a field a quote inside the
    /// value is literal: `["a","b"]` needs no RFC 4180 quoting. A field that is a well-formed
    /// quoted value is still unquoted.
    pub fn set_raw_fields(&mut self, raw: Vec<bool>) {
        self.raw_fields = raw;
    }

    fn fill(&mut self) -> io::Result<bool> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            // Room for the longest record and its `\r\n`, no more: `next_line` gives up on a
            // line before it needs a bigger buffer.
            let len = (self.buf.len() * 2)
                .min(self.max.saturating_add(2))
                .max(self.buf.len() + 1);
            self.buf.reserve_exact(len - self.buf.len());
            self.buf.resize(len, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Returns the next physical line (without its line end) as a range of `buf`, or
    /// [`Line::TooLong`] as soon as it is known to be longer than `limit` bytes.
    fn next_line(&mut self, limit: usize) -> io::Result<Line> {
        let mut scanned = 0;
        loop {
            if let Some(i) = memchr(b'\n', &self.buf[self.pos + scanned..self.end]) {
                let start = self.pos;
                let nl = start + scanned + i;
                let stop = if nl > start && self.buf[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                if stop - start > limit {
                    return Ok(self.stop());
                }
                self.pos = nl + 1;
                self.consumed += (nl + 1 - start) as u64;
                return Ok(Line::Range(start, stop));
            }
            if self.eof {
                if self.pos == self.end {
                    return Ok(Line::End);
                }
                let (start, stop) = (self.pos, self.end);
                let stop = if self.buf[stop - 1] == b'\r' {
                    stop - 1
                } else {
                    stop
                };
                if stop - start > limit {
                    return Ok(self.stop());
                }
                self.consumed += (self.end - start) as u64;
                self.pos = self.end;
                return Ok(Line::Range(start, stop));
            }
            scanned = self.end - self.pos;
            // Only a final `\r` of what was scanned can fall outside the line.
            if scanned > limit.saturating_add(1) {
                return Ok(self.stop());
            }
            self.fill()?;
        }
    }

    /// Gives up on the current record: nothing more is read.
    fn stop(&mut self) -> Line {
        let max = u64::try_from(self.max).unwrap_or(u64::MAX);
        self.consumed = self.record_start.saturating_add(max).saturating_add(1);
        self.pos = self.end;
        self.stopped = true;
        Line::TooLong
    }

    /// Reads the next record into `rec`; `false` at the end of the stream, and after a record
    /// that was [`Record::too_long`].
    pub fn read_record(&mut self, rec: &mut Record) -> io::Result<bool> {
        rec.clear();
        if self.stopped {
            return Ok(false);
        }
        if !self.started {
            self.started = true;
            while self.end - self.pos < 3 && !self.eof {
                self.fill()?;
            }
            if self.buf[self.pos..self.end].starts_with(b"\xEF\xBB\xBF") {
                self.bom = true;
                self.pos += 3;
                self.consumed += 3;
            }
        }
        self.record_start = self.consumed;
        let (start, stop) = match self.next_line(self.max)? {
            Line::Range(start, stop) => (start, stop),
            Line::TooLong => {
                rec.too_long = true;
                return Ok(true);
            }
            Line::End => return Ok(false),
        };
        if start == stop {
            rec.blank = true;
            return Ok(true);
        }
        let line = &self.buf[start..stop];
        if split_fast(line, &self.raw_fields, &mut rec.bounds) {
            rec.data.extend_from_slice(line);
            return Ok(true);
        }
        rec.bounds.clear();
        rec.joined = true;
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        scratch.extend_from_slice(&self.buf[start..stop]);
        let result = self.read_quoted(rec, &mut scratch);
        self.scratch = scratch;
        result.map(|()| true)
    }

    /// The slow path for a line containing a quote; may continue over further lines while a
    /// quoted value is open, as long as the whole record fits the maximum.
    fn read_quoted(&mut self, rec: &mut Record, line: &mut Vec<u8>) -> io::Result<()> {
        let mut i = 0;
        loop {
            // At the start of a field.
            let field = rec.len();
            let raw = self.raw_fields.get(field).copied().unwrap_or(false);
            if raw {
                let stop = memchr(b'|', &line[i..]).map_or(line.len(), |j| i + j);
                let value = &line[i..stop];
                match unquote_whole(value) {
                    Some(v) => rec.data.extend_from_slice(&v),
                    None => rec.data.extend_from_slice(value),
                }
                rec.end_field();
                if stop == line.len() {
                    return Ok(());
                }
                i = stop + 1;
                continue;
            }
            if line.get(i) == Some(&b'"') {
                i += 1;
                // Inside quotes, possibly across lines.
                loop {
                    match memchr(b'"', &line[i..]) {
                        Some(j) => {
                            rec.data.extend_from_slice(&line[i..i + j]);
                            i += j + 1;
                            if line.get(i) == Some(&b'"') {
                                rec.data.push(b'"');
                                i += 1;
                                continue;
                            }
                            break;
                        }
                        None => {
                            rec.data.extend_from_slice(&line[i..]);
                            // What is left of the maximum after the lines so far and their ends.
                            let used = usize::try_from(self.consumed - self.record_start)
                                .unwrap_or(usize::MAX);
                            match self.next_line(self.max.saturating_sub(used))? {
                                Line::Range(s, e) => {
                                    rec.data.push(b'\n');
                                    line.clear();
                                    line.extend_from_slice(&self.buf[s..e]);
                                    i = 0;
                                }
                                Line::TooLong => {
                                    rec.clear();
                                    rec.too_long = true;
                                    return Ok(());
                                }
                                Line::End => {
                                    rec.unclosed_quote.get_or_insert(field);
                                    rec.end_field();
                                    return Ok(());
                                }
                            }
                        }
                    }
                }
                // After the closing quote only `|` or the line end may follow.
                if i < line.len() && line[i] != b'|' {
                    rec.stray_quote.get_or_insert(field);
                }
            }
            // Unquoted part (or text after a closing quote).
            let stop = memchr(b'|', &line[i..]).map_or(line.len(), |j| i + j);
            let rest = &line[i..stop];
            if memchr(b'"', rest).is_some() {
                rec.stray_quote.get_or_insert(field);
            }
            rec.data.extend_from_slice(rest);
            rec.end_field();
            if stop == line.len() {
                return Ok(());
            }
            i = stop + 1;
        }
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// 0x80 in every byte of `x` that is zero, exactly (no false positives from borrows).
#[inline]
fn zero_bytes(x: u64) -> u64 {
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// The high bits of `zero_bytes`'s eight bytes, gathered into one byte (bit k: byte k). Each
/// byte is 0 or 1 after the shift, so the multiplication adds no carries into the top byte.
#[inline]
fn gather(m: u64) -> u64 {
    ((m >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// Bit i set where `block[i]` is `|`, and where it is `"`, for a block of 64 bytes.
#[inline]
fn block_masks(block: &[u8]) -> (u64, u64) {
    let (mut pipes, mut quotes) = (0u64, 0u64);
    for (n, word) in block.chunks_exact(8).enumerate() {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let w = u64::from_le_bytes(w);
        pipes |= gather(zero_bytes(w ^ (LO * u64::from(b'|')))) << (8 * n);
        quotes |= gather(zero_bytes(w ^ (LO * u64::from(b'"')))) << (8 * n);
    }
    (pipes, quotes)
}

/// Splits a line without RFC 4180 quoting on `|`, 64 bytes at a time: one mask of its `|` and
/// one of its `"` per block, then a walk over the set bits (a block without quotes, nearly every
/// one, needs no look at the quote rules). Returns `false` (and leaves `bounds` to be rebuilt)
/// when the line needs the quote-aware slow path: a quote in a field that is not a JSON field,
/// or a JSON field that starts with a quote.
fn split_fast(line: &[u8], raw: &[bool], bounds: &mut Vec<(usize, usize)>) -> bool {
    // A quote is literal inside a JSON field that does not itself start with a quote.
    let literal_quote = |fields: usize, start: usize| {
        raw.get(fields).copied().unwrap_or(false) && line[start] != b'"'
    };
    let mut field_start = 0;
    let mut walk = |(pipes, quotes): (u64, u64), base: usize, bounds: &mut Vec<(usize, usize)>| {
        if quotes == 0 {
            let mut m = pipes;
            while m != 0 {
                let i = base + m.trailing_zeros() as usize;
                bounds.push((field_start, i));
                field_start = i + 1;
                m &= m - 1;
            }
            return true;
        }
        let mut m = pipes | quotes;
        while m != 0 {
            let bit = m.trailing_zeros();
            let i = base + bit as usize;
            if pipes & (1 << bit) != 0 {
                bounds.push((field_start, i));
                field_start = i + 1;
            } else if !literal_quote(bounds.len(), field_start) {
                return false;
            }
            m &= m - 1;
        }
        true
    };
    let mut blocks = line.chunks_exact(64);
    let mut base = 0;
    for block in &mut blocks {
        if !walk(block_masks(block), base, bounds) {
            return false;
        }
        base += 64;
    }
    // The tail, padded with zeros (neither `|` nor `"`) to a whole block.
    let rest = blocks.remainder();
    let mut pad = [0u8; 64];
    pad[..rest.len()].copy_from_slice(rest);
    if !walk(block_masks(&pad), base, bounds) {
        return false;
    }
    bounds.push((field_start, line.len()));
    true
}

/// `"a""b"` → `a"b` when the whole value is one well-formed quoted value.
fn unquote_whole(v: &[u8]) -> Option<Vec<u8>> {
    if v.len() < 2 || v[0] != b'"' || v[v.len() - 1] != b'"' {
        return None;
    }
    let inner = &v[1..v.len() - 1];
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        if inner[i] == b'"' {
            if inner.get(i + 1) != Some(&b'"') {
                return None;
            }
            i += 1;
        }
        out.push(inner[i]);
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> Vec<Record> {
        let mut r = RecordReader::new(input);
        let mut out = Vec::new();
        let mut rec = Record::default();
        while r.read_record(&mut rec).unwrap() {
            out.push(rec.clone());
        }
        out
    }

    fn fields(r: &Record) -> Vec<String> {
        r.iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect()
    }

    /// `split_fast` against a byte-at-a-time split, over lines of every length up to three
    /// blocks with `|`, `"` and other bytes everywhere, and JSON fields here and there.
    #[test]
    fn the_block_split_agrees_with_a_byte_by_byte_split() {
        fn naive(line: &[u8], raw: &[bool], bounds: &mut Vec<(usize, usize)>) -> bool {
            let mut start = 0;
            for (i, b) in line.iter().enumerate() {
                if *b == b'|' {
                    bounds.push((start, i));
                    start = i + 1;
                } else if *b == b'"'
                    && !(raw.get(bounds.len()).copied().unwrap_or(false) && line[start] != b'"')
                {
                    return false;
                }
            }
            bounds.push((start, line.len()));
            true
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let raw: Vec<bool> = (0..200).map(|i| i % 5 == 3).collect();
        for _ in 0..20_000 {
            let len = (next() % 200) as usize;
            let quotes = next() % 4 == 0;
            let line: Vec<u8> = (0..len)
                .map(|_| match next() % 10 {
                    0..=2 => b'|',
                    3 if quotes => b'"',
                    4 => 0x80 | (next() as u8),
                    _ => b'a' + (next() % 26) as u8,
                })
                .collect();
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let fast = split_fast(&line, &raw, &mut a);
            assert_eq!(fast, naive(&line, &raw, &mut b), "{line:?}");
            if fast {
                assert_eq!(a, b, "{line:?}");
            }
        }
    }

    #[test]
    fn splits_crlf_and_lf_and_keeps_final_line_without_end() {
        let recs = read_all(b"a|b\r\nc|d\ne|f");
        assert_eq!(recs.len(), 3);
        assert_eq!(fields(&recs[0]), ["a", "b"]);
        assert_eq!(fields(&recs[2]), ["e", "f"]);
    }

    #[test]
    fn blank_lines_are_records_but_a_final_line_end_is_not() {
        let recs = read_all(b"a\n\nb\n");
        assert_eq!(recs.len(), 3);
        assert!(recs[1].blank);
        assert!(!recs[2].blank);
    }

    #[test]
    fn quoted_values_unescape_and_may_span_lines() {
        let recs = read_all(b"\"a|\"\"x\"\"\"|\"two\nlines\"|c\n");
        assert_eq!(fields(&recs[0]), ["a|\"x\"", "two\nlines", "c"]);
        assert_eq!(recs[0].stray_quote, None);
    }

    #[test]
    fn stray_and_unclosed_quotes_are_flagged() {
        let recs = read_all(b"ab\"c|d\n\"x\"y|z\n");
        assert_eq!(recs[0].stray_quote, Some(0));
        assert_eq!(recs[1].stray_quote, Some(0));
        let recs = read_all(b"a|\"open\nnever closed");
        assert_eq!(recs[0].unclosed_quote, Some(1));
    }

    #[test]
    fn raw_fields_keep_json_quotes() {
        let mut r = RecordReader::new(&b"x|[\"a\",\"b\"]|\"[\"\"c\"\"]\"\n"[..]);
        r.set_raw_fields(vec![false, true, true]);
        let mut rec = Record::default();
        assert!(r.read_record(&mut rec).unwrap());
        assert_eq!(fields(&rec), ["x", "[\"a\",\"b\"]", "[\"c\"]"]);
        assert_eq!(rec.stray_quote, None);
    }

    #[test]
    fn bom_is_stripped_and_long_lines_grow_the_buffer_up_to_the_maximum() {
        let mut input = b"\xEF\xBB\xBFh\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', INITIAL_BUF * 3));
        let mut r = RecordReader::with_max_line_bytes(&input[..], INITIAL_BUF * 3);
        let mut rec = Record::default();
        assert!(r.read_record(&mut rec).unwrap());
        assert!(r.had_bom());
        assert_eq!(rec.field(0), b"h");
        assert!(r.read_record(&mut rec).unwrap());
        assert!(!rec.too_long);
        assert_eq!(rec.field(0).len(), INITIAL_BUF * 3);
        assert!(r.buf.len() <= INITIAL_BUF * 3 + 2, "{}", r.buf.len());
        assert!(!r.read_record(&mut rec).unwrap());
        assert_eq!(r.position(), input.len() as u64);
    }

    /// Reads `input` with maximum `max`: the records' fields, or `None` for a too-long one.
    fn read_max(input: &[u8], max: usize) -> Vec<Option<Vec<String>>> {
        let mut r = RecordReader::with_max_line_bytes(input, max);
        let mut out = Vec::new();
        let mut rec = Record::default();
        while r.read_record(&mut rec).unwrap() {
            out.push((!rec.too_long).then(|| fields(&rec)));
        }
        out
    }

    #[test]
    fn a_line_of_exactly_the_maximum_is_read_whatever_its_line_end() {
        for input in [
            &b"abcd\nxy"[..],
            b"abcd\r\nxy",
            b"ab|d\r\nxy\r\n",
            b"\"a\"|\nxy",
        ] {
            let recs = read_max(input, 4);
            assert_eq!(recs.len(), 2, "{input:?}");
            assert!(recs.iter().all(Option::is_some), "{input:?}");
        }
        assert_eq!(read_max(b"abcd", 4), [Some(vec!["abcd".to_string()])]);
    }

    #[test]
    fn a_longer_line_is_too_long_and_nothing_after_it_is_read() {
        for input in [
            &b"ab\nabcde\nc\n"[..],
            b"ab\nabcde",
            b"ab\nabcde\r\nc",
            b"ab\na\"cde\nc",
        ] {
            let recs = read_max(input, 4);
            assert_eq!(recs, [Some(vec!["ab".to_string()]), None], "{input:?}");
        }
    }

    #[test]
    fn a_quoted_value_over_several_lines_counts_them_all() {
        // `"a`, the line break and `b"`: 5 bytes.
        assert_eq!(
            read_max(b"\"a\nb\"\nc", 5)[0],
            Some(vec!["a\nb".to_string()])
        );
        assert_eq!(read_max(b"\"a\nb\"\nc", 4), [None]);
        // A quote opened and never closed stops at the maximum, not at the end of the file.
        let mut input = b"h\n\"open".to_vec();
        input.extend(std::iter::repeat_n(b"line\n", 100_000).flatten());
        let mut r = RecordReader::with_max_line_bytes(&input[..], 1000);
        let mut rec = Record::default();
        assert!(r.read_record(&mut rec).unwrap());
        assert!(r.read_record(&mut rec).unwrap());
        assert!(rec.too_long && rec.is_empty() && rec.unclosed_quote.is_none());
        assert!(rec.data.capacity() <= 2 * 1000, "{}", rec.data.capacity());
        assert!(r.position() < 2000, "{}", r.position());
        assert!(!r.read_record(&mut rec).unwrap());
    }

    #[test]
    fn a_huge_line_reads_no_more_than_the_buffer() {
        /// Endless bytes without a line end, counting what was read.
        struct Zeros(u64);
        impl Read for Zeros {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                buf.fill(0);
                self.0 += buf.len() as u64;
                Ok(buf.len())
            }
        }
        let mut r = RecordReader::with_max_line_bytes(Zeros(0), DEFAULT_MAX_LINE_BYTES);
        let mut rec = Record::default();
        assert!(r.read_record(&mut rec).unwrap());
        assert!(rec.too_long);
        assert!(!r.read_record(&mut rec).unwrap());
        assert!(r.buf.len() <= DEFAULT_MAX_LINE_BYTES + 2, "{}", r.buf.len());
        assert!(
            r.inner.0 <= (DEFAULT_MAX_LINE_BYTES + 2) as u64,
            "{}",
            r.inner.0
        );
    }

    /// Found by fuzzing: the bytes counted for a too-long row depended on how much one read
    /// returned, so a report's `bytes` changed with the reads.
    #[test]
    fn a_too_long_row_counts_the_same_bytes_whatever_the_reads() {
        /// Returns at most `n` bytes a read.
        struct Chunked<'a>(&'a [u8], usize);
        impl Read for Chunked<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let k = buf.len().min(self.1).min(self.0.len());
                buf[..k].copy_from_slice(&self.0[..k]);
                self.0 = &self.0[k..];
                Ok(k)
            }
        }
        let position = |input: &mut dyn Read| {
            let mut r = RecordReader::with_max_line_bytes(input, 10);
            let mut rec = Record::default();
            while r.read_record(&mut rec).unwrap() {}
            r.position()
        };
        for input in [
            &b"ab\n0123456789ab\ncd\n"[..],
            b"ab\n0123456789a",
            b"ab\n\"0123\n456\n789\"\ncd",
        ] {
            let whole = position(&mut &input[..]);
            assert_eq!(whole, 3 + 11, "{input:?}");
            for n in [1, 2, 5, 13] {
                assert_eq!(position(&mut Chunked(input, n)), whole, "{input:?} by {n}");
            }
        }
    }
}
