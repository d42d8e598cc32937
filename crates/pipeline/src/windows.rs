//! ACH processing windows (spec 06 §3): when an accepted outgoing entry is sent to the Fed and
//! when it settles. Lead's cutoffs are fixed, in America/Chicago, on Federal Reserve business
//! days: three Same Day windows (09:00, 13:15, 14:00; settling the same business day) and six
//! next-day windows (09:00, 13:15, 15:15, 18:30, 21:15, 22:00; settling at 07:30 the next business
//! day). An entry received after a cutoff waits for the next window (§3.1).
//!
//! The effective entry date of the batch (§3.4) picks the kind: a batch due on the processing day
//! (the business day it is received, or the next one when received on a weekend or holiday),
//! received before that day's last Same Day cutoff, of entries within the Same Day per-entry
//! limit (§9.14: $1,000,000), goes Same Day and settles that day — billed as next-day when it was
//! received on a non-business day (§3.2). Anything else goes next-day: a Same Day batch that
//! missed the cutoff settles the next business day, billed as next-day. A future effective date
//! is honoured: the entry waits for the last business day before it.
//!
//! What the bank does with an effective date in the past, on a non-business day or far in the
//! future is NOT SEEN (§3.4 OPEN QUESTION): [`EffectiveDates`] makes it configuration, with
//! defaults that follow the Nacha rules (§9.14) — a stale or blank date is processed as soon as
//! possible, a non-business date rolls forward, a date more than 30 days ahead is refused.

use crate::deadline::is_business_day;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::America::Chicago;
use serde::{Deserialize, Deserializer, Serialize};

/// How an entry is billed (spec 06 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Billing {
    /// Same Day ACH.
    SameDay,
    /// Next-day (standard) ACH.
    NextDay,
}

/// The window an entry goes out in, and when it settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduled {
    /// The business day of the window.
    pub window_date: NaiveDate,
    /// The window's cutoff, Chicago time.
    pub cutoff: NaiveTime,
    /// When the window closes (RFC 3339, UTC): the entry is submitted then.
    pub submit_at: DateTime<Utc>,
    /// The settlement date.
    pub settlement_date: NaiveDate,
    /// When it settles at the receiving bank (§3.2, §3.3: 12:00, 16:00 or 17:00 CT for the Same
    /// Day windows, 07:30 CT for next-day).
    pub settles_at: DateTime<Utc>,
    /// Same Day or next-day.
    pub billing: Billing,
}

/// Why an entry cannot be scheduled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// An effective date in the past, refused by `[ach] past_effective_date = "reject"`.
    #[error("effective entry date {0} is in the past")]
    Past(NaiveDate),
    /// An effective date further ahead than `[ach] max_days_ahead`.
    #[error("effective entry date {date} is more than {days} days ahead")]
    TooFarAhead {
        /// The date.
        date: NaiveDate,
        /// The limit.
        days: u64,
    },
    /// A non-business effective date, refused by `non_business_effective_date = "reject"`.
    #[error("effective entry date {0} is not a Federal Reserve business day")]
    NotBusinessDay(NaiveDate),
}

/// What to do with a past or non-business effective date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateRule {
    /// Process it at the next possible window (past) or roll it to the next business day.
    Roll,
    /// Refuse the entry.
    Reject,
}

/// The effective-date rules where the spec is silent (§3.4 OPEN QUESTION; D10).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EffectiveDates {
    /// A date before the day received.
    pub past: DateRule,
    /// A Saturday, Sunday or Fed holiday.
    pub non_business: DateRule,
    /// The furthest ahead an effective date may be, in calendar days.
    pub max_days_ahead: u64,
}

impl Default for EffectiveDates {
    fn default() -> Self {
        EffectiveDates {
            past: DateRule::Roll,
            non_business: DateRule::Roll,
            max_days_ahead: 30,
        }
    }
}

