//! The corrected data of a notification of change (spec 06 §9.10), from a change code and the
//! values a command line gives.

use crate::{reasons, routing, Error, TxCode};

/// The corrected information of a NOC (spec 06 §9.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Correction {
    /// C01: correct account number.
    AccountNumber(String),
    /// C02: correct routing number (9 digits).
    RoutingNumber(String),
    /// C03: correct routing and account number.
    RoutingAndAccount {
        /// 9-digit routing number.
        routing: String,
        /// Account number.
        account: String,
    },
    /// C04: correct individual or company name.
    Name(String),
    /// C05: correct transaction code.
    TransactionCode(u8),
    /// C06: correct account number and transaction code.
    AccountAndTransactionCode {
        /// Account number.
        account: String,
        /// Transaction code.
        transaction_code: u8,
    },
    /// C07: correct routing number, account number and transaction code.
    RoutingAccountAndTransactionCode {
        /// 9-digit routing number.
        routing: String,
        /// Account number.
        account: String,
        /// Transaction code.
        transaction_code: u8,
    },
    /// C09: correct individual identification number.
    IdentificationNumber(String),
    /// Any other change code with its corrected data as written (29 characters).
    Other {
        /// Change code, e.g. `C13`.
        code: String,
        /// Corrected data.
        data: String,
    },
}

impl Correction {
    /// Builds a correction from a change code and the corrected values as a
    /// command line gives them: one value, or comma-separated values for the
    /// combined codes (`C03`: `routing,account`; `C06`: `account,transaction_code`;
    /// `C07`: `routing,account,transaction_code`). Other codes take the corrected
    /// data as written.
    ///
    /// ```
    /// use nacha::returns::Correction;
    /// let c = Correction::parse("C03", "021000021,12345").unwrap();
    /// assert_eq!(c.corrected_data().unwrap(), "021000021   12345");
    /// ```
    pub fn parse(code: &str, data: &str) -> Result<Correction, Error> {
        let parts: Vec<&str> = data.split(',').map(str::trim).collect();
        let tx = |s: &str| {
            s.parse::<u8>()
                .map_err(|_| Error::InvalidCode(s.to_string()))
        };
        let want = |n: usize| -> Result<(), Error> {
            if parts.len() == n {
                Ok(())
            } else {
                Err(Error::Invalid(format!(
                    "{code} needs {n} comma-separated value(s)"
                )))
            }
        };
        let one = || -> Result<String, Error> {
            want(1)?;
            Ok(data.trim().to_string())
        };
        Ok(match code {
            "C01" => Correction::AccountNumber(one()?),
            "C02" => Correction::RoutingNumber(one()?),
            "C03" => {
                want(2)?;
                Correction::RoutingAndAccount {
                    routing: parts[0].into(),
                    account: parts[1].into(),
                }
            }
            "C04" => Correction::Name(one()?),
            "C05" => Correction::TransactionCode(tx(&one()?)?),
            "C06" => {
                want(2)?;
                Correction::AccountAndTransactionCode {
                    account: parts[0].into(),
                    transaction_code: tx(parts[1])?,
                }
            }
            "C07" => {
                want(3)?;
                Correction::RoutingAccountAndTransactionCode {
                    routing: parts[0].into(),
                    account: parts[1].into(),
                    transaction_code: tx(parts[2])?,
                }
            }
            "C09" => Correction::IdentificationNumber(one()?),
            other if reasons::is_change_code(other) => Correction::Other {
                code: other.into(),
                data: data.to_string(),
            },
            other => return Err(Error::InvalidCode(other.into())),
        })
    }

    /// The change code.
    pub fn code(&self) -> &str {
        match self {
            Correction::AccountNumber(_) => "C01",
            Correction::RoutingNumber(_) => "C02",
            Correction::RoutingAndAccount { .. } => "C03",
            Correction::Name(_) => "C04",
            Correction::TransactionCode(_) => "C05",
            Correction::AccountAndTransactionCode { .. } => "C06",
            Correction::RoutingAccountAndTransactionCode { .. } => "C07",
            Correction::IdentificationNumber(_) => "C09",
            Correction::Other { code, .. } => code,
        }
    }

    /// The 29-character corrected data field laid out per spec 06 §9.10.
    pub fn corrected_data(&self) -> Result<String, Error> {
        let tx = |t: u8| -> Result<String, Error> {
            TxCode::new(t)
                .map(|c| format!("{:02}", c.code))
                .ok_or_else(|| Error::InvalidCode(format!("{t:02}")))
        };
        let rt = |r: &str| -> Result<String, Error> {
            if routing::is_valid(r) {
                Ok(r.to_string())
            } else {
                Err(Error::Field {
                    field: "corrected_data",
                    reason: "not a valid 9-digit routing number".into(),
                })
            }
        };
        let s = match self {
            Correction::AccountNumber(a) => fit(a, 17)?,
            Correction::RoutingNumber(r) => rt(r)?,
            Correction::RoutingAndAccount { routing, account } => {
                format!("{}   {}", rt(routing)?, fit(account, 17)?)
            }
            Correction::Name(n) => fit(n, 22)?,
            Correction::TransactionCode(t) => tx(*t)?,
            Correction::AccountAndTransactionCode {
                account,
                transaction_code,
            } => format!("{}   {}", fit(account, 17)?, tx(*transaction_code)?),
            Correction::RoutingAccountAndTransactionCode {
                routing,
                account,
                transaction_code,
            } => format!(
                "{}{}{}",
                rt(routing)?,
                fit(account, 17)?,
                tx(*transaction_code)?
            ),
            Correction::IdentificationNumber(n) => fit(n, 22)?,
            Correction::Other { data, .. } => fit(data, 29)?,
        };
        Ok(s.trim_end().to_string())
    }
}

/// Left-justifies `s` in `width` characters, refusing longer values.
fn fit(s: &str, width: usize) -> Result<String, Error> {
    if s.len() > width || s.trim().is_empty() {
        return Err(Error::Field {
            field: "corrected_data",
            reason: format!("value must be 1 to {width} characters"),
        });
    }
    Ok(format!("{s:<width$}"))
}
