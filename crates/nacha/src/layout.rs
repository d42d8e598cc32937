//! Fixed-width field positions of every record layout (spec 06 §9).
//!
//! One table per record layout. The validator walks a table for the generic
//! format checks; the typed model and the writer read and write through the
//! same [`Field`] values, so a position is written down exactly once.

/// Length of every Nacha record.
pub const RECORD_LEN: usize = 94;

/// How a field's content is checked before any semantic rule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Must equal these bytes exactly (the `1094101` constants).
    Const(&'static [u8]),
    /// Digits only, zero-filled.
    Numeric,
    /// Printable ASCII (0x20–0x7E); may be blank.
    Alnum,
    /// Printable ASCII and not blank (mandatory text).
    Required,
    /// `YYMMDD`, a real calendar date.
    Date,
    /// Blank, or `HHMM` on a 24-hour clock.
    OptTime,
    /// Blank, or a Julian day `001`–`366`.
    OptJulian,
    /// A Julian day `001`–`366` (mandatory).
    Julian,
    /// Reserved: should be blank (a warning otherwise, other tools put zeros there).
    Blank,
    /// Only semantic rules apply (enumerations, routing numbers, codes).
    Semantic,
}

/// A field of a fixed-width record: snake_case name (as in spec 06 §9), 1-based start, length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field {
    pub name: &'static str,
    pub start: usize,
    pub len: usize,
    pub kind: Kind,
}

impl Field {
    const fn new(name: &'static str, start: usize, len: usize, kind: Kind) -> Self {
        Field {
            name,
            start,
            len,
            kind,
        }
    }

    /// The field's bytes in a record padded to 94 bytes.
    pub fn get<'a>(&self, rec: &'a [u8; RECORD_LEN]) -> &'a [u8] {
        // Positions are compile-time constants inside 1..=94, so the range is in bounds.
        &rec[self.start - 1..self.start - 1 + self.len]
    }

    /// Mutable access for the writer.
    pub fn get_mut<'a>(&self, rec: &'a mut [u8; RECORD_LEN]) -> &'a mut [u8] {
        &mut rec[self.start - 1..self.start - 1 + self.len]
    }
}

use Kind::*;

const RT: Field = Field::new("record_type_code", 1, 1, Semantic);

/// File header (type 1), spec 06 §9.2.
pub(crate) mod file_header {
    use super::*;
    pub const PRIORITY_CODE: Field = Field::new("priority_code", 2, 2, Const(b"01"));
    pub const IMMEDIATE_DESTINATION: Field = Field::new("immediate_destination", 4, 10, Semantic);
    pub const IMMEDIATE_ORIGIN: Field = Field::new("immediate_origin", 14, 10, Required);
    pub const FILE_CREATION_DATE: Field = Field::new("file_creation_date", 24, 6, Date);
    pub const FILE_CREATION_TIME: Field = Field::new("file_creation_time", 30, 4, OptTime);
    pub const FILE_ID_MODIFIER: Field = Field::new("file_id_modifier", 34, 1, Semantic);
    pub const RECORD_SIZE: Field = Field::new("record_size", 35, 3, Const(b"094"));
    pub const BLOCKING_FACTOR: Field = Field::new("blocking_factor", 38, 2, Const(b"10"));
    pub const FORMAT_CODE: Field = Field::new("format_code", 40, 1, Const(b"1"));
    pub const IMMEDIATE_DESTINATION_NAME: Field =
        Field::new("immediate_destination_name", 41, 23, Alnum);
    pub const IMMEDIATE_ORIGIN_NAME: Field = Field::new("immediate_origin_name", 64, 23, Alnum);
    pub const REFERENCE_CODE: Field = Field::new("reference_code", 87, 8, Alnum);
    pub const LAYOUT: &[Field] = &[
        RT,
        PRIORITY_CODE,
        IMMEDIATE_DESTINATION,
        IMMEDIATE_ORIGIN,
        FILE_CREATION_DATE,
        FILE_CREATION_TIME,
        FILE_ID_MODIFIER,
        RECORD_SIZE,
        BLOCKING_FACTOR,
        FORMAT_CODE,
        IMMEDIATE_DESTINATION_NAME,
        IMMEDIATE_ORIGIN_NAME,
        REFERENCE_CODE,
    ];
}

