//! A partner's daily schedule (spec 01 §12): Day 0, the days files are due from then on, and the
//! types due each of those days. The store keeps it as text (`store::PartnerSchedule`); this is
//! its checked form.
//!
//! The cadence defaults to `daily`: files are required for every calendar day, those of a
//! weekend or holiday being due the next business day (spec 01 §0.4, §5.2, decision D9), so a
//! Saturday-dated file is expected like any other. `business_days` is for a program the bank
//! agreed to run on Federal Reserve business days only (spec 01 §13: cadences are agreed during
//! implementation).

use crate::deadline::is_business_day;
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use store::{Db, PartnerSchedule};

/// `cadence` value: every calendar day is due (the default, spec 01 §5.2).
pub const DAILY: &str = "daily";
/// `cadence` value: only Federal Reserve business days are due.
pub const BUSINESS_DAYS: &str = "business_days";

/// A stored schedule that does not read back, or one given that cannot be stored.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// Day 0 is not a `YYYY-MM-DD` calendar date.
    #[error("Day 0 `{0}` is not a YYYY-MM-DD date")]
    Day0(String),
    /// The cadence is neither `daily` nor `business_days`.
    #[error("cadence `{0}` is neither `daily` nor `business_days`")]
    Cadence(String),
    /// A daily type is not a file type bankdrop knows.
    #[error("`{0}` is not a file type bankdrop knows")]
    FileType(String),
    /// A cadence or types were given without a Day 0.
    #[error("a schedule starts at Day 0: give --day0")]
    NoDay0,
}

/// Which days after Day 0 are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Every calendar day.
    Daily,
    /// Federal Reserve business days (decision D9's calendar).
    BusinessDays,
}

impl Cadence {
    /// The cadence named `s`.
    pub fn parse(s: &str) -> Result<Cadence, ScheduleError> {
        match s {
            DAILY => Ok(Cadence::Daily),
            BUSINESS_DAYS => Ok(Cadence::BusinessDays),
            _ => Err(ScheduleError::Cadence(s.to_string())),
        }
    }

    /// Its name as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Daily => DAILY,
            Cadence::BusinessDays => BUSINESS_DAYS,
        }
    }

    fn includes(self, d: NaiveDate) -> bool {
        self == Cadence::Daily || is_business_day(d)
    }
}

/// A partner's schedule, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// The first file date the partner sends (spec 01 §12.2).
    #[serde(serialize_with = "ser_date")]
    pub day0: NaiveDate,
    /// Which days from Day 0 on are due.
    pub cadence: Cadence,
    /// The types due each day; empty: `[pipeline] expected_types`, else the types the partner
    /// sent since Day 0 ([`Schedule::types`]).
    pub daily_types: Vec<String>,
}

impl Schedule {
    /// The schedule of a stored partner; `None` when it has no Day 0 (no schedule at all).
    pub fn of(s: &PartnerSchedule) -> Result<Option<Schedule>, ScheduleError> {
        let Some(day0) = &s.day0 else {
            return Ok(None);
        };
        let day0 = NaiveDate::parse_from_str(day0, "%Y-%m-%d")
            .map_err(|_| ScheduleError::Day0(day0.clone()))?;
        let cadence = match &s.cadence {
            Some(c) => Cadence::parse(c)?,
            None => Cadence::Daily,
        };
        Ok(Some(Schedule {
            day0,
            cadence,
            daily_types: s.daily_types.clone(),
        }))
    }

    /// The schedule of `partner`, or `None`; one that does not read back is logged and taken
    /// as none, so a bad row never stops a partner's files.
    pub fn of_partner(partner: &store::PartnerRow) -> Option<Schedule> {
        Schedule::of(&partner.schedule).unwrap_or_else(|e| {
            tracing::error!(partner = %partner.name, error = %e, "the partner's schedule is ignored");
            None
        })
    }

    /// `current` with the given fields replaced, checked, as the store keeps it. `known` tells
    /// whether a file type exists.
    pub fn update(
        current: &PartnerSchedule,
        day0: Option<NaiveDate>,
        cadence: Option<&str>,
        types: Option<Vec<String>>,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<PartnerSchedule, ScheduleError> {
        let mut next = current.clone();
        if let Some(d) = day0 {
            next.day0 = Some(d.to_string());
        }
        if let Some(c) = cadence {
            next.cadence = Some(Cadence::parse(c)?.as_str().to_string());
        }
        if let Some(t) = types {
            if let Some(bad) = t.iter().find(|t| !known(t)) {
                return Err(ScheduleError::FileType(bad.clone()));
            }
            next.daily_types = t;
        }
        if next.day0.is_none() {
            return Err(ScheduleError::NoDay0);
        }
        Schedule::of(&next)?;
        Ok(next)
    }

    /// Whether files dated `d` are due.
    pub fn is_due(&self, d: NaiveDate) -> bool {
        d >= self.day0 && self.cadence.includes(d)
    }

    /// The last due date before `t`, if `t` is after Day 0.
    pub fn previous_due(&self, t: NaiveDate) -> Option<NaiveDate> {
        let mut d = t.pred_opt()?;
        while d >= self.day0 {
            if self.is_due(d) {
                return Some(d);
            }
            d = d.pred_opt()?;
        }
        None
    }

    /// The due dates from Day 0 through `through`, in order.
    pub fn due_days(&self, through: NaiveDate) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut d = self.day0;
        while d <= through {
            if self.is_due(d) {
                out.push(d);
            }
            d += Duration::days(1);
        }
        out
    }

