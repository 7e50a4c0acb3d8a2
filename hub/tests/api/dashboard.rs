//! The dashboard: figures by scope, logins, metrics, security headers.

use super::*;

#[tokio::test]
async fn the_dashboard_counts_a_known_day_and_each_user_sees_only_their_centers() {
    let c = city().await;
    let h = &c.h;
    // Today at the first center: two members (one scanned twice at once:
    // one visit), a visitor, and a visitor voided; at the other center one
    // visitor.
    let now = chrono::Utc::now().timestamp_millis();
    let m1 = h
        .state
        .store
        .add_member(h.center, "林小雨", None)
        .expect("m1");
    let m2 = h
        .state
        .store
        .add_member(h.center, "陈思远", None)
        .expect("m2");
    let e1 = enroll(h, h.center).await;
    let e2 = enroll(h, c.other).await;
    let page1 = json!({ "events": [
        member(1, now, m1), member(2, now, m2), member(3, now, m1),
        visitor(4, now), visitor(5, now), void(6, now, 5),
    ] });
    let (s, _) = call(h, post("/api/v1/events", Some(&e1.device_token), &page1)).await;
    assert_eq!(s, StatusCode::OK);
    // At the other center a volunteer serves a minute, and each center
    // holds an activity all day.
    let helper = h
        .state
        .store
        .add_member(c.other, "周一鸣", None)
        .expect("volunteer");
    h.state
        .store
        .set_member_volunteer(helper, true)
        .expect("volunteer");
    let shift = |seq: u64, at_ms: i64, kind: &str| {
        json!({ "seq": seq, "at_ms": at_ms, "clock": { "boot_id": "b", "monotonic_ms": 1, "synchronized": true },
                "kind": kind, "member_id": helper, "via": "qr_token" })
    };
    let page2 = json!({ "events": [
        visitor(1, now), shift(2, now - 60_000, "volunteer_in"), shift(3, now, "volunteer_out"),
    ] });
    let (s, _) = call(h, post("/api/v1/events", Some(&e2.device_token), &page2)).await;
    assert_eq!(s, StatusCode::OK);
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    // Sports activities: the visitors came for sports, so they count.
    for (center, title) in [(h.center, "三人篮球"), (c.other, "篮球赛")] {
        h.state
            .store
            .add_activity(
                center,
                title,
                protocol::catalog::ServiceCategory::Sports,
                false,
                today,
                "00:00",
                "23:59",
                "",
            )
            .expect("activity");
    }

    let (s, body) = call(h, with_cookie("/api/v1/dashboard", &c.staff_cookie)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["centers"].as_array().map(Vec::len), Some(1));
    let t = &body["totals"];
    assert_eq!(
        (
            t["today"].as_u64(),
            t["this_month"].as_u64(),
            t["distinct_members_this_month"].as_u64(),
            t["visitors_this_month"].as_u64(),
            t["new_members_this_month"].as_u64()
        ),
        (Some(3), Some(3), Some(2), Some(1), Some(2)),
        "{body}"
    );

    let (s, body) = call(h, with_cookie("/api/v1/dashboard", &c.admin_cookie)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["centers"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["totals"]["today"].as_u64(), Some(4));
    assert_eq!(
        body["totals"]["volunteer_minutes_this_month"].as_i64(),
        Some(1),
        "{body}"
    );
    let mut came: Vec<(String, u64)> = body["activities"]
        .as_array()
        .expect("activities")
        .iter()
        .map(|a| {
            (
                a["title"].as_str().unwrap_or_default().to_string(),
                a["came"].as_u64().unwrap_or(99),
            )
        })
        .collect();
    came.sort();
    assert_eq!(
        came,
        [("三人篮球".to_string(), 3), ("篮球赛".to_string(), 1)],
        "{body}"
    );
    assert_eq!(body["scope_name"], "杭州市");
    // A city admin also sees each county summed.
    let regions: Vec<(String, u64)> = body["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap_or_default().to_string(),
                r["today"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        regions,
        vec![("上城区".to_string(), 3), ("西湖区".to_string(), 1)]
    );
    assert_eq!(
        body["daily"]
            .as_array()
            .and_then(|d| d.last())
            .map(|d| d[1].clone()),
        Some(json!(4))
    );

    // Another center's report: the admin may, the staff may not.
    let date = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d");
    let path = format!("/api/v1/centers/{}/report?date={date}", c.other);
    let (s, _) = call(h, with_cookie(&path, &c.staff_cookie)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) = call(h, with_cookie(&path, &c.admin_cookie)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["visitors"], 1);

    // Nobody logged in: refused everywhere, the page sends to the login.
    let (s, body) = call(h, get("/api/v1/dashboard", None)).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("not_logged_in"))
    );
    let (s, _) = call(h, get(&path, None)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, headers, _) = page(h, get("/", None)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        headers.get(header::LOCATION).map(|v| v.as_bytes()),
        Some(&b"/login"[..])
    );

    // The page itself, for the staff user.
    let (s, _, html) = page(h, with_cookie("/", &c.staff_cookie)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("<svg") && html.contains("id=\"today\">3<"),
        "{html}"
    );
    assert!(
        !html.contains("西湖区青年中心"),
        "another county's center must not show"
    );
}

