//! Buzzer, lights and door relay: what a youth hears and sees besides the
//! screen, and what opens the door at a door station.
//!
//! `PinBank` is the seam: `SimulatedPins` records every change (tests, and
//! `backend = "simulated"` for trying patterns on a desktop), `gpio::GpioPins`
//! drives a Raspberry Pi's header through rpi-pal (cargo feature `gpio`).
//! `Signals` plays an outcome's pattern on its own thread, so the UI never
//! waits on it; a new outcome cuts the previous pattern short; dropping it
//! (the kiosk stopping, SIGTERM included) turns every output off.

#[cfg(feature = "gpio")]
pub mod gpio;
pub mod voice;

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Deserialize;

/// The outputs a board may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Output {
    Buzzer,
    LedGreen,
    LedRed,
    DoorRelay,
}

impl Output {
    pub const ALL: [Output; 4] = [
        Output::Buzzer,
        Output::LedGreen,
        Output::LedRed,
        Output::DoorRelay,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Output::Buzzer => "buzzer",
            Output::LedGreen => "led_green",
            Output::LedRed => "led_red",
            Output::DoorRelay => "door_relay",
        }
    }
}

/// The answer the signals tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    Welcome,
    Repeat,
    Refused,
}

/// Pins of a board, or a stand-in for them.
pub trait PinBank: Send {
    /// The outputs this bank has (others in a pattern are skipped).
    fn outputs(&self) -> Vec<Output>;
    fn set(&mut self, output: Output, on: bool) -> anyhow::Result<()>;
    /// Calls `on_motion` (from another thread) each time the motion sensor
    /// sees somebody. Banks without a sensor do nothing.
    fn watch_motion(&mut self, on_motion: MotionCallback) -> anyhow::Result<()>;
    fn all_off(&mut self) {
        for o in self.outputs() {
            if let Err(e) = self.set(o, false) {
                tracing::warn!("cannot turn {} off: {e:#}", o.name());
            }
        }
    }
}

/// On and off times in milliseconds, starting with on: `"80,60,80"` is two
/// beeps with a gap.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Train(pub Vec<u32>);

impl Train {
    pub fn parse(text: &str) -> anyhow::Result<Train> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Train::default());
        }
        let steps = text
            .split(',')
            .map(|t| {
                let ms: u32 = t.trim().parse().with_context(|| {
                    format!("{text:?}: {t:?} is not a whole number of milliseconds")
                })?;
                anyhow::ensure!(
                    (1..=60_000).contains(&ms),
                    "{text:?}: {ms} ms is outside 1…60000"
                );
                Ok(ms)
            })
            .collect::<anyhow::Result<Vec<u32>>>()?;
        Ok(Train(steps))
    }
}

/// What each output does for one cue, as written in `kiosk.toml`.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PatternConfig {
    pub buzzer: String,
    pub led_green: String,
    pub led_red: String,
    pub door_relay: String,
}

impl PatternConfig {
    fn of(buzzer: &str, green: &str, red: &str, relay: &str) -> Self {
        PatternConfig {
            buzzer: buzzer.into(),
            led_green: green.into(),
            led_red: red.into(),
            door_relay: relay.into(),
        }
    }

    /// Every output's change, in time order: (ms from the start, output, on).
    pub fn timeline(&self) -> anyhow::Result<Vec<(u32, Output, bool)>> {
        let mut steps = Vec::new();
        for (output, text) in [
            (Output::Buzzer, &self.buzzer),
            (Output::LedGreen, &self.led_green),
            (Output::LedRed, &self.led_red),
            (Output::DoorRelay, &self.door_relay),
        ] {
            let train = Train::parse(text).with_context(|| output.name())?;
            let mut at = 0u32;
            for (i, ms) in train.0.iter().enumerate() {
                steps.push((at, output, i % 2 == 0));
                at = at.saturating_add(*ms);
            }
            if !train.0.is_empty() {
                // A train ends off, whether it has an odd or even count.
                steps.push((at, output, false));
            }
        }
        // Off before on at the same instant, so a train's gap of 0 is never lost.
        steps.sort_by_key(|(at, output, on)| (*at, *on, *output));
        Ok(steps)
    }
}