/// Company/batch header (type 5, all SEC codes but IAT), spec 06 §9.3.
pub(crate) mod batch_header {
    use super::*;
    pub const SERVICE_CLASS_CODE: Field = Field::new("service_class_code", 2, 3, Numeric);
    pub const COMPANY_NAME: Field = Field::new("company_name", 5, 16, Required);
    pub const COMPANY_DISCRETIONARY_DATA: Field =
        Field::new("company_discretionary_data", 21, 20, Alnum);
    pub const COMPANY_IDENTIFICATION: Field =
        Field::new("company_identification", 41, 10, Required);
    pub const SEC_CODE: Field = Field::new("standard_entry_class_code", 51, 3, Semantic);
    pub const COMPANY_ENTRY_DESCRIPTION: Field =
        Field::new("company_entry_description", 54, 10, Required);
    pub const COMPANY_DESCRIPTIVE_DATE: Field =
        Field::new("company_descriptive_date", 64, 6, Alnum);
    pub const EFFECTIVE_ENTRY_DATE: Field = Field::new("effective_entry_date", 70, 6, Date);
    pub const SETTLEMENT_DATE: Field = Field::new("settlement_date", 76, 3, OptJulian);
    pub const ORIGINATOR_STATUS_CODE: Field = Field::new("originator_status_code", 79, 1, Semantic);
    pub const ODFI: Field = Field::new("originating_dfi_identification", 80, 8, Numeric);
    pub const BATCH_NUMBER: Field = Field::new("batch_number", 88, 7, Numeric);
    pub const LAYOUT: &[Field] = &[
        RT,
        SERVICE_CLASS_CODE,
        COMPANY_NAME,
        COMPANY_DISCRETIONARY_DATA,
        COMPANY_IDENTIFICATION,
        SEC_CODE,
        COMPANY_ENTRY_DESCRIPTION,
        COMPANY_DESCRIPTIVE_DATE,
        EFFECTIVE_ENTRY_DATE,
        SETTLEMENT_DATE,
        ORIGINATOR_STATUS_CODE,
        ODFI,
        BATCH_NUMBER,
    ];
}

/// IAT batch header (type 5 with SEC `IAT`), public Nacha layout.
pub(crate) mod iat_batch_header {
    use super::*;
    pub const IAT_INDICATOR: Field = Field::new("iat_indicator", 5, 16, Alnum);
    pub const FOREIGN_EXCHANGE_INDICATOR: Field =
        Field::new("foreign_exchange_indicator", 21, 2, Semantic);
    pub const FOREIGN_EXCHANGE_REFERENCE_INDICATOR: Field =
        Field::new("foreign_exchange_reference_indicator", 23, 1, Semantic);
    pub const FOREIGN_EXCHANGE_REFERENCE: Field =
        Field::new("foreign_exchange_reference", 24, 15, Alnum);
    pub const ISO_DESTINATION_COUNTRY_CODE: Field =
        Field::new("iso_destination_country_code", 39, 2, Required);
    pub const ORIGINATOR_IDENTIFICATION: Field =
        Field::new("originator_identification", 41, 10, Required);
    pub const ISO_ORIGINATING_CURRENCY_CODE: Field =
        Field::new("iso_originating_currency_code", 64, 3, Required);
    pub const ISO_DESTINATION_CURRENCY_CODE: Field =
        Field::new("iso_destination_currency_code", 67, 3, Required);
    pub const LAYOUT: &[Field] = &[
        RT,
        super::batch_header::SERVICE_CLASS_CODE,
        IAT_INDICATOR,
        FOREIGN_EXCHANGE_INDICATOR,
        FOREIGN_EXCHANGE_REFERENCE_INDICATOR,
        FOREIGN_EXCHANGE_REFERENCE,
        ISO_DESTINATION_COUNTRY_CODE,
        ORIGINATOR_IDENTIFICATION,
        super::batch_header::SEC_CODE,
        super::batch_header::COMPANY_ENTRY_DESCRIPTION,
        ISO_ORIGINATING_CURRENCY_CODE,
        ISO_DESTINATION_CURRENCY_CODE,
        super::batch_header::EFFECTIVE_ENTRY_DATE,
        super::batch_header::SETTLEMENT_DATE,
        super::batch_header::ORIGINATOR_STATUS_CODE,
        super::batch_header::ODFI,
        super::batch_header::BATCH_NUMBER,
    ];
}

