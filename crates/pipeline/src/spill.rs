//! Every error of a rejected file, in row order, in bounded memory (D7: the errors file lists
//! them all; a million-row file with an error in every row must not need a million findings in
//! memory). Errors arrive mostly in row order from several checks; they are kept in a buffer,
//! written out as sorted runs when it fills, and merged into `<name>.errors.csv` at the end.
//! The first [`STATUS_LIMIT`] by row are kept aside for the status file.

use crate::status::{error_line, STATUS_LIMIT};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, Write};
use validate::Finding;

/// Errors buffered before a sorted run goes to disk.
const RUN: usize = 1 << 16;

/// A file's errors so far.
pub struct ErrorSpill {
    buf: Vec<(u64, u64, String)>,
    runs: Vec<std::fs::File>,
    /// The first errors by row, for the status file.
    first: FirstByRow,
    seq: u64,
}

/// The first `limit` findings by row (ties in arrival order), of any number pushed in any order:
/// a max-heap of the smallest keys.
pub(crate) struct FirstByRow {
    limit: usize,
    seen: u64,
    heap: BinaryHeap<(u64, u64, Keyed)>,
}

/// A finding ordered by the key beside it only.
struct Keyed(Finding);

impl PartialEq for Keyed {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for Keyed {}
impl PartialOrd for Keyed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Keyed {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl FirstByRow {
    /// Keeps at most `limit`.
    pub(crate) fn new(limit: usize) -> Self {
        FirstByRow {
            limit,
            seen: 0,
            heap: BinaryHeap::new(),
        }
    }

    /// Offers a finding.
    pub(crate) fn push(&mut self, f: Finding) {
        let key = (f.row, self.seen);
        self.seen += 1;
        if self.heap.len() < self.limit {
            self.heap.push((key.0, key.1, Keyed(f)));
        } else if self.heap.peek().is_some_and(|(r, s, _)| key < (*r, *s)) {
            self.heap.pop();
            self.heap.push((key.0, key.1, Keyed(f)));
        }
    }

    /// How many were offered.
    pub(crate) fn seen(&self) -> u64 {
        self.seen
    }

    /// The kept ones, in row order.
    pub(crate) fn into_sorted(self) -> Vec<Finding> {
        let mut v = self.heap.into_vec();
        v.sort_by_key(|(r, s, _)| (*r, *s));
        v.into_iter().map(|(_, _, k)| k.0).collect()
    }

    /// The kept ones, in row order, copied.
    pub(crate) fn sorted(&self) -> Vec<Finding> {
        let mut v: Vec<&(u64, u64, Keyed)> = self.heap.iter().collect();
        v.sort_by_key(|(r, s, _)| (*r, *s));
        v.into_iter().map(|(_, _, k)| k.0.clone()).collect()
    }
}

impl std::fmt::Debug for ErrorSpill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ErrorSpill")
            .field("errors", &self.seq)
            .field("runs", &self.runs.len())
            .finish()
    }
}

impl Default for ErrorSpill {
    fn default() -> Self {
        ErrorSpill {
            buf: Vec::new(),
            runs: Vec::new(),
            first: FirstByRow::new(STATUS_LIMIT),
            seq: 0,
        }
    }
}

impl ErrorSpill {
    /// Adds an error.
    pub fn push(&mut self, f: &Finding) -> io::Result<()> {
        let seq = self.seq;
        self.seq += 1;
        self.first.push(f.clone());
        self.buf.push((f.row, seq, error_line(f)));
        if self.buf.len() >= RUN {
            self.spill()?;
        }
        Ok(())
    }

    /// How many errors were added.
    #[cfg(test)]
    pub fn len(&self) -> u64 {
        self.seq
    }

    /// The first [`STATUS_LIMIT`] errors in row order (ties in arrival order).
    pub fn first(&self) -> Vec<Finding> {
        self.first.sorted()
    }

