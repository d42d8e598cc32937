//! Duplicate-id detection in 16 bytes a row, in memory bounded by configuration.
//!
//! Each id is stored as a 96-bit hash plus its row in fixed-size chunks (no doubling of a big
//! vector). Past a configured number of entries the chunks are sorted and written to an
//! anonymous temporary file as one sorted run, so memory stays at the cap whatever the file's
//! size. At the end the chunks and the runs are merged in (hash, row) order: the rows of one id
//! come together, its first row first, so each duplicate is handed out as it is met and a file
//! repeating one id on every row needs no memory per repeat. A set holding the ids themselves
//! would cost ~40 bytes a row in a hash table; a 96-bit hash collides about once in 10^13 files
//! of a million rows.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::path::PathBuf;
use xxhash_rust::xxh3::xxh3_128;

/// Ordered by hash, then row: the derived order of the fields.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    hi: u64,
    lo: u32,
    row: u32,
}

const ENTRY_BYTES: usize = 16;

impl Entry {
    fn to_bytes(self) -> [u8; ENTRY_BYTES] {
        let mut b = [0; ENTRY_BYTES];
        b[..8].copy_from_slice(&self.hi.to_le_bytes());
        b[8..12].copy_from_slice(&self.lo.to_le_bytes());
        b[12..].copy_from_slice(&self.row.to_le_bytes());
        b
    }

    fn from_bytes(b: &[u8; ENTRY_BYTES]) -> Self {
        let word = |r: std::ops::Range<usize>| {
            let mut w = [0; 4];
            w.copy_from_slice(&b[r]);
            u32::from_le_bytes(w)
        };
        let mut hi = [0; 8];
        hi.copy_from_slice(&b[..8]);
        Entry {
            hi: u64::from_le_bytes(hi),
            lo: word(8..12),
            row: word(12..16),
        }
    }
}

impl Entry {
    /// `id` seen in `row` (saturated at `u32::MAX`).
    fn new(id: &[u8], row: u64) -> Self {
        let h = xxh3_128(id);
        Entry {
            hi: (h >> 64) as u64,
            lo: h as u32,
            row: u32::try_from(row).unwrap_or(u32::MAX),
        }
    }
}

/// Where the row checks put each row's id: the file's [`IdSet`], or one chunk's [`LocalIds`].
pub(crate) trait Ids {
    /// Remembers `id` seen in `row`.
    fn insert(&mut self, id: &[u8], row: u64) -> io::Result<()>;
    /// No more ids fit: the scan stops (the parallel path then redoes the chunk in order).
    fn full(&self) -> bool {
        false
    }
}

impl Ids for IdSet {
    fn insert(&mut self, id: &[u8], row: u64) -> io::Result<()> {
        IdSet::insert(self, id, row)
    }
}

/// The ids of one chunk on the parallel path, with rows counted from the chunk's first record,
/// up to a cap ([`Ids::full`] past it); sorted on the chunk's own thread, then added to the
/// file's [`IdSet`] by [`IdSet::extend_sorted`].
pub(crate) struct LocalIds {
    entries: Vec<Entry>,
    cap: usize,
}

impl LocalIds {
    /// Room for `cap` ids (16 bytes each).
    pub(crate) fn new(cap: usize) -> Self {
        LocalIds {
            entries: Vec::new(),
            cap,
        }
    }

    /// Sorts the ids, as the file's set wants them.
    pub(crate) fn sort(&mut self) {
        self.entries.sort_unstable();
    }
}

impl Ids for LocalIds {
    fn insert(&mut self, id: &[u8], row: u64) -> io::Result<()> {
        self.entries.push(Entry::new(id, row));
        Ok(())
    }

    fn full(&self) -> bool {
        self.entries.len() > self.cap
    }
}

const CHUNK: usize = 1 << 16;

/// Buffer of each run while runs are merged: 64 runs cost 1 MiB.
const RUN_BUF: usize = 16 << 10;

/// Runs of one size merged into one once there are this many: bounds open files and merge
/// buffers whatever the cap and the file size.
const MAX_RUNS: usize = 64;

