//! Recording a Sales Response's answers against their sales, in the answering file's write
//! transaction (either backend's).

use crate::Result;

/// Records an answer once: a sale answered already is left as it is. (Parameters numbered in
/// the order they appear: SQLite binds `$N` by first appearance.)
const ANSWER: &str = "UPDATE sales SET response = $1, purchasing_entity = $2, \
     reject_reason = $3, answer_file_id = $4 WHERE partner = $5 AND sale_id = $6 \
     AND response IS NULL";

/// A Sales Response row's answer to a sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleAnswer<'a> {
    /// The sale.
    pub sale_id: &'a str,
    /// `accepted` or `rejected`.
    pub response: &'a str,
    /// `purchasing_entity`.
    pub purchasing_entity: Option<&'a str>,
    /// `reject_reason`.
    pub reject_reason: Option<&'a str>,
}

/// What recording an answer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// Recorded against its sale.
    Recorded,
    /// No such sale (a program that does not sell receivables: nothing to record).
    Unknown,
    /// The sale has an answer already (another file's).
    Already,
}

const EXISTS: &str = "SELECT 1 FROM sales WHERE partner = $1 AND sale_id = $2";

impl crate::WriteTx<'_> {
    /// Records an answer in the file's transaction ([`crate::Writing::answer_sale`]).
    pub fn answer_sale(&mut self, a: &SaleAnswer) -> Result<Answered> {
        let n = self
            .conn
            .prepare_cached(ANSWER)?
            .execute(rusqlite::params![
                a.response,
                a.purchasing_entity,
                a.reject_reason,
                self.file_id,
                self.partner,
                a.sale_id,
            ])?;
        if n == 1 {
            return Ok(Answered::Recorded);
        }
        let known = self
            .conn
            .prepare_cached(EXISTS)?
            .exists(rusqlite::params![self.partner, a.sale_id])?;
        Ok(if known {
            Answered::Already
        } else {
            Answered::Unknown
        })
    }
}

impl crate::pg::PgWriteTx<'_> {
    /// Records an answer in the file's transaction ([`crate::Writing::answer_sale`]).
    pub fn answer_sale(&mut self, a: &SaleAnswer) -> Result<Answered> {
        let (partner, file_id) = (self.partner().to_string(), self.file_id());
        let n = self.c().execute(
            ANSWER,
            &[
                &a.response,
                &a.purchasing_entity,
                &a.reject_reason,
                &file_id,
                &partner,
                &a.sale_id,
            ],
        )?;
        if n == 1 {
            return Ok(Answered::Recorded);
        }
        let known = self
            .c()
            .query_opt(EXISTS, &[&partner, &a.sale_id])?
            .is_some();
        Ok(if known {
            Answered::Already
        } else {
            Answered::Unknown
        })
    }
}
