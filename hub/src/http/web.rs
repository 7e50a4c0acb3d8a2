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
        .route("/", get(home))
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

async fn overview_for(state: &AppState, s: &Session) -> Result<Overview, AppError> {
    let user = s.user.clone();
    let today = chrono::Utc::now()
        .with_timezone(&crate::dashboard::NETWORK_TZ)
        .date_naive();
    db(state, move |st| {
        Ok(crate::dashboard::overview(st, &user, today)?)
    })
    .await
}

/// `GET /`: the overview, or the way to the login page.
pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = super::layout::Lang::of(&headers);
    let s = match session(&state, &headers).await {
        Ok(Some(s)) => s,
        Ok(None) => return redirect("/login"),
        Err(e) => return e.into_response(),
    };
    let o = match overview_for(&state, &s).await {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    let sticks = match yardsticks_for(&state, &s, None).await {
        Ok(y) => y,
        Err(e) => return e.into_response(),
    };
    let scope = s.user.scope;
    let now = crate::store::now_ms();
    let fleet = match db(&state, move |st| Ok(st.fleet(scope, now)?)).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let or_blank = |c: Result<String, String>| {
        c.unwrap_or_else(|e| {
            tracing::warn!("chart: {e}");
            String::new()
        })
    };
    let chart = or_blank(crate::dashboard::daily_chart(&o.daily));
    let weekly = or_blank(crate::dashboard::bar_chart(&o.weekly, 6, |d| {
        d.get(5..).unwrap_or(d).to_string()
    }));
    let monthly = or_blank(crate::dashboard::bar_chart(&o.monthly, 12, |m| {
        m.get(2..).unwrap_or(m).to_string()
    }));
    let breakdown = |map: &std::collections::BTreeMap<String, u64>,
                     label: &dyn Fn(&str) -> String| {
        let mut items: Vec<(&String, &u64)> = map.iter().collect();
        items.sort_by(|a, b| b.1.cmp(a.1));
        if items.is_empty() {
            return "<p>本月还没有访客 · No visitors this month yet</p>".to_string();
        }
        let rows: String = items
            .iter()
            .map(|(k, n)| format!("<tr><td>{}</td><td>{n}</td></tr>", escape(&label(k))))
            .collect();
        format!("<table>{rows}</table>")
    };
    let ages = breakdown(&o.visitors_by_age_band, &|c| {
        protocol::catalog::AgeBand::from_code(c)
            .map(|a| format!("{} {}", a.label_zh(), a.label_en()))
            .unwrap_or_else(|| c.to_string())
    });
    let purposes = breakdown(&o.visitors_by_purpose, &|c| {
        protocol::catalog::ServiceCategory::from_code(c)
            .map(|p| format!("{} {}", p.label_zh(), p.label_en()))
            .unwrap_or_else(|| c.to_string())
    });
    let activities: String = o
        .activities
        .iter()
        .map(|a| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{} {}</td><td>{}{}</td><td>{}</td></tr>",
                escape(&a.center),
                a.date,
                a.time,
                escape(&a.title),
                protocol::catalog::ServiceCategory::from_code(&a.category)
                    .map(|c| c.label_zh())
                    .unwrap_or(""),
                if a.study_club { " · 学习社" } else { "" },
                a.came
            )
        })
        .collect();
    let activities = if activities.is_empty() {
        "<p>本月还没有登记活动 · No activities recorded this month</p>".to_string()
    } else {
        format!(
            "<table id=\"activities\"><thead><tr><th>中心 Center</th><th>日期 Date</th>\
             <th>活动 Activity</th><th>类别 Category</th><th>到场 Came</th></tr></thead>\
             <tbody>{activities}</tbody></table>"
        )
    };
    let regions: String = o
        .regions
        .iter()
        .map(|r| {
            format!(
                "<tr data-region=\"{}\"><td>{}</td><td>{}</td>{}\
                 <td><a href=\"/content/region/{}\">编辑 Edit</a></td></tr>",
                r.id,
                escape(&r.name),
                r.centers,
                figure_cells(&r.figures),
                r.id
            )
        })
        .collect();
    let regions = if regions.is_empty() {
        String::new()
    } else {
        format!(
            "<div class=\"card\"><h2>各区域 By region</h2><table id=\"regions\"><thead><tr>\
             <th>区域 Region</th><th>中心数 Centers</th><th>今日 Today</th><th>近 7 天 7 days</th>\
             <th>本月 Month</th><th>会员人数 Members*</th><th>新会员 New</th><th>访客 Visitors</th>\
             <th>志愿时长 Volunteer h</th><th>内容 Content</th></tr></thead><tbody>{regions}</tbody></table>\
             <p>* 各中心会员人数之和 · the sum over the region's centers</p></div>"
        )
    };
    let tile = |label: &str, value: u64, id: &str| {
        format!(
            "<div class=\"tile\"><div class=\"label\">{label}</div>\
             <div class=\"value\" id=\"{id}\">{value}</div></div>"
        )
    };
    let t = &o.totals;
    let tiles = [
        tile("今日到访 Visits today", t.today, "today"),
        tile("近 7 天 Last 7 days", t.last_7_days, "week"),
        tile("本月到访 This month", t.this_month, "month"),
        tile(
            "本月会员人数 Members this month",
            t.distinct_members_this_month,
            "members",
        ),
        tile("本月新会员 New members", t.new_members_this_month, "new"),
        tile("本月访客 Visitors", t.visitors_this_month, "visitors"),
    ]
    .concat();
    let rows: String = o
        .centers
        .iter()
        .map(|c| {
            format!(
                "<tr data-center=\"{}\"><td>{}</td><td>{}</td>{}\
                 <td><a href=\"/content/{}\">编辑 Edit</a></td></tr>",
                c.id,
                escape(&c.name),
                escape(&c.region),
                figure_cells(&c.figures),
                c.id
            )
        })
        .collect();
    let body = format!(
        "{header}<main><h2 id=\"scope\">{scope}</h2><p>{today}{own_level}</p><div class=\"tiles\">{tiles}</div>\
         <div class=\"card\"><h2>近 30 天每日到访 Visits per day, last 30 days</h2>{chart}</div>\
         <div class=\"pair\"><div class=\"card\"><h2>近 12 周 Visits per week</h2>{weekly}</div>\
         <div class=\"card\"><h2>近 12 个月 Visits per month</h2>{monthly}</div></div>\
         <div class=\"pair\"><div class=\"card\"><h2>本月访客年龄段 Visitors by age</h2>{ages}</div>\
         <div class=\"card\"><h2>本月访客来访目的 Visitors by purpose</h2>{purposes}</div></div>\
         <div class=\"card\"><h2>本月活动 Activities this month</h2>{activities}</div>{regions}\
         <div class=\"card\"><h2>各中心 Centers ({n})</h2><table id=\"centers\"><thead><tr>\
         <th>中心 Center</th><th>所属 Region</th><th>今日 Today</th><th>近 7 天 7 days</th>\
         <th>本月 Month</th><th>会员人数 Members</th><th>新会员 New</th><th>访客 Visitors</th>\
         <th>志愿时长 Volunteer h</th><th>内容 Content</th>\
         </tr></thead><tbody>{rows}</tbody></table></div>\
         <div class=\"card\"><h2>本月标准 Yardsticks this month \
         <a href=\"/ledger.csv\">台账 CSV</a> · <a href=\"/ledger.xlsx\">台账 XLSX</a></h2>\
         <table id=\"yardsticks\"><thead><tr><th>中心 Center</th><th>达标 Met</th>\
         <th>活动 ≥2 Activities</th><th>参加人次 ≥40 Visits</th><th>同比 ≈+20% Growth</th>\
         <th>学习社 ≥30% Study club</th></tr></thead><tbody>{sticks}</tbody></table></div>\
         <div class=\"card\"><h2>签到机 Kiosks ({kiosks})</h2>{alerts}\
         <table id=\"fleet\"><thead><tr><th>签到机 Kiosk</th><th>中心 Center</th>\
         <th>最近联系 Last contact</th><th>版本 Version</th><th>待上传 Waiting</th>\
         <th>时钟 Clock</th></tr></thead><tbody>{fleet}</tbody></table></div></main>",
        scope = escape(&o.scope_name),
        own_level = match scope {
            crate::store::users::Scope::Region(r) => format!(
                " · <a id=\"own-level\" href=\"/content/region/{r}\">发布本级内容 \
                 Publish for {}</a>",
                escape(&o.scope_name)
            ),
            crate::store::users::Scope::Center(_) => String::new(),
        },
        header = super::layout::header(&s, lang, super::layout::Tab::Overview, "/"),
        today = o.today,
        n = o.centers.len(),
        sticks = yardstick_rows(&sticks),
        kiosks = fleet.len(),
        alerts = fleet_alerts(&fleet),
        fleet = fleet_rows(&fleet),
    );
    page_with(
        StatusCode::OK,
        "数据平台 Dashboard",
        super::layout::FRAME_CSS,
        &body,
    )
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

