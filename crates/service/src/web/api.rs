//! The JSON API (`/api/…`): the pages' data as JSON, for scripts and other tools. Its OpenAPI
//! document is `/api/openapi.json` (`openapi.json` beside this file).

use super::auth::User;
use super::data::{self, ErrorFilter, FileFilter};
use super::{blocking, partners as pdata, recon, WebError, WebState};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

type S = State<Arc<WebState>>;

/// An API error: its status and `{"error": "…"}`.
pub struct ApiError(WebError);

impl From<WebError> for ApiError {
    fn from(e: WebError) -> ApiError {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, message) = self.0.parts();
        (code, Json(json!({ "error": message }))).into_response()
    }
}

type Api<T> = Result<Json<T>, ApiError>;

/// `GET /api/openapi.json`.
pub async fn openapi(_: User) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
}

/// `GET /api/files`.
pub async fn files(State(s): S, user: User, Query(f): Query<FileFilter>) -> Api<data::FileList> {
    Ok(Json(blocking(|| data::files(&s.store, &user, &f))?))
}

/// `GET /api/files/{id}`.
pub async fn file(State(s): S, user: User, Path(id): Path<i64>) -> Api<data::FileDetail> {
    Ok(Json(blocking(|| data::file(&s.store, &user, id))?))
}

/// `GET /api/files/{id}/errors`.
pub async fn errors(
    State(s): S,
    user: User,
    Path(id): Path<i64>,
    Query(f): Query<ErrorFilter>,
) -> Api<data::ErrorsView> {
    Ok(Json(blocking(|| data::errors(&s.store, &user, id, &f))?))
}

/// `/api/recon`'s query.
#[derive(Deserialize)]
pub struct DaysQuery {
    partner: Option<String>,
    from: String,
    to: String,
}

/// `GET /api/recon?from=&to=[&partner=]`.
pub async fn recon_days(
    State(s): S,
    user: User,
    Query(q): Query<DaysQuery>,
) -> Api<Vec<recon::DayLine>> {
    Ok(Json(blocking(|| {
        recon::days(&s.store, &user, q.partner.as_deref(), &q.from, &q.to)
    })?))
}

/// `GET /api/recon/{partner}/{date}`.
pub async fn recon_day(
    State(s): S,
    user: User,
    Path((partner, date)): Path<(String, String)>,
) -> Api<recon::DayView> {
    Ok(Json(blocking(|| {
        recon::day(&s.store, &user, &partner, &date)
    })?))
}

/// An acknowledgement posted to the API.
#[derive(Deserialize)]
pub struct Ack {
    balance_id: String,
    component: String,
    note: String,
}

/// `POST /api/recon/{partner}/{date}/acks`: acknowledges a break; answers with the day.
pub async fn acknowledge(
    State(s): S,
    user: User,
    Path((partner, date)): Path<(String, String)>,
    Json(a): Json<Ack>,
) -> Api<recon::DayView> {
    let day = blocking(|| {
        recon::acknowledge(
            &s.store,
            &user,
            &partner,
            &date,
            &a.balance_id,
            &a.component,
            &a.note,
        )?;
        recon::day(&s.store, &user, &partner, &date)
    })?;
    Ok(Json(day))
}

/// `GET /api/partners`.
pub async fn partners(State(s): S, user: User) -> Api<Vec<pdata::PartnerView>> {
    Ok(Json(blocking(|| {
        pdata::partners(
            &s.store,
            &user,
            &s.expected_types,
            s.deadline_hour,
            chrono::Utc::now(),
        )
    })?))
}
