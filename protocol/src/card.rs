//! Card UIDs (NFC/RFID chips: member cards, school and transit cards, the
//! resident ID card's chip) as keyed hashes: the kiosk never stores a UID in clear.
//!
//! A UID is an identifier, not proof: anyone can read it, and some cards
//! answer a random one. The hub's card key makes the stored hash useless
//! without it; a binding is made by staff, never by the card itself.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Shortest and longest UIDs accepted (ISO 14443 single, double and triple
/// size UIDs are 4, 7 and 10 bytes; some readers pad to 8 or 16).
pub const MIN_UID_BYTES: usize = 4;
pub const MAX_UID_BYTES: usize = 16;

/// Parses a UID written as hex (`04A1B2C3`, `04:a1:b2:c3`, `04 A1 B2 C3`).
pub fn parse_uid_hex(text: &str) -> Option<Vec<u8>> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect();
    let bytes = data_encoding::HEXUPPER_PERMISSIVE
        .decode(digits.as_bytes())
        .ok()?;
    (MIN_UID_BYTES..=MAX_UID_BYTES)
        .contains(&bytes.len())
        .then_some(bytes)
}

/// The keyed hash a card is known by: 128 bits of HMAC-SHA256, in hex.
pub fn card_hash(key: &[u8], uid: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(b"youth-center card uid v1:");
    mac.update(uid);
    let out = mac.finalize().into_bytes();
    data_encoding::HEXLOWER.encode(&out[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_spellings_agree_and_bad_ones_are_refused() {
        let a = parse_uid_hex("04A1B2C3").expect("plain");
        assert_eq!(parse_uid_hex("04:a1:b2:c3"), Some(a.clone()));
        assert_eq!(parse_uid_hex("04 A1 B2 C3"), Some(a));
        for bad in ["", "04A1B2", "04A1B2C", "zz112233", &"11".repeat(17)] {
            assert_eq!(parse_uid_hex(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_hash_depends_on_the_key_and_hides_the_uid() {
        let uid = [0x04, 0xA1, 0xB2, 0xC3];
        let h1 = card_hash(&[1; 32], &uid);
        assert_eq!(h1.len(), 32);
        assert_eq!(h1, card_hash(&[1; 32], &uid));
        assert_ne!(h1, card_hash(&[2; 32], &uid));
        assert!(!h1.contains("04a1b2c3"));
    }
}
