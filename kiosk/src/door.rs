//! The door: what happens when something is presented at it, the same for
//! the touchscreen and the screenless station. What the door waits for is
//! its [`Mode`], set as the screen changes: a credential is a check-in, or
//! a volunteer's shift start or end; on the home screen a staff card opens
//! the staff screen; on the binding page a card is the one to bind. An
//! outcome plays its cue on the buzzer, lights and relay, and what was
//! recorded wakes the sync at once. The window only shows what comes back.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::checkin::{Credential, Engine, Outcome, Refusal, ShiftAction};
use crate::clock::Clock;
use crate::input::Input;
use crate::signals::{Cue, Signals};

/// What the door waits for.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Mode {
    /// The home screen (and the PIN page): a check-in, and a staff card
    /// opens the staff screen.
    #[default]
    Home,
    /// A check-in only (the visitor page, the staff screen, the station).
    CheckIn,
    /// A volunteer starting or ending a shift.
    Shift(ShiftAction),
    /// Staff binding a card to a member: a card is the one to bind.
    BindCard,
}

/// What a presentation comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Presented {
    /// Recorded, a repeat, or refused.
    Outcome(Outcome),
    /// The card to bind (`None`: one that could not be read).
    CardToBind(Option<Vec<u8>>),
    /// A staff card, by its label: the staff screen opens.
    Staff(String),
    /// An enrollment code's QR code (`YCE1 <hub> <code>`): the kiosk is to
    /// enroll with that hub, if it is not enrolled yet.
    Enroll { hub: String, code: String },
}

/// How long a card nobody holds waits for its owner's member code, and
/// then for the card again.
pub const UNBOUND_CARD_WAIT_MS: i64 = 30_000;

/// A card nobody holds, on its way to its owner: tapped, then claimed by a
/// member's own code; a second tap of the same card binds it.
#[derive(Debug, Clone, PartialEq)]
enum OwnCard {
    Tapped {
        uid: Vec<u8>,
        until_ms: i64,
    },
    Claimed {
        uid: Vec<u8>,
        member_id: u32,
        name: String,
        until_ms: i64,
    },
}

/// The outputs every outcome reaches, and what the door waits for.
#[derive(Default, Clone)]
pub struct Door {
    signals: Option<Arc<Signals>>,
    sync: Option<Arc<Notify>>,
    mode: Mode,
    /// A card nobody holds, tapped (and perhaps claimed by a member's
    /// code), waiting for its next step.
    own_card: Option<OwnCard>,
}

impl Door {
    pub fn new(signals: Option<Arc<Signals>>, sync: Option<Arc<Notify>>) -> Door {
        Door {
            signals,
            sync,
            mode: Mode::Home,
            own_card: None,
        }
    }

    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// The same door with the board's buzzer, lights and relay.
    pub fn with_signals(self, signals: Option<Arc<Signals>>) -> Door {
        Door { signals, ..self }
    }

    /// A device's input (or why it could not be read), in the current mode.
    pub fn present<C: Clock>(
        &mut self,
        engine: &mut Engine<C>,
        input: Result<Input, Refusal>,
    ) -> Presented {
        if let Ok(Input::Scan(line)) = &input
            && let Some((hub, code)) = crate::checkin::scan::enroll_payload(line)
        {
            return Presented::Enroll { hub, code };
        }
        match (&self.mode, input) {
            (Mode::BindCard, Ok(Input::CardUid(uid))) => Presented::CardToBind(Some(uid)),
            (Mode::BindCard, Err(_)) => Presented::CardToBind(None),
            (Mode::Home, Ok(Input::CardUid(uid))) => match engine.staff_card(&uid) {
                Some(label) => Presented::Staff(label),
                None => Presented::Outcome(
                    self.present_credential(engine, Ok(Credential::CardUid(uid))),
                ),
            },
            (_, input) => Presented::Outcome(
                self.present_credential(engine, input.and_then(Input::into_credential)),
            ),
        }
    }

    /// A credential (or why it could not be read): a check-in, or the
    /// shift the door waits for; recorded by the engine, then cued and sent
    /// on its way.
    ///
    /// A card nobody holds, tapped to check in, waits
    /// [`UNBOUND_CARD_WAIT_MS`] for a member's own code: that member is
    /// checked in as usual and asked to tap the card again; the same card
    /// within as long binds it to them (card, code, card: whoever scans
    /// next never takes a card they do not hold). Anything else presented
    /// forgets it; a typed number never claims a card.
    pub fn present_credential<C: Clock>(
        &mut self,
        engine: &mut Engine<C>,
        credential: Result<Credential, Refusal>,
    ) -> Outcome {
        let now_ms = engine.now_ms();
        let own = self.own_card.take().filter(|o| match o {
            OwnCard::Tapped { until_ms, .. } | OwnCard::Claimed { until_ms, .. } => {
                *until_ms > now_ms
            }
        });
        let outcome = match (credential, &self.mode, own) {
            (Err(reason), _, _) => Outcome::refused(reason),
            (Ok(credential), Mode::Shift(shift), _) => engine.volunteer(credential, shift.clone()),
            (
                Ok(Credential::CardUid(uid)),
                _,
                Some(OwnCard::Claimed {
                    uid: claimed,
                    member_id,
                    name,
                    ..
                }),
            ) if uid == claimed => engine.bind_claimed_card(&uid, member_id, name),
            (Ok(Credential::Token(token)), _, Some(OwnCard::Tapped { uid, .. })) => {
                let checked = engine.check_in(Credential::Token(token.clone()));
                match (&checked, engine.claimant(&token)) {
                    (Outcome::Welcome { .. } | Outcome::Repeat { .. }, Ok((member_id, name))) => {
                        self.own_card = Some(OwnCard::Claimed {
                            uid,
                            member_id,
                            name: name.clone(),
                            until_ms: now_ms + UNBOUND_CARD_WAIT_MS,
                        });
                        Outcome::ClaimCard {
                            name: Some(name),
                            checked_in: matches!(checked, Outcome::Welcome { .. }),
                        }
                    }
                    _ => checked,
                }
            }
            // A card the hub's members page is waiting for is bound.
            (Ok(Credential::CardUid(uid)), _, _) => match engine.bind_next_card(&uid) {
                Some(bound) => bound,
                None => match engine.check_in(Credential::CardUid(uid.clone())) {
                    Outcome::Refused {
                        reason: Refusal::UnknownCard,
                    } => {
                        self.own_card = Some(OwnCard::Tapped {
                            uid,
                            until_ms: now_ms + UNBOUND_CARD_WAIT_MS,
                        });
                        Outcome::refused(Refusal::UnboundCard)
                    }
                    other => other,
                },
            },
            (Ok(credential), _, _) => engine.check_in(credential),
        };
        self.after(&outcome);
        outcome
    }

