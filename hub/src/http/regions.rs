//! Regions, for admins: the tree below their own region, new regions and
//! names, and which region each center belongs to; the page at `/regions`
//! and the same under `/api/v1`. Every rule is the admin service's.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, patch, post};
use axum::{Form, Json};
use serde::Deserialize;

use super::error::AppError;
use super::layout::{Lang, Tab, form_session, frame, page_session, refusal};
use super::members::admin_for;
use super::users::{DoneQuery, done_note, hidden};
use super::web::{escape, redirect};
use super::{AppState, db, parse_json};
use crate::admin::{Actor, Admin};
use crate::store::users::{Level, Region, Session};

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/regions", get(regions_page))
        .route("/regions/add", post(add_region_form))
        .route("/regions/{id}/rename", post(rename_region_form))
        .route("/centers/{id}/place", post(place_form))
}

pub(super) fn api_routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/regions", get(regions_json).post(add_region_json))
        .route("/regions/{id}", patch(rename_region_json))
        .route("/centers/{id}/place", post(place_json))
}

async fn regions_json(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, AppError> {
    let actor = admin_for(&state, &headers, false).await?;
    let (regions, centers) = db(&state, move |st| Ok(Admin::new(st, actor).regions()?)).await?;
    Ok(Json(
        serde_json::json!({ "regions": regions, "centers": centers }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRegion {
    name: String,
    level: String,
    parent_id: u64,
}

async fn add_region_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let actor = admin_for(&state, &headers, true).await?;
    let r: NewRegion = parse_json(&body)?;
    let level = Level::from_code(&r.level).ok_or_else(|| {
        AppError::BadRequest(format!("level {:?}: city, county or town", r.level))
    })?;
    let id = db(&state, move |st| {
        Ok(Admin::new(st, actor).add_region(&r.name, level, Some(r.parent_id))?)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "region_id": id })),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionName {
    name: String,
}

async fn rename_region_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    let actor = admin_for(&state, &headers, true).await?;
    let r: RegionName = parse_json(&body)?;
    let name = r.name.clone();
    db(&state, move |st| {
        Ok(Admin::new(st, actor).rename_region(id, &r.name)?)
    })
    .await?;
    Ok(Json(
        serde_json::json!({ "region_id": id, "name": name.trim() }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Placement {
    region_id: u64,
}

async fn place_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    let actor = admin_for(&state, &headers, true).await?;
    let p: Placement = parse_json(&body)?;
    db(&state, move |st| {
        Ok(Admin::new(st, actor).place_center(id, p.region_id)?)
    })
    .await?;
    Ok(Json(
        serde_json::json!({ "center_id": id, "region_id": p.region_id }),
    ))
}

async fn regions_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Response {
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_regions(&state, &headers, s, q.done.as_deref(), "", StatusCode::OK).await
}

fn level_label(level: Level, lang: Lang) -> &'static str {
    match level {
        Level::Province => lang.t("省", "province"),
        Level::City => lang.t("市", "city"),
        Level::County => lang.t("县（区）", "county"),
        Level::Town => lang.t("乡镇（街道）", "town"),
    }
}

async fn show_regions(
    state: &AppState,
    headers: &HeaderMap,
    s: Session,
    done: Option<&str>,
    error: &str,
    status: StatusCode,
) -> Response {
    let lang = Lang::of(headers);
    let t = |zh, en| lang.t(zh, en);
    let actor = Actor::User(s.user.clone());
    let (regions, centers) = match db(state, move |st| Ok(Admin::new(st, actor).regions()?)).await {
        Ok(f) => f,
        Err(e) => return refusal(&s, lang, Tab::Regions, "/regions", e),
    };
    if regions.is_empty() {
        let e = AppError::Forbidden(
            t(
                "只有区域的管理员管理区域。",
                "Only a region's admins manage regions.",
            )
            .into(),
        );
        return refusal(&s, lang, Tab::Regions, "/regions", e);
    }
    // The tree, depth first from the admin's own region.
    let mut ordered: Vec<(usize, &Region)> = Vec::new();
    fn walk<'a>(
        r: &'a Region,
        depth: usize,
        all: &'a [Region],
        out: &mut Vec<(usize, &'a Region)>,
    ) {
        out.push((depth, r));
        for c in all.iter().filter(|c| c.parent_id == Some(r.id)) {
            if depth < 8 {
                walk(c, depth + 1, all, out);
            }
        }
    }
    let ids: std::collections::HashSet<u64> = regions.iter().map(|r| r.id).collect();
    for top in regions
        .iter()
        .filter(|r| r.parent_id.is_none_or(|p| !ids.contains(&p)))
    {
        walk(top, 0, &regions, &mut ordered);
    }
    let tree: String = ordered
        .iter()
        .map(|(depth, r)| {
            let n = centers.iter().filter(|c| c.region_id == Some(r.id)).count();
            format!(
                "<tr data-region=\"{id}\"><td data-label=\"{l_region}\" style=\"padding-left:{pad}px\">{name}</td>\
                 <td data-label=\"{l_level}\">{level}</td><td data-label=\"{l_centers}\">{n}</td>\
                 <td><form class=\"inline\" method=\"post\" action=\"/regions/{id}/rename\">{csrf}\
                 <input name=\"name\" value=\"{name}\" required maxlength=\"60\" aria-label=\"{l_rename}\">\
                 <button class=\"quiet\">{rename}</button></form></td></tr>",
                id = r.id,
                pad = 8 + depth * 20,
                name = escape(&r.name),
                level = level_label(r.level, lang),
                csrf = hidden("csrf", &s.csrf),
                l_region = t("区域", "Region"),
                l_level = t("级别", "Level"),
                l_centers = t("中心", "Centers"),
                l_rename = t("新名称", "New name"),
                rename = t("改名", "Rename"),
            )
        })
        .collect();
    let region_options = |selected: Option<u64>| -> String {
        ordered
            .iter()
            .map(|(depth, r)| {
                format!(
                    "<option value=\"{}\"{}>{}{}</option>",
                    r.id,
                    if selected == Some(r.id) {
                        " selected"
                    } else {
                        ""
                    },
                    "— ".repeat(*depth),
                    escape(&r.name)
                )
            })
            .collect()
    };
    let center_rows: String = centers
        .iter()
        .map(|c| {
            format!(
                "<tr data-center=\"{id}\"><td data-label=\"{l_center}\">{name}</td>\
                 <td><form class=\"inline\" method=\"post\" action=\"/centers/{id}/place\">{csrf}\
                 <select name=\"region\" aria-label=\"{l_region}\">{options}</select>\
                 <button class=\"quiet\">{move_}</button></form></td></tr>",
                id = c.id,
                name = escape(&c.name),
                csrf = hidden("csrf", &s.csrf),
                options = region_options(c.region_id),
                l_center = t("中心", "Center"),
                l_region = t("所属区域", "Region"),
                move_ = t("调整", "Move"),
            )
        })
        .collect();
    let error = if error.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"error\" id=\"region-error\">{}</p>",
            escape(error)
        )
    };
    let levels: String = [Level::County, Level::Town, Level::City]
        .into_iter()
        .map(|l| {
            format!(
                "<option value=\"{}\">{}</option>",
                l.code(),
                level_label(l, lang)
            )
        })
        .collect();
    let main = format!(
        "<div class=\"card\"><h2>{heading}</h2>{done}{error}<table class=\"list\" id=\"regions\"><thead><tr>\
         <th>{l_region}</th><th>{l_level}</th><th>{l_centers}</th><th></th></tr></thead><tbody>{tree}</tbody></table>\
         <form method=\"post\" action=\"/regions/add\" class=\"row\" id=\"add-region\">{csrf}\
         <label>{l_name}<input name=\"name\" required maxlength=\"60\"></label>\
         <label>{l_level}<select name=\"level\">{levels}</select></label>\
         <label>{l_parent}<select name=\"parent\">{parents}</select></label>\
         <button class=\"act\">{add}</button></form></div>\
         <div class=\"card\"><h2>{centers_heading}</h2><table class=\"list\" id=\"centers\"><thead><tr>\
         <th>{l_center}</th><th>{l_region}</th></tr></thead><tbody>{center_rows}</tbody></table></div>",
        heading = t("区域", "Regions"),
        done = done_note(done, lang),
        csrf = hidden("csrf", &s.csrf),
        parents = region_options(None),
        l_region = t("区域", "Region"),
        l_level = t("级别", "Level"),
        l_centers = t("中心", "Centers"),
        l_name = t("新区域名称", "New region's name"),
        l_parent = t("上级", "Part of"),
        l_center = t("中心", "Center"),
        add = t("添加区域", "Add region"),
        centers_heading = t("中心所属区域", "Where each center belongs"),
    );
    frame(
        status,
        &s,
        lang,
        Tab::Regions,
        "/regions",
        t("区域", "Regions"),
        &main,
    )
}

#[derive(Deserialize)]
struct AddRegionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    level: String,
    parent: u64,
}

async fn add_region_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<AddRegionForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = Actor::User(s.user.clone());
    let result = match Level::from_code(&f.level) {
        None => Err(AppError::BadRequest(format!("level {:?}", f.level))),
        Some(level) => {
            let (name, parent) = (f.name.clone(), f.parent);
            db(&state, move |st| {
                Ok(Admin::new(st, actor).add_region(&name, level, Some(parent))?)
            })
            .await
        }
    };
    region_answer(
        &state,
        &headers,
        s,
        result.map(|id| id.to_string()),
        "region",
    )
    .await
}

#[derive(Deserialize)]
struct RenameForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

async fn rename_region_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(f): Form<RenameForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = Actor::User(s.user.clone());
    let name = f.name;
    let result = db(&state, move |st| {
        Ok(Admin::new(st, actor).rename_region(id, &name)?)
    })
    .await;
    region_answer(
        &state,
        &headers,
        s,
        result.map(|()| id.to_string()),
        "region",
    )
    .await
}

#[derive(Deserialize)]
struct PlaceForm {
    #[serde(default)]
    csrf: String,
    region: u64,
}

async fn place_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(f): Form<PlaceForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = Actor::User(s.user.clone());
    let region = f.region;
    let result = db(&state, move |st| {
        Ok(Admin::new(st, actor).place_center(id, region)?)
    })
    .await;
    region_answer(
        &state,
        &headers,
        s,
        result.map(|()| id.to_string()),
        "placed",
    )
    .await
}

async fn region_answer(
    state: &AppState,
    headers: &HeaderMap,
    s: Session,
    result: Result<String, AppError>,
    done: &str,
) -> Response {
    match result {
        Ok(what) => redirect(&format!("/regions?done={done}-{what}")),
        Err(AppError::BadRequest(m)) => {
            show_regions(
                state,
                headers,
                s,
                None,
                &m,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => refusal(&s, Lang::of(headers), Tab::Regions, "/regions", e),
    }
}
