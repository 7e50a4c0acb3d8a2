//! The door: what happens when something is presented at it, the same for
//! the touchscreen and the screenless station. A credential is a check-in,
//! or a volunteer's shift start or end when that is what the door waits for
//! ([`Mode`]); its outcome plays its cue on the buzzer, lights and relay,
//! and what was recorded wakes the sync at once.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::checkin::{Credential, Engine, Outcome, Refusal, ShiftAction};
use crate::clock::Clock;
use crate::signals::{Cue, Signals};

/// What the door waits for.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    CheckIn,
    /// A volunteer starting or ending a shift.
    Shift(ShiftAction),
}

/// The outputs every outcome reaches.
#[derive(Default, Clone)]
pub struct Door {
    signals: Option<Arc<Signals>>,
    sync: Option<Arc<Notify>>,
}

impl Door {
    pub fn new(signals: Option<Arc<Signals>>, sync: Option<Arc<Notify>>) -> Door {
        Door { signals, sync }
    }

    /// The same door with the board's buzzer, lights and relay.
    pub fn with_signals(self, signals: Option<Arc<Signals>>) -> Door {
        Door { signals, ..self }
    }

    /// A credential presented in `mode` (or why it could not be read),
    /// recorded by the engine, then cued and sent on its way.
    pub fn present<C: Clock>(
        &self,
        engine: &mut Engine<C>,
        mode: &Mode,
        credential: Result<Credential, Refusal>,
    ) -> Outcome {
        let outcome = match (credential, mode) {
            (Err(reason), _) => Outcome::refused(reason),
            (Ok(credential), Mode::CheckIn) => engine.check_in(credential),
            (Ok(credential), Mode::Shift(shift)) => engine.volunteer(credential, shift.clone()),
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

    fn engine(dir: &tempfile::TempDir) -> Engine<ManualClock> {
        let store = Store::open(&dir.path().join("k.sqlite3")).expect("store");
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
        let door = Door::new(None, Some(sync.clone()));
        let visitor = Credential::Visitor {
            age_band: AgeBand::From18To24,
            purpose: ServiceCategory::Sports,
        };
        let outcome = door.present(&mut engine, &Mode::CheckIn, Ok(visitor));
        assert!(outcome.is_recorded(), "{outcome:?}");
        assert!(woken(&sync));
        let outcome = door.present(&mut engine, &Mode::CheckIn, Err(Refusal::Garbled));
        assert_eq!(outcome, Outcome::refused(Refusal::Garbled));
        assert!(!woken(&sync), "nothing recorded, nothing to send");
        // A shift waits for a volunteer: an unknown number is refused there too.
        let shift = Mode::Shift(ShiftAction::End);
        let outcome = door.present(&mut engine, &shift, Ok(Credential::MemberNumber(42)));
        assert!(!outcome.is_recorded(), "{outcome:?}");
    }
}
