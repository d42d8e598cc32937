//! Findings, the stable code catalogue and the per-file report.

use serde::Serialize;

/// Whether a finding rejects the file (D7: any error rejects it, warnings never do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Rejects the whole file.
    Error,
    /// Reported, never rejects.
    Warning,
}

/// One entry of the stable error-code catalogue.
#[derive(Debug, Clone, Copy)]
pub struct CodeInfo {
    /// The snake_case code written in reports; never renamed once shipped.
    pub code: &'static str,
    /// Severity the validator gives it (a few codes are warnings in partial schemas).
    pub severity: Severity,
    /// What it means.
    pub meaning: &'static str,
    /// An input that triggers it.
    pub example: &'static str,
    /// Where the rule comes from.
    pub source: &'static str,
}

macro_rules! catalogue {
    ($( $ident:ident = $code:literal, $sev:ident, $meaning:literal, $example:literal, $source:literal; )*) => {
        /// Codes the CSV validator and the file-name parser emit.
        pub mod code {
            $( #[doc = $meaning] pub const $ident: &str = $code; )*
        }
        /// The whole catalogue, in documentation order (the README table is checked against it).
        pub const CODES: &[CodeInfo] = &[
            $( CodeInfo { code: $code, severity: Severity::$sev, meaning: $meaning, example: $example, source: $source }, )*
        ];
    };
}

catalogue! {
    ENCODING = "encoding", Error, "A value is not valid UTF-8.", "byte `0xFF` in a name", "decision D2";
    BOM = "bom", Warning, "The file starts with a UTF-8 byte-order mark; it is stripped.", "`EF BB BF` before the header", "decision D2";
    EMPTY_FILE = "empty_file", Warning, "A 0-byte file: accepted as a no-activity day.", "an empty upload", "decision D2, spec 03 §0";
    WRONG_DELIMITER = "wrong_delimiter", Error, "The header uses `,` or `;` instead of `|`.", "`client_card_id,account_id`", "decision D2, spec 01 §0.6";
    HEADER_CASE = "header_case", Error, "A header matches a column only case-insensitively.", "`CLIENT_CARD_ID`", "decision D2, spec 01 §0.6";
    MISSING_COLUMN = "missing_column", Error, "A schema column is absent from the header (a warning for columns known only from other pages of a partial schema).", "no `currency` column", "decision D2";
    UNKNOWN_COLUMN = "unknown_column", Error, "A header the schema does not know (a warning in partial schemas).", "`favourite_colour`", "decision D2";
    DUPLICATE_COLUMN = "duplicate_column", Error, "A header appears twice (also both spellings of a D4 misspelling).", "`ocupation|occupation`", "decision D2, D4";
    MISSPELLED_COLUMN = "misspelled_column", Warning, "The bank's printed misspelling of a header was used; the corrected name is reported.", "`inteded_roles`", "decision D4";
    MISSPELLED_VALUE = "misspelled_value", Warning, "The bank's printed misspelling of an enum value was used.", "`dormat`", "decision D4";
    RAGGED_ROW = "ragged_row", Error, "A row has a different number of fields than the header.", "3 fields under a 14-column header", "decision D2";
    BLANK_ROW = "blank_row", Error, "An empty line between or after rows (one final line end is fine).", "`\\n\\n`", "decision D2";
    STRAY_QUOTE = "stray_quote", Error, "A quote inside an unquoted value, or text after a closing quote.", "`ab\"c`", "decision D2";
    UNCLOSED_QUOTE = "unclosed_quote", Error, "A quoted value is never closed.", "`\"abc` at end of file", "decision D2";
    LINE_TOO_LONG = "line_too_long", Error, "A row (a line, or a quoted value over several lines) is longer than the most a row may have, 262,144 bytes by default; the rest of the file is not read.", "a 300 KiB line, or a `\"` never closed", "`Options::max_line_bytes`";
    REQUIRED = "required", Error, "A required value is empty or `null`.", "empty `client_card_id`", "schemas (`required = true`)";
    CONDITIONAL_REQUIRED = "conditional_required", Error, "A value required by another column's value is missing.", "`card_status = closed` without `closed_at`", "schemas (`required_if`, `one_of`, `exactly_one`)";
    NOT_ALLOWED = "not_allowed", Error, "A value that must be empty, or is not allowed with another column's value.", "`business_type = llc` for `customer_type = sole_prop`", "schemas (`not_allowed_if`, `values_if`, `exactly_one`)";
    ENUM = "enum", Error, "A value outside the column's allowed values (exact, lower-case spelling).", "`card_status = Active`", "decision D3";
    PATTERN = "pattern", Error, "A value does not match the column's pattern.", "`website = www.x.com`", "schemas (`pattern`)";
    LENGTH = "length", Error, "A value (or list) is shorter or longer than allowed.", "a 65-character `client_customer_id`", "schemas (`min_len`, `max_len`, `min_items`)";
    TYPE_INTEGER = "type_integer", Error, "Not an integer (`-?[0-9]+` within 64 bits).", "`12.0`", "decision D3";
    TYPE_DECIMAL = "type_decimal", Error, "Not a plain decimal (`-?[0-9]+(\\.[0-9]+)?`: no exponent, `+`, separators or symbols).", "`1e5`, `+1.00`, `1.`, `.5`, `$5`", "decision D3";
    NEGATIVE = "negative", Error, "A minus sign in a column not marked `signed`.", "`balance = -1.00`", "decision D3, spec 01 §6.2";
    TOO_FEW_DECIMALS = "too_few_decimals", Error, "Fewer fractional digits than the currency's minor units (or the column's minimum).", "`11.5` in USD", "decision D3, spec 05 §5.1";
    TOO_MANY_DECIMALS = "too_many_decimals", Error, "More fractional digits than allowed (8 unless the column says otherwise).", "`1.123456789`", "decision D3";
    TYPE_DATE = "type_date", Error, "Not a real `YYYY-MM-DD` calendar date.", "`2026-02-30`", "decision D3";
    TYPE_DATETIME = "type_datetime", Error, "Not an RFC 3339 datetime with `Z` or an offset.", "`2026-01-27T10:00:00` (no zone)", "decision D3";
    TYPE_BOOLEAN = "type_boolean", Error, "Not `true` or `false`.", "`TRUE`, `1`", "decision D3";
    TYPE_LIST = "type_list", Error, "Not a JSON array of strings.", "`[1,2]`", "decision D3";
    LIST_FORMAT = "list_format", Warning, "A list in the documented form without brackets; accepted.", "`\"entity_1\", \"entity_2\"`", "decision D3, spec 03 §6.1";
    TYPE_JSON = "type_json", Error, "Not a JSON value.", "`{broken`", "decision D3";
    TYPE_CURRENCY = "type_currency", Error, "Not an active ISO 4217 code (or not allowed for the program).", "`usd`, `XYZ`", "decision D3";
    TYPE_COUNTRY = "type_country", Error, "Not an ISO 3166-1 alpha-2 code.", "`USA`", "decision D3";
    TYPE_STATE = "type_state", Error, "Not a US state or territory code.", "`ZZ`", "decision D3";
    DOCUMENT_REFERENCE = "document_reference", Error, "A compliance document reference cell is not a JSON array of objects, or an object has a key other than `document_id`, `type`, `displayed_at`, `consented_at`, `version`, or a key's value is not a string; the message names the object and key (`documents[1].colour`).", "`[{\"document_id\":\"a.pdf\",\"type\":\"aan\",\"colour\":\"red\"}]`", "spec 03 §9.1, spec 01 §15.1";
    SIGN_MISMATCH = "sign_mismatch", Error, "Two amounts that must share a sign do not.", "`amount = -5.00`, `amount_in_usd = 5.00`", "schemas (`same_sign`), spec 05 §5.1";
    COMPARISON = "comparison", Error, "Two values are out of the documented order.", "`activated_at` before `created_at`", "schemas (`compare`), spec 04 §1.2";
    DUPLICATE_ID = "duplicate_id", Error, "The file's id column repeats a value of an earlier row.", "`client_card_id = c1` twice", "issue 2, spec 05 §4.3";
    BAD_FILE_NAME = "bad_file_name", Error, "The file name does not follow `<date|batch>_<file_type>_<version>[.csv]`, or is longer than 200 bytes (`[sftp] max_name_len`).", "`cards.csv`", "decision D5";
    DUPLICATE_ID_HISTORY = "duplicate_id_history", Error, "A `client_transaction_id` already applied from an earlier accepted file (ids never repeat, D8).", "yesterday's id sent again", "decision D8, spec 05 §3.1";
    UNKNOWN_REFERENCE = "unknown_reference", Error, "A value names a record that was never accepted (nor is in the same file, the batch's other file or the registry), or one of the wrong kind.", "a transaction on balance `b9` nobody sent", "decision D8, spec 02 §8, spec 03 §10, spec 04 §1.4, spec 05 §3.2, §8";
    MISSING_BALANCE = "missing_balance", Error, "A balance that was non-terminal in the last accepted balance file (or created through the API before the file's day) is missing from this one.", "balance `b1` active yesterday, absent today", "decision D9, spec 05 §3.2";
    DISALLOWED_REFERENCE = "disallowed_reference", Error, "A value that must be listed on the record another column names is not, e.g. a card's entity that is neither an account holder nor an authorized user of its account.", "a card for `cus-9` on an account held by `cus-1`", "spec 04 §1.4, §2.1 (Disallowed Entity Reference)";
    OUTDATED_UPDATE = "outdated_update", Error, "An update whose `effective_at` is not later than that of the record already received under its key.", "`effective_at` 2026-01-05 after 2026-01-09 was accepted", "spec 02 §6.1, spec 03 §4.1 (A7), §8.1 (Ac7)";
    TERMINAL_RECORD = "terminal_record", Error, "A change to a record already in a terminal state (an approved, declined or canceled application; a closed account or card; a closed or transferred balance, which is not reported again).", "a closed account sent again as active", "spec 03 §4.1 (A5), §8.1 (Ac5), spec 04 §1.3, spec 05 §2.2";
    UNPAIRED_BATCH = "unpaired_batch", Error, "A customer relationship file whose batch has no accepted customer file: the two are validated as a pair.", "`b7_customer_relationship_v1` after `b7_customer_v1` was rejected", "spec 02 §4.4";
    FOLDER_MISMATCH = "folder_mismatch", Error, "The file's type does not match the folder it was dropped in.", "`..._card_v1.csv` in `transaction/`", "decision D5";
    DUPLICATE = "duplicate", Error, "The same name (type, date or batch, version) was already received, or the same bytes were already accepted; nothing is applied again.", "`2026-01-27_card_v1.csv` sent twice", "decision D5";
    ALREADY_ACCEPTED = "already_accepted", Error, "A file of this type was already accepted for this date (only customer files may come several times a day).", "`..._card_v2.csv` after `v1` was accepted", "decision D5, spec 01 §5.2";
    UNKNOWN_FILE_TYPE = "unknown_file_type", Error, "The file type is not one bankdrop knows (or is not supported by this command).", "`--type cheque`", "decision D5";
    PROCESSING_FAILED = "processing_failed", Error, "bankdrop itself could not decide the file after several attempts (outcome `failed`): it was set aside in `failed/` and the operators alerted; nothing was applied, and the same name may be sent again.", "the disk was full while its results were written", "issue 9 (project default)";
    DUPLICATE_TRACE = "duplicate_trace", Error, "A Nacha entry whose trace number an entry of an earlier accepted file of the partner used: ACH files carry new entries only.", "yesterday's entries sent again under a new file name", "spec 06 §1.5";
    NOC_NOT_APPLIED = "noc_not_applied", Warning, "A Nacha entry to a receiver whose account data a notification of change corrected, still sent with the old data (the file is accepted).", "C01 changed the account of an entry; the next file sends the old account again", "spec 06 §7";
    PER_TRANSACTION_LIMIT_EXCEEDED = "per_transaction_limit_exceeded", Error, "A Nacha entry above `[program] ach_per_transaction_limit`, the per-transaction limit agreed with the bank.", "a 30000.00 entry with a limit of 25000.00", "spec 06 §5.2";
    AGGREGATE_LIMIT_EXCEEDED = "aggregate_limit_exceeded", Error, "The entries of one processing day, from earlier accepted files and this one, pass `[program] ach_daily_limit`; reported on the entry that crosses it.", "a second file that brings the day to 120000.00 with a limit of 100000.00", "spec 06 §5.2";
    EFFECTIVE_DATE_TOO_FAR = "effective_date_too_far", Error, "A batch effective further ahead than `[ach.windows.effective_dates] max_days_ahead` (30 days).", "a batch effective in three months", "spec 06 §3.4 (project default)";
    INVALID_NAMESPACE = "invalid_namespace", Error, "An id starting with a prefix the bank reserves for its own ids (a future rule: a warning until the program sets it to `reject`).", "`client_card_id` `card_123`", "spec 03 §4.2 (AF1), §8.2 (AcF1), spec 04 §2.2";
    IMMUTABLE_FIELD = "immutable_field", Error, "An update changing a field that cannot change once it holds a value.", "a balance's `type` changed from `loan` to `deposit`", "spec 05 §4.3, spec 02 §7.1, spec 04 §2.2";
    DISALLOWED_STATE = "disallowed_state", Error, "The record a column names is in a state that does not allow this row (a card update on a closed account that does not close the card; an account from an application that is not approved).", "a card `active` on account `acc-1`, closed", "spec 04 §2.1, spec 01 §6.2, spec 02 §6.2, §7.1";
    ALREADY_TAKEN = "already_taken", Error, "A value at most one record may hold is held by another record, stored or earlier in the file: a balance pledged by a second collateral.", "balance `bal-1` pledged by `col-2` while `col-1` pledges it", "spec 02 §7.1";
    TYPE_NOT_FOR_BALANCE = "type_not_for_balance", Error, "A transaction or non-posted `type` the program does not allow on the type of the balance the row names (`[program] transaction_types_by_balance`).", "`fee` on a `deposit` balance when deposit balances take debit, credit and refund", "spec 05 §6.5";
    ENTITY_ROLE_MISMATCH = "entity_role_mismatch", Error, "An entity named in a role its customer type cannot hold (a business or sole proprietor as authorized signer or user: only individuals may), or account holders mixing individuals with businesses or sole proprietors; checked where the customer file gives the type (not for Entity API ids).", "`authorized_signers` naming a `business` customer on an approved application", "spec 03 §4.1 (A6), §8.1 (Ac6), §11.1, spec 02 §3";
    SAME_DAY_UPDATE = "same_day_update", Error, "A transaction update naming a transaction of the same day's transaction file; updates follow a day later unless `[program] same_day_transaction_updates = true`.", "an update of `tx-9`, sent in `2026-03-03_transaction_v1.csv`, dated 2026-03-03", "spec 05 §8.3";
    DISHONOR_WITHOUT_RETURN = "dishonor_without_return", Error, "A dishonored return (R61, R67–R70) of an entry that has no return delivered to the partner, or whose return was dishonored already.", "R69 for trace 091000010000007, never returned", "spec 06 §9.7, §4";
    DOCUMENT_TYPE_NOT_ALLOWED = "document_type_not_allowed", Error, "A file in `documents/` whose name does not end in `.pdf`, `.jpg`, `.jpeg`, `.png` or `.html` (any case), or whose bytes are none of PDF, JPEG, PNG or HTML (e.g. a program renamed `id.pdf`).", "an ELF executable named `id.pdf`", "spec 01 §14.1 (content sniffing: project default)";
    DOCUMENT_CONTENT_MISMATCH = "document_content_mismatch", Error, "A document whose bytes are an accepted type other than the one its extension names.", "PDF bytes named `id.png`", "spec 01 §14.1 (project default)";
    UNKNOWN_DOCUMENT = "unknown_document", Error, "A document reference's `document_id` names no document the partner sent to `documents/` that bankdrop accepted (before this file: the document comes first).", "`[{\"document_id\":\"never-sent.pdf\",…}]`", "spec 03 §9.1, spec 01 §14.1 (ordering: project default)";
    EFFECTIVE_DATE_NOT_BUSINESS_DAY = "effective_date_not_business_day", Error, "A batch effective on a weekend or Fed holiday, refused by `non_business = \"reject\"` (the default rolls it to the next business day).", "a batch effective on Christmas", "spec 06 §3.4 (project default)";
    UNKNOWN_SALE = "unknown_sale", Error, "A Sales Response names a `sale_id` that no Sales Request sent to the partner carried.", "`sale_20260305_0009` never offered", "spec 04 §4.2";
    SALE_ALREADY_ANSWERED = "sale_already_answered", Error, "A Sales Response answers a sale an earlier accepted Sales Response answered already (each sale is answered once; responses are new entries only).", "yesterday's `accepted` row for `sale_20260305_0001` sent again", "spec 04 §4.1, spec 01 §1.5";
    UNANSWERED_SALE = "unanswered_sale", Warning, "After this Sales Response, a sale of a Sales Request of its date or earlier is still unanswered (the bank's rule for a missing answer is not documented: reported, not rejected).", "two sales offered, one answered", "spec 04 §4.4 (project default)";
    BEFORE_DAY0 = "before_day0", Error, "A daily file dated before the partner's Day 0 (`bankdrop partner schedule`): the schedule starts at Day 0, so the date is wrong or the file is left over from an earlier testing round.", "`2026-01-26_customer_v1.csv` with Day 0 2026-01-27", "spec 01 §12.2 (rejecting: project default)";
    PREVIOUS_DAY_MISSING = "previous_day_missing", Warning, "A daily file processed while the partner's previous due day still has no accepted file of its type: it waited for it until its own deadline (row 0; the value names the missing day).", "`2026-01-29_balance_v1.csv` at its deadline, no balance file accepted for 2026-01-28", "spec 01 §12.5 (release at the deadline: project default)";
    EFFECTIVE_AT_NOT_PREVIOUS_DAY = "effective_at_not_previous_day", Warning, "In a daily file dated T of a partner with a Day 0, an `effective_at` not on calendar day T−1 in America/Chicago (day T too is fine where `effective_at` is when the source was polled: authorized user, non-posted transaction, sales response).", "`2026-01-25T15:00:00Z` in `2026-01-27_transaction_v1.csv`", "spec 01 §12.1, §12.3, §12.5";
    GENERATED_AT_NOT_SENDING_DAY = "generated_at_not_sending_day", Warning, "In a daily file of a partner with a Day 0, a `generated_at` not on the day the file arrived (America/Chicago): it must be the date the file is sent.", "`2026-01-26` in a file uploaded on 2026-01-27", "spec 05 §7.1, spec 04 §1.2, spec 02 §5.3";
}

/// One problem found in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Row number, header = 1 (D7); 0 for findings about the file as a whole.
    pub row: u64,
    /// Column (corrected spelling) the finding is about, if any.
    pub column: Option<String>,
    /// Stable code from [`CODES`].
    pub code: &'static str,
    /// Human explanation, never containing an unmasked sensitive value.
    pub message: String,
    /// The offending value, masked when the column is sensitive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Final decision for one file (D7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// No errors: the file may be applied.
    Accepted,
    /// At least one error: nothing of the file is applied.
    Rejected,
}

