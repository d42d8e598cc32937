//! Row rules across columns (`[[rules]]` in the schemas).

use crate::check::{cell_finding, Row};
use crate::report::{code, Out};
use crate::schema::{Condition, RuleKind, Schema, Test};
use crate::values::{same, Point};
use rust_decimal::Decimal;
use std::str::FromStr;

#[inline]
fn holds(schema: &Schema, r: &Row, cond: &Condition) -> bool {
    let v = r
        .get(cond.column)
        .map(|v| schema.columns[cond.column].canonical(v));
    match (&cond.test, v) {
        (Test::In(list), Some(v)) => list.iter().any(|x| same(x, v)),
        (Test::NotIn(list), Some(v)) => !list.iter().any(|x| same(x, v)),
        (Test::Present(p), v) => v.is_some() == *p,
        (_, None) => false,
    }
}

fn describe(schema: &Schema, cond: &Condition) -> String {
    let name = &schema.columns[cond.column].name;
    match &cond.test {
        Test::In(l) => format!("{name} is {}", l.join(" or ")),
        Test::NotIn(l) => format!("{name} is not {}", l.join(" or ")),
        Test::Present(true) => format!("{name} is given"),
        Test::Present(false) => format!("{name} is empty"),
    }
}

/// Sign of a lexically valid decimal: -1, 0 or 1.
fn sign(v: &str) -> i8 {
    let zero = v.bytes().all(|b| matches!(b, b'0' | b'.' | b'-'));
    match (zero, v.starts_with('-')) {
        (true, _) => 0,
        (false, true) => -1,
        (false, false) => 1,
    }
}

/// Checks every rule of `schema` on one row. Columns already in error (`bad`) are skipped so a
/// mistake is reported once; rules on columns absent from the header are skipped too (the
/// header finding covers them).
pub(crate) fn check_rules(schema: &Schema, r: &Row, row: u64, bad: &[bool], out: &mut impl Out) {
    for rule in &schema.rules {
        if rule
            .when
            .iter()
            .any(|c| bad[c.column] || !holds(schema, r, c))
        {
            continue;
        }
        let why = || {
            let conds: Vec<String> = rule.when.iter().map(|c| describe(schema, c)).collect();
            conds.join(" and ")
        };
        let col = |c: usize| &schema.columns[c];
        // A future rule names itself, so the partner knows which announced rule it is.
        let future = rule
            .future
            .as_ref()
            .map(|id| format!(" (future rule {id}, {})", rule.source))
            .unwrap_or_default();
        let mut err = |c: usize, code: &'static str, message: String, value: Option<&str>| {
            out.push(
                rule.severity,
                cell_finding(row, col(c), code, message + &future, value),
            );
        };
        match &rule.kind {
            RuleKind::RequiredIf(c) if r.has(*c) && r.get(*c).is_none() => {
                err(
                    *c,
                    code::CONDITIONAL_REQUIRED,
                    format!("required when {}", why()),
                    None,
                );
            }
            RuleKind::NotAllowedIf(c) if !bad[*c] => {
                if let Some(v) = r.get(*c) {
                    err(
                        *c,
                        code::NOT_ALLOWED,
                        format!("must be empty when {}", why()),
                        Some(v),
                    );
                }
            }
            RuleKind::ValuesIf(c, allowed) if !bad[*c] => {
                let Some(v) = r.get(*c) else { continue };
                let items = match crate::values::parse_list(v) {
                    Ok((items, _)) if col(*c).ty == crate::schema::ColumnType::List => items,
                    _ => vec![col(*c).canonical(v).to_string()],
                };
                if let Some(x) = items.iter().find(|i| !allowed.contains(i)) {
                    let m = format!(
                        "`{x}` is not allowed when {}; allowed: {}",
                        why(),
                        allowed.join(", ")
                    );
                    err(*c, code::NOT_ALLOWED, m, Some(v));
                }
            }
            RuleKind::OneOf(cols) | RuleKind::ExactlyOne(cols) => {
                if cols.iter().any(|c| bad[*c] || !r.has(*c)) {
                    continue;
                }
                let names: Vec<&str> = cols.iter().map(|c| col(*c).name.as_str()).collect();
                let given: Vec<usize> = cols
                    .iter()
                    .copied()
                    .filter(|c| r.get(*c).is_some())
                    .collect();
                let cond = if rule.when.is_empty() {
                    String::new()
                } else {
                    format!(" when {}", why())
                };
                if given.is_empty() {
                    err(
                        cols[0],
                        code::CONDITIONAL_REQUIRED,
                        format!("one of {} is required{cond}", names.join(", ")),
                        None,
                    );
                } else if given.len() > 1 && matches!(rule.kind, RuleKind::ExactlyOne(_)) {
                    let m = format!("only one of {} may be given{cond}", names.join(", "));
                    err(given[1], code::NOT_ALLOWED, m, r.get(given[1]));
                }
            }
            RuleKind::AllOrNone(cols) => {
                if cols.iter().any(|c| bad[*c] || !r.has(*c)) {
                    continue;
                }
                let Some(given) = cols.iter().find(|c| r.get(**c).is_some()) else {
                    continue;
                };
                let names: Vec<&str> = cols.iter().map(|c| col(*c).name.as_str()).collect();
                for c in cols.iter().filter(|c| r.get(**c).is_none()) {
                    let m = format!(
                        "required because {} is given: all or none of {}",
                        col(*given).name,
                        names.join(", ")
                    );
                    err(*c, code::CONDITIONAL_REQUIRED, m, None);
                }
            }
            RuleKind::SameSign(a, b) if !bad[*a] && !bad[*b] => {
                if let (Some(x), Some(y)) = (r.get(*a), r.get(*b)) {
                    let (sx, sy) = (sign(x), sign(y));
                    if sx != 0 && sy != 0 && sx != sy {
                        let m = format!("its sign must match {} ({y})", col(*b).name);
                        err(*a, code::SIGN_MISMATCH, m, Some(x));
                    }
                }
            }
            RuleKind::Compare(a, op, b) if !bad[*a] && !bad[*b] => {
                let (Some(x), Some(y)) = (r.get(*a), r.get(*b)) else {
                    continue;
                };
                let ord = match (Point::parse(x), Point::parse(y)) {
                    (Some(p), Some(q)) => Some(p.order(q)),
                    _ => match (Decimal::from_str(x), Decimal::from_str(y)) {
                        (Ok(p), Ok(q)) => Some(p.cmp(&q)),
                        _ => None,
                    },
                };
                if ord.is_some_and(|o| !op.holds(o)) {
                    let m = format!("must be {} {} ({y})", op.as_str(), col(*b).name);
                    err(*a, code::COMPARISON, m, Some(x));
                }
            }
            RuleKind::ForbiddenPrefix(c, prefixes) if !bad[*c] => {
                let Some(v) = r.get(*c) else { continue };
                if let Some(p) = prefixes.iter().find(|p| v.starts_with(p.as_str())) {
                    let m = format!(
                        "must not start with `{p}`, a prefix reserved for the bank's own ids"
                    );
                    err(*c, code::INVALID_NAMESPACE, m, Some(v));
                }
            }
            _ => {}
        }
    }
}
