//! One error type for every route, answered as `ApiError` JSON.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use protocol::wire::ApiError;

use crate::store::StoreError;

#[derive(Debug)]
pub enum AppError {
    /// A kiosk call without a valid device credential.
    Unauthorized,
    /// A dashboard call without a valid login.
    NotLoggedIn,
    Forbidden(String),
    /// A second board speaks with a kiosk's credential.
    CredentialInUse,
    /// Too many attempts from one address (wrong enrollment codes).
    TooMany(String),
    InvalidCode(String),
    NotFound(String),
    BadRequest(String),
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => AppError::NotFound(m),
            StoreError::Invalid(m) => AppError::BadRequest(m),
            StoreError::Db(e) => AppError::Internal(e.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "missing or unknown device credential; enroll the kiosk again".to_string(),
            ),
            AppError::NotLoggedIn => (
                StatusCode::UNAUTHORIZED,
                "not_logged_in",
                "log in at /login first".to_string(),
            ),
            AppError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m),
            AppError::CredentialInUse => (
                StatusCode::CONFLICT,
                "credential_in_use",
                "another board runs with this kiosk's credential (a cloned or restored card); \
                 enroll this board anew with a new code"
                    .to_string(),
            ),
            AppError::TooMany(m) => (StatusCode::TOO_MANY_REQUESTS, "too_many", m),
            AppError::InvalidCode(m) => (StatusCode::FORBIDDEN, "invalid_code", m),
            AppError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m),
            AppError::BadRequest(m) => (StatusCode::UNPROCESSABLE_ENTITY, "bad_request", m),
            AppError::Internal(m) => {
                tracing::error!("internal error: {m}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error, see the hub's log".to_string(),
                )
            }
        };
        (
            status,
            Json(ApiError {
                error: code.into(),
                message,
            }),
        )
            .into_response()
    }
}
