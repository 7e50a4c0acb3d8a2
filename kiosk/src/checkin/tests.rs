use ed25519_dalek::SigningKey;
use protocol::token::Claims;
use protocol::wire::{Kind, RosterDelta, RosterEntry};

use super::*;
use crate::clock::ManualClock;
use crate::store::Enrollment;

const CARD_KEY: [u8; 32] = [3; 32];
const CARD_UID: [u8; 4] = [0x04, 0xA1, 0xB2, 0xC3];

// 2026-11-24 09:30 in Shanghai.
const NOW_MS: i64 = 1_795_483_800_000;

struct Fixture {
    _dir: tempfile::TempDir,
    engine: Engine<ManualClock>,
    clock: ManualClock,
    key: SigningKey,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("k.sqlite3")).expect("open");
    let key = SigningKey::from_bytes(&[5; 32]);
    store
        .save_enrollment(
            &Enrollment {
                hub_url: "http://127.0.0.1:9".into(),
                device_id: 1,
                device_token: "t".into(),
                center_id: 1,
                center_name: "青年之家".into(),
                time_zone: "Asia/Shanghai".into(),
                card_key: data_encoding::BASE64.encode(&CARD_KEY),
            },
            &[(1, protocol::token::encode_public_key(&key.verifying_key()))],
        )
        .expect("enroll");
    store
        .apply_roster(&RosterDelta {
            revision: 1,
            members: vec![
                RosterEntry {
                    member_id: 10_000_001,
                    display_name: "林同学".into(),
                    active: true,
                    cards: vec![protocol::card::card_hash(&CARD_KEY, &CARD_UID)],
                    card_generation: 2,
                    volunteer: true,
                },
                RosterEntry {
                    member_id: 10_000_002,
                    display_name: "王同学".into(),
                    active: false,
                    cards: vec![protocol::card::card_hash(&CARD_KEY, &[9, 9, 9, 9])],
                    card_generation: 0,
                    volunteer: true,
                },
            ],
            more: false,
        })
        .expect("roster");
    let clock = ManualClock::at(NOW_MS);
    let engine = Engine::new(store, clock.clone(), 120).expect("engine");
    Fixture {
        _dir: dir,
        engine,
        clock,
        key,
    }
}

fn token(key: &SigningKey, member_id: u32, expires_at_ms: i64) -> String {
    Claims {
        key_id: 1,
        member_id,
        expires_at: u32::try_from(expires_at_ms / 1000).expect("fits"),
    }
    .sign(key)
}

fn refused(o: &Outcome) -> Option<Refusal> {
    match o {
        Outcome::Refused { reason } => Some(*reason),
        _ => None,
    }
}

#[test]
fn a_valid_token_welcomes_the_member_by_display_name_and_is_stored() {
    let mut f = fixture();
    let t = token(&f.key, 10_000_001, NOW_MS + 60_000);
    assert_eq!(
        f.engine.scan(&t),
        Outcome::Welcome {
            name: Some("林同学".into()),
            seq: 1,
            visitor: false,
            attending: Attending::Nothing,
        }
    );
    let page = f.engine.store().pending_page(0, 10, 1 << 20).expect("page");
    assert_eq!(
        page[0].kind,
        EventKind::MemberCheckIn {
            member_id: 10_000_001,
            via: CredentialKind::QrToken,
            activity: None,
        }
    );
    let stats = f.engine.store().day_stats("2026-11-24").expect("stats");
    assert_eq!((stats.members, stats.by_hour[9]), (1, 1));
}

#[test]
fn a_second_scan_within_the_window_is_a_repeat_counted_once() {
    let mut f = fixture();
    assert!(matches!(f.engine.scan("10000001"), Outcome::Welcome { .. }));
    f.clock.advance_ms(5 * 60_000);
    let t = token(&f.key, 10_000_001, NOW_MS + 3_600_000);
    assert_eq!(
        f.engine.scan(&t),
        Outcome::Repeat {
            name: Some("林同学".into()),
            previous_local_time: "09:30".into(),
            of: RepeatOf::CheckIn,
        }
    );
    f.clock.advance_ms(121 * 60_000);
    assert!(matches!(
        f.engine.scan("10000001"),
        Outcome::Welcome { seq: 2, .. }
    ));
}

#[test]
fn expired_forged_and_foreign_tokens_are_refused_with_their_reason() {
    let mut f = fixture();
    let expired = token(&f.key, 10_000_001, NOW_MS - 31_000);
    assert_eq!(refused(&f.engine.scan(&expired)), Some(Refusal::Expired));
    // Within the clock leeway it still counts.
    let just = token(&f.key, 10_000_001, NOW_MS - 10_000);
    assert!(matches!(f.engine.scan(&just), Outcome::Welcome { .. }));

    let forged = token(
        &SigningKey::from_bytes(&[6; 32]),
        10_000_003,
        NOW_MS + 60_000,
    );
    assert_eq!(refused(&f.engine.scan(&forged)), Some(Refusal::Forged));

    let other_key = Claims {
        key_id: 9,
        member_id: 10_000_001,
        expires_at: u32::MAX,
    }
    .sign(&f.key);
    assert_eq!(
        refused(&f.engine.scan(&other_key)),
        Some(Refusal::UnknownKey)
    );
    assert_eq!(
        f.engine.store().last_seq().expect("seq"),
        1,
        "only the valid one stored"
    );
}

