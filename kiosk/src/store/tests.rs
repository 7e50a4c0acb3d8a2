use super::*;
use protocol::wire::RosterEntry;

fn clock() -> ClockInfo {
    ClockInfo {
        boot_id: "b".into(),
        monotonic_ms: 1,
        synchronized: true,
    }
}

fn member(member_id: u32, at_ms: i64) -> NewEvent {
    NewEvent {
        at_ms,
        local_date: "2026-11-24".into(),
        local_hour: 9,
        clock: clock(),
        kind: EventKind::MemberCheckIn {
            member_id,
            via: CredentialKind::MemberNumber,
            activity: None,
        },
    }
}

fn visitor(at_ms: i64) -> NewEvent {
    NewEvent {
        at_ms,
        local_date: "2026-11-24".into(),
        local_hour: 10,
        clock: clock(),
        kind: EventKind::Visitor {
            age_band: AgeBand::From18To24,
            purpose: ServiceCategory::Sports,
        },
    }
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("kiosk.sqlite3")).expect("open");
    (dir, store)
}

#[test]
fn reopening_runs_no_migration_twice_and_keeps_rows() {
    let (dir, mut store) = open();
    store.record(&visitor(1), 0).expect("record");
    drop(store);
    let store = Store::open(&dir.path().join("kiosk.sqlite3")).expect("reopen");
    let v: usize = store
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(v, migrations::count());
    assert_eq!(store.last_seq().expect("seq"), 1);
    assert!(store.check_integrity().expect("check"));
}

#[test]
fn two_processes_opening_a_new_database_at_once_both_get_it_whole() {
    // At a board's first boot the kiosk and its enrollment open the new
    // database at the same moment; each must find the schema made once.
    for round in 0..20 {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kiosk.sqlite3");
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let openers: Vec<_> = (0..2)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(&path).map(|_| ()).map_err(|e| e.to_string())
                })
            })
            .collect();
        for o in openers {
            assert_eq!(o.join().expect("thread"), Ok(()), "round {round}");
        }
        let store = Store::open(&path).expect("reopen");
        let v: usize = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(v, migrations::count());
    }
}

#[test]
fn database_is_in_wal_mode_with_full_sync() {
    let (_dir, store) = open();
    let mode: String = store
        .conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    let sync: i64 = store
        .conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .expect("sync");
    assert_eq!(mode, "wal");
    assert_eq!(sync, 2, "FULL is 2");
}

#[test]
fn repeat_within_window_is_not_recorded_and_after_window_is() {
    let (_dir, mut store) = open();
    let window = 60_000;
    assert_eq!(
        store.record(&member(7, 1_000_000), window).expect("first"),
        Recorded::Stored { seq: 1 }
    );
    assert_eq!(
        store.record(&member(7, 1_030_000), window).expect("repeat"),
        Recorded::Repeat {
            previous_at_ms: 1_000_000
        }
    );
    // Another member is not affected.
    assert_eq!(
        store.record(&member(8, 1_030_000), window).expect("other"),
        Recorded::Stored { seq: 2 }
    );
    assert_eq!(
        store.record(&member(7, 1_060_001), window).expect("later"),
        Recorded::Stored { seq: 3 }
    );
    assert_eq!(store.last_seq().expect("seq"), 3);
}

#[test]
fn pages_follow_seq_and_respect_row_and_byte_bounds() {
    let (_dir, mut store) = open();
    for i in 0..10 {
        store.record(&visitor(i), 0).expect("record");
    }
    let page = store.pending_page(0, 4, 1 << 20).expect("page");
    assert_eq!(
        page.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    let page = store.pending_page(8, 4, 1 << 20).expect("page");
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![9, 10]);
    let page = store.pending_page(0, 100, 400).expect("page");
    assert!(page.len() < 10 && !page.is_empty(), "{}", page.len());
    // Even a tiny byte budget yields one event, so a page always moves forward.
    assert_eq!(store.pending_page(0, 100, 1).expect("page").len(), 1);
    assert!(
        store
            .pending_page(10, 100, 1 << 20)
            .expect("page")
            .is_empty()
    );
}

