//! Matching a file's header line against a schema (decisions D2 and D4).

use crate::reader::Record;
use crate::report::{code, Collector, Finding, Severity};
use crate::schema::{ColumnType, Schema};

/// The header's columns mapped to the schema.
#[derive(Debug)]
pub struct Header {
    /// Schema column → header position.
    present: Vec<Option<usize>>,
    /// Header position → schema column.
    map: Vec<Option<usize>>,
}

impl Header {
    /// Number of header fields.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Schema column → header position.
    pub fn present(&self) -> &[Option<usize>] {
        &self.present
    }

    /// The schema name of the column at header position `field`.
    pub fn column_name(&self, schema: &Schema, field: usize) -> Option<String> {
        self.map
            .get(field)
            .copied()
            .flatten()
            .map(|c| schema.columns[c].name.clone())
    }

    /// Per header position: whether the field holds JSON (quotes inside it are literal).
    pub fn raw_fields(&self, schema: &Schema) -> Vec<bool> {
        let json = |c: usize| matches!(schema.columns[c].ty, ColumnType::List | ColumnType::Json);
        self.map.iter().map(|m| m.is_some_and(json)).collect()
    }
}

fn header_error(
    out: &mut Collector,
    severity: Severity,
    column: Option<&str>,
    code: &'static str,
    message: String,
) {
    let f = Finding {
        row: 1,
        column: column.map(str::to_string),
        code,
        message,
        value: None,
    };
    out.push(severity, f);
}

/// Resolves the header record. `None` when the rows cannot be checked against it at all.
pub fn resolve(schema: &Schema, rec: &Record, out: &mut Collector) -> Option<Header> {
    use Severity::{Error, Warning};
    if rec.blank {
        header_error(
            out,
            Error,
            None,
            code::BLANK_ROW,
            "the first line must be the header; it is empty".into(),
        );
        return None;
    }
    let mut names = Vec::with_capacity(rec.len());
    for f in rec.iter() {
        match std::str::from_utf8(f) {
            Ok(s) => names.push(s),
            Err(_) => {
                header_error(
                    out,
                    Error,
                    None,
                    code::ENCODING,
                    "the header is not valid UTF-8".into(),
                );
                return None;
            }
        }
    }
    if names.len() == 1 && names[0].contains([',', ';']) {
        let sep = if names[0].contains(',') { "," } else { ";" };
        let m = format!(
            "the header is separated by `{sep}`; files are pipe-delimited: {}",
            schema.header_line()
        );
        header_error(out, Error, None, code::WRONG_DELIMITER, m);
        return None;
    }
    let mut present: Vec<Option<usize>> = vec![None; schema.columns.len()];
    let mut map = Vec::with_capacity(names.len());
    for (pos, name) in names.iter().enumerate() {
        let exact = schema.columns.iter().position(|c| c.name == *name);
        let printed = schema
            .columns
            .iter()
            .position(|c| c.printed.as_deref() == Some(name));
        let folded = schema.columns.iter().position(|c| {
            c.name.eq_ignore_ascii_case(name)
                || c.printed
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(name))
        });
        let col = match (exact, printed, folded) {
            (Some(c), _, _) => Some(c),
            (None, Some(c), _) => {
                let fixed = &schema.columns[c].name;
                let m =
                    format!("`{name}` is the bank's printed misspelling; reported as `{fixed}`");
                header_error(out, Warning, Some(fixed), code::MISSPELLED_COLUMN, m);
                Some(c)
            }
            (None, None, Some(c)) => {
                let fixed = &schema.columns[c].name;
                let m = format!("header names are case-sensitive: write `{fixed}`, not `{name}`");
                header_error(out, Error, Some(fixed), code::HEADER_CASE, m);
                Some(c)
            }
            (None, None, None) => {
                let sev = if schema.partial { Warning } else { Error };
                let m = if schema.partial {
                    format!(
                        "`{name}` is not a known column of {}; its values are not checked",
                        schema.title
                    )
                } else {
                    format!("`{name}` is not a column of {}", schema.title)
                };
                header_error(out, sev, Some(name), code::UNKNOWN_COLUMN, m);
                None
            }
        };
        let col = match col {
            Some(c) if present[c].is_some() => {
                let m = format!(
                    "`{}` appears more than once in the header",
                    schema.columns[c].name
                );
                header_error(
                    out,
                    Error,
                    Some(&schema.columns[c].name),
                    code::DUPLICATE_COLUMN,
                    m,
                );
                None
            }
            other => other,
        };
        if let Some(c) = col {
            present[c] = Some(pos);
        }
        map.push(col);
    }
    for (c, col) in schema.columns.iter().enumerate() {
        if present[c].is_some() {
            continue;
        }
        let lenient = schema.partial && !col.seen;
        let sev = if lenient { Warning } else { Error };
        let m = if lenient {
            format!(
                "`{}` is missing; it is known only from other pages, so it is treated as optional",
                col.name
            )
        } else {
            format!(
                "`{}` is missing: every column must be in the header, optional ones too",
                col.name
            )
        };
        header_error(out, sev, Some(&col.name), code::MISSING_COLUMN, m);
    }
    Some(Header { present, map })
}
