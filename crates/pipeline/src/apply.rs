//! Turning an accepted file's rows into stored records (D8): the current version of every
//! record and its state changes, balances by file date, transactions, and the non-posted
//! snapshot of the day (the store keeps each in its own typed table, `store::Applier`).

use std::io::Read;
use store::codec::encode_row;
use store::{
    Applier, BalanceIn, NonPostedIn, TransactionIn, BALANCE, BALANCE_TYPED, NON_POSTED,
    TRANSACTION, TRANSACTION_TYPED,
};
use validate::rows::for_each_row;
use validate::schema::{ColumnType, Schema};

/// The record key: the key columns' values joined by `|` (empty for null).
pub fn record_key(schema: &Schema, cells: &[Option<&str>]) -> String {
    let parts: Vec<&str> = schema.key.iter().map(|c| cells[*c].unwrap_or("")).collect();
    parts.join("|")
}

/// A row that cannot be applied: its transaction id was applied from an earlier file.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// Row number (header = 1).
    pub row: u64,
    /// The repeated id.
    pub id: String,
}

/// Where each cell of a row goes: the blob's columns (those not kept typed beside it), the
/// money columns, and the columns the typed tables need.
struct Plan<'s> {
    schema: &'s Schema,
    /// Schema column indexes in the row blob, in order.
    blob: Vec<usize>,
    money: Vec<usize>,
    layout: i64,
}

impl<'s> Plan<'s> {
    /// `typed`: columns kept typed beside the blob; `money_typed`: the money columns too (a
    /// balance's exact amounts are its `closing` blob).
    fn new(
        schema: &'s Schema,
        typed: &[&str],
        money_typed: bool,
        ap: &mut Applier,
    ) -> store::Result<Plan<'s>> {
        let blob: Vec<usize> = (0..schema.columns.len())
            .filter(|i| {
                let c = &schema.columns[*i];
                !(typed.contains(&c.name.as_str()) || money_typed && c.ty == ColumnType::Decimal)
            })
            .collect();
        let names: Vec<&str> = blob
            .iter()
            .map(|i| schema.columns[*i].name.as_str())
            .collect();
        let layout = ap.layout(&schema.file_type, &names)?;
        let money = (0..schema.columns.len())
            .filter(|i| schema.columns[*i].ty == ColumnType::Decimal)
            .collect();
        Ok(Plan {
            schema,
            blob,
            money,
            layout,
        })
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.schema.column_index(name)
    }

    fn row(&self, cells: &[Option<&str>], out: &mut Vec<u8>) {
        let kept: Vec<Option<&str>> = self.blob.iter().map(|i| cells[*i]).collect();
        encode_row(self.layout, &kept, out);
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

/// Applies every row of an accepted file. Returns the rows that could not be applied; when there
/// are any the caller rolls the transaction back and rejects the file.
pub fn apply_rows<R: Read>(
    schema: &Schema,
    input: R,
    file_date: Option<&str>,
    ap: &mut Applier,
) -> store::Result<Vec<Conflict>> {
    let typed: &[&str] = match schema.file_type.as_str() {
        BALANCE => &BALANCE_TYPED,
        TRANSACTION => &TRANSACTION_TYPED,
        _ => &[],
    };
    let plan = Plan::new(schema, typed, schema.file_type == BALANCE, ap)?;
    if let (NON_POSTED, Some(date)) = (schema.file_type.as_str(), file_date) {
        // Each file is the whole snapshot of its day (spec 05 §7.2), a header-only one too.
        ap.empty_snapshot(date)?;
    }
    let mut failed = None;
    let mut conflicts = Vec::new();
    let mut row = 1;
    let mut blob = Vec::new();
    let read = for_each_row(schema, input, &mut |cells| {
        row += 1;
        plan.row(cells, &mut blob);
        let key = record_key(schema, cells);
        let cell = |name: &str| plan.col(name).and_then(|i| cells[i]);
        let mut amounts = Vec::new();
        let r = match (schema.file_type.as_str(), file_date) {
            (TRANSACTION, _) => {
                plan.amounts(cells, &mut amounts);
                ap.transaction(&TransactionIn {
                    id: &key,
                    balance_id: cell("balance_id"),
                    card_id: cell("card_id"),
                    file_date,
                    effective_at: cell("effective_at"),
                    tx_type: cell("type"),
                    amounts: &amounts,
                    row: &blob,
                })
                .map(|applied| {
                    if !applied {
                        conflicts.push(Conflict {
                            row,
                            id: key.clone(),
                        });
                    }
                })
            }
            (BALANCE, Some(date)) => {
                plan.amounts(cells, &mut amounts);
                let (balance_id, lead_id) = match (cell("client_balance_id"), cell("id")) {
                    (Some(c), _) => (c, false),
                    (None, Some(i)) => (i, true),
                    (None, None) => (key.as_str(), false),
                };
                ap.balance(&BalanceIn {
                    balance_id,
                    lead_id,
                    file_date: date,
                    account_id: cell("account_id"),
                    balance_type: cell("type"),
                    status: cell("status"),
                    status_reason: cell("status_reason"),
                    currency: cell("currency"),
                    settlement_account: cell("client_settlement_bank_account_id"),
                    amounts: &amounts,
                    row: &blob,
                })
                .and_then(|()| refs(schema, cells, balance_id, ap))
            }
            (NON_POSTED, Some(date)) => ap.non_posted(&NonPostedIn {
                id: &key,
                file_date: date,
                balance_id: cell("balance_id"),
                amount: cell("amount"),
                row: &blob,
            }),
            _ => record(schema, cells, &key, &blob, file_date, ap),
        };
        r.map_err(|e| {
            failed = Some(e);
            std::io::Error::other("stopped: the store failed")
        })
    });
    if let Some(e) = failed {
        return Err(e);
    }
    read?;
    Ok(conflicts)
}

/// The ids other files name a record by (`ref_ids`, D8).
fn refs(schema: &Schema, cells: &[Option<&str>], key: &str, ap: &mut Applier) -> store::Result<()> {
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
    ap: &mut Applier,
) -> store::Result<()> {
    ap.record(&schema.file_type, key, blob)?;
    refs(schema, cells, key, ap)?;
    if let Some(state) = schema.state_column.and_then(|c| cells[c]) {
        let effective = schema.column_index("effective_at").and_then(|c| cells[c]);
        ap.state(&schema.file_type, key, file_date, state, effective)?;
    }
    Ok(())
}
