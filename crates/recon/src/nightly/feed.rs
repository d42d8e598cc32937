//! Streaming store rows into the iterator-taking reconciliation: a helper thread runs the store's
//! callback reads and sends rows through a bounded channel, so neither side holds a whole table.

use std::cell::RefCell;
use std::collections::HashMap;
use std::iter::{Flatten, Peekable};
use std::sync::mpsc::{sync_channel, IntoIter};

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::NightlyError;
use crate::model::{BalanceRow, Cells, TransactionRow};

/// A row handed from the store thread to the consumer.
pub(crate) enum Item {
    Balance(BalanceRow),
    Tx(TransactionRow),
    Amount(Decimal),
    /// Sent once after the last row: the read finished without error.
    End,
}

/// The consumer's end of the channel: batches flattened back into rows.
type Rows = Peekable<Flatten<IntoIter<Vec<(u8, Item)>>>>;

/// Consumer side: rows in phases (0, 1, 2, … in the order the producer sends them).
pub(crate) struct Phases {
    rx: RefCell<Rows>,
}

/// The producer's `send`: returns false once the consumer is gone.
pub(crate) type Send<'a> = &'a mut dyn FnMut(u8, Item) -> bool;

impl Phases {
    /// The rows of `phase`, until the producer moves to the next phase or stops.
    fn next_in(&self, phase: u8) -> Option<Item> {
        let mut rx = self.rx.borrow_mut();
        match rx.peek() {
            Some((p, item)) if *p == phase && !matches!(item, Item::End) => {
                rx.next().map(|(_, i)| i)
            }
            _ => None,
        }
    }

    /// The balance rows of `phase`.
    pub(crate) fn balances(&self, phase: u8) -> impl Iterator<Item = BalanceRow> + '_ {
        std::iter::from_fn(move || match self.next_in(phase)? {
            Item::Balance(b) => Some(b),
            _ => None,
        })
    }

    /// The transaction rows of `phase`.
    pub(crate) fn transactions(&self, phase: u8) -> impl Iterator<Item = TransactionRow> + '_ {
        std::iter::from_fn(move || match self.next_in(phase)? {
            Item::Tx(t) => Some(t),
            _ => None,
        })
    }

    /// The amounts of `phase`.
    pub(crate) fn amounts(&self, phase: u8) -> impl Iterator<Item = Decimal> + '_ {
        std::iter::from_fn(move || match self.next_in(phase)? {
            Item::Amount(a) => Some(a),
            _ => None,
        })
    }

    /// Drains what is left; true when the producer read everything without error. A report is
    /// only renamed into place when this holds, so a failed read never replaces a good file.
    pub(crate) fn complete(&self) -> bool {
        self.rx
            .borrow_mut()
            .by_ref()
            .any(|(_, i)| matches!(i, Item::End))
    }
}

/// Rows per channel message: one wake-up of the consumer per batch, not per row.
const BATCH: usize = 512;

/// Runs `produce` on a helper thread and `consume` here, connected by a bounded channel of row
/// batches. The producer's error wins over the consumer's result (a short read makes the result
/// meaningless).
pub(crate) fn pipe<R>(
    produce: impl FnOnce(Send) -> Result<(), NightlyError> + std::marker::Send,
    consume: impl FnOnce(&Phases) -> R,
) -> Result<R, NightlyError> {
    let (tx, rx) = sync_channel::<Vec<(u8, Item)>>(8);
    std::thread::scope(|s| {
        let worker = s.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let mut send = |p: u8, i: Item| {
                batch.push((p, i));
                batch.len() < BATCH
                    || tx
                        .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                        .is_ok()
            };
            produce(&mut send)?;
            send(u8::MAX, Item::End);
            let _ = tx.send(batch);
            Ok(())
        });
        let phases = Phases {
            rx: RefCell::new(rx.into_iter().flatten().peekable()),
        };
        let out = consume(&phases);
        // Dropping the receiver makes a producer still sending stop.
        drop(phases);
        let produced: Result<(), NightlyError> = worker.join().map_err(|_| NightlyError::Worker)?;
        produced.map(|()| out)
    })
}

/// A stored row (a JSON object of strings or nulls by column name) as [`Cells`], borrowing the
/// stored text where it can: one small map a row instead of a `String` and a `Value` a cell.
pub(crate) enum JsonCells<'a> {
    /// No escapes in the row: cells point into the stored text.
    Borrowed(HashMap<&'a str, Option<&'a str>>),
    /// A value with escapes (`\"`, `\u00e9`): decoded.
    Owned(Map<String, Value>),
}

impl<'a> JsonCells<'a> {
    /// Parses a stored row.
    pub(crate) fn parse(key: &str, data: &'a str) -> Result<JsonCells<'a>, NightlyError> {
        if let Ok(m) = serde_json::from_str::<HashMap<&'a str, Option<&'a str>>>(data) {
            return Ok(JsonCells::Borrowed(m));
        }
        match serde_json::from_str(data) {
            Ok(Value::Object(m)) => Ok(JsonCells::Owned(m)),
            Ok(_) => Err(NightlyError::StoredRow {
                key: key.to_string(),
                message: "not a JSON object".into(),
            }),
            Err(e) => Err(NightlyError::StoredRow {
                key: key.to_string(),
                message: e.to_string(),
            }),
        }
    }
}

impl Cells for JsonCells<'_> {
    fn cell(&self, column: &str) -> Option<&str> {
        // A JSON null is D2's null: no value.
        match self {
            JsonCells::Borrowed(m) => m.get(column).copied().flatten(),
            JsonCells::Owned(m) => m.get(column).and_then(Value::as_str),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_with_and_without_escapes_read_the_same() {
        let plain = JsonCells::parse("k", r#"{"a":"x","b":null}"#).unwrap();
        assert!(matches!(plain, JsonCells::Borrowed(_)));
        assert_eq!(
            (plain.cell("a"), plain.cell("b"), plain.cell("c")),
            (Some("x"), None, None)
        );
        let escaped = JsonCells::parse("k", r#"{"a":"caf\u00e9 \"x\"","b":null}"#).unwrap();
        assert!(matches!(escaped, JsonCells::Owned(_)));
        assert_eq!(escaped.cell("a"), Some("café \"x\""));
        assert_eq!(escaped.cell("b"), None);
        assert!(JsonCells::parse("k", "[1]").is_err());
        assert!(JsonCells::parse("k", "{").is_err());
    }

    #[test]
    fn every_row_arrives_in_order_across_batches() {
        let n = BATCH * 3 + 7;
        let got = pipe(
            |send| {
                for i in 0..n {
                    send(0, Item::Amount(Decimal::from(i)));
                }
                send(1, Item::Amount(Decimal::from(-1)));
                Ok(())
            },
            |p| {
                let first: Vec<Decimal> = p.amounts(0).collect();
                let second: Vec<Decimal> = p.amounts(1).collect();
                (first, second, p.complete())
            },
        )
        .unwrap();
        assert_eq!(got.0, (0..n).map(Decimal::from).collect::<Vec<_>>());
        assert_eq!(got.1, vec![Decimal::from(-1)]);
        assert!(got.2);
    }
}
