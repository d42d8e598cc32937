//! `bankdrop simulate return|noc|return-noc|contest`: what the bank's sandbox does for partners
//! (issue 3 item 4): into a directory, or delivered into a partner's `ach/incoming` (spec 06
//! §1.3) and kept against the original entries (`simulate_record`). `simulate dishonor` writes
//! the partner's side: the dishonored return it uploads into `ach/outgoing` (spec 06 §9.7).

use crate::simulate_record::{self as record, Delivery};
use anyhow::{bail, Context, Result};
use clap::{Args as ClapArgs, ValueEnum};
use nacha::names::{content_id, file_name, AchFileType};
use nacha::returns::{
    build_contested, build_dishonored, build_return_noc, Correction, DishonorRequest, NocRequest,
    ResponseOptions, ReturnRequest,
};
use service::Config;
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

/// What to simulate.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// A return (addenda 99 with an R-code).
    Return,
    /// A notification of change (COR batch, addenda 98 with a C-code).
    Noc,
    /// Returns and notifications of change in one file (`incoming_ach_return_noc`): each trace
    /// is returned or corrected by its code.
    ReturnNoc,
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
    /// What to write.
    pub(crate) kind: Kind,
    /// The file answered: the accepted outgoing Nacha file (return, noc, return-noc), the
    /// return file (dishonor) or the accepted dishonored-return file (contest).
    #[arg(long)]
    file: PathBuf,
    /// Trace number(s) of the original entries to answer.
    #[arg(long = "trace", required = true)]
    pub(crate) traces: Vec<u64>,
    /// Return reason (R01…, R61/R67–R70 to dishonor, R71–R77 to contest) or change code
    /// (C01…): one for every trace, or one per trace in order.
    #[arg(long = "code", required = true)]
    codes: Vec<String>,
    /// NOC: the corrected data, comma-separated where the code needs two values (C03: routing,account).
    #[arg(long, default_value = "")]
    pub(crate) corrected: String,
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

impl Args {
    /// The code answering trace number `i`.
    pub(crate) fn code(&self, i: usize) -> &str {
        match self.codes.as_slice() {
            [one] => one,
            many => many.get(i).map_or("", String::as_str),
        }
    }

    /// Whether trace `i` is corrected (a C-code) rather than returned.
    pub(crate) fn is_noc(&self, i: usize) -> bool {
        match self.kind {
            Kind::Noc => true,
            Kind::ReturnNoc => self.code(i).starts_with('C'),
            _ => false,
        }
    }

    fn check(&self) -> Result<()> {
        if self.codes.len() != 1 && self.codes.len() != self.traces.len() {
            bail!(
                "give one --code for every trace, or one per trace ({} traces, {} codes)",
                self.traces.len(),
                self.codes.len()
            );
        }
        match (self.kind, &self.partner) {
            (Kind::Dishonor, Some(_)) => bail!(
                "a dishonor is the partner's to send: write it with --out and upload it into ach/outgoing"
            ),
            (Kind::Contest, None) => {
                bail!("a contest answers a dishonor the partner sent: give --partner")
            }
            _ => Ok(()),
        }
    }
}

/// The file's name for a response written at `secs` (spec 06 §1.4).
fn response_name(kind: Kind, secs: i64) -> Option<String> {
    let file_type = match kind {
        Kind::Return | Kind::Contest => AchFileType::IncomingAchReturn,
        Kind::Noc => AchFileType::IncomingAchNoc,
        Kind::ReturnNoc => AchFileType::IncomingAchReturnNoc,
        Kind::Dishonor => AchFileType::OutgoingAch,
    };
    Some(file_name(&content_id(secs)?, file_type, &secs.to_string()))
}

/// Runs the command and prints the written path.
pub fn run(cfg: &Config, args: Args) -> Result<()> {
    cfg.environment.sandbox_only("`bankdrop simulate`")?;
    args.check()?;
    let now = crate::cmd_ach::moment(cfg, args.at.as_deref())?;
    let delivery = match &args.partner {
        Some(p) => Some(Delivery::open(cfg, p)?),
        None => None,
    };
    let mut originals = match &delivery {
        Some(d) => record::check_originals(d, &args, now)?,
        None => Vec::new(),
    };
    // A contest answers each entry's dishonor: what it records against the entry.
    let contests = match &delivery {
        Some(d) if args.kind == Kind::Contest => {
            let (dishonors, reqs) = record::contests(d, &args.traces, args.code(0), &originals)?;
            originals = dishonors;
            reqs
        }
        _ => Vec::new(),
    };
    let today = {
        use chrono::Datelike;
        nacha::Date::new(now.year() as u16, now.month() as u8, now.day() as u8).context("today")?
    };
    let secs = now.timestamp();
    let name = response_name(args.kind, secs).context("file name")?;
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
    if args.kind == Kind::Dishonor {
        // The partner's trace numbers must be new (spec 06 §1.5): past its own entries'.
        opts.first_sequence = 1_000_000 + (secs.rem_euclid(8_000_000)) as u32;
    }
    let mut summary = None;
    // Written under a hidden name and renamed: the partner never sees half a file.
    recon::reports::write_atomically(&path, |out| {
        let built = match args.kind {
            Kind::Return | Kind::Noc | Kind::ReturnNoc => {
                let mut returns = Vec::new();
                let mut nocs = Vec::new();
                for (i, t) in args.traces.iter().enumerate() {
                    if args.is_noc(i) {
                        let correction = Correction::parse(args.code(i), &args.corrected)
                            .map_err(std::io::Error::other)?;
                        nocs.push(NocRequest {
                            trace_number: *t,
                            correction,
                        });
                    } else {
                        returns.push(ReturnRequest::new(*t, args.code(i)));
                    }
                }
                build_return_noc(input, &returns, &nocs, &opts, out)
            }
            Kind::Dishonor => {
                let reqs: Vec<DishonorRequest> = args
                    .traces
                    .iter()
                    .enumerate()
                    .map(|(i, t)| DishonorRequest {
                        original_trace_number: *t,
                        code: args.code(i).to_string(),
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
        record::record(d, &args, &originals, &format!("ach/incoming/{name}"), now)?;
    }
    let summary = summary.context("the response was not written")?;
    println!("{} ({:?})", path.display(), summary);
    Ok(())
}
