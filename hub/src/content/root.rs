//! The repository's root of trust: creating it (the root key goes to the
//! admins, never kept here) and signing a new root with that key.

use super::*;

impl Repo {
    /// Creates the repository: the root key (written to `root_key_out`, for
    /// the admins to keep offline; the hub keeps no copy), the three online
    /// keys, root metadata signed by the root key, and an empty first version.
    pub async fn init(&self, root_key_out: &Path) -> anyhow::Result<()> {
        if self.is_initialized() {
            bail!(
                "content signing is set up already ({}); `hub content rotate-root` makes a new root",
                self.metadata_dir().display()
            );
        }
        std::fs::create_dir_all(self.metadata_dir())?;
        std::fs::create_dir_all(self.targets_dir())?;
        let keys_dir = self.keys_dir();
        std::fs::create_dir_all(&keys_dir)?;
        std::fs::set_permissions(
            &keys_dir,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )?;
        generate_key(root_key_out).with_context(|| {
            format!(
                "the root key goes to {} (which must not exist yet)",
                root_key_out.display()
            )
        })?;
        for (_, file) in ONLINE {
            let path = keys_dir.join(file);
            if !path.exists() {
                generate_key(&path)?;
            }
        }
        self.sign_root(root_key_out, NonZeroU64::MIN).await?;
        // An empty first version, so a kiosk has something to verify.
        self.sign_new_version(None, Vec::new()).await?;
        Ok(())
    }

    /// Signs a new root (the next version) with the offline root key: for a
    /// new expiry, or after replacing an online key file. Kiosks accept it
    /// because the root they trust signed it.
    pub async fn rotate_root(&self, root_key: &Path) -> anyhow::Result<u64> {
        let current: tough::schema::Signed<Root> = serde_json::from_str(
            &self
                .root_json()?
                .context("content signing is not set up; run `hub content init` first")?,
        )?;
        let given = key(root_key.to_path_buf())
            .as_sign()
            .await
            .map_err(|e| anyhow::anyhow!("cannot read the root key {}: {e}", root_key.display()))?
            .tuf_key()
            .key_id()?;
        let trusted = current
            .signed
            .roles
            .get(&RoleType::Root)
            .is_some_and(|r| r.keyids.contains(&given));
        ensure!(
            trusted,
            "{} is not this repository's root key; kiosks would refuse a root signed with it",
            root_key.display()
        );
        let next = current
            .signed
            .version
            .checked_add(1)
            .context("root version overflow")?;
        self.sign_root(root_key, next).await?;
        // Kiosks fetch the next root at their next check; nothing else changes.
        Ok(next.get())
    }

    async fn sign_root(&self, root_key: &Path, version: NonZeroU64) -> anyhow::Result<()> {
        let mut root = Root {
            spec_version: "1.0.0".into(),
            consistent_snapshot: true,
            version,
            expires: days(ROOT_DAYS)?,
            keys: HashMap::new(),
            roles: HashMap::new(),
            _extra: HashMap::new(),
        };
        let mut sources = vec![(RoleType::Root, key(root_key.to_path_buf()))];
        for (role, file) in ONLINE {
            sources.push((role, key(self.keys_dir().join(file))));
        }
        for (role, source) in &sources {
            let public = source
                .as_sign()
                .await
                .map_err(|e| anyhow::anyhow!("cannot read the {role} key: {e}"))?
                .tuf_key();
            let id = public.key_id()?;
            root.keys.insert(id.clone(), public);
            root.roles.insert(
                *role,
                RoleKeys {
                    keyids: vec![id],
                    threshold: NonZeroU64::MIN,
                    _extra: HashMap::new(),
                },
            );
        }
        // The new root is signed by the root key; a rotation is also checked
        // by the kiosks against the root they had, which named the same key.
        let holder = KeyHolder::Root(root.clone());
        let signed = SignedRole::new(
            root,
            &holder,
            &[key(root_key.to_path_buf())],
            &aws_lc_rs::rand::SystemRandom::new(),
        )
        .await
        .context("cannot sign the root metadata with that key")?;
        ensure!(
            !signed.signed().signatures.is_empty(),
            "that key is not the root key of this repository"
        );
        let dir = self.metadata_dir();
        replace_file(
            &dir.join(format!("{}.root.json", version.get())),
            signed.buffer(),
        )?;
        replace_file(&dir.join("root.json"), signed.buffer())?;
        Ok(())
    }
}
