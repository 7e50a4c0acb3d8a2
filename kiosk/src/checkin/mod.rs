//! The check-in engine: turns a scan or a tap into an [`Outcome`], offline.
//!
//! It verifies member tokens with the hub's public key, resolves member
//! numbers through the local roster, lets the store suppress repeats, and
//! records accepted check-ins durably before returning. No network, no UI.

pub mod activities;
mod outcome;
pub mod rating;
pub mod scan;

use std::collections::HashMap;

use chrono::{TimeZone, Timelike};
use chrono_tz::Tz;
use ed25519_dalek::VerifyingKey;
use protocol::catalog::{AgeBand, ServiceCategory};
use protocol::token::{ParsedToken, TokenError};
use protocol::wire::{CredentialKind, EventKind, VoidReason};

pub use activities::{Attending, Running};
pub use outcome::{Outcome, Refusal, RepeatOf, ShiftChange};
pub use rating::RatingOffer;

use crate::clock::Clock;
use crate::store::{NewEvent, Recorded, RosterMember, Store, StoreError, Visit};

/// Tolerance for a kiosk clock a little ahead of the hub's when checking expiry.
const EXPIRY_LEEWAY_S: u64 = 30;

/// A volunteer's second scan of the same action within this time is a double
/// scan, not a new shift start or end.
pub const VOLUNTEER_REPEAT_MS: i64 = 10 * 60_000;

/// What a volunteer is doing at the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShiftAction {
    /// Starting a shift for an activity (its title; empty for general duty).
    Start {
        activity: String,
        category: Option<ServiceCategory>,
    },
    End,
}

/// A member credential, resolved offline.
struct Identified {
    member_id: u32,
    via: CredentialKind,
    /// `None` for a member the roster does not know yet (a valid token).
    name: Option<String>,
    volunteer: bool,
}

/// What a youth presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The text of a member QR code (verified by the engine).
    Token(String),
    /// A member number typed or printed as a barcode.
    MemberNumber(u32),
    /// A card's UID as a reader saw it; hashed with the hub's card key at once
    /// and never stored or logged in clear.
    CardUid(Vec<u8>),
    /// Somebody who is not a member, counted anonymously.
    Visitor {
        age_band: AgeBand,
        purpose: ServiceCategory,
    },
}

/// Settings key of the hub's standing request to bind the next card tapped
/// (JSON of [`protocol::wire::BindNext`]), and of the last one served.
pub const SETTING_BIND_NEXT: &str = "bind_next";
pub const SETTING_BIND_NEXT_DONE: &str = "bind_next_done";

/// Settings key of the center's check-out: minutes after a member's
/// check-in from which their scan checks them out (absent: off).
pub const SETTING_CHECKOUT: &str = "checkout_minutes";

pub struct Engine<C: Clock> {
    store: Store,
    clock: C,
    keys: HashMap<u16, VerifyingKey>,
    card_key: Vec<u8>,
    tz: Tz,
    repeat_window_ms: i64,
}

impl<C: Clock> Engine<C> {
    pub fn new(store: Store, clock: C, repeat_window_minutes: u32) -> Result<Self, StoreError> {
        let mut engine = Engine {
            store,
            clock,
            keys: HashMap::new(),
            card_key: Vec::new(),
            tz: crate::store::DEFAULT_TIME_ZONE,
            repeat_window_ms: i64::from(repeat_window_minutes) * 60_000,
        };
        engine.reload_enrollment()?;
        Ok(engine)
    }

    /// Re-reads the hub's keys and the center's time zone (after enrollment).
    pub fn reload_enrollment(&mut self) -> Result<(), StoreError> {
        self.keys = self
            .store
            .signing_keys()?
            .into_iter()
            .filter_map(|(id, text)| protocol::token::decode_public_key(&text).map(|k| (id, k)))
            .collect();
        if let Some(e) = self.store.enrollment()? {
            self.tz = e.tz();
            self.card_key = data_encoding::BASE64
                .decode(e.card_key.as_bytes())
                .unwrap_or_default();
        }
        Ok(())
    }

