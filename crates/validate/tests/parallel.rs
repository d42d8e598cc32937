//! The parallel path (`Options::threads` > 1) gives the report the sequential path gives, to the
//! byte, and hands the sink the same errors in the same order: over every fixture and over
//! generated files with planted errors, with chunks so small that cuts land everywhere,
//! including inside quoted values over several lines (D2).

use std::path::{Path, PathBuf};
use validate::schema::{Schema, Schemas};
use validate::{validate, validate_with_sink, Finding, Options, Report};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/csv")
}

/// What a run produced: the report as JSON, every error the sink saw, the last progress value.
#[derive(Debug, PartialEq)]
struct Run {
    report: String,
    sunk: Vec<Finding>,
    progress: u64,
}

fn json(r: &Report) -> String {
    serde_json::to_string(r).unwrap()
}

fn run(schema: &Schema, s: &Schemas, bytes: &[u8], opts: &Options, sink: bool) -> Run {
    let mut sunk = Vec::new();
    let mut last = 0;
    let mut progress = |p: u64| {
        assert!(p >= last, "progress went back from {last} to {p}");
        last = p;
    };
    let report = if sink {
        validate_with_sink(schema, &s.refdata, bytes, opts, &mut progress, &mut |f| {
            sunk.push(f.clone())
        })
    } else {
        validate(schema, &s.refdata, bytes, opts, &mut progress)
    }
    .unwrap();
    Run {
        report: json(&report),
        sunk,
        progress: last,
    }
}

/// Chunk sizes from one byte (every line its own chunk) to more than the file.
const CHUNKS: [usize; 7] = [1, 2, 7, 64, 300, 4096, 1 << 20];

/// Checks `bytes` sequentially and with `threads` over every chunk size, with and without a
/// sink, and asserts every parallel run equals the sequential one.
fn same_in_parallel(schema: &Schema, s: &Schemas, bytes: &[u8], base: &Options, what: &str) {
    for sink in [false, true] {
        let one = run(schema, s, bytes, base, sink);
        for threads in [2, 3] {
            for chunk_bytes in CHUNKS {
                let opts = Options {
                    threads,
                    chunk_bytes,
                    ..base.clone()
                };
                let many = run(schema, s, bytes, &opts, sink);
                assert_eq!(
                    many, one,
                    "{what}: {threads} threads, chunks of {chunk_bytes}, sink {sink}"
                );
            }
        }
    }
}

fn file_type(s: &Schemas, path: &Path) -> String {
    let name = path.file_name().unwrap().to_str().unwrap();
    s.parse_file_name(name).unwrap().file_type
}

fn max_line_bytes(dir: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(dir.join("options.toml")).ok()?;
    let v: toml::Value = toml::from_str(&text).unwrap();
    v.get("max_line_bytes")?
        .as_integer()
        .map(|n| usize::try_from(n).unwrap())
}

#[test]
fn every_fixture_gives_the_same_report_in_parallel() {
    let s = Schemas::builtin().unwrap();
    let mut files = Vec::new();
    for e in std::fs::read_dir(root().join("valid")).unwrap() {
        files.push((e.unwrap().path(), None));
    }
    for e in std::fs::read_dir(root().join("cases")).unwrap() {
        let dir = e.unwrap().path();
        for f in std::fs::read_dir(&dir).unwrap() {
            let p = f.unwrap().path();
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            if name != "expected.json" && name != "options.toml" {
                files.push((p, max_line_bytes(&dir)));
            }
        }
    }
    assert!(files.len() >= 50, "{}", files.len());
    for (path, max) in files {
        let bytes = std::fs::read(&path).unwrap();
        let schema = s.get(&file_type(&s, &path)).unwrap();
        for max_kept in [1, 1000] {
            let opts = Options {
                max_kept,
                max_line_bytes: max.unwrap_or(Options::default().max_line_bytes),
                ..Options::default()
            };
            same_in_parallel(schema, &s, &bytes, &opts, &path.display().to_string());
        }
    }
}

