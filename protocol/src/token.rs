//! The member QR token: who, until when, signed by the hub, checked offline by a kiosk.
//!
//! Text form: `YC1` followed by the base32 (RFC 4648, no padding) of
//! `key_id: u16 | member_id: u32 | expires_at: u32 (unix seconds) | ed25519 signature (64)`,
//! all big-endian: 122 characters. Every character is in the QR "alphanumeric"
//! set, so the code fits a version-5 QR symbol at error correction M, and a
//! keyboard-wedge scanner types only capitals and digits (no layout-dependent
//! punctuation). The signature covers a domain tag and the ten claim bytes.
//!
//! A printed member card carries the long-lived form, `YC2`: the same claims
//! plus the card's generation (u16), 125 characters. Printing a new card raises
//! the member's generation, so a lost card stops working once kiosks have the
//! roster change.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use thiserror::Error;

/// Text prefix of a short-lived (phone) member token.
pub const PREFIX: &str = "YC1";
/// Text prefix of a long-lived printed card token.
pub const CARD_PREFIX: &str = "YC2";
const DOMAIN_TAG: &[u8] = b"youth-center member token v1";
const CARD_DOMAIN_TAG: &[u8] = b"youth-center card token v2";
const CLAIMS_LEN: usize = 10;
const CARD_CLAIMS_LEN: usize = CLAIMS_LEN + 2;
const RAW_LEN: usize = CLAIMS_LEN + 64;
const CARD_RAW_LEN: usize = CARD_CLAIMS_LEN + 64;

/// Length of a token's text form, useful for scanners that end a scan by length.
pub const TEXT_LEN: usize = 3 + (RAW_LEN * 8).div_ceil(5);
/// Length of a card token's text form.
pub const CARD_TEXT_LEN: usize = 3 + (CARD_RAW_LEN * 8).div_ceil(5);

/// What a token claims, before or after its signature is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claims {
    /// Which of the hub's signing keys made it; lets keys rotate.
    pub key_id: u16,
    pub member_id: u32,
    /// Unix seconds after which the token is no longer accepted.
    pub expires_at: u32,
}

/// Why a scanned text is not an acceptable token.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TokenError {
    #[error("not a member code (garbled or from another system)")]
    Malformed,
    #[error("signed with key {0}, which this kiosk does not know")]
    UnknownKey(u16),
    #[error("signature does not match: the code was altered or forged")]
    BadSignature,
    #[error("code expired at {expired_at} (unix seconds)")]
    Expired { expired_at: u32 },
}

impl Claims {
    fn to_bytes(self) -> [u8; CLAIMS_LEN] {
        let mut b = [0u8; CLAIMS_LEN];
        b[0..2].copy_from_slice(&self.key_id.to_be_bytes());
        b[2..6].copy_from_slice(&self.member_id.to_be_bytes());
        b[6..10].copy_from_slice(&self.expires_at.to_be_bytes());
        b
    }

    fn from_bytes(b: &[u8; CLAIMS_LEN]) -> Self {
        Claims {
            key_id: u16::from_be_bytes([b[0], b[1]]),
            member_id: u32::from_be_bytes([b[2], b[3], b[4], b[5]]),
            expires_at: u32::from_be_bytes([b[6], b[7], b[8], b[9]]),
        }
    }

    /// Signs the claims and returns the text to put in a QR code.
    pub fn sign(self, key: &SigningKey) -> String {
        encode(PREFIX, DOMAIN_TAG, &self.to_bytes(), key)
    }

    /// Signs the claims as a printed card of the given generation.
    pub fn sign_card(self, key: &SigningKey, generation: u16) -> String {
        let mut claims = [0u8; CARD_CLAIMS_LEN];
        claims[..CLAIMS_LEN].copy_from_slice(&self.to_bytes());
        claims[CLAIMS_LEN..].copy_from_slice(&generation.to_be_bytes());
        encode(CARD_PREFIX, CARD_DOMAIN_TAG, &claims, key)
    }
}

fn encode(prefix: &str, tag: &[u8], claims: &[u8], key: &SigningKey) -> String {
    let signature = key.sign(&signed_message(tag, claims));
    let mut raw = Vec::with_capacity(claims.len() + 64);
    raw.extend_from_slice(claims);
    raw.extend_from_slice(&signature.to_bytes());
    let mut text = String::with_capacity(CARD_TEXT_LEN);
    text.push_str(prefix);
    text.push_str(&data_encoding::BASE32_NOPAD.encode(&raw));
    text
}

