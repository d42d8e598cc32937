//! `bankdrop ingest --partner P FILE...`: the upload pipeline without SFTP.

use anyhow::{bail, Context, Result};
use clap::Args as ClapArgs;
use pipeline::{Pipeline, Step};
use service::setup::pipeline;
use service::Config;
use std::path::PathBuf;
use std::process::ExitCode;
use store::Partners;
use store::State;

/// Arguments of `bankdrop ingest`.
#[derive(ClapArgs)]
pub struct Args {
    /// Partner whose files these are.
    #[arg(long)]
    partner: String,
    /// Drop folder to use instead of the one the file name implies (e.g. `card`).
    #[arg(long)]
    folder: Option<String>,
    /// Files, placed in the drop folder their name names and processed in order.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// Runs the command: exit 0 when every file is accepted, 1 otherwise.
pub fn run(cfg: &Config, schemas: validate::schema::Schemas, args: Args) -> Result<ExitCode> {
    let p = pipeline(cfg, schemas)?;
    let partner = p
        .store()
        .partner(&args.partner)?
        .with_context(|| format!("no partner `{}` (bankdrop partner add)", args.partner))?;
    let mut all_accepted = true;
    // Place every file first, as a partner uploading a day's set would, so the D7 order applies
    // whatever order the files are given in.
    let mut placed = Vec::new();
    for file in &args.files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .context("file name")?;
        let folder = match (&args.folder, p.folder_for_name(name)) {
            (Some(f), _) => f.clone(),
            (None, Ok(f)) => f,
            (None, Err(why)) => {
                println!(
                    "{}: rejected — bad_file_name: {why} (or pass --folder)",
                    file.display()
                );
                all_accepted = false;
                continue;
            }
        };
        let inbox = PathBuf::from(&partner.root).join(&folder);
        std::fs::create_dir_all(&inbox)?;
        // Copy under a hidden name, then rename: the file arrives complete, as over SFTP.
        let tmp = inbox.join(format!(".{name}.ingest"));
        std::fs::copy(file, &tmp).with_context(|| format!("reading {}", file.display()))?;
        std::fs::rename(&tmp, inbox.join(name))?;
        placed.push((file.clone(), format!("{folder}/{name}")));
    }
    // Process what may go now; again after each round of decisions; what still waits at the end
    // is processed as at its deadline (an offline run cannot wait for files that never come).
    while !placed.is_empty() {
        let mut waiting = Vec::new();
        let mut progressed = false;
        for (file, rel) in placed {
            match p.process_or_hold(&partner, &rel)? {
                Some(Step::Held(_)) => waiting.push((file, rel)),
                Some(Step::Decided(done)) => {
                    progressed = true;
                    all_accepted &= report(&file, &done);
                }
                // Offline, without leases: no other node's work is ever seen here.
                Some(Step::Elsewhere) | None => bail!("{rel}: not processed"),
            }
        }
        placed = waiting;
        if !progressed && !placed.is_empty() {
            // Release the earliest waiting file in D7 order; the others may follow it.
            placed.sort_by_key(|(_, rel)| level(&p, rel));
            let (file, rel) = placed.remove(0);
            let Some(done) = p.process(&partner, &rel)? else {
                bail!("{rel}: not processed")
            };
            all_accepted &= report(&file, &done);
        }
    }
    Ok(ExitCode::from(u8::from(!all_accepted)))
}

/// Prints one decision; `true` when accepted.
fn report(file: &std::path::Path, done: &pipeline::Processed) -> bool {
    let outcome = match done.state {
        State::Accepted => "accepted",
        State::Duplicate => "duplicate",
        _ => "rejected",
    };
    println!(
        "{}: {outcome} → {} ({} errors; status {})",
        file.display(),
        done.final_path,
        done.error_count,
        done.status_path
    );
    done.state == State::Accepted
}

/// A file's group in the D7 order (unknown types last).
fn level(p: &Pipeline, rel: &str) -> usize {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let order = &p.config().order;
    p.schemas()
        .parse_file_name(name)
        .ok()
        .and_then(|f| order.iter().position(|g| g.contains(&f.file_type)))
        .unwrap_or(order.len())
}
