//! The schemas shipped with bankdrop, compiled in so the binary works from any directory.

use super::{SchemaError, Schemas};

macro_rules! files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../../schemas/", $name)))),*]
    };
}

/// `(file name, text)` of every shipped schema and reference list.
pub const BUILTIN: &[(&str, &str)] = files!(
    "customer.toml",
    "customer_relationship.toml",
    "application.toml",
    "account.toml",
    "authorized_user.toml",
    "collateral.toml",
    "card.toml",
    "balance.toml",
    "transaction.toml",
    "transaction_update.toml",
    "non_posted_transaction.toml",
    "sales_response.toml",
    "currencies.csv",
    "countries.csv",
    "us_states.csv",
    "document_types.csv",
);

impl Schemas {
    /// The schemas compiled into this build (the repository's `schemas/` at build time).
    pub fn builtin() -> Result<Schemas, SchemaError> {
        Schemas::from_sources(BUILTIN.iter().copied())
    }
}
