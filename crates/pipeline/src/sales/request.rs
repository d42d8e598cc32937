//! Writing a day's Sales Request (spec 04 §3): the first time, the sales are planned from the
//! store, given ids and recorded with the rows printed for them; every time, the file is written
//! from what was recorded, so writing a day again gives the same bytes and no new sale ids.

use super::SalesSettings;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use recon::sales::{self, Disbursement, Movement, Skipped};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use store::{Db, NewSale, Sales, SalesRequestRow, StoredRecord};

/// Why a day's request could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// The amounts could not be computed exactly.
    #[error(transparent)]
    Sales(#[from] sales::SalesError),
    /// Writing the file failed.
    #[error("writing the sales request: {0}")]
    Write(#[from] recon::Error),
    /// A recorded sale's row is damaged.
    #[error("stored sale {0} is damaged")]
    Damaged(String),
}

/// What a run wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestOutcome {
    /// The file written.
    pub path: PathBuf,
    /// Its rows (sales).
    pub rows: usize,
    /// Whether this run planned the day (else it was recorded before and written again).
    pub planned: bool,
    /// Balances left out, and why (only when planned now).
    pub skipped: Vec<Skipped>,
    /// Disbursements not sold because they have no settlement date yet (only when planned now).
    pub unsettled: Vec<String>,
}

/// Transaction types that do not move principal (spec 05 §3.4's principal formula).
const NOT_PRINCIPAL: [&str; 5] = [
    "fee",
    "interest_accrued",
    "charge_off_recovery",
    "dispute_won",
    "disbursement",
];

/// Writes `partner`'s Sales Request of `date` into `<root>/<folder>/`, planning and recording the
/// day first when it was never written. `minor_units` gives a currency's digits (D3).
pub fn write_request(
    store: &Db,
    partner: &str,
    root: &Path,
    date: NaiveDate,
    settings: &SalesSettings,
    now: DateTime<Utc>,
    minor_units: &dyn Fn(&str) -> Option<u32>,
) -> Result<RequestOutcome, RequestError> {
    let day = date.format("%Y-%m-%d").to_string();
    let rel = format!("{}/{}", settings.folder, settings.file_name_for(date));
    let mut outcome = RequestOutcome {
        path: root.join(&rel),
        rows: 0,
        planned: false,
        skipped: Vec::new(),
        unsettled: Vec::new(),
    };
    if store.sales_request(partner, &day)?.is_none() {
        let (sales, skipped, unsettled) = plan(store, partner, date, settings, now, minor_units)?;
        let r = SalesRequestRow {
            partner: partner.into(),
            sale_date: day.clone(),
            generated_at: stamp(now),
            file: rel.clone(),
        };
        // Another node may have recorded the day meanwhile: then its sales are the day's.
        if store.record_sales_request(&r, &sales)? {
            outcome.planned = true;
            outcome.skipped = skipped;
            outcome.unsettled = unsettled;
        }
    }
    let mut rows = Vec::new();
    for s in store.sales_of_day(partner, &day)? {
        let fields: Vec<String> = serde_json::from_str(&s.fields)
            .map_err(|_| RequestError::Damaged(s.sale_id.clone()))?;
        rows.push(fields);
    }
    outcome.rows = rows.len();
    if let Some(dir) = outcome.path.parent() {
        std::fs::create_dir_all(dir).map_err(recon::Error::from)?;
    }
    recon::reports::write_atomically(&outcome.path, |w| {
        sales::write_sales_request(w, &rows).map_err(recon::Error::from)
    })?;
    Ok(outcome)
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

type Planned = (Vec<NewSale>, Vec<Skipped>, Vec<String>);

/// The day's sales from the store: unsold disbursements, their balances' uncounted principal
/// movements, `recon::sales::plan`, then ids and printed rows.
fn plan(
    store: &Db,
    partner: &str,
    date: NaiveDate,
    settings: &SalesSettings,
    now: DateTime<Utc>,
    minor_units: &dyn Fn(&str) -> Option<u32>,
) -> Result<Planned, RequestError> {
    let snap = store.snapshot()?;
    let (mut ds, mut unsettled) = (Vec::new(), Vec::new());
    for id in store.unsold_disbursements(partner)? {
        let Some(t) = snap.transaction(partner, &id)? else {
            continue;
        };
        match disbursement(&t) {
            Some(d) => ds.push(d),
            None => unsettled.push(id),
        }
    }
    let mut balances: Vec<&str> = ds.iter().map(|d| d.balance_id.as_str()).collect();
    balances.sort_unstable();
    balances.dedup();
    let mut ms = Vec::new();
    for b in balances {
        for id in store.uncounted_transactions(partner, b)? {
            if let Some(m) = snap.transaction(partner, &id)?.and_then(|t| movement(&t)) {
                ms.push(m);
            }
        }
    }
    let is_bd = |d: NaiveDate| crate::deadline::is_business_day(d);
    let (planned, mut skipped) = sales::plan(date, &ds, &ms, &settings.terms, &is_bd)?;
    let (stamp, compact) = (stamp(now), date.format("%Y%m%d").to_string());
    let mut out = Vec::new();
    for p in planned {
        let Some(minor) = minor_units(&p.currency) else {
            skipped.push(Skipped {
                balance_id: p.balance_id,
                reason: format!("currency {} is not an active ISO 4217 code", p.currency),
            });
            continue;
        };
        let sale_id = format!("sale_{compact}_{:04}", out.len() + 1);
        let [funded, outstanding, settled, interest, settlement] = p.amounts.render(minor)?;
        let fields = [
            sale_id.clone(),
            p.balance_id.clone(),
            p.start_date.format("%Y-%m-%d").to_string(),
            date.format("%Y-%m-%d").to_string(),
            funded,
            outstanding,
            settled,
            interest,
            settlement,
            p.currency.clone(),
            stamp.clone(),
            stamp.clone(),
        ];
        out.push(NewSale {
            sale_id,
            balance_id: p.balance_id,
            fields: serde_json::to_string(&fields).unwrap_or_default(),
            items: p.disbursements.into_iter().chain(p.movements).collect(),
        });
    }
    Ok((out, skipped, unsettled))
}

fn date_of(t: &StoredRecord, column: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(t.get(column)?, "%Y-%m-%d").ok()
}

/// A stored transaction's principal: `principal_amount`, else `amount` (a credit row carries
/// both; D3 checked the text when the file was accepted).
fn principal(t: &StoredRecord) -> Option<Decimal> {
    let v = t.get("principal_amount").or_else(|| t.get("amount"))?;
    Decimal::from_str(v).ok()
}

/// A disbursement with a settlement date (without one it is not settled: not for sale yet).
fn disbursement(t: &StoredRecord) -> Option<Disbursement> {
    Some(Disbursement {
        id: t.get("client_transaction_id")?.to_string(),
        balance_id: t.get("balance_id")?.to_string(),
        currency: t.get("currency")?.to_string(),
        settlement_date: date_of(t, "settlement_date")?,
        principal: principal(t)?,
    })
}

/// A settled transaction that lowered the principal (spec 05 §3.4: types that move principal).
fn movement(t: &StoredRecord) -> Option<Movement> {
    let ty = t.get("type").unwrap_or("");
    if NOT_PRINCIPAL.contains(&ty) {
        return None;
    }
    let p = principal(t)?;
    if !p.is_sign_negative() || p.is_zero() {
        return None;
    }
    Some(Movement {
        id: t.get("client_transaction_id")?.to_string(),
        balance_id: t.get("balance_id")?.to_string(),
        settlement_date: date_of(t, "settlement_date")?,
        principal: p,
        refund: ty == "refund",
    })
}