/// Entry detail (type 6), spec 06 §9.4. Positions 40–76 vary by SEC code.
pub(crate) mod entry {
    use super::*;
    pub const TRANSACTION_CODE: Field = Field::new("transaction_code", 2, 2, Numeric);
    pub const RDFI: Field = Field::new("receiving_dfi_identification", 4, 8, Numeric);
    pub const CHECK_DIGIT: Field = Field::new("check_digit", 12, 1, Numeric);
    pub const DFI_ACCOUNT_NUMBER: Field = Field::new("dfi_account_number", 13, 17, Required);
    pub const AMOUNT: Field = Field::new("amount", 30, 10, Numeric);
    /// Positions 40–54 (meaning depends on the SEC code).
    pub const ID_15: Field = Field::new("individual_identification_number", 40, 15, Alnum);
    /// Positions 55–76 (meaning depends on the SEC code).
    pub const NAME_22: Field = Field::new("individual_name", 55, 22, Alnum);
    pub const DISCRETIONARY_DATA: Field = Field::new("discretionary_data", 77, 2, Alnum);
    pub const ADDENDA_RECORD_INDICATOR: Field =
        Field::new("addenda_record_indicator", 79, 1, Semantic);
    pub const TRACE_NUMBER: Field = Field::new("trace_number", 80, 15, Numeric);
    /// CTX/ENR/TRX: number of addenda records, positions 55–58.
    pub const CTX_ADDENDA_COUNT: Field = Field::new("number_of_addenda_records", 55, 4, Numeric);

    const HEAD: [Field; 6] = [
        RT,
        TRANSACTION_CODE,
        RDFI,
        CHECK_DIGIT,
        DFI_ACCOUNT_NUMBER,
        AMOUNT,
    ];

    /// PPD, WEB, TEL and most other SEC codes.
    pub const STANDARD: &[Field] = &[
        HEAD[0],
        HEAD[1],
        HEAD[2],
        HEAD[3],
        HEAD[4],
        HEAD[5],
        ID_15,
        NAME_22,
        DISCRETIONARY_DATA,
        ADDENDA_RECORD_INDICATOR,
        TRACE_NUMBER,
    ];
    /// CCD and ACK: a company is the receiver.
    pub const CCD: &[Field] = &[
        HEAD[0],
        HEAD[1],
        HEAD[2],
        HEAD[3],
        HEAD[4],
        HEAD[5],
        Field::new("identification_number", 40, 15, Alnum),
        Field::new("receiving_company_name", 55, 22, Alnum),
        DISCRETIONARY_DATA,
        ADDENDA_RECORD_INDICATOR,
        TRACE_NUMBER,
    ];
    /// CTX, ATX, ENR, TRX: the entry states its addenda count.
    pub const CTX: &[Field] = &[
        HEAD[0],
        HEAD[1],
        HEAD[2],
        HEAD[3],
        HEAD[4],
        HEAD[5],
        Field::new("identification_number", 40, 15, Alnum),
        CTX_ADDENDA_COUNT,
        Field::new("receiving_company_name", 59, 16, Alnum),
        Field::new("reserved", 75, 2, Blank),
        DISCRETIONARY_DATA,
        ADDENDA_RECORD_INDICATOR,
        TRACE_NUMBER,
    ];
    /// CIE swaps name (15) and identification (22).
    pub const CIE: &[Field] = &[
        HEAD[0],
        HEAD[1],
        HEAD[2],
        HEAD[3],
        HEAD[4],
        HEAD[5],
        Field::new("individual_name", 40, 15, Alnum),
        Field::new("individual_identification_number", 55, 22, Alnum),
        DISCRETIONARY_DATA,
        ADDENDA_RECORD_INDICATOR,
        TRACE_NUMBER,
    ];
    /// ARC, BOC, POP, RCK, XCK: check serial number in 40–54.
    pub const CHECK: &[Field] = &[
        HEAD[0],
        HEAD[1],
        HEAD[2],
        HEAD[3],
        HEAD[4],
        HEAD[5],
        Field::new("check_serial_number", 40, 15, Alnum),
        NAME_22,
        DISCRETIONARY_DATA,
        ADDENDA_RECORD_INDICATOR,
        TRACE_NUMBER,
    ];
}

