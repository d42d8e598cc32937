//! The reconciliation of one day fed one balance at a time (spec 05 §1.2, §3.3/§3.4; D9): each
//! balance comes with what it closes at, what it opens from and the day's activity already summed
//! by (transaction type, column), in balance id order. Memory is the breaks and the few lists of
//! the result, whatever the number of balances or transactions.
//!
//! It computes what [`crate::reconcile`] computes from opening rows, transactions and closing
//! rows; the store keeps days in this form so the nightly run reads one row per balance.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::config::ReconConfig;
use crate::error::{Error, Side as InputSide};
use crate::formulas::Plan;
use crate::model::{BalanceStatus, BalanceType};
use crate::money;
use crate::reconcile::{
    Break, ComponentTotals, MissingBalance, Reconciliation, Summary, UnmatchedActivity,
};

/// A balance as reported in one balance file.
#[derive(Debug, Clone, Copy)]
pub struct DaySide<'a> {
    /// `type`.
    pub balance_type: BalanceType,
    /// `status`.
    pub status: BalanceStatus,
    /// `status_reason` (empty on the opening side).
    pub status_reason: &'a str,
    /// The non-null money cells, by column.
    pub amounts: &'a [(&'a str, Decimal)],
}

impl DaySide<'_> {
    /// The amount of `column`, `None` when null.
    pub fn amount(&self, column: &str) -> Option<Decimal> {
        self.amounts
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| *v)
    }
}

/// A day's transactions on one balance summed by (type — `None` for a null cell —, money
/// column).
pub type Sums<'a> = [(Option<&'a str>, &'a str, Decimal)];

/// One balance's day.
#[derive(Debug, Clone, Copy)]
pub struct DayBalance<'a> {
    /// The balance id (`client_balance_id`, or `id`).
    pub balance_id: &'a str,
    /// `account_id`.
    pub account_id: &'a str,
    /// `currency`, when the file has one.
    pub currency: Option<&'a str>,
    /// As reported today; `None` when absent from today's balance file.
    pub closing: Option<DaySide<'a>>,
    /// As reported in the balance file the day opens from; `None` for a new balance.
    pub opening: Option<DaySide<'a>>,
    /// The day's transactions on it: their count and sums by (type, column).
    pub activity: Option<(u64, &'a Sums<'a>)>,
}

/// What became of one balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Reported today and every reconciled component matched.
    Ok,
    /// Reported today with breaks.
    Break,
    /// `inactive` while `reconcile_inactive` is false.
    NotReconciled,
    /// Not reported today.
    Absent,
}

/// Reconciles one day, balance by balance.
pub struct DayReconciler {
    plan: Plan,
    date: NaiveDate,
    summary: Summary,
    breaks: Vec<Break>,
    missing: Vec<MissingBalance>,
    unmatched: Vec<UnmatchedActivity>,
    acc: Vec<Decimal>,
    last: Option<String>,
}

impl DayReconciler {
    /// A run of activity date `date` under `config`.
    pub fn new(date: NaiveDate, config: &ReconConfig) -> Result<DayReconciler, Error> {
        let plan = Plan::compile(config)?;
        let components = plan
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
            .collect();
        let acc = vec![Decimal::ZERO; plan.rules.len()];
        Ok(DayReconciler {
            summary: Summary {
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
                components,
            },
            plan,
            date,
            breaks: Vec::new(),
            missing: Vec::new(),
            unmatched: Vec::new(),
            acc,
            last: None,
        })
    }

