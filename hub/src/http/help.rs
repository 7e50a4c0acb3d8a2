//! 我有话说 / Help: a youth asks a center from their phone (no account
//! needed), reads the answer on a page of their own, and is shown the 12355
//! hotline at once for their rights or their feelings; the center's staff
//! answer from `/tickets`, the first to open one responsible for it.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::layout::{Lang, Tab, form_session, frame, page_session, refusal};
use super::phone_frame::{message_page, page, shell};
use super::users::hidden;
use super::web::{escape, redirect, same_origin};
use super::{AppState, db};
use crate::admin::{Actor, Admin};
use crate::store::tickets::{Kind, Ticket};

pub(super) fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/m/help/{center}", get(form_page).post(ask))
        .route("/m/help/t/{secret}", get(youth_page))
        .route("/tickets", get(inbox))
        .route("/tickets/{id}", get(ticket_page))
        .route("/tickets/{id}/answer", post(answer))
        .route("/tickets/{id}/refer", post(refer))
}

/// The 12355 hotline, for what may not wait.
const HOTLINE: &str = "<p class=\"welcome\" id=\"hotline\"><b>12355 青少年服务台</b>：心理、权益的问题，现在就可以打电话。· \
     For your rights or how you feel, call the 12355 youth hotline now.</p>";

/// A refusal on a youth's phone, in words.
fn phone_error(e: super::error::AppError) -> Response {
    use super::error::AppError;
    use axum::response::IntoResponse;
    match e {
        AppError::NotFound(_) => message_page(
            StatusCode::NOT_FOUND,
            "没有找到 Not found",
            "没有这个中心。请重新扫描中心的二维码。 · No such center: scan the center's code again.",
        ),
        AppError::BadRequest(m) => message_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "请求有误 Bad request",
            &escape(&m),
        ),
        e => e.into_response(),
    }
}

/// `GET /m/help/{center}`: the form, on the youth's phone.
async fn form_page(State(state): State<AppState>, Path(center): Path<u64>) -> Response {
    let found = db(&state, move |s| Ok(s.center(center)?)).await;
    let c = match found {
        Ok(c) => c,
        Err(e) => return phone_error(e),
    };
    let kinds: String = Kind::ALL
        .iter()
        .map(|k| {
            format!(
                "<label class=\"face\"><input type=\"radio\" name=\"kind\" value=\"{}\" required> {} · {}</label>",
                k.code(),
                k.label_zh(),
                k.label_en()
            )
        })
        .collect();
    let content = format!(
        "<header>{name}</header><h1>我有话说 · Tell us</h1>\
         <p class=\"hint left\">工作人员会在 3 小时内查看、3 天内答复；不需要留下姓名。· Staff read it within 3 hours and answer within 3 days; no name needed.</p>\
         {HOTLINE}\
         <form method=\"post\" action=\"/m/help/{id}\" id=\"help\"><fieldset><legend>关于什么？ · About</legend>{kinds}</fieldset>\
         <label>想说的话 · What you want to say<textarea name=\"body\" required maxlength=\"{max}\" rows=\"5\"></textarea></label>\
         <label>联系方式（选填，方便工作人员找你） · A way to reach you (optional)\
         <input name=\"contact\" maxlength=\"{max_contact}\"></label>\
         <button>提交 · Send</button></form>",
        name = escape(&c.name),
        id = c.id,
        max = crate::store::tickets::MAX_BODY_CHARS,
        max_contact = crate::store::tickets::MAX_CONTACT_CHARS,
    );
    page(StatusCode::OK, shell("我有话说 Tell us", None, &content))
}

/// `POST /m/help/{center}`: kept; the youth goes to their own page.
async fn ask(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(center): Path<u64>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if !same_origin(&headers) {
        return message_page(
            StatusCode::FORBIDDEN,
            "请求被拒绝 Request refused",
            "请在本站的页面上提交。 · Please send it from this site's page.",
        );
    }
    let Some(kind) = f.get("kind").and_then(|k| Kind::from_code(k)) else {
        return message_page(
            StatusCode::BAD_REQUEST,
            "请求有误 Bad request",
            "请选择关于什么。 · Please choose what it is about.",
        );
    };
    let body = f.get("body").cloned().unwrap_or_default();
    let contact = f.get("contact").cloned().unwrap_or_default();
    match db(&state, move |s| {
        Ok(s.add_ticket(center, kind, &body, &contact)?)
    })
    .await
    {
        Ok((_, secret)) => redirect(&format!("/m/help/t/{secret}")),
        Err(e) => phone_error(e),
    }
}

