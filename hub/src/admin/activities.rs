//! The activities a center holds, one list (the ledger's and the
//! yardsticks' count of them): laid out from the center's published
//! content, listed with how many came, marked held or cancelled and their
//! attendance corrected by its staff afterwards, each change recorded.

use chrono::NaiveDate;

use super::Admin;
use crate::store::activities::{self, Activity, Status};
use crate::store::audit::Change;
use crate::store::plan::{self, LaidOut};
use crate::store::{Result, StoreError};

/// An activity to add to a center's content on one date (the command line
/// and the activities page's quick form; the content editor does more).
#[derive(Debug, Clone, PartialEq)]
pub struct NewActivity {
    pub title: String,
    pub category: protocol::catalog::ServiceCategory,
    pub study_club: bool,
    pub date: NaiveDate,
    pub start: String,
    pub end: String,
    pub place: String,
    pub capacity: Option<u32>,
}

impl NewActivity {
    /// The activity as content holds it (checked when it is published), on
    /// a date from the center's `today` on: the hub lays out activities
    /// from today, so a past date would be published and never counted.
    pub fn to_content(&self, today: NaiveDate) -> Result<protocol::content::Activity> {
        if self.date < today {
            return Err(StoreError::Invalid(format!(
                "{d} 已经过去：请添加今天及以后的活动（已举办的活动在活动页上） · {d} is past: add activities from today on (held ones are listed on the activities page)",
                d = self.date
            )));
        }
        if self.title.chars().count() > 100 || self.place.chars().count() > 100 {
            return Err(StoreError::Invalid(
                "活动名称和地点各最多 100 个字 · a title or place is at most 100 characters".into(),
            ));
        }
        if self.title.trim().is_empty() {
            return Err(StoreError::Invalid(
                "请填写活动名称 · an activity needs a title".into(),
            ));
        }
        let text = |s: &str| protocol::content::Text {
            zh: s.trim().to_string(),
            en: String::new(),
        };
        Ok(protocol::content::Activity {
            id: None,
            title: text(&self.title),
            category: self.category,
            days: Vec::new(),
            date: Some(self.date),
            start: self.start.trim().to_string(),
            end: self.end.trim().to_string(),
            place: text(&self.place),
            capacity: self.capacity,
            signup_url: None,
            picture: None,
            study_club: self.study_club,
            room: false,
        })
    }
}

