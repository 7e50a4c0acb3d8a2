//! The real device code paths, as far as this machine allows: a serial
//! scanner on a pseudo-terminal, and a card reader that is pcscd's virtual
//! reader (vsmartcard-vpcd) with this test playing the card.

use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

use e2e::vpcd::{tap_card, tap_id_card};

use kiosk::input::pcsc::CardReaders;
use kiosk::input::serial::SerialScanner;
use kiosk::input::{Input, InputSink};

#[test]
fn a_serial_scanner_on_a_pty_delivers_each_line_and_a_line_without_an_end() {
    let pty = nix::pty::openpty(None, None).expect("openpty");
    let slave_path = nix::unistd::ttyname(&pty.slave).expect("ttyname");
    let (tx, rx) = mpsc::channel();
    let path = slave_path.clone();
    std::thread::spawn(move || SerialScanner::new(path).run(&InputSink::channel(tx)));
    // Give the scanner thread time to open and configure the port.
    std::thread::sleep(Duration::from_millis(300));
    let mut master = std::fs::File::from(pty.master);
    master.write_all(b"10000001\r\n").expect("write");
    master.write_all(b"YC1ABC\n").expect("write");
    master.write_all(b"99887766").expect("write"); // no line end: the pause ends it
    let mut got = Vec::new();
    while got.len() < 3 {
        match rx.recv_timeout(Duration::from_secs(5)) {
            Ok(Input::Scan(s)) => got.push(s),
            Ok(other) => panic!("unexpected {other:?}"),
            Err(_) => panic!("only {got:?} arrived from {}", slave_path.display()),
        }
    }
    assert_eq!(got, vec!["10000001", "YC1ABC", "99887766"]);
}

#[test]
fn a_card_on_a_virtual_reader_gives_its_uid_once_per_tap() {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || CardReaders::new("Virtual PCD 00 00").run(&InputSink::channel(tx)));
    let uid = [0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6];
    for tap in 0..2 {
        // The card lies on the reader for two seconds: still one tap.
        tap_card(35963, &uid, Duration::from_secs(2)).unwrap_or_else(|e| panic!("tap {tap}: {e}"));
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(Input::CardUid(got)) => assert_eq!(got, uid.to_vec(), "tap {tap}"),
            other => panic!("tap {tap}: no card UID arrived ({other:?})"),
        }
        assert!(
            rx.try_recv().is_err(),
            "tap {tap} was counted more than once"
        );
        std::thread::sleep(Duration::from_millis(800));
    }
}

#[test]
fn a_resident_id_card_on_a_virtual_reader_gives_its_chip_serial() {
    let (tx, rx) = mpsc::channel();
    // The second virtual reader: the Type A test above plays on the first.
    std::thread::spawn(move || CardReaders::new("Virtual PCD 00 01").run(&InputSink::channel(tx)));
    let serial = [0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0];
    // The card refuses FF CA (6A 81) and answers 00 36 00 00 08 only: the
    // reader got its identity from the second command.
    tap_id_card(35964, serial, Duration::from_secs(1)).unwrap_or_else(|e| panic!("tap: {e}"));
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(Input::CardUid(got)) => assert_eq!(got, serial.to_vec()),
        other => panic!("no ID card serial arrived ({other:?})"),
    }
    assert!(rx.try_recv().is_err(), "one tap, one input");
}
