//! Volunteers on a page: a center's month of service hours per volunteer
//! and activity, the shifts the kiosks left open or half recorded for staff
//! to correct (set the end, or leave the record out, with a reason), who is
//! on duty now, and every counted shift exported for the volunteer
//! platform (CSV or Excel: name, number, activity, date, start, end, hours).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::error::AppError;
use super::layout::{Lang, Tab, form_session, frame, page_session, refusal};
use super::users::hidden;
use super::web::{escape, redirect};
use super::{AppState, db};
use crate::admin::volunteers::ShiftFix;
use crate::admin::{Actor, Admin};
use crate::store::users::Session;
use crate::volunteer::{HoursReport, ProblemKind};

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/volunteers", get(volunteers_page))
        .route("/volunteers/correct", post(correct_form))
        .route("/volunteers/{file}", get(export))
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

/// The month asked for (`YYYY-MM`, default this one): its first and last day.
fn month_of(text: &str) -> Result<(NaiveDate, NaiveDate), AppError> {
    let today = chrono::Utc::now()
        .with_timezone(&crate::dashboard::NETWORK_TZ)
        .date_naive();
    let first = if text.trim().is_empty() {
        today.with_day(1).unwrap_or(today)
    } else {
        NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d")
            .map_err(|_| AppError::BadRequest(format!("month {text:?}: write YYYY-MM")))?
    };
    let last = (first + chrono::Months::new(1)) - chrono::Days::new(1);
    Ok((first, last.min(today.max(first))))
}

async fn report_for(
    state: &AppState,
    s: &Session,
    center: &str,
    month: &str,
) -> Result<(Vec<crate::store::Center>, crate::store::Center, HoursReport), AppError> {
    let (from, to) = month_of(month)?;
    let chosen: Option<u64> = center.trim().parse().ok();
    let actor = Actor::User(s.user.clone());
    let scope = s.user.scope;
    db(state, move |st| {
        let centers = st.centers_in(scope)?;
        let id = match chosen {
            Some(id) => id,
            None => centers.first().map(|c| c.id).ok_or_else(|| {
                AppError::NotFound("no center in your part of the network yet".into())
            })?,
        };
        let admin = Admin::new(st, actor);
        let center = admin.center(id)?;
        let report = admin.volunteer_hours(id, from, to)?;
        Ok((centers, center, report))
    })
    .await
}

fn hours(minutes: i64) -> String {
    format!("{:.1}", minutes as f64 / 60.0)
}

