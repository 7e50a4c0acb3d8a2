//! Volunteers' hours for staff: the period's report, and the correction of
//! a shift the kiosks left open or half recorded (set its end, or leave the
//! record out), with the reason, recorded.

use chrono::{NaiveDate, NaiveTime, TimeZone};

use super::Admin;
use crate::store::audit::Change;
use crate::store::shifts;
use crate::store::{Result, StoreError};
use crate::volunteer::HoursReport;

/// What a staff member decides of a record.
#[derive(Debug, Clone, PartialEq)]
pub enum ShiftFix {
    /// The shift ended at this local time (`HH:MM`) of its day.
    EndAt(String),
    /// Leave the record out.
    Drop,
}

impl Admin<'_> {
    /// A center's volunteer hours for `from..=to` (the center's local days).
    pub fn volunteer_hours(
        &self,
        center_id: u64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HoursReport> {
        let center = self.center(center_id)?;
        let today = chrono::Utc::now().with_timezone(&center.tz()).date_naive();
        crate::volunteer::hours(self.store, center_id, from, to, today)
    }

    /// Corrects a record of a center's: the end of a shift left open, or
    /// the record left out.
    pub fn correct_shift(
        &self,
        center_id: u64,
        device_id: u64,
        seq: u64,
        fix: &ShiftFix,
        reason: &str,
    ) -> Result<()> {
        let center = self.center(center_id)?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 200 || reason.chars().any(char::is_control)
        {
            return Err(StoreError::Invalid(
                "say why, in at most 200 characters".into(),
            ));
        }
        let by = self.actor.name().to_string();
        self.change(|tx| {
            let (event_center, is_start, start_ms, date) = shifts::shift_event_in(tx, device_id, seq)?;
            if event_center != center_id {
                return Err(StoreError::NotFound(format!(
                    "no volunteer's shift record {device_id}/{seq} at this center"
                )));
            }
            let (action, end_at_ms) = match fix {
                ShiftFix::Drop => ("drop", None),
                ShiftFix::EndAt(_) if !is_start => {
                    return Err(StoreError::Invalid(
                        "an end with no start can only be left out".into(),
                    ));
                }
                ShiftFix::EndAt(hhmm) => {
                    let time = NaiveTime::parse_from_str(hhmm.trim(), "%H:%M").map_err(|_| {
                        StoreError::Invalid(format!("end {hhmm:?}: write HH:MM, e.g. 17:30"))
                    })?;
                    let day = NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                        .map_err(|_| StoreError::Invalid(format!("the record's day {date:?}")))?;
                    let at = center
                        .tz()
                        .from_local_datetime(&day.and_time(time))
                        .earliest()
                        .map(|t| t.timestamp_millis())
                        .ok_or_else(|| StoreError::Invalid(format!("{hhmm} is no time on {date}")))?;
                    if at <= start_ms {
                        return Err(StoreError::Invalid(format!(
                            "the end ({hhmm}) must come after the start, on the same day"
                        )));
                    }
                    ("end", Some(at))
                }
            };
            shifts::correct_shift_in(tx, device_id, seq, center_id, action, end_at_ms, reason, &by)?;
            Ok((
                (),
                Change {
                    center_id: Some(center_id),
                    region_id: None,
                    action: "shift.correct",
                    subject: format!("shift {device_id}/{seq} of {date}"),
                    before: None,
                    after: Some(serde_json::json!({
                        "action": action,
                        "end": match fix { ShiftFix::EndAt(t) => Some(t.clone()), ShiftFix::Drop => None },
                        "reason": reason,
                    })),
                },
            ))
        })
    }
}
