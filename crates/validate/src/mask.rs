//! Masking of sensitive values in reports and logs (decision D7).

use crate::schema::Mask;

/// The value as it may appear in a status file, errors file or log line.
pub fn mask(kind: Mask, value: &str) -> String {
    match kind {
        Mask::None => value.to_string(),
        Mask::Date => "****-**-**".to_string(),
        Mask::LastFour => {
            let n = value.chars().count();
            let tail: String = value.chars().skip(n.saturating_sub(4)).collect();
            // Short values would be revealed whole by their last four characters.
            if n <= 4 {
                "***".to_string()
            } else {
                format!("***{tail}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_as_d7_shows() {
        assert_eq!(mask(Mask::LastFour, "123456789"), "***6789");
        assert_eq!(mask(Mask::LastFour, "1234"), "***");
        assert_eq!(mask(Mask::Date, "1990-01-01"), "****-**-**");
        assert_eq!(mask(Mask::None, "abc"), "abc");
    }
}