/// The windows (spec 06 §3.2, §3.3) and the Same Day per-entry limit (§9.14), in cents.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Windows {
    /// Same Day cutoffs, Chicago time (`"HH:MM"`), ascending.
    #[serde(deserialize_with = "cutoffs")]
    pub same_day: Vec<NaiveTime>,
    /// When each Same Day window settles, Chicago time, one per cutoff.
    #[serde(deserialize_with = "cutoffs")]
    pub same_day_settlement: Vec<NaiveTime>,
    /// When next-day entries settle on their settlement date, Chicago time.
    #[serde(deserialize_with = "cutoff")]
    pub next_day_settlement: NaiveTime,
    /// Next-day cutoffs, Chicago time (`"HH:MM"`), ascending.
    #[serde(deserialize_with = "cutoffs")]
    pub next_day: Vec<NaiveTime>,
    /// The largest entry that may settle Same Day, in cents.
    pub same_day_limit_cents: u64,
    /// Effective-date rules.
    pub effective_dates: EffectiveDates,
}

/// Cutoffs written `"HH:MM"`.
fn cutoffs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<NaiveTime>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|t| {
            NaiveTime::parse_from_str(t, "%H:%M")
                .map_err(|_| serde::de::Error::custom(format!("`{t}` is not a time (HH:MM)")))
        })
        .collect()
}

/// One time written `"HH:MM"`.
fn cutoff<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
    let t = String::deserialize(d)?;
    NaiveTime::parse_from_str(&t, "%H:%M")
        .map_err(|_| serde::de::Error::custom(format!("`{t}` is not a time (HH:MM)")))
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

impl Default for Windows {
    fn default() -> Self {
        Windows {
            same_day: vec![hm(9, 0), hm(13, 15), hm(14, 0)],
            same_day_settlement: vec![hm(12, 0), hm(16, 0), hm(17, 0)],
            next_day_settlement: hm(7, 30),
            next_day: vec![
                hm(9, 0),
                hm(13, 15),
                hm(15, 15),
                hm(18, 30),
                hm(21, 15),
                hm(22, 0),
            ],
            same_day_limit_cents: 100_000_000,
            effective_dates: EffectiveDates::default(),
        }
    }
}

/// The first business day on or after `d`.
pub fn roll_forward(mut d: NaiveDate) -> NaiveDate {
    while !is_business_day(d) {
        d = d.succ_opt().unwrap_or(d);
    }
    d
}

/// The first business day after `d`.
pub fn next_business_day(d: NaiveDate) -> NaiveDate {
    roll_forward(d.succ_opt().unwrap_or(d))
}

/// The last business day before `d`.
fn previous_business_day(mut d: NaiveDate) -> NaiveDate {
    loop {
        d = d.pred_opt().unwrap_or(d);
        if is_business_day(d) {
            return d;
        }
    }
}

/// `t` on `date`, Chicago time, as an instant (the earlier one when the clock falls back).
pub fn at(date: NaiveDate, t: NaiveTime) -> DateTime<Utc> {
    Chicago
        .from_local_datetime(&date.and_time(t))
        .earliest()
        .map_or_else(|| date.and_time(t).and_utc(), |l| l.with_timezone(&Utc))
}

impl Windows {
    /// Checks the windows are usable: at least one of each kind, ascending.
    pub fn check(&self) -> Result<(), String> {
        for (what, w) in [("same_day", &self.same_day), ("next_day", &self.next_day)] {
            if w.is_empty() || w.windows(2).any(|p| p[0] >= p[1]) {
                return Err(format!(
                    "[ach] {what}: at least one cutoff, in ascending order"
                ));
            }
        }
        if self.same_day_settlement.len() != self.same_day.len() {
            return Err("[ach] same_day_settlement: one time per same_day cutoff".into());
        }
        Ok(())
    }

    /// The first window of `cutoffs` on a business day at or after `day`, strictly after
    /// `received` (a cutoff is firm: an entry received at 09:00:00 misses the 09:00 window).
    fn next_window(
        &self,
        cutoffs: &[NaiveTime],
        day: NaiveDate,
        received: DateTime<Utc>,
    ) -> (NaiveDate, NaiveTime) {
        let mut d = roll_forward(day);
        loop {
            if let Some(c) = cutoffs.iter().find(|c| at(d, **c) > received) {
                return (d, *c);
            }
            d = next_business_day(d);
        }
    }

