//! The nightly reconciliation through the store (`pipeline::nightly::run_day`), filled and
//! measured in separate commands so the fill's time and memory never mix into the run's:
//!
//! ```sh
//! bankdrop-bench recon-fill --db /tmp/rb/db.sqlite [--store-url postgres://...] [--balances 1000000] [--transactions 5000000] [--date 2026-03-03] [--breaks 10] [--days 1] [--keep-csv]
//! bankdrop-bench recon-run  --db /tmp/rb/db.sqlite [--store-url postgres://...] [--date 2026-03-03] [--runs 3] [--duckdb]
//! ```
//!
//! The store is the SQLite file `--db`, or with `--store-url` the PostgreSQL database it names
//! (`[store] url`); `--db` then only names the bench's own files, next to it.
//!
//! The fill stores what the pipeline stores for three accepted files of one partner: the balance
//! files dated D and D+1 and the transaction file dated D+1 (D9: a file dated T carries day
//! T−1); with `--days K`, K such days ending with D (older history), each written as a CSV file and applied by the pipeline's `apply_rows`. Closing
//! balances are computed from the generated transactions with the spec 05 §3.3 deposit formulas,
//! in `Decimal`, then `--breaks` of them are moved by one cent, so the run must find exactly that
//! many breaks. What was planted is written next to the database (`<db>.planted.json`) for
//! `recon-run` to check against. `--keep-csv` keeps the CSV files applied in `<db-stem>-csv/`;
//! `recon-run --duckdb` then runs `scripts/duckdb-recon.py` over them after each of its runs
//! (DuckDB recomputing the day's breaks from the files, checked against ours) and prints both
//! medians side by side.

use anyhow::{bail, ensure, Context, Result};
use chrono::{Duration, NaiveDate};
use pipeline::nightly::run_day;
use recon::nightly::{NightlyConfig, PartnerTree};
use rust_decimal::Decimal;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use store::{Db, Decision, NewFile, State};
use store::{Ledger, Partners};

const PARTNER: &str = "bench";

/// Every column of the balance and transaction schemas (`schemas/*.toml`), so stored rows have
/// the pipeline's size and shape, nulls included.
const BALANCE_COLUMNS: [&str; 18] = [
    "account_id",
    "client_balance_id",
    "id",
    "client_balance_name",
    "client_settlement_bank_account_id",
    "created_at",
    "status",
    "status_reason",
    "type",
    "balance",
    "rewards_balance",
    "interest_accrued_balance",
    "dispute_balance",
    "charge_off_balance",
    "past_due_balance",
    "outstanding_principal",
    "outstanding_fees",
    "effective_at",
];
const TRANSACTION_COLUMNS: [&str; 22] = [
    "client_transaction_id",
    "balance_id",
    "card_id",
    "client_settlement_group_id",
    "client_settlement_bank_account_id",
    "bin",
    "amount",
    "amount_in_usd",
    "currency",
    "principal_amount",
    "fee_amount",
    "interest_amount",
    "rewards_amount",
    "type",
    "fee_type",
    "action",
    "transfer_type",
    "transfer_ids",
    "settlement_date",
    "effective_at",
    "settlement_amount",
    "settlement_currency",
];
/// The deposit components of spec 05 §3.3, in `BALANCE_COLUMNS` order.
const COMPONENTS: [&str; 5] = [
    "balance",
    "rewards_balance",
    "interest_accrued_balance",
    "dispute_balance",
    "charge_off_balance",
];
/// Deposit transaction types, weighted towards card activity; every §3.3 formula gets some.
const TYPES: [&str; 16] = [
    "debit",
    "debit",
    "debit",
    "debit",
    "credit",
    "credit",
    "refund",
    "fee",
    "rewards_earned",
    "rewards_redeemed",
    "interest_accrued",
    "interest_paid",
    "dispute_provisional",
    "dispute_won",
    "charge_off",
    "charge_off_recovery",
];

/// splitmix64: a deterministic hash of an index, so fill needs no RNG crate and is repeatable.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn balance_id(i: u64) -> String {
    format!("bal-{i:08}")
}

