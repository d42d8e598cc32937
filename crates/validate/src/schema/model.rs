//! The checked, compiled schema model the validator runs on.

use regex::Regex;

/// The type of a column's values (decision D3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Any text.
    String,
    /// `-?[0-9]+` within i64.
    Integer,
    /// `-?[0-9]+(\.[0-9]+)?`, checked lexically.
    Decimal,
    /// `YYYY-MM-DD`, a real calendar date.
    Date,
    /// RFC 3339 with `Z` or an offset.
    Datetime,
    /// A date or an RFC 3339 datetime (`generated_at`, typed "ISO8601" but described as a day).
    DateOrDatetime,
    /// `true` / `false`.
    Boolean,
    /// One of `values`.
    Enum,
    /// A JSON array of strings (items optionally limited to `values`).
    List,
    /// Any JSON value.
    Json,
    /// An active ISO 4217 code.
    Currency,
    /// An ISO 3166-1 alpha-2 code.
    Country,
    /// A US state or territory code.
    State,
}

impl ColumnType {
    /// Whether values of this type can be ordered by a `compare` rule.
    pub fn is_ordered(self) -> bool {
        matches!(
            self,
            ColumnType::Date
                | ColumnType::Datetime
                | ColumnType::DateOrDatetime
                | ColumnType::Decimal
                | ColumnType::Integer
        )
    }
}

/// The structure a `json` column's value must have (schema key `shape`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonShape {
    /// A JSON array of compliance document reference objects (spec 03 §9), checked against
    /// `schemas/document_types.csv`.
    DocumentReferences,
}

/// How a sensitive value is masked in reports and logs (D7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mask {
    /// Shown as is.
    None,
    /// `***6789`: the last four characters only.
    LastFour,
    /// `****-**-**`.
    Date,
}

/// One column of a file type.
#[derive(Debug, Clone)]
pub struct Column {
    /// Header name (corrected spelling, D4).
    pub name: String,
    /// The bank's printed misspelling, accepted with a warning (D4).
    pub printed: Option<String>,
    /// Value type.
    pub ty: ColumnType,
    /// A value is required in every row.
    pub required: bool,
    /// Seen on the file's own page (false: known only from other pages).
    pub seen: bool,
    /// Type or rule is a best reading of an incomplete page.
    pub inferred: bool,
    /// Allowed values (enum, list items).
    pub values: Vec<String>,
    /// Misspelled value → corrected value (D4).
    pub value_aliases: Vec<(String, String)>,
    /// Minimum length in characters.
    pub min_len: Option<usize>,
    /// Maximum length in characters.
    pub max_len: Option<usize>,
    /// Whole-value pattern.
    pub pattern: Option<Regex>,
    /// Minimum number of list items.
    pub min_items: Option<usize>,
    /// Numbers may be negative.
    pub signed: bool,
    /// Index of the currency column that sets this money column's minimum decimals.
    pub currency_column: Option<usize>,
    /// Minimum fractional digits.
    pub min_decimals: Option<u32>,
    /// Maximum fractional digits (default 8, D3).
    pub max_decimals: u32,
    /// Masking in reports.
    pub mask: Mask,
    /// For a `json` column: the structure its value must have beyond being JSON.
    pub shape: Option<JsonShape>,
    /// Spec section or decision.
    pub source: String,
    /// Reader's note.
    pub note: Option<String>,
}

impl Column {
    /// The value with a D4 misspelling (`dormat`) replaced by its corrected form.
    #[inline]
    pub fn canonical<'a>(&'a self, v: &'a str) -> &'a str {
        if self.value_aliases.is_empty() {
            return v;
        }
        self.value_aliases
            .iter()
            .find(|(a, _)| a == v)
            .map_or(v, |(_, fixed)| fixed.as_str())
    }
}

/// A condition on another column of the same row.
#[derive(Debug, Clone)]
pub struct Condition {
    /// Index of the column tested.
    pub column: usize,
    /// The test.
    pub test: Test,
}

impl Condition {
    /// Whether the condition holds for a row given as cells by column index (null: `None`,
    /// values already corrected as [`crate::rows::for_each_row`] gives them).
    pub fn holds_on(&self, cells: &[Option<&str>]) -> bool {
        let v = cells.get(self.column).copied().flatten();
        match (&self.test, v) {
            (Test::In(list), Some(v)) => list.iter().any(|x| x == v),
            (Test::NotIn(list), Some(v)) => !list.iter().any(|x| x == v),
            (Test::Present(p), v) => v.is_some() == *p,
            (_, None) => false,
        }
    }
}

