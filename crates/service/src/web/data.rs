//! What the pages and the API show, read from the store and the partners' trees, always within
//! what the asking user may see. Pages render these; the API serialises them as they are.

use super::auth::User;
use super::WebError;
use serde::Serialize;
use std::path::{Path, PathBuf};
use store::{Db, FileQuery, FileRow, FileSearch, Ledger, Partners};

/// Files per page of the files list.
pub const FILES_PER_PAGE: u32 = 50;
/// Errors per page of a file's errors.
pub const ERRORS_PER_PAGE: usize = 100;

/// One ledger row, as shown.
#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    /// Ledger id.
    pub id: i64,
    /// Partner.
    pub partner: String,
    /// File name as uploaded.
    pub name: String,
    /// Where it was received, relative to the partner's root.
    pub path: String,
    /// File type, when the name parsed.
    pub file_type: Option<String>,
    /// Date, batch id or content id of its name.
    pub prefix: Option<String>,
    /// Version of its name.
    pub version: Option<u64>,
    /// Size.
    pub bytes: u64,
    /// `validating`, `accepted`, `rejected`, `duplicate` or `failed`.
    pub outcome: String,
    /// Data rows.
    pub rows: Option<u64>,
    /// Arrived after its deadline.
    pub late: bool,
    /// Errors found.
    pub errors: u64,
    /// Warnings found.
    pub warnings: u64,
    /// Upload completed.
    pub received_at: String,
    /// Decided.
    pub decided_at: Option<String>,
    /// Where the file is now, relative to the partner's root.
    pub final_path: Option<String>,
}

impl From<FileRow> for FileView {
    fn from(r: FileRow) -> FileView {
        let outcome = r.state().as_str().to_string();
        let d = r.decision;
        FileView {
            id: r.id,
            partner: r.file.partner,
            name: r.file.name,
            path: r.file.path,
            file_type: r.file.file_type,
            prefix: r.file.prefix,
            version: r.file.version,
            bytes: r.file.bytes,
            outcome,
            rows: d.as_ref().map(|d| d.rows),
            late: d.as_ref().is_some_and(|d| d.late),
            errors: d.as_ref().map_or(0, |d| d.error_count),
            warnings: d.as_ref().map_or(0, |d| d.warning_count),
            received_at: r.file.received_at,
            decided_at: d.as_ref().map(|d| d.decided_at.clone()),
            final_path: d.map(|d| d.final_path),
        }
    }
}

/// The files list's filters, as a query string gives them.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct FileFilter {
    /// Partner.
    pub partner: Option<String>,
    /// File type.
    #[serde(rename = "type")]
    pub file_type: Option<String>,
    /// First day received (YYYY-MM-DD).
    pub from: Option<String>,
    /// Last day received (YYYY-MM-DD).
    pub to: Option<String>,
    /// Outcome.
    pub outcome: Option<String>,
    /// `yes` or `no`.
    pub late: Option<String>,
    /// Part of the name.
    pub q: Option<String>,
    /// Page, from 1.
    pub page: Option<u64>,
}

fn some(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

impl FileFilter {
    /// The store's query for this filter as `user` may run it: a user limited to a partner
    /// gets that partner's files whatever the filter says.
    fn query(&self, user: &User) -> Result<FileQuery, WebError> {
        for d in [&self.from, &self.to].into_iter().filter_map(some) {
            if chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").is_err() {
                return Err(WebError::BadRequest(format!(
                    "`{d}` is not a date (YYYY-MM-DD)"
                )));
            }
        }
        let partner = match (&user.partner, some(&self.partner)) {
            (Some(own), Some(asked)) if *own != asked => return Err(WebError::NotFound),
            (Some(own), _) => Some(own.clone()),
            (None, asked) => asked,
        };
        let late = match some(&self.late).as_deref() {
            None => None,
            Some("yes") => Some(true),
            Some("no") => Some(false),
            Some(v) => return Err(WebError::BadRequest(format!("late: `{v}` (yes or no)"))),
        };
        let page = self.page.unwrap_or(1).max(1);
        Ok(FileQuery {
            partner,
            file_type: some(&self.file_type),
            from: some(&self.from),
            to: some(&self.to),
            state: some(&self.outcome),
            late,
            name_contains: some(&self.q),
            offset: (page - 1) * u64::from(FILES_PER_PAGE),
            limit: FILES_PER_PAGE,
        })
    }
}