/// One stored row as the pipeline writes it: every column, null where not given.
/// One pipe-delimited row of `columns`, the cells not given empty (null, D2).
fn row_csv(columns: &[&str], cells: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            out.push('|');
        }
        if let Some((_, v)) = cells.iter().find(|(n, _)| n == c) {
            out.push_str(v);
        }
    }
    out.push('\n');
    out
}

fn balance_csv(i: u64, amounts: &[Decimal; 5]) -> String {
    let mut cells = vec![
        ("account_id", format!("acct-{:08}", i / 2)),
        ("client_balance_id", balance_id(i)),
        ("created_at", "2025-01-01T00:00:00Z".to_string()),
        ("status", "active".to_string()),
        ("status_reason", "active".to_string()),
        ("type", "deposit".to_string()),
        ("past_due_balance", "0.00".to_string()),
    ];
    for (c, a) in COMPONENTS.iter().zip(amounts) {
        cells.push((c, format!("{a:.2}")));
    }
    row_csv(&BALANCE_COLUMNS, &cells)
}

struct Tx {
    balance: u64,
    ty: &'static str,
    amount: Decimal,
    rewards: Option<Decimal>,
}

/// Transaction `t` belongs to balance `t % balances`, so every balance's activity is spread
/// over the whole file, as in a real day.
fn tx(t: u64, balances: u64) -> Tx {
    let h = mix(t ^ 0x5EED);
    let mut cents = (h % 50_000) as i64 + 1;
    if h & (1 << 40) != 0 {
        cents = -cents;
    }
    let ty = TYPES[((h >> 20) % TYPES.len() as u64) as usize];
    let rewards = (matches!(ty, "debit" | "rewards_earned") && h & (1 << 41) != 0)
        .then(|| Decimal::new(((h >> 44) % 500) as i64, 2));
    Tx {
        balance: t % balances,
        ty,
        amount: Decimal::new(cents, 2),
        rewards,
    }
}

/// The §3.3 deposit formulas, written independently of `recon`'s, applied to `v`.
fn post(v: &mut [Decimal; 5], t: &Tx) {
    if !matches!(t.ty, "interest_accrued" | "dispute_won") {
        v[0] += t.amount;
    }
    if matches!(
        t.ty,
        "rewards_earned" | "rewards_spent" | "rewards_redeemed" | "debit" | "refund" | "credit"
    ) {
        v[1] += t.rewards.unwrap_or_default();
    }
    match t.ty {
        "interest_accrued" => v[2] += t.amount,
        "interest_paid" => v[2] -= t.amount,
        "dispute_provisional" | "dispute_won" | "dispute_lost" => v[3] += t.amount,
        "charge_off" | "charge_off_recovery" => v[4] += t.amount,
        _ => {}
    }
}

fn opening(i: u64) -> [Decimal; 5] {
    let h = mix(i);
    [
        Decimal::new((h % 10_000_000) as i64, 2),
        Decimal::new(((h >> 24) % 10_000) as i64, 2),
        Decimal::new(((h >> 40) % 1_000) as i64, 2),
        Decimal::ZERO,
        Decimal::ZERO,
    ]
}

/// What `recon-fill` planted, read back by `recon-run`.
fn planted_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".planted.json");
    PathBuf::from(p)
}

/// Where `recon-fill --keep-csv` keeps the CSV files it applied: `<db-stem>-csv/` next to the
/// database.
pub fn csv_dir(db: &Path) -> PathBuf {
    let stem = db.file_stem().and_then(|s| s.to_str()).unwrap_or("db");
    db.with_file_name(format!("{stem}-csv"))
}

fn wal_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

/// The store of `--db`, or the PostgreSQL database of `--store-url` (a fresh one for the fill).
fn open_store(args: &[String], db: &Path) -> Result<(Db, String)> {
    let url = flag(args, "--store-url");
    let s = Db::open(url.as_deref(), db)?;
    let described = s.describe();
    Ok((s, described))
}

fn partner_root(db: &Path) -> PathBuf {
    let stem = db.file_stem().and_then(|s| s.to_str()).unwrap_or("db");
    db.with_file_name(format!("{stem}-partner"))
}