/// IAT entry detail (type 6 in an IAT batch).
pub(crate) mod iat_entry {
    use super::*;
    pub const NUMBER_OF_ADDENDA_RECORDS: Field =
        Field::new("number_of_addenda_records", 13, 4, Numeric);
    pub const FOREIGN_RECEIVERS_ACCOUNT_NUMBER: Field =
        Field::new("foreign_receivers_account_number", 40, 35, Required);
    pub const GATEWAY_OFAC: Field =
        Field::new("gateway_operator_ofac_screening_indicator", 77, 1, Alnum);
    pub const SECONDARY_OFAC: Field =
        Field::new("secondary_ofac_screening_indicator", 78, 1, Alnum);
    pub const LAYOUT: &[Field] = &[
        RT,
        super::entry::TRANSACTION_CODE,
        super::entry::RDFI,
        super::entry::CHECK_DIGIT,
        NUMBER_OF_ADDENDA_RECORDS,
        Field::new("reserved", 17, 13, Blank),
        super::entry::AMOUNT,
        FOREIGN_RECEIVERS_ACCOUNT_NUMBER,
        Field::new("reserved", 75, 2, Blank),
        GATEWAY_OFAC,
        SECONDARY_OFAC,
        super::entry::ADDENDA_RECORD_INDICATOR,
        super::entry::TRACE_NUMBER,
    ];
}

/// ADV entry detail (type 6 in an ADV batch): public Nacha layout (moov-io/ach
/// `advEntryDetail.go`), spec 06 §9 source basis. Amount is 12 digits and there is no
/// trace number: positions 80–94 carry the ACH operator's routing number, a Julian day
/// and a 4-digit sequence number.
pub(crate) mod adv_entry {
    use super::*;
    pub const DFI_ACCOUNT_NUMBER: Field = Field::new("dfi_account_number", 13, 15, Required);
    pub const AMOUNT: Field = Field::new("amount", 28, 12, Numeric);
    pub const ADVICE_ROUTING_NUMBER: Field = Field::new("advice_routing_number", 40, 9, Numeric);
    pub const FILE_IDENTIFICATION: Field = Field::new("file_identification", 49, 5, Alnum);
    pub const ACH_OPERATOR_DATA: Field = Field::new("ach_operator_data", 54, 1, Alnum);
    pub const INDIVIDUAL_NAME: Field = Field::new("individual_name", 55, 22, Required);
    pub const ACH_OPERATOR_ROUTING_NUMBER: Field =
        Field::new("ach_operator_routing_number", 80, 8, Numeric);
    pub const JULIAN_DATE_DAY: Field = Field::new("julian_date_day", 88, 3, Julian);
    pub const SEQUENCE_NUMBER: Field = Field::new("sequence_number", 91, 4, Numeric);
    pub const LAYOUT: &[Field] = &[
        RT,
        super::entry::TRANSACTION_CODE,
        super::entry::RDFI,
        super::entry::CHECK_DIGIT,
        DFI_ACCOUNT_NUMBER,
        AMOUNT,
        ADVICE_ROUTING_NUMBER,
        FILE_IDENTIFICATION,
        ACH_OPERATOR_DATA,
        INDIVIDUAL_NAME,
        super::entry::DISCRETIONARY_DATA,
        super::entry::ADDENDA_RECORD_INDICATOR,
        ACH_OPERATOR_ROUTING_NUMBER,
        JULIAN_DATE_DAY,
        SEQUENCE_NUMBER,
    ];
}

