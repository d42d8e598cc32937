//! Synthetic partner files: realistic rows for any schema, deterministic for a seed, that pass
//! the validator. Values are driven by the schema (types, enums, rules) and, for realism, by
//! column names (people's names for `first_name`, plausible amounts for money, …), so a schema
//! correction changes the generated files without code changes.

pub mod program;
mod rng;
mod text;

pub use program::{
    write_program, Manifest, PlantedBreak, ProgramError, ProgramKind, ProgramOptions,
};
pub use rng::Rng;

use std::io::{self, Write};
use validate::schema::{ColumnType, Op, RefData, RuleKind, Schema, Test};
use validate::values::{parse_date, Point};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    /// Data rows.
    pub rows: u64,
    /// Seed: the same seed gives the same bytes.
    pub seed: u64,
    /// File date T (`YYYY-MM-DD`); rows describe day T−1.
    pub date: String,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            rows: 100,
            seed: 1,
            date: "2026-01-27".into(),
        }
    }
}

/// The documented file name for a generated file (`<date>_<type>_v1.csv`, D5).
pub fn file_name(schema: &Schema, opts: &GenOptions) -> String {
    format!("{}_{}_v1.csv", opts.date, schema.file_type)
}

/// Writes a whole file: header and `opts.rows` rows.
pub fn write_file<W: Write>(
    schema: &Schema,
    refdata: &RefData,
    opts: &GenOptions,
    out: W,
) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    out.write_all(schema.header_line().as_bytes())?;
    out.write_all(b"\n")?;
    let mut g = RowGen::new(schema, refdata, opts)?;
    let mut line = String::new();
    for n in 0..opts.rows {
        line.clear();
        g.render(n, &mut line);
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

/// Generates rows of one schema.
pub struct RowGen<'a> {
    schema: &'a Schema,
    refdata: &'a RefData,
    rng: Rng,
    /// Day T−1 (days since the epoch) that the rows describe.
    day: i64,
    tag: String,
    currencies: Vec<&'a str>,
    /// Current row's values by column.
    pub values: Vec<Option<String>>,
}