/// Writes a file's rows (`each` gets the writer) under a header of `columns`, then claims,
/// accepts and applies it in a single SQLite transaction through the pipeline's apply, as an
/// accepted upload is. With `keep`, the CSV file stays there under its documented name
/// (`<file_date>_<type>_v1.csv`), for a baseline to read the same bytes; else it is deleted.
fn accept(
    s: &Db,
    keep: Option<&Path>,
    file_type: &str,
    file_date: &str,
    rows: u64,
    columns: &[&str],
    each: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<f64> {
    let schemas = validate::schema::Schemas::builtin()?;
    let schema = schemas
        .get(file_type)
        .with_context(|| format!("no schema {file_type}"))?;
    let name = format!("{file_date}_{file_type}_v1.csv");
    let tmp = match keep {
        Some(dir) => dir.join(&name),
        None => tempfile_path(file_type),
    };
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        writeln!(w, "{}", columns.join("|"))?;
        each(&mut w)?;
        w.flush()?;
    }
    let mut apply = |ap: &mut store::Writing| -> store::Result<()> {
        let conflicts =
            pipeline::apply_rows(schema, std::fs::File::open(&tmp)?, Some(file_date), ap)?;
        match conflicts.first() {
            None => Ok(()),
            Some(c) => Err(store::Error::Apply(format!(
                "transaction {} already stored",
                c.id
            ))),
        }
    };
    let t0 = Instant::now();
    let id = s.begin(&NewFile {
        partner: PARTNER.into(),
        path: format!("{file_type}/{name}"),
        name: name.clone(),
        file_type: Some(file_type.into()),
        prefix: Some(file_date.into()),
        version: Some(1),
        // Never compared by the run; unique per file as the duplicate check would want.
        sha256: format!("bench:{name}"),
        bytes: 0,
        received_at: format!("{file_date}T01:00:00Z"),
    })?;
    let d = Decision {
        state: State::Accepted,
        rows,
        late: false,
        error_count: 0,
        warning_count: 0,
        decided_at: format!("{file_date}T01:00:01Z"),
        final_path: format!("{file_type}/processed/{name}"),
    };
    ensure!(
        s.decide_and_apply(id, &d, &mut apply, &mut || Ok(()))?,
        "{name} was already decided"
    );
    if keep.is_none() {
        std::fs::remove_file(&tmp)?;
    }
    let secs = t0.elapsed().as_secs_f64();
    println!("  {name:<32} {rows:>9} rows  {secs:>7.1} s");
    Ok(secs)
}

