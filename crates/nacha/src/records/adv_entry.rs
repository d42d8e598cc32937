//! ADV entry detail record (type 6 in an ADV batch): public Nacha layout (moov-io/ach
//! `advEntryDetail.go`), spec 06 §9 source basis.

use super::fields::{blank, number, number_as, put_num, put_text, text, Buf};
use crate::error::{Error, ParseError};
use crate::layout::{adv_entry as f, entry as e};

/// An automated accounting advice entry (batch SEC `ADV`, service class 280).
///
/// Unlike [`EntryDetail`](crate::EntryDetail) it has a 12-digit amount, a 15-character
/// account number and no trace number: positions 80–94 hold the ACH operator's routing
/// number, a Julian day and a sequence number.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdvEntryDetail {
    /// Transaction code 81–88: odd codes are credits (81, 83, 85, 87), even ones debits
    /// (82, 84, 86, 88).
    pub transaction_code: u8,
    /// First 8 digits of the RDFI routing number (positions 4–11).
    pub receiving_dfi_identification: u32,
    /// 9th digit of the RDFI routing number (position 12).
    pub check_digit: u8,
    /// Account number (positions 13–27, 15 characters).
    pub dfi_account_number: String,
    /// Amount in cents (positions 28–39, 12 digits).
    pub amount: u64,
    /// Routing number of the institution the advice is for (positions 40–48).
    pub advice_routing_number: u32,
    /// File identification (positions 49–53).
    pub file_identification: String,
    /// ACH operator data (position 54).
    pub ach_operator_data: String,
    /// Individual name (positions 55–76).
    pub individual_name: String,
    /// Discretionary data (positions 77–78).
    pub discretionary_data: String,
    /// `1` when an addenda 99 follows (the writer sets it).
    pub addenda_record_indicator: u8,
    /// Routing number of the ACH operator, 8 digits (positions 80–87).
    pub ach_operator_routing_number: u32,
    /// Julian day 001–366 (positions 88–90).
    pub julian_date_day: u16,
    /// Sequence number within the batch, ascending (positions 91–94).
    pub sequence_number: u16,
}

impl AdvEntryDetail {
    /// Reads a 94-byte ADV entry.
    pub fn parse(r: &Buf) -> Result<Self, ParseError> {
        Ok(AdvEntryDetail {
            transaction_code: number_as(r, e::TRANSACTION_CODE)?,
            receiving_dfi_identification: number_as(r, e::RDFI)?,
            check_digit: number_as(r, e::CHECK_DIGIT)?,
            dfi_account_number: text(r, f::DFI_ACCOUNT_NUMBER),
            amount: number(r, f::AMOUNT)?,
            advice_routing_number: number_as(r, f::ADVICE_ROUTING_NUMBER)?,
            file_identification: text(r, f::FILE_IDENTIFICATION),
            ach_operator_data: text(r, f::ACH_OPERATOR_DATA),
            individual_name: text(r, f::INDIVIDUAL_NAME),
            discretionary_data: text(r, e::DISCRETIONARY_DATA),
            addenda_record_indicator: number_as(r, e::ADDENDA_RECORD_INDICATOR)?,
            ach_operator_routing_number: number_as(r, f::ACH_OPERATOR_ROUTING_NUMBER)?,
            julian_date_day: number_as(r, f::JULIAN_DATE_DAY)?,
            sequence_number: number_as(r, f::SEQUENCE_NUMBER)?,
        })
    }

    /// Writes the record.
    pub fn to_bytes(&self) -> Result<Buf, Error> {
        let mut r = blank(b'6');
        put_num(&mut r, e::TRANSACTION_CODE, self.transaction_code.into())?;
        put_num(&mut r, e::RDFI, self.receiving_dfi_identification.into())?;
        put_num(&mut r, e::CHECK_DIGIT, self.check_digit.into())?;
        put_text(&mut r, f::DFI_ACCOUNT_NUMBER, &self.dfi_account_number)?;
        put_num(&mut r, f::AMOUNT, self.amount)?;
        put_num(
            &mut r,
            f::ADVICE_ROUTING_NUMBER,
            self.advice_routing_number.into(),
        )?;
        put_text(&mut r, f::FILE_IDENTIFICATION, &self.file_identification)?;
        put_text(&mut r, f::ACH_OPERATOR_DATA, &self.ach_operator_data)?;
        put_text(&mut r, f::INDIVIDUAL_NAME, &self.individual_name)?;
        put_text(&mut r, e::DISCRETIONARY_DATA, &self.discretionary_data)?;
        put_num(
            &mut r,
            e::ADDENDA_RECORD_INDICATOR,
            self.addenda_record_indicator.into(),
        )?;
        put_num(
            &mut r,
            f::ACH_OPERATOR_ROUTING_NUMBER,
            self.ach_operator_routing_number.into(),
        )?;
        put_num(&mut r, f::JULIAN_DATE_DAY, self.julian_date_day.into())?;
        put_num(&mut r, f::SEQUENCE_NUMBER, self.sequence_number.into())?;
        Ok(r)
    }

    /// The full 9-digit RDFI routing number.
    pub fn routing_number(&self) -> String {
        format!(
            "{:08}{}",
            self.receiving_dfi_identification, self.check_digit
        )
    }

    /// Whether the transaction code counts as a credit (`Some(true)`), a debit
    /// (`Some(false)`), or is not an ADV code (`None`).
    pub fn is_credit(&self) -> Option<bool> {
        crate::txcode::adv_is_credit(self.transaction_code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// moov-io/ach `advEntryDetail_test.go`, `testADVEDString`.
    const MOOV: &[u8; 94] = b"681231380104744-5678-99    000000050000121042882FILE1 Name                    0011000010500001";

    #[test]
    fn parses_and_writes_the_public_sample() {
        let e = AdvEntryDetail::parse(MOOV).unwrap();
        assert_eq!(e.transaction_code, 81);
        assert_eq!(e.receiving_dfi_identification, 23_138_010);
        assert_eq!(e.check_digit, 4);
        assert_eq!(e.routing_number(), "231380104");
        assert_eq!(e.dfi_account_number, "744-5678-99");
        assert_eq!(e.amount, 50_000);
        assert_eq!(e.advice_routing_number, 121_042_882);
        assert_eq!(e.file_identification, "FILE1");
        assert_eq!(e.ach_operator_data, "");
        assert_eq!(e.individual_name, "Name");
        assert_eq!(e.discretionary_data, "");
        assert_eq!(e.addenda_record_indicator, 0);
        assert_eq!(e.ach_operator_routing_number, 1_100_001);
        assert_eq!(e.julian_date_day, 50);
        assert_eq!(e.sequence_number, 1);
        assert_eq!(e.is_credit(), Some(true));
        assert_eq!(&e.to_bytes().unwrap(), MOOV);
    }

    #[test]
    fn rejects_what_does_not_fit() {
        let mut bad = *MOOV;
        bad[30] = b'X';
        assert_eq!(AdvEntryDetail::parse(&bad).unwrap_err().field, "amount");
        let e = AdvEntryDetail {
            amount: 1_000_000_000_000,
            ..AdvEntryDetail::parse(MOOV).unwrap()
        };
        assert!(matches!(
            e.to_bytes(),
            Err(Error::Field {
                field: "amount",
                ..
            })
        ));
    }
}
