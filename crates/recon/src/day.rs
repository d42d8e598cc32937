//! The reconciliation of one day fed one balance at a time (spec 05 §1.2, §3.3/§3.4; D9): each
//! balance comes with what it closes at, what it opens from and the day's activity already summed
//! by (transaction type, column), in balance id order. Memory is the breaks and the few lists of
//! the result, whatever the number of balances or transactions.
//!
//! It computes what [`crate::reconcile`] computes from opening rows, transactions and closing
//! rows; the store keeps days in this form so the nightly run reads one row per balance.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::amount::Amount;
use crate::config::ReconConfig;
use crate::error::{Error, Side as InputSide};
use crate::formulas::Plan;
use crate::model::{BalanceStatus, BalanceType};
use crate::reconcile::{
    Break, ComponentTotals, MissingBalance, Reconciliation, Summary, UnmatchedActivity,
};

/// The money columns a [`crate::DaySource`] hands amounts of, fixed for one run (from
/// [`DayReconciler::columns`]): the source resolves its own column codes to these positions
/// once, so no row carries a column name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayColumns {
    /// Balance columns: [`DaySide::amounts`]`[i]` is the amount of `balance[i]`. The
    /// configuration's `balance_columns` (each once), and `balance` (the FBO total) if absent.
    pub balance: Vec<String>,
    /// Transaction columns: a [`Sum`] of column `transaction[i]` has `column == i`. `amount`
    /// first, then every column a formula sums; sums of other columns may be left out.
    pub transaction: Vec<String>,
    /// The transaction types the formulas name: a [`Sum`] of type `types[i]` has
    /// `ty == Some(i)`; of any other type, or a null one, `None`.
    pub types: Vec<String>,
    index: TypeIndex,
}

impl DayColumns {
    /// The columns of a run: `balance`, `transaction` and `types` as described above.
    pub fn new(balance: Vec<String>, transaction: Vec<String>, types: Vec<String>) -> DayColumns {
        DayColumns {
            index: TypeIndex::new(&types),
            balance,
            transaction,
            types,
        }
    }

    /// The index of the transaction type spelled `name` in [`DayColumns::types`].
    #[inline]
    pub fn transaction_type(&self, name: &[u8]) -> Option<usize> {
        self.index.get(name)
    }
}

/// Type names to their index, for short byte strings looked up millions of times a day: open
/// addressing over a hash of a few of their bytes, one comparison to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TypeIndex {
    /// A power of two at least twice the names; `(name, index)`.
    slots: Vec<Option<(Box<[u8]>, usize)>>,
}

impl TypeIndex {
    fn new(names: &[String]) -> TypeIndex {
        let size = (names.len() * 2 + 2).next_power_of_two();
        let mut slots = vec![None; size];
        for (i, name) in names.iter().enumerate() {
            let mut at = Self::hash(name.as_bytes()) & (size - 1);
            while slots[at].is_some() {
                at = (at + 1) & (size - 1);
            }
            slots[at] = Some((name.as_bytes().into(), i));
        }
        TypeIndex { slots }
    }

    /// The length and three bytes: enough to tell apart the few names of a configuration,
    /// and constant time with no copy.
    #[inline]
    fn hash(b: &[u8]) -> usize {
        let n = b.len();
        let h = match (b.first(), b.last()) {
            (Some(&first), Some(&last)) => {
                n as u64
                    | u64::from(first) << 16
                    | u64::from(last) << 24
                    | u64::from(b[n / 2]) << 32
            }
            _ => 0,
        };
        (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize
    }

    #[inline]
    fn get(&self, name: &[u8]) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut at = Self::hash(name) & mask;
        loop {
            match &self.slots[at] {
                None => return None,
                Some((n, i)) if **n == *name => return Some(*i),
                Some(_) => at = (at + 1) & mask,
            }
        }
    }
}

/// A balance as reported in one balance file.
#[derive(Debug, Clone, Copy)]
pub struct DaySide<'a> {
    /// `type`.
    pub balance_type: BalanceType,
    /// `status`.
    pub status: BalanceStatus,
    /// `status_reason` (empty on the opening side).
    pub status_reason: &'a str,
    /// The amounts of [`DayColumns::balance`], in its order; `None` for a null cell.
    pub amounts: &'a [Option<Amount>],
}

impl DaySide<'_> {
    /// The amount of [`DayColumns::balance`]`[slot]`, `None` when null.
    #[inline]
    pub fn amount(&self, slot: usize) -> Option<Amount> {
        self.amounts.get(slot).copied().flatten()
    }
}

/// The sum of a day's transactions on one balance of one `type` and one money column.
#[derive(Debug, Clone, Copy)]
pub struct Sum {
    /// The transaction `type`: its index in [`DayColumns::types`], `None` for any type the
    /// formulas do not name and for a null one.
    pub ty: Option<usize>,
    /// The column: an index into [`DayColumns::transaction`].
    pub column: usize,
    /// Σ of the column over those transactions, exact.
    pub amount: Amount,
}

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
    /// The day's transactions on it: their count and sums by (type, column), in (type,
    /// column) order.
    pub activity: Option<(u64, &'a [Sum])>,
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

/// The running totals of one component, exact, turned into [`ComponentTotals`] at the end.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    opening: Amount,
    activity: Amount,
    expected: Amount,
    reported: Amount,
}

