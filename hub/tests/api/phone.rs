//! Members' phone pages: the renewing code, logging in with a secret.

use super::*;

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
    assert!(
        html.contains("<svg")
            && html.contains("<noscript><meta http-equiv=\"refresh\" content=\"60\"></noscript>")
    );

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
