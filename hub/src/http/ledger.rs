//! The ledger (台账) on a page: every center the user may see with the
//! ledger form's columns and the month's yardsticks, a month at a time,
//! with the downloads beside it; and a center's settings page where its
//! staff keep the ledger's facts (admins also the evaluation's rating).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::error::AppError;
use super::layout::{Lang, Tab, form_session, frame, page_session, refusal};
use super::users::hidden;
use super::web::{escape, redirect};
use super::{AppState, db};
use crate::admin::{Actor, Admin};
use crate::store::ledger::{AFFILIATIONS, Profile, ProfileChange};
use crate::store::users::Session;

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/ledger", get(ledger_page))
        .route("/centers/{id}/ledger", get(center_page).post(center_form))
        .route(
            "/centers/{id}/time-zone",
            axum::routing::post(time_zone_form),
        )
        .route("/centers/{id}/checkout", axum::routing::post(checkout_form))
        .route("/centers/{id}/poster.pdf", get(poster))
}

/// `GET /centers/{id}/poster.pdf`: the month on an A4 poster for the
/// notice board (上墙公布), the figures the kiosks' wall slide shows.
async fn poster(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Response {
    use axum::response::IntoResponse;
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = Lang::of(&headers);
    let here = format!("/centers/{id}/ledger");
    let actor = Actor::User(s.user.clone());
    let made = db(&state, move |st| {
        let (center, _) = Admin::new(st, actor).center_profile(id)?;
        let month = crate::wall::month(st, &center, center.today())?;
        let pdf = crate::poster::month_pdf(&center.name, &month)
            .map_err(|e| crate::store::StoreError::Invalid(format!("{e:#}")))?;
        Ok((month.month, pdf))
    })
    .await;
    match made {
        Ok((month, pdf)) => (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "application/pdf".to_string(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"center-{id}-{month}.pdf\""),
                ),
            ],
            pdf,
        )
            .into_response(),
        Err(e) => refusal(&s, lang, Tab::Ledger, &here, e),
    }
}

#[derive(Deserialize, Default)]
struct MonthQuery {
    #[serde(default)]
    month: String,
}

/// `GET /ledger?month=YYYY-MM`: the ledger of the user's centers.
async fn ledger_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<MonthQuery>,
) -> Response {
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = Lang::of(&headers);
    let t = |zh, en| lang.t(zh, en);
    let today = chrono::Utc::now()
        .with_timezone(&crate::dashboard::NETWORK_TZ)
        .date_naive();
    let month = q.month.trim().to_string();
    let day = if month.is_empty() {
        Ok(today)
    } else {
        chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .map_err(|_| AppError::BadRequest(format!("month {month:?}: write YYYY-MM")))
    };
    let day = match day {
        Ok(d) => d,
        Err(e) => return refusal(&s, lang, Tab::Ledger, "/ledger", e),
    };
    let scope = s.user.scope;
    let built = db(&state, move |st| {
        let centers = st.centers_in(scope)?;
        let sticks = crate::yardsticks::for_centers(st, &centers, day, today)?;
        let rows = crate::yardsticks::ledger_rows(st, &centers, &sticks)?;
        let ids = serde_json::to_string(&centers.iter().map(|c| c.id).collect::<Vec<_>>())
            .map_err(|e| crate::store::StoreError::Invalid(e.to_string()))?;
        let rectifying = st.rectifying(&ids, &today.format("%Y-%m-%d").to_string())?;
        Ok((centers, rows, rectifying))
    })
    .await;
    let (centers, rows, rectifying) = match built {
        Ok(b) => b,
        Err(e) => return refusal(&s, lang, Tab::Ledger, "/ledger", e),
    };
    let shown_month = day.format("%Y-%m").to_string();
    let head: String = crate::yardsticks::LEDGER_HEADER
        .iter()
        .map(|h| format!("<th>{h}</th>"))
        .collect();
    let body: String =
        rows.iter()
            .zip(&centers)
            .map(|(r, c)| {
                let cells: String = r
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    let label = crate::yardsticks::LEDGER_HEADER.get(i).copied().unwrap_or("");
                    if i == 1 {
                        format!(
                            "<td data-label=\"{label}\"><a href=\"/centers/{}/ledger\">{}</a></td>",
                            c.id,
                            escape(cell)
                        )
                    } else {
                        format!("<td data-label=\"{label}\">{}</td>", escape(cell))
                    }
                })
                .collect();
                format!("<tr data-center=\"{}\">{cells}</tr>", c.id)
            })
            .collect();
    let main = format!(
        "<div class=\"card\"><h2>{heading} · {shown_month}</h2>\
         <form method=\"get\" action=\"/ledger\" class=\"row\" id=\"month\"><label>{l_month}\
         <input type=\"month\" name=\"month\" value=\"{shown_month}\"></label><button class=\"quiet\">{show}</button>\
         <a href=\"/ledger.xlsx?month={shown_month}\">{xlsx}</a> <a href=\"/ledger.csv?month={shown_month}\">CSV</a></form>\
         {rectify}<table class=\"list\" id=\"ledger\"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\
         <p class=\"note\">{note}</p></div>",
        heading = t("台账", "Ledger"),
        rectify = if rectifying.is_empty() {
            String::new()
        } else {
            let items: String = rectifying
                .iter()
                .map(|(id, until)| {
                    let name = centers
                        .iter()
                        .find(|c| c.id == *id)
                        .map(|c| c.name.as_str())
                        .unwrap_or_default();
                    format!(
                        "<li><a href=\"/centers/{id}/evaluation\">{}</a> {} {}</li>",
                        escape(name),
                        t("整改期至", "until"),
                        escape(until)
                    )
                })
                .collect();
            format!(
                "<div class=\"error\" id=\"rectifying\"><b>{}</b><ul>{items}</ul></div>",
                t(
                    "重点整顿中的中心（评为较差）",
                    "Centers under rectification (rated poor)"
                )
            )
        },
        l_month = t("月份", "Month"),
        show = t("查看", "Show"),
        xlsx = t("下载 Excel", "Download Excel"),
        note = t(
            "点中心名称填写或修改负责人、联系电话、地址、成立时间、隶属关系；评价等级由规范化运行评估得出。",
            "Open a center's name to fill in its person in charge, phone, address, founding date and affiliation; the rating is the evaluation's."
        ),
    );
    frame(
        StatusCode::OK,
        &s,
        lang,
        Tab::Ledger,
        &format!("/ledger?month={shown_month}"),
        t("台账", "Ledger"),
        &main,
    )
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    #[serde(default)]
    done: String,
}

