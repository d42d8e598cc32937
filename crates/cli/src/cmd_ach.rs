//! `bankdrop ach entries --partner P --settles D [--at T]`: a partner's accepted outgoing ACH
//! entries settling on D, each with its window (spec 06 §3) and its status at T (spec 06 §6),
//! then the entries received from the network settling on D.

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Subcommand;
use pipeline::ach_status::{clock_history, Status};
use pipeline::windows::{Billing, Scheduled};
use service::setup::open_store;
use service::Config;
use store::{AchEvents, Partners};

/// ACH commands.
#[derive(Subcommand)]
pub enum Cmd {
    /// List the accepted outgoing entries settling on a day, with their windows and statuses,
    /// then the entries received from the network that day.
    Entries {
        /// Partner.
        #[arg(long)]
        partner: String,
        /// Settlement date (YYYY-MM-DD).
        #[arg(long)]
        settles: NaiveDate,
        /// The moment the statuses are for (RFC 3339; default now, or `[ach] clock`).
        #[arg(long)]
        at: Option<String>,
        /// Print each entry's status history too.
        #[arg(long)]
        history: bool,
    },
    /// Deliver entries received from the network into a partner's `ach/incoming`, as the bank
    /// does (spec 06 §1.3: `..._incoming_ach_forward_...`), for demos and tests.
    Forward {
        /// Partner.
        #[arg(long)]
        partner: String,
        /// How many entries (generated PPD entries).
        #[arg(long, default_value_t = 5)]
        entries: usize,
        /// Generator seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The moment of delivery (RFC 3339; default now, or `[ach] clock`).
        #[arg(long)]
        at: Option<String>,
    },
}

/// `--at`, else the simulated clock, else now.
pub(crate) fn moment(cfg: &Config, at: Option<&str>) -> Result<DateTime<Utc>> {
    Ok(match at {
        Some(t) => DateTime::parse_from_rfc3339(t)
            .with_context(|| format!("--at `{t}` is not an RFC 3339 time"))?
            .with_timezone(&Utc),
        None => cfg.ach_clock()?.unwrap_or_else(Utc::now),
    })
}

/// Writes a forward file into the partner's `ach/incoming` (hidden name, then renamed) and records
/// its money-moving entries as received (`ach_events`, kind `forward`): they settle on the
/// delivery's business day and appear in that day's ACH reports as `INCOMING` originations.
fn forward(
    cfg: &Config,
    partner: &str,
    entries: usize,
    seed: u64,
    now: DateTime<Utc>,
) -> Result<()> {
    let store = open_store(cfg)?;
    let root = store
        .partner(partner)?
        .with_context(|| format!("no partner `{partner}` (bankdrop partner add)"))?
        .root;
    let mut bytes = Vec::new();
    nacha::gen::generate(entries, nacha::SecCode::Ppd, seed, &mut bytes)?;
    let secs = now.timestamp();
    let id = nacha::names::content_id(secs).context("content id")?;
    let name = nacha::names::file_name(
        &id,
        nacha::names::AchFileType::IncomingAchForward,
        &secs.to_string(),
    );
    let dir = std::path::Path::new(&root).join("ach").join("incoming");
    std::fs::create_dir_all(&dir)?;
    recon::reports::write_atomically(&dir.join(&name), |w| {
        Ok(std::io::Write::write_all(w, &bytes)?)
    })?;
    let settles = pipeline::windows::roll_forward(pipeline::deadline::chicago_date(now));
    let mut recorded = 0;
    let bad = |e: nacha::Error| anyhow::anyhow!("reading the generated file: {e}");
    pipeline::ach::each_live_entry(&bytes[..], bad, &mut |live| {
        let e = live.entry;
        let mut detail = pipeline::ach::entry_json(live.batch, e, live.code);
        detail.insert("received".into(), true.into());
        detail.insert("received_at".into(), now.to_rfc3339().into());
        detail.insert("effective_date".into(), settles.to_string().into());
        detail.insert("settlement_date".into(), settles.to_string().into());
        store.add_ach_event(&store::AchEvent {
            partner: partner.to_string(),
            trace: format!("{:015}", e.trace_number),
            kind: "forward".into(),
            code: String::new(),
            file: format!("ach/incoming/{name}"),
            at: now.to_rfc3339(),
            detail: serde_json::Value::Object(detail).to_string(),
            settlement_date: Some(settles.to_string()),
        })?;
        recorded += 1;
        Ok(())
    })?;
    println!(
        "{} ({recorded} entries received, settling {settles})",
        dir.join(&name).display()
    );
    Ok(())
}

fn time(v: &serde_json::Value, key: &str) -> Result<DateTime<Utc>> {
    let s = v[key]
        .as_str()
        .with_context(|| format!("stored entry without `{key}`"))?;
    Ok(DateTime::parse_from_rfc3339(s)
        .with_context(|| format!("stored `{key}` `{s}`"))?
        .with_timezone(&Utc))
}