/// Addenda records (type 7), spec 06 §9.5–9.7 and the IAT addenda 10–18.
pub(crate) mod addenda {
    use super::*;
    pub const TYPE_CODE: Field = Field::new("addenda_type_code", 2, 2, Semantic);
    /// Entry detail sequence number (positions 88–94) of 05 and IAT addenda.
    pub const ENTRY_DETAIL_SEQUENCE_NUMBER: Field =
        Field::new("entry_detail_sequence_number", 88, 7, Numeric);
    /// Addenda sequence number (positions 84–87) of 05, IAT 17 and 18.
    pub const ADDENDA_SEQUENCE_NUMBER: Field =
        Field::new("addenda_sequence_number", 84, 4, Numeric);
    /// Trace number (positions 80–94) of 02, 98 and 99.
    pub const TRACE_NUMBER: Field = Field::new("trace_number", 80, 15, Numeric);

    pub const PAYMENT_RELATED_INFORMATION: Field =
        Field::new("payment_related_information", 4, 80, Alnum);
    pub const A05: &[Field] = &[
        RT,
        TYPE_CODE,
        PAYMENT_RELATED_INFORMATION,
        ADDENDA_SEQUENCE_NUMBER,
        ENTRY_DETAIL_SEQUENCE_NUMBER,
    ];

    pub const TRANSACTION_DATE: Field = Field::new("transaction_date", 26, 4, Semantic);
    pub const A02: &[Field] = &[
        RT,
        TYPE_CODE,
        Field::new("reference_information_1", 4, 7, Alnum),
        Field::new("reference_information_2", 11, 3, Alnum),
        Field::new("terminal_identification_code", 14, 6, Alnum),
        Field::new("transaction_serial_number", 20, 6, Alnum),
        TRANSACTION_DATE,
        Field::new("authorization_code_or_card_expiration_date", 30, 6, Alnum),
        Field::new("terminal_location", 36, 27, Alnum),
        Field::new("terminal_city", 63, 15, Alnum),
        Field::new("terminal_state", 78, 2, Alnum),
        TRACE_NUMBER,
    ];

    pub const CHANGE_CODE: Field = Field::new("change_code", 4, 3, Semantic);
    pub const RETURN_REASON_CODE: Field = Field::new("return_reason_code", 4, 3, Semantic);
    pub const ORIGINAL_TRACE: Field = Field::new("original_entry_trace_number", 7, 15, Numeric);
    pub const ORIGINAL_RDFI: Field =
        Field::new("original_receiving_dfi_identification", 28, 8, Numeric);
    pub const CORRECTED_DATA: Field = Field::new("corrected_data", 36, 29, Semantic);
    pub const A98: &[Field] = &[
        RT,
        TYPE_CODE,
        CHANGE_CODE,
        ORIGINAL_TRACE,
        Field::new("reserved", 22, 6, Blank),
        ORIGINAL_RDFI,
        CORRECTED_DATA,
        Field::new("reserved", 65, 15, Blank),
        TRACE_NUMBER,
    ];

    pub const DATE_OF_DEATH: Field = Field::new("date_of_death", 22, 6, Semantic);
    pub const ADDENDA_INFORMATION: Field = Field::new("addenda_information", 36, 44, Alnum);
    pub const A99: &[Field] = &[
        RT,
        TYPE_CODE,
        RETURN_REASON_CODE,
        ORIGINAL_TRACE,
        DATE_OF_DEATH,
        ORIGINAL_RDFI,
        ADDENDA_INFORMATION,
        TRACE_NUMBER,
    ];

