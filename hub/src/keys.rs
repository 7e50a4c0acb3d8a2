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
            write_private(&path, &seed)?;
            Ok(seed)
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
}