/// A sorted run on disk; `level` 0 is one spill, level n+1 is [`MAX_RUNS`] level-n runs merged.
struct Run {
    file: File,
    level: u32,
}

/// Ids seen in one file, with their rows.
pub struct IdSet {
    chunks: Vec<Vec<Entry>>,
    /// Entries in `chunks`.
    len: usize,
    max_in_memory: usize,
    spill_dir: Option<PathBuf>,
    runs: Vec<Run>,
}

impl Default for IdSet {
    /// An id set with the validator's default cap, spilling to the system temporary directory.
    fn default() -> Self {
        IdSet::new(crate::DEFAULT_MAX_IDS_IN_MEMORY, None)
    }
}

/// A later row repeating the id of `first_row`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duplicate {
    /// The repeating row.
    pub row: u64,
    /// The row the id first appeared in.
    pub first_row: u64,
}

impl IdSet {
    /// Keeps at most `max_in_memory` ids in memory (at least one); past it they are written to
    /// anonymous files in `spill_dir` (`None`: the system temporary directory).
    pub fn new(max_in_memory: usize, spill_dir: Option<PathBuf>) -> Self {
        IdSet {
            chunks: Vec::new(),
            len: 0,
            max_in_memory: max_in_memory.max(1),
            spill_dir,
            runs: Vec::new(),
        }
    }

    /// Remembers `id` seen in `row`. Rows past `u32::MAX` are stored as `u32::MAX` (saturated,
    /// never wrapped into an earlier row). Fails only when a spill cannot be written.
    pub fn insert(&mut self, id: &[u8], row: u64) -> io::Result<()> {
        self.push(Entry::new(id, row))
    }

    fn push(&mut self, e: Entry) -> io::Result<()> {
        if self.len == self.max_in_memory {
            self.spill()?;
        }
        match self.chunks.last_mut() {
            Some(c) if c.len() < c.capacity() => c.push(e),
            _ => {
                let room = CHUNK.min(self.max_in_memory - self.len);
                let mut c = Vec::with_capacity(room);
                c.push(e);
                self.chunks.push(c);
            }
        }
        self.len += 1;
        Ok(())
    }

    /// Adds the ids of a chunk of the file (sorted, rows counted from the chunk's first record)
    /// whose first record is row `first_row`: the same entries as inserting each in turn, kept
    /// as sorted chunks so the final sort finds them in order.
    pub(crate) fn extend_sorted(&mut self, local: LocalIds, first_row: u64) -> io::Result<()> {
        let offset = first_row - 1;
        let mut run = local.entries;
        for e in &mut run {
            e.row = u32::try_from(u64::from(e.row) + offset).unwrap_or(u32::MAX);
        }
        // Rows grow by the same offset (or saturate alike): the run stays sorted.
        while !run.is_empty() {
            if self.len == self.max_in_memory {
                self.spill()?;
            }
            let room = self.max_in_memory - self.len;
            let rest = if run.len() > room {
                let rest = run.split_off(room);
                run.shrink_to_fit();
                rest
            } else {
                Vec::new()
            };
            self.len += run.len();
            self.chunks.push(run);
            run = rest;
        }
        Ok(())
    }

    /// How many sorted runs are on disk (for tests and the curious).
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Hands every row whose id appeared in an earlier row to `on_duplicate`, grouped by id
    /// (not in row order). Fails only when a spilled run cannot be read back.
    pub fn finish(mut self, on_duplicate: &mut dyn FnMut(Duplicate)) -> io::Result<()> {
        self.sort_chunks();
        let mut sources: Vec<Source> = self
            .chunks
            .iter()
            .map(|c| Source::Memory(c.iter()))
            .collect();
        for run in &mut self.runs {
            sources.push(Source::open(&mut run.file)?);
        }
        let mut first: Option<Entry> = None;
        merge(sources, &mut |e| {
            match first {
                Some(f) if f.hi == e.hi && f.lo == e.lo => on_duplicate(Duplicate {
                    row: u64::from(e.row),
                    first_row: u64::from(f.row),
                }),
                _ => first = Some(e),
            }
            Ok(())
        })
    }

