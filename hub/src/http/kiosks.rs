//! Kiosks: the page at `/kiosks` where a center's staff and the admins
//! above them see each board (last contact, version, content, what waits,
//! what was set aside, alerts), issue a code that enrolls a new board (as
//! text and as the QR code the board scans), rename a board and take a
//! stolen or replaced one out of service; and the same under `/api/v1`.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, patch, post};
use axum::{Form, Json};
use serde::Deserialize;

use super::error::AppError;
use super::layout::{Lang, Tab, form_session, frame, own_origin, page_session, refusal};
use super::members::admin_for;
use super::users::hidden;
use super::web::{escape, redirect};
use super::{AppState, db, parse_json};
use crate::admin::kiosks::{DEFAULT_CODE_HOURS, EnrollCode, MAX_CODE_HOURS};
use crate::admin::{Actor, Admin};
use crate::store::users::Session;

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/kiosks", get(kiosks_page))
        .route("/kiosks/enroll-code", post(code_form))
        .route("/kiosks/{id}/rename", post(rename_form))
        .route("/kiosks/{id}/revoke", post(revoke_form))
}

pub(super) fn api_routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/centers/{id}/enroll-codes", post(code_json))
        .route("/kiosks/{id}", patch(rename_json))
        .route("/kiosks/{id}/revoke", post(revoke_json))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CodeRequest {
    #[serde(default, deserialize_with = "super::present")]
    valid_hours: Option<u32>,
}

