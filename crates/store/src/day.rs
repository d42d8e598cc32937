//! The balance days: one `balances` row per (partner, file date, balance) with everything the
//! nightly run of that day compares (decision D9; spec 05 §1.2, §3.3/§3.4):
//!
//! * the balance as reported in the balance file of that date (`closing`, NULL when absent);
//! * the amounts it opens from: its row in the latest balance file before that date
//!   (`opening`, NULL when it was not in it — a new balance opens at 0);
//! * the day's activity: the transactions of the transaction file of that date, summed by
//!   (type, money column) (`activity`), so any formula can be evaluated from it.
//!
//! The balance file and the transaction file of a date may be applied in either order; each
//! writes its part. Openings are set when a balance file is applied, for its date and for the
//! next balance file's (a late file between two others changes what the later one opens from).
//! A balance that was open in the file a day opens from but is absent from that day's file gets
//! a row without `closing` (a missing balance, listed by the reconciliation).

use crate::{Result, Store};
use rusqlite::{params, Connection, OptionalExtension};
use std::sync::atomic::{AtomicBool, Ordering};

/// The balance file type.
pub const BALANCE: &str = "balance";
/// The transaction file type.
pub const TRANSACTION: &str = "transaction";
/// The non-posted transaction file type.
pub const NON_POSTED: &str = "non_posted_transaction";

/// The columns of a balance row kept as typed text in `balances` (not in its row blob, nor are the
/// money columns: their exact form is the `closing` blob, nor is `client_balance_id`: it is the
/// row's key when present, [`BALANCE_KEY_COLUMN`]).
pub const BALANCE_TYPED: [&str; 6] = [
    "account_id",
    "type",
    "status",
    "status_reason",
    "currency",
    "client_settlement_bank_account_id",
];
/// The balance column that is the key of a balance's rows when it has a value (else the Lead
/// `id` is), so it is not repeated in the row blob.
pub const BALANCE_KEY_COLUMN: &str = "client_balance_id";
/// The columns of a non-posted transaction kept as typed text in `non_posted` (not in its row
/// blob; its `amount` stays there too, as written, beside the typed sum-able form).
pub const NON_POSTED_TYPED: [&str; 2] = ["transaction_id", "balance_id"];
/// The columns of a transaction kept as typed text in `transactions` (not in its row blob).
pub const TRANSACTION_TYPED: [&str; 5] = [
    "client_transaction_id",
    "balance_id",
    "card_id",
    "effective_at",
    "type",
];

/// The typed money columns of `balances` (spec 05 §4.2), also the one-byte column codes of the
/// amounts blobs.
pub const BALANCE_AMOUNT_COLUMNS: [&str; 8] = [
    "balance",
    "rewards_balance",
    "interest_accrued_balance",
    "dispute_balance",
    "charge_off_balance",
    "past_due_balance",
    "outstanding_principal",
    "outstanding_fees",
];

/// The typed money columns of `transactions` (spec 05 §5.1), also the one-byte column codes of
/// the activity blobs.
pub const TRANSACTION_AMOUNT_COLUMNS: [&str; 7] = [
    "amount",
    "amount_in_usd",
    "principal_amount",
    "fee_amount",
    "interest_amount",
    "rewards_amount",
    "settlement_amount",
];

/// Whether a balance file dated `date` was applied.
pub(crate) fn has_balance_file(c: &Connection, partner: &str, date: &str) -> Result<bool> {
    Ok(c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM balance_days WHERE partner = ?1 AND file_date = ?2)",
    )?
    .query_row(params![partner, date], |r| r.get(0))?)
}

/// Sets the openings of the balance day `date`, and of the next balance day after it.
pub(crate) fn reopen_around(c: &Connection, partner: &str, date: &str) -> Result<()> {
    reopen(c, partner, date)?;
    reopen_next(c, partner, date)
}

/// What a balance opens from: its row in the balance file before.
pub(crate) struct Opening {
    pub amounts: Vec<u8>,
    pub balance_type: Option<String>,
    pub status: Option<String>,
}

