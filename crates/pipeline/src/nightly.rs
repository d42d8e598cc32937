//! The nightly run's reading of the store (decision D9): one partner's day handed to the pure
//! reconciliation (`recon::run_day`) from one read snapshot — one row per balance
//! (`store::DayRow`: what it closes at, opens from, and the day's activity), the day's
//! non-posted snapshot, and the ACH entries settling on the day.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use chrono::{Duration, NaiveDate};
use recon::nightly::AchAccount;
use recon::reports::{AchSettlement, EntryDirection, SettlementType};
use recon::{
    Amount, BalanceStatus, BalanceType, DayBalance, DayColumns, DaySide, DaySource, DaySummary,
    NightlyConfig, NightlyError, PartnerTree, Sum,
};
use rust_decimal::Decimal;
use serde::Deserialize;
use store::codec::{raw_amounts, raw_sums, ColumnRef};
use store::{DayBatch, DayRow, Db, Snapshot, BALANCE_AMOUNT_COLUMNS, TRANSACTION_AMOUNT_COLUMNS};

/// Batches read ahead of the reconciliation.
const BATCHES_AHEAD: usize = 4;

/// Runs activity date `date` for one partner: reads the day from one snapshot of `store` and
/// writes its reports into the partner's tree (`recon::run_day`).
pub fn run_day(
    store: &Db,
    partner: PartnerTree,
    date: NaiveDate,
    cfg: &NightlyConfig,
) -> Result<DaySummary, NightlyError> {
    let reader = store.scan_snapshot().map_err(source)?;
    let mut day = StoreDay {
        reader,
        partner: partner.name,
        date,
        file_date: (date + Duration::days(1)).format("%Y-%m-%d").to_string(),
    };
    recon::run_day(&mut day, partner, date, cfg)
}

/// Writes the bank's ACH reports of calendar day `date` for one partner from one snapshot of
/// `store` (`recon::nightly::run_bank_reports`).
pub fn run_bank_reports(
    store: &Db,
    partner: PartnerTree,
    date: NaiveDate,
    cfg: &NightlyConfig,
) -> Result<recon::nightly::BankReports, NightlyError> {
    let reader = store.snapshot().map_err(source)?;
    let mut day = StoreDay {
        reader,
        partner: partner.name,
        date,
        file_date: (date + Duration::days(1)).format("%Y-%m-%d").to_string(),
    };
    recon::nightly::run_bank_reports(&mut day, partner, date, cfg)
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

/// A partner's day in one read snapshot (owned: the balances are read on a thread of their
/// own).
struct StoreDay<'r> {
    reader: Snapshot<'r>,
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
    amounts: &'a [Option<Amount>],
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
    amounts: &'a [Option<Amount>],
) -> Result<Option<DaySide<'a>>, Fail> {
    s.map(|s| side(key, s, amounts))
        .transpose()
        .map_err(|e| Fail(stored(key, e.to_string())))
}

/// Turns stored day rows into the reconciliation's: the blobs' column codes resolved once to
/// the positions the run asked for, amounts decoded straight into [`Amount`]s, into buffers
/// reused for every row.
struct Decoder {
    /// `BALANCE_AMOUNT_COLUMNS[i]`'s position in the run's balance columns.
    balance_slots: Vec<Option<usize>>,
    /// `TRANSACTION_AMOUNT_COLUMNS[i]`'s position in the run's transaction columns.
    transaction_slots: Vec<Option<usize>>,
    columns: DayColumns,
    closing: Vec<Option<Amount>>,
    opening: Vec<Option<Amount>>,
}

impl Decoder {
    fn new(columns: &DayColumns) -> Decoder {
        let slots = |known: &[&str], wanted: &[String]| -> Vec<Option<usize>> {
            known
                .iter()
                .map(|k| wanted.iter().position(|w| w == k))
                .collect()
        };
        Decoder {
            balance_slots: slots(&BALANCE_AMOUNT_COLUMNS, &columns.balance),
            transaction_slots: slots(&TRANSACTION_AMOUNT_COLUMNS, &columns.transaction),
            closing: vec![None; columns.balance.len()],
            opening: vec![None; columns.balance.len()],
            columns: columns.clone(),
        }
    }

