//! The nightly balance reconciliation for one business date (spec 05 §1.2, decision D9).
//!
//! For every balance reported today and every component its program reconciles:
//! `expected = opening + activity`, where `opening` is yesterday's reported value (0 for a
//! balance first seen today, spec 05 §1.2) and `activity` the formula's sum over today's
//! transactions (spec 05 §3.3 / §3.4). A component *breaks* when `|expected - reported| >
//! tolerance`. Breaks are data, never errors (D9).
//!
//! Streaming: the opening rows are folded into a per-balance table, the transactions are summed
//! into it, and the closing rows are compared one by one as they arrive. Memory grows with the
//! number of balances, never with the number of transactions.

use std::borrow::Borrow;
use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::config::ReconConfig;
use crate::error::{Error, Side};
use crate::formulas::Plan;
use crate::model::{BalanceRow, BalanceStatus, BalanceType, TransactionRow};
use crate::money;

/// One component of one balance whose reported value is not what the formula expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The balance key (`client_balance_id` or `id`).
    pub balance_id: String,
    /// `account_id` of today's row.
    pub account_id: String,
    /// Today's balance type.
    pub balance_type: BalanceType,
    /// Today's status; breaks on `inactive` balances may be given a lower severity (spec 05 §1.3).
    pub status: BalanceStatus,
    /// The component (balance column).
    pub component: String,
    /// Yesterday's reported value (0 for a new balance or a null cell).
    pub opening: Decimal,
    /// The formula's daily activity.
    pub activity: Decimal,
    /// `opening + activity`.
    pub expected: Decimal,
    /// Today's reported value (0 for a null cell).
    pub reported: Decimal,
    /// `reported - expected`: positive when the partner reports more than the transactions
    /// explain.
    pub difference: Decimal,
    /// True when the balance had no opening row (first seen today).
    pub new_balance: bool,
}

/// A balance that was non-terminal yesterday and is absent today. The cross-file check rejects
/// such a Balance file (`missing_balance`, spec 05 §3.2); if one reaches the reconciliation
/// anyway it is listed, not compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingBalance {
    /// The balance key.
    pub balance_id: String,
    /// Its status yesterday.
    pub status: BalanceStatus,
}

/// Transactions on a balance that is not in today's balances (unknown, or absent today).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedActivity {
    /// The `balance_id` the transactions name.
    pub balance_id: String,
    /// How many transactions.
    pub transactions: u64,
    /// Their `amount` total, whatever their type.
    pub amount: Decimal,
}

/// Totals of one reconciled (balance type, component) over the balances checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentTotals {
    /// The balance type.
    pub balance_type: BalanceType,
    /// The component.
    pub component: String,
    /// Balances of this type checked.
    pub balances: u64,
    /// Σ opening.
    pub opening: Decimal,
    /// Σ activity.
    pub activity: Decimal,
    /// Σ expected.
    pub expected: Decimal,
    /// Σ reported.
    pub reported: Decimal,
    /// Breaks on this component.
    pub breaks: u64,
    /// Reported cells that were null and read as 0.
    pub reported_nulls: u64,
}

/// Counts and totals of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The tolerance applied.
    pub tolerance: Decimal,
    /// Rows in the opening (yesterday's) balances.
    pub balances_opening: u64,
    /// Rows in the closing (today's) balances.
    pub balances_closing: u64,
    /// Closing balances compared.
    pub balances_checked: u64,
    /// Closing balances not compared (`inactive` while `reconcile_inactive` is false).
    pub balances_not_reconciled: u64,
    /// Closing balances without an opening row.
    pub new_balances: u64,
    /// Transactions read.
    pub transactions: u64,
    /// Transactions on balances absent from the closing balances.
    pub transactions_unmatched: u64,
    /// Breaks found.
    pub breaks: u64,
    /// Of which on `inactive` balances.
    pub breaks_on_inactive: u64,
    /// Balances non-terminal yesterday and absent today.
    pub missing_balances: u64,
    /// Per (balance type, component): deposit components in config order, then credit.
    pub components: Vec<ComponentTotals>,
}

/// The result of [`reconcile`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciliation {
    /// The business (activity) date D.
    pub date: NaiveDate,
    /// Breaks ordered by balance id (byte order), then by component in config order.
    pub breaks: Vec<Break>,
    /// Ordered by balance id.
    pub missing_balances: Vec<MissingBalance>,
    /// Ordered by balance id.
    pub unmatched_activity: Vec<UnmatchedActivity>,
    /// Counts and totals.
    pub summary: Summary,
}

