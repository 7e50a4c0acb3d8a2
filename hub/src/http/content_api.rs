//! Signed content over HTTP: the editor's API (a center's or a level's
//! content read, checked and published by the users whose scope holds it)
//! and the TUF repository kiosks read under `/tuf/`.

use super::*;

/// The editor's content API, under `/api/v1`.
pub(super) fn api_routes() -> Router<AppState> {
    let limit = || DefaultBodyLimit::max(CONTENT_BODY_BYTES);
    Router::new()
        .route(
            "/centers/{id}/content",
            get(content_get).put(content_put).layer(limit()),
        )
        .route(
            "/centers/{id}/content/check",
            post(content_check).layer(limit()),
        )
        .route("/centers/{id}/content/files/{file}", get(content_file))
        .route(
            "/regions/{id}/content",
            get(region_content_get)
                .put(region_content_put)
                .layer(limit()),
        )
        .route(
            "/regions/{id}/content/check",
            post(region_content_check).layer(limit()),
        )
}

/// The signed repository kiosks read, public by design.
pub(super) fn tuf_routes() -> Router<AppState> {
    Router::new()
        .route("/tuf/metadata/{file}", get(tuf_metadata))
        .route("/tuf/targets/{file}", get(tuf_target))
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