#[test]
fn sync_status_counts_what_waits_beyond_the_hub_mark() {
    let (_dir, mut store) = open();
    for i in 0..5 {
        store.record(&visitor(100 + i), 0).expect("record");
    }
    store.set_acked_seq(3).expect("ack");
    let s = store.sync_status().expect("status");
    assert_eq!((s.last_seq, s.acked_seq, s.events_waiting), (5, 3, 2));
    assert_eq!(s.oldest_waiting_at_ms, Some(103));
    store
        .note_sync_error("hub unreachable", false)
        .expect("err");
    assert_eq!(
        store
            .sync_status()
            .expect("status")
            .last_sync_error
            .as_deref(),
        Some("hub unreachable")
    );
    store.note_sync_ok(999).expect("ok");
    let s = store.sync_status().expect("status");
    assert_eq!((s.last_sync_ok_ms, s.last_sync_error), (Some(999), None));
}

#[test]
fn day_stats_split_members_visitors_hours_and_purposes() {
    let (_dir, mut store) = open();
    store.record(&member(1, 10), 0).expect("m1");
    store
        .record(&member(1, 10_000_000), 0)
        .expect("m1 again, outside window 0");
    store.record(&member(2, 20), 0).expect("m2");
    store.record(&visitor(30), 0).expect("v");
    let s = store.day_stats("2026-11-24").expect("stats");
    assert_eq!(
        (s.total, s.members, s.distinct_members, s.visitors),
        (4, 3, 2, 1)
    );
    assert_eq!(s.by_hour[9], 3);
    assert_eq!(s.by_hour[10], 1);
    assert_eq!(s.by_category, vec![(ServiceCategory::Sports, 1)]);
    assert_eq!(
        store.day_stats("2026-11-23").expect("stats"),
        DayStats::default()
    );
}

#[test]
fn roster_deltas_update_and_deactivate() {
    let (_dir, mut store) = open();
    let entry = |id, name: &str, active| RosterEntry {
        member_id: id,
        display_name: name.into(),
        active,
        cards: vec![],
        card_generation: 0,
        volunteer: false,
    };
    store
        .apply_roster(&RosterDelta {
            revision: 2,
            members: vec![entry(1, "林同学", true), entry(2, "Alex M.", true)],
            more: false,
        })
        .expect("apply");
    store
        .apply_roster(&RosterDelta {
            revision: 3,
            members: vec![entry(2, "Alex M.", false)],
            more: false,
        })
        .expect("apply");
    assert_eq!(store.roster_revision().expect("rev"), 3);
    assert_eq!(store.roster_len().expect("len"), 1);
    assert!(
        !store
            .roster_member(2)
            .expect("get")
            .expect("present")
            .active
    );
    assert_eq!(store.roster_member(3).expect("get"), None);
}

#[test]
fn enrollment_debug_print_hides_the_token() {
    let (_dir, mut store) = open();
    let e = Enrollment {
        hub_url: "http://127.0.0.1:1".into(),
        device_id: 4,
        device_token: "s3cr3t-token".into(),
        center_id: 1,
        center_name: "青年之家".into(),
        time_zone: "Asia/Shanghai".into(),
        card_key: "a2V5".into(),
    };
    store
        .save_enrollment(&e, &[(1, "key".into())])
        .expect("save");
    let back = store.enrollment().expect("read").expect("present");
    assert_eq!(back, e);
    assert!(!format!("{back:?}").contains("s3cr3t"));
    assert!(!format!("{back:?}").contains("a2V5"));
    assert_eq!(
        store.signing_keys().expect("keys"),
        vec![(1, "key".to_string())]
    );
}

