//! A center's day, opened from the dashboard: visits by hour, visitors by
//! purpose and age band, and the day's list by display name (never a full
//! name), for the center's staff and the admins above it.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::layout::{Lang, Tab, frame, page_session, refusal};
use super::web::escape;
use super::{AppState, db};
use crate::admin::{Actor, Admin};
use protocol::catalog::{AgeBand, ServiceCategory};

/// The most visits the day's list shows.
const DAY_LIST: u64 = 1000;

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/centers/{id}/day", get(day_page))
}

#[derive(Deserialize, Default)]
struct DayQuery {
    #[serde(default)]
    date: String,
}

async fn day_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Query(q): Query<DayQuery>,
) -> Response {
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = Lang::of(&headers);
    let t = |zh, en| lang.t(zh, en);
    let here = format!("/centers/{id}/day");
    let actor = Actor::User(s.user.clone());
    let date = q.date.trim().to_string();
    let found = db(&state, move |st| {
        let center = Admin::new(st, actor).center(id)?;
        let day = if date.is_empty() {
            crate::report::parse_date("today", center.tz())?
        } else {
            crate::report::parse_date(&date, center.tz())?
        };
        let report = crate::report::daily(st, id, day)?;
        let list = crate::report::day_list(st, id, day, DAY_LIST)?;
        Ok((center, report, list))
    })
    .await;
    let (center, r, list) = match found {
        Ok(f) => f,
        Err(e) => return refusal(&s, lang, Tab::Overview, &here, e),
    };
    let tile = |label: &str, value: u64, id: &str| {
        format!(
            "<div class=\"tile\"><div class=\"label\">{label}</div><div class=\"value\" id=\"{id}\">{value}</div></div>"
        )
    };
    let mut tiles = [
        tile(t("到访人次", "Visits"), r.total, "total"),
        tile(
            t("来访会员（人）", "Members who came"),
            r.distinct_members,
            "members",
        ),
        tile(t("访客", "Visitors"), r.visitors, "visitors"),
        tile(t("已作废", "Voided"), r.voided, "voided"),
    ]
    .concat();
    // At a center that asks members to check out: how long they stayed.
    if let Some(m) = r.stay_minutes {
        tiles.push_str(&format!(
            "<div class=\"tile\"><div class=\"label\">{label}</div><div class=\"value\" id=\"stay\">{value}</div>\
             <div class=\"note\">{note}</div></div>",
            label = t("平均停留", "Average stay"),
            value = if lang == Lang::En {
                format!("{} h {:02} min", m / 60, m % 60)
            } else {
                format!("{} 小时 {} 分", m / 60, m % 60)
            },
            note = if lang == Lang::En {
                format!("{} checked out", r.checked_out)
            } else {
                format!("{} 人次签退", r.checked_out)
            },
        ));
    }
    let hours: Vec<(String, u64)> = r
        .by_hour
        .iter()
        .enumerate()
        .map(|(h, n)| (format!("{h:02}"), *n))
        .collect();
    let chart = crate::dashboard::bar_chart(&hours, 24, |h| h.to_string()).unwrap_or_default();
    let breakdown = |map: &std::collections::BTreeMap<String, u64>,
                     label: &dyn Fn(&str) -> String,
                     id: &str| {
        if map.is_empty() {
            return format!(
                "<p class=\"note\">{}</p>",
                t("当天没有访客。", "No visitors that day.")
            );
        }
        let mut items: Vec<(&String, &u64)> = map.iter().collect();
        items.sort_by(|a, b| b.1.cmp(a.1));
        let rows: String = items
            .iter()
            .map(|(k, n)| format!("<tr><td>{}</td><td>{n}</td></tr>", escape(&label(k))))
            .collect();
        format!("<table id=\"{id}\">{rows}</table>")
    };
    let age = |c: &str| {
        AgeBand::from_code(c)
            .map(|a| lang.t(a.label_zh(), a.label_en()).to_string())
            .unwrap_or_else(|| c.to_string())
    };
    let purpose = |c: &str| {
        ServiceCategory::from_code(c)
            .map(|p| lang.t(p.label_zh(), p.label_en()).to_string())
            .unwrap_or_else(|| c.to_string())
    };
    let rows: String = list
        .iter()
        .map(|v| {
            let who = match v.member_id {
                Some(id) => format!("{} ({id})", escape(&v.who)),
                None => format!(
                    "{} · {} · {}",
                    t("访客", "visitor"),
                    escape(&v.age_band.as_deref().map(age).unwrap_or_default()),
                    escape(&v.purpose.as_deref().map(purpose).unwrap_or_default())
                ),
            };
            format!(
                "<tr><td data-label=\"{}\">{}</td><td data-label=\"{}\">{who}</td></tr>",
                t("时间", "Time"),
                v.time,
                t("来访", "Who"),
            )
        })
        .collect();
    let main = format!(
        "<div class=\"card\"><h2>{name} · {date}</h2>\
         <form method=\"get\" action=\"{here}\" class=\"row\" id=\"day\"><label>{l_date}\
         <input type=\"date\" name=\"date\" value=\"{date}\"></label><button class=\"quiet\">{show}</button></form>\
         <div class=\"tiles\">{tiles}</div></div>\
         <div class=\"card\"><h2>{by_hour}</h2>{chart}</div>\
         <div class=\"pair\"><div class=\"card\"><h2>{by_purpose}</h2>{purposes}</div>\
         <div class=\"card\"><h2>{by_age}</h2>{ages}</div></div>\
         <div class=\"card\"><h2>{list_heading} ({n})</h2>{list}</div>",
        name = escape(&center.name),
        date = r.date,
        l_date = t("日期", "Day"),
        show = t("查看", "Show"),
        by_hour = t("各时段到访", "Visits by hour"),
        by_purpose = t("访客来访目的", "Visitors by purpose"),
        by_age = t("访客年龄段", "Visitors by age"),
        purposes = breakdown(&r.by_category, &purpose, "purposes"),
        ages = breakdown(&r.by_age_band, &age, "ages"),
        list_heading = t("当天来访", "The day's visits"),
        n = list.len(),
        list = if rows.is_empty() {
            format!(
                "<p class=\"note\" id=\"no-visits\">{}</p>",
                t("当天没有来访。", "Nobody came that day.")
            )
        } else {
            format!(
                "<table class=\"list\" id=\"visits\"><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table>",
                t("时间", "Time"),
                t("来访", "Who")
            )
        },
    );
    frame(
        StatusCode::OK,
        &s,
        lang,
        Tab::Overview,
        &here,
        t("中心当日", "A center's day"),
        &main,
    )
}
