//! What a careless operator or an attacker tried from outside, through the
//! real binaries: each case loses no welcomed check-in and lets no one reach
//! what is not theirs (docs/RELIABILITY.md, "Tried from outside").

use e2e::{headless, hub_cmd, kiosk_cmd, kiosk_status, one_center, outcomes, run, stdout};

/// A scanner gone wrong types 600 KB into a volunteer's activity: the kiosk
/// keeps the title the hub would keep, and the uploads go on.
#[test]
fn an_oversized_activity_never_blocks_the_uploads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = one_center(dir.path());
    run(hub_cmd(&c.hub_data).args(["member", "volunteer", "--id", &c.member]));
    run(kiosk_cmd(&c.kiosk_data).arg("sync"));
    let shift = format!("volunteer-in {} {}", c.member, "四点半课堂".repeat(40_000));
    let got = headless(
        &c.kiosk_data,
        &[shift.as_str(), "visitor from18_to24 sports"],
        &["--no-final-sync"],
    );
    assert_eq!(outcomes(&got), ["shift_started", "welcome"]);
    let out = kiosk_cmd(&c.kiosk_data).arg("sync").output().expect("sync");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = kiosk_status(&c.kiosk_data);
    assert_eq!(status["events_waiting"], 0, "{status}");
    assert!(status["last_sync_error"].is_null(), "{status}");
    let hours = stdout(&run(hub_cmd(&c.hub_data).args([
        "volunteer",
        "hours",
        "--center",
        &c.center,
        "--json",
    ])));
    let title = "四点半课堂".repeat(40);
    assert!(hours.contains(&title), "{hours}");
    assert!(!hours.contains(&format!("{title}四")), "{hours}");
}

/// A line that is not UTF-8 (a scanner on the wrong keyboard layout, line
/// noise on a serial cable) gets "garbled", and the station reads on.
#[test]
fn a_line_that_is_not_text_is_garbled_and_the_next_ones_are_answered() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let c = one_center(dir.path());
    let mut child = kiosk_cmd(&c.kiosk_data)
        .args(["headless", "--no-final-sync"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start kiosk");
    {
        let mut input = child.stdin.take().expect("stdin");
        input
            .write_all(b"visitor from18_to24 sports\n\xff\xfe\x80garbage\r\n")
            .expect("write");
        input
            .write_all(format!("{}\nvisitor over35 leisure", c.member).as_bytes())
            .expect("write");
    }
    let out = child.wait_with_output().expect("kiosk output");
    assert!(out.status.success());
    let got: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(
        outcomes(&got),
        ["welcome", "refused:garbled", "welcome", "welcome"]
    );
}

/// The SD card's file system hands back an empty database on an enrolled
/// kiosk: reported as damage (not taken for a new kiosk), check-ins go on.
/// A damaged kiosk.toml: the defaults, check-ins working, said loudly.
#[test]
fn an_empty_database_and_a_damaged_settings_file_are_said_out_loud() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = one_center(dir.path());
    let db = c.kiosk_data.join("kiosk.sqlite3");
    std::fs::write(&db, b"").expect("empty the database");
    std::fs::write(
        c.kiosk_data.join("kiosk.toml"),
        b"\xff\xfe repeat_window_minutes = [",
    )
    .expect("damage the settings");
    let out = kiosk_cmd(&c.kiosk_data)
        .args(["status", "--json"])
        .output()
        .expect("status");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("was empty or missing, though this kiosk was enrolled"),
        "{err}"
    );
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    assert!(
        status["damage"]
            .as_str()
            .is_some_and(|d| d.contains("enroll this kiosk again")),
        "{status}"
    );
    assert!(
        status["config_problem"]
            .as_str()
            .is_some_and(|p| p.contains("kiosk.toml")),
        "{status}"
    );
    let got = headless(
        &c.kiosk_data,
        &["visitor from18_to24 sports"],
        &["--no-final-sync"],
    );
    assert_eq!(outcomes(&got), ["welcome"]);
    let text = stdout(&run(kiosk_cmd(&c.kiosk_data).arg("status")));
    assert!(text.contains("running on the defaults"), "{text}");
    let doctor = kiosk_cmd(&c.kiosk_data)
        .arg("doctor")
        .output()
        .expect("doctor");
    let said = String::from_utf8_lossy(&doctor.stdout);
    assert!(
        said.contains("settings") && said.contains("running on the defaults"),
        "{said}"
    );
}
