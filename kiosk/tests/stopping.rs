//! A sync round cut off by the kiosk's own shutdown is no fault: neither a
//! sync error nor a refused content update is recorded (the hub's fleet
//! would otherwise show "content update refused" after every restart).
//! A test binary of its own: stopping is process-wide.

use kiosk::store::Store;
use kiosk::sync::{SyncError, Syncer, Uplink};
use protocol::wire::{DailyReport, DeviceReport, EventPage, IngestResult, RosterDelta, SyncState};

/// A hub that answers, or (with `down`) cannot be reached.
struct Hub {
    down: bool,
}

impl Uplink for &Hub {
    async fn sync_state(&self, _: &DeviceReport) -> Result<SyncState, SyncError> {
        if self.down {
            return Err(SyncError::Unreachable("background task failed".into()));
        }
        Ok(SyncState {
            device_id: 1,
            acked_seq: 0,
            server_time_ms: 0,
            regions: vec![],
            probe: None,
            bind_next: None,
            public_url: None,
            activities: Vec::new(),
            checkout_minutes: None,
        })
    }
    async fn upload(&self, _: &EventPage) -> Result<IngestResult, SyncError> {
        Err(SyncError::Protocol("nothing to upload here".into()))
    }
    async fn roster(&self, since: u64) -> Result<RosterDelta, SyncError> {
        Ok(RosterDelta {
            revision: since,
            members: vec![],
            more: false,
        })
    }
    async fn center_day(&self, center_id: u64, date: &str) -> Result<DailyReport, SyncError> {
        Ok(DailyReport {
            center_id,
            date: date.into(),
            ..Default::default()
        })
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

#[test]
fn what_fails_while_the_kiosk_stops_is_not_recorded_as_a_fault() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path();
    // Signed content is set up (a root is trusted); its check fails here
    // (no hub at that address), as one cut off by a shutdown does.
    kiosk::content::update::trust_root(data, "{}").expect("root");
    let updater = |data: &std::path::Path| {
        let client =
            kiosk::sync::http::download_client(std::time::Duration::from_secs(5)).expect("client");
        kiosk::content::update::Updater::new(data, "http://127.0.0.1:9", 1, client)
    };
    let open = || Store::open(&data.join("kiosk.sqlite3")).expect("open");
    let up = Hub { down: false };
    let down = Hub { down: true };

    // Running: a failed content check and a failed sync are both kept.
    let mut syncer = Syncer::new(open(), &up).with_content(updater(data), None);
    block_on(syncer.sync_once(1)).expect("the uploads went");
    let store = open();
    assert!(store.setting("content_error").expect("setting").is_some());
    block_on(Syncer::new(open(), &down).sync_once(2)).expect_err("down");
    assert!(
        store
            .sync_status()
            .expect("status")
            .last_sync_error
            .is_some()
    );

    // A good round clears both; then the kiosk stops, and the round it cut
    // off records nothing.
    store.delete_setting("content_error").expect("clear");
    store.note_sync_ok(3).expect("ok");
    kiosk::service::stopping();
    let mut syncer = Syncer::new(open(), &up).with_content(updater(data), None);
    block_on(syncer.sync_once(4)).expect("the uploads went");
    block_on(Syncer::new(open(), &down).sync_once(5)).expect_err("down");
    assert_eq!(store.setting("content_error").expect("setting"), None);
    assert_eq!(store.sync_status().expect("status").last_sync_error, None);
}
