//! The record of changes: a page for admins at `/audit`, and
//! `GET /api/v1/audit`.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::error::AppError;
use super::layout::{Lang, Tab, frame, page_session, refusal};
use super::members::admin_for;
use super::web::escape;
use super::{AppState, db};
use crate::admin::Actor;
use crate::admin::Admin;
use crate::store::audit::Entry;

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/audit", get(audit_page))
}

pub(super) fn api_routes() -> axum::Router<AppState> {
    axum::Router::new().route("/audit", get(audit))
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
        // A long list (an import's new members) by its ends and length.
        serde_json::Value::Array(items) if items.len() > 6 => format!(
            "{}, {} … {} ({})",
            shown(&items[0]),
            shown(&items[1]),
            shown(&items[items.len() - 1]),
            items.len()
        ),
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
