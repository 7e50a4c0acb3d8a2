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

/// How long a login waits for a free password check before it is told
/// the hub is busy.
const GATE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
/// Argon2 memory (1 KiB blocks) a stored hash may ask for: the hub's own
/// hashes take 19 MiB; one from elsewhere asking for more matches nothing.
const MAX_BLOCKS: usize = 64 * 1024;

/// The password checks that may run at once. Each Argon2id check needs
/// about 19 MiB: unbounded, a flood of wrong logins took the hub's memory
/// (150 at once reached 2.2 GB). The checks run on one thread per core,
/// each reusing its own memory, so they never hold more than that many
/// times 19 MiB; a few logins more wait up to [`GATE_WAIT`]; beyond that a
/// login is told at once that the hub is busy (429 with Retry-After), and
/// every other request is served meanwhile.
pub struct Gate {
    running: std::sync::Arc<tokio::sync::Semaphore>,
    waiting: std::sync::atomic::AtomicUsize,
    max_waiting: usize,
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
}

/// A stored hash (none: an unknown login), the secret typed, and where the
/// answer goes.
type Job = (Option<String>, String, tokio::sync::oneshot::Sender<bool>);

/// Too many logins at once: try again in a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

impl Default for Gate {
    fn default() -> Self {
        Gate::new(
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        )
    }
}

impl Gate {
    /// `parallel` checks at once (at least one), on as many threads, and
    /// four times as many waiting.
    pub fn new(parallel: usize) -> Gate {
        let parallel = parallel.max(1);
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..parallel {
            let rx = rx.clone();
            let started = std::thread::Builder::new()
                .name(format!("password-check-{i}"))
                .spawn(move || {
                    let mut blocks = Vec::new();
                    loop {
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let Ok((hash, secret, answer)) = job else {
                            return;
                        };
                        let ok = match hash {
                            Some(h) => verify_with(&h, &secret, &mut blocks),
                            None => {
                                let _ = verify_with(NOBODY, &secret, &mut blocks);
                                false
                            }
                        };
                        let _ = answer.send(ok);
                    }
                });
            if let Err(e) = started {
                tracing::error!("cannot start a password-check thread: {e}");
            }
        }
        Gate {
            running: std::sync::Arc::new(tokio::sync::Semaphore::new(parallel)),
            waiting: std::sync::atomic::AtomicUsize::new(0),
            max_waiting: parallel * 4,
            jobs: std::sync::Mutex::new(tx),
        }
    }

    /// A login's password check, off the async threads (Argon2 is slow on
    /// purpose) and off the store's lock. With no hash (an unknown login)
    /// it takes as long as a real check and fails, so timing tells nothing.
    pub async fn check(&self, hash: Option<String>, secret: String) -> Result<bool, Busy> {
        use std::sync::atomic::Ordering;
        struct Waiting<'a>(&'a std::sync::atomic::AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let waiting = Waiting(&self.waiting);
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            return Err(Busy);
        }
        let permit = tokio::time::timeout(GATE_WAIT, self.running.clone().acquire_owned()).await;
        drop(waiting);
        let Ok(Ok(_running)) = permit else {
            return Err(Busy);
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let sent = self
            .jobs
            .lock()
            .map(|jobs| jobs.send((hash, secret, tx)).is_ok())
            .unwrap_or(false);
        if !sent {
            tracing::error!("the password-check threads are gone");
            return Err(Busy);
        }
        Ok(rx.await.unwrap_or(false))
    }
}

/// A hash of nothing anyone knows, verified against when the login is
/// unknown, so an unknown login takes as long to refuse as a wrong secret.
const NOBODY: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$bm9ib2R5bm9ib2R5$3sGVwExqeaHRtHdCYTKRMpzvMX9n2gldLy3QhKQi9yU";

