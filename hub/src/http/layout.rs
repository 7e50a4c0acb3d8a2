//! The frame every page of staff and admins shares: the header with who is
//! logged in, the navigation bar (the admins' items only for admins), one
//! language at a time with a switch, and the look (wide office screens and
//! 390-pixel phones alike: on a phone a table's rows become cards).

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::AppState;
use super::error::AppError;
use super::web::{cookie_value, escape, page_in, redirect, same_origin, session};
use crate::store::users::{Role, Session};

const LANG_COOKIE: &str = "yc_lang";

/// The language a page is written in: Chinese unless the user switched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Zh,
    En,
}

impl Lang {
    pub(crate) fn of(headers: &HeaderMap) -> Lang {
        match cookie_value(headers, LANG_COOKIE).as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    /// The text in this language.
    pub(crate) fn t<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// A place in the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tab {
    Overview,
    Members,
    Activities,
    Volunteers,
    Kiosks,
    Content,
    Ledger,
    Tickets,
    Users,
    Regions,
    Audit,
}

#[derive(Deserialize)]
pub(super) struct Back {
    #[serde(default)]
    back: String,
}

/// `GET /lang/{zh|en}?back=/path`: switches the pages' language (a cookie
/// for a year) and goes back to the page it was asked from.
pub(super) async fn switch(Path(code): Path<String>, Query(q): Query<Back>) -> Response {
    let value = if code == "en" { "en" } else { "zh" };
    // Only a path of this site: never `//elsewhere` or a full address.
    let back = if q.back.starts_with('/') && !q.back.starts_with("//") && !q.back.contains('\\') {
        q.back
    } else {
        "/".to_string()
    };
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, back),
            (
                header::SET_COOKIE,
                format!("{LANG_COOKIE}={value}; Path=/; Max-Age=31536000; SameSite=Lax"),
            ),
        ],
    )
        .into_response()
}

