//! `GET /content/{center}`: the web editor for a center's content.
//!
//! One page: a form over the center's content.json (the published one, or
//! the default for a new center), a preview of the kiosk's home screen
//! beside it for a chosen day and language, and "check" / "publish" buttons
//! that call `POST …/content/check` and `PUT …/content` with the session's
//! CSRF token. The script (editor.js) builds every element from data with
//! DOM calls; the data travels in a JSON script block, escaped for HTML.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use protocol::catalog::ServiceCategory;

use super::web::{escape, page_with, redirect, session};
use super::{AppError, AppState, db};

/// The content editor's pages, a center's and a level's.
pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/content/{id}", axum::routing::get(page))
        .route("/content/region/{id}", axum::routing::get(region_page))
}

pub(crate) const SCRIPT: &str = include_str!("editor.js");

const CSS: &str = ".editor{display:grid;grid-template-columns:minmax(360px,1fr) minmax(420px,1fr);gap:16px;align-items:start}\
#form section{background:#fff;border:1px solid #e2ddd3;border-radius:10px;padding:12px;margin-bottom:12px}\
#form label{display:flex;flex-direction:column;gap:2px;font-size:13px;color:#555;flex:1}\
#form input,#form textarea,#form select{font:inherit;font-size:15px;padding:6px;border:1px solid #c9c2b6;border-radius:6px;color:#1f1f1f}\
#form .both,#form .row{display:flex;gap:8px;margin:6px 0;flex-wrap:wrap}\
#form .item{border-top:1px dashed #e2ddd3;padding:8px 0}\
#process .item,#services .list .item{display:flex;gap:8px;align-items:flex-end;padding:4px 0}\
#process .item .both,#services .list .item .both{flex:1;margin:0}\
#services>.item>label{max-width:340px}\
#services .list{background:#faf8f4;border:1px solid #e2ddd3;border-radius:8px;margin:6px 0;padding:8px}\
#services .list h2{font-size:14px;margin:0 0 4px}\
#form .days{display:flex;gap:6px;align-items:center;flex-wrap:wrap;font-size:13px;margin:6px 0}\
#form label.day{flex-direction:row;align-items:center;flex:0}\
#form button{font-size:13px;border:1px solid #c9c2b6;background:#faf8f4;border-radius:6px;padding:4px 10px}\
#form button.remove{color:#c62828}#logo-now,#form img.thumb{max-width:72px;max-height:72px}\
.k-act img{height:28px;width:auto;vertical-align:middle;margin-right:4px;border-radius:4px}\
.hint{font-size:13px;color:#6b6b6b;margin:0 0 6px}\
.side{position:sticky;top:12px}.bar{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin-bottom:8px}\
.bar button{font-size:16px;padding:8px 16px;border-radius:6px;border:0;background:#c8102e;color:#fff}\
.bar button#check{background:#fff;color:#c8102e;border:1px solid #c8102e}.bar button:disabled{opacity:.5}\
#status{min-height:1.4em;margin:6px 0}#status.ok{color:#1e8e3e}#status.error{color:#c62828;font-weight:700}#status.busy{color:#6b6b6b}\
#kiosk{aspect-ratio:16/10;background:#f7f3ee;border:8px solid #222;border-radius:14px;overflow:hidden;display:flex;flex-direction:column;font-size:12px}\
.k-head{background:#c8102e;color:#fff;display:flex;gap:10px;align-items:center;padding:8px 12px}\
.k-head img{width:36px;height:36px;object-fit:contain;background:#fff;border-radius:6px}\
.k-title{flex:1}.k-name{font-size:18px;font-weight:700}.k-hours{opacity:.85}\
.k-emergency{background:#ffcc00;color:#1f1f1f;font-weight:700;padding:6px 12px}\
.k-notice{background:#fff4d6;padding:6px 12px}\
.k-body{display:grid;grid-template-columns:2fr 1fr;gap:8px;padding:8px;flex:1;overflow:hidden}\
.k-services{display:grid;grid-template-columns:repeat(3,1fr);gap:6px;align-content:start}\
.k-tile{background:#fff;border-radius:8px;padding:6px;overflow:hidden;max-height:52px}.k-tile b{color:#9e0b23;display:block}\
.k-acts{background:#fff;border-radius:8px;padding:6px;overflow:hidden}.k-act{margin-top:4px}.k-act span{color:#9e0b23;font-weight:700}\
.k-act small{color:#6b6b6b}.k-act em{color:#c8102e;font-style:normal}.k-none{color:#6b6b6b}\
.k-contacts{display:flex;gap:14px;padding:6px 12px;background:#fff;color:#444;flex-wrap:wrap}\
@media(max-width:900px){.editor{grid-template-columns:1fr}.side{position:static}}";

/// The page's data, for editor.js.
#[derive(serde::Serialize)]
struct EditorData {
    /// "center", or "region" for a city's, county's or town's content.
    kind: &'static str,
    /// Where the content is read, checked and published.
    api: String,
    csrf: String,
    /// The center's date, the preview's default day.
    today: String,
    content: serde_json::Value,
    categories: Vec<Category>,
    /// The published logo, when there is one.
    logo_url: Option<String>,
}

#[derive(serde::Serialize)]
struct Category {
    code: &'static str,
    zh: &'static str,
    en: &'static str,
}