/// Whether any row of day `date` is stored.
pub(crate) fn any_row(c: &Connection, partner: &str, date: &str) -> Result<bool> {
    Ok(c.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM balances WHERE partner = ?1 AND file_date = ?2)",
    )?
    .query_row(params![partner, date], |r| r.get(0))?)
}

/// The date of the latest balance file before `date`.
pub(crate) fn balance_file_before(
    c: &Connection,
    partner: &str,
    date: &str,
) -> Result<Option<String>> {
    Ok(c.prepare_cached(
        "SELECT max(file_date) FROM balance_days WHERE partner = ?1 AND file_date < ?2",
    )?
    .query_row(params![partner, date], |r| r.get(0))?)
}

/// Records that a balance file reported balances for `date`.
pub(crate) fn add_balance_day(c: &Connection, partner: &str, date: &str) -> Result<()> {
    c.prepare_cached("INSERT OR IGNORE INTO balance_days(partner, file_date) VALUES (?1, ?2)")?
        .execute(params![partner, date])?;
    Ok(())
}

/// `balance`'s row in the balance file dated `prev`, as an opening.
pub(crate) fn opening_of(
    c: &Connection,
    partner: &str,
    prev: &str,
    balance: &str,
) -> Result<Option<Opening>> {
    Ok(c.prepare_cached(
        "SELECT closing, type, status FROM balances WHERE partner = ?1 AND file_date = ?2 \
             AND balance_key = ?3 AND closing IS NOT NULL",
    )?
    .query_row(params![partner, prev, balance], |r| {
        Ok(Opening {
            amounts: r.get(0)?,
            balance_type: r.get(1)?,
            status: r.get(2)?,
        })
    })
    .optional()?)
}

/// The balances of the file dated `prev` that day `date` has no row for: rows of their own
/// (absent from that day's file: missing, or closed), opening from `prev`.
pub(crate) fn add_missing(
    c: &Connection,
    partner: &str,
    date: &str,
    prev: Option<&str>,
) -> Result<()> {
    let Some(prev) = prev else {
        return Ok(());
    };
    c.prepare_cached(
        "INSERT INTO balances(partner, file_date, balance_key, account_id, settlement_account, currency, \
         id_kind, opening_type, opening_status, opening) \
         SELECT partner, ?2, balance_key, account_id, settlement_account, currency, id_kind, type, status, closing \
         FROM balances AS p WHERE p.partner = ?1 AND p.file_date = ?3 AND p.closing IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM balances AS f WHERE f.partner = ?1 \
         AND f.file_date = ?2 AND f.balance_key = p.balance_key)",
    )?
    .execute(params![partner, date, prev])?;
    Ok(())
}

/// Recomputes the openings of the first balance day after `date`, if there is one (a balance
/// file applied after a later one changes what that one opens from).
pub(crate) fn reopen_next(c: &Connection, partner: &str, date: &str) -> Result<()> {
    let next: Option<String> = c
        .prepare_cached(
            "SELECT min(file_date) FROM balance_days WHERE partner = ?1 AND file_date > ?2",
        )?
        .query_row(params![partner, date], |r| r.get(0))?;
    if let Some(next) = next {
        reopen(c, partner, &next)?;
    }
    Ok(())
}

/// (Re)computes the openings of day `date` from the latest balance file before it.
pub(crate) fn reopen(c: &Connection, partner: &str, date: &str) -> Result<()> {
    let Some(prev) = balance_file_before(c, partner, date)? else {
        // No balance file before it: nothing opens, and nothing ever did (balance files stay).
        return Ok(());
    };
    // Rows that only said "missing" are recomputed; rows with activity keep it.
    c.prepare_cached(
        "DELETE FROM balances WHERE partner = ?1 AND file_date = ?2 AND closing IS NULL AND activity IS NULL",
    )?
    .execute(params![partner, date])?;
    c.prepare_cached(
        "UPDATE balances SET opening = NULL, opening_type = NULL, opening_status = NULL \
         WHERE partner = ?1 AND file_date = ?2 AND opening IS NOT NULL",
    )?
    .execute(params![partner, date])?;
    c.prepare_cached(
        "UPDATE balances AS f SET opening = p.closing, opening_type = p.type, opening_status = p.status \
         FROM balances AS p WHERE f.partner = ?1 AND f.file_date = ?2 AND p.partner = ?1 \
         AND p.file_date = ?3 AND p.balance_key = f.balance_key AND p.closing IS NOT NULL",
    )?
    .execute(params![partner, date, prev])?;
    add_missing(c, partner, date, Some(&prev))
}

