//! The nightly run's reading of the store (decision D9): one partner's day handed to the pure
//! reconciliation (`recon::run_day`) from one read snapshot — one row per balance
//! (`store::DayRow`: what it closes at, opens from, and the day's activity), the day's
//! non-posted snapshot, and the ACH entries settling on the day.

use chrono::{Duration, NaiveDate};
use recon::nightly::AchAccount;
use recon::reports::{AchSettlement, EntryDirection, SettlementType};
use recon::{
    BalanceStatus, BalanceType, DayBalance, DaySide, DaySource, DaySummary, NightlyConfig,
    NightlyError, PartnerTree,
};
use rust_decimal::Decimal;
use serde::Deserialize;
use store::codec::{for_each_amount, for_each_sum};
use store::{Reader, Store, BALANCE_AMOUNT_COLUMNS, TRANSACTION_AMOUNT_COLUMNS};

/// Runs activity date `date` for one partner: reads the day from one snapshot of `store` and
/// writes its reports into the partner's tree (`recon::run_day`).
pub fn run_day(
    store: &Store,
    partner: PartnerTree,
    date: NaiveDate,
    cfg: &NightlyConfig,
) -> Result<DaySummary, NightlyError> {
    let reader = store.scan_snapshot().map_err(source)?;
    let mut day = StoreDay {
        reader: &reader,
        partner: partner.name,
        date,
        file_date: (date + Duration::days(1)).format("%Y-%m-%d").to_string(),
    };
    recon::run_day(&mut day, partner, date, cfg)
}

fn source(e: store::Error) -> NightlyError {
    NightlyError::Source(e.to_string())
}

fn stored(key: &str, message: impl Into<String>) -> NightlyError {
    NightlyError::StoredRow {
        key: key.to_string(),
        message: message.into(),
    }
}

/// A partner's day in one read snapshot.
struct StoreDay<'r> {
    reader: &'r Reader,
    partner: &'r str,
    /// Activity date D.
    date: NaiveDate,
    /// The file date D+1 that carries it.
    file_date: String,
}

/// Why a stored day row cannot be read, reported with its balance.
fn side<'a>(
    key: &str,
    s: store::Side<'a>,
    amounts: &'a [(&'a str, Decimal)],
) -> Result<DaySide<'a>, recon::Error> {
    let bad = |what: &str, v: &str| {
        recon::Error::Row(recon::RowError::Enum {
            column: what.into(),
            value: format!("{v} (balance {key})"),
            expected: match what {
                "type" => "deposit, credit",
                _ => "active, inactive, closed, receivable_transferred",
            },
        })
    };
    Ok(DaySide {
        balance_type: BalanceType::parse(s.balance_type)
            .ok_or_else(|| bad("type", s.balance_type))?,
        status: BalanceStatus::parse(s.status).ok_or_else(|| bad("status", s.status))?,
        status_reason: s.status_reason,
        amounts,
    })
}

fn convert<'a>(
    key: &str,
    s: Option<store::Side<'a>>,
    amounts: &'a [(&'a str, Decimal)],
) -> Result<Option<DaySide<'a>>, Fail> {
    s.map(|s| side(key, s, amounts))
        .transpose()
        .map_err(|e| Fail(stored(key, e.to_string())))
}