    /// A card tapped while the hub waits for one for a member (staff chose
    /// "bind the next card tapped" at this kiosk): bound to that member.
    /// `None` when no such request stands (the tap is a check-in).
    pub fn bind_next_card(&mut self, uid: &[u8]) -> Option<Outcome> {
        let pending: protocol::wire::BindNext = self
            .store
            .setting(SETTING_BIND_NEXT)
            .ok()
            .flatten()
            .and_then(|j| serde_json::from_str(&j).ok())?;
        if pending.until_ms <= self.clock.now_ms() {
            let _ = self.store.delete_setting(SETTING_BIND_NEXT);
            return None;
        }
        let outcome = match self.bind_card(uid, pending.member_id) {
            Ok(name) => Outcome::CardBound { name },
            Err(reason) => Outcome::refused(reason),
        };
        if outcome.is_recorded() {
            // Served: the hub's request stands until it has the binding;
            // the same request is not served twice.
            let _ = self.store.delete_setting(SETTING_BIND_NEXT);
            let _ = self
                .store
                .set_setting(SETTING_BIND_NEXT_DONE, &pending.until_ms.to_string());
        }
        Some(outcome)
    }

    /// Whether the kiosk is enrolled with a hub (it has the hub's keys).
    pub fn enrolled(&self) -> bool {
        !self.keys.is_empty()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Wall time now, unix milliseconds, from the engine's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// The center's local date today, `YYYY-MM-DD`.
    pub fn local_date_today(&self) -> String {
        local_date_hour(self.tz, self.clock.now_ms()).0
    }

    /// Handles one line from a scanner.
    pub fn scan(&mut self, text: &str) -> Outcome {
        match scan::parse(text) {
            Ok(credential) => self.check_in(credential),
            Err(refusal) => Outcome::Refused { reason: refusal },
        }
    }

    pub fn check_in(&mut self, credential: Credential) -> Outcome {
        let now_ms = self.clock.now_ms();
        let (kind, name, attending) = match credential {
            Credential::Visitor { age_band, purpose } => (
                EventKind::Visitor { age_band, purpose },
                None,
                Attending::Nothing,
            ),
            member => match self.identify(member, now_ms) {
                Ok(Identified {
                    member_id,
                    via,
                    name,
                    ..
                }) => {
                    if let Some(out) = self.check_out(member_id, via, &name, now_ms) {
                        return out;
                    }
                    let (attending, activity) = self.attending(member_id);
                    (
                        EventKind::MemberCheckIn {
                            member_id,
                            via,
                            activity,
                        },
                        name,
                        attending,
                    )
                }
                Err(reason) => return Outcome::Refused { reason },
            },
        };
        let visitor = matches!(kind, EventKind::Visitor { .. });
        match self
            .store
            .record(&self.new_event(now_ms, kind), self.repeat_window_ms)
        {
            Ok(Recorded::Stored { seq }) => Outcome::Welcome {
                name,
                seq,
                visitor,
                attending,
            },
            Ok(Recorded::Repeat { previous_at_ms }) => Outcome::Repeat {
                name,
                previous_local_time: local_time(self.tz, previous_at_ms),
                of: RepeatOf::CheckIn,
            },
            Err(e) => {
                tracing::error!("could not record a check-in: {e}");
                Outcome::refused(Refusal::from_store(&e))
            }
        }
    }

    /// At a center that asks members to check out: a member's scan long
    /// enough after their check-in here checks them out (an earlier one is
    /// a repeat, and so is a second scan just after checking out). `None`:
    /// the scan is a check-in as usual.
    fn check_out(
        &mut self,
        member_id: u32,
        via: CredentialKind,
        name: &Option<String>,
        now_ms: i64,
    ) -> Option<Outcome> {
        let minutes: i64 = self
            .store
            .setting(SETTING_CHECKOUT)
            .ok()
            .flatten()
            .and_then(|m| m.parse().ok())
            .filter(|m| *m > 0)?;
        let (local_date, _) = local_date_hour(self.tz, now_ms);
        let visit = match self.store.open_visit(member_id, &local_date) {
            Ok(v) => v,
            Err(e) => return Some(Outcome::refused(Refusal::from_store(&e))),
        };
        match visit {
            Visit::In { since_ms } if now_ms - since_ms >= minutes * 60_000 => {
                let kind = EventKind::MemberCheckOut { member_id, via };
                Some(match self.store.record(&self.new_event(now_ms, kind), 0) {
                    Ok(Recorded::Stored { seq }) => Outcome::CheckedOut {
                        name: name.clone(),
                        seq,
                        minutes: (now_ms - since_ms) / 60_000,
                    },
                    Ok(Recorded::Repeat { previous_at_ms }) => Outcome::Repeat {
                        name: name.clone(),
                        previous_local_time: local_time(self.tz, previous_at_ms),
                        of: RepeatOf::CheckOut,
                    },
                    Err(e) => {
                        tracing::error!("could not record a check-out: {e}");
                        Outcome::refused(Refusal::from_store(&e))
                    }
                })
            }
            Visit::In { since_ms } => Some(Outcome::Repeat {
                name: name.clone(),
                previous_local_time: local_time(self.tz, since_ms),
                of: RepeatOf::CheckIn,
            }),
            Visit::Out { at_ms } if now_ms - at_ms < self.repeat_window_ms.min(10 * 60_000) => {
                Some(Outcome::Repeat {
                    name: name.clone(),
                    previous_local_time: local_time(self.tz, at_ms),
                    of: RepeatOf::CheckOut,
                })
            }
            _ => None,
        }
    }

    /// A volunteer starts or ends a shift with their code, card or number.
    ///
    /// Only registered volunteers may. The same action by the same volunteer
    /// within [`VOLUNTEER_REPEAT_MS`] is a double scan and is not recorded;
    /// anything else is, and the hub pairs starts and ends across the
    /// center's kiosks (a start never ended, or an end with no start, is
    /// flagged there, not guessed at here).
    pub fn volunteer(&mut self, credential: Credential, shift: ShiftAction) -> Outcome {
        let now_ms = self.clock.now_ms();
        let who = match self.identify(credential, now_ms) {
            Ok(who) => who,
            Err(reason) => return Outcome::Refused { reason },
        };
        if !who.volunteer {
            return Outcome::refused(Refusal::NotAVolunteer);
        }
        let (local_date, _) = local_date_hour(self.tz, now_ms);
        // What this kiosk knows of the shift, for the words on screen.
        let open_since = match self.store.open_shift_start(who.member_id, &local_date) {
            Ok(open) => open,
            Err(e) => return Outcome::refused(Refusal::from_store(&e)),
        };
        let (kind, change, of) = match shift {
            ShiftAction::Start { activity, category } => (
                EventKind::VolunteerIn {
                    member_id: who.member_id,
                    via: who.via,
                    activity: activity.clone(),
                    category,
                },
                ShiftChange::Started {
                    activity,
                    unclosed_since: open_since.map(|at| local_time(self.tz, at)),
                },
                RepeatOf::ShiftStart,
            ),
            ShiftAction::End => (
                EventKind::VolunteerOut {
                    member_id: who.member_id,
                    via: who.via,
                },
                ShiftChange::Ended {
                    minutes: open_since.map(|at| (now_ms - at).max(0) / 60_000),
                },
                RepeatOf::ShiftEnd,
            ),
        };
        match self
            .store
            .record(&self.new_event(now_ms, kind), VOLUNTEER_REPEAT_MS)
        {
            Ok(Recorded::Stored { seq }) => Outcome::Shift {
                name: who.name,
                seq,
                change,
            },
            Ok(Recorded::Repeat { previous_at_ms }) => Outcome::Repeat {
                name: who.name,
                previous_local_time: local_time(self.tz, previous_at_ms),
                of,
            },
            Err(e) => {
                tracing::error!("could not record a volunteer shift: {e}");
                Outcome::refused(Refusal::from_store(&e))
            }
        }
    }

    fn new_event(&self, now_ms: i64, kind: EventKind) -> NewEvent {
        let (local_date, local_hour) = local_date_hour(self.tz, now_ms);
        NewEvent {
            at_ms: now_ms,
            local_date,
            local_hour,
            clock: self.clock.info(),
            kind,
        }
    }

    /// Who a member credential belongs to, checked offline.
    fn identify(&self, credential: Credential, now_ms: i64) -> Result<Identified, Refusal> {
        let known = |m: RosterMember, via| Identified {
            member_id: m.member_id,
            via,
            name: Some(m.display_name),
            volunteer: m.volunteer,
        };
        match credential {
            Credential::Token(text) => self.verify_token(&text, now_ms),
            Credential::MemberNumber(member_id) => match self.store.roster_member(member_id) {
                Ok(Some(m)) if m.active => Ok(known(m, CredentialKind::MemberNumber)),
                Ok(Some(_)) => Err(Refusal::InactiveMember),
                Ok(None) if self.keys.is_empty() => Err(Refusal::NotEnrolled),
                Ok(None) => Err(Refusal::UnknownMember),
                Err(e) => Err(Refusal::from_store(&e)),
            },
            Credential::CardUid(uid) => {
                let member_id = self.card_member(&uid)?;
                match self.store.roster_member(member_id) {
                    Ok(Some(m)) if m.active => Ok(known(m, CredentialKind::Card)),
                    Ok(Some(_)) => Err(Refusal::InactiveMember),
                    Ok(None) => Err(Refusal::UnknownCard),
                    Err(e) => Err(Refusal::from_store(&e)),
                }
            }
            // Not a member credential: the visitor flow is a screen of its own.
            Credential::Visitor { .. } => Err(Refusal::Garbled),
        }
    }

    fn verify_token(&self, text: &str, now_ms: i64) -> Result<Identified, Refusal> {
        let parsed = ParsedToken::parse(text).map_err(|_| Refusal::Garbled)?;
        if self.keys.is_empty() {
            return Err(Refusal::NotEnrolled);
        }
        let now_s = u64::try_from(now_ms / 1000).unwrap_or(0);
        let claims = parsed
            .verify(
                |id| self.keys.get(&id).copied(),
                now_s.saturating_sub(EXPIRY_LEEWAY_S),
            )
            .map_err(|e| match e {
                TokenError::Malformed => Refusal::Garbled,
                TokenError::UnknownKey(_) => Refusal::UnknownKey,
                TokenError::BadSignature => Refusal::Forged,
                TokenError::Expired { .. } => Refusal::Expired,
            })?;
        // A signed token is proof of membership; the roster only adds the name
        // (a member added since the last roster sync is welcomed without one)
        // and says which printed card is current.
        let member = match self.store.roster_member(claims.member_id) {
            Ok(Some(m)) if !m.active => return Err(Refusal::InactiveMember),
            Ok(Some(m))
                if parsed
                    .card_generation
                    .is_some_and(|g| g < m.card_generation) =>
            {
                return Err(Refusal::CardReplaced);
            }
            Ok(m) => m,
            Err(e) => return Err(Refusal::from_store(&e)),
        };
        Ok(Identified {
            member_id: claims.member_id,
            via: CredentialKind::QrToken,
            volunteer: member.as_ref().is_some_and(|m| m.volunteer),
            name: member.map(|m| m.display_name),
        })
    }
}

impl<C: Clock> Engine<C> {
    /// The display name of the member a card is bound to, if any.
    pub fn card_owner(&self, uid: &[u8]) -> Option<String> {
        let id = self.card_member(uid).ok()?;
        self.store
            .roster_member(id)
            .ok()
            .flatten()
            .map(|m| m.display_name)
    }

