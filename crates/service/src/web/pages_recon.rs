//! The reconciliation, partners and API token pages.

use super::auth::{self, User};
use super::pages::page;
use super::{blocking, partners as pdata, recon, WebError, WebState};
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;
use std::sync::Arc;
use store::{Audit, Users};

type S = State<Arc<WebState>>;

/// The reconciliation list's query.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DaysQuery {
    partner: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn today() -> chrono::NaiveDate {
    pipeline::deadline::chicago_date(chrono::Utc::now())
}

/// `GET /recon`: reconciled days, newest first, with the breaks of the last 30 days as a chart.
pub async fn recon_days(
    State(s): S,
    user: User,
    Query(q): Query<DaysQuery>,
) -> Result<Markup, WebError> {
    let to =
        q.to.clone()
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| today().to_string());
    let to_date = chrono::NaiveDate::parse_from_str(&to, "%Y-%m-%d")
        .map_err(|_| WebError::BadRequest(format!("`{to}` is not a date (YYYY-MM-DD)")))?;
    let from = q.from.clone().filter(|f| !f.is_empty()).unwrap_or_else(|| {
        (to_date - chrono::Duration::days(recon::CHART_DAYS as i64 - 1)).to_string()
    });
    let partner = q.partner.as_deref().filter(|p| !p.is_empty());
    let lines = blocking(|| recon::days(&s.store, &user, partner, &from, &to))?;
    let chart = recon::chart_svg(&recon::per_day(&lines, to_date));
    let body = html! {
        form.filters method="get" action="/recon" {
            @if user.partner.is_none() { label { "Partner " input name="partner" value=(partner.unwrap_or("")); } }
            label { "From " input type="date" name="from" value=(from); }
            label { "To " input type="date" name="to" value=(to); }
            button type="submit" { "Show" }
        }
        h2 { "Breaks per day, last " (recon::CHART_DAYS) " days" }
        (PreEscaped(chart))
        table #days {
            tr { th { "Day" } th { "Partner" } th { "Breaks" } th { "Run at" } }
            @for l in &lines {
                tr { td { a href={ "/recon/" (l.partner) "/" (l.date) } { (l.date) } } td { (l.partner) }
                     td class=(if l.breaks > 0 { "new" } else { "" }) { (l.breaks) } td { (l.run_at) } }
            }
        }
        @if lines.is_empty() { p { "No reconciled day in this range." } }
    };
    Ok(page(Some(&user), "Reconciliation", body))
}

fn summary_rows(v: &serde_json::Value) -> Vec<(String, String)> {
    match v {
        serde_json::Value::Object(m) => m
            .iter()
            .filter(|(_, v)| !v.is_array() && !v.is_object())
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_string),
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `GET /recon/{partner}/{date}`: the summary, the breaks with their lifecycles and
/// acknowledgements, the resolved breaks, missing balances and unmatched activity.
pub async fn recon_day(
    State(s): S,
    user: User,
    Path((partner, date)): Path<(String, String)>,
) -> Result<Markup, WebError> {
    let d = blocking(|| recon::day(&s.store, &user, &partner, &date))?;
    let list = |k: &str| {
        d.summary
            .get(k)
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default()
    };
    let (missing, unmatched) = (list("missing_balances"), list("unmatched_activity"));
    let field = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
            .unwrap_or_default()
    };
    let csrf = user.csrf.clone().unwrap_or_default();
    let body = html! {
        p { "Run at " (d.run_at) " · " a href={ "/recon?partner=" (d.partner) } { "all days" } }
        h2 { "Breaks (" (d.breaks.len()) ")" }
        table #breaks {
            tr { th { "Balance" } th { "Account" } th { "Type" } th { "Status" } th { "Component" } th { "Opening" } th { "Activity" }
                 th { "Expected" } th { "Reported" } th { "Difference" } th { "Lifecycle" } th { "Acknowledged" } }
            @for b in &d.breaks {
                tr.break data-balance=(b.balance_id) data-component=(b.component) {
                    td { (b.balance_id) } td { (b.account_id.clone().unwrap_or_default()) } td { (b.balance_type) } td { (b.status) }
                    td { (b.component) } td { (b.opening) } td { (b.activity) } td { (b.expected) } td { (b.reported) } td { (b.difference) }
                    td.lifecycle class=(b.lifecycle) { (b.lifecycle) @if b.lifecycle == "persisting" { " since " (b.since) } }
                    td {
                        @for a in &b.acks { div.ack { strong { (a.user) } " " (a.at) ": " (a.note) } }
                        form.ack method="post" action={ "/recon/" (d.partner) "/" (d.date) "/ack" } {
                            input type="hidden" name="csrf" value=(csrf);
                            input type="hidden" name="balance_id" value=(b.balance_id);
                            input type="hidden" name="component" value=(b.component);
                            input name="note" placeholder="note" required size="18";
                            button type="submit" { "Acknowledge" }
                        }
                    }
                }
            }
        }
        @if !d.resolved.is_empty() {
            h2 { "Resolved since the previous run" }
            table #resolved { tr { th { "Balance" } th { "Component" } th { "Since" } th { "Last seen" } }
                @for r in &d.resolved { tr { td { (r.balance_id) } td { (r.component) } td { (r.since) } td { (r.last_seen) } } } }
        }
        h2 { "Missing balances (" (missing.len()) ")" }
        @if !missing.is_empty() { table #missing { tr { th { "Balance" } th { "Status yesterday" } }
            @for m in &missing { tr { td { (field(m, "balance_id")) } td { (field(m, "status")) } } } } }
        h2 { "Unmatched activity (" (unmatched.len()) ")" }
        @if !unmatched.is_empty() { table #unmatched { tr { th { "Balance" } th { "Transactions" } th { "Amount" } }
            @for u in &unmatched { tr { td { (field(u, "balance_id")) } td { (field(u, "transactions")) } td { (field(u, "amount")) } } } } }
        h2 { "Summary" }
        dl #summary { @for (k, v) in summary_rows(&d.summary) { dt { (k) } dd { (v) } } }
    };
    Ok(page(
        Some(&user),
        &format!("{} — {}", d.partner, d.date),
        body,
    ))
}