impl DaySource for StoreDay<'_> {
    fn balances(
        &mut self,
        each: &mut dyn FnMut(&DayBalance) -> Result<(), recon::Error>,
    ) -> Result<(), NightlyError> {
        let mut inner: Option<recon::Error> = None;
        let read = self
            .reader
            .day_balances::<Fail>(self.partner, &self.file_date, &mut |r| {
                let damaged = || Fail(stored(r.balance_id, "damaged amounts"));
                let mut closing_amounts = Vec::new();
                let mut opening_amounts = Vec::new();
                let mut sums = Vec::new();
                if let Some(c) = r.closing {
                    for_each_amount(&BALANCE_AMOUNT_COLUMNS, c.amounts, &mut |col, v| {
                        closing_amounts.push((col, v))
                    })
                    .ok_or_else(damaged)?;
                }
                if let Some(o) = r.opening {
                    for_each_amount(&BALANCE_AMOUNT_COLUMNS, o.amounts, &mut |col, v| {
                        opening_amounts.push((col, v))
                    })
                    .ok_or_else(damaged)?;
                }
                let activity = match r.activity {
                    Some(blob) => {
                        let count =
                            for_each_sum(&TRANSACTION_AMOUNT_COLUMNS, blob, &mut |t, c, v| {
                                sums.push((t, c, v))
                            })
                            .ok_or_else(damaged)?;
                        Some(count)
                    }
                    None => None,
                };
                let key = r.balance_id;
                let closing = convert(key, r.closing, &closing_amounts)?;
                let opening = convert(key, r.opening, &opening_amounts)?;
                let b = DayBalance {
                    balance_id: r.balance_id,
                    account_id: r.account_id.unwrap_or(""),
                    currency: r.currency,
                    closing,
                    opening,
                    activity: activity.map(|n| (n, &sums[..])),
                };
                match each(&b) {
                    Ok(()) => Ok(true),
                    Err(e) => {
                        inner = Some(e);
                        Ok(false)
                    }
                }
            });
        if let Some(e) = inner {
            return Err(e.into());
        }
        read.map(|_| ()).map_err(|f| f.0)
    }

    fn non_posted(&mut self, each: &mut dyn FnMut(Decimal)) -> Result<(), NightlyError> {
        let at = self
            .reader
            .non_posted_snapshot_date(self.partner, &self.file_date)
            .map_err(source)?;
        let Some(at) = at else {
            return Ok(());
        };
        let mut bad = None;
        self.reader
            .non_posted(self.partner, &at, &mut |n| match n.amount {
                Some(a) => each(a),
                None => {
                    bad.get_or_insert_with(|| n.id.to_string());
                }
            })
            .map_err(source)?;
        match bad {
            Some(id) => Err(stored(&id, "a non-posted transaction without an amount")),
            None => Ok(()),
        }
    }

    fn ach_settlements(
        &mut self,
        account: &AchAccount,
    ) -> Result<Vec<AchSettlement>, NightlyError> {
        let mut settled = Vec::new();
        let date = self.date.format("%Y-%m-%d").to_string();
        self.reader
            .ach_entries_settled_on::<Fail>(self.partner, &date, &mut |r| {
                settled.push(settlement(r.trace, r.data, account)?);
                Ok(true)
            })
            .map_err(|f| f.0)?;
        Ok(settled)
    }
}

/// A [`NightlyError`] that a store error converts into (neither type is ours to implement
/// `From` between).
struct Fail(NightlyError);

impl From<store::Error> for Fail {
    fn from(e: store::Error) -> Self {
        Fail(source(e))
    }
}

impl From<NightlyError> for Fail {
    fn from(e: NightlyError) -> Self {
        Fail(e)
    }
}

/// An entry as the pipeline stores it (`crate::ach::apply_entries`).
#[derive(Deserialize)]
struct StoredEntry {
    trace: String,
    direction: String,
    amount_cents: String,
    sec_code: String,
    company_name: String,
    company_id: String,
    company_entry_description: String,
    effective_date: String,
    settlement_date: String,
}

fn date(key: &str, v: &str) -> Result<NaiveDate, NightlyError> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| stored(key, format!("bad date `{v}`")))
}

/// One stored outgoing entry as an [`AchSettlement`]: it settles as an `ORIGINATION`; `ACH ID`
/// is the trace number (bankdrop has no bank ACH objects) and `Statement Descriptor` the batch's
/// Company Entry Description.
fn settlement(key: &str, data: &str, account: &AchAccount) -> Result<AchSettlement, NightlyError> {
    let s: StoredEntry = serde_json::from_str(data).map_err(|e| stored(key, e.to_string()))?;
    let direction = match s.direction.as_str() {
        "credit" => EntryDirection::Credit,
        "debit" => EntryDirection::Debit,
        other => return Err(stored(key, format!("bad direction `{other}`"))),
    };
    let amount_cents = s
        .amount_cents
        .parse()
        .map_err(|_| stored(key, format!("bad amount `{}`", s.amount_cents)))?;
    Ok(AchSettlement {
        settlement_date: date(key, &s.settlement_date)?,
        settlement_code: account.settlement_code.clone(),
        settlement_type: SettlementType::Origination,
        bank_account_id: account.bank_account_id.clone(),
        bank_account_number: account.bank_account_number.clone(),
        direction,
        amount_cents,
        ach_id: s.trace.clone(),
        statement_descriptor: s.company_entry_description,
        linked_reversal_id: None,
        trace_number: s.trace,
        effective_date: date(key, &s.effective_date)?,
        company_name: s.company_name,
        company_id: s.company_id,
        sec_code: s.sec_code,
        received: false,
    })
}
