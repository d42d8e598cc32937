//! Row constructors from CSV cells by column name: values, nulls and precise errors.

mod common;

use std::collections::HashMap;

use common::{d, date};
use recon::{
    BalanceIdKind, BalanceRow, BalanceStatus, BalanceType, ReconConfig, RowError, TransactionRow,
};

fn balance_cells() -> HashMap<&'static str, &'static str> {
    HashMap::from([
        ("account_id", "acct_1"),
        ("client_balance_id", "bal_1"),
        ("id", ""),
        ("client_balance_name", "Rainy Day Fund"),
        ("client_settlement_bank_account_id", "fbo_1"),
        ("created_at", "2026-01-01T00:00:00Z"),
        ("status", "inactive"),
        ("status_reason", "frozen"),
        ("type", "deposit"),
        ("balance", "100.500"),
        ("rewards_balance", "null"),
        ("dispute_balance", ""),
        ("charge_off_balance", "0.00"),
    ])
}

#[test]
fn balance_row_from_cells() {
    let cfg = ReconConfig::default();
    let row = BalanceRow::from_cells(&balance_cells(), &cfg).unwrap();
    assert_eq!(row.balance_id, "bal_1");
    assert_eq!(row.id_kind, BalanceIdKind::Client);
    assert_eq!(row.account_id, "acct_1");
    assert_eq!(row.balance_type, BalanceType::Deposit);
    assert_eq!(row.status, BalanceStatus::Inactive);
    assert_eq!(row.status_reason, "frozen");
    assert_eq!(row.settlement_bank_account_id.as_deref(), Some("fbo_1"));
    assert_eq!(row.currency, None);
    assert_eq!(row.amount("balance").unwrap().to_string(), "100.500");
    assert_eq!(row.amount("charge_off_balance"), Some(d("0.00")));
    // empty, `null` and absent columns are all null (D2)
    assert_eq!(row.amount("rewards_balance"), None);
    assert_eq!(row.amount("dispute_balance"), None);
    assert_eq!(row.amount("past_due_balance"), None);
    assert_eq!(row.amounts.len(), 2);
}

#[test]
fn api_balance_uses_id() {
    let mut cells = balance_cells();
    cells.insert("client_balance_id", "");
    cells.insert("id", "subledger_balance_k8L2");
    let row = BalanceRow::from_cells(&cells, &ReconConfig::default()).unwrap();
    assert_eq!(row.balance_id, "subledger_balance_k8L2");
    assert_eq!(row.id_kind, BalanceIdKind::Lead);
}

#[test]
fn balance_row_errors_are_precise() {
    let cfg = ReconConfig::default();
    let with = |k: &'static str, v: &'static str| {
        let mut c = balance_cells();
        c.insert(k, v);
        BalanceRow::from_cells(&c, &cfg).unwrap_err()
    };
    assert_eq!(
        with("id", "subledger_balance_x"),
        RowError::BalanceIdentity {
            found: "both are filled"
        }
    );
    assert_eq!(
        with("client_balance_id", "null"),
        RowError::BalanceIdentity {
            found: "both are empty"
        }
    );
    assert!(matches!(with("type", "Deposit"), RowError::Enum { column, .. } if column == "type"));
    assert!(matches!(with("status", "open"), RowError::Enum { column, .. } if column == "status"));
    assert_eq!(
        with("account_id", ""),
        RowError::Missing {
            column: "account_id".into()
        }
    );
    for bad in ["1e5", "+1.00", "1.", ".5", "1,000.00", "$5.00"] {
        let e = with("balance", bad);
        assert!(
            matches!(&e, RowError::Decimal { column, value, .. } if column == "balance" && value == bad),
            "{bad}: {e:?}"
        );
        assert!(e.to_string().contains("`balance`"), "{e}");
    }
}

#[test]
fn configured_balance_column_is_read() {
    let mut cfg = ReconConfig::default();
    cfg.balance_columns.push("outstanding_interest".into());
    let mut cells = balance_cells();
    cells.insert("outstanding_interest", "12.34");
    let row = BalanceRow::from_cells(&cells, &cfg).unwrap();
    assert_eq!(row.amount("outstanding_interest"), Some(d("12.34")));
}

fn tx_cells() -> HashMap<String, String> {
    [
        ("client_transaction_id", "t1"),
        ("balance_id", "bal_1"),
        ("card_id", ""),
        ("amount", "-11.500"),
        ("amount_in_usd", "-11.50"),
        ("currency", "USD"),
        ("principal_amount", "-10.00"),
        ("fee_amount", "-1.50"),
        ("interest_amount", ""),
        ("rewards_amount", "null"),
        ("type", "debit"),
        ("action", "reversed"),
        ("fee_type", ""),
        ("transfer_type", "card"),
        ("settlement_date", "2026-01-15"),
        ("points", "7"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[test]
fn transaction_row_from_cells() {
    let cfg = ReconConfig::default();
    let t = TransactionRow::from_cells(&tx_cells(), &cfg).unwrap();
    assert_eq!(t.client_transaction_id, "t1");
    assert_eq!(t.balance_id, "bal_1");
    assert_eq!(t.amount.to_string(), "-11.500");
    assert_eq!(t.amount_in_usd, Some(d("-11.50")));
    assert_eq!(t.principal_amount, Some(d("-10.00")));
    assert_eq!(t.fee_amount, Some(d("-1.50")));
    assert_eq!(t.interest_amount, None);
    assert_eq!(t.rewards_amount, None);
    assert_eq!(t.tx_type.as_deref(), Some("debit"));
    assert_eq!(t.action.as_deref(), Some("reversed"));
    assert_eq!(t.fee_type, None);
    assert_eq!(t.transfer_type.as_deref(), Some("card"));
    assert_eq!(t.settlement_date, Some(date("2026-01-15")));
    assert!(t.extra.is_empty(), "points is not configured");
    assert_eq!(t.amount_of("fee_amount"), Some(d("-1.50")));
    assert_eq!(t.amount_of("nope"), None);

    let mut cfg = ReconConfig::default();
    cfg.transaction_columns.push("points".into());
    let t = TransactionRow::from_cells(&tx_cells(), &cfg).unwrap();
    assert_eq!(t.amount_of("points"), Some(d("7")));
}

#[test]
fn transaction_row_errors_are_precise() {
    let cfg = ReconConfig::default();
    let with = |k: &str, v: &str| {
        let mut c = tx_cells();
        c.insert(k.into(), v.into());
        TransactionRow::from_cells(&c, &cfg).unwrap_err()
    };
    assert_eq!(
        with("amount", ""),
        RowError::Missing {
            column: "amount".into()
        }
    );
    assert_eq!(
        with("balance_id", "null"),
        RowError::Missing {
            column: "balance_id".into()
        }
    );
    assert!(
        matches!(with("fee_amount", "1e2"), RowError::Decimal { column, .. } if column == "fee_amount")
    );
    for bad in [
        "2026-1-15",
        "2026-02-30",
        "15/01/2026",
        "2026-01-15T00:00:00Z",
    ] {
        assert!(
            matches!(with("settlement_date", bad), RowError::Date { ref value, .. } if value == bad),
            "{bad}"
        );
    }
}

#[test]
fn slices_of_pairs_are_cells() {
    let cells: &[(&str, &str)] = &[
        ("client_transaction_id", "t9"),
        ("balance_id", "b"),
        ("amount", "1.00"),
        ("currency", "USD"),
    ];
    let t = TransactionRow::from_cells(cells, &ReconConfig::default()).unwrap();
    assert_eq!(t.tx_type, None);
    assert_eq!(t.amount, d("1.00"));
}