    /// Whether an entry of `amount_cents` in a batch of `sec` may settle Same Day: not above
    /// the per-entry limit (spec 06 §9.14), and not IAT (the public Nacha rule: international
    /// entries are not eligible for Same Day ACH).
    pub fn same_day_eligible(&self, amount_cents: u64, sec: nacha::SecCode) -> bool {
        amount_cents <= self.same_day_limit_cents && sec != nacha::SecCode::Iat
    }

    /// [`Windows::schedule`] of an entry of a batch of `sec` ([`Windows::same_day_eligible`]).
    pub fn schedule_entry(
        &self,
        received: DateTime<Utc>,
        effective: Option<NaiveDate>,
        amount_cents: u64,
        sec: nacha::SecCode,
    ) -> Result<Scheduled, WindowError> {
        let same_day = self.same_day_eligible(amount_cents, sec);
        self.schedule_with(received, effective, same_day)
    }

    /// Schedules an entry of `amount_cents` whose batch is effective `effective` (`None`: blank,
    /// as in ENR batches, processed as soon as possible), received at `received`.
    pub fn schedule(
        &self,
        received: DateTime<Utc>,
        effective: Option<NaiveDate>,
        amount_cents: u64,
    ) -> Result<Scheduled, WindowError> {
        self.schedule_with(
            received,
            effective,
            amount_cents <= self.same_day_limit_cents,
        )
    }

    /// Schedules an entry that may (`same_day`) or may not go Same Day.
    fn schedule_with(
        &self,
        received: DateTime<Utc>,
        effective: Option<NaiveDate>,
        same_day: bool,
    ) -> Result<Scheduled, WindowError> {
        let today = received.with_timezone(&Chicago).date_naive();
        let rules = &self.effective_dates;
        let wanted = match effective {
            None => today,
            Some(e) if e < today => match rules.past {
                DateRule::Roll => today,
                DateRule::Reject => return Err(WindowError::Past(e)),
            },
            Some(e) => {
                if (e - today).num_days() as u64 > rules.max_days_ahead {
                    return Err(WindowError::TooFarAhead {
                        date: e,
                        days: rules.max_days_ahead,
                    });
                }
                if !is_business_day(e) && rules.non_business == DateRule::Reject {
                    return Err(WindowError::NotBusinessDay(e));
                }
                e
            }
        };
        // The processing day: today if a business day, else the next one (received on a
        // weekend or holiday, an entry waits for it).
        let processing = roll_forward(today);
        // Same Day: due on or before the processing day, within the limit, before its last
        // Same Day cutoff. Received on a non-business day it settles on the processing day but
        // is billed as next-day (§3.2).
        if wanted <= processing && same_day {
            if let Some(i) = self
                .same_day
                .iter()
                .position(|c| at(processing, *c) > received)
            {
                let c = self.same_day[i];
                let settles = self.same_day_settlement.get(i).copied().unwrap_or(c);
                return Ok(Scheduled {
                    window_date: processing,
                    cutoff: c,
                    submit_at: at(processing, c),
                    settlement_date: processing,
                    settles_at: at(processing, settles),
                    billing: if processing == today {
                        Billing::SameDay
                    } else {
                        Billing::NextDay
                    },
                });
            }
        }
        // Next-day: the first window from now; settling the business day after it, or on the
        // (rolled) effective date when that is later, the entry then waiting for the last
        // business day before it.
        let (mut day, mut cutoff) = self.next_window(&self.next_day, today, received);
        let mut settlement = next_business_day(day);
        let target = roll_forward(wanted);
        if target > settlement {
            settlement = target;
            day = previous_business_day(target);
            cutoff = self.next_day[0];
        }
        Ok(Scheduled {
            window_date: day,
            cutoff,
            submit_at: at(day, cutoff),
            settlement_date: settlement,
            settles_at: at(settlement, self.next_day_settlement),
            billing: Billing::NextDay,
        })
    }
}

#[cfg(test)]
mod tests;
