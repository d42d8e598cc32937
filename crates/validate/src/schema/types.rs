//! The names of the file types (decision D5) that code depends on, written once. The schemas in
//! `schemas/*.toml` are the source of each type's columns; these are only their names, checked
//! against the built-in schema set by a test.

/// `customer` (spec 02 §4).
pub const CUSTOMER: &str = "customer";
/// `customer_relationship` (spec 02 §4.4).
pub const CUSTOMER_RELATIONSHIP: &str = "customer_relationship";
/// `application` (spec 03).
pub const APPLICATION: &str = "application";
/// `account` (spec 03).
pub const ACCOUNT: &str = "account";
/// `authorized_user` (spec 04).
pub const AUTHORIZED_USER: &str = "authorized_user";
/// `collateral` (spec 04).
pub const COLLATERAL: &str = "collateral";
/// `card` (spec 04).
pub const CARD: &str = "card";
/// `balance` (spec 05 §2).
pub const BALANCE: &str = "balance";
/// `transaction` (spec 05 §5).
pub const TRANSACTION: &str = "transaction";
/// `transaction_update` (spec 05 §8).
pub const TRANSACTION_UPDATE: &str = "transaction_update";
/// `non_posted_transaction` (spec 05 §7).
pub const NON_POSTED_TRANSACTION: &str = "non_posted_transaction";
/// `sales_response` (spec 03).
pub const SALES_RESPONSE: &str = "sales_response";
/// Outgoing Nacha files (spec 06 §1.4): not a schema of `schemas/`, validated by `nacha`.
pub const OUTGOING_ACH: &str = "outgoing_ach";

/// Every CSV file type, in the D7 processing order.
pub const CSV_TYPES: [&str; 12] = [
    CUSTOMER,
    CUSTOMER_RELATIONSHIP,
    APPLICATION,
    ACCOUNT,
    CARD,
    AUTHORIZED_USER,
    COLLATERAL,
    BALANCE,
    TRANSACTION,
    TRANSACTION_UPDATE,
    NON_POSTED_TRANSACTION,
    SALES_RESPONSE,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schemas;

    #[test]
    fn every_named_type_is_a_built_in_schema_and_every_schema_is_named() {
        let s = Schemas::builtin().unwrap();
        for t in CSV_TYPES {
            assert!(s.get(t).is_some(), "{t} has no schema");
        }
        for schema in s.iter() {
            assert!(
                CSV_TYPES.contains(&schema.file_type.as_str()),
                "{}",
                schema.file_type
            );
        }
        assert!(s.get(OUTGOING_ACH).is_none());
    }
}
