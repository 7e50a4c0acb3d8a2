//! 好差评: after a member's welcome the kiosk asks how their last visit
//! went, and at their check-out how this one did; one tap of five faces,
//! optional. The answer is its own event, `rated`, naming the visit's
//! check-in on this kiosk; it travels in the outbox like any check-in.

use protocol::catalog::Satisfaction;
use protocol::wire::EventKind;

use super::{Engine, Outcome, local_date_hour};
use crate::clock::Clock;

/// How far back a last visit is still worth asking about.
pub const RATE_WITHIN_DAYS: u64 = 30;

/// A visit the kiosk may ask a member to rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingOffer {
    /// The visit's check-in on this kiosk.
    pub for_seq: u64,
    /// The visit's local date (`YYYY-MM-DD`), or `None` for the visit
    /// ending now (a check-out).
    pub last_visit: Option<String>,
}

impl<C: Clock> Engine<C> {
    /// Whether to ask after `outcome`: a member's welcome asks about their
    /// latest earlier visit on this kiosk within [`RATE_WITHIN_DAYS`] not
    /// rated yet (a welcome that asks which activity does not ask this
    /// too); a check-out asks about the visit it ends.
    pub fn rating_offer(&self, outcome: &Outcome) -> Option<RatingOffer> {
        let (seq, ending) = match outcome {
            Outcome::Welcome {
                seq,
                visitor: false,
                attending,
                ..
            } if !matches!(attending, super::Attending::Ask(_)) => (*seq, false),
            Outcome::CheckedOut { seq, .. } => (*seq, true),
            _ => return None,
        };
        let (today, _) = local_date_hour(self.tz, self.clock.now_ms());
        let member = match self.store.member_of_event(seq) {
            Ok(m) => m?,
            Err(e) => {
                tracing::warn!("cannot look up whom to ask for a rating: {e}");
                return None;
            }
        };
        let from = if ending {
            today.clone()
        } else {
            chrono::NaiveDate::parse_from_str(&today, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.checked_sub_days(chrono::Days::new(RATE_WITHIN_DAYS)))
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| today.clone())
        };
        match self.store.visit_to_rate(member, &from, &today, seq) {
            // A welcome asks about an earlier day: today's visit has only begun.
            Ok(Some((for_seq, date))) if ending || date < today => Some(RatingOffer {
                for_seq,
                last_visit: (!ending).then_some(date),
            }),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!("cannot look up a visit to rate: {e}");
                None
            }
        }
    }

    /// Records a member's rating of the visit `for_seq`.
    pub fn rate(&mut self, for_seq: u64, satisfaction: Satisfaction) -> Result<(), String> {
        let now_ms = self.clock.now_ms();
        let kind = EventKind::Rated {
            for_seq,
            satisfaction,
        };
        self.store
            .record(&self.new_event(now_ms, kind), 0)
            .map(|_| ())
            .map_err(|e| {
                tracing::warn!("could not record a rating: {e}");
                e.to_string()
            })
    }
}