fn status_zh_en(t: &Ticket) -> (&'static str, &'static str) {
    match (&t.reply, &t.responsible) {
        (Some(_), _) => ("已答复", "Answered"),
        (None, Some(_)) => ("工作人员正在处理", "A staff member is on it"),
        (None, None) => (
            "已收到，等待工作人员查看",
            "Received, waiting for a staff member",
        ),
    }
}

/// `GET /m/help/t/{secret}`: the youth's own page: what they asked, where
/// it stands, the answer.
async fn youth_page(State(state): State<AppState>, Path(secret): Path<String>) -> Response {
    let found = db(&state, move |s| Ok(s.ticket_by_secret(&secret)?)).await;
    let t = match found {
        Ok(Some(t)) => t,
        Ok(None) => {
            return message_page(
                StatusCode::NOT_FOUND,
                "链接无效 Link not valid",
                "没有找到这条留言。 · Nothing was found at this address.",
            );
        }
        Err(e) => return phone_error(e),
    };
    let (zh, en) = status_zh_en(&t);
    let answer = match &t.reply {
        Some(r) => format!(
            "<h2>答复 · Answer</h2><p class=\"answer\" id=\"answer\">{}</p>",
            escape(r)
        ),
        None => String::new(),
    };
    let referred = match t.referred_to.as_deref() {
        Some("12355") => {
            "<p id=\"referred\">已转介 12355 青少年服务台跟进。 · Passed on to the 12355 youth hotline, who follow it up.</p>"
        }
        Some(_) => {
            "<p id=\"referred\">已转介到更合适的中心处理。 · Passed on to a center better placed to help.</p>"
        }
        None => "",
    };
    let content = format!(
        "<h1>我有话说 · Tell us</h1><p class=\"welcome\" id=\"said\">{zh} · {en}</p>{referred}{hotline}\
         <p class=\"hint left\">请收藏本页，答复会显示在这里。· Keep this page: the answer shows here.</p>\
         <h2>{kind_zh} · {kind_en}</h2><p id=\"asked\">{body}</p>{answer}",
        hotline = if t.kind.urgent() { HOTLINE } else { "" },
        kind_zh = t.kind.label_zh(),
        kind_en = t.kind.label_en(),
        body = escape(&t.body),
    );
    page(StatusCode::OK, shell("我有话说 Tell us", None, &content))
}

