//! Two hub replicas on one PostgreSQL database, side by side on 127.0.0.1
//! and sharing the data folder (keys, signed content), as replicas behind
//! a load balancer do. Everything is sent to both at once: enrollment
//! codes, every page of every kiosk's backlog (a retry that reached the
//! other replica while the first try was still in flight), content
//! publishes. Nothing may be lost, doubled, or issued twice, and a webhook
//! delivery goes out once however many replicas deliver.
//!
//! PostgreSQL: the server `HUB_TEST_POSTGRES_URL` names (the test command
//! sets it), or a throwaway one started by scripts/pg-test.sh.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::time::{Duration, Instant};

use e2e::{Hub, hub_cmd, postgres_server, run, stdout, webhook_receiver};
use protocol::catalog::{AgeBand, ServiceCategory};
use protocol::wire::{ClockInfo, EnrollRequest, Event, EventKind, EventPage, IngestResult};

const CENTERS: usize = 4;
const KIOSKS_PER_CENTER: usize = 3;
const EVENTS_PER_KIOSK: u64 = 1_000;
const PAGE: u64 = 200;

fn page(from: u64, at_ms: i64, boot: &str) -> EventPage {
    EventPage {
        events: (from..from + PAGE)
            .map(|seq| Event {
                seq,
                at_ms: at_ms + seq as i64 * 1_000,
                clock: ClockInfo {
                    boot_id: boot.to_string(),
                    monotonic_ms: seq * 1_000,
                    synchronized: true,
                },
                kind: EventKind::Visitor {
                    age_band: AgeBand::ALL[seq as usize % AgeBand::ALL.len()],
                    purpose: ServiceCategory::ALL[seq as usize % ServiceCategory::ALL.len()],
                },
            })
            .collect(),
    }
}