/// One balance's day, borrowed from the database row (see the module doc). Decode the blobs
/// with [`crate::codec::for_each_amount`] (against [`BALANCE_AMOUNT_COLUMNS`]) and
/// [`crate::codec::for_each_sum`] (against [`TRANSACTION_AMOUNT_COLUMNS`]), or their `raw`
/// forms. Only what the nightly run compares and reports is read.
#[derive(Debug, Clone, Copy)]
pub struct DayRow<'a> {
    /// The balance id transactions name it by.
    pub balance_id: &'a str,
    /// `account_id` (of the closing row, or of the opening one when it is missing).
    pub account_id: Option<&'a str>,
    /// `currency`.
    pub currency: Option<&'a str>,
    /// Reported `type`, `status`, `status_reason` and amounts; `None` when not reported.
    pub closing: Option<Side<'a>>,
    /// What it opens from; `None` when it was not in the previous balance file.
    pub opening: Option<Side<'a>>,
    /// The day's activity blob.
    pub activity: Option<&'a [u8]>,
}

/// A balance as reported in one file.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// `type`.
    pub balance_type: &'a str,
    /// `status`.
    pub status: &'a str,
    /// `status_reason` (closing side only).
    pub status_reason: &'a str,
    /// The amounts blob.
    pub amounts: &'a [u8],
}

/// A non-posted transaction of a day's snapshot.
#[derive(Debug, Clone, Copy)]
pub struct NonPostedRow<'a> {
    /// Its id.
    pub id: &'a str,
    /// `balance_id`.
    pub balance_id: Option<&'a str>,
    /// `amount`, exact.
    pub amount: Option<rust_decimal::Decimal>,
}

/// Day rows copied out of the database into reused buffers, so that one thread can read the
/// store while another works on the rows it read (a copy costs far less than a row's
/// reconciliation; no allocation per row). Text is copied as bytes and checked as UTF-8 once a
/// batch, when its rows are read back ([`DayBatch::rows`]).
#[derive(Debug, Default)]
pub struct DayBatch {
    text: Vec<u8>,
    blobs: Vec<u8>,
    rows: Vec<BatchRow>,
}

/// Where a row's cells are in a [`DayBatch`]: `(start, end)`, `None` for NULL.
type Span = Option<(usize, usize)>;

/// One row of a [`DayBatch`].
#[derive(Debug, Clone, Copy)]
struct BatchRow {
    /// balance_id, account_id, currency, closing type, status, status_reason, opening type,
    /// status.
    text: [Span; 8],
    /// closing, opening, activity.
    blobs: [Span; 3],
}

/// A batch is handed over when it holds this many rows, or this many bytes: enough that
/// handing batches over costs nothing next to the rows, few enough that memory stays flat.
const BATCH_ROWS: usize = 1024;
const BATCH_BYTES: usize = 1 << 19;

impl DayBatch {
    /// An empty batch.
    pub fn new() -> DayBatch {
        DayBatch::default()
    }

    /// Rows held.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether it holds no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Forgets the rows, keeping the buffers.
    pub fn clear(&mut self) {
        self.text.clear();
        self.blobs.clear();
        self.rows.clear();
    }

    pub(crate) fn is_full(&self) -> bool {
        self.rows.len() >= BATCH_ROWS || self.text.len() + self.blobs.len() >= BATCH_BYTES
    }

