//! The kiosk's settings: defaults in code, then `kiosk.toml` in the data folder, then environment.
//!
//! The file is written out, commented, on first run so a technician can see
//! every knob without reading the source.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

/// The commented example written to `kiosk.toml` when none exists.
pub const EXAMPLE: &str = r#"# Settings of this kiosk. Delete a line to get its default back.
# Environment variables override a line: KIOSK_<NAME IN CAPITALS>, e.g. KIOSK_LANGUAGE=en.

# Language shown after start and after each visitor leaves: "zh" or "en".
language = "zh"

# A member who checks in again within this many minutes is told
# "already checked in" and counted once.
repeat_window_minutes = 120

# Days a check-in stays on this kiosk after the hub has it (the staff
# screen's comparisons and a month's export need the last weeks; at least 35).
keep_days = 90

# Seconds between uploads when nothing new happens (a check-in triggers one sooner).
sync_interval_seconds = 30
# Seconds one call to the hub may take before it is given up and retried
# later (a page of 500 check-ins is about 10 KB; raise it on a very slow link).
hub_timeout_seconds = 30

# Seconds a welcome or a refusal stays on screen.
result_seconds = 4

# Seconds after which the staff screen closes itself when untouched.
staff_idle_seconds = 90

# Hours the screen stays on, center-local time, e.g. "08:30-21:30" (an end
# before the start spans midnight). Outside them a quiet kiosk goes dark
# until touched, scanned at or walked up to; check-ins work at any hour.
# Empty: always on.
screen_hours = ""

# Attract mode: after this many seconds with nobody at the home screen, it
# shows announcements and activities one at a time, full screen; any touch
# or scan returns at once. 0 turns it off.
attract_after_seconds = 60
# Seconds each announcement or activity stays up in attract mode.
attract_slide_seconds = 10

# A new version of the kiosk, fetched from the hub in the background, is
# installed at a quiet moment: once the screen has been in attract mode (or
# dark, outside screen_hours) this many minutes. The kiosk then restarts in
# a few seconds. With attract mode off, only in the dark hours.
update_quiet_minutes = 10

# Fill the screen (a kiosk); false gives a window, e.g. on a desktop.
fullscreen = true
# The window's size in pixels, e.g. "1920x1080", for an X display without a
# window manager (which cannot make a window full screen). Empty: automatic.
window_size = ""

# Input devices (`kiosk doctor` lists what it finds).
# USB barcode scanners in keyboard mode, by their stable path. The kiosk takes
# them over, so their keystrokes never reach the screen:
#   hid_scanners = ["/dev/input/by-id/usb-Example_Scanner-event-kbd"]
hid_scanners = []
# The keyboard layout those scanners are set to type in: "us" (the factory
# setting of most scanners), "de" (QWERTZ) or "fr" (AZERTY).
hid_keyboard_layout = "us"
# Serial (USB-CDC) scanners, e.g. ["/dev/ttyACM0"]:
serial_scanners = []
# NFC/RFID card readers through pcscd: "none", "all", or one reader's name.
card_readers = "none"

# Where the staff screen's export writes. By default: the first USB stick
# mounted under /media or /run/media. Set a folder for sticks mounted elsewhere:
#   export_dir = "/mnt/usb"

# Short spoken prompts for the outcomes (welcome, already checked in, not
# recognised), in the screen's language, through the board's audio. Off by
# default; the command plays a WAV from its standard input.
# [voice]
# enabled = true
# command = ["aplay", "-q", "-"]

# Buzzer, lights and door relay on a Raspberry Pi's GPIO header (BCM pin
# numbers; firmware-config writes this table for a board). Patterns are on
# and off times in milliseconds, starting with on.
# [signals]
# backend = "gpio"          # "none", "gpio" (board builds) or "simulated" (logs only)
# buzzer = 18
# buzzer_kind = "passive"   # "active" (on/off) or "passive" (a tone of buzzer_hz)
# buzzer_hz = 2700
# led_green = 23
# led_red = 24
# door_relay = 25
# motion_sensor = 4         # somebody walking up wakes the screen
# [signals.welcome]
# buzzer = "80"
# led_green = "1500"
# door_relay = "3000"
# [signals.repeat]
# buzzer = "60,80,60"
# led_green = "300,200,300"
# door_relay = "3000"
# [signals.refused]
# buzzer = "400"
# led_red = "2000"
"#;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub language: String,
    pub repeat_window_minutes: u32,
    pub sync_interval_seconds: u32,
    pub hub_timeout_seconds: u32,
    pub keep_days: u32,
    pub result_seconds: u32,
    pub staff_idle_seconds: u32,
    pub attract_after_seconds: u32,
    pub attract_slide_seconds: u32,
    pub update_quiet_minutes: u32,
    pub screen_hours: String,
    pub fullscreen: bool,
    pub window_size: String,
    pub hid_scanners: Vec<std::path::PathBuf>,
    pub hid_keyboard_layout: String,
    pub serial_scanners: Vec<std::path::PathBuf>,
    pub card_readers: String,
    pub export_dir: Option<std::path::PathBuf>,
    pub signals: crate::signals::SignalsConfig,
    pub voice: crate::signals::voice::VoiceConfig,
    /// Why `kiosk.toml` could not be used: the kiosk then runs on the
    /// defaults and says so (status, doctor, staff screen).
    #[serde(skip)]
    pub problem: Option<String>,
}

