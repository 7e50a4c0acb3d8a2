//! Power cuts. A headless kiosk under a burst of check-ins is killed with
//! SIGKILL at random moments, again and again, its sync to the hub running
//! the whole time; then the hub is killed at random moments while it
//! ingests a backlog. After every cut the databases pass SQLite's integrity
//! check; in the end every check-in whose welcome was printed (printing
//! happens only after the durable commit) is at the hub exactly once.
//!
//! `POWER_CUT_ROUNDS` sets the number of kiosk cuts (default 200).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use e2e::{Hub, kiosk_cmd, one_center, run, stdout};

/// A small deterministic generator: the same cuts on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn integrity(db: &Path) {
    let conn = rusqlite::Connection::open(db).expect("open after the cut");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok", "{} after a cut", db.display());
}

fn kiosk_seqs(db: &Path) -> BTreeSet<u64> {
    let conn = rusqlite::Connection::open(db).expect("kiosk db");
    let mut st = conn.prepare("SELECT seq FROM events").expect("prepare");
    st.query_map([], |r| r.get::<_, i64>(0))
        .expect("query")
        .map(|r| u64::try_from(r.expect("row")).expect("seq"))
        .collect()
}

/// (rows, distinct seqs) of this kiosk's events at the hub, and the seqs.
fn hub_events(hub_db: &Path) -> (usize, BTreeSet<u64>) {
    let conn = rusqlite::Connection::open(hub_db).expect("hub db");
    let mut st = conn
        .prepare("SELECT seq FROM events WHERE device_id = (SELECT max(id) FROM devices)")
        .expect("prepare");
    let rows: Vec<u64> = st
        .query_map([], |r| r.get::<_, i64>(0))
        .expect("query")
        .map(|r| u64::try_from(r.expect("row")).expect("seq"))
        .collect();
    let n = rows.len();
    (n, rows.into_iter().collect())
}

/// Syncs until the kiosk has nothing waiting (a few tries: the hub may be
/// starting up).
fn drain(kiosk_data: &Path) {
    for _ in 0..20 {
        let _ = kiosk_cmd(kiosk_data).arg("sync").output();
        let status: serde_json::Value = serde_json::from_str(&stdout(&run(
            kiosk_cmd(kiosk_data).args(["status", "--json"])
        )))
        .expect("status");
        if status["events_waiting"] == 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("events still waiting after 20 syncs");
}

#[test]
fn a_kiosk_killed_hundreds_of_times_mid_burst_loses_no_welcomed_check_in() {
    let rounds: usize = std::env::var("POWER_CUT_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let c = one_center(dir.path());
    let db = c.kiosk_data.join("kiosk.sqlite3");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut welcomed = BTreeSet::new();
    let mut cut_mid_burst = 0;
    for round in 0..rounds {
        let mut child = kiosk_cmd(&c.kiosk_data)
            .args(["headless", "--no-final-sync"])
            .env("KIOSK_SYNC_INTERVAL_SECONDS", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("kiosk");
        let mut input = child.stdin.take().expect("stdin");
        // A queue of youths at the door, faster than anyone really comes.
        std::thread::spawn(move || {
            for _ in 0..400 {
                if writeln!(input, "visitor from18_to24 sports").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            // Still open, as a door station's input is, until the cut.
            std::thread::sleep(Duration::from_secs(30));
        });
        let (tx, rx) = mpsc::channel();
        let output = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(output).lines() {
                let Ok(line) = line else { break };
                let v: serde_json::Value = serde_json::from_str(&line).expect("JSON outcome");
                assert_eq!(v["outcome"], "welcome", "{line}");
                let _ = tx.send(v["seq"].as_u64().expect("seq"));
            }
        });
        std::thread::sleep(Duration::from_millis(30 + rng.below(300)));
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        reader.join().expect("outcome reader");
        let this_round: Vec<u64> = rx.try_iter().collect();
        if !this_round.is_empty() && this_round.len() < 400 {
            cut_mid_burst += 1;
        }
        integrity(&db);
        let stored = kiosk_seqs(&db);
        for seq in &this_round {
            assert!(
                stored.contains(seq),
                "round {round}: welcomed seq {seq} is not stored"
            );
        }
        welcomed.extend(this_round);
    }
    assert!(
        cut_mid_burst >= rounds / 2,
        "only {cut_mid_burst} of {rounds} cuts fell inside a burst"
    );

    drain(&c.kiosk_data);
    let stored = kiosk_seqs(&db);
    let (rows, at_hub) = hub_events(&c.hub_data.join("hub.sqlite3"));
    assert_eq!(rows, at_hub.len(), "an event is at the hub twice");
    assert_eq!(at_hub, stored, "the hub and the kiosk disagree");
    assert!(welcomed.is_subset(&at_hub));
    // Seqs are gapless: nothing stored was skipped by the sync.
    assert_eq!(stored.len() as u64, *stored.last().expect("events"));
    eprintln!(
        "{rounds} cuts ({cut_mid_burst} inside a burst): {} welcomed, {} stored, {} at the hub once each",
        welcomed.len(),
        stored.len(),
        at_hub.len()
    );
}

#[test]
fn a_hub_killed_mid_ingest_again_and_again_counts_each_event_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = one_center(dir.path());
    let listen = c
        .server
        .url
        .strip_prefix("http://")
        .expect("http url")
        .to_string();
    c.server.stop();
    let hub_db = c.hub_data.join("hub.sqlite3");
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut cut_mid_ingest = 0;
    for round in 1..=30 {
        // A backlog builds up while the hub is down…
        let lines = vec!["visitor under14 leisure"; 300];
        let out = e2e::headless(&c.kiosk_data, &lines, &["--no-final-sync"]);
        assert_eq!(out.len(), 300);
        // …and the hub dies somewhere while taking it in.
        let mut hub = Hub::start(&c.hub_data, &listen);
        let mut sync = kiosk_cmd(&c.kiosk_data)
            .arg("sync")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sync");
        std::thread::sleep(Duration::from_millis(rng.below(120)));
        hub.stop();
        let _ = sync.wait();
        integrity(&hub_db);
        let (rows, _) = hub_events(&hub_db);
        if rows > 0 && rows < round * 300 {
            cut_mid_ingest += 1;
        }
    }
    assert!(
        cut_mid_ingest >= 5,
        "only {cut_mid_ingest} of 30 cuts left the hub with part of the backlog"
    );
    let _hub = Hub::start(&c.hub_data, &listen);
    drain(&c.kiosk_data);
    let stored = kiosk_seqs(&c.kiosk_data.join("kiosk.sqlite3"));
    let (rows, at_hub) = hub_events(&hub_db);
    assert_eq!(stored.len(), 9_000);
    assert_eq!(rows, at_hub.len(), "an event is at the hub twice");
    assert_eq!(at_hub, stored);
    eprintln!("30 hub cuts ({cut_mid_ingest} with part of the backlog in): 9000 events, each once");
}