fn signed_message(tag: &[u8], claims: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(tag.len() + claims.len());
    m.extend_from_slice(tag);
    m.extend_from_slice(claims);
    m
}

fn has_prefix(t: &str, prefix: &str) -> bool {
    // Bytes, not a str slice: the text may hold any character a scanner or
    // a keyboard produces, and a slice inside one would panic.
    t.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// True when the text has the shape of a member token (it may still be forged).
pub fn looks_like_token(text: &str) -> bool {
    let t = text.trim();
    has_prefix(t, PREFIX) || has_prefix(t, CARD_PREFIX)
}

/// A token whose syntax is valid; its signature is not yet checked.
#[derive(Debug, Clone)]
pub struct ParsedToken {
    pub claims: Claims,
    /// `Some` for a printed card (`YC2`): which card of the member this is.
    pub card_generation: Option<u16>,
    signed: Vec<u8>,
    signature: Signature,
}

impl ParsedToken {
    /// Parses the text a scanner produced. Lower case is accepted because some
    /// scanners are left with Caps Lock logic inverted.
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let t = text.trim();
        let (tag, claims_len) = if has_prefix(t, PREFIX) && t.len() == TEXT_LEN {
            (DOMAIN_TAG, CLAIMS_LEN)
        } else if has_prefix(t, CARD_PREFIX) && t.len() == CARD_TEXT_LEN {
            (CARD_DOMAIN_TAG, CARD_CLAIMS_LEN)
        } else {
            return Err(TokenError::Malformed);
        };
        let body = t[PREFIX.len()..].to_ascii_uppercase();
        let raw = data_encoding::BASE32_NOPAD
            .decode(body.as_bytes())
            .map_err(|_| TokenError::Malformed)?;
        let (claims, sig) = raw
            .split_at_checked(claims_len)
            .ok_or(TokenError::Malformed)?;
        let claim_bytes: [u8; CLAIMS_LEN] = claims[..CLAIMS_LEN]
            .try_into()
            .map_err(|_| TokenError::Malformed)?;
        let card_generation = (claims_len == CARD_CLAIMS_LEN)
            .then(|| u16::from_be_bytes([claims[CLAIMS_LEN], claims[CLAIMS_LEN + 1]]));
        let sig: [u8; 64] = sig.try_into().map_err(|_| TokenError::Malformed)?;
        Ok(ParsedToken {
            claims: Claims::from_bytes(&claim_bytes),
            card_generation,
            signed: signed_message(tag, claims),
            signature: Signature::from_bytes(&sig),
        })
    }

    /// Checks the signature with the key the token names, then the expiry
    /// against `now` (unix seconds). The signature is checked first so a forged
    /// token is reported as forged, never as merely expired.
    pub fn verify(
        &self,
        key_for: impl Fn(u16) -> Option<VerifyingKey>,
        now: u64,
    ) -> Result<Claims, TokenError> {
        let key = key_for(self.claims.key_id).ok_or(TokenError::UnknownKey(self.claims.key_id))?;
        key.verify(&self.signed, &self.signature)
            .map_err(|_| TokenError::BadSignature)?;
        if now > u64::from(self.claims.expires_at) {
            return Err(TokenError::Expired {
                expired_at: self.claims.expires_at,
            });
        }
        Ok(self.claims)
    }
}

/// Encodes a verifying key for the wire (base64, standard alphabet).
pub fn encode_public_key(key: &VerifyingKey) -> String {
    data_encoding::BASE64.encode(key.as_bytes())
}

