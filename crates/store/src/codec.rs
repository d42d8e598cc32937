//! Compact binary forms of what the store keeps in blobs: a row's cells, a set of amounts by
//! column, and a day's activity sums by (transaction type, column).
//!
//! Money is exact everywhere (D3): an amount is its decimal mantissa and scale as written (`12.50`
//! is 1250 at scale 2, never a float), a zigzag varint and a byte. The scale is kept so that a
//! value reads back as it was written, and sums keep the scale of their terms.

use rust_decimal::Decimal;

/// Appends `v` as an unsigned LEB128 varint.
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u128) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Reads a varint at `*at`, advancing it; `None` at a truncated or over-long one.
pub(crate) fn get_varint(buf: &[u8], at: &mut usize) -> Option<u128> {
    let mut v: u128 = 0;
    for shift in (0..128).step_by(7) {
        let b = *buf.get(*at)?;
        *at += 1;
        v |= u128::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn zigzag(v: i128) -> u128 {
    ((v << 1) ^ (v >> 127)) as u128
}

fn unzigzag(v: u128) -> i128 {
    ((v >> 1) as i128) ^ -((v & 1) as i128)
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len() as u128);
    out.extend_from_slice(b);
}

fn get_bytes<'a>(buf: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
    let len = usize::try_from(get_varint(buf, at)?).ok()?;
    let s = buf.get(*at..at.checked_add(len)?)?;
    *at += len;
    Some(s)
}

fn get_str<'a>(buf: &'a [u8], at: &mut usize) -> Option<&'a str> {
    std::str::from_utf8(get_bytes(buf, at)?).ok()
}

/// A money cell as `(mantissa, scale)`, read lexically: `-?[0-9]+(\.[0-9]+)?` (what the
/// validator lets through, D3). `None` for anything else or more than 28 fractional digits.
pub fn parse_amount(text: &str) -> Option<(i128, u32)> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() || (digits.contains('.') && frac.is_empty()) {
        return None;
    }
    let scale = u32::try_from(frac.len()).ok().filter(|s| *s <= 28)?;
    let mut m: i128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        if !b.is_ascii_digit() {
            return None;
        }
        m = m.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    Some((if neg { -m } else { m }, scale))
}

/// The decimal of `(mantissa, scale)`; `None` past rust_decimal's 96 bits.
pub fn decimal(mantissa: i128, scale: u32) -> Option<Decimal> {
    Decimal::try_from_i128_with_scale(mantissa, scale).ok()
}

fn put_decimal(out: &mut Vec<u8>, d: Decimal) {
    put_varint(out, zigzag(d.mantissa()));
    out.push(d.scale() as u8);
}

fn get_decimal(buf: &[u8], at: &mut usize) -> Option<Decimal> {
    let m = unzigzag(get_varint(buf, at)?);
    let scale = u32::from(*buf.get(*at)?);
    *at += 1;
    decimal(m, scale)
}

/// A row's cells, in the order of a stored layout (its column names), `None` for a null cell.
/// Form: the layout id, then per cell a varint `len + 1` (0 for null) and the bytes.
pub fn encode_row(layout: i64, cells: &[Option<&str>], out: &mut Vec<u8>) {
    encode_cells(layout, cells.iter().copied(), out);
}

/// [`encode_row`] of cells as they come (no slice to build first).
pub fn encode_cells<'a>(
    layout: i64,
    cells: impl Iterator<Item = Option<&'a str>>,
    out: &mut Vec<u8>,
) {
    out.clear();
    put_varint(out, layout as u128);
    for c in cells {
        match c {
            None => out.push(0),
            Some(s) => {
                put_varint(out, s.len() as u128 + 1);
                out.extend_from_slice(s.as_bytes());
            }
        }
    }
}

/// The layout id and cells of a row blob; `None` if it is damaged.
pub fn decode_row(blob: &[u8]) -> Option<(i64, Vec<Option<&str>>)> {
    let mut at = 0;
    let layout = i64::try_from(get_varint(blob, &mut at)?).ok()?;
    let mut cells = Vec::new();
    while at < blob.len() {
        let n = usize::try_from(get_varint(blob, &mut at)?).ok()?;
        if n == 0 {
            cells.push(None);
            continue;
        }
        let s = blob.get(at..at.checked_add(n - 1)?)?;
        at += n - 1;
        cells.push(Some(std::str::from_utf8(s).ok()?));
    }
    Some((layout, cells))
}

