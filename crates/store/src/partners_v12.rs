//! The partner settings of issue 15 (spec 01 §2, §12) and the environment a database belongs
//! to (spec 01 §0.1): the same statements on both backends.

/// The schema step (SQLite's and PostgreSQL's migration 12).
///
/// - `allow_from`: the CIDR ranges a partner may connect from, joined by `,` (empty: any).
/// - `day0`: the first day the partner sends files (`YYYY-MM-DD`), if scheduled.
/// - `cadence`: which days after Day 0 files are due (`business_days` or `daily`).
/// - `daily_types`: the file types due each such day, joined by `,` (empty: the
///   `[pipeline] expected_types`, or what the partner sent in the last days).
/// - `environment`: one row naming the environment (`sandbox`, `production`) this database
///   serves, so one environment's service never opens the other's data.
pub(crate) const SCHEMA: &str = r#"
ALTER TABLE partners ADD COLUMN allow_from TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN day0 TEXT;
ALTER TABLE partners ADD COLUMN cadence TEXT;
ALTER TABLE partners ADD COLUMN daily_types TEXT NOT NULL DEFAULT '';
CREATE TABLE environment (name TEXT NOT NULL);
"#;

/// Splits a `,`-joined column into its items (an empty column is none).
pub(crate) fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}
