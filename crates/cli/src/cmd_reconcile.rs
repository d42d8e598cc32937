//! `bankdrop reconcile --date D [--partner P] [--format text|json]`: the nightly run of decision
//! D9 on demand. Exit 0 when no partner has a break, 1 when breaks were found, 2 when the run
//! failed for a partner (the other partners are still run).

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Args as ClapArgs, ValueEnum};
use recon::nightly::{DaySummary, FboOutcome};
use serde_json::json;
use service::reconcile::{fbo_text, has_breaks, run_partner};
use service::setup::open_store;
use service::Config;
use std::process::ExitCode;
use store::Partners;

/// Output format.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// One line per partner.
    Text,
    /// One JSON document.
    Json,
}

/// Arguments of `bankdrop reconcile`.
#[derive(ClapArgs)]
pub struct Args {
    /// Activity date D (YYYY-MM-DD): reads the files dated D+1 (D9).
    #[arg(long)]
    date: NaiveDate,
    /// Only this partner (default: every partner).
    #[arg(long)]
    partner: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// Runs the command.
pub fn run(cfg: &Config, args: Args) -> Result<ExitCode> {
    let store = open_store(cfg)?;
    let partners = match &args.partner {
        Some(p) => vec![store
            .partner(p)?
            .with_context(|| format!("no partner `{p}` (bankdrop partner add)"))?],
        None => store.partners()?,
    };
    let results: Vec<(&str, Result<DaySummary>)> = partners
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                run_partner(&store, p, args.date, cfg.recon.nightly_for(&p.name))
                    .map_err(anyhow::Error::from),
            )
        })
        .collect();
    for (p, r) in &results {
        if let Ok(s) = r {
            service::events::record_day(&store, p, s)
                .with_context(|| format!("recording {p}'s day for the operations page"))?;
        }
    }
    let failed = results.iter().any(|(_, r)| r.is_err());
    let breaks = results
        .iter()
        .any(|(_, r)| r.as_ref().is_ok_and(has_breaks));
    match args.format {
        Format::Text => {
            for (p, r) in &results {
                match r {
                    Ok(s) => println!("{}", text_line(p, s)),
                    Err(e) => println!("{p}: failed: {e:#}"),
                }
            }
        }
        Format::Json => {
            let entries: Vec<serde_json::Value> = results
                .iter()
                .map(|(p, r)| match r {
                    Ok(s) => json_entry(p, s),
                    Err(e) => json!({"partner": p, "error": format!("{e:#}")}),
                })
                .collect();
            let doc = json!({"date": args.date.to_string(), "partners": entries});
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
    }
    Ok(ExitCode::from(if failed { 2 } else { u8::from(breaks) }))
}

fn text_line(partner: &str, s: &DaySummary) -> String {
    let reports = s
        .files
        .first()
        .and_then(|f| f.parent())
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    format!(
        "{partner}: {} {} break(s); {} balance(s), {} transaction(s), {} ACH entr(y/ies) settled; FBO {}; reports in {reports}",
        s.date,
        s.breaks,
        s.balances,
        s.transactions,
        s.ach_entries,
        fbo_text(s)
    )
}

fn json_entry(partner: &str, s: &DaySummary) -> serde_json::Value {
    let fbo = match &s.fbo {
        FboOutcome::Skipped => json!("skipped"),
        FboOutcome::Checked(c) => json!({
            "is_break": c.is_break,
            "expected": c.expected.to_string(),
            "difference": c.difference.map(|d| d.to_string()),
        }),
    };
    json!({
        "partner": partner,
        "breaks": s.breaks,
        "balances": s.balances,
        "transactions": s.transactions,
        "ach_entries": s.ach_entries,
        "activity_lines": s.activity_lines,
        "fbo": fbo,
        "files": s.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
    })
}
