//! `bankdrop simulate return|noc`: what the bank's sandbox does for partners (issue 3 item 4).

use anyhow::{Context, Result};
use clap::{Args as ClapArgs, ValueEnum};
use nacha::returns::{
    build_noc, build_return, Correction, NocRequest, ResponseOptions, ReturnRequest,
};
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

/// What to simulate.
#[derive(Clone, Copy, ValueEnum)]
pub enum Kind {
    /// A return (addenda 99 with an R-code).
    Return,
    /// A notification of change (COR batch, addenda 98 with a C-code).
    Noc,
}

/// Arguments of `bankdrop simulate`.
#[derive(ClapArgs)]
pub struct Args {
    /// Return or notification of change.
    kind: Kind,
    /// The accepted outgoing Nacha file.
    #[arg(long)]
    file: PathBuf,
    /// Trace number(s) of the entries to answer.
    #[arg(long = "trace", required = true)]
    traces: Vec<u64>,
    /// Return reason (R01…) or change code (C01…).
    #[arg(long)]
    code: String,
    /// NOC: the corrected data, comma-separated where the code needs two values (C03: routing,account).
    #[arg(long, default_value = "")]
    corrected: String,
    /// Output directory (default: the current one); the file gets the spec 06 §1.4 name.
    #[arg(long, default_value = ".")]
    out: PathBuf,
}

/// Runs the command and prints the written path.
pub fn run(args: Args) -> Result<()> {
    let now = chrono::Utc::now();
    let today = {
        use chrono::Datelike;
        nacha::Date::new(now.year() as u16, now.month() as u8, now.day() as u8).context("today")?
    };
    let secs = now.timestamp();
    let name = match args.kind {
        Kind::Return => nacha::names::return_file_name(secs),
        Kind::Noc => nacha::names::noc_file_name(secs),
    }
    .context("file name")?;
    let path = args.out.join(name);
    let input = BufReader::new(
        File::open(&args.file).with_context(|| format!("reading {}", args.file.display()))?,
    );
    let out = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let opts = ResponseOptions::new(today);
    let summary = match args.kind {
        Kind::Return => {
            let reqs: Vec<ReturnRequest> = args
                .traces
                .iter()
                .map(|t| ReturnRequest::new(*t, args.code.clone()))
                .collect();
            build_return(input, &reqs, &opts, out)?
        }
        Kind::Noc => {
            let correction = Correction::parse(&args.code, &args.corrected)?;
            let reqs: Vec<NocRequest> = args
                .traces
                .iter()
                .map(|t| NocRequest {
                    trace_number: *t,
                    correction: correction.clone(),
                })
                .collect();
            build_noc(input, &reqs, &opts, out)?
        }
    };
    println!("{} ({:?})", path.display(), summary);
    Ok(())
}
