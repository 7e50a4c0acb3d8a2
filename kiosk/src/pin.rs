//! The staff PIN: stored salted and hashed, compared without leaking timing,
//! and locked for a while after wrong tries so it cannot be guessed at the screen.

use sha2::{Digest, Sha256};

use crate::store::{Store, StoreError};

/// Wrong PINs in a row before the PIN locks.
pub const MAX_WRONG: u32 = 5;
/// The first lock lasts a minute; each next one (with no right PIN between)
/// twice as long, up to a quarter of an hour.
const FIRST_LOCK_MS: i64 = 60_000;
const MAX_LOCK_MS: i64 = 15 * 60_000;

const FAILURES: &str = "pin_failures";
const LOCKOUTS: &str = "pin_lockouts";
const LOCKED_UNTIL: &str = "pin_locked_until_ms";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinCheck {
    Open,
    Wrong {
        tries_left: u32,
    },
    /// Locked until this wall time (unix ms); no PIN is checked before.
    Locked {
        until_ms: i64,
    },
    NotSet,
}

fn number(store: &Store, key: &str) -> Result<i64, StoreError> {
    Ok(store
        .setting(key)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// Until when the PIN is locked, if it is now.
pub fn locked_until(store: &Store, now_ms: i64) -> Result<Option<i64>, StoreError> {
    let until = number(store, LOCKED_UNTIL)?;
    // A lock far beyond its length means the clock jumped back: end it.
    Ok((until > now_ms && until - now_ms <= MAX_LOCK_MS).then_some(until))
}

/// Checks a PIN typed at the screen, counting wrong ones.
pub fn check(store: &Store, pin: &str, now_ms: i64) -> Result<PinCheck, StoreError> {
    if let Some(until_ms) = locked_until(store, now_ms)? {
        return Ok(PinCheck::Locked { until_ms });
    }
    let Some(stored) = store.staff_pin_hash()? else {
        return Ok(PinCheck::NotSet);
    };
    if verify(&stored, pin) {
        store.set_setting(FAILURES, "0")?;
        store.set_setting(LOCKOUTS, "0")?;
        return Ok(PinCheck::Open);
    }
    let failures = u32::try_from(number(store, FAILURES)?).unwrap_or(0) + 1;
    if failures < MAX_WRONG {
        store.set_setting(FAILURES, &failures.to_string())?;
        return Ok(PinCheck::Wrong {
            tries_left: MAX_WRONG - failures,
        });
    }
    let lockouts = u32::try_from(number(store, LOCKOUTS)?).unwrap_or(0);
    let lock_ms = FIRST_LOCK_MS
        .saturating_mul(1 << lockouts.min(10))
        .min(MAX_LOCK_MS);
    let until_ms = now_ms + lock_ms;
    store.set_setting(FAILURES, "0")?;
    store.set_setting(LOCKOUTS, &(lockouts + 1).to_string())?;
    store.set_setting(LOCKED_UNTIL, &until_ms.to_string())?;
    Ok(PinCheck::Locked { until_ms })
}

fn digest(salt: &[u8], pin: &str) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(b"youth-kiosk staff pin v1");
    h.update(salt);
    h.update(pin.as_bytes());
    h.finalize().to_vec()
}

/// Checks a PIN's shape: 4 to 8 digits.
pub fn validate(pin: &str) -> Result<(), &'static str> {
    if (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("a staff PIN is 4 to 8 digits")
    }
}

/// `salt:hash`, both hex, for the settings table.
pub fn hash(pin: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(format!(
        "{}:{}",
        data_encoding::HEXLOWER.encode(&salt),
        data_encoding::HEXLOWER.encode(&digest(&salt, pin))
    ))
}

pub fn verify(stored: &str, pin: &str) -> bool {
    let Some((salt, want)) = stored.split_once(':') else {
        return false;
    };
    let (Ok(salt), Ok(want)) = (
        data_encoding::HEXLOWER.decode(salt.as_bytes()),
        data_encoding::HEXLOWER.decode(want.as_bytes()),
    ) else {
        return false;
    };
    let got = digest(&salt, pin);
    got.len() == want.len() && got.iter().zip(&want).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_pin_verifies_wrong_one_does_not() {
        let h = hash("2468").expect("hash");
        assert!(verify(&h, "2468"));
        assert!(!verify(&h, "2469"));
        assert!(!verify("garbage", "2468"));
        assert_ne!(hash("2468").expect("hash"), h, "salted");
        assert!(validate("12a4").is_err() && validate("123").is_err() && validate("1234").is_ok());
    }

    #[test]
    fn wrong_pins_lock_for_longer_each_time_and_the_right_one_resets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("k.sqlite3")).expect("open");
        let now = 1_795_483_800_000;
        assert_eq!(check(&store, "2468", now).expect("check"), PinCheck::NotSet);
        store
            .set_staff_pin_hash(&hash("2468").expect("hash"))
            .expect("set");
        for left in (1..MAX_WRONG).rev() {
            assert_eq!(
                check(&store, "0000", now).expect("check"),
                PinCheck::Wrong { tries_left: left }
            );
        }
        let first = now + 60_000;
        assert_eq!(
            check(&store, "0000", now).expect("check"),
            PinCheck::Locked { until_ms: first }
        );
        // Even the right PIN waits for the lock to end.
        assert_eq!(
            check(&store, "2468", now + 30_000).expect("check"),
            PinCheck::Locked { until_ms: first }
        );
        // The next five wrong ones lock twice as long.
        for _ in 0..MAX_WRONG {
            check(&store, "0000", first).expect("check");
        }
        assert_eq!(
            locked_until(&store, first).expect("lock"),
            Some(first + 120_000)
        );
        // The right PIN after the lock opens and forgets the past.
        let later = first + 120_000;
        assert_eq!(check(&store, "2468", later).expect("check"), PinCheck::Open);
        assert_eq!(
            check(&store, "0000", later).expect("check"),
            PinCheck::Wrong {
                tries_left: MAX_WRONG - 1
            }
        );
        // A clock that jumped back does not leave the PIN locked for days.
        assert_eq!(
            locked_until(&store, first - 86_400_000).expect("lock"),
            None
        );
    }
}
