//! Users and regions, for admins: pages at `/users` and `/regions` (forms
//! without script), and the same under `/api/v1`. Every rule is the admin
//! service's ([`crate::admin::users`]).

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
use super::web::{escape, redirect};
use super::{AppState, db, parse_json};
use crate::admin::users::UserRow;
use crate::admin::{Actor, Admin};
use crate::store::Center;
use crate::store::users::{Level, Region, Role, Scope, Session};

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/users", get(users_page))
        .route("/users/add", post(add_user_form))
        .route("/users/{login}/disable", post(disable_form))
        .route("/users/{login}/password", post(password_form))
        .route("/regions", get(regions_page))
        .route("/regions/add", post(add_region_form))
        .route("/regions/{id}/rename", post(rename_region_form))
        .route("/centers/{id}/place", post(place_form))
}

pub(super) fn api_routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/users", get(users_json).post(add_user_json))
        .route("/users/{login}/disable", post(disable_json))
        .route("/users/{login}/password", post(password_json))
        .route("/regions", get(regions_json).post(add_region_json))
        .route("/regions/{id}", patch(rename_region_json))
        .route("/centers/{id}/place", post(place_json))
}

// ---- JSON ----

async fn users_json(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<UserRow>>, AppError> {
    let actor = admin_for(&state, &headers, false).await?;
    Ok(Json(
        db(&state, move |st| Ok(Admin::new(st, actor).users()?)).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    login: String,
    password: String,
    role: String,
    /// `center:ID` or `region:ID`.
    scope: String,
}

fn role_and_scope(role: &str, scope: &str) -> Result<(Role, Scope), AppError> {
    let role = Role::from_code(role)
        .ok_or_else(|| AppError::BadRequest(format!("role {role:?}: staff or admin")))?;
    let scope = Scope::parse(scope)
        .ok_or_else(|| AppError::BadRequest(format!("scope {scope:?}: center:ID or region:ID")))?;
    Ok((role, scope))
}

async fn add_user_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let actor = admin_for(&state, &headers, true).await?;
    let u: NewUser = parse_json(&body)?;
    let (role, scope) = role_and_scope(&u.role, &u.scope)?;
    let id = db(&state, move |st| {
        Ok(Admin::new(st, actor).add_user(&u.login, &u.password, role, scope)?)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "user_id": id })),
    ))
}

