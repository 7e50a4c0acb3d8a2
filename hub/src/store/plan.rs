//! A center's published activities laid out as occurrences: a publish
//! (and `serve` every day) lays them out over the coming [`HORIZON_DAYS`].
//! An occurrence is added or updated by `(center, content id, date)`; more
//! places move those waiting up; one no longer planned is withdrawn when
//! it is today's or has sign-ups, and deleted otherwise. Staff's held and
//! cancelled marks are never undone by a publish, and the past is never
//! rewritten.

use chrono::{Datelike, NaiveDate};

use super::activities::{NewOccurrence, Status, insert};
use super::db::{Tx, params};
use super::{Result, Store, now_ms};

/// How far ahead a center's activities are laid out as occurrences.
pub const HORIZON_DAYS: u64 = 28;

/// One occurrence a center's content plans.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub content_id: String,
    pub date: NaiveDate,
    pub title: String,
    pub category: protocol::catalog::ServiceCategory,
    pub study_club: bool,
    pub start: String,
    pub end: String,
    pub place: String,
    pub capacity: Option<u32>,
    /// A room's slot to book (one place unless the content says more).
    pub room: bool,
}

/// The occurrences of content activities on `from` and the
/// [`HORIZON_DAYS`] after it (an activity without an id has none: the
/// hub gives ids when it publishes).
pub fn planned(activities: &[protocol::content::Activity], from: NaiveDate) -> Vec<Planned> {
    let mut out = Vec::new();
    for d in from.iter_days().take(HORIZON_DAYS as usize + 1) {
        let day = protocol::content::DAYS[d.weekday().num_days_from_monday() as usize];
        for a in activities {
            let Some(id) = &a.id else { continue };
            if a.date == Some(d) || a.days.iter().any(|x| x == day) {
                out.push(Planned {
                    content_id: id.clone(),
                    date: d,
                    title: a.title.zh.trim().to_string(),
                    category: a.category,
                    study_club: a.study_club,
                    start: a.start.clone(),
                    end: a.end.clone(),
                    place: a.place.zh.trim().to_string(),
                    capacity: if a.room {
                        Some(a.capacity.unwrap_or(1))
                    } else {
                        a.capacity
                    },
                    room: a.room,
                });
            }
        }
    }
    out
}

/// What laying out a center's plan changed.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LaidOut {
    pub added: u64,
    pub updated: u64,
    pub cancelled: u64,
    pub removed: u64,
}

/// Lays a center's planned occurrences from `today` on into `tx`: each is
/// added or brought up to date (a cancelled one is scheduled again); one
/// of this center's content occurrences from today on that is no longer
/// planned is cancelled (today's) or deleted (later ones).
pub(crate) fn lay_out_in(
    tx: &Tx<'_>,
    center_id: u64,
    plan: &[Planned],
    today: NaiveDate,
) -> Result<LaidOut> {
    let ymd = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let mut done = LaidOut::default();
    let existing: Vec<(u64, String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT id, content_id, local_date FROM activities
             WHERE center_id = ?1 AND content_id IS NOT NULL AND local_date >= ?2",
        )?;
        let rows = stmt.query_map(params![center_id, ymd(today)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        rows.collect::<std::result::Result<_, _>>()?
    };
    for p in plan.iter().filter(|p| p.date >= today) {
        let date = ymd(p.date);
        let found = existing
            .iter()
            .find(|(_, cid, d)| *cid == p.content_id && *d == date);
        match found {
            Some((id, _, _)) => {
                tx.execute(
                    "UPDATE activities SET title = ?1, category = ?2, study_club = ?3, start = ?4,
                       \"end\" = ?5, place = ?6, capacity = ?7, room = ?9,
                       status = CASE WHEN status = 'withdrawn' THEN 'scheduled' ELSE status END
                     WHERE id = ?8",
                    params![
                        p.title,
                        p.category.code(),
                        p.study_club,
                        p.start,
                        p.end,
                        p.place,
                        p.capacity,
                        id,
                        p.room
                    ],
                )?;
                // More places (or none limited any more): those waiting move up.
                super::signups::fill_in(tx, *id, now_ms())?;
                done.updated += 1;
            }
            None => {
                insert(
                    tx,
                    center_id,
                    &NewOccurrence {
                        title: &p.title,
                        category: p.category,
                        study_club: p.study_club,
                        date: p.date,
                        start: &p.start,
                        end: &p.end,
                        place: &p.place,
                        content_id: Some(&p.content_id),
                        capacity: p.capacity,
                        room: p.room,
                    },
                )?;
                done.added += 1;
            }
        }
    }
    for (id, cid, date) in &existing {
        if plan
            .iter()
            .any(|p| p.content_id == *cid && ymd(p.date) == *date)
        {
            continue;
        }
        // Today's, or one members signed up for: withdrawn (their page
        // says so), never deleted; one staff marked held or cancelled
        // stays as staff left it.
        let status: String = tx.query_row(
            "SELECT status FROM activities WHERE id = ?1",
            params![id],
            |r| r.get(0),
        )?;
        if status != Status::Scheduled.code() && status != Status::Withdrawn.code() {
            continue;
        }
        if *date == ymd(today) || super::signups::has_signups(tx, *id)? {
            tx.execute(
                "UPDATE activities SET status = 'withdrawn' WHERE id = ?1 AND status = 'scheduled'",
                params![id],
            )?;
            done.cancelled += 1;
        } else {
            tx.execute("DELETE FROM activities WHERE id = ?1", params![id])?;
            done.removed += 1;
        }
    }
    Ok(done)
}

impl Store {
    /// Lays a center's content activities out from `today` (see the module).
    pub fn lay_out_activities(
        &self,
        center_id: u64,
        activities: &[protocol::content::Activity],
        today: NaiveDate,
    ) -> Result<LaidOut> {
        let plan = planned(activities, today);
        self.write(|tx| lay_out_in(tx, center_id, &plan, today))
    }
}