/// What the validator found in one file.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The file type validated against.
    pub file_type: String,
    /// `accepted` when there is no error.
    pub outcome: Outcome,
    /// Data rows (the header and a final line end are not rows; blank rows are).
    pub rows: u64,
    /// Bytes read.
    pub bytes: u64,
    /// All errors found (not only the kept ones).
    pub error_count: u64,
    /// All warnings found.
    pub warning_count: u64,
    /// The first errors in row order (up to the limit the caller chose).
    pub errors: Vec<Finding>,
    /// The first warnings in row order.
    pub warnings: Vec<Finding>,
}

impl Report {
    /// A rejection about the file as a whole (row 0), e.g. a bad file name.
    pub fn file_error(file_type: &str, code: &'static str, message: String) -> Report {
        let mut c = Collector::new(1);
        let f = Finding {
            row: 0,
            column: None,
            code,
            message,
            value: None,
        };
        c.push(Severity::Error, f);
        c.finish(file_type, 0, 0)
    }
}

/// The most of a finding's value (masked first) or column kept, in bytes. A value can be as long
/// as a row, and a report keeps a thousand findings: cut, their memory no longer follows the
/// file.
pub const MAX_VALUE_BYTES: usize = 256;

/// The most of a finding's message kept, in bytes (messages quote header names and list items).
pub const MAX_MESSAGE_BYTES: usize = 1024;