async fn disable_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(login): Path<String>,
) -> Result<Json<serde_json::Value>, AppError> {
    let actor = admin_for(&state, &headers, true).await?;
    let u = db(&state, move |st| {
        Ok(Admin::new(st, actor).disable_user(&login)?)
    })
    .await?;
    Ok(Json(
        serde_json::json!({ "login": u.login, "disabled": true }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPassword {
    password: String,
}

async fn password_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(login): Path<String>,
    body: Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    let actor = admin_for(&state, &headers, true).await?;
    let p: NewPassword = parse_json(&body)?;
    let u = db(&state, move |st| {
        Ok(Admin::new(st, actor).set_user_password(&login, &p.password)?)
    })
    .await?;
    Ok(Json(
        serde_json::json!({ "login": u.login, "disabled": false }),
    ))
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

// ---- Pages ----

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
        escape(value)
    )
}

fn done_note(done: Option<&str>, lang: Lang) -> String {
    let t = |zh, en| lang.t(zh, en);
    let Some((what, who)) = done.and_then(|d| d.split_once('-')) else {
        return String::new();
    };
    let text = match what {
        "added" => t("已添加用户", "User added:"),
        "disabled" => t(
            "已停用用户（其登录已结束）",
            "User disabled (their sessions have ended):",
        ),
        "password" => t(
            "已设置新密码（其登录已结束）",
            "New password set (their sessions have ended):",
        ),
        "region" => t("已保存区域", "Region saved:"),
        "placed" => t("已调整中心所属区域", "Center moved:"),
        _ => return String::new(),
    };
    format!("<p class=\"done\" id=\"done\">{text} {}</p>", escape(who))
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

async fn users_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Response {
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_users(&state, &headers, s, q.done.as_deref(), "", StatusCode::OK).await
}

/// Where a scope is, in words: a center's or a region's name.
fn scope_name(scope: Scope, regions: &[Region], centers: &[Center], lang: Lang) -> String {
    match scope {
        Scope::Center(id) => centers
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| format!("{} {id}", lang.t("中心", "center"))),
        Scope::Region(id) => regions
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| format!("{} {id}", lang.t("区域", "region"))),
    }
}

async fn show_users(
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
    let found = db(state, move |st| {
        let admin = Admin::new(st, actor);
        let users = admin.users()?;
        let (regions, mut centers) = admin.regions()?;
        if centers.is_empty() {
            // An admin of one center: their own center.
            centers = st.centers_in(admin_scope(admin.actor()))?;
        }
        Ok((users, regions, centers))
    })
    .await;
    let (users, regions, centers) = match found {
        Ok(f) => f,
        Err(e) => return refusal(&s, lang, Tab::Users, "/users", e),
    };
    let rows: String = users
        .iter()
        .map(|r| {
            let u = &r.user;
            let login = escape(&u.login);
            let path: String =
                url::form_urlencoded::byte_serialize(u.login.as_bytes()).collect();
            let actions = if u.id == s.user.id {
                format!("<span class=\"note\">{}</span>", t("（你自己）", "(you)"))
            } else {
                format!(
                    "{disable}<form class=\"inline\" method=\"post\" action=\"/users/{path}/password\">{csrf}\
                     <input name=\"password\" type=\"password\" autocomplete=\"new-password\" placeholder=\"{new}\" required minlength=\"10\">\
                     <button class=\"quiet\">{set}</button></form>",
                    disable = if r.disabled {
                        String::new()
                    } else {
                        format!(
                            "<form class=\"inline\" method=\"post\" action=\"/users/{path}/disable\">{}<button class=\"quiet\">{}</button></form> ",
                            hidden("csrf", &s.csrf),
                            t("停用", "Disable")
                        )
                    },
                    csrf = hidden("csrf", &s.csrf),
                    new = t("新密码（至少 10 位）", "new password (10+)"),
                    set = t("设置密码", "Set password"),
                )
            };
            format!(
                "<tr data-login=\"{login}\"><td data-label=\"{l_login}\">{login}</td>\
                 <td data-label=\"{l_role}\">{role}</td><td data-label=\"{l_scope}\">{scope}</td>\
                 <td data-label=\"{l_state}\"{off}>{state}</td><td>{actions}</td></tr>",
                role = if u.role == Role::Admin { t("管理员", "admin") } else { t("工作人员", "staff") },
                scope = escape(&scope_name(u.scope, &regions, &centers, lang)),
                off = if r.disabled { " class=\"off\"" } else { "" },
                state = if r.disabled { t("已停用", "disabled") } else { t("有效", "active") },
                l_login = t("账号", "Login"),
                l_role = t("角色", "Role"),
                l_scope = t("范围", "Scope"),
                l_state = t("状态", "State"),
            )
        })
        .collect();
    let scope_options: String = regions
        .iter()
        .map(|r| {
            (
                format!("region:{}", r.id),
                format!("{} {}", t("区域", "Region"), r.name),
            )
        })
        .chain(
            centers
                .iter()
                .map(|c| (format!("center:{}", c.id), c.name.clone())),
        )
        .map(|(v, label)| format!("<option value=\"{v}\">{}</option>", escape(&label)))
        .collect();
    let error = if error.is_empty() {
        String::new()
    } else {
        format!("<p class=\"error\" id=\"user-error\">{}</p>", escape(error))
    };
    let main = format!(
        "<div class=\"card\"><h2>{heading}</h2>{done}<table class=\"list\" id=\"users\"><thead><tr>\
         <th>{l_login}</th><th>{l_role}</th><th>{l_scope}</th><th>{l_state}</th><th></th></tr></thead>\
         <tbody>{rows}</tbody></table></div>\
         <div class=\"card\"><h2>{add_heading}</h2>{error}\
         <form method=\"post\" action=\"/users/add\" class=\"row\" id=\"add-user\">{csrf}\
         <label>{l_login}<input name=\"login\" required maxlength=\"40\" autocomplete=\"off\"></label>\
         <label>{l_role}<select name=\"role\"><option value=\"staff\">{staff}</option><option value=\"admin\">{admin}</option></select></label>\
         <label>{l_scope}<select name=\"scope\">{scope_options}</select></label>\
         <label>{l_password}<input name=\"password\" type=\"password\" required minlength=\"10\" autocomplete=\"new-password\"></label>\
         <button class=\"act\">{add}</button></form><p class=\"note\">{note}</p></div>",
        heading = t("用户", "Users"),
        done = done_note(done, lang),
        add_heading = t("添加用户", "Add a user"),
        csrf = hidden("csrf", &s.csrf),
        staff = t("工作人员：本中心", "staff: one center"),
        admin = t("管理员：所辖全部", "admin: everything below"),
        l_login = t("账号", "Login"),
        l_role = t("角色", "Role"),
        l_scope = t("范围", "Scope"),
        l_state = t("状态", "State"),
        l_password = t("初始密码", "First password"),
        add = t("添加", "Add"),
        note = t(
            "把账号和初始密码当面交给对方。停用或设置新密码会立即结束其登录。",
            "Hand the login and first password over in person. Disabling a user or setting a new password ends their sessions at once."
        ),
    );
    frame(
        status,
        &s,
        lang,
        Tab::Users,
        "/users",
        t("用户", "Users"),
        &main,
    )
}

fn admin_scope(actor: &Actor) -> Scope {
    match actor {
        Actor::User(u) => u.scope,
        Actor::CommandLine => Scope::Region(0),
    }
}

#[derive(Deserialize)]
struct AddUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    password: String,
}

