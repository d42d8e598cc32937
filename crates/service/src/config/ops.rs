//! `[web]`, `[metrics]` and `[[alerts.webhooks]]`: what operations staff and analysts use.

use super::units::Secs;
use crate::error::Result;
use serde::Deserialize;
use std::time::Duration;

/// `[web]`: the review pages and JSON API (login required).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Web {
    /// Serve the pages.
    pub enabled: bool,
    /// Listen address.
    pub listen: String,
    /// How long a login lasts.
    pub session_ttl: Secs,
    /// Mark the session cookie `Secure` (set it when the pages are served behind TLS).
    pub secure_cookie: bool,
}

impl Default for Web {
    fn default() -> Self {
        Web {
            enabled: true,
            listen: "127.0.0.1:8080".into(),
            session_ttl: Secs(Duration::from_secs(8 * 3600)),
            secure_cookie: false,
        }
    }
}

/// `[metrics]`: Prometheus's scrape endpoint, `/metrics` (no login: keep it on a private
/// address).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Metrics {
    /// Serve the metrics.
    pub enabled: bool,
    /// Listen address.
    pub listen: String,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            enabled: true,
            listen: "127.0.0.1:9464".into(),
        }
    }
}

/// The body a webhook takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HookKind {
    /// A Slack incoming webhook (or one that takes its `{"text": …}` body).
    Slack,
    /// The alert as JSON.
    Json,
}

/// `[[alerts.webhooks]]`: where some alerts go.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// A name for logs and the delivery record (the URL is a secret: never logged or shown).
    pub name: String,
    /// `slack` or `json`.
    pub kind: HookKind,
    /// The URL; or `url_env`, the environment variable holding it.
    #[serde(default)]
    pub url: Option<String>,
    /// The environment variable holding the URL (keeps the secret out of the file).
    #[serde(default)]
    pub url_env: Option<String>,
    /// Only these partners' alerts (a partner's own channel); empty: every partner's and the
    /// operators' alerts.
    #[serde(default)]
    pub partners: Vec<String>,
    /// Only these kinds of alert (`file_rejected`, …); empty: all.
    #[serde(default)]
    pub events: Vec<String>,
}

// The URL is a secret: a `{:?}` in a log must not print it.
impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("url", &"<secret>")
            .field("partners", &self.partners)
            .field("events", &self.events)
            .finish()
    }
}

impl Webhook {
    /// The URL, from the file or the environment.
    pub fn resolve_url(&self) -> Result<String> {
        match (&self.url, &self.url_env) {
            (Some(u), None) => Ok(u.clone()),
            (None, Some(var)) => std::env::var(var).map_err(|_| {
                crate::Error::Invalid(format!(
                    "[[alerts.webhooks]] {}: environment variable {var} is not set",
                    self.name
                ))
            }),
            _ => crate::bail!(
                "[[alerts.webhooks]] {}: set exactly one of url and url_env",
                self.name
            ),
        }
    }
}

impl super::Alerts {
    /// Checks the webhooks' names and kinds of events at load.
    pub fn check(&self) -> Result<()> {
        let mut names = std::collections::HashSet::new();
        for w in &self.webhooks {
            crate::ensure!(
                !w.name.is_empty() && names.insert(w.name.as_str()),
                "[[alerts.webhooks]]: every webhook needs a name of its own"
            );
            crate::ensure!(
                w.url.is_some() != w.url_env.is_some(),
                "[[alerts.webhooks]] {}: set exactly one of url and url_env",
                w.name
            );
            if let Some(e) = w
                .events
                .iter()
                .find(|e| !crate::alerts::KINDS.contains(&e.as_str()))
            {
                crate::bail!(
                    "[[alerts.webhooks]] {}: unknown event `{e}` (one of {})",
                    w.name,
                    crate::alerts::KINDS.join(", ")
                );
            }
        }
        Ok(())
    }
}
