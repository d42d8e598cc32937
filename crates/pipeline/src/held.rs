//! Ordering (D7): a file waits (`held`) while a file it depends on for the same date or batch is
//! not decided, so a partner may upload the day's files in any order. It is processed once its
//! prerequisites are decided, or at that day's deadline (D9) at the latest — except that a
//! prerequisite already sitting in an inbox always goes first, deadline or not.
//!
//! A prerequisite type is waited for when a file of it for the same date or batch is in its
//! inbox, or — for dated files — when the partner is expected to send it: it is configured
//! (`expected_types`) or, by default, the partner sent that type in the previous 7 days: files
//! are required daily, an empty one on a day without updates (spec 01 §0.4, §5.2), so a type
//! sent recently is due again. Types a program never sends therefore never delay anything. Held files stay untouched in their inbox
//! under their own name, so a crash or a restart loses nothing: the next look holds them again.
//!
//! For a partner with a Day 0 a file also waits for its type's file of the previous due day
//! (spec 01 §12.5, `sequence`), written `<file_type> <date>` among what it waits for.

use crate::config::Config;
use crate::names::CLAIM_PREFIX;
use crate::schedule::EarlierDay;
use crate::{deadline, sequence, Result};
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;
use store::{Db, PartnerRow};
use validate::filename::{FileName, Prefix};
use validate::schema::types::{
    ACCOUNT, APPLICATION, AUTHORIZED_USER, BALANCE, CARD, COLLATERAL, CUSTOMER,
    CUSTOMER_RELATIONSHIP, NON_POSTED_TRANSACTION, TRANSACTION, TRANSACTION_UPDATE,
};
use validate::schema::Schemas;

/// The D7 processing order, earliest first; types in one group do not wait for each other.
pub fn default_order() -> Vec<Vec<String>> {
    let groups: [&[&str]; 8] = [
        &[CUSTOMER],
        &[CUSTOMER_RELATIONSHIP],
        &[APPLICATION],
        &[ACCOUNT],
        &[CARD, AUTHORIZED_USER, COLLATERAL],
        &[BALANCE],
        &[TRANSACTION],
        &[TRANSACTION_UPDATE, NON_POSTED_TRANSACTION],
    ];
    groups
        .iter()
        .map(|g| g.iter().map(|t| t.to_string()).collect())
        .collect()
}

/// Why a file waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hold {
    /// Prerequisite types not decided yet for the file's date or batch, and, written
    /// `<file_type> <date>`, an earlier due day's file of its type not accepted yet (spec 01
    /// §12.5, [`crate::schedule::EarlierDay`]).
    pub waiting_for: Vec<String>,
    /// When it will be processed anyway (the file date's deadline), if it has one.
    pub until: Option<String>,
}

/// The `held` part of a status file: the file waited before it was processed (D7).
#[derive(Debug, Clone, Serialize)]
pub struct HeldNote {
    /// First seen waiting (RFC 3339).
    pub since: String,
    /// What it waited for: types of its date or batch, and `<file_type> <date>` for an
    /// earlier due day's file.
    pub waited_for: Vec<String>,
    /// `prerequisites decided` or `deadline`.
    pub released: &'static str,
}

/// How many previous days show which types a partner sends.
const EXPECTED_WINDOW_DAYS: i64 = 7;

/// The types `partner` is expected to send for file date `date` (D7): `configured` (`[pipeline]
/// expected_types`), or, when that is empty, the types it sent in the 7 days before. What files
/// wait for, and what the operations page and the missing-file alert expect.
pub fn expected_types(
    store: &Db,
    configured: &[String],
    partner: &str,
    date: NaiveDate,
) -> store::Result<Vec<String>> {
    if !configured.is_empty() {
        return Ok(configured.to_vec());
    }
    let from = (date - Duration::days(EXPECTED_WINDOW_DAYS)).to_string();
    store.types_sent_between(partner, &from, &date.to_string())
}

/// The D7 order of one pipeline: which files wait for which.
pub(crate) struct Order<'a> {
    pub store: &'a Db,
    pub schemas: &'a Schemas,
    pub config: &'a Config,
}

