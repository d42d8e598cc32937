//! `bankdrop`: a thin binary over the bankdrop libraries.

mod cmd_gen;
mod cmd_validate;
mod schemas;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// The bank's side of a sponsor bank's file integrations.
#[derive(Parser)]
#[command(name = "bankdrop", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check partner files offline: the same validation the bank runs on upload.
    Validate(cmd_validate::Args),
    /// Write realistic synthetic files that pass validation.
    Gen(cmd_gen::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(a) => cmd_validate::run(a),
        Command::Gen(a) => cmd_gen::run(a).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("bankdrop: {e:#}");
            ExitCode::from(2)
        }
    }
}
