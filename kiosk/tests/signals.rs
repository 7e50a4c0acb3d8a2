//! The signals end to end: a headless kiosk with simulated pins welcomes a
//! visitor (the door relay opens), then systemd stops it with SIGTERM while
//! the relay is still open: it must close the relay before it exits.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn sigterm_while_the_door_is_open_closes_it_before_the_kiosk_exits() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("kiosk.toml"),
        "[signals]\nbackend = \"simulated\"\nled_green = 23\nled_red = 24\ndoor_relay = 25\n",
    )
    .expect("config");
    let mut kiosk = Command::new(env!("CARGO_BIN_EXE_kiosk"))
        .args(["--data"])
        .arg(dir.path())
        .arg("headless")
        .env("RUST_LOG", "info,kiosk::signals=debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kiosk");
    let mut stdin = kiosk.stdin.take().expect("stdin");
    writeln!(stdin, "visitor from18_to24 sports").expect("write");
    let mut out = BufReader::new(kiosk.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("outcome");
    assert!(line.contains("\"welcome\""), "{line}");
    // The relay holds the door for 3 s; stop the kiosk well inside that.
    std::thread::sleep(Duration::from_millis(300));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(kiosk.id()).expect("pid")),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("SIGTERM");
    let started = Instant::now();
    let status = kiosk.wait().expect("wait");
    assert!(status.success(), "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the kiosk took {:?} to stop",
        started.elapsed()
    );
    let mut err = String::new();
    std::io::Read::read_to_string(&mut kiosk.stderr.take().expect("stderr"), &mut err)
        .expect("stderr");
    let relay: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("output=\"door_relay\"") || l.contains("output=door_relay"))
        .collect();
    // Off at start, on for the welcome, off on SIGTERM (not after its 3 s).
    assert_eq!(relay.len(), 3, "{err}");
    assert!(relay[1].contains("on=true"), "{err}");
    assert!(relay[2].contains("on=false"), "{err}");
    assert!(err.contains("SIGTERM: stopping"), "{err}");
    drop(stdin);
}
