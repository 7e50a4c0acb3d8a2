//! A fixed amount of check-in work, for counting instructions rather than
//! timing: `engine_scans N` enrolls a kiosk with 2,000 members, signs 256
//! tokens (as the hub would), then puts N of them through the engine and its
//! durable write. Everything but the N scans is the same for every N, so
//! (count at N) − (count at 0), divided by N, is the cost of one scan.
//! `scripts/bench-aarch64.sh` runs it under qemu-user for aarch64; the same
//! program runs natively under valgrind.
//!
//! Data goes to a temporary folder under `BENCH_DIR` (default: the current one).

use kiosk::checkin::{Engine, Outcome};
use kiosk::clock::ManualClock;

#[path = "../benches/common/mod.rs"]
mod common;
use common::{NOW_MS, enrolled_store, hub_key, tokens};

const MEMBERS: u32 = 2_000;
const TOKENS: usize = 256;

fn main() -> anyhow::Result<()> {
    let n: usize = match std::env::args().nth(1) {
        Some(a) => a
            .parse()
            .map_err(|_| anyhow::anyhow!("usage: engine_scans N (a whole number of scans)"))?,
        None => 100,
    };
    anyhow::ensure!(n <= TOKENS, "at most {TOKENS} scans");
    let dir = tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into()))?;
    let key = hub_key();
    let store = enrolled_store(dir.path(), &key, MEMBERS);
    let tokens = tokens(&key, TOKENS as u32);
    let clock = ManualClock::at(NOW_MS);
    let mut engine = Engine::new(store, clock.clone(), 0)?;
    for token in tokens.iter().take(n) {
        clock.advance_ms(1_000);
        let outcome = engine.scan(token);
        anyhow::ensure!(
            matches!(outcome, Outcome::Welcome { .. }),
            "unexpected: {outcome:?}"
        );
    }
    println!("{n} scans welcomed");
    Ok(())
}
