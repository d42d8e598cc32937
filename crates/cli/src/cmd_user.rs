//! `bankdrop user add|list|remove|token`: who may open the operations pages and the API.

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use service::setup::open_store;
use service::web::auth;
use service::Config;
use std::io::BufRead;
use store::{Audit, Partners, Users};

/// The shortest password accepted.
const MIN_PASSWORD: usize = 10;

/// User management.
#[derive(Subcommand)]
pub enum Cmd {
    /// Add a user; the password is read from standard input (one line).
    Add {
        /// User name.
        name: String,
        /// Limit the user to this partner's data.
        #[arg(long)]
        partner: Option<String>,
    },
    /// List users.
    List,
    /// Remove a user (their sessions and API tokens end at once).
    Remove {
        /// User name.
        name: String,
    },
    /// Print the audit log, newest first: logins, failed logins, downloads, tokens, users.
    Audit {
        /// Only this user's entries.
        #[arg(long)]
        user: Option<String>,
        /// How many entries.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Issue an API token for a user and print it (only its hash is kept).
    Token {
        /// User name.
        name: String,
        /// What the token is for.
        #[arg(long)]
        label: String,
        /// Days until it expires.
        #[arg(long, default_value_t = 90)]
        days: u32,
    },
}

/// Runs the command.
pub fn run(cfg: &Config, cmd: Cmd) -> Result<()> {
    let store = open_store(cfg)?;
    let now = auth::now();
    match cmd {
        Cmd::Add { name, partner } => {
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c))
            {
                bail!("a user name uses letters, digits, `-`, `_`, `.` and `@` only");
            }
            if let Some(p) = &partner {
                store
                    .partner(p)?
                    .with_context(|| format!("no partner `{p}` (bankdrop partner add)"))?;
            }
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']);
            if password.chars().count() < MIN_PASSWORD {
                bail!("the password (read from standard input) needs at least {MIN_PASSWORD} characters");
            }
            store.add_user(
                &name,
                partner.as_deref(),
                &auth::hash_password(password)?,
                &now,
            )?;
            store.audit(&now, "cli", "user_added", &name)?;
            match partner {
                Some(p) => println!("user {name} added, limited to partner {p}"),
                None => println!("user {name} added (every partner)"),
            }
        }
        Cmd::List => {
            for u in store.users()? {
                println!(
                    "{}\t{}\t{}",
                    u.name,
                    u.partner.as_deref().unwrap_or("*"),
                    u.created_at
                );
            }
        }
        Cmd::Remove { name } => {
            if !store.remove_user(&name)? {
                bail!("no user `{name}`");
            }
            store.audit(&now, "cli", "user_removed", &name)?;
            println!("user {name} removed");
        }
        Cmd::Audit { user, limit } => {
            for a in store.audit_log(user.as_deref(), limit)? {
                println!("{}\t{}\t{}\t{}", a.at, a.user, a.action, a.detail);
            }
        }
        Cmd::Token { name, label, days } => {
            store
                .user(&name)?
                .with_context(|| format!("no user `{name}`"))?;
            let token = auth::new_secret();
            let expires = auth::stamp(
                chrono::Utc::now() + chrono::Duration::days(i64::from(days.clamp(1, 3650))),
            );
            store.add_token(&auth::digest(&token), &name, &label, &now, Some(&expires))?;
            store.audit(&now, "cli", "token_issued", &format!("{name}: {label}"))?;
            println!("{token}");
            eprintln!("token `{label}` for {name}, valid until {expires}: use it as `Authorization: Bearer <token>`");
        }
    }
    Ok(())
}
