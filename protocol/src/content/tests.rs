use super::*;

fn minimal() -> Bundle {
    Bundle::parse(r#"{"format": 1, "center": {"name": "城西青年之家"}}"#).expect("minimal")
}

#[test]
fn a_rooms_slot_is_listed_apart_from_the_days_activities() {
    let b = Bundle::parse(
        r#"{"format": 1, "center": {"name": "城西青年之家"}, "activities": [
            {"title": "咨询室", "category": "rights_protection", "days": ["tue"],
             "start": "14:00", "end": "15:00", "place": "三楼", "room": true},
            {"title": "读书会", "category": "culture_learning", "days": ["tue"],
             "start": "19:00", "end": "20:00", "place": "二楼"}
        ]}"#,
    )
    .expect("bundle");
    let tuesday = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
    let titles =
        |list: Vec<&Activity>| -> Vec<String> { list.iter().map(|a| a.title.zh.clone()).collect() };
    assert_eq!(titles(b.activities_on(tuesday)), ["读书会"]);
    assert_eq!(titles(b.room_slots_on(tuesday)), ["咨询室"]);
    // Written back, the flag stays; an activity's is left out.
    let json = serde_json::to_value(&b.activities).expect("json");
    assert_eq!(json[0]["room"], true);
    assert!(json[1].get("room").is_none());
}

fn activity(extra: &str) -> String {
    format!(
        r#"{{"format": 1, "center": {{"name": "c"}}, "activities": [{{"title": "读书会",
           "category": "culture_learning", "start": "19:00", "end": "20:00", "place": "二楼"{extra}}}]}}"#
    )
}

#[test]
fn a_service_says_where_when_and_how_and_the_levels_set_services_for_every_center() {
    let mut b = Bundle::parse(
        r#"{"format": 1, "center": {"name": "c"}, "services": [
            {"category": "employment", "title": "就业指导", "place": "二楼",
             "hours": "周三 14:00–17:00", "steps": ["预约", "到场"], "ask": "前台"}
        ]}"#,
    )
    .expect("a service with its details");
    let s = &b.services[0];
    assert_eq!(s.place.zh, "二楼");
    assert_eq!(s.steps.len(), 2);
    // Written back, the details stay; a service without them has none.
    let again = Bundle::parse(&serde_json::to_string(&b).expect("write")).expect("reparse");
    assert_eq!(again, b);
    let plain = serde_json::to_value(Service::new(
        ServiceCategory::Employment,
        Text::new("简历门诊", ""),
    ))
    .expect("json");
    assert_eq!(plain.as_object().map(|o| o.len()), Some(2), "{plain}");

    let city = RegionServices::parse(
        r#"{"services": [
            {"category": "employment", "title": "就业指导"},
            {"category": "league_affairs", "title": "团员报到"}],
           "service_process": ["签到", "咨询"]}"#,
    )
    .expect("a city's services");
    let town = RegionServices::parse(r#"{"service_process": ["登记"]}"#).expect("a town's");
    b.merge_regions_with(&[], &[town, city]);
    let titles: Vec<&str> = b.services.iter().map(|s| s.title.zh.as_str()).collect();
    assert_eq!(
        titles,
        ["就业指导", "团员报到"],
        "the center's own first, once"
    );
    assert_eq!(
        b.services[0].place.zh, "二楼",
        "the center's own details stand"
    );
    assert_eq!(
        b.center.service_process[0].zh, "登记",
        "the nearest level's process"
    );

    let blank = RegionServices::parse(
        r#"{"services": [{"category": "employment", "title": {"zh": "", "en": "Jobs"}}]}"#,
    )
    .expect_err("a service without a Chinese title");
    assert!(blank.to_string().contains("中文名称"), "{blank}");
    let long = "很".repeat(MAX_TEXT_CHARS + 1);
    let e = Bundle::parse(&format!(
        r#"{{"format": 1, "center": {{"name": "c"}}, "services": [
            {{"category": "employment", "title": "就业指导", "steps": ["{long}"]}}]}}"#
    ))
    .expect_err("a step too long");
    assert!(e.to_string().contains("服务“就业指导”的第 1 步"), "{e}");
}

