//! The one CSV record writer every report uses.

use std::io::{self, Write};

/// Delimiter, quoting and line end of one report format.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect {
    pub delimiter: u8,
    /// Quote every field (the bank's reports, spec 06 §10.1) or only where needed (D2 style).
    pub quote_all: bool,
    pub line_end: &'static [u8],
}

/// bankdrop's own reports use the partner file dialect of decision D2: `|`, RFC 4180 quoting
/// only where a value needs it, LF.
pub(crate) const OWN: Dialect = Dialect {
    delimiter: b'|',
    quote_all: false,
    line_end: b"\n",
};

/// Writes one record. A field is quoted when the dialect says so or when it contains the
/// delimiter, a quote or a line break; quotes inside are doubled (RFC 4180).
pub(crate) fn write_record<'a, W: Write + ?Sized>(
    w: &mut W,
    d: &Dialect,
    fields: impl IntoIterator<Item = &'a str>,
) -> io::Result<()> {
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            w.write_all(&[d.delimiter])?;
        }
        let needs = d.quote_all
            || f.bytes()
                .any(|b| b == d.delimiter || b == b'"' || b == b'\n' || b == b'\r');
        if needs {
            w.write_all(b"\"")?;
            let mut rest = f;
            while let Some(p) = rest.find('"') {
                w.write_all(&rest.as_bytes()[..=p])?;
                w.write_all(b"\"")?;
                rest = &rest[p + 1..];
            }
            w.write_all(rest.as_bytes())?;
            w.write_all(b"\"")?;
        } else {
            w.write_all(f.as_bytes())?;
        }
    }
    w.write_all(d.line_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        let mut out = Vec::new();
        write_record(&mut out, &OWN, ["a", "b|c", "say \"hi\"", ""]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a|\"b|c\"|\"say \"\"hi\"\"\"|\n"
        );
        let all = Dialect {
            delimiter: b',',
            quote_all: true,
            line_end: b"\r\n",
        };
        let mut out = Vec::new();
        write_record(&mut out, &all, ["a", ""]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "\"a\",\"\"\r\n");
    }
}
