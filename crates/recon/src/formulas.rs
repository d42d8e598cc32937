//! The reconciliation formulas of spec 05 §3.3 (deposit) and §3.4 (credit), and their compiled
//! form.
//!
//! Every formula has the shape `component on t = component on t-1 + daily activity on t`, the
//! daily activity being a signed sum of transaction columns filtered by transaction `type`. The
//! built-in table reproduces the spec's text; anything the spec does not show is left to config.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use crate::amount::Amount;
use crate::config::{Formula, ReconConfig, Sign, Term, TypeFilter};
use crate::error::{ConfigError, Error};
use crate::model::{BalanceRow, BalanceType, TransactionRow};
use crate::money;

fn list(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn term(column: &str, types: TypeFilter, sign: Sign) -> Term {
    Term {
        column: column.into(),
        types,
        sign,
    }
}

fn formula(balance_type: BalanceType, component: &str, terms: Vec<Term>, source: &str) -> Formula {
    Formula {
        balance_type,
        component: component.into(),
        terms,
        source: source.into(),
    }
}

/// The formulas the spec states, exactly as printed.
///
/// Deposit (spec 05 §3.3): `balance`, `rewards_balance`, `interest_accrued_balance`,
/// `dispute_balance`, `charge_off_balance`. Credit (spec 05 §3.4): `balance` and
/// `outstanding_principal`; the `outstanding_fees` formula is cut on the page and the others
/// are NOT SEEN, so they are not here.
pub fn builtin() -> Vec<Formula> {
    use BalanceType::{Credit, Deposit};
    use Sign::{Minus, Plus};
    use TypeFilter::{In, NotIn};
    vec![
        formula(
            Deposit,
            "balance",
            // daily_activity = sum(amount) where type not in (interest_accrued, dispute_won)
            vec![term(
                "amount",
                NotIn(list(&["interest_accrued", "dispute_won"])),
                Plus,
            )],
            "spec 05 §3.3",
        ),
        formula(
            Deposit,
            "rewards_balance",
            // daily_rewards_activity = sum(rewards_amount) where type in (rewards_earned,
            // rewards_spent, rewards_redeemed, debit, refund, credit)
            vec![term(
                "rewards_amount",
                In(list(&[
                    "rewards_earned",
                    "rewards_spent",
                    "rewards_redeemed",
                    "debit",
                    "refund",
                    "credit",
                ])),
                Plus,
            )],
            "spec 05 §3.3",
        ),
        formula(
            Deposit,
            "interest_accrued_balance",
            // daily_interest_activity = amount where type = interest_accrued
            //                         - amount where type = interest_paid   (spec 05 §3.3 reading)
            vec![
                term("amount", In(list(&["interest_accrued"])), Plus),
                term("amount", In(list(&["interest_paid"])), Minus),
            ],
            "spec 05 §3.3",
        ),
        formula(
            Deposit,
            "dispute_balance",
            vec![term(
                "amount",
                In(list(&[
                    "dispute_provisional",
                    "dispute_won",
                    "dispute_lost",
                ])),
                Plus,
            )],
            "spec 05 §3.3",
        ),
        formula(
            Deposit,
            "charge_off_balance",
            vec![term(
                "amount",
                In(list(&["charge_off", "charge_off_recovery"])),
                Plus,
            )],
            "spec 05 §3.3",
        ),
        formula(
            Credit,
            "balance",
            // daily_activity = sum(amount) where type not in (charge_off_recovery, dispute_won)
            vec![term(
                "amount",
                NotIn(list(&["charge_off_recovery", "dispute_won"])),
                Plus,
            )],
            "spec 05 §3.4",
        ),
        formula(
            Credit,
            "outstanding_principal",
            // daily_principal_activity = sum(principal_amount) where type not in
            // (fee, interest_accrued, charge_off_recovery, dispute_won)
            vec![term(
                "principal_amount",
                NotIn(list(&[
                    "fee",
                    "interest_accrued",
                    "charge_off_recovery",
                    "dispute_won",
                ])),
                Plus,
            )],
            "spec 05 §3.4",
        ),
    ]
}

/// The transaction column every day's unmatched total sums (`day_columns[0]`).
const AMOUNT: &str = "amount";

/// A transaction money column resolved once, so the hot loop does not compare names.
#[derive(Debug, Clone)]
enum Column {
    Amount,
    AmountInUsd,
    Principal,
    Fee,
    Interest,
    Rewards,
    Settlement,
    Extra(String),
}

impl Column {
    fn resolve(name: &str, extra: &[String]) -> Option<Column> {
        Some(match name {
            "amount" => Column::Amount,
            "amount_in_usd" => Column::AmountInUsd,
            "principal_amount" => Column::Principal,
            "fee_amount" => Column::Fee,
            "interest_amount" => Column::Interest,
            "rewards_amount" => Column::Rewards,
            "settlement_amount" => Column::Settlement,
            other if extra.iter().any(|e| e == other) => Column::Extra(other.to_string()),
            _ => return None,
        })
    }

    fn name(&self) -> &str {
        match self {
            Column::Amount => "amount",
            Column::AmountInUsd => "amount_in_usd",
            Column::Principal => "principal_amount",
            Column::Fee => "fee_amount",
            Column::Interest => "interest_amount",
            Column::Rewards => "rewards_amount",
            Column::Settlement => "settlement_amount",
            Column::Extra(name) => name,
        }
    }

    fn get(&self, tx: &TransactionRow) -> Option<Decimal> {
        match self {
            Column::Amount => Some(tx.amount),
            Column::AmountInUsd => tx.amount_in_usd,
            Column::Principal => tx.principal_amount,
            Column::Fee => tx.fee_amount,
            Column::Interest => tx.interest_amount,
            Column::Rewards => tx.rewards_amount,
            Column::Settlement => tx.settlement_amount,
            Column::Extra(name) => tx.extra.get(name).copied(),
        }
    }
}

#[derive(Debug, Clone)]
struct CompiledTerm {
    column: Column,
    /// Indexed by transaction type index; the last entry stands for "any other / null type".
    counts: Vec<bool>,
    minus: bool,
}

/// One reconciled (balance type, component) pair, compiled.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub balance_type: BalanceType,
    pub component: String,
    /// Where the opening value of `component` sits in a balance's opening values.
    pub open_slot: usize,
    terms: Vec<CompiledTerm>,
}

