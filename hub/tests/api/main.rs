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

mod content;
mod dashboard;
mod help;
mod join;
mod kiosk;
mod members;
mod phone;
mod platform;
mod signup;

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
            // Three joins an address in the tests.
            join_limiter: Arc::new(hub::http::limit::FailureLimiter::new(
                3,
                std::time::Duration::from_secs(3600),
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

/// The request as if it came from `ip` (the TCP peer's address).
fn from(ip: [u8; 4], mut req: Request<Body>) -> Request<Body> {
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            ip, 40000,
        ))));
    req
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

/// The CSRF token on the dashboard page of a logged-in user.
async fn csrf_of(h: &Hub, cookie: &str) -> String {
    let (_, _, html) = page(h, with_cookie("/", cookie)).await;
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("csrf on the page")
        .to_string()
}

fn void(seq: u64, at_ms: i64, target: u64) -> Value {
    json!({ "seq": seq, "at_ms": at_ms, "clock": { "boot_id": "b", "monotonic_ms": 1, "synchronized": true },
            "kind": "check_in_voided", "voided_seq": target, "reason": "duplicate", "by": "PIN" })
}
