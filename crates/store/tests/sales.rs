//! Sales Requests and their answers (`store::Sales`, spec 04 §3–§4) on both backends: a day is
//! recorded once, its sales are found by day and id, a disbursement counted by a sale is no
//! longer a candidate, and a sale is answered once, in the answering file's transaction.

use store::pg::PgStore;
use store::{
    Answered, Db, Decision, NewFile, NewSale, SaleAnswer, Sales, SalesRequestRow, State,
    TransactionIn,
};

fn claim<'d>(db: &'d Db, name: &str) -> store::Writing<'d> {
    db.write(&NewFile {
        partner: "acme".into(),
        path: format!("x/{name}"),
        name: name.into(),
        file_type: Some("transaction".into()),
        prefix: Some(name[..10].into()),
        version: Some(1),
        sha256: name.into(),
        bytes: 1,
        received_at: "2026-03-05T12:00:00Z".into(),
    })
    .unwrap()
}

fn accepted() -> Decision {
    Decision {
        state: State::Accepted,
        rows: 1,
        late: false,
        error_count: 0,
        warning_count: 0,
        decided_at: "2026-03-05T12:00:01Z".into(),
        final_path: "x/processed".into(),
    }
}

fn disbursement<'a>(id: &'a str, ty: &'a str) -> TransactionIn<'a> {
    TransactionIn {
        id,
        balance_id: Some("bal-1"),
        card_id: None,
        file_date: Some("2026-03-03"),
        effective_at: None,
        tx_type: Some(ty),
        amounts: &[],
        row: &[],
    }
}

fn suite(db: &Db) {
    let mut w = claim(db, "2026-03-03_transaction_v1.csv");
    assert!(w.transaction(&disbursement("t-1", "disbursement")).unwrap());
    assert!(w.transaction(&disbursement("t-2", "credit")).unwrap());
    assert!(w.commit(&accepted(), &mut || Ok(())).unwrap());
    assert_eq!(db.unsold_disbursements("acme").unwrap(), ["t-1"]);
    assert_eq!(db.uncounted_transactions("acme", "bal-1").unwrap(), ["t-2"]);

    let day = SalesRequestRow {
        partner: "acme".into(),
        sale_date: "2026-03-05".into(),
        generated_at: "2026-03-05T13:00:00.000Z".into(),
        file: "sales_request/2026-03-05_sales_request_v1.csv".into(),
    };
    let sale = NewSale {
        sale_id: "sale_20260305_0001".into(),
        balance_id: "bal-1".into(),
        fields: "[\"sale_20260305_0001\"]".into(),
        items: vec!["t-1".into(), "t-2".into()],
    };
    assert!(db.sales_request("acme", "2026-03-05").unwrap().is_none());
    assert!(db
        .record_sales_request(&day, std::slice::from_ref(&sale))
        .unwrap());
    // A second writer of the day (another node) records nothing.
    assert!(!db.record_sales_request(&day, &[sale]).unwrap());
    assert_eq!(db.sales_request("acme", "2026-03-05").unwrap(), Some(day));
    assert!(db.unsold_disbursements("acme").unwrap().is_empty());
    assert!(db
        .uncounted_transactions("acme", "bal-1")
        .unwrap()
        .is_empty());
    let sales = db.sales_of_day("acme", "2026-03-05").unwrap();
    assert_eq!(sales.len(), 1);
    assert_eq!(sales[0].response, None);
    let ids = ["sale_20260305_0001".to_string(), "nope".to_string()];
    assert_eq!(db.sales_by_ids("acme", &ids).unwrap().len(), 1);
    assert!(db.sales_by_ids("other", &ids).unwrap().is_empty());
    assert_eq!(db.unanswered_sales("acme", "2026-03-05").unwrap().len(), 1);
    assert!(db
        .unanswered_sales("acme", "2026-03-04")
        .unwrap()
        .is_empty());

    let answer = |sale_id: &'static str| SaleAnswer {
        sale_id,
        response: "accepted",
        purchasing_entity: Some("Buyer LLC"),
        reject_reason: None,
    };
    let mut w = claim(db, "2026-03-05_sales_response_v1.csv");
    let file = w.file_id();
    assert_eq!(
        w.answer_sale(&answer("sale_20260305_0001")).unwrap(),
        Answered::Recorded
    );
    assert_eq!(w.answer_sale(&answer("nope")).unwrap(), Answered::Unknown);
    assert!(w.commit(&accepted(), &mut || Ok(())).unwrap());
    let s = &db.sales_of_day("acme", "2026-03-05").unwrap()[0];
    assert_eq!(
        (s.response.as_deref(), s.answer_file_id),
        (Some("accepted"), Some(file))
    );
    assert!(db
        .unanswered_sales("acme", "2026-03-05")
        .unwrap()
        .is_empty());
    let mut w = claim(db, "2026-03-06_sales_response_v1.csv");
    assert_eq!(
        w.answer_sale(&answer("sale_20260305_0001")).unwrap(),
        Answered::Already
    );
}

#[test]
fn sqlite_keeps_sales() {
    let dir = tempfile::tempdir().unwrap();
    suite(&Db::open(None, &dir.path().join("bankdrop.sqlite")).unwrap());
}

#[test]
fn postgresql_keeps_sales() {
    let Some(server) = pgtest::require("store sales: postgresql") else {
        return;
    };
    let url = server.create_database("bankdrop").unwrap();
    suite(&Db::Postgres(PgStore::connect(&url).unwrap()));
}