/// Decodes a verifying key sent by the hub.
pub fn decode_public_key(text: &str) -> Option<VerifyingKey> {
    let bytes = data_encoding::BASE64.decode(text.as_bytes()).ok()?;
    let bytes: [u8; 32] = bytes.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_with_characters_of_several_bytes_is_refused_not_a_crash() {
        // Found by fuzzing: a multi-byte character across the prefix's end.
        for text in [
            ")1\u{fffd}0;0",
            "Y\u{e9}1",
            "YC\u{fffd}",
            "\u{4e2d}\u{6587}",
        ] {
            assert!(ParsedToken::parse(text).is_err(), "{text:?}");
            assert!(!looks_like_token(text), "{text:?}");
        }
    }

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn claims() -> Claims {
        Claims {
            key_id: 1,
            member_id: 10_000_042,
            expires_at: 2_000_000_000,
        }
    }

    #[test]
    fn signed_token_round_trips_and_verifies() {
        let k = key(7);
        let text = claims().sign(&k);
        assert_eq!(text.len(), TEXT_LEN);
        assert_eq!(TEXT_LEN, 122);
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        );
        let parsed = ParsedToken::parse(&text).expect("parse");
        assert_eq!(parsed.claims, claims());
        let got = parsed.verify(|id| (id == 1).then(|| k.verifying_key()), 1_900_000_000);
        assert_eq!(got, Ok(claims()));
    }

    #[test]
    fn lower_case_and_surrounding_whitespace_are_accepted() {
        let k = key(7);
        let text = format!("  {}\r\n", claims().sign(&k).to_ascii_lowercase());
        let parsed = ParsedToken::parse(&text).expect("parse");
        assert_eq!(parsed.claims, claims());
    }

    #[test]
    fn token_signed_by_another_key_is_forged() {
        let text = claims().sign(&key(8));
        let parsed = ParsedToken::parse(&text).expect("parse");
        let got = parsed.verify(|_| Some(key(7).verifying_key()), 0);
        assert_eq!(got, Err(TokenError::BadSignature));
    }

    #[test]
    fn altered_member_id_breaks_the_signature() {
        let k = key(7);
        let good = claims().sign(&k);
        let mut other = claims();
        other.member_id += 1;
        let forged_claims = other.sign(&key(9));
        // Splice the claims of one token onto the signature of another.
        let spliced = format!("{}{}", &forged_claims[..19], &good[19..]);
        let parsed = ParsedToken::parse(&spliced).expect("parse");
        assert_eq!(
            parsed.verify(|_| Some(k.verifying_key()), 0),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn expired_token_is_refused_after_its_signature_checks() {
        let k = key(7);
        let parsed = ParsedToken::parse(&claims().sign(&k)).expect("parse");
        assert_eq!(
            parsed.verify(|_| Some(k.verifying_key()), 2_000_000_001),
            Err(TokenError::Expired {
                expired_at: 2_000_000_000
            })
        );
        assert!(
            parsed
                .verify(|_| Some(k.verifying_key()), 2_000_000_000)
                .is_ok()
        );
    }

    #[test]
    fn unknown_key_id_is_reported() {
        let k = key(7);
        let parsed = ParsedToken::parse(&claims().sign(&k)).expect("parse");
        assert_eq!(parsed.verify(|_| None, 0), Err(TokenError::UnknownKey(1)));
    }

    #[test]
    fn garbled_scans_are_malformed_not_panics() {
        let k = key(7);
        let good = claims().sign(&k);
        for bad in [
            "",
            "YC1",
            "12345",
            &good[..good.len() - 1],
            &format!("{good}A"),
            &good.replace('A', "1"),
            &format!("YC1{}", "!".repeat(TEXT_LEN - 3)),
        ] {
            if bad == good {
                continue;
            }
            assert!(
                matches!(ParsedToken::parse(bad), Err(TokenError::Malformed))
                    || ParsedToken::parse(bad)
                        .map(|p| p.verify(|_| Some(k.verifying_key()), 0).is_err())
                        .unwrap_or(false),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn a_card_token_carries_its_generation_and_cannot_pass_as_a_phone_token() {
        let k = key(7);
        let text = claims().sign_card(&k, 3);
        assert_eq!(text.len(), CARD_TEXT_LEN);
        assert_eq!(CARD_TEXT_LEN, 125);
        assert!(text.starts_with("YC2"));
        let parsed = ParsedToken::parse(&text).expect("parse");
        assert_eq!(parsed.card_generation, Some(3));
        assert_eq!(parsed.verify(|_| Some(k.verifying_key()), 0), Ok(claims()));
        // The same bytes relabelled as the other kind fail: the domain tags differ.
        let relabelled = format!("YC1{}", &text[3..]);
        assert!(ParsedToken::parse(&relabelled).is_err());
        let phone = claims().sign(&k);
        assert_eq!(
            ParsedToken::parse(&phone).expect("parse").card_generation,
            None
        );
    }

    #[test]
    fn public_key_round_trips() {
        let vk = key(3).verifying_key();
        assert_eq!(decode_public_key(&encode_public_key(&vk)), Some(vk));
        assert_eq!(decode_public_key("not base64"), None);
    }
}
