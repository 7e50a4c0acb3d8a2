use super::*;
use crate::store::test_device;
use protocol::wire::{ClockInfo, CredentialKind, Event, EventKind, VoidReason};

// 2026-11-24 09:30 in Shanghai.
const T: i64 = 1_795_483_800_000;
const MIN: i64 = 60_000;

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    center: u64,
    member: u32,
    kiosks: [Device; 2],
    seqs: [u64; 2],
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
        .expect("open");
    let center = store
        .add_center("青年之家", "Asia/Shanghai")
        .expect("center");
    let member = store.add_member(center, "林小雨", None).expect("member");
    let kiosks = [test_device(&store, center), test_device(&store, center)];
    Fixture {
        _dir: dir,
        store,
        center,
        member,
        kiosks,
        seqs: [0, 0],
    }
}

impl Fixture {
    fn send(&mut self, kiosk: usize, at_ms: i64, kind: EventKind) -> u64 {
        let clock = ClockInfo {
            boot_id: format!("boot{kiosk}"),
            monotonic_ms: 0,
            synchronized: true,
        };
        self.send_timed(kiosk, at_ms, clock, kind)
    }

    fn send_timed(&mut self, kiosk: usize, at_ms: i64, clock: ClockInfo, kind: EventKind) -> u64 {
        self.seqs[kiosk] += 1;
        let ev = Event {
            seq: self.seqs[kiosk],
            at_ms,
            clock,
            kind,
        };
        let r = self
            .store
            .ingest(
                &self.kiosks[kiosk],
                &protocol::wire::Received::page([serde_json::to_value(&ev).expect("json")]),
            )
            .expect("ingest");
        assert_eq!(r.stored, 1, "{r:?}");
        self.seqs[kiosk]
    }

    fn check_in(&mut self, kiosk: usize, at_ms: i64, via: CredentialKind) -> u64 {
        let member_id = self.member;
        self.send(
            kiosk,
            at_ms,
            EventKind::MemberCheckIn {
                member_id,
                via,
                activity: None,
            },
        )
    }

    fn visits(&self) -> (i64, u64) {
        let rolled: i64 = self
            .store
            .conn()
            .query_row(
                "SELECT coalesce(sum(member_visits), 0) FROM daily_counts WHERE center_id = ?1",
                [self.center],
                |r| r.get(0),
            )
            .expect("roll-up");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
        let report = crate::report::daily(&self.store, self.center, day).expect("report");
        (rolled, report.members)
    }
}

/// What an ingest left: kiosk 0's events (seq, kind, folded into,
/// voided by, activity), the events set aside, the daily counts, the
/// member's cards.
type Stored = (
    Vec<(u64, String, Option<String>, Option<u64>, Option<String>)>,
    Vec<(Option<u64>, String)>,
    Vec<(String, i64, i64)>,
    Vec<String>,
);

