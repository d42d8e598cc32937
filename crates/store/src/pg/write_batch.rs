//! Rows waiting for one statement, kept column by column. A batch goes to PostgreSQL as one
//! array parameter per column, which the statement turns back into rows with `unnest`: one
//! round trip and one plan for thousands of rows, and every value bound (no SQL is built from
//! data), so an amount is exactly its text.

use crate::Result;
use postgres::types::ToSql;
use postgres::ToStatement;
use postgres::{Client, Row, Statement};
use std::collections::HashMap;

/// Rows a batch holds before its statement runs: enough that the round trip and the plan are
/// nothing next to the rows, few enough that a batch is a few hundred kilobytes.
pub(super) const BATCH_ROWS: usize = 2_000;

/// Where a cell is in a batch's buffer; `None` for NULL.
type Span = Option<(usize, usize)>;

/// `T` text cells and `B` byte cells a row, back to back in two buffers (one allocation for a
/// batch's rows, not one a cell).
pub(super) struct Batch<const T: usize, const B: usize> {
    text: String,
    bytes: Vec<u8>,
    rows: Vec<([Span; T], [Span; B])>,
}

impl<const T: usize, const B: usize> Default for Batch<T, B> {
    fn default() -> Self {
        Batch {
            text: String::new(),
            bytes: Vec::new(),
            rows: Vec::new(),
        }
    }
}

impl<const T: usize, const B: usize> Batch<T, B> {
    /// Adds a row.
    pub(super) fn push(&mut self, text: [Option<&str>; T], bytes: [Option<&[u8]>; B]) {
        let t = text.map(|v| {
            v.map(|v| {
                let at = self.text.len();
                self.text.push_str(v);
                (at, self.text.len())
            })
        });
        let b = bytes.map(|v| {
            v.map(|v| {
                let at = self.bytes.len();
                self.bytes.extend_from_slice(v);
                (at, self.bytes.len())
            })
        });
        self.rows.push((t, b));
    }

    /// Rows held.
    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether it holds no row.
    pub(super) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Whether its statement should run now.
    pub(super) fn is_full(&self) -> bool {
        self.rows.len() >= BATCH_ROWS
    }

    /// Forgets the rows, keeping the buffers.
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.bytes.clear();
        self.rows.clear();
    }

    /// Text cell `k` of row `i`.
    pub(super) fn text(&self, i: usize, k: usize) -> Option<&str> {
        let (a, b) = self.rows.get(i)?.0.get(k).copied()??;
        self.text.get(a..b)
    }

    /// Byte cell `k` of row `i`.
    pub(super) fn bytes(&self, i: usize, k: usize) -> Option<&[u8]> {
        let (a, b) = self.rows.get(i)?.1.get(k).copied()??;
        self.bytes.get(a..b)
    }

    /// Text column `k`, as a `text[]` parameter.
    pub(super) fn text_column(&self, k: usize) -> Vec<Option<&str>> {
        (0..self.rows.len()).map(|i| self.text(i, k)).collect()
    }

    /// Byte column `k`, as a `bytea[]` parameter.
    pub(super) fn bytes_column(&self, k: usize) -> Vec<Option<&[u8]>> {
        (0..self.rows.len()).map(|i| self.bytes(i, k)).collect()
    }

    /// Runs `f` with the parameters of a batch statement: `fixed` first (`$1`, `$2`, …), then
    /// each text column, then each byte column.
    fn with_params<R>(
        &self,
        fixed: &[&(dyn ToSql + Sync)],
        f: impl FnOnce(&[&(dyn ToSql + Sync)]) -> R,
    ) -> R {
        let text: Vec<Vec<Option<&str>>> = (0..T).map(|k| self.text_column(k)).collect();
        let bytes: Vec<Vec<Option<&[u8]>>> = (0..B).map(|k| self.bytes_column(k)).collect();
        let mut params: Vec<&(dyn ToSql + Sync)> = fixed.to_vec();
        params.extend(text.iter().map(|c| c as &(dyn ToSql + Sync)));
        params.extend(bytes.iter().map(|c| c as &(dyn ToSql + Sync)));
        f(&params)
    }

    /// Runs a batch statement (see [`Batch::with_params`]); the rows it changed.
    pub(super) fn execute<S: ?Sized + ToStatement>(
        &self,
        c: &mut Client,
        statement: &S,
        fixed: &[&(dyn ToSql + Sync)],
    ) -> Result<u64> {
        Ok(self.with_params(fixed, |p| c.execute(statement, p))?)
    }

    /// Runs a batch query (see [`Batch::with_params`]).
    pub(super) fn query<S: ?Sized + ToStatement>(
        &self,
        c: &mut Client,
        statement: &S,
        fixed: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>> {
        Ok(self.with_params(fixed, |p| c.query(statement, p))?)
    }
}

/// The statements of one write transaction, prepared once each: a file runs the same few
/// statements thousands of times.
#[derive(Default)]
pub(super) struct Statements(HashMap<&'static str, Statement>);

impl Statements {
    /// `sql`, prepared on `c` the first time.
    pub(super) fn get(&mut self, c: &mut Client, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.0.get(sql) {
            return Ok(s.clone());
        }
        let s = c.prepare(sql)?;
        self.0.insert(sql, s.clone());
        Ok(s)
    }
}

/// Whether `text` is an amount as the validator lets one through (`-?[0-9]+(\.[0-9]+)?`, D3):
/// then `text::NUMERIC` is exactly it, scale included. SQLite keeps any other text as text;
/// a `NUMERIC` column cannot, so such a cell is refused (see [`money`]).
pub(super) fn is_amount(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let all = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match digits.split_once('.') {
        Some((int, frac)) => all(int) && all(frac),
        None => all(digits),
    }
}

/// The money cell of `column` among `amounts` (the first, as SQLite takes it), checked to be an
/// amount ([`is_amount`]).
pub(super) fn money<'a>(amounts: &[(&str, &'a str)], column: &str) -> Result<Option<&'a str>> {
    match amounts.iter().find(|(c, _)| *c == column) {
        None => Ok(None),
        Some((_, text)) if is_amount(text) => Ok(Some(text)),
        Some((c, text)) => Err(crate::apply::bad_amount(c, text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_what_the_validator_lets_through() {
        for ok in [
            "0",
            "-1",
            "12.50",
            "-0.00000001",
            "123456789012345678901234567890.5",
        ] {
            assert!(is_amount(ok), "{ok}");
        }
        for bad in [
            "", "-", "1.", ".5", "1e5", " 1", "1,0", "+1", "NaN", "--1", "1.2.3",
        ] {
            assert!(!is_amount(bad), "{bad}");
        }
    }

    #[test]
    fn a_batch_gives_its_cells_back_by_column() {
        let mut b = Batch::<2, 1>::default();
        b.push([Some("a"), None], [Some(b"xy")]);
        b.push([Some("é"), Some("")], [None]);
        assert_eq!(b.text_column(0), [Some("a"), Some("é")]);
        assert_eq!(b.text_column(1), [None, Some("")]);
        assert_eq!(b.bytes_column(0), [Some(&b"xy"[..]), None]);
        assert_eq!(b.len(), 2);
        b.clear();
        assert!(b.is_empty());
    }
}