/// A small deterministic generator (xorshift), so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The valid transaction fixture's rows repeated `rows` times with fresh ids, then mistakes
/// planted on about one row in `every`: bad values, repeated ids, ragged and blank rows, stray
/// and open quotes, quoted values over several lines (good and bad), CRLF, invalid UTF-8, a
/// byte-order mark.
fn planted(seed: u64, rows: usize, every: usize) -> Vec<u8> {
    let text = std::fs::read_to_string(root().join("valid/2026-01-27_transaction_v1.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let body: Vec<Vec<String>> = lines
        .map(|l| l.split('|').map(str::to_string).collect())
        .collect();
    let col = |name: &str| header.split('|').position(|h| h == name).unwrap();
    let (id, amount, card, group, ids) = (
        col("client_transaction_id"),
        col("amount"),
        col("card_id"),
        col("client_settlement_group_id"),
        col("transfer_ids"),
    );
    let mut rng = Rng(seed | 1);
    let mut out = Vec::new();
    if seed.is_multiple_of(3) {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    out.extend_from_slice(header.as_bytes());
    out.push(b'\n');
    for r in 0..rows {
        let mut cells = body[r % body.len()].clone();
        cells[id] = format!("t-{seed}-{r}");
        let mut end: &[u8] = b"\n";
        let mut raw: Option<Vec<u8>> = None;
        if rng.below(every) == 0 {
            match rng.below(14) {
                0 => cells[amount] = "12,50".into(),
                1 => cells[id] = format!("t-{seed}-{}", rng.below(r + 1)),
                2 => cells.truncate(3),
                3 => raw = Some(Vec::new()),
                4 => cells[group] = "ab\"c".into(),
                5 => cells[group] = "\"two\nlines\"".into(),
                6 => cells[group] = format!("\"{}\"", "x\n".repeat(1 + rng.below(40))),
                7 => cells[card] = "\"a\"\"b\nc|d\"".into(),
                8 => end = b"\r\n",
                9 => {
                    let mut b = cells.join("|").into_bytes();
                    b.insert(b.len() / 2, 0xFF);
                    raw = Some(b);
                }
                10 => cells[ids] = "\"[\"\"x\"\",\n\"\"y\"\"]\"".into(),
                11 => cells[amount] = "-".into(),
                12 => cells[card] = "\"never\nclosed".into(),
                _ => cells[id] = String::new(),
            }
        }
        out.extend_from_slice(&raw.unwrap_or_else(|| cells.join("|").into_bytes()));
        out.extend_from_slice(end);
    }
    if seed.is_multiple_of(2) {
        // No final line end, or an unclosed quote running to the end of the file.
        out.pop();
        if seed.is_multiple_of(4) {
            out.extend_from_slice(b"\n\"open|to the end\nof the file");
        }
    }
    out
}

#[test]
fn generated_files_with_planted_errors_give_the_same_report_in_parallel() {
    let s = Schemas::builtin().unwrap();
    let schema = s.get("transaction").unwrap();
    for seed in 1..=12u64 {
        let bytes = planted(seed, 400, 5);
        let opts = Options {
            max_kept: [1, 5, 1000][seed as usize % 3],
            max_ids_in_memory: [7, 1000, 1 << 20][seed as usize % 3],
            ..Options::default()
        };
        same_in_parallel(schema, &s, &bytes, &opts, &format!("seed {seed}"));
    }
}

#[test]
fn a_too_long_row_ends_the_file_at_the_same_place_in_parallel() {
    let s = Schemas::builtin().unwrap();
    let schema = s.get("transaction").unwrap();
    for seed in [21u64, 22, 23] {
        let mut bytes = planted(seed, 300, 7);
        // A long line in the middle, and one without a line end, or inside a quoted value.
        let mid = bytes.len() / 2;
        let at = mid + bytes[mid..].iter().position(|b| *b == b'\n').unwrap() + 1;
        let long: Vec<u8> = match seed {
            21 => [vec![b'x'; 3000], b"\n".to_vec()].concat(),
            22 => [b"\"".to_vec(), b"line\n".repeat(700)].concat(),
            _ => vec![b'y'; 5000],
        };
        bytes.splice(at..at, long);
        let opts = Options {
            max_line_bytes: 2048,
            ..Options::default()
        };
        let one = run(schema, &s, &bytes, &opts, true);
        assert!(one.report.contains("line_too_long"), "seed {seed}");
        same_in_parallel(schema, &s, &bytes, &opts, &format!("seed {seed}"));
    }
}

#[test]
fn many_errors_with_a_sink_are_redone_in_order() {
    // More errors in a chunk than a worker keeps for the sink: the chunk is checked again on
    // the main thread, every error still reaching the sink once, in order.
    let s = Schemas::builtin().unwrap();
    let schema = s.get("transaction").unwrap();
    let bytes = planted(31, 20_000, 1);
    let one = run(schema, &s, &bytes, &Options::default(), true);
    assert!(one.sunk.len() > 5_000, "{}", one.sunk.len());
    let opts = Options {
        threads: 2,
        chunk_bytes: 1 << 20,
        ..Options::default()
    };
    assert_eq!(run(schema, &s, &bytes, &opts, true), one);
}

#[test]
fn duplicate_ids_across_chunks_are_found_and_spill_alike() {
    let s = Schemas::builtin().unwrap();
    let schema = s.get("transaction").unwrap();
    let text = std::fs::read_to_string(root().join("valid/2026-01-27_transaction_v1.csv")).unwrap();
    let mut lines = text.lines();
    let mut file = format!("{}\n", lines.next().unwrap());
    let row = lines.next().unwrap();
    // Every row repeats the first: each chunk's ids meet earlier chunks' only in the file's set.
    for _ in 0..3_000 {
        file.push_str(row);
        file.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        max_kept: 50,
        max_ids_in_memory: 100,
        spill_dir: Some(dir.path().to_path_buf()),
        ..Options::default()
    };
    let one = run(schema, &s, file.as_bytes(), &opts, true);
    assert_eq!(one.sunk.len(), 2_999);
    same_in_parallel(schema, &s, file.as_bytes(), &opts, "one id on every row");
}
