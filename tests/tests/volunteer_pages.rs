//! Volunteers' shifts on the hub's pages in a real browser (Debian's
//! Chromium, headless): yesterday a volunteer started a shift and never
//! scanned out, and another's end came with no start. A staff member sets
//! the first's end and leaves the second out, each with a reason; the hours
//! count, and the export opens in openpyxl with the shift.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use chrono::TimeZone;
use e2e::{Hub, add_user, http_status, hub_cmd, kiosk_cmd, run, stdout};

#[test]
fn staff_correct_a_volunteers_open_shift_in_the_browser_and_export_the_month() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "上城区青年中心"]);
    let v1 = hub(&[
        "member",
        "add",
        "--center",
        &center,
        "--name",
        "林小雨",
        "--volunteer",
    ]);
    let v2 = hub(&[
        "member",
        "add",
        "--center",
        &center,
        "--name",
        "陈思远",
        "--volunteer",
    ]);
    add_user(
        &hub_data,
        "staff-a",
        "staff",
        &format!("center:{center}"),
        "staff password a",
    );
    let code = hub(&["enroll-code", "--center", &center]);
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    let addr = server.url.trim_start_matches("http://").to_string();

    // A kiosk enrolls; yesterday's two records are sent as it sends them.
    let kiosk = dir.path().join("kiosk");
    run(kiosk_cmd(&kiosk).args(["enroll", "--hub", &server.url, "--code", &code]));
    let token: String = rusqlite::Connection::open(kiosk.join("kiosk.sqlite3"))
        .expect("kiosk db")
        .query_row("SELECT device_token FROM enrollment", [], |r| r.get(0))
        .expect("device token");
    let tz = chrono_tz::Asia::Shanghai;
    let yesterday = chrono::Utc::now().with_timezone(&tz).date_naive() - chrono::Days::new(1);
    let at = |h: u32| {
        tz.from_local_datetime(&yesterday.and_hms_opt(h, 0, 0).expect("time"))
            .single()
            .expect("local")
            .timestamp_millis()
    };
    let clock =
        |m: i64| serde_json::json!({ "boot_id": "b", "monotonic_ms": m, "synchronized": true });
    let page = serde_json::json!({ "events": [
        { "seq": 1, "at_ms": at(9), "clock": clock(1), "kind": "volunteer_in",
          "member_id": v1.parse::<u32>().expect("id"), "via": "qr_token", "activity": "四点半课堂" },
        { "seq": 2, "at_ms": at(15), "clock": clock(2), "kind": "volunteer_out",
          "member_id": v2.parse::<u32>().expect("id"), "via": "card" },
    ]})
    .to_string();
    let (status, answer) = http_status(
        &addr,
        &format!(
            "POST /api/v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
            page.len()
        ),
        Duration::from_secs(10),
    );
    assert_eq!(status, 200, "{answer}");

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    assert!(
        browser.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci --prefix tests/browser` (scripts/test.sh does)"
    );
    let month = yesterday.format("%Y-%m").to_string();
    let out = run(Command::new("node")
        .arg(browser.join("volunteers.mjs"))
        .args([&server.url, "staff-a", "staff password a", &month])
        .arg(shots.join("hub")));
    let b: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("browser JSON");

    assert_eq!(b["problems"].as_array().map(Vec::len), Some(2), "{b}");
    assert!(
        b["refused"]
            .as_str()
            .is_some_and(|m| m.contains("after the start")),
        "{b}"
    );
    assert!(
        b["none_left"]
            .as_str()
            .is_some_and(|m| m.contains("没有待核对")),
        "{b}"
    );
    assert_eq!(b["totals"][0][0], format!("林同学 ({v1})"), "{b}");
    assert_eq!(b["totals"][0][3], "2.5", "09:00 to 11:30: {b}");
    assert_eq!(b["phone_overflow"], false);
    assert_eq!(b["export_status"], 200);
    let read = stdout(&run(Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import sys,json,openpyxl; ws=openpyxl.load_workbook(sys.argv[1]).active; print(json.dumps([[c.value for c in r] for r in ws.iter_rows()], ensure_ascii=False))",
        ])
        .arg(shots.join("hub-volunteer-hours.xlsx"))));
    let rows: Vec<Vec<serde_json::Value>> = serde_json::from_str(&read).expect("rows");
    assert_eq!(rows.len(), 2, "{read}");
    assert_eq!(rows[0][0], "姓名");
    assert_eq!(rows[1][0], "林同学");
    assert_eq!(rows[1][2], "四点半课堂");
    assert_eq!(rows[1][4], "09:00");
    assert_eq!(rows[1][5], "11:30");
    assert_eq!(rows[1][6], 2.5);
    assert!(
        rows[1][7].as_str().is_some_and(|n| n.contains("忘记签退")),
        "{read}"
    );

    let log = hub(&["audit", "--json"]);
    let entries: Vec<serde_json::Value> = serde_json::from_str(&log).expect("audit JSON");
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["action"] == "shift.correct")
            .count(),
        2,
        "{log}"
    );
}