/// What a [`Condition`] checks.
#[derive(Debug, Clone)]
pub enum Test {
    /// The value is one of these.
    In(Vec<String>),
    /// The value is non-null and none of these.
    NotIn(Vec<String>),
    /// The value is non-null (`true`) or null (`false`).
    Present(bool),
}

/// Comparison operator of a `compare` rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `>=`
    Ge,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `<`
    Lt,
}

impl Op {
    /// The operator as written in schemas.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Lt => "<",
        }
    }

    /// Whether `ord` (left compared to right) satisfies the operator.
    pub fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Op::Ge => ord != Less,
            Op::Gt => ord == Greater,
            Op::Le => ord != Greater,
            Op::Lt => ord == Less,
        }
    }
}

/// What a row rule enforces.
#[derive(Debug, Clone)]
pub enum RuleKind {
    /// `column` must be non-null when the condition holds.
    RequiredIf(usize),
    /// `column` must be null when the condition holds.
    NotAllowedIf(usize),
    /// When the condition holds, `column`'s value (each list item) must be one of these.
    ValuesIf(usize, Vec<String>),
    /// At least one of the columns is non-null.
    OneOf(Vec<usize>),
    /// Exactly one of the columns is non-null.
    ExactlyOne(Vec<usize>),
    /// Either all of the columns are non-null or none is.
    AllOrNone(Vec<usize>),
    /// Two signed numbers share their sign.
    SameSign(usize, usize),
    /// `left op right` when both are non-null.
    Compare(usize, Op, usize),
    /// The value must not start with any of these prefixes, reserved for the bank's own ids
    /// (`invalid_namespace`).
    ForbiddenPrefix(usize, Vec<String>),
}

/// A row rule with its conditions and provenance.
#[derive(Debug, Clone)]
pub struct Rule {
    /// What it enforces.
    pub kind: RuleKind,
    /// Conditions that must all hold for the rule to apply (none: always).
    pub when: Vec<Condition>,
    /// Spec section or decision.
    pub source: String,
    /// Reader's note.
    pub note: Option<String>,
    /// The id of a rule the bank has announced but does not enforce yet (`AF1`, `card F1`):
    /// each program switches it `off`, `warn` (the default) or `reject` ([`FutureMode`]).
    pub future: Option<String>,
    /// What breaking it is: an error, or a warning for a future rule in `warn` mode.
    pub severity: crate::Severity,
}

/// One partner file type.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The D5 file-type token.
    pub file_type: String,
    /// Human name.
    pub title: String,
    /// Spec section of the page.
    pub source: String,
    /// The page was only partly seen (D2 leniencies).
    pub partial: bool,
    /// The columns identifying a record (`id_column`, or `key` for composite keys): their
    /// values must be unique within a file (`duplicate_id`), and they key the stored record.
    pub key: Vec<usize>,
    /// Other file-name tokens for this type.
    pub name_aliases: Vec<String>,
    /// `<batch_id>_<type>_<version>` names allowed.
    pub batch_names: bool,
    /// Columns in the page's order.
    pub columns: Vec<Column>,
    /// Row rules.
    pub rules: Vec<Rule>,
    /// The columns whose values other files use to name a record of this type (`ref_ids`;
    /// default: the single id column). A balance is named by `client_balance_id` or by `id`.
    pub ref_ids: Vec<usize>,
    /// The column holding the record's lifecycle state (`state_column`), whose changes the store
    /// keeps as history.
    pub state_column: Option<usize>,
    /// Cross-file references this file's columns make (D8), checked against stored records.
    pub references: Vec<Reference>,
    /// Rules comparing a row with the stored record it updates (same key).
    pub history: Vec<HistoryRule>,
    /// Values that must be listed on the record another column names.
    pub memberships: Vec<Membership>,
    /// States the record another column names must (not) be in for a row.
    pub target_states: Vec<TargetState>,
    /// Columns whose value at most one record of this type may hold.
    pub exclusives: Vec<Exclusive>,
    /// List columns whose records must be of one kind.
    pub uniforms: Vec<Uniform>,
}

/// The second step of a [`TargetState`] lookup: the named record's column naming another.
#[derive(Debug, Clone)]
pub struct Via {
    /// The column of the first record naming the second.
    pub column: String,
    /// The second record's file type.
    pub to: String,
}

