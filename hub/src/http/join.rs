//! Joining from a phone: the page behind the kiosk's 加入 / Join code
//! (`/m/join/{center}`). A short form (name, phone, birth year, school or
//! work, interests), a plain-Chinese notice of what is kept and why, and a
//! guardian's name, phone and consent under 14. On submit the phone is
//! logged in as on `/m` and shows the member number and the renewing code
//! at once; a kiosk welcomes that code offline too. The phone number is not
//! verified (no SMS): the page says so, and staff see the member as
//! unconfirmed. Joins are limited per address and per phone number.
//!
//! Leaving: `/m/delete` asks a logged-in member to confirm, then erases
//! them (their personal data goes; past visits stay as bare counts).

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use protocol::catalog::ServiceCategory;

use super::phone_frame::{COOKIE, logged_in, message_page, page, shell};
use super::web::{escape, same_origin};
use super::{AppState, db};
use crate::store::joins::{GUARDIAN_BELOW_AGE, Join, Refused};

pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/m/join/{center}", get(form_page).post(submit))
        .route("/m/delete", get(delete_page).post(delete))
}

/// What a youth is told about their information, in plain Chinese first.
const NOTICE: &str = "<b>个人信息怎么用</b>：我们只保存你的姓名、手机号、出生年份，以及你选填的学校或单位和兴趣，\
    用于会员签到、活动报名和本中心的服务统计，不会提供给其他机构。签到机上只显示你的称呼（例如“林同学”），\
    不显示手机号和出生年份。手机号没有经过短信验证，请填写你自己的号码。你可以随时在会员页面注销账号：\
    注销后你的个人信息会被删除，过去的到访只保留为不含个人信息的人数统计。未满 14 周岁的，需要监护人同意。\
    <br><small>What we keep: your name, phone number and birth year, and if you give them your school or \
    work and interests, for check-in, activity sign-up and this center's service figures; never passed on. \
    Kiosks show only a short name. The phone number is not verified by SMS. You can delete your account on \
    your member page at any time; past visits then stay only as anonymous counts. Under 14, a parent or \
    guardian must agree.</small>";

fn this_year() -> i32 {
    chrono::Utc::now()
        .with_timezone(&crate::dashboard::NETWORK_TZ)
        .year()
}

