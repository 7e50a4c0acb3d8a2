//! The members page: server-rendered, forms without script (a cheap
//! phone's browser works): find, add, revoke and restore.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use super::super::error::AppError;
use super::super::layout::{Lang, Tab, form_session, frame, page_session, refusal};
use super::super::web::{escape, redirect};
use super::super::{AppState, db};
use crate::admin::members::MEMBERS_PAGE;
use crate::admin::{Actor, Admin};
use crate::store::NewMember;
use crate::store::users::Session;

#[derive(Deserialize, Default)]
pub(super) struct PageQuery {
    /// The center shown (empty or left out: the first of the user's).
    #[serde(default, deserialize_with = "number_or_empty")]
    pub(super) center: Option<u64>,
    #[serde(default)]
    pub(super) q: String,
    #[serde(default)]
    pub(super) offset: u64,
    /// What the last change did, to say so: `added-ID`, `revoked-ID`, …
    #[serde(default)]
    pub(super) done: String,
}

/// The members page's state, for showing it again after a refused add.
#[derive(Default)]
pub(super) struct Typed {
    pub(super) name: String,
    pub(super) display_name: String,
    pub(super) phone: String,
    pub(super) birth_year: String,
    pub(super) volunteer: bool,
    pub(super) error: String,
    /// A roster file's preview, shown above the list.
    pub(super) preview: String,
    /// Why a change to a member of the list was refused.
    pub(super) row_error: String,
}

/// A number, or nothing for an empty field (a form's `center=`).
fn number_or_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let text = String::deserialize(d)?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a center's number")))
}

pub(super) async fn members_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let s = match page_session(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    show_members(&state, &headers, s, q, Typed::default(), StatusCode::OK).await
}

