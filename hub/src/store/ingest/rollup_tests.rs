//! The period roll-ups (weeks, months, a month's members and visitors'
//! kinds) kept by ingest, voids and re-timing equal the same tables made
//! afresh from the events, after every page; and the dashboard's distinct
//! members count a member who came to two centers once.

use super::*;
use crate::store::test_device;
use crate::store::users::{Level, Role, Scope, User};
use protocol::catalog::{AgeBand, ServiceCategory};
use protocol::wire::{ClockInfo, CredentialKind, Event, EventKind, VoidReason};

// 2026-11-30 23:00 in Shanghai: the month's last hour.
const T: i64 = 1_796_050_800_000;
const MIN: i64 = 60_000;

/// Every roll-up's rows, zeros left out (a day whose visits were voided
/// keeps its row at zero; made afresh, it has none).
type Rollups = Vec<Vec<String>>;

fn rollups(store: &Store) -> Rollups {
    [
        "SELECT center_id || ' ' || week || ' ' || member_visits || ' ' || visitors
         FROM weekly_counts WHERE member_visits <> 0 OR visitors <> 0 ORDER BY 1",
        "SELECT center_id || ' ' || month || ' ' || member_visits || ' ' || visitors || ' ' || members
         FROM monthly_counts WHERE member_visits <> 0 OR visitors <> 0 OR members <> 0 ORDER BY 1",
        "SELECT center_id || ' ' || month || ' ' || member_id || ' ' || check_ins
         FROM member_months ORDER BY 1",
        "SELECT month || ' ' || member_id FROM roaming_months ORDER BY 1",
        "SELECT center_id || ' ' || month || ' ' || age_band || ' ' || purpose || ' ' || visitors
         FROM visitor_months WHERE visitors <> 0 ORDER BY 1",
        "SELECT region_id || ' ' || local_date || ' ' || visits
         FROM region_daily_counts WHERE visits <> 0 ORDER BY 1",
        "SELECT region_id || ' ' || week || ' ' || visits
         FROM region_weekly_counts WHERE visits <> 0 ORDER BY 1",
        "SELECT region_id || ' ' || month || ' ' || visits
         FROM region_monthly_counts WHERE visits <> 0 ORDER BY 1",
    ]
    .iter()
    .map(|sql| store.conn().query_map(sql, params![], |r| r.get(0)).expect(sql))
    .collect()
}

/// What ingest kept equals the roll-ups made afresh (which then stay, as
/// they are the same).
fn assert_kept(store: &Store, after: &str) {
    // Every day with a visit stored is a changed day for the platforms
    // told of them (a day a re-timing emptied is one too).
    let query = |sql: &str| -> Vec<String> {
        store
            .conn()
            .query_map(sql, params![], |r| r.get(0))
            .expect(sql)
    };
    let changed = query("SELECT center_id || ' ' || local_date FROM attendance_changes");
    for day in query(
        "SELECT DISTINCT center_id || ' ' || local_date FROM events
         WHERE kind IN ('member_check_in', 'visitor')",
    ) {
        assert!(
            changed.contains(&day),
            "after {after}: {day} not a changed day"
        );
    }
    let kept = rollups(store);
    crate::store::migrations::refill_period_rollups(&store.conn()).expect("refill");
    assert_eq!(kept, rollups(store), "after {after}");
}

struct Kiosk {
    device: Device,
    seq: u64,
}

impl Kiosk {
    fn send(&mut self, store: &Store, at_ms: i64, clock: ClockInfo, kind: EventKind) -> u64 {
        self.seq += 1;
        let ev = Event {
            seq: self.seq,
            at_ms,
            clock,
            kind,
        };
        let page = Received::page([serde_json::to_value(&ev).expect("json")]);
        let r = store.ingest(&self.device, &page).expect("ingest");
        assert_eq!(r.stored, 1, "{r:?}");
        self.seq
    }
}

fn synced() -> ClockInfo {
    ClockInfo {
        boot_id: "b".into(),
        monotonic_ms: 0,
        synchronized: true,
    }
}

fn check_in(member_id: u32) -> EventKind {
    EventKind::MemberCheckIn {
        member_id,
        via: CredentialKind::QrToken,
        activity: None,
    }
}

fn void(voided_seq: u64) -> EventKind {
    EventKind::CheckInVoided {
        voided_seq,
        reason: VoidReason::Mistake,
        by: "staff".into(),
    }
}