    /// Fills `out` from an amounts blob (the first amount of a column counts); `false` if it is
    /// damaged.
    #[inline]
    fn amounts(
        slots: &[Option<usize>],
        names: &[String],
        blob: &[u8],
        out: &mut [Option<Amount>],
    ) -> bool {
        out.fill(None);
        for e in raw_amounts(slots.len(), blob) {
            let Ok(e) = e else { return false };
            let Some(a) = Amount::new(e.mantissa, e.scale) else {
                return false;
            };
            let slot = match e.column {
                ColumnRef::Known(i) => slots[i],
                ColumnRef::Named(n) => names.iter().position(|w| w == n),
            };
            if let Some(v) = slot.and_then(|i| out.get_mut(i)) {
                v.get_or_insert(a);
            }
        }
        true
    }

    /// Hands `r` to `each` as a [`DayBalance`].
    fn row(
        &mut self,
        r: &DayRow,
        sums: &mut Vec<Sum>,
        each: &mut dyn FnMut(&DayBalance) -> Result<(), recon::Error>,
    ) -> Result<Result<(), recon::Error>, Fail> {
        let damaged = || Fail(stored(r.balance_id, "damaged amounts"));
        let names = &self.columns.balance;
        if let Some(c) = r.closing {
            if !Self::amounts(&self.balance_slots, names, c.amounts, &mut self.closing) {
                return Err(damaged());
            }
        }
        if let Some(o) = r.opening {
            if !Self::amounts(&self.balance_slots, names, o.amounts, &mut self.opening) {
                return Err(damaged());
            }
        }
        sums.clear();
        let activity = match r.activity {
            Some(blob) => {
                let slots = &self.transaction_slots;
                let columns = &self.columns;
                let (count, raw) = raw_sums(slots.len(), blob).map_err(|_| damaged())?;
                for e in raw {
                    let e = e.map_err(|_| damaged())?;
                    let amount = Amount::new(e.mantissa, e.scale).ok_or_else(damaged)?;
                    // A type the formulas name is known good text; any other must still be
                    // text, as the store wrote it.
                    let ty = match e.ty {
                        None => None,
                        Some(t) => match columns.transaction_type(t) {
                            Some(i) => Some(i),
                            None => {
                                std::str::from_utf8(t).map_err(|_| damaged())?;
                                None
                            }
                        },
                    };
                    let column = match e.column {
                        ColumnRef::Known(i) => slots[i],
                        ColumnRef::Named(n) => columns.transaction.iter().position(|w| w == n),
                    };
                    // A column no formula sums adds nothing: not handed over.
                    if let Some(column) = column {
                        sums.push(Sum { ty, column, amount });
                    }
                }
                Some(count)
            }
            None => None,
        };
        let key = r.balance_id;
        let closing = convert(key, r.closing, &self.closing)?;
        let opening = convert(key, r.opening, &self.opening)?;
        let b = DayBalance {
            balance_id: r.balance_id,
            account_id: r.account_id.unwrap_or(""),
            currency: r.currency,
            closing,
            opening,
            activity: activity.map(|n| (n, &sums[..])),
        };
        Ok(each(&b))
    }
}