/// Amounts by column name: e.g. a balance's reported components. Column names are written
/// once per entry as an index into `known` (one byte) or, for others, in full.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Amounts(pub Vec<(String, Decimal)>);

impl Amounts {
    /// The amount of `column`, if present.
    pub fn get(&self, column: &str) -> Option<Decimal> {
        self.0.iter().find(|(c, _)| c == column).map(|(_, v)| *v)
    }

    /// Encodes against `known` column names.
    pub fn encode(&self, known: &[&str], out: &mut Vec<u8>) {
        put_varint(out, self.0.len() as u128);
        for (c, v) in &self.0 {
            put_column(out, known, c);
            put_decimal(out, *v);
        }
    }

    /// Decodes what [`Amounts::encode`] wrote with the same `known`.
    pub fn decode(known: &[&'static str], blob: &[u8]) -> Option<Amounts> {
        let mut out = Vec::new();
        for_each_amount(known, blob, &mut |c, v| out.push((c.to_string(), v)))?;
        Some(Amounts(out))
    }
}

const OTHER_COLUMN: u8 = 0xff;

fn put_column(out: &mut Vec<u8>, known: &[&str], c: &str) {
    match known.iter().position(|k| *k == c) {
        Some(i) if i < usize::from(OTHER_COLUMN) => out.push(i as u8),
        _ => {
            out.push(OTHER_COLUMN);
            put_bytes(out, c.as_bytes());
        }
    }
}

fn get_column<'b>(buf: &'b [u8], at: &mut usize, known: &[&'static str]) -> Option<&'b str> {
    let i = *buf.get(*at)?;
    *at += 1;
    if i == OTHER_COLUMN {
        return get_str(buf, at);
    }
    known.get(usize::from(i)).copied()
}

/// Hands every `(column, amount)` of an [`Amounts`] blob to `f` without allocating; `None` if
/// the blob is damaged.
pub fn for_each_amount<'b>(
    known: &[&'static str],
    blob: &'b [u8],
    f: &mut dyn FnMut(&'b str, Decimal),
) -> Option<()> {
    let mut at = 0;
    let n = get_varint(blob, &mut at)?;
    for _ in 0..n {
        let c = get_column(blob, &mut at, known)?;
        f(c, get_decimal(blob, &mut at)?);
    }
    Some(())
}

/// Hands every `(type, column, sum)` of an [`Activity`] blob to `f` without allocating and
/// returns the count; `None` if the blob is damaged.
pub fn for_each_sum<'b>(
    known: &[&'static str],
    blob: &'b [u8],
    f: &mut dyn FnMut(Option<&'b str>, &'b str, Decimal),
) -> Option<u64> {
    let (mut at, runs, count, n) = sums_header(blob)?;
    let mut prev = None;
    for _ in 0..n {
        let ty = read_type(blob, &mut at, runs, prev)?;
        prev = ty;
        let ty = match ty {
            Some(t) => Some(std::str::from_utf8(t).ok()?),
            None => None,
        };
        let c = get_column(blob, &mut at, known)?;
        f(ty, c, get_decimal(blob, &mut at)?);
    }
    Some(count)
}

/// Starts an activity blob whose sums name a type once for a run of them ([`encode_sums`]). A
/// blob of the first form starting so is exactly these two bytes: no transactions, no sums.
const SUMS_RUNS: [u8; 2] = [0, 0];

/// The form of an activity blob (types in runs or not), where its sums start, its count and
/// its number of sums.
#[inline(always)]
fn sums_header(blob: &[u8]) -> Option<(usize, bool, u64, u128)> {
    let runs = blob.len() > SUMS_RUNS.len() && blob.starts_with(&SUMS_RUNS);
    let mut at = if runs { SUMS_RUNS.len() } else { 0 };
    let count = u64::try_from(read_varint(blob, &mut at)?).ok()?;
    let n = read_varint(blob, &mut at)?;
    Some((at, runs, count, n))
}

/// A sum's transaction type: a varint `len + 1` then its bytes, 0 for null; where types come in
/// runs, `len + 2`, and 1 for the type of the sum before.
#[inline(always)]
fn read_type<'b>(
    blob: &'b [u8],
    at: &mut usize,
    runs: bool,
    prev: Option<&'b [u8]>,
) -> Option<Option<&'b [u8]>> {
    let code = usize::try_from(read_varint(blob, at)?).ok()?;
    let len = match (code, runs) {
        (0, _) => return Some(None),
        (1, true) => return prev.map(Some),
        (c, true) => c - 2,
        (c, false) => c - 1,
    };
    let s = blob.get(*at..at.checked_add(len)?)?;
    *at += len;
    Some(Some(s))
}

/// One day's transactions of one balance, summed by (transaction `type`, money column), with
/// their count: every reconciliation formula (a signed sum of columns filtered by type, spec 05
/// §3.3/§3.4) is computed from these, whatever the formulas are, so changing a program's
/// formulas needs no rebuild.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    /// Transactions counted.
    pub count: u64,
    /// `(type, column, sum)`; type `None` for a null `type` cell. Sorted, one entry per pair.
    pub sums: Vec<(Option<String>, String, Decimal)>,
}

