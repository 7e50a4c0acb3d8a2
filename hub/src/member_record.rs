//! A member's own record, for their phone page: visits this month, the
//! activities they came to, and, for a volunteer, this month's service
//! hours with any shift left "to check" by staff.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::store::db::params;
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberRecord {
    /// Counted visits this month (a same-day second scan is one visit).
    pub visits_this_month: u64,
    /// This month's activities they checked in during, oldest first.
    pub activities: Vec<Attended>,
    /// `None`: not a volunteer.
    pub volunteer_minutes_this_month: Option<i64>,
    /// Shift records staff still have to check (date, time, what).
    pub shifts_to_check: Vec<(String, String, String)>,
    /// A volunteer who chose to be thanked by their display name on the
    /// center's monthly wall.
    pub on_wall: bool,
}

/// An activity a member came to, and their rating of it from their phone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attended {
    pub activity_id: u64,
    pub date: String,
    pub title: String,
    pub rating: Option<protocol::catalog::Satisfaction>,
}

/// Whether a member came to an activity of their center: a counted
/// check-in during its hours (from half an hour before) that was not for
/// another activity, as the center's figures count them.
pub fn came_to(
    store: &Store,
    member_id: u32,
    center: &crate::store::Center,
    a: &crate::store::activities::Activity,
) -> Result<bool, StoreError> {
    if a.status.is_off() || a.room || a.center_id != center.id {
        return Ok(false);
    }
    let Some((from, to)) = a.window_ms(center.tz()) else {
        return Ok(false);
    };
    let came: u64 = store.read(|conn| {
        conn.query_row(
            "SELECT count(*) FROM events WHERE member_id = ?1 AND center_id = ?2
               AND local_date = ?3 AND kind = 'member_check_in' AND voided_by_seq IS NULL
               AND at_ms BETWEEN ?4 AND ?5 AND (activity IS NULL OR activity = ?6)",
            params![
                member_id,
                center.id,
                a.local_date,
                from,
                to,
                a.content_id.as_deref().unwrap_or("")
            ],
            |r| r.get(0),
        )
    })?;
    Ok(came > 0)
}

/// A member's record up to now.
pub fn record(store: &Store, member_id: u32) -> Result<MemberRecord, StoreError> {
    let m = store.member(member_id)?;
    let center = store.center(m.center_id)?;
    let today = center.today();
    let first = today.with_day(1).unwrap_or(today);
    let ymd = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let visits: u64 = store.read(|conn| {
        conn.query_row(
            "SELECT count(*) FROM events WHERE member_id = ?1 AND center_id = ?2
               AND kind = 'member_check_in' AND voided_by_seq IS NULL AND same_visit_as IS NULL
               AND local_date BETWEEN ?3 AND ?4",
            params![member_id, center.id, ymd(first), ymd(today)],
            |r| r.get(0),
        )
    })?;
    let rated = store.member_ratings(member_id)?;
    let mut activities = Vec::new();
    for a in store.activities(center.id, &ymd(first), &ymd(today))? {
        if came_to(store, member_id, &center, &a)? {
            activities.push(Attended {
                activity_id: a.id,
                date: a.local_date.clone(),
                title: a.title.clone(),
                rating: rated.get(&a.id).copied(),
            });
        }
    }
    let (minutes, to_check) = if m.volunteer {
        let h = crate::volunteer::hours(store, center.id, first, today, today)?;
        let minutes = h
            .totals
            .iter()
            .filter(|t| t.member_id == member_id)
            .map(|t| t.minutes)
            .sum();
        let to_check = h
            .problems
            .into_iter()
            .filter(|p| p.member_id == member_id)
            .map(|p| (p.local_date, p.local_time, p.activity))
            .collect();
        (Some(minutes), to_check)
    } else {
        (None, Vec::new())
    };
    Ok(MemberRecord {
        visits_this_month: visits,
        activities,
        volunteer_minutes_this_month: minutes,
        shifts_to_check: to_check,
        on_wall: store.on_wall(member_id)?,
    })
}
