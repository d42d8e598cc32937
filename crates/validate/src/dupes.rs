//! Duplicate-id detection in 16 bytes a row.
//!
//! Each id is stored as a 96-bit hash plus its row in fixed-size chunks (no doubling of a big
//! vector), and duplicates are found once at the end by sorting each chunk and merging. A set
//! holding the ids themselves would cost ~40 bytes a row in a hash table; a 96-bit hash
//! collides about once in 10^13 files of a million rows.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use xxhash_rust::xxh3::xxh3_128;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    hi: u64,
    lo: u32,
    row: u32,
}

const CHUNK: usize = 1 << 16;

/// Ids seen in one file, with their rows.
#[derive(Default)]
pub struct IdSet {
    chunks: Vec<Vec<Entry>>,
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
    /// Remembers `id` seen in `row`.
    pub fn insert(&mut self, id: &[u8], row: u64) {
        let h = xxh3_128(id);
        let e = Entry {
            hi: (h >> 64) as u64,
            lo: h as u32,
            row: u32::try_from(row).unwrap_or(u32::MAX),
        };
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(e),
            _ => {
                let mut c = Vec::with_capacity(CHUNK);
                c.push(e);
                self.chunks.push(c);
            }
        }
    }

    /// Every row whose id appeared in an earlier row, sorted by row.
    pub fn finish(mut self) -> Vec<Duplicate> {
        // Sorting by the 64-bit half alone is several times cheaper than a full-key sort;
        // entries sharing it are regrouped below by the whole hash.
        for c in &mut self.chunks {
            c.sort_unstable_by_key(|e| e.hi);
        }
        let mut heap: BinaryHeap<Reverse<(u64, usize, usize)>> = self
            .chunks
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_empty())
            .map(|(i, c)| Reverse((c[0].hi, i, 0)))
            .collect();
        let mut out = Vec::new();
        let mut group: Vec<Entry> = Vec::new();
        while let Some(Reverse((hi, ci, pos))) = heap.pop() {
            if group.first().is_some_and(|g| g.hi != hi) {
                flush(&mut group, &mut out);
            }
            // Take every entry of this chunk with the same `hi` at once.
            let chunk = &self.chunks[ci];
            let mut end = pos;
            while end < chunk.len() && chunk[end].hi == hi {
                group.push(chunk[end]);
                end += 1;
            }
            if let Some(next) = chunk.get(end) {
                heap.push(Reverse((next.hi, ci, end)));
            }
        }
        flush(&mut group, &mut out);
        out.sort_unstable_by_key(|d| d.row);
        out
    }
}

/// Emits the duplicates among entries sharing `hi` and empties the group. Linear after the
/// sort, so a file repeating one id on every row costs no more than any other.
fn flush(group: &mut Vec<Entry>, out: &mut Vec<Duplicate>) {
    if group.len() > 1 {
        group.sort_unstable();
        let mut first = group[0];
        for e in &group[1..] {
            if e.lo == first.lo {
                out.push(Duplicate {
                    row: u64::from(e.row),
                    first_row: u64::from(first.row),
                });
            } else {
                first = *e;
            }
        }
    }
    group.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_repeats_across_chunks_and_names_the_first_row() {
        let mut s = IdSet::default();
        for row in 2..(2 + CHUNK as u64 * 2) {
            s.insert(format!("id{row}").as_bytes(), row);
        }
        s.insert(b"id7", 200_000);
        s.insert(b"id7", 200_001);
        s.insert(b"id100000", 200_002);
        let d = s.finish();
        assert_eq!(
            d,
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
            s.insert(b"same", row);
        }
        let d = s.finish();
        assert_eq!(d.len(), 299_999);
        assert!(d.iter().all(|x| x.first_row == 2));
    }

    #[test]
    fn costs_sixteen_bytes_a_row() {
        assert_eq!(std::mem::size_of::<Entry>(), 16);
    }
}