    /// Copies a row in: the arguments of `bd_day_row` (the columns [`TEXT_CELLS`] and
    /// [`BLOB_CELLS`] name), text as bytes, unchecked until [`DayBatch::rows`]. A cell of
    /// another SQL type than the store writes is an error.
    fn push_args(&mut self, ctx: &rusqlite::functions::Context) -> Result<()> {
        use rusqlite::types::ValueRef;
        let mut text = [None; 8];
        for (slot, col) in text.iter_mut().zip(TEXT_CELLS) {
            *slot = match ctx.get_raw(col) {
                ValueRef::Null => None,
                ValueRef::Text(b) => Some(copy(&mut self.text, b)),
                _ => return Err(rusqlite::types::FromSqlError::InvalidType.into()),
            };
        }
        let mut blobs = [None; 3];
        for (slot, col) in blobs.iter_mut().zip(BLOB_CELLS) {
            *slot = match ctx.get_raw(col) {
                ValueRef::Null => None,
                ValueRef::Blob(b) => Some(copy(&mut self.blobs, b)),
                _ => return Err(rusqlite::types::FromSqlError::InvalidType.into()),
            };
        }
        self.rows.push(BatchRow { text, blobs });
        Ok(())
    }

    /// Copies a row in from cells read some other way (PostgreSQL): text as bytes, unchecked
    /// until [`DayBatch::rows`], in the order of [`BatchRow`]'s fields.
    pub(crate) fn push(&mut self, text: [Option<&[u8]>; 8], blobs: [Option<&[u8]>; 3]) {
        let text = text.map(|t| t.map(|b| copy(&mut self.text, b)));
        let blobs = blobs.map(|b| b.map(|b| copy(&mut self.blobs, b)));
        self.rows.push(BatchRow { text, blobs });
    }

    /// The rows, in the order read. A row whose text is not UTF-8 (a damaged database) is an
    /// error.
    pub fn rows(&self) -> impl Iterator<Item = Result<DayRow<'_>>> + '_ {
        // One check of the whole buffer: a slice of valid UTF-8 cut at character boundaries is
        // valid, and each field is valid exactly when the buffer is and its ends are boundaries.
        let text = std::str::from_utf8(&self.text).ok();
        self.rows.iter().map(move |r| {
            let mut t: [Option<&str>; 8] = [None; 8];
            for (out, span) in t.iter_mut().zip(r.text) {
                if let Some((a, b)) = span {
                    *out = Some(text.and_then(|s| s.get(a..b)).ok_or_else(|| {
                        crate::Error::Damaged {
                            what: "day row text",
                            key: String::from_utf8_lossy(
                                r.text[0].map_or(&[][..], |(a, b)| &self.text[a..b]),
                            )
                            .into_owned(),
                        }
                    })?);
                }
            }
            let blob = |i: usize| r.blobs[i].map(|(a, b)| &self.blobs[a..b]);
            Ok(DayRow {
                balance_id: t[0].unwrap_or(""),
                account_id: t[1],
                currency: t[2],
                closing: blob(0).map(|amounts| Side {
                    balance_type: t[3].unwrap_or(""),
                    status: t[4].unwrap_or(""),
                    status_reason: t[5].unwrap_or(""),
                    amounts,
                }),
                opening: blob(1).map(|amounts| Side {
                    balance_type: t[6].unwrap_or(""),
                    status: t[7].unwrap_or(""),
                    status_reason: "",
                    amounts,
                }),
                activity: blob(2),
            })
        })
    }
}

/// The batch `bd_day_row` copies the rows of a day query into as SQLite steps through them, while
/// registered on a reader's connection (until dropped).
///
/// Why a function: it reads each row's cells as SQLite hands them to it, where fetching the
/// result columns one by one costs four library calls a cell (checked index, type, pointer,
/// length, each also entering and leaving the connection's mutex): a third of reading the day.
struct RowsTo<'c> {
    conn: &'c rusqlite::Connection,
    shared: std::sync::Arc<Shared>,
    /// Set when the batch is full, so the stepping loop hands it over without taking the lock
    /// at every row.
    full: std::sync::Arc<AtomicBool>,
}