/// Cuts `s` to at most `max` bytes (at a character boundary), marking the cut with `…`, and
/// gives back the memory it no longer needs.
fn cut(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
        s.shrink_to_fit();
    }
}

/// A finding of bounded size. The column is cut like a value: an unknown header names itself.
fn bounded(mut f: Finding) -> Finding {
    cut(&mut f.message, MAX_MESSAGE_BYTES);
    for s in [f.value.as_mut(), f.column.as_mut()].into_iter().flatten() {
        cut(s, MAX_VALUE_BYTES);
    }
    f
}

/// Where the row checks put their findings: the file's [`Collector`], or one chunk's [`Part`]
/// on the parallel path.
pub(crate) trait Out {
    /// Records a finding; callers add them in row order.
    fn push(&mut self, severity: Severity, f: Finding);
    /// Errors recorded so far.
    fn error_count(&self) -> u64;
    /// No more findings fit: the scan stops (the parallel path then redoes the chunk in order).
    fn full(&self) -> bool {
        false
    }
}

impl Out for Collector<'_> {
    fn push(&mut self, severity: Severity, f: Finding) {
        Collector::push(self, severity, f);
    }

    fn error_count(&self) -> u64 {
        self.error_count
    }
}

/// The findings of one chunk of a file, validated on another thread before the rows before it
/// are known: rows count from the chunk's first record, and [`Collector::absorb`] adds them to
/// the file's findings once every earlier chunk's are in. Memory is bounded: the first `keep`
/// findings of each severity are kept, all counted (the report keeps no more than `keep` of the
/// whole file); with a sink every error is kept, up to a cap past which the part is
/// [`Out::full`].
#[derive(Debug)]
pub(crate) struct Part {
    errors: Vec<Finding>,
    warnings: Vec<Finding>,
    error_count: u64,
    warning_count: u64,
    keep: usize,
    /// `Some(cap)`: every error is kept (for the sink), up to `cap`.
    all_errors: Option<usize>,
}