/// Why two sums cannot be added exactly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sum of {column} (type {ty}) would not be exact: {left} + {right}")]
pub struct SumOverflow {
    /// The column.
    pub column: String,
    /// The type.
    pub ty: String,
    /// One operand.
    pub left: String,
    /// The other.
    pub right: String,
}

/// `a + b` without rounding (rust_decimal rounds when it cannot align scales; that is refused).
pub fn add_exact(a: Decimal, b: Decimal) -> Option<Decimal> {
    let scale = a.scale().max(b.scale());
    let r = a.checked_add(b)?;
    if r.scale() >= scale {
        return Some(r);
    }
    if a.is_zero() || b.is_zero() {
        let mut r = r;
        r.rescale(scale);
        return Some(r);
    }
    None
}

impl Activity {
    /// Adds one value of `column` of a transaction of `ty`.
    pub fn add(&mut self, ty: Option<&str>, column: &str, v: Decimal) -> Result<(), SumOverflow> {
        let pos = self
            .sums
            .binary_search_by(|(t, c, _)| (t.as_deref(), c.as_str()).cmp(&(ty, column)));
        match pos {
            Ok(i) => {
                let old = self.sums[i].2;
                self.sums[i].2 = add_exact(old, v).ok_or_else(|| SumOverflow {
                    column: column.to_string(),
                    ty: ty.unwrap_or("null").to_string(),
                    left: old.to_string(),
                    right: v.to_string(),
                })?;
            }
            Err(i) => self
                .sums
                .insert(i, (ty.map(str::to_string), column.to_string(), v)),
        }
        Ok(())
    }

    /// Adds all of `other`.
    pub fn merge(&mut self, other: &Activity) -> Result<(), SumOverflow> {
        self.count += other.count;
        for (t, c, v) in &other.sums {
            self.add(t.as_deref(), c, *v)?;
        }
        Ok(())
    }

    /// Σ of `column` over every type.
    pub fn total(&self, column: &str) -> Option<Decimal> {
        let mut total = Decimal::ZERO;
        for (_, c, v) in &self.sums {
            if c == column {
                total = add_exact(total, *v)?;
            }
        }
        Some(total)
    }

    /// Encodes against `known` column names.
    pub fn encode(&self, known: &[&str], out: &mut Vec<u8>) {
        let sums = self
            .sums
            .iter()
            .map(|(t, c, v)| (t.as_deref(), c.as_str(), *v));
        encode_sums(self.count, sums, known, out);
    }

    /// Decodes what [`Activity::encode`] wrote with the same `known`.
    pub fn decode(known: &[&'static str], blob: &[u8]) -> Option<Activity> {
        let mut sums = Vec::new();
        let count = for_each_sum(known, blob, &mut |t, c, v| {
            sums.push((t.map(str::to_string), c.to_string(), v))
        })?;
        Some(Activity { count, sums })
    }
}

/// The [`Activity`] blob of `count` transactions and their `sums`, given in (type, column) order:
/// what [`Activity::encode`] writes, without building an `Activity` first.
pub(crate) fn encode_sums<'a>(
    count: u64,
    sums: impl ExactSizeIterator<Item = (Option<&'a str>, &'a str, Decimal)>,
    known: &[&str],
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(&SUMS_RUNS);
    put_varint(out, u128::from(count));
    put_varint(out, sums.len() as u128);
    let mut prev = None;
    for (t, c, v) in sums {
        match t {
            None => out.push(0),
            Some(t) if prev == Some(t) => out.push(1),
            Some(t) => {
                put_varint(out, t.len() as u128 + 2);
                out.extend_from_slice(t.as_bytes());
            }
        }
        prev = t;
        put_column(out, known, c);
        put_decimal(out, v);
    }
}

