//! The reconciliation's days as operators follow them: each break with its lifecycle across the
//! reconciled days (new, persisting since a day, resolved), the acknowledgements operators gave
//! it (an append-only trail), and the breaks per day of the last 30 days.

use super::auth::User;
use super::WebError;
use chrono::{Days, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use store::{BreakAck, BreakRow, Db, ReconResults};

/// How far back a break's lifecycle is followed.
const LOOKBACK_DAYS: u64 = 90;
/// The chart's days.
pub const CHART_DAYS: u64 = 30;

/// A break on the day shown.
#[derive(Debug, Serialize)]
pub struct BreakView {
    /// Balance key.
    pub balance_id: String,
    /// Account.
    pub account_id: Option<String>,
    /// `deposit` or `credit`.
    pub balance_type: String,
    /// Balance status.
    pub status: String,
    /// Component (balance column).
    pub component: String,
    /// Yesterday's reported value.
    pub opening: String,
    /// The day's activity by the formula.
    pub activity: String,
    /// Opening + activity.
    pub expected: String,
    /// Reported.
    pub reported: String,
    /// Reported − expected.
    pub difference: String,
    /// `new` (not a break on the previous reconciled day) or `persisting`.
    pub lifecycle: &'static str,
    /// The first day of this run of breaks (the day itself when new).
    pub since: String,
    /// Acknowledgements of this break since it appeared, oldest first.
    pub acks: Vec<AckView>,
}

/// A break of the previous reconciled day that this day no longer has.
#[derive(Debug, Serialize)]
pub struct ResolvedView {
    /// Balance key.
    pub balance_id: String,
    /// Component.
    pub component: String,
    /// When the break appeared.
    pub since: String,
    /// The last day it was a break.
    pub last_seen: String,
}

/// An acknowledgement.
#[derive(Debug, Clone, Serialize)]
pub struct AckView {
    /// Who.
    pub user: String,
    /// When.
    pub at: String,
    /// What they noted.
    pub note: String,
}

/// One partner's reconciled day.
#[derive(Debug, Serialize)]
pub struct DayView {
    /// Partner.
    pub partner: String,
    /// Activity date D.
    pub date: String,
    /// When the nightly run wrote it.
    pub run_at: String,
    /// The day's summary (`<D>_balance_reconciliation_summary.json`): counts, totals per
    /// component, missing balances, unmatched activity, the FBO check.
    pub summary: serde_json::Value,
    /// The day's breaks with their lifecycles.
    pub breaks: Vec<BreakView>,
    /// Breaks of the previous reconciled day resolved on this one.
    pub resolved: Vec<ResolvedView>,
}

/// A reconciled day in a list.
#[derive(Debug, Serialize)]
pub struct DayLine {
    /// Partner.
    pub partner: String,
    /// Activity date D.
    pub date: String,
    /// When it ran.
    pub run_at: String,
    /// Breaks found.
    pub breaks: u64,
}

fn date(s: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| WebError::BadRequest(format!("`{s}` is not a date (YYYY-MM-DD)")))
}

fn back(d: NaiveDate, days: u64) -> String {
    d.checked_sub_days(Days::new(days)).unwrap_or(d).to_string()
}

type Key = (String, String);

/// The first day of the run of breaks of `key` ending on `days[at]`: going back over the
/// reconciled days while each had the break.
fn since(days: &[String], at: usize, had: &BTreeMap<Key, BTreeSet<String>>, key: &Key) -> String {
    let dates = &had[key];
    let mut first = at;
    while first > 0 && dates.contains(&days[first - 1]) {
        first -= 1;
    }
    days[first].clone()
}

