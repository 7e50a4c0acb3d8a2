//! The check-in engine: turns a scan or a tap into an [`Outcome`], offline.
//!
//! It verifies member tokens with the hub's public key, resolves member
//! numbers through the local roster, lets the store suppress repeats, and
//! records accepted check-ins durably before returning. No network, no UI.

mod outcome;
pub mod scan;

use std::collections::HashMap;

use chrono::{TimeZone, Timelike};
use chrono_tz::Tz;
use ed25519_dalek::VerifyingKey;
use protocol::catalog::{AgeBand, ServiceCategory};
use protocol::token::{ParsedToken, TokenError};
use protocol::wire::{CredentialKind, EventKind};

pub use outcome::{Outcome, Refusal};

use crate::clock::Clock;
use crate::store::{NewEvent, Recorded, Store, StoreError};

/// Tolerance for a kiosk clock a little ahead of the hub's when checking expiry.
const EXPIRY_LEEWAY_S: u64 = 30;

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
            tz: chrono_tz::Asia::Shanghai,
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
            self.tz = e.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
            self.card_key = data_encoding::BASE64
                .decode(e.card_key.as_bytes())
                .unwrap_or_default();
        }
        Ok(())
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
        let (kind, name) = match credential {
            Credential::Token(text) => match self.verify_token(&text, now_ms) {
                Ok(ok) => ok,
                Err(reason) => return Outcome::Refused { reason },
            },
            Credential::MemberNumber(member_id) => match self.store.roster_member(member_id) {
                Ok(Some(m)) if m.active => (
                    EventKind::MemberCheckIn {
                        member_id,
                        via: CredentialKind::MemberNumber,
                    },
                    Some(m.display_name),
                ),
                Ok(Some(_)) => return Outcome::refused(Refusal::InactiveMember),
                Ok(None) if self.keys.is_empty() => return Outcome::refused(Refusal::NotEnrolled),
                Ok(None) => return Outcome::refused(Refusal::UnknownMember),
                Err(e) => return Outcome::refused(Refusal::from_store(&e)),
            },
            Credential::CardUid(uid) => match self.resolve_card(&uid) {
                Ok(ok) => ok,
                Err(reason) => return Outcome::Refused { reason },
            },
            Credential::Visitor { age_band, purpose } => {
                (EventKind::Visitor { age_band, purpose }, None)
            }
        };
        let visitor = matches!(kind, EventKind::Visitor { .. });
        let (local_date, local_hour) = local_date_hour(self.tz, now_ms);
        let event = NewEvent {
            at_ms: now_ms,
            local_date,
            local_hour,
            clock: self.clock.info(),
            kind,
        };
        match self.store.record(&event, self.repeat_window_ms) {
            Ok(Recorded::Stored { seq }) => Outcome::Welcome { name, seq, visitor },
            Ok(Recorded::Repeat { previous_at_ms }) => Outcome::Repeat {
                name,
                previous_local_time: local_time(self.tz, previous_at_ms),
            },
            Err(e) => {
                tracing::error!("could not record a check-in: {e}");
                Outcome::refused(Refusal::from_store(&e))
            }
        }
    }

    fn verify_token(
        &self,
        text: &str,
        now_ms: i64,
    ) -> Result<(EventKind, Option<String>), Refusal> {
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
        let name = match self.store.roster_member(claims.member_id) {
            Ok(Some(m)) if !m.active => return Err(Refusal::InactiveMember),
            Ok(Some(m))
                if parsed
                    .card_generation
                    .is_some_and(|g| g < m.card_generation) =>
            {
                return Err(Refusal::CardReplaced);
            }
            Ok(m) => m.map(|m| m.display_name),
            Err(e) => return Err(Refusal::from_store(&e)),
        };
        Ok((
            EventKind::MemberCheckIn {
                member_id: claims.member_id,
                via: CredentialKind::QrToken,
            },
            name,
        ))
    }
}

impl<C: Clock> Engine<C> {
    /// The display name of the member a card is bound to, if any.
    pub fn card_owner(&self, uid: &[u8]) -> Option<String> {
        if self.card_key.is_empty() {
            return None;
        }
        let hash = protocol::card::card_hash(&self.card_key, uid);
        let id = self.store.card_member(&hash).ok().flatten()?;
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
        let now_ms = self.clock.now_ms();
        let (local_date, local_hour) = local_date_hour(self.tz, now_ms);
        let event = NewEvent {
            at_ms: now_ms,
            local_date,
            local_hour,
            clock: self.clock.info(),
            kind: EventKind::CardBound {
                member_id,
                card_hash: protocol::card::card_hash(&self.card_key, uid),
            },
        };
        match self.store.record(&event, 0) {
            Ok(_) => Ok(member.display_name),
            Err(e) => Err(Refusal::from_store(&e)),
        }
    }

    fn resolve_card(&self, uid: &[u8]) -> Result<(EventKind, Option<String>), Refusal> {
        if self.card_key.is_empty() {
            return Err(Refusal::NotEnrolled);
        }
        let hash = protocol::card::card_hash(&self.card_key, uid);
        let member_id = match self.store.card_member(&hash) {
            Ok(Some(id)) => id,
            Ok(None) => return Err(Refusal::UnknownCard),
            Err(e) => return Err(Refusal::from_store(&e)),
        };
        match self.store.roster_member(member_id) {
            Ok(Some(m)) if m.active => Ok((
                EventKind::MemberCheckIn {
                    member_id,
                    via: CredentialKind::Card,
                },
                Some(m.display_name),
            )),
            Ok(Some(_)) => Err(Refusal::InactiveMember),
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
