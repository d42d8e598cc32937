//! The operations web interface of `bankdrop serve` (`[web] listen`): server-rendered pages
//! for analysts and operations staff (files, one file and its errors, reconciliation days and
//! their breaks, partners) and the same data as a JSON API under `/api/` with an OpenAPI
//! document. Nothing answers without a login (`bankdrop user add`).

pub mod api;
pub mod auth;
pub mod data;
pub mod pages;
mod pages_recon;
pub mod partners;
pub mod recon;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use store::Db;

/// What the handlers share.
pub struct WebState {
    /// The store.
    pub store: Arc<Db>,
    /// How long a login lasts.
    pub session_ttl: Duration,
    /// Mark the session cookie `Secure`.
    pub secure_cookie: bool,
    /// `[pipeline] expected_types` (empty: learnt from the week before).
    pub expected_types: Vec<String>,
    /// The file deadline hour, America/Chicago (D9).
    pub deadline_hour: u32,
}

/// Runs a store call from a handler: the store is synchronous (see `serve::blocking`).
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// Why a request failed.
#[derive(Debug)]
pub enum WebError {
    /// Not there, or not the user's to see (the two are not told apart).
    NotFound,
    /// A request that cannot be answered as asked.
    BadRequest(String),
    /// A form posted without this session's form token.
    Forbidden,
    /// The store or a file failed (the detail is logged, not shown).
    Internal(String),
}

impl From<store::Error> for WebError {
    fn from(e: store::Error) -> WebError {
        WebError::Internal(e.to_string())
    }
}

impl WebError {
    /// The status code and the message shown.
    pub fn parts(&self) -> (StatusCode, String) {
        match self {
            WebError::NotFound => (StatusCode::NOT_FOUND, "not found".into()),
            WebError::BadRequest(m) => (StatusCode::BAD_REQUEST, m.clone()),
            WebError::Forbidden => (
                StatusCode::FORBIDDEN,
                "the form is out of date: reload the page and try again".into(),
            ),
            WebError::Internal(m) => {
                tracing::error!(error = %m, "web request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "something failed on our side; it is logged".into(),
                )
            }
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (code, message) = self.parts();
        (code, pages::error_page(code, &message)).into_response()
    }
}

/// Every route: pages, downloads, the API.
pub fn router(state: Arc<WebState>) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/files", get(pages::files))
        .route("/files/{id}", get(pages::file))
        .route("/files/{id}/errors.csv", get(pages::download_errors))
        .route("/files/{id}/download", get(pages::download_file))
        .route("/recon", get(pages::recon_days))
        .route("/recon/{partner}/{date}", get(pages::recon_day))
        .route("/recon/{partner}/{date}/ack", post(pages::acknowledge))
        .route("/partners", get(pages::partners))
        .route("/tokens", get(pages::tokens).post(pages::issue_token))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/files", get(api::files))
        .route("/api/files/{id}", get(api::file))
        .route("/api/files/{id}/errors", get(api::errors))
        .route("/api/recon", get(api::recon_days))
        .route("/api/recon/{partner}/{date}", get(api::recon_day))
        .route("/api/recon/{partner}/{date}/acks", post(api::acknowledge))
        .route("/api/partners", get(api::partners))
        .with_state(state)
}

/// Serves the pages on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<WebState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