/// A column whose value at most one record of the type may hold, in the file and among the
/// stored records, e.g. a balance pledged by at most one collateral (spec 02 §7.1). A record
/// sent again with the same value is no conflict (`already_taken` otherwise).
#[derive(Debug, Clone)]
pub struct Exclusive {
    /// The column.
    pub column: usize,
    /// Spec section or decision.
    pub source: String,
    /// Reader's note: what the rule means, shown in the finding.
    pub note: Option<String>,
}

impl Exclusive {
    /// The namespace the store indexes the values under (`record_refs`' file type): the file
    /// type and column, which no file type can be.
    pub fn index(&self, schema: &Schema) -> String {
        format!("{}#{}", schema.file_type, schema.columns[self.column].name)
    }
}

/// Which rows a [`TargetState`] rule is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowsOf {
    /// Every row.
    All,
    /// Rows creating a record (no record stored under their key).
    New,
    /// Rows updating a stored record.
    Updates,
}

/// The record a column of the row names must be in (or out of) some states, e.g. a card update
/// on a `closed` account must close the card (`disallowed_state`).
#[derive(Debug, Clone)]
pub struct TargetState {
    /// The column naming the record (by that type's `ref_ids`).
    pub column: usize,
    /// The named record's file type.
    pub to: String,
    /// The named record's column tested.
    pub target_column: String,
    /// Instead of the named record: the record it names in turn, by this column of it, of this
    /// type (a transaction's balance's account, spec 03 §7).
    pub via: Option<Via>,
    /// Set at load: the column tested is the state column of a type named by its key alone, so
    /// the records in the states tested can be listed at once instead of each looked up.
    pub target_is_state: bool,
    /// The values it must have (`in`), or must not have (`not_in`); ignored when `equals` is
    /// set.
    pub target: Test,
    /// Instead: the named record's column must equal this column of the row (a pledged
    /// balance on the collateral's own account).
    pub equals: Option<usize>,
    /// The rule applies only to rows meeting these conditions.
    pub when: Vec<Condition>,
    /// New rows, updates or every row.
    pub rows: RowsOf,
    /// A future rule's id ([`Rule::future`]).
    pub future: Option<String>,
    /// An error, or a warning for a future rule in `warn` mode.
    pub severity: crate::Severity,
    /// The code reported (default `disallowed_state`; `entity_role_mismatch` for roles).
    pub code: &'static str,
    /// Spec section or decision.
    pub source: String,
    /// Reader's note: what the rule means, shown in the finding.
    pub note: Option<String>,
}

/// The records a list column of the row names must all fall in one group of values of a
/// column of theirs, e.g. an account's holders all individuals or all businesses and sole
/// proprietors (spec 03 §11.1, A6 and Ac6: `entity_role_mismatch`). Records not stored (an
/// Entity API id) are not known and not counted.
#[derive(Debug, Clone)]
pub struct Uniform {
    /// The list column naming the records.
    pub column: usize,
    /// The named records' file type.
    pub to: String,
    /// The named records' column tested.
    pub target_column: String,
    /// The groups of values that may go together.
    pub groups: Vec<Vec<String>>,
    /// The rule applies only to rows meeting these conditions.
    pub when: Vec<Condition>,
    /// Spec section or decision.
    pub source: String,
    /// Reader's note: what the rule means, shown in the finding.
    pub note: Option<String>,
}

/// A value that must be listed on a stored record another column of the row names, e.g. a
/// card's `entity_id` among the holders or authorized users of its `account_id`'s account.
#[derive(Debug, Clone)]
pub struct Membership {
    /// The column whose value must be listed.
    pub column: usize,
    /// The column naming the record (by that type's `ref_ids`).
    pub of: usize,
    /// The named record's file type.
    pub to: String,
    /// Its list columns the value may be in.
    pub lists: Vec<String>,
    /// Or: a record of this type keyed (`of` value, `column` value) not in status `inactive`
    /// (an authorized user added by the authorized user file).
    pub pairs: Option<String>,
    /// Spec section or decision.
    pub source: String,
    /// Reader's note.
    pub note: Option<String>,
}

/// A rule on an update: a row compared with the record accepted earlier under the same key.
#[derive(Debug, Clone)]
pub struct HistoryRule {
    /// What it enforces.
    pub kind: HistoryKind,
    /// Spec section or decision.
    pub source: String,
    /// Reader's note.
    pub note: Option<String>,
    /// A future rule's id ([`Rule::future`]).
    pub future: Option<String>,
    /// An error, or a warning for a future rule in `warn` mode.
    pub severity: crate::Severity,
}

