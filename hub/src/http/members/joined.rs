//! Youths who joined from their phones, on the members page: what they
//! told, and the staff's two answers: confirm them, or merge them into the
//! member they already were.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use super::super::layout::{Lang, Tab, form_session, refusal};
use super::super::web::{escape, redirect};
use super::super::{AppState, db};
use crate::admin::{Actor, Admin};
use crate::store::Member;
use crate::store::joins::Joined;
use protocol::catalog::ServiceCategory;

/// The card above the members list (empty when nobody waits).
pub(super) fn card(waiting: &[(Member, Joined)], keep: &str, lang: Lang) -> String {
    if waiting.is_empty() {
        return String::new();
    }
    let t = |zh, en| lang.t(zh, en);
    let rows: String = waiting
        .iter()
        .map(|(m, j)| {
            let interests: Vec<String> = j
                .interests
                .iter()
                .filter_map(|c| ServiceCategory::from_code(c))
                .map(|c| lang.t(c.label_zh(), c.label_en()).to_string())
                .collect();
            let guardian = if j.guardian_name.is_empty() {
                String::new()
            } else {
                format!(
                    "{} {} {}",
                    t("监护人", "Guardian"),
                    escape(&j.guardian_name),
                    escape(&j.guardian_phone)
                )
            };
            format!(
                "<tr data-joined=\"{id}\"><td data-label=\"{l_no}\">{id}</td>\
                 <td data-label=\"{l_name}\">{name}</td>\
                 <td data-label=\"{l_phone}\">{phone} <small>{unverified}</small></td>\
                 <td data-label=\"{l_year}\">{year}</td>\
                 <td data-label=\"{l_told}\">{school}{sep}{interests}{guardian}</td>\
                 <td><form class=\"inline\" method=\"post\" action=\"/members/{id}/confirm\">{keep}\
                 <button class=\"act\">{confirm}</button></form> \
                 <form class=\"inline\" method=\"post\" action=\"/members/{id}/merge\">{keep}\
                 <input name=\"into\" size=\"9\" maxlength=\"10\" inputmode=\"numeric\" required \
                 aria-label=\"{l_into}\" placeholder=\"{l_into}\">\
                 <button class=\"quiet\">{merge}</button></form></td></tr>",
                id = m.id,
                name = escape(&m.full_name),
                phone = escape(m.phone.as_deref().unwrap_or_default()),
                year = m.birth_year.map(|y| y.to_string()).unwrap_or_default(),
                school = escape(&j.school_or_work),
                sep = if j.school_or_work.is_empty() || interests.is_empty() {
                    ""
                } else {
                    " · "
                },
                interests = escape(&interests.join("、")),
                guardian = if guardian.is_empty() {
                    String::new()
                } else {
                    format!("<br>{guardian}")
                },
                unverified = t("未验证", "not verified"),
                l_no = t("会员号", "Number"),
                l_name = t("姓名", "Name"),
                l_phone = t("电话", "Phone"),
                l_year = t("出生年份", "Born"),
                l_told = t("学校或单位 · 兴趣", "School or work · interests"),
                l_into = t("合并到会员号", "Merge into number"),
                confirm = t("确认", "Confirm"),
                merge = t("合并", "Merge"),
            )
        })
        .collect();
    format!(
        "<div class=\"card\" id=\"joined\"><h2>{heading} ({n})</h2><p class=\"note\">{note}</p>\
         <table class=\"list\"><thead><tr><th>{l_no}</th><th>{l_name}</th><th>{l_phone}</th><th>{l_year}</th>\
         <th>{l_told}</th><th></th></tr></thead><tbody>{rows}</tbody></table></div>",
        heading = t("待确认的自助注册", "Joined from their phones, to confirm"),
        n = waiting.len(),
        note = t(
            "这些青年在签到机上扫码、用自己的手机注册，已经可以签到。手机号没有经过短信验证：请核对后确认；如果是已有会员重复注册，填上原会员号合并（重复的账号停用，手机登录和卡转到原会员）。",
            "These youths joined with their own phones from the kiosk's code and can check in already. Their phone numbers are not verified: check, then confirm; if one was a member already, merge into that number (the duplicate is retired; their phone login and cards move to the member)."
        ),
        l_no = t("会员号", "Number"),
        l_name = t("姓名", "Name"),
        l_phone = t("电话", "Phone"),
        l_year = t("出生年份", "Born"),
        l_told = t("学校或单位 · 兴趣", "School or work · interests"),
    )
}

#[derive(Deserialize)]
pub(super) struct JoinedForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    center: u64,
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: u64,
    #[serde(default)]
    into: String,
}

fn back(f: &JoinedForm, done: &str) -> String {
    format!(
        "/members?center={}&q={}&offset={}&done={done}",
        f.center,
        url::form_urlencoded::byte_serialize(f.q.as_bytes()).collect::<String>(),
        f.offset
    )
}

/// `POST /members/{id}/confirm`.
pub(super) async fn confirm_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u32>,
    Form(f): Form<JoinedForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = Actor::User(s.user.clone());
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).confirm_member(id)?)
    })
    .await
    {
        Ok(_) => redirect(&back(&f, &format!("confirmed-{id}"))),
        Err(e) => refusal(&s, Lang::of(&headers), Tab::Members, "/members", e),
    }
}

/// `POST /members/{id}/merge`: into the member number given.
pub(super) async fn merge_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u32>,
    Form(f): Form<JoinedForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = Lang::of(&headers);
    let Ok(into) = f.into.trim().parse::<u32>() else {
        return refusal(
            &s,
            lang,
            Tab::Members,
            "/members",
            super::super::AppError::BadRequest(format!(
                "member number {:?}: write the number of the member to merge into",
                f.into
            )),
        );
    };
    let actor = Actor::User(s.user.clone());
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).merge_member(id, into)?)
    })
    .await
    {
        Ok(_) => redirect(&back(&f, &format!("merged-{id}"))),
        Err(e) => refusal(&s, lang, Tab::Members, "/members", e),
    }
}