#[tokio::test]
async fn wrong_dashboard_logins_slow_the_address_not_the_staff_and_logout_needs_the_csrf_token() {
    let c = city().await;
    let h = &c.h;
    let attacker = [203, 0, 113, 9];
    let attempt = |login: &str, password: &str| {
        form(
            "/login",
            &format!("login={login}&password={password}"),
            None,
            None,
        )
    };
    let mut answers = Vec::new();
    for i in 0..5 {
        let login = if i % 2 == 0 { "staff1" } else { "nobody" };
        let (s, headers, html) =
            page(h, from(attacker, attempt(login, &format!("wrong{i}")))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(!headers.contains_key(header::SET_COOKIE));
        answers.push(html.replace(login, "L"));
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "known and unknown alike"
    );
    let (s, headers, _) = page(h, from(attacker, attempt("staff1", "staff+password+1"))).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(!headers.contains_key(header::SET_COOKIE));
    let (s, _, _) = page(h, from(attacker, attempt("nobody", "whatever+it+is"))).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    // The staff member, at the center, logs in as usual.
    let (s, cookie) = log_in(h, "staff1", "staff+password+1").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let cookie = cookie.expect("a session");
    // Disabled: the session ends at once, and the login is answered as unknown.
    h.state.store.disable_user("staff1").expect("disable");
    let (s, _, _) = page(h, with_cookie("/", &cookie)).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "sent to the login page");
    let (s, _) = log_in(h, "staff1", "staff+password+1").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Logging out without the page's token (another site's form) does nothing.
    let (s, _, _) = page(
        h,
        form("/logout", "csrf=forged", Some(&c.admin_cookie), None),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = call(h, with_cookie("/api/v1/dashboard", &c.admin_cookie)).await;
    assert_eq!(s, StatusCode::OK, "still logged in");
    let (_, _, html) = page(h, with_cookie("/", &c.admin_cookie)).await;
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf on the page")
        .to_string();
    let (s, _, _) = page(
        h,
        form(
            "/logout",
            &format!("csrf={csrf}"),
            Some(&c.admin_cookie),
            None,
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _) = call(h, with_cookie("/api/v1/dashboard", &c.admin_cookie)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

async fn scrape(h: &Hub) -> String {
    let res = hub::http::metrics_app(h.state.clone())
        .oneshot(
            Request::get("/metrics")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    String::from_utf8(bytes.to_vec()).expect("text")
}

/// The value of the sample whose line starts with `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_ingest_and_each_kiosks_backlog_and_ready_says_so() {
    let h = hub();
    let (s, body) = call(&h, get("/api/v1/ready", None)).await;
    assert_eq!(
        (s, body["status"].as_str()),
        (StatusCode::OK, Some("ready"))
    );
    let e = enroll(&h, h.center).await;
    let t = Some(e.device_token.as_str());
    // The kiosk says it holds 5 events; it sends 3, then one again, and a bad one.
    let (s, _) = call(
        &h,
        get(
            "/api/v1/sync-state?software_version=1&last_seq=5&clock_synchronized=true&memory_kib=35840",
            t,
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let page = json!({ "device_id": e.device_id, "events": [
        visitor(1, LATE_UTC_MS), visitor(2, LATE_UTC_MS), visitor(3, LATE_UTC_MS) ] });
    assert_eq!(
        call(&h, post("/api/v1/events", t, &page)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        call(&h, post("/api/v1/events", t, &page)).await.0,
        StatusCode::OK
    );
    let bad = json!({ "device_id": e.device_id, "events": [ { "seq": 4, "kind": "nonsense" } ] });
    assert_eq!(
        call(&h, post("/api/v1/events", t, &bad)).await.0,
        StatusCode::OK
    );
    // Made-up paths share one series; a forged credential is a 4xx.
    for p in ["/no/such/1", "/no/such/2"] {
        assert_eq!(call(&h, get(p, None)).await.0, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        call(&h, get("/api/v1/roster", Some("forged"))).await.0,
        StatusCode::UNAUTHORIZED
    );

    let m = scrape(&h).await;
    let d = format!("{{device=\"{}\",center=\"{}\"}}", e.device_id, h.center);
    assert_eq!(sample(&m, "hub_events_stored_total"), Some(3.0), "{m}");
    assert_eq!(sample(&m, "hub_events_duplicate_total"), Some(3.0), "{m}");
    assert_eq!(sample(&m, "hub_events_rejected_total"), Some(1.0), "{m}");
    assert_eq!(
        sample(
            &m,
            r#"hub_http_requests_total{route="/api/v1/events",status="2xx"}"#
        ),
        Some(3.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            r#"hub_http_requests_total{route="unmatched",status="4xx"}"#
        ),
        Some(2.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            r#"hub_http_requests_total{route="/api/v1/roster",status="4xx"}"#
        ),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        sample(
            &m,
            r#"hub_http_request_duration_seconds_count{route="/api/v1/events"}"#
        ),
        Some(3.0),
        "{m}"
    );
    // It said 5; the hub holds 1…4 (the bad one set aside): 1 waits.
    assert_eq!(
        sample(&m, &format!("hub_device_backlog_events{d}")),
        Some(1.0),
        "{m}"
    );
    assert!(
        sample(&m, &format!("hub_device_last_seen_seconds{d}")).is_some_and(|s| s < 60.0),
        "{m}"
    );
    assert_eq!(
        sample(&m, &format!("hub_device_memory_bytes{d}")),
        Some(35840.0 * 1024.0),
        "{m}"
    );
    // A revoked kiosk leaves the metrics.
    assert!(h.state.store.revoke_device(e.device_id).expect("revoke"));
    let m = scrape(&h).await;
    assert_eq!(
        sample(&m, &format!("hub_device_backlog_events{d}")),
        None,
        "{m}"
    );
}

#[tokio::test]
async fn pages_carry_a_content_security_policy_and_personal_json_is_never_cached() {
    let c = city().await;
    let h = &c.h;
    for path in ["/login", "/m"] {
        let (s, headers, _) = page(h, get(path, None)).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        let csp = headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        for part in [
            "default-src 'none'",
            "frame-ancestors 'none'",
            "script-src 'sha256-",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(!csp.contains("script-src 'unsafe"), "{csp}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{path}");
    }
    // The dashboard's figures carry names and counts: never cached.
    let res = app(h.state.clone())
        .oneshot(with_cookie("/api/v1/dashboard", &c.admin_cookie))
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    assert_eq!(res.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    // Two scripts, named by hash: the content editor's and the member page's.
    let (_, headers, _) = page(h, get("/m", None)).await;
    let csp = headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii")
        .to_string();
    assert_eq!(csp.matches("'sha256-").count(), 2, "{csp}");
}

/// 好差评 on the dashboard: the month's rated visits, the latest rating of
/// each, and how many were satisfied; a rating of anything but a member's
/// check-in is set aside.
#[tokio::test]
async fn the_dashboard_shows_the_months_satisfaction_from_the_kiosks_ratings() {
    let c = city().await;
    let h = &c.h;
    let now = chrono::Utc::now().timestamp_millis();
    let m1 = h
        .state
        .store
        .add_member(h.center, "林小雨", None)
        .expect("m1");
    let m2 = h
        .state
        .store
        .add_member(h.center, "陈思远", None)
        .expect("m2");
    let e = enroll(h, h.center).await;
    let rated = |seq: u64, for_seq: u64, satisfaction: &str| {
        json!({ "seq": seq, "at_ms": now, "clock": { "boot_id": "b", "monotonic_ms": 1, "synchronized": true },
                "kind": "rated", "for_seq": for_seq, "satisfaction": satisfaction })
    };
    let page = json!({ "events": [
        member(1, now, m1), member(2, now, m2), visitor(3, now),
        rated(4, 1, "dissatisfied"), rated(5, 2, "neutral"),
        // The same visit rated again: the latest stands.
        rated(6, 1, "very_satisfied"),
        // A visitor's visit is not rated at the kiosk; nor is a visit it never had.
        rated(7, 3, "satisfied"), rated(8, 99, "satisfied"),
    ] });
    let (s, r) = call(h, post("/api/v1/events", Some(&e.device_token), &page)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["rejected"].as_array().map(Vec::len), Some(2), "{r}");
    let (s, body) = call(h, with_cookie("/api/v1/dashboard", &c.staff_cookie)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let t = &body["totals"];
    assert_eq!(
        (
            t["ratings_this_month"].as_u64(),
            t["satisfied_this_month"].as_u64()
        ),
        (Some(2), Some(1)),
        "{body}"
    );
    let res = app(h.state.clone())
        .oneshot(with_cookie("/", &c.staff_cookie))
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let html = String::from_utf8_lossy(&bytes);
    assert!(html.contains("id=\"satisfaction\">50%"), "{html}");
}

/// 上墙公布 on paper: a center's staff download the month's A4 poster; the
/// staff of another center cannot.
#[tokio::test]
async fn staff_download_their_centers_month_as_an_a4_poster() {
    let c = city().await;
    let h = &c.h;
    let res = app(h.state.clone())
        .oneshot(with_cookie(
            &format!("/centers/{}/poster.pdf", h.center),
            &c.staff_cookie,
        ))
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/pdf");
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    assert!(bytes.starts_with(b"%PDF-"));
    let (s, _) = call(
        h,
        with_cookie(&format!("/centers/{}/poster.pdf", c.other), &c.staff_cookie),
    )
    .await;
    assert!(
        s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
        "{s}"
    );
}