/// The header and navigation bar of a page at `here` (its path and query,
/// to come back to after a language switch).
pub(crate) fn header(s: &Session, lang: Lang, tab: Tab, here: &str) -> String {
    let own_content = match s.user.scope {
        crate::store::users::Scope::Center(id) => format!("/content/{id}"),
        crate::store::users::Scope::Region(id) => format!("/content/region/{id}"),
    };
    let mut items = vec![
        (Tab::Overview, "/".to_string(), lang.t("概览", "Overview")),
        (
            Tab::Members,
            "/members".to_string(),
            lang.t("会员", "Members"),
        ),
        (
            Tab::Activities,
            "/activities".to_string(),
            lang.t("活动", "Activities"),
        ),
        (
            Tab::Volunteers,
            "/volunteers".to_string(),
            lang.t("志愿者", "Volunteers"),
        ),
        (
            Tab::Kiosks,
            "/kiosks".to_string(),
            lang.t("签到机", "Kiosks"),
        ),
        (Tab::Content, own_content, lang.t("内容", "Content")),
        (Tab::Ledger, "/ledger".to_string(), lang.t("台账", "Ledger")),
        (
            Tab::Tickets,
            "/tickets".to_string(),
            lang.t("留言", "Messages"),
        ),
    ];
    if s.user.role == Role::Admin {
        items.push((Tab::Users, "/users".to_string(), lang.t("用户", "Users")));
        if matches!(s.user.scope, crate::store::users::Scope::Region(_)) {
            items.push((
                Tab::Regions,
                "/regions".to_string(),
                lang.t("区域", "Regions"),
            ));
        }
        items.push((
            Tab::Audit,
            "/audit".to_string(),
            lang.t("操作记录", "Audit"),
        ));
    }
    let nav: String = items
        .into_iter()
        .map(|(t, href, label)| {
            let on = if t == tab {
                " class=\"on\" aria-current=\"page\""
            } else {
                ""
            };
            format!("<a href=\"{href}\"{on}>{label}</a>")
        })
        .collect();
    let (other, other_label) = match lang {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    let back: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
    format!(
        "<header><h1>{title}</h1><span class=\"who\">{login}</span>\
         <a class=\"lang\" id=\"switch-lang\" href=\"/lang/{other}?back={back}\">{other_label}</a>\
         <form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button>{logout}</button></form></header><nav>{nav}</nav>",
        title = lang.t("青年之家 数据平台", "Youth centers"),
        login = escape(&s.user.login),
        csrf = escape(&s.csrf),
        logout = lang.t("退出", "Log out"),
    )
}

/// A whole page in the frame.
pub(crate) fn frame(
    status: StatusCode,
    s: &Session,
    lang: Lang,
    tab: Tab,
    here: &str,
    title: &str,
    main: &str,
) -> Response {
    let body = format!("{}<main>{main}</main>", header(s, lang, tab, here));
    page_in(status, lang.code(), title, FRAME_CSS, &body)
}

/// The navigation bar, forms and lists; a list's rows become cards on a
/// narrow screen (each cell with its column's name before it).
pub(crate) const FRAME_CSS: &str = "header .who{font-size:14px;opacity:.9}\
header a.lang{color:#fff;font-size:14px}\
nav{background:#9e0b23;display:flex;flex-wrap:wrap;padding:0 12px}\
nav a{color:#fff;text-decoration:none;padding:10px 14px;font-size:15px}\
nav a.on{background:#f5f2ec;color:#9e0b23;font-weight:700}\
form.inline{display:inline;margin:0}\
.row{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin:8px 0}\
.row label{display:flex;flex-direction:column;gap:2px;font-size:13px;color:#555}\
input,select{font-size:16px;padding:7px 8px;border:1px solid #c9c2b6;border-radius:6px;background:#fff}\
button.act{font-size:15px;padding:8px 14px;border:0;border-radius:6px;background:#c8102e;color:#fff}\
button.quiet{font-size:14px;padding:5px 10px;border:1px solid #c9c2b6;border-radius:6px;background:#fff;color:#1f1f1f}\
p.note{color:#555;font-size:14px}p.done{color:#1e8e3e}\
.pager{display:flex;gap:16px;align-items:center;margin-top:8px}\
table.list td,table.list th{text-align:left}\
td.off{color:#6b6b6b}\
@media (max-width:640px){header{flex-wrap:wrap}header h1{font-size:17px;flex-basis:100%}\
main{padding:12px 10px}table.list thead{display:none}\
table.list tr{display:block;border-bottom:1px solid #e2ddd3;padding:6px 0}\
table.list td{display:flex;gap:8px;border:0;padding:3px 4px}\
table.list td::before{content:attr(data-label);color:#6b6b6b;min-width:6em}}";

pub(crate) async fn page_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Session, Response> {
    match session(state, headers).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(redirect("/login")),
        Err(e) => Err(e.into_response()),
    }
}

/// The session of a form post from the hub's own page, with its CSRF token.
pub(crate) async fn form_session(
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
/// What a settings form says above itself after a post: saved, or why it
/// was refused (in a paragraph with `error_id`, for the tests and for
/// screen readers to find).
pub(crate) fn form_outcome(lang: Lang, saved: bool, error: &str, error_id: &str) -> String {
    let mut out = String::new();
    if saved {
        out.push_str(&format!(
            "<p class=\"done\" id=\"done\">{}</p>",
            lang.t("已保存。", "Saved.")
        ));
    }
    if !error.is_empty() {
        out.push_str(&format!(
            "<p class=\"error\" id=\"{error_id}\">{}</p>",
            super::web::escape(error)
        ));
    }
    out
}

pub(crate) fn refusal(s: &Session, lang: Lang, tab: Tab, here: &str, e: AppError) -> Response {
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

/// This hub's address as the browser reached it (behind an https proxy,
/// https): what a kiosk enrolling from a code shown here is to call.
pub(crate) fn own_origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}