#[test]
fn a_bundle_written_back_reads_the_same() {
    let json =
        activity(r#", "days": ["tue"], "capacity": 20, "signup_url": "https://example.org/s/1""#);
    let b = Bundle::parse(&json).expect("parse");
    let again = Bundle::parse(&serde_json::to_string(&b).expect("write")).expect("reparse");
    assert_eq!(b, again);
    assert_eq!(again.activities[0].capacity, Some(20));
    let with_picture = activity(r#", "days": ["tue"], "picture": "club.jpg""#)
        .replace(r#""name": "c""#, r#""name": "c", "logo": "club.jpg""#);
    let b = Bundle::parse(&with_picture).expect("picture");
    assert_eq!(b.pictures(), ["club.jpg"], "named twice, listed once");
    assert_eq!(minimal().center.name.get(true), "城西青年之家");
}

#[test]
fn an_activity_needs_a_chinese_title_and_ids_of_its_own() {
    let blank = activity(r#", "days": ["tue"]"#).replace(
        r#""title": "读书会""#,
        r#""title": {"zh": " ", "en": "Reading"}"#,
    );
    let e = Bundle::parse(&blank).expect_err("a blank Chinese title");
    assert!(e.to_string().contains("title in Chinese"), "{e}");
    let bad_id = activity(r#", "days": ["tue"], "id": "a b""#);
    assert!(Bundle::parse(&bad_id).is_err());
    let good = Bundle::parse(&activity(
        r#", "days": ["tue"], "id": "a-k3x9", "study_club": true"#,
    ))
    .expect("an id and the study club");
    assert_eq!(good.activities[0].id.as_deref(), Some("a-k3x9"));
    assert!(good.activities[0].study_club);
}

#[test]
fn what_a_kiosk_could_not_show_is_refused_in_words() {
    for (extra, expect) in [
        (
            r#", "days": ["tue"], "signup_url": "javascript:alert(1)""#,
            "must start with https://",
        ),
        (
            r#", "days": ["tue"], "signup_url": "https://""#,
            "names no site",
        ),
        (r#", "days": ["tuesday"]"#, "is not one of mon…sun"),
        ("", "give the days it recurs on or its date"),
        (r#", "days": ["tue"], "capacity": 0"#, "a capacity of 0"),
        (
            r#", "days": ["tue"], "picture": "../x.png""#,
            "plain file name",
        ),
    ] {
        let e = Bundle::parse(&activity(extra)).expect_err(extra);
        assert!(e.0.contains(expect), "{extra}: {e}");
    }
    let long = format!(
        r#", "days": ["tue"], "signup_url": "https://example.org/{}""#,
        "a".repeat(MAX_LINK_CHARS)
    );
    assert!(Bundle::parse(&activity(&long)).is_err());
    let backwards = activity(r#", "days": ["tue"]"#).replace("\"20:00\"", "\"18:00\"");
    assert!(
        Bundle::parse(&backwards)
            .expect_err("ends first")
            .0
            .contains("before it starts")
    );
    let escape = r#"{"format": 1, "center": {"name": "c", "logo": "../../etc/shadow"}}"#;
    assert!(
        Bundle::parse(escape)
            .expect_err("escape")
            .0
            .contains("plain file name")
    );
    let unnamed = r#"{"format": 1, "center": {"name": " "}}"#;
    assert!(Bundle::parse(unnamed).is_err());
    let format2 = r#"{"format": 2, "center": {"name": "c"}}"#;
    assert!(
        Bundle::parse(format2)
            .expect_err("format")
            .0
            .contains("format 2")
    );
    let window = r#"{"format": 1, "center": {"name": "c"}, "announcements": [
        {"text": "x", "from": "2026-12-02", "until": "2026-12-01"}]}"#;
    assert!(
        Bundle::parse(window)
            .expect_err("window")
            .0
            .contains("before it starts")
    );
}

#[test]
fn a_center_shows_its_levels_notices_after_its_own_and_the_widest_emergency_first() {
    let mut b = Bundle::parse(
        r#"{"format": 1, "center": {"name": "城东街道青年之家"},
            "announcements": [{"text": "本中心通知"}],
            "emergency": {"zh": "本中心停水", "en": "No water here"}}"#,
    )
    .expect("center");
    let city = RegionBundle::parse(
        r#"{"format": 1, "name": "杭州市",
            "emergency": {"zh": "台风预警", "en": "Typhoon warning"},
            "announcements": [{"text": "全市青年节活动"}],
            "activities": [{"title": "全市篮球赛", "category": "sports", "date": "2026-11-25",
                            "start": "19:00", "end": "21:00", "place": "体育馆"}]}"#,
    )
    .expect("city");
    let county = RegionBundle::parse(
        r#"{"format": 1, "name": "上城区", "announcements": [{"text": "区通知"}]}"#,
    )
    .expect("county");
    b.merge_regions(&[county, city]);
    let notices: Vec<&str> = b.announcements.iter().map(|a| a.text.zh.as_str()).collect();
    assert_eq!(notices, ["本中心通知", "区通知", "全市青年节活动"]);
    let e = b.emergency.as_ref().expect("emergency");
    assert_eq!(e.zh, "台风预警　本中心停水");
    assert_eq!(e.en, "Typhoon warning　No water here");
    let day = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    assert_eq!(b.activities_on(day).len(), 1);
    // A level with nothing urgent adds no bar.
    let mut quiet = minimal();
    quiet.merge_regions(&[RegionBundle::parse(r#"{"format": 1, "name": "x"}"#).expect("x")]);
    assert!(quiet.emergency.is_none());
    // A region's file is checked as strictly as a center's.
    assert!(RegionBundle::parse(r#"{"format": 1, "name": ""}"#).is_err());
    assert!(RegionBundle::parse(r#"{"format": 1, "name": "x", "services": []}"#).is_err());
}

#[test]
fn an_announcement_shows_within_its_window_only() {
    let b = Bundle::parse(
        r#"{"format": 1, "center": {"name": "c"}, "announcements": [
            {"text": "always"},
            {"text": "december", "from": "2026-12-01", "until": "2026-12-31"}]}"#,
    )
    .expect("parse");
    let on = |d: &str| -> Vec<String> {
        let date = NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date");
        b.announcements_on(date)
            .map(|a| a.text.zh.clone())
            .collect()
    };
    assert_eq!(on("2026-11-30"), ["always"]);
    assert_eq!(on("2026-12-01"), ["always", "december"]);
    assert_eq!(on("2026-12-31"), ["always", "december"]);
    assert_eq!(on("2027-01-01"), ["always"]);
}
