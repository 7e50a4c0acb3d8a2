//! Members and the record of changes, as JSON for the hub's pages (the
//! session cookie; changes with `X-CSRF-Token`). Every rule is the admin
//! service's ([`crate::admin`]); a handler says who asks and shows the answer.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde::Deserialize;

use super::error::AppError;
use super::{AppState, db, logged_in, parse_json};
use crate::admin::{Actor, Admin};
use crate::store::audit::Entry;
use crate::store::{Member, MemberPage, NewMember};

pub(super) fn api_routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/centers/{id}/members",
            get(search_members).post(add_member),
        )
        .route("/members/{id}", get(member).patch(change_member))
        .route("/members/{id}/revoke", post(revoke))
        .route("/members/{id}/restore", post(restore))
        .route("/audit", get(audit))
}

/// The service for the logged-in user of a request.
async fn admin_for(state: &AppState, headers: &HeaderMap, write: bool) -> Result<Actor, AppError> {
    Ok(Actor::User(logged_in(state, headers, write).await?.user))
}

#[derive(Deserialize)]
struct SearchQuery {
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

/// A field that, when present, holds a value.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
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

#[derive(Deserialize)]
struct AuditQuery {
    before: Option<u64>,
    limit: Option<u64>,
}

async fn audit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<AuditQuery>,
) -> Result<Json<Vec<Entry>>, AppError> {
    let actor = admin_for(&state, &headers, false).await?;
    Ok(Json(
        db(&state, move |st| {
            Ok(Admin::new(st, actor).audit(query.before, query.limit.unwrap_or(100))?)
        })
        .await?,
    ))
}

// ---- The members page: server-rendered, forms without script (a cheap
// phone's browser works), every change through the same service. ----

use axum::Form;
use axum::response::{IntoResponse, Response};

use super::layout::{Lang, Tab, frame};
use super::web::{escape, redirect, same_origin, session};
use crate::admin::members::MEMBERS_PAGE;
use crate::store::users::Session;

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/members", get(members_page))
        .route("/members/add", post(add_form))
        .route("/members/{id}/revoke", post(revoke_form))
        .route("/members/{id}/restore", post(restore_form))
        .route("/audit", get(audit_page))
}

#[derive(Deserialize, Default)]
struct PageQuery {
    /// The center shown (empty or left out: the first of the user's).
    #[serde(default, deserialize_with = "number_or_empty")]
    center: Option<u64>,
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: u64,
    /// What the last change did, to say so: `added-ID`, `revoked-ID`, …
    #[serde(default)]
    done: String,
}

/// The members page's state, for showing it again after a refused add.
#[derive(Default)]
struct Typed {
    name: String,
    display_name: String,
    phone: String,
    birth_year: String,
    volunteer: bool,
    error: String,
}

/// A number, or nothing for an empty field (a form's `center=`).
fn number_or_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let text = String::deserialize(d)?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a center's number")))
}

async fn page_session(state: &AppState, headers: &HeaderMap) -> Result<Session, Response> {
    match session(state, headers).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(redirect("/login")),
        Err(e) => Err(e.into_response()),
    }
}

/// The session of a form post from the hub's own page, with its CSRF token.
async fn form_session(
    state: &AppState,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<Session, Response> {
    let s = page_session(state, headers).await?;
    if !same_origin(headers) || csrf != s.csrf {
        return Err(
            AppError::Forbidden("this form is not from the hub's page; reload it".into())
                .into_response(),
        );
    }
    Ok(s)
}

/// A refusal as a page in the frame (403 for another center, 404 …).
fn refusal(s: &Session, lang: Lang, tab: Tab, here: &str, e: AppError) -> Response {
    let (status, message) = match &e {
        AppError::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
        AppError::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
        AppError::BadRequest(m) => (StatusCode::UNPROCESSABLE_ENTITY, m.clone()),
        _ => return e.into_response(),
    };
    let main = format!(
        "<div class=\"card\"><p class=\"error\" id=\"refused\">{}</p></div>",
        escape(&message)
    );
    frame(
        status,
        s,
        lang,
        tab,
        here,
        lang.t("无法打开", "Not available"),
        &main,
    )
}

async fn members_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_members(&state, &headers, s, q, Typed::default(), StatusCode::OK).await
}

