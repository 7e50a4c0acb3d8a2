//! "The next card tapped at kiosk X": a staff member asks for it on the
//! hub's members page (Debian's Chromium, headless); the kiosk learns it at
//! its next sync, binds the card tapped next to that member, and from then
//! on the card checks the member in; the hub has the binding and the
//! request is done.

use std::path::Path;
use std::process::Command;

use e2e::{Hub, add_user, headless, hub_cmd, kiosk_cmd, run, stdout};

#[test]
fn a_card_nobody_can_read_is_bound_by_tapping_it_at_the_kiosk_staff_chose() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let center = hub(&["center", "add", "--name", "上城区青年中心"]);
    let member = hub(&["member", "add", "--center", &center, "--name", "林小雨"]);
    add_user(
        &hub_data,
        "staff-a",
        "staff",
        &format!("center:{center}"),
        "staff password a",
    );
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    let code = hub(&["enroll-code", "--center", &center]);
    let kiosk = dir.path().join("kiosk");
    run(kiosk_cmd(&kiosk).args([
        "enroll",
        "--hub",
        &server.url,
        "--code",
        &code,
        "--name",
        "门口签到机",
    ]));
    // Before any request, an unknown card is refused.
    let got = headless(&kiosk, &["card:04A1B2C3"], &[]);
    assert_eq!(got[0]["outcome"], "refused", "{got:?}");

    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    assert!(
        browser.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci --prefix tests/browser` (scripts/test.sh does)"
    );
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");
    let out = run(Command::new("node")
        .arg(browser.join("bind-next.mjs"))
        .args([&server.url, "staff-a", "staff password a"])
        .arg(shots.join("hub-members-bind-next.png")));
    let b: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("browser JSON");
    assert_eq!(b["kiosks"], serde_json::json!(["门口签到机"]), "{b}");
    assert!(
        b["waiting"].as_str().is_some_and(|w| w.contains("10 分钟")),
        "{b}"
    );

    // The kiosk's next sync brings the request; the next card tapped is
    // bound; then it checks the member in.
    run(kiosk_cmd(&kiosk).arg("sync"));
    let got = headless(&kiosk, &["card:04A1B2C3", "card:04A1B2C3"], &[]);
    assert_eq!(got[0]["outcome"], "card_bound", "{got:?}");
    assert_eq!(got[0]["name"], "林同学");
    assert_eq!(got[1]["outcome"], "welcome", "{got:?}");
    assert_eq!(got[1]["name"], "林同学");
    // The hub has the binding, and the request is done: another card is
    // refused as unknown, not bound.
    run(kiosk_cmd(&kiosk).arg("sync"));
    let got = headless(&kiosk, &["card:0455667788"], &[]);
    assert_eq!(got[0]["outcome"], "refused", "{got:?}");
    let log = hub(&["audit", "--json"]);
    assert!(log.contains("member.card_next_tap"), "{log}");
    let _ = member;
}
