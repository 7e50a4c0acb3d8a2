//! The systemd units (services and timers) in deploy/systemd pass `systemd-analyze verify` with
//! no warning at all (an unknown key is only a warning there, so the test
//! reads stderr too), with the binaries they start in place.

use std::path::{Path, PathBuf};
use std::process::Command;

fn units() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/systemd");
    let mut units: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("deploy/systemd")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "service" || e == "timer")
        })
        .collect();
    units.sort();
    units
}

/// Copies of the units with /usr/bin/kiosk and /usr/bin/hub pointing at the
/// binaries just built, edited by `edit`; returns verify's stderr.
fn verify(edit: impl Fn(String) -> String) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for unit in units() {
        let text = std::fs::read_to_string(&unit).expect("read unit");
        let text = text
            .replace("/usr/bin/kiosk", &e2e::bin("kiosk").display().to_string())
            .replace("/usr/bin/hub", &e2e::bin("hub").display().to_string());
        let copy = dir.path().join(unit.file_name().expect("name"));
        std::fs::write(&copy, edit(text)).expect("write");
        files.push(copy);
    }
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&files)
        .output()
        .expect("systemd-analyze (apt install systemd)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn every_unit_verifies_without_a_warning() {
    let names: Vec<String> = units()
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "youth-hub-archive.service",
            "youth-hub-archive.timer",
            "youth-hub.service",
            "youth-kiosk-enroll.service",
            "youth-kiosk.service"
        ]
    );
    let (ok, stderr) = verify(|t| t);
    assert!(ok && stderr.trim().is_empty(), "{stderr}");
    // The check itself sees a misspelt key.
    let (_, stderr) = verify(|t| t.replace("WatchdogSec=", "WatchdogSecs="));
    assert!(stderr.contains("Unknown key 'WatchdogSecs'"), "{stderr}");
}

#[test]
fn the_kiosk_unit_is_notify_with_a_watchdog_as_an_unprivileged_user() {
    let unit = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/systemd/youth-kiosk.service"),
    )
    .expect("unit");
    for line in [
        "Type=notify",
        "WatchdogSec=30",
        "User=youth-kiosk",
        "Restart=always",
        "NoNewPrivileges=yes",
        "Environment=SLINT_BACKEND=linuxkms-software",
    ] {
        assert!(unit.lines().any(|l| l == line), "missing {line}");
    }
}

#[test]
fn the_hub_unit_has_descriptors_for_many_connections() {
    let unit = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/systemd/youth-hub.service"),
    )
    .expect("unit");
    assert!(unit.lines().any(|l| l == "LimitNOFILE=65536"), "{unit}");
}
