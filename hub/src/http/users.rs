//! Users, for admins: the page at `/users` (forms without script), and the
//! same under `/api/v1`. Every rule is the admin service's
//! ([`crate::admin::users`]). Regions are beside it (`regions.rs`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
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
use crate::store::users::{Region, Role, Scope, Session};

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/users", get(users_page))
        .route("/users/add", post(add_user_form))
        .route("/users/{login}/disable", post(disable_form))
        .route("/users/{login}/password", post(password_form))
}

pub(super) fn api_routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/users", get(users_json).post(add_user_json))
        .route("/users/{login}/disable", post(disable_json))
        .route("/users/{login}/password", post(password_json))
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

// ---- Pages ----

pub(super) fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
        escape(value)
    )
}

pub(super) fn done_note(done: Option<&str>, lang: Lang) -> String {
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
pub(super) struct DoneQuery {
    pub(super) done: Option<String>,
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