impl Admin<'_> {
    /// A center's activities of `from..=to`, each with how many came
    /// (staff's count where they corrected it, else counted visits during
    /// its hours, from half an hour before).
    pub fn activities(
        &self,
        center_id: u64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(Activity, u64)>> {
        let center = self.center(center_id)?;
        let list = self.store.activities(
            center_id,
            &from.format("%Y-%m-%d").to_string(),
            &to.format("%Y-%m-%d").to_string(),
        )?;
        let pairs: Vec<_> = list.iter().map(|a| (&center, a)).collect();
        let came = crate::yardsticks::attendances(self.store, &pairs)?;
        Ok(list.into_iter().zip(came).collect())
    }

    /// Marks an occurrence held or cancelled (or scheduled again).
    pub fn set_activity_status(&self, id: u64, status: Status) -> Result<Activity> {
        let center_id = self.activity_center(id)?;
        self.change(|tx| {
            let before = activities::activity_in(tx, id)?;
            activities::set_status_in(tx, id, status)?;
            let after = activities::activity_in(tx, id)?;
            Ok((
                after,
                Change {
                    center_id: Some(center_id),
                    region_id: None,
                    action: "activity.status",
                    subject: format!("activity {id} ({} {})", before.local_date, before.title),
                    before: Some(serde_json::json!({ "status": before.status.code() })),
                    after: Some(serde_json::json!({ "status": status.code() })),
                },
            ))
        })
    }

    /// Corrects how many came to an occurrence (`None`: back to the count
    /// of visits during it). At most 10,000.
    pub fn correct_attendance(&self, id: u64, came: Option<u64>) -> Result<Activity> {
        if came.is_some_and(|n| n > 10_000) {
            return Err(StoreError::Invalid(
                "到场人数最多 10000 人 · attendance: at most 10000 people".into(),
            ));
        }
        let center_id = self.activity_center(id)?;
        self.change(|tx| {
            let before = activities::activity_in(tx, id)?;
            activities::correct_attendance_in(tx, id, came)?;
            let after = activities::activity_in(tx, id)?;
            Ok((
                after,
                Change {
                    center_id: Some(center_id),
                    region_id: None,
                    action: "activity.attendance",
                    subject: format!("activity {id} ({} {})", before.local_date, before.title),
                    before: Some(serde_json::json!({ "came": before.attendance_override })),
                    after: Some(serde_json::json!({ "came": came })),
                },
            ))
        })
    }

    /// The center an occurrence belongs to, if the actor may change it.
    fn activity_center(&self, id: u64) -> Result<u64> {
        let a = self.store.activity(id)?;
        self.center(a.center_id)?;
        Ok(a.center_id)
    }

    /// Lays a center's just-published activities out over the coming
    /// weeks from `today`, inside `tx`.
    pub(super) fn lay_out_in(
        tx: &crate::store::db::Tx<'_>,
        center_id: u64,
        content: &[protocol::content::Activity],
        today: NaiveDate,
    ) -> Result<LaidOut> {
        let planned = plan::planned(content, today);
        plan::lay_out_in(tx, center_id, &planned, today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::Actor;
    use crate::store::Store;
    use crate::store::plan::HORIZON_DAYS;
    use chrono::Days;

    fn content(json: serde_json::Value) -> Vec<protocol::content::Activity> {
        serde_json::from_value(json).expect("activities")
    }

    fn published(
        center: u64,
        activities: Vec<protocol::content::Activity>,
    ) -> crate::content::Published {
        crate::content::Published {
            center_id: Some(center),
            region_id: None,
            version: 2,
            files: vec!["content.json".into()],
            activities,
        }
    }

    #[test]
    fn published_activities_are_the_ones_counted_held_or_cancelled_and_corrected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_database(&crate::testing::database(dir.path()).expect("database"))
            .expect("open");
        let center = store
            .add_center("青年之家", "Asia/Shanghai")
            .expect("center");
        let admin = Admin::new(&store, Actor::CommandLine);
        let c = store.center(center).expect("center");
        let today = c.today();
        let ymd = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        let weekly = serde_json::json!({
            "id": "a-weekly", "title": {"zh": "四点半课堂"}, "category": "culture_learning",
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59",
            "place": {"zh": "活动室"}, "study_club": true
        });
        let once = serde_json::json!({
            "id": "a-once", "title": {"zh": "桌游之夜"}, "category": "leisure",
            "date": ymd(today + Days::new(3)), "start": "19:00", "end": "21:00",
            "place": {"zh": "二楼"}, "capacity": 12
        });
        admin
            .note_publish(&published(
                center,
                content(serde_json::json!([weekly, once])),
            ))
            .expect("publish");
        let horizon = ymd(today + Days::new(HORIZON_DAYS));
        let all = store
            .activities(center, &ymd(today), &horizon)
            .expect("list");
        // Every day of the horizon for the weekly one, and the one-off.
        assert_eq!(all.len(), HORIZON_DAYS as usize + 2, "{all:?}");
        let board_games: Vec<_> = all
            .iter()
            .filter(|a| a.content_id.as_deref() == Some("a-once"))
            .collect();
        assert_eq!(board_games.len(), 1);
        assert_eq!(board_games[0].capacity, Some(12));
        assert_eq!(board_games[0].local_date, ymd(today + Days::new(3)));

        // Published again unchanged: the same rows, not new ones.
        let ids: Vec<u64> = all.iter().map(|a| a.id).collect();
        admin
            .note_publish(&published(
                center,
                content(serde_json::json!([weekly, once])),
            ))
            .expect("publish again");
        let again: Vec<u64> = store
            .activities(center, &ymd(today), &horizon)
            .expect("list")
            .iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(again, ids);

        // Today's occurrence is counted by the yardsticks; staff correct
        // how many came, and it is recorded.
        let todays = all
            .iter()
            .find(|a| a.local_date == ymd(today) && a.content_id.as_deref() == Some("a-weekly"))
            .expect("today's")
            .clone();
        let y = crate::yardsticks::for_centers(&store, std::slice::from_ref(&c), today, today)
            .expect("yardsticks");
        assert_eq!(y[0].activities, 1);
        assert_eq!(y[0].study_club_this_year, 1);
        let staff = Admin::new(&store, Actor::CommandLine);
        let corrected = staff
            .correct_attendance(todays.id, Some(17))
            .expect("correct");
        assert_eq!(corrected.attendance_override, Some(17));
        assert_eq!(
            crate::yardsticks::attendance(&store, &c, &corrected).expect("came"),
            17
        );
        assert!(staff.correct_attendance(todays.id, Some(20_000)).is_err());
        // Staff cancel today's: not counted, and a publish of the same
        // content does not bring it back.
        let off = staff
            .set_activity_status(todays.id, Status::Cancelled)
            .expect("cancel");
        assert_eq!(off.status, Status::Cancelled);
        admin
            .note_publish(&published(
                center,
                content(serde_json::json!([weekly, once])),
            ))
            .expect("publish again");
        assert_eq!(
            store.activity(todays.id).expect("row").status,
            Status::Cancelled
        );
        let y = crate::yardsticks::for_centers(&store, std::slice::from_ref(&c), today, today)
            .expect("yardsticks");
        assert_eq!(y[0].activities, 0);
        // Restored and marked held: counted again.
        staff
            .set_activity_status(todays.id, Status::Scheduled)
            .expect("restore");
        let held = staff
            .set_activity_status(todays.id, Status::Held)
            .expect("held");
        assert_eq!(held.status, Status::Held);

        // The weekly one taken out of the content: today's, held, stays held
        // and counted; the coming ones are gone; the one-off stays.
        admin
            .note_publish(&published(center, content(serde_json::json!([once]))))
            .expect("publish without it");
        let left = store
            .activities(center, &ymd(today), &horizon)
            .expect("list");
        assert_eq!(left.len(), 2, "{left:?}");
        assert_eq!(store.activity(todays.id).expect("row").status, Status::Held);
        let y = crate::yardsticks::for_centers(&store, std::slice::from_ref(&c), today, today)
            .expect("yardsticks");
        assert_eq!(y[0].activities, 1);
        // Not held: a dropped activity of today is withdrawn, not counted,
        // and back when the content plans it again.
        staff
            .set_activity_status(todays.id, Status::Scheduled)
            .expect("scheduled");
        admin
            .note_publish(&published(center, content(serde_json::json!([once]))))
            .expect("publish without it again");
        assert_eq!(
            store.activity(todays.id).expect("row").status,
            Status::Withdrawn
        );
        let y = crate::yardsticks::for_centers(&store, std::slice::from_ref(&c), today, today)
            .expect("yardsticks");
        assert_eq!(y[0].activities, 0);
        admin
            .note_publish(&published(
                center,
                content(serde_json::json!([weekly, once])),
            ))
            .expect("planned again");
        assert_eq!(
            store.activity(todays.id).expect("row").status,
            Status::Scheduled
        );

        let log = store.audit_log_all(None, 50).expect("audit");
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions.iter().filter(|a| **a == "content.publish").count(),
            6,
            "{actions:?}"
        );
        assert!(actions.contains(&"activity.attendance"), "{actions:?}");
        assert_eq!(
            actions.iter().filter(|a| **a == "activity.status").count(),
            4
        );
        let publish = log
            .iter()
            .find(|e| e.action == "content.publish")
            .expect("publish line");
        assert!(
            publish
                .after
                .as_ref()
                .is_some_and(|a| a["activities"].is_object()),
            "{publish:?}"
        );
    }

    #[test]
    fn a_user_of_another_center_cannot_change_its_activities() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_database(&crate::testing::database(dir.path()).expect("database"))
            .expect("open");
        let mine = store.add_center("甲", "Asia/Shanghai").expect("center");
        let theirs = store.add_center("乙", "Asia/Shanghai").expect("center");
        let today = store.center(theirs).expect("center").today();
        let id = store
            .add_activity(
                theirs,
                "读书会",
                protocol::catalog::ServiceCategory::CultureLearning,
                false,
                today,
                "19:00",
                "20:00",
                "",
            )
            .expect("activity");
        let staff = crate::store::users::User {
            id: 1,
            login: "staff-a".into(),
            role: crate::store::users::Role::Staff,
            scope: crate::store::users::Scope::Center(mine),
        };
        let admin = Admin::new(&store, Actor::User(staff));
        assert!(matches!(
            admin.set_activity_status(id, Status::Cancelled),
            Err(StoreError::Forbidden(_) | StoreError::NotFound(_))
        ));
        assert!(admin.correct_attendance(id, Some(3)).is_err());
        assert_eq!(
            store.activity(id).expect("activity").status,
            Status::Scheduled
        );
    }
}