#[test]
fn two_replicas_on_one_postgres_lose_nothing_double_nothing_and_publish_in_turn() {
    let server = postgres_server();
    let hub::store::Database::Postgres(url) =
        hub::testing::fresh_postgres(&server).expect("a database of its own")
    else {
        panic!("fresh_postgres gives a PostgreSQL database");
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("hub");
    let cli = |args: &[&str]| {
        stdout(&run(hub_cmd(&data)
            .env("HUB_DATABASE_URL", &url)
            .args(args)))
    };
    let centers: Vec<String> = (0..CENTERS)
        .map(|i| cli(&["center", "add", "--name", &format!("青年之家 {i}")]))
        .collect();
    let mut codes = Vec::new();
    for c in &centers {
        let out = cli(&[
            "enroll-code",
            "--center",
            c,
            "--count",
            &KIOSKS_PER_CENTER.to_string(),
        ]);
        codes.extend(out.lines().map(str::to_string));
    }
    assert_eq!(codes.len(), CENTERS * KIOSKS_PER_CENTER);
    cli(&[
        "content",
        "init",
        "--root-key-out",
        &dir.path().join("root.pk8").display().to_string(),
    ]);
    let (hook, hits) = webhook_receiver(0);
    cli(&[
        "integration",
        "add",
        "--name",
        "省级平台",
        "--scope",
        &format!("center:{}", centers[0]),
        "--webhook",
        &hook,
    ]);
    for c in &centers[1..] {
        cli(&[
            "integration",
            "add",
            "--name",
            &format!("平台 {c}"),
            "--scope",
            &format!("center:{c}"),
            "--webhook",
            &hook,
        ]);
    }

    let env = [
        ("HUB_DATABASE_URL", url.as_str()),
        ("HUB_DB_CONNECTIONS", "4"),
        ("HUB_WEBHOOK_SECONDS", "1"),
        ("HUB_WEBHOOK_RETRY_SECONDS", "1"),
    ];
    let a = Hub::start_env(&data, "127.0.0.1:0", Stdio::inherit(), "warn", &env);
    let b = Hub::start_env(&data, "127.0.0.1:0", Stdio::inherit(), "warn", &env);
    let replicas = [a.url.clone(), b.url.clone()];

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // (reqwest has no crypto provider of its own: aws-lc, as the hub's.)
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");

    // The first codes are each tried twice at each replica, all at once;
    // the others once (a replica refuses an address after ten wrong codes).
    let tokens: Vec<String> = rt.block_on(async {
        let mut tokens = Vec::new();
        for (n, code) in codes.iter().enumerate() {
            let tries = if n < 2 { 4 } else { 1 };
            let tries = (0..tries).map(|i| {
                let (client, url) = (client.clone(), replicas[(i + n) % 2].clone());
                let body = EnrollRequest {
                    code: code.clone(),
                    device_name: format!("kiosk {i}"),
                    software_version: "test".into(),
                };
                async move {
                    let res = client
                        .post(format!("{url}/api/v1/enroll"))
                        .json(&body)
                        .send()
                        .await
                        .expect("enroll request");
                    let ok = res.status().is_success();
                    let json: serde_json::Value = res.json().await.expect("enroll answer");
                    (ok, json)
                }
            });
            let answers = futures::future::join_all(tries).await;
            let won: Vec<_> = answers.iter().filter(|(ok, _)| *ok).collect();
            assert_eq!(won.len(), 1, "one enrollment per code, got {answers:?}");
            for (ok, json) in &answers {
                if !ok {
                    assert!(
                        json.to_string().contains("already used"),
                        "a refused try says why: {json}"
                    );
                }
            }
            tokens.push(
                won[0].1["device_token"]
                    .as_str()
                    .expect("token")
                    .to_string(),
            );
        }
        tokens
    });

    // Every kiosk's backlog, each page sent to both replicas at once.
    let day_start = chrono::Utc::now().timestamp_millis() - 4 * 3_600_000;
    let (stored, duplicates) = rt.block_on(async {
        let kiosks = tokens.iter().enumerate().map(|(k, token)| {
            let (client, replicas) = (client.clone(), replicas.clone());
            async move {
                let (mut stored, mut duplicates) = (0u64, 0u64);
                let mut from = 1;
                while from <= EVENTS_PER_KIOSK {
                    let p = page(from, day_start, &format!("boot-{k}"));
                    let sends = replicas.iter().map(|r| {
                        client
                            .post(format!("{r}/api/v1/events"))
                            .bearer_auth(token)
                            .json(&p)
                            .send()
                    });
                    for res in futures::future::join_all(sends).await {
                        let res = res.expect("upload");
                        assert!(res.status().is_success(), "upload: {}", res.status());
                        let r: IngestResult = res.json().await.expect("ingest answer");
                        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
                        assert_eq!(r.acked_seq, from + PAGE - 1, "acked through the page");
                        stored += u64::from(r.stored);
                        duplicates += u64::from(r.duplicates);
                    }
                    from += PAGE;
                }
                (stored, duplicates)
            }
        });
        futures::future::join_all(kiosks)
            .await
            .into_iter()
            .fold((0, 0), |(s, d), (s1, d1)| (s + s1, d + d1))
    });
    let total = (CENTERS * KIOSKS_PER_CENTER) as u64 * EVENTS_PER_KIOSK;
    assert_eq!(stored, total, "each event stored once");
    assert_eq!(duplicates, total, "and its twin counted a duplicate");

    // What the database holds.
    let counts = {
        let url = url.clone();
        std::thread::spawn(move || {
            let mut pg = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
            let events: i64 = pg
                .query_one("SELECT count(*) FROM events", &[])
                .expect("count")
                .get(0);
            let rolled: i64 = pg
                .query_one("SELECT sum(visitors)::bigint FROM daily_counts", &[])
                .expect("sum")
                .get(0);
            let devices: i64 = pg
                .query_one("SELECT count(*) FROM devices", &[])
                .expect("devices")
                .get(0);
            let acked: Vec<i64> = pg
                .query("SELECT acked_seq FROM devices ORDER BY id", &[])
                .expect("acked")
                .iter()
                .map(|r| r.get(0))
                .collect();
            (events, rolled, devices, acked)
        })
        .join()
        .expect("query thread")
    };
    assert_eq!(counts.0 as u64, total, "events in the database");
    assert_eq!(counts.1 as u64, total, "the daily roll-up counts each once");
    assert_eq!(counts.2 as usize, codes.len(), "one device per code");
    assert!(
        counts.3.iter().all(|a| *a as u64 == EVENTS_PER_KIOSK),
        "{:?}",
        counts.3
    );

    // Content: four publishes at once, two through each replica's data
    // folder and database; each gets a version of its own.
    let before: u64 = cli(&["content", "status"])
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .expect("a version");
    let folders: Vec<_> = centers[..2]
        .iter()
        .map(|c| {
            let f = dir.path().join(format!("content-{c}"));
            cli(&[
                "content",
                "default",
                "--center",
                c,
                "--out",
                &f.display().to_string(),
            ]);
            (c.clone(), f)
        })
        .collect();
    let publishes: Vec<_> = folders
        .iter()
        .chain(folders.iter())
        .map(|(c, f)| {
            hub_cmd(&data)
                .env("HUB_DATABASE_URL", &url)
                .args(["content", "publish", "--center", c, "--from"])
                .arg(f)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("publish")
        })
        .collect();
    let mut versions = BTreeSet::new();
    for p in publishes {
        let out = p.wait_with_output().expect("publish");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: u64 = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .find_map(|w| w.parse().ok())
            .expect("the new version");
        versions.insert(v);
    }
    assert_eq!(
        versions.len(),
        4,
        "four publishes, four versions: {versions:?}"
    );
    let after: u64 = cli(&["content", "status"])
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .expect("a version");
    assert_eq!(after, before + 4);
    assert_eq!(versions.last().copied(), Some(after));
    // Both replicas serve the same signed state.
    rt.block_on(async {
        let mut seen = Vec::new();
        for r in &replicas {
            let t = client
                .get(format!("{r}/tuf/metadata/timestamp.json"))
                .send()
                .await
                .expect("timestamp")
                .bytes()
                .await
                .expect("body");
            seen.push(t);
        }
        assert_eq!(seen[0], seen[1], "one timestamp, whichever replica answers");
    });

    // Webhooks: every change pushed, each delivery once, by either replica.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut latest: BTreeMap<u64, u64> = BTreeMap::new();
    loop {
        latest.clear();
        for hit in hits.lock().expect("lock").iter() {
            let v: serde_json::Value = serde_json::from_str(&hit.body).expect("delivery body");
            for item in v["items"].as_array().expect("items") {
                let c = item["center_id"].as_u64().expect("center");
                let t = item["total"].as_u64().expect("total");
                let e = latest.entry(c).or_default();
                *e = (*e).max(t);
            }
        }
        let per_center = KIOSKS_PER_CENTER as u64 * EVENTS_PER_KIOSK;
        if latest.len() == CENTERS && latest.values().all(|t| *t == per_center) {
            break;
        }
        assert!(Instant::now() < deadline, "webhooks so far: {latest:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // A moment for a second replica to send something twice, if it would.
    std::thread::sleep(Duration::from_secs(3));
    let hits = hits.lock().expect("lock");
    let ids: BTreeSet<&String> = hits.iter().map(|h| &h.delivery).collect();
    assert_eq!(ids.len(), hits.len(), "no delivery sent twice");
}

/// The lock replicas publish under: a second holder waits for the first.
#[test]
fn the_shared_publishing_lock_makes_a_second_replica_wait() {
    let server = postgres_server();
    let db = hub::testing::fresh_postgres(&server).expect("a database of its own");
    hub::store::Store::open_database(&db).expect("schema");
    let first = hub::store::SharedLock::take(&db, 42).expect("first");
    let (tx, rx) = std::sync::mpsc::channel();
    let second = {
        let db = db.clone();
        std::thread::spawn(move || {
            let lock = hub::store::SharedLock::take(&db, 42).expect("second");
            tx.send(Instant::now()).expect("send");
            drop(lock);
        })
    };
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "the second waits while the first holds the lock"
    );
    let released = Instant::now();
    drop(first);
    let got = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("then it gets it");
    assert!(got >= released);
    second.join().expect("second thread");
}

/// A replica whose database connection is cut (the server restarted, a
/// network blip) connects again by itself: the call that met the cut
/// fails, the next one works, and nothing written before is gone.
#[test]
fn a_cut_database_connection_is_opened_again() {
    let server = postgres_server();
    let db = hub::testing::fresh_postgres(&server).expect("a database of its own");
    let store = hub::store::Store::open_database(&db).expect("store");
    let center = store
        .add_center("城东街道青年之家", "Asia/Shanghai")
        .expect("center");
    let pid: i32 = store
        .read(|c| c.query_row("SELECT pg_backend_pid()", [], |r| r.get(0)))
        .expect("pid");
    let mut admin = {
        let server = server.clone();
        std::thread::spawn(move || postgres::Client::connect(&server, postgres::NoTls))
            .join()
            .expect("thread")
            .expect("admin connection")
    };
    let cut: bool = admin
        .query_one("SELECT pg_terminate_backend($1)", &[&pid])
        .expect("terminate")
        .get(0);
    assert!(cut, "the store's connection was cut");
    // Once the server's end of it is gone, the first call meets the cut
    // connection (or already finds it closed).
    let deadline = Instant::now() + Duration::from_secs(10);
    while admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = $1",
            &[&pid],
        )
        .expect("activity")
        .get::<_, i64>(0)
        > 0
    {
        assert!(Instant::now() < deadline, "the backend did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = store.ping();
    assert_eq!(
        store.center(center).expect("connected again").name,
        "城东街道青年之家"
    );
    let now: i32 = store
        .read(|c| c.query_row("SELECT pg_backend_pid()", [], |r| r.get(0)))
        .expect("pid");
    assert_ne!(now, pid, "a new connection");
}