async fn show_members(
    state: &AppState,
    headers: &HeaderMap,
    s: Session,
    q: PageQuery,
    typed: Typed,
    status: StatusCode,
) -> Response {
    let lang = Lang::of(headers);
    let here = match q.center {
        Some(c) => format!(
            "/members?center={c}&q={}&offset={}",
            url::form_urlencoded::byte_serialize(q.q.as_bytes()).collect::<String>(),
            q.offset
        ),
        None => "/members".to_string(),
    };
    let actor = Actor::User(s.user.clone());
    let query = q.q.clone();
    let chosen = q.center;
    let found = db(state, move |st| {
        let centers = st.centers_in(actor_scope(&actor))?;
        let center = match chosen {
            Some(id) => id,
            None => centers.first().map(|c| c.id).ok_or_else(|| {
                AppError::NotFound("no center in your part of the network yet".into())
            })?,
        };
        let admin = Admin::new(st, actor);
        let c = admin.center(center)?;
        let page = admin.members(center, &query, q.offset)?;
        Ok((centers, c, page))
    })
    .await;
    let (centers, center, page) = match found {
        Ok(f) => f,
        Err(e) => return refusal(&s, lang, Tab::Members, &here, e),
    };
    let t = |zh, en| lang.t(zh, en);
    let chooser = if centers.len() > 1 {
        let options: String = centers
            .iter()
            .map(|c| {
                format!(
                    "<option value=\"{}\"{}>{}</option>",
                    c.id,
                    if c.id == center.id { " selected" } else { "" },
                    escape(&c.name)
                )
            })
            .collect();
        format!(
            "<form method=\"get\" action=\"/members\" class=\"row\"><label>{}<select name=\"center\">{options}</select></label>\
             <button class=\"quiet\">{}</button></form>",
            t("中心", "Center"),
            t("切换", "Show")
        )
    } else {
        String::new()
    };
    let done = match q.done.split_once('-') {
        Some(("added", id)) => format!(
            "<p class=\"done\" id=\"done\">{} {}</p>",
            t("已添加会员，会员号", "Member added, number"),
            escape(id)
        ),
        Some(("revoked", id)) => format!(
            "<p class=\"done\" id=\"done\">{} {} {}</p>",
            t("会员", "Member"),
            escape(id),
            t(
                "已停用：签到机下次同步后拒绝其二维码、卡和会员号。",
                "revoked: kiosks refuse their code, cards and number after their next sync."
            )
        ),
        Some(("restored", id)) => format!(
            "<p class=\"done\" id=\"done\">{} {} {}</p>",
            t("会员", "Member"),
            escape(id),
            t("已恢复。", "restored.")
        ),
        _ => String::new(),
    };
    let hidden = |name: &str, value: &str| {
        format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(value)
        )
    };
    let keep = format!(
        "{}{}{}{}",
        hidden("csrf", &s.csrf),
        hidden("center", &center.id.to_string()),
        hidden("q", &q.q),
        hidden("offset", &q.offset.to_string())
    );
    let rows: String = page
        .members
        .iter()
        .map(|m| {
            let (action, label) = if m.active {
                ("revoke", t("停用", "Revoke"))
            } else {
                ("restore", t("恢复", "Restore"))
            };
            format!(
                "<tr data-member=\"{id}\"><td data-label=\"{l_no}\">{id}</td>\
                 <td data-label=\"{l_shown}\">{shown}</td><td data-label=\"{l_name}\">{name}</td>\
                 <td data-label=\"{l_phone}\">{phone}</td><td data-label=\"{l_vol}\">{vol}</td>\
                 <td data-label=\"{l_state}\"{off}>{state}</td>\
                 <td><form class=\"inline\" method=\"post\" action=\"/members/{id}/{action}\">{keep}\
                 <button class=\"quiet\">{label}</button></form></td></tr>",
                id = m.id,
                shown = escape(&m.display_name),
                name = escape(&m.full_name),
                phone = escape(m.phone.as_deref().unwrap_or("")),
                vol = if m.volunteer { t("是", "yes") } else { "" },
                off = if m.active { "" } else { " class=\"off\"" },
                state = if m.active {
                    t("有效", "active")
                } else {
                    t("已停用", "revoked")
                },
                l_no = t("会员号", "Number"),
                l_shown = t("显示名", "Shown as"),
                l_name = t("姓名", "Name"),
                l_phone = t("电话", "Phone"),
                l_vol = t("志愿者", "Volunteer"),
                l_state = t("状态", "State"),
            )
        })
        .collect();
    let list = if page.members.is_empty() {
        format!(
            "<p class=\"note\" id=\"none\">{}</p>",
            if q.q.trim().is_empty() {
                t(
                    "还没有会员。在下面添加第一位。",
                    "No members yet. Add the first below.",
                )
            } else {
                t("没有找到匹配的会员。", "No member matches.")
            }
        )
    } else {
        format!(
            "<table class=\"list\" id=\"members\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>\
             <th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>{rows}</tbody></table>",
            t("会员号", "Number"),
            t("显示名", "Shown as"),
            t("姓名", "Name"),
            t("电话", "Phone"),
            t("志愿者", "Volunteer"),
            t("状态", "State"),
        )
    };
    let link = |offset: u64| {
        format!(
            "/members?center={}&q={}&offset={offset}",
            center.id,
            url::form_urlencoded::byte_serialize(q.q.as_bytes()).collect::<String>()
        )
    };
    let first = if page.total == 0 { 0 } else { page.offset + 1 };
    let last = page.offset + page.members.len() as u64;
    let prev = if page.offset > 0 {
        format!(
            "<a href=\"{}\" id=\"prev\">{}</a>",
            link(page.offset.saturating_sub(MEMBERS_PAGE)),
            t("上一页", "Previous")
        )
    } else {
        String::new()
    };
    let next = if last < page.total {
        format!(
            "<a href=\"{}\" id=\"next\">{}</a>",
            link(last),
            t("下一页", "Next")
        )
    } else {
        String::new()
    };
    let pager = format!(
        "<div class=\"pager\"><span id=\"shown\">{first}–{last} / {total}</span>{prev}{next}</div>",
        total = page.total
    );
    let error = if typed.error.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"error\" id=\"add-error\">{}</p>",
            escape(&typed.error)
        )
    };
    let main = format!(
        "<div class=\"card\"><h2>{heading} · {center_name}</h2>{chooser}\
         <form method=\"get\" action=\"/members\" class=\"row\" id=\"search\">{center_field}\
         <label>{search}<input name=\"q\" value=\"{qv}\" placeholder=\"{hint}\"></label>\
         <button class=\"act\">{search_button}</button></form>{done}{list}{pager}</div>\
         <div class=\"card\"><h2>{add_heading}</h2>{error}\
         <form method=\"post\" action=\"/members/add\" class=\"row\" id=\"add\">{keep}\
         <label>{l_name}<input name=\"name\" required maxlength=\"60\" value=\"{name}\"></label>\
         <label>{l_shown}<input name=\"display_name\" maxlength=\"60\" value=\"{shown}\" placeholder=\"{shown_hint}\"></label>\
         <label>{l_phone}<input name=\"phone\" inputmode=\"tel\" value=\"{phone}\"></label>\
         <label>{l_year}<input name=\"birth_year\" inputmode=\"numeric\" size=\"5\" value=\"{year}\"></label>\
         <label><span><input type=\"checkbox\" name=\"volunteer\" value=\"1\"{checked}> {l_vol}</span></label>\
         <button class=\"act\">{add}</button></form>\
         <p class=\"note\">{add_note}</p></div>",
        heading = t("会员", "Members"),
        center_name = escape(&center.name),
        center_field = hidden("center", &center.id.to_string()),
        search = t("会员号、姓名或电话", "Number, name or phone"),
        qv = escape(&q.q),
        hint = t("例如 10000001 或 林", "e.g. 10000001 or Lin"),
        search_button = t("搜索", "Search"),
        add_heading = t("添加会员", "Add a member"),
        l_name = t("姓名", "Full name"),
        l_shown = t("签到机显示名", "Shown at the kiosk as"),
        shown_hint = t("默认：姓 + 同学", "default: family name + 同学"),
        l_phone = t("电话（可选）", "Phone (optional)"),
        l_year = t("出生年份（可选）", "Birth year (optional)"),
        l_vol = t("志愿者", "Volunteer"),
        add = t("添加", "Add"),
        add_note = t(
            "姓名只保存在平台；签到机只显示显示名。会员在签到机下次同步后即可签到。",
            "The full name stays at the hub; kiosks show only the display name. The member can check in after the kiosks' next sync."
        ),
        name = escape(&typed.name),
        shown = escape(&typed.display_name),
        phone = escape(&typed.phone),
        year = escape(&typed.birth_year),
        checked = if typed.volunteer { " checked" } else { "" },
    );
    frame(
        status,
        &s,
        lang,
        Tab::Members,
        &here,
        t("会员", "Members"),
        &main,
    )
}