    /// [`IdSet::finish`] on two threads when every id is in memory: the hashes below 2^63 are
    /// merged here while another thread merges the rest, so the duplicates come out in the same
    /// order. The other thread keeps at most [`HALF_CAP`] duplicates for later; past that it
    /// stops, and its merge goes on here once the first half is out.
    pub(crate) fn finish_on_two_threads(
        mut self,
        on_duplicate: &mut dyn FnMut(Duplicate),
    ) -> io::Result<()> {
        // Fewer ids than a thread is worth, or some on disk: one thread.
        if !self.runs.is_empty() || self.len < TWO_THREADS_FROM {
            return self.finish(on_duplicate);
        }
        self.sort_chunks();
        // Sorted by hash: each chunk is a run below the split, then a run above it.
        let split = |c: &Vec<Entry>| c.partition_point(|e| e.hi < 1 << 63);
        let lower: Vec<&[Entry]> = self.chunks.iter().map(|c| &c[..split(c)]).collect();
        let upper: Vec<&[Entry]> = self.chunks.iter().map(|c| &c[split(c)..]).collect();
        std::thread::scope(|s| {
            let other = s.spawn(move || {
                let mut m = MemMerge::new(upper);
                let mut kept = Vec::new();
                let done = m.run(&mut |d| {
                    kept.push(d);
                    kept.len() < HALF_CAP
                });
                (m, kept, done)
            });
            MemMerge::new(lower).run(&mut |d| {
                on_duplicate(d);
                true
            });
            // A panic on the other thread is a bug in the merge: pass it on.
            let (mut m, kept, done) = match other.join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            kept.into_iter().for_each(&mut *on_duplicate);
            if !done {
                m.run(&mut |d| {
                    on_duplicate(d);
                    true
                });
            }
        });
        Ok(())
    }

    fn sort_chunks(&mut self) {
        for c in &mut self.chunks {
            c.sort_unstable();
        }
    }

    /// Writes the chunks as one sorted run and empties them; merges the newest runs into one
    /// when [`MAX_RUNS`] of them have the same level.
    fn spill(&mut self) -> io::Result<()> {
        self.sort_chunks();
        let sources = self
            .chunks
            .iter()
            .map(|c| Source::Memory(c.iter()))
            .collect();
        let file = self.write_run(sources)?;
        self.chunks.clear();
        self.len = 0;
        self.runs.push(Run { file, level: 0 });
        loop {
            let n = self.runs.len();
            let level = self.runs[n - 1].level;
            if n < MAX_RUNS || self.runs[n - MAX_RUNS..].iter().any(|r| r.level != level) {
                return Ok(());
            }
            let mut merged: Vec<Run> = self.runs.drain(n - MAX_RUNS..).collect();
            let sources = merged
                .iter_mut()
                .map(|r| Source::open(&mut r.file))
                .collect::<io::Result<_>>()?;
            let file = self.write_run(sources)?;
            self.runs.push(Run {
                file,
                level: level + 1,
            });
        }
    }

    /// A new anonymous file holding `sources` merged.
    fn write_run(&self, sources: Vec<Source>) -> io::Result<File> {
        let file = match &self.spill_dir {
            Some(dir) => tempfile::tempfile_in(dir)?,
            None => tempfile::tempfile()?,
        };
        let mut w = BufWriter::with_capacity(64 << 10, file);
        merge(sources, &mut |e| w.write_all(&e.to_bytes()))?;
        w.into_inner().map_err(io::IntoInnerError::into_error)
    }
}

/// Ids from which [`IdSet::finish_on_two_threads`] uses a second thread.
const TWO_THREADS_FROM: usize = 1 << 16;

/// Duplicates the other thread of [`IdSet::finish_on_two_threads`] keeps (16 bytes each).
const HALF_CAP: usize = 1 << 16;

/// A merge of sorted runs in memory that hands out the duplicates it meets and can stop and
/// go on later.
struct MemMerge<'a> {
    runs: Vec<&'a [Entry]>,
    heap: BinaryHeap<Reverse<(Entry, usize)>>,
    /// The first entry of the current hash.
    first: Option<Entry>,
}

