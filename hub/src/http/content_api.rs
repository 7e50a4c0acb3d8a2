//! Signed content over HTTP: the editor's API (a center's or a level's
//! content read, checked and published by the users whose scope holds it)
//! and the TUF repository kiosks read under `/tuf/`.

use super::*;

/// The editor's content API, under `/api/v1`: the same three calls for a
/// center and for a level (region) above centers.
pub(super) fn api_routes() -> Router<AppState> {
    let limit = || DefaultBodyLimit::max(CONTENT_BODY_BYTES);
    let content = || get(published_json).put(publish).layer(limit());
    let check = || post(check).layer(limit());
    Router::new()
        .route("/centers/{id}/content", content())
        .route("/centers/{id}/content/check", check())
        .route("/centers/{id}/content/files/{file}", get(content_file))
        .route("/regions/{id}/content", content())
        .route("/regions/{id}/content/check", check())
}

/// Whose content a call is about: `/centers/{id}/…` or `/regions/{id}/…`.
fn owner(uri: &axum::http::Uri, id: u64) -> Owner {
    if uri.path().contains("/regions/") {
        Owner::Region(id)
    } else {
        Owner::Center(id)
    }
}

/// An upload from an editor of `owner` (a logged-in user whose scope holds
/// it, from the hub's own page), written where a publish reads it and
/// checked as kiosks check it: a center's with its pictures, a level's
/// content.json alone.
async fn staged(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    owner: Owner,
    body: &[u8],
) -> Result<(crate::store::users::Session, tempfile::TempDir), AppError> {
    let session = editor_of(state, headers, owner, true).await?;
    let upload: ContentUpload = parse_json(body)?;
    let dir = match owner {
        Owner::Center(id) => {
            db(state, move |st| Ok(st.center(id)?)).await?;
            stage(state, id, &upload).await?
        }
        Owner::Region(_) => stage_region(state, &upload)?,
    };
    Ok((session, dir))
}

/// `PUT …/content`: publish a new signed version, signed by the owner's own
/// role; its kiosks (every center below, for a level) show it at their next
/// sync.
async fn publish(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    Path(id): Path<u64>,
    body: Bytes,
) -> Result<Json<crate::content::Published>, AppError> {
    let owner = owner(&uri, id);
    let (s, dir) = staged(&state, &headers, owner, &body).await?;
    let published = match owner {
        Owner::Center(id) => state.content.publish(id, dir.path()).await,
        Owner::Region(id) => state.content.publish_region(id, dir.path()).await,
    }
    .map_err(|e| AppError::BadRequest(format!("{e:#}")))?;
    tracing::info!(
        owner = %owner.role(),
        version = published.version,
        by = %s.user.login,
        "content published"
    );
    let actor = crate::admin::Actor::User(s.user);
    let noted = published.clone();
    db(&state, move |st| {
        Ok(crate::admin::Admin::new(st, actor).note_publish(&noted)?)
    })
    .await?;
    Ok(Json(published))
}

/// `POST …/content/check`: a publish's checks, nothing signed.
async fn check(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    Path(id): Path<u64>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    staged(&state, &headers, owner(&uri, id), &body).await?;
    Ok(Json(serde_json::json!({ "ok": true })))
}

/// `GET …/content`: the published content.json (as signed), for the editor
/// to start from.
async fn published_json(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    Path(id): Path<u64>,
) -> Result<axum::response::Response, AppError> {
    let owner = owner(&uri, id);
    editor_of(&state, &headers, owner, false).await?;
    let internal = |e: anyhow::Error| AppError::Internal(format!("{e:#}"));
    if let Owner::Region(id) = owner {
        // The region's services come with its content, as they were sent.
        return match state.content.published_region(id).await.map_err(internal)? {
            Some(content) => Ok(Json(content).into_response()),
            None => Err(AppError::NotFound(
                "nothing published for this region yet".into(),
            )),
        };
    }
    match state
        .content
        .published(owner, "content.json")
        .await
        .map_err(internal)?
    {
        Some(bytes) => Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response()),
        None => Err(AppError::NotFound(match owner {
            Owner::Center(_) => "nothing published for this center yet".into(),
            Owner::Region(_) => "nothing published for this region yet".into(),
        })),
    }
}

/// The signed repository kiosks read, public by design.
pub(super) fn tuf_routes() -> Router<AppState> {
    Router::new()
        .route("/tuf/metadata/{file}", get(tuf_metadata))
        .route("/tuf/targets/{file}", get(tuf_target))
}

/// A region's upload: its content.json (and the services in it as services.json),
/// written where a publish reads it.
fn stage_region(state: &AppState, upload: &ContentUpload) -> Result<tempfile::TempDir, AppError> {
    if !upload.files.is_empty() {
        return Err(AppError::BadRequest(
            "a region publishes its content alone (no pictures yet)".into(),
        ));
    }
    let dir = state
        .content
        .incoming_dir()
        .map_err(|e| AppError::Internal(format!("{e:#}")))?;
    let (content, services) = crate::content::split_region_content(upload.content.clone());
    let write = |name: &str, value: &serde_json::Value| -> Result<(), AppError> {
        let json =
            serde_json::to_vec_pretty(value).map_err(|e| AppError::BadRequest(e.to_string()))?;
        std::fs::write(dir.path().join(name), json).map_err(|e| AppError::Internal(e.to_string()))
    };
    write("content.json", &content)?;
    if let Some(services) = &services {
        write(crate::content::REGION_SERVICES, services)?;
    }
    crate::content::read_region_folder(dir.path())
        .map_err(|e| AppError::BadRequest(format!("{e:#}")))?;
    Ok(dir)
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

/// A picture of the center's published content, for the editor's preview.
async fn content_file(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path((center_id, file)): Path<(u64, String)>,
) -> Result<axum::response::Response, AppError> {
    editor_of(&state, &headers, Owner::Center(center_id), false).await?;
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
