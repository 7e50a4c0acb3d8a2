//! `GET /api/v1/integration/attendance` and `…/activities`: what the
//! platforms above the hub pull, by center and day, a page at a time, with
//! an integration token (`hub integration add`), limited to its part of the
//! network. See [`crate::store::integration`] for the paging.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

use super::{AppError, AppState, db};
use crate::store::integration::{AttendanceRow, Cursor, Integration};

/// The platforms' routes, under `/api/v1`.
pub(super) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/integration/attendance", axum::routing::get(attendance))
        .route("/integration/activities", axum::routing::get(activities))
}

/// Rows a page holds when the client does not say.
const DEFAULT_LIMIT: usize = 500;
/// The most a page holds.
const MAX_LIMIT: usize = 5_000;
/// The longest span one query may cover.
const MAX_DAYS: i64 = 366;

/// The calling platform, from its bearer token.
pub struct AuthIntegration(pub Integration);

impl FromRequestParts<AppState> for AuthIntegration {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = super::bearer_token(parts)?;
        let found = db(state, move |s| Ok(s.integration_by_token(&token)?)).await?;
        found.map(AuthIntegration).ok_or(AppError::Unauthorized)
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    /// First local date, `YYYY-MM-DD`.
    from: String,
    /// Last local date, inclusive.
    to: String,
    /// From the previous page's `next_cursor`.
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
}

struct Checked {
    from: String,
    to: String,
    cursor: Option<Cursor>,
    limit: usize,
}

fn check(q: Result<Query<PageQuery>, QueryRejection>) -> Result<Checked, AppError> {
    let Query(q) = q.map_err(|e| {
        AppError::BadRequest(format!(
            "{} (give from=YYYY-MM-DD&to=YYYY-MM-DD, and cursor and limit if you like)",
            e.body_text()
        ))
    })?;
    let date = |s: &str, what: &str| {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            AppError::BadRequest(format!("{what} must be a date, YYYY-MM-DD (got {s:?})"))
        })
    };
    let (from, to) = (date(&q.from, "from")?, date(&q.to, "to")?);
    if to < from {
        return Err(AppError::BadRequest(format!(
            "to ({to}) is before from ({from})"
        )));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(AppError::BadRequest(format!(
            "at most {MAX_DAYS} days a query; ask for a year at a time"
        )));
    }
    let cursor = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(Cursor::parse(c).ok_or_else(|| {
            AppError::BadRequest(format!("cursor {c:?} is not one this hub handed out"))
        })?),
    };
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(AppError::BadRequest(format!(
            "limit must be between 1 and {MAX_LIMIT}"
        )));
    }
    Ok(Checked {
        from: from.to_string(),
        to: to.to_string(),
        cursor,
        limit,
    })
}

#[derive(Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

pub async fn attendance(
    State(state): State<AppState>,
    AuthIntegration(client): AuthIntegration,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<Page<AttendanceRow>>, AppError> {
    let q = check(q)?;
    let (items, next) = db(&state, move |s| {
        Ok(s.attendance_page(client.scope, &q.from, &q.to, q.cursor.as_ref(), q.limit)?)
    })
    .await?;
    Ok(Json(Page {
        items,
        next_cursor: next.map(|c| c.text()),
    }))
}

/// An activity a center held, with the counted visits during its hours
/// (from half an hour before), as the dashboard counts them.
#[derive(Serialize)]
pub struct ActivityOut {
    pub id: u64,
    pub center_id: u64,
    pub date: String,
    pub start: String,
    pub end: String,
    pub title: String,
    pub category: String,
    pub place: String,
    pub study_club: bool,
    pub came: u64,
    /// 好差评: visits counted for it that were rated at the kiosks, and
    /// how many of those were satisfied.
    pub ratings: u64,
    pub satisfied: u64,
}

pub async fn activities(
    State(state): State<AppState>,
    AuthIntegration(client): AuthIntegration,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<Page<ActivityOut>>, AppError> {
    let q = check(q)?;
    let (items, next) = db(&state, move |s| {
        let (rows, next) =
            s.activities_page(client.scope, &q.from, &q.to, q.cursor.as_ref(), q.limit)?;
        let mut centers = std::collections::HashMap::new();
        for a in &rows {
            if let std::collections::hash_map::Entry::Vacant(e) = centers.entry(a.center_id) {
                e.insert(s.center(a.center_id)?);
            }
        }
        let mut pairs = Vec::with_capacity(rows.len());
        for a in &rows {
            let center = centers
                .get(&a.center_id)
                .ok_or_else(|| crate::store::StoreError::NotFound("a center".into()))?;
            pairs.push((center, a));
        }
        let came = crate::yardsticks::attendances(s, &pairs)?;
        let mut out = Vec::with_capacity(rows.len());
        for (a, came) in rows.into_iter().zip(came) {
            let Some(center) = centers.get(&a.center_id) else {
                continue;
            };
            let (ratings, satisfied) = crate::yardsticks::activity_ratings(s, center, &a)?;
            out.push(ActivityOut {
                id: a.id,
                center_id: a.center_id,
                date: a.local_date,
                start: a.start,
                end: a.end,
                title: a.title,
                category: a.category,
                place: a.place,
                study_club: a.study_club,
                came,
                ratings,
                satisfied,
            });
        }
        Ok((out, next))
    })
    .await?;
    Ok(Json(Page {
        items,
        next_cursor: next.map(|c| c.text()),
    }))
}
