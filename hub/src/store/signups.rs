//! Members sign up for an activity's occurrence from their phone: booked
//! while places last (an activity without a capacity takes everyone), else
//! on the waiting list. A booked member who cancels (until the start)
//! frees the place for the first one waiting, who is booked at once and
//! told so on their page. Cancelled occurrences take no sign-ups.

use chrono::NaiveDate;

use super::activities::{self, Activity};
use super::db::{Conn, OptionalExt, Tx, params};
use super::{Result, Store, StoreError, now_ms};

/// Where a member stands for an occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Booked,
    /// On the waiting list, this many ahead of them plus one.
    Waiting(u64),
    Cancelled,
}

/// An occurrence as a member sees it: places and their own standing.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Offer {
    pub activity: Activity,
    /// Members booked.
    pub booked: u64,
    pub waiting: u64,
    /// `None`: not signed up (or cancelled long ago).
    pub mine: Option<Standing>,
    /// Booked after waiting: their page says so.
    pub promoted: bool,
    /// Still open for signing up or cancelling (before its start).
    pub open: bool,
}

/// What signing up or cancelling came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The occurrence has started, ended or was cancelled.
    Closed,
    /// Not an occurrence of the member's center.
    NotHere,
}

fn counts_in(conn: &Conn, activity_id: u64) -> Result<(u64, u64)> {
    Ok(conn.query_row(
        "SELECT coalesce(sum(CASE WHEN status = 'booked' THEN 1 ELSE 0 END), 0),
                coalesce(sum(CASE WHEN status = 'waiting' THEN 1 ELSE 0 END), 0)
         FROM signups WHERE activity_id = ?1",
        params![activity_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

fn standing_in(conn: &Conn, activity_id: u64, member_id: u32) -> Result<Option<(Standing, bool)>> {
    let row: Option<(String, bool, i64)> = conn
        .query_row(
            "SELECT status, promoted, created_at_ms FROM signups
             WHERE activity_id = ?1 AND member_id = ?2",
            params![activity_id, member_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((status, promoted, created)) = row else {
        return Ok(None);
    };
    let standing = match status.as_str() {
        "booked" => Standing::Booked,
        "waiting" => {
            let ahead: u64 = conn.query_row(
                "SELECT count(*) FROM signups WHERE activity_id = ?1 AND status = 'waiting'
                   AND (created_at_ms < ?2 OR (created_at_ms = ?2 AND member_id < ?3))",
                params![activity_id, created, member_id],
                |r| r.get(0),
            )?;
            Standing::Waiting(ahead + 1)
        }
        _ => Standing::Cancelled,
    };
    Ok(Some((standing, promoted)))
}

/// The occurrence, checked to be the member's center's and still open.
fn open_in(
    tx: &Tx<'_>,
    activity_id: u64,
    member_id: u32,
    now: i64,
) -> Result<std::result::Result<Activity, Refused>> {
    let a = activities::activity_in(tx, activity_id)?;
    let m = super::members::member_in(tx, member_id)?;
    if a.center_id != m.center_id || !m.active {
        return Ok(Err(Refused::NotHere));
    }
    let center = super::center_in(tx, a.center_id)?;
    let open = !a.status.is_off()
        && a.at_ms(&a.start, center.tz())
            .is_some_and(|start| now < start);
    Ok(if open { Ok(a) } else { Err(Refused::Closed) })
}

/// Signs a member up inside `tx`: booked while places last, else waiting.
/// Signing up again changes nothing; after a cancellation, it is a new
/// sign-up at the end of the line.
pub(crate) fn sign_up_in(
    tx: &Tx<'_>,
    activity_id: u64,
    member_id: u32,
    now: i64,
) -> Result<std::result::Result<Standing, Refused>> {
    let a = match open_in(tx, activity_id, member_id, now)? {
        Ok(a) => a,
        Err(r) => return Ok(Err(r)),
    };
    if let Some((standing, _)) = standing_in(tx, activity_id, member_id)?
        && standing != Standing::Cancelled
    {
        return Ok(Ok(standing));
    }
    let (booked, waiting) = counts_in(tx, activity_id)?;
    let full = a.capacity.is_some_and(|c| booked >= u64::from(c));
    // Nobody jumps the line: while others wait, a newcomer waits too.
    let status = if full || waiting > 0 {
        "waiting"
    } else {
        "booked"
    };
    tx.execute(
        "INSERT INTO signups(activity_id, member_id, status, promoted, created_at_ms, changed_at_ms)
         VALUES (?1, ?2, ?3, 0, ?4, ?4)
         ON CONFLICT(activity_id, member_id)
         DO UPDATE SET status = ?3, promoted = 0, created_at_ms = ?4, changed_at_ms = ?4",
        params![activity_id, member_id, status, now],
    )?;
    Ok(Ok(standing_in(tx, activity_id, member_id)?
        .map(|(s, _)| s)
        .unwrap_or(Standing::Cancelled)))
}

/// Cancels a member's sign-up inside `tx` (until the start); a place a
/// booked member frees goes to the first one waiting. The member
/// promoted, if any.
pub(crate) fn cancel_in(
    tx: &Tx<'_>,
    activity_id: u64,
    member_id: u32,
    now: i64,
) -> Result<std::result::Result<Option<u32>, Refused>> {
    if let Err(r) = open_in(tx, activity_id, member_id, now)? {
        return Ok(Err(r));
    }
    let was = standing_in(tx, activity_id, member_id)?.map(|(s, _)| s);
    tx.execute(
        "UPDATE signups SET status = 'cancelled', changed_at_ms = ?3
         WHERE activity_id = ?1 AND member_id = ?2",
        params![activity_id, member_id, now],
    )?;
    if was != Some(Standing::Booked) {
        return Ok(Ok(None));
    }
    fill_in(tx, activity_id, now).map(Ok)
}

/// Books those waiting, in order, while places are free (after a
/// cancellation, or more places); the first one booked, if any.
pub(crate) fn fill_in(tx: &Tx<'_>, activity_id: u64, now: i64) -> Result<Option<u32>> {
    let first = promote_in(tx, activity_id, now)?;
    if first.is_some() {
        while promote_in(tx, activity_id, now)?.is_some() {}
    }
    Ok(first)
}

/// Books the first one waiting when a place is free; who, if anyone.
fn promote_in(tx: &Tx<'_>, activity_id: u64, now: i64) -> Result<Option<u32>> {
    let a = activities::activity_in(tx, activity_id)?;
    let (booked, _) = counts_in(tx, activity_id)?;
    if a.capacity.is_some_and(|c| booked >= u64::from(c)) {
        return Ok(None);
    }
    let next: Option<u32> = tx
        .query_row(
            "SELECT member_id FROM signups WHERE activity_id = ?1 AND status = 'waiting'
             ORDER BY created_at_ms, member_id LIMIT 1",
            params![activity_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(m) = next {
        tx.execute(
            "UPDATE signups SET status = 'booked', promoted = 1, changed_at_ms = ?3
             WHERE activity_id = ?1 AND member_id = ?2",
            params![activity_id, m, now],
        )?;
    }
    Ok(next)
}

impl Store {
    /// A member signs up for an occurrence of their center.
    pub fn sign_up(
        &self,
        activity_id: u64,
        member_id: u32,
    ) -> Result<std::result::Result<Standing, Refused>> {
        self.write(|tx| sign_up_in(tx, activity_id, member_id, now_ms()))
    }

    /// A member cancels their sign-up; the member promoted, if any.
    pub fn cancel_signup(
        &self,
        activity_id: u64,
        member_id: u32,
    ) -> Result<std::result::Result<Option<u32>, Refused>> {
        self.write(|tx| cancel_in(tx, activity_id, member_id, now_ms()))
    }

    /// The coming occurrences of a member's center (today's still to start
    /// and the next `days` days), each with its places and the member's
    /// standing.
    pub fn offers(&self, member_id: u32, days: u64) -> Result<Vec<Offer>> {
        let m = self.member(member_id)?;
        let center = self.center(m.center_id)?;
        let today = center.today();
        let last = today + chrono::Days::new(days);
        let now = now_ms();
        let list = self.activities(
            center.id,
            &today.format("%Y-%m-%d").to_string(),
            &last.format("%Y-%m-%d").to_string(),
        )?;
        // After the list: the connection is one, held for the rest.
        let conn = self.conn();
        let mut out = Vec::new();
        for a in list {
            let start = a.at_ms(&a.start, center.tz());
            let mine = standing_in(&conn, a.id, member_id)?;
            // Gone by: not offered, unless the member signed up for it.
            let open = !a.status.is_off() && start.is_some_and(|s| now < s);
            if !open && mine.is_none() {
                continue;
            }
            let (booked, waiting) = counts_in(&conn, a.id)?;
            out.push(Offer {
                booked,
                waiting,
                mine: mine.map(|(s, _)| s),
                promoted: mine.is_some_and(|(s, p)| p && s == Standing::Booked),
                open,
                activity: a,
            });
        }
        Ok(out)
    }

    /// The occurrences of today and tomorrow (the center's dates) that
    /// take place and come from its content, with the members booked: what
    /// a kiosk of the center checks members in to.
    pub fn kiosk_activities(&self, center_id: u64) -> Result<Vec<protocol::wire::KioskActivity>> {
        let center = self.center(center_id)?;
        let today = center.today();
        let tomorrow = today + chrono::Days::new(1);
        let list = self.activities(
            center.id,
            &today.format("%Y-%m-%d").to_string(),
            &tomorrow.format("%Y-%m-%d").to_string(),
        )?;
        // After the list: the connection is one, held for the rest.
        let conn = self.conn();
        let mut out = Vec::new();
        for a in list {
            let (Some(id), false) = (a.content_id.clone(), a.status.is_off()) else {
                continue;
            };
            let Ok(date) = NaiveDate::parse_from_str(&a.local_date, "%Y-%m-%d") else {
                continue;
            };
            let booked = conn.query_map(
                "SELECT member_id FROM signups WHERE activity_id = ?1 AND status = 'booked'
                 ORDER BY member_id",
                params![a.id],
                |r| r.get(0),
            )?;
            out.push(protocol::wire::KioskActivity {
                id,
                title: a.title,
                date,
                start: a.start,
                end: a.end,
                capacity: a.capacity,
                booked,
                room: a.room,
            });
        }
        Ok(out)
    }

    /// Booked and waiting members of each of these occurrences.
    pub fn signup_counts(&self, ids: &[u64]) -> Result<Vec<(u64, u64, u64)>> {
        let conn = self.conn();
        ids.iter()
            .map(|&id| counts_in(&conn, id).map(|(b, w)| (id, b, w)))
            .collect()
    }
}

/// Takes a member off every sign-up of occurrences still to start (their
/// places go to those waiting), inside `tx`: before their account is
/// erased, or they are merged into another member.
pub(crate) fn withdraw_member_in(tx: &Tx<'_>, member_id: u32, now: i64) -> Result<()> {
    let ids: Vec<u64> = tx.query_map(
        "SELECT activity_id FROM signups WHERE member_id = ?1 AND status <> 'cancelled'",
        params![member_id],
        |r| r.get(0),
    )?;
    for id in ids {
        let was = standing_in(tx, id, member_id)?.map(|(s, _)| s);
        tx.execute(
            "UPDATE signups SET status = 'cancelled', changed_at_ms = ?3
             WHERE activity_id = ?1 AND member_id = ?2",
            params![id, member_id, now],
        )?;
        if was == Some(Standing::Booked) {
            fill_in(tx, id, now)?;
        }
    }
    Ok(())
}

/// Whether an occurrence has anyone signed up (then it is cancelled, not
/// deleted, when its content no longer plans it).
pub(crate) fn has_signups(conn: &Conn, activity_id: u64) -> Result<bool> {
    let n: u64 = conn.query_row(
        "SELECT count(*) FROM signups WHERE activity_id = ?1 AND status <> 'cancelled'",
        params![activity_id],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

impl From<Refused> for StoreError {
    fn from(r: Refused) -> StoreError {
        StoreError::Invalid(
            match r {
                Refused::Closed => {
                    "活动已开始、已结束或已取消 · the activity has started, ended or was cancelled"
                }
                Refused::NotHere => "不是本中心的活动 · not an activity of your center",
            }
            .into(),
        )
    }
}