#[test]
fn unknown_and_inactive_members_and_garbage_are_refused() {
    let mut f = fixture();
    assert_eq!(
        refused(&f.engine.scan("10000099")),
        Some(Refusal::UnknownMember)
    );
    assert_eq!(
        refused(&f.engine.scan("10000002")),
        Some(Refusal::InactiveMember)
    );
    let t = token(&f.key, 10_000_002, NOW_MS + 60_000);
    assert_eq!(refused(&f.engine.scan(&t)), Some(Refusal::InactiveMember));
    assert_eq!(
        refused(&f.engine.scan("%%garbled%%")),
        Some(Refusal::Garbled)
    );
    assert_eq!(
        refused(&f.engine.scan("YC1NOTBASE32!!")),
        Some(Refusal::Garbled)
    );
    assert_eq!(f.engine.store().last_seq().expect("seq"), 0);
}

#[test]
fn a_token_of_a_member_not_yet_in_the_roster_is_welcomed_without_a_name() {
    let mut f = fixture();
    let t = token(&f.key, 10_000_050, NOW_MS + 60_000);
    assert_eq!(
        f.engine.scan(&t),
        Outcome::Welcome {
            name: None,
            seq: 1,
            visitor: false,
            attending: Attending::Nothing,
        }
    );
}

#[test]
fn visitors_are_counted_every_time() {
    let mut f = fixture();
    let v = Credential::Visitor {
        age_band: AgeBand::From14To17,
        purpose: ServiceCategory::CultureLearning,
    };
    assert!(matches!(
        f.engine.check_in(v.clone()),
        Outcome::Welcome {
            visitor: true,
            seq: 1,
            ..
        }
    ));
    assert!(matches!(
        f.engine.check_in(v),
        Outcome::Welcome { seq: 2, .. }
    ));
    let stats = f.engine.store().day_stats("2026-11-24").expect("stats");
    assert_eq!(
        stats.by_category,
        vec![(ServiceCategory::CultureLearning, 2)]
    );
}

#[test]
fn a_kiosk_not_enrolled_counts_visitors_but_refuses_members_plainly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("k.sqlite3")).expect("open");
    let mut engine = Engine::new(store, ManualClock::at(NOW_MS), 120).expect("engine");
    let key = SigningKey::from_bytes(&[5; 32]);
    let t = token(&key, 10_000_001, NOW_MS + 60_000);
    assert_eq!(refused(&engine.scan(&t)), Some(Refusal::NotEnrolled));
    assert_eq!(
        refused(&engine.scan("10000001")),
        Some(Refusal::NotEnrolled)
    );
    assert!(matches!(
        engine.check_in(Credential::Visitor {
            age_band: AgeBand::Over35,
            purpose: ServiceCategory::Leisure
        }),
        Outcome::Welcome { .. }
    ));
}

#[test]
fn a_full_disk_refuses_with_a_clear_reason_and_keeps_what_was_stored() {
    let mut f = fixture();
    for i in 0..3 {
        let v = Credential::Visitor {
            age_band: AgeBand::Over35,
            purpose: ServiceCategory::Leisure,
        };
        assert!(
            matches!(f.engine.check_in(v), Outcome::Welcome { .. }),
            "{i}"
        );
    }
    // Cap the database at its current size: soon a write cannot get a page.
    f.engine.store.limit_pages_for_test();
    let big = Credential::Visitor {
        age_band: AgeBand::Over35,
        purpose: ServiceCategory::Leisure,
    };
    let mut saw_full = false;
    for _ in 0..500 {
        if refused(&f.engine.check_in(big.clone())) == Some(Refusal::StorageFull) {
            saw_full = true;
            break;
        }
    }
    assert!(saw_full, "the store never reported a full disk");
    let stats = f.engine.store().day_stats("2026-11-24").expect("stats");
    assert!(stats.visitors >= 3, "accepted check-ins were lost");
    assert!(f.engine.store().check_integrity().expect("integrity"));
    assert!(matches!(
        f.engine.check_in(big).to_json()["reason"].as_str(),
        Some("storage_full")
    ));
}

