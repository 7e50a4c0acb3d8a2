//! A fixed amount of check-in work, for counting instructions rather than
//! timing: `engine_scans N` enrolls a kiosk with 2,000 members, signs 256
//! tokens (as the hub would), then puts N of them through the engine and its
//! durable write. Everything but the N scans is the same for every N, so
//! (count at N) − (count at 0), divided by N, is the cost of one scan.
//! `scripts/bench-aarch64.sh` runs it under qemu-user for aarch64; the same
//! program runs natively under valgrind.
//!
//! Data goes to a temporary folder under `BENCH_DIR` (default: the current one).

use ed25519_dalek::SigningKey;
use kiosk::checkin::{Engine, Outcome};
use kiosk::clock::ManualClock;
use kiosk::store::{Enrollment, Store};
use protocol::token::Claims;
use protocol::wire::{RosterDelta, RosterEntry};

const NOW_MS: i64 = 1_795_483_800_000;
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
    let mut store = Store::open(&dir.path().join("kiosk.sqlite3"))?;
    let key = SigningKey::from_bytes(&[5; 32]);
    store.save_enrollment(
        &Enrollment {
            hub_url: "http://127.0.0.1:9".into(),
            device_id: 1,
            device_token: "t".into(),
            center_id: 1,
            center_name: "bench".into(),
            time_zone: "Asia/Shanghai".into(),
            card_key: String::new(),
        },
        &[(1, protocol::token::encode_public_key(&key.verifying_key()))],
    )?;
    store.apply_roster(&RosterDelta {
        revision: 1,
        members: (0..MEMBERS)
            .map(|i| RosterEntry {
                member_id: 10_000_000 + i,
                display_name: format!("同学{i}"),
                active: true,
                cards: vec![],
                card_generation: 0,
                volunteer: false,
            })
            .collect(),
        more: false,
    })?;
    let tokens: Vec<String> = (0..TOKENS as u32)
        .map(|i| {
            Claims {
                key_id: 1,
                member_id: 10_000_000 + i,
                expires_at: (NOW_MS / 1000 + 86_400) as u32,
            }
            .sign(&key)
        })
        .collect();
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