#[test]
fn a_roster_entry_replaces_the_members_cards_and_a_card_can_move() {
    let (_dir, mut store) = open();
    let entry = |id, cards: &[&str]| RosterEntry {
        member_id: id,
        display_name: format!("m{id}"),
        active: true,
        cards: cards.iter().map(|c| c.to_string()).collect(),
        card_generation: 1,
        volunteer: false,
    };
    store
        .apply_roster(&RosterDelta {
            revision: 1,
            members: vec![entry(1, &["aa", "bb"]), entry(2, &["cc"])],
            more: false,
        })
        .expect("apply");
    assert_eq!(store.card_member("aa").expect("get"), Some(1));
    assert_eq!(store.card_member("cc").expect("get"), Some(2));
    // Member 1 loses "aa"; "cc" moves from member 2 to member 1.
    store
        .apply_roster(&RosterDelta {
            revision: 2,
            members: vec![entry(1, &["bb", "cc"])],
            more: false,
        })
        .expect("apply");
    assert_eq!(store.card_member("aa").expect("get"), None);
    assert_eq!(store.card_member("cc").expect("get"), Some(1));
    assert_eq!(
        store
            .roster_member(1)
            .expect("get")
            .map(|m| m.card_generation),
        Some(1)
    );
}

#[test]
fn rebuilding_the_events_table_keeps_every_row_and_never_reissues_a_seq() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.sqlite3");
    {
        // A database as the first release left it: migration 1 only.
        let mut conn = Connection::open(&path).expect("open");
        let sql = super::migrations::first_for_test();
        conn.execute_batch(sql).expect("migration 1");
        conn.pragma_update(None, "user_version", 1)
            .expect("version");
        for at in [1, 2, 3] {
            conn.execute(
                "INSERT INTO events(at_ms, local_date, local_hour, kind, age_band, purpose, boot_id,
                                    monotonic_ms, clock_synchronized)
                 VALUES (?1, '2026-11-24', 9, 'visitor', 'over35', 'sports', 'b', 0, 1)",
                [at],
            )
            .expect("insert");
        }
        // The newest row was pruned once acknowledged: its seq must not come back.
        conn.execute("DELETE FROM events WHERE seq = 3", [])
            .expect("prune");
        let _ = &mut conn;
    }
    let mut store = Store::open(&path).expect("migrate");
    assert_eq!(store.last_seq().expect("seq"), 3);
    assert_eq!(store.pending_page(0, 10, 1 << 20).expect("page").len(), 2);
    assert_eq!(
        store.record(&visitor(9), 0).expect("record"),
        Recorded::Stored { seq: 4 }
    );
    assert!(store.check_integrity().expect("integrity"));
}

#[test]
fn free_space_is_read_from_the_databases_file_system() {
    let (_dir, store) = open();
    let free = store.free_bytes().expect("statvfs");
    assert!(free > 0);
    assert_eq!(
        store
            .sync_status()
            .expect("status")
            .free_bytes
            .map(|f| f > 0),
        Some(true)
    );
}

fn void(voided_seq: u64) -> NewEvent {
    NewEvent {
        at_ms: 50_000_000,
        local_date: "2026-11-24".into(),
        local_hour: 11,
        clock: clock(),
        kind: EventKind::CheckInVoided {
            voided_seq,
            reason: VoidReason::Mistake,
            by: "PIN".into(),
        },
    }
}

fn hub_day(members: u64, distinct: u64, visitors: u64, acked_seq: u64) -> HubDay {
    let mut by_hour = vec![0; 24];
    by_hour[9] = members;
    by_hour[10] = visitors;
    HubDay {
        report: protocol::wire::DailyReport {
            center_id: 1,
            date: "2026-11-24".into(),
            time_zone: "Asia/Shanghai".into(),
            total: members + visitors,
            members,
            distinct_members: distinct,
            visitors,
            by_hour,
            voided: 0,
            by_category: [("sports".to_string(), visitors)].into(),
            by_age_band: Default::default(),
            checked_out: 0,
            stay_minutes: None,
        },
        acked_seq,
        fetched_at_ms: 777,
    }
}

#[test]
fn without_the_hubs_figures_the_staff_screen_counts_this_kiosk_alone() {
    let (_dir, mut store) = open();
    store.record(&member(1, 10), 0).expect("m1");
    let s = store.center_day_stats("2026-11-24").expect("stats");
    assert_eq!((s.members, s.hub_as_of_ms), (1, None));
    // Figures for another day do not apply to this one.
    let mut other = hub_day(5, 5, 0, 1);
    other.report.date = "2026-11-23".into();
    store.save_hub_day(&other).expect("save");
    let s = store.center_day_stats("2026-11-24").expect("stats");
    assert_eq!((s.members, s.hub_as_of_ms), (1, None));
}

