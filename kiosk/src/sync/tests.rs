use std::cell::RefCell;
use std::collections::BTreeMap;

use protocol::catalog::{AgeBand, ServiceCategory};
use protocol::wire::{ClockInfo, EventKind, RosterEntry};

use super::*;
use crate::store::NewEvent;

/// A hub in memory that can fail before or after it commits a page.
#[derive(Default)]
struct FakeHub {
    events: RefCell<BTreeMap<u64, protocol::wire::Event>>,
    acked: RefCell<u64>,
    calls: RefCell<u32>,
    /// Fail every call whose number is in here (1-based), before doing anything.
    fail_before: Vec<u32>,
    /// Commit, then lose the answer, on these calls.
    fail_after: Vec<u32>,
    /// Refuse pages of more events than this as too large (413).
    max_page: Option<usize>,
    /// Set aside events of these seqs (as a hub does with what it cannot use).
    set_aside: Vec<u64>,
    roster: Vec<RosterEntry>,
}

impl FakeHub {
    fn tick(&self) -> u32 {
        *self.calls.borrow_mut() += 1;
        *self.calls.borrow()
    }
}

impl Uplink for &FakeHub {
    async fn sync_state(&self, report: &DeviceReport) -> Result<SyncState, SyncError> {
        if self.fail_before.contains(&self.tick()) {
            return Err(SyncError::Unreachable("reset".into()));
        }
        let acked = *self.acked.borrow();
        let probe = self
            .events
            .borrow()
            .get(&acked.min(report.last_seq))
            .map(|e| protocol::wire::Probe {
                seq: e.seq,
                boot_id: e.clock.boot_id.clone(),
                monotonic_ms: e.clock.monotonic_ms,
            });
        Ok(SyncState {
            device_id: 1,
            acked_seq: acked,
            server_time_ms: 0,
            regions: Vec::new(),
            probe,
            bind_next: None,
            public_url: None,
            activities: Vec::new(),
            checkout_minutes: None,
        })
    }

    async fn upload(&self, page: &EventPage) -> Result<IngestResult, SyncError> {
        let n = self.tick();
        if self.fail_before.contains(&n) {
            return Err(SyncError::Server {
                status: 503,
                message: "busy".into(),
            });
        }
        if self.max_page.is_some_and(|m| page.events.len() > m) {
            return Err(SyncError::Refused {
                status: 413,
                message: "the request body is too large".into(),
            });
        }
        let mut stored = 0;
        let mut duplicates = 0;
        let mut clash = None;
        let mut rejected = vec![];
        for e in &page.events {
            let held = self.events.borrow().get(&e.seq).cloned();
            match held {
                // Another event under a seq it holds: nothing from here on.
                Some(h) if h.clock != e.clock || h.kind != e.kind => {
                    clash = Some(e.seq);
                    break;
                }
                Some(_) => duplicates += 1,
                None if self.set_aside.contains(&e.seq) => {
                    self.events.borrow_mut().insert(e.seq, e.clone());
                    rejected.push(protocol::wire::Rejected {
                        seq: e.seq,
                        reason: "member 9 is not known to the hub".into(),
                    });
                }
                None => {
                    self.events.borrow_mut().insert(e.seq, e.clone());
                    stored += 1;
                }
            }
        }
        let mut acked = *self.acked.borrow();
        while self.events.borrow().contains_key(&(acked + 1)) {
            acked += 1;
        }
        *self.acked.borrow_mut() = acked;
        if self.fail_after.contains(&n) {
            return Err(SyncError::Unreachable("answer lost".into()));
        }
        Ok(IngestResult {
            acked_seq: acked,
            stored,
            duplicates,
            rejected,
            clash,
        })
    }

    async fn roster(&self, since: u64) -> Result<RosterDelta, SyncError> {
        self.tick();
        Ok(RosterDelta {
            revision: since.max(self.roster.len() as u64),
            members: if since == 0 {
                self.roster.clone()
            } else {
                vec![]
            },
            more: false,
        })
    }

