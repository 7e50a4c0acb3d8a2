//! The hub's API through its router, as a kiosk calls it (no sockets needed).

use std::io::Write;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ed25519_dalek::SigningKey;
use http_body_util::BodyExt;
use hub::http::{AppState, app};
use hub::store::Store;
use protocol::wire::{DailyReport, EnrollResponse, IngestResult, RosterDelta, SyncState};
use serde_json::{Value, json};
use tower::ServiceExt;

struct Hub {
    _dir: tempfile::TempDir,
    state: AppState,
    center: u64,
}

fn hub() -> Hub {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_database(&hub::testing::database(dir.path()).expect("test database"))
        .expect("store");
    let content = dir.path().to_path_buf();
    let center = store
        .add_center("城东街道青年之家", "Asia/Shanghai")
        .expect("center");
    Hub {
        _dir: dir,
        state: AppState {
            store: hub::store::worker::StoreWorker::start(store).expect("store thread"),
            key: Arc::new(SigningKey::from_bytes(&[9; 32])),
            card_key: Arc::new([4; 32]),
            content: Arc::new(hub::content::Repo::new(&content)),
            enroll_limiter: Arc::default(),
            // Five wrong logins an address in the tests, not thirty.
            login_limiter: Arc::new(hub::http::limit::FailureLimiter::new(
                5,
                hub::http::limit::LOGIN_WINDOW,
            )),
            passwords: Arc::default(),
            proxies: Arc::default(),
            metrics: Arc::default(),
        },
        center,
    }
}

async fn call(h: &Hub, req: Request<Body>) -> (StatusCode, Value) {
    let res = app(h.state.clone()).oneshot(req).await.expect("response");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn get(path: &str, token: Option<&str>) -> Request<Body> {
    let mut b = Request::get(path);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::empty()).expect("request")
}

fn post(path: &str, token: Option<&str>, body: &Value) -> Request<Body> {
    let mut b = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    b.body(Body::from(body.to_string())).expect("request")
}

