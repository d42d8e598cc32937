//! Feeds arbitrary bytes to the CSV record reader and the validator with small limits, so long
//! rows, spilled duplicate ids and the kept-errors pruning are all exercised. Any panic is a
//! bug; so is a report that changes with how the input is cut into reads, whether the ids
//! spilled to disk, or whether two threads checked it in chunks (of the read size).
//!
//! The first four bytes choose the options: the row limit (16 + 16 × byte), the ids kept in
//! memory (1 + low nibble) and the errors kept (1 + high nibble / 2), the size of each read
//! (1 + byte), and the schema when the header is not one of theirs (byte modulo their number).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::{self, Read};
use std::sync::OnceLock;
use validate::reader::{Record, RecordReader};
use validate::schema::{Schema, Schemas};
use validate::{validate_with_sink, Finding, Options, Report};

fn schemas() -> &'static Schemas {
    static S: OnceLock<Schemas> = OnceLock::new();
    S.get_or_init(|| Schemas::builtin().expect("the built-in schemas load"))
}

/// Reads at most `n` bytes at a time.
struct Chunked<'a> {
    data: &'a [u8],
    n: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = buf.len().min(self.n).min(self.data.len());
        buf[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        Ok(k)
    }
}

/// Every record as (fields, too_long), checking the reader's own promises on the way.
fn records(input: impl Read, max: usize, len: usize) -> Vec<(Vec<Vec<u8>>, bool)> {
    let mut r = RecordReader::with_max_line_bytes(input, max);
    let mut rec = Record::default();
    let mut out = Vec::new();
    while r
        .read_record(&mut rec)
        .expect("in-memory reads cannot fail")
    {
        if rec.too_long {
            assert!(rec.is_empty());
            out.push((Vec::new(), true));
            assert!(
                !r.read_record(&mut rec).unwrap(),
                "read on after a too-long row"
            );
            break;
        }
        assert!(
            rec.bytes().len() <= max,
            "a row of {} > {max}",
            rec.bytes().len()
        );
        out.push((rec.iter().map(<[u8]>::to_vec).collect(), false));
    }
    assert!(r.position() <= len as u64);
    out
}

fn run(schema: &Schema, input: impl Read, opts: &Options) -> (Report, Vec<Finding>) {
    let mut sunk = Vec::new();
    let s = schemas();
    let report = validate_with_sink(schema, &s.refdata, input, opts, &mut |_| {}, &mut |f| {
        sunk.push(f.clone())
    })
    .expect("in-memory reads and temporary files do not fail");
    (report, sunk)
}

fuzz_target!(|data: &[u8]| {
    let [max_sel, ids_sel, read_sel, schema_sel, body @ ..] = data else {
        return;
    };
    let max = 16 + 16 * usize::from(*max_sel);
    let chunk = 1 + usize::from(*read_sel);

    let whole = records(body, max, body.len());
    let cut = records(
        Chunked {
            data: body,
            n: chunk,
        },
        max,
        body.len(),
    );
    assert_eq!(whole, cut, "records change with the read size");

    let s = schemas();
    let all: Vec<&Schema> = s.iter().collect();
    let first_line = body.split(|b| *b == b'\n').next().unwrap_or_default();
    let schema = all
        .iter()
        .find(|sc| sc.header_line().as_bytes() == first_line)
        .copied()
        .unwrap_or(all[usize::from(*schema_sel) % all.len()]);
    let small = Options {
        max_kept: 1 + usize::from(ids_sel >> 5),
        max_line_bytes: max,
        max_ids_in_memory: 1 + usize::from(ids_sel & 0x0f),
        ..Options::default()
    };
    let (spilled, sunk) = run(
        schema,
        Chunked {
            data: body,
            n: chunk,
        },
        &small,
    );
    let in_memory = Options {
        max_ids_in_memory: validate::DEFAULT_MAX_IDS_IN_MEMORY,
        ..small.clone()
    };
    let (plain, _) = run(schema, body, &in_memory);
    let json = |r: &Report| serde_json::to_string(r).expect("reports serialize");
    assert_eq!(
        json(&spilled),
        json(&plain),
        "spilling or the read size changed the report"
    );

    // Two threads over chunks of the read size (cut after a line end): the same report, and
    // the same errors handed to the sink in the same order.
    let parallel = Options {
        threads: 2,
        chunk_bytes: chunk,
        ..small.clone()
    };
    let (par, par_sunk) = run(schema, body, &parallel);
    assert_eq!(json(&par), json(&spilled), "the parallel path changed the report");
    assert_eq!(par_sunk, sunk, "the parallel path changed the errors sunk");

    // Every error went to the sink; the kept ones are its first by row (in-order ones first).
    assert_eq!(sunk.len() as u64, spilled.error_count);
    // A too-long row is the last one read: nothing after it is reported.
    if let Some(long) = sunk.iter().find(|f| f.code == "line_too_long") {
        assert_eq!(long.row, spilled.rows + 1);
        assert!(sunk.iter().all(|f| f.row <= long.row));
    }
    let mut by_row = sunk;
    by_row.sort_by_key(|f| f.row);
    by_row.truncate(small.max_kept);
    assert_eq!(by_row, spilled.errors);
    assert!(spilled.warnings.len() <= small.max_kept);
});