async fn volunteers_page(
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
    let (centers, center, r) = match report_for(state, &s, &q.center, &q.month).await {
        Ok(x) => x,
        Err(e) => return refusal(&s, lang, Tab::Volunteers, "/volunteers", e),
    };
    let month = r.from.get(..7).unwrap_or("").to_string();
    let here = format!("/volunteers?center={}&month={month}", center.id);
    let activity = |a: &str| {
        if a.is_empty() {
            t("日常值班", "general duty").to_string()
        } else {
            a.to_string()
        }
    };
    let totals: String = r
        .totals
        .iter()
        .map(|v| {
            format!(
                "<tr><td data-label=\"{l_who}\">{name} ({id})</td><td data-label=\"{l_act}\">{act}</td>\
                 <td data-label=\"{l_shifts}\">{shifts}</td><td data-label=\"{l_hours}\">{h}</td></tr>",
                name = escape(&v.display_name),
                id = v.member_id,
                act = escape(&activity(&v.activity)),
                shifts = v.shifts,
                h = hours(v.minutes),
                l_who = t("志愿者", "Volunteer"),
                l_act = t("活动", "Activity"),
                l_shifts = t("班次", "Shifts"),
                l_hours = t("小时", "Hours"),
            )
        })
        .collect();
    let keep = format!(
        "{}{}{}",
        hidden("csrf", &s.csrf),
        hidden("center", &center.id.to_string()),
        hidden("month", &month)
    );
    let problems: String = r
        .problems
        .iter()
        .map(|p| {
            let record = format!(
                "{}{}{}",
                keep,
                hidden("device", &p.device_id.to_string()),
                hidden("seq", &p.seq.to_string())
            );
            let end_form = if p.kind == ProblemKind::NotEnded {
                format!(
                    "<form class=\"inline\" method=\"post\" action=\"/volunteers/correct\">{record}\
                     <input type=\"hidden\" name=\"fix\" value=\"end\">\
                     <input name=\"end\" type=\"time\" required aria-label=\"{l_end}\">\
                     <input name=\"reason\" required maxlength=\"200\" placeholder=\"{l_reason}\" aria-label=\"{l_reason}\">\
                     <button class=\"quiet\">{set}</button></form> ",
                    l_end = t("结束时间", "End"),
                    l_reason = t("原因", "Reason"),
                    set = t("设定结束", "Set the end"),
                )
            } else {
                String::new()
            };
            format!(
                "<tr data-record=\"{dev}/{seq}\"><td data-label=\"{l_who}\">{name} ({id})</td>\
                 <td data-label=\"{l_what}\">{what}</td><td data-label=\"{l_when}\">{date} {time}</td>\
                 <td data-label=\"{l_act}\">{act}</td><td>{end_form}\
                 <form class=\"inline\" method=\"post\" action=\"/volunteers/correct\">{record}\
                 <input type=\"hidden\" name=\"fix\" value=\"drop\">\
                 <input name=\"reason\" required maxlength=\"200\" placeholder=\"{l_reason}\" aria-label=\"{l_reason}\">\
                 <button class=\"quiet\">{drop}</button></form></td></tr>",
                dev = p.device_id,
                seq = p.seq,
                name = escape(&p.display_name),
                id = p.member_id,
                what = match p.kind {
                    ProblemKind::NotEnded => t("开始后没有结束", "started, never ended"),
                    ProblemKind::EndWithoutStart => t("结束前没有开始", "ended, never started"),
                },
                date = p.local_date,
                time = p.local_time,
                act = escape(&activity(&p.activity)),
                l_who = t("志愿者", "Volunteer"),
                l_what = t("问题", "Problem"),
                l_when = t("时间", "When"),
                l_act = t("活动", "Activity"),
                l_reason = t("原因", "Reason"),
                drop = t("不计入", "Leave out"),
            )
        })
        .collect();
    let on_duty: String = r
        .on_duty
        .iter()
        .map(|d| {
            format!(
                "<li>{} ({}) · {} {} · {}</li>",
                escape(&d.display_name),
                d.member_id,
                t("自", "since"),
                d.since,
                escape(&activity(&d.activity))
            )
        })
        .collect();
    let chooser: String = if centers.len() > 1 {
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
    let section = |title: &str, body: String, id: &str, empty: &str| {
        if body.is_empty() {
            format!("<h2>{title}</h2><p class=\"note\" id=\"{id}-none\">{empty}</p>")
        } else {
            body
        }
    };
    let done = match q.done.as_str() {
        "" => String::new(),
        _ => format!(
            "<p class=\"done\" id=\"done\">{}</p>",
            t("已更正。", "Corrected.")
        ),
    };
    let error = if error.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"error\" id=\"correct-error\">{}</p>",
            escape(error)
        )
    };
    let total_minutes: i64 = r.totals.iter().map(|v| v.minutes).sum();
    let main = format!(
        "<div class=\"card\"><h2>{heading} · {center_name} · {month}</h2>\
         <form method=\"get\" action=\"/volunteers\" class=\"row\" id=\"month\">{chooser}\
         <label>{l_month}<input type=\"month\" name=\"month\" value=\"{month}\"></label>\
         <button class=\"quiet\">{show}</button>\
         <a id=\"export-xlsx\" href=\"/volunteers/export.xlsx?center={cid}&amp;month={month}\">{xlsx}</a> \
         <a id=\"export-csv\" href=\"/volunteers/export.csv?center={cid}&amp;month={month}\">CSV</a></form>\
         <p id=\"total\">{l_total} {total_h}</p>{totals_table}</div>\
         <div class=\"card\">{done}{error}{problems_part}</div>\
         <div class=\"card\">{on_duty_part}</div>",
        heading = t("志愿服务时长", "Volunteer hours"),
        center_name = escape(&center.name),
        cid = center.id,
        l_month = t("月份", "Month"),
        show = t("查看", "Show"),
        xlsx = t("导出 Excel", "Export Excel"),
        l_total = t("本月合计（小时）：", "Hours this month:"),
        total_h = hours(total_minutes),
        totals_table = if totals.is_empty() {
            format!(
                "<p class=\"note\" id=\"totals-none\">{}</p>",
                t(
                    "本月还没有完整的班次。",
                    "No complete shift this month yet."
                )
            )
        } else {
            format!(
                "<table class=\"list\" id=\"totals\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{totals}</tbody></table>",
                t("志愿者", "Volunteer"),
                t("活动", "Activity"),
                t("班次", "Shifts"),
                t("小时", "Hours"),
            )
        },
        problems_part = section(
            t("待核对的班次", "Shifts to check"),
            if problems.is_empty() {
                String::new()
            } else {
                format!(
                    "<h2>{}</h2><p class=\"note\">{}</p><table class=\"list\" id=\"problems\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>{problems}</tbody></table>",
                    t("待核对的班次", "Shifts to check"),
                    t(
                        "这些记录不计时长，直到工作人员核对：设定结束时间，或不计入，并写明原因。签到机的原始记录保持不变。",
                        "These are not counted until staff check them: set the end, or leave the record out, saying why. The kiosks' records stay as they were."
                    ),
                    t("志愿者", "Volunteer"),
                    t("问题", "Problem"),
                    t("时间", "When"),
                    t("活动", "Activity"),
                )
            },
            "problems",
            t("没有待核对的班次。", "No shift to check."),
        ),
        on_duty_part = section(
            t("正在值班", "On duty now"),
            if on_duty.is_empty() {
                String::new()
            } else {
                format!(
                    "<h2>{}</h2><ul id=\"on-duty\">{on_duty}</ul>",
                    t("正在值班", "On duty now")
                )
            },
            "on-duty",
            t("现在没有人在值班。", "Nobody is on duty now."),
        ),
    );
    frame(
        status,
        &s,
        lang,
        Tab::Volunteers,
        &here,
        t("志愿者", "Volunteers"),
        &main,
    )
}