async fn enroll(h: &Hub, center: u64) -> EnrollResponse {
    let code = h.state.store.create_enroll_code(center, 1).expect("code");
    let (status, body) = call(h, post("/api/v1/enroll", None, &json!({ "code": code }))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("enroll response")
}

fn visitor(seq: u64, at_ms: i64) -> Value {
    json!({ "seq": seq, "at_ms": at_ms, "clock": { "boot_id": "b", "monotonic_ms": 1, "synchronized": true },
            "kind": "visitor", "age_band": "from18_to24", "purpose": "sports" })
}

fn member(seq: u64, at_ms: i64, member_id: u32) -> Value {
    json!({ "seq": seq, "at_ms": at_ms, "clock": { "boot_id": "b", "monotonic_ms": 1, "synchronized": true },
            "kind": "member_check_in", "member_id": member_id, "via": "qr_token" })
}

// 2026-03-01T16:30Z is 2026-03-02 00:30 in Shanghai.
const LATE_UTC_MS: i64 = 1_772_382_600_000;

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
async fn the_phone_page_carries_a_two_minute_token_and_never_the_full_name() {
    let h = hub();
    let m = h
        .state
        .store
        .add_member(h.center, "林小雨", None)
        .expect("member");
    let secret = h.state.store.create_member_link(m).expect("link");
    let res = app(h.state.clone())
        .oneshot(get(&format!("/m/{secret}"), None))
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()
            .get(header::CACHE_CONTROL)
            .map(|v| v.to_str().ok()),
        Some(Some("no-store"))
    );
    let html = String::from_utf8(
        res.into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec(),
    )
    .expect("utf-8");
    assert!(html.contains("林同学") && !html.contains("林小雨"));
    assert!(html.contains("<svg") && html.contains("http-equiv=\"refresh\" content=\"60\""));

    // The code behind the QR lives two minutes from now, so a screenshot
    // passed around soon stops working.
    let now = chrono::Utc::now().timestamp();
    let expires: i64 = html
        .split("data-expires-at=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|v| v.parse().ok())
        .expect("expiry on the page");
    assert!(
        (now + 115..=now + 125).contains(&expires),
        "{expires} vs {now}"
    );

    let (s, _) = call(&h, get("/m/not-a-link", None)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// A form post to the phone pages, as a phone's browser sends it.
fn form(path: &str, body: &str, cookie: Option<&str>, origin: Option<&str>) -> Request<Body> {
    let mut b = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "hub.example");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    if let Some(o) = origin {
        b = b.header(header::ORIGIN, o);
    }
    b.body(Body::from(body.to_string())).expect("request")
}

async fn page(h: &Hub, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = app(h.state.clone()).oneshot(req).await.expect("response");
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (status, headers, String::from_utf8_lossy(&bytes).to_string())
}

fn with_cookie(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("request")
}

#[tokio::test]
async fn a_member_logs_in_with_number_and_secret_and_sees_their_code_until_logging_out() {
    let h = hub();
    let m = h
        .state
        .store
        .add_member(h.center, "林小雨", None)
        .expect("member");
    let secret = h.state.store.new_member_secret(m).expect("secret");

    let (s, _, html) = page(&h, get("/m", None)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("name=\"member\"") && html.contains("name=\"secret\""));

    // Wrong secret, unknown number, garbage number: one same answer.
    for body in [
        format!("member={m}&secret=AAAA-AAAA"),
        "member=99999999&secret=AAAA-AAAA".to_string(),
        "member=abc&secret=x".to_string(),
    ] {
        let (s, headers, html) = page(&h, form("/m/login", &body, None, None)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
        assert!(html.contains("会员号或登录码不正确"), "{html}");
        assert!(headers.get(header::SET_COOKIE).is_none());
    }

    // Another site's form cannot log a phone in.
    let body = format!("member={m}&secret={secret}");
    let (s, headers, _) = page(
        &h,
        form("/m/login", &body, None, Some("https://evil.example")),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(headers.get(header::SET_COOKIE).is_none());

    // Typed in lower case without the dash, from the hub's own page: in.
    let typed = secret.to_lowercase().replace('-', "");
    let (s, headers, _) = page(
        &h,
        form(
            "/m/login",
            &format!("member=+{m}+&secret={typed}"),
            None,
            Some("http://hub.example"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let set = headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("cookie")
        .to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/m"),
        "{set}"
    );
    let cookie = set.split(';').next().expect("name=value").to_string();

    let (s, _, html) = page(&h, with_cookie("/m", &cookie)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("<svg") && html.contains("林同学") && !html.contains("林小雨"));
    assert!(html.contains("/m/logout"));

    // Logging out ends that session for good, even if the cookie is kept.
    let (s, headers, _) = page(&h, form("/m/logout", "", Some(&cookie), None)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.contains("Max-Age=0"))
    );
    let (_, _, html) = page(&h, with_cookie("/m", &cookie)).await;
    assert!(html.contains("name=\"secret\"") && !html.contains("<svg"));
}

/// The request as if it came from `ip` (the TCP peer's address).
fn from(ip: [u8; 4], mut req: Request<Body>) -> Request<Body> {
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            ip, 40000,
        ))));
    req
}

#[tokio::test]
async fn wrong_phone_logins_count_against_the_address_not_the_member_and_a_revoked_member_sees_why()
{
    let h = hub();
    let m = h
        .state
        .store
        .add_member(h.center, "林小雨", None)
        .expect("member");
    let secret = h.state.store.new_member_secret(m).expect("secret");
    let attacker = [203, 0, 113, 9];
    // Known and unknown numbers are answered alike, wrong after wrong.
    let mut answers = Vec::new();
    for i in 0..5 {
        let member = if i % 2 == 0 { m } else { 99_999_999 };
        let (s, _, html) = page(
            &h,
            from(
                attacker,
                form(
                    "/m/login",
                    &format!("member={member}&secret=WRONG{i}"),
                    None,
                    None,
                ),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        answers.push(html.replace(&member.to_string(), "N"));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "the same answer");
    // That address now waits, told for how long, whatever it tries…
    let right = format!("member={m}&secret={secret}");
    let (s, headers, html) = page(&h, from(attacker, form("/m/login", &right, None, None))).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("15 分钟后再试"), "{html}");
    assert!(headers.contains_key(header::RETRY_AFTER));
    // …and the member, on their own phone, is not locked out.
    let (s, headers, _) = page(
        &h,
        from([198, 51, 100, 7], form("/m/login", &right, None, None)),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(headers.contains_key(header::SET_COOKIE));

    // A member revoked after logging in is told so, not shown a code.
    let h = hub();
    let m = h
        .state
        .store
        .add_member(h.center, "陈思远", None)
        .expect("member");
    let secret = h.state.store.new_member_secret(m).expect("secret");
    let (_, headers, _) = page(
        &h,
        form(
            "/m/login",
            &format!("member={m}&secret={secret}"),
            None,
            None,
        ),
    )
    .await;
    let cookie = headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("cookie")
        .to_string();
    h.state.store.set_member_active(m, false).expect("revoke");
    let (s, _, html) = page(&h, with_cookie("/m", &cookie)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(html.contains("会员账号已停用") && !html.contains("<svg"));
}

fn void(seq: u64, at_ms: i64, target: u64) -> Value {
    json!({ "seq": seq, "at_ms": at_ms, "clock": { "boot_id": "b", "monotonic_ms": 1, "synchronized": true },
            "kind": "check_in_voided", "voided_seq": target, "reason": "duplicate", "by": "PIN" })
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

/// A city with two counties and a center in each; a staff user of the
/// first center and an admin of the whole city.
struct City {
    h: Hub,
    other: u64,
    staff_cookie: String,
    admin_cookie: String,
}

async fn log_in(h: &Hub, login: &str, password: &str) -> (StatusCode, Option<String>) {
    let (s, headers, _) = page(
        h,
        form(
            "/login",
            &format!("login={login}&password={password}"),
            None,
            None,
        ),
    )
    .await;
    let cookie = headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .map(str::to_string);
    (s, cookie)
}

async fn city() -> City {
    use hub::store::users::{Level, Role, Scope};
    let h = hub();
    let st = &h.state.store;
    let city = st.add_region("杭州市", Level::City, None).expect("city");
    let a = st
        .add_region("上城区", Level::County, Some(city))
        .expect("a");
    let b = st
        .add_region("西湖区", Level::County, Some(city))
        .expect("b");
    st.set_center_region(h.center, Some(a)).expect("place");
    let other = st
        .add_center("西湖区青年中心", "Asia/Shanghai")
        .expect("other");
    st.set_center_region(other, Some(b)).expect("place");
    st.add_user(
        "staff1",
        "staff password 1",
        Role::Staff,
        Scope::Center(h.center),
    )
    .expect("staff");
    st.add_user(
        "cityadmin",
        "admin password 1",
        Role::Admin,
        Scope::Region(city),
    )
    .expect("admin");
    let (_, staff_cookie) = log_in(&h, "staff1", "staff+password+1").await;
    let (_, admin_cookie) = log_in(&h, "cityadmin", "admin+password+1").await;
    City {
        other,
        staff_cookie: staff_cookie.expect("staff cookie"),
        admin_cookie: admin_cookie.expect("admin cookie"),
        h,
    }
}

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
    for (center, title) in [(h.center, "读书会"), (c.other, "篮球赛")] {
        h.state
            .store
            .add_activity(
                center,
                title,
                protocol::catalog::ServiceCategory::CultureLearning,
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
        [("篮球赛".to_string(), 1), ("读书会".to_string(), 3)],
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

#[tokio::test]
async fn content_metadata_is_served_and_a_new_kiosk_learns_the_root_at_enrollment() {
    let h = hub();
    let e = enroll(&h, h.center).await;
    assert_eq!(e.content_root, None, "no content signing set up yet");
    let data = h._dir.path();
    let repo = hub::content::Repo::new(data);
    repo.init(&data.join("root.pk8")).await.expect("init");
    let folder = data.join("folder");
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::write(
        folder.join("content.json"),
        r#"{"format": 1, "center": {"name": "城东街道青年之家"}}"#,
    )
    .expect("json");
    repo.publish(h.center, &folder).await.expect("publish");
    let e = enroll(&h, h.center).await;
    let root = std::fs::read_to_string(data.join("tuf/metadata/root.json")).expect("root");
    assert_eq!(e.content_root.as_deref(), Some(root.as_str()));

    let fetch = |path: &str| {
        let req = Request::get(path).body(Body::empty()).expect("request");
        let app = app(h.state.clone());
        async move {
            let res = app.oneshot(req).await.expect("response");
            let status = res.status();
            let bytes = res.into_body().collect().await.expect("body").to_bytes();
            (status, bytes)
        }
    };
    let (s, body) = fetch("/tuf/metadata/timestamp.json").await;
    assert_eq!(s, StatusCode::OK);
    let ts: Value = serde_json::from_slice(&body).expect("timestamp JSON");
    assert_eq!(ts["signed"]["_type"], "timestamp");
    let stored = std::fs::read_dir(data.join("tuf/targets"))
        .expect("targets")
        .next()
        .expect("one file")
        .expect("entry")
        .file_name()
        .to_string_lossy()
        .to_string();
    let (s, body) = fetch(&format!("/tuf/targets/{stored}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(String::from_utf8_lossy(&body).contains("城东街道青年之家"));
    // Nothing else of the data folder is reachable through these routes.
    for path in [
        "/tuf/metadata/..%2Fhub.sqlite3",
        "/tuf/metadata/hub.sqlite3",
        "/tuf/targets/..%2F..%2Fhub.sqlite3",
        "/tuf/targets/..",
        "/tuf/metadata/.json",
        "/tuf/metadata/nothing.json",
    ] {
        let (s, _) = fetch(path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
}

/// The CSRF token on the dashboard page of a logged-in user.
async fn csrf_of(h: &Hub, cookie: &str) -> String {
    let (_, _, html) = page(h, with_cookie("/", cookie)).await;
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("csrf on the page")
        .to_string()
}

fn put_content(
    path: &str,
    cookie: Option<&str>,
    csrf: Option<&str>,
    body: &Value,
) -> Request<Body> {
    let mut b = Request::put(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    if let Some(t) = csrf {
        b = b.header("x-csrf-token", t);
    }
    b.body(Body::from(body.to_string())).expect("request")
}

#[tokio::test]
async fn an_admin_publishes_content_through_the_api_and_nobody_outside_the_scope_can() {
    let c = city().await;
    let data = c.h._dir.path().to_path_buf();
    hub::content::Repo::new(&data)
        .init(&data.join("root.pk8"))
        .await
        .expect("init");
    let logo = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/content/logo.png"),
    )
    .expect("logo");
    let body = json!({
        "content": { "format": 1, "center": { "name": "上城区青年之家", "logo": "logo.png" },
                     "emergency": { "zh": "今天闭馆", "en": "Closed today" } },
        "files": { "logo.png": data_encoding::BASE64.encode(&logo) }
    });
    let path = format!("/api/v1/centers/{}/content", c.h.center);
    let admin_csrf = csrf_of(&c.h, &c.admin_cookie).await;

    let (s, r) = call(
        &c.h,
        put_content(&path, Some(&c.admin_cookie), Some(&admin_csrf), &body),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["version"], 2, "{r}");
    let (s, got) = call(&c.h, with_cookie(&path, &c.admin_cookie)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got["emergency"]["zh"], "今天闭馆");

    // Refused, and nothing signed: no login, no CSRF token, a forged one,
    // another site's page, a center outside the user's scope.
    let mut other = put_content(&path, Some(&c.admin_cookie), Some(&admin_csrf), &body);
    other.headers_mut().insert(
        header::ORIGIN,
        "https://evil.example".parse().expect("origin"),
    );
    other
        .headers_mut()
        .insert(header::HOST, "hub.example".parse().expect("host"));
    let staff_csrf = csrf_of(&c.h, &c.staff_cookie).await;
    let elsewhere = format!("/api/v1/centers/{}/content", c.other);
    for (req, want) in [
        (
            put_content(&path, None, None, &body),
            StatusCode::UNAUTHORIZED,
        ),
        (
            put_content(&path, Some(&c.admin_cookie), None, &body),
            StatusCode::FORBIDDEN,
        ),
        (
            put_content(&path, Some(&c.admin_cookie), Some("forged"), &body),
            StatusCode::FORBIDDEN,
        ),
        (other, StatusCode::FORBIDDEN),
        (
            put_content(&elsewhere, Some(&c.staff_cookie), Some(&staff_csrf), &body),
            StatusCode::FORBIDDEN,
        ),
    ] {
        let (s, r) = call(&c.h, req).await;
        assert_eq!(s, want, "{r}");
    }
    // Bad content: said why, nothing signed.
    for bad in [
        json!({ "content": { "format": 2, "center": { "name": "x" } } }),
        // Named, neither sent nor published before.
        json!({ "content": { "format": 1, "center": { "name": "x", "logo": "missing.png" } } }),
        json!({ "content": { "format": 1, "center": { "name": "x" } }, "files": { "../x.png": "AAAA" } }),
        json!({ "content": { "format": 1, "center": { "name": "x" } }, "files": { "a.png": "not base64!" } }),
        // What a kiosk would refuse, the hub refuses before signing.
        json!({ "content": { "format": 1, "center": { "name": "x" }, "activities": [{
            "title": "t", "category": "sports", "days": ["mon"], "start": "10:00", "end": "11:00",
            "place": "p", "signup_url": "javascript:alert(1)" }] } }),
    ] {
        let (s, r) = call(
            &c.h,
            put_content(&path, Some(&c.admin_cookie), Some(&admin_csrf), &bad),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {r}");
        assert!(r["message"].as_str().is_some_and(|m| !m.is_empty()), "{r}");
    }
    // The center's own staff publish for their center.
    let (s, r) = call(
        &c.h,
        put_content(&path, Some(&c.staff_cookie), Some(&staff_csrf), &body),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        r["version"], 3,
        "only the good publishes made versions: {r}"
    );
    // The editor sends only new pictures: a logo named and not sent is the
    // published one, carried over, and the preview can fetch it.
    let keep =
        json!({ "content": { "format": 1, "center": { "name": "改名了", "logo": "logo.png" } } });
    let check = format!("{path}/check");
    let mut req = put_content(&check, Some(&c.staff_cookie), Some(&staff_csrf), &keep);
    *req.method_mut() = axum::http::Method::POST;
    let (s, r) = call(&c.h, req).await;
    assert_eq!((s, &r), (StatusCode::OK, &json!({ "ok": true })));
    let (s, r) = call(
        &c.h,
        put_content(&path, Some(&c.staff_cookie), Some(&staff_csrf), &keep),
    )
    .await;
    assert_eq!((s, r["version"].as_u64()), (StatusCode::OK, Some(4)), "{r}");
    let res = app(c.h.state.clone())
        .oneshot(
            Request::get(format!("{path}/files/logo.png"))
                .header(header::COOKIE, &c.staff_cookie)
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(bytes.as_ref(), logo.as_slice());
    // A check says what a publish would, and signs nothing.
    let bad =
        json!({ "content": { "format": 1, "center": { "name": "x", "logo": "missing.png" } } });
    let mut req = put_content(&check, Some(&c.staff_cookie), Some(&staff_csrf), &bad);
    *req.method_mut() = axum::http::Method::POST;
    let (s, r) = call(&c.h, req).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    assert!(
        r["message"]
            .as_str()
            .is_some_and(|m| m.contains("missing.png")),
        "{r}"
    );
    let (_, got) = call(&c.h, with_cookie(&path, &c.admin_cookie)).await;
    assert_eq!(got["center"]["name"], "改名了", "still version 4");
    // An activity's picture, sent once, is carried over by later publishes.
    let content = json!({ "format": 1, "center": { "name": "改名了", "logo": "logo.png" },
        "activities": [{ "title": "读书会", "category": "culture_learning", "days": ["tue"],
                         "start": "19:00", "end": "20:00", "place": "二楼", "picture": "club.png" }] });
    let first = json!({ "content": content,
        "files": { "club.png": data_encoding::BASE64.encode(&logo) } });
    let (s, r) = call(
        &c.h,
        put_content(&path, Some(&c.staff_cookie), Some(&staff_csrf), &first),
    )
    .await;
    assert_eq!((s, r["version"].as_u64()), (StatusCode::OK, Some(5)), "{r}");
    let again = json!({ "content": content });
    let (s, r) = call(
        &c.h,
        put_content(&path, Some(&c.staff_cookie), Some(&staff_csrf), &again),
    )
    .await;
    assert_eq!((s, r["version"].as_u64()), (StatusCode::OK, Some(6)), "{r}");
    assert_eq!(
        r["files"],
        json!(["club.png", "content.json", "logo.png"]),
        "{r}"
    );
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
            "/api/v1/sync-state?software_version=1&last_seq=5&clock_synchronized=true",
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
async fn a_level_publishes_for_itself_and_below_and_a_lower_level_cannot_sign_for_it() {
    use hub::store::users::{Level, Role, Scope};
    let c = city().await;
    let h = &c.h;
    let data = h._dir.path().to_path_buf();
    hub::content::Repo::new(&data)
        .init(&data.join("root.pk8"))
        .await
        .expect("init");
    let st = &h.state.store;
    let regions = st.regions().expect("regions");
    let id = |name: &str| regions.iter().find(|r| r.name == name).expect(name).id;
    let (city, county) = (id("杭州市"), id("上城区"));
    let town = st
        .add_region("湖滨街道", Level::Town, Some(county))
        .expect("town");
    st.add_user(
        "townadmin",
        "town password 1",
        Role::Admin,
        Scope::Region(town),
    )
    .expect("town admin");
    let (_, town_cookie) = log_in(h, "townadmin", "town+password+1").await;
    let town_cookie = town_cookie.expect("town cookie");
    let body = json!({ "content": { "format": 1, "name": "杭州市",
        "emergency": { "zh": "台风预警", "en": "Typhoon warning" } } });
    let put = |region: u64, cookie: &str, csrf: &str| {
        put_content(
            &format!("/api/v1/regions/{region}/content"),
            Some(cookie),
            Some(csrf),
            &body,
        )
    };
    let admin_csrf = csrf_of(h, &c.admin_cookie).await;
    let town_csrf = csrf_of(h, &town_cookie).await;
    let staff_csrf = csrf_of(h, &c.staff_cookie).await;
    // The town's admin cannot sign for the city, nor a center's staff for a level.
    let (s, r) = call(h, put(city, &town_cookie, &town_csrf)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{r}");
    let (s, _) = call(h, put(county, &c.staff_cookie, &staff_csrf)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Without the page's token, not even the city's admin.
    let (s, _) = call(
        h,
        put_content(
            &format!("/api/v1/regions/{city}/content"),
            Some(&c.admin_cookie),
            None,
            &body,
        ),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The city's admin publishes for the city and for a town below it.
    let (s, r) = call(h, put(city, &c.admin_cookie, &admin_csrf)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["region_id"].as_u64(), r["center_id"].as_u64()),
        (Some(city), None)
    );
    let (s, r) = call(h, put(town, &c.admin_cookie, &admin_csrf)).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    // The town's admin for the town.
    let (s, _) = call(h, put(town, &town_cookie, &town_csrf)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, got) = call(
        h,
        with_cookie(&format!("/api/v1/regions/{city}/content"), &c.admin_cookie),
    )
    .await;
    assert_eq!(
        (s, &got["emergency"]["zh"]),
        (StatusCode::OK, &json!("台风预警"))
    );
    // What a kiosk would refuse, refused before signing; pictures are not taken yet.
    for bad in [
        json!({ "content": { "format": 1, "name": "" } }),
        json!({ "content": { "format": 1, "name": "x", "services": [] } }),
        json!({ "content": { "format": 1, "name": "x" }, "files": { "a.png": "AAAA" } }),
    ] {
        let (s, r) = call(
            h,
            put_content(
                &format!("/api/v1/regions/{city}/content"),
                Some(&c.admin_cookie),
                Some(&admin_csrf),
                &bad,
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {r}");
    }
    // A kiosk's sync state names its center's levels, nearest first.
    let e = enroll(h, h.center).await;
    let (s, r) = call(h, get("/api/v1/sync-state", Some(&e.device_token))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["regions"], json!([county, city]), "{r}");
}

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
        st.add_activity(
            h.center,
            title,
            protocol::catalog::ServiceCategory::CultureLearning,
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
