//! Platforms above the hub: attendance and activities, page by page.

use super::*;

#[tokio::test]
async fn a_platform_above_pulls_attendance_and_activities_of_its_part_page_by_page() {
    use hub::store::users::Scope;
    let c = city().await;
    let h = &c.h;
    let st = &h.state.store;
    let county = st
        .regions()
        .expect("regions")
        .into_iter()
        .find(|r| r.name == "上城区")
        .expect("county")
        .id;
    // Three days at the county's center, one at the other county's.
    let e = enroll(h, h.center).await;
    let day = 86_400_000;
    let page = json!({ "events": [
        visitor(1, LATE_UTC_MS), visitor(2, LATE_UTC_MS),
        visitor(3, LATE_UTC_MS + day),
        visitor(4, LATE_UTC_MS + 2 * day) ] });
    let (s, r) = call(h, post("/api/v1/events", Some(&e.device_token), &page)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let other = enroll(h, c.other).await;
    let (s, _) = call(
        h,
        post(
            "/api/v1/events",
            Some(&other.device_token),
            &json!({ "events": [visitor(1, LATE_UTC_MS)] }),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    for (date, title) in [("2026-03-02", "读书会"), ("2026-03-03", "篮球赛")] {
        // A sports activity: the visitors came for sports, so they count.
        st.add_activity(
            h.center,
            title,
            protocol::catalog::ServiceCategory::Sports,
            true,
            d(date),
            "00:00",
            "23:59",
            "",
        )
        .expect("activity");
    }
    st.add_activity(
        c.other,
        "别的区",
        protocol::catalog::ServiceCategory::Sports,
        false,
        d("2026-03-02"),
        "10:00",
        "11:00",
        "",
    )
    .expect("activity");
    let (_, token) = st
        .add_integration("省级平台", Scope::Region(county))
        .expect("integration");

    // Page by page, one row at a time: every day of its own center, in order, once.
    let mut days = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let (s, r) = call(
            h,
            get(
                &format!(
                    "/api/v1/integration/attendance?from=2026-03-01&to=2026-03-31&limit=1&cursor={cursor}"
                ),
                Some(&token),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        for item in r["items"].as_array().expect("items") {
            assert_eq!(
                item["center_id"], h.center,
                "only its part of the network: {r}"
            );
            days.push((
                item["date"].as_str().unwrap_or_default().to_string(),
                item["total"].as_u64().unwrap_or_default(),
            ));
        }
        match r["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    assert_eq!(
        days,
        [
            ("2026-03-02".to_string(), 2),
            ("2026-03-03".to_string(), 1),
            ("2026-03-04".to_string(), 1)
        ]
    );
    // Activities, with the visits during their hours.
    let (s, r) = call(
        h,
        get(
            "/api/v1/integration/activities?from=2026-03-01&to=2026-03-31",
            Some(&token),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let acts = r["items"].as_array().expect("items");
    let got: Vec<(&str, u64)> = acts
        .iter()
        .map(|a| {
            (
                a["title"].as_str().unwrap_or_default(),
                a["came"].as_u64().unwrap_or(99),
            )
        })
        .collect();
    assert_eq!(got, [("读书会", 2), ("篮球赛", 1)], "{r}");
    assert!(r.get("next_cursor").is_none());
    // Refused: a kiosk's token, no token, a bad range, a forged cursor, a revoked client.
    let q = "/api/v1/integration/attendance?from=2026-03-01&to=2026-03-31";
    assert_eq!(
        call(h, get(q, Some(&e.device_token))).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(call(h, get(q, None)).await.0, StatusCode::UNAUTHORIZED);
    for bad in [
        "/api/v1/integration/attendance?from=2026-03-31&to=2026-03-01",
        "/api/v1/integration/attendance?from=2025-01-01&to=2026-03-01",
        "/api/v1/integration/attendance?from=yesterday&to=2026-03-01",
        "/api/v1/integration/attendance?to=2026-03-01",
        "/api/v1/integration/attendance?from=2026-03-01&to=2026-03-31&cursor=nonsense",
        "/api/v1/integration/attendance?from=2026-03-01&to=2026-03-31&limit=0",
    ] {
        let (s, r) = call(h, get(bad, Some(&token))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {r}");
        assert!(r["message"].as_str().is_some_and(|m| !m.is_empty()), "{r}");
    }
    let id = st.integrations().expect("list")[0].0.id;
    assert!(st.revoke_integration(id).expect("revoke"));
    assert_eq!(
        call(h, get(q, Some(&token))).await.0,
        StatusCode::UNAUTHORIZED
    );
}