impl Part {
    /// An empty part keeping `keep` findings of each severity, or every error up to `cap` when
    /// `all_errors` is `Some(cap)`.
    pub(crate) fn new(keep: usize, all_errors: Option<usize>) -> Self {
        Part {
            errors: Vec::new(),
            warnings: Vec::new(),
            error_count: 0,
            warning_count: 0,
            keep,
            all_errors,
        }
    }
}

impl Out for Part {
    fn push(&mut self, severity: Severity, f: Finding) {
        let (list, count, keep) = match severity {
            Severity::Error => (
                &mut self.errors,
                &mut self.error_count,
                self.all_errors.map_or(self.keep, |_| usize::MAX),
            ),
            Severity::Warning => (&mut self.warnings, &mut self.warning_count, self.keep),
        };
        *count += 1;
        if list.len() < keep {
            list.push(bounded(f));
        }
    }

    fn error_count(&self) -> u64 {
        self.error_count
    }

    fn full(&self) -> bool {
        self.all_errors.is_some_and(|cap| self.errors.len() > cap)
    }
}

/// Where every error goes as it is found, beyond the kept ones (an errors file on disk).
pub type ErrorSink<'s> = &'s mut dyn FnMut(&Finding);

/// Keeps the first `limit` findings of each severity in row order and counts all of them;
/// every error also goes to the sink, when there is one.
pub struct Collector<'s> {
    limit: usize,
    errors: Vec<Finding>,
    warnings: Vec<Finding>,
    error_count: u64,
    warning_count: u64,
    sink: Option<ErrorSink<'s>>,
    /// Errors came through [`Collector::push_late`]: the kept list needs sorting.
    late: bool,
}