/// The form, filled with what was sent (after a refusal) and the reason.
fn form(
    center: &str,
    center_id: u64,
    f: &HashMap<String, String>,
    refused: Option<Refused>,
) -> Response {
    let v = |k: &str| escape(f.get(k).map(String::as_str).unwrap_or_default());
    let ticked = |k: &str| if f.contains_key(k) { " checked" } else { "" };
    let interests: String = ServiceCategory::ALL
        .iter()
        .map(|c| {
            let key = format!("i_{}", c.code());
            format!(
                "<label class=\"tick\"><input type=\"checkbox\" name=\"{key}\" value=\"1\"{on}> {zh}</label>",
                on = ticked(&key),
                zh = escape(c.label_zh()),
            )
        })
        .collect();
    let error = refused
        .map(|r| {
            format!(
                "<p class=\"error\" role=\"alert\" id=\"join-error\">{}</p>",
                escape(r.words())
            )
        })
        .unwrap_or_default();
    let year = this_year();
    let content = format!(
        "<header>{center} · 加入会员 Join</header>{error}\
         <form method=\"post\" action=\"/m/join/{center_id}\" class=\"login\" id=\"join\">\
         <label>姓名 Name<input name=\"name\" value=\"{name}\" required maxlength=\"60\" autocomplete=\"name\"></label>\
         <label>手机号 Phone<input name=\"phone\" value=\"{phone}\" required maxlength=\"24\" inputmode=\"tel\" autocomplete=\"tel\"></label>\
         <p class=\"hint left\">手机号不做短信验证 · The number is not verified by SMS</p>\
         <label>出生年份 Year of birth<input name=\"birth_year\" value=\"{birth}\" required inputmode=\"numeric\" \
         maxlength=\"4\" placeholder=\"{example}\"></label>\
         <label>学校或单位（选填） School or work (optional)<input name=\"school_or_work\" value=\"{school}\" maxlength=\"60\"></label>\
         <fieldset class=\"grid\"><legend>感兴趣的服务（选填） What interests you (optional)</legend>{interests}</fieldset>\
         <fieldset><legend>未满 {age} 岁请填写 · Under {age}: a parent or guardian</legend>\
         <label>监护人姓名 Guardian's name<input name=\"guardian_name\" value=\"{gname}\" maxlength=\"60\"></label>\
         <label>监护人电话 Guardian's phone<input name=\"guardian_phone\" value=\"{gphone}\" maxlength=\"24\" inputmode=\"tel\"></label>\
         <label class=\"tick\"><input type=\"checkbox\" name=\"guardian_consent\" value=\"1\"{gok}> \
         监护人已阅读下方说明并同意 · My guardian has read the notice below and agrees</label></fieldset>\
         <p class=\"notice\" id=\"notice\">{NOTICE}</p>\
         <label class=\"tick\"><input type=\"checkbox\" name=\"privacy\" value=\"1\"{pok} required> \
         我已阅读并同意 · I have read and accept this</label>\
         <button>加入 · Join</button></form>",
        center = escape(center),
        name = v("name"),
        phone = v("phone"),
        birth = v("birth_year"),
        example = year - 16,
        school = v("school_or_work"),
        age = GUARDIAN_BELOW_AGE,
        gname = v("guardian_name"),
        gphone = v("guardian_phone"),
        gok = ticked("guardian_consent"),
        pok = ticked("privacy"),
    );
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page(status, shell("加入会员 Join", None, &content))
}

fn no_center() -> Response {
    message_page(
        StatusCode::NOT_FOUND,
        "找不到这个中心 Center not found",
        "这个加入链接无效，请扫描签到机上的“加入”二维码。<br>\
         This join link is not valid; scan the Join code on the kiosk.",
    )
}

/// `GET /m/join/{center}`: the join form.
async fn form_page(State(state): State<AppState>, Path(center): Path<u64>) -> Response {
    match db(&state, move |s| Ok(s.center(center)?)).await {
        Ok(c) => form(&c.name, c.id, &HashMap::new(), None),
        Err(super::AppError::NotFound(_)) => no_center(),
        Err(e) => e.into_response(),
    }
}

/// `POST /m/join/{center}`: a youth joins; the phone is logged in.
async fn submit(
    State(state): State<AppState>,
    super::limit::ClientIp(ip): super::limit::ClientIp,
    headers: HeaderMap,
    Path(center): Path<u64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> Response {
    if !same_origin(&headers) {
        return message_page(
            StatusCode::FORBIDDEN,
            "请求被拒绝 Request refused",
            "请在本站的加入页面填写。 · Please join from this site's join page.",
        );
    }
    let c = match db(&state, move |s| Ok(s.center(center)?)).await {
        Ok(c) => c,
        Err(super::AppError::NotFound(_)) => return no_center(),
        Err(e) => return e.into_response(),
    };
    let now = std::time::Instant::now();
    if let Some(wait) = state.join_limiter.wait(ip, now) {
        tracing::warn!(?ip, "join refused: too many from one address");
        return super::web::too_many(
            message_page(
                StatusCode::TOO_MANY_REQUESTS,
                "请稍后再试 Please wait",
                &format!(
                    "这个网络刚才有很多人注册，请稍后再试，或向工作人员求助。 {}",
                    escape(&super::web::wait_text(wait))
                ),
            ),
            wait,
        );
    }
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let join = Join {
        name: get("name"),
        phone: get("phone"),
        birth_year: get("birth_year").trim().parse().ok(),
        school_or_work: get("school_or_work"),
        interests: ServiceCategory::ALL
            .iter()
            .copied()
            .filter(|c| f.contains_key(&format!("i_{}", c.code())))
            .collect(),
        guardian_name: get("guardian_name"),
        guardian_phone: get("guardian_phone"),
        guardian_consent: f.contains_key("guardian_consent"),
        privacy_consent: f.contains_key("privacy"),
    };
    let year = this_year();
    let joined = match db(&state, move |s| {
        Ok(crate::admin::joins::join(s, center, &join, year)?)
    })
    .await
    {
        Ok(j) => j,
        Err(e) => return e.into_response(),
    };
    let joining = match joined {
        Ok(j) => j,
        Err(refused) => return form(&c.name, c.id, &f, Some(refused)),
    };
    state.join_limiter.failed(ip, now);
    tracing::info!(
        member = joining.member.id,
        center,
        "a youth joined from their phone"
    );
    let cookie = super::web::login_cookie(
        &headers,
        COOKIE,
        &joining.session,
        "/m",
        crate::store::MEMBER_SESSION_MS,
        "Lax",
    );
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/m?joined=1".to_string()),
            (header::SET_COOKIE, cookie),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
    )
        .into_response()
}

