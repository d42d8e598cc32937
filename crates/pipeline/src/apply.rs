//! Turning an accepted file's rows into stored records (D8): the current version of every
//! record and its state changes, balances by file date, transactions, and the non-posted
//! snapshot of the day (the store keeps each in its own typed table, `store::Writing`).

use std::borrow::Cow;
use std::io::Read;
use store::codec::{encode_cells, scale_cell, KEY_SUFFIX, SCALE_SUFFIX, WHEN_SUFFIX};
use store::{
    BalanceIn, NonPostedIn, TransactionIn, Writing, BALANCE, BALANCE_KEY_COLUMN, BALANCE_TYPED,
    NON_POSTED, NON_POSTED_TYPED, TRANSACTION, TRANSACTION_TYPED,
};
use validate::rows::for_each_row;
use validate::schema::{ColumnType, Schema};

/// The record key: the key columns' values joined by `|` (empty for null).
pub fn record_key<'c>(schema: &Schema, cells: &[Option<&'c str>]) -> Cow<'c, str> {
    if let [c] = schema.key[..] {
        return Cow::Borrowed(cells[c].unwrap_or(""));
    }
    let parts: Vec<&str> = schema.key.iter().map(|c| cells[*c].unwrap_or("")).collect();
    Cow::Owned(parts.join("|"))
}

/// The key a balance row is stored under (`store::BalanceIn::balance_id`): the id transactions
/// name it by, `client_balance_id`, or `id` for an API balance (`true`: the Lead id); its record
/// key when it has neither. `schema.key` is (`client_balance_id`, `id`).
pub fn balance_key<'c>(schema: &Schema, cells: &[Option<&'c str>]) -> (Cow<'c, str>, bool) {
    let given = |i: usize| {
        schema
            .key
            .get(i)
            .and_then(|c| cells[*c])
            .filter(|v| !v.is_empty())
    };
    match (given(0), given(1)) {
        (Some(c), _) => (Cow::Borrowed(c), false),
        (None, Some(i)) => (Cow::Borrowed(i), true),
        (None, None) => (record_key(schema, cells), false),
    }
}

/// A row that cannot be applied: its transaction id was applied from an earlier file.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// Row number (header = 1).
    pub row: u64,
    /// The repeated id.
    pub id: String,
}

/// Where a row's money cells are kept besides the typed table's exact columns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Money {
    /// In the row blob as written (no typed column holds them all).
    Blob,
    /// Only their scale in the blob (`<column>@scale`): the typed column has the amount.
    Scale,
    /// Not in the blob (a balance's exact amounts are its `closing` blob).
    Out,
}

/// How a cell is kept in the row blob.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cell {
    /// As written.
    Text,
    /// Only its scale: a money cell whose amount is in a typed column (`<column>@scale`).
    Scale,
    /// Nothing: the record's key, a required column's value the store keeps as the row's key
    /// anyway (`<column>@key`).
    Key,
    /// A date or timestamp, short ([`store::when::put_cell`], `<column>@when`).
    When,
}

/// Where each cell of a row goes: the blob's columns (those not kept typed beside it), the
/// money columns, and the columns the typed tables need.
struct Plan<'s> {
    schema: &'s Schema,
    /// Schema column indexes in the row blob, in order, and how each is kept.
    blob: Vec<(usize, Cell)>,
    money: Vec<usize>,
    layout: i64,
    /// The short forms of a row's `When` cells, in blob order (kept between rows).
    when: Vec<String>,
}

