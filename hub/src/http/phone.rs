//! The member's phone page: their QR code, renewed every minute, so a
//! screenshot passed around stops working within two minutes.
//!
//! Reached through a personal link an admin sends (`hub member link`), or at
//! `/m` after a login with the member number and a secret staff hand out
//! (`hub member secret`); the login lasts 30 days on that phone (an HttpOnly
//! cookie holding a random session id, stored hashed). The page is small,
//! server-rendered and needs no script to work: a cheap phone reloads it by
//! itself (`<meta refresh>`); with script it also counts down.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::phone_frame::{COOKIE, message_page, page, shell};
use super::web::{escape, same_origin};
use super::{AppError, AppState, db};
use crate::store::{Center, Member};

/// The members' phone pages, under `/m`.
pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/m", get(login_page))
        .route("/m/login", post(login))
        .route("/m/logout", post(logout))
        .route("/m/secret", post(secret))
        .route("/m/{secret}", get(member_page))
}

/// How long a phone token lives, and how often the page renews it.
pub const TOKEN_TTL_S: i64 = 120;
pub const REFRESH_S: u32 = 60;

fn inactive_page() -> Response {
    message_page(
        StatusCode::FORBIDDEN,
        "会员已停用 Membership not active",
        "这个会员账号已停用，请向工作人员求助。<br>\
         This membership is not active. Please ask a staff member.",
    )
}

/// `GET /m/{link}`: the page behind an admin's personal link.
pub async fn member_page(State(state): State<AppState>, Path(secret): Path<String>) -> Response {
    let found = db(&state, move |s| {
        let Some(m) = s.member_for_link(&secret)? else {
            return Ok(None);
        };
        let center = s.center(m.center_id)?;
        Ok(Some((m, center)))
    })
    .await;
    match found {
        Ok(Some((member, center))) => qr_page(&state, &member, &center, false, false, ""),
        Ok(None) => message_page(
            StatusCode::NOT_FOUND,
            "链接无效 Link not valid",
            "这个链接无效或已更换，请向工作人员索取新的链接。<br>\
             This link is not valid or was replaced. Ask a staff member for a new one.",
        ),
        Err(e) => e.into_response(),
    }
}

/// The member's code, freshly signed.
fn qr_page(
    state: &AppState,
    member: &Member,
    center: &Center,
    logged_in: bool,
    joined: bool,
    more: &str,
) -> Response {
    if !member.active {
        return inactive_page();
    }
    let expires_at = crate::store::now_ms() / 1000 + TOKEN_TTL_S;
    let token = match u32::try_from(expires_at) {
        Ok(expires_at) => protocol::token::Claims {
            key_id: crate::keys::CURRENT_KEY_ID,
            member_id: member.id,
            expires_at,
        }
        .sign(&state.key),
        Err(_) => return AppError::Internal("clock out of range".into()).into_response(),
    };
    let svg = match crate::qr::svg(&token) {
        Ok(svg) => svg,
        Err(e) => return AppError::Internal(format!("{e:#}")).into_response(),
    };
    let logout = if logged_in {
        "<form method=\"post\" action=\"/m/secret\"><button class=\"link\" id=\"get-secret\">获取登录码（换手机或退出后用） · A login secret for another phone</button></form>\
         <form method=\"post\" action=\"/m/logout\"><button class=\"link\">退出登录 · Log out</button></form>\
         <p class=\"hint\"><a href=\"/m/delete\" id=\"delete-link\">注销账号 · Delete my account</a></p>"
    } else {
        ""
    };
    let welcome = if joined {
        format!(
            "<p class=\"welcome\" id=\"welcome\">欢迎加入！你的会员号是 <b>{id}</b>。现在就可以在签到机上扫下面的二维码签到，\
             没带手机时在签到机上输入会员号也可以。换手机或退出前，请在页面下方获取登录码并保存。手机号没有经过短信验证，工作人员会核对你的信息。<br>\
             Welcome! Your member number is <b>{id}</b>. Scan the code below at the kiosk to check in now, or type \
             your number there. Before changing phones or logging out, get a login secret below and keep it. \
             Your phone number is not verified; a staff member will confirm your details.</p>",
            id = member.id
        )
    } else {
        String::new()
    };
    let content = format!(
        "<header>{center}</header>{welcome}\
         <div class=\"name\">{name}</div>\
         <div class=\"number\" id=\"number\">会员号 Member number <b>{id}</b></div>\
         <div class=\"qr\" id=\"qr\" data-expires-at=\"{expires_at}\" data-refresh=\"{refresh}\">{svg}</div>\
         <p class=\"hint\">请在门口的签到机上扫描 · Show this at the kiosk to check in</p>\
         <p class=\"hint\" id=\"renew\">二维码每分钟自动更新 · The code renews every minute</p>{more}{logout}\
         <script>{RENEW_SCRIPT}</script>",
        center = escape(&center.name),
        name = escape(&member.display_name),
        id = member.id,
        refresh = REFRESH_S,
    );
    page(
        StatusCode::OK,
        shell("会员二维码 Member code", Some(REFRESH_S), &content),
    )
}

