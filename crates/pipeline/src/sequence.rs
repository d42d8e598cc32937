//! Strict date order per partner and type (spec 01 §12.5, proposal; decision D7's hold carried
//! across dates). For a partner with a Day 0, a daily file of type X dated T after Day 0 waits
//! while the partner's previous due date for X (by its cadence) has no accepted file of X:
//! untouched in its inbox, like any held file, its hold naming `X <date>`.
//!
//! The wait ends when that file is accepted, or at file T's own deadline (D9) at the latest,
//! so live data is never stuck behind a day that never comes; the file is then processed with
//! the warning `previous_day_missing`. An earlier day's file already in its inbox still goes
//! first, deadline or not (it is decided in moments). A file dated before Day 0 is rejected
//! (`before_day0`): the schedule starts at Day 0 (spec 01 §12.2), so such a file is a wrong
//! date or a leftover of an earlier testing round. Partners without a Day 0 are not affected.

use crate::config::Config;
use crate::schedule::{EarlierDay, Schedule};
use chrono::NaiveDate;
use store::{Db, Ledger, PartnerRow};
use validate::report::{code, Severity};
use validate::{Finding, Report};

/// The earlier due day's file that a file of `file_type` dated `date` waits for, if it has no
/// accepted file yet: `None` without a schedule, on or before Day 0, or for a type not due
/// daily.
pub(crate) fn waits_for(
    store: &Db,
    config: &Config,
    partner: &PartnerRow,
    file_type: &str,
    date: NaiveDate,
) -> store::Result<Option<EarlierDay>> {
    let Some(s) = Schedule::of_partner(partner) else {
        return Ok(None);
    };
    let Some(prev) = s.previous_due(date) else {
        return Ok(None);
    };
    let types = s.types(store, &config.expected_types, &partner.name, date)?;
    if !types.iter().any(|t| t == file_type) {
        return Ok(None);
    }
    let accepted = store
        .accepted_for(&partner.name, file_type, &prev.to_string())?
        .is_some();
    Ok((!accepted).then(|| EarlierDay {
        file_type: file_type.to_string(),
        date: prev,
    }))
}

/// Whether the earlier day a file waited for has an accepted file now.
pub(crate) fn arrived(store: &Db, partner: &str, e: &EarlierDay) -> store::Result<bool> {
    Ok(store
        .accepted_for(partner, &e.file_type, &e.date.to_string())?
        .is_some())
}

/// The rejection of a file dated before the partner's Day 0, if it is one.
pub(crate) fn before_day0(
    partner: &PartnerRow,
    file_type: &str,
    date: NaiveDate,
) -> Option<Report> {
    let s = Schedule::of_partner(partner)?;
    (date < s.day0).then(|| {
        let m = format!(
            "the file is dated {date}, before the partner's Day 0 {} (spec 01 §12.2: the schedule starts at Day 0); check the date in its name",
            s.day0
        );
        Report::file_error(file_type, code::BEFORE_DAY0, m)
    })
}

/// The warning of a file processed while its previous due day still has no accepted file (it
/// was released at its deadline, or never waited: the service was down).
pub(crate) fn missing_warning(
    store: &Db,
    config: &Config,
    partner: &PartnerRow,
    file_type: &str,
    date: NaiveDate,
) -> store::Result<Option<(Severity, Finding)>> {
    let Some(e) = waits_for(store, config, partner, file_type, date)? else {
        return Ok(None);
    };
    let m = format!(
        "processed without an accepted {} file for {}, the previous due day (spec 01 §12.5: files go in date order; this one was not held past its deadline)",
        e.file_type, e.date
    );
    Ok(Some((
        Severity::Warning,
        Finding {
            row: 0,
            column: None,
            code: code::PREVIOUS_DAY_MISSING,
            message: m,
            value: Some(e.to_string()),
        },
    )))
}