    /// A staff member binds a card to a member: stored at once (the card
    /// works here immediately) and sent to the hub, which tells every kiosk
    /// of the center. Returns the member's display name.
    pub fn bind_card(&mut self, uid: &[u8], member_id: u32) -> Result<String, Refusal> {
        if self.card_key.is_empty() {
            return Err(Refusal::NotEnrolled);
        }
        let member = match self.store.roster_member(member_id) {
            Ok(Some(m)) if m.active => m,
            Ok(Some(_)) => return Err(Refusal::InactiveMember),
            Ok(None) => return Err(Refusal::UnknownMember),
            Err(e) => return Err(Refusal::from_store(&e)),
        };
        let event = self.new_event(
            self.clock.now_ms(),
            EventKind::CardBound {
                member_id,
                card_hash: protocol::card::card_hash(&self.card_key, uid),
            },
        );
        match self.store.record(&event, 0) {
            Ok(_) => Ok(member.display_name),
            Err(e) => Err(Refusal::from_store(&e)),
        }
    }

    /// Who may claim a card nobody holds: the member whose own signed code
    /// this is, on this center's roster and active (a typed number proves
    /// nothing about who holds a card; a youth who joined a moment ago
    /// claims after the kiosk's next sync). Their member id and name.
    pub fn claimant(&self, token: &str) -> Result<(u32, String), Refusal> {
        let who = self.verify_token(token, self.clock.now_ms())?;
        match self.store.roster_member(who.member_id) {
            Ok(Some(m)) if m.active => Ok((m.member_id, m.display_name)),
            Ok(Some(_)) => Err(Refusal::InactiveMember),
            Ok(None) => Err(Refusal::UnknownMember),
            Err(e) => Err(Refusal::from_store(&e)),
        }
    }