    async fn center_day(
        &self,
        center_id: u64,
        date: &str,
    ) -> Result<protocol::wire::DailyReport, SyncError> {
        self.tick();
        let visitors = self
            .events
            .borrow()
            .values()
            .filter(|e| matches!(e.kind, EventKind::Visitor { .. }))
            .count() as u64;
        Ok(protocol::wire::DailyReport {
            center_id,
            date: date.into(),
            visitors,
            total: visitors,
            by_hour: vec![0; 24],
            ..Default::default()
        })
    }
}

fn store_with_events(dir: &tempfile::TempDir, n: i64) -> Store {
    let path = dir.path().join("k.sqlite3");
    let mut store = Store::open(&path).expect("open");
    record_visitors(&mut store, n, "b");
    store
}

/// `n` visitors recorded in boot `boot`, a millisecond apart.
fn record_visitors(store: &mut Store, n: i64, boot: &str) {
    for i in 0..n {
        store
            .record(
                &NewEvent {
                    at_ms: i,
                    local_date: "2026-11-24".into(),
                    local_hour: 9,
                    clock: ClockInfo {
                        boot_id: boot.into(),
                        monotonic_ms: i as u64,
                        synchronized: true,
                    },
                    kind: EventKind::Visitor {
                        age_band: AgeBand::Over35,
                        purpose: ServiceCategory::Sports,
                    },
                },
                0,
            )
            .expect("record");
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

#[test]
fn a_backlog_goes_up_in_bounded_pages_and_the_mark_follows_the_hub() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = FakeHub {
        roster: vec![RosterEntry {
            member_id: 5,
            display_name: "林同学".into(),
            active: true,
            cards: vec![],
            card_generation: 0,
            volunteer: false,
        }],
        ..FakeHub::default()
    };
    let mut syncer = Syncer::new(store_with_events(&dir, 23), &hub).with_page_rows(5);
    let report = block_on(syncer.sync_once(42)).expect("sync");
    assert_eq!(report.uploaded_pages, 5);
    assert_eq!(report.acked_seq, 23);
    assert_eq!(report.roster_changes, 1);
    assert_eq!(hub.events.borrow().len(), 23);
    let status = syncer.store.sync_status().expect("status");
    assert_eq!(
        (status.events_waiting, status.last_sync_ok_ms),
        (0, Some(42))
    );
    assert_eq!(
        syncer
            .store
            .roster_member(5)
            .expect("roster")
            .map(|m| m.display_name),
        Some("林同学".into())
    );
}

#[test]
fn failures_before_and_after_commit_lose_nothing_and_count_nothing_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = FakeHub {
        fail_before: vec![3, 9],
        fail_after: vec![2, 6, 7],
        ..FakeHub::default()
    };
    let mut syncer = Syncer::new(store_with_events(&dir, 17), &hub).with_page_rows(4);
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 20, "never converged");
        match block_on(syncer.sync_once(rounds)) {
            Ok(r) if r.acked_seq == 17 => break,
            Ok(_) => {}
            Err(e) => {
                assert!(!e.is_permanent(), "{e}");
                let status = syncer.store.sync_status().expect("status");
                assert!(status.last_sync_error.is_some());
            }
        }
    }
    let seqs: Vec<u64> = hub.events.borrow().keys().copied().collect();
    assert_eq!(seqs, (1..=17).collect::<Vec<_>>());
    assert_eq!(
        syncer.store.sync_status().expect("status").events_waiting,
        0
    );
}

#[test]
fn backoff_grows_with_jitter_and_is_capped() {
    for failures in 0..40 {
        let d = backoff(failures);
        let step = 1000u64.saturating_mul(1 << failures.min(9)).min(300_000);
        assert!(
            d.as_millis() as u64 >= step / 2 && d.as_millis() as u64 <= step,
            "{failures}: {d:?}"
        );
    }
    assert!(backoff(30) <= Duration::from_secs(300));
}

