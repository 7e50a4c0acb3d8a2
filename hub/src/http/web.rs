//! The dashboard for staff and admins: a login page, the overview of every
//! center the user may see (server-rendered, a chart drawn by plotters), and
//! the same numbers as JSON under `/api/v1/dashboard`.
//!
//! A login is a random session id in an HttpOnly, SameSite=Strict cookie,
//! stored hashed, ending after 8 hours. Forms that change something carry
//! the session's CSRF token; the login form, which has no session yet, is
//! refused when posted from another origin.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::{AppError, AppState, db};
use crate::dashboard::Overview;
use crate::store::users::{LoginCheck, Session};

/// The dashboard's pages and downloads.
pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/ledger.csv", get(ledger_csv))
        .route("/ledger.xlsx", get(ledger_xlsx))
}

/// The dashboard's figures as JSON, under `/api/v1`.
pub(super) fn api_routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/dashboard", get(overview_json))
        .route("/yardsticks", get(yardsticks_json))
        .route("/fleet", get(fleet_json))
}

const COOKIE: &str = "yc_session";

pub use crate::html::escape;

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// The logged-in user of a request, if any.
pub async fn session(state: &AppState, headers: &HeaderMap) -> Result<Option<Session>, AppError> {
    let Some(token) = cookie_value(headers, COOKIE) else {
        return Ok(None);
    };
    let now = crate::store::now_ms();
    db(state, move |s| Ok(s.user_session(&token, now)?)).await
}

/// A login cookie: HttpOnly, scoped to `path`, and Secure when the request
/// came through an https proxy.
pub fn login_cookie(
    headers: &HeaderMap,
    name: &str,
    value: &str,
    path: &str,
    max_age_ms: i64,
    same_site: &str,
) -> String {
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    format!(
        "{name}={value}; Path={path}; Max-Age={}; HttpOnly; SameSite={same_site}{}",
        max_age_ms / 1000,
        if secure { "; Secure" } else { "" }
    )
}

/// A form posted from a page of another site carries that site's Origin.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    page_with(status, title, "", body)
}

/// A page with the dashboard's look and some CSS of its own.
pub(crate) fn page_with(status: StatusCode, title: &str, css: &str, body: &str) -> Response {
    page_in(status, "zh-CN", title, css, body)
}

/// A page in a language (`zh-CN`, `en`), with the dashboard's look.
pub(crate) fn page_in(
    status: StatusCode,
    lang: &str,
    title: &str,
    css: &str,
    body: &str,
) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title}</title><style>{CSS}{css}</style></head><body>{body}</body></html>"
    );
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            // Not "no-referrer": under it browsers send `Origin: null` with
            // the page's own form posts, which the CSRF check must refuse.
            (header::REFERRER_POLICY, "same-origin"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        Html(html),
    )
        .into_response()
}

const CSS: &str = "body{margin:0;font-family:'Noto Sans CJK SC',sans-serif;background:#f5f2ec;color:#1f1f1f}\
header{background:#c8102e;color:#fff;padding:12px 20px;display:flex;align-items:center;gap:16px}\
header h1{font-size:20px;margin:0;flex:1}header form{margin:0}\
header button{background:#9e0b23;color:#fff;border:0;border-radius:6px;padding:8px 14px;font-size:14px}\
main{padding:16px 20px;max-width:1200px;margin:0 auto}\
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px}\
.tile{background:#fff;border:1px solid #e2ddd3;border-radius:10px;padding:12px}\
.tile .label{color:#6b6b6b;font-size:13px}.tile .value{font-size:30px;font-weight:700}\
.card{background:#fff;border:1px solid #e2ddd3;border-radius:10px;padding:12px;margin-top:16px;overflow-x:auto}\
.card svg{width:100%;max-width:960px;height:auto}\
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:16px}\
h2{font-size:16px;color:#9e0b23;margin:0 0 8px}\
table{border-collapse:collapse;width:100%;font-size:14px}th,td{padding:6px 8px;border-bottom:1px solid #eee;text-align:right}\
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}\
form.login{max-width:340px;margin:60px auto;background:#fff;padding:24px;border-radius:12px;border:1px solid #e2ddd3;display:flex;flex-direction:column;gap:12px}\
form.login label{display:flex;flex-direction:column;gap:4px}\
form.login input{font-size:18px;padding:8px;border:1px solid #c9c2b6;border-radius:6px}\
form.login button{font-size:18px;padding:10px;border:0;border-radius:6px;background:#c8102e;color:#fff}\
.error{color:#c62828}p.ok{color:#1e8e3e}td.ok{color:#1e8e3e}td.below{color:#c62828;font-weight:700}td.none{color:#6b6b6b}\
h2 a{font-size:13px;font-weight:400;margin-left:8px}";

