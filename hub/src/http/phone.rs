//! The member's phone page: their QR code, renewed every minute, so a
//! screenshot passed around stops working within two minutes.
//!
//! Reached through a personal link an admin sends (`hub member link`). The
//! page is small, server-rendered and needs no script to work: a cheap phone
//! reloads it by itself (`<meta refresh>`); with script it also counts down.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::{AppError, AppState, db};

/// How long a phone token lives, and how often the page renews it.
pub const TOKEN_TTL_S: i64 = 120;
pub const REFRESH_S: u32 = 60;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(body),
    )
        .into_response()
}

fn shell(title: &str, refresh: Option<u32>, content: &str) -> String {
    let meta = refresh
        .map(|s| format!("<meta http-equiv=\"refresh\" content=\"{s}\">"))
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
         .msg{{font-size:18px;margin:40px 16px}}</style></head><body>{content}</body></html>"
    )
}

pub async fn member_page(State(state): State<AppState>, Path(secret): Path<String>) -> Response {
    let key = state.key.clone();
    let found = db(&state, move |s| {
        let Some(m) = s.member_for_link(&secret)? else {
            return Ok(None);
        };
        let center = s.center(m.center_id)?;
        Ok(Some((m, center)))
    })
    .await;
    let (member, center) = match found {
        Ok(Some(found)) => found,
        Ok(None) => {
            return page(
                StatusCode::NOT_FOUND,
                shell(
                    "链接无效 Link not valid",
                    None,
                    "<header>青年之家</header><p class=\"msg\">这个链接无效或已更换，请向工作人员索取新的链接。<br>\
                     This link is not valid or was replaced. Ask a staff member for a new one.</p>",
                ),
            );
        }
        Err(e) => return e.into_response(),
    };
    if !member.active {
        return page(
            StatusCode::FORBIDDEN,
            shell(
                "会员已停用 Membership not active",
                None,
                "<header>青年之家</header><p class=\"msg\">这个会员账号已停用，请向工作人员求助。<br>\
                 This membership is not active. Please ask a staff member.</p>",
            ),
        );
    }
    let expires_at = crate::store::now_ms() / 1000 + TOKEN_TTL_S;
    let token = match u32::try_from(expires_at) {
        Ok(expires_at) => protocol::token::Claims {
            key_id: crate::keys::CURRENT_KEY_ID,
            member_id: member.id,
            expires_at,
        }
        .sign(&key),
        Err(_) => return AppError::Internal("clock out of range".into()).into_response(),
    };
    let svg = match qrcode::QrCode::with_error_correction_level(&token, qrcode::EcLevel::M) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build(),
        Err(e) => return AppError::Internal(format!("QR: {e}")).into_response(),
    };
    let content = format!(
        "<header>{center}</header>\
         <div class=\"name\">{name}</div>\
         <div class=\"qr\" id=\"qr\" data-expires-at=\"{expires_at}\">{svg}</div>\
         <p class=\"hint\">请在门口的签到机上扫描 · Show this at the kiosk to check in</p>\
         <p class=\"hint\" id=\"renew\">二维码每分钟自动更新 · The code renews every minute</p>\
         <script>var s={refresh};setInterval(function(){{s--;if(s<=0){{location.reload();}}\
         else{{document.getElementById('renew').textContent=s+' 秒后更新 · renews in '+s+' s';}}}},1000);</script>",
        center = escape(&center.name),
        name = escape(&member.display_name),
        refresh = REFRESH_S,
    );
    page(
        StatusCode::OK,
        shell("会员二维码 Member code", Some(REFRESH_S), &content),
    )
}
