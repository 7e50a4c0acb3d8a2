//! Activities end to end: three youths join and sign up on their phones
//! in real Chromium for an activity with two places (the third waits and
//! moves up when the first cancels); at the kiosk the ones signed up are
//! counted for it at once, the one who cancelled is asked which activity
//! they came for (the full one takes no walk-in, the other does), and the
//! hub's attendance per activity and its yardsticks equal what happened.

use std::path::Path;
use std::process::Command;

use chrono::{Datelike, Timelike};
use e2e::{Hub, add_user, headless, hub_cmd, kiosk_cmd, outcomes, run, stdout};

/// A center time zone whose next two hours stay within today, so the
/// activities below start and end on one local date whenever this runs.
fn a_time_zone_at_midday() -> (&'static str, chrono_tz::Tz) {
    [
        ("Asia/Shanghai", chrono_tz::Asia::Shanghai),
        ("Europe/London", chrono_tz::Europe::London),
        ("America/New_York", chrono_tz::America::New_York),
    ]
    .into_iter()
    .find(|(_, tz)| (1..=20).contains(&chrono::Utc::now().with_timezone(tz).hour()))
    .expect("one of three zones eight hours apart is between 01:00 and 21:00")
}

#[test]
fn signed_up_members_and_walk_ins_are_counted_for_the_activity_they_came_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_data = dir.path().join("hub");
    let kiosk_data = dir.path().join("kiosk");
    let hub = |args: &[&str]| stdout(&run(hub_cmd(&hub_data).args(args)));
    let (zone, tz) = a_time_zone_at_midday();
    let center = hub(&[
        "center",
        "add",
        "--name",
        "城东街道青年之家",
        "--time-zone",
        zone,
    ]);
    run(hub_cmd(&hub_data).args([
        "content",
        "init",
        "--root-key-out",
        &dir.path().join("root.pk8").display().to_string(),
    ]));
    // A reading club with two places, starting in a quarter of an hour
    // (members sign up until the start; the kiosk counts from half an hour
    // before), and board games without a limit, both running at the kiosk now.
    let now = chrono::Utc::now().with_timezone(&tz);
    let hhmm = |minutes: i64| {
        (now + chrono::Duration::minutes(minutes))
            .format("%H:%M")
            .to_string()
    };
    let today = now.format("%Y-%m-%d").to_string();
    let add = |title: &str, category: &str, start: i64, end: i64, capacity: Option<&str>| {
        let (start, end) = (hhmm(start), hhmm(end));
        let mut args = vec![
            "activity",
            "add",
            "--center",
            &center,
            "--title",
            title,
            "--category",
            category,
            "--date",
            &today,
            "--start",
            &start,
            "--end",
            &end,
        ];
        if let Some(c) = capacity {
            args.extend(["--capacity", c]);
        }
        hub(&args)
    };
    add_user(
        &hub_data,
        "staff-a",
        "staff",
        &format!("center:{center}"),
        "staff password a",
    );
    let read = add("读书会", "culture_learning", 15, 75, Some("2"));
    let games = add("桌游", "leisure", 5, 90, None);
    let server = Hub::start(&hub_data, "127.0.0.1:0");
    let code = hub(&["enroll-code", "--center", &center]);
    run(kiosk_cmd(&kiosk_data).args(["enroll", "--hub", &server.url, "--code", &code]));

    // Three youths join and sign up on their phones; the first cancels.
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&shots).expect("mkdir");
    let out = run(Command::new("node")
        .arg(browser.join("activity.mjs"))
        .args([
            "signup",
            &format!("{}/m/join/{center}", server.url),
            "读书会",
            &(now.year() - 20).to_string(),
        ])
        .arg(shots.join("phone-activity"))
        .arg(dir.path()));
    let b: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("browser JSON");
    assert_eq!(b["errors"], serde_json::json!([]), "no script errors: {b}");
    let youth = |i: usize, key: &str| b["youths"][i][key].as_str().unwrap_or_default().to_string();
    assert!(youth(0, "offered").contains("剩 2 个名额"), "{b}");
    assert!(youth(0, "mine").contains("已报名"), "{b}");
    assert!(youth(1, "mine").contains("已报名"), "{b}");
    assert!(
        youth(2, "mine").contains("候补第 1 位"),
        "over capacity, the third waits: {b}"
    );
    assert!(
        b["cancelled"]
            .as_str()
            .is_some_and(|s| s.contains("已取消报名")),
        "{b}"
    );
    assert!(
        b["promoted"]
            .as_str()
            .is_some_and(|s| s.contains("候补成功")),
        "the one waiting moved up and is told so: {b}"
    );
    let (first, second, third) = (youth(0, "number"), youth(1, "number"), youth(2, "number"));

    // The kiosk learns today's activities with who signed up, and its roster.
    run(kiosk_cmd(&kiosk_data).arg("sync"));
    let to_read = format!("activity:{read}");
    let to_games = format!("activity:{games}");
    let got = headless(
        &kiosk_data,
        &[
            &third,   // moved up: counted for the reading club at once
            &second,  // signed up: the same
            &first,   // cancelled: asked which activity
            &to_read, // the reading club is full: no walk-in
            &to_games,
            "visitor from18_to24 leisure", // a visitor who came to play
        ],
        &[],
    );
    assert_eq!(
        outcomes(&got),
        [
            "welcome",
            "welcome",
            "welcome",
            "refused:activity_full",
            "activity_chosen",
            "welcome"
        ],
        "{got:?}"
    );
    for signed in &got[..2] {
        assert_eq!(signed["activity"]["id"], read.as_str(), "{signed}");
        assert!(signed.get("ask").is_none(), "{signed}");
    }
    // Asked with both, by their start: the board games (no limit) and the
    // reading club (no place left).
    let asked: Vec<(&str, serde_json::Value)> = got[2]["ask"]
        .as_array()
        .expect("asked")
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap_or_default(),
                a["places_left"].clone(),
            )
        })
        .collect();
    assert_eq!(
        asked,
        [
            (games.as_str(), serde_json::Value::Null),
            (read.as_str(), serde_json::json!(0))
        ],
        "{got:?}"
    );
    assert_eq!(got[4]["activity"]["id"], games.as_str());

    // The hub counts each for what they came for: the reading club the two
    // signed up, the board games the walk-in and the visitor who came to play.
    let month = now.format("%Y-%m").to_string();
    let list = hub(&["activity", "list", "--center", &center, "--month", &month]);
    let came = |title: &str| -> u64 {
        list.lines()
            .find(|l| l.split('\t').nth(3) == Some(title))
            .and_then(|l| l.split('\t').nth(4))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{title} in {list}"))
    };
    assert_eq!((came("读书会"), came("桌游")), (2, 2), "{list}");
    let y: serde_json::Value = serde_json::from_str(&hub(&[
        "yardsticks",
        "--scope",
        &format!("center:{center}"),
        "--month",
        &month,
        "--json",
    ]))
    .expect("yardsticks JSON");
    assert_eq!(y[0]["participant_visits"], 4, "{y}");
    assert_eq!(y[0]["activities"], 2, "{y}");

    // Back on their phone, the third youth rates the reading club they came
    // to (好差评), with a word for the staff.
    let out = run(Command::new("node")
        .arg(browser.join("activity.mjs"))
        .args(["rate", &server.url])
        .arg(dir.path().join("youth-3.json"))
        .arg("读书会")
        .arg(shots.join("phone-activity")));
    let rated: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("browser JSON");
    assert_eq!(rated["errors"], serde_json::json!([]), "{rated}");
    assert_eq!(rated["violations"], serde_json::json!([]), "axe: {rated}");
    assert!(
        rated["said"]
            .as_str()
            .is_some_and(|s| s.contains("谢谢你的评价")),
        "{rated}"
    );
    assert_eq!(
        rated["rated"], "你的评价：满意 · Your rating: Good",
        "{rated}"
    );

    // Staff read on the activities page who came to each, by sign-ups:
    // both booked came to the reading club (the one who cancelled is not
    // booked); the walk-in went to the board games.
    let out = run(Command::new("node")
        .arg(browser.join("activity.mjs"))
        .args(["staff", &server.url, "staff-a", "staff password a"])
        .arg(shots.join("hub-activity")));
    let staff: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("browser JSON");
    assert_eq!(
        staff["errors"],
        serde_json::json!([]),
        "no script errors: {staff}"
    );
    let row = |title: &str| {
        staff["rows"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["title"] == title))
            .cloned()
            .unwrap_or_else(|| panic!("{title} in {staff}"))
    };
    let read_row = row("读书会");
    assert_eq!(read_row["signed"], "2 / 0", "{staff}");
    assert!(
        read_row["came"]
            .as_str()
            .is_some_and(|c| c.starts_with("2 / 2")),
        "{staff}"
    );
    assert_eq!(
        read_row["turnout"], "报名到场 2 · 现场加入 0 · 报名未到 0",
        "{staff}"
    );
    assert_eq!(
        row("桌游")["turnout"],
        "报名到场 0 · 现场加入 1 · 报名未到 0",
        "{staff}"
    );
    // And how those who came rated it, with what they wrote (no name).
    assert_eq!(read_row["rated"], "满意率 100% (1 条评价)", "{staff}");
    assert_eq!(
        read_row["comments"],
        serde_json::json!(["满意 书选得好，下次想多讨论一会儿"]),
        "{staff}"
    );
    drop(server);
}