pub(super) async fn show_members(
    state: &AppState,
    headers: &HeaderMap,
    s: Session,
    q: PageQuery,
    typed: Typed,
    status: StatusCode,
) -> Response {
    let lang = Lang::of(headers);
    let here = match q.center {
        Some(c) => format!(
            "/members?center={c}&q={}&offset={}",
            url::form_urlencoded::byte_serialize(q.q.as_bytes()).collect::<String>(),
            q.offset
        ),
        None => "/members".to_string(),
    };
    let actor = Actor::User(s.user.clone());
    let query = q.q.clone();
    let chosen = q.center;
    let found = db(state, move |st| {
        let centers = st.centers_in(actor_scope(&actor))?;
        let center = match chosen {
            Some(id) => id,
            None => centers.first().map(|c| c.id).ok_or_else(|| {
                AppError::NotFound("no center in your part of the network yet".into())
            })?,
        };
        let admin = Admin::new(st, actor);
        let c = admin.center(center)?;
        let page = admin.members(center, &query, q.offset)?;
        let kiosks: Vec<(u64, String)> = st
            .fleet(
                crate::store::users::Scope::Center(center),
                crate::store::now_ms(),
            )?
            .into_iter()
            .filter(|k| !k.revoked)
            .map(|k| (k.device_id, k.name))
            .collect();
        let waiting = admin.unconfirmed_members(center)?;
        Ok((centers, c, page, kiosks, waiting))
    })
    .await;
    let (centers, center, page, kiosks, waiting) = match found {
        Ok(f) => f,
        Err(e) => return refusal(&s, lang, Tab::Members, &here, e),
    };
    let t = |zh, en| lang.t(zh, en);
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
            "<form method=\"get\" action=\"/members\" class=\"row\"><label>{}<select name=\"center\">{options}</select></label>\
             <button class=\"quiet\">{}</button></form>",
            t("中心", "Center"),
            t("切换", "Show")
        )
    } else {
        String::new()
    };
    let done = match q.done.split_once('-') {
        Some(("added", id)) => format!(
            "<p class=\"done\" id=\"done\">{} {}</p>",
            t("已添加会员，会员号", "Member added, number"),
            escape(id)
        ),
        Some(("revoked", id)) => format!(
            "<p class=\"done\" id=\"done\">{} {} {}</p>",
            t("会员", "Member"),
            escape(id),
            t(
                "已停用：签到机下次同步后拒绝其二维码、卡和会员号。",
                "revoked: kiosks refuse their code, cards and number after their next sync."
            )
        ),
        Some(("imported", n)) => format!(
            "<p class=\"done\" id=\"done\">{} {}</p>",
            t("已导入会员：", "Members imported:"),
            escape(n)
        ),
        Some(("edited", id)) => format!(
            "<p class=\"done\" id=\"done\">{} {} {}</p>",
            t("会员", "Member"),
            escape(id),
            t("已保存。", "saved.")
        ),
        Some(("waiting", id)) => format!(
            "<p class=\"done\" id=\"done\">{} {} {}</p>",
            t("会员", "Member"),
            escape(id),
            t(
                "：请在 10 分钟内到所选签到机上刷卡（签到机下次同步后生效，约半分钟）。",
                ": tap the card at the chosen kiosk within 10 minutes (it takes effect at the kiosk's next sync, about half a minute)."
            )
        ),
        Some(("bound", id)) => format!(
            "<p class=\"done\" id=\"done\">{} {} {}</p>",
            t("卡已绑定给会员", "Card bound to member"),
            escape(id),
            t(
                "，签到机同步后即可刷卡。",
                "; it works at the kiosks after their next sync."
            )
        ),
        Some(("confirmed", id)) => format!(
            "<p class=\"done\" id=\"done\">{} {} {}</p>",
            t("会员", "Member"),
            escape(id),
            t("已确认。", "confirmed.")
        ),
        Some(("merged", id)) => format!(
            "<p class=\"done\" id=\"done\">{} {} {}</p>",
            t("重复注册的会员", "The duplicate member"),
            escape(id),
            t(
                "已合并：其手机登录和卡已转到原会员，签到机下次同步后生效。",
                "was merged: their phone login and cards moved to the member; kiosks follow after their next sync."
            )
        ),
        Some(("restored", id)) => format!(
            "<p class=\"done\" id=\"done\">{} {} {}</p>",
            t("会员", "Member"),
            escape(id),
            t("已恢复。", "restored.")
        ),
        _ => String::new(),
    };
    let hidden = |name: &str, value: &str| {
        format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(value)
        )
    };
    let keep = format!(
        "{}{}{}{}",
        hidden("csrf", &s.csrf),
        hidden("center", &center.id.to_string()),
        hidden("q", &q.q),
        hidden("offset", &q.offset.to_string())
    );
    let rows: String = page
        .members
        .iter()
        .map(|m| {
            let (action, label) = if m.active {
                ("revoke", t("停用", "Revoke"))
            } else {
                ("restore", t("恢复", "Restore"))
            };
            format!(
                "<tr data-member=\"{id}\"><td data-label=\"{l_no}\">{id}</td>\
                 <td data-label=\"{l_shown}\">{shown}</td><td data-label=\"{l_name}\">{name}</td>\
                 <td data-label=\"{l_phone}\">{phone}</td><td data-label=\"{l_vol}\">{vol}</td>\
                 <td data-label=\"{l_state}\"{off}>{state}</td>\
                 <td><form class=\"inline\" method=\"post\" action=\"/members/{id}/{action}\">{keep}\
                 <button class=\"quiet\">{label}</button></form>{more}</td></tr>",
                more = if m.active {
                    format!(
                        "{}{}",
                        edit_action(m.id, &m.display_name, m.volunteer, &keep, lang),
                        row_actions(m.id, &keep, lang, &kiosks)
                    )
                } else {
                    String::new()
                },
                id = m.id,
                shown = escape(&m.display_name),
                name = escape(&m.full_name),
                phone = escape(m.phone.as_deref().unwrap_or("")),
                vol = if m.volunteer { t("是", "yes") } else { "" },
                off = if m.active { "" } else { " class=\"off\"" },
                state = match (m.active, m.unconfirmed, m.merged_into) {
                    (_, _, Some(into)) => format!("{} {into}", t("已合并到", "merged into")),
                    (true, true, _) => t("待确认（手机注册）", "to confirm (joined by phone)").to_string(),
                    (true, false, _) => t("有效", "active").to_string(),
                    (false, _, _) => t("已停用", "revoked").to_string(),
                },
                l_no = t("会员号", "Number"),
                l_shown = t("显示名", "Shown as"),
                l_name = t("姓名", "Name"),
                l_phone = t("电话", "Phone"),
                l_vol = t("志愿者", "Volunteer"),
                l_state = t("状态", "State"),
            )
        })
        .collect();
    let list = if page.members.is_empty() {
        format!(
            "<p class=\"note\" id=\"none\">{}</p>",
            if q.q.trim().is_empty() {
                t(
                    "还没有会员。在下面添加第一位。",
                    "No members yet. Add the first below.",
                )
            } else {
                t("没有找到匹配的会员。", "No member matches.")
            }
        )
    } else {
        format!(
            "<table class=\"list\" id=\"members\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>\
             <th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>{rows}</tbody></table>",
            t("会员号", "Number"),
            t("显示名", "Shown as"),
            t("姓名", "Name"),
            t("电话", "Phone"),
            t("志愿者", "Volunteer"),
            t("状态", "State"),
        )
    };
    let link = |offset: u64| {
        format!(
            "/members?center={}&q={}&offset={offset}",
            center.id,
            url::form_urlencoded::byte_serialize(q.q.as_bytes()).collect::<String>()
        )
    };
    let first = if page.total == 0 { 0 } else { page.offset + 1 };
    let last = page.offset + page.members.len() as u64;
    let prev = if page.offset > 0 {
        format!(
            "<a href=\"{}\" id=\"prev\">{}</a>",
            link(page.offset.saturating_sub(MEMBERS_PAGE)),
            t("上一页", "Previous")
        )
    } else {
        String::new()
    };
    let next = if last < page.total {
        format!(
            "<a href=\"{}\" id=\"next\">{}</a>",
            link(last),
            t("下一页", "Next")
        )
    } else {
        String::new()
    };
    let pager = format!(
        "<div class=\"pager\"><span id=\"shown\">{first}–{last} / {total}</span>{prev}{next}</div>",
        total = page.total
    );
    let error = if typed.error.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"error\" id=\"add-error\">{}</p>",
            escape(&typed.error)
        )
    };
    let main = format!(
        "{joined}<div class=\"card\"><h2>{heading} · {center_name}</h2>{chooser}\
         {preview}<form method=\"get\" action=\"/members\" class=\"row\" id=\"search\">{center_field}\
         <label>{search}<input name=\"q\" value=\"{qv}\" placeholder=\"{hint}\"></label>\
         <button class=\"act\">{search_button}</button></form>{done}{row_error}{list}{pager}{tools}</div>\
         <div class=\"card\"><h2>{add_heading}</h2>{error}\
         <form method=\"post\" action=\"/members/add\" class=\"row\" id=\"add\">{keep}\
         <label>{l_name}<input name=\"name\" required maxlength=\"60\" value=\"{name}\"></label>\
         <label>{l_shown}<input name=\"display_name\" maxlength=\"60\" value=\"{shown}\" placeholder=\"{shown_hint}\"></label>\
         <label>{l_phone}<input name=\"phone\" inputmode=\"tel\" value=\"{phone}\"></label>\
         <label>{l_year}<input name=\"birth_year\" inputmode=\"numeric\" size=\"5\" value=\"{year}\"></label>\
         <label><span><input type=\"checkbox\" name=\"volunteer\" value=\"1\"{checked}> {l_vol}</span></label>\
         <button class=\"act\">{add}</button></form>\
         <p class=\"note\">{add_note}</p></div>\
         <div class=\"card\"><h2>{import_heading}</h2>\
         <form method=\"post\" action=\"/members/import\" enctype=\"multipart/form-data\" class=\"row\" id=\"import\">\
         {csrf_field}{center_field}<label>{import_file}<input type=\"file\" name=\"file\" accept=\".xlsx,.csv\" required></label>\
         <button class=\"act\">{import_preview}</button></form><p class=\"note\">{import_note}</p></div>",
        heading = t("会员", "Members"),
        joined = super::joined::card(&waiting, &keep, lang),
        tools = list_tools(center.id, &s.csrf, lang),
        row_error = if typed.row_error.is_empty() {
            String::new()
        } else {
            format!(
                "<p class=\"error\" id=\"row-error\">{}</p>",
                escape(&typed.row_error)
            )
        },
        preview = typed.preview,
        csrf_field = hidden("csrf", &s.csrf),
        import_heading = t("导入名册", "Import a roster"),
        import_file = t("Excel（.xlsx）或 CSV 文件", "An Excel (.xlsx) or CSV file"),
        import_preview = t("预览", "Preview"),
        import_note = t(
            "第一行写列名：姓名（必填）、显示名、电话、出生年份、志愿者（是/否）。先预览：有错误的行按行号列出，一行有错就不导入；已在名册上的会员（电话相同，或姓名和出生年份相同）不会重复添加。",
            "The first row names the columns: 姓名 name (required), 显示名 display name, 电话 phone, 出生年份 birth year, 志愿者 volunteer (是/否). Preview first: wrong rows are listed by row number, and nothing is imported while any row is wrong; members already on the roster (same phone, or same name and birth year) are not added twice."
        ),
        center_name = escape(&center.name),
        center_field = hidden("center", &center.id.to_string()),
        search = t("会员号、姓名或电话", "Number, name or phone"),
        qv = escape(&q.q),
        hint = t("例如 10000001 或 林", "e.g. 10000001 or Lin"),
        search_button = t("搜索", "Search"),
        add_heading = t("添加会员", "Add a member"),
        l_name = t("姓名", "Full name"),
        l_shown = t("签到机显示名", "Shown at the kiosk as"),
        shown_hint = t("默认：姓 + 同学", "default: family name + 同学"),
        l_phone = t("电话（可选）", "Phone (optional)"),
        l_year = t("出生年份（可选）", "Birth year (optional)"),
        l_vol = t("志愿者", "Volunteer"),
        add = t("添加", "Add"),
        add_note = t(
            "姓名只保存在平台；签到机只显示显示名。会员在签到机下次同步后即可签到。",
            "The full name stays at the hub; kiosks show only the display name. The member can check in after the kiosks' next sync."
        ),
        name = escape(&typed.name),
        shown = escape(&typed.display_name),
        phone = escape(&typed.phone),
        year = escape(&typed.birth_year),
        checked = if typed.volunteer { " checked" } else { "" },
    );
    frame(
        status,
        &s,
        lang,
        Tab::Members,
        &here,
        t("会员", "Members"),
        &main,
    )
}

