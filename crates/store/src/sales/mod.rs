//! The Sales Requests written to a partner (spec 04 §3) and the answers its Sales Responses gave
//! (spec 04 §4): each request day once (`sales_requests`, a header-only day too, so writing a
//! day again gives the same file), each sale with the row printed for it (`sales`), and the
//! transactions each sale counted (`sale_items`), so a disbursement is sold once and a movement
//! counted once. Both backends run the same SQL (`$N` parameters).

use crate::Result;

mod answer;
pub use answer::{Answered, SaleAnswer};

/// One sale: a row of a Sales Request, and its answer once a Sales Response gave one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRow {
    /// Partner.
    pub partner: String,
    /// The generated sale id (unique per partner).
    pub sale_id: String,
    /// The request's day (`YYYY-MM-DD`).
    pub sale_date: String,
    /// The balance sold.
    pub balance_id: String,
    /// The 12 fields as printed (JSON array of strings, header order).
    pub fields: String,
    /// `accepted` or `rejected`, once answered.
    pub response: Option<String>,
    /// The ledger id of the Sales Response file that answered it.
    pub answer_file_id: Option<i64>,
}

/// A day's request as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesRequestRow {
    /// Partner.
    pub partner: String,
    /// The day.
    pub sale_date: String,
    /// When it was first generated (RFC 3339).
    pub generated_at: String,
    /// The file, relative to the partner's root.
    pub file: String,
}

/// A sale to record with its day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSale {
    /// The sale id.
    pub sale_id: String,
    /// The balance sold.
    pub balance_id: String,
    /// The 12 printed fields (JSON array of strings).
    pub fields: String,
    /// The transactions it counted (disbursements and movements).
    pub items: Vec<String>,
}

/// The tables, with the integer type of a backend.
macro_rules! sales_ddl {
    ($int:literal) => {
        concat!(
            r#"
CREATE TABLE sales_requests (
    partner TEXT NOT NULL,
    sale_date TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    file TEXT NOT NULL,
    PRIMARY KEY (partner, sale_date)
);
CREATE TABLE sales (
    partner TEXT NOT NULL,
    sale_id TEXT NOT NULL,
    sale_date TEXT NOT NULL,
    balance_id TEXT NOT NULL,
    fields TEXT NOT NULL,
    response TEXT,
    purchasing_entity TEXT,
    reject_reason TEXT,
    answer_file_id "#,
            $int,
            r#",
    PRIMARY KEY (partner, sale_id)
);
CREATE INDEX sales_day ON sales(partner, sale_date);
CREATE TABLE sale_items (
    partner TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    sale_id TEXT NOT NULL,
    PRIMARY KEY (partner, transaction_id)
);
-- The request reads a partner's disbursements and its balances' transactions.
CREATE INDEX transactions_type ON transactions(partner, type);
CREATE INDEX transactions_balance ON transactions(partner, balance_id);
"#
        )
    };
}

/// SQLite's migration (appended to [`crate::MIGRATIONS`]).
pub(crate) const SCHEMA: &str = sales_ddl!("INTEGER");
/// PostgreSQL's (appended to `pg::MIGRATIONS`).
pub(crate) const PG_SCHEMA: &str = sales_ddl!("BIGINT");

const REQUEST: &str = "SELECT partner, sale_date, generated_at, file FROM sales_requests \
     WHERE partner = $1 AND sale_date = $2";
const ADD_REQUEST: &str = "INSERT INTO sales_requests(partner, sale_date, generated_at, file) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
const ADD_SALE: &str = "INSERT INTO sales(partner, sale_id, sale_date, balance_id, fields) \
     VALUES ($1, $2, $3, $4, $5)";
const ADD_ITEM: &str =
    "INSERT INTO sale_items(partner, transaction_id, sale_id) VALUES ($1, $2, $3)";
const SALE_COLUMNS: &str =
    "partner, sale_id, sale_date, balance_id, fields, response, answer_file_id";
/// A partner's disbursements no sale counted yet.
const UNSOLD: &str = "SELECT t.transaction_id FROM transactions t WHERE t.partner = $1 \
     AND t.type = 'disbursement' AND NOT EXISTS (SELECT 1 FROM sale_items s \
     WHERE s.partner = t.partner AND s.transaction_id = t.transaction_id) ORDER BY t.transaction_id";
