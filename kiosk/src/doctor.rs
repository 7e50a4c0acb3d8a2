//! `kiosk doctor`: what the kiosk finds (display, scanners, card readers,
//! storage, hub) and what is wrong with each, in words staff can act on.

use std::path::Path;

use crate::config::Config;

/// One line of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub ok: bool,
    pub what: String,
    pub detail: String,
}

fn ok(what: impl Into<String>, detail: impl Into<String>) -> Finding {
    Finding {
        ok: true,
        what: what.into(),
        detail: detail.into(),
    }
}

fn problem(what: impl Into<String>, detail: impl Into<String>) -> Finding {
    Finding {
        ok: false,
        what: what.into(),
        detail: detail.into(),
    }
}

/// Why a device path cannot be used, or `None` when it can be opened.
fn open_problem(path: &Path) -> Option<String> {
    match std::fs::OpenOptions::new().read(true).open(path) {
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Some("not found: is it plugged in? Check the path in kiosk.toml".into())
        }
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Some(
            "no permission to read it: add the kiosk's user to the 'input' (scanners) or 'dialout' (serial) group"
                .into(),
        ),
        Err(e) => Some(e.to_string()),
    }
}

pub fn check(data: &Path, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();

    // Settings.
    out.push(match &config.problem {
        None => ok("settings", "kiosk.toml read"),
        Some(p) => problem("settings", format!("running on the defaults, because {p}")),
    });

    // Display.
    let display = std::env::var("WAYLAND_DISPLAY")
        .ok()
        .map(|d| format!("Wayland display {d}"))
        .or_else(|| {
            std::env::var("DISPLAY")
                .ok()
                .map(|d| format!("X11 display {d}"))
        });
    let drm: Vec<String> = std::fs::read_dir("/sys/class/drm")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| {
                    std::fs::read_to_string(e.path().join("status"))
                        .is_ok_and(|s| s.trim() == "connected")
                })
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    match (display, drm.is_empty()) {
        (Some(d), _) => out.push(ok("display", d)),
        (None, false) => out.push(ok("display", format!("screen connected: {}", drm.join(", ")))),
        (None, true) => out.push(problem(
            "display",
            "no screen found: check the HDMI/DSI cable, or run `kiosk headless` for a door station without a screen",
        )),
    }

    // Scanners in keyboard mode.
    let present = crate::input::evdev::list_keyboards(Path::new("/dev/input/by-id"));
    for path in &config.hid_scanners {
        match open_problem(path) {
            None => out.push(ok("USB scanner", path.display().to_string())),
            Some(p) => out.push(problem("USB scanner", format!("{}: {p}", path.display()))),
        }
    }
    for path in present.iter().filter(|p| !config.hid_scanners.contains(p)) {
        out.push(ok(
            "keyboard-like device (not used)",
            format!(
                "{}: to use it as a scanner, add it to hid_scanners in kiosk.toml",
                path.display()
            ),
        ));
    }
    for path in &config.serial_scanners {
        match open_problem(path) {
            None => out.push(ok("serial scanner", path.display().to_string())),
            Some(p) => out.push(problem(
                "serial scanner",
                format!("{}: {p}", path.display()),
            )),
        }
    }

    // Card readers.
    match config.devices().card_readers {
        None => out.push(ok(
            "card readers",
            "card reading is off (card_readers = \"none\" in kiosk.toml)",
        )),
        Some(wanted) => match crate::input::pcsc::list_readers() {
            Err(e) => out.push(problem("card readers", e)),
            Ok(names) if names.is_empty() => out.push(problem(
                "card readers",
                "pcscd runs but sees no reader: plug the reader in, or check its driver (pcsc_scan lists readers)",
            )),
            Ok(names) if !wanted.is_empty() && !names.contains(&wanted) => out.push(problem(
                "card readers",
                format!("reader {wanted:?} not found; pcscd sees: {}", names.join(", ")),
            )),
            Ok(names) => out.push(ok("card readers", names.join(", "))),
        },
    }

    // Storage and upload.
    match crate::app::open_store(data) {
        Err(e) => out.push(problem("storage", format!("{e:#}"))),
        Ok(store) => {
            match store.check_integrity() {
                Ok(true) => out.push(ok(
                    "storage",
                    format!("{} is healthy", data.join("kiosk.sqlite3").display()),
                )),
                Ok(false) => out.push(problem(
                    "storage",
                    "the database failed its integrity check",
                )),
                Err(e) => out.push(problem("storage", e.to_string())),
            }
            match store.free_bytes() {
                Some(free) if free < crate::store::LOW_SPACE_BYTES => out.push(problem(
                    "free space",
                    format!(
                        "only {} MB free on the data partition: check-ins stop when it is full",
                        free >> 20
                    ),
                )),
                Some(free) => out.push(ok("free space", format!("{} MB", free >> 20))),
                None => {}
            }
            match (store.enrollment(), store.sync_status()) {
                (Ok(None), _) => out.push(problem(
                    "hub",
                    "not enrolled: run `kiosk enroll --hub URL --code CODE` with a code from an admin",
                )),
                (Ok(Some(e)), Ok(s)) => {
                    let (text, good) = crate::ui::view::sync_text(
                        &s,
                        e.tz(),
                        chrono::Utc::now().timestamp_millis(),
                        true,
                    );
                    let f = if good { ok } else { problem };
                    out.push(f("uploads", text));
                    out.push(match reach(&e.hub_url) {
                        Ok(()) => ok("hub", format!("{} answers ({})", e.hub_url, e.center_name)),
                        Err(why) => problem(
                            "hub",
                            format!("{} cannot be reached now ({why}); check-ins are kept and sent later", e.hub_url),
                        ),
                    });
                }
                (Err(e), _) | (_, Err(e)) => out.push(problem("hub", e.to_string())),
            }
        }
    }
    out
}

/// Asks the hub's health endpoint, with a short timeout.
fn reach(hub_url: &str) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    crate::sync::http::tls_provider();
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(3))
            .build()
            .map_err(|e| e.to_string())?;
        let url = format!(
            "{}{}/health",
            hub_url.trim_end_matches('/'),
            protocol::API_PREFIX
        );
        match client.get(url).send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("HTTP {}", r.status())),
            Err(e) if e.is_connect() => Err("connection refused or no network".into()),
            Err(e) if e.is_timeout() => Err("no answer within 3 s".into()),
            Err(e) => Err(e.to_string()),
        }
    })
}

/// Prints the report; returns whether everything is fine.
pub fn print(findings: &[Finding]) -> bool {
    for f in findings {
        println!(
            "{} {:<32} {}",
            if f.ok { "ok " } else { "!! " },
            f.what,
            f.detail
        );
    }
    findings.iter().all(|f| f.ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_devices_and_a_missing_enrollment_are_named_with_what_to_do() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config {
            hid_scanners: vec!["/dev/input/by-id/usb-Nothing-event-kbd".into()],
            serial_scanners: vec!["/dev/ttyNOPE0".into()],
            ..Config::default()
        };
        let findings = check(dir.path(), &config);
        let find = |what: &str| {
            findings
                .iter()
                .find(|f| f.what == what)
                .unwrap_or_else(|| panic!("no {what} in {findings:?}"))
        };
        assert!(!find("USB scanner").ok);
        assert!(find("USB scanner").detail.contains("plugged in"));
        assert!(!find("serial scanner").ok);
        assert!(!find("hub").ok);
        assert!(find("hub").detail.contains("kiosk enroll"));
        assert!(find("storage").ok);
        assert!(find("card readers").detail.contains("off"));
    }
}