    // Dishonored (R61, R67–R70) and contested dishonored (R71–R77) returns carry their own
    // addenda 99 layouts (spec 06 §9.7 names them; positions from the public Nacha layout as
    // moov-io/ach publishes it, the source basis of spec 06 §9).
    /// The original return's settlement date (Julian) and reason code without its `R`.
    pub const RETURN_TRACE: Field = Field::new("return_trace_number", 39, 15, Numeric);
    pub const RETURN_SETTLEMENT_DATE: Field =
        Field::new("return_settlement_date", 54, 3, OptJulian);
    pub const RETURN_REASON_2: Field = Field::new("return_reason_code", 57, 2, Numeric);
    pub const DISHONORED_CODE: Field = Field::new("dishonored_return_reason_code", 4, 3, Semantic);
    pub const DISHONORED_ADDENDA_INFORMATION: Field =
        Field::new("addenda_information", 59, 21, Alnum);
    pub const A99_DISHONORED: &[Field] = &[
        RT,
        TYPE_CODE,
        DISHONORED_CODE,
        ORIGINAL_TRACE,
        Field::new("reserved", 22, 6, Blank),
        ORIGINAL_RDFI,
        Field::new("reserved", 36, 3, Blank),
        RETURN_TRACE,
        RETURN_SETTLEMENT_DATE,
        RETURN_REASON_2,
        DISHONORED_ADDENDA_INFORMATION,
        TRACE_NUMBER,
    ];
    pub const CONTESTED_CODE: Field = Field::new("contested_return_code", 4, 3, Semantic);
    pub const DATE_ORIGINAL_ENTRY_RETURNED: Field =
        Field::new("date_original_entry_returned", 22, 6, Date);
    pub const ORIGINAL_SETTLEMENT_DATE: Field =
        Field::new("original_settlement_date", 36, 3, OptJulian);
    pub const DISHONORED_TRACE: Field =
        Field::new("dishonored_return_trace_number", 59, 15, Numeric);
    pub const DISHONORED_SETTLEMENT_DATE: Field =
        Field::new("dishonored_return_settlement_date", 74, 3, OptJulian);
    pub const DISHONORED_REASON_2: Field =
        Field::new("dishonored_return_reason_code", 77, 2, Numeric);
    pub const A99_CONTESTED: &[Field] = &[
        RT,
        TYPE_CODE,
        CONTESTED_CODE,
        ORIGINAL_TRACE,
        DATE_ORIGINAL_ENTRY_RETURNED,
        ORIGINAL_RDFI,
        ORIGINAL_SETTLEMENT_DATE,
        RETURN_TRACE,
        RETURN_SETTLEMENT_DATE,
        RETURN_REASON_2,
        DISHONORED_TRACE,
        DISHONORED_SETTLEMENT_DATE,
        DISHONORED_REASON_2,
        Field::new("reserved", 79, 1, Blank),
        TRACE_NUMBER,
    ];

    /// The addenda 99 layout its reason code (positions 4–6) selects.
    pub fn layout_99(code: &[u8]) -> &'static [Field] {
        match crate::reasons::return_kind(code) {
            crate::reasons::ReturnKind::Return => A99,
            crate::reasons::ReturnKind::Dishonored => A99_DISHONORED,
            crate::reasons::ReturnKind::Contested => A99_CONTESTED,
        }
    }

    const EDSN: Field = ENTRY_DETAIL_SEQUENCE_NUMBER;
    pub const A10: &[Field] = &[
        RT,
        TYPE_CODE,
        Field::new("transaction_type_code", 4, 3, Required),
        Field::new("foreign_payment_amount", 7, 18, Numeric),
        Field::new("foreign_trace_number", 25, 22, Alnum),
        Field::new("name_of_receiver", 47, 35, Required),
        Field::new("reserved", 82, 6, Blank),
        EDSN,
    ];
    pub const A11: &[Field] = &[
        RT,
        TYPE_CODE,
        Field::new("originator_name", 4, 35, Required),
        Field::new("originator_street_address", 39, 35, Required),
        Field::new("reserved", 74, 14, Blank),
        EDSN,
    ];
    pub const A12: &[Field] = &[
        RT,
        TYPE_CODE,
        Field::new("originator_city_state_province", 4, 35, Required),
        Field::new("originator_country_postal_code", 39, 35, Required),
        Field::new("reserved", 74, 14, Blank),
        EDSN,
    ];
    pub const A13: &[Field] = &[
        RT,
        TYPE_CODE,
        Field::new("originating_dfi_name", 4, 35, Required),
        Field::new(
            "originating_dfi_identification_number_qualifier",
            39,
            2,
            Semantic,
        ),
        Field::new("originating_dfi_identification", 41, 34, Required),
        Field::new("originating_dfi_branch_country_code", 75, 3, Required),
        Field::new("reserved", 78, 10, Blank),
        EDSN,
    ];
    pub const A14: &[Field] = &[
        RT,
        TYPE_CODE,
        Field::new("receiving_dfi_name", 4, 35, Required),
        Field::new(
            "receiving_dfi_identification_number_qualifier",
            39,
            2,
            Semantic,
        ),
        Field::new("receiving_dfi_identification", 41, 34, Required),
        Field::new("receiving_dfi_branch_country_code", 75, 3, Required),
        Field::new("reserved", 78, 10, Blank),
        EDSN,
    ];
    pub const A15: &[Field] = &[
        RT,
        TYPE_CODE,
        Field::new("receiver_identification_number", 4, 15, Alnum),
        Field::new("receiver_street_address", 19, 35, Required),
        Field::new("reserved", 54, 34, Blank),
        EDSN,
    ];
    pub const A16: &[Field] = &[
        RT,
        TYPE_CODE,
        Field::new("receiver_city_state_province", 4, 35, Required),
        Field::new("receiver_country_postal_code", 39, 35, Required),
        Field::new("reserved", 74, 14, Blank),
        EDSN,
    ];
    pub const A17: &[Field] = &[
        RT,
        TYPE_CODE,
        PAYMENT_RELATED_INFORMATION,
        ADDENDA_SEQUENCE_NUMBER,
        EDSN,
    ];
    pub const A18: &[Field] = &[
        RT,
        TYPE_CODE,
        Field::new("foreign_correspondent_bank_name", 4, 35, Required),
        Field::new(
            "foreign_correspondent_bank_identification_number_qualifier",
            39,
            2,
            Semantic,
        ),
        Field::new(
            "foreign_correspondent_bank_identification_number",
            41,
            34,
            Required,
        ),
        Field::new(
            "foreign_correspondent_bank_branch_country_code",
            75,
            3,
            Required,
        ),
        Field::new("reserved", 78, 6, Blank),
        ADDENDA_SEQUENCE_NUMBER,
        EDSN,
    ];
    /// Qualifier field (positions 39–40) of IAT addenda 13, 14 and 18.
    pub const IAT_QUALIFIER_START: usize = 39;

    /// Layout of an addenda type code, if known.
    pub fn layout(type_code: u8) -> Option<&'static [Field]> {
        Some(match type_code {
            2 => A02,
            5 => A05,
            98 => A98,
            99 => A99,
            10 => A10,
            11 => A11,
            12 => A12,
            13 => A13,
            14 => A14,
            15 => A15,
            16 => A16,
            17 => A17,
            18 => A18,
            _ => return None,
        })
    }
}

