//! The activities centers hold, one list: each occurrence (an activity on a
//! date) as the center's published content plans it, held or cancelled,
//! with its places and any correction of how many came. The yardsticks,
//! the ledger, the dashboard and the integration API count these.
//!
//! A publish (and `serve` every day) lays the content's activities out
//! over the coming [`HORIZON_DAYS`]: an occurrence is added or updated by
//! `(center, content id, date)`; one no longer planned is withdrawn today
//! (or when members signed up for it) and deleted otherwise. Staff's held
//! and cancelled marks are never undone by a publish. The past is never rewritten. Rows
//! recorded before activities came from content have no content id and
//! stay as they were.

use chrono::NaiveDate;

use crate::store::db::params;
use crate::store::db::{self, Conn, Row, Tx};

use super::{Result, Store, StoreError, now_ms};

/// Where an occurrence stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Planned: counted once its date has come, unless cancelled.
    Scheduled,
    /// Confirmed by staff as held.
    Held,
    /// Did not take place (staff said so): never counted.
    Cancelled,
    /// Taken out of the center's content after it was laid out (kept for
    /// today, or for those signed up): never counted; back to scheduled if
    /// the content plans it again. Staff's own cancellation is never undone
    /// by a publish.
    Withdrawn,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::Held => "held",
            Status::Cancelled => "cancelled",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// Not taking place: counted nowhere, open to no sign-up.
    pub fn is_off(self) -> bool {
        matches!(self, Status::Cancelled | Status::Withdrawn)
    }

    pub fn from_code(code: &str) -> Option<Status> {
        [
            Status::Scheduled,
            Status::Held,
            Status::Cancelled,
            Status::Withdrawn,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Activity {
    pub id: u64,
    pub center_id: u64,
    pub title: String,
    pub category: String,
    /// Part of the center's study club (学习社), which should be at least
    /// 30% of its activities in a year.
    pub study_club: bool,
    pub local_date: String,
    pub start: String,
    pub end: String,
    pub place: String,
    /// The content's stable id (`None`: recorded before content planned
    /// activities).
    pub content_id: Option<String>,
    pub status: Status,
    /// Places, when limited.
    pub capacity: Option<u32>,
    /// How many came, as staff corrected it afterwards.
    pub attendance_override: Option<u64>,
    /// A room's slot members book: never counted as an activity.
    pub room: bool,
}

/// Arrivals from this long before an activity's start count for it.
pub const EARLY_MS: i64 = 30 * 60_000;

impl Activity {
    /// A time of its day (`HH:MM`, its center's local time) as unix ms.
    pub fn at_ms(&self, time: &str, tz: chrono_tz::Tz) -> Option<i64> {
        use chrono::TimeZone;
        let d = NaiveDate::parse_from_str(&self.local_date, "%Y-%m-%d").ok()?;
        let t = chrono::NaiveTime::parse_from_str(time, "%H:%M").ok()?;
        tz.from_local_datetime(&d.and_time(t))
            .earliest()
            .map(|t| t.timestamp_millis())
    }

    /// When arrivals count for it, unix ms: from [`EARLY_MS`] before its
    /// start to its end.
    pub fn window_ms(&self, tz: chrono_tz::Tz) -> Option<(i64, i64)> {
        Some((
            self.at_ms(&self.start, tz)? - EARLY_MS,
            self.at_ms(&self.end, tz)?,
        ))
    }
}

pub(crate) const COLUMNS: &str = "id, center_id, title, category, study_club, local_date, start, \"end\", \
                       place, content_id, status, capacity, attendance_override, room";

/// An activity from a `SELECT` of [`COLUMNS`].
pub(crate) fn activity_from_row(r: &Row<'_>) -> db::Result<Activity> {
    let status: String = r.get(10)?;
    Ok(Activity {
        id: r.get(0)?,
        center_id: r.get(1)?,
        title: r.get(2)?,
        category: r.get(3)?,
        study_club: r.get(4)?,
        local_date: r.get(5)?,
        start: r.get(6)?,
        end: r.get(7)?,
        place: r.get(8)?,
        content_id: r.get(9)?,
        status: Status::from_code(&status).unwrap_or(Status::Scheduled),
        capacity: r.get(11)?,
        attendance_override: r.get(12)?,
        room: r.get(13)?,
    })
}

/// An occurrence to insert.
pub(crate) struct NewOccurrence<'a> {
    pub title: &'a str,
    pub category: protocol::catalog::ServiceCategory,
    pub study_club: bool,
    pub date: NaiveDate,
    pub start: &'a str,
    pub end: &'a str,
    pub place: &'a str,
    pub content_id: Option<&'a str>,
    pub capacity: Option<u32>,
    pub room: bool,
}

/// Inserts one occurrence, checked; its id.
pub(crate) fn insert(tx: &Tx<'_>, center_id: u64, a: &NewOccurrence<'_>) -> Result<u64> {
    let title = a.title.trim();
    if title.is_empty() {
        return Err(StoreError::Invalid(
            "请填写活动名称 · an activity needs a title".into(),
        ));
    }
    let time = |t: &str| {
        chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| {
            StoreError::Invalid(format!(
                "时间 {t:?} 请写成 时:分（如 19:00） · time {t:?}: write HH:MM"
            ))
        })
    };
    if time(a.end)? <= time(a.start)? {
        return Err(StoreError::Invalid(format!(
            "活动的结束时间（{end}）早于开始时间（{start}） · the activity ends ({end}) before it starts ({start})",
            end = a.end,
            start = a.start
        )));
    }
    Ok(tx.query_row(
        "INSERT INTO activities(center_id, title, category, study_club, local_date, start, \"end\",
                                place, created_at_ms, content_id, capacity, room)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         RETURNING id",
        params![
            center_id,
            title,
            a.category.code(),
            a.study_club,
            a.date.format("%Y-%m-%d").to_string(),
            a.start.trim(),
            a.end.trim(),
            a.place.trim(),
            now_ms(),
            a.content_id,
            a.capacity,
            a.room
        ],
        |r| r.get(0),
    )?)
}