/// The member's own record under their sign-ups.
fn record_section(r: &crate::member_record::MemberRecord) -> String {
    let activities: String = r
        .activities
        .iter()
        .map(|a| {
            format!(
                "<li data-attended=\"{id}\">{} <span class=\"when\">{}</span>{}</li>",
                escape(&a.title),
                escape(a.date.get(5..).unwrap_or_default()),
                super::signup::rating_form(a),
                id = a.activity_id,
            )
        })
        .collect();
    let volunteer = match r.volunteer_minutes_this_month {
        Some(m) => {
            let check = if r.shifts_to_check.is_empty() {
                String::new()
            } else {
                let items: String = r
                    .shifts_to_check
                    .iter()
                    .map(|(d, t, what)| {
                        format!(
                            "<li>{} {} {}</li>",
                            escape(d.get(5..).unwrap_or_default()),
                            escape(t),
                            escape(if what.is_empty() {
                                "日常值班"
                            } else {
                                what
                            })
                        )
                    })
                    .collect();
                format!(
                    "<p class=\"hint left\">待工作人员核对的上岗记录 · Shift records staff still check:</p>\
                     <ul class=\"plain\" id=\"to-check\">{items}</ul>"
                )
            };
            let wall = if r.on_wall {
                "<p class=\"hint left\" id=\"on-wall\">中心的本月公示会以你的称呼感谢你。 · The center's monthly wall thanks you by your display name.</p>\
                 <form method=\"post\" action=\"/m/wall\" class=\"inline\"><input type=\"hidden\" name=\"on\" value=\"0\">\
                 <button class=\"small quiet\">不在公示上显示我的称呼 · Leave my name off the wall</button></form>"
            } else {
                "<form method=\"post\" action=\"/m/wall\" class=\"inline\"><input type=\"hidden\" name=\"on\" value=\"1\">\
                 <button class=\"small\">在本月公示上感谢我（显示称呼） · Thank me by name on the monthly wall</button></form>"
            };
            format!(
                "<p id=\"volunteer-hours\">本月志愿服务 {h} 小时 {min} 分 · Volunteering this month: {h} h {min} min</p>{check}{wall}",
                h = m / 60,
                min = m % 60
            )
        }
        None => String::new(),
    };
    format!(
        "<section class=\"signups\" id=\"record\"><h2>我的记录 · My record</h2>\
         <p id=\"visits\">本月到访 {v} 次 · Visits this month: {v}</p>\
         <p>本月参加的活动 · Activities this month: {n}</p><ul class=\"plain\" id=\"attended\">{activities}</ul>\
         {volunteer}</section>",
        v = r.visits_this_month,
        n = r.activities.len(),
    )
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    super::web::cookie_value(headers, COOKIE)
}

fn login_form(status: StatusCode, member: &str, message: &str) -> Response {
    let message = if message.is_empty() {
        String::new()
    } else {
        format!("<p class=\"error\" role=\"alert\">{message}</p>")
    };
    let content = format!(
        "<header>青年之家 · 会员登录 Member login</header>{message}\
         <form method=\"post\" action=\"/m/login\" class=\"login\">\
         <label>会员号 Member number<input name=\"member\" value=\"{member}\" inputmode=\"numeric\" \
         autocomplete=\"username\" required maxlength=\"10\"></label>\
         <label>登录码 Secret<input name=\"secret\" type=\"password\" autocomplete=\"current-password\" \
         required maxlength=\"20\"></label>\
         <button>登录 · Log in</button></form>\
         <p class=\"hint\">登录码由工作人员提供 · A staff member gives you your secret</p>",
        member = escape(member),
    );
    page(status, shell("会员登录 Member login", None, &content))
}

