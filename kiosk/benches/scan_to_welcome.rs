//! Scan to welcome: engine + durable SQLite write, against a bare durable insert.
//!
//! Run: `cargo bench -p kiosk --bench scan_to_welcome`. Besides criterion's
//! figures it prints p50/p99 of single scans, measured on the same disk.

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::SigningKey;
use kiosk::checkin::{Engine, Outcome};
use kiosk::clock::ManualClock;

mod common;
use common::{NOW_MS, enrolled_store, hub_key, tokens};

const MEMBERS: u32 = 20_000;

fn engine(dir: &std::path::Path) -> (Engine<ManualClock>, ManualClock, SigningKey) {
    let key = hub_key();
    let store = enrolled_store(dir, &key, MEMBERS);
    let clock = ManualClock::at(NOW_MS);
    // A repeat window of 0 keeps every scan a welcome (a durable write); the
    // repeat query still runs, as it does for every real scan.
    (
        Engine::new(store, clock.clone(), 0).expect("engine"),
        clock,
        key,
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<f64>) {
    samples.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{name:<34} n={:<5} p50={:>7.3} ms  p99={:>7.3} ms",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.99)
    );
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into()))
        .expect("tempdir");
    let (mut engine, clock, key) = engine(dir.path());
    let tokens = tokens(&key, MEMBERS);
    let mut i = 0usize;
    let mut next_token = || {
        i = (i + 1) % tokens.len();
        clock.advance_ms(1);
        tokens[i].as_str()
    };

    // Single-scan latency percentiles, printed for the record.
    let mut samples = Vec::new();
    for _ in 0..2_000 {
        let t = next_token();
        let start = Instant::now();
        let outcome = engine.scan(t);
        samples.push(start.elapsed().as_secs_f64() * 1e3);
        assert!(matches!(outcome, Outcome::Welcome { .. }), "{outcome:?}");
    }
    report("engine + durable write (QR token)", samples);

    // The reference: a bare durable insert of one row on the same disk.
    let bare = rusqlite::Connection::open(dir.path().join("bare.sqlite3")).expect("bare");
    bare.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    bare.pragma_update(None, "synchronous", "FULL")
        .expect("full");
    bare.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER, v TEXT)")
        .expect("table");
    let mut samples = Vec::new();
    for i in 0..2_000 {
        let start = Instant::now();
        bare.execute("INSERT INTO t(at, v) VALUES (?1, 'x')", [i])
            .expect("insert");
        samples.push(start.elapsed().as_secs_f64() * 1e3);
    }
    report("bare durable SQLite insert", samples);

    c.bench_function("scan_to_welcome/qr_token", |b| {
        b.iter(|| {
            let outcome = engine.scan(next_token());
            assert!(matches!(outcome, Outcome::Welcome { .. }), "{outcome:?}");
        })
    });
    c.bench_function("bare_durable_insert", |b| {
        b.iter(|| {
            bare.execute("INSERT INTO t(at, v) VALUES (1, 'x')", [])
                .expect("insert")
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = bench
}
criterion_main!(benches);
