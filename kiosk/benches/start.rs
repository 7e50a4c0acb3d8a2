//! The kiosk's database at start-up after 90 days of a busy center (300
//! check-ins a day, 20,000 members): how long the start-up check takes
//! (`PRAGMA quick_check`, in `store::recover::open_or_recover`), and the
//! whole open. The file was just written, so it is in the page cache; where
//! the machine lets the benchmark drop the cache (root), the cold figures
//! follow, read from the disk as a board reads its SD card after power-on.
//!
//! Run: `cargo bench -p kiosk --bench start` (`BENCH_DIR` picks the disk).

use std::time::Instant;

use kiosk::checkin::{Engine, Outcome};
use kiosk::clock::ManualClock;

mod common;
use common::{NOW_MS, enrolled_store, hub_key, tokens};

const MEMBERS: u32 = 20_000;
const DAYS: i64 = 90;
const PER_DAY: i64 = 300;
const RUNS: usize = 10;

fn report(name: &str, mut samples: Vec<f64>) {
    samples.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{name:<44} n={:<3} median={:>8.1} ms  slowest={:>8.1} ms",
        samples.len(),
        samples[samples.len() / 2],
        samples[samples.len() - 1]
    );
}

/// Empties the page cache; false where this process may not.
fn drop_caches() -> bool {
    // Written pages first, or they stay in the cache.
    let _ = std::process::Command::new("sync").status();
    std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok()
}

fn quick_check(path: &std::path::Path) -> f64 {
    let start = Instant::now();
    let conn = rusqlite::Connection::open(path).expect("open");
    let verdict: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .expect("quick_check");
    let ms = start.elapsed().as_secs_f64() * 1e3;
    assert_eq!(verdict, "ok");
    ms
}

fn open(path: &std::path::Path) -> f64 {
    let start = Instant::now();
    let (store, recovery) = kiosk::store::recover::open_or_recover(path, NOW_MS).expect("open");
    let ms = start.elapsed().as_secs_f64() * 1e3;
    assert!(recovery.is_none(), "a healthy database is not recovered");
    drop(store);
    ms
}

fn main() {
    let dir = tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into()))
        .expect("tempdir");
    let path = dir.path().join("kiosk.sqlite3");
    let key = hub_key();
    let store = enrolled_store(dir.path(), &key, MEMBERS);
    let first = NOW_MS - DAYS * 86_400_000;
    let clock = ManualClock::at(first);
    let mut engine = Engine::new(store, clock.clone(), 0).expect("engine");
    let tokens = tokens(&key, MEMBERS);
    let started = Instant::now();
    for day in 0..DAYS {
        for i in 0..PER_DAY {
            let n = usize::try_from(day * PER_DAY + i).expect("index") % tokens.len();
            let outcome = engine.scan(&tokens[n]);
            assert!(matches!(outcome, Outcome::Welcome { .. }), "{outcome:?}");
            clock.advance_ms(86_400_000 / PER_DAY);
        }
    }
    drop(engine);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!(
        "{} check-ins over {DAYS} days written in {:.1} s; database {:.1} MB",
        DAYS * PER_DAY,
        started.elapsed().as_secs_f64(),
        size as f64 / 1e6
    );

    report(
        "PRAGMA quick_check, warm",
        (0..RUNS).map(|_| quick_check(&path)).collect(),
    );
    report(
        "open_or_recover (check + open), warm",
        (0..RUNS).map(|_| open(&path)).collect(),
    );
    if drop_caches() {
        let cold = |f: fn(&std::path::Path) -> f64| {
            (0..RUNS)
                .map(|_| {
                    drop_caches();
                    f(&path)
                })
                .collect::<Vec<_>>()
        };
        report("PRAGMA quick_check, cold", cold(quick_check));
        report("open_or_recover (check + open), cold", cold(open));
    } else {
        println!("(cold figures need root to drop the page cache)");
    }
}