/// The window a stored entry was given (`pipeline::ach::apply_entries`).
fn scheduled(v: &serde_json::Value) -> Result<Scheduled> {
    let date = |k: &str| -> Result<NaiveDate> {
        let s = v[k]
            .as_str()
            .with_context(|| format!("stored entry without `{k}`"))?;
        Ok(NaiveDate::parse_from_str(s, "%Y-%m-%d")?)
    };
    Ok(Scheduled {
        window_date: date("window_date")?,
        cutoff: chrono::NaiveTime::parse_from_str(v["cutoff"].as_str().unwrap_or(""), "%H:%M")
            .context("stored `cutoff`")?,
        submit_at: time(v, "submit_at")?,
        settlement_date: date("settlement_date")?,
        settles_at: time(v, "settles_at")?,
        billing: if v["billing"] == "same_day" {
            Billing::SameDay
        } else {
            Billing::NextDay
        },
    })
}

/// Runs the command.
pub fn run(cfg: &Config, cmd: Cmd) -> Result<()> {
    let (partner, settles, at, history) = match cmd {
        Cmd::Entries {
            partner,
            settles,
            at,
            history,
        } => (partner, settles, at, history),
        Cmd::Forward {
            partner,
            entries,
            seed,
            at,
        } => return forward(cfg, &partner, entries, seed, moment(cfg, at.as_deref())?),
    };
    let now = moment(cfg, at.as_deref())?;
    let store = open_store(cfg)?;
    let snapshot = store.snapshot()?;
    let mut rows = Vec::new();
    snapshot.ach_entries_settled_on::<store::Error>(&partner, &settles.to_string(), &mut |r| {
        rows.push(r.data.to_string());
        Ok(true)
    })?;
    println!("trace\tdirection\tamount_cents\tbilling\twindow\tsettles_at\tstatus\tevents");
    for data in rows {
        let v: serde_json::Value = serde_json::from_str(&data)?;
        let s = scheduled(&v)?;
        let mut steps = clock_history(&s, time(&v, "accepted_at")?, now);
        let trace = v["trace"].as_str().unwrap_or("");
        // Events delivered by `now` (spec 06 §4, §7); a return completes once the entry posted.
        let events: Vec<store::AchEvent> = store
            .ach_events(&partner, trace)?
            .into_iter()
            .filter(|e| DateTime::parse_from_rfc3339(&e.at).is_ok_and(|t| t <= now))
            .collect();
        let posted = steps.last().is_some_and(|(st, _)| *st == Status::Posted);
        if let Some(r) = events
            .iter()
            .find(|e| e.kind == "return")
            .filter(|_| posted)
        {
            let at = DateTime::parse_from_rfc3339(&r.at)?.with_timezone(&Utc);
            steps.push((Status::Returned, at.max(s.settles_at)));
        }
        let status = steps.last().map_or(Status::Scheduled, |(st, _)| *st);
        let listed: Vec<String> = events
            .iter()
            .map(|e| format!("{} {}", e.kind, e.code))
            .collect();
        println!(
            "{}\t{}\t{}\t{}\t{} {}\t{}\t{}\t{}",
            trace,
            v["direction"].as_str().unwrap_or(""),
            v["amount_cents"].as_str().unwrap_or(""),
            v["billing"].as_str().unwrap_or(""),
            s.window_date,
            s.cutoff.format("%H:%M"),
            s.settles_at.to_rfc3339(),
            status.as_str(),
            listed.join("; ")
        );
        if history {
            for (st, t) in steps {
                println!("\t{}\t{}", st.as_str(), t.to_rfc3339());
            }
        }
    }
    received(&snapshot, &partner, settles, now, history)
}

/// The entries received from the network settling on `settles` and delivered by `now`: billing
/// `received`, no window (the bank's, NOT SEEN), status `scheduled` then `posted`.
fn received(
    snapshot: &store::Snapshot,
    partner: &str,
    settles: NaiveDate,
    now: DateTime<Utc>,
    history: bool,
) -> Result<()> {
    let mut rows = Vec::new();
    snapshot.ach_events_settled_on::<store::Error>(partner, &settles.to_string(), &mut |r| {
        rows.push(r.data.to_string());
        Ok(true)
    })?;
    for data in rows {
        let v: serde_json::Value = serde_json::from_str(&data)?;
        if v["received"] != true {
            continue;
        }
        // Recorded before `received_at` was kept: delivered at the start of its day.
        let delivered = time(&v, "received_at")
            .unwrap_or_else(|_| pipeline::windows::at(settles, chrono::NaiveTime::MIN));
        let steps = pipeline::ach_status::received_history(delivered, settles, now);
        let Some((status, _)) = steps.last() else {
            continue;
        };
        let posted_at = steps.iter().find(|(s, _)| *s == Status::Posted);
        println!(
            "{}\t{}\t{}\treceived\t-\t{}\t{}\t",
            v["trace"].as_str().unwrap_or(""),
            v["direction"].as_str().unwrap_or(""),
            v["amount_cents"].as_str().unwrap_or(""),
            posted_at.map_or("-".to_string(), |(_, t)| t.to_rfc3339()),
            status.as_str(),
        );
        if history {
            for (st, t) in &steps {
                println!("\t{}\t{}", st.as_str(), t.to_rfc3339());
            }
        }
    }
    Ok(())
}
