//! A data directory with partner `acme` and the helpers the cross-file and program-rule tests
//! share: generated programs, files written from rows, `bankdrop ingest`, and the errors a
//! rejected file lists.

use super::errors_csv_rows;
use super::workdir::Workdir;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A [`Workdir`] with the helpers these tests share.
pub struct Env {
    /// The data directory.
    pub w: Workdir,
}

impl Env {
    /// A data dir with the partner `acme`; `program` is extra `[program]` configuration.
    pub fn new(program: &str) -> Env {
        Env {
            w: Workdir::new(&format!("\n[program]\n{program}")),
        }
    }

    pub fn dir(&self) -> &Path {
        self.w.dir()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.w.run(args)
    }

    pub fn ok(&self, args: &[&str]) -> String {
        self.w.ok(args)
    }

    /// `bankdrop ingest --partner acme FILES`: (exit code, output).
    pub fn ingest(&self, files: &[PathBuf]) -> (i32, String) {
        self.ingest_as("acme", files)
    }

    /// `bankdrop ingest --partner P FILES`: (exit code, output).
    pub fn ingest_as(&self, partner: &str, files: &[PathBuf]) -> (i32, String) {
        let mut args = vec!["ingest".to_string(), "--partner".into(), partner.into()];
        args.extend(files.iter().map(|f| f.display().to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = self.run(&args);
        (o.status.code().unwrap(), super::text(&o))
    }

    /// A generated deposit program (`bankdrop gen --program`); returns its directory.
    pub fn program(&self, days: u32, accounts: u32) -> PathBuf {
        let out = self.dir().join("prog");
        self.ok(&[
            "gen",
            "--program",
            "deposit",
            "--days",
            &days.to_string(),
            "--accounts",
            &accounts.to_string(),
            "--start",
            "2026-03-02",
            "--out",
            out.to_str().unwrap(),
        ]);
        out
    }

    pub fn root(&self) -> PathBuf {
        self.w.root()
    }

    pub fn status(&self, rel: &str) -> serde_json::Value {
        super::status_json(&self.root().join(format!("{rel}.status.json")))
    }

    /// A decided file's warnings from its status file: (row, column, code).
    pub fn warnings(&self, rel: &str) -> Vec<(u64, String, String)> {
        self.status(rel)["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| {
                (
                    w["row"].as_u64().unwrap(),
                    w["column"].as_str().unwrap().to_string(),
                    w["code"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// The rows of a rejected file's errors.csv, header skipped.
    pub fn errors(&self, rel: &str) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(self.root().join(format!("{rel}.errors.csv")))
            .unwrap_or_else(|e| panic!("{rel}.errors.csv: {e}"));
        errors_csv_rows(&text)
    }
}

/// A generated file sent again as a higher version (a corrected file, D5).
pub fn resend(env: &Env, path: &Path, version: u32) -> PathBuf {
    let name = path.file_name().unwrap().to_str().unwrap();
    let to = env
        .dir()
        .join("in")
        .join(name.replace("_v1.csv", &format!("_v{version}.csv")));
    std::fs::copy(path, &to).unwrap();
    to
}

/// One day's files of a generated program.
pub fn day(prog: &Path, date: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(prog.join(date))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

pub fn file(prog: &Path, date: &str, file_type: &str) -> PathBuf {
    prog.join(date).join(format!("{date}_{file_type}_v1.csv"))
}

/// A pipe-delimited file as header + rows of cells (the generated files quote nothing).
pub fn read_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text
        .lines()
        .map(|l| l.split('|').map(str::to_string).collect());
    let header = lines.next().unwrap();
    (header, lines.collect())
}

/// Writes `rows` under `header` to `in/<name>`.
pub fn write(env: &Env, name: &str, header: &[String], rows: &[Vec<String>]) -> PathBuf {
    let mut out = header.join("|") + "\n";
    for r in rows {
        out += &(r.join("|") + "\n");
    }
    let path = env.dir().join("in").join(name);
    std::fs::write(&path, out).unwrap();
    path
}

/// Row `n` (0-based) of a valid fixture with some cells replaced.
pub fn fixture_row(file_type: &str, n: usize, set: &[(&str, &str)]) -> (Vec<String>, Vec<String>) {
    let path = super::fixtures().join(format!("valid/2026-01-27_{file_type}_v1.csv"));
    let (header, rows) = read_rows(&path);
    let mut row = rows[n].clone();
    for (k, v) in set {
        let i = header.iter().position(|h| h == k).unwrap();
        row[i] = v.to_string();
    }
    (header, row)
}

pub fn set(header: &[String], row: &mut [String], column: &str, value: &str) {
    let i = header.iter().position(|h| h == column).unwrap();
    row[i] = value.to_string();
}

pub fn get<'a>(header: &[String], row: &'a [String], column: &str) -> &'a str {
    &row[header.iter().position(|h| h == column).unwrap()]
}

/// (row, column, code, value) of each error row.
pub fn brief(rows: &[Vec<String>]) -> Vec<(String, String, String, String)> {
    rows.iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[4].clone()))
        .collect()
}

pub fn t(row: &str, col: &str, code: &str, value: &str) -> (String, String, String, String) {
    (row.into(), col.into(), code.into(), value.into())
}

/// A generated program's first day of customers and accounts, ingested: (the first account, its
/// holder, another customer).
pub fn first_day_people(env: &Env) -> (String, String, String) {
    let prog = env.program(1, 2);
    let d1 = "2026-03-02";
    let (code, out) = env.ingest(&[file(&prog, d1, "customer"), file(&prog, d1, "account")]);
    assert_eq!(code, 0, "{out}");
    let (_, accounts) = read_rows(&file(&prog, d1, "account"));
    let (_, customers) = read_rows(&file(&prog, d1, "customer"));
    (
        accounts[0][0].clone(),
        customers[0][0].clone(),
        customers[1][0].clone(),
    )
}

/// A card on `acct` held by `holder`, from the valid fixture's second row.
pub fn card(
    id: &str,
    acct: &str,
    holder: &str,
    set: &[(&str, &str)],
) -> (Vec<String>, Vec<String>) {
    let mut cells = vec![
        ("client_card_id", id),
        ("account_id", acct),
        ("entity_id", holder),
        ("replaced_by", ""),
        ("card_status", "active"),
        ("closed_at", ""),
        ("closed_reason", ""),
    ];
    cells.extend_from_slice(set);
    fixture_row("card", 1, &cells)
}
