//! A kiosk whose database is damaged (here: an index page overwritten)
//! says so in plain words, keeps the damaged file, reads back its
//! enrollment and every readable check-in, and uploads what the hub lacks:
//! at the end the hub holds every check-in exactly once.

use std::io::{Seek, SeekFrom, Write};

use e2e::{Hub, headless, kiosk_cmd, one_center, run, stdout};

#[test]
fn a_damaged_database_is_moved_aside_read_back_and_synced_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = one_center(dir.path());
    let listen = c.server.url.trim_start_matches("http://").to_string();
    // 30 check-ins reach the hub; 20 more are made while it is down.
    assert_eq!(
        headless(&c.kiosk_data, &["visitor under14 leisure"; 30], &[]).len(),
        30
    );
    c.server.stop();
    assert_eq!(
        headless(
            &c.kiosk_data,
            &["visitor over35 sports"; 20],
            &["--no-final-sync"]
        )
        .len(),
        20
    );
    let db = c.kiosk_data.join("kiosk.sqlite3");
    let page: u64 = rusqlite::Connection::open(&db)
        .expect("db")
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = 'events_local_date'",
            [],
            |r| r.get(0),
        )
        .expect("index page");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .expect("open");
    f.seek(SeekFrom::Start((page - 1) * 4096)).expect("seek");
    f.write_all(&[0xA5; 64]).expect("damage");
    drop(f);

    // The next start says what happened.
    let out = run(kiosk_cmd(&c.kiosk_data).args(["status", "--json"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the kiosk database was damaged"), "{err}");
    assert!(err.contains("50 check-ins (up to #50)"), "{err}");
    let status: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("status");
    assert_eq!(status["last_seq"], 50, "{status}");
    let kept: Vec<_> = std::fs::read_dir(&c.kiosk_data)
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| {
            n.starts_with("kiosk.sqlite3.damaged-") && !n.ends_with("-wal") && !n.ends_with("-shm")
        })
        .collect();
    assert_eq!(kept.len(), 1, "the damaged file is kept for inspection");

    // A check-in after the recovery, then the hub comes back.
    assert_eq!(
        headless(
            &c.kiosk_data,
            &["visitor from18_to24 sports"],
            &["--no-final-sync"]
        )
        .len(),
        1
    );
    let _hub = Hub::start(&c.hub_data, &listen);
    run(kiosk_cmd(&c.kiosk_data).arg("sync"));
    let conn = rusqlite::Connection::open(c.hub_data.join("hub.sqlite3")).expect("hub db");
    let (rows, distinct, max): (i64, i64, i64) = conn
        .query_row(
            "SELECT count(*), count(DISTINCT seq), max(seq) FROM events",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("query");
    assert_eq!((rows, distinct, max), (51, 51, 51));
}