#[test]
fn a_bound_card_checks_its_member_in_and_others_are_refused_plainly() {
    let mut f = fixture();
    assert_eq!(
        f.engine.check_in(Credential::CardUid(CARD_UID.to_vec())),
        Outcome::Welcome {
            name: Some("林同学".into()),
            seq: 1,
            visitor: false,
            attending: Attending::Nothing,
        }
    );
    let page = f.engine.store().pending_page(0, 10, 1 << 20).expect("page");
    assert_eq!(
        page[0].kind,
        EventKind::MemberCheckIn {
            member_id: 10_000_001,
            via: CredentialKind::Card,
            activity: None,
        }
    );
    // The same card again: one tap counted once, however long it lies on the reader.
    assert!(matches!(
        f.engine.check_in(Credential::CardUid(CARD_UID.to_vec())),
        Outcome::Repeat { .. }
    ));
    assert_eq!(
        refused(&f.engine.check_in(Credential::CardUid(vec![1, 2, 3, 4]))),
        Some(Refusal::UnknownCard)
    );
    assert_eq!(
        refused(&f.engine.check_in(Credential::CardUid(vec![9, 9, 9, 9]))),
        Some(Refusal::InactiveMember)
    );
    assert_eq!(f.engine.store().last_seq().expect("seq"), 1);
}

#[test]
fn a_printed_card_of_an_older_generation_is_refused() {
    let mut f = fixture();
    let card = |generation| {
        Claims {
            key_id: 1,
            member_id: 10_000_001,
            expires_at: u32::MAX,
        }
        .sign_card(&f.key, generation)
    };
    assert_eq!(
        refused(&f.engine.scan(&card(1))),
        Some(Refusal::CardReplaced)
    );
    assert!(matches!(f.engine.scan(&card(2)), Outcome::Welcome { .. }));
    // A newer card than the roster knows: the roster is behind, the signature is good.
    f.clock.advance_ms(3 * 3_600_000);
    assert!(matches!(f.engine.scan(&card(3)), Outcome::Welcome { .. }));
}

#[test]
fn staff_bind_a_card_that_then_checks_its_member_in_and_is_not_a_visit() {
    let mut f = fixture();
    let uid = [0x11, 0x22, 0x33, 0x44];
    assert_eq!(f.engine.card_owner(&uid), None);
    assert_eq!(
        f.engine.bind_card(&uid, 10_000_099),
        Err(Refusal::UnknownMember)
    );
    assert_eq!(
        f.engine.bind_card(&uid, 10_000_002),
        Err(Refusal::InactiveMember)
    );
    assert_eq!(
        f.engine.bind_card(&uid, 10_000_001),
        Ok("林同学".to_string())
    );
    assert_eq!(f.engine.card_owner(&uid).as_deref(), Some("林同学"));
    assert!(matches!(
        f.engine.check_in(Credential::CardUid(uid.to_vec())),
        Outcome::Welcome { seq: 2, .. }
    ));
    let page = f.engine.store().pending_page(0, 10, 1 << 20).expect("page");
    assert!(
        matches!(&page[0].kind, EventKind::CardBound { member_id: 10_000_001, card_hash } if card_hash.len() == 32)
    );
    let stats = f.engine.store().day_stats("2026-11-24").expect("stats");
    assert_eq!(
        (stats.total, stats.members),
        (1, 1),
        "a binding is not a visit"
    );
}

fn start(activity: &str) -> ShiftAction {
    ShiftAction::Start {
        activity: activity.into(),
        category: Some(ServiceCategory::PublicService),
    }
}

#[test]
fn a_volunteer_starts_and_ends_a_shift_and_is_told_how_long_it_was() {
    let mut f = fixture();
    let number = || Credential::MemberNumber(10_000_001);
    assert_eq!(
        f.engine.volunteer(number(), start("四点半课堂")),
        Outcome::Shift {
            name: Some("林同学".into()),
            seq: 1,
            change: ShiftChange::Started {
                activity: "四点半课堂".into(),
                unclosed_since: None,
            },
        }
    );
    // A second scan a minute later is a double scan, not a new shift.
    f.clock.advance_ms(60_000);
    assert!(matches!(
        f.engine.volunteer(number(), start("四点半课堂")),
        Outcome::Repeat {
            of: RepeatOf::ShiftStart,
            ..
        }
    ));
    f.clock.advance_ms(2 * 3_600_000 + 14 * 60_000);
    // Ending with the card gives the same member.
    assert_eq!(
        f.engine
            .volunteer(Credential::CardUid(CARD_UID.to_vec()), ShiftAction::End),
        Outcome::Shift {
            name: Some("林同学".into()),
            seq: 2,
            change: ShiftChange::Ended { minutes: Some(135) },
        }
    );
    assert!(matches!(
        f.engine.volunteer(number(), ShiftAction::End),
        Outcome::Repeat {
            of: RepeatOf::ShiftEnd,
            ..
        }
    ));
    let page = f.engine.store().pending_page(0, 10, 1 << 20).expect("page");
    assert_eq!(
        page.iter().map(|e| e.kind.clone()).collect::<Vec<_>>(),
        vec![
            EventKind::VolunteerIn {
                member_id: 10_000_001,
                via: CredentialKind::MemberNumber,
                activity: "四点半课堂".into(),
                category: Some(ServiceCategory::PublicService),
            },
            EventKind::VolunteerOut {
                member_id: 10_000_001,
                via: CredentialKind::Card,
            },
        ]
    );
    // Shifts are not visits: today's visit count is untouched.
    let stats = f.engine.store().day_stats("2026-11-24").expect("stats");
    assert_eq!((stats.total, stats.by_category.len()), (0, 0));
}

