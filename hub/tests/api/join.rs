//! Youths joining from their phone: the form, its refusals, the phone
//! logged in at once, the limits; staff confirming and merging.

use super::*;

fn body(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

fn this_year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .year()
}

#[tokio::test]
async fn a_youth_joins_from_a_phone_and_sees_their_number_and_code_at_once() {
    let h = hub();
    let path = format!("/m/join/{}", h.center);
    let (s, _, html) = page(&h, get(&path, None)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("个人信息怎么用") && html.contains("不做短信验证"),
        "{html}"
    );
    let (s, _, _) = page(&h, get("/m/join/999", None)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let adult = (this_year() - 20).to_string();
    let child = (this_year() - 12).to_string();
    let good = [
        ("name", "林小雨"),
        ("phone", "138 0000 1111"),
        ("birth_year", adult.as_str()),
        ("school_or_work", "城东中学"),
        ("i_sports", "1"),
        ("i_culture_learning", "1"),
        ("privacy", "1"),
    ];
    // Refused, each in words, the form kept filled in, nothing added.
    for (fields, words) in [
        (
            vec![
                ("name", "林小雨"),
                ("phone", "13800001111"),
                ("birth_year", adult.as_str()),
            ],
            "个人信息说明|请阅读并同意",
        ),
        (
            vec![
                ("name", " "),
                ("phone", "13800001111"),
                ("birth_year", adult.as_str()),
                ("privacy", "1"),
            ],
            "请填写姓名",
        ),
        (
            vec![
                ("name", "林小雨"),
                ("phone", "12"),
                ("birth_year", adult.as_str()),
                ("privacy", "1"),
            ],
            "手机号",
        ),
        (
            vec![
                ("name", "林小雨"),
                ("phone", "13800001111"),
                ("birth_year", "1850"),
                ("privacy", "1"),
            ],
            "出生年份",
        ),
        // Under 14 without a guardian's consent.
        (
            vec![
                ("name", "小明"),
                ("phone", "13800002222"),
                ("birth_year", child.as_str()),
                ("privacy", "1"),
                ("guardian_name", "王女士"),
                ("guardian_phone", "13900003333"),
            ],
            "监护人",
        ),
    ] {
        let (s, headers, html) = page(
            &h,
            form(&path, &body(&fields), None, Some("http://hub.example")),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(
            words.split('|').any(|w| html.contains(w)),
            "{fields:?}: {html}"
        );
        assert!(headers.get(header::SET_COOKIE).is_none());
        if let Some((_, phone)) = fields.iter().find(|(k, _)| *k == "phone") {
            assert!(html.contains(phone), "the form keeps what was typed");
        }
    }
    assert!(h.state.store.members(h.center).expect("members").is_empty());

    // Another site's form cannot make a member.
    let (s, _, _) = page(
        &h,
        form(&path, &body(&good), None, Some("https://evil.example")),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Joined: the phone is logged in and sees its number and code.
    let (s, headers, _) = page(
        &h,
        form(&path, &body(&good), None, Some("http://hub.example")),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/m?joined=1");
    let set = headers[header::SET_COOKIE]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(set.contains("HttpOnly") && set.contains("Path=/m"), "{set}");
    let cookie = set.split(';').next().expect("name=value").to_string();
    let members = h.state.store.members(h.center).expect("members");
    assert_eq!(members.len(), 1);
    let m = &members[0];
    assert!(m.self_joined && m.unconfirmed && m.active, "{m:?}");
    assert_eq!(
        (m.phone.as_deref(), m.display_name.as_str()),
        (Some("13800001111"), "林同学")
    );
    let (s, _, html) = page(&h, with_cookie("/m?joined=1", &cookie)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("<svg") && html.contains(&m.id.to_string()),
        "{html}"
    );
    assert!(
        html.contains("欢迎加入") && html.contains("没有经过短信验证"),
        "{html}"
    );
    assert!(
        !html.contains("林小雨"),
        "never the full name on the code page"
    );
    let told = h
        .state
        .store
        .member_joined(m.id)
        .expect("read")
        .expect("joined");
    assert_eq!(told.school_or_work, "城东中学");
    assert_eq!(told.interests, vec!["culture_learning", "sports"]);
    assert_eq!(told.guardian_consent_at_ms, None);
    let log = h.state.store.audit_log_all(None, 10).expect("audit");
    assert_eq!(
        (log[0].action.as_str(), log[0].actor.as_str()),
        ("member.join", "phone")
    );

    // A login secret for another phone: shown once; this phone stays in.
    let (s, headers, html) = page(
        &h,
        form("/m/secret", "", Some(&cookie), Some("http://hub.example")),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let secret = html
        .split("id=\"secret\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .expect("the secret shown")
        .to_string();
    let cookie = headers[header::SET_COOKIE]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("name=value")
        .to_string();
    let (s, _, _) = page(
        &h,
        form(
            "/m/login",
            &format!("member={}&secret={secret}", m.id),
            None,
            Some("http://hub.example"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "the secret logs another phone in");

    // The youth deletes their account from the phone: asked first, then
    // everything about them goes; past visits would stay as bare counts.
    let (s, _, html) = page(&h, with_cookie("/m", &cookie)).await;
    assert!(s == StatusCode::OK && html.contains("/m/delete"), "{html}");
    let (s, _, html) = page(&h, with_cookie("/m/delete", &cookie)).await;
    assert!(s == StatusCode::OK && html.contains("不能撤销"), "{html}");
    let (s, _, html) = page(
        &h,
        form("/m/delete", "", Some(&cookie), Some("http://hub.example")),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "not ticked: asked again");
    assert!(html.contains("我确认注销"));
    assert!(h.state.store.member(m.id).expect("member").active);
    let (s, _, _) = page(
        &h,
        form(
            "/m/delete",
            "sure=1",
            Some(&cookie),
            Some("https://evil.example"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, headers, html) = page(
        &h,
        form(
            "/m/delete",
            "sure=1",
            Some(&cookie),
            Some("http://hub.example"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("已注销"), "{html}");
    assert!(
        headers[header::SET_COOKIE]
            .to_str()
            .expect("cookie")
            .contains("Max-Age=0")
    );
    let gone = h.state.store.member(m.id).expect("the bare number stays");
    assert!(
        gone.full_name.is_empty()
            && gone.phone.is_none()
            && gone.birth_year.is_none()
            && !gone.active,
        "{gone:?}"
    );
    assert!(h.state.store.member_joined(m.id).expect("read").is_none());
    assert!(
        h.state
            .store
            .member_for_session(
                cookie.split('=').nth(1).unwrap_or_default(),
                hub::store::now_ms()
            )
            .expect("session")
            .is_none()
    );
    let log = h.state.store.audit_log_all(None, 10).expect("audit");
    let about: Vec<_> = log
        .iter()
        .filter(|e| e.subject == format!("member {}", m.id))
        .collect();
    assert_eq!(about[0].action, "member.erase");
    assert!(
        about
            .iter()
            .all(|e| e.before.is_none() && e.after.is_none()),
        "{about:?}"
    );
    let (s, _, html) = page(&h, with_cookie("/m", &cookie)).await;
    assert!(
        s == StatusCode::OK && html.contains("/m/login"),
        "logged out: {html}"
    );

    // Under 14 with a guardian's name, phone and consent: in.
    let with_guardian = [
        ("name", "小明"),
        ("phone", "13800002222"),
        ("birth_year", child.as_str()),
        ("privacy", "1"),
        ("guardian_name", "王女士"),
        ("guardian_phone", "13900003333"),
        ("guardian_consent", "1"),
    ];
    let (s, _, _) = page(
        &h,
        form(
            &path,
            &body(&with_guardian),
            None,
            Some("http://hub.example"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let child_member = h
        .state
        .store
        .members(h.center)
        .expect("members")
        .into_iter()
        .find(|m| m.full_name == "小明")
        .expect("the child");
    let told = h
        .state
        .store
        .member_joined(child_member.id)
        .expect("read")
        .expect("joined");
    assert_eq!(
        (told.guardian_name.as_str(), told.guardian_phone.as_str()),
        ("王女士", "13900003333")
    );
    assert!(told.guardian_consent_at_ms.is_some());

    // The address's limit (three an hour in these tests): the next waits.
    let third = [
        ("name", "陈思远"),
        ("phone", "13700004444"),
        ("birth_year", adult.as_str()),
        ("privacy", "1"),
    ];
    let (s, _, _) = page(
        &h,
        form(&path, &body(&third), None, Some("http://hub.example")),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let fourth = [
        ("name", "黄同学"),
        ("phone", "13700005555"),
        ("birth_year", adult.as_str()),
        ("privacy", "1"),
    ];
    let (s, headers, _) = page(
        &h,
        form(&path, &body(&fourth), None, Some("http://hub.example")),
    )
    .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.get(header::RETRY_AFTER).is_some());
    assert_eq!(h.state.store.members(h.center).expect("members").len(), 3);
}

#[test]
fn one_phone_number_joins_at_most_three_times_a_day_and_staff_confirm_or_merge() {
    use hub::admin::{Actor, Admin};
    use hub::store::joins::{Join, Refused};
    let h = hub();
    let store = &h.state.store;
    let year = this_year();
    let join = |name: &str| Join {
        name: name.into(),
        phone: "13800001111".into(),
        birth_year: Some(2005),
        privacy_consent: true,
        ..Join::default()
    };
    // By birth year alone, one who turns 14 this year may still be 13: a
    // guardian is asked for.
    let turning_14 = Join {
        birth_year: u16::try_from(year - 14).ok(),
        ..join("小明")
    };
    assert_eq!(
        hub::admin::joins::join(store, h.center, &turning_14, year)
            .expect("store")
            .err(),
        Some(Refused::Guardian)
    );
    let mut ids = Vec::new();
    for name in ["林小雨", "林小雨", "林晓雨"] {
        let j = hub::admin::joins::join(store, h.center, &join(name), year)
            .expect("store")
            .expect("joined");
        ids.push(j.member.id);
    }
    assert_eq!(
        hub::admin::joins::join(store, h.center, &join("林小雨"), year)
            .expect("store")
            .err(),
        Some(Refused::TooManyForPhone)
    );
    // The member they already were, added by staff earlier.
    let admin = Admin::new(store, Actor::CommandLine);
    let existing = store.add_member(h.center, "林小雨", None).expect("member");
    store
        .bind_card(existing, &"11".repeat(16))
        .expect("card of the existing member");
    store
        .bind_card(ids[1], &"22".repeat(16))
        .expect("card of the duplicate");
    let session = store
        .create_member_session(ids[1], hub::store::now_ms())
        .expect("session");

    let confirmed = admin.confirm_member(ids[0]).expect("confirm");
    assert!(!confirmed.unconfirmed && confirmed.active);
    let merged_into = admin.merge_member(ids[1], existing).expect("merge");
    assert_eq!(merged_into.id, existing);
    let dup = store.member(ids[1]).expect("duplicate");
    assert!(!dup.active && dup.merged_into == Some(existing), "{dup:?}");
    // The youth's phone now shows the member they were, with both cards.
    let on_phone = store
        .member_for_session(&session, hub::store::now_ms())
        .expect("session")
        .expect("still logged in");
    assert_eq!(on_phone.id, existing);
    // Only a self-joined member merges, and never into themselves.
    assert!(admin.merge_member(existing, ids[2]).is_err());
    assert!(admin.merge_member(ids[2], ids[2]).is_err());
    let actions: Vec<String> = store
        .audit_log_all(None, 20)
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&"member.confirm".to_string())
            && actions.contains(&"member.merge".to_string())
    );
}