fn actor_scope(actor: &Actor) -> crate::store::users::Scope {
    match actor {
        Actor::User(u) => u.scope,
        // Pages are only ever a user's.
        Actor::CommandLine => crate::store::users::Scope::Region(0),
    }
}

#[derive(Deserialize)]
pub(super) struct AddForm {
    #[serde(default)]
    csrf: String,
    center: u64,
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: u64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    volunteer: Option<String>,
}

/// `POST /members/add`: added, back to the list saying so; refused, the
/// page again with the reason and everything typed kept.
pub(super) async fn add_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<AddForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = Lang::of(&headers);
    let year = f.birth_year.trim();
    let birth_year = if year.is_empty() {
        Ok(None)
    } else {
        year.parse::<u16>().map(Some).map_err(|_| {
            lang.t(
                "出生年份请写四位数字，例如 2008。",
                "Write the birth year as four digits, e.g. 2008.",
            )
            .to_string()
        })
    };
    let typed = Typed {
        name: f.name.clone(),
        display_name: f.display_name.clone(),
        phone: f.phone.clone(),
        birth_year: f.birth_year.clone(),
        volunteer: f.volunteer.is_some(),
        ..Typed::default()
    };
    let back = PageQuery {
        center: Some(f.center),
        q: f.q.clone(),
        offset: f.offset,
        done: String::new(),
    };
    let result = match birth_year {
        Err(message) => Err(AppError::BadRequest(message)),
        Ok(birth_year) => {
            let new = NewMember {
                name: f.name,
                display_name: Some(f.display_name),
                volunteer: typed.volunteer,
                phone: Some(f.phone),
                birth_year,
            };
            let actor = Actor::User(s.user.clone());
            let center = f.center;
            db(&state, move |st| {
                Ok(Admin::new(st, actor).add_member(center, &new)?)
            })
            .await
        }
    };
    match result {
        Ok(id) => redirect(&format!("/members?center={}&done=added-{id}", f.center)),
        Err(AppError::BadRequest(message)) => {
            let typed = Typed {
                error: message,
                ..typed
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
        Err(e) => refusal(&s, lang, Tab::Members, "/members", e),
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
}

pub(super) async fn revoke_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u32>,
    Form(f): Form<RowForm>,
) -> Response {
    active_form(state, headers, id, f, false).await
}

pub(super) async fn restore_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u32>,
    Form(f): Form<RowForm>,
) -> Response {
    active_form(state, headers, id, f, true).await
}

