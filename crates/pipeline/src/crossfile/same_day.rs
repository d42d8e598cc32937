//! spec 05 §8.3 (open question, decided as the spec recommends): a transaction update names a
//! transaction of an earlier day's file, not the same day's, unless the program allows it
//! (`[program] same_day_transaction_updates`).

use super::{finding, Ctx, Found, Pass, Rows};
use std::collections::HashMap;
use store::Snapshot;
use validate::report::{code, Severity};
use validate::schema::{types, Schema};

/// The same-day check of a dated transaction update file.
pub(super) struct SameDay<'a> {
    ctx: &'a Ctx<'a>,
    reader: &'a Snapshot<'a>,
    date: &'a str,
    column: usize,
    /// The batch's transactions by id, with their file's date (looked up together).
    days: HashMap<String, Option<String>>,
}

impl<'a> SameDay<'a> {
    /// The check, for a dated transaction update file of a program that does not allow
    /// same-day updates.
    pub(super) fn new(ctx: &'a Ctx<'a>, reader: &'a Snapshot<'a>, schema: &Schema) -> Option<Self> {
        if schema.file_type != types::TRANSACTION_UPDATE || ctx.same_day_updates {
            return None;
        }
        Some(SameDay {
            ctx,
            reader,
            date: ctx.file_date?,
            column: schema.column_index("transaction_id")?,
            days: HashMap::new(),
        })
    }
}

impl Pass for SameDay<'_> {
    fn prefetch(&mut self, rows: &Rows) -> store::Result<()> {
        let mut ids: Vec<&str> = rows.iter().filter_map(|(_, c)| c[self.column]).collect();
        ids.sort_unstable();
        ids.dedup();
        let days = self.reader.transaction_file_dates(self.ctx.partner, &ids)?;
        self.days = ids.into_iter().map(str::to_string).zip(days).collect();
        Ok(())
    }

    fn row(&mut self, row: u64, cells: &[Option<&str>], found: &mut Found) -> store::Result<()> {
        let Some(id) = cells[self.column] else {
            return Ok(());
        };
        // Every row's id was looked up with its batch.
        let day = self.days.get(id).and_then(Option::as_deref);
        if day == Some(self.date) {
            let m = format!(
                "transaction `{id}` came in the transaction file of the same day ({}); updates follow a day later (spec 05 §8.3; [program] same_day_transaction_updates allows them)",
                self.date
            );
            found.push((
                Severity::Error,
                finding(row, "transaction_id", code::SAME_DAY_UPDATE, m, id),
            ));
        }
        Ok(())
    }
}