impl<'a> MemMerge<'a> {
    fn new(mut runs: Vec<&'a [Entry]>) -> Self {
        let mut heap = BinaryHeap::with_capacity(runs.len());
        for (i, r) in runs.iter_mut().enumerate() {
            if let Some((e, rest)) = r.split_first() {
                heap.push(Reverse((*e, i)));
                *r = rest;
            }
        }
        MemMerge {
            runs,
            heap,
            first: None,
        }
    }

    /// Hands each duplicate to `f` until `f` returns `false` (`false` back) or the runs are
    /// exhausted (`true`). Takes entries in the order of `merge`, so duplicates come out as
    /// [`IdSet::finish`] gives them.
    fn run(&mut self, f: &mut dyn FnMut(Duplicate) -> bool) -> bool {
        while let Some(mut top) = self.heap.peek_mut() {
            let Reverse((e, i)) = *top;
            match self.runs[i].split_first() {
                Some((next, rest)) => {
                    *top = Reverse((*next, i));
                    self.runs[i] = rest;
                }
                None => {
                    std::collections::binary_heap::PeekMut::pop(top);
                }
            }
            match self.first {
                Some(f0) if f0.hi == e.hi && f0.lo == e.lo => {
                    let d = Duplicate {
                        row: u64::from(e.row),
                        first_row: u64::from(f0.row),
                    };
                    if !f(d) {
                        return false;
                    }
                }
                _ => self.first = Some(e),
            }
        }
        true
    }
}