/// Reconciles one day, balance by balance.
pub struct DayReconciler {
    plan: Plan,
    columns: DayColumns,
    tolerance: Amount,
    date: NaiveDate,
    summary: Summary,
    totals: Vec<Totals>,
    breaks: Vec<Break>,
    missing: Vec<MissingBalance>,
    unmatched: Vec<UnmatchedActivity>,
    acc: Vec<Amount>,
    /// The last balance id taken (a buffer reused for every balance).
    last: Option<String>,
    /// Where each rule's component sits in `columns.balance`.
    slots: Vec<usize>,
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
        let mut balance: Vec<String> = Vec::new();
        for c in config
            .balance_columns
            .iter()
            .map(String::as_str)
            .chain(["balance"])
        {
            if !balance.iter().any(|b| b == c) {
                balance.push(c.to_string());
            }
        }
        let mut slots = Vec::with_capacity(plan.rules.len());
        for r in &plan.rules {
            // The plan refused a component that is not a balance column.
            let slot = balance
                .iter()
                .position(|b| *b == r.component)
                .ok_or_else(|| crate::error::ConfigError::ComponentNotRead {
                    component: r.component.clone(),
                })?;
            slots.push(slot);
        }
        let acc = vec![Amount::ZERO; plan.rules.len()];
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
            columns: DayColumns::new(balance, plan.day_columns.clone(), plan.type_names.clone()),
            tolerance: Amount::from(plan.tolerance),
            totals: vec![Totals::default(); plan.rules.len()],
            plan,
            date,
            breaks: Vec::new(),
            missing: Vec::new(),
            unmatched: Vec::new(),
            acc,
            last: None,
            slots,
        })
    }

    /// The columns the day's balances must carry their amounts in.
    pub fn columns(&self) -> &DayColumns {
        &self.columns
    }

    /// Takes the next balance (in increasing id order; a repeated id is an error) and returns
    /// its verdict and breaks.
    pub fn push(&mut self, b: &DayBalance) -> Result<(Verdict, &[Break]), Error> {
        match &mut self.last {
            Some(last) if last.as_str() >= b.balance_id => {
                return Err(Error::DuplicateBalance {
                    balance_id: b.balance_id.to_string(),
                    side: InputSide::Closing,
                })
            }
            Some(last) => {
                last.clear();
                last.push_str(b.balance_id);
            }
            None => self.last = Some(b.balance_id.to_string()),
        }
        if b.opening.is_some() {
            self.summary.balances_opening += 1;
        }
        self.acc.fill(Amount::ZERO);
        let mut total = Amount::ZERO;
        if let Some((count, sums)) = b.activity {
            self.summary.transactions += count;
            self.plan
                .apply_day_sums(b.balance_id, sums, &mut self.acc, &mut total)?;
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
                    amount: total.to_decimal(),
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
            let slot = self.slots[r];
            let ctx = |what: &'static str| {
                move || format!("{what} of balance {} / {}", b.balance_id, rule.component)
            };
            let opening = b
                .opening
                .and_then(|o| o.amount(slot))
                .unwrap_or(Amount::ZERO);
            let activity = self.acc[r];
            let expected = opening.add(activity, ctx("expected"))?;
            let reported_cell = closing.amount(slot);
            let reported = reported_cell.unwrap_or(Amount::ZERO);
            let difference = reported.sub(expected, ctx("difference"))?;
            let t = &mut self.totals[r];
            t.opening = t.opening.add(opening, ctx("opening total"))?;
            t.activity = t.activity.add(activity, ctx("activity total"))?;
            t.expected = t.expected.add(expected, ctx("expected total"))?;
            t.reported = t.reported.add(reported, ctx("reported total"))?;
            let c = &mut self.summary.components[r];
            c.balances += 1;
            if reported_cell.is_none() {
                c.reported_nulls += 1;
            }
            if difference.abs_exceeds(self.tolerance) {
                c.breaks += 1;
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
                    opening: opening.to_decimal(),
                    activity: activity.to_decimal(),
                    expected: expected.to_decimal(),
                    reported: reported.to_decimal(),
                    difference: difference.to_decimal(),
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
        for (c, t) in self.summary.components.iter_mut().zip(&self.totals) {
            c.opening = t.opening.to_decimal();
            c.activity = t.activity.to_decimal();
            c.expected = t.expected.to_decimal();
            c.reported = t.reported.to_decimal();
        }
        Reconciliation {
            date: self.date,
            breaks: self.breaks,
            missing_balances: self.missing,
            unmatched_activity: self.unmatched,
            summary: self.summary,
        }
    }
}