    /// The types due on each day up to `until` (exclusive): the schedule's own, else
    /// `configured` (`[pipeline] expected_types`), else the types the partner had dated files
    /// of decided from Day 0 to `until`.
    pub fn types(
        &self,
        store: &Db,
        configured: &[String],
        partner: &str,
        until: NaiveDate,
    ) -> store::Result<Vec<String>> {
        if !self.daily_types.is_empty() {
            return Ok(self.daily_types.clone());
        }
        if !configured.is_empty() {
            return Ok(configured.to_vec());
        }
        store.types_sent_between(partner, &self.day0.to_string(), &until.to_string())
    }
}

/// A date as `YYYY-MM-DD` in serialized output (chrono's `serde` feature is not enabled).
pub(crate) fn ser_date<S: serde::Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

/// A file of a type for an earlier due date, which a later one waits for (spec 01 §12.5). In a
/// hold it is written `<file_type> <date>` (`customer 2026-01-27`), beside the bare type names
/// of same-day prerequisites (D7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierDay {
    /// Its file type.
    pub file_type: String,
    /// Its date.
    pub date: NaiveDate,
}

impl EarlierDay {
    /// Reads the `<file_type> <date>` form; `None` for a bare type name.
    pub fn parse(s: &str) -> Option<EarlierDay> {
        let (t, d) = s.split_once(' ')?;
        Some(EarlierDay {
            file_type: t.to_string(),
            date: NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?,
        })
    }
}

impl std::fmt::Display for EarlierDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.file_type, self.date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn schedule(cadence: Cadence) -> Schedule {
        Schedule {
            day0: date("2026-01-27"),
            cadence,
            daily_types: Vec::new(),
        }
    }

    #[test]
    fn daily_cadence_expects_weekend_files_too() {
        // spec 01 §5.2: every calendar day's files; Saturday 2026-01-31 is due (on Monday).
        let s = schedule(Cadence::Daily);
        assert!(s.is_due(date("2026-01-31")));
        assert_eq!(s.previous_due(date("2026-02-02")), Some(date("2026-02-01")));
        assert_eq!(s.previous_due(date("2026-01-27")), None);
        assert!(!s.is_due(date("2026-01-26")));
        assert_eq!(s.due_days(date("2026-02-02")).len(), 7);
    }

    #[test]
    fn business_day_cadence_skips_weekends_and_holidays() {
        let s = schedule(Cadence::BusinessDays);
        assert!(!s.is_due(date("2026-01-31")));
        // Monday 2026-02-02 follows Friday 2026-01-30.
        assert_eq!(s.previous_due(date("2026-02-02")), Some(date("2026-01-30")));
        // Presidents' Day 2026-02-16 is a Fed holiday.
        assert_eq!(s.previous_due(date("2026-02-17")), Some(date("2026-02-13")));
    }

    #[test]
    fn update_checks_what_it_stores() {
        let known = |t: &str| t == "customer" || t == "account";
        let none = PartnerSchedule::default();
        let set = Schedule::update(
            &none,
            Some(date("2026-01-27")),
            None,
            Some(vec!["customer".into()]),
            &known,
        )
        .unwrap();
        assert_eq!(set.day0.as_deref(), Some("2026-01-27"));
        assert_eq!(set.cadence, None, "unset: daily by default");
        let cad = Schedule::update(&set, None, Some("business_days"), None, &known).unwrap();
        assert_eq!(cad.daily_types, ["customer"]);
        assert!(matches!(
            Schedule::update(&set, None, Some("weekly"), None, &known),
            Err(ScheduleError::Cadence(_))
        ));
        assert!(matches!(
            Schedule::update(&set, None, None, Some(vec!["cheque".into()]), &known),
            Err(ScheduleError::FileType(_))
        ));
        assert!(matches!(
            Schedule::update(&none, None, Some("daily"), None, &known),
            Err(ScheduleError::NoDay0)
        ));
    }

    #[test]
    fn earlier_day_reads_back() {
        let e = EarlierDay {
            file_type: "customer".into(),
            date: date("2026-01-27"),
        };
        assert_eq!(e.to_string(), "customer 2026-01-27");
        assert_eq!(EarlierDay::parse("customer 2026-01-27"), Some(e));
        assert_eq!(EarlierDay::parse("customer"), None);
    }
}