async fn active_form(
    state: AppState,
    headers: HeaderMap,
    id: u32,
    f: RowForm,
    active: bool,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let actor = Actor::User(s.user.clone());
    match db(&state, move |st| {
        Ok(Admin::new(st, actor).set_member_active(id, active)?)
    })
    .await
    {
        Ok(_) => redirect(&format!(
            "/members?center={}&q={}&offset={}&done={}-{id}",
            f.center,
            url::form_urlencoded::byte_serialize(f.q.as_bytes()).collect::<String>(),
            f.offset,
            if active { "restored" } else { "revoked" }
        )),
        Err(e) => refusal(&s, Lang::of(&headers), Tab::Members, "/members", e),
    }
}

/// The buttons beside an active member: a card, the phone login, a card by
/// its number.
/// The name kiosks show and the volunteer flag, changed in place.
fn edit_action(id: u32, shown: &str, volunteer: bool, keep: &str, lang: Lang) -> String {
    let t = |zh, en| lang.t(zh, en);
    format!(
        " <form class=\"inline\" method=\"post\" action=\"/members/{id}/edit\">{keep}\
         <input name=\"display_name\" value=\"{shown}\" size=\"8\" maxlength=\"60\" required aria-label=\"{l_shown}\">\
         <label><input type=\"checkbox\" name=\"volunteer\" value=\"1\"{checked}> {l_vol}</label>\
         <button class=\"quiet\">{save}</button></form>",
        shown = escape(shown),
        checked = if volunteer { " checked" } else { "" },
        l_shown = t("签到机显示名", "Shown at the kiosk as"),
        l_vol = t("志愿者", "Volunteer"),
        save = t("保存", "Save"),
    )
}

