//! `bankdrop partner schedule|readiness`: a partner's Day 0 and daily schedule (spec 01 §12),
//! and whether it has had seven consecutive fully accepted days (spec 01 §13). The rules live
//! in `pipeline::schedule` and `pipeline::readiness`; this parses and prints.

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Subcommand;
use pipeline::readiness;
use pipeline::schedule::Schedule;
use service::Config;
use store::{Db, PartnerSchedule, Partners};
use validate::schema::types::CSV_TYPES;

/// The schedule subcommands of `bankdrop partner`.
#[derive(Subcommand)]
pub enum Cmd {
    /// Set (or show, with no option) a partner's Day 0, cadence and daily types (spec 01 §12).
    Schedule {
        /// Partner name.
        name: String,
        /// The first file date the partner sends (YYYY-MM-DD).
        #[arg(long)]
        day0: Option<NaiveDate>,
        /// Which days from Day 0 on are due: `daily` (every calendar day, the default: spec 01
        /// §5.2) or `business_days`.
        #[arg(long)]
        cadence: Option<String>,
        /// File types due each day, comma-separated (default: `[pipeline] expected_types`,
        /// else the types the partner sent since Day 0); `--types ''` goes back to the default.
        #[arg(long, value_delimiter = ',')]
        types: Option<Vec<String>>,
        /// Remove the schedule: no date-order hold, no date warnings, no readiness.
        #[arg(long, conflicts_with_all = ["day0", "cadence", "types"])]
        clear: bool,
    },
    /// Per due day from Day 0, each expected type's outcome, and the go-live verdict: READY
    /// after seven consecutive fully accepted days (spec 01 §13).
    Readiness {
        /// Partner name.
        name: String,
        /// The last day to look at (default: today in America/Chicago, or the simulated clock's).
        #[arg(long)]
        through: Option<NaiveDate>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// Also write it into the partner's `reports/` (`<through>_readiness.txt` and `.json`).
        #[arg(long)]
        write: bool,
    },
}

/// Runs the command.
pub fn run(cfg: &Config, store: &Db, cmd: Cmd) -> Result<()> {
    match cmd {
        Cmd::Schedule {
            name,
            day0,
            cadence,
            types,
            clear,
        } => {
            let p = partner(store, &name)?;
            if clear {
                store.set_schedule(&name, &PartnerSchedule::default())?;
                println!("partner {name}: no schedule");
                return Ok(());
            }
            if day0.is_none() && cadence.is_none() && types.is_none() {
                println!("{}", describe(&p.schedule));
                return Ok(());
            }
            let types = types.map(|t| t.into_iter().filter(|t| !t.is_empty()).collect());
            let known = |t: &str| CSV_TYPES.contains(&t);
            let next = Schedule::update(&p.schedule, day0, cadence.as_deref(), types, &known)?;
            store.set_schedule(&name, &next)?;
            println!("partner {name}: {}", describe(&next));
        }
        Cmd::Readiness {
            name,
            through,
            json,
            write,
        } => {
            let p = partner(store, &name)?;
            let through = through.unwrap_or(pipeline::deadline::chicago_date(
                cfg.clock()?.unwrap_or_else(chrono::Utc::now),
            ));
            let r = readiness::load(store, &cfg.pipeline.expected_types, &p, through)?
                .with_context(|| format!("partner {name} has no Day 0: bankdrop partner schedule {name} --day0 YYYY-MM-DD"))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print!("{}", r.text(&name));
            }
            if write {
                for path in r.write(&p)? {
                    eprintln!("wrote {}", path.display());
                }
            }
        }
    }
    Ok(())
}

fn partner(store: &Db, name: &str) -> Result<store::PartnerRow> {
    store
        .partner(name)?
        .with_context(|| format!("no partner `{name}` (bankdrop partner add)"))
}

/// The schedule line of `partner list`, for a partner that has one.
pub fn print_in_list(s: &PartnerSchedule) {
    if s.day0.is_some() {
        println!("\t{}", describe(s));
    }
}

/// A schedule in one line, for `partner schedule` and `partner list`.
pub fn describe(s: &PartnerSchedule) -> String {
    let Some(day0) = &s.day0 else {
        return "schedule: none (no Day 0)".to_string();
    };
    let types = if s.daily_types.is_empty() {
        "expected types".to_string()
    } else {
        s.daily_types.join(",")
    };
    format!(
        "schedule: Day 0 {day0}, {}, types {types}",
        s.cadence.as_deref().unwrap_or(pipeline::schedule::DAILY)
    )
}