#[test]
fn an_end_without_a_start_here_and_a_start_over_an_open_shift_are_recorded_and_said() {
    let mut f = fixture();
    let number = || Credential::MemberNumber(10_000_001);
    // The start may have been at the center's other kiosk: recorded, no length claimed.
    assert_eq!(
        f.engine.volunteer(number(), ShiftAction::End),
        Outcome::Shift {
            name: Some("林同学".into()),
            seq: 1,
            change: ShiftChange::Ended { minutes: None },
        }
    );
    f.clock.advance_ms(15 * 60_000);
    assert!(matches!(
        f.engine.volunteer(number(), start("")),
        Outcome::Shift {
            change: ShiftChange::Started {
                unclosed_since: None,
                ..
            },
            ..
        }
    ));
    f.clock.advance_ms(3 * 3_600_000);
    assert_eq!(
        f.engine.volunteer(number(), start("桌游之夜")),
        Outcome::Shift {
            name: Some("林同学".into()),
            seq: 3,
            change: ShiftChange::Started {
                activity: "桌游之夜".into(),
                unclosed_since: Some("09:45".into()),
            },
        }
    );
}

#[test]
fn only_registered_active_volunteers_start_shifts() {
    let mut f = fixture();
    // A valid code of a member the roster does not list as a volunteer.
    let stranger = token(&f.key, 10_000_050, NOW_MS + 60_000);
    assert_eq!(
        refused(&f.engine.volunteer(Credential::Token(stranger), start(""))),
        Some(Refusal::NotAVolunteer)
    );
    assert_eq!(
        refused(
            &f.engine
                .volunteer(Credential::MemberNumber(10_000_002), start(""))
        ),
        Some(Refusal::InactiveMember)
    );
    let expired = token(&f.key, 10_000_001, NOW_MS - 3_600_000);
    assert_eq!(
        refused(
            &f.engine
                .volunteer(Credential::Token(expired), ShiftAction::End)
        ),
        Some(Refusal::Expired)
    );
    assert_eq!(
        refused(&f.engine.volunteer(
            Credential::Visitor {
                age_band: AgeBand::Over35,
                purpose: ServiceCategory::Sports
            },
            ShiftAction::End
        )),
        Some(Refusal::Garbled)
    );
    assert_eq!(
        f.engine.store().last_seq().expect("seq"),
        0,
        "nothing recorded"
    );
}

#[test]
fn staff_void_a_mistaken_check_in_which_is_kept_marked_and_no_longer_counted() {
    let mut f = fixture();
    assert!(matches!(
        f.engine.scan("10000001"),
        Outcome::Welcome { seq: 1, .. }
    ));
    assert!(matches!(
        f.engine.check_in(Credential::Visitor {
            age_band: AgeBand::Over35,
            purpose: ServiceCategory::Sports
        }),
        Outcome::Welcome { seq: 2, .. }
    ));
    f.engine
        .void(2, VoidReason::Mistake, "PIN")
        .expect("void the visitor");
    let stats = f.engine.store().day_stats("2026-11-24").expect("stats");
    assert_eq!(
        (stats.total, stats.members, stats.visitors, stats.voided),
        (1, 1, 0, 1)
    );
    assert!(stats.by_category.is_empty());
    let list = f.engine.store().day_list("2026-11-24", 50).expect("list");
    assert_eq!(list.len(), 2, "the voided one is still listed");
    assert_eq!(list[0].seq, 2);
    assert_eq!(
        list[0].voided,
        Some((VoidReason::Mistake, "PIN".to_string()))
    );
    assert_eq!(
        list[1].who,
        crate::store::Who::Member {
            member_id: 10_000_001,
            display_name: Some("林同学".into())
        }
    );
    // Twice, or a void of something that is not a check-in, is refused.
    assert!(f.engine.void(2, VoidReason::Mistake, "PIN").is_err());
    assert!(f.engine.void(3, VoidReason::Other, "PIN").is_err());
    assert!(f.engine.void(99, VoidReason::Other, "PIN").is_err());
    let page = f.engine.store().pending_page(0, 10, 1 << 20).expect("page");
    assert_eq!(
        page[2].kind,
        EventKind::CheckInVoided {
            voided_seq: 2,
            reason: VoidReason::Mistake,
            by: "PIN".into()
        }
    );
}

