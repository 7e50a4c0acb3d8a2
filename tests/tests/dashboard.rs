//! The hub's dashboard in a real browser (Debian's Chromium, headless, driven
//! by playwright-core): a center's staff and a city's admin log in and see
//! exactly their centers' numbers, and the API refuses what is not theirs.

use std::path::Path;
use std::process::Command;

use e2e::{Hub, add_user, headless, hub_cmd, kiosk_cmd, run, stdout};

fn browse(
    url: &str,
    login: &str,
    password: &str,
    other: &str,
    shot: &Path,
    ledger: &Path,
) -> serde_json::Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci --prefix tests/browser` (scripts/test.sh does)"
    );
    let out = run(Command::new("node")
        .arg(dir.join("dashboard.mjs"))
        .args([url, login, password, other])
        .arg(shot)
        .arg(ledger));
    serde_json::from_str(&stdout(&out)).expect("browser JSON")
}

#[test]
fn staff_and_admins_see_exactly_their_centers_in_a_real_browser() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let city = hub(&["region", "add", "--name", "杭州市", "--level", "city"]);
    let a = hub(&[
        "region",
        "add",
        "--name",
        "上城区",
        "--level",
        "county",
        "--parent",
        &city,
    ]);
    let b = hub(&[
        "region",
        "add",
        "--name",
        "西湖区",
        "--level",
        "county",
        "--parent",
        &city,
    ]);
    let ca = hub(&["center", "add", "--name", "上城区青年中心", "--region", &a]);
    let cb = hub(&["center", "add", "--name", "西湖区青年中心", "--region", &b]);
    let m1 = hub(&["member", "add", "--center", &ca, "--name", "林小雨"]);
    let m2 = hub(&["member", "add", "--center", &ca, "--name", "陈思远"]);
    add_user(
        &hub_data,
        "staff-a",
        "staff",
        &format!("center:{ca}"),
        "staff password a",
    );
    add_user(
        &hub_data,
        "city-admin",
        "admin",
        &format!("region:{city}"),
        "admin password c",
    );
    hub(&[
        "center",
        "set",
        "--id",
        &ca,
        "--manager",
        "张老师",
        "--phone",
        "0571-8600 0000",
        "--affiliation",
        "城市街道团委",
        "--founded",
        "2019-05-04",
    ]);
    let today = e2e::today_in_shanghai();
    // An activity goes into the center's signed content, as the editor
    // publishes it: content signing comes first.
    run(hub_cmd(&hub_data).args([
        "content",
        "init",
        "--root-key-out",
        &dir.path().join("root.pk8").display().to_string(),
    ]));
    let club = hub(&[
        "activity",
        "add",
        "--center",
        &ca,
        "--title",
        "学习社：读书会",
        "--category",
        "culture_learning",
        "--study-club",
        "--date",
        &today,
        "--start",
        "00:00",
        "--end",
        "23:59",
    ]);
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    // Both members say at the kiosk that they came for the reading club.
    let for_club = format!("activity:{club}");
    for (center, data, lines) in [
        (
            &ca,
            dir.path().join("ka"),
            vec![
                m1.as_str(),
                &for_club,
                m2.as_str(),
                &for_club,
                "visitor over35 sports",
            ],
        ),
        (&cb, dir.path().join("kb"), vec!["visitor under14 leisure"]),
    ] {
        let code = hub(&["enroll-code", "--center", center]);
        run(kiosk_cmd(&data).args(["enroll", "--hub", &server.url, "--code", &code]));
        // The kiosk learns today's activities before the first youth.
        run(kiosk_cmd(&data).arg("sync"));
        let got = headless(&data, &lines, &[]);
        assert_eq!(got.len(), lines.len());
        assert!(got.iter().all(|o| o["outcome"] != "refused"), "{got:?}");
    }
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");

    let staff = browse(
        &server.url,
        "staff-a",
        "staff password a",
        &cb,
        &shots.join("hub-dashboard-staff.png"),
        &dir.path().join("staff-ledger"),
    );
    assert_eq!(staff["sent_to_login"], "/login");
    assert!(
        staff["wrong_message"]
            .as_str()
            .is_some_and(|m| m.contains("账号或密码不正确")),
        "{staff}"
    );
    assert_eq!(
        staff["centers"],
        serde_json::json!([ca.parse::<u64>().expect("id")])
    );
    assert_eq!(staff["tiles"]["today"], 3, "{staff}");
    assert_eq!(staff["tiles"]["members"], 2);
    assert_eq!(staff["tiles"]["visitors"], 1);
    assert_eq!(staff["tiles"]["new"], 2);
    assert!(
        staff["chart_bars"].as_u64().is_some_and(|n| n > 30),
        "{staff}"
    );
    assert_eq!(
        staff["other_report_status"], 403,
        "another county's center is refused"
    );
    assert_eq!(staff["api_today"], 3);
    // Plain words: members who came, as against members newly registered.
    let labels = staff["tile_labels"].to_string();
    assert!(
        labels.contains("本月来访会员") && labels.contains("本月新登记会员"),
        "{labels}"
    );
    // Today is in the running month: a yardstick not yet reached is
    // progress, never a red failure.
    let marks = staff["yardstick_marks"].to_string();
    assert!(!marks.contains("below"), "{marks}");
    assert!(marks.contains("progress"), "{marks}");
    let english = staff["english_tiles"].to_string();
    assert!(english.contains("Members who came this month"), "{english}");
    assert!(
        !english
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "one language at a time: {english}"
    );
    assert_eq!(staff["phone_overflow"], false, "the overview fits a phone");
    // The center's day: three visits, members by display name only.
    assert_eq!(staff["day_total"], 3, "{staff}");
    let day = staff["day_visits"].to_string();
    assert!(day.contains("林同学") && day.contains("陈同学"), "{day}");
    assert!(!day.contains("林小雨"), "never a full name: {day}");
    assert_eq!(staff["after_logout"], "/login");
    assert_eq!(staff["api_after_logout"], 401);

    let admin = browse(
        &server.url,
        "city-admin",
        "admin password c",
        &cb,
        &shots.join("hub-dashboard-city.png"),
        &dir.path().join("city-ledger"),
    );
    assert_eq!(
        admin["centers"],
        serde_json::json!([
            ca.parse::<u64>().expect("id"),
            cb.parse::<u64>().expect("id")
        ])
    );
    assert_eq!(admin["tiles"]["today"], 4, "{admin}");
    assert_eq!(admin["other_report_status"], 200);
    assert_eq!(admin["yardstick_rows"], 2);
    assert_eq!(
        (staff["fleet_rows"].as_u64(), admin["fleet_rows"].as_u64()),
        (Some(1), Some(2))
    );
    // The activity held today, with the members who came for it; the
    // visitor came for sports, not for a reading club.
    let acts = staff["activities"].as_array().expect("activities");
    assert_eq!(acts.len(), 1, "{staff}");
    assert!(
        acts[0]
            .as_str()
            .is_some_and(|t| t.contains("学习社：读书会") && t.ends_with('2')),
        "{staff}"
    );
    // Each kiosk told the hub its version and that nothing waits on it.
    for d in admin["fleet"].as_array().expect("fleet") {
        assert_eq!(d["software_version"], env!("CARGO_PKG_VERSION"), "{d}");
        assert_eq!(d["waiting"], 0, "{d}");
        assert!(!d["alerts"].to_string().contains("offline"), "{d}");
    }
    assert_eq!(staff["yardstick_rows"], 1);

    // The ledgers the page's links download open in real readers: the
    // workbook in openpyxl (Debian's, under the system Python), the CSV in
    // Python's csv module; each holds the user's centers only.
    let read_xlsx = "import json,sys,openpyxl; ws=openpyxl.load_workbook(sys.argv[1]).active; \
        print(json.dumps([[c for c in r] for r in ws.iter_rows(values_only=True)], ensure_ascii=False, default=str))";
    let rows: Vec<Vec<serde_json::Value>> =
        serde_json::from_str(&stdout(&run(Command::new("/usr/bin/python3")
            .args(["-c", read_xlsx])
            .arg(dir.path().join("city-ledger.xlsx")))))
        .expect("xlsx rows");
    assert!(
        rows[0][0]
            .as_str()
            .is_some_and(|t| t.starts_with("青年中心台账统计表"))
    );
    assert_eq!(rows[2][1], "青年中心名称");
    assert_eq!(rows[3][1], "上城区青年中心");
    assert_eq!(rows[3][2], "张老师");
    assert_eq!(rows[3][7], "城市街道团委");
    assert_eq!(rows[3][6], "是", "it has a kiosk: on the cloud platform");
    assert_eq!(
        rows[3][10], 2,
        "participant-visits this month (the two who came for the reading club), as a number"
    );
    assert_eq!(rows[4][1], "西湖区青年中心");
    assert_eq!(rows.len(), 5);
    let read_csv = "import csv,json,sys; print(json.dumps(list(csv.reader(open(sys.argv[1], encoding='utf-8-sig'))), ensure_ascii=False))";
    let rows: Vec<Vec<String>> = serde_json::from_str(&stdout(&run(Command::new("python3")
        .args(["-c", read_csv])
        .arg(dir.path().join("staff-ledger.csv")))))
    .expect("csv rows");
    assert_eq!(
        rows.len(),
        2,
        "the staff user's ledger has their center only: {rows:?}"
    );
    assert_eq!(rows[1][1], "上城区青年中心");
    assert_eq!(rows[1][9], "1", "one activity this month");
}
