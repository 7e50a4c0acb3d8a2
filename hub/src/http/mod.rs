//! The hub over HTTP: the `/api/v1` API (kiosks, the dashboard's and the
//! editor's calls, the platforms above the hub), the dashboard's pages, the
//! members' phone pages under `/m`, and the signed content under `/tuf/`.

mod editor;
mod error;
pub mod integration;
pub mod limit;
pub mod metrics;
pub mod phone;
pub mod serve;
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
    /// The password checks that may run at once.
    pub passwords: Arc<crate::passwords::Gate>,
    /// Load balancers whose `X-Forwarded-For` names the client.
    pub proxies: Arc<limit::TrustedProxies>,
    /// Counters and timings for `/metrics` ([`metrics`]).
    pub metrics: Arc<metrics::Metrics>,
}

pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/enroll", post(enroll))
        .route("/sync-state", get(sync_state))
        .route("/roster", get(roster))
        .route("/centers/{id}/report", get(report))
        .route(
            "/centers/{id}/content",
            get(content_get)
                .put(content_put)
                .layer(DefaultBodyLimit::max(CONTENT_BODY_BYTES)),
        )
        .route(
            "/centers/{id}/content/check",
            post(content_check).layer(DefaultBodyLimit::max(CONTENT_BODY_BYTES)),
        )
        .route("/centers/{id}/content/files/{file}", get(content_file))
        .route(
            "/regions/{id}/content",
            get(region_content_get)
                .put(region_content_put)
                .layer(DefaultBodyLimit::max(CONTENT_BODY_BYTES)),
        )
        .route(
            "/regions/{id}/content/check",
            post(region_content_check).layer(DefaultBodyLimit::max(CONTENT_BODY_BYTES)),
        )
        .route("/integration/attendance", get(integration::attendance))
        .route("/integration/activities", get(integration::activities))
        .route("/dashboard", get(web::overview_json))
        .route("/yardsticks", get(web::yardsticks_json))
        .route("/fleet", get(web::fleet_json));
    // Pages may come gzip-compressed; the size limit applies after decompression.
    // At most INGEST_IN_FLIGHT uploads are read and parsed at once; the
    // rest wait with their bodies unread (in the sockets), so the hub's
    // memory stays bounded when a region's kiosks all come back at once.
    // One writer takes them in turn anyway.
    let ingest = Router::new()
        .route("/events", post(events))
        .layer(DefaultBodyLimit::max(MAX_PAGE_BYTES))
        .layer(RequestDecompressionLayer::new())
        .layer(tower::limit::ConcurrencyLimitLayer::new(INGEST_IN_FLIGHT));
    // Every error of the API is an ApiError, the framework's own too, and
    // no id beyond the largest the hub issues reaches a handler.
    let api = api
        .merge(ingest)
        .layer(axum::middleware::from_fn(error::json_errors))
        .layer(axum::middleware::from_fn(error::bounded_ids));
    Router::new()
        .nest(protocol::API_PREFIX, api)
        .route("/", get(web::home))
        .route("/login", get(web::login_form).post(web::login))
        .route("/logout", post(web::logout))
        .route("/content/{id}", get(editor::page))
        .route("/content/region/{id}", get(editor::region_page))
        .route("/ledger.csv", get(web::ledger_csv))
        .route("/ledger.xlsx", get(web::ledger_xlsx))
        .route("/m", get(phone::login_page))
        .route("/m/login", post(phone::login))
        .route("/m/logout", post(phone::logout))
        .route("/m/{secret}", get(phone::member_page))
        .route("/tuf/metadata/{file}", get(tuf_metadata))
        .route("/tuf/targets/{file}", get(tuf_target))
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