async fn center_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_center(
        &state,
        &headers,
        s,
        id,
        !q.done.is_empty(),
        "",
        None,
        StatusCode::OK,
    )
    .await
}

fn select(name: &str, options: &[&str], now: &str, disabled: bool, empty: &str) -> String {
    let mut html = format!(
        "<select name=\"{name}\"{}>",
        if disabled { " disabled" } else { "" }
    );
    html.push_str(&format!("<option value=\"\">{}</option>", escape(empty)));
    for o in options {
        html.push_str(&format!(
            "<option{}>{}</option>",
            if *o == now { " selected" } else { "" },
            escape(o)
        ));
    }
    html.push_str("</select>");
    html
}

#[allow(clippy::too_many_arguments)]
async fn show_center(
    state: &AppState,
    headers: &HeaderMap,
    s: Session,
    id: u64,
    saved: bool,
    error: &str,
    typed: Option<Profile>,
    status: StatusCode,
) -> Response {
    let lang = Lang::of(headers);
    let t = |zh, en| lang.t(zh, en);
    let here = format!("/centers/{id}/ledger");
    let actor = Actor::User(s.user.clone());
    let found = db(state, move |st| {
        let admin = Admin::new(st, actor);
        let (center, profile) = admin.center_profile(id)?;
        let region = match center.region_id {
            Some(r) => Some(st.region(r)?.name),
            None => None,
        };
        Ok((center, profile, admin.may_rate(), region))
    })
    .await;
    let (center, profile, may_rate, region) = match found {
        Ok(f) => f,
        Err(e) => return refusal(&s, lang, Tab::Ledger, &here, e),
    };
    // A refused ledger form shows what was typed; the setting as stored.
    let checkout = profile.checkout_minutes;
    let p = typed.unwrap_or(profile);
    let field = |name: &str, label: &str, value: &str, kind: &str| {
        format!(
            "<label>{label}<input name=\"{name}\" type=\"{kind}\" value=\"{}\" maxlength=\"120\"></label>",
            escape(value)
        )
    };
    let main = format!(
        "<div class=\"card\"><h2>{name} · {heading}</h2>{outcome}\
         <form method=\"post\" action=\"{here}\" class=\"row\" id=\"profile\">{csrf}\
         {manager}{phone}{address}{founded}\
         <label>{l_aff}{aff}</label>\
         <button class=\"act\">{save}</button></form>\
         <p id=\"rating\">{l_rating}：<b>{rating}</b> · <a href=\"/centers/{id}/evaluation\" id=\"evaluate\">{evaluate}</a></p>\
         <p><a href=\"/centers/{id}/poster.pdf\" id=\"poster\">{poster}</a></p>\
         <p class=\"note\">{note}</p>\
         <p><a href=\"/ledger\">{back}</a></p></div>\
         <div class=\"card\"><h2>{settings}</h2><p id=\"region\">{l_region}：{region}{move_link}</p>{tz}\
         <form method=\"post\" action=\"/centers/{id}/checkout\" class=\"row\" id=\"checkout\">{csrf}\
         <label>{l_checkout}<input name=\"minutes\" type=\"number\" min=\"{min_co}\" max=\"{max_co}\" value=\"{checkout}\"></label>\
         <button class=\"quiet\">{save_co}</button></form><p class=\"note\">{co_note}</p></div>",
        l_checkout = t(
            "签退：签到后满多少分钟再扫码即签退",
            "Check-out: minutes after check-in from which a scan checks out"
        ),
        checkout = checkout.map(|m| m.to_string()).unwrap_or_default(),
        min_co = crate::store::ledger::CHECKOUT_MINUTES.start(),
        max_co = crate::store::ledger::CHECKOUT_MINUTES.end(),
        save_co = t("保存签退设置", "Save check-out"),
        co_note = t(
            "留空则不启用（默认）：每次扫码都是签到。启用后，会员签到满这么久再扫一次即签退，工作人员页面和中心日报显示平均停留时长；不满这么久的再次扫码不重复计数。签到机下次同步后生效。",
            "Empty: off (the default), every scan checks in. On: a member's scan this long after checking in checks them out, and the staff screen and the center's day show how long people stay; an earlier scan is not counted again. Kiosks take it at their next sync."
        ),
        settings = t("中心设置", "Center settings"),
        l_region = t("所属区域", "Region"),
        region = escape(&region.unwrap_or_else(|| t("（未归属）", "(none)").to_string())),
        move_link = if may_rate {
            format!(" · <a href=\"/regions\">{}</a>", t("调整", "change"))
        } else {
            String::new()
        },
        tz = if may_rate {
            format!(
                "<form method=\"post\" action=\"/centers/{id}/time-zone\" class=\"row\" id=\"time-zone\">{csrf}\
                 <label>{l_tz}<input name=\"time_zone\" list=\"zones\" value=\"{zone}\" required maxlength=\"64\"></label>\
                 <datalist id=\"zones\"><option value=\"Asia/Shanghai\"><option value=\"Asia/Urumqi\">\
                 <option value=\"Asia/Hong_Kong\"><option value=\"Asia/Macau\"></datalist>\
                 <button class=\"quiet\">{save_tz}</button></form><p class=\"note\">{tz_note}</p>",
                csrf = hidden("csrf", &s.csrf),
                l_tz = t("时区", "Time zone"),
                zone = escape(&center.time_zone),
                save_tz = t("保存时区", "Save time zone"),
                tz_note = t(
                    "签到机和报表按中心的时区计日期；改时区只影响以后的记录。",
                    "Kiosks and reports count days in the center's time zone; a change affects later records only."
                ),
            )
        } else {
            format!(
                "<p id=\"zone\">{}：{}</p>",
                t("时区", "Time zone"),
                escape(&center.time_zone)
            )
        },
        name = escape(&center.name),
        heading = t("台账信息", "Ledger facts"),
        outcome = super::layout::form_outcome(lang, saved, error, "profile-error"),
        csrf = hidden("csrf", &s.csrf),
        manager = field(
            "manager",
            t("负责人", "Person in charge"),
            &p.manager,
            "text"
        ),
        phone = field("phone", t("联系电话", "Phone"), &p.phone, "tel"),
        address = field("address", t("地址", "Address"), &p.address, "text"),
        founded = field("founded", t("成立时间", "Founded"), &p.founded, "date"),
        l_aff = t("隶属关系", "Affiliation"),
        aff = select(
            "affiliation",
            &AFFILIATIONS,
            &p.affiliation,
            false,
            t("（未填）", "(none)")
        ),
        l_rating = t("评价等级", "Rating"),
        rating = if p.rating.is_empty() {
            t("待评", "not rated").to_string()
        } else {
            escape(&p.rating)
        },
        poster = t("本月公示海报（A4，PDF）", "This month's poster (A4, PDF)"),
        evaluate = if may_rate {
            t("评估", "Evaluate")
        } else {
            t("查看评估", "See the evaluation")
        },
        save = t("保存", "Save"),
        note = t(
            "评价等级由规范化运行评估得出：四项按平台数据，其余由上级管理员评定。",
            "The rating is the evaluation's: four items from the hub's data, the others graded by an admin above the center.",
        ),
        back = t("返回台账", "Back to the ledger"),
    );
    frame(
        status,
        &s,
        lang,
        Tab::Ledger,
        &here,
        t("台账信息", "Ledger facts"),
        &main,
    )
}