#[test]
fn the_period_rollups_kept_at_ingest_equal_those_made_from_the_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
        .expect("open");
    let city = store.add_region("市", Level::City, None).expect("region");
    let [county, other_county] = ["县", "另一县"].map(|n| {
        store
            .add_region(n, Level::County, Some(city))
            .expect("region")
    });
    let [a, b] = ["青年之家甲", "青年之家乙"].map(|name| {
        let c = store.add_center(name, "Asia/Shanghai").expect("center");
        store.set_center_region(c, Some(county)).expect("region");
        c
    });
    let [m1, m2] = ["一", "二"].map(|n| store.add_member(a, n, None).expect("member"));
    let m3 = store.add_member(b, "三", None).expect("member");
    let mut at_a = [0, 1].map(|_| Kiosk {
        device: test_device(&store, a),
        seq: 0,
    });
    let mut at_b = Kiosk {
        device: test_device(&store, b),
        seq: 0,
    };

    // November: m1 at both centers (one member, counted at each), m2 at A,
    // visitors of two kinds.
    at_a[0].send(&store, T - 3 * 1440 * MIN, synced(), check_in(m1));
    at_b.send(&store, T - 2 * 1440 * MIN, synced(), check_in(m1));
    let m2_seq = at_a[0].send(&store, T - 1440 * MIN, synced(), check_in(m2));
    for (age_band, purpose) in [
        (AgeBand::From18To24, ServiceCategory::Employment),
        (AgeBand::From18To24, ServiceCategory::Employment),
        (AgeBand::Under14, ServiceCategory::CultureLearning),
    ] {
        at_a[0].send(
            &store,
            T - 60 * MIN,
            synced(),
            EventKind::Visitor { age_band, purpose },
        );
    }
    assert_kept(&store, "November's check-ins and visitors");
    let user = User {
        id: 1,
        login: "admin".into(),
        role: Role::Admin,
        scope: Scope::Region(county),
    };
    let nov = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
    let o = crate::dashboard::overview(&store, &user, nov).expect("overview");
    assert_eq!(o.totals.distinct_members_this_month, 2, "m1 once, m2");
    let mut by_center: Vec<(String, u64)> = o
        .centers
        .iter()
        .map(|c| (c.name.clone(), c.figures.distinct_members_this_month))
        .collect();
    by_center.sort();
    assert_eq!(
        by_center,
        [("青年之家乙".to_string(), 1), ("青年之家甲".to_string(), 2)]
    );
    assert_eq!(o.visitors_by_purpose.get("employment"), Some(&2));
    assert_eq!(o.visitors_by_age_band.get("under14"), Some(&1));

    // m1's check-in at B voided: no longer at two centers; m2's only one
    // voided: gone from the month; a visitor voided.
    at_b.send(&store, T - 30 * MIN, synced(), void(1));
    at_a[0].send(&store, T - 20 * MIN, synced(), void(m2_seq));
    at_a[0].send(&store, T - 10 * MIN, synced(), void(4));
    assert_kept(&store, "three voids");
    let o = crate::dashboard::overview(&store, &user, nov).expect("overview");
    assert_eq!(o.totals.distinct_members_this_month, 1);
    assert_eq!(o.visitors_by_purpose.get("employment"), Some(&1));

    // m1 at A's two kiosks 20 minutes apart, across midnight into
    // December, the later one arriving first: one visit (in December), but
    // m1 came in both months.
    at_a[1].send(&store, T + 70 * MIN, synced(), check_in(m1));
    at_a[0].send(&store, T + 50 * MIN, synced(), check_in(m1));
    assert_kept(&store, "a fold across the month's end");

    // A check-in at B from a clock in 1970, placed in December once the
    // same boot's clock is known; and m3 at A too that month.
    let unsynced = |mono: u64, synchronized: bool| ClockInfo {
        boot_id: "rtc-less".into(),
        monotonic_ms: mono,
        synchronized,
    };
    at_b.send(&store, 600_000, unsynced(600_000, false), check_in(m3));
    assert_kept(&store, "a check-in dated 1970");
    at_b.send(
        &store,
        T + 120 * MIN,
        unsynced(600_000 + 30 * MIN as u64, true),
        EventKind::Visitor {
            age_band: AgeBand::Over35,
            purpose: ServiceCategory::VenueUse,
        },
    );
    at_a[0].send(&store, T + 150 * MIN, synced(), check_in(m3));
    assert_kept(&store, "the 1970 check-in re-timed");
    let dec = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let o = crate::dashboard::overview(&store, &user, dec).expect("overview");
    let distinct: u64 = store
        .conn()
        .query_row(
            "SELECT count(DISTINCT member_id) FROM events WHERE kind = 'member_check_in'
               AND voided_by_seq IS NULL AND local_date >= '2026-12-01'",
            params![],
            |r| r.get(0),
        )
        .expect("distinct");
    assert_eq!(distinct, 2, "m1 and m3");
    assert_eq!(o.totals.distinct_members_this_month, distinct);
    assert_eq!(
        o.totals.this_month, 4,
        "m1 (once), m3 at each center, a visitor"
    );
    assert_eq!(o.monthly.last().map(|m| m.1), Some(4));
    assert_eq!(o.daily.last().map(|d| d.1), Some(4));

    // B moves to the other county: its visits go with it, the city keeps
    // them all.
    store
        .set_center_region(b, Some(other_county))
        .expect("move");
    assert_kept(&store, "a center moved to another county");
    let o = crate::dashboard::overview(&store, &user, dec).expect("overview");
    assert_eq!(o.monthly.last().map(|m| m.1), Some(2), "m1 and m3 at A");
    let city_admin = User {
        scope: Scope::Region(city),
        ..user
    };
    let o = crate::dashboard::overview(&store, &city_admin, dec).expect("overview");
    assert_eq!(o.monthly.last().map(|m| m.1), Some(4));
    // The week began on Monday 30 November: two visitors that evening.
    assert_eq!(o.weekly.last().map(|w| w.1), Some(6));
}