fn stored(f: &Fixture) -> Stored {
    let conn = f.store.conn();
    let events = conn
        .query_map(
            "SELECT seq, kind, same_visit_as, voided_by_seq, activity FROM events
             WHERE device_id = ?1 ORDER BY seq",
            [f.kiosks[0].id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .expect("events");
    let aside = conn
        .query_map(
            "SELECT seq, reason FROM rejected_events ORDER BY seq",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("set aside");
    let counts = conn
        .query_map(
            "SELECT local_date, member_visits, visitors FROM daily_counts ORDER BY local_date",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("counts");
    let cards = conn
        .query_map(
            "SELECT card_hash FROM member_cards WHERE member_id = ?1",
            [f.member],
            |r| r.get(0),
        )
        .expect("cards");
    (events, aside, counts, cards)
}

#[test]
fn a_page_goes_in_as_if_one_event_at_a_time() {
    // Kiosk 0's page after a day offline: check-ins of one member close
    // together (folded into each other and into kiosk 1's), a void, a
    // rating and an answer of check-ins in the same page, a card bound,
    // an event sent twice, a member the hub does not know.
    fn page(member: u32) -> Vec<serde_json::Value> {
        let check_in = |via| EventKind::MemberCheckIn {
            member_id: member,
            via,
            activity: None,
        };
        let kinds = [
            (T, check_in(CredentialKind::Card)),
            (T + 100 * MIN, check_in(CredentialKind::QrToken)),
            (T + 200 * MIN, check_in(CredentialKind::MemberNumber)),
            (
                T + 201 * MIN,
                EventKind::Visitor {
                    age_band: protocol::catalog::AgeBand::Over35,
                    purpose: protocol::catalog::ServiceCategory::Leisure,
                },
            ),
            (
                T + 202 * MIN,
                EventKind::CheckInVoided {
                    voided_seq: 2,
                    reason: VoidReason::Mistake,
                    by: "staff".into(),
                },
            ),
            (
                T + 203 * MIN,
                EventKind::Rated {
                    for_seq: 1,
                    satisfaction: protocol::catalog::Satisfaction::Satisfied,
                },
            ),
            (
                T + 204 * MIN,
                EventKind::ActivityChosen {
                    for_seq: 3,
                    activity: String::new(),
                },
            ),
            (
                T + 205 * MIN,
                EventKind::CardBound {
                    member_id: member,
                    card_hash: "0123456789abcdef0123456789abcdef".into(),
                },
            ),
            (T + 300 * MIN, check_in(CredentialKind::Card)),
            (
                T + 301 * MIN,
                EventKind::MemberCheckOut {
                    member_id: member,
                    via: CredentialKind::Card,
                },
            ),
            (
                T + 302 * MIN,
                EventKind::MemberCheckIn {
                    member_id: member + 1000,
                    via: CredentialKind::MemberNumber,
                    activity: None,
                },
            ),
        ];
        let mut page: Vec<serde_json::Value> = kinds
            .into_iter()
            .zip(1..)
            .map(|((at_ms, kind), seq)| {
                serde_json::to_value(Event {
                    seq,
                    at_ms,
                    clock: ClockInfo {
                        boot_id: "boot0".into(),
                        monotonic_ms: 0,
                        synchronized: true,
                    },
                    kind,
                })
                .expect("json")
            })
            .collect();
        // The visitor again, as a kiosk retrying half a page would.
        page.insert(5, page[3].clone());
        page
    }
    let ingest = |whole: bool| {
        let mut f = fixture();
        // Kiosk 1 was back first, with the member between two of them.
        f.check_in(1, T + 150 * MIN, CredentialKind::QrToken);
        let events = page(f.member);
        let pages: Vec<Vec<serde_json::Value>> = if whole {
            vec![events]
        } else {
            events.into_iter().map(|e| vec![e]).collect()
        };
        for p in pages {
            f.store
                .ingest(&f.kiosks[0], &protocol::wire::Received::page(p))
                .expect("ingest");
        }
        let visits = f.visits();
        (stored(&f), visits, [f.kiosks[0].id, f.kiosks[1].id])
    };
    let (whole, visits, ids) = ingest(true);
    assert_eq!(whole, ingest(false).0);
    // Kiosk 1's, the first and the last: the second is voided and
    // folded, the third folded into kiosk 1's.
    assert_eq!(visits, (3, 3));
    let folded: Vec<(u64, Option<String>)> = whole
        .0
        .iter()
        .filter(|e| e.2.is_some())
        .map(|e| (e.0, e.2.clone()))
        .collect();
    assert_eq!(
        folded,
        [
            (2, Some(format!("{}:1", ids[0]))),
            (3, Some(format!("{}:1", ids[1])))
        ]
    );
    // Seq 11 names a member the hub does not know; seq 4 came twice.
    assert_eq!(whole.1.len(), 1, "{:?}", whole.1);
    assert_eq!(whole.0.len(), 10);
    assert_eq!(whole.3.len(), 1, "the card is bound");
}

#[test]
fn a_check_in_from_a_clock_in_1970_joins_the_visit_once_its_time_is_known() {
    let mut f = fixture();
    f.check_in(0, T, CredentialKind::Card);
    // The other kiosk booted without a clock: its check-in, five minutes
    // later in truth, says 1970 (ten minutes after boot).
    let unsynced = |mono: u64| ClockInfo {
        boot_id: "rtc-less".into(),
        monotonic_ms: mono,
        synchronized: false,
    };
    let member_id = f.member;
    f.send_timed(
        1,
        600_000,
        unsynced(600_000),
        EventKind::MemberCheckIn {
            member_id,
            via: CredentialKind::MemberNumber,
            activity: None,
        },
    );
    // Not yet known to be the same visit: counted, on 1 January 1970.
    assert_eq!(f.visits(), (2, 1));
    // Twenty minutes on, the clock is set; a visitor carries the reference.
    f.send_timed(
        1,
        T + 25 * MIN,
        ClockInfo {
            boot_id: "rtc-less".into(),
            monotonic_ms: 600_000 + 20 * 60_000,
            synchronized: true,
        },
        EventKind::Visitor {
            age_band: protocol::catalog::AgeBand::Over35,
            purpose: protocol::catalog::ServiceCategory::Leisure,
        },
    );
    assert_eq!(
        f.visits(),
        (1, 1),
        "one member visit, and none left in 1970"
    );
    let (at, folded): (i64, Option<String>) = f
        .store
        .conn()
        .query_row(
            "SELECT at_ms, same_visit_as FROM events WHERE device_id = ?1 AND seq = 1",
            [f.kiosks[1].id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("event");
    assert_eq!(at, T + 5 * MIN);
    assert_eq!(folded, Some(format!("{}:1", f.kiosks[0].id)));
}

#[test]
fn a_member_at_two_kiosks_within_the_window_is_one_visit() {
    let mut f = fixture();
    // Both kiosks offline: a card tapped at one, the QR code shown at the other.
    f.check_in(0, T, CredentialKind::Card);
    f.check_in(1, T + 3 * MIN, CredentialKind::QrToken);
    assert_eq!(f.visits(), (1, 1));
    // The same pages again (a retry): still one.
    let again = Event {
        seq: 1,
        at_ms: T + 3 * MIN,
        clock: ClockInfo {
            boot_id: "boot1".into(),
            monotonic_ms: 0,
            synchronized: true,
        },
        kind: EventKind::MemberCheckIn {
            member_id: f.member,
            via: CredentialKind::QrToken,
            activity: None,
        },
    };
    let r = f
        .store
        .ingest(
            &f.kiosks[1],
            &protocol::wire::Received::page([serde_json::to_value(&again).expect("json")]),
        )
        .expect("ingest");
    assert_eq!(r.duplicates, 1);
    assert_eq!(f.visits(), (1, 1));
    // Back in the afternoon, outside the window: a second visit.
    f.check_in(1, T + 5 * 60 * MIN, CredentialKind::QrToken);
    assert_eq!(f.visits(), (2, 2));
}

#[test]
fn the_later_kiosk_arriving_first_still_counts_one_and_voiding_the_fold_changes_nothing() {
    let mut f = fixture();
    // Kiosk 1 comes back online first with the later check-in.
    f.check_in(1, T + 10 * MIN, CredentialKind::QrToken);
    let folded = f.check_in(0, T, CredentialKind::Card);
    assert_eq!(f.visits(), (1, 1));
    // Staff at kiosk 0 void their (folded) check-in: the visit stands.
    f.send(
        0,
        T + 20 * MIN,
        EventKind::CheckInVoided {
            voided_seq: folded,
            reason: VoidReason::Mistake,
            by: "staff".into(),
        },
    );
    assert_eq!(f.visits(), (1, 1));
}
