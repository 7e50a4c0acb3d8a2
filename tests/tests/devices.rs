//! A headless kiosk reading a serial scanner (on a pty) and a card reader
//! (pcscd's virtual reader) checks members in, through to the hub.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::Duration;

use e2e::{Hub, hub_cmd, kiosk_cmd, report_today, run, stdout, vpcd::tap_card};
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
    assert_eq!(o["reason"], "unknown_card", "{o}");

    drop(kiosk);
    run(kiosk_cmd(&kiosk_data).arg("sync"));
    let r = report_today(&hub_data, &center);
    assert_eq!(
        (r["members"].as_u64(), r["distinct_members"].as_u64()),
        (Some(2), Some(2)),
        "{r}"
    );
}
