//! What kiosks call: enrollment, uploads, the roster, reports, voids, errors.

use super::*;
use chrono::TimeZone;

#[tokio::test]
async fn an_enrollment_code_works_exactly_once() {
    let h = hub();
    let code = h.state.store.create_enroll_code(h.center, 1).expect("code");
    let (s, body) = call(&h, post("/api/v1/enroll", None, &json!({ "code": code }))).await;
    assert_eq!(s, StatusCode::OK);
    let e: EnrollResponse = serde_json::from_value(body).expect("parse");
    assert_eq!(e.center.time_zone, "Asia/Shanghai");
    assert_eq!(e.signing_keys.len(), 1);
    assert_eq!(
        data_encoding::BASE64.decode(e.card_key.as_bytes()).ok(),
        Some(vec![4; 32])
    );
    let (s, body) = call(&h, post("/api/v1/enroll", None, &json!({ "code": code }))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "invalid_code");
}

#[tokio::test]
async fn guessing_enrollment_codes_is_stopped_after_ten_wrong_ones() {
    let h = hub();
    for i in 0..10 {
        let (s, body) = call(
            &h,
            post(
                "/api/v1/enroll",
                None,
                &json!({ "code": format!("GUES-S{i:03}") }),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
    }
    // Even a right code waits now: the guesser cannot tell.
    let code = h.state.store.create_enroll_code(h.center, 1).expect("code");
    let (s, body) = call(&h, post("/api/v1/enroll", None, &json!({ "code": code }))).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"], "too_many");
    // The code was not spent by the refused attempt.
    assert!(h.state.store.enroll(&code, "k", "0").is_ok());
}

#[tokio::test]
async fn a_revoked_kiosk_is_refused_and_what_it_sent_stays_counted() {
    let h = hub();
    let e = enroll(&h, h.center).await;
    let now = chrono::Utc::now().timestamp_millis();
    let page = json!({ "events": [visitor(1, now)] });
    let (s, _) = call(&h, post("/api/v1/events", Some(&e.device_token), &page)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(h.state.store.revoke_device(e.device_id).expect("revoke"));
    assert!(
        !h.state.store.revoke_device(e.device_id).expect("twice"),
        "already revoked"
    );
    for req in [
        get("/api/v1/sync-state", Some(&e.device_token)),
        get("/api/v1/roster", Some(&e.device_token)),
        post(
            "/api/v1/events",
            Some(&e.device_token),
            &json!({ "events": [visitor(2, now)] }),
        ),
    ] {
        let (s, body) = call(&h, req).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    }
    let kept: i64 = h
        .state
        .store
        .read(|c| c.query_row("SELECT count(*) FROM events", [], |r| r.get(0)))
        .expect("count");
    assert_eq!(kept, 1);
}

#[tokio::test]
async fn calls_without_a_valid_credential_are_refused() {
    let h = hub();
    let events = json!({ "events": [visitor(1, LATE_UTC_MS)] });
    let report = format!("/api/v1/centers/{}/report?date=2026-03-02", h.center);
    for token in [None, Some("not-a-token"), Some("")] {
        for req in [
            get("/api/v1/sync-state", token),
            get("/api/v1/roster", token),
            post("/api/v1/events", token, &events),
            get(&report, token),
            get("/api/v1/dashboard", token),
            get("/api/v1/yardsticks", token),
            get("/api/v1/fleet", token),
        ] {
            let path = req.uri().to_string();
            let (s, body) = call(&h, req).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{path} with {token:?}: {body}");
        }
    }
    // The web pages send a visitor without a session to the login page.
    for path in ["/", "/ledger.csv", "/ledger.xlsx"] {
        let (s, headers, _) = page(&h, get(path, None)).await;
        assert!(s.is_redirection(), "{path}: {s}");
        assert_eq!(headers[header::LOCATION], "/login", "{path}");
    }
    let (s, _) = call(&h, get("/api/v1/health", None)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = call(
        &h,
        post("/api/v1/enroll", None, &json!({ "code": "K7QF-3M9X" })),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a wrong code is refused, but anyone may try one"
    );
    let kept: i64 = h
        .state
        .store
        .read(|c| c.query_row("SELECT count(*) FROM events", [], |r| r.get(0)))
        .expect("count");
    assert_eq!(kept, 0, "nothing was stored");
}

#[tokio::test]
async fn a_kiosk_cannot_upload_as_another_kiosk_or_for_another_center() {
    let h = hub();
    let other_center = h
        .state
        .store
        .add_center("另一个中心", "Asia/Shanghai")
        .expect("center");
    let a = enroll(&h, h.center).await;
    let b = enroll(&h, other_center).await;
    // Kiosk A names kiosk B and B's center everywhere a field could go; the
    // hub takes the device and its center from the credential alone.
    let mut ev = visitor(1, LATE_UTC_MS);
    ev["device_id"] = json!(b.device_id);
    ev["center_id"] = json!(other_center);
    let page = json!({ "device_id": b.device_id, "center_id": other_center, "events": [ev] });
    let (s, body) = call(&h, post("/api/v1/events", Some(&a.device_token), &page)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let rows: Vec<(u64, u64)> = h
        .state
        .store
        .read(|c| {
            let mut st = c.prepare("SELECT device_id, center_id FROM events")?;
            let rows = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .expect("rows");
    assert_eq!(rows, vec![(a.device_id, h.center)]);
    // B's mark and B's center are untouched; B's own seq 1 is still its to send.
    let (_, body) = call(&h, get("/api/v1/sync-state", Some(&b.device_token))).await;
    let state: SyncState = serde_json::from_value(body).expect("state");
    assert_eq!((state.device_id, state.acked_seq), (b.device_id, 0));
    let path = format!("/api/v1/centers/{other_center}/report?date=2026-03-02");
    let (_, body) = call(&h, get(&path, Some(&b.device_token))).await;
    let report: DailyReport = serde_json::from_value(body).expect("report");
    assert_eq!(report.total, 0);
    let page = json!({ "events": [visitor(1, LATE_UTC_MS)] });
    let (_, body) = call(&h, post("/api/v1/events", Some(&b.device_token), &page)).await;
    let r: IngestResult = serde_json::from_value(body).expect("result");
    assert_eq!(
        (r.acked_seq, r.stored),
        (1, 1),
        "B's seq 1 is new to the hub"
    );
    // Nor can A read B's center's roster or figures.
    let (s, _) = call(&h, get(&path, Some(&a.device_token))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_retried_page_counts_nothing_twice() {
    let h = hub();
    let e = enroll(&h, h.center).await;
    let t = Some(e.device_token.as_str());
    let m = h
        .state
        .store
        .add_member(h.center, "林小雨", None)
        .expect("member");
    let page = json!({ "events": [member(1, LATE_UTC_MS, m), visitor(2, LATE_UTC_MS), visitor(3, LATE_UTC_MS)] });
    let (s, body) = call(&h, post("/api/v1/events", t, &page)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let r: IngestResult = serde_json::from_value(body).expect("result");
    assert_eq!((r.acked_seq, r.stored, r.duplicates), (3, 3, 0));
    let (_, body) = call(&h, post("/api/v1/events", t, &page)).await;
    let r: IngestResult = serde_json::from_value(body).expect("result");
    assert_eq!((r.acked_seq, r.stored, r.duplicates), (3, 0, 3));

    let (_, body) = call(&h, get("/api/v1/sync-state", t)).await;
    let st: SyncState = serde_json::from_value(body).expect("state");
    assert_eq!(st.acked_seq, 3);

    let path = format!("/api/v1/centers/{}/report?date=2026-03-02", h.center);
    let (s, body) = call(&h, get(&path, t)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let rep: DailyReport = serde_json::from_value(body).expect("report");
    assert_eq!(
        (rep.total, rep.members, rep.visitors, rep.distinct_members),
        (3, 1, 2, 1)
    );
    assert_eq!(rep.by_hour[0], 3, "00:30 local");
    assert_eq!(rep.by_category.get("sports"), Some(&2));
}

#[tokio::test]
async fn the_mark_stops_at_a_missing_seq_until_it_arrives() {
    // The kiosk forgets what the hub acknowledges: acknowledging past a
    // seq the hub never received would lose that check-in.
    let h = hub();
    let e = enroll(&h, h.center).await;
    let t = Some(e.device_token.as_str());
    async fn upload(h: &Hub, t: Option<&str>, events: Vec<Value>) -> IngestResult {
        let (s, body) = call(h, post("/api/v1/events", t, &json!({ "events": events }))).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        serde_json::from_value(body).expect("result")
    }
    let later = [4, 5].map(|seq| visitor(seq, LATE_UTC_MS)).to_vec();
    let r = upload(
        &h,
        t,
        [
            vec![visitor(1, LATE_UTC_MS), visitor(2, LATE_UTC_MS)],
            later,
        ]
        .concat(),
    )
    .await;
    assert_eq!(
        (r.acked_seq, r.stored),
        (2, 4),
        "3 is missing: the mark stays at 2"
    );
    let (_, body) = call(&h, get("/api/v1/sync-state", t)).await;
    let st: SyncState = serde_json::from_value(body).expect("state");
    assert_eq!(st.acked_seq, 2);
    // A page beyond the gap does not move it either.
    let r = upload(&h, t, vec![visitor(6, LATE_UTC_MS)]).await;
    assert_eq!((r.acked_seq, r.stored), (2, 1));
    // The missing one arrives (set aside as garbled counts as held): the
    // mark moves over everything the hub holds.
    let r = upload(
        &h,
        t,
        vec![json!({ "seq": 3, "at_ms": 0, "kind": "teleport" })],
    )
    .await;
    assert_eq!((r.acked_seq, r.stored, r.rejected.len()), (6, 0, 1));
}

#[tokio::test]
async fn a_bad_record_is_set_aside_without_blocking_the_queue() {
    let h = hub();
    let e = enroll(&h, h.center).await;
    let t = Some(e.device_token.as_str());
    let garbage = json!({ "seq": 2, "at_ms": 0, "kind": "teleport" });
    let unknown_member = member(3, LATE_UTC_MS, 99_999_999);
    let page = json!({ "events": [visitor(1, LATE_UTC_MS), garbage, unknown_member, visitor(4, LATE_UTC_MS)] });
    let (s, body) = call(&h, post("/api/v1/events", t, &page)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let r: IngestResult = serde_json::from_value(body).expect("result");
    assert_eq!((r.acked_seq, r.stored), (4, 2));
    assert_eq!(
        r.rejected.iter().map(|x| x.seq).collect::<Vec<_>>(),
        vec![2, 3]
    );
}

#[tokio::test]
async fn a_gzip_page_is_accepted() {
    let h = hub();
    let e = enroll(&h, h.center).await;
    let page = json!({ "events": [visitor(1, LATE_UTC_MS)] }).to_string();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(page.as_bytes()).expect("gzip");
    let req = Request::post("/api/v1/events")
        .header(header::AUTHORIZATION, format!("Bearer {}", e.device_token))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "gzip")
        .body(Body::from(gz.finish().expect("gzip")))
        .expect("request");
    let (s, body) = call(&h, req).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["acked_seq"], 1);
    // And a body that is not JSON is a clear error.
    let (s, body) = call(
        &h,
        post("/api/v1/events", Some(&e.device_token), &json!("x")),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["message"].as_str().unwrap_or("").contains("malformed"),
        "{body}"
    );
}

#[tokio::test]
async fn the_roster_carries_display_names_never_full_names() {
    let h = hub();
    let e = enroll(&h, h.center).await;
    let t = Some(e.device_token.as_str());
    h.state
        .store
        .add_member(h.center, "林小雨", None)
        .expect("member");
    h.state
        .store
        .add_member(h.center, "Sam Taylor", None)
        .expect("member");
    let req = get("/api/v1/roster?since=0", t);
    let res = app(h.state.clone()).oneshot(req).await.expect("response");
    let raw = res.into_body().collect().await.expect("body").to_bytes();
    let text = String::from_utf8_lossy(&raw);
    assert!(
        !text.contains("林小雨") && !text.contains("Taylor"),
        "{text}"
    );
    let d: RosterDelta = serde_json::from_slice(&raw).expect("roster");
    let names: Vec<&str> = d.members.iter().map(|m| m.display_name.as_str()).collect();
    assert_eq!(names, vec!["林同学", "Sam T."]);
    let (_, body) = call(&h, get(&format!("/api/v1/roster?since={}", d.revision), t)).await;
    let d2: RosterDelta = serde_json::from_value(body).expect("roster");
    assert!(d2.members.is_empty());
}

#[tokio::test]
async fn a_kiosk_cannot_read_another_centers_report() {
    let h = hub();
    let other = h
        .state
        .store
        .add_center("另一个中心", "Asia/Shanghai")
        .expect("center");
    let e = enroll(&h, other).await;
    let path = format!("/api/v1/centers/{}/report?date=2026-03-02", h.center);
    let (s, body) = call(&h, get(&path, Some(&e.device_token))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
}

#[tokio::test]
async fn a_void_from_the_kiosk_stops_the_count_once_and_a_bad_one_is_set_aside() {
    let h = hub();
    let e = enroll(&h, h.center).await;
    let t = Some(e.device_token.as_str());
    let m = h
        .state
        .store
        .add_member(h.center, "林小雨", None)
        .expect("member");
    let page = json!({ "events": [
        member(1, LATE_UTC_MS, m), visitor(2, LATE_UTC_MS), member(3, LATE_UTC_MS, m),
        void(4, LATE_UTC_MS, 3),
        // Nothing to void: seq 9 does not exist; seq 4 is not a check-in.
        void(5, LATE_UTC_MS, 9), void(6, LATE_UTC_MS, 4),
    ] });
    let (s, body) = call(&h, post("/api/v1/events", t, &page)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let r: IngestResult = serde_json::from_value(body).expect("result");
    assert_eq!(
        (r.acked_seq, r.stored, r.rejected.len()),
        (6, 4, 2),
        "{r:?}"
    );
    // Retried: nothing changes, nothing is voided twice.
    let (_, body) = call(&h, post("/api/v1/events", t, &page)).await;
    let r: IngestResult = serde_json::from_value(body).expect("result");
    assert_eq!((r.stored, r.duplicates), (0, 4), "{r:?}");

    let path = format!("/api/v1/centers/{}/report?date=2026-03-02", h.center);
    let (_, body) = call(&h, get(&path, t)).await;
    let rep: DailyReport = serde_json::from_value(body).expect("report");
    assert_eq!(
        (
            rep.total,
            rep.members,
            rep.visitors,
            rep.distinct_members,
            rep.voided
        ),
        (2, 1, 1, 1, 1)
    );
}

#[tokio::test]
async fn every_error_of_the_api_is_an_api_error_the_frameworks_own_too() {
    let h = hub();
    let kiosk = enroll(&h, h.center).await;
    let token = Some(kiosk.device_token.as_str());
    let post_gzip = Request::post("/api/v1/events")
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", kiosk.device_token),
        )
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_ENCODING, "gzip")
        .body(Body::from("this is not gzip"))
        .expect("request");
    let cases = [
        (
            get("/api/v1/centers/-1/report?date=today", token),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            get(&format!("/api/v1/centers/{}/report", h.center), token),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            get(
                "/api/v1/centers/18446744073709551615/report?date=today",
                token,
            ),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            get("/api/v1/roster?since=soon", token),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (post_gzip, StatusCode::BAD_REQUEST, "bad_request"),
        (
            Request::delete("/api/v1/health")
                .body(Body::empty())
                .expect("request"),
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            get("/api/v1/no-such-thing", None),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (req, status, code) in cases {
        let what = format!("{} {}", req.method(), req.uri());
        let res = app(h.state.clone()).oneshot(req).await.expect("response");
        assert_eq!(res.status(), status, "{what}");
        assert!(
            res.headers()[header::CONTENT_TYPE]
                .to_str()
                .is_ok_and(|t| t.starts_with("application/json")),
            "{what}"
        );
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        let e: protocol::wire::ApiError = serde_json::from_slice(&bytes)
            .unwrap_or_else(|err| panic!("{what}: {err}: {}", String::from_utf8_lossy(&bytes)));
        assert_eq!(e.error, code, "{what}: {}", e.message);
        assert!(!e.message.is_empty(), "{what}");
    }
}

#[tokio::test]
async fn a_center_that_asks_for_check_out_tells_its_kiosks_and_its_day_says_how_long_people_stayed()
{
    let c = city().await;
    let h = &c.h;
    let csrf = csrf_of(h, &c.staff_cookie).await;
    let set = |minutes: &str| {
        form(
            &format!("/centers/{}/checkout", h.center),
            &format!("csrf={csrf}&minutes={minutes}"),
            Some(&c.staff_cookie),
            Some("http://hub.example"),
        )
    };
    // Off by default; a nonsense wait is refused in words and changes nothing.
    let e = enroll(h, h.center).await;
    let (_, r) = call(h, get("/api/v1/sync-state", Some(&e.device_token))).await;
    assert!(r.get("checkout_minutes").is_none(), "{r}");
    let (s, _, html) = page(h, set("2")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("5 to 720 minutes"), "{html}");
    let (s, _, _) = page(h, set("90")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, r) = call(h, get("/api/v1/sync-state", Some(&e.device_token))).await;
    assert_eq!(r["checkout_minutes"], 90, "{r}");
    // Another center's staff cannot set it here.
    let other = form(
        &format!("/centers/{}/checkout", c.other),
        &format!("csrf={csrf}&minutes=60"),
        Some(&c.staff_cookie),
        Some("http://hub.example"),
    );
    let (s, _, _) = page(h, other).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // A member in at 09:00 and out at 10:30; another in and still here.
    let m = h
        .state
        .store
        .add_member(h.center, "林小雨", None)
        .expect("member");
    let n = h
        .state
        .store
        .add_member(h.center, "陈思远", None)
        .expect("member");
    let center = h.state.store.center(h.center).expect("center");
    let nine = center
        .tz()
        .from_local_datetime(&center.today().and_hms_opt(9, 0, 0).expect("time"))
        .earliest()
        .expect("09:00")
        .timestamp_millis();
    let out = json!({ "seq": 3, "at_ms": nine + 90 * 60_000,
        "clock": { "boot_id": "b", "monotonic_ms": 1, "synchronized": true },
        "kind": "member_check_out", "member_id": m, "via": "member_number" });
    let page_of = json!({ "events": [member(1, nine, m), member(2, nine + 60_000, n), out] });
    let (s, r) = call(h, post("/api/v1/events", Some(&e.device_token), &page_of)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["stored"], 3, "{r}");
    let report = hub::report::daily(&h.state.store, h.center, center.today()).expect("report");
    assert_eq!((report.checked_out, report.stay_minutes), (1, Some(90)));
    assert_eq!(report.total, 2, "a check-out is not a visit");
    let (_, _, html) = page(
        h,
        with_cookie(&format!("/centers/{}/day", h.center), &c.staff_cookie),
    )
    .await;
    assert!(
        html.contains("平均停留") && html.contains("1 小时 30 分"),
        "{html}"
    );
    // Turned off again with an empty field.
    let (s, _, _) = page(h, set("")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, r) = call(h, get("/api/v1/sync-state", Some(&e.device_token))).await;
    assert!(r.get("checkout_minutes").is_none(), "{r}");
}
