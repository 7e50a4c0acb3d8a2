//! What a member takes away, from the members page: printed cards (one, or
//! the center's sheet), the phone's link and login secret shown as a QR code
//! to scan on the spot, a card bound by its number; and the roster exported
//! as CSV or XLSX for the center's own files.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::super::error::AppError;
use super::super::layout::{Lang, Tab, form_session, frame, own_origin, page_session, refusal};
use super::super::web::{escape, redirect};
use super::super::{AppState, db};
use super::page::{PageQuery, Typed, show_members};
use crate::admin::cards::{CARD_DAYS, Phone};
use crate::admin::{Actor, Admin};

#[derive(Deserialize)]
pub(super) struct CardsForm {
    #[serde(default)]
    csrf: String,
    center: u64,
    /// One member's card; every active member's when left out.
    #[serde(default)]
    member: Option<u32>,
}

/// `POST /members/cards`: the printable sheet (a new card generation for
/// each: older printed cards are refused once kiosks sync).
pub(super) async fn cards_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<CardsForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = Actor::User(s.user.clone());
    let key = state.key.clone();
    let made = db(&state, move |st| {
        Ok(Admin::new(st, actor).print_cards(f.center, f.member, &key, CARD_DAYS)?)
    })
    .await;
    match made {
        Ok((center, cards)) => match crate::cards::sheet(&center.name, &cards) {
            Ok(html) => (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                html,
            )
                .into_response(),
            Err(e) => AppError::Internal(format!("{e:#}")).into_response(),
        },
        Err(e) => refusal(&s, Lang::of(&headers), Tab::Members, "/members", e),
    }
}

#[derive(Deserialize)]
pub(super) struct RowForm {
    #[serde(default)]
    csrf: String,
    center: u64,
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: u64,
    #[serde(default)]
    uid: String,
}

/// `POST /members/{id}/phone`: a new link and login secret, shown once as a
/// QR code for the member's phone to scan on the spot.
pub(super) async fn phone_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u32>,
    Form(f): Form<RowForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = Lang::of(&headers);
    let t = |zh, en| lang.t(zh, en);
    let actor = Actor::User(s.user.clone());
    let made = match db(&state, move |st| {
        Ok(Admin::new(st, actor).phone_login(id, Phone::Both)?)
    })
    .await
    {
        Ok(m) => m,
        Err(e) => return refusal(&s, lang, Tab::Members, "/members", e),
    };
    let origin = own_origin(&headers);
    let link = format!("{origin}/m/{}", made.link.unwrap_or_default());
    let qr = crate::qr::svg(&link).unwrap_or_default();
    let main = format!(
        "<div class=\"card\" id=\"phone-login\"><h2>{heading} · {name} ({id})</h2>\
         <div class=\"qr\">{qr}</div><p>{scan}</p><p><code id=\"phone-link\">{link}</code></p>\
         <p>{or} <b>{origin}/m/login</b> {with} <b>{id}</b> {and} <b id=\"phone-secret\">{secret}</b></p>\
         <p class=\"note\">{once}</p><p><a href=\"/members?center={center}&amp;q={q}&amp;offset={offset}\">{back}</a></p></div>\
         <style>.qr svg{{width:240px;height:240px}}</style>",
        heading = t("手机登录", "Phone login"),
        name = escape(&made.member.display_name),
        scan = t(
            "请会员用手机相机扫这个二维码：手机上会显示会员的签到二维码，之后直接打开即可。",
            "Let the member scan this QR code with their phone's camera: the phone then shows their check-in code, and keeps it."
        ),
        link = escape(&link),
        or = t("或在", "Or at"),
        with = t("用会员号", "with member number"),
        and = t("和密码", "and the secret"),
        secret = escape(&made.secret.unwrap_or_default()),
        once = t(
            "只显示这一次。之前的链接和密码已失效，已登录的手机需要重新登录。",
            "Shown only now. The earlier link and secret stop working; phones logged in with them must log in again."
        ),
        center = f.center,
        q = escape(&url::form_urlencoded::byte_serialize(f.q.as_bytes()).collect::<String>()),
        offset = f.offset,
        back = t("返回会员列表", "Back to the members"),
    );
    frame(
        StatusCode::OK,
        &s,
        lang,
        Tab::Members,
        "/members",
        t("手机登录", "Phone login"),
        &main,
    )
}

