//! The text format of the bank's reports (spec 06 §8, §10), where the spec leaves it open.

use serde::{Deserialize, Serialize};

use super::csv::Dialect;
use crate::error::{ConfigError, Error};

/// Line end of the bank's reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineEnding {
    /// `\n` (default; NOT SEEN in the spec).
    #[default]
    Lf,
    /// `\r\n`.
    Crlf,
}

/// How the ACH cash reconciliation writes `Amount` (spec 06 §8.3, an OPEN QUESTION).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmountStyle {
    /// `1230.45`: dollars with exactly two decimals (default: machine-readable, and the bank's
    /// own activity report writes plain numbers, spec 06 §10.2).
    #[default]
    Plain,
    /// `$1,230.45`, as the page's example prints it.
    Dollar,
}

/// Format settings of the bank-format reports. Every default below answers a NOT SEEN /
/// OPEN QUESTION of spec 06 §8.2 / §10 and can be changed without recompiling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BankReportFormat {
    /// Field delimiter. Default `,`: the files are `.csv` and the bank states no delimiter.
    pub delimiter: char,
    /// Enclose every field in quotes. Default true: "CSV fields are now enclosed in quotes"
    /// (spec 06 §10.1, the new core's reports).
    pub quote_all: bool,
    /// Line end. Default LF.
    pub line_ending: LineEnding,
    /// `Amount` of the ACH cash reconciliation. Default plain.
    pub amount_style: AmountStyle,
    /// The report part of the daily activity file name (NOT SEEN; default
    /// `daily-activity-report`, after `ach-cash-recon-report`).
    pub activity_report_name: String,
}

impl Default for BankReportFormat {
    fn default() -> Self {
        BankReportFormat {
            delimiter: ',',
            quote_all: true,
            line_ending: LineEnding::Lf,
            amount_style: AmountStyle::Plain,
            activity_report_name: "daily-activity-report".into(),
        }
    }
}

impl BankReportFormat {
    pub(crate) fn dialect(&self) -> Result<Dialect, Error> {
        let c = self.delimiter;
        if !c.is_ascii() || matches!(c, '"' | '\r' | '\n') {
            return Err(ConfigError::BadDelimiter(c).into());
        }
        Ok(Dialect {
            delimiter: c as u8,
            quote_all: self.quote_all,
            line_end: match self.line_ending {
                LineEnding::Lf => b"\n",
                LineEnding::Crlf => b"\r\n",
            },
        })
    }
}