/// A balance's other transactions no sale counted yet.
const UNCOUNTED: &str = "SELECT t.transaction_id FROM transactions t WHERE t.partner = $1 \
     AND t.balance_id = $2 AND (t.type IS NULL OR t.type <> 'disbursement') AND NOT EXISTS \
     (SELECT 1 FROM sale_items s WHERE s.partner = t.partner AND s.transaction_id = t.transaction_id) \
     ORDER BY t.transaction_id";
fn of_day() -> String {
    format!(
        "SELECT {SALE_COLUMNS} FROM sales WHERE partner = $1 AND sale_date = $2 ORDER BY sale_id"
    )
}

fn unanswered() -> String {
    format!(
        "SELECT {SALE_COLUMNS} FROM sales WHERE partner = $1 AND sale_date <= $2 \
         AND response IS NULL ORDER BY sale_id"
    )
}

fn by_id() -> String {
    format!("SELECT {SALE_COLUMNS} FROM sales WHERE partner = $1 AND sale_id = $2")
}

/// Sales Requests and their answers, on both backends.
pub trait Sales {
    /// The request of `date`, when it was written.
    fn sales_request(&self, partner: &str, date: &str) -> Result<Option<SalesRequestRow>>;
    /// Records a day's request with its sales and their items in one transaction; `false`
    /// (nothing written) when the day was recorded already (by another node meanwhile).
    fn record_sales_request(&self, r: &SalesRequestRow, sales: &[NewSale]) -> Result<bool>;
    /// A day's sales, by sale id.
    fn sales_of_day(&self, partner: &str, date: &str) -> Result<Vec<SaleRow>>;
    /// The sales among `ids` (any order; unknown ids left out).
    fn sales_by_ids(&self, partner: &str, ids: &[String]) -> Result<Vec<SaleRow>>;
    /// The sales of requests dated `through` or earlier not answered yet, by sale id.
    fn unanswered_sales(&self, partner: &str, through: &str) -> Result<Vec<SaleRow>>;
    /// The ids of `partner`'s disbursements not sold yet.
    fn unsold_disbursements(&self, partner: &str) -> Result<Vec<String>>;
    /// The ids of a balance's other transactions no sale counted yet.
    fn uncounted_transactions(&self, partner: &str, balance_id: &str) -> Result<Vec<String>>;
}

fn sqlite_sale(r: &rusqlite::Row) -> rusqlite::Result<SaleRow> {
    Ok(SaleRow {
        partner: r.get(0)?,
        sale_id: r.get(1)?,
        sale_date: r.get(2)?,
        balance_id: r.get(3)?,
        fields: r.get(4)?,
        response: r.get(5)?,
        answer_file_id: r.get(6)?,
    })
}

fn pg_sale(r: &postgres::Row) -> SaleRow {
    SaleRow {
        partner: r.get(0),
        sale_id: r.get(1),
        sale_date: r.get(2),
        balance_id: r.get(3),
        fields: r.get(4),
        response: r.get(5),
        answer_file_id: r.get(6),
    }
}

impl Sales for crate::Store {
    fn sales_request(&self, partner: &str, date: &str) -> Result<Option<SalesRequestRow>> {
        use rusqlite::OptionalExtension;
        let c = self.reader()?;
        let r = c
            .prepare_cached(REQUEST)?
            .query_row(rusqlite::params![partner, date], |r| {
                Ok(SalesRequestRow {
                    partner: r.get(0)?,
                    sale_date: r.get(1)?,
                    generated_at: r.get(2)?,
                    file: r.get(3)?,
                })
            })
            .optional()?;
        Ok(r)
    }

