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
    /// What the request would make exists already.
    Conflict(String),
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
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Forbidden(m) => AppError::Forbidden(m),
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
            AppError::Conflict(m) => (StatusCode::CONFLICT, "conflict", m),
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

/// The stable code for an HTTP status the framework answered by itself.
fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 422 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "timeout",
        409 => "conflict",
        413 => "too_large",
        415 => "unsupported_media_type",
        429 => "too_many",
        s if s >= 500 => "internal",
        _ => "error",
    }
}

/// Turns an API error the framework wrote as text (a path id that is no
/// number, a missing query parameter, a body that is not gzip, a body too
/// large, a wrong method) into the documented [`ApiError`], keeping its
/// status, its words and headers such as `Allow` and `Retry-After`.
pub async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    let mut out = (
        status,
        Json(ApiError {
            error: code_for(status).into(),
            message,
        }),
    )
        .into_response();
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// Ids are 64-bit signed numbers in both databases: a path segment of
/// digits beyond that is malformed (400), and never reaches a query.
pub async fn bounded_ids(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let too_big = req.uri().path().split('/').any(|segment| {
        !segment.is_empty()
            && segment.bytes().all(|b| b.is_ascii_digit())
            && segment.parse::<i64>().is_err()
    });
    if too_big {
        return (
            StatusCode::BAD_REQUEST,
            Json(ApiError {
                error: "bad_request".into(),
                message: "an id in the path is beyond 64 bits".into(),
            }),
        )
            .into_response();
    }
    next.run(req).await
}
