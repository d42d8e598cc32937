//! Recording a Sales Response's answers against their sales, in the file's write transaction.

use store::{Answered, SaleAnswer, Writing};

/// Records the answer of one accepted Sales Response row (`sale_id` = `key`). In a program that
/// sells receivables the file's checks found the sale unanswered; if another file answered it
/// since (two nodes deciding two responses at once), the file fails and is tried again, and its
/// checks then reject the row with `sale_already_answered`. A program that does not sell
/// receivables has no sales: its responses are kept as records only.
pub fn record_answer<'c>(
    key: &str,
    cell: &dyn Fn(&str) -> Option<&'c str>,
    ap: &mut Writing,
) -> store::Result<()> {
    let answer = SaleAnswer {
        sale_id: key,
        response: cell("response").unwrap_or_default(),
        purchasing_entity: cell("purchasing_entity"),
        reject_reason: cell("reject_reason"),
    };
    match ap.answer_sale(&answer)? {
        Answered::Recorded | Answered::Unknown => Ok(()),
        Answered::Already => Err(store::Error::Apply(format!(
            "sale `{key}` was answered by another file meanwhile"
        ))),
    }
}