/// `POST /members/{id}/card-number`: a card bound by the number a reader
/// shows; a card of someone else's moves.
pub(super) async fn card_number_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u32>,
    Form(f): Form<RowForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = Actor::User(s.user.clone());
    let (uid, card_key) = (f.uid.clone(), state.card_key.clone());
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).bind_card_number(id, &uid, &card_key)?)
    })
    .await
    {
        Ok(_) => redirect(&format!(
            "/members?center={}&q={}&offset={}&done=bound-{id}",
            f.center,
            url::form_urlencoded::byte_serialize(f.q.as_bytes()).collect::<String>(),
            f.offset
        )),
        Err(AppError::BadRequest(m)) => {
            let back = PageQuery {
                center: Some(f.center),
                q: f.q,
                offset: f.offset,
                done: String::new(),
            };
            let typed = Typed {
                row_error: m,
                ..Typed::default()
            };
            show_members(
                &state,
                &headers,
                s,
                back,
                typed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => refusal(&s, Lang::of(&headers), Tab::Members, "/members", e),
    }
}

#[derive(Deserialize)]
pub(super) struct ExportQuery {
    center: u64,
}

/// `GET /members/export.csv` and `.xlsx`: the center's whole roster.
pub(super) async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Response {
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = Actor::User(s.user.clone());
    let center = q.center;
    let found = db(&state, move |st| {
        let admin = Admin::new(st, actor);
        let c = admin.center(center)?;
        Ok((c, st.members(center)?))
    })
    .await;
    let (c, members) = match found {
        Ok(f) => f,
        Err(e) => return refusal(&s, Lang::of(&headers), Tab::Members, "/members", e),
    };
    let header_row = [
        "会员号",
        "显示名",
        "姓名",
        "电话",
        "出生年份",
        "志愿者",
        "状态",
    ];
    let rows: Vec<[String; 7]> = members
        .iter()
        .map(|m| {
            [
                m.id.to_string(),
                m.display_name.clone(),
                m.full_name.clone(),
                m.phone.clone().unwrap_or_default(),
                m.birth_year.map(|y| y.to_string()).unwrap_or_default(),
                if m.volunteer { "是" } else { "否" }.to_string(),
                if m.active { "有效" } else { "已停用" }.to_string(),
            ]
        })
        .collect();
    let rows: Vec<Vec<String>> = rows.into_iter().map(Vec::from).collect();
    super::super::download::table(&file, &format!("members-{}", c.id), &header_row, &rows, &[])
}

#[derive(Deserialize)]
pub(super) struct BindNextForm {
    #[serde(default)]
    csrf: String,
    center: u64,
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: u64,
    device: u64,
}

/// `POST /members/{id}/bind-next`: the next card tapped at the chosen kiosk
/// is bound to the member.
pub(super) async fn bind_next_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u32>,
    Form(f): Form<BindNextForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = Actor::User(s.user.clone());
    let device = f.device;
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).bind_next_tap(id, device)?)
    })
    .await
    {
        Ok(_) => redirect(&format!(
            "/members?center={}&q={}&offset={}&done=waiting-{id}",
            f.center,
            url::form_urlencoded::byte_serialize(f.q.as_bytes()).collect::<String>(),
            f.offset
        )),
        Err(e) => refusal(&s, Lang::of(&headers), Tab::Members, "/members", e),
    }
}

#[derive(Deserialize)]
pub(super) struct EditForm {
    #[serde(default)]
    csrf: String,
    center: u64,
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: u64,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    volunteer: Option<String>,
}

/// `POST /members/{id}/edit`: the name kiosks show, and the volunteer flag.
pub(super) async fn edit_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u32>,
    Form(f): Form<EditForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = Actor::User(s.user.clone());
    let (name, volunteer) = (f.display_name.clone(), f.volunteer.is_some());
    let result = db(&state, move |st| {
        let admin = Admin::new(st, actor);
        admin.rename_member(id, &name)?;
        Ok(admin.set_member_volunteer(id, volunteer)?)
    })
    .await;
    match result {
        Ok(_) => redirect(&format!(
            "/members?center={}&q={}&offset={}&done=edited-{id}",
            f.center,
            url::form_urlencoded::byte_serialize(f.q.as_bytes()).collect::<String>(),
            f.offset
        )),
        Err(AppError::BadRequest(m)) => {
            let back = PageQuery {
                center: Some(f.center),
                q: f.q,
                offset: f.offset,
                done: String::new(),
            };
            let typed = Typed {
                row_error: m,
                ..Typed::default()
            };
            show_members(
                &state,
                &headers,
                s,
                back,
                typed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => refusal(&s, Lang::of(&headers), Tab::Members, "/members", e),
    }
}
