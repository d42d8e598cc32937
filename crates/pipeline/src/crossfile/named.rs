//! Columns of the records a row names (by their type's `ref_ids`), each record fetched once per
//! file for every rule that reads it: a file names few accounts, balances or customers many
//! times, and several rules read the same balance (its status, its account, its type).

use std::cell::RefCell;
use std::collections::HashMap;
use store::Snapshot;

/// Named records remembered before the cache is cleared (bounds memory on huge files).
const CACHE_LIMIT: usize = 100_000;

/// The named records of one file's checks: which columns the rules read of each type, and
/// those columns of each record fetched so far. Shared by the passes through their `Ctx`.
#[derive(Default)]
pub(crate) struct RecordCache {
    inner: RefCell<Inner>,
    /// Whether each key of the batch being checked is stored for the file's own type, as the
    /// updates pass fetched them (so that another pass need not fetch them again).
    own: RefCell<HashMap<String, bool>>,
}

#[derive(Default)]
struct Inner {
    /// Per file type: the columns some rule reads, in the order of the cached values.
    wanted: HashMap<String, Vec<String>>,
    /// Per (file type, id): the wanted columns' values, or `None` when no such record is
    /// stored (which `unknown_reference` covers).
    records: HashMap<(String, String), Option<Vec<Option<String>>>>,
}

impl RecordCache {
    /// Starts a batch of the file's own records: `stored` says which keys are stored.
    pub(super) fn own_batch<'k>(&self, stored: impl Iterator<Item = (&'k str, bool)>) {
        let mut own = self.own.borrow_mut();
        own.clear();
        own.extend(stored.map(|(k, s)| (k.to_string(), s)));
    }

    /// Whether a record of the file's own type is stored under `key`: from the batch's fetch,
    /// else one existence lookup (no decoding).
    pub(super) fn own_stored(
        &self,
        reader: &Snapshot,
        partner: &str,
        file_type: &str,
        key: &str,
    ) -> store::Result<bool> {
        if let Some(s) = self.own.borrow().get(key) {
            return Ok(*s);
        }
        Ok(reader.find_ref(partner, file_type, key)?.as_deref() == Some(key))
    }

    /// Registers that a rule reads `column` of `to` records; its index among the cached
    /// values. Called while the passes are built, before any row is checked.
    fn want(&self, to: &str, column: &str) -> usize {
        let mut inner = self.inner.borrow_mut();
        let cols = inner.wanted.entry(to.to_string()).or_default();
        match cols.iter().position(|c| c == column) {
            Some(i) => i,
            None => {
                cols.push(column.to_string());
                cols.len() - 1
            }
        }
    }

    /// Column `index` of the `to` record `id` names.
    fn get(
        &self,
        reader: &Snapshot,
        partner: &str,
        to: &str,
        id: &str,
        index: usize,
    ) -> store::Result<Option<String>> {
        let key = (to.to_string(), id.to_string());
        if let Some(r) = self.inner.borrow().records.get(&key) {
            return Ok(r.as_ref().and_then(|v| v[index].clone()));
        }
        let values = fetch(reader, partner, to, id, &self.inner.borrow().wanted[to])?;
        let mut inner = self.inner.borrow_mut();
        let value = values.as_ref().and_then(|v| v[index].clone());
        if inner.records.len() >= CACHE_LIMIT {
            inner.records.clear();
        }
        inner.records.insert(key, values);
        Ok(value)
    }
}

/// One column of the records a row names, or, `via` a column of those, of the records they
/// name in turn (a transaction's balance's account).
pub(super) struct NamedColumn {
    /// Each step: the type looked up and the index of the column read of it.
    steps: Vec<(String, usize)>,
}

impl NamedColumn {
    /// The lookup of `column` on `to` records, or on the `via_to` records that `via_column`
    /// of the `to` records names.
    pub(super) fn new(
        cache: &RecordCache,
        to: &str,
        column: &str,
        via: Option<(&str, &str)>,
    ) -> NamedColumn {
        let steps = match via {
            None => vec![(to.to_string(), cache.want(to, column))],
            Some((via_column, via_to)) => vec![
                (to.to_string(), cache.want(to, via_column)),
                (via_to.to_string(), cache.want(via_to, column)),
            ],
        };
        NamedColumn { steps }
    }

    /// The column's value on the record `id` names (through each step).
    pub(super) fn get(
        &self,
        cache: &RecordCache,
        reader: &Snapshot,
        partner: &str,
        id: &str,
    ) -> store::Result<Option<String>> {
        let mut value = id.to_string();
        for (to, index) in &self.steps {
            match cache.get(reader, partner, to, &value, *index)? {
                Some(v) => value = v,
                None => return Ok(None),
            }
        }
        Ok(Some(value))
    }
}

/// The `wanted` columns of the `to` record `id` names. Most rows name a record by its key: one
/// lookup; another of its ids takes two. A balance's typed columns are read without decoding
/// its row.
fn fetch(
    reader: &Snapshot,
    partner: &str,
    to: &str,
    id: &str,
    wanted: &[String],
) -> store::Result<Option<Vec<Option<String>>>> {
    let pick = |get: &dyn Fn(&str) -> Option<String>| wanted.iter().map(|c| get(c)).collect();
    if to == validate::schema::types::BALANCE && wanted.iter().all(|c| store::BalanceState::has(c))
    {
        let state = match reader.balance_state(partner, id)? {
            Some(b) => Some(b),
            None => match reader.find_ref(partner, to, id)? {
                Some(k) if k != id => reader.balance_state(partner, &k)?,
                _ => None,
            },
        };
        return Ok(state.map(|b| pick(&|c| b.get(c).flatten().map(str::to_string))));
    }
    let record = match reader.record(partner, to, id)? {
        Some(r) => Some(r),
        None => match reader.find_ref(partner, to, id)? {
            Some(k) if k != id => reader.record(partner, to, &k)?,
            _ => None,
        },
    };
    Ok(record.map(|r| pick(&|c| r.get(c).map(str::to_string))))
}
