//! The JSON behind the members page, under `/api/v1`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::super::error::AppError;
use super::super::{AppState, db, parse_json, present};
use crate::admin::import::MAX_IMPORT_BYTES;
use crate::admin::{Actor, Admin};
use crate::store::{Member, MemberPage, NewMember};

use super::super::logged_in;

pub(in crate::http) fn api_routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/centers/{id}/members",
            get(search_members).post(add_member),
        )
        .route("/members/{id}", get(member).patch(change_member))
        .route("/members/{id}/revoke", post(revoke))
        .route("/members/{id}/restore", post(restore))
        .route(
            "/centers/{id}/members/import",
            post(import_api).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
}

#[derive(Deserialize)]
struct ImportQuery {
    #[serde(default)]
    dry_run: Option<String>,
}

/// `POST /api/v1/centers/{id}/members/import[?dry_run=1]`: the file (XLSX
/// or CSV) as the body. A preview, or the import; any wrong row refuses it
/// whole (422, with the report).
async fn import_api(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(center): Path<u64>,
    Query(q): Query<ImportQuery>,
    body: Bytes,
) -> Result<Response, AppError> {
    let actor = admin_for(&state, &headers, true).await?;
    let dry_run = matches!(q.dry_run.as_deref(), Some("1" | "true" | ""));
    let report = db(&state, move |st| {
        Ok(Admin::new(st, actor).import_members(center, &body, dry_run)?)
    })
    .await?;
    if report.errors.is_empty() {
        return Ok(Json(report).into_response());
    }
    let message = format!(
        "{} of {} rows are wrong; nothing was imported",
        report.errors.len(),
        report.rows
    );
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(serde_json::json!({ "error": "bad_request", "message": message, "report": report })),
    )
        .into_response())
}

/// The service for the logged-in user of a request.
pub(in crate::http) async fn admin_for(
    state: &AppState,
    headers: &HeaderMap,
    write: bool,
) -> Result<Actor, AppError> {
    Ok(Actor::User(logged_in(state, headers, write).await?.user))
}

#[derive(Deserialize)]
pub(super) struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: u64,
}

async fn search_members(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(center): Path<u64>,
    Query(query): Query<SearchQuery>,
) -> Result<Json<MemberPage>, AppError> {
    let actor = admin_for(&state, &headers, false).await?;
    let page = db(&state, move |st| {
        Ok(Admin::new(st, actor).members(center, &query.q, query.offset)?)
    })
    .await?;
    Ok(Json(page))
}

async fn add_member(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(center): Path<u64>,
    body: Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let actor = admin_for(&state, &headers, true).await?;
    let new: NewMember = parse_json(&body)?;
    let id = db(&state, move |st| {
        Ok(Admin::new(st, actor).add_member(center, &new)?)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "member_id": id })),
    ))
}

async fn member(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u32>,
) -> Result<Json<Member>, AppError> {
    let actor = admin_for(&state, &headers, false).await?;
    Ok(Json(
        db(&state, move |st| Ok(Admin::new(st, actor).member(id)?)).await?,
    ))
}

/// What a `PATCH` of a member may change; a field left out stays (null is
/// refused, not read as "left out").
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberChange {
    #[serde(default, deserialize_with = "present")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    volunteer: Option<bool>,
}

async fn change_member(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u32>,
    body: Bytes,
) -> Result<Json<Member>, AppError> {
    let actor = admin_for(&state, &headers, true).await?;
    let change: MemberChange = parse_json(&body)?;
    if change.display_name.is_none() && change.volunteer.is_none() {
        return Err(AppError::BadRequest(
            "say what changes: display_name, volunteer or both".into(),
        ));
    }
    let m = db(&state, move |st| {
        let admin = Admin::new(st, actor);
        let mut m = admin.member(id)?;
        if let Some(name) = change.display_name {
            m = admin.rename_member(id, &name)?;
        }
        if let Some(v) = change.volunteer {
            m = admin.set_member_volunteer(id, v)?;
        }
        Ok(m)
    })
    .await?;
    Ok(Json(m))
}

async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u32>,
) -> Result<Json<Member>, AppError> {
    set_active(state, headers, id, false).await
}

async fn restore(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u32>,
) -> Result<Json<Member>, AppError> {
    set_active(state, headers, id, true).await
}

async fn set_active(
    state: AppState,
    headers: HeaderMap,
    id: u32,
    active: bool,
) -> Result<Json<Member>, AppError> {
    let actor = admin_for(&state, &headers, true).await?;
    Ok(Json(
        db(&state, move |st| {
            Ok(Admin::new(st, actor).set_member_active(id, active)?)
        })
        .await?,
    ))
}
