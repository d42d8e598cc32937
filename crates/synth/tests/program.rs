//! `write_program`: every file passes the real validator, references resolve, and the real
//! reconciliation (crate `recon`) finds exactly the planted breaks day by day.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::path::Path;

use chrono::{Days, NaiveDate};
use recon::{reconcile, BalanceRow, ReconConfig, Reconciliation, TransactionRow};
use synth::program::MANIFEST_FILE;
use synth::{write_program, Manifest, ProgramError, ProgramKind, ProgramOptions};
use validate::rows::for_each_row;
use validate::schema::Schemas;
use validate::{validate, Options, Outcome};

fn schemas() -> Schemas {
    Schemas::builtin().expect("shipped schemas load")
}

fn opts(kind: ProgramKind, days: u32, accounts: u32, breaks: u32, seed: u64) -> ProgramOptions {
    ProgramOptions {
        kind,
        days,
        accounts,
        breaks,
        seed,
        start: NaiveDate::from_ymd_opt(2026, 1, 27).unwrap(),
    }
}

fn generate(s: &Schemas, o: &ProgramOptions) -> (tempfile::TempDir, Manifest) {
    let dir = tempfile::tempdir().unwrap();
    let m = write_program(s, o, dir.path()).unwrap();
    (dir, m)
}

/// The file type of `<date>_<type>_v1.csv`.
fn file_type(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap();
    name[11..].strip_suffix("_v1.csv").unwrap()
}

/// Every cell of every row of one file, by column name (nulls left out).
fn rows(s: &Schemas, path: &Path, ty: &str) -> Vec<BTreeMap<String, String>> {
    let schema = s.get(ty).unwrap();
    let mut out = Vec::new();
    for_each_row(schema, File::open(path).unwrap(), &mut |cells| {
        let mut m = BTreeMap::new();
        for (c, v) in cells.iter().enumerate() {
            if let Some(v) = v {
                m.insert(schema.columns[c].name.clone(), v.to_string());
            }
        }
        out.push(m);
        Ok(())
    })
    .unwrap();
    out
}

fn file(root: &Path, date: NaiveDate, ty: &str) -> std::path::PathBuf {
    root.join(date.to_string())
        .join(format!("{date}_{ty}_v1.csv"))
}