async fn code_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(center): Path<u64>,
    body: Bytes,
) -> Result<(StatusCode, Json<EnrollCode>), AppError> {
    let actor = admin_for(&state, &headers, true).await?;
    let req: CodeRequest = if body.is_empty() {
        CodeRequest::default()
    } else {
        parse_json(&body)?
    };
    let hub = own_origin(&headers);
    let code = db(&state, move |st| {
        Ok(Admin::new(st, actor).issue_enroll_code(
            center,
            req.valid_hours.unwrap_or(DEFAULT_CODE_HOURS),
            &hub,
        )?)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(code)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KioskName {
    name: String,
}

async fn rename_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    let actor = admin_for(&state, &headers, true).await?;
    let k: KioskName = parse_json(&body)?;
    db(&state, move |st| {
        Ok(Admin::new(st, actor).rename_kiosk(id, &k.name)?)
    })
    .await?;
    Ok(Json(serde_json::json!({ "kiosk_id": id })))
}

async fn revoke_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Result<Json<serde_json::Value>, AppError> {
    let actor = admin_for(&state, &headers, true).await?;
    db(
        &state,
        move |st| Ok(Admin::new(st, actor).revoke_kiosk(id)?),
    )
    .await?;
    Ok(Json(serde_json::json!({ "kiosk_id": id, "revoked": true })))
}

#[derive(Deserialize, Default)]
struct KiosksQuery {
    done: Option<String>,
}

async fn kiosks_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<KiosksQuery>,
) -> Response {
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_kiosks(
        &state,
        &headers,
        s,
        q.done.as_deref(),
        None,
        "",
        StatusCode::OK,
    )
    .await
}

fn when(ms: Option<i64>, lang: Lang) -> String {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| {
            t.with_timezone(&crate::dashboard::NETWORK_TZ)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| lang.t("从未", "never").to_string())
}

async fn show_kiosks(
    state: &AppState,
    headers: &HeaderMap,
    s: Session,
    done: Option<&str>,
    code: Option<EnrollCode>,
    error: &str,
    status: StatusCode,
) -> Response {
    let lang = Lang::of(headers);
    let t = |zh, en| lang.t(zh, en);
    let actor = Actor::User(s.user.clone());
    let scope = s.user.scope;
    let found = db(state, move |st| {
        let fleet = Admin::new(st, actor).kiosks(None)?;
        let mut chains = std::collections::HashMap::new();
        for k in &fleet {
            if let std::collections::hash_map::Entry::Vacant(e) = chains.entry(k.center_id) {
                e.insert(st.region_chain(k.center_id)?);
            }
        }
        Ok((fleet, st.centers_in(scope)?, chains))
    })
    .await;
    let (fleet, centers, chains) = match found {
        Ok(f) => f,
        Err(e) => return refusal(&s, lang, Tab::Kiosks, "/kiosks", e),
    };
    let releases = match state.content.releases().await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("cannot read the published releases: {e:#}");
            Vec::new()
        }
    };
    let rollout = super::rollout::card(&releases, &fleet, &chains, lang);
    let rows: String = fleet
        .iter()
        .map(|k| {
            let alerts: Vec<&str> = k.alerts.iter().map(|a| a.text()).collect();
            let problems = [
                alerts.join("; "),
                k.content_error.clone().unwrap_or_default(),
                k.release_error.clone().unwrap_or_default(),
            ]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" · ");
            let actions = if k.revoked {
                String::new()
            } else {
                format!(
                    "<form class=\"inline\" method=\"post\" action=\"/kiosks/{id}/rename\">{csrf}\
                     <input name=\"name\" value=\"{name}\" maxlength=\"60\" required aria-label=\"{l_name}\">\
                     <button class=\"quiet\">{rename}</button></form> \
                     <form class=\"inline\" method=\"post\" action=\"/kiosks/{id}/revoke\">{csrf}\
                     <label><input type=\"checkbox\" name=\"sure\" value=\"1\" required> {sure}</label>\
                     <button class=\"quiet\">{revoke}</button></form>",
                    id = k.device_id,
                    csrf = hidden("csrf", &s.csrf),
                    name = escape(&k.name),
                    l_name = t("名称", "Name"),
                    rename = t("改名", "Rename"),
                    sure = t("确认", "sure"),
                    revoke = t("停用", "Take out of service"),
                )
            };
            format!(
                "<tr data-kiosk=\"{id}\"><td data-label=\"{l_kiosk}\">{name}</td>\
                 <td data-label=\"{l_center}\">{center}</td><td data-label=\"{l_seen}\">{seen}</td>\
                 <td data-label=\"{l_version}\">{version}</td><td data-label=\"{l_memory}\">{memory}</td>\
                 <td data-label=\"{l_content}\">{content}</td>\
                 <td data-label=\"{l_waiting}\">{waiting}</td><td data-label=\"{l_aside}\">{aside}</td>\
                 <td data-label=\"{l_state}\"{off}>{state}</td><td data-label=\"{l_problems}\" class=\"below\">{problems}</td>\
                 <td>{actions}</td></tr>",
                id = k.device_id,
                name = escape(&k.name),
                center = escape(&k.center),
                seen = when(k.last_seen_ms, lang),
                version = escape(&k.software_version),
                memory = k.memory_kib.map(|m| format!("{} MB", (m + 512) / 1024)).unwrap_or_default(),
                content = k.content_version.map(|v| v.to_string()).unwrap_or_default(),
                waiting = k.waiting.map(|w| w.to_string()).unwrap_or_default(),
                aside = k.set_aside,
                off = if k.revoked { " class=\"off\"" } else { "" },
                state = if k.revoked { t("已停用", "out of service") } else { t("在用", "in service") },
                problems = escape(&problems),
                l_kiosk = t("签到机", "Kiosk"),
                l_center = t("中心", "Center"),
                l_seen = t("最近联系", "Last contact"),
                l_version = t("版本", "Version"),
                l_memory = t("内存", "Memory"),
                l_content = t("内容版本", "Content"),
                l_waiting = t("待上传", "Waiting"),
                l_aside = t("搁置", "Set aside"),
                l_state = t("状态", "State"),
                l_problems = t("提醒", "Alerts"),
            )
        })
        .collect();
    let list = if fleet.is_empty() {
        format!(
            "<p class=\"note\" id=\"none\">{}</p>",
            t(
                "还没有签到机。发一个注册码，在新签到机上扫码即可。",
                "No kiosks yet. Issue a code below and scan it on the new kiosk."
            )
        )
    } else {
        format!(
            "<table class=\"list\" id=\"kiosks\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
             <th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>{rows}</tbody></table>",
            t("签到机", "Kiosk"),
            t("中心", "Center"),
            t("最近联系", "Last contact"),
            t("版本", "Version"),
            t("内存", "Memory"),
            t("内容版本", "Content"),
            t("待上传", "Waiting"),
            t("搁置", "Set aside"),
            t("状态", "State"),
            t("提醒", "Alerts"),
        )
    };
    let shown_code = match &code {
        None => String::new(),
        Some(c) => {
            let qr = crate::qr::svg(&c.payload).unwrap_or_default();
            format!(
                "<div class=\"card\" id=\"enroll-code\"><h2>{heading}</h2>\
                 <p class=\"code\" id=\"code\">{code}</p><div class=\"qr\">{qr}</div>\
                 <p>{until} {expires}</p><p class=\"note\">{how}</p>\
                 <p class=\"note\">{manual} <code id=\"payload\">{payload}</code></p></div>",
                heading = t("新签到机的注册码", "A code for a new kiosk"),
                code = escape(&c.code),
                until = t("有效至", "Valid until"),
                expires = when(Some(c.expires_at_ms), lang),
                how = t(
                    "在新签到机的第一个画面上用扫码器扫这个二维码即可注册；注册码只能用一次，只显示这一次。",
                    "Scan this QR code with the new kiosk's scanner on its first screen to enroll it. The code works once and is shown only now."
                ),
                manual = t("或在签到机上执行：", "Or on the kiosk:"),
                payload = escape(&format!(
                    "kiosk enroll --hub {} --code {}",
                    c.payload.split(' ').nth(1).unwrap_or(""),
                    c.code
                )),
            )
        }
    };
    let center_options: String = centers
        .iter()
        .map(|c| format!("<option value=\"{}\">{}</option>", c.id, escape(&c.name)))
        .collect();
    let done = match done.and_then(|d| d.split_once('-')) {
        Some(("renamed", id)) => format!(
            "<p class=\"done\" id=\"done\">{} {}</p>",
            t("已改名：签到机", "Renamed: kiosk"),
            escape(id)
        ),
        Some(("revoked", id)) => format!(
            "<p class=\"done\" id=\"done\">{} {} {}</p>",
            t("签到机", "Kiosk"),
            escape(id),
            t(
                "已停用：其上传从此被拒绝，已上传的记录保留。",
                "is out of service: its uploads are refused from now on; what it uploaded stays counted."
            )
        ),
        _ => String::new(),
    };
    let error = if error.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"error\" id=\"kiosk-error\">{}</p>",
            escape(error)
        )
    };
    let main = format!(
        "{shown_code}<div class=\"card\"><h2>{heading}</h2>{done}{error}{list}</div>{rollout}\
         <div class=\"card\"><h2>{code_heading}</h2>\
         <form method=\"post\" action=\"/kiosks/enroll-code\" class=\"row\" id=\"issue-code\">{csrf}\
         <label>{l_center}<select name=\"center\">{center_options}</select></label>\
         <label>{l_hours}<input name=\"valid_hours\" inputmode=\"numeric\" size=\"4\" value=\"{hours}\"></label>\
         <button class=\"act\">{issue}</button></form></div>",
        heading = t("签到机", "Kiosks"),
        code_heading = t("注册新签到机", "Enroll a new kiosk"),
        csrf = hidden("csrf", &s.csrf),
        l_center = t("中心", "Center"),
        l_hours = t("有效小时数", "Valid for hours"),
        hours = DEFAULT_CODE_HOURS,
        issue = t("生成注册码", "Issue a code"),
    );
    let css = "p.code{font-size:40px;font-weight:700;letter-spacing:4px;margin:8px 0}\
               .qr svg{width:240px;height:240px}td.below{color:#c62828}";
    let main = format!("<style>{css}</style>{main}");
    frame(
        status,
        &s,
        lang,
        Tab::Kiosks,
        "/kiosks",
        t("签到机", "Kiosks"),
        &main,
    )
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    csrf: String,
    center: u64,
    #[serde(default)]
    valid_hours: String,
}