impl<'a> RowGen<'a> {
    /// A generator for `schema`.
    pub fn new(schema: &'a Schema, refdata: &'a RefData, opts: &GenOptions) -> io::Result<Self> {
        let day = parse_date(&opts.date).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("not a date: {}", opts.date),
            )
        })? - 1;
        let currencies = ["EUR", "GBP", "CAD", "JPY", "MXN", "KWD"]
            .into_iter()
            .filter(|c| refdata.minor_units(c).is_some())
            .collect();
        Ok(RowGen {
            schema,
            refdata,
            rng: Rng::new(opts.seed),
            day,
            tag: format!("{:04x}", opts.seed & 0xffff),
            currencies,
            values: vec![None; schema.columns.len()],
        })
    }

    /// Generates row `n` (0-based) into `self.values`.
    pub fn generate(&mut self, n: u64) {
        let cols = &self.schema.columns;
        // Currencies and enums first: money and rules depend on them.
        let order = (0..cols.len())
            .filter(|c| matches!(cols[*c].ty, ColumnType::Currency | ColumnType::Enum))
            .chain(
                (0..cols.len())
                    .filter(|c| !matches!(cols[*c].ty, ColumnType::Currency | ColumnType::Enum)),
            );
        for c in order.collect::<Vec<_>>() {
            let col = &cols[c];
            // A column that a rule requires only under a condition is left to that rule, so a
            // card has a `closed_at` only when it is closed.
            let conditional = self
                .schema
                .rules
                .iter()
                .any(|r| matches!(r.kind, RuleKind::RequiredIf(t) if t == c));
            let fill = col.required
                || self.schema.key.contains(&c)
                || (!conditional && self.rng.chance(60));
            self.values[c] = if fill { Some(self.value(c, n)) } else { None };
        }
        // Rules can enable one another; a few passes reach a fixed point for every shipped schema.
        for _ in 0..4 {
            if !self.apply_rules(n) {
                break;
            }
        }
    }

    /// Generates row `n` and appends it, pipe-delimited with a line end, to `line`.
    pub fn render(&mut self, n: u64, line: &mut String) {
        self.generate(n);
        for (c, v) in self.values.iter().enumerate() {
            if c > 0 {
                line.push('|');
            }
            if let Some(v) = v {
                let raw = matches!(
                    self.schema.columns[c].ty,
                    ColumnType::List | ColumnType::Json
                );
                if !raw && v.contains(['|', '"', '\n', '\r']) {
                    line.push('"');
                    line.push_str(&v.replace('"', "\"\""));
                    line.push('"');
                } else {
                    line.push_str(v);
                }
            }
        }
        line.push('\n');
    }

    fn value(&mut self, c: usize, n: u64) -> String {
        let col = &self.schema.columns[c];
        let name = col.name.as_str();
        match col.ty {
            ColumnType::String => {
                let unique = self.schema.key == [c];
                let v = text::string_for(name, unique, n, &self.tag, &mut self.rng);
                fit_len(v, col.min_len, col.max_len)
            }
            ColumnType::Integer if name.contains("score") => {
                (300 + self.rng.below(551)).to_string()
            }
            ColumnType::Integer => self.rng.below(1000).to_string(),
            ColumnType::Decimal => self.money(c),
            ColumnType::Date => {
                let day = if name.contains("birth") {
                    self.day - 365 * (20 + self.rng.below(50) as i64)
                } else if name.contains("expir") {
                    self.day + 365 * (2 + self.rng.below(3) as i64)
                } else {
                    self.day - self.rng.below(30) as i64
                };
                text::date(day)
            }
            ColumnType::Datetime => {
                // `created_at`-like columns lie further back than the day's events.
                let back = if name.starts_with("created") || name.starts_with("submitted") {
                    86_400 * (1 + self.rng.below(300) as i64)
                } else {
                    0
                };
                text::datetime(self.day * 86_400 + self.rng.below(86_400) as i64 - back)
            }
            ColumnType::DateOrDatetime => text::date(self.day + 1),
            ColumnType::Boolean => if self.rng.chance(50) { "true" } else { "false" }.to_string(),
            ColumnType::Enum => self.rng.pick(&col.values).clone(),
            ColumnType::List => {
                let items: Vec<String> = if col.values.is_empty() {
                    (0..1 + self.rng.below(2))
                        .map(|_| format!("cus-{:07}", self.rng.below(100_000)))
                        .collect()
                } else {
                    vec![self.rng.pick(&col.values).clone()]
                };
                list(&items)
            }
            ColumnType::Json => "[]".to_string(),
            ColumnType::Currency => {
                if self.rng.chance(85) || self.currencies.is_empty() {
                    "USD".to_string()
                } else {
                    self.rng.pick(&self.currencies).to_string()
                }
            }
            ColumnType::Country => if self.rng.chance(80) {
                "US"
            } else {
                *self.rng.pick(&["CA", "GB", "DE", "MX"])
            }
            .into(),
            ColumnType::State => self.rng.pick(self.refdata.state_codes()).clone(),
        }
    }

    /// A plausible amount with the decimal places its currency (or column) requires.
    fn money(&mut self, c: usize) -> String {
        let col = &self.schema.columns[c];
        let minor = col
            .currency_column
            .and_then(|cc| self.values[cc].as_deref())
            .and_then(|cur| self.refdata.minor_units(cur));
        let places = col
            .min_decimals
            .unwrap_or(0)
            .max(minor.unwrap_or(2))
            .min(col.max_decimals);
        let cents = 1 + self.rng.below(if col.name.contains("balance") {
            5_000_000
        } else {
            200_000
        });
        let mut v = text::decimal(cents, places);
        if col.signed && self.rng.chance(30) {
            v.insert(0, '-');
        }
        v
    }

    fn holds(&self, when: &[validate::schema::Condition]) -> bool {
        when.iter().all(|cond| {
            let v = self.values[cond.column].as_deref();
            match (&cond.test, v) {
                (Test::In(l), Some(v)) => l.iter().any(|x| x == v),
                (Test::NotIn(l), Some(v)) => !l.iter().any(|x| x == v),
                (Test::Present(p), v) => v.is_some() == *p,
                (_, None) => false,
            }
        })
    }

    /// Makes the row satisfy the schema's rules; returns whether anything changed.
    fn apply_rules(&mut self, n: u64) -> bool {
        let mut changed = false;
        // A currency set by a rule after its money was generated needs the money redone.
        for c in 0..self.values.len() {
            let col = &self.schema.columns[c];
            let (Some(cc), Some(v)) = (col.currency_column, &self.values[c]) else {
                continue;
            };
            let minor = self.values[cc]
                .as_deref()
                .and_then(|cur| self.refdata.minor_units(cur));
            let places = v.split_once('.').map_or(0, |(_, f)| f.len() as u32);
            if minor.is_some_and(|m| places < m) {
                self.values[c] = Some(self.money(c));
                changed = true;
            }
        }
        for rule in &self.schema.rules {
            if !self.holds(&rule.when) {
                continue;
            }
            match &rule.kind {
                RuleKind::RequiredIf(c) if self.values[*c].is_none() => {
                    self.values[*c] = Some(self.value(*c, n));
                    changed = true;
                }
                RuleKind::NotAllowedIf(c) if self.values[*c].is_some() => {
                    self.values[*c] = None;
                    changed = true;
                }
                RuleKind::ValuesIf(c, allowed) => {
                    let ok = match (&self.values[*c], self.schema.columns[*c].ty) {
                        (None, _) => true,
                        (Some(v), ColumnType::List) => {
                            allowed.iter().any(|a| v == &list(std::slice::from_ref(a)))
                        }
                        (Some(v), _) => allowed.contains(v),
                    };
                    if !ok {
                        let pick = self.rng.pick(allowed).clone();
                        self.values[*c] = Some(if self.schema.columns[*c].ty == ColumnType::List {
                            list(&[pick])
                        } else {
                            pick
                        });
                        changed = true;
                    }
                }
                RuleKind::OneOf(cols) if cols.iter().all(|c| self.values[*c].is_none()) => {
                    self.values[cols[0]] = Some(self.value(cols[0], n));
                    changed = true;
                }
                RuleKind::ExactlyOne(cols) => {
                    let given = cols.iter().filter(|c| self.values[**c].is_some()).count();
                    if given != 1 {
                        let keep = cols[self.rng.below(cols.len() as u64) as usize];
                        for c in cols {
                            self.values[*c] = None;
                        }
                        self.values[keep] = Some(self.value(keep, n));
                        changed = true;
                    }
                }
                RuleKind::AllOrNone(cols) if cols.iter().any(|c| self.values[*c].is_some()) => {
                    for c in cols {
                        if self.values[*c].is_none() {
                            self.values[*c] = Some(self.value(*c, n));
                            changed = true;
                        }
                    }
                }
                RuleKind::SameSign(a, b) => changed |= self.same_sign(*a, *b),
                RuleKind::Compare(a, op, b) => changed |= self.order(*a, *op, *b),
                _ => {}
            }
        }
        changed
    }

    fn same_sign(&mut self, a: usize, b: usize) -> bool {
        let (Some(x), Some(y)) = (&self.values[a], &self.values[b]) else {
            return false;
        };
        let (nx, ny) = (x.starts_with('-'), y.starts_with('-'));
        if nx == ny {
            return false;
        }
        let body = x.trim_start_matches('-').to_string();
        self.values[a] = Some(if ny { format!("-{body}") } else { body });
        true
    }

    /// Moves `a` so that `a op b` holds.
    fn order(&mut self, a: usize, op: Op, b: usize) -> bool {
        let (Some(x), Some(y)) = (&self.values[a], &self.values[b]) else {
            return false;
        };
        let (Some(px), Some(py)) = (Point::parse(x), Point::parse(y)) else {
            // Two amounts (a credit limit under its maximum): swapped, each keeps its format.
            let (Ok(dx), Ok(dy)) = (
                x.parse::<rust_decimal::Decimal>(),
                y.parse::<rust_decimal::Decimal>(),
            ) else {
                return false;
            };
            if op.holds(dx.cmp(&dy)) || dx == dy {
                return false;
            }
            self.values.swap(a, b);
            return true;
        };
        if op.holds(px.order(py)) {
            return false;
        }
        let later = matches!(op, Op::Ge | Op::Gt);
        let shift = if later { 86_400 * 30 } else { -86_400 * 30 };
        let instant = match py {
            Point::Date(d) => d * 86_400 + shift,
            Point::Instant((s, _)) => s + shift,
        };
        self.values[a] = Some(match px {
            Point::Date(_) => text::date(instant.div_euclid(86_400)),
            Point::Instant(_) => text::datetime(instant),
        });
        true
    }
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
    format!("[{}]", quoted.join(","))
}

fn fit_len(mut v: String, min: Option<usize>, max: Option<usize>) -> String {
    if let Some(max) = max {
        if v.chars().count() > max {
            v = v.chars().take(max).collect();
        }
    }
    while min.is_some_and(|m| v.chars().count() < m) {
        v.push('x');
    }
    v
}