impl Order<'_> {
    /// Why the file at `rel` must wait now, or `None` to process it.
    pub(crate) fn hold(
        &self,
        partner: &PartnerRow,
        rel: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Hold>> {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let Ok(f) = self.schemas.parse_file_name(name) else {
            return Ok(None);
        };
        let prefix = f.ledger_prefix();
        let date = match &f.prefix {
            Prefix::Date(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").ok(),
            _ => None,
        };
        let until = date.and_then(|d| deadline::deadline(d, self.config.deadline_hour));
        // Past the deadline a file no longer waits for files that may never come; it still
        // lets the ones already in an inbox go first (they are decided in moments).
        let past_deadline = until.is_some_and(|u| now >= u);
        let mut waiting_for = Vec::new();
        // The previous due day's file of its type first (spec 01 §12.5, `sequence`).
        if let Some(d) = date {
            if let Some(e) = sequence::waits_for(self.store, self.config, partner, &f.file_type, d)?
            {
                let day = e.date.to_string();
                if !past_deadline || self.pending_of(partner, &e.file_type, &day) {
                    waiting_for.push(e.to_string());
                }
            }
        }
        let prereqs = self.prerequisites(&f.file_type);
        let expected = match date {
            Some(d) if !past_deadline && !prereqs.is_empty() => {
                self.expected_types(&partner.name, d)?
            }
            _ => Vec::new(),
        };
        for t in prereqs {
            let pending = self.pending_of(partner, &t, &prefix);
            let wait = pending
                || (expected.contains(&t)
                    && !self.store.decided_for(&partner.name, &t, &prefix)?);
            if wait {
                waiting_for.push(t);
            }
        }
        Ok((!waiting_for.is_empty()).then(|| Hold {
            waiting_for,
            until: until.map(|u| u.to_rfc3339_opts(SecondsFormat::Secs, true)),
        }))
    }

    /// Why a file that waited for `waited` may go now: `prerequisites decided` when every one of
    /// them is decided for its date or batch, else `deadline`.
    pub(crate) fn released_why(
        &self,
        partner: &PartnerRow,
        rel: &str,
        waited: &[String],
    ) -> Result<&'static str> {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let Ok(f) = self.schemas.parse_file_name(name) else {
            return Ok("deadline");
        };
        let prefix = f.ledger_prefix();
        for t in waited {
            let done = match EarlierDay::parse(t) {
                Some(e) => sequence::arrived(self.store, &partner.name, &e)?,
                None => self.store.decided_for(&partner.name, t, &prefix)?,
            };
            if !done {
                return Ok("deadline");
            }
        }
        Ok("prerequisites decided")
    }

    /// Types earlier in the configured order than `file_type`.
    fn prerequisites(&self, file_type: &str) -> Vec<String> {
        let order = &self.config.order;
        let Some(level) = order.iter().position(|g| g.iter().any(|t| t == file_type)) else {
            return Vec::new();
        };
        order[..level].iter().flatten().cloned().collect()
    }

    fn expected_types(&self, partner: &str, date: NaiveDate) -> Result<Vec<String>> {
        Ok(expected_types(
            self.store,
            &self.config.expected_types,
            partner,
            date,
        )?)
    }

    /// Whether a file of `file_type` for `prefix` sits in its inbox, claimed or not.
    fn pending_of(&self, partner: &PartnerRow, file_type: &str, prefix: &str) -> bool {
        let Some(inbox) = self
            .config
            .inboxes
            .iter()
            .find(|i| i.file_type == file_type)
        else {
            return false;
        };
        let dir = std::path::Path::new(&partner.root).join(&inbox.folder);
        let Ok(entries) = std::fs::read_dir(dir) else {
            return false;
        };
        entries.flatten().any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let logical = name.strip_prefix(CLAIM_PREFIX).unwrap_or(&name);
            !crate::claim::is_temp_name(logical)
                && self
                    .schemas
                    .parse_file_name(logical)
                    .is_ok_and(|f: FileName| {
                        f.file_type == file_type && f.ledger_prefix() == prefix
                    })
        })
    }
}
