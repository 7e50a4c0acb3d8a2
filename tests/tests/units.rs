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

/// The hub's settings file is its one commented example: every `HUB_`
/// variable the hub's code reads is in it.
#[test]
fn every_setting_the_hub_reads_is_in_its_example_configuration() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let example =
        std::fs::read_to_string(root.join("deploy/debian/youth-hub.default")).expect("example");
    let mut read = std::collections::BTreeSet::new();
    let mut stack = vec![root.join("hub/src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("dir").flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                for (i, _) in text.match_indices("\"HUB_") {
                    let name: String = text[i + 1..]
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                        .collect();
                    read.insert(name);
                }
            }
        }
    }
    // The tests' own database, not a setting of a running hub.
    read.remove("HUB_TEST_DATABASE_URL");
    assert!(read.len() >= 8, "{read:?}");
    let missing: Vec<_> = read
        .iter()
        .filter(|name| !example.contains(&format!("{name}=")))
        .collect();
    assert!(
        missing.is_empty(),
        "not in deploy/debian/youth-hub.default: {missing:?}"
    );
}
