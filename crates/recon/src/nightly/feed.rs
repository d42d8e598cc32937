//! Streaming store rows into the iterator-taking reconciliation: a helper thread runs the store's
//! callback reads and sends rows through a bounded channel, so neither side holds a whole table.

use std::cell::RefCell;
use std::iter::Peekable;
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

/// Consumer side: rows in phases (0, 1, 2, … in the order the producer sends them).
pub(crate) struct Phases {
    rx: RefCell<Peekable<IntoIter<(u8, Item)>>>,
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

/// Runs `produce` on a helper thread and `consume` here, connected by a bounded channel. The
/// producer's error wins over the consumer's result (a short read makes the result meaningless).
pub(crate) fn pipe<R>(
    produce: impl FnOnce(Send) -> Result<(), NightlyError> + std::marker::Send,
    consume: impl FnOnce(&Phases) -> R,
) -> Result<R, NightlyError> {
    let (tx, rx) = sync_channel::<(u8, Item)>(1024);
    std::thread::scope(|s| {
        let worker = s.spawn(move || {
            let mut send = |p: u8, i: Item| tx.send((p, i)).is_ok();
            produce(&mut send)?;
            send(u8::MAX, Item::End);
            Ok(())
        });
        let phases = Phases {
            rx: RefCell::new(rx.into_iter().peekable()),
        };
        let out = consume(&phases);
        // Dropping the receiver makes a producer still sending stop.
        drop(phases);
        let produced: Result<(), NightlyError> = worker.join().map_err(|_| NightlyError::Worker)?;
        produced.map(|()| out)
    })
}

/// A stored row (a JSON object of strings or nulls by column name) as [`Cells`].
pub(crate) struct JsonCells(pub Map<String, Value>);

impl JsonCells {
    /// Parses a stored row.
    pub(crate) fn parse(key: &str, data: &str) -> Result<JsonCells, NightlyError> {
        match serde_json::from_str(data) {
            Ok(Value::Object(m)) => Ok(JsonCells(m)),
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

impl Cells for JsonCells {
    fn cell(&self, column: &str) -> Option<&str> {
        // A JSON null is D2's null: no value.
        self.0.get(column).and_then(Value::as_str)
    }
}