fn row_actions(id: u32, keep: &str, lang: Lang, kiosks: &[(u64, String)]) -> String {
    let t = |zh, en| lang.t(zh, en);
    // The next card tapped at a kiosk of the center, for a card whose
    // number nobody can read off it.
    let next_tap = if kiosks.is_empty() {
        String::new()
    } else {
        let options: String = kiosks
            .iter()
            .map(|(k, name)| format!("<option value=\"{k}\">{}</option>", escape(name)))
            .collect();
        format!(
            " <form class=\"inline\" method=\"post\" action=\"/members/{id}/bind-next\">{keep}\
             <select name=\"device\" aria-label=\"{l_kiosk}\">{options}</select>\
             <button class=\"quiet\">{next}</button></form>",
            l_kiosk = t("签到机", "Kiosk"),
            next = t("绑定下一张刷的卡", "Bind the next card tapped"),
        )
    };
    format!(
        " <form class=\"inline\" method=\"post\" action=\"/members/cards\" target=\"_blank\">{keep}\
         <input type=\"hidden\" name=\"member\" value=\"{id}\"><button class=\"quiet\">{card}</button></form> \
         <form class=\"inline\" method=\"post\" action=\"/members/{id}/phone\">{keep}\
         <button class=\"quiet\">{phone}</button></form> \
         <form class=\"inline\" method=\"post\" action=\"/members/{id}/card-number\">{keep}\
         <input name=\"uid\" size=\"10\" maxlength=\"32\" placeholder=\"{uid}\" aria-label=\"{uid}\" required>\
         <button class=\"quiet\">{bind}</button></form>{next_tap}",
        card = t("打印卡", "Card"),
        phone = t("手机登录", "Phone login"),
        uid = t("卡号，如 04A1B2C3", "card no., e.g. 04A1B2C3"),
        bind = t("绑卡", "Bind"),
    )
}

/// Under the list: every member's card on one sheet, and the roster to take away.
fn list_tools(center: u64, csrf: &str, lang: Lang) -> String {
    let t = |zh, en| lang.t(zh, en);
    format!(
        "<div class=\"row\" id=\"tools\"><form class=\"inline\" method=\"post\" action=\"/members/cards\" target=\"_blank\" id=\"sheet\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><input type=\"hidden\" name=\"center\" value=\"{center}\">\
         <button class=\"quiet\">{sheet}</button></form>\
         <a href=\"/members/export.csv?center={center}\" id=\"export-csv\">{csv}</a>\
         <a href=\"/members/export.xlsx?center={center}\" id=\"export-xlsx\">{xlsx}</a></div>",
        csrf = escape(csrf),
        sheet = t("打印全部会员卡", "Print every member's card"),
        csv = t("导出名册 CSV", "Roster as CSV"),
        xlsx = t("导出名册 Excel", "Roster as Excel"),
    )
}
