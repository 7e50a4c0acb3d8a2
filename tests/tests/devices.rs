//! A headless kiosk reading a serial scanner (on a pty) and a card reader
//! (pcscd's virtual reader) checks members in, through to the hub; a youth
//! binds their own resident ID card (tap it, then scan their phone's code)
//! and checks in with it afterwards.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::Duration;

use e2e::vpcd::{tap_card, tap_id_card};
use e2e::{Hub, hub_cmd, kiosk_cmd, report_today, run, stdout};
use serde_json::Value;

#[test]
fn scans_from_a_serial_scanner_and_taps_on_a_card_reader_reach_the_hub() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let kiosk_data = dir.path().join("kiosk");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "青年之家"]);
    let m1 = hub(&["member", "add", "--center", &center, "--name", "林小雨"]);
    let m2 = hub(&["member", "add", "--center", &center, "--name", "陈思远"]);
    hub(&[
        "member",
        "bind-card",
        "--id",
        &m2,
        "--uid",
        "04A1B2C3D4E5F6",
    ]);
    let code = hub(&["enroll-code", "--center", &center]);
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    run(kiosk_cmd(&kiosk_data).args(["enroll", "--hub", &server.url, "--code", &code]));

    let pty = nix::pty::openpty(None, None).expect("openpty");
    let tty = nix::unistd::ttyname(&pty.slave).expect("ttyname");
    std::fs::write(
        kiosk_data.join("kiosk.toml"),
        format!(
            "serial_scanners = [{:?}]\ncard_readers = \"Virtual PCD 00 01\"\n",
            tty.to_string_lossy()
        ),
    )
    .expect("config");

    let mut kiosk = e2e::KillOnDrop(
        kiosk_cmd(&kiosk_data)
            .arg("headless")
            .stdin(Stdio::null()) // a door station: no stdin, devices only
            .stdout(Stdio::piped())
            .spawn()
            .expect("kiosk"),
    );
    let mut lines = BufReader::new(kiosk.0.stdout.take().expect("stdout")).lines();
    let mut next = || -> Value {
        let line = lines.next().expect("an outcome line").expect("read");
        serde_json::from_str(&line).expect("JSON")
    };

    std::thread::sleep(Duration::from_millis(800));
    let mut master = std::fs::File::from(pty.master);
    master
        .write_all(format!("{m1}\r\n").as_bytes())
        .expect("scan");
    let o = next();
    assert_eq!(
        (o["outcome"].as_str(), o["name"].as_str()),
        (Some("welcome"), Some("林同学")),
        "{o}"
    );

    tap_card(
        35964,
        &[0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6],
        Duration::from_millis(500),
    )
    .expect("tap");
    let o = next();
    assert_eq!(
        (o["outcome"].as_str(), o["name"].as_str()),
        (Some("welcome"), Some("陈同学")),
        "{o}"
    );

    // pcscd polls a reader a few times a second: a real hand takes longer
    // than that between two taps.
    std::thread::sleep(Duration::from_secs(1));
    tap_card(35964, &[0x01, 0x02, 0x03, 0x04], Duration::from_millis(500)).expect("tap");
    let o = next();
    assert_eq!(o["reason"], "unbound_card", "{o}");

    // A youth's resident ID card: GET DATA refused, the chip serial read.
    // Unknown here, so the door waits for the youth's own member code.
    let serial = [0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0];
    std::thread::sleep(Duration::from_secs(1));
    tap_id_card(35964, serial, Duration::from_millis(500)).expect("tap the ID card");
    let o = next();
    assert_eq!(o["reason"], "unbound_card", "{o}");
    let phone_code = hub(&["member", "token", "--id", &m1]);
    master
        .write_all(format!("{phone_code}\r\n").as_bytes())
        .expect("scan the phone");
    let o = next();
    assert_eq!(
        (o["outcome"].as_str(), o["name"].as_str()),
        (Some("claim_card"), Some("林同学")),
        "{o}"
    );
    // The same youth checked in by number minutes ago: counted once.
    assert_eq!(o["checked_in"], false, "{o}");
    // The card again: now it is theirs.
    std::thread::sleep(Duration::from_secs(1));
    tap_id_card(35964, serial, Duration::from_millis(500)).expect("tap the ID card again");
    let o = next();
    assert_eq!(
        (o["outcome"].as_str(), o["name"].as_str()),
        (Some("own_card_bound"), Some("林同学")),
        "{o}"
    );

    drop(kiosk);
    run(kiosk_cmd(&kiosk_data).arg("sync"));
    let r = report_today(&hub_data, &center);
    assert_eq!(
        (r["members"].as_u64(), r["distinct_members"].as_u64()),
        (Some(2), Some(2)),
        "{r}"
    );

    // The hub holds the binding as a keyed hash: a kiosk enrolled afresh
    // learns it with the roster and knows the ID card at once.
    let other = dir.path().join("other-kiosk");
    let code = hub(&["enroll-code", "--center", &center]);
    run(kiosk_cmd(&other).args(["enroll", "--hub", &server.url, "--code", &code]));
    run(kiosk_cmd(&other).arg("sync"));
    std::fs::write(
        other.join("kiosk.toml"),
        "card_readers = \"Virtual PCD 00 01\"\n",
    )
    .expect("config");
    let mut kiosk = e2e::KillOnDrop(
        kiosk_cmd(&other)
            .arg("headless")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("kiosk"),
    );
    let mut lines = BufReader::new(kiosk.0.stdout.take().expect("stdout")).lines();
    std::thread::sleep(Duration::from_millis(800));
    tap_id_card(35964, serial, Duration::from_millis(500)).expect("tap the ID card again");
    let line = lines.next().expect("an outcome line").expect("read");
    let o: Value = serde_json::from_str(&line).expect("JSON");
    assert_eq!(
        (o["outcome"].as_str(), o["name"].as_str()),
        (Some("welcome"), Some("林同学")),
        "{o}"
    );
    drop(kiosk);
    // Neither the serial nor anything like it is in the hub's database.
    let mut db = std::fs::read(hub_data.join("hub.sqlite3")).expect("hub database");
    db.extend(std::fs::read(hub_data.join("hub.sqlite3-wal")).unwrap_or_default());
    let hex = "123456789abcdef0";
    assert!(
        !db.windows(8).any(|w| w == serial)
            && !String::from_utf8_lossy(&db).to_lowercase().contains(hex),
        "the ID card's serial is stored in clear"
    );
}
