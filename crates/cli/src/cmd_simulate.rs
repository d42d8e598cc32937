//! `bankdrop simulate return|noc|contest`: what the bank's sandbox does for partners (issue 3
//! item 4): into a directory, or delivered into a partner's `ach/incoming` (spec 06 §1.3) and
//! kept against the original entries, a return only within its deadline (spec 06 §4.1), a
//! contest only of a dishonor the partner sent. `simulate dishonor` writes the partner's side:
//! the dishonored return it uploads into `ach/outgoing` (spec 06 §9.7).

use anyhow::{bail, Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args as ClapArgs, ValueEnum};
use nacha::returns::{
    build_contested, build_dishonored, build_noc, build_return, ContestRequest, Correction,
    DishonorRequest, NocRequest, ResponseOptions, ReturnRequest,
};
use service::setup::open_store;
use service::Config;
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use store::{AchEvents, Partners};

/// What to simulate.
#[derive(Clone, Copy, ValueEnum)]
pub enum Kind {
    /// A return (addenda 99 with an R-code).
    Return,
    /// A notification of change (COR batch, addenda 98 with a C-code).
    Noc,
    /// The partner's dishonor of a return it received (R61, R67–R70; `--file`: the return
    /// file), written as an `outgoing_ach` file for it to upload.
    Dishonor,
    /// The RDFI's contest of a dishonor the partner sent (R71–R77; `--file`: the partner's
    /// accepted dishonored-return file).
    Contest,
}

/// Arguments of `bankdrop simulate`.
#[derive(ClapArgs)]
pub struct Args {
    /// Return or notification of change.
    kind: Kind,
    /// The file answered: the accepted outgoing Nacha file (return, noc), the return file
    /// (dishonor) or the accepted dishonored-return file (contest).
    #[arg(long)]
    file: PathBuf,
    /// Trace number(s) of the original entries to answer.
    #[arg(long = "trace", required = true)]
    traces: Vec<u64>,
    /// Return reason (R01…, R61/R67–R70 to dishonor, R71–R77 to contest) or change code (C01…).
    #[arg(long)]
    code: String,
    /// NOC: the corrected data, comma-separated where the code needs two values (C03: routing,account).
    #[arg(long, default_value = "")]
    corrected: String,
    /// Output directory (default: the current one); the file gets the spec 06 §1.4 name.
    #[arg(long, default_value = ".", conflicts_with = "partner")]
    out: PathBuf,
    /// Deliver into this partner's `ach/incoming` and record it against its accepted entries.
    #[arg(long)]
    partner: Option<String>,
    /// The moment of the simulated delivery (RFC 3339; default now, or `[ach] clock`).
    #[arg(long)]
    at: Option<String>,
}

/// Where a delivery goes, and what it is recorded against.
struct Delivery {
    store: store::Db,
    partner: String,
    root: PathBuf,
}

/// Checks that every trace is an accepted entry of the partner and, for a return, that its
/// deadline has not passed at `at` (spec 06 §4.1); the original entries as stored.
fn check_originals(d: &Delivery, args: &Args, at: DateTime<Utc>) -> Result<Vec<String>> {
    let mut originals = Vec::new();
    for t in &args.traces {
        let trace = format!("{t:015}");
        let data = d
            .store
            .ach_entry_data(&d.partner, &trace)?
            .with_context(|| {
                format!(
                    "{}: no accepted outgoing entry with trace {trace}",
                    d.partner
                )
            })?;
        if matches!(args.kind, Kind::Contest) {
            originals.push(dishonor_of(d, &trace)?);
            continue;
        }
        originals.push(data.clone());
        if !matches!(args.kind, Kind::Return) {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&data)?;
        let settled = v["settlement_date"]
            .as_str()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .with_context(|| format!("entry {trace}: no settlement date stored"))?;
        let due = pipeline::ach_status::return_deadline(&args.code, settled);
        if at >= due {
            bail!(
                "a {} return of entry {trace} (settled {settled}) was due by {} (spec 06 §4.1); it is {}",
                args.code,
                due.to_rfc3339(),
                at.to_rfc3339()
            );
        }
    }
    Ok(originals)
}