impl DaySource for StoreDay<'_> {
    /// The store is read on a thread of its own, in batches of rows handed over through a
    /// bounded channel (and handed back to be reused), while this one decodes, reconciles and
    /// formats: the two halves of the work overlap on two cores.
    fn balances(
        &mut self,
        columns: &DayColumns,
        each: &mut dyn FnMut(&DayBalance) -> Result<(), recon::Error>,
    ) -> Result<(), NightlyError> {
        let mut decoder = Decoder::new(columns);
        let (full_tx, full_rx) = sync_channel::<DayBatch>(BATCHES_AHEAD);
        let (empty_tx, empty_rx) = sync_channel::<DayBatch>(BATCHES_AHEAD + 2);
        let (reader, partner, file_date) = (&mut self.reader, self.partner, &self.file_date);
        std::thread::scope(|s| {
            let read = s.spawn(move || read_batches(reader, partner, file_date, full_tx, empty_rx));
            let mut failed: Option<NightlyError> = None;
            let mut sums = Vec::new();
            'batches: for mut batch in full_rx.iter() {
                for r in batch.rows() {
                    let r = match r {
                        Ok(r) => r,
                        Err(e) => {
                            failed = Some(source(e));
                            break 'batches;
                        }
                    };
                    match decoder.row(&r, &mut sums, each) {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => failed = Some(e.into()),
                        Err(Fail(e)) => failed = Some(e),
                    }
                    if failed.is_some() {
                        break 'batches;
                    }
                }
                batch.clear();
                // The reader makes a new one when none comes back.
                let _ = empty_tx.try_send(batch);
            }
            // Stops the reader at its next batch when this side stopped first.
            drop(full_rx);
            let read = read.join().unwrap_or_else(|_| {
                Err(Fail(NightlyError::Source(
                    "the store reader panicked".into(),
                )))
            });
            match (failed, read) {
                (Some(e), _) => Err(e),
                (None, Err(Fail(e))) => Err(e),
                (None, Ok(())) => Ok(()),
            }
        })
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
                settled.push(settlement(r.trace, r.data, account, Settled::Entry)?);
                Ok(true)
            })
            .map_err(|f| f.0)?;
        // Returns settling on the day (spec 06 §8.3: one ACH ID settles again as a RETURN), and
        // entries received from the network (ORIGINATION, received).
        self.reader
            .ach_events_settled_on::<Fail>(self.partner, &date, &mut |r| {
                let mut s = settlement(r.trace, r.data, account, Settled::Event)?;
                s.settlement_date = self.date;
                settled.push(s);
                Ok(true)
            })
            .map_err(|f| f.0)?;
        Ok(settled)
    }
}