fn login_page(status: StatusCode, login: &str, message: &str) -> Response {
    let message = if message.is_empty() {
        String::new()
    } else {
        format!("<p class=\"error\" role=\"alert\">{message}</p>")
    };
    page(
        status,
        "登录 Log in",
        &format!(
            "<header><h1>青年之家 · 数据平台 Youth center dashboard</h1></header>\
             <form method=\"post\" action=\"/login\" class=\"login\">{message}\
             <label>账号 Login<input name=\"login\" value=\"{}\" autocomplete=\"username\" required></label>\
             <label>密码 Password<input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
             <button>登录 · Log in</button></form>",
            escape(login)
        ),
    )
}

/// `GET /login`.
pub async fn login_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match session(&state, &headers).await {
        Ok(Some(_)) => redirect("/"),
        _ => login_page(StatusCode::OK, "", ""),
    }
}

pub(crate) fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

const WRONG: &str = "账号或密码不正确。 · The login or password is wrong.";

/// `POST /login`. A known login and an unknown one are answered alike; wrong
/// logins are counted per address ([`super::limit::LOGIN_MAX_FAILURES`]),
/// never per login, so no one can lock a staff member out.
pub async fn login(
    State(state): State<AppState>,
    super::limit::ClientIp(ip): super::limit::ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !same_origin(&headers) {
        return login_page(
            StatusCode::FORBIDDEN,
            "",
            "请从本站登录页登录。 · Please log in from this site's login page.",
        );
    }
    let login = form.login.trim().to_string();
    if let Some(wait) = state.login_limiter.wait(ip, std::time::Instant::now()) {
        tracing::warn!(?ip, "dashboard login refused: too many wrong logins");
        return too_many(
            login_page(StatusCode::TOO_MANY_REQUESTS, &login, &wait_text(wait)),
            wait,
        );
    }
    let now = crate::store::now_ms();
    let lookup = login.clone();
    let check = match db(&state, move |s| Ok(s.user_login(&lookup)?)).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let (user, hash) = match check {
        LoginCheck::Check { user, hash } => (Some(user), Some(hash)),
        LoginCheck::Unknown => (None, None),
    };
    let ok = match state.passwords.check(hash, form.password).await {
        Ok(ok) => ok,
        Err(crate::passwords::Busy) => {
            return busy(login_page(StatusCode::TOO_MANY_REQUESTS, &login, BUSY));
        }
    };
    let Some(user_id) = user.filter(|_| ok).map(|u| u.id) else {
        state.login_limiter.failed(ip, std::time::Instant::now());
        tracing::info!(?ip, "wrong dashboard login");
        return login_page(StatusCode::UNAUTHORIZED, &login, WRONG);
    };
    state.login_limiter.succeeded(ip);
    let token = match db(&state, move |s| Ok(s.create_user_session(user_id, now)?)).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    tracing::info!(user = user_id, "dashboard login");
    let cookie = login_cookie(
        &headers,
        COOKIE,
        &token,
        "/",
        crate::store::users::USER_SESSION_MS,
        "Strict",
    );
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/".to_string()),
            (header::SET_COOKIE, cookie),
        ],
    )
        .into_response()
}

/// Said when too many logins arrive at once.
pub(crate) const BUSY: &str =
    "登录的人太多，请稍候再试。 · Too many logins at once; try again in a moment.";

/// Said to an address that made too many wrong logins.
pub(crate) fn wait_text(wait: std::time::Duration) -> String {
    let minutes = wait.as_secs().div_ceil(60).max(1);
    format!(
        "此网络登录错误次数过多，请 {minutes} 分钟后再试。 · Too many wrong logins from this network; try again in {minutes} min."
    )
}

/// A 429 page with the Retry-After it deserves.
pub(crate) fn too_many(page: Response, wait: std::time::Duration) -> Response {
    let mut page = page;
    if let Ok(v) = header::HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
        page.headers_mut().insert(header::RETRY_AFTER, v);
    }
    page
}