impl Reconciliation {
    /// The breaks of one balance (a slice of [`Reconciliation::breaks`], found by binary search).
    pub fn breaks_of(&self, balance_id: &str) -> &[Break] {
        let start = self
            .breaks
            .partition_point(|b| b.balance_id.as_str() < balance_id);
        let end =
            start + self.breaks[start..].partition_point(|b| b.balance_id.as_str() == balance_id);
        &self.breaks[start..end]
    }
}

/// Per-balance bookkeeping; the amounts live in [`Table::values`].
#[derive(Debug, Clone, Copy)]
struct Meta {
    /// Type and status of the opening row, if there was one.
    opening: Option<(BalanceType, BalanceStatus)>,
    seen_closing: bool,
    transactions: u64,
}

/// All balances of the day in flat storage: one `stride`-long run of values per balance:
/// opening values (`plan.open_names`), one activity accumulator per rule, then Σ amount.
struct Table {
    index: HashMap<Box<str>, usize>,
    meta: Vec<Meta>,
    values: Vec<Decimal>,
    stride: usize,
}

impl Table {
    fn new(plan: &Plan, capacity: usize) -> Table {
        let stride = plan.open_names.len() + plan.rules.len() + 1;
        Table {
            index: HashMap::with_capacity(capacity),
            meta: Vec::with_capacity(capacity),
            values: Vec::with_capacity(capacity.saturating_mul(stride)),
            stride,
        }
    }

    fn insert(&mut self, key: &str, opening: Option<(BalanceType, BalanceStatus)>) -> usize {
        let i = self.meta.len();
        self.index.insert(key.into(), i);
        self.meta.push(Meta {
            opening,
            seen_closing: false,
            transactions: 0,
        });
        self.values
            .resize(self.values.len() + self.stride, Decimal::ZERO);
        i
    }

    fn get_or_insert(&mut self, key: &str) -> usize {
        match self.index.get(key) {
            Some(&i) => i,
            None => self.insert(key, None),
        }
    }

    fn row(&mut self, i: usize) -> &mut [Decimal] {
        &mut self.values[i * self.stride..(i + 1) * self.stride]
    }
}

