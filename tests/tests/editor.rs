//! The hub's content editor in a real browser (Debian's Chromium, headless,
//! driven by playwright-core): a center's staff member edits the center's
//! content, sees the kiosk preview follow, is told in plain words what a
//! kiosk would refuse, publishes with a new logo, and the center's kiosk
//! shows exactly that after its next sync. Another center's editor stays shut.

use std::path::Path;
use std::process::Command;

use e2e::{Hub, add_user, hub_cmd, kiosk_cmd, run, stdout};

#[test]
fn a_staff_member_edits_previews_and_publishes_content_that_the_kiosk_then_shows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let kiosk = dir.path().join("kiosk");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let ca = hub(&["center", "add", "--name", "城东街道青年之家"]);
    let cb = hub(&["center", "add", "--name", "西湖区青年中心"]);
    run(hub_cmd(&hub_data).args([
        "content",
        "init",
        "--root-key-out",
        &dir.path().join("root.pk8").display().to_string(),
    ]));
    add_user(
        &hub_data,
        "staff-a",
        "staff",
        &format!("center:{ca}"),
        "staff password a",
    );
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    let code = hub(&["enroll-code", "--center", &ca]);
    run(kiosk_cmd(&kiosk).args(["enroll", "--hub", &server.url, "--code", &code]));

    // The new logo: a picture the kiosk has never seen.
    let logo = dir.path().join("new-logo.png");
    image::RgbaImage::from_fn(96, 96, |x, y| {
        image::Rgba([0x1e, (x * 2) as u8, (y * 2) as u8, 0xff])
    })
    .save(&logo)
    .expect("logo");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    assert!(
        browser.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci --prefix tests/browser` (scripts/test.sh does)"
    );
    let out = run(Command::new("node")
        .arg(browser.join("editor.mjs"))
        .args([&server.url, "staff-a", "staff password a", &ca])
        .arg(&logo)
        .arg(shots.join("hub-content-editor.png"))
        .arg(&cb));
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("browser JSON");

    assert_eq!(r["errors"], serde_json::json!([]), "no script errors: {r}");
    assert_eq!(r["sent_to_login"], "/login");
    // A center that never published starts from the default content.
    assert_eq!(r["version_before"], "—");
    assert_eq!(r["name_before"], "城东街道青年之家");
    assert_eq!(r["preview_name_before"], "城东街道青年之家");
    // The preview follows the form: the day's announcement only, the
    // activity with its places and sign-up, the emergency notice.
    let p = &r["preview"];
    assert_eq!(p["name"], "城西社区青年之家", "{r}");
    assert!(
        p["emergency"]
            .as_str()
            .is_some_and(|e| e.contains("暴雨预警")),
        "{r}"
    );
    assert!(
        p["notice"]
            .as_str()
            .is_some_and(|n| n.contains("欢迎来到") || n.contains("志愿者培训")),
        "{r}"
    );
    assert!(
        !p["notice"].as_str().unwrap_or_default().contains("明年"),
        "{r}"
    );
    let acts = p["activities"].as_array().expect("activities");
    assert!(
        acts.iter().any(|a| {
            let a = a.as_str().unwrap_or_default();
            a.contains("三人篮球赛") && a.contains("限 24 人") && a.contains("扫码报名")
        }),
        "{r}"
    );
    assert_eq!(r["preview_en_name"], "Chengxi Youth Home");
    // Ends before it starts: said in words at check and at publish, in
    // Chinese first, naming the activity; nothing signed.
    for key in ["check_error", "publish_error"] {
        assert!(
            r[key]
                .as_str()
                .is_some_and(|e| e.contains("before it starts")
                    && e.contains("的结束时间")
                    && e.find("早于开始时间") < e.find("before it starts")),
            "{key}: {r}"
        );
    }
    assert_eq!(r["version_after_refusal"], "—");
    assert!(
        r["check_ok"].as_str().is_some_and(|s| s.contains("Ready")),
        "{r}"
    );
    assert!(
        r["published"]
            .as_str()
            .is_some_and(|s| s.contains("Published version")),
        "{r}"
    );
    let version: u64 = r["version_after"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .expect("a version number");
    // What the hub signed is what the form said.
    let c = &r["published_json"];
    assert_eq!(c["center"]["name"]["zh"], "城西社区青年之家");
    assert_eq!(c["center"]["logo"], "logo.png");
    assert_eq!(c["activities"].as_array().map(Vec::len), Some(1), "{c}");
    assert_eq!(c["activities"][0]["capacity"], 24);
    assert_eq!(c["activities"][0]["study_club"], true, "{c}");
    // A service's details: the one typed, and those the form was given kept.
    assert_eq!(c["services"][0]["hours"]["zh"], "每周一 19:00–20:30", "{c}");
    assert_eq!(c["services"][2]["place"]["zh"], "一楼服务台", "{c}");
    assert_eq!(
        c["services"][2]["steps"].as_array().map(Vec::len),
        Some(3),
        "{c}"
    );
    // The hub gave the activity its id, and a second publish keeps it.
    let id = c["activities"][0]["id"].as_str().expect("an activity id");
    assert!(id.starts_with("a-"), "{id}");
    assert_eq!(r["republished_json"]["activities"][0]["id"], id, "{r}");
    // What the center published is what the hub counts: today's activity
    // is one of the month's, a study club one.
    let y: serde_json::Value = serde_json::from_str(&hub(&[
        "yardsticks",
        "--scope",
        &format!("center:{ca}"),
        "--json",
    ]))
    .expect("yardsticks JSON");
    assert_eq!(y[0]["activities"], 1, "{y}");
    assert_eq!(y[0]["study_club_this_year"], 1, "{y}");
    assert_eq!(c["activities"][0]["end"], "21:00");
    assert_eq!(
        c["activities"][0]["signup_url"],
        "https://example.org/signup/42"
    );
    assert_eq!(c["announcements"][2]["from"], "2099-01-01", "{c}");
    let picture = c["activities"][0]["picture"]
        .as_str()
        .expect("the activity's picture")
        .to_string();
    assert!(
        picture.starts_with("activity-") && picture.ends_with(".png"),
        "{picture}"
    );
    assert!(
        c["emergency"]["zh"]
            .as_str()
            .is_some_and(|e| e.contains("暴雨预警"))
    );
    // Opened again: the published content, with its logo.
    assert_eq!(r["name_reloaded"], "城西社区青年之家");
    assert_eq!(r["logo_reloaded"], 96, "{r}");
    // Another center's editor and API stay shut; no token, no publish.
    assert_eq!(r["other_page_status"], 403);
    assert_eq!(r["other_put_status"], 403);
    assert_eq!(r["no_token_status"], 403);

    // The center's kiosk shows it after its next sync, new logo and all
    // (the version the editor published the second time, unchanged).
    run(kiosk_cmd(&kiosk)
        .arg("sync")
        .env("KIOSK_CLOCK_SYNCHRONIZED", "1"));
    let status = e2e::kiosk_status(&kiosk);
    assert_eq!(status["content_version"], version + 1, "{status}");
    let bundle = |v: &serde_json::Value| {
        serde_json::from_value::<protocol::content::Bundle>(v.clone()).expect("a bundle")
    };
    assert_eq!(
        bundle(&r["republished_json"]),
        bundle(c),
        "the second publish changed nothing"
    );
    assert!(status["content_error"].is_null(), "{status}");
    let shown: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(kiosk.join("content/current/content.json")).expect("current"),
    )
    .expect("json");
    assert_eq!(&shown, &r["republished_json"]);
    assert_eq!(
        std::fs::read(kiosk.join("content/current/logo.png")).expect("logo on the kiosk"),
        std::fs::read(&logo).expect("logo")
    );
    assert_eq!(
        std::fs::read(kiosk.join("content/current").join(&picture)).expect("picture on the kiosk"),
        std::fs::read(&logo).expect("picture")
    );
}

#[test]
fn a_city_admin_publishes_a_city_wide_warning_that_every_center_below_shows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let kiosk = dir.path().join("kiosk");
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
        "城东街道青年之家",
        "--region",
        &county,
    ]);
    run(hub_cmd(&hub_data).args([
        "content",
        "init",
        "--root-key-out",
        &dir.path().join("root.pk8").display().to_string(),
    ]));
    add_user(
        &hub_data,
        "city-admin",
        "admin",
        &format!("region:{city}"),
        "admin password c",
    );
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    let code = hub(&["enroll-code", "--center", &center]);
    run(kiosk_cmd(&kiosk).args(["enroll", "--hub", &server.url, "--code", &code]));
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");
    let out = run(Command::new("node")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("browser/region-editor.mjs"))
        .args([&server.url, "city-admin", "admin password c"])
        .arg(shots.join("hub-region-editor.png")));
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("browser JSON");
    assert_eq!(r["errors"], serde_json::json!([]), "{r}");
    assert_eq!(r["name"], "杭州市");
    // A level edits its name, notices and activities, and the services and
    // service process of every center below it.
    assert_eq!(
        r["sections"],
        serde_json::json!([
            "center",
            "emergency",
            "announcements",
            "activities",
            "region-services",
            "process",
            "services"
        ]),
        "{r}"
    );
    assert!(
        r["preview_emergency"]
            .as_str()
            .is_some_and(|e| e.contains("台风预警")),
        "{r}"
    );
    let version: u64 = r["version"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .expect("a version");
    let c = &r["published_json"];
    assert_eq!(c["name"]["zh"], "杭州市", "{c}");
    assert_eq!(c["announcements"][0]["text"]["zh"], "全市青年志愿者招募");
    assert!(c.get("center").is_none(), "a region bundle: {c}");
    assert_eq!(c["services"][0]["title"]["zh"], "青年驿站", "{c}");
    assert_eq!(c["services"][0]["place"]["zh"], "一楼服务台", "{c}");
    assert_eq!(c["services"][0]["steps"][0]["zh"], "出示身份证", "{c}");
    assert_eq!(c["service_process"][0]["zh"], "扫码签到", "{c}");

    // The center below the county below the city shows it after its next sync.
    run(kiosk_cmd(&kiosk)
        .arg("sync")
        .env("KIOSK_CLOCK_SYNCHRONIZED", "1"));
    let status = e2e::kiosk_status(&kiosk);
    assert_eq!(status["content_version"], version, "{status}");
    assert!(status["content_error"].is_null(), "{status}");
    let shown: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(kiosk.join(format!("content/current/region-{city}-content.json")))
            .expect("the city's content on the kiosk"),
    )
    .expect("json");
    let mut content = c.clone();
    let services = content
        .as_object_mut()
        .map(|o| {
            serde_json::json!({
                "services": o.remove("services"),
                "service_process": o.remove("service_process"),
            })
        })
        .expect("an object");
    assert_eq!(shown, content);
    // Its services beside it, in a file of their own.
    let shown: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            kiosk.join(format!("content/current/region-{city}-services.json")),
        )
        .expect("the city's services on the kiosk"),
    )
    .expect("json");
    assert_eq!(shown, services);
}
