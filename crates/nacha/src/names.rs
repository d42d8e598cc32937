//! Nacha file names (spec 06 §1.4): `<content identifier>_<file type>_<version>.ach`.

use crate::Date;

/// The file types of spec 06 §1.3–1.4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AchFileType {
    /// A partner's origination file (`ach/outgoing`).
    OutgoingAch,
    /// Returns delivered to the partner (`ach/incoming`).
    IncomingAchReturn,
    /// Notifications of change delivered to the partner.
    IncomingAchNoc,
    /// Returns and NOCs in one file.
    IncomingAchReturnNoc,
    /// Incoming forward entries.
    IncomingAchForward,
}

impl AchFileType {
    /// The file-type token as it appears in names.
    pub fn as_str(self) -> &'static str {
        match self {
            AchFileType::OutgoingAch => "outgoing_ach",
            AchFileType::IncomingAchReturn => "incoming_ach_return",
            AchFileType::IncomingAchNoc => "incoming_ach_noc",
            AchFileType::IncomingAchReturnNoc => "incoming_ach_return_noc",
            AchFileType::IncomingAchForward => "incoming_ach_forward",
        }
    }
}

/// The content identifier for a Unix time: compact UTC `YYYYMMDDTHHMMSSZ`.
///
/// ```
/// assert_eq!(nacha::names::content_id(1_768_497_400).as_deref(), Some("20260115T171640Z"));
/// ```
pub fn content_id(unix_seconds: i64) -> Option<String> {
    let date = Date::from_unix_seconds(unix_seconds)?;
    let secs = unix_seconds.rem_euclid(86_400);
    Some(format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        date.year(),
        date.month(),
        date.day(),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    ))
}

/// `<content_id>_<file type>_<version>.ach`.
///
/// ```
/// use nacha::names::{file_name, AchFileType};
/// assert_eq!(
///     file_name("20260115T171640Z", AchFileType::IncomingAchReturn, "1768497400"),
///     "20260115T171640Z_incoming_ach_return_1768497400.ach"
/// );
/// ```
pub fn file_name(content_id: &str, file_type: AchFileType, version: &str) -> String {
    format!("{content_id}_{}_{version}.ach", file_type.as_str())
}

/// The name of a return file generated at `unix_seconds` (content id and epoch version).
///
/// ```
/// assert_eq!(
///     nacha::names::return_file_name(1_768_497_400).as_deref(),
///     Some("20260115T171640Z_incoming_ach_return_1768497400.ach")
/// );
/// ```
pub fn return_file_name(unix_seconds: i64) -> Option<String> {
    let id = content_id(unix_seconds)?;
    Some(file_name(
        &id,
        AchFileType::IncomingAchReturn,
        &unix_seconds.to_string(),
    ))
}

/// The name of a NOC file generated at `unix_seconds`.
pub fn noc_file_name(unix_seconds: i64) -> Option<String> {
    let id = content_id(unix_seconds)?;
    Some(file_name(
        &id,
        AchFileType::IncomingAchNoc,
        &unix_seconds.to_string(),
    ))
}