/// What a [`HistoryRule`] enforces.
#[derive(Debug, Clone)]
pub enum HistoryKind {
    /// The column's date or datetime is later than the stored record's (`outdated_update`).
    Later(usize),
    /// A stored record whose column has one of these values is final: a row changing it is
    /// refused (`terminal_record`); the same row sent again is not a change.
    FrozenWhen(usize, Vec<String>),
    /// These columns cannot change once they hold a value (`immutable_field`); an empty one
    /// may be filled.
    Immutable(Vec<usize>),
}

/// A column naming records of other files (D8): every value (every item of a list) must name a
/// record accepted earlier, a row of the same file, or a registry entry.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The referencing column.
    pub column: usize,
    /// File types whose records the value may name (by their `ref_ids`).
    pub to: Vec<String>,
    /// Registry kinds (`bankdrop registry`) that also resolve it: records created outside files.
    pub registry: Vec<String>,
    /// Rows of the same file resolve it too (a card replaced by a card of the same file).
    pub same_file: bool,
    /// The check applies only to rows meeting these conditions (none: every row).
    pub when: Vec<Condition>,
    /// The named record must have one of these values in a column, e.g. `customer_type` in
    /// `["individual"]`: (column name in the target schema, allowed values).
    pub target_is: Option<(String, Vec<String>)>,
    /// A warning instead of an error (rules the bank has announced but does not enforce yet).
    pub warning: bool,
    /// A future rule's id ([`Rule::future`]): its mode sets `warning`.
    pub future: Option<String>,
    /// Spec section or decision.
    pub source: String,
    /// Reader's note.
    pub note: Option<String>,
}

impl Schema {
    /// Index of a column by its corrected name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The header line a partner's file should carry (corrected spellings, page order).
    pub fn header_line(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
        names.join("|")
    }
}

/// How a program treats a future rule (one the bank has announced and does not enforce yet;
/// it gives 60 days' notice, spec 02 §6.2, spec 03 §4.2 and §8.2, spec 04 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FutureMode {
    /// Not checked.
    Off,
    /// A warning: the file is still accepted (the default).
    #[default]
    Warn,
    /// An error: the row is rejected, as once the bank enforces it.
    Reject,
}

impl FutureMode {
    /// The severity of a finding in this mode; `None` when off.
    pub fn severity(self) -> Option<crate::Severity> {
        match self {
            FutureMode::Off => None,
            FutureMode::Warn => Some(crate::Severity::Warning),
            FutureMode::Reject => Some(crate::Severity::Error),
        }
    }
}

impl Schema {
    /// Every future rule's id in this schema.
    pub fn future_rules(&self) -> Vec<&str> {
        let rules = self.rules.iter().filter_map(|r| r.future.as_deref());
        let history = self.history.iter().filter_map(|r| r.future.as_deref());
        let refs = self.references.iter().filter_map(|r| r.future.as_deref());
        let states = self
            .target_states
            .iter()
            .filter_map(|r| r.future.as_deref());
        rules.chain(history).chain(refs).chain(states).collect()
    }

    /// This schema as a program sees it: each future rule in the mode `mode_of` gives it
    /// (dropped when off, a warning or an error otherwise).
    pub fn with_future_modes(&self, mode_of: &dyn Fn(&str) -> FutureMode) -> Schema {
        let mut s = self.clone();
        set_modes(&mut s.rules, mode_of, |r| (&r.future, &mut r.severity));
        set_modes(&mut s.history, mode_of, |r| (&r.future, &mut r.severity));
        set_modes(&mut s.target_states, mode_of, |r| {
            (&r.future, &mut r.severity)
        });
        // A reference's severity is its `warning` flag.
        s.references
            .retain_mut(|r| match r.future.as_deref().map(mode_of) {
                Some(FutureMode::Off) => false,
                Some(m) => {
                    r.warning = m == FutureMode::Warn;
                    true
                }
                None => true,
            });
        s
    }
}

/// Each future rule of `rules` in its mode: dropped when off, else given the mode's severity.
fn set_modes<T>(
    rules: &mut Vec<T>,
    mode_of: &dyn Fn(&str) -> FutureMode,
    parts: impl Fn(&mut T) -> (&Option<String>, &mut crate::Severity),
) {
    rules.retain_mut(|r| {
        let (future, severity) = parts(r);
        match future.as_deref().map(|id| mode_of(id).severity()) {
            Some(None) => false,
            Some(Some(v)) => {
                *severity = v;
                true
            }
            None => true,
        }
    });
}
