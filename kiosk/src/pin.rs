//! The staff PIN: stored salted and hashed, compared without leaking timing.

use sha2::{Digest, Sha256};

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
}