/// How an amount is kept in a typed money column: an INTEGER in units of 10⁻⁸ (exact for D3's
/// up to 8 fractional digits, and summable by SQL), or — past ±92,233,720,368.54775807 or with
/// more digits — the exact decimal as TEXT. Readers take either.
pub fn money_value(text: &str) -> rusqlite::types::Value {
    use rusqlite::types::Value;
    match parse_amount(text) {
        Some((m, scale)) if scale <= 8 => {
            let units = 10i128
                .checked_pow(8 - scale)
                .and_then(|p| m.checked_mul(p))
                .and_then(|u| i64::try_from(u).ok());
            match units {
                Some(u) => Value::Integer(u),
                None => Value::Text(text.to_string()),
            }
        }
        _ => Value::Text(text.to_string()),
    }
}

/// The suffix of a row blob's column that holds only the scale of a money column kept typed
/// (`amount@scale`): the amount is written once, typed, and read back as written.
pub const SCALE_SUFFIX: &str = "@scale";

/// The suffix of a row blob's column whose cell is not kept: it is the record's key (a required
/// column keying the record, `client_account_id@key`), stored once, as the key.
pub const KEY_SUFFIX: &str = "@key";

/// The suffix of a row blob's column of dates or timestamps kept short
/// ([`crate::when::put_cell`]), `created_at@when`.
pub const WHEN_SUFFIX: &str = "@when";

/// The scale of an amount as written (`12.50`: 2), as a row blob cell.
pub fn scale_cell(text: &str) -> &'static str {
    const SCALES: [&str; 29] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
        "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28",
    ];
    let scale = text.split_once('.').map_or(0, |(_, f)| f.len());
    SCALES[scale.min(28)]
}

/// An amount's text back from its typed money column and its scale cell: exact, with the
/// digits it was written with. `None` if they do not fit together.
pub fn money_text(v: &rusqlite::types::Value, scale: Option<&str>) -> Option<String> {
    use rusqlite::types::Value;
    match v {
        // Past the INTEGER range the typed column holds the text itself.
        Value::Text(t) => Some(t.clone()),
        Value::Integer(units) => {
            let scale: u32 = scale?.parse().ok().filter(|s| *s <= 8)?;
            let div = 10i64.checked_pow(8 - scale)?;
            if units % div != 0 {
                return None;
            }
            Some(Decimal::new(units / div, scale).to_string())
        }
        _ => None,
    }
}

/// The decimal of a typed money column (see [`money_value`]), at scale 8 for INTEGERs.
pub fn money_from(v: rusqlite::types::ValueRef) -> Option<Decimal> {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Integer(u) => decimal(i128::from(u), 8),
        ValueRef::Text(t) => {
            let (m, s) = parse_amount(std::str::from_utf8(t).ok()?)?;
            decimal(m, s)
        }
        _ => None,
    }
}

/// A column of an amounts or activity blob: its index in the column list it was encoded
/// against (`known`), or, for a column outside it, its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnRef<'b> {
    /// `known[i]`.
    Known(usize),
    /// A column not in `known`.
    Named(&'b str),
}

/// [`get_varint`] for the hot read path: the bytes of a u64 first (every amount of a day and
/// every count), u128 arithmetic only past them.
#[inline(always)]
fn read_varint(buf: &[u8], at: &mut usize) -> Option<u128> {
    let mut v: u64 = 0;
    for shift in (0..63).step_by(7) {
        let b = *buf.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(u128::from(v));
        }
    }
    let mut v = u128::from(v);
    for shift in (63..128).step_by(7) {
        let b = *buf.get(*at)?;
        *at += 1;
        v |= u128::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

#[inline(always)]
fn read_column<'b>(buf: &'b [u8], at: &mut usize, known: usize) -> Option<ColumnRef<'b>> {
    let i = *buf.get(*at)?;
    *at += 1;
    if i == OTHER_COLUMN {
        return get_str(buf, at).map(ColumnRef::Named);
    }
    (usize::from(i) < known).then_some(ColumnRef::Known(usize::from(i)))
}

