//! The accepted records on PostgreSQL: the same tables as SQLite's schema 7
//! (`docs/ARCHITECTURE.md`), typed the way PostgreSQL is good at. Money is `NUMERIC`: exact,
//! summable, and it keeps the scale it was written with, so an amount reads back as written
//! without SQLite's `@scale` cell. Blobs (`BYTEA`) are in the same codec as SQLite's, so the
//! nightly run's readers serve both. Dates and timestamps are `TEXT` as written: PostgreSQL
//! has no column of mixed type, and nothing here sorts them but as ISO text.

/// The data tables (a migration of [`super::MIGRATIONS`]). The backend can be chosen by
/// configuration now: a change to them is a new migration, never an edit of this one.
pub(crate) const DATA: &str = r#"
CREATE TABLE registry (
    partner TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    account_id TEXT,
    created_on TEXT NOT NULL,
    PRIMARY KEY (partner, kind, id)
);
CREATE TABLE record_refs (
    partner TEXT NOT NULL,
    file_type TEXT NOT NULL,
    ref_id TEXT NOT NULL,
    record_key TEXT NOT NULL,
    PRIMARY KEY (partner, file_type, ref_id)
);
CREATE TABLE layouts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_type TEXT NOT NULL,
    columns TEXT NOT NULL,
    UNIQUE (file_type, columns)
);
CREATE TABLE records (
    partner TEXT NOT NULL,
    file_type TEXT NOT NULL,
    record_key TEXT NOT NULL,
    file_id BIGINT NOT NULL,
    row BYTEA NOT NULL,
    PRIMARY KEY (partner, file_type, record_key)
);
CREATE TABLE balances (
    partner TEXT NOT NULL,
    file_date TEXT NOT NULL,
    balance_key TEXT NOT NULL,
    file_id BIGINT,
    account_id TEXT,
    settlement_account TEXT,
    currency TEXT,
    id_kind INTEGER,
    type TEXT,
    status TEXT,
    status_reason TEXT,
    balance NUMERIC,
    rewards_balance NUMERIC,
    interest_accrued_balance NUMERIC,
    dispute_balance NUMERIC,
    charge_off_balance NUMERIC,
    past_due_balance NUMERIC,
    outstanding_principal NUMERIC,
    outstanding_fees NUMERIC,
    row BYTEA,
    closing BYTEA,
    opening_type TEXT,
    opening_status TEXT,
    opening BYTEA,
    activity BYTEA,
    PRIMARY KEY (partner, file_date, balance_key)
);
CREATE INDEX balances_by_key ON balances(partner, balance_key, file_date)
    WHERE closing IS NOT NULL;
CREATE TABLE balance_days (
    partner TEXT NOT NULL,
    file_date TEXT NOT NULL,
    PRIMARY KEY (partner, file_date)
);
CREATE TABLE transactions (
    partner TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    balance_id TEXT,
    card_id TEXT,
    file_date TEXT,
    effective_at TEXT,
    type TEXT,
    amount NUMERIC,
    amount_in_usd NUMERIC,
    principal_amount NUMERIC,
    fee_amount NUMERIC,
    interest_amount NUMERIC,
    rewards_amount NUMERIC,
    settlement_amount NUMERIC,
    file_id BIGINT NOT NULL,
    row BYTEA NOT NULL,
    PRIMARY KEY (partner, transaction_id)
);
CREATE TABLE non_posted (
    partner TEXT NOT NULL,
    file_date TEXT NOT NULL,
    id TEXT NOT NULL,
    balance_id TEXT,
    amount NUMERIC,
    file_id BIGINT NOT NULL,
    row BYTEA NOT NULL,
    PRIMARY KEY (partner, file_date, id)
);
CREATE TABLE record_states (
    partner TEXT NOT NULL,
    file_type TEXT NOT NULL,
    record_key TEXT NOT NULL,
    file_id BIGINT NOT NULL,
    file_date TEXT,
    state TEXT NOT NULL,
    effective_at TEXT,
    PRIMARY KEY (partner, file_type, record_key, file_id)
);
CREATE TABLE ach_entries (
    file_id BIGINT NOT NULL,
    line BIGINT NOT NULL,
    partner TEXT NOT NULL,
    trace TEXT NOT NULL,
    data TEXT NOT NULL,
    settlement_date TEXT,
    PRIMARY KEY (file_id, line)
);
CREATE INDEX ach_entries_settled ON ach_entries(partner, settlement_date);
"#;
