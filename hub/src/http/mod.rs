//! The hub over HTTP: the `/api/v1` API (kiosks, the dashboard's and the
//! editor's calls, the platforms above the hub), the dashboard's pages, the
//! members' phone pages under `/m`, and the signed content under `/tuf/`.

mod activities;
mod audit;
mod content_api;
mod day;
mod download;
mod editor;
mod error;
mod evaluation;
mod help;
pub mod integration;
pub mod join;
mod kiosk_api;
mod kiosks;
mod layout;
mod ledger;
pub mod limit;
mod members;
pub mod metrics;
mod overview;
pub mod phone;
mod phone_frame;
mod regions;
mod rollout;
pub mod serve;
mod signup;
mod users;
mod volunteers;
pub mod web;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ed25519_dalek::SigningKey;
use protocol::wire::{
    DailyReport, DeviceReport, EnrollRequest, EnrollResponse, IngestResult, MAX_PAGE_BYTES,
    PublicKeyInfo, RosterDelta, SyncState,
};
use serde::Deserialize;
use tower_http::decompression::RequestDecompressionLayer;

pub use error::AppError;

use crate::content::Owner;
use crate::store::fleet::LineageVerdict;
use crate::store::worker::StoreWorker;
use crate::store::{Device, Store};

#[derive(Clone)]
pub struct AppState {
    /// The database, reached through its thread ([`db`]).
    pub store: StoreWorker,
    pub key: Arc<SigningKey>,
    /// The card key kiosks hash UIDs with (protocol::card).
    pub card_key: Arc<[u8; 32]>,
    /// The signed content repository, served at `/tuf/` (see [`crate::content`]).
    pub content: Arc<crate::content::Repo>,
    /// Wrong enrollment codes per address.
    pub enroll_limiter: Arc<limit::EnrollLimiter>,
    /// Wrong logins per address, dashboard and phones alike.
    pub login_limiter: Arc<limit::FailureLimiter>,
    /// Youths joining from their phones, per address.
    pub join_limiter: Arc<limit::FailureLimiter>,
    /// The password checks that may run at once.
    pub passwords: Arc<crate::passwords::Gate>,
    /// Load balancers whose `X-Forwarded-For` names the client.
    pub proxies: Arc<limit::TrustedProxies>,
    /// Counters and timings for `/metrics` ([`metrics`]).
    pub metrics: Arc<metrics::Metrics>,
}

/// The whole hub over HTTP: each module's routes, merged, under the
/// layers every answer passes through.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .merge(kiosk_api::routes())
        .merge(content_api::api_routes())
        .merge(integration::routes())
        .merge(web::api_routes())
        .merge(members::api_routes())
        .merge(audit::api_routes())
        .merge(users::api_routes())
        .merge(kiosks::api_routes())
        .merge(regions::api_routes())
        // Every error of the API is an ApiError, the framework's own too,
        // and no id beyond the largest the hub issues reaches a handler.
        .layer(axum::middleware::from_fn(error::json_errors))
        .layer(axum::middleware::from_fn(error::bounded_ids));
    Router::new()
        .nest(protocol::API_PREFIX, api)
        .merge(web::routes())
        .merge(overview::routes())
        .merge(editor::routes())
        .merge(phone::routes())
        .merge(join::routes())
        .merge(signup::routes())
        .merge(members::routes())
        .merge(audit::routes())
        .merge(users::routes())
        .merge(kiosks::routes())
        .merge(ledger::routes())
        .merge(evaluation::routes())
        .merge(help::routes())
        .merge(day::routes())
        .merge(volunteers::routes())
        .merge(activities::routes())
        .merge(regions::routes())
        .route("/lang/{code}", get(layout::switch))
        .merge(content_api::tuf_routes())
        .fallback(|| async { AppError::NotFound("no such route".into()) })
        // A body that trickles in is cut off (see serve.rs for the headers).
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            serve::BODY_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
}

/// The pages' Content-Security-Policy: nothing from elsewhere, no frame
/// around them, and no script but the two the hub writes (named by hash).
fn content_security_policy() -> &'static str {
    static CSP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use sha2::{Digest, Sha256};
        let hash = |script: &str| data_encoding::BASE64.encode(&Sha256::digest(script.as_bytes()));
        format!(
            "default-src 'none'; script-src 'sha256-{}' 'sha256-{}'; style-src 'unsafe-inline'; \
             img-src 'self' data:; connect-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
            hash(editor::SCRIPT),
            hash(phone::RENEW_SCRIPT)
        )
    });
    &CSP
}

