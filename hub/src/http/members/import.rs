//! Importing a roster from the members page: the file previewed (wrong rows
//! by number, who is already on the roster), then imported whole.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::super::error::AppError;
use super::super::layout::{Lang, Tab, form_session, refusal};
use super::super::web::{escape, redirect};
use super::super::{AppState, db};
use super::page::{PageQuery, Typed, show_members};
use crate::admin::import::Report;
use crate::admin::{Actor, Admin};
use crate::store::users::Session;

/// The preview of a roster file on the members page: what is wrong by row,
/// who is already on the roster, and the button that imports it.
fn preview_html(report: &Report, lang: Lang, csrf: &str, center: u64, file_b64: &str) -> String {
    let t = |zh, en| lang.t(zh, en);
    let mut html = format!(
        "<div class=\"card\" id=\"preview\"><h2>{}</h2><p id=\"preview-summary\">{} {} · {} {} · {} {} · {} {}</p>",
        t("导入预览", "Import preview"),
        t("行数", "Rows"),
        report.rows,
        t("有错误", "wrong"),
        report.errors.len(),
        t("已在名册", "already on the roster"),
        report.duplicates.len(),
        t("将添加", "to add"),
        report.to_add,
    );
    if !report.errors.is_empty() {
        let rows: String = report
            .errors
            .iter()
            .map(|p| {
                format!(
                    "<tr><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td></tr>",
                    t("行", "Row"),
                    p.row,
                    t("问题", "Problem"),
                    escape(&p.message)
                )
            })
            .collect();
        html.push_str(&format!(
            "<p class=\"error\">{}</p><table class=\"list\" id=\"import-errors\"><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table>",
            t("有错误的行，改正后重新预览；在此之前不会导入任何会员。", "Correct these rows and preview again; nobody is imported until then."),
            t("行", "Row"),
            t("问题", "Problem"),
        ));
    }
    if !report.duplicates.is_empty() {
        let rows: String = report
            .duplicates
            .iter()
            .map(|d| {
                let same = match (d.member_id, d.same_as_row) {
                    (Some(id), _) => format!("{} {id}", t("会员", "member")),
                    (_, Some(row)) => format!("{} {row}", t("第", "row")),
                    _ => String::new(),
                };
                format!(
                    "<tr><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{} ({})</td></tr>",
                    t("行", "Row"),
                    d.row,
                    t("姓名", "Name"),
                    escape(&d.name),
                    t("同一人", "Same as"),
                    same,
                    escape(d.why)
                )
            })
            .collect();
        html.push_str(&format!(
            "<p class=\"note\">{}</p><table class=\"list\" id=\"import-duplicates\"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table>",
            t("这些行与名册上的会员或前面的行是同一人，不会重复添加：", "These rows are someone already on the roster or an earlier row, and are left out:"),
            t("行", "Row"),
            t("姓名", "Name"),
            t("同一人", "Same as"),
        ));
    }
    if !report.ignored_columns.is_empty() {
        html.push_str(&format!(
            "<p class=\"note\">{} {}</p>",
            t("未读取的列：", "Columns not read:"),
            escape(&report.ignored_columns.join(", "))
        ));
    }
    if report.errors.is_empty() && report.to_add > 0 {
        html.push_str(&format!(
            "<form method=\"post\" action=\"/members/import/confirm\" id=\"confirm-import\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"center\" value=\"{center}\">\
             <input type=\"hidden\" name=\"file\" value=\"{}\"><button class=\"act\">{} {} {}</button></form>",
            escape(csrf),
            escape(file_b64),
            t("导入", "Import"),
            report.to_add,
            t("位会员", "members"),
        ));
    }
    html.push_str("</div>");
    html
}

/// `POST /members/import`: the file from the form, previewed on the page.
pub(super) async fn import_preview(
    State(state): State<AppState>,
    headers: HeaderMap,
    mut form: axum::extract::Multipart,
) -> Response {
    let (mut csrf, mut center, mut file) = (String::new(), None, None);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return AppError::BadRequest(format!("the upload broke off: {e}")).into_response();
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return AppError::BadRequest(format!("the upload broke off: {e}")).into_response();
            }
        };
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "center" => center = String::from_utf8_lossy(&bytes).trim().parse::<u64>().ok(),
            "file" => file = Some(bytes),
            _ => {}
        }
    }
    let s = match form_session(&state, &headers, &csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = Lang::of(&headers);
    let (Some(center), Some(file)) = (center, file) else {
        return refusal(
            &s,
            lang,
            Tab::Members,
            "/members",
            AppError::BadRequest(lang.t("请选择一个文件。", "Choose a file.").into()),
        );
    };
    show_import(&state, &headers, s, center, file.to_vec(), true).await
}

#[derive(Deserialize)]
pub(super) struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    center: u64,
    #[serde(default)]
    file: String,
}

/// `POST /members/import/confirm`: the previewed file again, imported.
pub(super) async fn import_confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<ConfirmForm>,
) -> Response {
    let s = match form_session(&state, &headers, &f.csrf).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(file) = data_encoding::BASE64.decode(f.file.as_bytes()) else {
        return AppError::BadRequest(
            "the previewed file did not come back whole; preview it again".into(),
        )
        .into_response();
    };
    show_import(&state, &headers, s, f.center, file, false).await
}

async fn show_import(
    state: &AppState,
    headers: &HeaderMap,
    s: Session,
    center: u64,
    file: Vec<u8>,
    dry_run: bool,
) -> Response {
    let lang = Lang::of(headers);
    let actor = Actor::User(s.user.clone());
    let b64 = if dry_run {
        data_encoding::BASE64.encode(&file)
    } else {
        String::new()
    };
    let result = db(state, move |st| {
        Ok(Admin::new(st, actor).import_members(center, &file, dry_run)?)
    })
    .await;
    let back = PageQuery {
        center: Some(center),
        ..PageQuery::default()
    };
    match result {
        Ok(report) if !dry_run && report.errors.is_empty() => redirect(&format!(
            "/members?center={center}&done=imported-{}",
            report.imported.len()
        )),
        Ok(report) => {
            let status = if report.errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let typed = Typed {
                preview: preview_html(&report, lang, &s.csrf, center, &b64),
                ..Typed::default()
            };
            show_members(state, headers, s, back, typed, status).await
        }
        Err(AppError::BadRequest(message)) => {
            let typed = Typed {
                preview: format!(
                    "<div class=\"card\" id=\"preview\"><p class=\"error\" id=\"import-refused\">{}</p></div>",
                    escape(&message)
                ),
                ..Typed::default()
            };
            show_members(
                state,
                headers,
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
