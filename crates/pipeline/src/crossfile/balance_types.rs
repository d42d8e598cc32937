//! spec 05 §6.5: the transaction `type` values are configuration "per balance type". With
//! `[program] transaction_types_by_balance`, a transaction or non-posted row's `type` must be
//! one listed for the type of the balance it names (`type_not_for_balance`); a balance type not
//! listed takes every type of the program. A balance not stored is `unknown_reference`'s
//! business.

use super::named::NamedColumn;
use super::{finding, Ctx, Found, Pass};
use std::collections::BTreeMap;
use store::Snapshot;
use validate::report::{code, Severity};
use validate::schema::{types, Schema};

/// The check of a transaction or non-posted file of a program with per-balance-type lists.
pub(super) struct BalanceTypes<'a> {
    ctx: &'a Ctx<'a>,
    reader: &'a Snapshot<'a>,
    by_balance: &'a BTreeMap<String, Vec<String>>,
    balance: usize,
    kind: usize,
    /// The named balances' types.
    named: NamedColumn,
}

impl<'a> BalanceTypes<'a> {
    /// The check, when the program lists types per balance type and the schema names balances.
    pub(super) fn new(ctx: &'a Ctx<'a>, reader: &'a Snapshot<'a>, schema: &Schema) -> Option<Self> {
        let typed = [types::TRANSACTION, types::NON_POSTED_TRANSACTION];
        if ctx.types_by_balance.is_empty() || !typed.contains(&schema.file_type.as_str()) {
            return None;
        }
        Some(BalanceTypes {
            ctx,
            reader,
            by_balance: ctx.types_by_balance,
            balance: schema.column_index("balance_id")?,
            kind: schema.column_index("type")?,
            named: NamedColumn::new(&ctx.records, types::BALANCE, "type", None),
        })
    }
}

impl Pass for BalanceTypes<'_> {
    fn row(&mut self, row: u64, cells: &[Option<&str>], found: &mut Found) -> store::Result<()> {
        let (Some(balance), Some(kind)) = (cells[self.balance], cells[self.kind]) else {
            return Ok(());
        };
        let Some(balance_type) =
            self.named
                .get(&self.ctx.records, self.reader, self.ctx.partner, balance)?
        else {
            return Ok(());
        };
        let Some(allowed) = self.by_balance.get(&balance_type) else {
            return Ok(());
        };
        if allowed.iter().any(|a| a == kind) {
            return Ok(());
        }
        let m = format!(
            "type `{kind}` is not one of the program's types for a `{balance_type}` balance \
             (`{balance}`): {} ([program] transaction_types_by_balance, spec 05 §6.5)",
            allowed.join(", ")
        );
        found.push((
            Severity::Error,
            finding(row, "type", code::TYPE_NOT_FOR_BALANCE, m, kind),
        ));
        Ok(())
    }
}
