//! The pages: server-rendered HTML (maud escapes every value), no JavaScript needed. Each page
//! reads what it shows through `data`, `recon` and `partners`, the same functions the API uses.

use super::auth::{self, User};
use super::data::{self, ErrorFilter, FileFilter};
use super::{blocking, WebError, WebState};
use axum::body::Body;
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde::Deserialize;
use std::sync::Arc;
use store::{Audit, Users};

type S = State<Arc<WebState>>;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#222}\
nav{background:#1d3557;padding:.6em 1em}nav a,nav span{color:#fff;margin-right:1.2em;text-decoration:none}\
nav form{display:inline}nav button{background:none;border:1px solid #fff;color:#fff;cursor:pointer}\
main{padding:1em 1.5em}table{border-collapse:collapse;margin:.5em 0 1em}\
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;font-size:.9em}th{background:#f1f1f1}\
.accepted{color:#2a7a2a}.rejected,.failed,.missing,.new{color:#b00020;font-weight:600}\
.late,.persisting{color:#b36b00}.chart rect{fill:#b00020}form.filters label{margin-right:.8em}\
.msg{background:#fde8e8;padding:.5em;border:1px solid #b00020}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}\
#environment{padding:.2em 1.5em;font-weight:600;text-transform:uppercase;font-size:.8em}\
#environment.production{background:#b00020;color:#fff}#environment.sandbox{background:#ffe9a8}";

/// Percent-encodes a query string value.
pub fn query_escape(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The environment the pages belong to (one per process: spec 01 §0.1), set once at start.
static ENVIRONMENT: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// Names the environment on every page from now on, so an operator never mistakes production
/// for the sandbox.
pub fn set_environment(name: &'static str) {
    let _ = ENVIRONMENT.set(name);
}

/// A page with the navigation and `title`.
pub(crate) fn page(user: Option<&User>, title: &str, body: Markup) -> Markup {
    let env = ENVIRONMENT.get().copied();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { @if let Some(e) = env { "[" (e) "] " } (title) " — bankdrop" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                @if let Some(e) = env {
                    div #environment class=(e) { (e) " environment" }
                }
                @if let Some(u) = user {
                    nav {
                        a href="/files" { "Files" }
                        a href="/recon" { "Reconciliation" }
                        a href="/partners" { "Partners" }
                        a href="/tokens" { "API tokens" }
                        span #user { (u.name) @if let Some(p) = &u.partner { " (" (p) ")" } }
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(u.csrf.clone().unwrap_or_default());
                            button type="submit" { "Log out" }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    }
}

/// An error as a page.
pub fn error_page(code: StatusCode, message: &str) -> Markup {
    page(
        None,
        code.canonical_reason().unwrap_or("Error"),
        html! { p.msg #error { (message) } p { a href="/files" { "Back to the files" } } },
    )
}

/// `/`: the files.
pub async fn home(_: User) -> Redirect {
    Redirect::to("/files")
}

/// `next` if it is a path of this site (never another site's address).
fn local(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/files",
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
/// The login page's query.
pub struct Next {
    next: Option<String>,
}

fn login_page(next: &str, message: Option<&str>) -> Markup {
    page(
        None,
        "Log in",
        html! {
            @if let Some(m) = message { p.msg #error { (m) } }
            form #login method="post" action="/login" {
                input type="hidden" name="next" value=(next);
                p { label { "User " input name="user" autocomplete="username" required; } }
                p { label { "Password " input type="password" name="password" autocomplete="current-password" required; } }
                p { button type="submit" { "Log in" } }
            }
        },
    )
}

/// `GET /login`.
pub async fn login_form(Query(q): Query<Next>) -> Markup {
    login_page(local(q.next.as_deref()), None)
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    user: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /login`: checks the password, starts a session.
pub async fn login(State(s): S, Form(f): Form<LoginForm>) -> Result<Response, WebError> {
    let found = blocking(|| s.store.user(&f.user))?;
    // A missing user costs a hash too, so timing does not tell which names exist.
    let hash = found.as_ref().map(|u| u.password_hash.clone());
    let password = f.password.clone();
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(h) => auth::verify_password(&h, &password),
        None => {
            let _ = auth::hash_password(&password);
            false
        }
    })
    .await
    .unwrap_or(false);
    let now = auth::now();
    let next = local(f.next.as_deref()).to_string();
    if !ok {
        tracing::warn!(user = %f.user, "failed login");
        blocking(|| s.store.audit(&now, &f.user, "login_failed", ""))?;
        let body = login_page(&next, Some("Unknown user or wrong password."));
        return Ok((StatusCode::UNAUTHORIZED, body).into_response());
    }
    let id = auth::new_secret();
    let expires = auth::stamp(
        chrono::Utc::now()
            + chrono::Duration::from_std(s.session_ttl).unwrap_or(chrono::Duration::hours(8)),
    );
    blocking(|| -> Result<(), store::Error> {
        s.store
            .create_session(&auth::digest(&id), &f.user, &now, &expires)?;
        s.store.audit(&now, &f.user, "login", "")
    })?;
    tracing::info!(user = %f.user, "login");
    let cookie = format!(
        "{}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        auth::COOKIE,
        s.session_ttl.as_secs(),
        if s.secure_cookie { "; Secure" } else { "" }
    );
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
}

/// A form's token against cross-site posts.
#[derive(Deserialize)]
pub struct Csrf {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`.
pub async fn logout(
    State(s): S,
    user: User,
    headers: HeaderMap,
    Form(f): Form<Csrf>,
) -> Result<Response, WebError> {
    if !user.form_ok(&f.csrf) {
        return Err(WebError::Forbidden);
    }
    if let Some(id) = auth::session_cookie(&headers) {
        blocking(|| s.store.end_session(&auth::digest(&id)))?;
    }
    let gone = format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        auth::COOKIE
    );
    Ok(([(header::SET_COOKIE, gone)], Redirect::to("/login")).into_response())
}

fn filter_query(f: &FileFilter, page: u64) -> String {
    let mut q = vec![format!("page={page}")];
    let mut add = |k: &str, v: &Option<String>| {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            q.push(format!("{k}={}", query_escape(v)));
        }
    };
    add("partner", &f.partner);
    add("type", &f.file_type);
    add("from", &f.from);
    add("to", &f.to);
    add("outcome", &f.outcome);
    add("late", &f.late);
    add("q", &f.q);
    q.join("&")
}

/// `GET /files`: every file received, filtered, with counts per outcome per day.
pub async fn files(
    State(s): S,
    user: User,
    Query(f): Query<FileFilter>,
) -> Result<Markup, WebError> {
    let list = blocking(|| data::files(&s.store, &user, &f))?;
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let sel = |o: &Option<String>, x: &str| o.as_deref() == Some(x);
    let body = html! {
        form.filters #filters method="get" action="/files" {
            @if user.partner.is_none() {
                label { "Partner " input name="partner" value=(v(&f.partner)) size="10"; }
            }
            label { "Type " input name="type" value=(v(&f.file_type)) size="12"; }
            label { "From " input type="date" name="from" value=(v(&f.from)); }
            label { "To " input type="date" name="to" value=(v(&f.to)); }
            label { "Outcome " select name="outcome" {
                option value="" { "any" }
                @for o in ["accepted", "rejected", "duplicate", "failed", "validating"] {
                    option value=(o) selected[sel(&f.outcome, o)] { (o) }
                }
            } }
            label { "Late " select name="late" {
                option value="" { "any" }
                option value="yes" selected[sel(&f.late, "yes")] { "yes" }
                option value="no" selected[sel(&f.late, "no")] { "no" }
            } }
            label { "Name " input type="search" name="q" value=(v(&f.q)); }
            button type="submit" { "Filter" }
        }
        p #total { (list.total) " file(s)" }
        @if !list.per_day.is_empty() {
            details { summary { "Files per outcome per day" }
                table #per-day { tr { th { "Day" } th { "Outcome" } th { "Files" } }
                    @for c in &list.per_day { tr { td { (c.day) } td class=(c.outcome) { (c.outcome) } td { (c.files) } } }
                }
            }
        }
        table #files {
            tr { th { "Id" } th { "Received" } th { "Partner" } th { "Name" } th { "Type" } th { "Outcome" } th { "Rows" } th { "Errors" } th { "Late" } }
            @for file in &list.files {
                tr {
                    td { (file.id) }
                    td { (file.received_at) }
                    td { (file.partner) }
                    td { a href={ "/files/" (file.id) } { (file.name) } }
                    td { (file.file_type.clone().unwrap_or_default()) }
                    td.outcome class=(file.outcome) { (file.outcome) }
                    td { (file.rows.map(|r| r.to_string()).unwrap_or_default()) }
                    td { (file.errors) }
                    td { @if file.late { span.late { "late" } } }
                }
            }
        }
        p.pages {
            "Page " (list.page) " of " (list.pages) " "
            @if list.page > 1 { a rel="prev" href={ "/files?" (filter_query(&f, list.page - 1)) } { "← previous" } " " }
            @if list.page < list.pages { a rel="next" href={ "/files?" (filter_query(&f, list.page + 1)) } { "next →" } }
        }
    };
    Ok(page(Some(&user), "Files", body))
}

fn status_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".into(),
        other => other.to_string(),
    }
}

/// `GET /files/{id}`: every status field, the held reason, the errors by code and by column.
pub async fn file(
    State(s): S,
    user: User,
    Path(id): Path<i64>,
    Query(f): Query<ErrorFilter>,
) -> Result<Markup, WebError> {
    let (d, errors) = blocking(|| -> Result<_, WebError> {
        Ok((
            data::file(&s.store, &user, id)?,
            data::errors(&s.store, &user, id, &f)?,
        ))
    })?;
    let link = |code: Option<&str>, column: Option<&str>, page: usize| {
        let mut q = vec![format!("page={page}")];
        if let Some(c) = code.or(f.code.as_deref()).filter(|c| !c.is_empty()) {
            q.push(format!("code={}", query_escape(c)));
        }
        if let Some(c) = column.or(f.column.as_deref()).filter(|c| !c.is_empty()) {
            q.push(format!("column={}", query_escape(c)));
        }
        format!("/files/{id}?{}#errors", q.join("&"))
    };
    let fields: Vec<(String, String)> = match &d.status {
        Some(serde_json::Value::Object(m)) => m
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "errors" | "warnings" | "held"))
            .map(|(k, v)| (k.clone(), status_value(v)))
            .collect(),
        _ => Vec::new(),
    };
    let held = d
        .status
        .as_ref()
        .and_then(|s| s.get("held"))
        .filter(|h| !h.is_null());
    let body = html! {
        p { "Partner " strong { (d.file.partner) } ", outcome "
            strong #outcome class=(d.file.outcome) { (d.file.outcome) }
            @if d.file.late { " " span.late { "(late)" } } }
        p { a #download href={ "/files/" (id) "/download" } { "Download the file" }
            @if errors.total > 0 { " · " a #download-errors href={ "/files/" (id) "/errors.csv" } { "Download errors.csv" } } }
        h2 { "Status" }
        @if fields.is_empty() { p { "No status file yet (the file is being processed)." } }
        dl #status { @for (k, v) in &fields { dt { (k) } dd { (v) } } }
        @if let Some(h) = held {
            h2 { "Held" }
            p #held {
                "It waited for the files it depends on (D7): "
                (h.get("waited_for").and_then(|w| w.as_array()).map(|w| w.iter().map(status_value).collect::<Vec<_>>().join(", ")).unwrap_or_default())
                ", since " (h.get("since").map(status_value).unwrap_or_default())
                "; released: " (h.get("released").map(status_value).unwrap_or_default()) "."
            }
        }
        h2 #errors { "Errors (" (errors.total) ")" }
        @if errors.total > 0 {
            div style="display:flex;gap:2em" {
                table #by-code { tr { th { "Code" } th { "Errors" } }
                    @for (c, n) in &errors.by_code { tr { td { a href=(link(Some(c), None, 1)) { (c) } } td { (n) } } } }
                table #by-column { tr { th { "Column" } th { "Errors" } }
                    @for (c, n) in &errors.by_column { tr { td { a href=(link(None, Some(c), 1)) { (if c.is_empty() { "(file)" } else { c }) } } td { (n) } } } }
            }
            @if f.code.is_some() || f.column.is_some() {
                p #error-filter { "Showing " (errors.matching) " error(s)"
                    @if let Some(c) = &f.code { " with code " strong { (c) } }
                    @if let Some(c) = &f.column { " in column " strong { (c) } }
                    " · " a href={ "/files/" (id) "#errors" } { "all errors" } }
            }
            table #error-list {
                tr { th { "Row" } th { "Column" } th { "Code" } th { "Message" } th { "Value" } }
                @for e in &errors.errors { tr { td { (e.row) } td { (e.column) } td { (e.code) } td { (e.message) } td { (e.value) } } }
            }
            p.pages { "Page " (errors.page) " of " (errors.pages) " "
                @if errors.page > 1 { a rel="prev" href=(link(None, None, errors.page - 1)) { "← previous" } " " }
                @if errors.page < errors.pages { a rel="next" href=(link(None, None, errors.page + 1)) { "next →" } } }
        }
    };
    Ok(page(Some(&user), &d.file.name, body))
}

