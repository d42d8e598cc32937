//! The daily activity report in the bank's fields (spec 06 §10): one line per posted
//! transaction on the program's bank account(s), ACH posting 1:1 (the new core, spec 06 §10.1).

use std::borrow::Borrow;
use std::io::Write;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::ach_cash_recon::{AchSettlement, EntryDirection, SettlementType};
use super::csv::write_record;
use super::format::BankReportFormat;
use crate::error::Error;
use crate::money;

/// The report's columns: the field names of spec 06 §10.2, in its order.
pub const ACTIVITY_COLUMNS: [&str; 10] = [
    "ACCOUNT_NUMBER",
    "TRANSACTION_DATE",
    "POSTED_DATE",
    "DESCRIPTION",
    "DEBIT_AMOUNT",
    "CREDIT_AMOUNT",
    "TRANSACTION_CODE",
    "CHECK_NUMBER",
    "COMPANY_ID",
    "SEC_CODE",
];

/// One line of the daily activity report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityLine {
    /// `ACCOUNT_NUMBER`.
    pub account_number: String,
    /// `TRANSACTION_DATE`: the effective date (written `YYYY-MM-DDTHH:MM:SS`, no zone, as the
    /// page's example `2026-09-12T00:00:00`).
    pub transaction_date: NaiveDateTime,
    /// `POSTED_DATE`: when the balance was affected.
    pub posted_date: NaiveDateTime,
    /// `DESCRIPTION`.
    pub description: String,
    /// Which of `DEBIT_AMOUNT` / `CREDIT_AMOUNT` carries the amount: the movement on the account
    /// the line belongs to (spec 06 §10.2).
    pub direction: EntryDirection,
    /// The amount in dollars, positive; written without padding (`25`, `24.6`) as the page's
    /// examples are.
    pub amount: Decimal,
    /// `TRANSACTION_CODE` (spec 06 §10.3); empty when unknown.
    pub transaction_code: Option<u16>,
    /// `CHECK_NUMBER`; `None` is written `0`, as the page's example shows for non-check lines.
    pub check_number: Option<u64>,
    /// `COMPANY_ID`: only for received ACH.
    pub company_id: Option<String>,
    /// `SEC_CODE`: only for received ACH.
    pub sec_code: Option<String>,
}

/// `TRANSACTION_CODE`s used for ACH lines. Only two ACH codes are seen in spec 06 §10.3 (14 ACH
/// Debit Origination, 26 ACH Credit Received); the others are NOT SEEN and default to none,
/// which leaves the cell empty until the bank confirms them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActivityCodes {
    /// An originated debit entry settled. Default 14 (spec 06 §10.3).
    pub outgoing_debit: Option<u16>,
    /// An originated credit entry settled. NOT SEEN.
    pub outgoing_credit: Option<u16>,
    /// A received debit entry settled. NOT SEEN.
    pub incoming_debit: Option<u16>,
    /// A received credit entry settled. Default 26 (spec 06 §10.3).
    pub incoming_credit: Option<u16>,
    /// A return, dishonored or contested return settled. NOT SEEN (12 is the return item *fee*).
    pub returns: Option<u16>,
}

impl Default for ActivityCodes {
    fn default() -> Self {
        ActivityCodes {
            outgoing_debit: Some(14),
            outgoing_credit: None,
            incoming_debit: None,
            incoming_credit: Some(26),
            returns: None,
        }
    }
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_time(chrono::NaiveTime::MIN)
}