/// `GET /tickets`: what youths asked of the user's centers.
async fn inbox(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = Lang::of(&headers);
    let t = |zh, en| lang.t(zh, en);
    let actor = Actor::User(s.user.clone());
    let login = s.user.login.clone();
    let found = db(&state, move |st| {
        Ok((Admin::new(st, actor).tickets(200)?, st.ticket_deadlines()?))
    })
    .await;
    let (list, deadlines) = match found {
        Ok(l) => l,
        Err(e) => return refusal(&s, lang, Tab::Tickets, "/tickets", e),
    };
    let now = crate::store::now_ms();
    let rows: String = list
        .iter()
        .map(|tk| {
            let (zh, en) = status_zh_en(tk);
            format!(
                "<tr data-ticket=\"{id}\" class=\"{late}\"><td><a href=\"/tickets/{id}\">#{id}</a></td><td>{when}</td>\
                 <td>{kind}</td><td>{status}{overdue}</td><td>{who}</td></tr>",
                id = tk.id,
                late = if tk.overdue(now, &deadlines) { "overdue" } else { "" },
                when = chrono::DateTime::from_timestamp_millis(tk.created_at_ms)
                    .map(|d| d.with_timezone(&crate::dashboard::NETWORK_TZ).format("%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
                kind = t(tk.kind.label_zh(), tk.kind.label_en()),
                status = t(zh, en),
                overdue = if tk.overdue(now, &deadlines) {
                    format!(" <b class=\"error\">{}</b>", t("已超时", "overdue"))
                } else {
                    String::new()
                },
                who = match &tk.responsible {
                    Some(r) if *r == login => t("我", "me").to_string(),
                    Some(r) => escape(r),
                    None => t("待认领", "nobody yet").to_string(),
                },
            )
        })
        .collect();
    let main = format!(
        "<div class=\"card\"><h2>{heading}</h2><p class=\"note\">{note} {when_due}</p>\
         <table class=\"list\" id=\"tickets\"><thead><tr><th>#</th><th>{l_when}</th><th>{l_kind}</th>\
         <th>{l_status}</th><th>{l_who}</th></tr></thead><tbody>{rows}</tbody></table></div>",
        heading = t("我有话说（青年留言）", "What youths asked"),
        note = t(
            "首问负责：第一位打开留言的工作人员负责到底，之后只有他和上级管理员能查看。",
            "The first staff member to open a message is responsible for it; then only they and the admins above read it."
        ),
        when_due = if lang == Lang::En {
            format!(
                "Read within {} hours, answer within {} days.",
                deadlines.review_ms / 3_600_000,
                deadlines.answer_ms / 86_400_000
            )
        } else {
            format!(
                "{} 小时内查看、{} 天内答复。",
                deadlines.review_ms / 3_600_000,
                deadlines.answer_ms / 86_400_000
            )
        },
        l_when = t("时间", "When"),
        l_kind = t("关于", "About"),
        l_status = t("进展", "Status"),
        l_who = t("负责人", "Responsible"),
    );
    frame(
        StatusCode::OK,
        &s,
        lang,
        Tab::Tickets,
        "/tickets",
        t("我有话说", "Messages"),
        &main,
    )
}

/// `GET /tickets/{id}`: opened (the first staff member to open it becomes
/// responsible), with the answer form.
async fn ticket_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Response {
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show(&state, &headers, s, id).await
}

async fn show(
    state: &AppState,
    headers: &HeaderMap,
    s: crate::store::users::Session,
    id: u64,
) -> Response {
    let lang = Lang::of(headers);
    let t = |zh, en| lang.t(zh, en);
    let here = format!("/tickets/{id}");
    let actor = Actor::User(s.user.clone());
    let found = db(state, move |st| {
        let admin = Admin::new(st, actor);
        let tk = admin.open_ticket(id)?;
        let centers = match admin.actor() {
            Actor::User(u) => st.centers_in(u.scope)?,
            Actor::CommandLine => st.centers()?,
        };
        Ok((tk, centers))
    })
    .await;
    let (tk, centers) = match found {
        Ok(f) => f,
        Err(e) => return refusal(&s, lang, Tab::Tickets, &here, e),
    };
    let options: String = std::iter::once(format!(
        "<option value=\"12355\">{}</option>",
        t("12355 青少年服务台", "The 12355 youth hotline")
    ))
    .chain(centers.iter().filter(|c| c.id != tk.center_id).map(|c| {
        format!(
            "<option value=\"center:{}\">{}</option>",
            c.id,
            escape(&c.name)
        )
    }))
    .collect();
    let referral = match tk.referred_to.as_deref() {
        Some(to) => format!(
            "<p id=\"referred\">{} {}{}</p>",
            t("已转介：", "Referred:"),
            if to == "12355" {
                t("12355 青少年服务台", "the 12355 youth hotline").to_string()
            } else {
                escape(to)
            },
            tk.referral_outcome
                .as_deref()
                .filter(|o| !o.is_empty())
                .map(|o| format!(" · {}", escape(o)))
                .unwrap_or_default()
        ),
        None => String::new(),
    };
    let (zh, en) = status_zh_en(&tk);
    let main = format!(
        "<div class=\"card\"><h2>#{id} · {kind}</h2><p id=\"status\">{status} · {l_who}：{who}</p>\
         <p id=\"asked\">{body}</p><p>{l_contact}：{contact}</p>{urgent}\
         <form method=\"post\" action=\"/tickets/{id}/answer\" id=\"answer\">{csrf}\
         <label>{l_answer}<textarea name=\"reply\" required maxlength=\"{max}\" rows=\"4\">{reply}</textarea></label>\
         <button class=\"act\">{send}</button></form>{referral}\
         <form method=\"post\" action=\"/tickets/{id}/refer\" id=\"refer\" class=\"row\">{csrf}\
         <label>{l_to}<select name=\"to\">{options}</select></label>\
         <label>{l_outcome}<input name=\"outcome\" maxlength=\"200\"></label>\
         <button class=\"quiet\">{refer}</button></form>\
         <p><a href=\"/tickets\">{back}</a></p></div>",
        l_to = t("转介到", "Refer to"),
        l_outcome = t("跟进情况", "Follow-up"),
        refer = t("转介 / 记录跟进", "Refer / note the follow-up"),
        kind = t(tk.kind.label_zh(), tk.kind.label_en()),
        status = t(zh, en),
        l_who = t("负责人", "Responsible"),
        who = escape(tk.responsible.as_deref().unwrap_or("—")),
        body = escape(&tk.body),
        l_contact = t("联系方式", "Contact"),
        contact = if tk.contact.is_empty() {
            t("未留", "none").to_string()
        } else {
            escape(&tk.contact)
        },
        urgent = if tk.kind.urgent() {
            format!(
                "<p class=\"error\">{}</p>",
                t(
                    "紧急类留言：青年已看到 12355 热线；需要时请转介并跟进。",
                    "Urgent kind: the youth was shown the 12355 hotline; refer and follow up where needed."
                )
            )
        } else {
            String::new()
        },
        csrf = hidden("csrf", &s.csrf),
        l_answer = t(
            "答复（青年在自己的页面上看到）",
            "Answer (the youth reads it on their own page)"
        ),
        max = crate::store::tickets::MAX_BODY_CHARS,
        reply = escape(tk.reply.as_deref().unwrap_or("")),
        send = t("发送答复", "Send the answer"),
        back = t("返回留言列表", "Back to the messages"),
    );
    frame(
        StatusCode::OK,
        &s,
        lang,
        Tab::Tickets,
        &here,
        t("留言", "Message"),
        &main,
    )
}

/// `POST /tickets/{id}/refer`: to the 12355 hotline (`to=12355`) or to a
/// center (`to=center:ID`), with what came of it so far.
async fn refer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    use crate::store::tickets::Referral;
    let csrf = f.get("csrf").cloned().unwrap_or_default();
    let s = match form_session(&state, &headers, &csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let here = format!("/tickets/{id}");
    let to = match f.get("to").map(String::as_str) {
        Some("12355") => Some(Referral::Hotline),
        Some(c) => c
            .strip_prefix("center:")
            .and_then(|c| c.parse().ok())
            .map(Referral::Center),
        None => None,
    };
    let Some(to) = to else {
        return refusal(
            &s,
            Lang::of(&headers),
            Tab::Tickets,
            &here,
            super::error::AppError::BadRequest("转介到哪里？ · refer it where?".into()),
        );
    };
    let outcome = f.get("outcome").cloned().unwrap_or_default();
    let actor = Actor::User(s.user.clone());
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).refer_ticket(id, to, &outcome)?)
    })
    .await
    {
        // Moved to another center: this user may no longer read it.
        Ok(t) if matches!(to, Referral::Center(_)) && t.responsible.is_none() => {
            redirect("/tickets")
        }
        Ok(_) => redirect(&here),
        Err(e) => refusal(&s, Lang::of(&headers), Tab::Tickets, &here, e),
    }
}

/// `POST /tickets/{id}/answer`.
async fn answer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let csrf = f.get("csrf").cloned().unwrap_or_default();
    let s = match form_session(&state, &headers, &csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let reply = f.get("reply").cloned().unwrap_or_default();
    let actor = Actor::User(s.user.clone());
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).answer_ticket(id, &reply)?)
    })
    .await
    {
        Ok(_) => redirect(&format!("/tickets/{id}")),
        Err(e) => refusal(
            &s,
            Lang::of(&headers),
            Tab::Tickets,
            &format!("/tickets/{id}"),
            e,
        ),
    }
}
