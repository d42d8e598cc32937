//! Writing one pipe-delimited file whose rows are given by column name.
//!
//! The header is the schema's whole column list: decision D2 wants every column, optional ones
//! too, in the header; the columns a row does not name are left empty (null).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use validate::schema::{ColumnType, Schema};

use super::ProgramError;

/// One file being written.
pub(super) struct Sheet<'a> {
    schema: &'a Schema,
    path: PathBuf,
    out: BufWriter<File>,
    cells: Vec<Option<String>>,
    line: String,
}

impl<'a> Sheet<'a> {
    /// Creates `path` and writes the header.
    pub fn create(schema: &'a Schema, path: &Path) -> Result<Sheet<'a>, ProgramError> {
        let f = File::create(path).map_err(|e| ProgramError::io(path, e))?;
        let mut s = Sheet {
            schema,
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 16, f),
            cells: vec![None; schema.columns.len()],
            line: schema.header_line(),
        };
        s.line.push('\n');
        s.flush_line()?;
        Ok(s)
    }

    /// Writes one row; `cells` pairs column names with values. A name the schema does not know
    /// is an error (the schema changed under the generator).
    pub fn row(&mut self, cells: &[(&str, String)]) -> Result<(), ProgramError> {
        self.cells.iter_mut().for_each(|c| *c = None);
        for (name, v) in cells {
            let c = self
                .schema
                .columns
                .iter()
                .position(|col| col.name == *name)
                .ok_or_else(|| ProgramError::Schema {
                    file_type: self.schema.file_type.clone(),
                    column: (*name).to_string(),
                })?;
            self.cells[c] = Some(v.clone());
        }
        for (c, v) in self.cells.iter().enumerate() {
            if c > 0 {
                self.line.push('|');
            }
            let Some(v) = v else { continue };
            // List and JSON cells are read raw (their quotes are JSON's); other values are quoted
            // RFC 4180 style only when they need it (D2).
            let raw = matches!(
                self.schema.columns[c].ty,
                ColumnType::List | ColumnType::Json
            );
            if !raw && v.contains(['|', '"', '\n', '\r']) {
                self.line.push('"');
                self.line.push_str(&v.replace('"', "\"\""));
                self.line.push('"');
            } else {
                self.line.push_str(v);
            }
        }
        self.line.push('\n');
        self.flush_line()
    }

    fn flush_line(&mut self) -> Result<(), ProgramError> {
        let r = self.out.write_all(self.line.as_bytes());
        self.line.clear();
        r.map_err(|e| ProgramError::io(&self.path, e))
    }

    /// Flushes the file.
    pub fn finish(mut self) -> Result<(), ProgramError> {
        self.out
            .flush()
            .map_err(|e| ProgramError::io(&self.path, e))
    }
}
