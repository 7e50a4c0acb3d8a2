//! What the kiosk benchmarks share: an enrolled store with a roster,
//! member tokens signed as the hub signs them, and a busy center's history.
//! Included by the benches and by `examples/engine_scans.rs` and
//! `examples/staff_opens.rs`.

use ed25519_dalek::SigningKey;
use kiosk::checkin::{Engine, Outcome};
use kiosk::clock::ManualClock;
use kiosk::store::{Enrollment, Store};
use protocol::token::Claims;
use protocol::wire::{RosterDelta, RosterEntry};

/// Tuesday 2026-11-24, 09:30 in Shanghai.
pub const NOW_MS: i64 = 1_795_483_800_000;

/// The hub's signing key in the benchmarks.
pub fn hub_key() -> SigningKey {
    SigningKey::from_bytes(&[5; 32])
}

/// A store in `dir`, enrolled with `key`'s public half, with `members`
/// members numbered from 10000000.
pub fn enrolled_store(dir: &std::path::Path, key: &SigningKey, members: u32) -> Store {
    let mut store = Store::open(&dir.join("kiosk.sqlite3")).expect("open");
    store
        .save_enrollment(
            &Enrollment {
                hub_url: "http://127.0.0.1:9".into(),
                device_id: 1,
                device_token: "t".into(),
                center_id: 1,
                center_name: "城东街道青年之家".into(),
                time_zone: "Asia/Shanghai".into(),
                card_key: String::new(),
            },
            &[(1, protocol::token::encode_public_key(&key.verifying_key()))],
        )
        .expect("enroll");
    store
        .apply_roster(&RosterDelta {
            revision: 1,
            members: (0..members)
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
        })
        .expect("roster");
    store
}

/// `n` member tokens valid for a day from `NOW_MS`, signed up front (the
/// hub signs them, not the kiosk).
pub fn tokens(key: &SigningKey, n: u32) -> Vec<String> {
    (0..n)
        .map(|i| {
            Claims {
                key_id: 1,
                member_id: 10_000_000 + i,
                expires_at: u32::try_from(NOW_MS / 1000 + 86_400).expect("fits"),
            }
            .sign(key)
        })
        .collect()
}

/// The staff PIN of [`busy_history`].
#[allow(dead_code)] // (not every program that includes this reads a history)
pub const STAFF_PIN: &str = "2468";

/// An engine on a store in `dir` (enrolled, `tokens.len()` members) that
/// holds `days` days before `NOW_MS` of a busy center: `per_day`
/// check-ins a day by the tokens in turn, and [`STAFF_PIN`] set. Its clock
/// stands at `NOW_MS` after, the day's first check-in still to come.
#[allow(dead_code)]
pub fn busy_history(
    dir: &std::path::Path,
    key: &SigningKey,
    tokens: &[String],
    days: i64,
    per_day: i64,
) -> (Engine<ManualClock>, ManualClock) {
    const DAY_MS: i64 = 86_400_000;
    let members = u32::try_from(tokens.len()).expect("members");
    let clock = ManualClock::at(NOW_MS - days * DAY_MS);
    let mut engine =
        Engine::new(enrolled_store(dir, key, members), clock.clone(), 0).expect("engine");
    let scans = usize::try_from(days * per_day).expect("count");
    for (i, token) in tokens.iter().cycle().take(scans).enumerate() {
        let outcome = engine.scan(token);
        assert!(
            matches!(outcome, Outcome::Welcome { .. }),
            "history scan {i}: {outcome:?}"
        );
        clock.advance_ms(DAY_MS / per_day);
    }
    engine
        .store()
        .set_staff_pin_hash(&kiosk::pin::hash(STAFF_PIN).expect("hash"))
        .expect("PIN");
    (engine, clock)
}