impl std::fmt::Debug for Collector<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collector")
            .field("limit", &self.limit)
            .field("error_count", &self.error_count)
            .field("warning_count", &self.warning_count)
            .finish_non_exhaustive()
    }
}

impl<'s> Collector<'s> {
    /// A collector keeping at most `limit` errors and `limit` warnings.
    pub fn new(limit: usize) -> Self {
        Collector {
            limit,
            errors: Vec::new(),
            warnings: Vec::new(),
            error_count: 0,
            warning_count: 0,
            sink: None,
            late: false,
        }
    }

    /// A collector that also hands every error to `sink`, in the order found.
    pub fn with_sink(limit: usize, sink: ErrorSink<'s>) -> Self {
        Collector {
            sink: Some(sink),
            ..Collector::new(limit)
        }
    }

    /// Records a finding (its value and message cut to [`MAX_VALUE_BYTES`] and
    /// [`MAX_MESSAGE_BYTES`]). Callers add findings in row order; those found at the end go
    /// through [`Collector::push_late`].
    pub fn push(&mut self, severity: Severity, f: Finding) {
        let f = bounded(f);
        if let (Severity::Error, Some(sink)) = (severity, self.sink.as_mut()) {
            sink(&f);
        }
        let (list, count) = match severity {
            Severity::Error => (&mut self.errors, &mut self.error_count),
            Severity::Warning => (&mut self.warnings, &mut self.warning_count),
        };
        *count += 1;
        if list.len() < self.limit {
            list.push(f);
        }
    }