/// `GET /m`: the member's code when this phone is logged in, else the login form.
pub async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    // Just joined (the join page sends the phone here): say welcome.
    let query = uri.query().unwrap_or_default();
    let joined = query.split('&').any(|p| p == "joined=1");
    // What a sign-up or a cancellation just did.
    let said = query
        .split('&')
        .find_map(|p| p.strip_prefix("signup="))
        .and_then(super::signup::note);
    let Some(token) = session_cookie(&headers) else {
        return login_form(StatusCode::OK, "", "");
    };
    let now = crate::store::now_ms();
    let found = db(&state, move |s| {
        let Some(m) = s.member_for_session(&token, now)? else {
            return Ok(None);
        };
        let center = s.center(m.center_id)?;
        let (offers, record) = if m.active {
            (
                s.offers(m.id, super::signup::OFFER_DAYS)?,
                Some(crate::member_record::record(s, m.id)?),
            )
        } else {
            (Vec::new(), None)
        };
        Ok(Some((m, center, offers, record)))
    })
    .await;
    match found {
        Ok(Some((member, center, offers, record))) => {
            let said = said
                .map(|n| format!("<p class=\"welcome\" id=\"said\">{}</p>", escape(n)))
                .unwrap_or_default();
            let more = format!(
                "{said}{}{}",
                super::signup::section(&offers),
                record.as_ref().map(record_section).unwrap_or_default()
            );
            qr_page(&state, &member, &center, true, joined, &more)
        }
        Ok(None) => login_form(
            StatusCode::OK,
            "",
            "登录已过期，请重新登录。 · Your login has ended; please log in again.",
        ),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    member: String,
    #[serde(default)]
    secret: String,
}

const WRONG: &str = "会员号或登录码不正确。 · The member number or secret is wrong.";

/// Counts down to the code's renewal and reloads the page then. A constant,
/// so the pages' Content-Security-Policy can name it by its hash.
/// Renews the code in place: the page asks for itself again and takes
/// only the new code, so nothing else on it moves (a form being filled, a
/// screen reader's place). A failed renewal is tried again in 10 s.
pub(crate) const RENEW_SCRIPT: &str = "(function(){var q=document.getElementById('qr'),\
    r=document.getElementById('renew'),s=+q.dataset.refresh;\
    function renew(){fetch(location.pathname,{credentials:'same-origin',cache:'no-store'})\
    .then(function(x){if(!x.ok){throw x.status;}return x.text();})\
    .then(function(t){var n=new DOMParser().parseFromString(t,'text/html').getElementById('qr');\
    if(n){q.innerHTML=n.innerHTML;q.dataset.expiresAt=n.dataset.expiresAt;q.dataset.renewed=\
    (+(q.dataset.renewed||0)+1);}s=+q.dataset.refresh;})\
    .catch(function(){s=10;});}\
    setInterval(function(){s--;if(s===0){renew();}\
    if(s>0){r.textContent=s+' 秒后更新 · renews in '+s+' s';}},1000);})();";