/// One page of the files list with the day-by-outcome counts of everything the filter matches.
#[derive(Debug, Serialize)]
pub struct FileList {
    /// Files matching, in all.
    pub total: u64,
    /// This page, from 1.
    pub page: u64,
    /// Pages in all.
    pub pages: u64,
    /// This page's files, newest first.
    pub files: Vec<FileView>,
    /// (day, outcome, files), newest day first.
    pub per_day: Vec<DayCount>,
}

/// Files of one outcome received on one day.
#[derive(Debug, Serialize)]
pub struct DayCount {
    /// Day received (UTC).
    pub day: String,
    /// Outcome.
    pub outcome: String,
    /// Files.
    pub files: u64,
}

/// The files `user` may see that match `f`.
pub fn files(db: &Db, user: &User, f: &FileFilter) -> Result<FileList, WebError> {
    let q = f.query(user)?;
    let (rows, total) = db.search_files(&q)?;
    let per_day = db
        .file_counts(&q)?
        .into_iter()
        .map(|(day, outcome, files)| DayCount {
            day,
            outcome,
            files,
        })
        .collect();
    Ok(FileList {
        total,
        page: q.offset / u64::from(FILES_PER_PAGE) + 1,
        pages: total.div_ceil(u64::from(FILES_PER_PAGE)).max(1),
        files: rows.into_iter().map(FileView::from).collect(),
        per_day,
    })
}

/// One file: its ledger row and its status file.
#[derive(Debug, Serialize)]
pub struct FileDetail {
    /// The ledger row.
    pub file: FileView,
    /// `<name>.status.json` as written (sensitive values masked there, D7), once decided.
    pub status: Option<serde_json::Value>,
}

/// The ledger row `id` if `user` may see it (else not found: its existence is not told).
pub fn file_row(db: &Db, user: &User, id: i64) -> Result<FileView, WebError> {
    match db.file(id)? {
        Some(r) if user.may_see(&r.file.partner) => Ok(r.into()),
        _ => Err(WebError::NotFound),
    }
}

/// A partner's root: where its tree is, as the store has it.
fn root_of(db: &Db, partner: &str) -> Result<PathBuf, WebError> {
    db.partner(partner)?
        .map(|p| PathBuf::from(p.root))
        .ok_or(WebError::NotFound)
}

/// `rel` under `root`, refused if it could climb out (it comes from the ledger, but still).
fn under(root: &Path, rel: &str) -> Result<PathBuf, WebError> {
    if Path::new(rel)
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
    {
        Ok(root.join(rel))
    } else {
        Err(WebError::NotFound)
    }
}

/// One file with its status file.
pub fn file(db: &Db, user: &User, id: i64) -> Result<FileDetail, WebError> {
    let file = file_row(db, user, id)?;
    let status = match &file.final_path {
        Some(p) => {
            let path = under(&root_of(db, &file.partner)?, &format!("{p}.status.json"))?;
            std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
        }
        None => None,
    };
    Ok(FileDetail { file, status })
}

/// The file itself, for download: its path and name.
pub fn file_path(db: &Db, user: &User, id: i64) -> Result<(PathBuf, String), WebError> {
    let f = file_row(db, user, id)?;
    let rel = f.final_path.as_deref().unwrap_or(&f.path);
    Ok((under(&root_of(db, &f.partner)?, rel)?, f.name))
}

/// A file's errors file, if it has one: its path and its download name.
pub fn errors_path(db: &Db, user: &User, id: i64) -> Result<(PathBuf, String), WebError> {
    errors_file_of(db, &file(db, user, id)?)?.ok_or(WebError::NotFound)
}