/// A 429 page for a moment's wait (the password checks are all busy).
pub(crate) fn busy(page: Response) -> Response {
    too_many(page, std::time::Duration::from_secs(2))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`, with the session's CSRF token.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let Ok(Some(s)) = session(&state, &headers).await else {
        return redirect("/login");
    };
    if !same_origin(&headers) || form.csrf != s.csrf {
        return AppError::Forbidden("this form is not from the dashboard; reload it".into())
            .into_response();
    }
    if let Some(token) = cookie_value(&headers, COOKIE)
        && let Err(e) = db(&state, move |st| Ok(st.end_user_session(&token)?)).await
    {
        return e.into_response();
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/login".to_string()),
            (
                header::SET_COOKIE,
                format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"),
            ),
        ],
    )
        .into_response()
}

pub(super) async fn overview_for(state: &AppState, s: &Session) -> Result<Overview, AppError> {
    let user = s.user.clone();
    let today = chrono::Utc::now()
        .with_timezone(&crate::dashboard::NETWORK_TZ)
        .date_naive();
    db(state, move |st| {
        Ok(crate::dashboard::overview(st, &user, today)?)
    })
    .await
}

/// `GET /api/v1/dashboard`: the overview as JSON, for a logged-in user only.
pub async fn overview_json(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<axum::Json<Overview>, AppError> {
    let s = session(&state, &headers)
        .await?
        .ok_or(AppError::NotLoggedIn)?;
    Ok(axum::Json(overview_for(&state, &s).await?))
}

pub(super) async fn yardsticks_for(
    state: &AppState,
    s: &Session,
    month: Option<String>,
) -> Result<Vec<crate::yardsticks::Yardsticks>, AppError> {
    let scope = s.user.scope;
    let today = chrono::Utc::now()
        .with_timezone(&crate::dashboard::NETWORK_TZ)
        .date_naive();
    let day = match month {
        None => today,
        Some(m) => chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .map_err(|_| AppError::BadRequest(format!("month {m:?}: write YYYY-MM")))?,
    };
    db(state, move |st| {
        let centers = st.centers_in(scope)?;
        Ok(crate::yardsticks::for_centers(st, &centers, day, today)?)
    })
    .await
}

#[derive(Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

/// `GET /api/v1/yardsticks?month=YYYY-MM`: the user's centers' yardsticks.
pub async fn yardsticks_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<MonthQuery>,
) -> Result<axum::Json<Vec<crate::yardsticks::Yardsticks>>, AppError> {
    let s = session(&state, &headers)
        .await?
        .ok_or(AppError::NotLoggedIn)?;
    Ok(axum::Json(yardsticks_for(&state, &s, q.month).await?))
}

/// `GET /ledger.csv`: the ledger of the user's centers.
pub async fn ledger_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<MonthQuery>,
) -> Response {
    ledger(state, headers, "ledger.csv", q).await
}

/// `GET /ledger.xlsx`: the same as a workbook.
pub async fn ledger_xlsx(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<MonthQuery>,
) -> Response {
    ledger(state, headers, "ledger.xlsx", q).await
}

async fn ledger(state: AppState, headers: HeaderMap, file: &str, q: MonthQuery) -> Response {
    let s = match session(&state, &headers).await {
        Ok(Some(s)) => s,
        Ok(None) => return redirect("/login"),
        Err(e) => return e.into_response(),
    };
    let xlsx = file.ends_with(".xlsx");
    let sticks = match yardsticks_for(&state, &s, q.month.clone()).await {
        Ok(y) => y,
        Err(e) => return e.into_response(),
    };
    let month = sticks.first().map(|y| y.month.clone()).unwrap_or_default();
    let scope = s.user.scope;
    let built = db(&state, move |st| {
        let centers = st.centers_in(scope)?;
        let rows = crate::yardsticks::ledger_rows(st, &centers, &sticks)?;
        let bytes = if xlsx {
            crate::yardsticks::ledger_xlsx(&format!("青年中心台账统计表 ({month})"), &rows)
        } else {
            crate::yardsticks::ledger_csv(&rows)
        };
        bytes.map_err(|e| AppError::Internal(format!("ledger: {e:#}")))
    })
    .await;
    match built {
        Ok(bytes) => (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    if xlsx {
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                    } else {
                        "text/csv; charset=utf-8"
                    }
                    .to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /api/v1/fleet`: the user's centers' kiosks and their alerts.
pub async fn fleet_json(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<axum::Json<Vec<crate::store::fleet::FleetRow>>, AppError> {
    let s = session(&state, &headers)
        .await?
        .ok_or(AppError::NotLoggedIn)?;
    let scope = s.user.scope;
    let now = crate::store::now_ms();
    Ok(axum::Json(
        db(&state, move |st| Ok(st.fleet(scope, now)?)).await?,
    ))
}
