//! Reading the rows of a file already validated, for applying them to the store (D8).

use crate::header;
use crate::reader::{Record, RecordReader};
use crate::report::Collector;
use crate::schema::Schema;
use std::io::{self, Read};

/// Calls `f` with each data row's values by schema column (`None`: null or absent column), with
/// D4 misspelled enum values replaced by their corrected form. Blank lines are skipped. Meant for
/// accepted files: a row that does not fit the header is an `InvalidData` error.
pub fn for_each_row<R: Read>(
    schema: &Schema,
    input: R,
    f: &mut dyn FnMut(&[Option<&str>]) -> io::Result<()>,
) -> io::Result<u64> {
    let mut reader = RecordReader::new(input);
    let mut rec = Record::default();
    if !reader.read_record(&mut rec)? {
        return Ok(0);
    }
    let mut ignored = Collector::new(0);
    let Some(h) = header::resolve(schema, &rec, &mut ignored) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the header does not fit the schema",
        ));
    };
    reader.set_raw_fields(h.raw_fields(schema));
    let mut n = 0;
    while reader.read_record(&mut rec)? {
        if rec.blank {
            continue;
        }
        if rec.len() != h.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a row does not fit the header",
            ));
        }
        let text = std::str::from_utf8(rec.bytes())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        // One small allocation a row: applying a row to the database costs far more.
        let mut cells: Vec<Option<&str>> = Vec::with_capacity(schema.columns.len());
        for (c, pos) in h.present().iter().enumerate() {
            let v = pos.and_then(|p| crate::validator::cell_value(text, rec.bounds()[p]));
            cells.push(v.map(|v| schema.columns[c].canonical(v)));
        }
        f(&cells)?;
        n += 1;
    }
    Ok(n)
}