#[test]
fn after_a_good_sync_old_uploaded_events_go_and_nothing_the_hub_lacks_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 30 events at times 0..29 ms; the hub will fail after taking the first page.
    let hub = FakeHub {
        fail_before: vec![3],
        ..FakeHub::default()
    };
    let mut syncer = Syncer::new(store_with_events(&dir, 30), &hub)
        .with_page_rows(10)
        .with_retention_days(35);
    let keep = 35 * 86_400_000;
    // "Now" is late enough that events before time 20 are past retention.
    assert!(block_on(syncer.sync_once(keep + 20)).is_err());
    // The failed sync deleted nothing, though 10 events were acknowledged.
    assert_eq!(syncer.store.sync_status().expect("status").acked_seq, 10);
    assert_eq!(
        syncer
            .store
            .pending_page(0, 100, usize::MAX)
            .expect("page")
            .len(),
        30
    );
    block_on(syncer.sync_once(keep + 20)).expect("sync");
    // Acknowledged and older than the retention: gone; the rest stays.
    let left: Vec<u64> = syncer
        .store
        .pending_page(0, 100, usize::MAX)
        .expect("page")
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(left, (21..=30).collect::<Vec<u64>>());
    // The seq counter never goes back: the next event is 31.
    assert_eq!(syncer.store.last_seq().expect("last"), 30);
}

#[test]
fn a_database_put_back_from_an_older_copy_moves_its_new_check_ins_above_the_hub() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = FakeHub::default();
    let path = dir.path().join("k.sqlite3");
    let copy = dir.path().join("copy.sqlite3");
    {
        let mut syncer = Syncer::new(store_with_events(&dir, 2), &hub);
        block_on(syncer.sync_once(1)).expect("sync");
    }
    std::fs::copy(&path, &copy).expect("copy");
    {
        let mut store = Store::open(&path).expect("open");
        record_visitors(&mut store, 3, "b2");
        block_on(Syncer::new(store, &hub).sync_once(2)).expect("sync");
    }
    assert_eq!(*hub.acked.borrow(), 5);
    // The copy goes back; two youths are welcomed under seqs 3 and 4.
    std::fs::copy(&copy, &path).expect("put back");
    let mut store = Store::open(&path).expect("open");
    record_visitors(&mut store, 2, "b3");
    assert_eq!(store.last_seq().expect("last"), 4);
    let mut syncer = Syncer::new(store, &hub);
    let report = block_on(syncer.sync_once(3)).expect("sync");
    assert_eq!(report.acked_seq, 7);
    let boots: Vec<(u64, String)> = hub
        .events
        .borrow()
        .values()
        .map(|e| (e.seq, e.clock.boot_id.clone()))
        .collect();
    let want: Vec<(u64, String)> = [
        (1, "b"),
        (2, "b"),
        (3, "b2"),
        (4, "b2"),
        (5, "b2"),
        (6, "b3"),
        (7, "b3"),
    ]
    .iter()
    .map(|(s, b)| (*s, b.to_string()))
    .collect();
    assert_eq!(boots, want);
    let restored = syncer.store.restored().expect("restored").expect("noted");
    assert_eq!((restored.moved, restored.hub_acked), (2, 5));
    assert!(syncer.store.lineage().expect("lineage").is_some());
    // New check-ins follow, with no gap.
    record_visitors(&mut syncer.store, 1, "b3");
    assert_eq!(syncer.store.last_seq().expect("last"), 8);
}

#[test]
fn a_page_refused_as_too_large_goes_again_in_halves_and_set_aside_events_are_told() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = FakeHub {
        max_page: Some(3),
        set_aside: vec![4],
        ..FakeHub::default()
    };
    let mut syncer = Syncer::new(store_with_events(&dir, 20), &hub).with_page_rows(10);
    let report = block_on(syncer.sync_once(7)).expect("sync");
    assert_eq!(report.acked_seq, 20);
    assert_eq!(hub.events.borrow().len(), 20);
    let status = syncer.store.sync_status().expect("status");
    assert_eq!(status.events_waiting, 0);
    let aside = status.set_aside.expect("set aside noted");
    assert_eq!((aside.count, aside.last_seq), (1, 4));
    assert!(
        aside.to_string().contains("not known to the hub"),
        "{aside}"
    );
}