impl ActivityLine {
    /// The line of a settled ACH entry, posted 1:1 (spec 06 §10.1). Dates: `TRANSACTION_DATE` is
    /// the batch's effective date and `POSTED_DATE` the settlement date, both at midnight
    /// (bankdrop has no posting times). `DESCRIPTION` (format NOT SEEN for 1:1 lines) follows
    /// the seen aggregate wording: `ACH <OUTGOING|INCOMING|RETURN|…> <CREDIT|DEBIT> <company
    /// name> <statement descriptor> <trace number>`. `COMPANY_ID` and `SEC_CODE` are filled for
    /// received entries only (spec 06 §10.2).
    pub fn from_ach(entry: &AchSettlement, codes: &ActivityCodes) -> Result<ActivityLine, Error> {
        let kind = match (entry.settlement_type, entry.received) {
            (SettlementType::Origination, false) => "OUTGOING",
            (SettlementType::Origination, true) => "INCOMING",
            (SettlementType::Return, _) => "RETURN",
            (SettlementType::DishonoredReturn, _) => "DISHONORED RETURN",
            (SettlementType::ContestedReturn, _) => "CONTESTED RETURN",
        };
        let description = [
            "ACH",
            kind,
            entry.direction.as_str(),
            entry.company_name.trim(),
            entry.statement_descriptor.trim(),
            entry.trace_number.trim(),
        ]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
        let code = match (entry.settlement_type, entry.received, entry.direction) {
            (SettlementType::Origination, false, EntryDirection::Debit) => codes.outgoing_debit,
            (SettlementType::Origination, false, EntryDirection::Credit) => codes.outgoing_credit,
            (SettlementType::Origination, true, EntryDirection::Debit) => codes.incoming_debit,
            (SettlementType::Origination, true, EntryDirection::Credit) => codes.incoming_credit,
            _ => codes.returns,
        };
        let received = |s: &str| (entry.received && !s.is_empty()).then(|| s.to_string());
        Ok(ActivityLine {
            account_number: entry.bank_account_number.clone(),
            transaction_date: midnight(entry.effective_date),
            posted_date: midnight(entry.settlement_date),
            description,
            direction: entry.account_direction(),
            amount: entry.amount()?,
            transaction_code: code,
            check_number: None,
            company_id: received(&entry.company_id),
            sec_code: received(&entry.sec_code),
        })
    }
}

/// Writes the daily activity report for calendar day `date`: the lines whose `posted_date` falls
/// on `date` (others are skipped), ordered by posted time, account number, transaction time,
/// description and amount so that the bytes do not depend on the input order. Header only when
/// nothing posted. Returns the lines written.
pub fn write_daily_activity<W, L>(
    w: &mut W,
    date: NaiveDate,
    lines: impl IntoIterator<Item = L>,
    format: &BankReportFormat,
) -> Result<usize, Error>
where
    W: Write + ?Sized,
    L: Borrow<ActivityLine>,
{
    let dialect = format.dialect()?;
    let mut rows: Vec<L> = lines
        .into_iter()
        .filter(|l| l.borrow().posted_date.date() == date)
        .collect();
    rows.sort_by(|a, b| {
        let (a, b) = (a.borrow(), b.borrow());
        (
            a.posted_date,
            &a.account_number,
            a.transaction_date,
            &a.description,
            a.direction,
            a.amount,
        )
            .cmp(&(
                b.posted_date,
                &b.account_number,
                b.transaction_date,
                &b.description,
                b.direction,
                b.amount,
            ))
    });
    write_record(w, &dialect, ACTIVITY_COLUMNS)?;
    const STAMP: &str = "%Y-%m-%dT%H:%M:%S";
    for l in &rows {
        let l = l.borrow();
        let amount = money::fmt(l.amount.normalize());
        let (debit, credit) = match l.direction {
            EntryDirection::Debit => (amount.as_str(), ""),
            EntryDirection::Credit => ("", amount.as_str()),
        };
        let tx_date = l.transaction_date.format(STAMP).to_string();
        let posted = l.posted_date.format(STAMP).to_string();
        let code = l
            .transaction_code
            .map(|c| c.to_string())
            .unwrap_or_default();
        let check = l.check_number.unwrap_or(0).to_string();
        write_record(
            w,
            &dialect,
            [
                l.account_number.as_str(),
                &tx_date,
                &posted,
                &l.description,
                debit,
                credit,
                &code,
                &check,
                l.company_id.as_deref().unwrap_or(""),
                l.sec_code.as_deref().unwrap_or(""),
            ],
        )?;
    }
    Ok(rows.len())
}
