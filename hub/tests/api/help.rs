//! 我有话说: a youth asks from their phone, the first staff member to open
//! it is responsible (others of the center are refused), an admin above
//! reads it, the answer reaches the youth's own page, and every read and
//! answer is audited.

use super::*;

#[tokio::test]
async fn a_youths_message_is_answered_by_the_first_staff_member_to_open_it() {
    use hub::store::users::{Role, Scope};
    let c = city().await;
    let h = &c.h;
    let st = &h.state.store;
    for (login, scope) in [
        ("staff2", Scope::Center(h.center)),
        ("faraway", Scope::Center(c.other)),
    ] {
        st.add_user(login, "staff password 2", Role::Staff, scope)
            .expect("user");
    }
    let (_, second) = log_in(h, "staff2", "staff+password+2").await;
    let second = second.expect("cookie");
    let (_, faraway) = log_in(h, "faraway", "staff+password+2").await;
    let faraway = faraway.expect("cookie");

    // The youth's form, with the hotline for what may not wait.
    let (s, _, html) = page(
        h,
        Request::get(format!("/m/help/{}", h.center))
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("12355") && html.contains("心理 / 情绪"),
        "{html}"
    );
    let ask =
        |body: &str, origin: &str| form(&format!("/m/help/{}", h.center), body, None, Some(origin));
    let (s, _, _) = page(h, ask("kind=mood&body=hi", "https://evil.example")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = page(h, ask("body=no+kind", "http://hub.example")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, headers, _) = page(
        h,
        ask(
            "kind=mood&body=%E6%9C%80%E8%BF%91%E5%8E%8B%E5%8A%9B%E5%BE%88%E5%A4%A7&contact=",
            "http://hub.example",
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let mine = headers[header::LOCATION].to_str().expect("to").to_string();
    assert!(mine.starts_with("/m/help/t/"), "{mine}");
    let (_, _, html) = page(h, Request::get(&mine).body(Body::empty()).expect("req")).await;
    assert!(
        html.contains("已收到") && html.contains("id=\"hotline\""),
        "{html}"
    );
    let id = st
        .tickets_of(&format!("[{}]", h.center), 10)
        .expect("tickets")[0]
        .id;

    // Waiting on the overview; past its 3 hours unread, overdue there too.
    let (_, _, html) = page(h, with_cookie("/", &c.staff_cookie)).await;
    assert!(html.contains("待答复的青年留言 1"), "{html}");
    assert!(!html.contains("已超时"), "{html}");
    hub::testing::backdate_ticket(st, id, 4 * 3_600_000).expect("four hours ago");
    let (_, _, html) = page(h, with_cookie("/", &c.staff_cookie)).await;
    assert!(html.contains("已超时 1"), "{html}");

    // The first staff member to open it is responsible; the next is refused.
    let (s, _, html) = page(h, with_cookie("/tickets", &c.staff_cookie)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(&format!("data-ticket=\"{id}\"")) && html.contains("待认领"),
        "{html}"
    );
    let (s, _, html) = page(h, with_cookie(&format!("/tickets/{id}"), &c.staff_cookie)).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("最近压力很大"), "{html}");
    assert_eq!(
        st.ticket(id).expect("ticket").responsible.as_deref(),
        Some("staff1")
    );
    let (s, _, _) = page(h, with_cookie(&format!("/tickets/{id}"), &second)).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "only the responsible one and the admins above"
    );
    let (s, _, _) = page(h, with_cookie(&format!("/tickets/{id}"), &faraway)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "another center's staff");
    let (s, _, _) = page(h, with_cookie(&format!("/tickets/{id}"), &c.admin_cookie)).await;
    assert_eq!(s, StatusCode::OK, "an admin above reads it");
    assert_eq!(
        st.ticket(id).expect("ticket").responsible.as_deref(),
        Some("staff1")
    );

    // Answered; the youth reads it on their page.
    let csrf = csrf_of(h, &c.staff_cookie).await;
    let (s, _, _) = page(
        h,
        form(
            &format!("/tickets/{id}/answer"),
            &format!("csrf={csrf}&reply=%E6%AC%A2%E8%BF%8E%E6%9D%A5%E8%81%8A%E8%81%8A"),
            Some(&c.staff_cookie),
            Some("http://hub.example"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, html) = page(h, Request::get(&mine).body(Body::empty()).expect("req")).await;
    assert!(
        html.contains("已答复") && html.contains("欢迎来聊聊"),
        "{html}"
    );
    let log = st.audit_log_all(None, 50).expect("audit");
    let actions: Vec<(&str, &str)> = log
        .iter()
        .filter(|e| e.subject == format!("ticket {id}"))
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("staff1", "ticket.answer"),
            ("staff1", "ticket.read"),
            ("cityadmin", "ticket.read"),
            ("staff1", "ticket.take")
        ]
    );
}

/// Read within 3 hours, answered within 3 days.
#[test]
fn a_message_is_overdue_when_it_waits_past_its_deadlines() {
    use hub::store::tickets::{ANSWER_WITHIN_MS, Deadlines, Kind, REVIEW_WITHIN_MS, Ticket};
    let d = Deadlines::default();
    let t = Ticket {
        id: 1,
        center_id: 1,
        kind: Kind::Other,
        body: "x".into(),
        contact: String::new(),
        created_at_ms: 0,
        responsible: None,
        opened_at_ms: None,
        reply: None,
        answered_at_ms: None,
        referred_from: None,
        referred_to: None,
        referral_outcome: None,
    };
    assert!(!t.overdue(REVIEW_WITHIN_MS, &d));
    assert!(
        t.overdue(REVIEW_WITHIN_MS + 1, &d),
        "not read within 3 hours"
    );
    let opened = Ticket {
        responsible: Some("a".into()),
        opened_at_ms: Some(60_000),
        ..t.clone()
    };
    assert!(!opened.overdue(ANSWER_WITHIN_MS, &d));
    assert!(
        opened.overdue(ANSWER_WITHIN_MS + 1, &d),
        "not answered within 3 days"
    );
    let answered = Ticket {
        reply: Some("ok".into()),
        answered_at_ms: Some(ANSWER_WITHIN_MS - 1),
        ..opened.clone()
    };
    assert!(!answered.overdue(10 * ANSWER_WITHIN_MS, &d));
    // A network that promises an answer within a day.
    let day = Deadlines {
        answer_ms: 86_400_000,
        ..d
    };
    assert!(opened.overdue(86_400_000 + 1, &day));
}