#[derive(Deserialize)]
struct ProfileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    manager: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    founded: String,
    #[serde(default)]
    affiliation: String,
    /// Not sent when the field is disabled (a center's staff).
    rating: Option<String>,
}

/// `POST /centers/{id}/ledger`: saved, the page again saying so; refused,
/// the page with the reason and what was typed.
async fn center_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(f): Form<ProfileForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let change = ProfileChange {
        manager: Some(f.manager.clone()),
        phone: Some(f.phone.clone()),
        address: Some(f.address.clone()),
        founded: Some(f.founded.clone()),
        affiliation: Some(f.affiliation.clone()),
        rating: f.rating.clone(),
        checkout_minutes: None,
    };
    let actor = Actor::User(s.user.clone());
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).set_profile(id, &change)?)
    })
    .await
    {
        Ok(_) => redirect(&format!("/centers/{id}/ledger?done=saved")),
        Err(AppError::BadRequest(m)) => {
            let typed = Profile {
                manager: f.manager,
                phone: f.phone,
                address: f.address,
                founded: f.founded,
                affiliation: f.affiliation,
                rating: f.rating.unwrap_or_default(),
                checkout_minutes: None,
            };
            show_center(
                &state,
                &headers,
                s,
                id,
                false,
                &m,
                Some(typed),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => refusal(
            &s,
            Lang::of(&headers),
            Tab::Ledger,
            &format!("/centers/{id}/ledger"),
            e,
        ),
    }
}

#[derive(Deserialize)]
struct TimeZoneForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    time_zone: String,
}

