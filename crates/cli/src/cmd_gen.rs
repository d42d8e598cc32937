//! `bankdrop gen --type T --rows N`

use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use std::fs::File;
use std::path::PathBuf;
use synth::{file_name, write_file, GenOptions};

/// Arguments of `bankdrop gen`.
#[derive(ClapArgs)]
pub struct Args {
    /// File type to generate.
    #[arg(long = "type", value_name = "T")]
    file_type: String,
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
    if args.file_type == "outgoing_ach" {
        return run_ach(&args);
    }
    let schemas = crate::schemas::load(args.schemas.as_deref())?;
    let schema = schemas.get(&args.file_type).with_context(|| {
        let known: Vec<&str> = schemas.iter().map(|s| s.file_type.as_str()).collect();
        format!(
            "unknown file type `{}`; known: {}",
            args.file_type,
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
