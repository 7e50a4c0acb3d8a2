//! The ledger (台账) in a real browser (Debian's Chromium, headless): a
//! center's staff fill in the ledger form's facts on the hub's pages instead
//! of leaving them blank until someone runs `hub center set`; the rating is
//! the admins'.

use std::path::Path;
use std::process::Command;

use e2e::{Hub, add_user, hub_cmd, run, stdout};

#[test]
fn staff_fill_in_the_ledger_and_an_admin_rates_the_center_in_the_browser() {
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
    add_user(
        &hub_data,
        "staff-a",
        "staff",
        &format!("center:{center}"),
        "staff password a",
    );
    add_user(
        &hub_data,
        "city-admin",
        "admin",
        &format!("region:{city}"),
        "admin password c",
    );
    // Activities are published content: signing comes first.
    run(hub_cmd(&hub_data).args([
        "content",
        "init",
        "--root-key-out",
        &dir.path().join("root.pk8").display().to_string(),
    ]));
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    assert!(
        browser.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci --prefix tests/browser` (scripts/test.sh does)"
    );
    let out = run(Command::new("node")
        .arg(browser.join("ledger.mjs"))
        .args([
            &server.url,
            "staff-a",
            "staff password a",
            "city-admin",
            "admin password c",
            &center,
        ])
        .arg(shots.join("hub")));
    let b: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("browser JSON");

    // 序号, 名称, 负责人, 联系电话, 地址, 成立时间, 是否入驻云平台, 隶属关系, 评价等级, …
    assert_eq!(b["before"][1], "上城区青年中心", "{b}");
    assert_eq!(b["before"][2], "", "blank until filled in: {b}");
    assert_eq!(b["rating_field"], false, "nobody types the rating: {b}");
    assert_eq!(
        b["staff_evaluate"], "查看评估",
        "staff see the evaluation, they do not grade their own center: {b}"
    );
    assert!(
        b["saved"].as_str().is_some_and(|m| m.contains("已保存")),
        "{b}"
    );
    assert_eq!(b["staff_rating_status"], 403, "{b}");
    let after: Vec<&str> = b["after"]
        .as_array()
        .expect("row")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(
        &after[1..9],
        [
            "上城区青年中心",
            "张老师",
            "0571-8600 0000",
            "上城区解放路 1 号",
            "2019-05-04",
            "否",
            "城市街道团委",
            "待评"
        ],
        "{b}"
    );
    assert!(
        b["activity_refused"]
            .as_str()
            .is_some_and(|m| m.contains("before it starts")
                && m.find("早于开始时间") < m.find("before it starts")),
        "{b}"
    );
    assert_eq!(
        b["kept"],
        serde_json::json!(["学习社：读书会", "culture_learning", "18:00"]),
        "the refused form keeps what was typed: {b}"
    );
    assert_eq!(b["activities"][0][2], "学习社：读书会", "{b}");
    assert_eq!(b["activities"][0][1], "19:00–20:30");
    assert_eq!(after[9], "1", "the activity counts in the ledger: {b}");
    // Marked held, and 9 came by the staff's count.
    assert_eq!(b["corrected"][0][0], "held", "{b}");
    assert!(
        b["corrected"][0][8]
            .as_str()
            .is_some_and(|c| c.starts_with('9') && c.contains("已更正")),
        "{b}"
    );
    let audit = stdout(&run(hub_cmd(&hub_data).args(["audit", "--json"])));
    for action in ["content.publish", "activity.attendance", "activity.status"] {
        assert!(audit.contains(action), "{action} recorded: {audit}");
    }
    assert_eq!(
        after[12], "100%",
        "all of the year's activities are study club: {b}"
    );
    assert_eq!(b["phone_overflow"], false);
    // The data grade items 4 (one activity, 9 came: neither target met),
    // 5 (a person in charge), 6 (no volunteer served) and 8 (one held).
    assert_eq!(
        b["from_data"],
        serde_json::json!([["4", "较差"], ["5", "较好"], ["6", "较差"], ["8", "一般"]]),
        "{b}"
    );
    // The admin's six good: 7 good but 2 poor, so fair. Six poor: 8 poor,
    // so poor, and three months to put it right.
    assert!(
        b["all_good"]
            .as_str()
            .is_some_and(|r| r.starts_with("评价等级：一般")),
        "{b}"
    );
    assert!(
        b["all_poor"]
            .as_str()
            .is_some_and(|r| r.starts_with("评价等级：较差")),
        "{b}"
    );
    let until = (chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        + chrono::Months::new(3))
    .format("%Y-%m-%d")
    .to_string();
    assert_eq!(b["rectify"], format!("重点整顿，整改期至 {until}"), "{b}");
    assert!(
        b["rectifying"]
            .as_str()
            .is_some_and(|r| r.contains("上城区青年中心") && r.contains(&until)),
        "{b}"
    );
    // The center's settings: its region, and its time zone (admins set it).
    assert!(
        b["staff_zone"]
            .as_str()
            .is_some_and(|z| z.contains("Asia/Shanghai")),
        "{b}"
    );
    assert_eq!(b["staff_has_zone_form"], false);
    assert!(
        b["admin_region"]
            .as_str()
            .is_some_and(|r| r.contains("杭州市")),
        "{b}"
    );
    assert!(
        b["bad_zone"]
            .as_str()
            .is_some_and(|m| m.contains("unknown time zone")),
        "{b}"
    );
    assert_eq!(b["zone_after"], "Asia/Urumqi", "{b}");
    assert_eq!(b["rated"][8], "较差", "{b}");

    let log = hub(&["audit", "--json"]);
    let entries: Vec<serde_json::Value> = serde_json::from_str(&log).expect("audit JSON");
    let who: Vec<(&str, &str)> = entries
        .iter()
        .take(2)
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or(""),
                e["action"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        who,
        [
            ("city-admin", "center.time_zone"),
            ("city-admin", "center.evaluation")
        ],
        "{log}"
    );
}