fn actor_scope(actor: &Actor) -> crate::store::users::Scope {
    match actor {
        Actor::User(u) => u.scope,
        // Pages are only ever a user's.
        Actor::CommandLine => crate::store::users::Scope::Region(0),
    }
}

#[derive(Deserialize)]
struct AddForm {
    #[serde(default)]
    csrf: String,
    center: u64,
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: u64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    volunteer: Option<String>,
}

/// `POST /members/add`: added, back to the list saying so; refused, the
/// page again with the reason and everything typed kept.
async fn add_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<AddForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = Lang::of(&headers);
    let year = f.birth_year.trim();
    let birth_year = if year.is_empty() {
        Ok(None)
    } else {
        year.parse::<u16>().map(Some).map_err(|_| {
            lang.t(
                "出生年份请写四位数字，例如 2008。",
                "Write the birth year as four digits, e.g. 2008.",
            )
            .to_string()
        })
    };
    let typed = Typed {
        name: f.name.clone(),
        display_name: f.display_name.clone(),
        phone: f.phone.clone(),
        birth_year: f.birth_year.clone(),
        volunteer: f.volunteer.is_some(),
        error: String::new(),
    };
    let back = PageQuery {
        center: Some(f.center),
        q: f.q.clone(),
        offset: f.offset,
        done: String::new(),
    };
    let result = match birth_year {
        Err(message) => Err(AppError::BadRequest(message)),
        Ok(birth_year) => {
            let new = NewMember {
                name: f.name,
                display_name: Some(f.display_name),
                volunteer: typed.volunteer,
                phone: Some(f.phone),
                birth_year,
            };
            let actor = Actor::User(s.user.clone());
            let center = f.center;
            db(&state, move |st| {
                Ok(Admin::new(st, actor).add_member(center, &new)?)
            })
            .await
        }
    };
    match result {
        Ok(id) => redirect(&format!("/members?center={}&done=added-{id}", f.center)),
        Err(AppError::BadRequest(message)) => {
            let typed = Typed {
                error: message,
                ..typed
            };
            show_members(
                &state,
                &headers,
                s,
                back,
                typed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => refusal(&s, lang, Tab::Members, "/members", e),
    }
}

#[derive(Deserialize)]
struct RowForm {
    #[serde(default)]
    csrf: String,
    center: u64,
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: u64,
}

async fn revoke_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u32>,
    Form(f): Form<RowForm>,
) -> Response {
    active_form(state, headers, id, f, false).await
}

