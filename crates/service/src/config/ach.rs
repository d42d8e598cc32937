//! `[ach]`: the ACH processing windows (spec 06 §3) and a simulated clock for tests and demos.

use crate::error::Result;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// `[ach]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ach {
    /// Schedule every Nacha file as if it arrived at this instant (RFC 3339), for tests and
    /// demos; absent: at its real arrival.
    pub clock: Option<String>,
    /// `[ach.windows]`: the cutoffs, settlement times, Same Day limit and effective-date rules.
    pub windows: pipeline::windows::Windows,
}

impl Ach {
    /// The simulated clock, checked.
    pub fn clock(&self) -> Result<Option<DateTime<Utc>>> {
        parse_clock("[ach] clock", self.clock.as_deref())
    }

    /// Checks the section at load.
    pub fn check(&self) -> Result<()> {
        self.clock()?;
        self.windows.check().map_err(crate::Error::Invalid)
    }
}

/// A simulated clock's setting (`what`), checked: an RFC 3339 time.
pub fn parse_clock(what: &str, clock: Option<&str>) -> Result<Option<DateTime<Utc>>> {
    clock
        .map(|c| {
            DateTime::parse_from_rfc3339(c)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    crate::Error::Invalid(format!("{what}: `{c}` is not an RFC 3339 time"))
                })
        })
        .transpose()
}
