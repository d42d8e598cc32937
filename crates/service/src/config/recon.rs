//! `[recon]` of `config/bankdrop.toml`: when the nightly run happens, and the program's
//! reconciliation settings. Besides the keys below, `[recon]` takes every key of recon's
//! `ReconConfig` (`tolerance`, `deposit_components`, `credit_components`, `balance_columns`,
//! `transaction_columns`, `reconcile_inactive`, `[[recon.formulas]]`), so a program's
//! reconciliation TOML can be pasted in as is, and of `ReportSettings` (`fbo_balance`,
//! `[recon.bank_reports]`, `[recon.activity_codes]`, `[recon.ach]`).

use chrono::NaiveTime;
use chrono_tz::Tz;
use recon::{NightlyConfig, ReconConfig, ReportSettings};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use toml::{Table, Value};

/// `[recon]`
#[derive(Debug, Clone)]
pub struct Recon {
    /// Run the nightly reconciliation inside `serve` (default true).
    pub enabled: bool,
    /// Local time of the nightly run (default 06:30, after the 06:00 file deadline, D9).
    pub time: NaiveTime,
    /// Local time the bank's ACH reports of the previous day are written (default 04:00: the bank
    /// delivers them between 03:00 and 06:00 CT, spec 06 §8.2); the nightly run writes them again.
    pub bank_reports_time: NaiveTime,
    /// Local time the day's Sales Requests are written (default 07:00: after the 06:00 deadline
    /// of the balance and transaction files they read, D9; the bank's posting time is NOT SEEN,
    /// spec 04 §3.2).
    pub sales_time: NaiveTime,
    /// Time zone of `time` and of activity days (default America/Chicago, D9).
    pub timezone: Tz,
    /// Formulas, tolerance and report settings.
    pub nightly: NightlyConfig,
    /// Partners with reconciliation settings of their own (`[partners.<name>.recon]`, D1).
    pub partners: std::collections::HashMap<String, NightlyConfig>,
    /// `[pipeline] expected_types`, copied here at load: the types the readiness report the
    /// nightly run writes expects of a schedule without its own (spec 01 §13).
    pub expected_types: Vec<String>,
}

impl Recon {
    /// A partner's settings: its own, or `[recon]`'s.
    pub fn nightly_for(&self, partner: &str) -> &NightlyConfig {
        self.partners.get(partner).unwrap_or(&self.nightly)
    }
}

impl Default for Recon {
    fn default() -> Self {
        Recon {
            enabled: true,
            time: NaiveTime::from_hms_opt(6, 30, 0).unwrap_or(NaiveTime::MIN),
            bank_reports_time: NaiveTime::from_hms_opt(4, 0, 0).unwrap_or(NaiveTime::MIN),
            sales_time: NaiveTime::from_hms_opt(7, 0, 0).unwrap_or(NaiveTime::MIN),
            timezone: chrono_tz::America::Chicago,
            nightly: NightlyConfig::default(),
            partners: Default::default(),
            expected_types: Vec::new(),
        }
    }
}

const REPORT_KEYS: [&str; 4] = ["fbo_balance", "bank_reports", "activity_codes", "ach"];

impl<'de> Deserialize<'de> for Recon {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut t = Table::deserialize(d)?;
        let mut r = Recon::default();
        if let Some(v) = t.remove("enabled") {
            r.enabled = v
                .as_bool()
                .ok_or_else(|| D::Error::custom("recon.enabled: expected true or false"))?;
        }
        if let Some(v) = t.remove("time") {
            let s = v.as_str().unwrap_or_default();
            r.time = NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| {
                D::Error::custom(format!("recon.time: `{s}` is not a HH:MM local time"))
            })?;
        }
        if let Some(v) = t.remove("bank_reports_time") {
            let s = v.as_str().unwrap_or_default();
            r.bank_reports_time = NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| {
                D::Error::custom(format!(
                    "recon.bank_reports_time: `{s}` is not a HH:MM local time"
                ))
            })?;
        }
        if let Some(v) = t.remove("sales_time") {
            let s = v.as_str().unwrap_or_default();
            r.sales_time = NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| {
                D::Error::custom(format!("recon.sales_time: `{s}` is not a HH:MM local time"))
            })?;
        }
        if let Some(v) = t.remove("timezone") {
            let s = v.as_str().unwrap_or_default();
            r.timezone = s.parse().map_err(|_| {
                D::Error::custom(format!("recon.timezone: `{s}` is not an IANA time zone"))
            })?;
        }
        let mut reports = Table::new();
        for k in REPORT_KEYS {
            if let Some(v) = t.remove(k) {
                reports.insert(k.into(), v);
            }
        }
        let reports: ReportSettings = Value::Table(reports)
            .try_into()
            .map_err(|e| D::Error::custom(format!("recon: {e}")))?;
        let rules: ReconConfig = Value::Table(t)
            .try_into()
            .map_err(|e| D::Error::custom(format!("recon: {e}")))?;
        // Fail at start-up, not at 06:30.
        rules.validate().map_err(D::Error::custom)?;
        r.nightly = NightlyConfig {
            recon: rules,
            reports,
        };
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Doc {
        recon: Recon,
    }

    #[test]
    fn defaults_and_overrides() {
        let r: Doc = toml::from_str("[recon]\n").unwrap();
        assert_eq!(r.recon.time.to_string(), "06:30:00");
        assert_eq!(r.recon.timezone, chrono_tz::America::Chicago);
        assert_eq!(r.recon.nightly, NightlyConfig::default());
        let r: Doc = toml::from_str(
            "[recon]\ntime = \"07:15\"\ntimezone = \"America/New_York\"\ntolerance = \"0.01\"\n\
             credit_components = [\"balance\"]\nfbo_balance = \"100.50\"\n[recon.ach]\nsettlement_code = \"5701\"\n",
        )
        .unwrap();
        assert_eq!(r.recon.time.to_string(), "07:15:00");
        assert_eq!(r.recon.nightly.recon.tolerance.to_string(), "0.01");
        assert_eq!(r.recon.nightly.recon.credit_components, ["balance"]);
        assert_eq!(
            r.recon.nightly.reports.fbo_balance.map(|d| d.to_string()),
            Some("100.50".into())
        );
        assert_eq!(r.recon.nightly.reports.ach.settlement_code, "5701");
    }

    #[test]
    fn the_shipped_config_parses() {
        let text = include_str!("../../../../config/bankdrop.toml");
        let c = crate::config::Config::parse(text).unwrap();
        assert!(c.recon.enabled);
        assert!(c.partners.is_empty() && c.programs.is_empty());
        assert_eq!(c.program.sec_codes, ["CCD", "PPD", "WEB", "TEL"]);
        assert_eq!(c.recon.nightly, NightlyConfig::default());
    }

    #[test]
    fn mistakes_are_refused() {
        for bad in [
            "time = \"6:30pm\"",
            "timezone = \"Mars/Olympus\"",
            "tolerance = 0.01",
            "fbo_balance = 1.5",
            "colour = \"red\"",
            "deposit_components = [\"nope\"]",
        ] {
            assert!(
                toml::from_str::<Doc>(&format!("[recon]\n{bad}\n")).is_err(),
                "{bad}"
            );
        }
    }
}