impl<'s> Plan<'s> {
    /// `typed`: columns kept typed beside the blob; `money`: where the money cells go.
    fn new(
        schema: &'s Schema,
        typed: &[&str],
        money: Money,
        ap: &mut Writing,
    ) -> store::Result<Plan<'s>> {
        let is_money = |i: usize| schema.columns[i].ty == ColumnType::Decimal;
        let is_when = |i: usize| {
            use ColumnType::{Date, DateOrDatetime, Datetime};
            matches!(schema.columns[i].ty, Date | Datetime | DateOrDatetime)
        };
        // A record keyed by one required column: that column's value is the record's key.
        let key = match (typed.is_empty(), &schema.key[..]) {
            (true, [k]) if schema.columns[*k].required => Some(*k),
            _ => None,
        };
        let blob: Vec<(usize, Cell)> = (0..schema.columns.len())
            .filter(|i| {
                !(typed.contains(&schema.columns[*i].name.as_str())
                    || money == Money::Out && is_money(*i))
            })
            .map(|i| match () {
                _ if Some(i) == key => (i, Cell::Key),
                _ if money == Money::Scale && is_money(i) => (i, Cell::Scale),
                _ if is_when(i) => (i, Cell::When),
                _ => (i, Cell::Text),
            })
            .collect();
        let names: Vec<String> = blob
            .iter()
            .map(|(i, form)| {
                let name = &schema.columns[*i].name;
                match form {
                    Cell::Text => name.clone(),
                    Cell::Scale => format!("{name}{SCALE_SUFFIX}"),
                    Cell::Key => format!("{name}{KEY_SUFFIX}"),
                    Cell::When => format!("{name}{WHEN_SUFFIX}"),
                }
            })
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let layout = ap.layout(&schema.file_type, &names)?;
        let money = (0..schema.columns.len())
            .filter(|i| schema.columns[*i].ty == ColumnType::Decimal)
            .collect();
        let when = vec![String::new(); blob.iter().filter(|(_, c)| *c == Cell::When).count()];
        Ok(Plan {
            schema,
            blob,
            money,
            layout,
            when,
        })
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.schema.column_index(name)
    }

    fn row(&mut self, cells: &[Option<&str>], out: &mut Vec<u8>) {
        let whens = self.blob.iter().filter(|(_, c)| *c == Cell::When);
        for ((i, _), short) in whens.zip(&mut self.when) {
            short.clear();
            if let Some(text) = cells[*i] {
                store::when::put_cell(text, short);
            }
        }
        let mut shorts = self.when.iter();
        let cell = |(i, form): &(usize, Cell)| match form {
            Cell::Text => cells[*i],
            Cell::Scale => cells[*i].map(scale_cell),
            Cell::Key => None,
            Cell::When => {
                let short = shorts.next().map(String::as_str);
                cells[*i].and(short)
            }
        };
        encode_cells(self.layout, self.blob.iter().map(cell), out);
    }

    fn amounts<'c>(&self, cells: &[Option<&'c str>], out: &mut Vec<(&'s str, &'c str)>) {
        out.clear();
        for &i in &self.money {
            if let Some(v) = cells[i] {
                out.push((self.schema.columns[i].name.as_str(), v));
            }
        }
    }
}

/// Writes an accepted file's rows, one at a time, into the file's write transaction (`ap`); collects
/// the rows that cannot be applied (the caller rolls back and rejects the file when there are any).
pub struct RowWriter<'s> {
    plan: Plan<'s>,
    file_date: Option<&'s str>,
    blob: Vec<u8>,
}

impl<'s> RowWriter<'s> {
    /// A writer of `schema` rows from the file dated `file_date` (if its name has a date). A
    /// non-posted file replaces its day's snapshot, even when it has no rows (spec 05 §7.2).
    pub fn new(
        schema: &'s Schema,
        file_date: Option<&'s str>,
        ap: &mut Writing,
    ) -> store::Result<Self> {
        let balance_typed: Vec<&str> = BALANCE_TYPED
            .iter()
            .copied()
            .chain([BALANCE_KEY_COLUMN])
            .collect();
        let typed: &[&str] = match schema.file_type.as_str() {
            BALANCE => &balance_typed,
            TRANSACTION => &TRANSACTION_TYPED,
            NON_POSTED => &NON_POSTED_TYPED,
            _ => &[],
        };
        let money = match schema.file_type.as_str() {
            BALANCE => Money::Out,
            TRANSACTION => Money::Scale,
            _ => Money::Blob,
        };
        let plan = Plan::new(schema, typed, money, ap)?;
        if let (NON_POSTED, Some(date)) = (schema.file_type.as_str(), file_date) {
            // Each file is the whole snapshot of its day (spec 05 §7.2), a header-only one too.
            ap.empty_snapshot(date)?;
        }
        Ok(RowWriter {
            plan,
            file_date,
            blob: Vec::new(),
        })
    }