/// Streams a file as a download, after logging who took it.
async fn download(
    s: &WebState,
    user: &User,
    what: &str,
    path: std::path::PathBuf,
    name: &str,
    content_type: &str,
) -> Result<Response, WebError> {
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| WebError::NotFound)?;
    blocking(|| s.store.audit(&auth::now(), &user.name, "download", what))?;
    tracing::info!(user = %user.name, what, "download");
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe}\""),
            ),
        ],
        Body::from_stream(tokio_util::io::ReaderStream::new(file)),
    )
        .into_response())
}

/// `GET /files/{id}/errors.csv`.
pub async fn download_errors(
    State(s): S,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (path, name) = blocking(|| data::errors_path(&s.store, &user, id))?;
    download(
        &s,
        &user,
        &format!("errors of file {id}"),
        path,
        &name,
        "text/csv; charset=utf-8",
    )
    .await
}

/// `GET /files/{id}/download`: the file as the partner sent it.
pub async fn download_file(
    State(s): S,
    user: User,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (path, name) = blocking(|| data::file_path(&s.store, &user, id))?;
    download(
        &s,
        &user,
        &format!("file {id}"),
        path,
        &name,
        "application/octet-stream",
    )
    .await
}

pub use super::pages_recon::{acknowledge, issue_token, partners, recon_day, recon_days, tokens};