impl Config {
    /// How long one call to the hub may take.
    pub fn hub_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.hub_timeout_seconds))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            language: "zh".into(),
            repeat_window_minutes: 120,
            sync_interval_seconds: 30,
            hub_timeout_seconds: 30,
            keep_days: 90,
            result_seconds: 4,
            staff_idle_seconds: 90,
            attract_after_seconds: 60,
            attract_slide_seconds: 10,
            update_quiet_minutes: 10,
            screen_hours: String::new(),
            fullscreen: true,
            window_size: String::new(),
            hid_scanners: Vec::new(),
            hid_keyboard_layout: "us".into(),
            serial_scanners: Vec::new(),
            card_readers: "none".into(),
            export_dir: None,
            signals: crate::signals::SignalsConfig::default(),
            voice: crate::signals::voice::VoiceConfig::default(),
            problem: None,
        }
    }
}

impl Config {
    /// Reads the settings as [`Config::load_strict`] does; settings that
    /// cannot be used (a damaged or mistyped `kiosk.toml`, a wrong
    /// `KIOSK_*` value) never stop check-ins: the kiosk runs on the
    /// defaults, and `problem` says why, loudly, once here and then on the
    /// staff screen, in `kiosk status` and in `kiosk doctor`.
    pub fn load(data_dir: &Path) -> Config {
        match Self::load_strict(data_dir) {
            Ok(config) => config,
            Err(e) => {
                let problem = format!("{e:#}");
                tracing::error!("running on the default settings: {problem}");
                eprintln!("warning: running on the default settings: {problem}");
                let mut config = Config::default();
                // The environment may still name the language and the like.
                let _ = config.apply_env(|k| std::env::var(k).ok());
                if config.validate().is_err() {
                    config = Config::default();
                }
                config.problem = Some(problem);
                config
            }
        }
    }

    /// Reads `kiosk.toml` from the data folder (writing the example first if
    /// there is none), then applies `KIOSK_*` environment overrides.
    pub fn load_strict(data_dir: &Path) -> anyhow::Result<Config> {
        let path = data_dir.join("kiosk.toml");
        if !path.exists() {
            std::fs::write(&path, EXAMPLE)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut config: Config = toml::from_str(&text).with_context(|| {
            format!(
                "{} is not valid; fix the line named above or delete the file to get the defaults",
                path.display()
            )
        })?;
        config.apply_env(|k| std::env::var(k).ok())?;
        config.validate()?;
        Ok(config)
    }

    fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        fn num(name: &str, v: Option<String>, slot: &mut u32) -> anyhow::Result<()> {
            if let Some(v) = v {
                *slot = v
                    .trim()
                    .parse()
                    .with_context(|| format!("{name}={v:?} is not a whole number"))?;
            }
            Ok(())
        }
        if let Some(v) = get("KIOSK_LANGUAGE") {
            self.language = v;
        }
        num(
            "KIOSK_REPEAT_WINDOW_MINUTES",
            get("KIOSK_REPEAT_WINDOW_MINUTES"),
            &mut self.repeat_window_minutes,
        )?;
        num(
            "KIOSK_SYNC_INTERVAL_SECONDS",
            get("KIOSK_SYNC_INTERVAL_SECONDS"),
            &mut self.sync_interval_seconds,
        )?;
        num(
            "KIOSK_HUB_TIMEOUT_SECONDS",
            get("KIOSK_HUB_TIMEOUT_SECONDS"),
            &mut self.hub_timeout_seconds,
        )?;
        num(
            "KIOSK_RESULT_SECONDS",
            get("KIOSK_RESULT_SECONDS"),
            &mut self.result_seconds,
        )?;
        if let Some(v) = get("KIOSK_FULLSCREEN") {
            self.fullscreen = !matches!(v.trim(), "0" | "false" | "no");
        }
        if let Some(v) = get("KIOSK_WINDOW_SIZE") {
            self.window_size = v;
        }
        if let Some(v) = get("KIOSK_SCREEN_HOURS") {
            self.screen_hours = v;
        }
        if let Some(v) = get("KIOSK_SIGNALS_BACKEND") {
            self.signals.backend = v;
        }
        if let Some(v) = get("KIOSK_EXPORT_DIR") {
            self.export_dir = Some(v.into());
        }
        num(
            "KIOSK_STAFF_IDLE_SECONDS",
            get("KIOSK_STAFF_IDLE_SECONDS"),
            &mut self.staff_idle_seconds,
        )?;
        num(
            "KIOSK_ATTRACT_AFTER_SECONDS",
            get("KIOSK_ATTRACT_AFTER_SECONDS"),
            &mut self.attract_after_seconds,
        )?;
        num(
            "KIOSK_ATTRACT_SLIDE_SECONDS",
            get("KIOSK_ATTRACT_SLIDE_SECONDS"),
            &mut self.attract_slide_seconds,
        )?;
        num(
            "KIOSK_UPDATE_QUIET_MINUTES",
            get("KIOSK_UPDATE_QUIET_MINUTES"),
            &mut self.update_quiet_minutes,
        )?;
        Ok(())
    }