    /// An outcome's cue, and the sync woken for what was recorded.
    pub fn after(&self, outcome: &Outcome) {
        if let Some(s) = &self.signals {
            s.play(Cue::for_outcome(outcome));
        }
        if outcome.is_recorded() {
            self.recorded();
        }
    }

    /// Something was recorded without an outcome to show (a void, a card
    /// binding): the sync takes it at once.
    pub fn recorded(&self) {
        if let Some(sync) = &self.sync {
            sync.notify_one();
        }
    }

    /// The buzzer, lights and relay, when the board has them.
    pub fn signals(&self) -> Option<&Arc<Signals>> {
        self.signals.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::store::Store;
    use protocol::catalog::{AgeBand, ServiceCategory};

    /// An enrolled kiosk's engine (with the center's card key), no members.
    fn engine(dir: &tempfile::TempDir) -> Engine<ManualClock> {
        let mut store = Store::open(&dir.path().join("k.sqlite3")).expect("store");
        store
            .save_enrollment(
                &crate::store::Enrollment {
                    hub_url: "http://127.0.0.1:9".into(),
                    device_id: 1,
                    device_token: "t".into(),
                    center_id: 1,
                    center_name: "青年之家".into(),
                    time_zone: "Asia/Shanghai".into(),
                    card_key: data_encoding::BASE64.encode(&[3; 32]),
                },
                &[],
            )
            .expect("enroll");
        Engine::new(store, ManualClock::at(1_795_483_800_000), 120).expect("engine")
    }

    fn woken(sync: &Notify) -> bool {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime")
            .block_on(async {
                tokio::time::timeout(std::time::Duration::from_millis(50), sync.notified())
                    .await
                    .is_ok()
            })
    }

    #[test]
    fn a_recorded_outcome_wakes_the_sync_and_a_refusal_does_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut engine = engine(&dir);
        let sync = Arc::new(Notify::new());
        let mut door = Door::new(None, Some(sync.clone()));
        let visitor = Credential::Visitor {
            age_band: AgeBand::From18To24,
            purpose: ServiceCategory::Sports,
        };
        let outcome = door.present_credential(&mut engine, Ok(visitor));
        assert!(outcome.is_recorded(), "{outcome:?}");
        assert!(woken(&sync));
        let outcome = door.present_credential(&mut engine, Err(Refusal::Garbled));
        assert_eq!(outcome, Outcome::refused(Refusal::Garbled));
        assert!(!woken(&sync), "nothing recorded, nothing to send");
        // A shift waits for a volunteer: an unknown number is refused there too.
        door.set_mode(Mode::Shift(ShiftAction::End));
        let outcome = door.present_credential(&mut engine, Ok(Credential::MemberNumber(42)));
        assert!(!outcome.is_recorded(), "{outcome:?}");
    }

    #[test]
    fn a_card_is_routed_by_what_the_door_waits_for() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut engine = engine(&dir);
        let staff_uid = vec![0x04, 0xA1, 0xB2, 0xC3];
        engine
            .add_staff_card(&staff_uid, "front desk")
            .expect("staff card");
        let mut door = Door::default();
        let tap = |uid: &[u8]| Ok(Input::CardUid(uid.to_vec()));

        // Home: a staff card opens the staff screen; any other card is a check-in.
        assert_eq!(
            door.present(&mut engine, tap(&staff_uid)),
            Presented::Staff("front desk".to_string())
        );
        let stranger = door.present(&mut engine, tap(&[9, 9, 9, 9]));
        assert!(
            matches!(&stranger, Presented::Outcome(o) if !o.is_recorded()),
            "an unbound card is refused: {stranger:?}"
        );

        // Binding: every card is the one to bind, an unreadable one too.
        door.set_mode(Mode::BindCard);
        assert_eq!(
            door.present(&mut engine, tap(&staff_uid)),
            Presented::CardToBind(Some(staff_uid.clone()))
        );
        assert_eq!(
            door.present(&mut engine, Err(Refusal::Garbled)),
            Presented::CardToBind(None)
        );

        // A check-in only: the staff card is just a card there.
        door.set_mode(Mode::CheckIn);
        assert!(matches!(
            door.present(&mut engine, tap(&staff_uid)),
            Presented::Outcome(_)
        ));

        // A scan line is read as a credential in every mode.
        door.set_mode(Mode::Home);
        assert_eq!(
            door.present(&mut engine, Ok(Input::Scan("not a code".to_string()))),
            Presented::Outcome(Outcome::refused(Refusal::Garbled))
        );
    }
}