    /// Writes one row (`row`: its number, the header being 1).
    pub fn row(&mut self, ap: &mut Writing, row: u64, cells: &[Option<&str>]) -> store::Result<()> {
        self.plan.row(cells, &mut self.blob);
        let (plan, schema) = (&self.plan, self.plan.schema);
        let key = record_key(schema, cells);
        let cell = |name: &str| plan.col(name).and_then(|i| cells[i]);
        let blob = &self.blob;
        match (schema.file_type.as_str(), self.file_date) {
            (TRANSACTION, file_date) => {
                let mut amounts = Vec::new();
                plan.amounts(cells, &mut amounts);
                // Inserted several to a statement; an id applied before comes back at the end.
                ap.transaction_batched(
                    row,
                    &TransactionIn {
                        id: &key,
                        balance_id: cell("balance_id"),
                        card_id: cell("card_id"),
                        file_date,
                        effective_at: cell("effective_at"),
                        tx_type: cell("type"),
                        amounts: &amounts,
                        row: blob,
                    },
                )
            }
            (BALANCE, Some(date)) => {
                let mut amounts = Vec::new();
                plan.amounts(cells, &mut amounts);
                let (balance_id, lead_id) = balance_key(schema, cells);
                ap.balance(&BalanceIn {
                    balance_id: &balance_id,
                    lead_id,
                    file_date: date,
                    account_id: cell("account_id"),
                    balance_type: cell("type"),
                    status: cell("status"),
                    status_reason: cell("status_reason"),
                    currency: cell("currency"),
                    settlement_account: cell("client_settlement_bank_account_id"),
                    amounts: &amounts,
                    row: blob,
                })?;
                refs(schema, cells, &balance_id, ap)
            }
            (NON_POSTED, Some(date)) => ap.non_posted(&NonPostedIn {
                id: &key,
                file_date: date,
                balance_id: cell("balance_id"),
                amount: cell("amount"),
                row: blob,
            }),
            (validate::schema::types::SALES_RESPONSE, _) => {
                record(schema, cells, &key, blob, self.file_date, ap)?;
                crate::sales::answers::record_answer(&key, &cell, ap)
            }
            _ => record(schema, cells, &key, blob, self.file_date, ap),
        }
    }

    /// Cells each row has (the schema's columns).
    pub fn columns(&self) -> usize {
        self.plan.schema.columns.len()
    }

    /// The column a conflicting row's id is in.
    pub fn key_column(&self) -> Option<String> {
        let schema = self.plan.schema;
        schema.key.first().map(|c| schema.columns[*c].name.clone())
    }

    /// Every row written; the rows that could not be applied.
    pub fn finish(self, ap: &mut Writing) -> store::Result<Vec<Conflict>> {
        Ok(ap
            .take_conflicts()?
            .into_iter()
            .map(|(row, id)| Conflict { row, id })
            .collect())
    }
}

/// Applies every row of an accepted file read from `input` (the reading of a file decided
/// elsewhere, e.g. a benchmark's fill). Returns the rows that could not be applied.
pub fn apply_rows<R: Read>(
    schema: &Schema,
    input: R,
    file_date: Option<&str>,
    ap: &mut Writing,
) -> store::Result<Vec<Conflict>> {
    let mut failed = None;
    let mut row = 1;
    let mut w = RowWriter::new(schema, file_date, ap)?;
    let read = for_each_row(schema, input, &mut |cells| {
        row += 1;
        w.row(ap, row, cells).map_err(|e| {
            failed = Some(e);
            std::io::Error::other("stopped: the store failed")
        })
    });
    if let Some(e) = failed {
        return Err(e);
    }
    read?;
    w.finish(ap)
}

/// The ids other files name a record by (`ref_ids`, D8).
fn refs(schema: &Schema, cells: &[Option<&str>], key: &str, ap: &mut Writing) -> store::Result<()> {
    for c in &schema.ref_ids {
        if let Some(id) = cells[*c] {
            ap.record_ref(&schema.file_type, id, key)?;
        }
    }
    Ok(())
}

/// Stores the current version of a record, the ids it is named by and its state.
fn record(
    schema: &Schema,
    cells: &[Option<&str>],
    key: &str,
    blob: &[u8],
    file_date: Option<&str>,
    ap: &mut Writing,
) -> store::Result<()> {
    ap.record(&schema.file_type, key, blob)?;
    refs(schema, cells, key, ap)?;
    // Which record holds each exclusive value, for the next files' check (crossfile::exclusive).
    for x in &schema.exclusives {
        if let Some(v) = cells[x.column] {
            ap.record_ref(&x.index(schema), v, key)?;
        }
    }
    if let Some(state) = schema.state_column.and_then(|c| cells[c]) {
        let effective = schema.column_index("effective_at").and_then(|c| cells[c]);
        ap.state(&schema.file_type, key, file_date, state, effective)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use validate::schema::types;

    #[test]
    fn the_store_names_file_types_as_the_schemas_do() {
        assert_eq!(store::BALANCE, types::BALANCE);
        assert_eq!(store::TRANSACTION, types::TRANSACTION);
        assert_eq!(store::NON_POSTED, types::NON_POSTED_TRANSACTION);
    }
}