    fn spill(&mut self) -> io::Result<()> {
        self.buf.sort_by_key(|(r, s, _)| (*r, *s));
        let mut file = tempfile::tempfile()?;
        {
            let mut w = BufWriter::new(&mut file);
            for (row, seq, line) in self.buf.drain(..) {
                // One entry a line: a quoted value may hold a line break.
                writeln!(w, "{row}\t{seq}\t{}", escape(&line))?;
            }
            w.flush()?;
        }
        file.rewind()?;
        self.runs.push(file);
        Ok(())
    }

    /// Writes every error as lines of the errors file, in row order (ties in arrival order).
    pub fn write_lines(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.runs.is_empty() {
            self.buf.sort_by_key(|(r, s, _)| (*r, *s));
            for (_, _, line) in &self.buf {
                out.write_all(line.as_bytes())?;
                out.write_all(b"\n")?;
            }
            return Ok(());
        }
        self.spill()?;
        let mut readers: Vec<_> = self
            .runs
            .iter_mut()
            .map(|f| {
                f.rewind()?;
                Ok(BufReader::new(f).lines())
            })
            .collect::<io::Result<_>>()?;
        let mut heap = BinaryHeap::new();
        for (i, r) in readers.iter_mut().enumerate() {
            if let Some(entry) = next_entry(r)? {
                heap.push(Reverse((entry.0, entry.1, i, entry.2)));
            }
        }
        while let Some(Reverse((_, _, i, line))) = heap.pop() {
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
            if let Some(entry) = next_entry(&mut readers[i])? {
                heap.push(Reverse((entry.0, entry.1, i, entry.2)));
            }
        }
        Ok(())
    }
}

type Lines<'a> = io::Lines<BufReader<&'a mut std::fs::File>>;

/// The next `row\tseq\tline` of a run.
fn next_entry(r: &mut Lines) -> io::Result<Option<(u64, u64, String)>> {
    let Some(l) = r.next().transpose()? else {
        return Ok(None);
    };
    let bad = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "a spilled error line is damaged",
        )
    };
    let mut parts = l.splitn(3, '\t');
    let row = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let seq = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let line = unescape(parts.next().ok_or_else(bad)?);
    Ok(Some((row, seq, line)))
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(row: u64, n: u64) -> Finding {
        Finding {
            row,
            column: Some("c".into()),
            code: "enum",
            message: format!("m{n}\ttab|pipe\nline \\ end"),
            value: None,
        }
    }

    fn all(s: &mut ErrorSpill) -> Vec<String> {
        let mut out = Vec::new();
        s.write_lines(&mut out).unwrap();
        // Entries are split on the quoted line break the message carries.
        String::from_utf8(out)
            .unwrap()
            .split("\"|\n")
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    }

    #[test]
    fn small_and_spilled_lists_come_out_in_row_then_arrival_order() {
        for n in [10u64, RUN as u64 * 2 + 17] {
            let mut s = ErrorSpill::default();
            // Rows in order, then late ones for earlier rows (duplicate ids, cross-file).
            for i in 0..n {
                s.push(&finding(i + 2, i)).unwrap();
            }
            s.push(&finding(0, n)).unwrap();
            s.push(&finding(3, n + 1)).unwrap();
            let lines = all(&mut s);
            assert_eq!(lines.len() as u64, n + 2);
            assert_eq!(s.len(), n + 2);
            let rows: Vec<u64> = lines
                .iter()
                .map(|l| l.split('|').next().unwrap().parse().unwrap())
                .collect();
            assert!(rows.windows(2).all(|w| w[0] <= w[1]), "not in row order");
            assert_eq!(rows[0], 0);
            // Row 3 twice: the in-order one first, the late one after it.
            let row3: Vec<&String> = lines.iter().filter(|l| l.starts_with("3|")).collect();
            assert!(row3[0].contains("m1\t") && row3[1].contains(&format!("m{}\t", n + 1)));
            let first = s.first();
            assert_eq!(first.len(), (n as usize + 2).min(STATUS_LIMIT));
            assert_eq!(first[0].row, 0);
            assert!(first.windows(2).all(|w| w[0].row <= w[1].row));
        }
    }
}
