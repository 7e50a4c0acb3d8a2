//! Activities on a page: a center's activities of a month (as its content
//! plans them) with how many came; its staff mark each held or cancelled,
//! correct how many came, and add a one-off activity to the center's
//! content (the yardsticks count them: at least two a month, a study club
//! share of at least 30%).

use axum::Form;
use axum::extract::{Path, Query, State};
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
use crate::store::activities::{Activity, Status};
use crate::store::users::Session;
use protocol::catalog::ServiceCategory;

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/activities", get(page))
        .route("/activities/add", post(add_form))
        .route("/activities/{id}/status", post(status_form))
        .route("/activities/{id}/attendance", post(attendance_form))
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
    show(&state, &headers, s, q, None, StatusCode::OK).await
}

async fn show(
    state: &AppState,
    headers: &HeaderMap,
    s: Session,
    q: PageQuery,
    // A refused quick form: why, and what was typed (shown again).
    refused: Option<(&str, &AddForm)>,
    status: StatusCode,
) -> Response {
    let error = refused.map(|(m, _)| m).unwrap_or_default();
    let typed = refused.map(|(_, f)| f);
    let kept = |v: fn(&AddForm) -> &str| typed.map(v).map(escape).unwrap_or_default();
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
        let list = admin.activities(id, first, last)?;
        let ids: Vec<u64> = list.iter().map(|(a, _)| a.id).collect();
        let signed: std::collections::HashMap<u64, (u64, u64)> = st
            .signup_counts(&ids)?
            .into_iter()
            .map(|(id, booked, waiting)| (id, (booked, waiting)))
            .collect();
        let mut turnout = std::collections::HashMap::new();
        let mut rated = std::collections::HashMap::new();
        for (a, _) in &list {
            let r = crate::yardsticks::activity_ratings(st, &center, a)?;
            if r.0 > 0 {
                rated.insert(a.id, (r, st.activity_comments(a.id)?));
            }
            if let Some(t) = crate::yardsticks::turnout(st, &center, a)? {
                turnout.insert(a.id, t);
            }
        }
        Ok((centers, center, list, signed, turnout, rated))
    })
    .await;
    let (centers, center, list, signed, turnout, rated) = match found {
        Ok(f) => f,
        Err(e) => return refusal(&s, lang, Tab::Activities, "/activities", e),
    };
    let month = first.format("%Y-%m").to_string();
    let label = |c: &str| {
        ServiceCategory::from_code(c)
            .map(|c| lang.t(c.label_zh(), c.label_en()).to_string())
            .unwrap_or_else(|| c.to_string())
    };
    let csrf = hidden("csrf", &s.csrf);
    let today_ymd = today.format("%Y-%m-%d").to_string();
    let rows: String = list
        .iter()
        .map(|(a, came)| {
            let status = match a.status {
                Status::Cancelled => t("已取消", "cancelled"),
                Status::Withdrawn => t("已从内容删除", "taken out of the content"),
                Status::Held => t("已举办", "held"),
                Status::Scheduled if a.local_date <= today_ymd => t("待确认", "to confirm"),
                Status::Scheduled => t("未开始", "coming"),
            };
            let button = |to: Status, zh: &'static str, en: &'static str| {
                format!(
                    "<form method=\"post\" action=\"/activities/{id}/status\" class=\"inline\">{csrf}\
                     <input type=\"hidden\" name=\"status\" value=\"{code}\">\
                     <button class=\"quiet\">{label}</button></form>",
                    id = a.id,
                    code = to.code(),
                    label = t(zh, en),
                )
            };
            let mut actions = String::new();
            if a.status != Status::Held && a.local_date <= today_ymd && !a.room {
                actions.push_str(&button(Status::Held, "确认已举办", "Mark held"));
            }
            if !a.status.is_off() {
                actions.push_str(&button(Status::Cancelled, "取消", "Cancel"));
            } else {
                actions.push_str(&button(Status::Scheduled, "恢复", "Restore"));
            }
            let correct = if a.local_date <= today_ymd && !a.status.is_off() && !a.room {
                format!(
                    "<form method=\"post\" action=\"/activities/{id}/attendance\" class=\"inline\">{csrf}\
                     <label>{l_fix}<input type=\"number\" name=\"came\" min=\"0\" max=\"10000\" value=\"{value}\" \
                     style=\"width:5em\"></label><button class=\"quiet\">{save}</button></form>",
                    id = a.id,
                    value = a.attendance_override.map(|n| n.to_string()).unwrap_or_default(),
                    l_fix = t("更正到场", "Correct"),
                    save = t("保存", "Save"),
                )
            } else {
                String::new()
            };
            format!(
                "<tr data-activity=\"{id}\" data-status=\"{code}\"><td data-label=\"{l_date}\">{date}</td><td data-label=\"{l_time}\">{start}–{end}</td>\
                 <td data-label=\"{l_title}\">{title}</td><td data-label=\"{l_cat}\">{cat}{club}</td>\
                 <td data-label=\"{l_place}\">{place}</td><td data-label=\"{l_status}\">{status}</td>\
                 <td data-label=\"{l_signed}\" class=\"signed\">{signed}</td>\
                 <td data-label=\"{l_came}\" class=\"came\">{came}{fixed}{places}{turnout}</td>\
                 <td data-label=\"{l_do}\">{actions}{correct}</td></tr>",
                id = a.id,
                code = a.status.code(),
                date = a.local_date,
                start = a.start,
                end = a.end,
                title = escape(&a.title),
                cat = escape(&label(&a.category)),
                club = if a.room {
                    t(" · 房间预约（不计为活动）", " · room booking (not an activity)")
                } else if a.study_club {
                    t(" · 学习社", " · study club")
                } else {
                    ""
                },
                place = escape(&a.place),
                fixed = if a.attendance_override.is_some() { t("（已更正）", " (corrected)") } else { "" },
                places = a
                    .capacity
                    .map(|c| format!(" / {c}"))
                    .unwrap_or_default(),
                // Members by their sign-ups, once its day has come: who of
                // those booked came, who came without, who did not (yet).
                turnout = match turnout.get(&a.id) {
                    Some(tu) if a.local_date <= today_ymd
                        && tu.booked_came + tu.walk_ins + tu.no_shows > 0 =>
                    {
                        format!(
                            "<br><small class=\"turnout\">{} {} · {} {} · {} {}</small>",
                            t("报名到场", "signed up and came"),
                            tu.booked_came,
                            t("现场加入", "walk-ins"),
                            tu.walk_ins,
                            t("报名未到", "signed up, not come"),
                            tu.no_shows
                        )
                    }
                    _ => String::new(),
                } + &match rated.get(&a.id) {
                    // 好差评 of those who came for it, and what they wrote
                    // (never who wrote it).
                    Some(((n, ok), comments)) => {
                        let said: String = comments
                            .iter()
                            .map(|c| {
                                format!(
                                    "<li><b>{}</b> {}</li>",
                                    t(c.satisfaction.label_zh(), c.satisfaction.label_en()),
                                    escape(&c.comment)
                                )
                            })
                            .collect();
                        let said = if said.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "<details class=\"comments\"><summary>{} {}</summary><ul>{said}</ul></details>",
                                t("留言", "Comments"),
                                comments.len()
                            )
                        };
                        format!(
                            "<br><small class=\"rated\">{} {:.0}% ({n} {})</small>{said}",
                            t("满意率", "satisfied"),
                            *ok as f64 * 100.0 / *n as f64,
                            t("条评价", "ratings")
                        )
                    }
                    None => String::new(),
                },
                l_date = t("日期", "Date"),
                l_time = t("时间", "Time"),
                l_title = t("活动", "Activity"),
                l_cat = t("类别", "Category"),
                l_place = t("地点", "Place"),
                l_status = t("状态", "Status"),
                l_came = t("到场", "Came"),
                l_signed = t("报名 / 候补", "Signed up / waiting"),
                signed = match signed.get(&a.id) {
                    Some((b, w)) if *b + *w > 0 => format!("{b} / {w}"),
                    _ => String::new(),
                },
                l_do = t("操作", "Actions"),
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
                "<option value=\"{}\"{}>{}</option>",
                c.code(),
                if typed.is_some_and(|f| f.category == c.code()) {
                    " selected"
                } else {
                    ""
                },
                escape(lang.t(c.label_zh(), c.label_en()))
            )
        })
        .collect();
    let list_html = if rows.is_empty() {
        format!(
            "<p class=\"note\" id=\"none\">{}</p>",
            t(
                "本月还没有活动。在内容编辑里发布的活动会出现在这里。",
                "No activity this month. Activities published in the content editor show here."
            )
        )
    } else {
        format!(
            "<table class=\"list\" id=\"activities\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table>",
            t("日期", "Date"),
            t("时间", "Time"),
            t("活动", "Activity"),
            t("类别", "Category"),
            t("地点", "Place"),
            t("状态", "Status"),
            t("报名 / 候补", "Signed up / waiting"),
            t("到场", "Came"),
            t("操作", "Actions"),
        )
    };
    let main = format!(
        "<div class=\"card\"><h2>{heading} · {name} · {month}</h2>\
         <form method=\"get\" action=\"/activities\" class=\"row\" id=\"month\">{chooser}\
         <label>{l_month}<input type=\"month\" name=\"month\" value=\"{month}\"></label><button class=\"quiet\">{show}</button></form>\
         {done}{list_html}</div>\
         <div class=\"card\"><h2>{add_h}</h2><p class=\"note\">{editor_note} <a href=\"/content/{center_id}\">{editor}</a></p>{error}\
         <form method=\"post\" action=\"/activities/add\" class=\"row\" id=\"add-activity\">{csrf}{center_field}\
         <label>{l_title}<input name=\"title\" required maxlength=\"100\" value=\"{v_title}\"></label>\
         <label>{l_cat}<select name=\"category\">{categories}</select></label>\
         <label>{l_date}<input type=\"date\" name=\"date\" required value=\"{v_date}\"></label>\
         <label>{l_start}<input type=\"time\" name=\"start\" required value=\"{v_start}\"></label>\
         <label>{l_end}<input type=\"time\" name=\"end\" required value=\"{v_end}\"></label>\
         <label>{l_place}<input name=\"place\" maxlength=\"100\" value=\"{v_place}\"></label>\
         <label>{l_places}<input type=\"number\" name=\"capacity\" min=\"1\" max=\"10000\" style=\"width:6em\" value=\"{v_places}\"></label>\
         <label><span><input type=\"checkbox\" name=\"study_club\" value=\"1\"{v_club}> {l_club}</span></label>\
         <button class=\"act\">{add}</button></form><p class=\"note\">{note}</p></div>",
        heading = t("活动", "Activities"),
        name = escape(&center.name),
        l_month = t("月份", "Month"),
        show = t("查看", "Show"),
        done = match q.done.as_str() {
            "" => String::new(),
            "added" => format!(
                "<p class=\"done\" id=\"done\">{}</p>",
                t(
                    "活动已加入本中心的内容并发布，签到机下次同步后显示。",
                    "The activity was added to the center's content and published; kiosks show it after their next sync."
                )
            ),
            _ => format!(
                "<p class=\"done\" id=\"done\">{}</p>",
                t(
                    "已保存，已记入操作记录。",
                    "Saved, and recorded in the record of changes."
                )
            ),
        },
        add_h = t("加一次活动", "Add a one-off activity"),
        editor_note = t(
            "活动以本中心发布的内容为准：每周固定的活动、图片和报名链接请在内容编辑里设置。",
            "Activities are the ones the center publishes: set weekly activities, pictures and sign-up links in the content editor."
        ),
        editor = t("打开内容编辑", "Open the content editor"),
        center_id = center.id,
        l_places = t("名额", "Places"),
        error = if error.is_empty() {
            String::new()
        } else {
            format!(
                "<p class=\"error\" id=\"activity-error\">{}</p>",
                escape(error)
            )
        },
        csrf = csrf,
        center_field = hidden("center_id", &center.id.to_string()),
        l_title = t("名称", "Title"),
        l_cat = t("类别", "Category"),
        l_date = t("日期", "Date"),
        l_start = t("开始", "Start"),
        l_end = t("结束", "End"),
        l_place = t("地点", "Place"),
        l_club = t("学习社活动", "Study club"),
        add = t("发布", "Publish"),
        v_title = kept(|f| &f.title),
        v_date = match typed {
            Some(f) => escape(&f.date),
            None => today.format("%Y-%m-%d").to_string(),
        },
        v_start = kept(|f| &f.start),
        v_end = kept(|f| &f.end),
        v_place = kept(|f| &f.place),
        v_places = kept(|f| &f.capacity),
        v_club = if typed.is_some_and(|f| f.study_club.is_some()) {
            " checked"
        } else {
            ""
        },
        note = t(
            "到场人数：活动时间内（提前半小时起）签到、且报名了该活动或在签到机上选了该活动的会员，加上为活动而来的访客；工作人员可事后更正。取消的活动不计入。每月至少 2 次活动、40 参加人次；全年学习社活动不少于 30%。",
            "Who came: members who checked in during the activity (from half an hour before) and signed up for it or chose it at the kiosk, and visitors who came for it; staff may correct it afterwards. Cancelled activities are not counted. At least 2 activities and 40 participant-visits a month; at least 30% of the year's are study club."
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
    #[serde(default)]
    capacity: String,
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
    let capacity = match f.capacity.trim() {
        "" => Ok(None),
        n => n
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .map(Some)
            .ok_or_else(|| format!("places {n:?}: a number from 1 to 10000, or empty")),
    };
    let parsed = match (
        ServiceCategory::from_code(&f.category),
        NaiveDate::parse_from_str(f.date.trim(), "%Y-%m-%d"),
        capacity,
    ) {
        (Some(category), Ok(date), Ok(capacity)) => NewActivity {
            title: f.title.clone(),
            category,
            study_club: f.study_club.is_some(),
            date,
            start: f.start.clone(),
            end: f.end.clone(),
            place: f.place.clone(),
            capacity,
        }
        .to_content(
            chrono::Utc::now()
                .with_timezone(&crate::dashboard::NETWORK_TZ)
                .date_naive(),
        )
        .map(|a| (date, a))
        .map_err(|e| e.to_string()),
        (None, _, _) => Err(format!("category {:?}", f.category)),
        (_, Err(_), _) => Err(format!("date {:?}: YYYY-MM-DD", f.date)),
        (_, _, Err(m)) => Err(m),
    };
    let (date, activity) = match parsed {
        Ok(n) => n,
        Err(m) => {
            return show(
                &state,
                &headers,
                s,
                back,
                Some((&m, &f)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let month = date.format("%Y-%m").to_string();
    let actor = Actor::User(s.user.clone());
    let center = f.center_id;
    // Through the center's content, as the editor publishes: the user
    // must be one of the center's (checked first), and the publish is
    // recorded with the activities it laid out.
    let a = actor.clone();
    let name = match db(&state, move |st| Ok(Admin::new(st, a).center(center)?.name)).await {
        Ok(name) => name,
        Err(e) => return refusal(&s, Lang::of(&headers), Tab::Activities, "/activities", e),
    };
    let published = match state.content.add_activity(center, &name, activity).await {
        Ok(p) => p,
        Err(e) => {
            return show(
                &state,
                &headers,
                s,
                back,
                Some((&format!("{e:#}"), &f)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).note_publish(&published)?)
    })
    .await
    {
        Ok(()) => redirect(&format!(
            "/activities?center={center}&month={month}&done=added"
        )),
        Err(e) => refusal(&s, Lang::of(&headers), Tab::Activities, "/activities", e),
    }
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
}

/// `POST /activities/{id}/status`: held, cancelled or scheduled again.
async fn status_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(f): Form<StatusForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = Lang::of(&headers);
    let Some(status) = Status::from_code(f.status.trim()) else {
        return refusal(
            &s,
            lang,
            Tab::Activities,
            "/activities",
            AppError::BadRequest(format!(
                "status {:?}: held, cancelled or scheduled",
                f.status
            )),
        );
    };
    let actor = Actor::User(s.user.clone());
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).set_activity_status(id, status)?)
    })
    .await
    {
        Ok(a) => redirect(&back_to(&a)),
        Err(e) => refusal(&s, lang, Tab::Activities, "/activities", e),
    }
}

#[derive(Deserialize)]
struct AttendanceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    came: String,
}

/// `POST /activities/{id}/attendance`: how many came, as staff counted
/// (empty: back to the count of check-ins).
async fn attendance_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(f): Form<AttendanceForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = Lang::of(&headers);
    let came = match f.came.trim() {
        "" => None,
        n => match n.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return refusal(
                    &s,
                    lang,
                    Tab::Activities,
                    "/activities",
                    AppError::BadRequest(format!("attendance {n:?}: a whole number, or empty")),
                );
            }
        },
    };
    let actor = Actor::User(s.user.clone());
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).correct_attendance(id, came)?)
    })
    .await
    {
        Ok(a) => redirect(&back_to(&a)),
        Err(e) => refusal(&s, lang, Tab::Activities, "/activities", e),
    }
}

/// The activities page of an occurrence's center and month.
fn back_to(a: &Activity) -> String {
    format!(
        "/activities?center={}&month={}&done=saved#activities",
        a.center_id,
        a.local_date.get(..7).unwrap_or_default()
    )
}