    fn record_sales_request(&self, r: &SalesRequestRow, sales: &[NewSale]) -> Result<bool> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let p = &r.partner;
        let added = tx.execute(
            ADD_REQUEST,
            rusqlite::params![p, r.sale_date, r.generated_at, r.file],
        )?;
        if added == 0 {
            return Ok(false);
        }
        for s in sales {
            tx.execute(
                ADD_SALE,
                rusqlite::params![p, s.sale_id, r.sale_date, s.balance_id, s.fields],
            )?;
            for t in &s.items {
                tx.execute(ADD_ITEM, rusqlite::params![p, t, s.sale_id])?;
            }
        }
        tx.commit()?;
        self.committed();
        Ok(true)
    }

    fn sales_of_day(&self, partner: &str, date: &str) -> Result<Vec<SaleRow>> {
        let c = self.reader()?;
        let mut st = c.prepare_cached(&of_day())?;
        let rows = st.query_map(rusqlite::params![partner, date], sqlite_sale)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn sales_by_ids(&self, partner: &str, ids: &[String]) -> Result<Vec<SaleRow>> {
        use rusqlite::OptionalExtension;
        let c = self.reader()?;
        let mut st = c.prepare_cached(&by_id())?;
        let mut out = Vec::new();
        for id in ids {
            if let Some(s) = st
                .query_row(rusqlite::params![partner, id], sqlite_sale)
                .optional()?
            {
                out.push(s);
            }
        }
        Ok(out)
    }

    fn unanswered_sales(&self, partner: &str, through: &str) -> Result<Vec<SaleRow>> {
        let c = self.reader()?;
        let mut st = c.prepare_cached(&unanswered())?;
        let rows = st.query_map(rusqlite::params![partner, through], sqlite_sale)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn unsold_disbursements(&self, partner: &str) -> Result<Vec<String>> {
        let c = self.reader()?;
        let mut st = c.prepare_cached(UNSOLD)?;
        let rows = st.query_map(rusqlite::params![partner], |r| r.get(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    fn uncounted_transactions(&self, partner: &str, balance_id: &str) -> Result<Vec<String>> {
        let c = self.reader()?;
        let mut st = c.prepare_cached(UNCOUNTED)?;
        let rows = st.query_map(rusqlite::params![partner, balance_id], |r| r.get(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

impl Sales for crate::pg::PgStore {
    fn sales_request(&self, partner: &str, date: &str) -> Result<Option<SalesRequestRow>> {
        let mut c = self.client()?;
        Ok(c.query_opt(REQUEST, &[&partner, &date])?
            .map(|r| SalesRequestRow {
                partner: r.get(0),
                sale_date: r.get(1),
                generated_at: r.get(2),
                file: r.get(3),
            }))
    }

    fn record_sales_request(&self, r: &SalesRequestRow, sales: &[NewSale]) -> Result<bool> {
        let mut c = self.client()?;
        let mut tx = c.transaction()?;
        let p = &r.partner;
        let added = tx.execute(ADD_REQUEST, &[p, &r.sale_date, &r.generated_at, &r.file])?;
        if added == 0 {
            return Ok(false);
        }
        for s in sales {
            tx.execute(
                ADD_SALE,
                &[p, &s.sale_id, &r.sale_date, &s.balance_id, &s.fields],
            )?;
            for t in &s.items {
                tx.execute(ADD_ITEM, &[p, t, &s.sale_id])?;
            }
        }
        tx.commit()?;
        Ok(true)
    }

    fn sales_of_day(&self, partner: &str, date: &str) -> Result<Vec<SaleRow>> {
        let mut c = self.client()?;
        Ok(c.query(&of_day(), &[&partner, &date])?
            .iter()
            .map(pg_sale)
            .collect())
    }

    fn sales_by_ids(&self, partner: &str, ids: &[String]) -> Result<Vec<SaleRow>> {
        let mut c = self.client()?;
        let sql =
            format!("SELECT {SALE_COLUMNS} FROM sales WHERE partner = $1 AND sale_id = ANY($2)");
        Ok(c.query(&sql, &[&partner, &ids])?
            .iter()
            .map(pg_sale)
            .collect())
    }

    fn unanswered_sales(&self, partner: &str, through: &str) -> Result<Vec<SaleRow>> {
        let mut c = self.client()?;
        Ok(c.query(&unanswered(), &[&partner, &through])?
            .iter()
            .map(pg_sale)
            .collect())
    }

    fn unsold_disbursements(&self, partner: &str) -> Result<Vec<String>> {
        let mut c = self.client()?;
        Ok(c.query(UNSOLD, &[&partner])?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn uncounted_transactions(&self, partner: &str, balance_id: &str) -> Result<Vec<String>> {
        let mut c = self.client()?;
        Ok(c.query(UNCOUNTED, &[&partner, &balance_id])?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }
}
