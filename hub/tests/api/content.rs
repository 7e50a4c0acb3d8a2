//! Signed content through the API: metadata, publishing by a center and by a level.

use super::*;

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
        json!({ "content": { "format": 1, "name": "x", "pictures": [] } }),
        json!({ "content": { "format": 1, "name": "x",
            "services": [{ "category": "employment", "title": { "zh": "", "en": "Jobs" } }] } }),
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
    // The city sets services and a service process for every center below
    // it: published as its own services.json beside its content.json (which
    // kiosks from before it read strictly), and given back together.
    let with_services = json!({ "content": { "format": 1, "name": "杭州市",
        "services": [{ "category": "employment", "title": "就业指导", "place": "二楼",
                       "steps": ["预约", "到场"] }],
        "service_process": ["签到", "说出需要"] } });
    let (s, r) = call(
        h,
        put_content(
            &format!("/api/v1/regions/{city}/content"),
            Some(&c.admin_cookie),
            Some(&admin_csrf),
            &with_services,
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let mut files: Vec<&str> = r["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    files.sort();
    assert_eq!(files, ["content.json", "services.json"]);
    let content = h
        .state
        .content
        .published(hub::content::Owner::Region(city), "content.json")
        .await
        .expect("read")
        .expect("content.json");
    protocol::content::RegionBundle::parse(&String::from_utf8_lossy(&content))
        .expect("a content.json without the services, as older kiosks read it");
    let (s, got) = call(
        h,
        with_cookie(&format!("/api/v1/regions/{city}/content"), &c.admin_cookie),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(got["services"][0]["place"], json!("二楼"), "{got}");
    assert_eq!(got["service_process"][1], json!("说出需要"), "{got}");

    // A kiosk's sync state names its center's levels, nearest first.
    let e = enroll(h, h.center).await;
    let (s, r) = call(h, get("/api/v1/sync-state", Some(&e.device_token))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["regions"], json!([county, city]), "{r}");
}