fn assert_all_valid(s: &Schemas, root: &Path, m: &Manifest) {
    let per_day = if m.kind == ProgramKind::Deposit { 5 } else { 4 };
    assert_eq!(m.files.len(), per_day * m.days as usize);
    for rel in &m.files {
        let ty = file_type(rel);
        let r = validate(
            s.get(ty).unwrap(),
            &s.refdata,
            File::open(root.join(rel)).unwrap(),
            &Options::default(),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(r.outcome, Outcome::Accepted, "{rel}: {:#?}", r.errors);
        assert_eq!(r.error_count, 0, "{rel}");
        assert_eq!(r.warning_count, 0, "{rel}: {:?}", r.warnings);
    }
}

/// Reconciles every activity date, opening from the previous date's reported rows (none on the
/// first date: every balance is new and opens at 0).
fn reconcile_all(s: &Schemas, root: &Path, m: &Manifest, cfg: &ReconConfig) -> Vec<Reconciliation> {
    let start: NaiveDate = m.start.parse().unwrap();
    let mut opening: Vec<BalanceRow> = Vec::new();
    let mut out = Vec::new();
    for d in 0..m.days {
        let date = start + Days::new(u64::from(d));
        let closing: Vec<BalanceRow> = rows(s, &file(root, date, "balance"), "balance")
            .iter()
            .map(|c| BalanceRow::from_cells(c, cfg).unwrap())
            .collect();
        let txs: Vec<TransactionRow> = rows(s, &file(root, date, "transaction"), "transaction")
            .iter()
            .map(|c| TransactionRow::from_cells(c, cfg).unwrap())
            .collect();
        assert!(
            txs.len() >= 2 * closing.len(),
            "{date}: every balance moves"
        );
        let activity = date.pred_opt().unwrap();
        let r = reconcile(activity, opening, txs, closing.clone(), cfg).unwrap();
        assert_eq!(r.summary.balances_checked, u64::from(m.accounts));
        assert!(r.missing_balances.is_empty() && r.unmatched_activity.is_empty());
        out.push(r);
        opening = closing;
    }
    out
}

fn assert_breaks_match(runs: &[Reconciliation], m: &Manifest, planted: usize) {
    let found: Vec<_> = runs
        .iter()
        .flat_map(|r| r.breaks.iter().map(move |b| (r.date, b)))
        .collect();
    assert_eq!(found.len(), planted);
    assert_eq!(m.breaks.len(), planted);
    for ((date, b), p) in found.iter().zip(&m.breaks) {
        assert_eq!(date.to_string(), p.activity_date);
        assert_eq!((date.succ_opt().unwrap()).to_string(), p.file_date);
        assert_eq!(b.balance_id, p.balance_id);
        assert_eq!(b.account_id, p.account_id);
        assert_eq!(b.component, p.component);
        assert_eq!(b.expected.to_string(), p.expected);
        assert_eq!(b.reported.to_string(), p.reported);
        assert_eq!(b.difference.to_string(), p.difference);
        assert!(!b.new_balance);
    }
}

#[test]
fn deposit_program_validates_and_reconciles_with_zero_breaks() {
    let s = schemas();
    let (dir, m) = generate(&s, &opts(ProgramKind::Deposit, 5, 20, 0, 11));
    assert_all_valid(&s, dir.path(), &m);
    let runs = reconcile_all(&s, dir.path(), &m, &ReconConfig::default());
    assert_breaks_match(&runs, &m, 0);
    // The generated components really move (not a trivially empty program).
    let last = &runs[4].summary.components;
    for c in ["balance", "rewards_balance", "interest_accrued_balance"] {
        let t = last.iter().find(|t| t.component == c).unwrap();
        assert!(t.reported > rust_decimal::Decimal::ZERO, "{c}");
    }
}

#[test]
fn seven_planted_breaks_are_found_once_each() {
    let s = schemas();
    let (dir, m) = generate(&s, &opts(ProgramKind::Deposit, 5, 20, 7, 5));
    assert_all_valid(&s, dir.path(), &m);
    let runs = reconcile_all(&s, dir.path(), &m, &ReconConfig::default());
    assert_eq!(runs[0].breaks.len(), 0, "the first file date has none");
    assert_breaks_match(&runs, &m, 7);
    let on_disk: Manifest =
        serde_json::from_slice(&fs::read(dir.path().join(MANIFEST_FILE)).unwrap()).unwrap();
    assert_eq!(on_disk, m);
}

#[test]
fn breaks_can_fill_every_pair_without_cascading() {
    let s = schemas();
    let (dir, m) = generate(&s, &opts(ProgramKind::Deposit, 3, 4, 8, 2));
    let runs = reconcile_all(&s, dir.path(), &m, &ReconConfig::default());
    assert_breaks_match(&runs, &m, 8);
}

#[test]
fn credit_program_validates_and_reconciles() {
    let s = schemas();
    // The default credit components, plus the "assumed mirror" fee formula (spec 05 §3.4) that
    // the generated outstanding_fees follows.
    let cfg: ReconConfig = toml::from_str(
        r#"
        credit_components = ["balance", "outstanding_principal", "outstanding_fees"]
        [[formulas]]
        balance_type = "credit"
        component = "outstanding_fees"
        terms = [{ column = "fee_amount", types = { not_in = ["charge_off_recovery", "dispute_won"] } }]
        "#,
    )
    .unwrap();
    let (dir, m) = generate(&s, &opts(ProgramKind::Credit, 5, 20, 0, 3));
    assert_all_valid(&s, dir.path(), &m);
    assert_breaks_match(&reconcile_all(&s, dir.path(), &m, &cfg), &m, 0);
    assert_breaks_match(
        &reconcile_all(&s, dir.path(), &m, &ReconConfig::default()),
        &m,
        0,
    );

    let (dir, m) = generate(&s, &opts(ProgramKind::Credit, 6, 10, 9, 4));
    assert_all_valid(&s, dir.path(), &m);
    assert_breaks_match(
        &reconcile_all(&s, dir.path(), &m, &ReconConfig::default()),
        &m,
        9,
    );
}

#[test]
fn references_resolve_and_transaction_ids_never_repeat() {
    let s = schemas();
    for kind in [ProgramKind::Deposit, ProgramKind::Credit] {
        let (dir, m) = generate(&s, &opts(kind, 4, 12, 3, 8));
        let start: NaiveDate = m.start.parse().unwrap();
        let (mut customers, mut accounts, mut balances) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        let mut tx_ids = BTreeSet::new();
        for d in 0..m.days {
            let date = start + Days::new(u64::from(d));
            let root = dir.path();
            for r in rows(&s, &file(root, date, "customer"), "customer") {
                customers.insert(r["client_customer_id"].clone());
            }
            for r in rows(&s, &file(root, date, "account"), "account") {
                let holders: Vec<String> = serde_json::from_str(&r["account_holders"]).unwrap();
                assert!(holders.iter().all(|h| customers.contains(h)));
                accounts.insert(r["client_account_id"].clone());
            }
            let today = rows(&s, &file(root, date, "balance"), "balance");
            assert_eq!(today.len(), 12, "every balance every day");
            for r in today {
                assert!(accounts.contains(&r["account_id"]));
                assert!(!r.contains_key("id"));
                assert_eq!(r["type"], kind.as_str());
                balances.insert(r["client_balance_id"].clone());
            }
            for r in rows(&s, &file(root, date, "transaction"), "transaction") {
                assert!(balances.contains(&r["balance_id"]));
                assert!(tx_ids.insert(r["client_transaction_id"].clone()), "{r:?}");
            }
            if kind == ProgramKind::Deposit {
                for r in rows(
                    &s,
                    &file(root, date, "non_posted_transaction"),
                    "non_posted_transaction",
                ) {
                    assert!(balances.contains(&r["balance_id"]));
                }
            } else {
                assert!(!file(root, date, "non_posted_transaction").exists());
            }
        }
    }
}

fn all_bytes(root: &Path, m: &Manifest) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = m
        .files
        .iter()
        .map(|f| (f.clone(), fs::read(root.join(f)).unwrap()))
        .collect();
    v.push((
        MANIFEST_FILE.into(),
        fs::read(root.join(MANIFEST_FILE)).unwrap(),
    ));
    v
}