#[derive(Deserialize)]
struct CorrectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    center: String,
    #[serde(default)]
    month: String,
    device: u64,
    seq: u64,
    #[serde(default)]
    fix: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    reason: String,
}

/// `POST /volunteers/correct`: a record's end set, or the record left out.
async fn correct_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<CorrectForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(center) = f.center.trim().parse::<u64>() else {
        return AppError::BadRequest("which center?".into()).into_response();
    };
    let fix = if f.fix == "end" {
        ShiftFix::EndAt(f.end.clone())
    } else {
        ShiftFix::Drop
    };
    let actor = Actor::User(s.user.clone());
    let (device, seq, reason) = (f.device, f.seq, f.reason.clone());
    let result = db(&state, move |st| {
        Ok(Admin::new(st, actor).correct_shift(center, device, seq, &fix, &reason)?)
    })
    .await;
    let back = PageQuery {
        center: f.center.clone(),
        month: f.month.clone(),
        done: String::new(),
    };
    match result {
        Ok(()) => redirect(&format!(
            "/volunteers?center={center}&month={}&done=corrected",
            url::form_urlencoded::byte_serialize(f.month.as_bytes()).collect::<String>()
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
        Err(e) => refusal(&s, Lang::of(&headers), Tab::Volunteers, "/volunteers", e),
    }
}

/// `GET /volunteers/export.csv` and `.xlsx`: every counted shift of the month.
async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (_, center, r) = match report_for(&state, &s, &q.center, &q.month).await {
        Ok(x) => x,
        Err(e) => return refusal(&s, Lang::of(&headers), Tab::Volunteers, "/volunteers", e),
    };
    let header_row = [
        "姓名",
        "会员号",
        "活动",
        "日期",
        "开始",
        "结束",
        "时长（小时）",
        "备注",
    ];
    let rows: Vec<[String; 8]> = r
        .shifts
        .iter()
        .map(|sh| {
            [
                sh.display_name.clone(),
                sh.member_id.to_string(),
                if sh.activity.is_empty() {
                    "日常值班".to_string()
                } else {
                    sh.activity.clone()
                },
                sh.local_date.clone(),
                sh.start.clone(),
                sh.end.clone(),
                hours(sh.minutes),
                sh.corrected
                    .clone()
                    .map(|c| format!("结束时间由工作人员补填：{c}"))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    let rows: Vec<Vec<String>> = rows.into_iter().map(Vec::from).collect();
    // The member number and the hours are numbers in the workbook.
    super::download::table(
        &file,
        &format!(
            "volunteer-hours-{}-{}",
            center.id,
            r.from.get(..7).unwrap_or("")
        ),
        &header_row,
        &rows,
        &[1, 6],
    )
}