/// Company/batch control (type 8), spec 06 §9.8.
pub(crate) mod batch_control {
    use super::*;
    pub const SERVICE_CLASS_CODE: Field = Field::new("service_class_code", 2, 3, Numeric);
    pub const ENTRY_ADDENDA_COUNT: Field = Field::new("entry_addenda_count", 5, 6, Numeric);
    pub const ENTRY_HASH: Field = Field::new("entry_hash", 11, 10, Numeric);
    pub const TOTAL_DEBIT: Field = Field::new("total_debit_entry_dollar_amount", 21, 12, Numeric);
    pub const TOTAL_CREDIT: Field = Field::new("total_credit_entry_dollar_amount", 33, 12, Numeric);
    pub const COMPANY_IDENTIFICATION: Field = Field::new("company_identification", 45, 10, Alnum);
    pub const MESSAGE_AUTHENTICATION_CODE: Field =
        Field::new("message_authentication_code", 55, 19, Alnum);
    pub const ODFI: Field = Field::new("originating_dfi_identification", 80, 8, Numeric);
    pub const BATCH_NUMBER: Field = Field::new("batch_number", 88, 7, Numeric);
    pub const LAYOUT: &[Field] = &[
        RT,
        SERVICE_CLASS_CODE,
        ENTRY_ADDENDA_COUNT,
        ENTRY_HASH,
        TOTAL_DEBIT,
        TOTAL_CREDIT,
        COMPANY_IDENTIFICATION,
        MESSAGE_AUTHENTICATION_CODE,
        Field::new("reserved", 74, 6, Blank),
        ODFI,
        BATCH_NUMBER,
    ];
}

