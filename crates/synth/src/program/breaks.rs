//! Choosing where the planted reconciliation breaks land.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use crate::Rng;

/// One break to plant: which component of which balance on which day, and by how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Plan {
    /// Index into the kind's breakable components.
    pub component: usize,
    /// The size of the error, at least one cent.
    pub size: Decimal,
    /// Preferred direction; an error that would make the reported value negative goes up
    /// instead (balances are positive, spec 05 §0.1).
    pub down: bool,
}

/// `k` distinct (day index, balance index) pairs, days `1..days` (never the first file date),
/// each with its plan, deterministic for `rng`. The caller checks `k` against the number of
/// pairs.
///
/// Why not the first file date: a balance first reported opens at 0 (spec 05 §1.2), and the
/// reconciliation prints a computed zero of a new balance without decimals, so the manifest
/// could not always match its text exactly; from the second date on every opening is a value
/// read from a file.
pub(super) fn choose(
    k: u64,
    days: u64,
    balances: u64,
    components: usize,
    rng: &mut Rng,
) -> BTreeMap<(u64, u64), Plan> {
    let n = (days - 1) * balances;
    // Floyd's algorithm: k distinct values of 0..n in k draws, whatever n is.
    let mut picked = BTreeSet::new();
    for j in n - k..n {
        let t = rng.below(j + 1);
        if !picked.insert(t) {
            picked.insert(j);
        }
    }
    picked
        .into_iter()
        .map(|p| {
            let plan = Plan {
                component: rng.below(components as u64) as usize,
                size: Decimal::new(1 + rng.below(2_500) as i64, 2),
                down: rng.chance(50),
            };
            ((1 + p / balances, p % balances), plan)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_exactly_k_distinct_pairs_off_the_first_day() {
        for (k, days, bal) in [(0, 2, 1), (1, 2, 1), (7, 5, 20), (12, 4, 4), (30, 31, 1)] {
            let m = choose(k, days, bal, 3, &mut Rng::new(9));
            assert_eq!(m.len() as u64, k);
            assert!(m.keys().all(|(d, b)| *d >= 1 && *d < days && *b < bal));
            assert!(m
                .values()
                .all(|p| p.size > Decimal::ZERO && p.component < 3));
        }
    }
}