/// On every answer: no content-type sniffing; on pages, the policy above
/// and no framing; JSON (names, counts) is never kept in a cache.
async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::HeaderValue;
    let mut res = next.run(req).await;
    let kind = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if kind.starts_with("text/html") {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(content_security_policy()),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    if kind.starts_with("application/json") && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The metrics listener's routes: `GET /metrics` alone.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics::scrape))
        .with_state(state)
}

/// Runs a store call on the store's thread, off the async threads.
async fn db<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&Store) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    state
        .store
        .call(f)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// The `Authorization: Bearer …` credential of a request.
fn bearer_token(parts: &Parts) -> Result<String, AppError> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or(AppError::Unauthorized)
}

/// The calling kiosk, from its bearer credential.
pub struct AuthDevice(pub Device);

impl FromRequestParts<AppState> for AuthDevice {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer_token(parts)?;
        let device = db(state, move |s| Ok(s.device_by_token(&token)?)).await?;
        device.map(AuthDevice).ok_or(AppError::Unauthorized)
    }
}

/// A field of a JSON body that, when present, holds a value: null is
/// refused, not read as "left out" (`#[serde(default, deserialize_with)]`).
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("malformed JSON body: {e}")))
}

async fn health() -> impl IntoResponse {
    (StatusCode::OK, Json(serde_json::json!({ "status": "ok" })))
}

/// Readiness for a load balancer: the database answers within two seconds
/// (503 while it does not: a disk gone, the store's thread stuck).
async fn ready(State(state): State<AppState>) -> Response {
    let probe = state.store.call(|s| s.ping());
    match tokio::time::timeout(std::time::Duration::from_secs(2), probe).await {
        Ok(Ok(Ok(()))) => (
            StatusCode::OK,
            Json(serde_json::json!({ "status": "ready" })),
        )
            .into_response(),
        Ok(Ok(Err(e))) => not_ready(&format!("the database fails: {e}")),
        Ok(Err(e)) => not_ready(&e.to_string()),
        Err(_) => not_ready("the database did not answer within 2 s"),
    }
}

fn not_ready(why: &str) -> Response {
    tracing::warn!("not ready: {why}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(serde_json::json!({ "status": "not_ready", "message": why })),
    )
        .into_response()
}

/// Uploads read and parsed at once (see `app`).
const INGEST_IN_FLIGHT: usize = 32;

/// Largest body of a content publish: 64 files of up to 4 MB in base64 is
/// more than a center needs; a logo and a few pictures fit in 16 MB.
const CONTENT_BODY_BYTES: usize = 16 << 20;

/// `PUT /api/v1/centers/{id}/content`: what the web editor sends.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentUpload {
    /// content.json, as an object.
    pub content: serde_json::Value,
    /// The pictures it names: file name → base64.
    #[serde(default)]
    pub files: std::collections::BTreeMap<String, String>,
}

/// The logged-in user of a request; a change (`write`) must come from the
/// hub's own pages with the session's `X-CSRF-Token`.
pub(crate) async fn logged_in(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    write: bool,
) -> Result<crate::store::users::Session, AppError> {
    let s = web::session(state, headers)
        .await?
        .ok_or(AppError::NotLoggedIn)?;
    if write {
        let token = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !web::same_origin(headers) || token != s.csrf {
            return Err(AppError::Forbidden(
                "send the request from the hub's own page, with its X-CSRF-Token".into(),
            ));
        }
    }
    Ok(s)
}

/// A logged-in user whose scope holds the center, or the region (its own
/// or one below it: a town's admin cannot publish for the city), on a
/// request from the hub's own pages when it writes.
pub(crate) async fn editor_of(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    owner: Owner,
    write: bool,
) -> Result<crate::store::users::Session, AppError> {
    let s = logged_in(state, headers, write).await?;
    let scope = s.user.scope;
    let allowed = db(state, move |st| match owner {
        Owner::Center(id) => Ok(st.centers_in(scope)?.iter().any(|c| c.id == id)),
        Owner::Region(id) => {
            st.region(id)?;
            Ok(st.region_in(scope, id)?)
        }
    })
    .await?;
    if !allowed {
        return Err(AppError::Forbidden(match owner {
            Owner::Center(_) => "this center is outside your part of the network".into(),
            Owner::Region(_) => {
                "only its own admins or those of a level above it may publish for this region"
                    .into()
            }
        }));
    }
    Ok(s)
}