/// `(mantissa, scale)` as stored; `None` at a damaged one.
#[inline(always)]
fn read_raw_decimal(buf: &[u8], at: &mut usize) -> Option<(i128, u32)> {
    let m = unzigzag(read_varint(buf, at)?);
    let scale = u32::from(*buf.get(*at)?);
    *at += 1;
    Some((m, scale))
}

/// A blob that is not in the form the store writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("damaged amounts")]
pub struct Damaged;

/// One amount of an [`Amounts`] blob, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawAmount<'b> {
    /// Its column.
    pub column: ColumnRef<'b>,
    /// Its mantissa (check the range: [`decimal`] refuses what does not fit a `Decimal`).
    pub mantissa: i128,
    /// Its scale (likewise).
    pub scale: u32,
}

/// The amounts of an [`Amounts`] blob without `Decimal` (what [`for_each_amount`] reads), for
/// the nightly run's hot loop; an `Err` at a damaged one, then nothing more.
#[derive(Debug, Clone)]
pub struct RawAmounts<'b> {
    blob: &'b [u8],
    at: usize,
    left: u128,
    known: usize,
}

/// [`RawAmounts`] of a blob encoded against `known` column names (their number).
#[inline]
pub fn raw_amounts(known: usize, blob: &[u8]) -> RawAmounts<'_> {
    let mut at = 0;
    // A damaged count: one entry that will fail to read.
    let left = read_varint(blob, &mut at).unwrap_or(1);
    RawAmounts {
        blob,
        at,
        left,
        known,
    }
}

impl<'b> Iterator for RawAmounts<'b> {
    type Item = Result<RawAmount<'b>, Damaged>;

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let entry = (|| {
            let column = read_column(self.blob, &mut self.at, self.known)?;
            let (mantissa, scale) = read_raw_decimal(self.blob, &mut self.at)?;
            Some(RawAmount {
                column,
                mantissa,
                scale,
            })
        })();
        if entry.is_none() {
            self.left = 0;
        }
        Some(entry.ok_or(Damaged))
    }
}

/// One sum of an [`Activity`] blob, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawSum<'b> {
    /// The transaction type's bytes, `None` for a null type ([`for_each_sum`] refuses one that
    /// is not UTF-8: check it where that matters).
    pub ty: Option<&'b [u8]>,
    /// Its column.
    pub column: ColumnRef<'b>,
    /// As in [`RawAmount`].
    pub mantissa: i128,
    /// As in [`RawAmount`].
    pub scale: u32,
}

/// The sums of an [`Activity`] blob without `Decimal` (what [`for_each_sum`] reads); an `Err`
/// at a damaged one, then nothing more.
#[derive(Debug, Clone)]
pub struct RawSums<'b> {
    blob: &'b [u8],
    at: usize,
    left: u128,
    known: usize,
    runs: bool,
    prev: Option<&'b [u8]>,
}

/// The transaction count of an [`Activity`] blob encoded against `known` column names (their
/// number), and its [`RawSums`].
#[inline]
pub fn raw_sums(known: usize, blob: &[u8]) -> Result<(u64, RawSums<'_>), Damaged> {
    let (at, runs, count, left) = sums_header(blob).ok_or(Damaged)?;
    Ok((
        count,
        RawSums {
            blob,
            at,
            left,
            known,
            runs,
            prev: None,
        },
    ))
}

impl<'b> Iterator for RawSums<'b> {
    type Item = Result<RawSum<'b>, Damaged>;

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let entry = (|| {
            let blob = self.blob;
            let ty = read_type(blob, &mut self.at, self.runs, self.prev)?;
            self.prev = ty;
            let column = read_column(blob, &mut self.at, self.known)?;
            let (mantissa, scale) = read_raw_decimal(blob, &mut self.at)?;
            Some(RawSum {
                ty,
                column,
                mantissa,
                scale,
            })
        })();
        if entry.is_none() {
            self.left = 0;
        }
        Some(entry.ok_or(Damaged))
    }
}

