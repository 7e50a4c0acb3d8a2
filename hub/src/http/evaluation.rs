//! A center's evaluation (seed 001, annex 1) on a page: the ten items, four
//! graded from the hub's data with what they rest on, six graded by an
//! admin above the center; the rating the rule gives, and a poor center's
//! rectification date. `GET`/`POST /centers/{id}/evaluation`.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use super::error::AppError;
use super::layout::{Lang, Tab, form_session, frame, page_session, refusal};
use super::users::hidden;
use super::web::{escape, redirect};
use super::{AppState, db};
use crate::admin::{Actor, Admin};
use crate::evaluation::{Grade, ITEMS};

pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/centers/{id}/evaluation",
        axum::routing::get(evaluation_page).post(evaluation_form),
    )
}

#[derive(Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    done: String,
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&crate::dashboard::NETWORK_TZ)
        .date_naive()
}

/// `GET /centers/{id}/evaluation`.
async fn evaluation_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Query(q): Query<PageQuery>,
) -> Response {
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show(
        &state,
        &headers,
        s,
        id,
        q.done == "saved",
        "",
        None,
        StatusCode::OK,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn show(
    state: &AppState,
    headers: &HeaderMap,
    s: crate::store::users::Session,
    id: u64,
    saved: bool,
    error: &str,
    typed: Option<[Option<Grade>; 10]>,
    status: StatusCode,
) -> Response {
    let lang = Lang::of(headers);
    let t = |zh, en| lang.t(zh, en);
    let here = format!("/centers/{id}/evaluation");
    let actor = Actor::User(s.user.clone());
    let today = today();
    let found = db(state, move |st| {
        let admin = Admin::new(st, actor);
        let (center, _) = admin.center_profile(id)?;
        let data = crate::evaluation::from_data(st, &center, today, today)?;
        Ok((center, data, st.evaluation(id)?, admin.may_rate()))
    })
    .await;
    let (center, data, last, may_rate) = match found {
        Ok(f) => f,
        Err(e) => return refusal(&s, lang, Tab::Ledger, &here, e),
    };
    let label = |g: Grade| t(g.label_zh(), g.label_en());
    let rows: String = ITEMS
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let grade = match data.iter().find(|e| e.item == i) {
                Some(e) => format!(
                    "<b class=\"grade {code}\">{g}</b><br><small>{why} · {from}</small>",
                    code = e.grade.code(),
                    g = label(e.grade),
                    why = escape(&e.why),
                    from = t("按平台数据", "from the hub's data"),
                ),
                None if may_rate => {
                    let chosen = typed
                        .and_then(|t| t[i])
                        .or_else(|| last.as_ref().map(|l| l.grades[i]));
                    let options: String = Grade::ALL
                        .iter()
                        .map(|g| {
                            format!(
                                "<option value=\"{}\"{}>{}</option>",
                                g.code(),
                                if chosen == Some(*g) { " selected" } else { "" },
                                label(*g)
                            )
                        })
                        .collect();
                    format!(
                        "<select name=\"item{n}\" aria-label=\"{n}. {content}\" required>\
                         <option value=\"\">{pick}</option>{options}</select>",
                        n = i + 1,
                        content = item.content,
                        pick = t("请选择", "choose"),
                    )
                }
                None => last
                    .as_ref()
                    .map(|l| label(l.grades[i]).to_string())
                    .unwrap_or_else(|| t("待评", "not rated").to_string()),
            };
            format!(
                "<tr data-item=\"{n}\"><td>{n}</td><td>{area}</td><td>{content}</td>\
                 <td><small>{standard}</small></td><td>{grade}</td></tr>",
                n = i + 1,
                area = item.area,
                content = item.content,
                standard = item.standard,
            )
        })
        .collect();
    let result = match &last {
        Some(l) => format!(
            "<p id=\"rating\">{l_rating}：<b class=\"grade {code}\">{g}</b>（{month}，{by}）{rectify}</p>",
            l_rating = t("评价等级", "Rating"),
            code = l.rating.code(),
            g = label(l.rating),
            month = escape(&l.month),
            by = escape(&l.evaluated_by),
            rectify = match &l.rectify_until {
                Some(d) => format!(
                    "<br><span class=\"error\" id=\"rectify\">{} {}</span>",
                    t("重点整顿，整改期至", "Under rectification until"),
                    escape(d)
                ),
                None => String::new(),
            },
        ),
        None => format!(
            "<p id=\"rating\">{}</p>",
            t("尚未评估。", "Not evaluated yet.")
        ),
    };
    let form = if may_rate {
        format!(
            "<button class=\"act\">{}</button>",
            t("评估并保存", "Evaluate and save")
        )
    } else {
        format!(
            "<p class=\"note\">{}</p>",
            t(
                "由上级管理员评估。",
                "An admin above the center evaluates it."
            )
        )
    };
    let main = format!(
        "<div class=\"card\"><h2>{name} · {heading}</h2>{outcome}{result}\
         <form method=\"post\" action=\"{here}\" id=\"evaluation\">{csrf}\
         <table class=\"list\"><thead><tr><th>#</th><th>{l_area}</th><th>{l_content}</th>\
         <th>{l_standard}</th><th>{l_grade}</th></tr></thead><tbody>{rows}</tbody></table>{form}</form>\
         <p class=\"note\">{rule}</p><p><a href=\"/centers/{id}/ledger\">{back}</a></p></div>",
        name = escape(&center.name),
        heading = t("规范化运行评估", "Evaluation"),
        outcome = super::layout::form_outcome(lang, saved, error, "evaluation-error"),
        csrf = hidden("csrf", &s.csrf),
        l_area = t("项目", "Area"),
        l_content = t("主要评价内容", "What is evaluated"),
        l_standard = t("工作要求及标准", "Standard"),
        l_grade = t("评价", "Grade"),
        rule = t(
            "第 4、5、6、8 项按本月平台数据评出。评价等级按规则得出：7 项及以上较差为“较差”，列为重点整顿对象，整改期 3 个月；7 项及以上较好且没有较差为“较好”；其余为“一般”。",
            "Items 4, 5, 6 and 8 are graded from this month's data on the hub. The rating follows by rule: 7 or more items poor make it poor, under rectification for 3 months; 7 or more good and none poor make it good; otherwise fair."
        ),
        back = t("返回中心台账", "Back to the center's ledger"),
    );
    frame(
        status,
        &s,
        lang,
        Tab::Ledger,
        &here,
        t("规范化运行评估", "Evaluation"),
        &main,
    )
}

/// `POST /centers/{id}/evaluation`: the grades of the items an admin
/// grades (`item1` … `item10`).
async fn evaluation_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(f): Form<std::collections::HashMap<String, String>>,
) -> Response {
    let csrf = f.get("csrf").cloned().unwrap_or_default();
    let s = match form_session(&state, &headers, &csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut typed: [Option<Grade>; 10] = [None; 10];
    for (i, g) in typed.iter_mut().enumerate() {
        *g = f
            .get(&format!("item{}", i + 1))
            .and_then(|c| Grade::from_code(c));
    }
    let actor = Actor::User(s.user.clone());
    let today = today();
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).evaluate(id, &typed, today, today)?)
    })
    .await
    {
        Ok(_) => redirect(&format!("/centers/{id}/evaluation?done=saved")),
        Err(AppError::BadRequest(m)) => {
            show(
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
            &format!("/centers/{id}/evaluation"),
            e,
        ),
    }
}
