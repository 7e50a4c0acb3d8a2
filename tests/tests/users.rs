//! Users and regions in a real browser (Debian's Chromium, headless, driven
//! by playwright-core): a county's admin adds a staff user who logs in and
//! works, disables them (their session ends on the spot), adds a town and
//! moves a center into it; the staff are refused the admins' pages.

use std::path::Path;
use std::process::Command;

use e2e::{Hub, add_user, hub_cmd, run, stdout};

#[test]
fn a_county_admin_adds_a_staff_user_who_logs_in_and_is_disabled_in_the_browser() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let city = hub(&["region", "add", "--name", "杭州市", "--level", "city"]);
    let county = hub(&[
        "region",
        "add",
        "--name",
        "上城区",
        "--level",
        "county",
        "--parent",
        &city,
    ]);
    let center = hub(&[
        "center",
        "add",
        "--name",
        "上城区青年中心",
        "--region",
        &county,
    ]);
    add_user(
        &hub_data,
        "county-admin",
        "admin",
        &format!("region:{county}"),
        "admin password c",
    );
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    assert!(
        browser.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci --prefix tests/browser` (scripts/test.sh does)"
    );
    let out = run(Command::new("node")
        .arg(browser.join("users.mjs"))
        .args([&server.url, "county-admin", "admin password c", &center])
        .arg(shots.join("hub")));
    let b: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("browser JSON");

    assert_eq!(
        b["nav"],
        serde_json::json!([
            "概览",
            "会员",
            "活动",
            "志愿者",
            "签到机",
            "内容",
            "台账",
            "留言",
            "用户",
            "区域",
            "操作记录"
        ]),
        "{b}"
    );
    assert!(b["weak"].as_str().is_some_and(|w| !w.is_empty()), "{b}");
    assert_eq!(
        b["users"],
        serde_json::json!(["county-admin", "staff-new"]),
        "{b}"
    );
    assert!(
        b["staff_members_heading"]
            .as_str()
            .is_some_and(|h| h.contains("上城区青年中心")),
        "{b}"
    );
    assert_eq!(
        b["staff_nav"],
        serde_json::json!([
            "概览",
            "会员",
            "活动",
            "志愿者",
            "签到机",
            "内容",
            "台账",
            "留言"
        ])
    );
    assert_eq!(
        (
            b["staff_users_page"].clone(),
            b["staff_regions_page"].clone()
        ),
        (403.into(), 403.into())
    );
    assert_eq!(b["state_after"], "已停用", "{b}");
    assert_eq!(b["staff_after_disable"], "/login", "the session ended: {b}");
    assert_eq!(
        b["regions"],
        serde_json::json!(["上城区", "湖滨街道"]),
        "{b}"
    );
    assert_eq!(b["center_region"], "— 湖滨街道", "{b}");
    assert_eq!(
        (
            b["phone_overflow"].clone(),
            b["users_phone_overflow"].clone()
        ),
        (false.into(), false.into()),
        "{b}"
    );

    // The record holds each change, by whom; never a password.
    let log = hub(&["audit", "--json"]);
    let entries: Vec<serde_json::Value> = serde_json::from_str(&log).expect("audit JSON");
    let what: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or(""),
                e["action"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        &what[..4],
        [
            ("county-admin", "center.place"),
            ("county-admin", "region.add"),
            ("county-admin", "user.disable"),
            ("county-admin", "user.add"),
        ],
        "{log}"
    );
    assert!(!log.contains("a first password 7"));
}
