//! Checking in to an activity: while one runs (from half an hour before
//! its start to its end), a member's check-in counts for it. A member who
//! signed up (the hub's list says so) is counted for theirs at once; any
//! other member is asked which one they came for, or none, and their
//! answer is recorded as its own event naming the check-in, so the
//! check-in is never held back waiting for a tap. Walk-ins are taken
//! while places last: the capacity less those booked and the walk-ins
//! this kiosk has counted.

use chrono::{NaiveTime, TimeZone};
use protocol::wire::{EventKind, KioskActivity};

use super::{Engine, Outcome, Refusal};
use crate::clock::Clock;

/// Settings key of the hub's list of today's and tomorrow's activities
/// (JSON of `Vec<KioskActivity>`), as the last sync brought it.
pub const SETTING_ACTIVITIES: &str = "activities";

/// Minutes before an activity's start from which a check-in counts for it.
pub const EARLY_MINUTES: i64 = 30;

/// An activity running now, as the door offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    /// The activity's content id.
    pub id: String,
    /// Its title as the hub sent it (Chinese); the screen shows its
    /// content's words when it has them.
    pub title: String,
    pub start: String,
    pub end: String,
    /// Places left for walk-ins; `None`: no limit.
    pub places_left: Option<u32>,
}

/// What a member's check-in counts for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Attending {
    /// Nothing ran (or a visitor, or a repeat).
    #[default]
    Nothing,
    /// Signed up for this running activity: counted for it.
    Booked(Running),
    /// Activities run and the member did not sign up for one: which one
    /// did they come for (or none)? Until they answer, just visiting.
    Ask(Vec<Running>),
}

/// Today's activities of the hub's list, on the center's date `date`.
pub fn of_day(store: &crate::store::Store, date: &str) -> Vec<KioskActivity> {
    let list: Vec<KioskActivity> = store
        .setting(SETTING_ACTIVITIES)
        .ok()
        .flatten()
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default();
    list.into_iter()
        .filter(|a| a.date.format("%Y-%m-%d").to_string() == date)
        .collect()
}

/// Whether `a` runs at local time `now`: from [`EARLY_MINUTES`] before its
/// start to its end.
pub fn runs_at(a: &KioskActivity, now: NaiveTime) -> bool {
    let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").ok();
    match (t(&a.start), t(&a.end)) {
        (Some(start), Some(end)) => {
            let from = start - chrono::Duration::minutes(EARLY_MINUTES);
            // An activity starting just after midnight opens at midnight.
            let from = if from > start { NaiveTime::MIN } else { from };
            from <= now && now <= end
        }
        _ => false,
    }
}

impl<C: Clock> Engine<C> {
    /// The activities running now, each with its places left.
    pub fn running_activities(&self) -> Vec<Running> {
        self.running_with_bookings()
            .into_iter()
            .map(|(r, _)| r)
            .collect()
    }

    /// The activities running now, each with its places left and the
    /// members booked for it: one read of the hub's list and of the day.
    fn running_with_bookings(&self) -> Vec<(Running, Vec<u32>)> {
        let now_ms = self.clock.now_ms();
        let Some(now) = self.tz.timestamp_millis_opt(now_ms).single() else {
            return Vec::new();
        };
        let date = now.format("%Y-%m-%d").to_string();
        let list: Vec<KioskActivity> = of_day(&self.store, &date)
            .into_iter()
            .filter(|a| !a.room && runs_at(a, now.time()))
            .collect();
        if list.is_empty() {
            return Vec::new();
        }
        let came = self.store.came_for(&date).unwrap_or_else(|e| {
            tracing::error!("cannot read today's activity attendance: {e}");
            Vec::new()
        });
        list.into_iter()
            .map(|a| {
                let walk_ins = came
                    .iter()
                    .filter(|(id, m)| *id == a.id && !a.booked.contains(m))
                    .count();
                let taken = u32::try_from(a.booked.len() + walk_ins).unwrap_or(u32::MAX);
                let running = Running {
                    places_left: a.capacity.map(|c| c.saturating_sub(taken)),
                    id: a.id,
                    title: a.title,
                    start: a.start,
                    end: a.end,
                };
                (running, a.booked)
            })
            .collect()
    }

    /// What a member's check-in now counts for, and the `activity` its
    /// event carries: the id of the running activity they signed up for,
    /// empty when others run (they are asked), `None` when nothing runs.
    pub(super) fn attending(&self, member_id: u32) -> (Attending, Option<String>) {
        let running = self.running_with_bookings();
        if running.is_empty() {
            return (Attending::Nothing, None);
        }
        match running
            .iter()
            .find(|(_, booked)| booked.contains(&member_id))
        {
            Some((r, _)) => (Attending::Booked(r.clone()), Some(r.id.clone())),
            None => (
                Attending::Ask(running.into_iter().map(|(r, _)| r).collect()),
                Some(String::new()),
            ),
        }
    }

    /// A member's answer to "which activity did you come for?" after their
    /// check-in `seq`: `activity` is a running activity's id, or empty for
    /// none. Recorded as its own event; a full activity takes no walk-in.
    pub fn choose_activity(&mut self, seq: u64, activity: &str) -> Outcome {
        let now_ms = self.clock.now_ms();
        let chosen = if activity.is_empty() {
            None
        } else {
            match self
                .running_activities()
                .into_iter()
                .find(|r| r.id == activity)
            {
                Some(r) if r.places_left == Some(0) => {
                    return Outcome::refused(Refusal::ActivityFull);
                }
                Some(r) => Some(r),
                None => return Outcome::refused(Refusal::NotRunning),
            }
        };
        let kind = EventKind::ActivityChosen {
            for_seq: seq,
            activity: activity.to_string(),
        };
        match self.store.record(&self.new_event(now_ms, kind), 0) {
            Ok(_) => Outcome::Attending { activity: chosen },
            Err(crate::store::StoreError::NoTarget(why)) => {
                tracing::warn!("an activity answer for no check-in: {why}");
                Outcome::refused(Refusal::NotRunning)
            }
            Err(e) => {
                tracing::error!("could not record an activity answer: {e}");
                Outcome::refused(Refusal::from_store(&e))
            }
        }
    }
}