/// JSON inside a `<script>` block: nothing in it can close the block.
fn script_json(value: &impl serde::Serialize) -> Result<String, AppError> {
    let json = serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(json
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026"))
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(center_id): Path<u64>,
) -> Response {
    match render(&state, &headers, center_id).await {
        Ok(r) => r,
        Err(AppError::NotLoggedIn) => redirect("/login"),
        Err(e) => e.into_response(),
    }
}

/// `GET /content/region/{id}`: the same editor for a city's, county's or
/// town's content (its name, emergency notice, announcements, activities,
/// and the services and service process every center below it offers).
pub async fn region_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(region_id): Path<u64>,
) -> Response {
    match render_region(&state, &headers, region_id).await {
        Ok(r) => r,
        Err(AppError::NotLoggedIn) => redirect("/login"),
        Err(e) => e.into_response(),
    }
}

async fn render_region(
    state: &AppState,
    headers: &HeaderMap,
    region_id: u64,
) -> Result<Response, AppError> {
    let owner = crate::content::Owner::Region(region_id);
    let s = super::editor_of(state, headers, owner, false).await?;
    let region = db(state, move |st| Ok(st.region(region_id)?)).await?;
    let internal = |e: anyhow::Error| AppError::Internal(format!("{e:#}"));
    let (content, version) = match state
        .content
        .published_region(region_id)
        .await
        .map_err(internal)?
    {
        Some(content) => (
            content,
            state.content.version().await.map_err(internal)?.to_string(),
        ),
        None => (
            serde_json::json!({ "format": 1, "name": region.name }),
            "—".to_string(),
        ),
    };
    let data = EditorData {
        kind: "region",
        api: format!("{}/regions/{region_id}/content", protocol::API_PREFIX),
        csrf: s.csrf.clone(),
        today: Utc::now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d")
            .to_string(),
        content,
        categories: categories(),
        logo_url: None,
    };
    let here = format!("/content/region/{region_id}");
    editor_page(&s, headers, &here, &region.name, &version, &data)
}

fn categories() -> Vec<Category> {
    ServiceCategory::ALL
        .into_iter()
        .map(|c| Category {
            code: c.code(),
            zh: c.label_zh(),
            en: c.label_en(),
        })
        .collect()
}

async fn render(
    state: &AppState,
    headers: &HeaderMap,
    center_id: u64,
) -> Result<Response, AppError> {
    let s = session(state, headers)
        .await?
        .ok_or(AppError::NotLoggedIn)?;
    let scope = s.user.scope;
    let center = db(state, move |st| {
        let allowed = st.centers_in(scope)?.iter().any(|c| c.id == center_id);
        Ok(allowed.then(|| st.center(center_id)).transpose()?)
    })
    .await?
    .ok_or_else(|| AppError::Forbidden("this center is outside your part of the network".into()))?;
    let internal = |e: anyhow::Error| AppError::Internal(format!("{e:#}"));
    let published = state
        .content
        .published_json(center_id)
        .await
        .map_err(internal)?;
    let (content, version) = match published {
        Some(bytes) => (
            serde_json::from_slice(&bytes).map_err(|e| internal(e.into()))?,
            state.content.version().await.map_err(internal)?.to_string(),
        ),
        None => (
            crate::content::default_bundle(&center.name).map_err(internal)?,
            "—".to_string(),
        ),
    };
    let logo_url = content
        .pointer("/center/logo")
        .and_then(|l| l.as_str())
        .map(|name| {
            format!(
                "{}/centers/{center_id}/content/files/{name}",
                protocol::API_PREFIX
            )
        });
    let data = EditorData {
        kind: "center",
        api: format!("{}/centers/{center_id}/content", protocol::API_PREFIX),
        csrf: s.csrf.clone(),
        today: Utc::now()
            .with_timezone(&center.tz())
            .format("%Y-%m-%d")
            .to_string(),
        content,
        categories: categories(),
        logo_url,
    };
    let here = format!("/content/{center_id}");
    editor_page(&s, headers, &here, &center.name, &version, &data)
}

fn editor_page(
    s: &crate::store::users::Session,
    headers: &HeaderMap,
    here: &str,
    name: &str,
    version: &str,
    data: &EditorData,
) -> Result<Response, AppError> {
    let body = format!(
        "{header}<h2 class=\"where\">{name} · 内容 Content</h2><main class=\"editor\"><div id=\"form\"></div><div class=\"side\">\
         <div class=\"bar\"><button type=\"button\" id=\"check\">检查 Check</button>\
         <button type=\"button\" id=\"publish\">发布 Publish</button>\
         <span>已发布版本 Published version: <b id=\"version\">{version}</b></span></div>\
         <div id=\"status\" role=\"status\"></div>\
         <div class=\"bar\"><label>预览 Preview <select id=\"lang\"><option value=\"zh\">中文</option>\
         <option value=\"en\">English</option></select></label>\
         <label>日期 Day <input type=\"date\" id=\"day\"></label></div>\
         <div id=\"kiosk\" aria-label=\"kiosk preview\"></div>\
         <p class=\"hint\">签到机首页的样子（示意）。The kiosk's home screen, as it will look (a sketch; \
         the kiosk's own fonts and sizes differ a little).</p></div></main>\
         <script type=\"application/json\" id=\"editor-data\">{data}</script><script>{SCRIPT}</script>",
        header = super::layout::header(
            s,
            super::layout::Lang::of(headers),
            super::layout::Tab::Content,
            here
        ),
        name = escape(name),
        data = script_json(data)?,
    );
    let css = format!(
        "{}{CSS}h2.where{{margin:12px 20px 0}}",
        super::layout::FRAME_CSS
    );
    Ok(page_with(StatusCode::OK, "内容 Content", &css, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_in_the_page_cannot_close_its_script_block() {
        let v = serde_json::json!({ "t": "</script><script>alert(1)</script> & <!--" });
        let s = script_json(&v).expect("json");
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: serde_json::Value = serde_json::from_str(&s).expect("still JSON");
        assert_eq!(back, v);
    }
}