/// The `[signals]` table of `kiosk.toml`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SignalsConfig {
    /// `none`, `gpio` (a Raspberry Pi; needs a build with the `gpio`
    /// feature, as the board packages are) or `simulated` (logs only).
    pub backend: String,
    pub buzzer: Option<u8>,
    /// `active` (on/off) or `passive` (a PWM tone of `buzzer_hz`).
    pub buzzer_kind: String,
    pub buzzer_hz: u32,
    pub led_green: Option<u8>,
    pub led_red: Option<u8>,
    pub door_relay: Option<u8>,
    pub motion_sensor: Option<u8>,
    pub welcome: PatternConfig,
    pub repeat: PatternConfig,
    pub refused: PatternConfig,
}

impl Default for SignalsConfig {
    fn default() -> Self {
        SignalsConfig {
            backend: "none".into(),
            buzzer: None,
            buzzer_kind: "active".into(),
            buzzer_hz: 2_700,
            led_green: None,
            led_red: None,
            door_relay: None,
            motion_sensor: None,
            // One short beep, green, the door open for 3 s.
            welcome: PatternConfig::of("80", "1500", "", "3000"),
            // Two short beeps: you were already in; the door opens all the same.
            repeat: PatternConfig::of("60,80,60", "300,200,300", "", "3000"),
            // One long low beep, red; the door stays shut.
            refused: PatternConfig::of("400", "", "2000", ""),
        }
    }
}

impl SignalsConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            ["none", "gpio", "simulated"].contains(&self.backend.as_str()),
            "signals backend must be \"none\", \"gpio\" or \"simulated\", not {:?}",
            self.backend
        );
        anyhow::ensure!(
            ["active", "passive"].contains(&self.buzzer_kind.as_str()),
            "buzzer_kind must be \"active\" or \"passive\", not {:?}",
            self.buzzer_kind
        );
        anyhow::ensure!(
            (100..=10_000).contains(&self.buzzer_hz),
            "buzzer_hz {} is outside 100…10000",
            self.buzzer_hz
        );
        for (name, p) in [
            ("welcome", &self.welcome),
            ("repeat", &self.repeat),
            ("refused", &self.refused),
        ] {
            p.timeline().with_context(|| format!("[signals.{name}]"))?;
        }
        let pins: Vec<u8> = [
            self.buzzer,
            self.led_green,
            self.led_red,
            self.door_relay,
            self.motion_sensor,
        ]
        .into_iter()
        .flatten()
        .collect();
        for (i, p) in pins.iter().enumerate() {
            anyhow::ensure!(*p <= 27, "GPIO{p} is not on the header (GPIO0 to GPIO27)");
            anyhow::ensure!(
                !pins[..i].contains(p),
                "GPIO{p} is given to two things in [signals]"
            );
        }
        Ok(())
    }

    pub fn pin(&self, output: Output) -> Option<u8> {
        match output {
            Output::Buzzer => self.buzzer,
            Output::LedGreen => self.led_green,
            Output::LedRed => self.led_red,
            Output::DoorRelay => self.door_relay,
        }
    }

    fn pattern(&self, cue: Cue) -> &PatternConfig {
        match cue {
            Cue::Welcome => &self.welcome,
            Cue::Repeat => &self.repeat,
            Cue::Refused => &self.refused,
        }
    }

    /// The bank this configuration asks for; `None` for `backend = "none"`.
    pub fn open_bank(&self) -> anyhow::Result<Option<Box<dyn PinBank>>> {
        match self.backend.as_str() {
            "none" => Ok(None),
            "simulated" => Ok(Some(Box::new(SimulatedPins::new(
                Output::ALL
                    .into_iter()
                    .filter(|o| self.pin(*o).is_some())
                    .collect(),
            )))),
            #[cfg(feature = "gpio")]
            "gpio" => Ok(Some(Box::new(gpio::GpioPins::open(self)?))),
            #[cfg(not(feature = "gpio"))]
            "gpio" => anyhow::bail!(
                "[signals] backend = \"gpio\" needs the kiosk built for a board (cargo feature \"gpio\"); \
                 this build has no GPIO support"
            ),
            other => anyhow::bail!("unknown signals backend {other:?}"),
        }
    }
}

