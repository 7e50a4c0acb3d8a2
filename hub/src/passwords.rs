//! Hashing of the secrets people type: members' phone-login secrets (and,
//! later, staff passwords), with Argon2id and a random salt per secret.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// The PHC string (`$argon2id$v=19$…`) of a secret, salted at random.
pub fn hash(secret: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?
        .to_string())
}

/// Whether `secret` matches a stored PHC string; a malformed one matches nothing.
pub fn verify(phc: &str, secret: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of nothing anyone knows, verified against when the member is
/// unknown, so a wrong number takes as long to refuse as a wrong secret.
pub fn verify_nobody(secret: &str) {
    const NOBODY: &str = "$argon2id$v=19$m=19456,t=2,p=1$bm9ib2R5bm9ib2R5$3sGVwExqeaHRtHdCYTKRMpzvMX9n2gldLy3QhKQi9yU";
    let _ = verify(NOBODY, secret);
}

/// A login's password check, off the async threads (Argon2 is slow on
/// purpose) and off the store's lock. With no hash (an unknown login) it
/// takes as long as a real check and fails, so timing tells nothing.
pub async fn check(hash: Option<String>, secret: String) -> bool {
    tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify(&h, &secret),
        None => {
            verify_nobody(&secret);
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_verifies_against_its_own_salted_hash_only() {
        let a = hash("K7QF-3M9X").expect("hash");
        let b = hash("K7QF-3M9X").expect("hash");
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify(&a, "K7QF-3M9X"));
        assert!(!verify(&a, "K7QF-3M9Y"));
        assert!(!verify("not a hash", "K7QF-3M9X"));
    }
}