fn not_logged_in() -> Response {
    message_page(
        StatusCode::UNAUTHORIZED,
        "请先登录 Please log in",
        "请在这部手机上登录会员页面后再注销。 · Log in on this phone first.<br><a href=\"/m\">/m</a>",
    )
}

/// `GET /m/delete`: what deleting means, and the button.
async fn delete_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let m = match logged_in(&state, &headers).await {
        Ok(Some(m)) => m,
        Ok(None) => return not_logged_in(),
        Err(r) => return r,
    };
    let content = format!(
        "<header>注销账号 · Delete my account</header>\
         <p class=\"msg\">会员号 {id}：注销后，你的姓名、手机号、出生年份和注册时填写的信息都会被删除，\
         会员码、会员卡和会员号都不能再签到。过去的到访只保留为不含个人信息的人数统计。这一步不能撤销。<br>\
         <small>Member {id}: your name, phone number, year of birth and what you told when joining are deleted, \
         and your code, cards and number no longer check in. Past visits stay only as anonymous counts. \
         This cannot be undone.</small></p>\
         <form method=\"post\" action=\"/m/delete\" class=\"login\" id=\"delete\">\
         <label class=\"tick\"><input type=\"checkbox\" name=\"sure\" value=\"1\" required> 我确认注销 · I am sure</label>\
         <button>注销 · Delete</button></form>\
         <p class=\"hint\"><a href=\"/m\">返回 · Back</a></p>",
        id = m.id
    );
    page(
        StatusCode::OK,
        shell("注销账号 Delete my account", None, &content),
    )
}

/// `POST /m/delete`: the member of this phone is erased, and logged out.
async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> Response {
    if !same_origin(&headers) {
        return message_page(
            StatusCode::FORBIDDEN,
            "请求被拒绝 Request refused",
            "请在本站的页面上注销。 · Please delete from this site's page.",
        );
    }
    let m = match logged_in(&state, &headers).await {
        Ok(Some(m)) => m,
        Ok(None) => return not_logged_in(),
        Err(r) => return r,
    };
    if !f.contains_key("sure") {
        return delete_page(State(state), headers).await;
    }
    let id = m.id;
    if let Err(e) = db(&state, move |s| Ok(crate::admin::joins::erase_own(s, id)?)).await {
        return e.into_response();
    }
    tracing::info!(member = id, "a member deleted their account");
    (
        StatusCode::OK,
        [
            (
                header::SET_COOKIE,
                format!("{COOKIE}=; Path=/m; Max-Age=0; HttpOnly; SameSite=Lax"),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        axum::response::Html(shell(
            "已注销 Deleted",
            None,
            "<header>青年之家</header><p class=\"msg\" id=\"deleted\">你的账号已注销，个人信息已删除。欢迎随时再来！<br>\
             Your account is deleted, and your personal data with it. Come back any time!</p>",
        )),
    )
        .into_response()
}