#[test]
fn a_staff_card_is_known_by_its_hash_and_can_be_removed() {
    let f = fixture();
    let uid = [0x51, 0x52, 0x53, 0x54];
    assert_eq!(f.engine.staff_card(&uid), None);
    f.engine
        .add_staff_card(&uid, " 前台 Front desk ")
        .expect("add");
    assert_eq!(
        f.engine.staff_card(&uid).as_deref(),
        Some("前台 Front desk")
    );
    assert_eq!(f.engine.remove_staff_card(&uid), Ok(true));
    assert_eq!(f.engine.remove_staff_card(&uid), Ok(false));
    assert_eq!(f.engine.staff_card(&uid), None);
}

#[test]
fn volunteers_on_site_are_those_whose_last_shift_event_is_a_start() {
    let mut f = fixture();
    f.engine
        .volunteer(Credential::MemberNumber(10_000_001), start(""));
    let stats = f.engine.store().day_stats("2026-11-24").expect("stats");
    assert_eq!(stats.volunteers_on_site, 1);
    f.clock.advance_ms(3_600_000);
    f.engine
        .volunteer(Credential::MemberNumber(10_000_001), ShiftAction::End);
    let stats = f.engine.store().day_stats("2026-11-24").expect("stats");
    assert_eq!(stats.volunteers_on_site, 0);
}

#[test]
fn a_card_tapped_while_the_hub_waits_for_one_is_bound_once_and_not_after_the_request_expires() {
    let mut f = fixture();
    let unknown = [0x09, 0x08, 0x07, 0x06];
    let request = protocol::wire::BindNext {
        member_id: 10_000_001,
        display_name: "林同学".into(),
        until_ms: NOW_MS + 10 * 60_000,
    };
    let json = serde_json::to_string(&request).expect("json");
    f.engine
        .store()
        .set_setting(SETTING_BIND_NEXT, &json)
        .expect("request");
    // Expired: the tap is a check-in (and refused, the card being unknown).
    f.clock.advance_ms(11 * 60_000);
    assert_eq!(f.engine.bind_next_card(&unknown), None);
    assert_eq!(
        f.engine.check_in(Credential::CardUid(unknown.to_vec())),
        Outcome::refused(Refusal::UnknownCard)
    );
    // Standing: bound once, then the card checks the member in.
    let request = protocol::wire::BindNext {
        until_ms: f.engine.now_ms() + 10 * 60_000,
        ..request
    };
    let json = serde_json::to_string(&request).expect("json");
    f.engine
        .store()
        .set_setting(SETTING_BIND_NEXT, &json)
        .expect("request");
    assert_eq!(
        f.engine.bind_next_card(&unknown),
        Some(Outcome::CardBound {
            name: "林同学".into()
        })
    );
    assert_eq!(f.engine.bind_next_card(&[1, 2, 3, 4]), None, "served once");
    assert!(matches!(
        f.engine.check_in(Credential::CardUid(unknown.to_vec())),
        Outcome::Welcome { .. }
    ));
}