async fn restore_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u32>,
    Form(f): Form<RowForm>,
) -> Response {
    active_form(state, headers, id, f, true).await
}

async fn active_form(
    state: AppState,
    headers: HeaderMap,
    id: u32,
    f: RowForm,
    active: bool,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = Actor::User(s.user.clone());
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).set_member_active(id, active)?)
    })
    .await
    {
        Ok(_) => redirect(&format!(
            "/members?center={}&q={}&offset={}&done={}-{id}",
            f.center,
            url::form_urlencoded::byte_serialize(f.q.as_bytes()).collect::<String>(),
            f.offset,
            if active { "restored" } else { "revoked" }
        )),
        Err(e) => refusal(&s, Lang::of(&headers), Tab::Members, "/members", e),
    }
}

#[derive(Deserialize)]
struct AuditPageQuery {
    before: Option<u64>,
}

/// `GET /audit`: the record of changes, for admins, a hundred lines a page.
async fn audit_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AuditPageQuery>,
) -> Response {
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = Lang::of(&headers);
    let t = |zh, en| lang.t(zh, en);
    let here = match q.before {
        Some(b) => format!("/audit?before={b}"),
        None => "/audit".to_string(),
    };
    let actor = Actor::User(s.user.clone());
    let entries = match db(&state, move |st| {
        Ok(Admin::new(st, actor).audit(q.before, 100)?)
    })
    .await
    {
        Ok(e) => e,
        Err(e) => return refusal(&s, lang, Tab::Audit, &here, e),
    };
    let rows: String = entries.iter().map(|e| audit_row(e, lang)).collect();
    let older = match entries.last() {
        Some(e) if entries.len() == 100 => format!(
            "<div class=\"pager\"><a id=\"older\" href=\"/audit?before={}\">{}</a></div>",
            e.id,
            t("更早的记录", "Older")
        ),
        _ => String::new(),
    };
    let main = if entries.is_empty() {
        format!(
            "<div class=\"card\"><h2>{}</h2><p class=\"note\">{}</p></div>",
            t("操作记录", "Record of changes"),
            t("还没有记录。", "Nothing recorded yet.")
        )
    } else {
        format!(
            "<div class=\"card\"><h2>{}</h2><table class=\"list\" id=\"audit\"><thead><tr>\
             <th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\
             <tbody>{rows}</tbody></table>{older}</div>",
            t("操作记录", "Record of changes"),
            t("时间", "When"),
            t("操作人", "Who"),
            t("操作", "What"),
            t("对象", "Subject"),
            t("变化", "Change"),
        )
    };
    frame(
        StatusCode::OK,
        &s,
        lang,
        Tab::Audit,
        &here,
        t("操作记录", "Record of changes"),
        &main,
    )
}