/// The acknowledgement form.
#[derive(Deserialize)]
pub struct AckForm {
    #[serde(default)]
    csrf: String,
    balance_id: String,
    component: String,
    note: String,
}

/// `POST /recon/{partner}/{date}/ack`.
pub async fn acknowledge(
    State(s): S,
    user: User,
    Path((partner, date)): Path<(String, String)>,
    Form(f): Form<AckForm>,
) -> Result<Response, WebError> {
    if !user.form_ok(&f.csrf) {
        return Err(WebError::Forbidden);
    }
    blocking(|| {
        recon::acknowledge(
            &s.store,
            &user,
            &partner,
            &date,
            &f.balance_id,
            &f.component,
            &f.note,
        )
    })?;
    tracing::info!(user = %user.name, partner, date, balance = %f.balance_id, component = %f.component, "break acknowledged");
    Ok(Redirect::to(&format!("/recon/{partner}/{date}")).into_response())
}

/// `GET /partners`: keys, last upload, today's expected files.
pub async fn partners(State(s): S, user: User) -> Result<Markup, WebError> {
    let list = blocking(|| {
        pdata::partners(
            &s.store,
            &user,
            &s.expected_types,
            s.deadline_hour,
            chrono::Utc::now(),
        )
    })?;
    let body = html! {
        table #partners {
            tr { th { "Partner" } th { "Key fingerprints" } th { "Allowed from" } th { "Last upload" } th { "Today's files (" @if let Some(p) = list.first() { (p.file_date) } ")" } th { "Go-live (spec 01 §13)" } }
            @for p in &list {
                tr {
                    td { (p.name) }
                    td { @for k in &p.keys { code { (k) } br; } }
                    td.allow { @if p.allow_from.is_empty() { "any address" } @for r in &p.allow_from { code { (r) } br; } }
                    td { (p.last_upload.clone().unwrap_or_else(|| "never".into())) }
                    td { @if let Some(due) = &p.due_at { "due " (due) br; }
                         @for e in &p.expected { span.expected class=(e.state) { (e.file_type) ": " (e.state) } br; }
                         @if p.expected.is_empty() { "none expected yet" } }
                    td.go-live { @if let Some(g) = &p.go_live {
                            span class=(if g.ready { "accepted" } else { "missing" }) { @if g.ready { "READY" } @else { "NOT READY" } }
                            " (Day 0 " (g.day0) ")" br;
                            @for l in &g.summary { (l) br; }
                        } @else { "no Day 0" } }
                }
            }
        }
    };
    Ok(page(Some(&user), "Partners", body))
}

fn tokens_page(
    s: &WebState,
    user: &User,
    issued: Option<(&str, &str)>,
) -> Result<Markup, WebError> {
    let tokens = blocking(|| s.store.tokens(&user.name))?;
    let body = html! {
        @if let Some((label, token)) = issued {
            p.msg #new-token { "Token " strong { (label) } " (shown once, keep it now): " code { (token) } }
        }
        p { "Use a token as " code { "Authorization: Bearer <token>" } " on " code { "/api/…" } " (see " a href="/api/openapi.json" { "the OpenAPI document" } ")." }
        table #tokens { tr { th { "Label" } th { "Created" } th { "Expires" } }
            @for t in &tokens { tr { td { (t.label) } td { (t.created_at) } td { (t.expires_at.clone().unwrap_or_else(|| "never".into())) } } } }
        form method="post" action="/tokens" {
            input type="hidden" name="csrf" value=(user.csrf.clone().unwrap_or_default());
            label { "Label " input name="label" required; } " "
            label { "Valid for days " input type="number" name="days" value="90" min="1" max="3650"; } " "
            button type="submit" { "Issue a token" }
        }
    };
    Ok(page(Some(user), "API tokens", body))
}

/// `GET /tokens`.
pub async fn tokens(State(s): S, user: User) -> Result<Markup, WebError> {
    tokens_page(&s, &user, None)
}

/// The token form.
#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    label: String,
    days: Option<u32>,
}

/// `POST /tokens`: issues a token for the user (shown once; only its hash is kept).
pub async fn issue_token(
    State(s): S,
    user: User,
    Form(f): Form<TokenForm>,
) -> Result<Markup, WebError> {
    if !user.form_ok(&f.csrf) {
        return Err(WebError::Forbidden);
    }
    let label = f.label.trim();
    if label.is_empty() {
        return Err(WebError::BadRequest("a token needs a label".into()));
    }
    let token = auth::new_secret();
    let now = chrono::Utc::now();
    let days = i64::from(f.days.unwrap_or(90).clamp(1, 3650));
    let expires = auth::stamp(now + chrono::Duration::days(days));
    blocking(|| -> Result<(), store::Error> {
        s.store.add_token(
            &auth::digest(&token),
            &user.name,
            label,
            &auth::stamp(now),
            Some(&expires),
        )?;
        s.store
            .audit(&auth::stamp(now), &user.name, "token_issued", label)
    })?;
    tracing::info!(user = %user.name, label, "API token issued");
    tokens_page(&s, &user, Some((label, &token)))
}