/// `partner`'s reconciled day `d`, if `user` may see it and it ran.
pub fn day(db: &Db, user: &User, partner: &str, d: &str) -> Result<DayView, WebError> {
    if !user.may_see(partner) {
        return Err(WebError::NotFound);
    }
    let on = date(d)?;
    let row = db.recon_day(partner, d)?.ok_or(WebError::NotFound)?;
    let from = back(on, LOOKBACK_DAYS);
    // The reconciled days up to this one, in order: a lifecycle steps over days never run.
    let days: Vec<String> = db
        .recon_days(Some(partner), &from, d)?
        .into_iter()
        .map(|r| r.date)
        .collect();
    let at = days.iter().position(|x| x == d).unwrap_or(0);
    let mut had: BTreeMap<Key, BTreeSet<String>> = BTreeMap::new();
    let mut today: Vec<BreakRow> = Vec::new();
    for b in db.breaks(partner, &from, d)? {
        had.entry((b.balance_id.clone(), b.component.clone()))
            .or_default()
            .insert(b.date.clone());
        if b.date == d {
            today.push(b);
        }
    }
    let acks = db.break_acks(partner)?;
    let acks_of = |key: &Key, first: &str| -> Vec<AckView> {
        acks.iter()
            .filter(|a: &&BreakAck| {
                a.balance_id == key.0 && a.component == key.1 && a.first_date == first
            })
            .map(|a| AckView {
                user: a.user.clone(),
                at: a.at.clone(),
                note: a.note.clone(),
            })
            .collect()
    };
    let breaks = today
        .into_iter()
        .map(|b| {
            let key = (b.balance_id.clone(), b.component.clone());
            let first = since(&days, at, &had, &key);
            BreakView {
                lifecycle: if first == d { "new" } else { "persisting" },
                acks: acks_of(&key, &first),
                since: first,
                balance_id: b.balance_id,
                account_id: b.account_id,
                balance_type: b.balance_type,
                status: b.status,
                component: b.component,
                opening: b.opening.to_string(),
                activity: b.activity.to_string(),
                expected: b.expected.to_string(),
                reported: b.reported.to_string(),
                difference: b.difference.to_string(),
            }
        })
        .collect();
    let resolved = match at.checked_sub(1) {
        Some(prev) => had
            .iter()
            .filter(|(_, dates)| dates.contains(&days[prev]) && !dates.contains(d))
            .map(|(key, _)| ResolvedView {
                balance_id: key.0.clone(),
                component: key.1.clone(),
                since: since(&days, prev, &had, key),
                last_seen: days[prev].clone(),
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(DayView {
        partner: partner.to_string(),
        date: d.to_string(),
        run_at: row.run_at,
        summary: serde_json::from_str(&row.summary_json).unwrap_or(serde_json::Value::Null),
        breaks,
        resolved,
    })
}

/// Acknowledges the break (`balance_id`, `component`) of `partner`'s day `d` with a note; the
/// acknowledgement belongs to the break's whole run (it shows on every day of it).
pub fn acknowledge(
    db: &Db,
    user: &User,
    partner: &str,
    d: &str,
    balance_id: &str,
    component: &str,
    note: &str,
) -> Result<(), WebError> {
    let view = day(db, user, partner, d)?;
    let Some(b) = view
        .breaks
        .iter()
        .find(|b| b.balance_id == balance_id && b.component == component)
    else {
        return Err(WebError::BadRequest(format!(
            "no break on {balance_id} {component} on {d}"
        )));
    };
    let note = note.trim();
    if note.is_empty() || note.len() > 2000 {
        return Err(WebError::BadRequest(
            "a note of 1 to 2000 characters is required".into(),
        ));
    }
    db.ack_break(&BreakAck {
        id: 0,
        partner: partner.to_string(),
        balance_id: balance_id.to_string(),
        component: component.to_string(),
        first_date: b.since.clone(),
        user: user.name.clone(),
        note: note.to_string(),
        at: super::auth::now(),
    })?;
    Ok(())
}

/// The reconciled days `user` may see between `from` and `to`, newest first.
pub fn days(
    db: &Db,
    user: &User,
    partner: Option<&str>,
    from: &str,
    to: &str,
) -> Result<Vec<DayLine>, WebError> {
    date(from)?;
    date(to)?;
    let partner = match (&user.partner, partner) {
        (Some(own), Some(p)) if own != p => return Err(WebError::NotFound),
        (Some(own), _) => Some(own.as_str()),
        (None, p) => p,
    };
    let mut v: Vec<DayLine> = db
        .recon_days(partner, from, to)?
        .into_iter()
        .filter(|r| user.may_see(&r.partner))
        .map(|r| DayLine {
            partner: r.partner,
            date: r.date,
            run_at: r.run_at,
            breaks: r.breaks,
        })
        .collect();
    v.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.partner.cmp(&b.partner)));
    Ok(v)
}

/// Breaks per day over the `CHART_DAYS` days ending `to` (days never run count 0), oldest first.
pub fn per_day(lines: &[DayLine], to: NaiveDate) -> Vec<(String, u64)> {
    (0..CHART_DAYS)
        .rev()
        .map(|i| {
            let d = back(to, i);
            let n = lines.iter().filter(|l| l.date == d).map(|l| l.breaks).sum();
            (d, n)
        })
        .collect()
}

/// The 30-day chart as inline SVG: one bar per day, its height the day's breaks.
pub fn chart_svg(points: &[(String, u64)]) -> String {
    let (w, h, bar) = (600u64, 120u64, 600 / CHART_DAYS.max(1));
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    let mut svg = format!(
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{}" viewBox="0 0 {w} {}" role="img" aria-label="breaks per day, last {CHART_DAYS} days">"#,
        h + 20,
        h + 20
    );
    for (i, (d, n)) in points.iter().enumerate() {
        let bh = n * h / max;
        let x = i as u64 * bar;
        svg.push_str(&format!(
            r#"<rect x="{x}" y="{}" width="{}" height="{bh}" data-date="{d}" data-breaks="{n}"><title>{d}: {n} break(s)</title></rect>"#,
            h - bh,
            bar.saturating_sub(2)
        ));
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        svg.push_str(&format!(
            r#"<text x="0" y="{}" font-size="11">{}</text><text x="{w}" y="{}" font-size="11" text-anchor="end">{}</text>"#,
            h + 15,
            first.0,
            h + 15,
            last.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_has_a_bar_per_day_scaled_to_the_worst_day() {
        let lines = vec![
            DayLine {
                partner: "a".into(),
                date: "2026-03-10".into(),
                run_at: String::new(),
                breaks: 4,
            },
            DayLine {
                partner: "b".into(),
                date: "2026-03-10".into(),
                run_at: String::new(),
                breaks: 2,
            },
            DayLine {
                partner: "a".into(),
                date: "2026-03-09".into(),
                run_at: String::new(),
                breaks: 3,
            },
        ];
        let to = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let points = per_day(&lines, to);
        assert_eq!(points.len(), CHART_DAYS as usize);
        assert_eq!(points.last().unwrap(), &("2026-03-10".to_string(), 6));
        assert_eq!(points[points.len() - 2].1, 3);
        assert_eq!(points[0], ("2026-02-09".to_string(), 0));
        let svg = chart_svg(&points);
        assert_eq!(svg.matches("<rect").count(), CHART_DAYS as usize);
        assert!(svg.contains(r#"height="120" data-date="2026-03-10" data-breaks="6""#));
        assert!(svg.contains(r#"height="60" data-date="2026-03-09" data-breaks="3""#));
    }
}
