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
    assert_eq!(kept.status, hub::store::activities::Status::Withdrawn);
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

    // Asked at the kiosk, two of them answer afterwards: the one "just
    // visiting" came for the board games after all, and the one for
    // another activity too. Answers for a visitor or for no check-in are
    // set aside.
    let answer = |seq: u64, for_seq: u64, activity: &str| {
        json!({ "seq": seq, "at_ms": now, "clock": { "boot_id": "b", "monotonic_ms": 2, "synchronized": true },
                "kind": "activity_chosen", "for_seq": for_seq, "activity": activity })
    };
    let events = json!({ "events": [
        answer(7, 2, "a-games"),
        answer(8, 4, "a-games"),
        answer(9, 5, "a-games"),
        answer(10, 42, "a-games"),
        answer(11, 1, "not an id!"),
    ] });
    let (s, r) = call(&h, post("/api/v1/events", Some(&e.device_token), &events)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["stored"], 2, "{r}");
    let rejected: Vec<u64> = r["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|x| x["seq"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(rejected, [9, 10, 11], "{r}");
    assert_eq!(r["acked_seq"], 11);
    let came = hub::yardsticks::attendance(&h.state.store, &center, &games).expect("came");
    assert_eq!(came, 5, "the two who answered count now");
    // Sent again (a retried page): nothing changes.
    let (s, r) = call(&h, post("/api/v1/events", Some(&e.device_token), &events)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["duplicates"], 2, "{r}");
    assert_eq!(
        hub::yardsticks::attendance(&h.state.store, &center, &games).expect("came"),
        5
    );
    // One of them changes their mind: the latest answer stands.
    let (s, r) = call(
        &h,
        post(
            "/api/v1/events",
            Some(&e.device_token),
            &json!({ "events": [answer(12, 4, "")] }),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        hub::yardsticks::attendance(&h.state.store, &center, &games).expect("came"),
        4
    );
}

#[tokio::test]
async fn a_kiosk_learns_today_and_tomorrows_activities_with_who_signed_up() {
    let h = hub();
    let center = h.state.store.center(h.center).expect("center");
    let tomorrow = (center.today() + chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string();
    let later = (center.today() + chrono::Days::new(2))
        .format("%Y-%m-%d")
        .to_string();
    plan(
        &h,
        serde_json::json!([
            { "id": "a-quiz", "title": {"zh": "知识竞赛"}, "category": "culture_learning", "date": tomorrow,
              "start": "10:00", "end": "11:30", "place": {"zh": "多功能厅"}, "capacity": 1 },
            { "id": "a-later", "title": {"zh": "后天的活动"}, "category": "leisure", "date": later,
              "start": "10:00", "end": "11:00", "place": {"zh": "二楼"} },
            { "id": "a-off", "title": {"zh": "取消的活动"}, "category": "leisure", "date": tomorrow,
              "start": "14:00", "end": "15:00", "place": {"zh": "二楼"} }
        ]),
    );
    let list = h
        .state
        .store
        .activities(h.center, &tomorrow, &tomorrow)
        .expect("list");
    let quiz = list
        .iter()
        .find(|a| a.content_id.as_deref() == Some("a-quiz"))
        .expect("quiz");
    let off = list
        .iter()
        .find(|a| a.content_id.as_deref() == Some("a-off"))
        .expect("off");
    hub::admin::Admin::new(&h.state.store, hub::admin::Actor::CommandLine)
        .set_activity_status(off.id, hub::store::activities::Status::Cancelled)
        .expect("cancelled");
    let a = h
        .state
        .store
        .add_member(h.center, "甲", None)
        .expect("member");
    let b = h
        .state
        .store
        .add_member(h.center, "乙", None)
        .expect("member");
    assert!(matches!(
        h.state.store.sign_up(quiz.id, a).expect("a"),
        Ok(hub::store::signups::Standing::Booked)
    ));
    assert!(matches!(
        h.state.store.sign_up(quiz.id, b).expect("b"),
        Ok(hub::store::signups::Standing::Waiting(_))
    ));
    let e = enroll(&h, h.center).await;
    let (s, r) = call(&h, get("/api/v1/sync-state", Some(&e.device_token))).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let state: protocol::wire::SyncState = serde_json::from_value(r).expect("sync state");
    let ids: Vec<&str> = state.activities.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        ["a-quiz"],
        "the day after tomorrow's and the cancelled one are not sent"
    );
    let quiz = &state.activities[0];
    assert_eq!(quiz.booked, [a], "the one waiting is not booked");
    assert_eq!(quiz.capacity, Some(1));
    assert_eq!((quiz.start.as_str(), quiz.end.as_str()), ("10:00", "11:30"));
    assert_eq!(quiz.title, "知识竞赛");
}

#[tokio::test]
async fn places_freed_by_an_erased_or_merged_member_or_added_by_the_center_go_to_those_waiting() {
    use hub::store::signups::Standing;
    let h = hub();
    let st = &h.state.store;
    let tomorrow = (st.center(h.center).expect("center").today() + chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string();
    let one_place = |cap: u32| {
        serde_json::json!([
            { "id": "a-talk", "title": {"zh": "心理讲座"}, "category": "rights_protection", "date": tomorrow,
              "start": "19:00", "end": "20:00", "place": {"zh": "三楼"}, "capacity": cap }
        ])
    };
    plan(&h, one_place(1));
    let talk = st
        .activities(h.center, &tomorrow, &tomorrow)
        .expect("list")
        .remove(0);
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let joined = |name: &str, phone: &str| {
        hub::admin::joins::join(
            st,
            h.center,
            &hub::store::joins::Join {
                name: name.into(),
                phone: phone.into(),
                birth_year: Some(2000),
                privacy_consent: true,
                ..Default::default()
            },
            year,
        )
        .expect("store")
        .expect("joined")
        .member
        .id
    };
    let a = joined("林小雨", "13800000001");
    let b = st.add_member(h.center, "陈思远", None).expect("b");
    let c = st.add_member(h.center, "黄小明", None).expect("c");
    assert_eq!(st.sign_up(talk.id, a).expect("a"), Ok(Standing::Booked));
    assert_eq!(st.sign_up(talk.id, b).expect("b"), Ok(Standing::Waiting(1)));
    assert_eq!(st.sign_up(talk.id, c).expect("c"), Ok(Standing::Waiting(2)));
    // A deletes their account: B moves up.
    hub::admin::joins::erase_own(st, a).expect("erase");
    assert_eq!(
        st.signup_counts(&[talk.id]).expect("counts"),
        vec![(talk.id, 1, 1)]
    );
    let offers = st.offers(b, 7).expect("offers");
    assert_eq!(offers[0].mine, Some(Standing::Booked));
    assert!(offers[0].promoted);
    // The center raises the places to three: C moves up too.
    plan(&h, one_place(3));
    assert_eq!(
        st.signup_counts(&[talk.id]).expect("counts"),
        vec![(talk.id, 2, 0)]
    );
    // A duplicate who joined again holds a place; merged into the member
    // they already were, the place goes to the one waiting.
    plan(&h, one_place(2));
    let dup = joined("陈思远", "13800000002");
    let d = st.add_member(h.center, "周可欣", None).expect("d");
    assert_eq!(
        st.sign_up(talk.id, dup).expect("dup"),
        Ok(Standing::Waiting(1))
    );
    assert_eq!(st.sign_up(talk.id, d).expect("d"), Ok(Standing::Waiting(2)));
    st.cancel_signup(talk.id, c)
        .expect("c cancels")
        .expect("open");
    assert_eq!(
        st.offers(dup, 7).expect("offers")[0].mine,
        Some(Standing::Booked)
    );
    hub::admin::Admin::new(st, hub::admin::Actor::CommandLine)
        .merge_member(dup, b)
        .expect("merge");
    assert_eq!(
        st.offers(d, 7).expect("offers")[0].mine,
        Some(Standing::Booked)
    );
    // An erased member's merged duplicate is erased with them.
    hub::admin::joins::erase_own(st, b).expect("erase b");
    let gone = st.member(dup).expect("duplicate row");
    assert!(
        gone.full_name.is_empty() && gone.phone.is_none(),
        "{gone:?}"
    );
    assert!(st.member_joined(dup).expect("read").is_none());
}

#[tokio::test]
async fn a_member_books_a_rooms_slot_which_is_no_activity_and_the_kiosk_lists_it() {
    let h = hub();
    let center = h.state.store.center(h.center).expect("center");
    let tomorrow = (center.today() + chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string();
    plan(
        &h,
        serde_json::json!([
            { "id": "r-talk", "title": {"zh": "咨询室"}, "category": "rights_protection", "date": tomorrow,
              "start": "14:00", "end": "15:00", "place": {"zh": "三楼"}, "room": true },
            { "id": "a-quiz", "title": {"zh": "知识竞赛"}, "category": "culture_learning", "date": tomorrow,
              "start": "10:00", "end": "11:00", "place": {"zh": "多功能厅"} }
        ]),
    );
    let list = h
        .state
        .store
        .activities(h.center, &tomorrow, &tomorrow)
        .expect("list");
    let slot = list.iter().find(|a| a.room).expect("the room's slot");
    assert_eq!(
        slot.capacity,
        Some(1),
        "a room's slot is for one unless said"
    );
    let (_a, phone_a) = phone_of(&h, "林小雨").await;
    let (_b, phone_b) = phone_of(&h, "陈思远").await;
    let (_, _, html) = page(&h, with_cookie("/m", &phone_a)).await;
    assert!(html.contains("房间预约 · Book a room"), "{html}");
    assert!(
        html.contains(&format!("data-room=\"{}\"", slot.id)) && html.contains("空闲 · Free"),
        "{html}"
    );
    assert!(
        !html.contains(&format!("data-offer=\"{}\"", slot.id)),
        "the room is not among the activities: {html}"
    );
    let (s, headers, _) = page(
        &h,
        form(
            "/m/signup",
            &format!("activity={}", slot.id),
            Some(&phone_a),
            Some("http://hub.example"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        headers[header::LOCATION]
            .to_str()
            .expect("to")
            .contains("booked")
    );
    let (_, _, html) = page(&h, with_cookie("/m", &phone_a)).await;
    assert!(
        html.contains("已预约 · Booked") && html.contains("取消预约"),
        "{html}"
    );
    // Taken: another member sees it so, with nothing to press.
    let (_, _, html) = page(&h, with_cookie("/m", &phone_b)).await;
    assert!(html.contains("已约满 · Taken"), "{html}");
    // Not an activity for the yardsticks; the kiosk lists it as a room.
    let y = hub::yardsticks::for_centers(
        &h.state.store,
        std::slice::from_ref(&center),
        center.today() + chrono::Days::new(1),
        center.today() + chrono::Days::new(1),
    )
    .expect("yardsticks");
    assert_eq!(y[0].activities, 1, "the quiz, not the room");
    let e = enroll(&h, h.center).await;
    let (s, r) = call(&h, get("/api/v1/sync-state", Some(&e.device_token))).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let state: protocol::wire::SyncState = serde_json::from_value(r).expect("sync state");
    let room = state
        .activities
        .iter()
        .find(|a| a.id == "r-talk")
        .expect("the room's slot");
    assert!(room.room && room.booked.len() == 1, "{room:?}");
}

/// 好差评 from the phone: a member rates an activity they came to, with a
/// comment; rating again replaces it; one they did not come to is refused;
/// the activity's satisfaction and the comment (without the name) reach
/// the center's staff, and the month's figures count it.
#[tokio::test]
async fn a_member_rates_an_activity_they_came_to_from_their_phone() {
    let h = hub();
    let center = h.state.store.center(h.center).expect("center");
    let today = center.today().format("%Y-%m-%d").to_string();
    plan(
        &h,
        serde_json::json!([
            { "id": "a-all-day", "title": {"zh": "全天开放日"}, "category": "leisure", "date": today,
              "start": "00:00", "end": "23:59", "place": {"zh": "大厅"} },
            { "id": "a-other", "title": {"zh": "别的活动"}, "category": "sports", "date": today,
              "start": "00:00", "end": "23:59", "place": {"zh": "球场"} }
        ]),
    );
    let list = h
        .state
        .store
        .activities(h.center, &today, &today)
        .expect("list");
    let id_of = |content: &str| {
        list.iter()
            .find(|a| a.content_id.as_deref() == Some(content))
            .expect("activity")
            .id
    };
    let (day, other) = (id_of("a-all-day"), id_of("a-other"));
    let (m, phone) = phone_of(&h, "林小雨").await;
    // The member came to the open day, said so at the kiosk.
    let e = enroll(&h, h.center).await;
    let now = chrono::Utc::now().timestamp_millis();
    let came = json!({ "events": [{ "seq": 1, "at_ms": now,
        "clock": { "boot_id": "b", "monotonic_ms": 1, "synchronized": true },
        "kind": "member_check_in", "member_id": m, "via": "qr_token", "activity": "a-all-day" }] });
    let (s, r) = call(&h, post("/api/v1/events", Some(&e.device_token), &came)).await;
    assert_eq!(s, StatusCode::OK, "{r}");

    // The record offers the form under the activity they came to.
    let (_, _, html) = page(&h, with_cookie("/m", &phone)).await;
    assert!(
        html.contains(&format!("data-attended=\"{day}\"")) && html.contains("评价这次活动"),
        "{html}"
    );
    let rate = |id: u64, body: &str| {
        form(
            "/m/rate",
            &format!("activity={id}&{body}"),
            Some(&phone),
            Some("http://hub.example"),
        )
    };
    let (s, headers, _) = page(&h, rate(day, "satisfaction=neutral&comment=")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        headers[header::LOCATION]
            .to_str()
            .expect("to")
            .contains("rated")
    );
    // Changed their mind, with a word for the staff.
    let (_, headers, _) = page(
        &h,
        rate(
            day,
            "satisfaction=very_satisfied&comment=%E5%BE%88%E5%A5%BD%E7%8E%A9%EF%BC%81",
        ),
    )
    .await;
    assert!(
        headers[header::LOCATION]
            .to_str()
            .expect("to")
            .contains("rated")
    );
    // Not there: refused, nothing kept. No face: a bad request.
    let (_, headers, _) = page(&h, rate(other, "satisfaction=satisfied")).await;
    assert!(
        headers[header::LOCATION]
            .to_str()
            .expect("to")
            .contains("not-came")
    );
    let (s, _, _) = page(&h, rate(day, "satisfaction=great")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Another site's form cannot rate.
    let (s, _, _) = page(
        &h,
        form(
            "/m/rate",
            &format!("activity={day}&satisfaction=very_dissatisfied"),
            Some(&phone),
            Some("https://evil.example"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let st = &h.state.store;
    assert_eq!(st.phone_ratings(day).expect("ratings"), (1, 1));
    assert_eq!(st.phone_ratings(other).expect("ratings"), (0, 0));
    let comments = st.activity_comments(day).expect("comments");
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].comment, "很好玩！");
    let (_, _, html) = page(&h, with_cookie("/m?signup=rated", &phone)).await;
    assert!(html.contains("你的评价：非常满意"), "{html}");
    assert!(html.contains("谢谢你的评价"), "{html}");
    // The month's figures count it.
    let y = hub::yardsticks::for_centers(
        st,
        std::slice::from_ref(&center),
        center.today(),
        center.today(),
    )
    .expect("yardsticks");
    assert_eq!((y[0].ratings, y[0].satisfied), (1, 1));
}

/// 上墙公布: a volunteer chooses on their phone to be thanked by their
/// display name on the center's monthly wall; only those who chose it, and
/// only volunteers who served this month, are named.
#[tokio::test]
async fn a_volunteer_chooses_to_be_thanked_by_name_on_the_wall() {
    let h = hub();
    let (m, phone) = phone_of(&h, "林小雨").await;
    let (other, _) = phone_of(&h, "陈思远").await;
    for v in [m, other] {
        h.state
            .store
            .set_member_volunteer(v, true)
            .expect("volunteer");
    }
    let e = enroll(&h, h.center).await;
    let center = h.state.store.center(h.center).expect("center");
    // An hour's shift early today (local): a shift an hour before "now"
    // would begin yesterday in the first hour of the day.
    let today = center
        .today()
        .and_hms_opt(0, 1, 0)
        .and_then(|t| t.and_local_timezone(center.tz()).single())
        .expect("today")
        .timestamp_millis();
    let shift = |seq: u64, at: i64, kind: &str, who: u32| {
        json!({ "seq": seq, "at_ms": at, "clock": { "boot_id": "b", "monotonic_ms": 1, "synchronized": true },
                "kind": kind, "member_id": who, "via": "qr_token" })
    };
    let events = json!({ "events": [
        shift(1, today, "volunteer_in", m), shift(2, today + 3_600_000, "volunteer_out", m),
        shift(3, today, "volunteer_in", other), shift(4, today + 3_600_000, "volunteer_out", other),
    ] });
    let (s, r) = call(&h, post("/api/v1/events", Some(&e.device_token), &events)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let wall = || hub::wall::month(&h.state.store, &center, center.today()).expect("month");
    assert_eq!(wall().volunteers, 2);
    assert!(wall().volunteer_names.is_empty(), "nobody chose it yet");

    let (_, _, html) = page(&h, with_cookie("/m", &phone)).await;
    assert!(html.contains("在本月公示上感谢我"), "{html}");
    let choose =
        |on: &str, origin: &str| form("/m/wall", &format!("on={on}"), Some(&phone), Some(origin));
    let (s, _, _) = page(&h, choose("1", "https://evil.example")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(wall().volunteer_names.is_empty());
    let (s, headers, _) = page(&h, choose("1", "http://hub.example")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        headers[header::LOCATION]
            .to_str()
            .expect("to")
            .contains("wall-on")
    );
    let name = h.state.store.member(m).expect("member").display_name;
    assert_eq!(wall().volunteer_names, [name]);
    let (_, _, html) = page(&h, with_cookie("/m", &phone)).await;
    assert!(html.contains("id=\"on-wall\""), "{html}");
    page(&h, choose("0", "http://hub.example")).await;
    assert!(wall().volunteer_names.is_empty(), "changed their mind");
}