async fn enroll(
    State(state): State<AppState>,
    limit::ClientIp(ip): limit::ClientIp,
    body: Bytes,
) -> Result<Json<EnrollResponse>, AppError> {
    let now = std::time::Instant::now();
    if !state.enroll_limiter.allowed(ip, now) {
        tracing::warn!(?ip, "enrollment refused: too many wrong codes");
        return Err(AppError::TooMany(
            "too many wrong enrollment codes from this address; wait ten minutes".into(),
        ));
    }
    let req: EnrollRequest = parse_json(&body)?;
    let public_key = protocol::token::encode_public_key(&state.key.verifying_key());
    let (device_id, device_token, center) = db(&state, move |s| {
        s.enroll(&req.code, &req.device_name, &req.software_version)
            .map_err(|e| match e {
                crate::store::StoreError::Invalid(m) => AppError::InvalidCode(m),
                other => other.into(),
            })
    })
    .await
    .inspect_err(|e| {
        if matches!(e, AppError::InvalidCode(_)) {
            state.enroll_limiter.failed(ip, now);
        }
    })?;
    state.enroll_limiter.succeeded(ip);
    tracing::info!(device_id, center = center.id, "kiosk enrolled");
    Ok(Json(EnrollResponse {
        device_id,
        device_token,
        center: center.info(),
        signing_keys: vec![PublicKeyInfo {
            key_id: crate::keys::CURRENT_KEY_ID,
            public_key,
        }],
        card_key: data_encoding::BASE64.encode(state.card_key.as_slice()),
        content_root: state.content.root_json().unwrap_or_else(|e| {
            tracing::error!("content root metadata: {e:#}");
            None
        }),
    }))
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

/// A logged-in user whose scope holds the center, on a request from the
/// hub's own pages (same origin, and the session's CSRF token in
/// `X-CSRF-Token`).
async fn editor_for(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    center_id: u64,
    write: bool,
) -> Result<crate::store::users::Session, AppError> {
    editor_of(state, headers, Owner::Center(center_id), write).await
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

/// A region's upload: its content.json alone, written where a publish reads it.
fn stage_region(state: &AppState, upload: &ContentUpload) -> Result<tempfile::TempDir, AppError> {
    if !upload.files.is_empty() {
        return Err(AppError::BadRequest(
            "a region publishes its content.json alone (no pictures yet)".into(),
        ));
    }
    let dir = state
        .content
        .incoming_dir()
        .map_err(|e| AppError::Internal(format!("{e:#}")))?;
    let json = serde_json::to_vec_pretty(&upload.content)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    std::fs::write(dir.path().join("content.json"), json)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    crate::content::read_region_folder(dir.path())
        .map_err(|e| AppError::BadRequest(format!("{e:#}")))?;
    Ok(dir)
}

/// `PUT /api/v1/regions/{id}/content`: a city's, county's or town's
/// content, signed by its own role, shown on every center below it.
async fn region_content_put(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(region_id): Path<u64>,
    body: Bytes,
) -> Result<Json<crate::content::Published>, AppError> {
    let s = editor_of(&state, &headers, Owner::Region(region_id), true).await?;
    let upload: ContentUpload = parse_json(&body)?;
    let dir = stage_region(&state, &upload)?;
    let published = state
        .content
        .publish_region(region_id, dir.path())
        .await
        .map_err(|e| AppError::BadRequest(format!("{e:#}")))?;
    tracing::info!(
        region = region_id,
        version = published.version,
        by = %s.user.login,
        "region content published"
    );
    Ok(Json(published))
}

/// `POST /api/v1/regions/{id}/content/check`: a publish's checks, nothing signed.
async fn region_content_check(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(region_id): Path<u64>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    editor_of(&state, &headers, Owner::Region(region_id), true).await?;
    let upload: ContentUpload = parse_json(&body)?;
    stage_region(&state, &upload)?;
    Ok(Json(serde_json::json!({ "ok": true })))
}

/// `GET /api/v1/regions/{id}/content`: the region's published content.json.
async fn region_content_get(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(region_id): Path<u64>,
) -> Result<axum::response::Response, AppError> {
    editor_of(&state, &headers, Owner::Region(region_id), false).await?;
    match state
        .content
        .published(Owner::Region(region_id), "content.json")
        .await
        .map_err(|e| AppError::Internal(format!("{e:#}")))?
    {
        Some(bytes) => Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response()),
        None => Err(AppError::NotFound(
            "nothing published for this region yet".into(),
        )),
    }
}

/// Writes an upload into a fresh folder as `hub content publish` reads it:
/// content.json, the pictures sent, and any picture it names but did not
/// send, carried over from the published version (the editor sends only
/// new pictures). Then checks the folder as a kiosk would.
async fn stage(
    state: &AppState,
    center_id: u64,
    upload: &ContentUpload,
) -> Result<tempfile::TempDir, AppError> {
    let dir = state
        .content
        .incoming_dir()
        .map_err(|e| AppError::Internal(format!("{e:#}")))?;
    let folder = dir.path().to_path_buf();
    let bad = |e: anyhow::Error| AppError::BadRequest(format!("{e:#}"));
    std::fs::write(
        folder.join("content.json"),
        serde_json::to_vec_pretty(&upload.content).map_err(|e| bad(e.into()))?,
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    for (name, b64) in &upload.files {
        crate::content::check_file_name(name).map_err(bad)?;
        if name == "content.json" {
            return Err(AppError::BadRequest(
                "content.json is the content itself".into(),
            ));
        }
        let bytes = data_encoding::BASE64
            .decode(b64.as_bytes())
            .map_err(|_| AppError::BadRequest(format!("{name} is not base64")))?;
        std::fs::write(folder.join(name), bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    }
    // The pictures it names (a bundle that cannot be read names none here;
    // the check below says why it cannot be read).
    let named: Vec<String> =
        serde_json::from_value::<protocol::content::Bundle>(upload.content.clone())
            .map(|b| b.pictures().into_iter().map(str::to_owned).collect())
            .unwrap_or_default();
    for name in named
        .iter()
        .filter(|n| !upload.files.contains_key(*n) && crate::content::check_file_name(n).is_ok())
    {
        if let Some(bytes) = published_or_default(state, center_id, name).await? {
            std::fs::write(folder.join(name), bytes)
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
    }
    crate::content::read_folder(&folder).map_err(bad)?;
    Ok(dir)
}

/// A file of the center's published content; before its first publish, a
/// picture of the default content.
async fn published_or_default(
    state: &AppState,
    center_id: u64,
    file: &str,
) -> Result<Option<Vec<u8>>, AppError> {
    let published = state
        .content
        .published_json(center_id)
        .await
        .map_err(|e| AppError::Internal(format!("{e:#}")))?;
    if published.is_none() {
        return Ok(crate::content::default_picture(file).map(<[u8]>::to_vec));
    }
    state
        .content
        .published_file(center_id, file)
        .await
        .map_err(|e| AppError::Internal(format!("{e:#}")))
}

/// Publishes a center's content from the editor: checked, signed as a new
/// version, shown by the center's kiosks at their next sync.
async fn content_put(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(center_id): Path<u64>,
    body: Bytes,
) -> Result<Json<crate::content::Published>, AppError> {
    let s = editor_for(&state, &headers, center_id, true).await?;
    let upload: ContentUpload = parse_json(&body)?;
    db(&state, move |st| Ok(st.center(center_id)?)).await?;
    let dir = stage(&state, center_id, &upload).await?;
    let published = state
        .content
        .publish(center_id, dir.path())
        .await
        .map_err(|e| AppError::BadRequest(format!("{e:#}")))?;
    tracing::info!(
        center = center_id,
        version = published.version,
        by = %s.user.login,
        "content published"
    );
    Ok(Json(published))
}

/// `POST …/content/check`: what a publish of this upload would say, without
/// signing anything (the editor's "check" before "publish").
async fn content_check(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(center_id): Path<u64>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    editor_for(&state, &headers, center_id, true).await?;
    let upload: ContentUpload = parse_json(&body)?;
    db(&state, move |st| Ok(st.center(center_id)?)).await?;
    stage(&state, center_id, &upload).await?;
    Ok(Json(serde_json::json!({ "ok": true })))
}

/// A picture of the center's published content, for the editor's preview.
async fn content_file(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path((center_id, file)): Path<(u64, String)>,
) -> Result<axum::response::Response, AppError> {
    editor_for(&state, &headers, center_id, false).await?;
    if crate::content::check_file_name(&file).is_err() {
        return Err(AppError::NotFound("no such file".into()));
    }
    let kind = match file
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    match published_or_default(&state, center_id, &file).await? {
        Some(bytes) => Ok((
            [
                (header::CONTENT_TYPE, kind),
                (header::CACHE_CONTROL, "no-store"),
            ],
            bytes,
        )
            .into_response()),
        None => Err(AppError::NotFound("no such published file".into())),
    }
}

/// The center's published content.json, for the editor to start from.
async fn content_get(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(center_id): Path<u64>,
) -> Result<axum::response::Response, AppError> {
    editor_for(&state, &headers, center_id, false).await?;
    match state
        .content
        .published_json(center_id)
        .await
        .map_err(|e| AppError::Internal(format!("{e:#}")))?
    {
        Some(bytes) => Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response()),
        None => Err(AppError::NotFound(
            "nothing published for this center yet".into(),
        )),
    }
}

/// TUF metadata, public by design (it holds hashes and signatures, no
/// content): `root.json`, `N.root.json`, `timestamp.json`,
/// `N.snapshot.json`, `N.targets.json`, and each center's `N.center-ID.json`.
async fn tuf_metadata(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<axum::response::Response, AppError> {
    let ok = file.ends_with(".json")
        && file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !file.starts_with('.');
    if !ok {
        return Err(AppError::NotFound("no such metadata".into()));
    }
    serve_file(state.content.metadata_dir().join(file)).await
}

/// A published file, under its hash (`<sha256>.center-<id>-<name>`).
async fn tuf_target(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<axum::response::Response, AppError> {
    if crate::content::check_file_name(&file).is_err() {
        return Err(AppError::NotFound("no such file".into()));
    }
    serve_file(state.content.targets_dir().join(file)).await
}

async fn serve_file(path: std::path::PathBuf) -> Result<axum::response::Response, AppError> {
    match tokio::fs::read(&path).await {
        Ok(bytes) => Ok((
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(AppError::NotFound("no such file".into()))
        }
        Err(e) => Err(AppError::Internal(format!("{}: {e}", path.display()))),
    }
}

async fn sync_state(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    report: Result<Query<DeviceReport>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SyncState>, AppError> {
    // Kiosks that predate the report send no parameters, and a garbled one
    // must not stop a kiosk from syncing: there is then nothing to note.
    let id = device.id;
    let report = report
        .ok()
        .map(|Query(r)| r)
        .filter(|r| !r.software_version.is_empty());
    let (center, acked_seq) = (device.center_id, device.acked_seq);
    let (verdict, regions, probe) = db(&state, move |s| {
        let verdict =
            s.check_lineage(&device, report.as_ref().and_then(|r| r.lineage.as_deref()))?;
        let probe = match &report {
            Some(r) if r.last_seq > 0 && acked_seq > 0 => s.probe(id, acked_seq.min(r.last_seq))?,
            _ => None,
        };
        if let Some(report) = report.filter(|_| verdict == LineageVerdict::Accepted) {
            s.note_device_report(id, &report)?;
        }
        Ok((verdict, s.region_chain(center)?, probe))
    })
    .await?;
    if verdict == LineageVerdict::Refused {
        return Err(AppError::CredentialInUse);
    }
    Ok(Json(SyncState {
        device_id: id,
        acked_seq,
        server_time_ms: crate::store::now_ms(),
        regions,
        probe,
    }))
}

#[derive(Deserialize)]
struct RawPage {
    events: Vec<serde_json::Value>,
}

async fn events(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    body: Bytes,
) -> Result<Json<IngestResult>, AppError> {
    let page: RawPage = parse_json(&body)?;
    if page.events.len() > protocol::wire::MAX_PAGE_EVENTS {
        return Err(AppError::BadRequest(format!(
            "a page holds at most {} events",
            protocol::wire::MAX_PAGE_EVENTS
        )));
    }
    let result = db(&state, move |s| Ok(s.ingest(&device, &page.events)?)).await?;
    let m = &state.metrics;
    m.events_stored.inc_by(u64::from(result.stored));
    m.events_duplicate.inc_by(u64::from(result.duplicates));
    m.events_rejected.inc_by(result.rejected.len() as u64);
    Ok(Json(result))
}

#[derive(Deserialize)]
struct RosterQuery {
    #[serde(default)]
    since: u64,
}

async fn roster(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Query(q): Query<RosterQuery>,
) -> Result<Json<RosterDelta>, AppError> {
    Ok(Json(
        db(&state, move |s| Ok(s.roster(device.center_id, q.since)?)).await?,
    ))
}

#[derive(Deserialize)]
struct ReportQuery {
    date: String,
}

async fn report(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(center_id): Path<u64>,
    Query(q): Query<ReportQuery>,
) -> Result<Json<DailyReport>, AppError> {
    may_read_center(&state, &headers, center_id).await?;
    let report = db(&state, move |s| {
        let tz = s.center(center_id)?.tz();
        let date = crate::report::parse_date(&q.date, tz)?;
        Ok(crate::report::daily(s, center_id, date)?)
    })
    .await?;
    Ok(Json(report))
}

/// A kiosk reads its own center; a dashboard user, the centers of their scope.
async fn may_read_center(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    center_id: u64,
) -> Result<(), AppError> {
    if headers.contains_key(header::AUTHORIZATION) {
        let mut parts = axum::http::Request::new(()).into_parts().0;
        parts.headers = headers.clone();
        let AuthDevice(device) = AuthDevice::from_request_parts(&mut parts, state).await?;
        return if device.center_id == center_id {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "a kiosk may read only its own center's report".into(),
            ))
        };
    }
    let session = web::session(state, headers)
        .await?
        .ok_or(AppError::NotLoggedIn)?;
    let scope = session.user.scope;
    if db(state, move |s| Ok(s.scope_covers(scope, center_id)?)).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "this center is outside what your account may see".into(),
        ))
    }
}
