use super::*;

fn clock() -> ClockInfo {
    ClockInfo {
        boot_id: "b1".into(),
        monotonic_ms: 12_345,
        synchronized: true,
    }
}

#[test]
fn event_page_round_trips_with_flat_kind_tag() {
    let page = EventPage {
        events: vec![
            Event {
                seq: 1,
                at_ms: 1_790_000_000_000,
                clock: clock(),
                kind: EventKind::MemberCheckIn {
                    member_id: 10_000_001,
                    via: CredentialKind::QrToken,
                    activity: None,
                },
            },
            Event {
                seq: 2,
                at_ms: 1_790_000_001_000,
                clock: clock(),
                kind: EventKind::Visitor {
                    age_band: AgeBand::From18To24,
                    purpose: ServiceCategory::Sports,
                },
            },
        ],
    };
    let json = serde_json::to_string(&page).expect("serialize");
    assert!(json.contains(r#""kind":"member_check_in""#), "{json}");
    assert!(json.contains(r#""purpose":"sports""#), "{json}");
    let back: EventPage = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, page);
}

#[test]
fn columns_use_the_same_codes_as_the_json() {
    let kinds = [
        EventKind::MemberCheckIn {
            member_id: 7,
            via: CredentialKind::Card,
            activity: None,
        },
        EventKind::Visitor {
            age_band: AgeBand::Over35,
            purpose: ServiceCategory::Leisure,
        },
        EventKind::CardBound {
            member_id: 7,
            card_hash: "ab".into(),
        },
        EventKind::VolunteerIn {
            member_id: 7,
            via: CredentialKind::QrToken,
            activity: "四点半课堂".into(),
            category: Some(ServiceCategory::PublicService),
        },
        EventKind::VolunteerOut {
            member_id: 7,
            via: CredentialKind::Card,
        },
        EventKind::CheckInVoided {
            voided_seq: 3,
            reason: VoidReason::Duplicate,
            by: "PIN".into(),
        },
        EventKind::ActivityChosen {
            for_seq: 4,
            activity: "a7k2".into(),
        },
        EventKind::MemberCheckOut {
            member_id: 7,
            via: CredentialKind::MemberNumber,
        },
        EventKind::Rated {
            for_seq: 5,
            satisfaction: Satisfaction::Neutral,
        },
    ];
    let seen: Vec<Kind> = kinds.iter().map(EventKind::kind).collect();
    assert_eq!(seen, Kind::ALL, "every kind is tried, in order");
    for k in kinds {
        let json = serde_json::to_value(&k).expect("json");
        let c = k.columns();
        assert_eq!(json["kind"], c.kind.code());
        assert_eq!(Kind::from_code(c.kind.code()), Some(c.kind));
        assert_eq!(json.get("via").and_then(|v| v.as_str()), c.via);
        // A volunteer shift's category is kept in the purpose column.
        let purpose = json.get("purpose").or_else(|| json.get("category"));
        assert_eq!(purpose.and_then(|v| v.as_str()), c.purpose);
        assert_eq!(json.get("age_band").and_then(|v| v.as_str()), c.age_band);
        assert_eq!(json.get("activity").and_then(|v| v.as_str()), c.activity);
        assert_eq!(
            json.get("voided_seq").and_then(|v| v.as_u64()),
            c.voided_seq
        );
        assert_eq!(json.get("for_seq").and_then(|v| v.as_u64()), c.for_seq);
        // A rating's code is kept in the reason column.
        let reason = json.get("reason").or_else(|| json.get("satisfaction"));
        assert_eq!(reason.and_then(|v| v.as_str()), c.reason);
        assert_eq!(json.get("by").and_then(|v| v.as_str()), c.by);
    }
    for k in [
        CredentialKind::QrToken,
        CredentialKind::MemberNumber,
        CredentialKind::Card,
    ] {
        assert_eq!(CredentialKind::from_code(k.code()), Some(k));
    }
}

#[test]
fn ingest_result_from_an_older_hub_without_rejected_still_parses() {
    let r: IngestResult =
        serde_json::from_str(r#"{"acked_seq":5,"stored":5,"duplicates":0}"#).expect("parse");
    assert!(r.rejected.is_empty());
    assert_eq!(r.acked_seq, 5);
}

#[test]
fn a_roster_entry_from_a_first_release_hub_has_no_cards() {
    let e: RosterEntry =
        serde_json::from_str(r#"{"member_id":1,"display_name":"林同学","active":true}"#)
            .expect("parse");
    assert!(e.cards.is_empty());
    assert_eq!(e.card_generation, 0);
}

#[test]
fn a_volunteer_start_without_activity_fields_is_general_duty() {
    let ev: Event = serde_json::from_str(
        r#"{"seq":4,"at_ms":0,"clock":{"boot_id":"b","monotonic_ms":0,"synchronized":true},
            "kind":"volunteer_in","member_id":7,"via":"card"}"#,
    )
    .expect("parse");
    assert_eq!(
        ev.kind,
        EventKind::VolunteerIn {
            member_id: 7,
            via: CredentialKind::Card,
            activity: String::new(),
            category: None,
        }
    );
}

#[test]
fn a_page_is_read_event_by_event_and_keeps_the_seq_of_what_cannot_be_read() {
    let good = serde_json::json!({"seq": 4, "at_ms": 0,
        "clock": {"boot_id": "b", "monotonic_ms": 0, "synchronized": false},
        "kind": "visitor", "age_band": "from18_to24", "purpose": "sports"});
    let teleport = serde_json::json!({"seq": 5, "kind": "teleport"});
    let zero = serde_json::json!({"seq": 0, "at_ms": 0,
        "clock": {"boot_id": "b", "monotonic_ms": 0, "synchronized": false},
        "kind": "visitor", "age_band": "from18_to24", "purpose": "sports"});
    let far = serde_json::json!({"seq": u64::MAX, "at_ms": 0,
        "clock": {"boot_id": "b", "monotonic_ms": 0, "synchronized": false},
        "kind": "visitor", "age_band": "from18_to24", "purpose": "sports"});
    let page = Received::page([good.clone(), teleport.clone(), zero, far]);
    assert_eq!(page[0].seq, Some(4));
    assert_eq!(page[0].raw, good);
    assert!(
        matches!(&page[0].event, Ok(ev) if ev.kind.kind() == Kind::Visitor),
        "{:?}",
        page[0].event
    );
    assert_eq!(
        page[1].seq,
        Some(5),
        "the seq of an unreadable event is kept"
    );
    assert_eq!(page[1].raw, teleport);
    assert!(matches!(&page[1].event, Err(why) if why.starts_with("unreadable event")));
    assert_eq!(page[2].seq, None);
    assert_eq!(page[2].event, Err("seq must start at 1".to_string()));
    assert_eq!(
        page[3].event,
        Err("seq is beyond any a kiosk numbers".to_string())
    );
}

#[test]
fn unknown_event_kind_is_an_error_not_a_default() {
    let bad = r#"{"seq":1,"at_ms":0,"clock":{"boot_id":"b","monotonic_ms":0,"synchronized":false},"kind":"teleport"}"#;
    assert!(serde_json::from_str::<Event>(bad).is_err());
}

#[test]
fn roster_and_enroll_round_trip() {
    let d = RosterDelta {
        revision: 9,
        members: vec![RosterEntry {
            member_id: 10_000_001,
            display_name: "林同学".into(),
            active: true,
            cards: vec!["00112233445566778899aabbccddeeff".into()],
            card_generation: 2,
            volunteer: true,
        }],
        more: false,
    };
    let back: RosterDelta =
        serde_json::from_str(&serde_json::to_string(&d).expect("ser")).expect("de");
    assert_eq!(back, d);
    let e = EnrollResponse {
        device_id: 3,
        device_token: "secret".into(),
        center: CenterInfo {
            id: 1,
            name: "青年之家".into(),
            time_zone: "Asia/Shanghai".into(),
        },
        signing_keys: vec![PublicKeyInfo {
            key_id: 1,
            public_key: "AAAA".into(),
        }],
        card_key: "c2VjcmV0".into(),
        content_root: Some("{}".into()),
    };
    let back: EnrollResponse =
        serde_json::from_str(&serde_json::to_string(&e).expect("ser")).expect("de");
    assert_eq!(back, e);
}