type Shared = std::sync::Mutex<DayBatch>;

impl<'c> RowsTo<'c> {
    fn register(conn: &'c rusqlite::Connection) -> Result<RowsTo<'c>> {
        use rusqlite::functions::FunctionFlags;
        let shared = std::sync::Arc::new(std::sync::Mutex::new(DayBatch::new()));
        let full = std::sync::Arc::new(AtomicBool::new(false));
        let (batch, flag) = (std::sync::Arc::clone(&shared), std::sync::Arc::clone(&full));
        // Not deterministic: SQLite must call it for every row.
        conn.create_scalar_function(DAY_ROW_FN, 11, FunctionFlags::SQLITE_UTF8, move |ctx| {
            let mut b = batch.lock().unwrap_or_else(|p| p.into_inner());
            b.push_args(ctx)
                .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?;
            if b.is_full() {
                flag.store(true, Ordering::Relaxed);
            }
            Ok(None::<i64>)
        })?;
        Ok(RowsTo { conn, shared, full })
    }

    fn batch(&self) -> std::sync::MutexGuard<'_, DayBatch> {
        // A panic while a row was copied leaves at worst a partial row, never handed over.
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for RowsTo<'_> {
    fn drop(&mut self) {
        // Frees the batch the function holds; the connection may go on to other reads.
        let _ = self.conn.remove_function(DAY_ROW_FN, 11);
    }
}

/// The name of [`RowsTo`]'s function.
const DAY_ROW_FN: &str = "bd_day_row";

/// A day's rows one at a time from its batches (`batches` reads them, handing each batch to the
/// function it is given): `each` until it returns `false`; the rows handed to it. Both
/// backends' `day_balances`.
pub(crate) fn rows_of<E: From<crate::Error>>(
    batches: impl FnOnce(
        &mut dyn FnMut(&mut DayBatch) -> std::result::Result<bool, E>,
    ) -> std::result::Result<u64, E>,
    each: &mut dyn FnMut(DayRow) -> std::result::Result<bool, E>,
) -> std::result::Result<u64, E> {
    let mut n = 0;
    batches(&mut |batch| {
        for r in batch.rows() {
            n += 1;
            if !each(r?)? {
                return Ok(false);
            }
        }
        Ok(true)
    })?;
    Ok(n)
}

/// Appends `b` to `buf`, returning where it went.
fn copy(buf: &mut Vec<u8>, b: &[u8]) -> (usize, usize) {
    let start = buf.len();
    buf.extend_from_slice(b);
    (start, buf.len())
}

/// The text cells of a day row, by their index among `bd_day_row`'s arguments in the day
/// queries: balance_key, account_id, currency, type, status, status_reason, opening_type,
/// opening_status.
const TEXT_CELLS: [usize; 8] = [0, 1, 2, 3, 4, 5, 7, 8];
/// Its blobs: closing, opening, activity.
const BLOB_CELLS: [usize; 3] = [6, 9, 10];

impl crate::Reader {
    /// Every balance row of `partner`'s day `file_date` (closing, opening, activity), in
    /// balance id order, to `each` until it returns `false`. Returns the rows read.
    pub fn day_balances<E: From<crate::Error>>(
        &self,
        partner: &str,
        file_date: &str,
        each: &mut dyn FnMut(DayRow) -> std::result::Result<bool, E>,
    ) -> std::result::Result<u64, E> {
        rows_of(|f| self.day_batches(partner, file_date, f), each)
    }