#[test]
fn same_seed_same_bytes_other_seed_other_ids() {
    let s = schemas();
    let (a, ma) = generate(&s, &opts(ProgramKind::Deposit, 3, 6, 2, 21));
    let (b, mb) = generate(&s, &opts(ProgramKind::Deposit, 3, 6, 2, 21));
    let (c, mc) = generate(&s, &opts(ProgramKind::Deposit, 3, 6, 2, 22));
    assert_eq!(all_bytes(a.path(), &ma), all_bytes(b.path(), &mb));
    let start: NaiveDate = ma.start.parse().unwrap();
    let ids = |root: &Path| -> BTreeSet<String> {
        rows(&s, &file(root, start, "balance"), "balance")
            .into_iter()
            .map(|r| r["client_balance_id"].clone())
            .collect()
    };
    assert!(ids(a.path()).is_disjoint(&ids(c.path())));
    assert_ne!(ma.breaks, mc.breaks);
}

#[test]
fn impossible_options_are_errors_not_panics() {
    let s = schemas();
    let dir = tempfile::tempdir().unwrap();
    let bad = [
        opts(ProgramKind::Deposit, 0, 3, 0, 1),
        opts(ProgramKind::Deposit, 2, 0, 0, 1),
        // 2 days x 3 balances: breaks only on the second date, so 3 pairs.
        opts(ProgramKind::Deposit, 2, 3, 4, 1),
        opts(ProgramKind::Credit, 1, 3, 1, 1),
        ProgramOptions {
            start: NaiveDate::from_ymd_opt(9999, 12, 30).unwrap(),
            ..opts(ProgramKind::Credit, 5, 3, 0, 1)
        },
    ];
    for o in bad {
        let e = write_program(&s, &o, dir.path()).unwrap_err();
        assert!(matches!(e, ProgramError::Options(_)), "{o:?}: {e}");
    }
    assert!(write_program(&s, &opts(ProgramKind::Deposit, 2, 3, 3, 1), dir.path()).is_ok());
    assert!("savings".parse::<ProgramKind>().is_err());
}
