//! A center's ledger facts (台账: 负责人, 联系电话, 地址, 成立时间, 隶属关系,
//! and the evaluation's 评价等级): its staff keep the facts, admins above it
//! also set the rating, which the evaluation gives.

use super::{Actor, Admin};
use crate::store::audit::Change;
use crate::store::ledger::{self, Profile, ProfileChange};
use crate::store::users::Role;
use crate::store::{Center, Result, StoreError};

impl Admin<'_> {
    /// A center and its ledger facts.
    pub fn center_profile(&self, center_id: u64) -> Result<(Center, Profile)> {
        let center = self.center(center_id)?;
        Ok((center, self.store.profile(center_id)?))
    }

    /// Whether the actor may set a center's rating (an admin, or the
    /// command line).
    pub fn may_rate(&self) -> bool {
        match &self.actor {
            Actor::CommandLine => true,
            Actor::User(u) => u.role == Role::Admin,
        }
    }

    /// Sets a center's time zone (admins only: it moves every later date
    /// the center's kiosks and reports count on).
    pub fn set_time_zone(&self, center_id: u64, time_zone: &str) -> Result<()> {
        self.center(center_id)?;
        if !self.may_rate() {
            return Err(StoreError::Forbidden(
                "an admin above the center sets its time zone".into(),
            ));
        }
        self.change(|tx| {
            let before = crate::store::set_time_zone_in(tx, center_id, time_zone)?;
            Ok((
                (),
                Change {
                    center_id: Some(center_id),
                    region_id: None,
                    action: "center.time_zone",
                    subject: format!("center {center_id}"),
                    before: Some(serde_json::json!({ "time_zone": before })),
                    after: Some(serde_json::json!({ "time_zone": time_zone.trim() })),
                },
            ))
        })
    }

    /// Changes a center's ledger facts (a field left `None` stays).
    pub fn set_profile(&self, center_id: u64, change: &ProfileChange) -> Result<Profile> {
        self.center(center_id)?;
        if change.rating.is_some() && !self.may_rate() {
            let now = self.store.profile(center_id)?.rating;
            if change.rating.as_deref().map(str::trim) != Some(now.as_str()) {
                return Err(StoreError::Forbidden(
                    "the rating is the evaluation's: an admin above the center sets it".into(),
                ));
            }
        }
        self.change(|tx| {
            let (before, after) = ledger::set_profile_in(tx, center_id, change)?;
            Ok((
                after.clone(),
                Change {
                    center_id: Some(center_id),
                    region_id: None,
                    action: "center.profile",
                    subject: format!("center {center_id}"),
                    before: serde_json::to_value(&before).ok(),
                    after: serde_json::to_value(&after).ok(),
                },
            ))
        })
    }
}

impl Admin<'_> {
    /// Evaluates a center (seed 001, annex 1): the items the hub grades
    /// from its data for the month of `day` are taken from the data, the
    /// others from `typed` (every one of them needed); the rating follows
    /// by rule, a center rated 较差 gets its rectification period from
    /// `today`, and the ledger's rating becomes the evaluation's. Admins
    /// above the center only; audited.
    pub fn evaluate(
        &self,
        center_id: u64,
        typed: &[Option<crate::evaluation::Grade>; 10],
        day: chrono::NaiveDate,
        today: chrono::NaiveDate,
    ) -> Result<crate::evaluation::Evaluation> {
        use crate::evaluation::{Evaluation, ITEMS, from_data, overall, rectify_until};
        let center = self.center(center_id)?;
        if !self.may_rate() {
            return Err(StoreError::Forbidden(
                "an admin above the center evaluates it".into(),
            ));
        }
        let data = from_data(self.store, &center, day, today)?;
        let mut grades = [crate::evaluation::Grade::Fair; 10];
        for (i, item) in ITEMS.iter().enumerate() {
            grades[i] = match data.iter().find(|e| e.item == i) {
                Some(e) => e.grade,
                None => typed[i].ok_or_else(|| {
                    StoreError::Invalid(format!(
                        "请为第 {} 项“{}”选择评价 · item {} ({}) needs a grade",
                        i + 1,
                        item.content,
                        i + 1,
                        item.content
                    ))
                })?,
            };
        }
        let rating = overall(&grades);
        let evaluation = Evaluation {
            center_id,
            month: day.format("%Y-%m").to_string(),
            grades,
            rating,
            rectify_until: (rating == crate::evaluation::Grade::Poor)
                .then(|| rectify_until(today).format("%Y-%m-%d").to_string()),
            evaluated_at_ms: crate::store::now_ms(),
            evaluated_by: self.actor.name().to_string(),
        };
        let before = self.store.evaluation(center_id)?;
        self.change(|tx| {
            ledger::save_evaluation_in(tx, &evaluation)?;
            Ok((
                evaluation.clone(),
                Change {
                    center_id: Some(center_id),
                    region_id: None,
                    action: "center.evaluation",
                    subject: format!("center {center_id}"),
                    before: before.as_ref().and_then(|b| serde_json::to_value(b).ok()),
                    after: serde_json::to_value(&evaluation).ok(),
                },
            ))
        })
    }
}
