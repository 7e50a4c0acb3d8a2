//! Members through the API behind the hub's pages: found, added, changed,
//! revoked and restored by the center's staff and the admins above it,
//! never by another center's staff, and every change in the audit log.

use super::*;

fn send(
    method: &str,
    path: &str,
    cookie: Option<&str>,
    csrf: Option<&str>,
    body: Option<&Value>,
) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    if let Some(t) = csrf {
        b = b.header("x-csrf-token", t);
    }
    b.body(Body::from(body.map(Value::to_string).unwrap_or_default()))
        .expect("request")
}

#[tokio::test]
async fn staff_add_find_change_and_revoke_members_and_each_change_is_in_the_audit_log() {
    let c = city().await;
    let (h, center) = (&c.h, c.h.center);
    let csrf = csrf_of(h, &c.staff_cookie).await;
    let staff = Some(c.staff_cookie.as_str());
    let add = |name: &str| json!({ "name": name, "volunteer": name.ends_with('志'), "phone": "139-0000-0001" });
    let path = format!("/api/v1/centers/{center}/members");

    // A change needs the session's CSRF token.
    let (s, body) = call(h, send("POST", &path, staff, None, Some(&add("林小雨")))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{body}");

    let mut ids = Vec::new();
    for name in ["林小雨", "王小明", "陈志"] {
        let (s, body) = call(h, send("POST", &path, staff, Some(&csrf), Some(&add(name)))).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        ids.push(body["member_id"].as_u64().expect("member_id"));
    }
    let (s, body) = call(
        h,
        send(
            "POST",
            &path,
            staff,
            Some(&csrf),
            Some(&json!({ "name": " " })),
        ),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a member needs a name: {body}"
    );

    let (s, page) = call(h, send("GET", &format!("{path}?q=王"), staff, None, None)).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 1);
    assert_eq!(page["members"][0]["display_name"], "王同学");
    assert_eq!(page["members"][0]["phone"], "13900000001");
    let (_, page) = call(h, send("GET", &path, staff, None, None)).await;
    assert_eq!(page["total"], 3);
    assert_eq!(page["members"][2]["volunteer"], true);

    let first = ids[0];
    let (s, m) = call(
        h,
        send(
            "PATCH",
            &format!("/api/v1/members/{first}"),
            staff,
            Some(&csrf),
            Some(&json!({ "display_name": "小雨", "volunteer": true })),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(
        (m["display_name"].clone(), m["volunteer"].clone()),
        (json!("小雨"), json!(true))
    );
    let (s, m) = call(
        h,
        send(
            "POST",
            &format!("/api/v1/members/{first}/revoke"),
            staff,
            Some(&csrf),
            None,
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(m["active"], false);
    assert!(!h.state.store.member(first as u32).expect("member").active);
    let (_, m) = call(
        h,
        send(
            "POST",
            &format!("/api/v1/members/{first}/restore"),
            staff,
            Some(&csrf),
            None,
        ),
    )
    .await;
    assert_eq!(m["active"], true);

    // Staff do not read the log; the city's admin does, newest first, with
    // who, what, and the member before and after.
    let (s, _) = call(h, send("GET", "/api/v1/audit", staff, None, None)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let admin = Some(c.admin_cookie.as_str());
    let (s, log) = call(h, send("GET", "/api/v1/audit", admin, None, None)).await;
    assert_eq!(s, StatusCode::OK, "{log}");
    let actions: Vec<&str> = log
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        [
            "member.restore",
            "member.revoke",
            "member.volunteer",
            "member.rename",
            "member.add",
            "member.add",
            "member.add"
        ]
    );
    let revoke = &log[1];
    assert_eq!(revoke["actor"], "staff1");
    assert_eq!(revoke["subject"], format!("member {first}"));
    assert_eq!(revoke["before"]["active"], true);
    assert_eq!(revoke["after"]["active"], false);
    // The log goes back a page at a time.
    let oldest_shown = log[4]["id"].as_u64().expect("id");
    let (_, older) = call(
        h,
        send(
            "GET",
            &format!("/api/v1/audit?before={oldest_shown}"),
            admin,
            None,
            None,
        ),
    )
    .await;
    assert_eq!(older.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn another_centers_staff_get_403_on_every_member_endpoint() {
    use hub::store::users::{Role, Scope};
    let c = city().await;
    let h = &c.h;
    let member = h
        .state
        .store
        .add_member(h.center, "林小雨", None)
        .expect("member");
    h.state
        .store
        .add_user(
            "staff2",
            "staff password 2",
            Role::Staff,
            Scope::Center(c.other),
        )
        .expect("staff of the other center");
    let (_, cookie) = log_in(h, "staff2", "staff+password+2").await;
    let cookie = cookie.expect("cookie");
    let csrf = csrf_of(h, &cookie).await;
    let outsider = Some(cookie.as_str());
    let center = h.center;
    for (method, path, body) in [
        ("GET", format!("/api/v1/centers/{center}/members"), None),
        (
            "POST",
            format!("/api/v1/centers/{center}/members"),
            Some(json!({ "name": "闯入者" })),
        ),
        ("GET", format!("/api/v1/members/{member}"), None),
        (
            "PATCH",
            format!("/api/v1/members/{member}"),
            Some(json!({ "display_name": "x" })),
        ),
        ("POST", format!("/api/v1/members/{member}/revoke"), None),
        ("POST", format!("/api/v1/members/{member}/restore"), None),
        ("GET", "/api/v1/audit".to_string(), None),
    ] {
        let (s, body) = call(h, send(method, &path, outsider, Some(&csrf), body.as_ref())).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{method} {path}: {body}");
    }
    // Nothing changed, and nothing was recorded.
    assert!(h.state.store.member(member).expect("member").active);
    assert_eq!(h.state.store.members(center).expect("members").len(), 1);
    assert!(
        h.state
            .store
            .audit_log_all(None, 10)
            .expect("log")
            .is_empty()
    );
    // Without a login: 401.
    let (s, _) = call(
        h,
        send(
            "GET",
            &format!("/api/v1/centers/{center}/members"),
            None,
            None,
            None,
        ),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}
