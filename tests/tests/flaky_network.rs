//! A flaky network between a kiosk and its hub (`e2e::faulty`): refused
//! connections, connections cut mid-body, 502s, slow answers, requests
//! that reach the hub twice, answers lost after the hub committed, stalls.
//! A backlog and new check-ins keep arriving; in the end the hub holds
//! every event exactly once.

use std::collections::BTreeSet;
use std::path::Path;

use e2e::faulty::{FAULTS, FaultyProxy};
use e2e::{headless, kiosk_cmd, one_center, outcomes, run, stdout};

fn seqs(db: &Path, sql: &str) -> Vec<u64> {
    let conn = rusqlite::Connection::open(db).expect("db");
    let mut st = conn.prepare(sql).expect("prepare");
    st.query_map([], |r| r.get::<_, i64>(0))
        .expect("query")
        .map(|r| u64::try_from(r.expect("row")).expect("seq"))
        .collect()
}

#[test]
fn through_every_kind_of_network_fault_each_event_reaches_the_hub_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let c = one_center(dir.path());
    let upstream = c.server.url.trim_start_matches("http://").to_string();
    let proxy = FaultyProxy::start(&upstream, 0x5DEE_CE66_D1CE_4E5B, 50);
    let kiosk_db = c.kiosk_data.join("kiosk.sqlite3");
    rusqlite::Connection::open(&kiosk_db)
        .expect("kiosk db")
        .execute("UPDATE enrollment SET hub_url = ?1", [&proxy.url])
        .expect("point the kiosk at the proxy");

    // A backlog from a day offline.
    let lines = vec!["visitor from14_to17 culture_learning"; 1_500];
    assert_eq!(
        headless(&c.kiosk_data, &lines, &["--no-final-sync"]).len(),
        1_500
    );
    let mut synced = false;
    for round in 0..150 {
        // Youths keep arriving while the backlog goes up: never refused.
        if round % 5 == 0 {
            let v = headless(
                &c.kiosk_data,
                &["visitor over35 sports"; 3],
                &["--no-final-sync"],
            );
            assert_eq!(outcomes(&v), ["welcome"; 3]);
        }
        let _ = kiosk_cmd(&c.kiosk_data).arg("sync").output().expect("sync");
        let status = e2e::kiosk_status(&c.kiosk_data);
        if status["events_waiting"] == 0 && round >= 40 {
            synced = true;
            break;
        }
    }
    assert!(
        synced,
        "still events waiting after 150 syncs: {:?}",
        proxy.counts()
    );

    let stored: BTreeSet<u64> = seqs(&kiosk_db, "SELECT seq FROM events")
        .into_iter()
        .collect();
    let at_hub = seqs(&c.hub_data.join("hub.sqlite3"), "SELECT seq FROM events");
    let distinct: BTreeSet<u64> = at_hub.iter().copied().collect();
    assert_eq!(at_hub.len(), distinct.len(), "an event is at the hub twice");
    assert_eq!(distinct, stored);
    let counts = proxy.counts();
    for fault in FAULTS {
        assert!(
            counts.get(fault).copied().unwrap_or(0) > 0,
            "{fault} never happened: {counts:?}"
        );
    }
    eprintln!(
        "{} events, each once at the hub; requests by fault: {counts:?}",
        stored.len()
    );
}

#[test]
fn a_hub_that_never_answers_is_given_up_on_after_the_timeout_and_nothing_is_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = one_center(dir.path());
    let upstream = c.server.url.trim_start_matches("http://").to_string();
    c.server.stop();
    // Check-ins recorded while the network is down (the hub is not there).
    let v = headless(
        &c.kiosk_data,
        &["visitor over35 sports"; 20],
        &["--no-final-sync"],
    );
    assert_eq!(v.len(), 20);
    let _hub = e2e::Hub::start(&c.hub_data, &upstream);
    // The first page reaches the hub, which commits it; the answer never comes.
    let proxy = FaultyProxy::start_scripted(&upstream, &["pass", "hold"]);
    let kiosk_db = c.kiosk_data.join("kiosk.sqlite3");
    rusqlite::Connection::open(&kiosk_db)
        .expect("kiosk db")
        .execute("UPDATE enrollment SET hub_url = ?1", [&proxy.url])
        .expect("point the kiosk at the proxy");
    std::fs::write(c.kiosk_data.join("kiosk.toml"), "hub_timeout_seconds = 2\n").expect("settings");

    let t = std::time::Instant::now();
    let out = kiosk_cmd(&c.kiosk_data).arg("sync").output().expect("sync");
    let waited = t.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the held call fails");
    assert!(err.contains("cannot be reached"), "{err}");
    assert!(
        waited < std::time::Duration::from_secs(30),
        "given up after {waited:?}, not the proxy's two minutes"
    );
    eprintln!("a hub that never answers: given up after {waited:?}");

    // The next sync learns the hub's mark and sends nothing twice.
    let report: serde_json::Value =
        serde_json::from_str(&stdout(&run(kiosk_cmd(&c.kiosk_data).arg("sync")))).expect("report");
    assert_eq!(report["uploaded_events"], 0, "{report}");
    assert_eq!(report["acked_seq"], 20, "{report}");
    let at_hub = seqs(&c.hub_data.join("hub.sqlite3"), "SELECT seq FROM events");
    assert_eq!(at_hub, (1..=20).collect::<Vec<u64>>());
    assert_eq!(proxy.counts().get("hold"), Some(&1));
}