#[test]
fn the_hubs_figures_plus_what_this_kiosk_did_since_make_the_centers_day() {
    let (_dir, mut store) = open();
    store.record(&member(1, 10), 0).expect("seq 1");
    store.record(&visitor(20), 0).expect("seq 2");
    // The hub counts the whole center: this kiosk's two events (up to mark
    // 2) and two other kiosks' members, one of them member 1 again.
    store.save_hub_day(&hub_day(2, 2, 1, 2)).expect("save");
    let s = store.center_day_stats("2026-11-24").expect("stats");
    assert_eq!(
        (
            s.total,
            s.members,
            s.distinct_members,
            s.visitors,
            s.hub_as_of_ms
        ),
        (3, 2, 2, 1, Some(777))
    );
    // Since then: member 1 again (not a new person), member 3 (new), a
    // visitor, and a void of the visitor the hub already counted.
    store.record(&member(1, 10_000_000), 0).expect("seq 3");
    store.record(&member(3, 10_000_001), 0).expect("seq 4");
    store.record(&visitor(10_000_002), 0).expect("seq 5");
    store.record(&void(2), 0).expect("seq 6 voids seq 2");
    let s = store.center_day_stats("2026-11-24").expect("stats");
    assert_eq!(
        (s.total, s.members, s.distinct_members, s.visitors, s.voided),
        (5, 4, 3, 1, 1)
    );
    assert_eq!((s.by_hour[9], s.by_hour[10]), (4, 1));
    assert_eq!(s.by_category, vec![(ServiceCategory::Sports, 1)]);
    // This kiosk's own figures are unchanged by the hub's.
    let own = store.day_stats("2026-11-24").expect("own");
    assert_eq!((own.members, own.visitors, own.hub_as_of_ms), (3, 1, None));
}

#[test]
fn a_free_text_is_capped_when_recorded_and_rows_from_before_when_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("k.sqlite3")).expect("open");
    let shift = |activity: String| NewEvent {
        at_ms: 1,
        local_date: "2026-11-24".into(),
        local_hour: 9,
        clock: ClockInfo {
            boot_id: "b".into(),
            monotonic_ms: 1,
            synchronized: true,
        },
        kind: EventKind::VolunteerIn {
            member_id: 7,
            via: CredentialKind::MemberNumber,
            activity,
            category: None,
        },
    };
    // A scanner gone wrong types 600 KB into the activity.
    store
        .record(&shift("读书会\u{1b}[31m".repeat(100_000)), 0)
        .expect("record");
    // A row kept before the cap existed.
    store
        .conn
        .execute(
            "INSERT INTO events(at_ms, local_date, local_hour, kind, member_id, via, boot_id,
                                monotonic_ms, clock_synchronized, activity)
             VALUES (2, '2026-11-24', 9, 'volunteer_in', 7, 'member_number', 'b', 2, 1, ?1)",
            ["x".repeat(600_000)],
        )
        .expect("old row");
    let page = store.pending_page(0, 10, 256 * 1024).expect("page");
    assert_eq!(page.len(), 2);
    for e in &page {
        let EventKind::VolunteerIn { activity, .. } = &e.kind else {
            panic!("{e:?}");
        };
        assert_eq!(activity.chars().count(), 200, "{activity}");
        assert!(!activity.contains('\u{1b}'));
    }
}

#[test]
fn a_refusal_of_the_kiosks_credential_is_kept_until_a_good_sync() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("k.sqlite3")).expect("open");
    store
        .note_sync_error("hub unreachable", false)
        .expect("err");
    assert!(!store.sync_status().expect("status").refused_by_hub);
    store
        .note_sync_error("the hub refused the request (HTTP 401)", true)
        .expect("err");
    assert!(store.sync_status().expect("status").refused_by_hub);
    store.note_sync_ok(1).expect("ok");
    let s = store.sync_status().expect("status");
    assert!(!s.refused_by_hub && s.last_sync_error.is_none());
}
