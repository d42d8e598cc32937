use super::*;
use chrono::{Datelike, Weekday};
use std::str::FromStr;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Weekdays only (the tests need no holidays).
fn weekday(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

fn terms(apr: &str) -> SalesTerms {
    SalesTerms {
        hold_business_days: 3,
        imputed_apr: dec(apr),
        day_count: 365,
    }
}

fn disb(id: &str, balance: &str, date: &str, amount: &str) -> Disbursement {
    Disbursement {
        id: id.into(),
        balance_id: balance.into(),
        currency: "USD".into(),
        settlement_date: day(date),
        principal: dec(amount),
    }
}

#[test]
fn amounts_print_in_major_units_without_trailing_zeros() {
    assert_eq!(render_amount(dec("12.50"), 2), "12.5");
    assert_eq!(render_amount(dec("100.00"), 2), "100");
    assert_eq!(render_amount(dec("100.005"), 2), "100.01");
    assert_eq!(render_amount(dec("0.004"), 2), "0");
    assert_eq!(render_amount(dec("-0.004"), 2), "0");
    assert_eq!(render_amount(dec("1234.5678"), 0), "1235");
    assert_eq!(render_amount(dec("1.2345"), 3), "1.235");
    assert_eq!(render_interest(dec("0.4123450")), "0.412345");
    assert_eq!(render_interest(dec("0.41234549")), "0.412345");
    assert_eq!(render_interest(dec("0.4123455")), "0.412346");
    assert_eq!(render_interest(dec("2.5000000")), "2.5");
}

#[test]
fn the_settlement_amount_is_the_sum_of_its_printed_parts_spec_04_5_1() {
    // The constructed example of spec 04 §5: 800 + 200 + 0.412345.
    let a = SaleAmounts {
        funded: dec("1000.00"),
        outstanding: dec("800.00"),
        settled: dec("200.00"),
        interest: dec("0.4123449"),
    };
    let [funded, out, settled, interest, settlement] = a.render(2).unwrap();
    assert_eq!(
        [&*funded, &*out, &*settled, &*interest, &*settlement],
        ["1000", "800", "200", "0.412345", "1000.412345"]
    );
}

#[test]
fn monday_plus_three_business_days_is_thursday_spec_04_5_2() {
    let thu = sale_date_of(day("2026-03-02"), 3, &weekday).unwrap();
    assert_eq!(thu, day("2026-03-05"));
    // Friday + 3 = Wednesday; a Saturday counts from Monday.
    assert_eq!(
        sale_date_of(day("2026-03-06"), 3, &weekday).unwrap(),
        day("2026-03-11")
    );
    assert_eq!(
        sale_date_of(day("2026-03-07"), 3, &weekday).unwrap(),
        day("2026-03-11")
    );
    assert_eq!(
        sale_date_of(day("2026-03-07"), 0, &weekday).unwrap(),
        day("2026-03-09")
    );
}

#[test]
fn two_disbursements_of_a_balance_make_one_row_with_interest_per_day() {
    let ds = [
        disb("t1", "bal_1", "2026-03-02", "1000.00"),
        disb("t2", "bal_1", "2026-03-02", "500.00"),
        disb("t3", "bal_2", "2026-03-03", "300.00"),
    ];
    let ms = [Movement {
        id: "p1".into(),
        balance_id: "bal_1".into(),
        settlement_date: day("2026-03-03"),
        principal: dec("-200.00"),
        refund: false,
    }];
    let (sales, skipped) = plan(day("2026-03-05"), &ds, &ms, &terms("0.3650"), &weekday).unwrap();
    assert!(skipped.is_empty());
    assert_eq!(sales.len(), 1, "bal_2 is due on Friday");
    let s = &sales[0];
    assert_eq!(s.disbursements, ["t1", "t2"]);
    assert_eq!(s.movements, ["p1"]);
    assert_eq!(s.start_date, day("2026-03-02"));
    // Days Mon 1500, Tue 1300, Wed 1300 = 4100 × 0.365 / 365 = 4.1.
    let printed = s.amounts.render(2).unwrap();
    assert_eq!(
        printed,
        ["1500", "1300", "200", "4.1", "1504.1"].map(String::from)
    );
}

#[test]
fn refunds_lower_the_principal_but_are_netted_spec_04_5_2() {
    let ds = [disb("t1", "b", "2026-03-02", "100.00")];
    let ms = [Movement {
        id: "r1".into(),
        balance_id: "b".into(),
        settlement_date: day("2026-03-02"),
        principal: dec("-10.00"),
        refund: true,
    }];
    let (sales, _) = plan(day("2026-03-05"), &ds, &ms, &terms("0"), &weekday).unwrap();
    let printed = sales[0].amounts.render(2).unwrap();
    assert_eq!(printed, ["100", "90", "0", "0", "90"].map(String::from));
}

#[test]
fn nothing_is_sold_on_a_weekend_and_late_disbursements_are_caught_up() {
    let ds = [disb("t1", "b", "2026-03-02", "100.00")];
    let (sales, _) = plan(day("2026-03-07"), &ds, &[], &terms("0"), &weekday).unwrap();
    assert!(sales.is_empty(), "Saturday");
    // Due Thursday, not sold then (its file came late): sold the next business day.
    let (sales, _) = plan(day("2026-03-09"), &ds, &[], &terms("0"), &weekday).unwrap();
    assert_eq!(sales.len(), 1);
    let (sales, _) = plan(day("2026-03-04"), &ds, &[], &terms("0"), &weekday).unwrap();
    assert!(sales.is_empty(), "still in its hold period");
}

#[test]
fn a_balance_with_two_currencies_is_left_out_and_told() {
    let mut eur = disb("t2", "b", "2026-03-02", "5.00");
    eur.currency = "EUR".into();
    let ds = [disb("t1", "b", "2026-03-02", "1.00"), eur];
    let (sales, skipped) = plan(day("2026-03-05"), &ds, &[], &terms("0"), &weekday).unwrap();
    assert!(sales.is_empty());
    assert_eq!(skipped[0].balance_id, "b");
}

#[test]
fn overflow_is_an_error_not_a_panic() {
    let ds = [
        disb("t1", "b", "2026-03-02", "79228162514264337593543950335"),
        disb("t2", "b", "2026-03-02", "1"),
    ];
    let r = plan(day("2026-03-05"), &ds, &[], &terms("0"), &weekday);
    assert!(matches!(r, Err(SalesError::Overflow(_))));
}

#[test]
fn a_header_only_file_when_nothing_is_sold() {
    let mut out = Vec::new();
    write_sales_request(&mut out, &[]).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "sale_id|balance_id|start_date|sale_date|funded_amount|outstanding_principal|settled_transactions_amount|imputed_interest_accrued|settlement_amount|currency|generated_at|effective_at\n"
    );
}
