//! The stable catalogue of finding codes.
//!
//! Codes are part of the public contract (status files, error files, the
//! README table): never rename one, only add.

use super::Severity;

/// Every finding code with its meaning, in catalogue order.
///
/// Codes listed in [`WARNING_CODES`] are warnings; every other code is an error.
pub const CODES: &[(&str, &str)] = &[
    // Lines and records.
    ("record_length", "A record is not exactly 94 characters long."),
    ("line_too_long", "A line is longer than 4,096 characters (a record is 94); the rest of the file is not read."),
    ("unbroken_length", "The file has no line breaks and its length is not a multiple of 94, so its records cannot be told apart; the rest of the file is not read."),
    ("blank_line", "An empty line between records."),
    ("trailing_blank_line", "Empty lines after the last record (warning)."),
    ("no_line_breaks", "The file has no line breaks; records were cut every 94 characters (warning, decision D10)."),
    ("mixed_line_endings", "Some lines end in LF and others in CRLF (warning)."),
    ("empty_file", "The file contains no records."),
    ("record_type", "The record type code (position 1) is not 1, 5, 6, 7, 8 or 9."),
    ("record_order", "A record appears where the record sequence 1 (5 (6 7*)+ 8)+ 9 does not allow it."),
    ("missing_record", "The file ends without a required record (batch control or file control)."),
    ("empty_batch", "A batch has no entry detail records."),
    // Field formats.
    ("constant", "A fixed field is not its constant (priority code 01, record size 094, blocking factor 10, format code 1)."),
    ("numeric", "A numeric field contains something other than digits."),
    ("alphanumeric", "A text field contains a control character or a byte outside printable ASCII."),
    ("required", "A mandatory text field is blank."),
    ("date", "A date field is not a valid YYMMDD (or MMDD, or Julian day) date."),
    ("time", "The file creation time is not a valid HHMM time."),
    ("reserved_not_blank", "A reserved field is not blank (warning)."),
    ("invalid_value", "A field holds a value outside its allowed set (file ID modifier, originator status code, addenda indicator, IAT indicators and qualifiers)."),
    ("check_digit", "A routing number's check digit is wrong (spec 06 §9.12)."),
    // Batch header and policy.
    ("service_class_code", "The service class code is not 200, 220, 225 (or 280 for ADV)."),
    ("sec_code", "The standard entry class code is not a Nacha SEC code."),
    ("sec_code_not_allowed", "The SEC code is not allowed for this program (policy; default CCD PPD WEB TEL, decision D10)."),
    ("batch_number", "Batch numbers are not ascending within the file."),
    ("adv_mixed", "A file mixes ADV batches with other batches: an ADV file (whose file control has the ADV layout) holds ADV batches only; the first batch decides which the file is."),
    ("effective_date_past", "The effective entry date lies further in the past than the policy allows."),
    ("same_day_not_allowed", "The effective entry date is today but the program may not originate same-day entries."),
    // Entries.
    ("transaction_code", "The transaction code is not a Nacha transaction code (spec 06 §9.11)."),
    ("transaction_code_not_allowed", "The transaction code is not valid for the batch's SEC code (e.g. a credit in a TEL batch, a live entry in a COR batch, a code other than 81–88 in an ADV batch or 81–88 outside one)."),
    ("service_class_mismatch", "A debit in a credits-only (220) batch or a credit in a debits-only (225) batch."),
    ("nonzero_amount", "A prenote, zero-dollar remittance or NOC entry has a non-zero amount."),
    ("payment_type_code", "A WEB debit's discretionary data is not the payment type code R or S (warning)."),
    ("trace_odfi", "The trace number does not start with the batch's originating DFI identification."),
    ("trace_order", "Trace numbers (ADV: sequence numbers) are not ascending within the batch."),
    ("addenda_indicator", "The addenda record indicator does not match whether addenda records follow."),
    ("missing_addenda", "An entry lacks an addenda it requires (99 for a return, 98 for a NOC, 10–16 for IAT)."),
    ("max_file_amount", "The file's total amount exceeds the program's maximum (policy)."),
    // Addenda.
    ("addenda_type", "The addenda type code is not 02, 05, 10–18, 98 or 99."),
    ("addenda_type_not_allowed", "The addenda type is not allowed for the SEC code or the entry (e.g. 05 on TEL, 98 outside COR)."),
    ("addenda_count", "More addenda than allowed, or a stated number of addenda records that does not match."),
    ("addenda_sequence", "Addenda sequence numbers do not start at 1 and ascend, or IAT addenda are out of order."),
    ("addenda_trace", "The addenda's entry detail sequence number or trace number does not match its entry's trace number."),
    ("return_reason_code", "The return reason code of an addenda 99 is not a known R-code (spec 06 §4)."),
    ("change_code", "The change code of an addenda 98 is not a known C-code (spec 06 §9.10)."),
    ("corrected_data", "The corrected data of an addenda 98 does not have the layout its change code requires (spec 06 §9.10)."),
    // Controls.
    ("batch_control_mismatch", "The batch control's service class, company identification, ODFI or batch number differs from its batch header."),
    ("entry_addenda_count", "The entry/addenda count does not equal the number of entry and addenda records."),
    ("entry_hash", "The entry hash is not the sum of the receiving DFI identifications (rightmost 10 digits)."),
    ("total_debit", "The total debit amount does not equal the sum of debit entries."),
    ("total_credit", "The total credit amount does not equal the sum of credit entries."),
    ("batch_count", "The file control's batch count does not equal the number of batches."),
    ("block_count", "The file control's block count is not the number of records divided by 10 (rounded up)."),
    ("missing_filler", "The record count is not a multiple of 10: 9-filler records are missing (warning, decision D10)."),
    ("excess_filler", "More 9-filler records than needed to complete the last block (warning)."),
    ("filler_content", "A record after the file control is not a filler record of 94 '9' characters."),
];

/// The codes that are warnings (they never reject a file).
pub const WARNING_CODES: &[&str] = &[
    "trailing_blank_line",
    "no_line_breaks",
    "mixed_line_endings",
    "reserved_not_blank",
    "payment_type_code",
    "missing_filler",
    "excess_filler",
];

/// The severity of a catalogue code.
pub fn severity(code: &str) -> Severity {
    if WARNING_CODES.contains(&code) {
        Severity::Warning
    } else {
        Severity::Error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_unique_and_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for (code, meaning) in CODES {
            assert!(seen.insert(*code), "duplicate {code}");
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert!(!meaning.is_empty());
        }
        for w in WARNING_CODES {
            assert!(seen.contains(w), "warning {w} not in CODES");
        }
    }
}