/// Sorted entries: a sorted chunk, or a run read back from the start.
enum Source<'a> {
    Memory(std::slice::Iter<'a, Entry>),
    Disk(BufReader<&'a mut File>),
}

impl<'a> Source<'a> {
    fn open(file: &'a mut File) -> io::Result<Self> {
        file.rewind()?;
        Ok(Source::Disk(BufReader::with_capacity(RUN_BUF, file)))
    }

    fn next(&mut self) -> io::Result<Option<Entry>> {
        match self {
            Source::Memory(it) => Ok(it.next().copied()),
            Source::Disk(r) => {
                let mut b = [0; ENTRY_BYTES];
                match r.read_exact(&mut b) {
                    Ok(()) => Ok(Some(Entry::from_bytes(&b))),
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
                    Err(e) => Err(e),
                }
            }
        }
    }
}

/// Hands the entries of every source to `out` in order (ties: the earlier source first).
fn merge(mut sources: Vec<Source>, out: &mut dyn FnMut(Entry) -> io::Result<()>) -> io::Result<()> {
    let mut heap = BinaryHeap::with_capacity(sources.len());
    for (i, s) in sources.iter_mut().enumerate() {
        if let Some(e) = s.next()? {
            heap.push(Reverse((e, i)));
        }
    }
    while let Some(mut top) = heap.peek_mut() {
        let Reverse((e, i)) = *top;
        out(e)?;
        match sources[i].next()? {
            // Replacing the top sifts once instead of a pop and a push.
            Some(next) => *top = Reverse((next, i)),
            None => {
                std::collections::binary_heap::PeekMut::pop(top);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duplicates(s: IdSet) -> Vec<Duplicate> {
        let mut d = Vec::new();
        s.finish(&mut |x| d.push(x)).unwrap();
        d.sort_unstable_by_key(|x| x.row);
        d
    }

    #[test]
    fn finds_repeats_across_chunks_and_names_the_first_row() {
        let mut s = IdSet::default();
        for row in 2..(2 + CHUNK as u64 * 2) {
            s.insert(format!("id{row}").as_bytes(), row).unwrap();
        }
        s.insert(b"id7", 200_000).unwrap();
        s.insert(b"id7", 200_001).unwrap();
        s.insert(b"id100000", 200_002).unwrap();
        assert_eq!(s.runs(), 0);
        assert_eq!(
            duplicates(s),
            vec![
                Duplicate {
                    row: 200_000,
                    first_row: 7
                },
                Duplicate {
                    row: 200_001,
                    first_row: 7
                },
                Duplicate {
                    row: 200_002,
                    first_row: 100_000
                },
            ]
        );
    }

    #[test]
    fn one_id_on_every_row_is_linear() {
        let mut s = IdSet::default();
        for row in 2..300_002u64 {
            s.insert(b"same", row).unwrap();
        }
        let d = duplicates(s);
        assert_eq!(d.len(), 299_999);
        assert!(d.iter().all(|x| x.first_row == 2));
    }

    /// Rows 2.. with ids that repeat: every seventh row repeats the id of a row 5,003 rows
    /// earlier, and one id comes back at the very end.
    fn fill(s: &mut IdSet, rows: u64) {
        for row in 2..rows {
            let id = if row % 7 == 0 && row > 5_003 {
                format!("id{}", row - 5_003)
            } else {
                format!("id{row}")
            };
            s.insert(id.as_bytes(), row).unwrap();
        }
        s.insert(b"id3", rows).unwrap();
    }

    #[test]
    fn spilled_runs_find_the_same_duplicates_as_memory() {
        let rows = 200_000;
        let mut in_memory = IdSet::default();
        fill(&mut in_memory, rows);
        let dir = tempfile::tempdir().unwrap();
        let mut spilled = IdSet::new(1000, Some(dir.path().to_path_buf()));
        fill(&mut spilled, rows);
        // 199 spills of 1,000: three merges of 64 level-0 runs, and the 7 runs after them.
        assert_eq!(spilled.runs(), 3 + 7);
        assert!(spilled.len <= 1000);
        // Anonymous files: nothing is left in the directory, even while they are open.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let expected = duplicates(in_memory);
        assert!(expected.len() > 20_000, "{}", expected.len());
        let got = duplicates(spilled);
        assert_eq!(got, expected);
        // The first row of the last repeat lives in the first spilled run.
        assert_eq!(
            got.last(),
            Some(&Duplicate {
                row: rows,
                first_row: 3
            })
        );
    }

    #[test]
    fn two_threads_hand_out_the_same_duplicates_in_the_same_order() {
        // 400,000 rows over 1,000 ids: far more duplicates above the split than the other
        // thread keeps, so its merge is stopped and finished here.
        let build = || {
            let mut s = IdSet::default();
            for row in 2..400_002u64 {
                s.insert(format!("id{}", row % 1000).as_bytes(), row)
                    .unwrap();
            }
            s
        };
        let mut one = Vec::new();
        build().finish(&mut |d| one.push(d)).unwrap();
        let mut two = Vec::new();
        build().finish_on_two_threads(&mut |d| two.push(d)).unwrap();
        assert_eq!(one.len(), 399_000);
        assert!(two == one, "the order or the duplicates differ");
        // Spilled sets take the one-thread merge.
        let dir = tempfile::tempdir().unwrap();
        let mut spilled = IdSet::new(1000, Some(dir.path().to_path_buf()));
        fill(&mut spilled, 20_000);
        let mut in_memory = IdSet::default();
        fill(&mut in_memory, 20_000);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        spilled.finish_on_two_threads(&mut |d| a.push(d)).unwrap();
        in_memory.finish_on_two_threads(&mut |d| b.push(d)).unwrap();
        assert!(!a.is_empty() && a == b);
    }

    #[test]
    fn rows_past_u32_saturate_instead_of_wrapping() {
        let mut s = IdSet::default();
        s.insert(b"a", 2).unwrap();
        s.insert(b"a", u64::from(u32::MAX) + 5).unwrap();
        assert_eq!(
            duplicates(s),
            [Duplicate {
                row: u64::from(u32::MAX),
                first_row: 2
            }]
        );
    }

    #[test]
    fn costs_sixteen_bytes_a_row() {
        assert_eq!(std::mem::size_of::<Entry>(), 16);
        let e = Entry {
            hi: u64::MAX - 1,
            lo: 7,
            row: u32::MAX,
        };
        assert!(Entry::from_bytes(&e.to_bytes()) == e);
    }
}
