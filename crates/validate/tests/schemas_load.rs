//! The shipped schemas load and pass the loader's checks (spec 00 rule 4: schemas are data).

use std::path::PathBuf;
use validate::schema::Schemas;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

#[test]
fn every_file_type_loads() {
    let s = Schemas::load_dir(&dir()).unwrap_or_else(|e| panic!("{e}"));
    let types: Vec<&str> = s.iter().map(|s| s.file_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "account",
            "application",
            "authorized_user",
            "card",
            "collateral",
            "customer",
            "customer_relationship",
            "balance",
            "non_posted_transaction",
            "sales_response",
            "transaction",
            "transaction_update"
        ]
        .iter()
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );
    assert_eq!(s.refdata.minor_units("USD"), Some(2));
    assert_eq!(s.refdata.minor_units("JPY"), Some(0));
    assert!(s.refdata.is_country("DE") && s.refdata.is_state("TX"));
    assert!(s.get("beneficial_owner").is_some());
}