/// The partner's dishonor of entry `trace`'s return, as recorded when its file was accepted:
/// the one event a contest answers (and only once).
fn dishonor_of(d: &Delivery, trace: &str) -> Result<String> {
    let events = d.store.ach_events(&d.partner, trace)?;
    let kinds = |k: &str| events.iter().filter(|e| e.kind == k).count();
    if kinds(pipeline::ach::CONTESTED_RETURN) > 0 {
        bail!("entry {trace}: its dishonored return was contested already");
    }
    events
        .into_iter()
        .rev()
        .find(|e| e.kind == pipeline::ach::DISHONORED_RETURN)
        .map(|e| e.detail)
        .with_context(|| format!("entry {trace}: the partner sent no dishonored return of it"))
}

/// A stored date (`YYYY-MM-DD`, or the date part of an RFC 3339 instant) of `v[key]`.
fn stored_date(v: &serde_json::Value, key: &str) -> Option<nacha::Date> {
    v[key].as_str()?.get(..10)?.parse().ok()
}

/// The contest requests, dated from what the store kept of each entry's return and dishonor.
fn contest_requests(
    d: &Delivery,
    args: &Args,
    dishonors: &[String],
) -> Result<Vec<ContestRequest>> {
    let mut reqs = Vec::new();
    for (t, dishonor) in args.traces.iter().zip(dishonors) {
        let trace = format!("{t:015}");
        let events = d.store.ach_events(&d.partner, &trace)?;
        let returned = events
            .iter()
            .find(|e| e.kind == pipeline::ach::RETURN)
            .and_then(|e| e.at.get(..10)?.parse().ok())
            .with_context(|| format!("entry {trace}: no return recorded"))?;
        let original: serde_json::Value = serde_json::from_str(
            &d.store
                .ach_entry_data(&d.partner, &trace)?
                .unwrap_or_default(),
        )
        .unwrap_or_default();
        let dishonor: serde_json::Value = serde_json::from_str(dishonor)?;
        reqs.push(ContestRequest {
            original_trace_number: *t,
            code: args.code.clone(),
            date_original_entry_returned: returned,
            original_settlement_date: stored_date(&original, "settlement_date"),
            dishonored_return_settlement_date: stored_date(&dishonor, "settlement_date"),
        });
    }
    Ok(reqs)
}