/// What one day sum (of one transaction type and column, [`crate::day::Sum`]) adds to: the
/// rules whose terms count it, in rule then term order (the order [`Plan::apply`] adds in, so
/// an impossible sum fails at the same term), and whether the term subtracts.
#[derive(Debug, Clone, Default)]
struct Effects {
    /// `start[ti * columns + column]..start[ti * columns + column + 1]` indexes `list`.
    start: Vec<usize>,
    list: Vec<(usize, bool)>,
}

/// A configuration checked and turned into index-based lookups.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub tolerance: Decimal,
    pub reconcile_inactive: bool,
    /// The union of reconciled component names over both types: the opening values kept per
    /// balance (a balance's type is known only once its row is seen, and may in theory change).
    pub open_names: Vec<String>,
    /// Deposit rules (config order), then credit rules.
    pub rules: Vec<Rule>,
    /// Rule indices per balance type.
    pub by_type: [Vec<usize>; 2],
    /// The transaction money columns a day's sums are asked for ([`crate::day::DayColumns`]):
    /// `amount` first (the total of unmatched activity), then every column a term sums.
    pub day_columns: Vec<String>,
    /// The transaction types the formulas name, by their index (`types[name]`); every other
    /// type, and a null one, is `other_type`.
    pub type_names: Vec<String>,
    types: HashMap<String, usize>,
    other_type: usize,
    effects: Effects,
}

