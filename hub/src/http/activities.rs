//! Activities on a page: a center's activities of a month with how many
//! came, and the form its staff record a new one with (the yardsticks count
//! them: at least two a month, a study club share of at least 30%).

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::error::AppError;
use super::layout::{Lang, Tab, form_session, frame, page_session, refusal};
use super::users::hidden;
use super::web::{escape, redirect};
use super::{AppState, db};
use crate::admin::activities::NewActivity;
use crate::admin::{Actor, Admin};
use crate::store::users::Session;
use protocol::catalog::ServiceCategory;

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/activities", get(page))
        .route("/activities/add", post(add_form))
}

#[derive(Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    center: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    done: String,
}

async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show(&state, &headers, s, q, "", StatusCode::OK).await
}

async fn show(
    state: &AppState,
    headers: &HeaderMap,
    s: Session,
    q: PageQuery,
    error: &str,
    status: StatusCode,
) -> Response {
    let lang = Lang::of(headers);
    let t = |zh, en| lang.t(zh, en);
    let today = chrono::Utc::now()
        .with_timezone(&crate::dashboard::NETWORK_TZ)
        .date_naive();
    let first = if q.month.trim().is_empty() {
        Some(today.with_day(1).unwrap_or(today))
    } else {
        NaiveDate::parse_from_str(&format!("{}-01", q.month.trim()), "%Y-%m-%d").ok()
    };
    let Some(first) = first else {
        return refusal(
            &s,
            lang,
            Tab::Activities,
            "/activities",
            AppError::BadRequest(format!("month {:?}: write YYYY-MM", q.month)),
        );
    };
    let last = (first + chrono::Months::new(1)) - chrono::Days::new(1);
    let chosen: Option<u64> = q.center.trim().parse().ok();
    let actor = Actor::User(s.user.clone());
    let scope = s.user.scope;
    let found = db(state, move |st| {
        let centers = st.centers_in(scope)?;
        let id = match chosen {
            Some(id) => id,
            None => centers.first().map(|c| c.id).ok_or_else(|| {
                AppError::NotFound("no center in your part of the network yet".into())
            })?,
        };
        let admin = Admin::new(st, actor);
        let center = admin.center(id)?;
        Ok((centers, center, admin.activities(id, first, last)?))
    })
    .await;
    let (centers, center, list) = match found {
        Ok(f) => f,
        Err(e) => return refusal(&s, lang, Tab::Activities, "/activities", e),
    };
    let month = first.format("%Y-%m").to_string();
    let label = |c: &str| {
        ServiceCategory::from_code(c)
            .map(|c| lang.t(c.label_zh(), c.label_en()).to_string())
            .unwrap_or_else(|| c.to_string())
    };
    let rows: String = list
        .iter()
        .map(|(a, came)| {
            format!(
                "<tr data-activity=\"{id}\"><td data-label=\"{l_date}\">{date}</td><td data-label=\"{l_time}\">{start}–{end}</td>\
                 <td data-label=\"{l_title}\">{title}</td><td data-label=\"{l_cat}\">{cat}{club}</td>\
                 <td data-label=\"{l_place}\">{place}</td><td data-label=\"{l_came}\">{came}</td></tr>",
                id = a.id,
                date = a.local_date,
                start = a.start,
                end = a.end,
                title = escape(&a.title),
                cat = escape(&label(&a.category)),
                club = if a.study_club { t(" · 学习社", " · study club") } else { "" },
                place = escape(&a.place),
                l_date = t("日期", "Date"),
                l_time = t("时间", "Time"),
                l_title = t("活动", "Activity"),
                l_cat = t("类别", "Category"),
                l_place = t("地点", "Place"),
                l_came = t("到场", "Came"),
            )
        })
        .collect();
    let chooser = if centers.len() > 1 {
        let options: String = centers
            .iter()
            .map(|c| {
                format!(
                    "<option value=\"{}\"{}>{}</option>",
                    c.id,
                    if c.id == center.id { " selected" } else { "" },
                    escape(&c.name)
                )
            })
            .collect();
        format!(
            "<label>{}<select name=\"center\">{options}</select></label>",
            t("中心", "Center")
        )
    } else {
        hidden("center", &center.id.to_string())
    };
    let categories: String = ServiceCategory::ALL
        .iter()
        .map(|c| {
            format!(
                "<option value=\"{}\">{}</option>",
                c.code(),
                escape(lang.t(c.label_zh(), c.label_en()))
            )
        })
        .collect();
    let list_html = if rows.is_empty() {
        format!(
            "<p class=\"note\" id=\"none\">{}</p>",
            t("本月还没有登记活动。", "No activity recorded this month.")
        )
    } else {
        format!(
            "<table class=\"list\" id=\"activities\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table>",
            t("日期", "Date"),
            t("时间", "Time"),
            t("活动", "Activity"),
            t("类别", "Category"),
            t("地点", "Place"),
            t("到场", "Came"),
        )
    };
    let main = format!(
        "<div class=\"card\"><h2>{heading} · {name} · {month}</h2>\
         <form method=\"get\" action=\"/activities\" class=\"row\" id=\"month\">{chooser}\
         <label>{l_month}<input type=\"month\" name=\"month\" value=\"{month}\"></label><button class=\"quiet\">{show}</button></form>\
         {done}{list_html}</div>\
         <div class=\"card\"><h2>{add_h}</h2>{error}\
         <form method=\"post\" action=\"/activities/add\" class=\"row\" id=\"add-activity\">{csrf}{center_field}\
         <label>{l_title}<input name=\"title\" required maxlength=\"100\"></label>\
         <label>{l_cat}<select name=\"category\">{categories}</select></label>\
         <label>{l_date}<input type=\"date\" name=\"date\" required value=\"{today}\"></label>\
         <label>{l_start}<input type=\"time\" name=\"start\" required></label>\
         <label>{l_end}<input type=\"time\" name=\"end\" required></label>\
         <label>{l_place}<input name=\"place\" maxlength=\"100\"></label>\
         <label><span><input type=\"checkbox\" name=\"study_club\" value=\"1\"> {l_club}</span></label>\
         <button class=\"act\">{add}</button></form><p class=\"note\">{note}</p></div>",
        heading = t("活动", "Activities"),
        name = escape(&center.name),
        l_month = t("月份", "Month"),
        show = t("查看", "Show"),
        done = if q.done.is_empty() {
            String::new()
        } else {
            format!(
                "<p class=\"done\" id=\"done\">{}</p>",
                t("已登记活动。", "Activity recorded.")
            )
        },
        add_h = t("登记活动", "Record an activity"),
        error = if error.is_empty() {
            String::new()
        } else {
            format!(
                "<p class=\"error\" id=\"activity-error\">{}</p>",
                escape(error)
            )
        },
        csrf = hidden("csrf", &s.csrf),
        center_field = hidden("center_id", &center.id.to_string()),
        l_title = t("名称", "Title"),
        l_cat = t("类别", "Category"),
        l_date = t("日期", "Date"),
        l_start = t("开始", "Start"),
        l_end = t("结束", "End"),
        l_place = t("地点", "Place"),
        l_club = t("学习社活动", "Study club"),
        add = t("登记", "Record"),
        today = today.format("%Y-%m-%d"),
        note = t(
            "到场人数按活动时间内（提前半小时起）的签到计算。每月至少 2 次活动；全年学习社活动不少于 30%。",
            "Who came is counted from check-ins during the activity (from half an hour before). At least 2 activities a month; at least 30% of the year's are study club."
        ),
    );
    frame(
        status,
        &s,
        lang,
        Tab::Activities,
        &format!("/activities?center={}&month={month}", center.id),
        t("活动", "Activities"),
        &main,
    )
}