/// A value as a line of the record shows it.
fn shown(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".to_string(),
        other => other.to_string(),
    }
}

/// What changed: each field that differs as `field: before → after`; for
/// an addition, what was added.
fn change_text(before: &Option<serde_json::Value>, after: &Option<serde_json::Value>) -> String {
    use serde_json::Value::Object;
    let skip = |k: &str| matches!(k, "id" | "center_id");
    match (before, after) {
        (Some(Object(b)), Some(Object(a))) => a
            .iter()
            .filter(|(k, v)| !skip(k) && b.get(k.as_str()) != Some(v))
            .map(|(k, v)| {
                format!(
                    "{k}: {} → {}",
                    b.get(k.as_str()).map(shown).unwrap_or_default(),
                    shown(v)
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        (None, Some(Object(a))) => a
            .iter()
            .filter(|(k, v)| !skip(k) && !v.is_null())
            .map(|(k, v)| format!("{k}: {}", shown(v)))
            .collect::<Vec<_>>()
            .join("; "),
        (b, a) => format!(
            "{} → {}",
            b.as_ref().map(shown).unwrap_or_default(),
            a.as_ref().map(shown).unwrap_or_default()
        ),
    }
}

fn audit_row(e: &Entry, lang: Lang) -> String {
    let t = |zh, en| lang.t(zh, en);
    let when = chrono::DateTime::from_timestamp_millis(e.at_ms)
        .map(|d| {
            d.with_timezone(&crate::dashboard::NETWORK_TZ)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default();
    format!(
        "<tr><td data-label=\"{l_when}\">{when}</td><td data-label=\"{l_who}\">{who}</td>\
         <td data-label=\"{l_what}\">{what}</td><td data-label=\"{l_subject}\">{subject}</td>\
         <td data-label=\"{l_change}\">{change}</td></tr>",
        who = escape(&e.actor),
        what = escape(&e.action),
        subject = escape(&e.subject),
        change = escape(&change_text(&e.before, &e.after)),
        l_when = t("时间", "When"),
        l_who = t("操作人", "Who"),
        l_what = t("操作", "What"),
        l_subject = t("对象", "Subject"),
        l_change = t("变化", "Change"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_shows_only_what_differs_and_an_addition_what_was_added() {
        let before = Some(serde_json::json!({"id": 7, "active": true, "display_name": "王同学"}));
        let after = Some(serde_json::json!({"id": 7, "active": false, "display_name": "王同学"}));
        assert_eq!(change_text(&before, &after), "active: true → false");
        let added = Some(serde_json::json!({"id": 7, "display_name": "林同学", "phone": null}));
        assert_eq!(change_text(&None, &added), "display_name: 林同学");
    }
}
