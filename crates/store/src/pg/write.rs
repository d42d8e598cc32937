//! A file's write transaction on PostgreSQL ([`PgWriteTx`]): its ledger row, its rows and its
//! decision in one transaction, as on SQLite (`crate::write`, `crate::apply`).
