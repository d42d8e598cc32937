//! A Sales Response's rows against the sales sent (spec 04 §4.2): each `sale_id` names a sale of
//! a Sales Request sent to the partner (`unknown_sale`) that no earlier accepted response
//! answered (`sale_already_answered`; twice in one file is `duplicate_id`, the schema's id
//! column). Whether a day's request must be answered whole is not documented (spec 04 §4.4): the
//! sales still unanswered after the file, of its date or earlier, are warnings
//! (`unanswered_sale`), never a rejection.

use super::{finding, Ctx, Found, Pass, Rows};
use std::collections::{HashMap, HashSet};
use store::{SaleRow, Sales};
use validate::report::{code, Severity};
use validate::schema::Schema;

/// The pass, for a `sales_response` schema.
pub(super) struct Answers<'a> {
    ctx: &'a Ctx<'a>,
    sale_id: usize,
    /// The sales the batch's rows name, by id.
    known: HashMap<String, SaleRow>,
    /// Sale ids this file answers.
    answered: HashSet<String>,
}

impl<'a> Answers<'a> {
    /// The pass, when `schema` is the Sales Response's.
    pub(super) fn new(ctx: &'a Ctx<'a>, schema: &Schema) -> Option<Answers<'a>> {
        // Without the switch the program has no sales: the file is checked by its schema only.
        if !ctx.sells_receivables || schema.file_type != validate::schema::types::SALES_RESPONSE {
            return None;
        }
        Some(Answers {
            ctx,
            sale_id: schema.column_index("sale_id")?,
            known: HashMap::new(),
            answered: HashSet::new(),
        })
    }
}

impl Pass for Answers<'_> {
    fn prefetch(&mut self, rows: &Rows) -> store::Result<()> {
        self.known.clear();
        let ids: Vec<String> = rows
            .iter()
            .filter_map(|(_, cells)| cells[self.sale_id].map(str::to_string))
            .collect();
        for s in self.ctx.store.sales_by_ids(self.ctx.partner, &ids)? {
            self.known.insert(s.sale_id.clone(), s);
        }
        Ok(())
    }

    fn row(&mut self, row: u64, cells: &[Option<&str>], found: &mut Found) -> store::Result<()> {
        let Some(id) = cells[self.sale_id] else {
            return Ok(()); // `required` reported it
        };
        self.answered.insert(id.to_string());
        let f = match self.known.get(id) {
            None => finding(
                row,
                "sale_id",
                code::UNKNOWN_SALE,
                format!("`{id}` is not a sale of a Sales Request sent to this partner"),
                id,
            ),
            Some(s) if s.response.is_some() => finding(
                row,
                "sale_id",
                code::SALE_ALREADY_ANSWERED,
                format!(
                    "sale `{id}` (Sales Request of {}) was answered `{}` by an earlier Sales Response; a sale is answered once",
                    s.sale_date,
                    s.response.as_deref().unwrap_or("")
                ),
                id,
            ),
            Some(_) => return Ok(()),
        };
        found.push((Severity::Error, f));
        Ok(())
    }

    fn end(&mut self, found: &mut Found) -> store::Result<()> {
        let Some(date) = self.ctx.file_date else {
            return Ok(());
        };
        for s in self.ctx.store.unanswered_sales(self.ctx.partner, date)? {
            if self.answered.contains(&s.sale_id) {
                continue;
            }
            let f = finding(
                0,
                "sale_id",
                code::UNANSWERED_SALE,
                format!(
                    "sale `{}` of balance `{}` (Sales Request of {}) has no answer yet",
                    s.sale_id, s.balance_id, s.sale_date
                ),
                &s.sale_id,
            );
            found.push((Severity::Warning, f));
        }
        Ok(())
    }
}