/// A center setting saved: the page again saying so; refused in words,
/// the page with the reason.
async fn setting_saved(
    state: &AppState,
    headers: &HeaderMap,
    s: Session,
    id: u64,
    saved: Result<(), AppError>,
) -> Response {
    match saved {
        Ok(()) => redirect(&format!("/centers/{id}/ledger?done=saved")),
        Err(AppError::BadRequest(m)) => {
            show_center(
                state,
                headers,
                s,
                id,
                false,
                &m,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => refusal(
            &s,
            Lang::of(headers),
            Tab::Ledger,
            &format!("/centers/{id}/ledger"),
            e,
        ),
    }
}

#[derive(Deserialize)]
struct CheckoutForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    minutes: String,
}

/// `POST /centers/{id}/checkout`: whether (and after how long) a member's
/// scan checks them out; the center's staff and admins above it.
async fn checkout_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(f): Form<CheckoutForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = Actor::User(s.user.clone());
    let minutes = f.minutes.trim().to_string();
    let saved = db(&state, move |st| {
        let value = if minutes.is_empty() {
            None
        } else {
            Some(minutes.parse::<u32>().map_err(|_| {
                AppError::BadRequest(format!(
                    "签退时间请填整数分钟，不启用请留空 · check-out after {minutes:?} minutes: a whole number, or empty for none"
                ))
            })?)
        };
        let change = ProfileChange {
            checkout_minutes: Some(value),
            ..ProfileChange::default()
        };
        Ok(Admin::new(st, actor).set_profile(id, &change)?)
    })
    .await;
    setting_saved(&state, &headers, s, id, saved.map(|_| ())).await
}

/// `POST /centers/{id}/time-zone`: admins only.
async fn time_zone_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(f): Form<TimeZoneForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = Actor::User(s.user.clone());
    let zone = f.time_zone;
    let saved = db(&state, move |st| {
        Ok(Admin::new(st, actor).set_time_zone(id, &zone)?)
    })
    .await;
    setting_saved(&state, &headers, s, id, saved.map(|_| ())).await
}