#[cfg(test)]
mod money_text_tests {
    use super::*;

    #[test]
    fn an_amount_comes_back_as_written_from_its_typed_form_and_scale() {
        for text in [
            "12.50",
            "-0.01",
            "0",
            "100",
            "7.12345678",
            "-102.58",
            "0.00",
        ] {
            let typed = money_value(text);
            assert_eq!(
                money_text(&typed, Some(scale_cell(text))).as_deref(),
                Some(text)
            );
        }
        let huge = "123456789012345678901.5";
        assert_eq!(money_text(&money_value(huge), None).as_deref(), Some(huge));
        // A scale that does not fit the units is damage, not a rounding.
        assert_eq!(money_text(&money_value("1.23"), Some("1")), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rows_round_trip_with_nulls_and_any_text() {
        let cells = [Some("a|b"), None, Some(""), Some("é\n\"x\"")];
        let mut out = Vec::new();
        encode_row(42, &cells, &mut out);
        let (layout, back) = decode_row(&out).unwrap();
        assert_eq!(layout, 42);
        assert_eq!(back, cells);
        assert!(decode_row(&out[..out.len() - 1]).is_none());
    }

    #[test]
    fn amounts_keep_their_scale_and_sign() {
        assert_eq!(parse_amount("-12.50"), Some((-1250, 2)));
        assert_eq!(parse_amount("0"), Some((0, 0)));
        for bad in ["1e5", "+1", "1.", ".5", "", "-", "1.2.3", "١"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
        let a = Amounts(vec![
            ("balance".into(), d("-12.50")),
            ("custom".into(), d("79228162514264337593543950335")),
            ("rewards_balance".into(), d("0.00000001")),
        ]);
        let mut out = Vec::new();
        a.encode(&["balance", "rewards_balance"], &mut out);
        let back = Amounts::decode(&["balance", "rewards_balance"], &out).unwrap();
        assert_eq!(back, a);
        assert_eq!(back.get("balance").unwrap().to_string(), "-12.50");
    }

    #[test]
    fn activity_sums_by_type_and_column_exactly() {
        let mut a = Activity::default();
        a.add(Some("debit"), "amount", d("-1.50")).unwrap();
        a.add(None, "amount", d("2")).unwrap();
        a.add(Some("debit"), "amount", d("-0.25")).unwrap();
        a.count = 3;
        assert_eq!(a.total("amount").unwrap().to_string(), "0.25");
        let mut out = Vec::new();
        a.encode(&["amount"], &mut out);
        let b = Activity::decode(&["amount"], &out).unwrap();
        assert_eq!(b, a);
        let mut c = b.clone();
        c.merge(&a).unwrap();
        assert_eq!(c.count, 6);
        assert_eq!(c.sums[1].2.to_string(), "-3.50");
        // A sum that would need rounding is refused.
        let mut e = Activity::default();
        e.add(None, "amount", d("79228162514264337593543950"))
            .unwrap();
        assert!(e.add(None, "amount", d("0.0001")).is_err());
    }

    #[test]
    fn activity_names_a_type_once_a_run_and_reads_the_first_form_too() {
        let known = ["amount", "amount_in_usd"];
        let mut a = Activity::default();
        for (ty, v) in [
            (Some("credit"), "5.00"),
            (Some("debit"), "-1.25"),
            (None, "3"),
        ] {
            a.add(ty, "amount", d(v)).unwrap();
            a.add(ty, "amount_in_usd", d(v)).unwrap();
        }
        a.count = 3;
        let mut out = Vec::new();
        a.encode(&known, &mut out);
        assert_eq!(&out[..2], &SUMS_RUNS);
        // "credit" and "debit" once each, and no other type text.
        let text = String::from_utf8_lossy(&out);
        assert_eq!(text.matches("credit").count(), 1, "{out:?}");
        assert_eq!(text.matches("debit").count(), 1, "{out:?}");
        assert_eq!(Activity::decode(&known, &out).unwrap(), a);
        let (count, raw) = raw_sums(known.len(), &out).unwrap();
        assert_eq!(count, 3);
        let types: Vec<_> = raw.map(|s| s.unwrap().ty).collect();
        assert_eq!(
            types,
            [
                None,
                None,
                Some(&b"credit"[..]),
                Some(b"credit"),
                Some(b"debit"),
                Some(b"debit")
            ]
        );

        // The first form (a database written before schema 7): each sum spells its type.
        let mut first = vec![3, 6];
        for (ty, col, m, scale) in [
            (None, 0u8, 3i128, 0u8),
            (None, 1, 3, 0),
            (Some("credit"), 0, 500, 2),
            (Some("credit"), 1, 500, 2),
            (Some("debit"), 0, -125, 2),
            (Some("debit"), 1, -125, 2),
        ] {
            match ty {
                Some(t) => {
                    first.push(t.len() as u8 + 1);
                    first.extend_from_slice(t.as_bytes());
                }
                None => first.push(0),
            }
            first.push(col);
            put_varint(&mut first, zigzag(m));
            first.push(scale);
        }
        assert_eq!(Activity::decode(&known, &first).unwrap(), a);
        let (count, raw) = raw_sums(known.len(), &first).unwrap();
        assert_eq!((count, raw.count()), (3, 6));
        // No transactions in the first form: exactly the two bytes that start the second.
        assert_eq!(
            Activity::decode(&known, &[0, 0]).unwrap(),
            Activity::default()
        );
        // A run can only repeat a type that came before.
        assert_eq!(Activity::decode(&known, &[0, 0, 1, 1, 1, 0, 2, 2]), None);
    }

    #[test]
    fn raw_forms_read_what_the_decimal_forms_read() {
        let known = ["balance", "rewards_balance"];
        let a = Amounts(vec![
            ("balance".into(), d("-12.50")),
            ("custom".into(), d("79228162514264337593543950335")),
            ("rewards_balance".into(), d("0.00000001")),
        ]);
        let mut out = Vec::new();
        a.encode(&known, &mut out);
        let mut raw = Vec::new();
        for e in raw_amounts(known.len(), &out) {
            let e = e.unwrap();
            let name = match e.column {
                ColumnRef::Known(i) => known[i].to_string(),
                ColumnRef::Named(n) => n.to_string(),
            };
            raw.push((name, decimal(e.mantissa, e.scale).unwrap()));
        }
        assert_eq!(Amounts(raw), a);
        // One known column fewer: its code is damage, as in for_each_amount; so is a cut blob.
        let damaged = |known: usize, blob: &[u8]| raw_amounts(known, blob).any(|e| e.is_err());
        assert!(damaged(1, &out));
        assert!(damaged(2, &out[..out.len() - 1]));
        assert!(!damaged(2, &out));

        let mut act = Activity::default();
        act.add(Some("debit"), "amount", d("-1.50")).unwrap();
        act.add(None, "rewards_amount", d("2")).unwrap();
        act.add(Some("fee"), "amount", d("-18446744073709551616.25"))
            .unwrap();
        act.count = 300;
        let known = ["amount", "rewards_amount"];
        let mut out = Vec::new();
        act.encode(&known, &mut out);
        let (count, raw) = raw_sums(known.len(), &out).unwrap();
        let mut sums = Vec::new();
        for e in raw {
            let e = e.unwrap();
            let ColumnRef::Known(i) = e.column else {
                panic!("{:?}", e.column)
            };
            let t = e.ty.map(|t| String::from_utf8(t.to_vec()).unwrap());
            sums.push((
                t,
                known[i].to_string(),
                decimal(e.mantissa, e.scale).unwrap(),
            ));
        }
        assert_eq!(Activity { count, sums }, act);
        let (_, cut) = raw_sums(2, &out[..out.len() - 2]).unwrap();
        assert!(cut.last().unwrap().is_err());
        assert!(raw_sums(2, &[]).is_err());
    }

    #[test]
    fn typed_money_is_exact_in_units_of_ten_to_minus_eight() {
        use rusqlite::types::{Value, ValueRef};
        assert_eq!(money_value("12.5"), Value::Integer(1_250_000_000));
        assert_eq!(money_value("-0.00000001"), Value::Integer(-1));
        let big = "92233720368.54775808";
        assert_eq!(money_value(big), Value::Text(big.into()));
        assert_eq!(
            money_from(ValueRef::Integer(1_250_000_000)),
            Some(d("12.5"))
        );
        assert_eq!(money_from(ValueRef::Text(big.as_bytes())), Some(d(big)));
    }
}
