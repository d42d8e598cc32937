//! The rows of a file on their way from the one read that validates them to the write that
//! applies them: encoded in batches (each row: its number, then every schema column as a
//! length — 0 for null, else the length + 1 — and its bytes), handed to the writer as they come
//! when it is free ([`Batch`] over a channel), or kept until it is ([`Stage`]: in memory up to
//! [`MEMORY`], the rest in an anonymous temporary file). Bounded memory for a file of any size,
//! and the CSV is never parsed twice.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};

/// Bytes of encoded rows a batch holds before it is handed on.
pub(crate) const BATCH: usize = 256 << 10;

/// Encoded rows kept in memory by a [`Stage`]; past it batches go to a temporary file.
pub(crate) const MEMORY: usize = 64 << 20;

/// Called with each row's number and cells.
pub(crate) type EachRow<'f> = &'f mut dyn FnMut(u64, &[Option<&str>]) -> io::Result<()>;

/// Encoded rows, whole rows only.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    bytes: Vec<u8>,
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(b: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*at)?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some(v);
        }
    }
    None
}

fn damaged() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "a staged row is damaged")
}

impl Batch {
    /// Adds a row (its cells by schema column).
    pub(crate) fn push(&mut self, row: u64, cells: &[Option<&str>]) {
        put_varint(&mut self.bytes, row);
        for c in cells {
            match c {
                None => self.bytes.push(0),
                Some(v) => {
                    put_varint(&mut self.bytes, v.len() as u64 + 1);
                    self.bytes.extend_from_slice(v.as_bytes());
                }
            }
        }
    }

    /// Whether it should be handed on.
    pub(crate) fn is_full(&self) -> bool {
        self.bytes.len() >= BATCH
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Calls `f` with each row's number and cells (`columns` of them).
    pub(crate) fn for_each(&self, columns: usize, f: EachRow) -> io::Result<()> {
        let b = &self.bytes[..];
        let mut at = 0;
        let mut cells: Vec<Option<&str>> = Vec::with_capacity(columns);
        while at < b.len() {
            let row = get_varint(b, &mut at).ok_or_else(damaged)?;
            cells.clear();
            for _ in 0..columns {
                let n = get_varint(b, &mut at).ok_or_else(damaged)? as usize;
                if n == 0 {
                    cells.push(None);
                    continue;
                }
                let end = at.checked_add(n - 1).filter(|e| *e <= b.len());
                let v = &b[at..end.ok_or_else(damaged)?];
                cells.push(Some(std::str::from_utf8(v).map_err(|_| damaged())?));
                at += n - 1;
            }
            f(row, &cells)?;
        }
        Ok(())
    }
}

/// A decided file's rows kept until the writer is free.
#[derive(Default)]
pub(crate) struct Stage {
    memory: Vec<Batch>,
    in_memory: usize,
    spill: Option<BufWriter<File>>,
}

impl Stage {
    /// Keeps a batch.
    pub(crate) fn push(&mut self, batch: Batch) -> io::Result<()> {
        if self.spill.is_none() && self.in_memory + batch.bytes.len() <= MEMORY {
            self.in_memory += batch.bytes.len();
            self.memory.push(batch);
            return Ok(());
        }
        if self.spill.is_none() {
            self.spill = Some(BufWriter::new(tempfile::tempfile()?));
        }
        let w = self.spill.as_mut().expect("just set");
        w.write_all(&(batch.bytes.len() as u64).to_le_bytes())?;
        w.write_all(&batch.bytes)
    }

    /// Every kept row, in the order pushed.
    pub(crate) fn replay(self, columns: usize, f: EachRow) -> io::Result<()> {
        for b in &self.memory {
            b.for_each(columns, f)?;
        }
        let Some(w) = self.spill else {
            return Ok(());
        };
        let mut file = w.into_inner().map_err(|e| e.into_error())?;
        file.rewind()?;
        let mut r = BufReader::new(file);
        let mut len = [0u8; 8];
        let mut batch = Batch::default();
        loop {
            match r.read_exact(&mut len) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(e),
            }
            let n = usize::try_from(u64::from_le_bytes(len)).map_err(|_| damaged())?;
            batch.bytes.resize(n, 0);
            r.read_exact(&mut batch.bytes)?;
            batch.for_each(columns, f)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Rows = Vec<(u64, Vec<Option<String>>)>;

    fn rows(n: u64) -> Rows {
        (0..n)
            .map(|i| {
                let long = "é".repeat((i % 300) as usize);
                (
                    i + 2,
                    vec![
                        Some(format!("id-{i}")),
                        None,
                        Some(String::new()),
                        Some(long),
                    ],
                )
            })
            .collect()
    }

    fn staged(rows: &Rows) -> Stage {
        let mut stage = Stage::default();
        let mut batch = Batch::default();
        for (row, cells) in rows {
            let cells: Vec<Option<&str>> = cells.iter().map(|c| c.as_deref()).collect();
            batch.push(*row, &cells);
            if batch.is_full() {
                stage.push(std::mem::take(&mut batch)).unwrap();
            }
        }
        stage.push(batch).unwrap();
        stage
    }

    fn replayed(stage: Stage) -> Rows {
        let mut got = Vec::new();
        stage
            .replay(4, &mut |row, cells| {
                got.push((row, cells.iter().map(|c| c.map(str::to_string)).collect()));
                Ok(())
            })
            .unwrap();
        got
    }

    #[test]
    fn rows_come_back_as_staged_from_memory() {
        let want = rows(1000);
        let stage = staged(&want);
        assert!(stage.spill.is_none());
        assert_eq!(replayed(stage), want);
    }

    #[test]
    fn rows_past_the_memory_bound_come_back_from_the_temporary_file() {
        // About 300 bytes a row on average: past 64 MiB after about 220,000 rows.
        let want = rows(300_000);
        let stage = staged(&want);
        assert!(stage.spill.is_some(), "the stage should have spilled");
        assert!(stage.in_memory <= MEMORY);
        assert_eq!(replayed(stage), want);
    }

    #[test]
    fn a_damaged_batch_is_an_error_not_a_panic() {
        let mut b = Batch::default();
        b.push(2, &[Some("abc")]);
        b.bytes.truncate(b.bytes.len() - 1);
        let e = b.for_each(1, &mut |_, _| Ok(())).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }
}