#[derive(Deserialize)]
struct AddForm {
    #[serde(default)]
    csrf: String,
    center_id: u64,
    #[serde(default)]
    title: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    study_club: Option<String>,
}

async fn add_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<AddForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let back = PageQuery {
        center: f.center_id.to_string(),
        ..PageQuery::default()
    };
    let parsed = match (
        ServiceCategory::from_code(&f.category),
        NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d"),
    ) {
        (Some(category), Ok(date)) => Ok(NewActivity {
            title: f.title.clone(),
            category,
            study_club: f.study_club.is_some(),
            date,
            start: f.start.clone(),
            end: f.end.clone(),
            place: f.place.clone(),
        }),
        (None, _) => Err(format!("category {:?}", f.category)),
        (_, Err(_)) => Err(format!("date {:?}: YYYY-MM-DD", f.date)),
    };
    let new = match parsed {
        Ok(n) => n,
        Err(m) => {
            return show(
                &state,
                &headers,
                s,
                back,
                &m,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let month = new.date.format("%Y-%m").to_string();
    let actor = Actor::User(s.user.clone());
    let center = f.center_id;
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).add_activity(center, &new)?)
    })
    .await
    {
        Ok(_) => redirect(&format!(
            "/activities?center={center}&month={month}&done=added"
        )),
        Err(AppError::BadRequest(m)) => {
            show(
                &state,
                &headers,
                s,
                back,
                &m,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => refusal(&s, Lang::of(&headers), Tab::Activities, "/activities", e),
    }
}
