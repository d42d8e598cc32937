//! `[program]`'s sales keys (`sells_receivables`, `sales_*`, README "Sales Request / Sales
//! Response") checked and turned into the pipeline's settings.

use super::Program;
use crate::Result;
use rust_decimal::Decimal;

/// A program's sales settings; a rate that is not a non-negative decimal, a day count of 0 or a
/// file name without `{date}` (or with a `/`, or hidden) fails at load.
pub(super) fn settings(p: &Program) -> Result<pipeline::sales::SalesSettings> {
    let apr = p.sales_imputed_apr.trim();
    let rate: Decimal = apr
        .parse()
        .ok()
        .filter(|d: &Decimal| !d.is_sign_negative())
        .ok_or_else(|| {
            crate::Error::Invalid(format!(
                "[program] sales_imputed_apr: `{apr}` is not a rate (a fraction, e.g. \"0.2499\")"
            ))
        })?;
    crate::ensure!(
        p.sales_day_count > 0,
        "[program] sales_day_count: at least 1"
    );
    let name = &p.sales_request_name;
    crate::ensure!(
        name.contains("{date}") && !name.contains('/') && !name.starts_with('.'),
        "[program] sales_request_name: a file name with `{{date}}`, no `/`, not hidden"
    );
    Ok(pipeline::sales::SalesSettings {
        enabled: p.sells_receivables,
        terms: recon::sales::SalesTerms {
            hold_business_days: p.sales_hold_business_days,
            imputed_apr: rate,
            day_count: p.sales_day_count,
        },
        file_name: name.clone(),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn sales_keys_default_off_and_mistakes_fail_at_load() {
        let c = Config::parse("").unwrap();
        let s = c.program.resolve().unwrap().sales;
        assert!(!s.enabled);
        assert_eq!(s.terms.hold_business_days, 3);
        assert_eq!(
            s.file_name_for(chrono::NaiveDate::from_ymd_opt(2026, 3, 5).unwrap()),
            "2026-03-05_sales_request_v1.csv"
        );
        let c = Config::parse(
            "[partners.acme]\nsells_receivables = true\nsales_imputed_apr = \"0.2499\"\n",
        )
        .unwrap();
        let s = &c.programs["acme"].sales;
        assert!(s.enabled);
        assert_eq!(s.terms.imputed_apr.to_string(), "0.2499");
        for bad in [
            "sales_imputed_apr = \"-0.1\"",
            "sales_imputed_apr = \"24%\"",
            "sales_day_count = 0",
            "sales_request_name = \"sales.csv\"",
            "sales_request_name = \"../{date}.csv\"",
        ] {
            let e = Config::parse(&format!("[program]\n{bad}\n"));
            assert!(e.is_err(), "{bad} was accepted");
        }
    }
}
