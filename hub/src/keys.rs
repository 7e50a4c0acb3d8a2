//! The hub's secrets, kept in the data folder with mode 0600: the key that
//! signs member tokens, and the key that turns card UIDs into hashes.

use std::path::Path;

use anyhow::Context;
use ed25519_dalek::SigningKey;

/// The id kiosks see for the current key; a rotation adds key 2 beside it.
pub const CURRENT_KEY_ID: u16 = 1;
const FILE: &str = "signing-key.ed25519";
const CARD_KEY_FILE: &str = "card-key.bin";

/// Loads the token signing key, creating it on first use.
pub fn load_or_create(data: &Path) -> anyhow::Result<SigningKey> {
    Ok(SigningKey::from_bytes(&secret(data, FILE)?))
}

/// Loads the card key (protocol::card), creating it on first use. Kiosks get
/// it at enrollment; losing it unbinds every card.
pub fn card_key(data: &Path) -> anyhow::Result<[u8; 32]> {
    secret(data, CARD_KEY_FILE)
}

fn secret(data: &Path, file: &str) -> anyhow::Result<[u8; 32]> {
    let path = data.join(file);
    match std::fs::read(&path) {
        Ok(bytes) => bytes.as_slice().try_into().map_err(|_| {
            anyhow::anyhow!(
                "{} is not a 32-byte key; restore it from a backup",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            // Replicas sharing the data folder may start together: each
            // writes a whole key under a name of its own, and the first
            // linked into place is the key; the others read it.
            let mut tmp_name = [0u8; 8];
            getrandom::fill(&mut tmp_name).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            let tmp = data.join(format!(
                ".{file}.{}",
                data_encoding::HEXLOWER.encode(&tmp_name)
            ));
            write_private(&tmp, &seed)?;
            let linked = std::fs::hard_link(&tmp, &path);
            let _ = std::fs::remove_file(&tmp);
            match linked {
                Ok(()) => Ok(seed),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => secret(data, file),
                Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
            }
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keys_are_created_once_private_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = load_or_create(dir.path()).expect("create");
        let b = load_or_create(dir.path()).expect("load");
        assert_eq!(a.to_bytes(), b.to_bytes());
        let c = card_key(dir.path()).expect("card key");
        assert_eq!(c, card_key(dir.path()).expect("card key again"));
        assert_ne!(c, a.to_bytes(), "two different secrets");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for f in [FILE, CARD_KEY_FILE] {
                let mode = std::fs::metadata(dir.path().join(f))
                    .expect("meta")
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600, "{f}");
            }
        }
    }

    #[test]
    fn replicas_starting_together_all_get_the_one_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys: Vec<[u8; 32]> = std::thread::scope(|s| {
            let starts: Vec<_> = (0..8)
                .map(|_| s.spawn(|| card_key(dir.path()).expect("card key")))
                .collect();
            starts
                .into_iter()
                .map(|t| t.join().expect("thread"))
                .collect()
        });
        assert!(keys.iter().all(|k| *k == keys[0]), "one key for all");
        assert_eq!(keys[0], card_key(dir.path()).expect("read back"));
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from(CARD_KEY_FILE)],
            "no temporary files left"
        );
    }
}
