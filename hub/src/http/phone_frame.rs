//! The frame of the members' phone pages (`/m…`): the page with its
//! headers, the shell with its small style sheet, a message page, and the
//! phone's login cookie. Small, server-rendered, readable on a cheap phone.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::{AppState, db};

/// The phone-login cookie; scoped to the phone pages.
pub(super) const COOKIE: &str = "yc_member";

pub(super) fn page(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            // Not "no-referrer": under it browsers send `Origin: null` with
            // the page's own form posts, which the CSRF check must refuse.
            (header::REFERRER_POLICY, "same-origin"),
        ],
        Html(body),
    )
        .into_response()
}

pub(super) fn shell(title: &str, refresh: Option<u32>, content: &str) -> String {
    // Pages renew by script, in place; a phone without scripts reloads.
    let meta = refresh
        .map(|s| format!("<noscript><meta http-equiv=\"refresh\" content=\"{s}\"></noscript>"))
        .unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">{meta}\
         <title>{title}</title><style>\
         body{{margin:0;font-family:'Noto Sans CJK SC',sans-serif;background:#f5f2ec;color:#1f1f1f;text-align:center}}\
         header{{background:#c8102e;color:#fff;padding:14px 8px;font-size:18px;font-weight:700}}\
         .name{{font-size:22px;font-weight:700;margin:18px 0 6px}}\
         .qr{{background:#fff;display:inline-block;padding:12px;border-radius:12px;margin:8px}}\
         .qr svg{{width:72vw;max-width:320px;height:auto;display:block}}\
         .hint{{color:#6b6b6b;font-size:14px;margin:6px 16px}}\
         .msg{{font-size:18px;margin:40px 16px}}\
         .error{{color:#c62828;font-size:16px;margin:16px}}\
         form.login{{display:flex;flex-direction:column;gap:14px;max-width:340px;margin:20px auto;padding:0 16px;text-align:left}}\
         form.login label{{display:flex;flex-direction:column;gap:6px;font-size:16px}}\
         form.login input{{font-size:20px;padding:10px;border:1px solid #c9c2b6;border-radius:8px}}\
         button{{font-size:18px;padding:12px;border:0;border-radius:8px;background:#c8102e;color:#fff}}\
         button.link{{background:none;color:#6b6b6b;font-size:14px;text-decoration:underline}}\
         .number{{font-size:16px;color:#6b6b6b}}.number b{{color:#1f1f1f;font-size:20px;letter-spacing:1px}}\
         .welcome{{background:#e6f4ea;color:#1e6b34;margin:12px;padding:12px;border-radius:10px;font-size:16px;text-align:left}}\
         .hint.left{{text-align:left;margin:-8px 0 0}}\
         fieldset{{border:1px solid #c9c2b6;border-radius:8px;padding:10px;display:flex;flex-direction:column;gap:10px}}\
         legend{{font-size:15px;padding:0 4px}}\
         fieldset.grid{{display:grid;grid-template-columns:1fr 1fr}}fieldset.grid legend{{grid-column:1/-1}}\
         form.login label.tick{{flex-direction:row;align-items:center;gap:8px;font-size:16px}}\
         form.login label.tick input{{width:22px;height:22px}}\
         .notice{{font-size:14px;line-height:1.6;color:#333;background:#fff;border-radius:8px;padding:10px;margin:0}}\
         .signups{{text-align:left;margin:16px 12px}}.signups h2{{font-size:17px;margin:16px 0 8px}}\
         ul.acts{{list-style:none;padding:0;margin:0;display:flex;flex-direction:column;gap:10px}}\
         ul.acts li{{background:#fff;border-radius:10px;padding:12px;font-size:15px;line-height:1.5}}\
         ul.acts .when,ul.acts .place{{color:#6b6b6b}}ul.acts .state{{color:#1e6b34;font-weight:700}}\
         form.inline{{display:block;margin-top:8px}}button.small{{font-size:16px;padding:10px 14px;width:100%}}\
         ul.plain{{margin:4px 0;padding-left:20px}}.signups p{{margin:6px 0;font-size:15px}}\
         details.rate fieldset{{border:0;padding:0;margin:6px 0}}details.rate legend{{font-size:15px;padding:0}}\
         label.face{{display:flex;align-items:center;gap:8px;min-height:44px;padding:0 10px;margin:4px 0;\
         background:#fff;border:1px solid #d9d2c5;border-radius:8px;font-size:16px}}\
         label.face input{{width:22px;height:22px}}details.rate textarea{{width:100%;box-sizing:border-box;\
         font:inherit;font-size:16px;margin:4px 0 8px}}details.rate summary{{min-height:32px;padding:6px 0}}\
         .rated{{color:#17692f;font-weight:700}}</style></head><body>{content}</body></html>"
    )
}

pub(super) fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    page(
        status,
        shell(
            title,
            None,
            &format!("<header>青年之家</header><p class=\"msg\">{message}</p>"),
        ),
    )
}

/// The member this phone is logged in as, if any.
pub(super) async fn logged_in(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<crate::store::Member>, Response> {
    let Some(token) = super::web::cookie_value(headers, COOKIE) else {
        return Ok(None);
    };
    let now = crate::store::now_ms();
    db(state, move |s| Ok(s.member_for_session(&token, now)?))
        .await
        .map_err(IntoResponse::into_response)
}
