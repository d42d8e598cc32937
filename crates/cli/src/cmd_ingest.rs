//! `bankdrop ingest --partner P FILE...`: the upload pipeline without SFTP.

use anyhow::{bail, Context, Result};
use clap::Args as ClapArgs;
use pipeline::schedule::EarlierDay;
use pipeline::{Hold, Pipeline, Step};
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
    // Files an earlier run left waiting for an earlier day (spec 01 §12.5) may go with these.
    let now = p.config().now();
    for rel in p.pending(&partner) {
        if placed.iter().any(|(_, r)| *r == rel) {
            continue;
        }
        if p.hold(&partner, &rel, now)?
            .is_some_and(|h| waits_for_earlier_day(&h))
        {
            placed.push((PathBuf::from(&partner.root).join(&rel), rel));
        }
    }
    // Process what may go now; again after each round of decisions; what still waits for a
    // file of its own day at the end is processed as at its deadline (an offline run cannot
    // wait for files that never come). A file waiting for an earlier day stays in its inbox,
    // as on the server, until that day's file is accepted or its own deadline passes.
    let mut held: Vec<(PathBuf, String, Hold)> = Vec::new();
    while !placed.is_empty() {
        let mut waiting = Vec::new();
        held.clear();
        let mut progressed = false;
        for (file, rel) in placed {
            match p.process_or_hold(&partner, &rel)? {
                Some(Step::Held(h)) => {
                    held.push((file.clone(), rel.clone(), h));
                    waiting.push((file, rel));
                }
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
            // Release the earliest file (by date, then D7 order) that waits only for files of
            // its own day; the others may follow it.
            let mut free: Vec<&(PathBuf, String, Hold)> = held
                .iter()
                .filter(|(_, _, h)| !waits_for_earlier_day(h))
                .collect();
            free.sort_by_key(|(_, rel, _)| level(&p, rel));
            let Some((file, rel, _)) = free.first().map(|&(f, r, h)| (f.clone(), r.clone(), h))
            else {
                break;
            };
            placed.retain(|(_, r)| *r != rel);
            let Some(done) = p.process(&partner, &rel)? else {
                bail!("{rel}: not processed")
            };
            all_accepted &= report(&file, &done);
            held.clear();
        }
    }
    for (file, rel, h) in &held {
        all_accepted = false;
        println!(
            "{}: held — waiting for {} (stays in {}; processed once that is accepted, or at {})",
            file.display(),
            h.waiting_for.join(", "),
            rel.rsplit_once('/').map_or("its inbox", |(d, _)| d),
            h.until.as_deref().unwrap_or("its deadline")
        );
    }
    Ok(ExitCode::from(u8::from(!all_accepted)))
}

/// Whether a file waits for an earlier due day's file (spec 01 §12.5), not only its own day's.
fn waits_for_earlier_day(h: &Hold) -> bool {
    h.waiting_for.iter().any(|w| EarlierDay::parse(w).is_some())
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

/// A file's date or batch, then its group in the D7 order (unknown types last).
fn level(p: &Pipeline, rel: &str) -> (String, usize) {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let order = &p.config().order;
    let f = p.schemas().parse_file_name(name).ok();
    let group = f
        .as_ref()
        .and_then(|f| order.iter().position(|g| g.contains(&f.file_type)))
        .unwrap_or(order.len());
    (f.map(|f| f.ledger_prefix()).unwrap_or_default(), group)
}
