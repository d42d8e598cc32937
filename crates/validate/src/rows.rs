//! Reading the rows of a file already validated, for applying them to the store (D8).

use crate::header;
use crate::reader::{Record, RecordReader, DEFAULT_MAX_LINE_BYTES};
use crate::report::Collector;
use crate::schema::Schema;
use std::io::{self, Read};

/// Calls `f` with each data row's values by schema column (`None`: null or absent column), with
/// D4 misspelled enum values replaced by their corrected form. Blank lines are skipped. Meant for
/// accepted files: a row that does not fit the header, or one longer than the validator's
/// default [`Options::max_line_bytes`](crate::Options::max_line_bytes) (so memory stays bounded
/// even for a file that changed since it was validated), is an `InvalidData` error.
pub fn for_each_row<R: Read>(
    schema: &Schema,
    input: R,
    f: &mut dyn FnMut(&[Option<&str>]) -> io::Result<()>,
) -> io::Result<u64> {
    let mut reader = RecordReader::with_max_line_bytes(input, DEFAULT_MAX_LINE_BYTES);
    let mut rec = Record::default();
    if !reader.read_record(&mut rec)? {
        return Ok(0);
    }
    let too_long = |row: u64| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("row {row} is longer than {DEFAULT_MAX_LINE_BYTES} bytes"),
        )
    };
    if rec.too_long {
        return Err(too_long(1));
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
    let mut row = 1;
    while reader.read_record(&mut rec)? {
        row += 1;
        if rec.too_long {
            return Err(too_long(row));
        }
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
            let v = pos.and_then(|p| crate::check::cell_value(text, rec.bounds()[p]));
            cells.push(v.map(|v| schema.columns[c].canonical(v)));
        }
        f(&cells)?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schemas;

    #[test]
    fn a_row_longer_than_the_default_maximum_is_refused_with_its_row() {
        let s = Schemas::builtin().unwrap();
        let schema = s.get("card").unwrap();
        let mut file = format!("{}\n\n", schema.header_line()).into_bytes();
        file.extend(std::iter::repeat_n(b'x', DEFAULT_MAX_LINE_BYTES + 1));
        file.extend_from_slice(b"\nnever|read\n");
        let mut calls = 0;
        let e = for_each_row(schema, &file[..], &mut |_| {
            calls += 1;
            Ok(())
        })
        .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().starts_with("row 3 is longer than"), "{e}");
        assert_eq!(calls, 0);
    }
}