    /// The input devices to open.
    pub fn devices(&self) -> crate::input::Devices {
        crate::input::Devices {
            hid_scanners: self.hid_scanners.clone(),
            hid_layout: crate::input::keymap::Layout::from_code(self.hid_keyboard_layout.trim())
                .unwrap_or_default(),
            serial_scanners: self.serial_scanners.clone(),
            card_readers: match self.card_readers.trim() {
                "none" | "" => None,
                "all" => Some(String::new()),
                name => Some(name.to_string()),
            },
        }
    }

    /// `window_size` as (width, height), if set.
    pub fn window_size(&self) -> anyhow::Result<Option<(u32, u32)>> {
        let t = self.window_size.trim();
        if t.is_empty() {
            return Ok(None);
        }
        let parsed = t
            .split_once(['x', 'X'])
            .and_then(|(w, h)| Some((w.trim().parse().ok()?, h.trim().parse().ok()?)))
            .filter(|(w, h): &(u32, u32)| *w >= 320 && *h >= 240);
        parsed
            .map(Some)
            .with_context(|| format!("window_size {t:?}: write WIDTHxHEIGHT, e.g. 1920x1080"))
    }

    fn validate(&self) -> anyhow::Result<()> {
        self.window_size()?;
        self.signals.validate()?;
        self.voice.validate()?;
        crate::screen::ScreenHours::parse(&self.screen_hours)?;
        anyhow::ensure!(
            self.language == "zh" || self.language == "en",
            "language must be \"zh\" or \"en\", not {:?}",
            self.language
        );
        anyhow::ensure!(
            crate::input::keymap::Layout::from_code(self.hid_keyboard_layout.trim()).is_some(),
            "hid_keyboard_layout must be {}, not {:?}",
            crate::input::keymap::Layout::NAMES,
            self.hid_keyboard_layout
        );
        anyhow::ensure!(
            self.sync_interval_seconds >= 1,
            "sync_interval_seconds must be at least 1"
        );
        anyhow::ensure!(
            (2..=600).contains(&self.hub_timeout_seconds),
            "hub_timeout_seconds must be between 2 and 600"
        );
        anyhow::ensure!(
            self.keep_days >= 35,
            "keep_days must be at least 35 (last month's export needs it)"
        );
        anyhow::ensure!(
            self.attract_slide_seconds >= 3,
            "attract_slide_seconds must be at least 3 (a slide must be readable)"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_parses_to_the_defaults() {
        let parsed: Config = toml::from_str(EXAMPLE).expect("example parses");
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn the_commented_signals_example_is_a_valid_setting() {
        // What the example file shows a technician must work when uncommented.
        let start = EXAMPLE.find("# [signals]").expect("signals example");
        let uncommented: String = EXAMPLE[start..]
            .lines()
            .map(|l| l.trim_start_matches("# "))
            .map(|l| l.split("  #").next().unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let c: Config = toml::from_str(&uncommented).expect("parses");
        c.validate().expect("valid");
        assert_eq!(c.signals.backend, "gpio");
        assert_eq!(c.signals.motion_sensor, Some(4));
        assert_eq!(
            c.signals.welcome,
            crate::signals::SignalsConfig::default().welcome
        );
        assert_eq!(
            c.signals.refused,
            crate::signals::SignalsConfig::default().refused
        );
    }

    #[test]
    fn every_board_profile_gives_settings_this_kiosk_accepts() {
        // The emulated boards' profiles too, with their own [kiosk] settings.
        let image_profiles: Vec<(String, String)> =
            std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/image"))
                .expect("tests/image")
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .map(|p| {
                    let text = std::fs::read_to_string(&p).expect("read");
                    (p.display().to_string(), text)
                })
                .collect();
        assert!(!image_profiles.is_empty());
        for (name, text) in image_profiles {
            let checked = firmware_config::Profile::parse(&text)
                .and_then(firmware_config::Profile::validated)
                .expect("a good profile");
            let dir = tempfile::tempdir().expect("tempdir");
            std::fs::write(dir.path().join("kiosk.toml"), checked.kiosk_toml()).expect("write");
            let c = Config::load_strict(dir.path()).unwrap_or_else(|e| panic!("{name}: {e:#}"));
            let own = &checked.profile.kiosk;
            if let Some(m) = own.get("update_quiet_minutes") {
                assert_eq!(
                    Some(i64::from(c.update_quiet_minutes)),
                    m.as_integer(),
                    "{name}"
                );
            }
        }
        for (name, text) in firmware_config::BUILTIN {
            let checked = firmware_config::Profile::parse(text)
                .and_then(firmware_config::Profile::validated)
                .expect(name);
            let dir = tempfile::tempdir().expect("tempdir");
            std::fs::write(dir.path().join("kiosk.toml"), checked.kiosk_toml()).expect("write");
            let c = Config::load_strict(dir.path()).unwrap_or_else(|e| panic!("{name}: {e:#}"));
            let gpio = checked.profile.gpio.clone();
            assert_eq!(
                c.signals.backend == "gpio",
                !gpio.pins().is_empty(),
                "{name}"
            );
            assert_eq!(c.signals.buzzer, gpio.buzzer, "{name}");
            assert_eq!(c.signals.motion_sensor, gpio.motion_sensor, "{name}");
            assert_eq!(
                c.hid_scanners.len(),
                checked
                    .profile
                    .devices
                    .iter()
                    .filter(|d| d.kind == "hid_scanner")
                    .count(),
                "{name}"
            );
        }
    }

    #[test]
    fn first_load_writes_the_example_and_env_overrides_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = Config::load_strict(dir.path()).expect("load");
        assert_eq!(c, Config::default());
        assert!(dir.path().join("kiosk.toml").exists());
        let mut c = Config::default();
        c.apply_env(|k| (k == "KIOSK_REPEAT_WINDOW_MINUTES").then(|| "5".to_string()))
            .expect("env");
        assert_eq!(c.repeat_window_minutes, 5);
        assert!(c.apply_env(|_| Some("many".into())).is_err());
    }

    #[test]
    fn an_unknown_scanner_layout_is_refused_in_words() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("kiosk.toml"),
            "hid_keyboard_layout = \"azerty\"\n",
        )
        .expect("write");
        let err = format!(
            "{:#}",
            Config::load_strict(dir.path()).expect_err("must fail")
        );
        assert!(err.contains("\"fr\"") && err.contains("azerty"), "{err}");
        std::fs::write(
            dir.path().join("kiosk.toml"),
            "hid_keyboard_layout = \"fr\"\n",
        )
        .expect("write");
        let c = Config::load_strict(dir.path()).expect("load");
        assert_eq!(c.devices().hid_layout, crate::input::keymap::Layout::Fr);
    }

    #[test]
    fn a_window_size_is_width_by_height_or_a_clear_error() {
        let mut c = Config::default();
        assert_eq!(c.window_size().expect("empty"), None);
        c.window_size = "1920x1080".into();
        assert_eq!(c.window_size().expect("size"), Some((1920, 1080)));
        for bad in ["big", "1920", "10x10", "1920xx1080"] {
            c.window_size = bad.into();
            assert!(c.window_size().is_err(), "{bad}");
        }
        c.window_size = "800X480".into();
        assert_eq!(c.window_size().expect("size"), Some((800, 480)));
    }

    #[test]
    fn a_typo_in_the_file_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("kiosk.toml"), "repeat_window_minuts = 3\n").expect("write");
        let err = format!(
            "{:#}",
            Config::load_strict(dir.path()).expect_err("must fail")
        );
        assert!(err.contains("kiosk.toml"), "{err}");
        assert!(err.contains("repeat_window_minuts"), "{err}");
    }

    #[test]
    fn a_damaged_file_gives_the_defaults_and_says_why() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("kiosk.toml"), b"\x00\xff[[[ repeat = \n").expect("write");
        let c = Config::load(dir.path());
        assert_eq!(
            c.repeat_window_minutes,
            Config::default().repeat_window_minutes
        );
        let problem = c.problem.expect("the problem is kept");
        assert!(problem.contains("kiosk.toml"), "{problem}");
        std::fs::write(dir.path().join("kiosk.toml"), "language = \"en\"\n").expect("write");
        let c = Config::load(dir.path());
        assert!(c.problem.is_none());
        assert_eq!(c.language, "en");
    }
}
