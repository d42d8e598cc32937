//! The dates inside a daily file dated T (spec 01 §12.1, §12.5): its rows carry the activity of
//! calendar day T−1 in America/Chicago, so an `effective_at` on another day is a warning
//! (`effective_at_not_previous_day`); and `generated_at` is the day the file is sent (spec 05
//! §7.1, spec 04 §1.2, spec 02 §5.3), so one on another day than the file's arrival (Chicago) is
//! a warning too (`generated_at_not_sending_day`). Warnings, not errors: the bank's own rule is
//! inferred, and a wrong timestamp does not make the day's data wrong.
//!
//! Only for partners with a Day 0 (their schedule is known); others are unaffected. Where the
//! schema says `effective_at` is when the source objects were polled to build the row (spec 02
//! §5.2, spec 05 §7.1, spec 04 §4.2), polling on day T itself, just before sending, is fine too.

use super::{finding, Ctx, Found, Pass};
use crate::deadline::chicago_date;
use chrono::{DateTime, Duration, NaiveDate};
use validate::report::{code, Severity};
use validate::schema::{types, Schema};

/// Types whose `effective_at` is the moment the row's source was polled, not the activity.
const POLLED: &[&str] = &[
    types::AUTHORIZED_USER,
    types::NON_POSTED_TRANSACTION,
    types::SALES_RESPONSE,
];

/// The date checks of one daily file.
pub(super) struct Dates {
    activity: NaiveDate,
    file_date: NaiveDate,
    polled: bool,
    sending: NaiveDate,
    effective_at: Option<usize>,
    generated_at: Option<usize>,
}

impl Dates {
    /// The checks for a dated file of a partner with a Day 0, if its schema has either column.
    pub(super) fn new(ctx: &Ctx, schema: &Schema) -> Option<Dates> {
        if !ctx.day_checks {
            return None;
        }
        let file_date = NaiveDate::parse_from_str(ctx.file_date?, "%Y-%m-%d").ok()?;
        let d = Dates {
            activity: file_date - Duration::days(1),
            file_date,
            polled: POLLED.contains(&schema.file_type.as_str()),
            sending: ctx.received_day,
            effective_at: schema.column_index("effective_at"),
            generated_at: schema.column_index("generated_at"),
        };
        (d.effective_at.is_some() || d.generated_at.is_some()).then_some(d)
    }
}

/// The Chicago calendar day of a date or RFC 3339 datetime (D9); `None` for anything else
/// (the validator reported it already).
fn chicago_day(v: &str) -> Option<NaiveDate> {
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Some(d);
    }
    DateTime::parse_from_rfc3339(v)
        .ok()
        .map(|t| chicago_date(t.to_utc()))
}

impl Pass for Dates {
    fn row(&mut self, row: u64, cells: &[Option<&str>], found: &mut Found) -> store::Result<()> {
        if let Some(v) = self.effective_at.and_then(|i| cells[i]) {
            let day = chicago_day(v);
            let ok = day == Some(self.activity) || (self.polled && day == Some(self.file_date));
            if !ok {
                let m = format!(
                    "effective_at is on {} (America/Chicago); a file dated {} carries the activity of {} (spec 01 §12.1)",
                    day.map_or_else(|| "another day".to_string(), |d| d.to_string()),
                    self.file_date,
                    self.activity
                );
                found.push((
                    Severity::Warning,
                    finding(
                        row,
                        "effective_at",
                        code::EFFECTIVE_AT_NOT_PREVIOUS_DAY,
                        m,
                        v,
                    ),
                ));
            }
        }
        if let Some(v) = self.generated_at.and_then(|i| cells[i]) {
            let day = chicago_day(v);
            if day != Some(self.sending) {
                let m = format!(
                    "generated_at is on {}; it must be the day the file is sent, {} (America/Chicago), when it arrived",
                    day.map_or_else(|| "another day".to_string(), |d| d.to_string()),
                    self.sending
                );
                found.push((
                    Severity::Warning,
                    finding(
                        row,
                        "generated_at",
                        code::GENERATED_AT_NOT_SENDING_DAY,
                        m,
                        v,
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::chicago_day;
    use chrono::NaiveDate;

    #[test]
    fn days_are_chicago_days() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // 03:00 UTC on the 27th is still the 26th in Chicago (UTC−6 in winter).
        assert_eq!(chicago_day("2026-01-27T03:00:00Z"), Some(d("2026-01-26")));
        assert_eq!(chicago_day("2026-01-27T07:00:00Z"), Some(d("2026-01-27")));
        assert_eq!(
            chicago_day("2026-01-26T23:00:00-06:00"),
            Some(d("2026-01-26"))
        );
        assert_eq!(chicago_day("2026-01-27"), Some(d("2026-01-27")));
        assert_eq!(chicago_day("yesterday"), None);
    }
}