impl Plan {
    pub fn compile(cfg: &ReconConfig) -> Result<Plan, ConfigError> {
        if cfg.tolerance.is_sign_negative() && !cfg.tolerance.is_zero() {
            return Err(ConfigError::NegativeTolerance(cfg.tolerance.to_string()));
        }
        let mut table: BTreeMap<(BalanceType, &str), &Formula> = BTreeMap::new();
        let builtins = builtin();
        for f in &builtins {
            table.insert((f.balance_type, f.component.as_str()), f);
        }
        let mut overridden = Vec::new();
        for f in &cfg.formulas {
            let key = (f.balance_type, f.component.as_str());
            if overridden.contains(&key) {
                return Err(ConfigError::Duplicate {
                    balance_type: f.balance_type.as_str(),
                    component: f.component.clone(),
                });
            }
            overridden.push(key);
            table.insert(key, f);
        }

        let mut chosen: Vec<(BalanceType, &Formula)> = Vec::new();
        for bt in BalanceType::ALL {
            let comps = cfg.components(bt);
            for (i, c) in comps.iter().enumerate() {
                if comps[..i].contains(c) {
                    return Err(ConfigError::Duplicate {
                        balance_type: bt.as_str(),
                        component: c.clone(),
                    });
                }
                if !cfg.balance_columns.contains(c) {
                    return Err(ConfigError::ComponentNotRead {
                        component: c.clone(),
                    });
                }
                let f = table
                    .get(&(bt, c.as_str()))
                    .ok_or_else(|| ConfigError::NoFormula {
                        balance_type: bt.as_str(),
                        component: c.clone(),
                    })?;
                if f.terms.is_empty() {
                    return Err(ConfigError::EmptyFormula {
                        balance_type: bt.as_str(),
                        component: c.clone(),
                    });
                }
                chosen.push((bt, f));
            }
        }

        // Every type named by a chosen filter gets an index; all others share `other_type`.
        let mut types: HashMap<String, usize> = HashMap::new();
        for (_, f) in &chosen {
            for t in &f.terms {
                if let TypeFilter::In(v) | TypeFilter::NotIn(v) = &t.types {
                    for name in v {
                        let next = types.len();
                        types.entry(name.clone()).or_insert(next);
                    }
                }
            }
        }
        let other_type = types.len();

        let mut open_names: Vec<String> = Vec::new();
        let mut rules = Vec::new();
        let mut by_type: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
        for (bt, f) in chosen {
            let open_slot = match open_names.iter().position(|n| *n == f.component) {
                Some(p) => p,
                None => {
                    open_names.push(f.component.clone());
                    open_names.len() - 1
                }
            };
            let mut terms = Vec::new();
            for t in &f.terms {
                let column =
                    Column::resolve(&t.column, &cfg.transaction_columns).ok_or_else(|| {
                        ConfigError::UnknownTransactionColumn {
                            component: f.component.clone(),
                            column: t.column.clone(),
                        }
                    })?;
                let mut counts = vec![false; other_type + 1];
                match &t.types {
                    TypeFilter::All => counts.iter_mut().for_each(|c| *c = true),
                    TypeFilter::In(v) => {
                        for name in v {
                            if let Some(&i) = types.get(name) {
                                counts[i] = true;
                            }
                        }
                    }
                    TypeFilter::NotIn(v) => {
                        counts.iter_mut().for_each(|c| *c = true);
                        for name in v {
                            if let Some(&i) = types.get(name) {
                                counts[i] = false;
                            }
                        }
                    }
                }
                terms.push(CompiledTerm {
                    column,
                    counts,
                    minus: t.sign == Sign::Minus,
                });
            }
            by_type[bt.index()].push(rules.len());
            rules.push(Rule {
                balance_type: bt,
                component: f.component.clone(),
                open_slot,
                terms,
            });
        }

        let mut day_columns = vec![AMOUNT.to_string()];
        for t in rules.iter().flat_map(|r| &r.terms) {
            if !day_columns.iter().any(|c| c == t.column.name()) {
                day_columns.push(t.column.name().to_string());
            }
        }
        let mut effects = Effects::default();
        for ti in 0..=other_type {
            for column in &day_columns {
                effects.start.push(effects.list.len());
                for (r, rule) in rules.iter().enumerate() {
                    for t in &rule.terms {
                        if t.counts[ti] && t.column.name() == column {
                            effects.list.push((r, t.minus));
                        }
                    }
                }
            }
        }
        effects.start.push(effects.list.len());
        Ok(Plan {
            tolerance: cfg.tolerance,
            reconcile_inactive: cfg.reconcile_inactive,
            open_names,
            rules,
            by_type,
            day_columns,
            type_names: {
                let mut names = vec![String::new(); types.len()];
                for (name, &i) in &types {
                    names[i] = name.clone();
                }
                names
            },
            types,
            other_type,
            effects,
        })
    }

    /// Adds one transaction's effect to the activity accumulators (one per rule, in `rules`
    /// order). Every rule is fed, whatever the balance's type, because a new balance's type is
    /// known only when its closing row arrives after the transactions.
    pub fn apply(&self, tx: &TransactionRow, acc: &mut [Decimal]) -> Result<(), Error> {
        let ti = tx
            .tx_type
            .as_deref()
            .and_then(|t| self.types.get(t).copied())
            .unwrap_or(self.other_type);
        for (rule, slot) in self.rules.iter().zip(acc.iter_mut()) {
            for term in &rule.terms {
                if !term.counts[ti] {
                    continue;
                }
                // A null column (e.g. no principal_amount on the row) contributes nothing.
                let Some(v) = term.column.get(tx) else {
                    continue;
                };
                let ctx = || {
                    format!(
                        "activity of balance {} / {} (transaction {})",
                        tx.balance_id, rule.component, tx.client_transaction_id
                    )
                };
                *slot = if term.minus {
                    money::sub(*slot, v, ctx)?
                } else {
                    money::add(*slot, v, ctx)?
                };
            }
        }
        Ok(())
    }