/// Reconciles business date `date`.
///
/// * `opening`: yesterday's reported balances (the latest accepted row of each balance dated
///   before `date`; the store decides what it hands over).
/// * `transactions`: the transactions of `date` (the caller picks them: by file or by
///   `effective_at`, spec 05 §1.2).
/// * `closing`: today's reported balances.
///
/// The three inputs are consumed in this order, each once. Errors: a configuration that cannot
/// be applied, a balance repeated within one input, or a sum that cannot be computed exactly.
pub fn reconcile<O, T, C>(
    date: NaiveDate,
    opening: impl IntoIterator<Item = O>,
    transactions: impl IntoIterator<Item = T>,
    closing: impl IntoIterator<Item = C>,
    config: &ReconConfig,
) -> Result<Reconciliation, Error>
where
    O: Borrow<BalanceRow>,
    T: Borrow<TransactionRow>,
    C: Borrow<BalanceRow>,
{
    let plan = Plan::compile(config)?;
    let opening = opening.into_iter();
    let mut table = Table::new(&plan, opening.size_hint().0);
    let n_open = plan.open_names.len();
    let n_rules = plan.rules.len();

    let mut summary = Summary {
        tolerance: plan.tolerance,
        balances_opening: 0,
        balances_closing: 0,
        balances_checked: 0,
        balances_not_reconciled: 0,
        new_balances: 0,
        transactions: 0,
        transactions_unmatched: 0,
        breaks: 0,
        breaks_on_inactive: 0,
        missing_balances: 0,
        components: plan
            .rules
            .iter()
            .map(|r| ComponentTotals {
                balance_type: r.balance_type,
                component: r.component.clone(),
                balances: 0,
                opening: Decimal::ZERO,
                activity: Decimal::ZERO,
                expected: Decimal::ZERO,
                reported: Decimal::ZERO,
                breaks: 0,
                reported_nulls: 0,
            })
            .collect(),
    };

    // 1. Opening values: yesterday's reported figures (D9: the next day opens from the reported
    //    value, so one break does not cascade).
    for row in opening {
        let row = row.borrow();
        summary.balances_opening += 1;
        if table.index.contains_key(row.balance_id.as_str()) {
            return Err(Error::DuplicateBalance {
                balance_id: row.balance_id.clone(),
                side: Side::Opening,
            });
        }
        let i = table.insert(&row.balance_id, Some((row.balance_type, row.status)));
        let values = table.row(i);
        for (slot, name) in values[..n_open].iter_mut().zip(&plan.open_names) {
            *slot = row.amount(name).unwrap_or(Decimal::ZERO);
        }
    }

    // 2. Activity, summed per balance as the transactions stream past.
    for tx in transactions {
        let tx = tx.borrow();
        summary.transactions += 1;
        let i = table.get_or_insert(&tx.balance_id);
        table.meta[i].transactions += 1;
        let values = table.row(i);
        plan.apply(tx, &mut values[n_open..n_open + n_rules])?;
        let total = &mut values[n_open + n_rules];
        *total = money::add(*total, tx.amount, || {
            format!("amount total of balance {}", tx.balance_id)
        })?;
    }

    // 3. Compare each closing row as it arrives.
    let mut breaks = Vec::new();
    for row in closing {
        let row = row.borrow();
        summary.balances_closing += 1;
        let i = table.get_or_insert(&row.balance_id);
        let meta = &mut table.meta[i];
        if meta.seen_closing {
            return Err(Error::DuplicateBalance {
                balance_id: row.balance_id.clone(),
                side: Side::Closing,
            });
        }
        meta.seen_closing = true;
        let has_opening = meta.opening.is_some();
        if !has_opening {
            summary.new_balances += 1;
        }
        if row.status == BalanceStatus::Inactive && !plan.reconcile_inactive {
            summary.balances_not_reconciled += 1;
            continue;
        }
        summary.balances_checked += 1;
        let values = table.row(i);
        for &r in &plan.by_type[row.balance_type.index()] {
            let rule = &plan.rules[r];
            // Builds the error context only on failure: no allocation in the hot loop.
            let ctx = |what: &'static str| {
                move || format!("{what} of balance {} / {}", row.balance_id, rule.component)
            };
            let opening = values[rule.open_slot];
            let activity = values[n_open + r];
            let expected = money::add(opening, activity, ctx("expected"))?;
            let reported_cell = row.amount(&rule.component);
            let reported = reported_cell.unwrap_or(Decimal::ZERO);
            let difference = money::sub(reported, expected, ctx("difference"))?;

            let t = &mut summary.components[r];
            t.balances += 1;
            t.opening = money::add(t.opening, opening, ctx("opening total"))?;
            t.activity = money::add(t.activity, activity, ctx("activity total"))?;
            t.expected = money::add(t.expected, expected, ctx("expected total"))?;
            t.reported = money::add(t.reported, reported, ctx("reported total"))?;
            if reported_cell.is_none() {
                t.reported_nulls += 1;
            }
            if difference.abs() > plan.tolerance {
                t.breaks += 1;
                summary.breaks += 1;
                if row.status == BalanceStatus::Inactive {
                    summary.breaks_on_inactive += 1;
                }
                breaks.push(Break {
                    balance_id: row.balance_id.clone(),
                    account_id: row.account_id.clone(),
                    balance_type: row.balance_type,
                    status: row.status,
                    component: rule.component.clone(),
                    opening,
                    activity,
                    expected,
                    reported,
                    difference,
                    new_balance: !has_opening,
                });
            }
        }
    }

    // 4. What the closing rows did not cover.
    let mut missing = Vec::new();
    let mut unmatched = Vec::new();
    for (key, &i) in &table.index {
        let meta = table.meta[i];
        if meta.seen_closing {
            continue;
        }
        if let Some((_, status)) = meta.opening {
            if !status.is_terminal() {
                missing.push(MissingBalance {
                    balance_id: key.to_string(),
                    status,
                });
            }
        }
        if meta.transactions > 0 {
            summary.transactions_unmatched += meta.transactions;
            unmatched.push(UnmatchedActivity {
                balance_id: key.to_string(),
                transactions: meta.transactions,
                amount: table.values[i * table.stride + n_open + n_rules],
            });
        }
    }
    missing.sort_unstable_by(|a, b| a.balance_id.cmp(&b.balance_id));
    unmatched.sort_unstable_by(|a, b| a.balance_id.cmp(&b.balance_id));
    summary.missing_balances = missing.len() as u64;
    // Stable: each balance's breaks were pushed in config order and a balance occurs once.
    breaks.sort_by(|a, b| a.balance_id.cmp(&b.balance_id));

    Ok(Reconciliation {
        date,
        breaks,
        missing_balances: missing,
        unmatched_activity: unmatched,
        summary,
    })
}