#[test]
fn a_youth_binds_their_own_id_card_with_their_phone_code_and_taps_it_afterwards() {
    use crate::door::{Door, UNBOUND_CARD_WAIT_MS};
    let mut f = fixture();
    let mut door = Door::default();
    // The chip serial of an ID card (8 bytes), nobody's yet.
    let id_card = vec![0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0];
    let tap = |door: &mut Door, engine: &mut Engine<ManualClock>| {
        door.present_credential(engine, Ok(Credential::CardUid(id_card.clone())))
    };
    assert_eq!(
        tap(&mut door, &mut f.engine),
        Outcome::refused(Refusal::UnboundCard)
    );
    // A typed number does not claim it: it checks in and the card is forgotten.
    let typed = door.present_credential(&mut f.engine, Ok(Credential::MemberNumber(10_000_001)));
    assert!(matches!(typed, Outcome::Welcome { .. }), "{typed:?}");
    f.clock.advance_ms(3 * 3_600_000);
    let code = token(&f.key, 10_000_001, f.engine.now_ms() + 60_000);
    assert!(matches!(
        door.present_credential(&mut f.engine, Ok(Credential::Token(code.clone()))),
        Outcome::Welcome { .. }
    ));
    assert_eq!(f.engine.card_owner(&id_card), None);

    // Too late: the code after the wait is a check-in only.
    f.clock.advance_ms(3 * 3_600_000);
    tap(&mut door, &mut f.engine);
    f.clock.advance_ms(UNBOUND_CARD_WAIT_MS + 1);
    let code = token(&f.key, 10_000_001, f.engine.now_ms() + 60_000);
    assert!(matches!(
        door.present_credential(&mut f.engine, Ok(Credential::Token(code))),
        Outcome::Welcome { .. }
    ));
    assert_eq!(f.engine.card_owner(&id_card), None);

    // Somebody else's code after the tap: they are checked in and asked
    // for the card, which they do not hold: nothing is bound.
    f.clock.advance_ms(3 * 3_600_000);
    tap(&mut door, &mut f.engine);
    let other = token(&f.key, 10_000_001, f.engine.now_ms() + 60_000);
    assert!(matches!(
        door.present_credential(&mut f.engine, Ok(Credential::Token(other))),
        Outcome::ClaimCard { .. }
    ));
    f.clock.advance_ms(UNBOUND_CARD_WAIT_MS + 1);
    assert_eq!(
        tap(&mut door, &mut f.engine),
        Outcome::refused(Refusal::UnboundCard),
        "too late: the card is still nobody's"
    );
    assert_eq!(f.engine.card_owner(&id_card), None);
    // A member the roster does not know (joined a moment ago) is welcomed
    // but cannot claim a card yet.
    f.clock.advance_ms(UNBOUND_CARD_WAIT_MS + 1);
    tap(&mut door, &mut f.engine);
    let newcomer = token(&f.key, 10_000_777, f.engine.now_ms() + 60_000);
    assert!(matches!(
        door.present_credential(&mut f.engine, Ok(Credential::Token(newcomer))),
        Outcome::Welcome { .. }
    ));

    // A forged code binds nothing, and the wait is used up.
    tap(&mut door, &mut f.engine);
    let forged = token(
        &SigningKey::from_bytes(&[6; 32]),
        10_000_001,
        f.engine.now_ms() + 60_000,
    );
    assert_eq!(
        door.present_credential(&mut f.engine, Ok(Credential::Token(forged))),
        Outcome::refused(Refusal::Forged)
    );
    assert_eq!(f.engine.card_owner(&id_card), None);

    // Tap, the phone's code, the card again: bound (and checked in at the code).
    f.clock.advance_ms(3 * 3_600_000);
    tap(&mut door, &mut f.engine);
    f.clock.advance_ms(UNBOUND_CARD_WAIT_MS / 2);
    let code = token(&f.key, 10_000_001, f.engine.now_ms() + 60_000);
    assert_eq!(
        door.present_credential(&mut f.engine, Ok(Credential::Token(code))),
        Outcome::ClaimCard {
            name: Some("林同学".into()),
            checked_in: true
        }
    );
    assert_eq!(
        f.engine.card_owner(&id_card),
        None,
        "not before the card again"
    );
    f.clock.advance_ms(UNBOUND_CARD_WAIT_MS / 2);
    assert_eq!(
        tap(&mut door, &mut f.engine),
        Outcome::OwnCardBound {
            name: Some("林同学".into())
        }
    );
    assert_eq!(f.engine.card_owner(&id_card), Some("林同学".into()));
    let events = f
        .engine
        .store()
        .pending_page(0, 100, 1 << 20)
        .expect("page");
    let bound: Vec<_> = events
        .iter()
        .filter(|e| {
            matches!(
                &e.kind,
                EventKind::CardBound {
                    member_id: 10_000_001,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(bound.len(), 1, "one binding sent to the hub");
    // Only the keyed hash travels: the serial itself is nowhere in the event.
    let json = serde_json::to_string(&bound[0].kind).expect("json");
    assert!(!json.to_uppercase().contains("123456789ABCDEF0"), "{json}");

    // Afterwards the card alone checks the youth in.
    f.clock.advance_ms(3 * 3_600_000);
    assert!(matches!(
        tap(&mut door, &mut f.engine),
        Outcome::Welcome { name: Some(n), .. } if n == "林同学"
    ));
}

/// Today (2026-11-24) a reading club 09:00–11:00 with two places, one
/// booked by 10000001, and a board-game morning 10:00–12:00 without a limit.
fn todays_activities(f: &Fixture) {
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
    let list = vec![
        protocol::wire::KioskActivity {
            id: "read".into(),
            title: "读书会".into(),
            date,
            start: "09:00".into(),
            end: "11:00".into(),
            capacity: Some(2),
            booked: vec![10_000_001],
            room: false,
        },
        protocol::wire::KioskActivity {
            id: "games".into(),
            title: "桌游".into(),
            date,
            start: "10:00".into(),
            end: "12:00".into(),
            capacity: None,
            booked: vec![],
            room: false,
        },
        // A counseling room's slot the walk-in below booked: a booking,
        // not an activity; nobody is asked about it or counted for it.
        protocol::wire::KioskActivity {
            id: "room-1".into(),
            title: "咨询室".into(),
            date,
            start: "09:00".into(),
            end: "10:00".into(),
            capacity: Some(1),
            booked: vec![10_000_004],
            room: true,
        },
        // Tomorrow's: never offered today.
        protocol::wire::KioskActivity {
            id: "later".into(),
            title: "明天的活动".into(),
            date: date.succ_opt().expect("tomorrow"),
            start: "09:00".into(),
            end: "11:00".into(),
            capacity: None,
            booked: vec![10_000_003],
            room: false,
        },
    ];
    f.engine
        .store()
        .set_setting(
            activities::SETTING_ACTIVITIES,
            &serde_json::to_string(&list).expect("json"),
        )
        .expect("setting");
}

fn activity_of(f: &Fixture, seq: u64) -> Option<String> {
    let page = f
        .engine
        .store()
        .pending_page(0, 100, 1 << 20)
        .expect("page");
    page.into_iter()
        .find(|e| e.seq == seq)
        .and_then(|e| match e.kind {
            EventKind::MemberCheckIn { activity, .. } => activity,
            _ => None,
        })
}

#[test]
fn a_member_who_signed_up_is_counted_for_their_activity_and_others_are_asked() {
    let mut f = fixture();
    todays_activities(&f);
    // 09:30: the reading club runs; the board games open at 09:30 (half an
    // hour early).
    let running = f.engine.running_activities();
    let ids: Vec<&str> = running.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["read", "games"]);
    assert_eq!(running[0].places_left, Some(1), "two places, one booked");
    assert_eq!(running[1].places_left, None);

    // The member who signed up: counted for it at once, nothing asked.
    let o = f.engine.scan(&token(&f.key, 10_000_001, NOW_MS + 60_000));
    let Outcome::Welcome {
        seq,
        attending: Attending::Booked(r),
        ..
    } = &o
    else {
        panic!("booked: {o:?}");
    };
    assert_eq!(r.id, "read");
    assert_eq!(activity_of(&f, *seq).as_deref(), Some("read"));
    assert_eq!(o.to_json()["activity"]["id"], "read");

    // A walk-in is asked, and stays "just visiting" until they answer.
    let o = f.engine.scan(&token(&f.key, 10_000_004, NOW_MS + 60_000));
    let Outcome::Welcome {
        seq: walk_in,
        attending: Attending::Ask(asked),
        ..
    } = &o
    else {
        panic!("asked: {o:?}");
    };
    assert_eq!(asked.len(), 2);
    assert_eq!(activity_of(&f, *walk_in).as_deref(), Some(""));
    assert_eq!(o.to_json()["ask"][0]["places_left"], 1);
    let walk_in = *walk_in;
    let answer = f.engine.choose_activity(walk_in, "read");
    assert!(
        matches!(&answer, Outcome::Attending { activity: Some(r) } if r.id == "read"),
        "{answer:?}"
    );
    assert!(answer.is_recorded());
    assert_eq!(answer.to_json()["outcome"], "activity_chosen");
    let came = f.engine.store().came_for("2026-11-24").expect("came");
    assert_eq!(
        came,
        [
            ("read".to_string(), 10_000_001),
            ("read".to_string(), 10_000_004)
        ]
    );
    // The reading club is full now: the next walk-in may not take a place.
    let o = f.engine.scan(&token(&f.key, 10_000_005, NOW_MS + 60_000));
    let Outcome::Welcome {
        seq: third,
        attending: Attending::Ask(asked),
        ..
    } = &o
    else {
        panic!("asked: {o:?}");
    };
    assert_eq!(asked[0].places_left, Some(0));
    let third = *third;
    assert_eq!(
        refused(&f.engine.choose_activity(third, "read")),
        Some(Refusal::ActivityFull)
    );
    assert_eq!(
        refused(&f.engine.choose_activity(third, "later")),
        Some(Refusal::NotRunning),
        "tomorrow's activity is not running"
    );
    assert_eq!(
        f.engine.choose_activity(third, "games"),
        Outcome::Attending {
            activity: Some(asked[1].clone())
        }
    );
    // Changing their mind: the latest answer stands.
    assert_eq!(
        f.engine.choose_activity(third, ""),
        Outcome::Attending { activity: None }
    );
    let came = f.engine.store().came_for("2026-11-24").expect("came");
    assert_eq!(came.len(), 2, "just visiting counts for none: {came:?}");
    // Each answer went into the outbox, naming its check-in.
    let page = f
        .engine
        .store()
        .pending_page(0, 100, 1 << 20)
        .expect("page");
    let answers: Vec<(u64, String)> = page
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::ActivityChosen { for_seq, activity } => Some((for_seq, activity)),
            _ => None,
        })
        .collect();
    assert_eq!(
        answers,
        [
            (walk_in, "read".to_string()),
            (third, "games".to_string()),
            (third, String::new())
        ]
    );
    // An answer for no check-in of this kiosk is refused and not kept.
    assert_eq!(
        refused(&f.engine.choose_activity(999, "")),
        Some(Refusal::NotRunning)
    );
}

#[test]
fn nothing_is_asked_when_no_activity_runs() {
    let mut f = fixture();
    todays_activities(&f);
    // 12:30: both have ended.
    f.clock.advance_ms(3 * 3_600_000);
    assert!(f.engine.running_activities().is_empty());
    let o = f
        .engine
        .scan(&token(&f.key, 10_000_004, NOW_MS + 4 * 3_600_000));
    let Outcome::Welcome { seq, attending, .. } = &o else {
        panic!("{o:?}");
    };
    assert_eq!(*attending, Attending::Nothing);
    assert_eq!(activity_of(&f, *seq), None, "not asked: the hub decides");
    assert!(o.to_json().get("ask").is_none());
}

#[test]
fn at_a_center_that_asks_a_later_scan_checks_the_member_out() {
    let mut f = fixture();
    let scan = |f: &mut Fixture| f.engine.scan("10000001");
    // On, after an hour: 09:30 in, 10:00 a repeat, 10:45 out, a double
    // scan at once a repeat, 11:50 back in.
    f.engine
        .store()
        .set_setting(SETTING_CHECKOUT, "60")
        .expect("setting");
    assert!(matches!(scan(&mut f), Outcome::Welcome { .. }));
    f.clock.advance_ms(30 * 60_000);
    assert!(
        matches!(
            scan(&mut f),
            Outcome::Repeat {
                of: RepeatOf::CheckIn,
                ..
            }
        ),
        "not an hour yet: already checked in"
    );
    f.clock.advance_ms(45 * 60_000);
    let out = scan(&mut f);
    assert!(
        matches!(&out, Outcome::CheckedOut { minutes: 75, .. }),
        "{out:?}"
    );
    assert!(out.is_recorded());
    assert_eq!(out.to_json()["outcome"], "checked_out");
    f.clock.advance_ms(60_000);
    assert!(matches!(
        scan(&mut f),
        Outcome::Repeat {
            of: RepeatOf::CheckOut,
            ..
        }
    ));
    f.clock.advance_ms(64 * 60_000);
    assert!(matches!(scan(&mut f), Outcome::Welcome { .. }), "back in");
    assert_eq!(
        f.engine.store().stays("2026-11-24").expect("stays"),
        (1, Some(75))
    );
    // Off (the default): a scan after the repeat window is a new visit.
    f.engine
        .store()
        .delete_setting(SETTING_CHECKOUT)
        .expect("setting");
    f.clock.advance_ms(130 * 60_000);
    assert!(matches!(scan(&mut f), Outcome::Welcome { .. }));
    let page = f
        .engine
        .store()
        .pending_page(0, 100, 1 << 20)
        .expect("page");
    let kinds: Vec<Kind> = page.iter().map(|e| e.kind.kind()).collect();
    assert_eq!(
        kinds,
        [
            Kind::MemberCheckIn,
            Kind::MemberCheckOut,
            Kind::MemberCheckIn,
            Kind::MemberCheckIn
        ]
    );
}

#[test]
fn a_member_is_asked_about_their_last_visit_once_and_at_check_out_about_this_one() {
    let mut f = fixture();
    let scan = |f: &mut Fixture| f.engine.scan("10000001");
    let first = scan(&mut f);
    // A first visit: nothing earlier to ask about.
    assert_eq!(f.engine.rating_offer(&first), None);
    let Outcome::Welcome { seq: first_seq, .. } = first else {
        panic!("{first:?}")
    };
    // The next day: asked about yesterday's visit.
    f.clock.advance_ms(24 * 3_600_000);
    let second = scan(&mut f);
    let offer = f.engine.rating_offer(&second).expect("an offer");
    assert_eq!(
        offer,
        RatingOffer {
            for_seq: first_seq,
            last_visit: Some("2026-11-24".into()),
        }
    );
    f.engine
        .rate(offer.for_seq, protocol::catalog::Satisfaction::Satisfied)
        .expect("rated");
    let page = f
        .engine
        .store()
        .pending_page(0, 100, 1 << 20)
        .expect("page");
    let rated = page.last().expect("the rating");
    assert_eq!(
        rated.kind,
        EventKind::Rated {
            for_seq: first_seq,
            satisfaction: protocol::catalog::Satisfaction::Satisfied
        }
    );
    // Rated once: the day after, yesterday's visit (not rated) is asked
    // about, never the one already rated.
    f.clock.advance_ms(24 * 3_600_000);
    let third = scan(&mut f);
    let Outcome::Welcome {
        seq: second_seq, ..
    } = second
    else {
        panic!("{second:?}")
    };
    assert_eq!(
        f.engine.rating_offer(&third).map(|o| o.for_seq),
        Some(second_seq)
    );
    // A visitor is never asked; a rating of no check-in is refused.
    let visitor = f.engine.check_in(Credential::Visitor {
        age_band: protocol::catalog::AgeBand::From18To24,
        purpose: protocol::catalog::ServiceCategory::Sports,
    });
    assert_eq!(f.engine.rating_offer(&visitor), None);
    assert!(
        f.engine
            .rate(9_999, protocol::catalog::Satisfaction::Neutral)
            .is_err()
    );
    // At a center that asks for check-out: leaving asks about this visit.
    f.engine
        .store()
        .set_setting(SETTING_CHECKOUT, "60")
        .expect("setting");
    f.clock.advance_ms(90 * 60_000);
    let out = scan(&mut f);
    let Outcome::Welcome { seq: third_seq, .. } = third else {
        panic!("{third:?}")
    };
    assert_eq!(
        f.engine.rating_offer(&out),
        Some(RatingOffer {
            for_seq: third_seq,
            last_visit: None,
        })
    );
}
