//! Members: the page staff and admins run a center's roster from, and the
//! JSON behind it (the session cookie; changes with `X-CSRF-Token`). Every
//! rule is the admin service's ([`crate::admin`]); a handler says who asks
//! and shows the answer.

mod api;
mod import;
mod joined;
mod page;
mod take;

use axum::routing::{get, post};

use super::AppState;

pub(in crate::http) use api::{admin_for, api_routes};

pub(in crate::http) fn routes() -> axum::Router<AppState> {
    use crate::admin::import::MAX_IMPORT_BYTES;
    use axum::extract::DefaultBodyLimit;
    axum::Router::new()
        .route("/members", get(page::members_page))
        .route("/members/add", post(page::add_form))
        .route("/members/{id}/revoke", post(page::revoke_form))
        .route("/members/{id}/restore", post(page::restore_form))
        .route("/members/cards", post(take::cards_form))
        .route("/members/{id}/phone", post(take::phone_form))
        .route("/members/{id}/card-number", post(take::card_number_form))
        .route("/members/{id}/bind-next", post(take::bind_next_form))
        .route("/members/{id}/edit", post(take::edit_form))
        .route("/members/{id}/confirm", post(joined::confirm_form))
        .route("/members/{id}/merge", post(joined::merge_form))
        .route("/members/{file}", get(take::export))
        .route(
            "/members/import",
            post(import::import_preview).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES + 64 * 1024)),
        )
        .route(
            "/members/import/confirm",
            // The file again, as base64 in the confirming form.
            post(import::import_confirm)
                .layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES / 3 * 4 + 64 * 1024)),
        )
}