/// One occurrence by id, on a connection or inside a transaction.
pub(crate) fn activity_in(conn: &Conn, id: u64) -> Result<Activity> {
    use crate::store::db::OptionalExt;
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM activities WHERE id = ?1"),
        params![id],
        activity_from_row,
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("no activity with id {id}")))
}

/// Marks an occurrence held, cancelled or scheduled again.
pub(crate) fn set_status_in(tx: &Tx<'_>, id: u64, status: Status) -> Result<()> {
    tx.execute(
        "UPDATE activities SET status = ?1 WHERE id = ?2",
        params![status.code(), id],
    )?;
    Ok(())
}

/// Sets (or with `None` clears) how many came, as staff counted them.
pub(crate) fn correct_attendance_in(tx: &Tx<'_>, id: u64, came: Option<u64>) -> Result<()> {
    tx.execute(
        "UPDATE activities SET attendance_override = ?1 WHERE id = ?2",
        params![came, id],
    )?;
    Ok(())
}

impl Store {
    /// Records one occurrence directly (tests, and rows from before
    /// content planned activities); its id.
    #[allow(clippy::too_many_arguments)]
    pub fn add_activity(
        &self,
        center_id: u64,
        title: &str,
        category: protocol::catalog::ServiceCategory,
        study_club: bool,
        local_date: NaiveDate,
        start: &str,
        end: &str,
        place: &str,
    ) -> Result<u64> {
        self.center(center_id)?;
        self.write(|tx| {
            insert(
                tx,
                center_id,
                &NewOccurrence {
                    title,
                    category,
                    study_club,
                    date: local_date,
                    start,
                    end,
                    place,
                    room: false,
                    content_id: None,
                    capacity: None,
                },
            )
        })
    }

    /// One occurrence by id.
    pub fn activity(&self, id: u64) -> Result<Activity> {
        activity_in(&self.conn(), id)
    }

    /// The activities of several centers (their ids as a JSON array) on
    /// the local dates `from..=to`, by center, date and start; rooms'
    /// slots are not activities.
    pub fn activities_of(&self, ids: &str, from: &str, to: &str) -> Result<Vec<Activity>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS}
             FROM activities WHERE center_id IN (SELECT value FROM json_each(?1))
               AND local_date BETWEEN ?2 AND ?3 AND room = 0
             ORDER BY center_id, local_date, start, id"
        ))?;
        let rows = stmt.query_map(params![ids, from, to], activity_from_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// A center's activities on the local dates `from..=to`, by date and
    /// start, with its rooms' slots (`room`).
    pub fn activities(&self, center_id: u64, from: &str, to: &str) -> Result<Vec<Activity>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS}
             FROM activities WHERE center_id = ?1 AND local_date BETWEEN ?2 AND ?3
             ORDER BY local_date, start, id"
        ))?;
        let rows = stmt.query_map(params![center_id, from, to], activity_from_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}
