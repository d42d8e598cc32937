//! The balance file's own checks (spec 05 §3.2): the creation mode, an API balance's account,
//! and every balance open in the last accepted balance file reported again (`missing_balance`).

use super::{finding, BalanceCreation, Ctx, Found, Pass};
use std::collections::HashSet;
use store::Snapshot;
use validate::report::{code, Severity};
use validate::schema::Schema;

/// Balance statuses after which a balance is no longer reported (spec 05 §2.1, §3.2).
const TERMINAL: [&str; 2] = ["closed", "receivable_transferred"];

/// spec 05 §3.2: the creation mode, the API balance's account, and every open balance reported.
pub(super) struct Balances<'a> {
    ctx: &'a Ctx<'a>,
    reader: &'a Snapshot<'a>,
    date: &'a str,
    cols: (usize, usize, usize),
    /// Every id the file names a balance by (client or Lead).
    present: HashSet<String>,
}

impl<'a> Balances<'a> {
    /// The checks of a dated balance file; `None` for any other file.
    pub(super) fn new(ctx: &'a Ctx<'a>, reader: &'a Snapshot<'a>, schema: &Schema) -> Option<Self> {
        if schema.file_type != validate::schema::types::BALANCE {
            return None;
        }
        let col = |n: &str| schema.column_index(n);
        Some(Balances {
            ctx,
            reader,
            date: ctx.file_date?,
            cols: (col("client_balance_id")?, col("id")?, col("account_id")?),
            present: HashSet::new(),
        })
    }
}

impl Pass for Balances<'_> {
    fn row(&mut self, row: u64, cells: &[Option<&str>], found: &mut Found) -> store::Result<()> {
        let (cb, id, acct) = self.cols;
        for c in [cb, id] {
            if let Some(v) = cells[c] {
                self.present.insert(v.to_string());
            }
        }
        if self.ctx.creation == BalanceCreation::Api {
            let (ctx, reader) = (self.ctx, self.reader);
            found.extend(api_row(
                ctx,
                reader,
                row,
                cells[cb],
                cells[id],
                cells[acct],
            )?);
        }
        Ok(())
    }

    fn end(&mut self, found: &mut Found) -> store::Result<()> {
        let mut missing = Vec::new();
        self.ctx
            .store
            .open_balances_before(self.ctx.partner, self.date, &TERMINAL, &mut |b| {
                // A balance is present if the file names it by any of its ids (client or Lead).
                if !b
                    .key
                    .split('|')
                    .any(|part| !part.is_empty() && self.present.contains(part))
                {
                    missing.push(b);
                }
            })?;
        for b in missing {
            let shown = b.key.trim_matches('|');
            let m = format!(
                "balance `{shown}` (account {}) was `{}` in the balance file dated {} and is missing; every non-terminal balance is reported daily (spec 05 §3.2)",
                b.account_id.as_deref().unwrap_or("?"),
                b.status,
                b.file_date
            );
            found.push((
                Severity::Error,
                finding(0, "client_balance_id", code::MISSING_BALANCE, m, shown),
            ));
        }
        // Only an API-creation program creates balances outside files (spec 05 §3.2).
        if self.ctx.creation != BalanceCreation::Api {
            return Ok(());
        }
        for e in self
            .ctx
            .store
            .unreported_registry_balances(self.ctx.partner, self.date)?
        {
            if !self.present.contains(&e.id) {
                let m = format!(
                    "balance `{}` was created through the API on {} and is missing; a balance created on T−1 is in T's file, even at zero (spec 05 §3.2)",
                    e.id, e.created_on
                );
                found.push((
                    Severity::Error,
                    finding(0, "id", code::MISSING_BALANCE, m, &e.id),
                ));
            }
        }
        Ok(())
    }
}

/// One row of a balance file in an API-creation program (spec 05 §3.2).
fn api_row(
    ctx: &Ctx,
    reader: &Snapshot,
    row: u64,
    client_id: Option<&str>,
    id: Option<&str>,
    account: Option<&str>,
) -> store::Result<Found> {
    let mut found = Vec::new();
    if let Some(c) = client_id {
        let m = "balances are created through the API in this program (balance_creation = api): report them by their Lead `id`, without `client_balance_id` (spec 05 §3.2)".to_string();
        found.push((
            Severity::Error,
            finding(row, "client_balance_id", code::NOT_ALLOWED, m, c),
        ));
    }
    let Some(id) = id else {
        return Ok(found);
    };
    match reader.registry_get(ctx.partner, "balance", id)? {
        None => {
            let m = format!(
                "`{id}` is not a balance created through the API (registry); an API-creation program's balance file must not contain an unknown balance (spec 05 §3.2)"
            );
            found.push((
                Severity::Error,
                finding(row, "id", code::UNKNOWN_REFERENCE, m, id),
            ));
        }
        Some(e) => {
            if let (Some(want), Some(got)) = (&e.account_id, account) {
                if want != got {
                    let m = format!(
                        "balance `{id}` was created through the API on account `{want}`; the file's account_id must match it (spec 05 §3.2)"
                    );
                    found.push((
                        Severity::Error,
                        finding(row, "account_id", code::UNKNOWN_REFERENCE, m, got),
                    ));
                }
            }
        }
    }
    Ok(found)
}
