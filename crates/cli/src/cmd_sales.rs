//! `bankdrop sales request --partner P --date D`: writes (or writes again) a day's Sales Request
//! (spec 04 §3); `bankdrop sales show --partner P --date D`: the day's sales and their answers.

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Args as ClapArgs, Subcommand};
use serde_json::json;
use service::sales::{write_partner, SalesSchedule};
use service::setup::open_store;
use service::Config;
use std::path::Path;
use store::{Partners, Sales};

/// The day and partner of a sales command.
#[derive(ClapArgs)]
pub struct Day {
    /// The partner.
    #[arg(long)]
    partner: String,
    /// The sale date (YYYY-MM-DD): the day the request is posted.
    #[arg(long)]
    date: NaiveDate,
}

/// `bankdrop sales …`
#[derive(Subcommand)]
pub enum Cmd {
    /// Write the day's Sales Request into the partner's `sales_request/` (same file when run again).
    Request(Day),
    /// Show the day's sales and their answers as JSON.
    Show(Day),
}

/// Runs the command.
pub fn run(cfg: &Config, refdata: validate::schema::RefData, cmd: Cmd) -> Result<()> {
    let store = open_store(cfg)?;
    match cmd {
        Cmd::Request(d) => {
            let p = store
                .partner(&d.partner)?
                .with_context(|| format!("no partner `{}` (bankdrop partner add)", d.partner))?;
            let schedule = SalesSchedule::new(cfg, refdata)?;
            let o = write_partner(&store, &schedule, &p.name, Path::new(&p.root), d.date)?;
            println!(
                "{}: {} sale(s) in {}{}",
                p.name,
                o.rows,
                o.path.display(),
                if o.planned {
                    ""
                } else {
                    " (recorded earlier, written again)"
                }
            );
            for k in &o.skipped {
                println!("  left out: balance {}: {}", k.balance_id, k.reason);
            }
            for t in &o.unsettled {
                println!("  not for sale yet: disbursement {t} has no settlement_date");
            }
        }
        Cmd::Show(d) => {
            let day = d.date.format("%Y-%m-%d").to_string();
            let request = store.sales_request(&d.partner, &day)?;
            let sales: Vec<serde_json::Value> = store
                .sales_of_day(&d.partner, &day)?
                .into_iter()
                .map(|s| {
                    json!({
                        "sale_id": s.sale_id,
                        "balance_id": s.balance_id,
                        "fields": serde_json::from_str::<serde_json::Value>(&s.fields).unwrap_or_default(),
                        "response": s.response,
                        "answer_file_id": s.answer_file_id,
                    })
                })
                .collect();
            let out = json!({
                "partner": d.partner,
                "date": day,
                "file": request.as_ref().map(|r| r.file.clone()),
                "generated_at": request.map(|r| r.generated_at),
                "sales": sales,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
    }
    Ok(())
}