/// `POST /kiosks/enroll-code`: the page again, with the new code on top
/// (shown once: it is kept only as a hash).
async fn code_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<CodeForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = Lang::of(&headers);
    let hours = match f.valid_hours.trim() {
        "" => Ok(DEFAULT_CODE_HOURS),
        h => h.parse::<u32>().map_err(|_| {
            format!(
                "{} 1–{MAX_CODE_HOURS}",
                lang.t("有效小时数请写数字：", "Write the hours as a number:")
            )
        }),
    };
    let hours = match hours {
        Ok(h) => h,
        Err(m) => {
            return show_kiosks(
                &state,
                &headers,
                s,
                None,
                None,
                &m,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let actor = Actor::User(s.user.clone());
    let hub = own_origin(&headers);
    let center = f.center;
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).issue_enroll_code(center, hours, &hub)?)
    })
    .await
    {
        Ok(code) => show_kiosks(&state, &headers, s, None, Some(code), "", StatusCode::OK).await,
        Err(AppError::BadRequest(m)) => {
            show_kiosks(
                &state,
                &headers,
                s,
                None,
                None,
                &m,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => refusal(&s, lang, Tab::Kiosks, "/kiosks", e),
    }
}

#[derive(Deserialize)]
struct RenameForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

async fn rename_form(
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
    answer(
        &state,
        &headers,
        s,
        db(&state, move |st| {
            Ok(Admin::new(st, actor).rename_kiosk(id, &name)?)
        })
        .await,
        format!("renamed-{id}"),
    )
    .await
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sure: String,
}

async fn revoke_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(f): Form<RevokeForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if f.sure != "1" {
        let m = Lang::of(&headers).t(
            "请勾选“确认”再停用。",
            "Tick “sure” to take it out of service.",
        );
        return show_kiosks(
            &state,
            &headers,
            s,
            None,
            None,
            m,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let actor = Actor::User(s.user.clone());
    answer(
        &state,
        &headers,
        s,
        db(
            &state,
            move |st| Ok(Admin::new(st, actor).revoke_kiosk(id)?),
        )
        .await,
        format!("revoked-{id}"),
    )
    .await
}

async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    s: Session,
    result: Result<(), AppError>,
    done: String,
) -> Response {
    match result {
        Ok(()) => redirect(&format!("/kiosks?done={done}")),
        Err(AppError::BadRequest(m)) => {
            show_kiosks(
                state,
                headers,
                s,
                None,
                None,
                &m,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => refusal(&s, Lang::of(headers), Tab::Kiosks, "/kiosks", e),
    }
}