    /// Adds a day's activity summed by (type, column) into the rule accumulators, and every
    /// sum of `amount` into `total`: the same result as [`Plan::apply`] on each of the day's
    /// transactions, since every term is a sum of one column over some types.
    pub fn apply_day_sums(
        &self,
        balance_id: &str,
        sums: &[crate::day::Sum],
        acc: &mut [Amount],
        total: &mut Amount,
    ) -> Result<(), Error> {
        let columns = self.day_columns.len();
        for s in sums {
            let ti =
                s.ty.filter(|t| *t < self.other_type)
                    .unwrap_or(self.other_type);
            if s.column >= columns {
                continue;
            }
            let at = ti * columns + s.column;
            for &(r, minus) in
                &self.effects.list[self.effects.start[at]..self.effects.start[at + 1]]
            {
                let ctx = || {
                    format!(
                        "activity of balance {balance_id} / {}",
                        self.rules[r].component
                    )
                };
                acc[r] = if minus {
                    acc[r].sub(s.amount, ctx)?
                } else {
                    acc[r].add(s.amount, ctx)?
                };
            }
        }
        // Apart, after the formulas, so a total that cannot be kept fails after them as it
        // always did.
        for s in sums.iter().filter(|s| s.column == 0) {
            *total = total.add(s.amount, || format!("amount total of balance {balance_id}"))?;
        }
        Ok(())
    }
}

/// The formulas of one configuration, checked once and applied to any number of balances.
///
/// Meant for generators that must produce balance files which reconcile exactly (issue item 7),
/// and for anyone who wants "what should this balance report today" without a full run.
#[derive(Debug, Clone)]
pub struct Projector {
    plan: Plan,
}

impl Projector {
    /// Checks and compiles `config` (the same checks as [`ReconConfig::validate`]).
    pub fn new(config: &ReconConfig) -> Result<Projector, ConfigError> {
        Ok(Projector {
            plan: Plan::compile(config)?,
        })
    }

    /// What the formulas expect one balance to report at the end of the day: for every
    /// component the program reconciles for `balance_type`, `opening + activity`. An absent
    /// opening row (a new balance) or a null opening cell counts as 0 (spec 05 §1.2).
    pub fn expected_closing<T: Borrow<TransactionRow>>(
        &self,
        balance_type: BalanceType,
        opening: Option<&BalanceRow>,
        transactions: impl IntoIterator<Item = T>,
    ) -> Result<BTreeMap<String, Decimal>, Error> {
        let plan = &self.plan;
        let mut acc = vec![Decimal::ZERO; plan.rules.len()];
        for tx in transactions {
            plan.apply(tx.borrow(), &mut acc)?;
        }
        let mut out = BTreeMap::new();
        for &r in &plan.by_type[balance_type.index()] {
            let rule = &plan.rules[r];
            let open = opening
                .and_then(|o| o.amount(&rule.component))
                .unwrap_or(Decimal::ZERO);
            let v = money::add(open, acc[r], || format!("expected {}", rule.component))?;
            out.insert(rule.component.clone(), v);
        }
        Ok(out)
    }
}

/// [`Projector::expected_closing`] for a single balance, compiling `config` on the way.
pub fn expected_closing<T: Borrow<TransactionRow>>(
    balance_type: BalanceType,
    opening: Option<&BalanceRow>,
    transactions: impl IntoIterator<Item = T>,
    config: &ReconConfig,
) -> Result<BTreeMap<String, Decimal>, Error> {
    Projector::new(config)?.expected_closing(balance_type, opening, transactions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_cover_defaults() {
        let cfg = ReconConfig::default();
        let plan = Plan::compile(&cfg).unwrap();
        assert_eq!(plan.by_type[0].len(), 5);
        assert_eq!(plan.by_type[1].len(), 2);
        assert_eq!(plan.open_names.len(), 6);
    }

    #[test]
    fn every_model_column_resolves_without_config() {
        for c in crate::model::TRANSACTION_AMOUNT_COLUMNS {
            let col = Column::resolve(c, &[]).unwrap();
            assert!(!matches!(col, Column::Extra(_)), "{c}");
        }
    }
}