    /// The rows of [`crate::Reader::day_balances`], in batches: `each` gets a full batch (a thousand
    /// rows or so, the last one shorter) until it returns `false`, and may swap it for an empty
    /// one of its own (to work on it on another thread); the batch it leaves is cleared and
    /// filled again. Returns the rows read.
    pub fn day_batches<E: From<crate::Error>>(
        &self,
        partner: &str,
        file_date: &str,
        each: &mut dyn FnMut(&mut DayBatch) -> std::result::Result<bool, E>,
    ) -> std::result::Result<u64, E> {
        let any: bool = self
            .0
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM balances WHERE partner = ?1 AND file_date = ?2)",
            )
            .and_then(|mut st| st.query_row(params![partner, file_date], |r| r.get(0)))
            .map_err(crate::Error::from)?;
        // A day no file of which came (neither its balance nor its transaction file) opens from
        // the last balance file all the same: its balances are then all missing. Both queries
        // give the columns TEXT_CELLS and BLOB_CELLS name.
        let sql = if any {
            "SELECT bd_day_row(balance_key, account_id, currency, type, status, status_reason, closing, \
             opening_type, opening_status, opening, activity) FROM balances \
             WHERE partner = ?1 AND file_date = ?2 ORDER BY balance_key"
        } else {
            "SELECT bd_day_row(balance_key, account_id, currency, NULL, NULL, NULL, NULL, type, status, \
             closing, NULL) FROM balances WHERE partner = ?1 AND file_date = \
             (SELECT max(file_date) FROM balance_days WHERE partner = ?1 AND file_date < ?2) \
             AND closing IS NOT NULL ORDER BY balance_key"
        };
        let rows_to = RowsTo::register(&self.0)?;
        let mut st = self.0.prepare_cached(sql).map_err(crate::Error::from)?;
        let mut rows = st
            .query(params![partner, file_date])
            .map_err(crate::Error::from)?;
        let mut n = 0;
        while rows.next().map_err(crate::Error::from)?.is_some() {
            n += 1;
            if rows_to.full.load(Ordering::Relaxed) {
                rows_to.full.store(false, Ordering::Relaxed);
                let mut batch = rows_to.batch();
                let go_on = each(&mut batch)?;
                batch.clear();
                if !go_on {
                    return Ok(n);
                }
            }
        }
        let mut batch = rows_to.batch();
        if !batch.is_empty() {
            each(&mut batch)?;
        }
        Ok(n)
    }

    /// The date of the non-posted snapshot that holds for `file_date`: the latest accepted
    /// non-posted file dated on or before it (each file is a full snapshot, spec 05 §7.2; a
    /// header-only file is an empty one).
    pub fn non_posted_snapshot_date(
        &self,
        partner: &str,
        file_date: &str,
    ) -> Result<Option<String>> {
        Ok(self
            .0
            .prepare_cached(
                "SELECT max(prefix) FROM files WHERE partner = ?1 AND file_type = 'non_posted_transaction' \
                 AND state = 'accepted' AND length(prefix) = 10 AND prefix <= ?2",
            )?
            .query_row(params![partner, file_date], |r| r.get(0))?)
    }

    /// The rows of the snapshot dated `snapshot_date`, in id order.
    pub fn non_posted(
        &self,
        partner: &str,
        snapshot_date: &str,
        each: &mut dyn FnMut(NonPostedRow),
    ) -> Result<u64> {
        let mut st = self.0.prepare_cached(
            "SELECT id, balance_id, amount FROM non_posted WHERE partner = ?1 AND file_date = ?2 ORDER BY id",
        )?;
        let mut rows = st.query(params![partner, snapshot_date])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            n += 1;
            let id = r.get_ref(0)?.as_str()?;
            each(NonPostedRow {
                id,
                balance_id: r.get_ref(1)?.as_str_or_null()?,
                amount: crate::codec::money_from(r.get_ref(2)?),
            });
        }
        Ok(n)
    }
}

impl Store {
    /// Recomputes every balance day's openings of a partner, oldest first (after an upgrade).
    pub(crate) fn reopen_all(c: &Connection, partner: &str) -> Result<()> {
        let dates: Vec<String> = c
            .prepare("SELECT file_date FROM balance_days WHERE partner = ?1 ORDER BY file_date")?
            .query_map(params![partner], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for d in dates {
            reopen(c, partner, &d)?;
        }
        Ok(())
    }
}