    /// Adds the findings of a chunk whose first record is row `first_row`, as if each had been
    /// [pushed](Collector::push) in turn (already cut to size: cutting twice would cut more).
    /// A part without every error (see [`Part`]) may only come with no sink.
    pub(crate) fn absorb(&mut self, part: Part, first_row: u64) {
        debug_assert!(self.sink.is_none() || part.all_errors.is_some());
        let offset = first_row - 1;
        for (severity, list, count) in [
            (Severity::Error, part.errors, part.error_count),
            (Severity::Warning, part.warnings, part.warning_count),
        ] {
            for mut f in list {
                f.row += offset;
                if let (Severity::Error, Some(sink)) = (severity, self.sink.as_mut()) {
                    sink(&f);
                }
                let kept = match severity {
                    Severity::Error => &mut self.errors,
                    Severity::Warning => &mut self.warnings,
                };
                if kept.len() < self.limit {
                    kept.push(f);
                }
            }
            match severity {
                Severity::Error => self.error_count += count,
                Severity::Warning => self.warning_count += count,
            }
        }
    }

    /// Whether every error must be kept (a sink wants them all).
    pub(crate) fn has_sink(&self) -> bool {
        self.sink.is_some()
    }

    /// Adds an error found only at the end of the stream (a duplicate id), in any row order. It
    /// goes to the sink and is counted at once; the kept list stays the first `limit` errors by
    /// row (an in-order error before a late one of the same row) in O(limit) memory: it is
    /// sorted and cut back to `limit` whenever it reaches twice that.
    pub fn push_late(&mut self, f: Finding) {
        let f = bounded(f);
        if let Some(sink) = self.sink.as_mut() {
            sink(&f);
        }
        self.error_count += 1;
        if self.limit == 0 {
            return;
        }
        self.late = true;
        self.errors.push(f);
        if self.errors.len() >= 2 * self.limit {
            self.settle();
        }
    }

