//! One partner's nightly reconciliation (D9), as the scheduler and `bankdrop reconcile` run it.

use crate::error::{Context, Result};
use chrono::NaiveDate;
use pipeline::nightly::run_day;
use recon::nightly::{DaySummary, FboOutcome, NightlyConfig, PartnerTree};
use std::path::Path;
use store::{Db, PartnerRow};

/// Runs activity date `date` for `partner` and writes its reports into the partner's tree.
pub fn run_partner(
    store: &Db,
    partner: &PartnerRow,
    date: NaiveDate,
    cfg: &NightlyConfig,
) -> Result<DaySummary> {
    let tree = PartnerTree {
        name: &partner.name,
        root: Path::new(&partner.root),
    };
    run_day(store, tree, date, cfg).with_context(|| format!("partner {}", partner.name))
}

/// The FBO check's outcome in a word or two.
pub fn fbo_text(s: &DaySummary) -> &'static str {
    match &s.fbo {
        FboOutcome::Skipped => "skipped (no fbo_balance configured)",
        FboOutcome::Checked(c) if c.is_break => "break",
        FboOutcome::Checked(_) => "ok",
    }
}

/// Whether the day found a break: a balance's, or the FBO account's.
pub fn has_breaks(s: &DaySummary) -> bool {
    s.breaks > 0 || matches!(&s.fbo, FboOutcome::Checked(c) if c.is_break)
}