    /// Takes the next balance (in increasing id order; a repeated id is an error) and returns
    /// its verdict and breaks.
    pub fn push(&mut self, b: &DayBalance) -> Result<(Verdict, &[Break]), Error> {
        if self.last.as_deref().is_some_and(|l| l >= b.balance_id) {
            return Err(Error::DuplicateBalance {
                balance_id: b.balance_id.to_string(),
                side: InputSide::Closing,
            });
        }
        self.last = Some(b.balance_id.to_string());
        if b.opening.is_some() {
            self.summary.balances_opening += 1;
        }
        self.acc.iter_mut().for_each(|a| *a = Decimal::ZERO);
        let mut total = Decimal::ZERO;
        if let Some((count, sums)) = b.activity {
            self.summary.transactions += count;
            self.plan.apply_sums(b.balance_id, sums, &mut self.acc)?;
            for (_, column, v) in sums {
                if *column == "amount" {
                    total = money::add(total, *v, || {
                        format!("amount total of balance {}", b.balance_id)
                    })?;
                }
            }
        }
        let first = self.breaks.len();
        let Some(closing) = b.closing else {
            if let Some(o) = b.opening {
                if !o.status.is_terminal() {
                    self.missing.push(MissingBalance {
                        balance_id: b.balance_id.to_string(),
                        status: o.status,
                    });
                }
            }
            if let Some((count, _)) = b.activity.filter(|(n, _)| *n > 0) {
                self.summary.transactions_unmatched += count;
                self.unmatched.push(UnmatchedActivity {
                    balance_id: b.balance_id.to_string(),
                    transactions: count,
                    amount: total,
                });
            }
            return Ok((Verdict::Absent, &[]));
        };
        self.summary.balances_closing += 1;
        if b.opening.is_none() {
            self.summary.new_balances += 1;
        }
        if closing.status == BalanceStatus::Inactive && !self.plan.reconcile_inactive {
            self.summary.balances_not_reconciled += 1;
            return Ok((Verdict::NotReconciled, &[]));
        }
        self.summary.balances_checked += 1;
        for &r in &self.plan.by_type[closing.balance_type.index()] {
            let rule = &self.plan.rules[r];
            let ctx = |what: &'static str| {
                move || format!("{what} of balance {} / {}", b.balance_id, rule.component)
            };
            let opening = b
                .opening
                .and_then(|o| o.amount(&rule.component))
                .unwrap_or(Decimal::ZERO);
            let activity = self.acc[r];
            let expected = money::add(opening, activity, ctx("expected"))?;
            let reported_cell = closing.amount(&rule.component);
            let reported = reported_cell.unwrap_or(Decimal::ZERO);
            let difference = money::sub(reported, expected, ctx("difference"))?;
            let t = &mut self.summary.components[r];
            t.balances += 1;
            t.opening = money::add(t.opening, opening, ctx("opening total"))?;
            t.activity = money::add(t.activity, activity, ctx("activity total"))?;
            t.expected = money::add(t.expected, expected, ctx("expected total"))?;
            t.reported = money::add(t.reported, reported, ctx("reported total"))?;
            if reported_cell.is_none() {
                t.reported_nulls += 1;
            }
            if difference.abs() > self.plan.tolerance {
                t.breaks += 1;
                self.summary.breaks += 1;
                if closing.status == BalanceStatus::Inactive {
                    self.summary.breaks_on_inactive += 1;
                }
                self.breaks.push(Break {
                    balance_id: b.balance_id.to_string(),
                    account_id: b.account_id.to_string(),
                    balance_type: closing.balance_type,
                    status: closing.status,
                    component: rule.component.clone(),
                    opening,
                    activity,
                    expected,
                    reported,
                    difference,
                    new_balance: b.opening.is_none(),
                });
            }
        }
        let breaks = &self.breaks[first..];
        let verdict = if breaks.is_empty() {
            Verdict::Ok
        } else {
            Verdict::Break
        };
        Ok((verdict, breaks))
    }

    /// The day's result.
    pub fn finish(mut self) -> Reconciliation {
        self.summary.missing_balances = self.missing.len() as u64;
        Reconciliation {
            date: self.date,
            breaks: self.breaks,
            missing_balances: self.missing,
            unmatched_activity: self.unmatched,
            summary: self.summary,
        }
    }
}