/// Called when the motion sensor sees somebody.
pub type MotionCallback = Box<dyn Fn() + Send>;

/// A recorded change of a simulated output.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub at: Duration,
    pub output: Output,
    pub on: bool,
}

/// A pin bank in memory: every change is kept with its time, and the
/// motion sensor is triggered by hand.
#[derive(Clone)]
pub struct SimulatedPins {
    outputs: Vec<Output>,
    start: Instant,
    pub changes: Arc<Mutex<Vec<Change>>>,
    on_motion: Arc<Mutex<Option<MotionCallback>>>,
}

impl SimulatedPins {
    pub fn new(outputs: Vec<Output>) -> Self {
        SimulatedPins {
            outputs,
            start: Instant::now(),
            changes: Arc::default(),
            on_motion: Arc::default(),
        }
    }

    /// Somebody walks past the sensor.
    pub fn motion(&self) {
        if let Ok(guard) = self.on_motion.lock()
            && let Some(f) = guard.as_ref()
        {
            f();
        }
    }

    /// The outputs that are on now.
    pub fn lit(&self) -> Vec<Output> {
        let mut state = std::collections::BTreeMap::new();
        if let Ok(changes) = self.changes.lock() {
            for c in changes.iter() {
                state.insert(c.output, c.on);
            }
        }
        state
            .into_iter()
            .filter(|(_, on)| *on)
            .map(|(o, _)| o)
            .collect()
    }
}

impl PinBank for SimulatedPins {
    fn outputs(&self) -> Vec<Output> {
        self.outputs.clone()
    }

    fn set(&mut self, output: Output, on: bool) -> anyhow::Result<()> {
        tracing::debug!(output = output.name(), on, "signal");
        self.changes
            .lock()
            .map_err(|_| anyhow::anyhow!("simulated pins poisoned"))?
            .push(Change {
                at: self.start.elapsed(),
                output,
                on,
            });
        Ok(())
    }

    fn watch_motion(&mut self, on_motion: MotionCallback) -> anyhow::Result<()> {
        *self
            .on_motion
            .lock()
            .map_err(|_| anyhow::anyhow!("simulated pins poisoned"))? = Some(on_motion);
        Ok(())
    }
}

enum Command {
    Play(Cue),
}

impl Cue {
    /// The cue for an outcome: anything recorded is a welcome.
    pub fn for_outcome(outcome: &crate::checkin::Outcome) -> Cue {
        use crate::checkin::Outcome;
        match outcome {
            Outcome::Welcome { .. }
            | Outcome::CheckedOut { .. }
            | Outcome::Attending { .. }
            | Outcome::Shift { .. }
            | Outcome::CardBound { .. }
            | Outcome::OwnCardBound { .. }
            | Outcome::ClaimCard { .. } => Cue::Welcome,
            Outcome::Repeat { .. } => Cue::Repeat,
            Outcome::Refused { .. } => Cue::Refused,
        }
    }
}

