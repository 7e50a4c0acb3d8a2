//! The hub faces the internet, and logs end up in places secrets must not.
//! - An end-to-end run with every log at debug level: enrollment, a QR
//!   check-in, a card tap, sync, a phone login. No enrollment code, device
//!   token, member QR token, phone secret or card UID appears in any log.
//! - Oversized, gzip-bombed, malformed and unauthenticated uploads get a 4xx
//!   over real HTTP, and a well-behaved kiosk syncing meanwhile is not hurt.

use std::io::Write;
use std::process::{Command, Stdio};

use e2e::{Hub, headless, hub_cmd, kiosk_cmd, outcomes, run, stdout};

#[test]
fn no_secret_reaches_a_log_at_debug_level() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let kiosk_data = dir.path().join("kiosk");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).env("RUST_LOG", "debug").args(args)));
    let center = hub(&["center", "add", "--name", "城东街道青年之家"]);
    let member = hub(&["member", "add", "--center", &center, "--name", "林小雨"]);
    let code = hub(&["enroll-code", "--center", &center]);
    let uid = "04A1B2C3";
    hub(&["member", "bind-card", "--id", &member, "--uid", uid]);
    let token = hub(&["member", "token", "--id", &member, "--ttl", "600"]);
    let secret_out = hub(&[
        "member",
        "secret",
        "--id",
        &member,
        "--base-url",
        "http://127.0.0.1:9",
    ]);
    let hub_log = dir.path().join("hub.log");
    let server = Hub::start_with(
        &hub_data,
        "127.0.0.1:0",
        std::fs::File::create(&hub_log).expect("log file"),
        "debug",
    );
    let url = server.url.clone();

    let enroll = run(kiosk_cmd(&kiosk_data)
        .env("RUST_LOG", "debug")
        .args(["enroll", "--hub", &url, "--code", &code]));
    let mut kiosk = kiosk_cmd(&kiosk_data)
        .env("RUST_LOG", "debug")
        .arg("headless")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kiosk");
    {
        let mut input = kiosk.stdin.take().expect("stdin");
        writeln!(input, "{token}").expect("token");
        writeln!(input, "card:{uid}").expect("card");
    }
    let out = kiosk.wait_with_output().expect("kiosk");
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(outcomes(&lines), ["welcome", "repeat"]);

    let device_token: String = rusqlite::Connection::open(kiosk_data.join("kiosk.sqlite3"))
        .expect("kiosk db")
        .query_row("SELECT device_token FROM enrollment", [], |r| r.get(0))
        .expect("device token");
    assert!(device_token.len() >= 32, "{device_token}");
    // A youth logs in on the phone page with the member number and secret.
    let secret = secret_out.trim().to_string();
    let login = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H"])
        .arg(format!("Origin: {url}"))
        .args(["--data"])
        .arg(format!("member={member}&secret={secret}"))
        .arg(format!("{url}/m/login"))
        .output()
        .expect("curl");
    assert_eq!(stdout(&login), "303", "phone login");

    let logs = [
        ("hub", std::fs::read_to_string(&hub_log).expect("hub log")),
        (
            "kiosk enroll",
            String::from_utf8_lossy(&enroll.stderr).to_string(),
        ),
        (
            "kiosk headless",
            String::from_utf8_lossy(&out.stderr).to_string(),
        ),
    ];
    // The logs say something: the test would prove nothing on empty logs.
    assert!(
        logs[0].1.contains("DEBUG") || logs[0].1.contains("INFO"),
        "{}",
        logs[0].1
    );
    assert!(!logs[2].1.is_empty());
    assert!(secret.len() >= 8, "{secret}");
    for (name, log) in &logs {
        for (what, s) in [
            ("enrollment code", code.as_str()),
            ("device token", device_token.as_str()),
            ("member QR token", token.as_str()),
            ("phone secret", secret.as_str()),
            ("card UID", uid),
            ("card UID (lower case)", "04a1b2c3"),
        ] {
            assert!(!log.contains(s), "the {name} log shows the {what}:\n{log}");
        }
    }
}

#[test]
fn oversized_bombed_malformed_and_unsigned_uploads_are_refused_and_hurt_no_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = e2e::one_center(dir.path());
    let device_token: String = rusqlite::Connection::open(c.kiosk_data.join("kiosk.sqlite3"))
        .expect("kiosk db")
        .query_row("SELECT device_token FROM enrollment", [], |r| r.get(0))
        .expect("device token");
    let events = format!("{}/api/v1/events", c.server.url);
    let post = |body: &[u8], headers: &[&str]| -> String {
        let mut cmd = Command::new("curl");
        cmd.args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "POST",
            &events,
        ]);
        for h in headers {
            cmd.args(["-H", h]);
        }
        let mut child = cmd
            .args(["--data-binary", "@-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("curl");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(body)
            .expect("body");
        stdout(&child.wait_with_output().expect("curl"))
    };
    let auth = format!("Authorization: Bearer {device_token}");
    let json = "Content-Type: application/json";

    // Unauthenticated, and with a made-up token.
    assert_eq!(post(b"{\"events\":[]}", &[json]), "401");
    assert_eq!(
        post(b"{\"events\":[]}", &[json, "Authorization: Bearer forged"]),
        "401"
    );
    // Malformed JSON, and JSON of the wrong shape.
    for body in [&b"{\"events\": ["[..], b"{\"rows\": 5}", b"\xff\xfe"] {
        let code = post(body, &[json, &auth]);
        assert!(code == "400" || code == "422", "{code}");
    }
    // Far too large.
    let big = vec![b' '; 8 << 20];
    let code = post(&big, &[json, &auth]);
    assert!(code == "413", "{code}");
    // A gzip bomb: 64 MiB of zeros in a few dozen KB.
    let bomb = gzip_bomb();
    assert!(bomb.len() < 200 * 1024, "{}", bomb.len());
    let code = post(&bomb, &[json, &auth, "Content-Encoding: gzip"]);
    assert!(code == "413" || code == "400", "a gzip bomb got {code}");

    // Meanwhile the real kiosk checks in and syncs as ever.
    let v = headless(&c.kiosk_data, &["visitor from18_to24 sports"], &[]);
    assert_eq!(outcomes(&v), ["welcome"]);
    let status: serde_json::Value = serde_json::from_str(&stdout(&run(
        kiosk_cmd(&c.kiosk_data).args(["status", "--json"])
    )))
    .expect("status");
    assert_eq!(status["events_waiting"], 0, "{status}");
}

/// 64 MiB of zeros, gzip-compressed by the system's gzip.
fn gzip_bomb() -> Vec<u8> {
    Command::new("sh")
        .args(["-c", "head -c 67108864 /dev/zero | gzip -9"])
        .output()
        .expect("gzip")
        .stdout
}
