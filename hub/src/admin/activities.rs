//! The activities a center holds (the ledger's and the yardsticks' count of
//! them): recorded by its staff, listed with how many came.

use chrono::NaiveDate;

use super::Admin;
use crate::store::audit::Change;
use crate::store::ledger::{self, Activity};
use crate::store::{Result, StoreError};

/// An activity to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewActivity {
    pub title: String,
    pub category: protocol::catalog::ServiceCategory,
    pub study_club: bool,
    pub date: NaiveDate,
    pub start: String,
    pub end: String,
    pub place: String,
}

impl Admin<'_> {
    /// A center's activities of `from..=to`, each with how many came
    /// (counted visits during its hours, from half an hour before).
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
        let mut out = Vec::with_capacity(list.len());
        for a in list {
            let came = crate::yardsticks::attendance(self.store, &center, &a)?;
            out.push((a, came));
        }
        Ok(out)
    }

    /// Records an activity of a center; its id.
    pub fn add_activity(&self, center_id: u64, a: &NewActivity) -> Result<u64> {
        self.center(center_id)?;
        if a.title.chars().count() > 100 || a.place.chars().count() > 100 {
            return Err(StoreError::Invalid(
                "a title or place is at most 100 characters".into(),
            ));
        }
        self.change(|tx| {
            let id = ledger::add_activity_in(
                tx, center_id, &a.title, a.category, a.study_club, a.date, &a.start, &a.end, &a.place,
            )?;
            Ok((
                id,
                Change {
                    center_id: Some(center_id),
                    region_id: None,
                    action: "activity.add",
                    subject: format!("activity {id}"),
                    before: None,
                    after: Some(serde_json::json!({
                        "title": a.title.trim(), "category": a.category.code(), "study_club": a.study_club,
                        "date": a.date.format("%Y-%m-%d").to_string(), "start": a.start.trim(),
                        "end": a.end.trim(), "place": a.place.trim(),
                    })),
                },
            ))
        })
    }
}
