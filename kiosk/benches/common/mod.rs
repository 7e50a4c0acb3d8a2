//! What the kiosk benchmarks share: an enrolled store with a roster, and
//! member tokens signed as the hub signs them. Included by the benches and
//! by `examples/engine_scans.rs`.

use ed25519_dalek::SigningKey;
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
