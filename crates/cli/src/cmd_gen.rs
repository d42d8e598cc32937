//! `bankdrop gen --type T --rows N`, and `bankdrop gen --program deposit|credit --days N
//! --accounts A --out DIR` for a whole program's daily files that reconcile (see
//! `synth::program`).

use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use std::fs::File;
use std::path::{Path, PathBuf};
use synth::{file_name, write_file, write_program, GenOptions, ProgramKind, ProgramOptions};

/// Arguments of `bankdrop gen`.
#[derive(ClapArgs)]
pub struct Args {
    /// File type to generate.
    #[arg(
        long = "type",
        value_name = "T",
        required_unless_present = "program",
        conflicts_with = "program"
    )]
    file_type: Option<String>,
    /// A whole program instead of one file: N days of daily files for A accounts whose
    /// balances reconcile exactly (spec 05 §3.3 / §3.4), plus `manifest.json`; needs `--out DIR`.
    #[arg(long, value_name = "KIND", value_parser = ["deposit", "credit"],
          conflicts_with_all = ["rows", "entries", "sec", "date"])]
    program: Option<String>,
    // The program options have no clap defaults, so that `run` can refuse one given without
    // --program (clap's `requires` did not fire for them).
    /// Program: number of file dates [default: 5].
    #[arg(long)]
    days: Option<u32>,
    /// Program: number of accounts, one balance each [default: 20].
    #[arg(long)]
    accounts: Option<u32>,
    /// Program: reconciliation breaks to plant, on file dates from the second one on [default: 0].
    #[arg(long)]
    breaks: Option<u32>,
    /// Program: the first file date; its files carry the activity of the day before
    /// [default: 2026-01-27].
    #[arg(long, value_name = "YYYY-MM-DD")]
    start: Option<String>,
    /// Data rows.
    #[arg(long, default_value_t = 100)]
    rows: u64,
    /// Nacha (`--type outgoing_ach`): entries to write.
    #[arg(long, default_value_t = 100)]
    entries: usize,
    /// Nacha: SEC code of the entries (PPD, CCD, WEB, TEL, CIE).
    #[arg(long, default_value = "PPD")]
    sec: String,
    /// Seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// File date T (the rows describe T−1).
    #[arg(long, default_value = "2026-01-27")]
    date: String,
    /// Output file, or a directory to write `<date>_<type>_v1.csv` into (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Schema directory (default: ./schemas when present, else the built-in schemas).
    #[arg(long, value_name = "DIR")]
    schemas: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    if let Some(kind) = &args.program {
        return run_program(&args, kind);
    }
    if args.days.is_some()
        || args.accounts.is_some()
        || args.breaks.is_some()
        || args.start.is_some()
    {
        anyhow::bail!("--days, --accounts, --breaks and --start need --program");
    }
    // clap requires --type when --program is absent.
    let file_type = args.file_type.clone().unwrap_or_default();
    if file_type == validate::schema::types::OUTGOING_ACH {
        return run_ach(&args);
    }
    let schemas = crate::schemas::load(args.schemas.as_deref())?;
    let schema = schemas.get(&file_type).with_context(|| {
        let known: Vec<&str> = schemas.iter().map(|s| s.file_type.as_str()).collect();
        format!(
            "unknown file type `{file_type}`; known: {}",
            known.join(", ")
        )
    })?;
    let opts = GenOptions {
        rows: args.rows,
        seed: args.seed,
        date: args.date,
    };
    match args.out {
        None => write_file(schema, &schemas.refdata, &opts, std::io::stdout().lock())?,
        Some(p) => {
            let path = if p.is_dir() {
                p.join(file_name(schema, &opts))
            } else {
                p
            };
            let f = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
            write_file(schema, &schemas.refdata, &opts, f)?;
            eprintln!("wrote {} ({} rows)", path.display(), opts.rows);
        }
    }
    Ok(())
}

/// `--program`: the program's folders and manifest under `--out`.
fn run_program(args: &Args, kind: &str) -> Result<()> {
    let out: &Path = args
        .out
        .as_deref()
        .context("--program needs --out DIR (it writes one folder per file date)")?;
    let kind: ProgramKind = kind.parse()?;
    let start = args.start.as_deref().unwrap_or("2026-01-27");
    let start = chrono::NaiveDate::parse_from_str(start, "%Y-%m-%d")
        .with_context(|| format!("--start: not a YYYY-MM-DD date: {start}"))?;
    let opts = ProgramOptions {
        kind,
        days: args.days.unwrap_or(5),
        accounts: args.accounts.unwrap_or(20),
        breaks: args.breaks.unwrap_or(0),
        seed: args.seed,
        start,
    };
    let schemas = crate::schemas::load(args.schemas.as_deref())?;
    let m = write_program(&schemas, &opts, out)?;
    eprintln!(
        "wrote {} files for {} {} accounts over {} days ({} planted breaks) and {} under {}",
        m.files.len(),
        m.accounts,
        m.kind,
        m.days,
        m.breaks.len(),
        synth::program::MANIFEST_FILE,
        out.display()
    );
    Ok(())
}

/// A valid Nacha file (issue 3 item 6); a directory gets the spec 06 §1.4 name.
fn run_ach(args: &Args) -> Result<()> {
    let sec: nacha::SecCode = args
        .sec
        .parse()
        .map_err(|e| anyhow::anyhow!("--sec: {e}"))?;
    match &args.out {
        None => {
            nacha::gen::generate(args.entries, sec, args.seed, std::io::stdout().lock())?;
        }
        Some(p) => {
            let path = if p.is_dir() {
                // A fixed instant per seed keeps the name deterministic too.
                let t = 1_768_497_400 + args.seed as i64;
                let id = nacha::names::content_id(t).context("content id")?;
                p.join(nacha::names::file_name(
                    &id,
                    nacha::names::AchFileType::OutgoingAch,
                    &t.to_string(),
                ))
            } else {
                p.clone()
            };
            let f = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
            nacha::gen::generate(args.entries, sec, args.seed, std::io::BufWriter::new(f))?;
            eprintln!(
                "wrote {} ({} {} entries)",
                path.display(),
                args.entries,
                args.sec
            );
        }
    }
    Ok(())
}