pub fn fill(args: &[String]) -> Result<()> {
    let db = PathBuf::from(flag(args, "--db").context("--db PATH is required")?);
    let balances: u64 = flag(args, "--balances").map_or(Ok(1_000_000), |v| v.parse())?;
    let transactions: u64 = flag(args, "--transactions").map_or(Ok(5_000_000), |v| v.parse())?;
    let breaks: u64 = flag(args, "--breaks").map_or(Ok(10), |v| v.parse())?;
    // History depth: the measured day D is the last of `days`; older days only make the store
    // (and any read that scans a partner's whole history) bigger.
    let days: u64 = flag(args, "--days").map_or(Ok(1), |v| v.parse())?;
    let date: NaiveDate = flag(args, "--date")
        .as_deref()
        .unwrap_or("2026-03-03")
        .parse()?;
    ensure!(
        balances > 0 && breaks <= balances,
        "need 0 < --breaks <= --balances"
    );
    ensure!(
        !db.exists() && !planted_path(&db).exists(),
        "{} exists; recon-fill wants a fresh store",
        db.display()
    );
    let root = partner_root(&db);
    std::fs::create_dir_all(&root)?;
    let keep = args.iter().any(|a| a == "--keep-csv").then(|| csv_dir(&db));
    if let Some(dir) = &keep {
        std::fs::create_dir_all(dir)?;
    }

    let t_all = Instant::now();
    let (s, store) = open_store(args, &db)?;
    ensure!(
        s.partner(PARTNER)?.is_none(),
        "{store} has a partner `{PARTNER}` already; recon-fill wants a fresh store"
    );
    s.add_partner(PARTNER, &root.display().to_string(), "2026-01-01T00:00:00Z")?;
    println!(
        "filling {store}: {balances} deposit balances, {transactions} transactions a day, {days} day(s) ending {date}"
    );

    // The first opening: the balance file dated `first`, the day before the oldest day filled.
    let first = date - Duration::days(days as i64 - 1);
    let first_name = first.format("%Y-%m-%d").to_string();
    accept(
        &s,
        keep.as_deref(),
        "balance",
        &first_name,
        balances,
        &BALANCE_COLUMNS,
        &mut |w| {
            for i in 0..balances {
                w.write_all(balance_csv(i, &opening(i)).as_bytes())?;
            }
            Ok(())
        },
    )?;

    // Each day: its transactions (file dated day+1), summed per balance into the closing
    // balances (balance file dated day+1), which open the next day.
    let mut closing: Vec<[Decimal; 5]> = (0..balances).map(opening).collect();
    let mut planted = Vec::new();
    for k in 0..days {
        let day = first + Duration::days(k as i64);
        let (day_name, file_date) = (
            day.format("%Y-%m-%d").to_string(),
            (day + Duration::days(1)).format("%Y-%m-%d").to_string(),
        );
        accept(
            &s,
            keep.as_deref(),
            "transaction",
            &file_date,
            transactions,
            &TRANSACTION_COLUMNS,
            &mut |w| {
                for t in k * transactions..(k + 1) * transactions {
                    let x = tx(t, balances);
                    post(&mut closing[x.balance as usize], &x);
                    let id = format!("tx-{t:011}");
                    let bal = balance_id(x.balance);
                    let mut cells = vec![
                        ("client_transaction_id", id.clone()),
                        ("balance_id", bal.clone()),
                        ("card_id", format!("card-{:08}", x.balance)),
                        ("amount", format!("{:.2}", x.amount)),
                        ("currency", "USD".to_string()),
                        ("type", x.ty.to_string()),
                        ("action", "applied".to_string()),
                        ("effective_at", format!("{day_name}T12:00:00Z")),
                    ];
                    if let Some(r) = x.rewards {
                        cells.push(("rewards_amount", format!("{r:.2}")));
                    }
                    w.write_all(row_csv(&TRANSACTION_COLUMNS, &cells).as_bytes())?;
                }
                Ok(())
            },
        )?;

        // Planted breaks, on the measured day only: one cent too much on `balance`, evenly
        // spread over the id range. Earlier days reconcile cleanly.
        if day == date {
            let step = balances / breaks.max(1);
            for b in 0..breaks {
                let i = b * step + step / 2;
                closing[i as usize][0] += Decimal::new(1, 2);
                planted.push(balance_id(i));
            }
        }

        accept(
            &s,
            keep.as_deref(),
            "balance",
            &file_date,
            balances,
            &BALANCE_COLUMNS,
            &mut |w| {
                for (i, v) in closing.iter().enumerate() {
                    w.write_all(balance_csv(i as u64, v).as_bytes())?;
                }
                Ok(())
            },
        )?;
    }
    drop(s);

    let meta = serde_json::json!({
        "date": date.to_string(),
        "balances": balances,
        "transactions": transactions,
        "days": days,
        "breaks": breaks,
        "planted": planted,
        "csv_dir": keep.as_ref().map(|d| d.display().to_string()),
        "store": store,
    });
    std::fs::write(planted_path(&db), format!("{meta:#}\n"))?;
    let size = match flag(args, "--store-url") {
        // The server's files are its own: ask it (`pg_database_size`), the bench cannot see them.
        Some(_) => format!("store {store}"),
        None => format!(
            "store {:.1} MB (+ WAL {:.1} MB)",
            file_mb(&db),
            file_mb(&wal_path(&db))
        ),
    };
    println!(
        "fill: {:.1} s, {size}, peak RSS {:.1} MiB",
        t_all.elapsed().as_secs_f64(),
        crate::peak_rss_kib() as f64 / 1024.0
    );
    println!(
        "planted {breaks} breaks (balance +0.01): {}",
        planted.join(" ")
    );
    Ok(())
}

/// A scratch CSV next to the system's temp files.
fn tempfile_path(file_type: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "bankdrop-bench-{}-{file_type}.csv",
        std::process::id()
    ))
}

