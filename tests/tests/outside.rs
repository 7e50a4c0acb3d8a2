//! What a careless operator or an attacker tried from outside, through the
//! real binaries: each case loses no welcomed check-in and lets no one reach
//! what is not theirs (docs/RELIABILITY.md, "Tried from outside").

use e2e::{
    headless, http_status, hub_cmd, kiosk_cmd, kiosk_status, one_center, outcomes, peak_rss_mb,
    run, stdout,
};

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
    // Nothing was set aside: the fleet's column says 0.
    let fleet = stdout(&run(hub_cmd(&c.hub_data).args(["device", "list"])));
    let row = fleet.lines().nth(1).expect("the kiosk's row");
    assert_eq!(row.split('\t').nth(4), Some("0"), "{fleet}");
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

/// 150 wrong logins at once (each Argon2id check holds ~19 MiB) on the
/// dashboard and the members' page: the hub checks a few at a time, tells
/// the rest it is busy (429, Retry-After), stays small, and answers health.
#[test]
fn a_flood_of_wrong_logins_neither_exhausts_memory_nor_stops_the_hub() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = one_center(dir.path());
    e2e::add_user(
        &c.hub_data,
        "staff1",
        "staff",
        &format!("center:{}", c.center),
        "staff password 1",
    );
    let pid = c.server.pid().expect("pid");
    let addr = c.server.url.trim_start_matches("http://").to_string();
    let threads: Vec<_> = (0..150)
        .map(|i| {
            let addr = addr.clone();
            let member = c.member.clone();
            std::thread::spawn(move || {
                let (path, body) = if i % 3 == 0 {
                    ("/m/login", format!("member={member}&secret=WRONG-{i:04}"))
                } else {
                    ("/login", format!("login=staff1&password=wrong+password+{i}"))
                };
                let request = format!(
                    "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
                     Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                http_status(&addr, &request, std::time::Duration::from_secs(60))
            })
        })
        .collect();
    // Meanwhile the hub answers.
    let health =
        format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let (s, _) = http_status(&addr, &health, std::time::Duration::from_secs(20));
    assert_eq!(s, 200);
    let answers: Vec<(u16, String)> = threads
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .collect();
    let count = |code| answers.iter().filter(|(s, _)| *s == code).count();
    let (wrong, busy) = (count(401), count(429));
    assert_eq!(
        wrong + busy,
        150,
        "{:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert!(busy > 0 && wrong > 0, "{wrong} checked, {busy} told busy");
    assert!(
        answers
            .iter()
            .filter(|(s, _)| *s == 429)
            .all(|(_, text)| text.to_ascii_lowercase().contains("retry-after:")),
        "every 429 says when to come back"
    );
    let peak = peak_rss_mb(pid);
    eprintln!(
        "150 wrong logins at once: {wrong} checked, {busy} told busy, hub peak RSS {peak} MB"
    );
    assert!(peak < 300, "peak RSS {peak} MB");
}

/// Clients that send half a request, or keep a connection and send nothing
/// more, are cut off; the hub keeps answering everyone else.
#[test]
fn slow_and_idle_connections_are_cut_off() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let server = e2e::Hub::start_env(
        &hub_data,
        "127.0.0.1:0",
        std::process::Stdio::null(),
        "warn",
        &[("HUB_HEADER_TIMEOUT_SECONDS", "1")],
    );
    let addr = server.url.trim_start_matches("http://").to_string();
    let started = std::time::Instant::now();
    let mut slow: Vec<std::net::TcpStream> = (0..200)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(&addr).expect("connect");
            s.write_all(format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\n").as_bytes())
                .expect("half a request");
            s
        })
        .collect();
    // One that asked once and then sits on the connection.
    let mut idle = std::net::TcpStream::connect(&addr).expect("connect");
    idle.write_all(format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .expect("request");
    let health =
        format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    assert_eq!(
        http_status(&addr, &health, std::time::Duration::from_secs(10)).0,
        200
    );
    slow.push(idle);
    for s in &mut slow {
        s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .expect("timeout");
        let mut rest = Vec::new();
        // Ends (0 bytes, or reset) when the hub closes it; a read timeout
        // here would mean the hub still holds it.
        match s.read_to_end(&mut rest) {
            Ok(_) => {}
            Err(e) => assert!(
                e.kind() == std::io::ErrorKind::ConnectionReset,
                "still held after {:?}: {e}",
                started.elapsed()
            ),
        }
    }
    let took = started.elapsed();
    eprintln!("201 slow or idle connections all closed by the hub after {took:?}");
    assert!(took < std::time::Duration::from_secs(15), "{took:?}");
}