    /// Sorts the kept errors by row (stable: arrival order within a row) and keeps `limit`.
    fn settle(&mut self) {
        self.errors.sort_by_key(|f| f.row);
        self.errors.truncate(self.limit);
    }

    /// Errors counted so far.
    pub fn error_count(&self) -> u64 {
        self.error_count
    }

    /// Turns the collected findings into a report.
    pub fn finish(mut self, file_type: &str, rows: u64, bytes: u64) -> Report {
        if self.late {
            self.settle();
        }
        Report {
            file_type: file_type.to_string(),
            outcome: if self.error_count == 0 {
                Outcome::Accepted
            } else {
                Outcome::Rejected
            },
            rows,
            bytes,
            error_count: self.error_count,
            warning_count: self.warning_count,
            errors: self.errors,
            warnings: self.warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_and_messages_are_cut_at_a_character_boundary() {
        let mut c = Collector::new(10);
        let mut seen = Vec::new();
        let mut sink = |f: &Finding| seen.push(f.clone());
        let mut c2 = Collector::with_sink(10, &mut sink);
        for c in [&mut c, &mut c2] {
            c.push(
                Severity::Error,
                Finding {
                    row: 2,
                    column: Some("c".repeat(1000)),
                    code: code::LENGTH,
                    message: "m".repeat(1 << 20),
                    value: Some("é".repeat(MAX_VALUE_BYTES)),
                },
            );
        }
        let r = c.finish("card", 1, 0);
        drop(c2);
        for f in [&r.errors[0], &seen[0]] {
            let v = f.value.as_deref().unwrap();
            assert_eq!(v, format!("{}…", "é".repeat(MAX_VALUE_BYTES / 2)));
            assert_eq!(f.message, format!("{}…", "m".repeat(MAX_MESSAGE_BYTES)));
            let column = format!("{}…", "c".repeat(MAX_VALUE_BYTES));
            assert_eq!(f.column.as_deref(), Some(column.as_str()));
        }
        // The memory of the cut part is given back, not only hidden.
        assert!(r.errors[0].message.capacity() < 2 * MAX_MESSAGE_BYTES);
    }

    fn late(row: u64) -> Finding {
        Finding {
            row,
            column: None,
            code: code::DUPLICATE_ID,
            message: format!("late {row}"),
            value: None,
        }
    }

    #[test]
    fn late_errors_keep_the_first_by_row_in_bounded_memory() {
        let mut all = 0;
        let mut sink = |_: &Finding| all += 1;
        let mut c = Collector::with_sink(10, &mut sink);
        for row in [3, 40, 41] {
            let mut f = late(row);
            f.code = code::ENUM;
            c.push(Severity::Error, f);
        }
        // Rows 1,000 down to 2, in an order unlike both: every row once.
        for i in 0..999u64 {
            c.push_late(late(2 + (i * 7919) % 999));
            assert!(c.errors.len() < 20);
        }
        let r = c.finish("card", 1000, 0);
        assert_eq!(all, 1002);
        assert_eq!(r.error_count, 1002);
        let kept: Vec<(u64, &str)> = r.errors.iter().map(|f| (f.row, f.code)).collect();
        assert_eq!(
            kept,
            [
                (2, code::DUPLICATE_ID),
                (3, code::ENUM),
                (3, code::DUPLICATE_ID),
                (4, code::DUPLICATE_ID),
                (5, code::DUPLICATE_ID),
                (6, code::DUPLICATE_ID),
                (7, code::DUPLICATE_ID),
                (8, code::DUPLICATE_ID),
                (9, code::DUPLICATE_ID),
                (10, code::DUPLICATE_ID),
            ]
        );
    }
}
