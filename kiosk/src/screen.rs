//! The screen outside opening hours: `screen_hours = "08:30-21:30"` in
//! `kiosk.toml` keeps it on in those hours (center-local time); outside
//! them a quiet kiosk goes dark (a black page, nothing redrawn, and the
//! panel's backlight off where the board has one). A touch, a scan or the
//! motion sensor lights it again; check-ins work at any hour.

use std::path::Path;

use chrono::NaiveTime;

/// When the screen stays on; `None` means always.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenHours {
    pub on: NaiveTime,
    pub off: NaiveTime,
}

impl ScreenHours {
    /// `""` (always on) or `"HH:MM-HH:MM"`; an end before the start spans
    /// midnight (`"18:00-02:00"`).
    pub fn parse(text: &str) -> anyhow::Result<Option<ScreenHours>> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        let parsed = t.split_once('-').and_then(|(a, b)| {
            Some(ScreenHours {
                on: NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?,
                off: NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?,
            })
        });
        match parsed {
            Some(h) if h.on != h.off => Ok(Some(h)),
            Some(_) => anyhow::bail!(
                "screen_hours {t:?}: the screen would never be on; leave it empty for always"
            ),
            None => anyhow::bail!(
                "screen_hours {t:?}: write HH:MM-HH:MM, e.g. \"08:30-21:30\", or leave it empty"
            ),
        }
    }

    /// Whether `time` (center-local) is within the hours.
    pub fn contains(&self, time: NaiveTime) -> bool {
        if self.on < self.off {
            self.on <= time && time < self.off
        } else {
            time >= self.on || time < self.off
        }
    }
}

/// Panels with a backlight (the DSI touchscreen, a laptop-style eDP panel)
/// are switched off through sysfs; HDMI monitors show the black page.
/// Errors are not worth more than a debug line: the page is black anyway.
pub fn backlight(on: bool) {
    backlight_in(Path::new("/sys/class/backlight"), on);
}

pub fn backlight_in(class: &Path, on: bool) {
    let Ok(entries) = std::fs::read_dir(class) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path().join("bl_power");
        // FB_BLANK_UNBLANK = 0, FB_BLANK_POWERDOWN = 4.
        if let Err(e) = std::fs::write(&path, if on { "0" } else { "4" }) {
            tracing::debug!("backlight {}: {e}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveTime {
        NaiveTime::parse_from_str(s, "%H:%M").expect("time")
    }

    #[test]
    fn hours_parse_and_bad_ones_say_how_to_write_them() {
        assert_eq!(ScreenHours::parse("").expect("empty"), None);
        let h = ScreenHours::parse(" 08:30 - 21:30 ")
            .expect("ok")
            .expect("some");
        assert_eq!((h.on, h.off), (t("08:30"), t("21:30")));
        let e = format!("{:#}", ScreenHours::parse("8.30-21").expect_err("bad"));
        assert!(e.contains("write HH:MM-HH:MM"), "{e}");
        assert!(ScreenHours::parse("09:00-09:00").is_err());
    }

    #[test]
    fn day_and_overnight_spans() {
        let day = ScreenHours::parse("08:30-21:30")
            .expect("ok")
            .expect("some");
        assert!(!day.contains(t("08:29")));
        assert!(day.contains(t("08:30")));
        assert!(day.contains(t("21:29")));
        assert!(!day.contains(t("21:30")));
        let night = ScreenHours::parse("18:00-02:00")
            .expect("ok")
            .expect("some");
        assert!(night.contains(t("23:00")));
        assert!(night.contains(t("01:59")));
        assert!(!night.contains(t("02:00")));
        assert!(!night.contains(t("12:00")));
    }

    #[test]
    fn the_backlight_is_powered_down_and_up_through_sysfs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let panel = dir.path().join("10-0045");
        std::fs::create_dir(&panel).expect("mkdir");
        std::fs::write(panel.join("bl_power"), "0").expect("write");
        backlight_in(dir.path(), false);
        assert_eq!(
            std::fs::read_to_string(panel.join("bl_power")).expect("read"),
            "4"
        );
        backlight_in(dir.path(), true);
        assert_eq!(
            std::fs::read_to_string(panel.join("bl_power")).expect("read"),
            "0"
        );
        // No backlight class at all (an HDMI monitor, a desktop): nothing happens.
        backlight_in(&dir.path().join("none"), false);
    }
}