    /// Binds a card nobody holds to the member who claimed it (they tapped
    /// it, scanned their own code, and tapped it again): a `card_bound`
    /// event, sent to the hub like a staff binding.
    pub fn bind_claimed_card(&mut self, uid: &[u8], member_id: u32, name: String) -> Outcome {
        // Bound meanwhile (a sync, another tap): never taken from its holder.
        match self.card_member(uid) {
            Err(Refusal::UnknownCard) => {}
            Ok(_) => return Outcome::refused(Refusal::UnknownCard),
            Err(reason) => return Outcome::refused(reason),
        }
        let event = self.new_event(
            self.clock.now_ms(),
            EventKind::CardBound {
                member_id,
                card_hash: protocol::card::card_hash(&self.card_key, uid),
            },
        );
        match self.store.record(&event, 0) {
            Ok(_) => Outcome::OwnCardBound { name: Some(name) },
            Err(e) => Outcome::refused(Refusal::from_store(&e)),
        }
    }

    /// Voids one of this kiosk's check-ins (kept, marked, and sent to the
    /// hub as its own event, so the hub stops counting it too).
    pub fn void(&mut self, seq: u64, reason: VoidReason, by: &str) -> Result<(), StoreError> {
        let by: String = by.chars().take(60).collect();
        let event = self.new_event(
            self.clock.now_ms(),
            EventKind::CheckInVoided {
                voided_seq: seq,
                reason,
                by,
            },
        );
        self.store.record(&event, 0).map(|_| ())
    }