async fn add_user_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<AddUserForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let result = match role_and_scope(&f.role, &f.scope) {
        Err(e) => Err(e),
        Ok((role, scope)) => {
            let actor = Actor::User(s.user.clone());
            let (login, password) = (f.login.clone(), f.password);
            db(&state, move |st| {
                Ok(Admin::new(st, actor).add_user(&login, &password, role, scope)?)
            })
            .await
        }
    };
    match result {
        Ok(_) => redirect(&format!(
            "/users?done=added-{}",
            url::form_urlencoded::byte_serialize(f.login.trim().as_bytes()).collect::<String>()
        )),
        Err(AppError::BadRequest(m) | AppError::Conflict(m)) => {
            show_users(
                &state,
                &headers,
                s,
                None,
                &m,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => refusal(&s, Lang::of(&headers), Tab::Users, "/users", e),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn disable_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(login): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = Actor::User(s.user.clone());
    let who = login.clone();
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).disable_user(&login)?)
    })
    .await
    {
        Ok(_) => redirect(&format!(
            "/users?done=disabled-{}",
            url::form_urlencoded::byte_serialize(who.as_bytes()).collect::<String>()
        )),
        Err(AppError::BadRequest(m)) => {
            show_users(
                &state,
                &headers,
                s,
                None,
                &m,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => refusal(&s, Lang::of(&headers), Tab::Users, "/users", e),
    }
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

async fn password_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(login): Path<String>,
    Form(f): Form<PasswordForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = Actor::User(s.user.clone());
    let who = login.clone();
    let password = f.password;
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).set_user_password(&login, &password)?)
    })
    .await
    {
        Ok(_) => redirect(&format!(
            "/users?done=password-{}",
            url::form_urlencoded::byte_serialize(who.as_bytes()).collect::<String>()
        )),
        Err(AppError::BadRequest(m)) => {
            show_users(
                &state,
                &headers,
                s,
                None,
                &m,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => refusal(&s, Lang::of(&headers), Tab::Users, "/users", e),
    }
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