fn file_mb(p: &Path) -> f64 {
    std::fs::metadata(p).map_or(0.0, |m| m.len() as f64 / 1e6)
}

pub fn run(args: &[String]) -> Result<()> {
    let db = PathBuf::from(flag(args, "--db").context("--db PATH is required")?);
    let runs: usize = flag(args, "--runs").map_or(Ok(3), |v| v.parse())?;
    let meta: Value = serde_json::from_str(
        &std::fs::read_to_string(planted_path(&db))
            .context("no <db>.planted.json: fill the store with recon-fill first")?,
    )?;
    let num = |k: &str| {
        meta[k]
            .as_u64()
            .with_context(|| format!("{k} in planted.json"))
    };
    let (balances, transactions, breaks) = (num("balances")?, num("transactions")?, num("breaks")?);
    let date: NaiveDate = match flag(args, "--date") {
        Some(d) => d.parse()?,
        None => meta["date"].as_str().context("date")?.parse()?,
    };
    ensure!(runs > 0, "--runs must be at least 1");

    let (s, store) = open_store(args, &db)?;
    // The fill's kind of store (an older planted.json has none recorded); the counts the runs
    // check catch any other store.
    if let Some(filled) = meta["store"].as_str() {
        let kind = |d: &str| d.split(' ').next().unwrap_or("").to_string();
        ensure!(
            kind(filled) == kind(&store),
            "{} was filled into {filled}, not {store} (--store-url)",
            planted_path(&db).display()
        );
    }
    let p = s
        .partner(PARTNER)?
        .context("no partner `bench` in the store")?;
    let root = PathBuf::from(&p.root);
    let cfg = NightlyConfig::default();
    println!(
        "run_day {date} over {store} ({balances} balances, {transactions} transactions, {breaks} planted breaks)"
    );
    // With --duckdb, each run of ours is followed by DuckDB's recomputation of the same day
    // from the CSV files the fill kept (scripts/duckdb-recon.py), so both medians come from the
    // same minutes of a noisy machine.
    let duckdb = args.iter().any(|a| a == "--duckdb").then(|| {
        flag(args, "--duckdb-script").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/duckdb-recon.py"),
            PathBuf::from,
        )
    });
    let csv_dir = match (&duckdb, meta["csv_dir"].as_str()) {
        (None, _) => None,
        (Some(_), Some(d)) => Some(PathBuf::from(d)),
        (Some(_), None) => bail!("--duckdb needs the CSV files: fill with recon-fill --keep-csv"),
    };
    let mut secs = Vec::new();
    let mut cpus = Vec::new();
    let mut theirs = Vec::new();
    let mut their_rss: f64 = 0.0;
    for r in 1..=runs {
        let c0 = cpu_secs();
        let t0 = Instant::now();
        let d = run_day(
            &s,
            PartnerTree {
                name: PARTNER,
                root: &root,
            },
            date,
            &cfg,
        )?;
        let t = t0.elapsed().as_secs_f64();
        let cpu = cpu_secs() - c0;
        println!(
            "  run {r}: {t:>7.2} s (CPU {cpu:.2} s)  breaks {}  balances {}  transactions {}  VmHWM {:.1} MiB",
            d.breaks,
            d.balances,
            d.transactions,
            crate::peak_rss_kib() as f64 / 1024.0
        );
        // A wrong count means the store read or the reconciliation lost rows: fail, not report.
        if (d.breaks, d.balances, d.transactions) != (breaks, balances, transactions) {
            bail!(
                "expected {breaks} breaks over {balances} balances and {transactions} transactions, \
                 run_day found {} / {} / {}",
                d.breaks,
                d.balances,
                d.transactions
            );
        }
        let summary = d.files.last().context("no summary written")?;
        check_summary(summary, &meta)?;
        secs.push(t);
        cpus.push(cpu);
        if let (Some(script), Some(dir)) = (&duckdb, &csv_dir) {
            let (t, rss) = run_duckdb(script, dir, date, &db, &breaks_csv(summary)?)?;
            println!("         DuckDB {t:>7.2} s  breaks as ours  peak RSS {rss:.1} MiB");
            theirs.push(t);
            their_rss = their_rss.max(rss);
        }
    }
    let ours = Stats::of(&mut secs);
    let cpu = Stats::of(&mut cpus);
    let our_rss = crate::peak_rss_kib() as f64 / 1024.0;
    println!(
        "median {:.2} s over {runs} runs (min {:.2}, max {:.2}), CPU median {:.2} s (user + system, all threads); peak RSS (VmHWM) {our_rss:.1} MiB; breaks {breaks} as planted",
        ours.median, ours.min, ours.max, cpu.median,
    );
    if !theirs.is_empty() {
        let duck = Stats::of(&mut theirs);
        println!(
            "DuckDB (threads=2, from the CSV files): median {:.2} s (min {:.2}, max {:.2}), peak RSS {their_rss:.1} MiB",
            duck.median, duck.min, duck.max
        );
        println!(
            "{:<34} {:>8} {:>8} {:>8} {:>10}",
            "same run, medians", "median", "min", "max", "peak RSS"
        );
        for (name, st, rss) in [
            ("bankdrop run_day (store)", &ours, our_rss),
            ("DuckDB, breaks only (CSV)", &duck, their_rss),
        ] {
            println!(
                "{name:<34} {:>6.2} s {:>6.2} s {:>6.2} s {rss:>6.1} MiB",
                st.median, st.min, st.max
            );
        }
        println!(
            "bankdrop / DuckDB: {:.2} of DuckDB's time",
            ours.median / duck.median
        );
    }
    Ok(())
}

