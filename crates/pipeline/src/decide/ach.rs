//! Deciding a Nacha file (D10): hashed, compared with earlier files, validated, then checked
//! against the bank's windows, the partner's earlier entries and its agreed limits.

use super::{verdict, Apply, Decider, Verdict};
use crate::claim::{hash_file, Claim};
use crate::spill::ErrorSpill;
use crate::status::STATUS_LIMIT;
use crate::{io_err, Result};
use std::fs::File;
use std::io;
use store::{AchEvents, State};
use validate::filename::FileName;

impl Decider<'_> {
    /// A Nacha file: hashed, compared, then validated (D10).
    pub(super) fn ach(&self, c: &Claim, f: &FileName) -> Result<Verdict> {
        let path = c.path();
        let (sha256, bytes) = hash_file(&path).map_err(io_err(&path))?;
        if let Some(r) = self.same_bytes(&c.partner.name, &f.file_type, &sha256)? {
            return Ok(verdict(State::Duplicate, r, sha256, bytes));
        }
        let policy = &self.config.program(&c.partner.name).ach_policy;
        let mut errors = ErrorSpill::default();
        let mut spilled = Ok(());
        let file = File::open(&path).map_err(io_err(&path))?;
        let mut report = crate::ach::validate_ach_with_sink(file, policy, STATUS_LIMIT, &mut |f| {
            if spilled.is_ok() {
                spilled = errors.push(f);
            }
        })
        .map_err(io_err(&path))?;
        spilled.map_err(io_err(&path))?;
        if report.outcome == validate::Outcome::Accepted {
            // A well-formed file the bank's rules refuse: effective dates the windows do not
            // take (spec 06 §3.4), trace numbers used before (spec 06 §1.5), the limits agreed
            // with the bank (spec 06 §5.2).
            let file = File::open(&path).map_err(io_err(&path))?;
            let arrival = self.config.ach_arrival(c.received);
            let mut prior = StorePrior {
                store: self.store,
                partner: &c.partner.name,
            };
            let limits = self.config.program(&c.partner.name).ach_limits;
            let refused = crate::ach::check_against_bank(
                file,
                &self.config.ach_windows,
                arrival,
                limits,
                &mut prior,
            )
            .map_err(io_err(&path))?;
            for f in refused {
                if crate::ach::is_warning(f.code) {
                    report.warning_count += 1;
                    if report.warnings.len() < STATUS_LIMIT {
                        report.warnings.push(f);
                    }
                    continue;
                }
                errors.push(&f).map_err(io_err(&path))?;
                report.error_count += 1;
                if report.errors.len() < STATUS_LIMIT {
                    report.errors.push(f);
                }
                report.outcome = validate::Outcome::Rejected;
            }
        }
        Ok(Verdict::read(report, errors, (sha256, bytes), Apply::Ach))
    }
}

/// What a partner's earlier accepted Nacha files did, from the store.
struct StorePrior<'a> {
    store: &'a store::Db,
    partner: &'a str,
}

impl crate::ach::Prior for StorePrior<'_> {
    fn traces_used(&mut self, traces: &[String]) -> io::Result<Vec<String>> {
        self.store
            .ach_traces_known(self.partner, traces)
            .map_err(io::Error::other)
    }

    fn day_total(&mut self, day: chrono::NaiveDate) -> io::Result<u64> {
        self.store
            .ach_total_for_day(self.partner, &day.to_string())
            .map_err(io::Error::other)
    }

    fn event_kinds(&mut self, trace: &str) -> io::Result<Vec<String>> {
        let events = self
            .store
            .ach_events(self.partner, trace)
            .map_err(io::Error::other)?;
        Ok(events.into_iter().map(|e| e.kind).collect())
    }

    fn noc_receivers(&mut self) -> io::Result<std::collections::HashMap<String, String>> {
        let nocs = self
            .store
            .ach_nocs(self.partner)
            .map_err(io::Error::other)?;
        Ok(nocs
            .into_iter()
            .filter_map(|e| {
                let detail: serde_json::Value = serde_json::from_str(&e.detail).ok()?;
                let key = detail["receiver_key"].as_str()?.to_string();
                let day = e.at.get(..10).unwrap_or(&e.at).to_string();
                Some((key, format!("{} of {day}", e.code)))
            })
            .collect())
    }
}