/// ADV batch control (type 8 in an ADV batch): public Nacha layout (moov-io/ach
/// `advBatchControl.go`), spec 06 §9 source basis. Totals are 20 digits; no company
/// identification or message authentication code.
pub(crate) mod adv_batch_control {
    use super::*;
    pub const TOTAL_DEBIT: Field = Field::new("total_debit_entry_dollar_amount", 21, 20, Numeric);
    pub const TOTAL_CREDIT: Field = Field::new("total_credit_entry_dollar_amount", 41, 20, Numeric);
    pub const ACH_OPERATOR_DATA: Field = Field::new("ach_operator_data", 61, 19, Alnum);
    pub const LAYOUT: &[Field] = &[
        RT,
        super::batch_control::SERVICE_CLASS_CODE,
        super::batch_control::ENTRY_ADDENDA_COUNT,
        super::batch_control::ENTRY_HASH,
        TOTAL_DEBIT,
        TOTAL_CREDIT,
        ACH_OPERATOR_DATA,
        super::batch_control::ODFI,
        super::batch_control::BATCH_NUMBER,
    ];
}

/// File control (type 9), spec 06 §9.9.
pub(crate) mod file_control {
    use super::*;
    pub const BATCH_COUNT: Field = Field::new("batch_count", 2, 6, Numeric);
    pub const BLOCK_COUNT: Field = Field::new("block_count", 8, 6, Numeric);
    pub const ENTRY_ADDENDA_COUNT: Field = Field::new("entry_addenda_count", 14, 8, Numeric);
    pub const ENTRY_HASH: Field = Field::new("entry_hash", 22, 10, Numeric);
    pub const TOTAL_DEBIT: Field =
        Field::new("total_debit_entry_dollar_amount_in_file", 32, 12, Numeric);
    pub const TOTAL_CREDIT: Field =
        Field::new("total_credit_entry_dollar_amount_in_file", 44, 12, Numeric);
    pub const LAYOUT: &[Field] = &[
        RT,
        BATCH_COUNT,
        BLOCK_COUNT,
        ENTRY_ADDENDA_COUNT,
        ENTRY_HASH,
        TOTAL_DEBIT,
        TOTAL_CREDIT,
        Field::new("reserved", 56, 39, Blank),
    ];
}

/// ADV file control (type 9 of a file of ADV batches): public Nacha layout (moov-io/ach
/// `advFileControl.go`), spec 06 §9 source basis. Totals are 20 digits.
pub(crate) mod adv_file_control {
    use super::*;
    pub const TOTAL_DEBIT: Field =
        Field::new("total_debit_entry_dollar_amount_in_file", 32, 20, Numeric);
    pub const TOTAL_CREDIT: Field =
        Field::new("total_credit_entry_dollar_amount_in_file", 52, 20, Numeric);
    pub const LAYOUT: &[Field] = &[
        RT,
        super::file_control::BATCH_COUNT,
        super::file_control::BLOCK_COUNT,
        super::file_control::ENTRY_ADDENDA_COUNT,
        super::file_control::ENTRY_HASH,
        TOTAL_DEBIT,
        TOTAL_CREDIT,
        Field::new("reserved", 72, 23, Blank),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every layout must tile positions 1–94 exactly, without gaps or overlaps.
    #[test]
    fn layouts_cover_94_positions() {
        let mut all: Vec<(&str, &[Field])> = vec![
            ("file_header", file_header::LAYOUT),
            ("batch_header", batch_header::LAYOUT),
            ("iat_batch_header", iat_batch_header::LAYOUT),
            ("entry", entry::STANDARD),
            ("entry_ccd", entry::CCD),
            ("entry_ctx", entry::CTX),
            ("entry_cie", entry::CIE),
            ("entry_check", entry::CHECK),
            ("iat_entry", iat_entry::LAYOUT),
            ("batch_control", batch_control::LAYOUT),
            ("file_control", file_control::LAYOUT),
            ("adv_entry", adv_entry::LAYOUT),
            ("adv_batch_control", adv_batch_control::LAYOUT),
            ("adv_file_control", adv_file_control::LAYOUT),
        ];
        for t in [2u8, 5, 98, 99, 10, 11, 12, 13, 14, 15, 16, 17, 18] {
            all.push(("addenda", addenda::layout(t).unwrap()));
        }
        for (name, layout) in all {
            let mut next = 1;
            for f in layout {
                assert_eq!(f.start, next, "{name}: gap or overlap at {}", f.name);
                next = f.start + f.len;
            }
            assert_eq!(next, RECORD_LEN + 1, "{name} does not end at 94");
        }
    }
}
