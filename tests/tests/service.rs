//! The kiosk under systemd's eyes (Type=notify): it says READY once up,
//! feeds the watchdog while it runs, and says STOPPING and exits cleanly on
//! SIGTERM; the touchscreen UI (in a real X window on Xvfb) and the
//! headless station alike. The test plays systemd's notify socket.

use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e::kiosk_cmd;

struct Notify {
    socket: UnixDatagram,
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl Notify {
    fn new() -> Notify {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("notify.sock");
        let socket = UnixDatagram::bind(&path).expect("bind");
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        Notify {
            socket,
            _dir: dir,
            path,
        }
    }

    /// Messages until `until` is seen or `limit` passes.
    fn collect_until(&self, until: &str, limit: Duration) -> Vec<String> {
        let start = Instant::now();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while start.elapsed() < limit {
            if let Ok(n) = self.socket.recv(&mut buf) {
                let m = String::from_utf8_lossy(&buf[..n]).to_string();
                let done = m.contains(until);
                got.push(m);
                if done {
                    break;
                }
            }
        }
        got
    }
}

fn term(child: &Child) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid")),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("SIGTERM");
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the kiosk did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assert_lifecycle(child: &mut Child, notify: &Notify) {
    let first = notify.collect_until("READY=1", Duration::from_secs(30));
    assert!(
        first.iter().any(|m| m.contains("READY=1")),
        "no READY=1: {first:?}"
    );
    // WATCHDOG_USEC=400000: a ping every 200 ms.
    let pings = notify.collect_until("never", Duration::from_millis(1500));
    let n = pings.iter().filter(|m| m.contains("WATCHDOG=1")).count();
    assert!(n >= 3, "only {n} watchdog pings in 1.5 s: {pings:?}");
    term(child);
    let last = notify.collect_until("STOPPING=1", Duration::from_secs(10));
    assert!(
        last.iter().any(|m| m.contains("STOPPING=1")),
        "no STOPPING=1: {last:?}"
    );
    let status = wait_exit(child);
    assert!(status.success(), "{status:?}");
}

#[test]
fn the_headless_station_is_ready_feeds_the_watchdog_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notify = Notify::new();
    let mut child = kiosk_cmd(dir.path())
        .arg("headless")
        .env("NOTIFY_SOCKET", &notify.path)
        .env("WATCHDOG_USEC", "400000")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("kiosk");
    assert_lifecycle(&mut child, &notify);
}

#[test]
fn the_touchscreen_ui_is_ready_feeds_the_watchdog_from_its_loop_and_stops_on_sigterm() {
    // A real X display, on whatever number is free.
    let mut xvfb = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (apt install xvfb)");
    let mut line = String::new();
    BufReader::new(xvfb.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("display number");
    let display = format!(":{}", line.trim());
    let dir = tempfile::tempdir().expect("tempdir");
    let notify = Notify::new();
    let mut child = kiosk_cmd(dir.path())
        .arg("run")
        .env("DISPLAY", &display)
        .env("SLINT_BACKEND", "winit-software")
        .env("KIOSK_FULLSCREEN", "0")
        .env("NOTIFY_SOCKET", &notify.path)
        .env("WATCHDOG_USEC", "400000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("kiosk");
    assert_lifecycle(&mut child, &notify);
    let _ = xvfb.kill();
    let _ = xvfb.wait();
}
