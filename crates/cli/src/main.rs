//! `bankdrop`: a thin binary over the bankdrop libraries.

mod cmd_ach;
mod cmd_gen;
mod cmd_ingest;
mod cmd_nodes;
mod cmd_partner;
mod cmd_reconcile;
mod cmd_registry;
mod cmd_sales;
mod cmd_schedule;
mod cmd_simulate;
mod cmd_user;
mod cmd_validate;
mod schemas;
mod simulate_record;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// The bank's side of a sponsor bank's file integrations.
#[derive(Parser)]
#[command(name = "bankdrop", version, about)]
struct Cli {
    /// Configuration file (default: config/bankdrop.toml when present, else built-in defaults).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the SFTP server and process every file partners drop.
    Serve {
        /// Schema directory (default: ./schemas when present, else the built-in schemas).
        #[arg(long, value_name = "DIR")]
        schemas: Option<PathBuf>,
        /// This node's name among several sharing a PostgreSQL store (default: `[cluster]
        /// node`, else the host name and process id).
        #[arg(long, value_name = "NAME")]
        node: Option<String>,
    },
    /// List the nodes serving the store, their leases and what they are working on.
    Nodes(cmd_nodes::Args),
    /// Check partner files offline: the same validation the bank runs on upload.
    Validate(cmd_validate::Args),
    /// Write realistic synthetic files that pass validation.
    Gen(cmd_gen::Args),
    /// Manage partners, their SSH keys and the addresses they may connect from.
    #[command(subcommand)]
    Partner(cmd_partner::Cmd),
    /// Print the SFTP host key's fingerprint for each `[sftp] listen` address, exactly as
    /// `ssh-keyscan -p PORT HOST | ssh-keygen -lf -` prints it (spec 01 §2.1 step 3); the key
    /// is generated first if the server has not run yet.
    HostKey,
    /// Accepted ACH entries: their processing windows and statuses (spec 06 §3, §6).
    #[command(subcommand)]
    Ach(cmd_ach::Cmd),
    /// Manage who may open the operations pages and the API.
    #[command(subcommand)]
    User(cmd_user::Cmd),
    /// Register records a partner created outside files (API entities, balances, …), D8.
    #[command(subcommand)]
    Registry(cmd_registry::Cmd),
    /// Run files through the upload pipeline without SFTP.
    Ingest(cmd_ingest::Args),
    /// Answer entries of a Nacha file as the network would: a return, a notification of change,
    /// a contest of a dishonor (or write the partner's dishonor of a return).
    Simulate(cmd_simulate::Args),
    /// Reconcile activity date D and write its reports (exit 0: no break, 1: breaks, 2: failure).
    Reconcile(cmd_reconcile::Args),
    /// Sales Requests of programs that sell their receivables (spec 04 §3).
    #[command(subcommand)]
    Sales(cmd_sales::Cmd),
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let cfg = || service::Config::load(cli.config.as_deref());
    match cli.command {
        Command::Validate(a) => cmd_validate::run(&cfg()?, a),
        Command::Gen(a) => cmd_gen::run(a).map(|()| ExitCode::SUCCESS),
        Command::Partner(c) => cmd_partner::run(&cfg()?, c).map(|()| ExitCode::SUCCESS),
        Command::HostKey => {
            for line in service::access::host_key_lines(&cfg()?)? {
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Ach(c) => cmd_ach::run(&cfg()?, c).map(|()| ExitCode::SUCCESS),
        Command::User(c) => cmd_user::run(&cfg()?, c).map(|()| ExitCode::SUCCESS),
        Command::Registry(c) => cmd_registry::run(&cfg()?, c).map(|()| ExitCode::SUCCESS),
        Command::Simulate(a) => cmd_simulate::run(&cfg()?, a).map(|()| ExitCode::SUCCESS),
        Command::Reconcile(a) => cmd_reconcile::run(&cfg()?, a),
        Command::Ingest(a) => cmd_ingest::run(&cfg()?, schemas::load(None)?, a),
        Command::Sales(c) => {
            cmd_sales::run(&cfg()?, schemas::load(None)?.refdata, c).map(|()| ExitCode::SUCCESS)
        }
        Command::Nodes(a) => cmd_nodes::run(&cfg()?, a).map(|()| ExitCode::SUCCESS),
        Command::Serve { schemas, node } => {
            service::serve::start(cfg()?, schemas::load(schemas.as_deref())?, node.as_deref())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,russh=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("bankdrop: {e:#}");
            ExitCode::from(2)
        }
    }
}