/// User + system time of this process so far, every thread (`/proc/self/stat`, in clock ticks
/// of 10 ms): what a run costs whatever else the machine is doing.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    f.iter().sum::<f64>() / 100.0
}

struct Stats {
    median: f64,
    min: f64,
    max: f64,
}

impl Stats {
    fn of(v: &mut [f64]) -> Stats {
        v.sort_by(f64::total_cmp);
        Stats {
            median: v[v.len() / 2],
            min: v[0],
            max: v[v.len() - 1],
        }
    }
}

/// Runs scripts/duckdb-recon.py over the kept CSV files; it fails unless its breaks are the
/// planted ones and those of our report, amounts included. Returns its time and peak RSS.
fn run_duckdb(
    script: &Path,
    csv_dir: &Path,
    date: NaiveDate,
    db: &Path,
    ours: &Path,
) -> Result<(f64, f64)> {
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg("--csv-dir")
        .arg(csv_dir)
        .args(["--date", &date.to_string(), "--threads", "2", "--quiet"])
        .arg("--planted")
        .arg(planted_path(db))
        .arg("--ours")
        .arg(ours)
        .output()
        .with_context(|| format!("running python3 {}", script.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    ensure!(
        out.status.success(),
        "{}: {text}{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let value = |key: &str| -> Result<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("no `{key}` in {text}"))
    };
    Ok((value("elapsed ")?, value("peak_rss ")?))
}

/// The breaks report next to a summary JSON.
fn breaks_csv(summary: &Path) -> Result<PathBuf> {
    Ok(summary.with_file_name(
        summary
            .file_name()
            .and_then(|n| n.to_str())
            .context("summary name")?
            .replace("_summary.json", ".csv"),
    ))
}

/// The summary JSON must show a clean day apart from the planted breaks: every balance opened
/// from yesterday (none new, none missing), every transaction matched, and the breaks on exactly
/// the planted balances (checked through the breaks report's first column).
fn check_summary(summary: &Path, meta: &Value) -> Result<()> {
    let j: Value = serde_json::from_str(&std::fs::read_to_string(summary)?)?;
    for k in ["new_balances", "transactions_unmatched"] {
        ensure!(j[k].as_u64() == Some(0), "summary {k} = {}", j[k]);
    }
    ensure!(
        j["missing_balances"].as_array().is_some_and(Vec::is_empty),
        "summary missing_balances = {}",
        j["missing_balances"]
    );
    let text = std::fs::read_to_string(breaks_csv(summary)?)?;
    let found: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split('|').next())
        .collect();
    let planted: Vec<&str> = meta["planted"]
        .as_array()
        .context("planted")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    ensure!(
        found == planted,
        "breaks on {found:?}, planted on {planted:?}"
    );
    Ok(())
}