/// The errors file of a file already read (`None` when it has none): its path and download name.
fn errors_file_of(db: &Db, d: &FileDetail) -> Result<Option<(PathBuf, String)>, WebError> {
    let rel = d
        .status
        .as_ref()
        .and_then(|s| s.get("errors_file"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .or_else(|| {
            d.file
                .final_path
                .as_ref()
                .map(|p| format!("{p}.errors.csv"))
        });
    let Some(rel) = rel else {
        return Ok(None);
    };
    let path = under(&root_of(db, &d.file.partner)?, &rel)?;
    Ok(path
        .is_file()
        .then(|| (path, format!("{}.errors.csv", d.file.name))))
}

/// The errors page's filters.
#[derive(Debug, Clone, Default, serde::Deserialize, Serialize)]
#[serde(default)]
pub struct ErrorFilter {
    /// Only this code.
    pub code: Option<String>,
    /// Only this column.
    pub column: Option<String>,
    /// Page, from 1.
    pub page: Option<usize>,
}

/// One line of an errors file.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorLine {
    /// Row (1 is the header row of the partner's file), empty for a file-level error.
    pub row: String,
    /// Column.
    pub column: String,
    /// Error code.
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// The value, masked when the column is sensitive (D7).
    pub value: String,
}

/// A file's errors: counts by code and by column (most first), and one filtered page.
#[derive(Debug, Serialize)]
pub struct ErrorsView {
    /// Errors in the file.
    pub total: u64,
    /// (code, errors), most first.
    pub by_code: Vec<(String, u64)>,
    /// (column, errors), most first: which column breaks most.
    pub by_column: Vec<(String, u64)>,
    /// Errors matching the filter.
    pub matching: u64,
    /// This page, from 1.
    pub page: usize,
    /// Pages of matching errors.
    pub pages: usize,
    /// This page's errors, in file order.
    pub errors: Vec<ErrorLine>,
}

fn most_first(m: std::collections::HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Reads a file's errors file as a stream: counts everything, keeps one page of the filter.
pub fn errors(db: &Db, user: &User, id: i64, f: &ErrorFilter) -> Result<ErrorsView, WebError> {
    errors_of(db, &file(db, user, id)?, f)
}

/// [`errors`] of a file already read (the file page reads it once for both).
pub fn errors_of(db: &Db, d: &FileDetail, f: &ErrorFilter) -> Result<ErrorsView, WebError> {
    let (path, _) = match errors_file_of(db, d)? {
        Some(p) => p,
        // A file without errors has no errors file: an empty list, not a missing page.
        None => {
            return Ok(ErrorsView {
                total: 0,
                by_code: Vec::new(),
                by_column: Vec::new(),
                matching: 0,
                page: 1,
                pages: 1,
                errors: Vec::new(),
            });
        }
    };
    let file = std::fs::File::open(&path).map_err(|e| WebError::Internal(e.to_string()))?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'|')
        .flexible(true)
        .from_reader(std::io::BufReader::new(file));
    let page = f.page.unwrap_or(1).max(1);
    let skip = (page - 1) * ERRORS_PER_PAGE;
    let (code_f, column_f) = (some(&f.code), some(&f.column));
    let (mut codes, mut columns) = (Default::default(), Default::default());
    let (mut total, mut matching) = (0u64, 0u64);
    let mut errors = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader
        .read_record(&mut record)
        .map_err(|e| WebError::Internal(format!("reading the errors file: {e}")))?
    {
        let get = |i: usize| record.get(i).unwrap_or("").to_string();
        let (code, column) = (get(2), get(1));
        total += 1;
        *std::collections::HashMap::entry(&mut codes, code.clone()).or_insert(0u64) += 1;
        *std::collections::HashMap::entry(&mut columns, column.clone()).or_insert(0u64) += 1;
        if code_f.as_ref().is_some_and(|c| *c != code)
            || column_f.as_ref().is_some_and(|c| *c != column)
        {
            continue;
        }
        matching += 1;
        if matching as usize > skip && errors.len() < ERRORS_PER_PAGE {
            errors.push(ErrorLine {
                row: get(0),
                column,
                code,
                message: get(3),
                value: get(4),
            });
        }
    }
    Ok(ErrorsView {
        total,
        by_code: most_first(codes),
        by_column: most_first(columns),
        matching,
        page,
        pages: (matching as usize).div_ceil(ERRORS_PER_PAGE).max(1),
        errors,
    })
}
