//! 好差评 from a member's phone, and a volunteer's choice to be thanked
//! on the wall: an activity they came to, rated with one
//! of five faces and an optional comment. One rating per member and
//! activity; a second replaces the first. The kiosk's one-tap ratings are
//! events (`rated`); these sit beside them and count with them.

use std::collections::HashMap;

use protocol::catalog::Satisfaction;

use super::db::params;
use super::{Result, Store, StoreError, now_ms};

/// The satisfaction codes counted as satisfied, for SQL.
pub const SATISFIED: &str = "'very_satisfied', 'satisfied'";

/// A `rated` event `r` that is the latest rating of its visit (a later
/// rating of the same visit replaces it).
pub const LATEST_RATING: &str = "NOT EXISTS (SELECT 1 FROM events n INDEXED BY events_rated_for WHERE n.device_id = r.device_id \
     AND n.kind = 'rated' AND n.for_seq = r.for_seq AND n.seq > r.seq)";

/// Counts phone ratings (and the satisfied among them) of activities `a`;
/// the caller adds the WHERE clause.
pub const PHONE_RATINGS: &str = "SELECT count(*), coalesce(sum(CASE WHEN ar.satisfaction IN \
     ('very_satisfied', 'satisfied') THEN 1 ELSE 0 END), 0) \
     FROM activity_ratings ar JOIN activities a ON a.id = ar.activity_id";

/// The longest comment kept, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

/// A comment a member left with their rating, for the center's staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub satisfaction: Satisfaction,
    pub comment: String,
}

impl Store {
    /// Whether a member chose to be thanked by their display name on their
    /// center's monthly wall (a volunteer's choice, from their phone).
    pub fn on_wall(&self, member_id: u32) -> Result<bool> {
        let on: i64 = self.read(|conn| {
            conn.query_row(
                "SELECT on_wall FROM members WHERE id = ?1",
                params![member_id],
                |r| r.get(0),
            )
        })?;
        Ok(on != 0)
    }

    pub fn set_on_wall(&self, member_id: u32, on: bool) -> Result<()> {
        self.member(member_id)?;
        self.write(|tx| {
            tx.execute(
                "UPDATE members SET on_wall = ?1 WHERE id = ?2",
                params![i64::from(on), member_id],
            )?;
            Ok(())
        })
    }

    /// Display names of members among `ids` who chose to be on the wall,
    /// active ones only, by member number.
    pub fn wall_names(&self, ids: &[u32]) -> Result<Vec<String>> {
        let ids = serde_json::to_string(ids).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.read(|conn| {
            conn.query_map(
                "SELECT display_name FROM members
                 WHERE id IN (SELECT value FROM json_each(?1)) AND on_wall = 1 AND active = 1
                 ORDER BY id",
                params![ids],
                |r| r.get(0),
            )
        })
    }

    /// Keeps a member's rating of an activity of their own center (the
    /// caller checked they came to it: `member_record::came_to`). The
    /// comment is cleaned of control characters and cut to
    /// [`MAX_COMMENT_CHARS`].
    pub fn rate_activity(
        &self,
        member_id: u32,
        activity_id: u64,
        satisfaction: Satisfaction,
        comment: &str,
    ) -> Result<()> {
        let member = self.member(member_id)?;
        let activity = self.activity(activity_id)?;
        if activity.center_id != member.center_id {
            return Err(StoreError::Invalid(
                "这不是你所在中心的活动 · not an activity of the member's center".into(),
            ));
        }
        let comment = protocol::text::clean_text(comment.trim(), MAX_COMMENT_CHARS);
        self.write(|tx| {
            tx.execute(
                "INSERT INTO activity_ratings(activity_id, member_id, satisfaction, comment, at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (activity_id, member_id) DO UPDATE
                 SET satisfaction = excluded.satisfaction, comment = excluded.comment,
                     at_ms = excluded.at_ms",
                params![
                    activity_id,
                    member_id,
                    satisfaction.code(),
                    comment,
                    now_ms()
                ],
            )?;
            Ok(())
        })
    }

    /// A member's ratings from their phone, by activity id.
    pub fn member_ratings(&self, member_id: u32) -> Result<HashMap<u64, Satisfaction>> {
        let rows: Vec<(u64, String)> = self.read(|conn| {
            conn.query_map(
                "SELECT activity_id, satisfaction FROM activity_ratings WHERE member_id = ?1",
                params![member_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, code)| Some((id, Satisfaction::from_code(&code)?)))
            .collect())
    }

    /// The phone ratings of an activity: (ratings, satisfied).
    pub fn phone_ratings(&self, activity_id: u64) -> Result<(u64, u64)> {
        self.read(|conn| {
            conn.query_row(
                &format!(
                    "SELECT count(*), coalesce(sum(CASE WHEN satisfaction IN ({}) THEN 1 ELSE 0 END), 0)
                     FROM activity_ratings WHERE activity_id = ?1",
                    SATISFIED
                ),
                params![activity_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
    }

    /// The comments left on an activity, newest first, for its center's
    /// staff (never with who wrote them).
    pub fn activity_comments(&self, activity_id: u64) -> Result<Vec<Comment>> {
        let rows: Vec<(String, String)> = self.read(|conn| {
            conn.query_map(
                "SELECT satisfaction, comment FROM activity_ratings
                 WHERE activity_id = ?1 AND comment <> '' ORDER BY at_ms DESC",
                params![activity_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(code, comment)| {
                Some(Comment {
                    satisfaction: Satisfaction::from_code(&code)?,
                    comment,
                })
            })
            .collect())
    }
}