/// Runs the command and prints the written path.
pub fn run(cfg: &Config, args: Args) -> Result<()> {
    let now = crate::cmd_ach::moment(cfg, args.at.as_deref())?;
    let delivery = match &args.partner {
        Some(p) => {
            let store = open_store(cfg)?;
            let row = store
                .partner(p)?
                .with_context(|| format!("no partner `{p}` (bankdrop partner add)"))?;
            Some(Delivery {
                store,
                partner: p.clone(),
                root: PathBuf::from(row.root),
            })
        }
        None => None,
    };
    let originals = match &delivery {
        Some(d) => check_originals(d, &args, now)?,
        None => Vec::new(),
    };
    let today = {
        use chrono::Datelike;
        nacha::Date::new(now.year() as u16, now.month() as u8, now.day() as u8).context("today")?
    };
    let secs = now.timestamp();
    let name = match args.kind {
        Kind::Return | Kind::Contest => nacha::names::return_file_name(secs),
        Kind::Noc => nacha::names::noc_file_name(secs),
        Kind::Dishonor => {
            if delivery.is_some() {
                bail!("a dishonor is the partner's to send: write it with --out and upload it into ach/outgoing");
            }
            nacha::names::content_id(secs).map(|id| {
                nacha::names::file_name(&id, nacha::names::AchFileType::OutgoingAch, &secs.to_string())
            })
        }
    }
    .context("file name")?;
    let contests = match (&delivery, args.kind) {
        (Some(d), Kind::Contest) => contest_requests(d, &args, &originals)?,
        (None, Kind::Contest) => {
            bail!("a contest answers a dishonor the partner sent: give --partner")
        }
        _ => Vec::new(),
    };
    let dir = match &delivery {
        Some(d) => d.root.join("ach").join("incoming"),
        None => args.out.clone(),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(&name);
    let input = BufReader::new(
        File::open(&args.file).with_context(|| format!("reading {}", args.file.display()))?,
    );
    let mut opts = ResponseOptions::new(today);
    if matches!(args.kind, Kind::Dishonor) {
        // The partner's trace numbers must be new (spec 06 §1.5): past its own entries'.
        opts.first_sequence = 1_000_000 + (secs.rem_euclid(8_000_000)) as u32;
    }
    let mut summary = None;
    // Written under a hidden name and renamed: the partner never sees half a file.
    recon::reports::write_atomically(&path, |out| {
        let built = match args.kind {
            Kind::Return => {
                let reqs: Vec<ReturnRequest> = args
                    .traces
                    .iter()
                    .map(|t| ReturnRequest::new(*t, args.code.clone()))
                    .collect();
                build_return(input, &reqs, &opts, out)
            }
            Kind::Noc => Correction::parse(&args.code, &args.corrected).and_then(|correction| {
                let reqs: Vec<NocRequest> = args
                    .traces
                    .iter()
                    .map(|t| NocRequest {
                        trace_number: *t,
                        correction: correction.clone(),
                    })
                    .collect();
                build_noc(input, &reqs, &opts, out)
            }),
            Kind::Dishonor => {
                let reqs: Vec<DishonorRequest> = args
                    .traces
                    .iter()
                    .map(|t| DishonorRequest {
                        original_trace_number: *t,
                        code: args.code.clone(),
                        return_settlement_date: None,
                        addenda_information: String::new(),
                    })
                    .collect();
                build_dishonored(input, &reqs, &opts, out)
            }
            Kind::Contest => build_contested(input, &contests, &opts, out),
        };
        summary = Some(built.map_err(std::io::Error::other)?);
        Ok(())
    })
    .with_context(|| format!("writing {}", path.display()))?;
    if let Some(d) = &delivery {
        // A return settles on the business day it is delivered (project default: the bank's
        // return settlement is NOT SEEN); a NOC moves no money.
        let settles = pipeline::windows::roll_forward(pipeline::deadline::chicago_date(now));
        for (t, original) in args.traces.iter().zip(&originals) {
            let (kind, detail, settlement_date) = match args.kind {
                Kind::Return => ("return", original.clone(), Some(settles.to_string())),
                Kind::Contest => {
                    // The dishonor's entry facts, settling again (the other way) today.
                    let mut v: serde_json::Value = serde_json::from_str(original)?;
                    v["event"] = pipeline::ach::CONTESTED_RETURN.into();
                    v["settlement_date"] = settles.to_string().into();
                    (
                        pipeline::ach::CONTESTED_RETURN,
                        v.to_string(),
                        Some(settles.to_string()),
                    )
                }
                Kind::Dishonor => continue,
                Kind::Noc => {
                    // The receiver it corrects, by key only (no account number is kept):
                    // later entries still sending its old data are warned (spec 06 §7).
                    let original: serde_json::Value = serde_json::from_str(original)?;
                    let detail = serde_json::json!({
                        "corrected": args.corrected,
                        "receiver_key": original["receiver_key"],
                    });
                    ("noc", detail.to_string(), None)
                }
            };
            d.store.add_ach_event(&store::AchEvent {
                partner: d.partner.clone(),
                trace: format!("{t:015}"),
                kind: kind.into(),
                code: args.code.clone(),
                file: format!("ach/incoming/{name}"),
                at: now.to_rfc3339(),
                detail,
                settlement_date,
            })?;
        }
    }
    let summary = summary.context("the response was not written")?;
    println!("{} ({:?})", path.display(), summary);
    Ok(())
}
