//! Signing up on the member's phone page: places, the waiting list moving
//! up when someone cancels, nothing after the start, and an activity the
//! center takes out of its content kept as cancelled for those signed up.

use super::*;

fn plan(h: &Hub, json: serde_json::Value) {
    let acts: Vec<protocol::content::Activity> = serde_json::from_value(json).expect("activities");
    let today = h.state.store.center(h.center).expect("center").today();
    h.state
        .store
        .lay_out_activities(h.center, &acts, today)
        .expect("laid out");
}

async fn phone_of(h: &Hub, name: &str) -> (u32, String) {
    let m = h
        .state
        .store
        .add_member(h.center, name, None)
        .expect("member");
    let token = h
        .state
        .store
        .create_member_session(m, hub::store::now_ms())
        .expect("session");
    (m, format!("yc_member={token}"))
}

#[tokio::test]
async fn members_sign_up_wait_and_move_up_when_someone_cancels() {
    let h = hub();
    let tomorrow = (h.state.store.center(h.center).expect("center").today() + chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string();
    plan(
        &h,
        serde_json::json!([
            { "id": "a-games", "title": {"zh": "桌游之夜"}, "category": "leisure", "date": tomorrow,
              "start": "19:00", "end": "21:00", "place": {"zh": "二楼"}, "capacity": 2 },
            { "id": "a-early", "title": {"zh": "晨读"}, "category": "culture_learning",
              "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "00:30",
              "place": {"zh": "阅览室"} }
        ]),
    );
    let games = h
        .state
        .store
        .activities(h.center, &tomorrow, &tomorrow)
        .expect("list")
        .into_iter()
        .find(|a| a.content_id.as_deref() == Some("a-games"))
        .expect("the board games");
    let (_a, phone_a) = phone_of(&h, "林小雨").await;
    let (_b, phone_b) = phone_of(&h, "陈思远").await;
    let (_c, phone_c) = phone_of(&h, "黄小明").await;
    let sign = |cookie: &str, action: &str, id: u64| {
        form(
            &format!("/m/{action}"),
            &format!("activity={id}"),
            Some(cookie),
            Some("http://hub.example"),
        )
    };

    // The page offers it with its places.
    let (s, _, html) = page(&h, with_cookie("/m", &phone_a)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("桌游之夜") && html.contains("剩 2 个名额"),
        "{html}"
    );
    // Two places: two booked, the third waits.
    for (cookie, said) in [
        (&phone_a, "booked"),
        (&phone_b, "booked"),
        (&phone_c, "waiting"),
    ] {
        let (s, headers, _) = page(&h, sign(cookie, "signup", games.id)).await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert!(
            headers[header::LOCATION]
                .to_str()
                .expect("to")
                .contains(said)
        );
    }
    // Signing up twice changes nothing.
    page(&h, sign(&phone_a, "signup", games.id)).await;
    let (_, _, html) = page(&h, with_cookie("/m?signup=waiting", &phone_c)).await;
    assert!(
        html.contains("候补第 1 位") && html.contains("已排入候补"),
        "{html}"
    );
    assert_eq!(
        h.state.store.signup_counts(&[games.id]).expect("counts"),
        vec![(games.id, 2, 1)]
    );
    // Another site's form cannot sign anyone up.
    let (s, _, _) = page(
        &h,
        form(
            "/m/signup",
            &format!("activity={}", games.id),
            Some(&phone_a),
            Some("https://evil.example"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // A cancels: C moves up and is told so.
    let (s, headers, _) = page(&h, sign(&phone_a, "cancel", games.id)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        headers[header::LOCATION]
            .to_str()
            .expect("to")
            .contains("cancelled")
    );
    let (_, _, html) = page(&h, with_cookie("/m", &phone_c)).await;
    assert!(html.contains("候补成功"), "{html}");
    let (_, _, html) = page(&h, with_cookie("/m", &phone_a)).await;
    assert!(
        !html.contains("data-signup"),
        "A has no sign-up left: {html}"
    );
    assert_eq!(
        h.state.store.signup_counts(&[games.id]).expect("counts"),
        vec![(games.id, 2, 0)]
    );
    // A signs up again: full, so A waits at the end of the line.
    let (_, headers, _) = page(&h, sign(&phone_a, "signup", games.id)).await;
    assert!(
        headers[header::LOCATION]
            .to_str()
            .expect("to")
            .contains("waiting")
    );

    // Today's early reading has started: no signing up.
    let today = h
        .state
        .store
        .center(h.center)
        .expect("center")
        .today()
        .format("%Y-%m-%d")
        .to_string();
    let early = h
        .state
        .store
        .activities(h.center, &today, &today)
        .expect("list")
        .into_iter()
        .find(|x| x.content_id.as_deref() == Some("a-early"))
        .expect("today's reading");
    let (_, headers, _) = page(&h, sign(&phone_b, "signup", early.id)).await;
    assert!(
        headers[header::LOCATION]
            .to_str()
            .expect("to")
            .contains("closed")
    );
    let (_, _, html) = page(&h, with_cookie("/m?signup=closed", &phone_b)).await;
    assert!(html.contains("不能再报名"), "{html}");

    // The center takes the board games out of its content: kept, cancelled,
    // and those signed up see it.
    plan(
        &h,
        serde_json::json!([
            { "id": "a-early", "title": {"zh": "晨读"}, "category": "culture_learning",
              "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "00:30",
              "place": {"zh": "阅览室"} }
        ]),
    );
    let kept = h.state.store.activity(games.id).expect("kept");
    assert_eq!(kept.status, hub::store::activities::Status::Cancelled);
    let (_, _, html) = page(&h, with_cookie("/m", &phone_c)).await;
    assert!(html.contains("活动已取消"), "{html}");
    let (_, headers, _) = page(&h, sign(&phone_c, "cancel", games.id)).await;
    assert!(
        headers[header::LOCATION]
            .to_str()
            .expect("to")
            .contains("closed")
    );
}

#[tokio::test]
async fn another_centers_member_cannot_sign_up() {
    let h = hub();
    let other = h
        .state
        .store
        .add_center("乙", "Asia/Shanghai")
        .expect("center");
    let tomorrow = h.state.store.center(h.center).expect("center").today() + chrono::Days::new(1);
    let id = h
        .state
        .store
        .add_activity(
            h.center,
            "读书会",
            protocol::catalog::ServiceCategory::CultureLearning,
            false,
            tomorrow,
            "19:00",
            "20:00",
            "",
        )
        .expect("activity");
    let m = h
        .state
        .store
        .add_member(other, "外人", None)
        .expect("member");
    let token = h
        .state
        .store
        .create_member_session(m, hub::store::now_ms())
        .expect("session");
    let (s, _, _) = page(
        &h,
        form(
            "/m/signup",
            &format!("activity={id}"),
            Some(&format!("yc_member={token}")),
            Some("http://hub.example"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        h.state.store.signup_counts(&[id]).expect("counts"),
        vec![(id, 0, 0)]
    );
}

#[tokio::test]
async fn the_phone_page_shows_the_members_own_record() {
    let h = hub();
    let today = h.state.store.center(h.center).expect("center").today();
    h.state
        .store
        .add_activity(
            h.center,
            "全天开放日",
            protocol::catalog::ServiceCategory::Featured,
            false,
            today,
            "00:00",
            "23:59",
            "",
        )
        .expect("activity");
    let (m, phone) = phone_of(&h, "林小雨").await;
    let (_, _, html) = page(&h, with_cookie("/m", &phone)).await;
    assert!(html.contains("本月到访 0 次"), "{html}");
    assert!(
        !html.contains("volunteer-hours"),
        "not a volunteer: no hours"
    );

    // Two check-ins today at the kiosk: one visit (the second is the same visit).
    let e = enroll(&h, h.center).await;
    let now = chrono::Utc::now().timestamp_millis();
    let events = json!({ "events": [member(1, now - 60_000, m), member(2, now, m)] });
    let (s, _) = call(&h, post("/api/v1/events", Some(&e.device_token), &events)).await;
    assert_eq!(s, StatusCode::OK);
    h.state
        .store
        .set_member_volunteer(m, true)
        .expect("volunteer");
    let (_, _, html) = page(&h, with_cookie("/m", &phone)).await;
    assert!(html.contains("本月到访 1 次"), "{html}");
    assert!(
        html.contains("全天开放日"),
        "the activity they came to: {html}"
    );
    assert!(html.contains("本月志愿服务 0 小时 0 分"), "{html}");
}

#[tokio::test]
async fn a_check_in_counts_for_the_activity_it_was_for_and_not_for_another() {
    let h = hub();
    plan(
        &h,
        serde_json::json!([
            { "id": "a-games", "title": {"zh": "桌游之夜"}, "category": "leisure",
              "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "23:59",
              "place": {"zh": "二楼"} }
        ]),
    );
    let center = h.state.store.center(h.center).expect("center");
    let today = center.today().format("%Y-%m-%d").to_string();
    let games = h
        .state
        .store
        .activities(h.center, &today, &today)
        .expect("list")
        .remove(0);
    let ids: Vec<u32> = ["甲", "乙", "丙", "丁"]
        .iter()
        .map(|n| h.state.store.add_member(h.center, n, None).expect("member"))
        .collect();
    let e = enroll(&h, h.center).await;
    let now = chrono::Utc::now().timestamp_millis();
    let with = |seq: u64, m: u32, activity: Option<&str>| {
        let mut ev = member(seq, now, m);
        if let Some(a) = activity {
            ev["activity"] = json!(a);
        }
        ev
    };
    let visitor_for = |seq: u64, purpose: &str| {
        json!({ "seq": seq, "at_ms": now, "clock": { "boot_id": "b", "monotonic_ms": 1, "synchronized": true },
                "kind": "visitor", "age_band": "from18_to24", "purpose": purpose })
    };
    let events = json!({ "events": [
        with(1, ids[0], Some("a-games")),     // came for it
        with(2, ids[1], Some("")),            // just visiting
        with(3, ids[2], None),                // an older kiosk: not asked
        with(4, ids[3], Some("a-other")),     // came for another activity
        visitor_for(5, "sports"),             // a visitor who came for sports
        visitor_for(6, "featured"),           // a visitor who came for an activity
    ] });
    let (s, r) = call(&h, post("/api/v1/events", Some(&e.device_token), &events)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let came = hub::yardsticks::attendance(&h.state.store, &center, &games).expect("came");
    assert_eq!(
        came, 3,
        "for it, not asked, and the visitor who came for an activity"
    );
}