/// Reads the day into batches sent to `full`, taking emptied ones back from `empty`. Stops
/// early, without error, when the receiving side has gone (it failed, and says why).
fn read_batches(
    reader: &mut Snapshot,
    partner: &str,
    file_date: &str,
    full: SyncSender<DayBatch>,
    empty: Receiver<DayBatch>,
) -> Result<(), Fail> {
    reader.day_batches::<Fail>(partner, file_date, &mut |batch| {
        let next = empty.try_recv().unwrap_or_default();
        Ok(full.send(std::mem::replace(batch, next)).is_ok())
    })?;
    Ok(())
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

/// How a stored entry settled on the day.
#[derive(Clone, Copy)]
enum Settled {
    /// An accepted outgoing entry (`ach_entries`).
    Entry,
    /// An event (`ach_events`): a return of an entry, or an entry received from the network.
    Event,
}

/// An entry as the pipeline stores it (`crate::ach::apply_entries`), or as a forward entry is
/// recorded (`received`).
#[derive(Deserialize)]
struct StoredEntry {
    #[serde(default)]
    received: bool,
    /// `dishonored_return` or `contested_return` for those events (a return has none).
    #[serde(default)]
    event: Option<String>,
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

/// One stored entry as an [`AchSettlement`]: an `ORIGINATION` as the entry moved money (sent,
/// or received from the network), or, for a return event, a `RETURN` the other way (a
/// `DISHONORED_RETURN` the original way again, a `CONTESTED_RETURN` back once more); `ACH ID` is the trace number (bankdrop has no bank
/// ACH objects) and `Statement Descriptor` the batch's Company Entry Description.
fn settlement(
    key: &str,
    data: &str,
    account: &AchAccount,
    how: Settled,
) -> Result<AchSettlement, NightlyError> {
    let s: StoredEntry = serde_json::from_str(data).map_err(|e| stored(key, e.to_string()))?;
    let kind = match (how, s.received, s.event.as_deref()) {
        (Settled::Entry, ..) | (Settled::Event, true, _) => SettlementType::Origination,
        (_, _, Some(crate::ach::DISHONORED_RETURN)) => SettlementType::DishonoredReturn,
        (_, _, Some(crate::ach::CONTESTED_RETURN)) => SettlementType::ContestedReturn,
        _ => SettlementType::Return,
    };
    // A return moves the money back; its dishonor undoes that, and a contest of the dishonor
    // moves it back again.
    let returned = matches!(
        kind,
        SettlementType::Return | SettlementType::ContestedReturn
    );
    let direction = match (s.direction.as_str(), returned) {
        ("credit", false) | ("debit", true) => EntryDirection::Credit,
        ("debit", false) | ("credit", true) => EntryDirection::Debit,
        (other, _) => return Err(stored(key, format!("bad direction `{other}`"))),
    };
    let amount_cents = s
        .amount_cents
        .parse()
        .map_err(|_| stored(key, format!("bad amount `{}`", s.amount_cents)))?;
    Ok(AchSettlement {
        settlement_date: date(key, &s.settlement_date)?,
        settlement_code: account.settlement_code.clone(),
        settlement_type: kind,
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
        received: s.received,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::{BalanceIn, Decision, NewFile, State};
    use store::{Ledger, Partners};

    /// A store holding partner `p`'s balance files of 03-03 and 03-04 (`n` balances each, in
    /// several read batches); `bad` reports one of 03-04's with a type no schema allows.
    fn store(dir: &std::path::Path, n: usize, bad: Option<usize>) -> Db {
        let s = Db::open(None, &dir.join("db.sqlite")).unwrap();
        s.add_partner("p", &dir.display().to_string(), "2026-03-01T00:00:00Z")
            .unwrap();
        for date in ["2026-03-03", "2026-03-04"] {
            let name = format!("{date}_balance_v1.csv");
            let id = s
                .begin(&NewFile {
                    partner: "p".into(),
                    path: format!("balance/{name}"),
                    name: name.clone(),
                    file_type: Some("balance".into()),
                    prefix: Some(date.into()),
                    version: Some(1),
                    sha256: name.clone(),
                    bytes: 1,
                    received_at: format!("{date}T01:00:00Z"),
                })
                .unwrap();
            let d = Decision {
                state: State::Accepted,
                rows: n as u64,
                late: false,
                error_count: 0,
                warning_count: 0,
                decided_at: format!("{date}T01:00:01Z"),
                final_path: format!("balance/processed/{name}"),
            };
            let mut apply = |ap: &mut store::Writing| -> store::Result<()> {
                let layout = ap.layout("balance", &[])?;
                let mut row = Vec::new();
                store::codec::encode_row(layout, &[], &mut row);
                for i in 0..n {
                    let id = format!("b{i:05}");
                    let ty = if date == "2026-03-04" && Some(i) == bad {
                        "savings"
                    } else {
                        "deposit"
                    };
                    ap.balance(&BalanceIn {
                        balance_id: &id,
                        lead_id: false,
                        file_date: date,
                        account_id: Some("a1"),
                        balance_type: Some(ty),
                        status: Some("active"),
                        status_reason: Some("active"),
                        currency: None,
                        settlement_account: None,
                        amounts: &[("balance", "10.50")],
                        row: &row,
                    })?;
                }
                Ok(())
            };
            assert!(s
                .decide_and_apply(id, &d, &mut apply, &mut || Ok(()))
                .unwrap());
        }
        s
    }

    fn run(s: &Db, root: &std::path::Path) -> Result<DaySummary, NightlyError> {
        let date = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        run_day(
            s,
            PartnerTree { name: "p", root },
            date,
            &NightlyConfig::default(),
        )
    }

    #[test]
    fn a_day_of_many_batches_is_reconciled_whole() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path(), 3000, None);
        let d = run(&s, dir.path()).unwrap();
        assert_eq!((d.balances, d.breaks), (3000, 0));
        let report =
            std::fs::read_to_string(dir.path().join("reports/2026-03-03_daily_balance.csv"))
                .unwrap();
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines.len(), 3001);
        assert_eq!(
            lines[2999],
            "b02998|a1|deposit|active|active||10.50||||||||ok|"
        );
    }

    #[test]
    fn a_row_that_cannot_be_read_fails_the_run_and_writes_no_report() {
        let dir = tempfile::tempdir().unwrap();
        // Past the first batches, so the reading thread is ahead when it fails.
        let s = store(dir.path(), 3000, Some(2500));
        let err = run(&s, dir.path()).unwrap_err();
        assert!(
            matches!(&err, NightlyError::StoredRow { key, message } if key == "b02500" && message.contains("savings")),
            "{err}"
        );
        let reports: Vec<_> = std::fs::read_dir(dir.path().join("reports"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(reports.is_empty(), "{reports:?}");
    }
}