/// Plays cues on a pin bank from its own thread.
pub struct Signals {
    tx: Mutex<Option<mpsc::Sender<Command>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Signals {
    /// Starts the player. The patterns were checked by `validate`.
    pub fn start(mut bank: Box<dyn PinBank>, config: &SignalsConfig) -> anyhow::Result<Signals> {
        let timelines = [Cue::Welcome, Cue::Repeat, Cue::Refused]
            .into_iter()
            .map(|cue| Ok((cue, config.pattern(cue).timeline()?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let (tx, rx) = mpsc::channel::<Command>();
        let thread = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                bank.all_off();
                let have = bank.outputs();
                let mut lit: Vec<Output> = Vec::new();
                let mut playing: Vec<(u32, Output, bool)> = Vec::new();
                let mut started = Instant::now();
                let mut next = 0usize;
                loop {
                    let command = match playing.get(next) {
                        None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                        Some((at, _, _)) => rx.recv_timeout(
                            (started + Duration::from_millis(u64::from(*at)))
                                .saturating_duration_since(Instant::now()),
                        ),
                    };
                    match command {
                        Ok(Command::Play(cue)) => {
                            // A new answer cuts the old one short.
                            for o in lit.drain(..) {
                                if let Err(e) = bank.set(o, false) {
                                    tracing::warn!("signal {}: {e:#}", o.name());
                                }
                            }
                            playing = timelines
                                .iter()
                                .find(|(c, _)| *c == cue)
                                .map(|(_, t)| t.clone())
                                .unwrap_or_default();
                            playing.retain(|(_, o, _)| have.contains(o));
                            started = Instant::now();
                            next = 0;
                        }
                        Err(RecvTimeoutError::Timeout) => {
                            // Every step due now, at once.
                            let elapsed = started.elapsed();
                            while let Some((at, output, on)) = playing.get(next).copied() {
                                if Duration::from_millis(u64::from(at)) > elapsed {
                                    break;
                                }
                                if let Err(e) = bank.set(output, on) {
                                    tracing::warn!("signal {}: {e:#}", output.name());
                                }
                                lit.retain(|o| *o != output);
                                if on {
                                    lit.push(output);
                                }
                                next += 1;
                            }
                        }
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
                bank.all_off();
            })
            .context("cannot start the signals thread")?;
        Ok(Signals {
            tx: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Plays a cue; returns at once.
    pub fn play(&self, cue: Cue) {
        if let Ok(tx) = self.tx.lock()
            && let Some(tx) = tx.as_ref()
        {
            let _ = tx.send(Command::Play(cue));
        }
    }

    /// Turns every output off and ends the player; later cues are ignored.
    /// A door relay is never left open when the kiosk stops (SIGTERM too).
    pub fn stop(&self) {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Opens the configured signals; a board whose pins cannot be opened still
/// checks youths in (the screen says it all), with the reason in the log.
pub fn start(
    config: &SignalsConfig,
    on_motion: Option<MotionCallback>,
) -> Option<std::sync::Arc<Signals>> {
    let opened = config.open_bank().and_then(|bank| {
        let Some(mut bank) = bank else {
            return Ok(None);
        };
        if let Some(f) = on_motion {
            bank.watch_motion(f)?;
        }
        Signals::start(bank, config).map(Some)
    });
    match opened {
        Ok(s) => s.map(std::sync::Arc::new),
        Err(e) => {
            tracing::error!("signals off: {e:#}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank() -> SimulatedPins {
        SimulatedPins::new(Output::ALL.to_vec())
    }

    fn wait_for(pins: &SimulatedPins, n: usize) -> Vec<Change> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let changes = pins.changes.lock().expect("lock").clone();
            if changes.len() >= n || Instant::now() > deadline {
                return changes;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn trains_parse_and_bad_ones_are_refused_with_the_reason() {
        assert_eq!(Train::parse(" 80, 60 ,80").expect("ok").0, [80, 60, 80]);
        assert_eq!(Train::parse("").expect("ok").0, Vec::<u32>::new());
        let e = format!("{:#}", Train::parse("80,loud").expect_err("bad"));
        assert!(e.contains("\"loud\" is not a whole number"), "{e}");
        assert!(Train::parse("0").is_err());
        assert!(Train::parse("60001").is_err());
    }

    #[test]
    fn a_pattern_becomes_one_ordered_timeline_that_ends_with_everything_off() {
        let p = PatternConfig::of("60,80,60", "300", "", "");
        assert_eq!(
            p.timeline().expect("ok"),
            [
                (0, Output::Buzzer, true),
                (0, Output::LedGreen, true),
                (60, Output::Buzzer, false),
                (140, Output::Buzzer, true),
                (200, Output::Buzzer, false),
                (300, Output::LedGreen, false),
            ]
        );
        // An even train ends with an "off" time: the output is off by then too.
        let p = PatternConfig::of("50,50", "", "", "");
        assert_eq!(
            p.timeline().expect("ok"),
            [
                (0, Output::Buzzer, true),
                (50, Output::Buzzer, false),
                (100, Output::Buzzer, false)
            ]
        );
    }

    #[test]
    fn the_defaults_validate_and_bad_settings_say_what_is_wrong() {
        SignalsConfig::default().validate().expect("defaults");
        let mut c = SignalsConfig {
            led_green: Some(23),
            led_red: Some(23),
            ..SignalsConfig::default()
        };
        let e = format!("{:#}", c.validate().expect_err("clash"));
        assert_eq!(e, "GPIO23 is given to two things in [signals]");
        c.led_red = Some(40);
        assert!(
            format!("{:#}", c.validate().expect_err("range"))
                .contains("GPIO40 is not on the header")
        );
        c.led_red = None;
        c.refused.buzzer = "long".into();
        let e = format!("{:#}", c.validate().expect_err("pattern"));
        assert!(e.starts_with("[signals.refused]: buzzer:"), "{e}");
        let c = SignalsConfig {
            backend: "relay-board".into(),
            ..SignalsConfig::default()
        };
        assert!(c.validate().is_err());
    }

    #[test]
    fn a_welcome_plays_its_pattern_in_order_and_in_time() {
        let pins = bank();
        let signals =
            Signals::start(Box::new(pins.clone()), &SignalsConfig::default()).expect("start");
        // 4 "off" at start, then the welcome's 3 on and 3 off.
        signals.play(Cue::Welcome);
        let changes = wait_for(&pins, 10);
        let steps: Vec<(Output, bool)> = changes[4..].iter().map(|c| (c.output, c.on)).collect();
        assert_eq!(
            steps,
            [
                (Output::Buzzer, true),
                (Output::LedGreen, true),
                (Output::DoorRelay, true),
                (Output::Buzzer, false),
                (Output::LedGreen, false),
                (Output::DoorRelay, false),
            ]
        );
        // The beep lasted its 80 ms at least, the relay its 3 s.
        let t = |i: usize| changes[i].at;
        assert!(t(7) - t(4) >= Duration::from_millis(80), "{changes:?}");
        assert!(t(9) - t(6) >= Duration::from_millis(3000), "{changes:?}");
        drop(signals);
        assert!(pins.lit().is_empty());
    }

    #[test]
    fn a_new_cue_cuts_the_old_one_short_and_stopping_turns_everything_off() {
        let pins = bank();
        let signals =
            Signals::start(Box::new(pins.clone()), &SignalsConfig::default()).expect("start");
        signals.play(Cue::Welcome);
        let _ = wait_for(&pins, 7);
        assert!(pins.lit().contains(&Output::DoorRelay));
        // Refused at once: the door must not stay open for the next youth.
        signals.play(Cue::Refused);
        let deadline = Instant::now() + Duration::from_secs(2);
        while !pins.lit().contains(&Output::LedRed) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let lit = pins.lit();
        assert!(
            !lit.contains(&Output::DoorRelay) && !lit.contains(&Output::LedGreen),
            "{lit:?}"
        );
        // Stopping (as on SIGTERM) while the red light is on.
        drop(signals);
        assert!(pins.lit().is_empty(), "{:?}", pins.lit());
    }

    #[test]
    fn outputs_the_board_lacks_are_skipped_and_motion_reaches_the_callback() {
        let pins = SimulatedPins::new(vec![Output::LedGreen]);
        let signals =
            Signals::start(Box::new(pins.clone()), &SignalsConfig::default()).expect("start");
        signals.play(Cue::Welcome);
        let changes = wait_for(&pins, 3);
        assert!(
            changes.iter().all(|c| c.output == Output::LedGreen),
            "{changes:?}"
        );
        drop(signals);

        let mut pins = SimulatedPins::new(vec![]);
        let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let s2 = seen.clone();
        pins.watch_motion(Box::new(move || {
            s2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }))
        .expect("watch");
        pins.motion();
        pins.motion();
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