/// A center's or a region's figures as table cells, in the tables' order.
fn figure_cells(f: &crate::dashboard::Figures) -> String {
    format!(
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td>",
        f.today,
        f.last_7_days,
        f.this_month,
        f.distinct_members_this_month,
        f.new_members_this_month,
        f.visitors_this_month,
        f.volunteer_minutes_this_month as f64 / 60.0
    )
}

/// The yardsticks of a user's centers for a month (default: this month).
async fn yardsticks_for(
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

fn yardstick_rows(sticks: &[crate::yardsticks::Yardsticks]) -> String {
    let cell = |value: String, met: Option<bool>| {
        let (class, mark) = match met {
            Some(true) => ("ok", "✓"),
            Some(false) => ("below", "✗"),
            None => ("none", "–"),
        };
        format!("<td class=\"{class}\">{value} {mark}</td>")
    };
    sticks
        .iter()
        .map(|y| {
            let (met, judged) = y.score();
            format!(
                "<tr data-center=\"{}\"><td>{}</td><td>{met}/{judged}</td>{}{}{}{}</tr>",
                y.center_id,
                escape(&y.center),
                cell(y.activities.to_string(), Some(y.activities_met)),
                cell(y.participant_visits.to_string(), Some(y.visits_met)),
                cell(
                    y.growth_pct
                        .map(|g| format!("{g:+.0}%"))
                        .unwrap_or_else(|| "无数据 no data".into()),
                    y.growth_met
                ),
                cell(
                    y.study_club_pct
                        .map(|p| format!("{p:.0}%"))
                        .unwrap_or_else(|| "无数据 no data".into()),
                    y.study_club_met
                ),
            )
        })
        .collect()
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

fn when(ms: Option<i64>) -> String {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| {
            t.with_timezone(&crate::dashboard::NETWORK_TZ)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| "从未 never".into())
}

fn fleet_rows(fleet: &[crate::store::fleet::FleetRow]) -> String {
    fleet
        .iter()
        .map(|d| {
            format!(
                "<tr data-device=\"{}\"><td>{} #{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                d.device_id,
                escape(&d.name),
                d.device_id,
                escape(&d.center),
                when(d.last_seen_ms),
                escape(&d.software_version),
                d.waiting.map(|w| w.to_string()).unwrap_or_else(|| "–".into()),
                match d.clock_synchronized {
                    Some(true) => "已同步 synchronised",
                    Some(false) => "未同步 not synchronised",
                    None => "–",
                }
            )
        })
        .collect()
}

fn fleet_alerts(fleet: &[crate::store::fleet::FleetRow]) -> String {
    let items: String = fleet
        .iter()
        .flat_map(|d| {
            d.alerts.iter().map(move |a| {
                format!(
                    "<li>{} #{} ({}): {}</li>",
                    escape(&d.name),
                    d.device_id,
                    escape(&d.center),
                    a.text()
                )
            })
        })
        .collect();
    if items.is_empty() {
        "<p class=\"ok\">没有需要处理的问题 · Nothing needs attention</p>".into()
    } else {
        format!("<ul id=\"alerts\" class=\"error\">{items}</ul>")
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