/// [`verify`], with Argon2's memory in `blocks` (kept by the caller and
/// reused from one check to the next).
fn verify_with(phc: &str, secret: &str, blocks: &mut Vec<argon2::Block>) -> bool {
    let Ok(h) = PasswordHash::new(phc) else {
        return false;
    };
    let Ok(algorithm) = argon2::Algorithm::try_from(h.algorithm) else {
        return false;
    };
    let Ok(version) = h.version.map(argon2::Version::try_from).transpose() else {
        return false;
    };
    let Ok(params) = argon2::Params::try_from(&h) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    if params.block_count() > MAX_BLOCKS {
        return false;
    }
    blocks.resize(params.block_count(), argon2::Block::default());
    let mut out = vec![0u8; expected.len()];
    let hashed = Argon2::new(algorithm, version.unwrap_or_default(), params)
        .hash_password_into_with_memory(secret.as_bytes(), salt, &mut out, &mut blocks[..]);
    // Output's comparison takes the same time whatever differs.
    hashed.is_ok() && argon2::password_hash::Output::new(&out).is_ok_and(|o| o == expected)
}

/// Why a new dashboard password cannot be used, if it cannot: fewer than 10
/// characters, blank, or one short run repeated ("aaaaaaaaaa",
/// "1212121212", "abcabcabca").
pub fn weak(password: &str) -> Option<&'static str> {
    let chars: Vec<char> = password.chars().collect();
    if chars.len() < 10 {
        return Some("a password needs at least 10 characters");
    }
    if password.trim().is_empty() {
        return Some("a password cannot be blank");
    }
    let repeated = (1..=chars.len() / 2)
        .any(|unit| chars.iter().enumerate().all(|(i, c)| *c == chars[i % unit]));
    if repeated {
        return Some("a password cannot be a few characters repeated");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_short_and_repeated_passwords_are_weak() {
        for bad in [
            "short",
            "          ",
            "aaaaaaaaaa",
            "1212121212",
            "abcabcabca",
            "xyzxyzxyzxyz",
        ] {
            assert!(weak(bad).is_some(), "{bad:?}");
        }
        for good in ["long enough pw", "correct horse", "青年之家前台密码2026"] {
            assert_eq!(weak(good), None, "{good:?}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flood_of_checks_runs_a_few_at_a_time_and_the_rest_are_told_busy() {
        let gate = std::sync::Arc::new(Gate::new(1));
        let hash = hash("K7QF-3M9X").expect("hash");
        let tries: Vec<_> = (0..20)
            .map(|_| {
                let (gate, hash) = (gate.clone(), hash.clone());
                tokio::spawn(async move { gate.check(Some(hash), "wrong".into()).await })
            })
            .collect();
        let mut busy = 0;
        for t in tries {
            match t.await.expect("task") {
                Ok(ok) => assert!(!ok),
                Err(Busy) => busy += 1,
            }
        }
        // One running and four waiting at most: the others are told at once.
        assert!(busy >= 15, "{busy} of 20 told busy");
        assert_eq!(gate.check(Some(hash), "K7QF-3M9X".into()).await, Ok(true));
    }

    #[test]
    fn a_secret_verifies_against_its_own_salted_hash_only() {
        let a = hash("K7QF-3M9X").expect("hash");
        let b = hash("K7QF-3M9X").expect("hash");
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify(&a, "K7QF-3M9X"));
        assert!(!verify(&a, "K7QF-3M9Y"));
        assert!(!verify("not a hash", "K7QF-3M9X"));
        // The gate's own check, reusing its memory, agrees.
        let mut blocks = Vec::new();
        assert!(verify_with(&a, "K7QF-3M9X", &mut blocks));
        assert!(!verify_with(&a, "K7QF-3M9Y", &mut blocks));
        assert!(verify_with(&b, "K7QF-3M9X", &mut blocks));
        assert!(!verify_with("not a hash", "K7QF-3M9X", &mut blocks));
        assert_eq!(blocks.len(), 19_456);
    }
}