    /// The label of a staff card, if this card is one.
    pub fn staff_card(&self, uid: &[u8]) -> Option<String> {
        if self.card_key.is_empty() {
            return None;
        }
        let hash = protocol::card::card_hash(&self.card_key, uid);
        self.store.staff_card(&hash).ok().flatten()
    }

    /// Registers a card that opens the staff screen on this kiosk.
    pub fn add_staff_card(&self, uid: &[u8], label: &str) -> Result<(), Refusal> {
        if self.card_key.is_empty() {
            return Err(Refusal::NotEnrolled);
        }
        let hash = protocol::card::card_hash(&self.card_key, uid);
        self.store
            .add_staff_card(&hash, label.trim(), self.clock.now_ms())
            .map_err(|e| Refusal::from_store(&e))
    }

    /// Removes a staff card; false when it was not one.
    pub fn remove_staff_card(&self, uid: &[u8]) -> Result<bool, Refusal> {
        if self.card_key.is_empty() {
            return Err(Refusal::NotEnrolled);
        }
        let hash = protocol::card::card_hash(&self.card_key, uid);
        self.store
            .remove_staff_card(&hash)
            .map_err(|e| Refusal::from_store(&e))
    }

    /// The member a card is bound to, through its keyed hash.
    fn card_member(&self, uid: &[u8]) -> Result<u32, Refusal> {
        if self.card_key.is_empty() {
            return Err(Refusal::NotEnrolled);
        }
        let hash = protocol::card::card_hash(&self.card_key, uid);
        match self.store.card_member(&hash) {
            Ok(Some(id)) => Ok(id),
            Ok(None) => Err(Refusal::UnknownCard),
            Err(e) => Err(Refusal::from_store(&e)),
        }
    }
}

/// The local date (`YYYY-MM-DD`) and hour of a unix-milliseconds instant.
pub fn local_date_hour(tz: Tz, at_ms: i64) -> (String, u8) {
    match tz.timestamp_millis_opt(at_ms).single() {
        Some(t) => (t.format("%Y-%m-%d").to_string(), t.hour() as u8),
        None => ("1970-01-01".into(), 0),
    }
}

fn local_time(tz: Tz, at_ms: i64) -> String {
    tz.timestamp_millis_opt(at_ms)
        .single()
        .map(|t| t.format("%H:%M").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