/// `POST /m/login`: member number and secret. Like the dashboard's, wrong
/// logins count against the address, never against the member, and an
/// unknown number is answered as a wrong secret.
pub async fn login(
    State(state): State<AppState>,
    super::limit::ClientIp(ip): super::limit::ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !same_origin(&headers) {
        return message_page(
            StatusCode::FORBIDDEN,
            "请求被拒绝 Request refused",
            "请在本站的登录页登录。 · Please log in from this site's login page.",
        );
    }
    let number = form.member.trim().to_string();
    if let Some(wait) = state.login_limiter.wait(ip, std::time::Instant::now()) {
        tracing::warn!(?ip, "phone login refused: too many wrong logins");
        return super::web::too_many(
            login_form(
                StatusCode::TOO_MANY_REQUESTS,
                &number,
                &super::web::wait_text(wait),
            ),
            wait,
        );
    }
    let secret = crate::store::normalize_code(&form.secret);
    let member_id = number.parse::<u32>().ok();
    let now = crate::store::now_ms();
    let found = match member_id {
        Some(id) => match db(&state, move |s| Ok(s.member_login(id)?)).await {
            Ok(found) => found,
            Err(e) => return e.into_response(),
        },
        None => None,
    };
    let (member, hash) = match found {
        Some((member, hash)) => (Some(member), hash),
        None => (None, None),
    };
    // Unknown number, or no secret issued: as slow and as worded as a wrong
    // secret.
    let member = member.filter(|_| hash.is_some());
    let ok = match state.passwords.check(hash, secret).await {
        Ok(ok) => ok,
        Err(crate::passwords::Busy) => {
            return super::web::busy(login_form(
                StatusCode::TOO_MANY_REQUESTS,
                &number,
                super::web::BUSY,
            ));
        }
    };
    let Some((member, member_id)) = member.filter(|_| ok).zip(member_id) else {
        state.login_limiter.failed(ip, std::time::Instant::now());
        return login_form(StatusCode::UNAUTHORIZED, &number, WRONG);
    };
    state.login_limiter.succeeded(ip);
    if !member.active {
        return inactive_page();
    }
    let token = match db(
        &state,
        move |s| Ok(s.create_member_session(member_id, now)?),
    )
    .await
    {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let cookie = super::web::login_cookie(
        &headers,
        COOKIE,
        &token,
        "/m",
        crate::store::MEMBER_SESSION_MS,
        "Lax",
    );
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/m".to_string()),
            (header::SET_COOKIE, cookie),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
    )
        .into_response()
}

/// `POST /m/secret`: a logged-in member gets a new login secret, shown
/// once, for another phone or after logging out (a youth who joined from
/// their phone has none until then). Every other phone is logged out;
/// this one stays logged in.
pub async fn secret(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !same_origin(&headers) {
        return message_page(
            StatusCode::FORBIDDEN,
            "请求被拒绝 Request refused",
            "请在本站的会员页面上获取。 · Please ask from this site's member page.",
        );
    }
    let member = match super::phone_frame::logged_in(&state, &headers).await {
        Ok(Some(m)) if m.active => m,
        Ok(_) => return login_form(StatusCode::OK, "", ""),
        Err(r) => return r,
    };
    let id = member.id;
    let now = crate::store::now_ms();
    let made = db(&state, move |s| {
        let secret = s.new_member_secret(id)?;
        let session = s.create_member_session(id, now)?;
        Ok((secret, session))
    })
    .await;
    let (secret, session) = match made {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let cookie = super::web::login_cookie(
        &headers,
        COOKIE,
        &session,
        "/m",
        crate::store::MEMBER_SESSION_MS,
        "Lax",
    );
    let content = format!(
        "<header>登录码 · Login secret</header>\
         <p class=\"msg\">会员号 <b>{id}</b><br>登录码 <b id=\"secret\">{secret}</b></p>\
         <p class=\"hint\">请截图或抄下保存：换手机或退出登录后，在 /m 用会员号和登录码登录。\
         它只显示这一次；其他手机上的登录已退出。<br>Keep it (a screenshot will do): on another phone, or \
         after logging out, log in at /m with your number and this secret. It is shown only once; other \
         phones were logged out.</p><p class=\"hint\"><a href=\"/m\">返回 · Back</a></p>",
        secret = escape(&secret),
    );
    let mut res = page(StatusCode::OK, shell("登录码 Login secret", None, &content));
    if let Ok(v) = header::HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// `POST /m/logout`: ends this phone's session.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !same_origin(&headers) {
        return message_page(
            StatusCode::FORBIDDEN,
            "请求被拒绝 Request refused",
            "请在本站的页面上退出。 · Please log out from this site's page.",
        );
    }
    if let Some(token) = session_cookie(&headers)
        && let Err(e) = db(&state, move |s| Ok(s.end_member_session(&token)?)).await
    {
        return e.into_response();
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/m".to_string()),
            (
                header::SET_COOKIE,
                format!("{COOKIE}=; Path=/m; Max-Age=0; HttpOnly; SameSite=Lax"),
            ),
        ],
    )
        .into_response()
}
