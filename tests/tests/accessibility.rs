//! The hub's pages for staff and admins against axe-core's WCAG 2.1 A and
//! AA rules, in a real browser (Debian's Chromium, headless), in Chinese on
//! an office screen and in English on a phone: no violation at all.

use std::path::Path;
use std::process::Command;

use e2e::{Hub, add_user, headless, hub_cmd, kiosk_cmd, run, stdout};

#[test]
fn every_staff_and_admin_page_passes_axe_in_both_languages_and_sizes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let city = hub(&["region", "add", "--name", "杭州市", "--level", "city"]);
    let center = hub(&[
        "center",
        "add",
        "--name",
        "上城区青年中心",
        "--region",
        &city,
    ]);
    let member = hub(&[
        "member",
        "add",
        "--center",
        &center,
        "--name",
        "林小雨",
        "--volunteer",
    ]);
    add_user(
        &hub_data,
        "city-admin",
        "admin",
        &format!("region:{city}"),
        "admin password c",
    );
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    let code = hub(&["enroll-code", "--center", &center]);
    let kiosk = dir.path().join("kiosk");
    run(kiosk_cmd(&kiosk).args(["enroll", "--hub", &server.url, "--code", &code]));
    let lines = [member.as_str(), "visitor from18_to24 sports"];
    assert_eq!(headless(&kiosk, &lines, &[]).len(), 2);

    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    assert!(
        browser.join("node_modules/axe-core").exists(),
        "axe-core is missing: run `npm ci --prefix tests/browser` (scripts/test.sh does)"
    );
    let pages = [
        "/".to_string(),
        "/members".into(),
        "/activities".into(),
        "/volunteers".into(),
        "/kiosks".into(),
        "/ledger".into(),
        format!("/centers/{center}/ledger"),
        format!("/centers/{center}/day"),
        format!("/centers/{center}/evaluation"),
        "/users".into(),
        "/regions".into(),
        "/audit".into(),
        "/tickets".into(),
        // The content editors, a center's and a level's (with the services
        // every center below it offers).
        format!("/content/{center}"),
        format!("/content/region/{city}"),
    ];
    let out = run(Command::new("node")
        .arg(browser.join("a11y.mjs"))
        .args([&server.url, "city-admin", "admin password c"])
        .args(&pages));
    let b: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("browser JSON");
    let checked = b.as_object().expect("pages");
    assert_eq!(checked.len(), pages.len() * 2, "{b}");
    let mut found = Vec::new();
    for (page, result) in checked {
        assert_eq!(result["status"], 200, "{page}: {result}");
        for v in result["violations"].as_array().into_iter().flatten() {
            found.push(format!("{page}: {v}"));
        }
    }
    assert!(found.is_empty(), "axe-core found:\n{}", found.join("\n"));
}
