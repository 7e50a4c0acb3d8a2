//! A youth joins at the door with their own phone, in a real browser
//! (Debian's Chromium): the kiosk's join link, a refusal under 14 without a
//! guardian's consent, the member number and code at once, and that code
//! welcomed by a kiosk that is offline. A staff member then confirms them.

use std::path::Path;
use std::process::Command;

use chrono::Datelike;
use e2e::{Hub, add_user, headless, hub_cmd, kiosk_cmd, run, stdout};

#[test]
fn a_youth_joins_on_a_phone_and_an_offline_kiosk_welcomes_the_new_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let kiosk_data = dir.path().join("kiosk");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "城东街道青年之家"]);
    add_user(
        &hub_data,
        "staff-a",
        "staff",
        &format!("center:{center}"),
        "staff password a",
    );
    // The center publishes an activity for tomorrow with one place.
    run(hub_cmd(&hub_data).args([
        "content",
        "init",
        "--root-key-out",
        &dir.path().join("root.pk8").display().to_string(),
    ]));
    let tomorrow = (chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        + chrono::Days::new(1))
    .format("%Y-%m-%d")
    .to_string();
    hub(&[
        "activity",
        "add",
        "--center",
        &center,
        "--title",
        "桌游之夜",
        "--category",
        "leisure",
        "--date",
        &tomorrow,
        "--start",
        "19:00",
        "--end",
        "21:00",
        "--capacity",
        "1",
    ]);
    let mut server = Hub::start(&hub_data, "127.0.0.1:0");
    let code = hub(&["enroll-code", "--center", &center]);
    run(kiosk_cmd(&kiosk_data).args(["enroll", "--hub", &server.url, "--code", &code]));
    run(kiosk_cmd(&kiosk_data).arg("sync"));

    let year = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .year();
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    assert!(
        browser.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci --prefix tests/browser` (scripts/test.sh does)"
    );
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");
    // The link the kiosk's join code holds (the kiosk's own address for
    // the hub: this hub has no HUB_PUBLIC_URL).
    let join_url = format!("{}/m/join/{center}", server.url);
    let out = run(Command::new("node")
        .arg(browser.join("join.mjs"))
        .args([
            &join_url,
            &server.url,
            "staff-a",
            "staff password a",
            &(year - 12).to_string(),
            &(year - 19).to_string(),
        ])
        .arg(shots.join("phone")));
    let b: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("browser JSON");
    assert_eq!(b["errors"], serde_json::json!([]), "no script errors: {b}");
    assert_eq!(b["overflow"], false, "the form fits a phone's width: {b}");
    assert!(
        b["child_refused"]
            .as_str()
            .is_some_and(|m| m.contains("监护人")),
        "{b}"
    );
    assert_eq!(
        b["kept_name"], "王小明",
        "the refused form keeps what was typed"
    );
    let number = b["number"].as_str().expect("the member number").to_string();
    assert!(
        b["welcome"]
            .as_str()
            .is_some_and(|w| w.contains(&number) && w.contains("短信验证")),
        "{b}"
    );
    assert_eq!(b["name_shown"], "林同学");
    let waiting = b["waiting"].as_array().expect("the staff's list");
    assert_eq!(waiting.len(), 1, "only the adult joined: {b}");
    assert_eq!(waiting[0]["id"].to_string(), number);
    assert!(
        waiting[0]["cells"].to_string().contains("城东中学"),
        "staff see what the youth told: {b}"
    );
    assert_eq!(b["after_confirm_waiting"], 0, "{b}");
    assert!(
        b["offer"]
            .as_str()
            .is_some_and(|o| o.contains("桌游之夜") && o.contains("剩 1 个名额")),
        "{b}"
    );
    assert!(
        b["signed"].as_str().is_some_and(|s| s.contains("已报名")),
        "{b}"
    );
    assert!(
        b["said"].as_str().is_some_and(|s| s.contains("报名成功")),
        "{b}"
    );

    // The code on the phone's screen, read as the kiosk's scanner would.
    let code = stdout(&run(Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(shots.join("phone-joined-qr.png"))));
    assert!(code.starts_with("YC1"), "{code}");

    // The hub goes away: the kiosk welcomes the youth all the same (the
    // signed code suffices; the name follows with the roster).
    server.stop();
    let got = headless(&kiosk_data, &[code.as_str()], &["--no-final-sync"]);
    assert_eq!(got[0]["outcome"], "welcome", "{}", got[0]);
    assert_eq!(got[0]["kind"], "member", "{}", got[0]);

    // Back online: the visit reaches the hub, counted for the new member.
    let listen = server.url.trim_start_matches("http://").to_string();
    let server = Hub::start(&hub_data, &listen);
    run(kiosk_cmd(&kiosk_data).arg("sync"));
    let r = e2e::report_today(&hub_data, &center);
    assert_eq!(r["members"], 1, "{r}");
    drop(server);
    let audit = hub(&["audit", "--json"]);
    for action in ["member.join", "member.confirm"] {
        assert!(audit.contains(action), "{action}: {audit}");
    }
}
