//! Who is asking: passwords (argon2), login sessions (a random id in a cookie, its SHA-256 in
//! the store) and API tokens (`Authorization: Bearer`, also kept as a SHA-256). A user limited to
//! a partner sees that partner's data only ([`User::may_see`]).

use super::{blocking, WebState};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use rand::RngExt;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use store::Users;

/// The session cookie's name.
pub const COOKIE: &str = "bankdrop_session";

/// An argon2id hash of `password` (PHC string form, with a fresh salt).
pub fn hash_password(password: &str) -> crate::Result<String> {
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| crate::Error::Invalid(format!("password salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| crate::Error::Invalid(format!("hashing the password: {e}")))
}

/// Whether `password` matches `hash` (a damaged hash matches nothing).
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A new secret: 32 random bytes, hex (a session id or an API token).
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex(&bytes)
}

/// The SHA-256 of a secret, hex: what the store keeps instead of the secret.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Now as the store compares times: RFC 3339, UTC, milliseconds.
pub fn now() -> String {
    stamp(chrono::Utc::now())
}

/// `t` as the store compares times.
pub fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A logged-in user, from a session cookie or a bearer token.
#[derive(Debug, Clone)]
pub struct User {
    /// The user name.
    pub name: String,
    /// The only partner this user may see; `None`: every partner.
    pub partner: Option<String>,
    /// The form token of this session (forms post it back; a token-authenticated client
    /// needs none, as no browser sends its header by itself).
    pub csrf: Option<String>,
}

impl User {
    /// Whether this user may see `partner`'s data.
    pub fn may_see(&self, partner: &str) -> bool {
        self.partner.as_deref().is_none_or(|p| p == partner)
    }

    /// Whether a form's `csrf` field is this session's.
    pub fn form_ok(&self, csrf: &str) -> bool {
        self.csrf.as_deref().is_none_or(|c| c == csrf)
    }
}

/// The form token of a session: derived from its id, so it needs no storing.
pub fn csrf_of(session_id: &str) -> String {
    digest(&format!("csrf:{session_id}"))[..32].to_string()
}

/// The session id in a request's cookies.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// Why a request has no user: a page sends the browser to the login page, the API says 401.
pub struct NotLoggedIn {
    api: bool,
    next: String,
}

impl IntoResponse for NotLoggedIn {
    fn into_response(self) -> Response {
        if self.api {
            let body = serde_json::json!({"error": "login required: a session cookie or `Authorization: Bearer <token>`"});
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                axum::Json(body),
            )
                .into_response()
        } else {
            let next = super::pages::query_escape(&self.next);
            Redirect::to(&format!("/login?next={next}")).into_response()
        }
    }
}

impl FromRequestParts<Arc<WebState>> for User {
    type Rejection = NotLoggedIn;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<WebState>,
    ) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path();
        let refused = NotLoggedIn {
            api: path.starts_with("/api/"),
            next: parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string(),
        };
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        let now = now();
        let found = if let Some(token) = bearer {
            blocking(|| state.store.token_user(&digest(&token), &now)).map(|u| u.map(|u| (u, None)))
        } else if let Some(id) = session_cookie(&parts.headers) {
            blocking(|| state.store.session_user(&digest(&id), &now))
                .map(|u| u.map(|u| (u, Some(csrf_of(&id)))))
        } else {
            Ok(None)
        };
        match found {
            Ok(Some((u, csrf))) => Ok(User {
                name: u.name,
                partner: u.partner,
                csrf,
            }),
            Ok(None) => Err(refused),
            Err(e) => {
                tracing::error!(error = %e, "looking up a session failed");
                Err(refused)
            }
        }
    }
}
