//! Signed content for the kiosks: a repository of The Update Framework (TUF,
//! through the `tough` crate) in the hub's data folder, served at `/tuf/`.
//!
//! Every published file is listed in the `targets` metadata with its SHA-256
//! and length; `snapshot` pins the targets metadata's version and
//! `timestamp` pins the snapshot's, each signed with its own key and each
//! with an expiry; versions only go up. `root` names those keys and is
//! signed by the root key, which the hub never holds: `hub content init`
//! writes it to a file for the network's admins to keep offline, and
//! `hub content rotate-root` (which needs it) signs a new root.
//!
//! A center's files are the targets named `center-<id>-<file>`; a kiosk
//! reads only its own center's. Kiosk software releases are the targets
//! `release-<arch>-<version>.deb` (see `release`).
//!
//! Layout under the data folder: `tuf/metadata/` (`root.json`,
//! `N.root.json`, `timestamp.json`, `N.snapshot.json`, `N.targets.json`),
//! `tuf/targets/<sha256>.center-<id>-<file>` (consistent snapshots: a file
//! never changes once written, so a kiosk mid-download is never given half
//! of a newer one), and `content-keys/` with the three online keys (0600).

use std::collections::HashMap;
use std::num::NonZeroU64;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use tough::editor::RepositoryEditor;
use tough::editor::signed::{PathExists, SignedRole};
use tough::key_source::{KeySource, LocalKeySource};
use tough::schema::{KeyHolder, PathPattern, PathSet, RoleKeys, RoleType, Root, Target};
use tough::{FilesystemTransport, RepositoryLoader, TargetName};

mod folder;
mod release;
mod root;
pub use folder::{
    REGION_SERVICES, default_bundle, default_picture, give_activity_ids, read_folder,
    read_region_folder, split_region_content, write_default,
};
pub use release::Release;

/// How long each role's signature holds. The timestamp is re-signed by
/// `hub serve` every day (and at every publish), so a kiosk that can check
/// the time refuses a repository frozen by an attacker within a week.
pub const ROOT_DAYS: i64 = 365;
pub const TARGETS_DAYS: i64 = 365;
pub const SNAPSHOT_DAYS: i64 = 365;
pub const TIMESTAMP_DAYS: i64 = 7;

/// When the timestamp signed now expires: in [`TIMESTAMP_DAYS`], or after
/// `HUB_CONTENT_TIMESTAMP_SECONDS` when set (a network that wants kiosks to
/// notice a frozen hub sooner; `serve` re-signs daily, so keep it above a day).
fn timestamp_expiry() -> anyhow::Result<jiff::Timestamp> {
    match std::env::var("HUB_CONTENT_TIMESTAMP_SECONDS") {
        Ok(v) => {
            let secs: i64 = v
                .trim()
                .parse()
                .ok()
                .filter(|s| *s > 0)
                .context("HUB_CONTENT_TIMESTAMP_SECONDS must be a number of seconds above 0")?;
            after(jiff::SignedDuration::from_secs(secs))
        }
        Err(_) => days(TIMESTAMP_DAYS),
    }
}

/// Largest file a center may publish (a picture; the kiosk decodes at most
/// this much, see the kiosk's content::image).
pub const MAX_FILE_BYTES: u64 = 4 << 20;
/// Most files one center may publish.
pub const MAX_FILES: usize = 64;

const ONLINE: [(RoleType, &str); 3] = [
    (RoleType::Targets, "targets.pk8"),
    (RoleType::Snapshot, "snapshot.pk8"),
    (RoleType::Timestamp, "timestamp.pk8"),
];

/// A delegated role: the names it may sign and its key.
struct Role {
    name: String,
    prefix: String,
    key: PathBuf,
}

/// What the repository held before a new version.
#[derive(Default)]
struct Before {
    targets: u64,
    snapshot: u64,
    timestamp: u64,
    /// The role is delegated already, at this version, signing these names.
    delegated: bool,
    role: u64,
    role_targets: Vec<TargetName>,
    /// The role's names signed at the top level (before roles existed).
    top_level: Vec<TargetName>,
}

/// The hub's content repository.
pub struct Repo {
    data: PathBuf,
    /// Replicas on PostgreSQL also lock publishing in the database: each
    /// may run on a machine of its own, sharing the data folder.
    shared_lock: Option<crate::store::Database>,
}

/// The content repository's write lock: a file lock (one machine), and
/// with replicas a lock in the database too.
struct WriteLock {
    _file: std::fs::File,
    _shared: Option<crate::store::SharedLock>,
}

/// Whose files a publish replaces: a center's, or a level's above centers
/// (a city, county or town), each signed by a delegated role of its own
/// whose key may sign only names under its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Center(u64),
    Region(u64),
}

impl Owner {
    pub fn role(self) -> String {
        match self {
            Owner::Center(id) => format!("center-{id}"),
            Owner::Region(id) => format!("region-{id}"),
        }
    }

    /// The target names the role signs begin with this.
    pub fn prefix(self) -> String {
        format!("{}-", self.role())
    }
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Published {
    /// The center published for (absent for a region's publish).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub center_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_id: Option<u64>,
    /// The repository's targets version: what kiosks report as `content_version`.
    pub version: u64,
    pub files: Vec<String>,
    /// A center's activities as published, each with its id (for laying
    /// out the occurrences the hub counts).
    #[serde(skip)]
    pub activities: Vec<protocol::content::Activity>,
}

/// Now plus `span`, in whole seconds as TUF writes them.
fn after(span: jiff::SignedDuration) -> anyhow::Result<jiff::Timestamp> {
    let now = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second())?;
    Ok(now.checked_add(span)?)
}

fn days(n: i64) -> anyhow::Result<jiff::Timestamp> {
    after(jiff::SignedDuration::from_hours(n * 24))
}

/// The start of the target names of a center's files.
pub fn target_prefix(center_id: u64) -> String {
    Owner::Center(center_id).prefix()
}

/// A file name a center may publish: plain, no folders, no dot-files.
pub fn check_file_name(name: &str) -> anyhow::Result<()> {
    ensure!(
        !name.is_empty()
            && name.len() <= 200
            && !name.starts_with('.')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')),
        "{name:?} is not a file name content may use (letters, digits, '.', '-', '_'; no folders)"
    );
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

fn generate_key(path: &Path) -> anyhow::Result<()> {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = aws_lc_rs::signature::Ed25519KeyPair::generate_pkcs8(&rng)
        .map_err(|_| anyhow::anyhow!("cannot generate a signing key"))?;
    write_private(path, pkcs8.as_ref())
}

fn key(path: PathBuf) -> Box<dyn KeySource> {
    Box::new(LocalKeySource { path })
}

/// Writes a file next to its final name, syncs it and renames it over.
fn replace_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

impl Repo {
    pub fn new(data: &Path) -> Repo {
        Repo {
            data: data.to_path_buf(),
            shared_lock: None,
        }
    }

    /// Publishing also takes a lock in `db` when it is shared by replicas.
    pub fn with_database(mut self, db: &crate::store::Database) -> Repo {
        self.shared_lock = match db {
            crate::store::Database::Postgres(_) => Some(db.clone()),
            crate::store::Database::Sqlite(_) => None,
        };
        self
    }

    pub fn metadata_dir(&self) -> PathBuf {
        self.data.join("tuf").join("metadata")
    }

    pub fn targets_dir(&self) -> PathBuf {
        self.data.join("tuf").join("targets")
    }

    fn keys_dir(&self) -> PathBuf {
        self.data.join("content-keys")
    }

    /// A delegated role's key (made on its first use), kept with the online keys.
    fn role_key(&self, role: &str) -> anyhow::Result<PathBuf> {
        let path = self.keys_dir().join(format!("{role}.pk8"));
        if !path.exists() {
            // Two first publishes of one center may meet (two admins, two
            // replicas): each makes a key under a name of its own, and the
            // first linked into place is the role's key for good.
            let tmp = self.keys_dir().join(format!(
                ".{role}.{}.pk8",
                data_encoding::HEXLOWER.encode(&crate::store::random_bytes::<8>()?)
            ));
            generate_key(&tmp)?;
            let linked = std::fs::hard_link(&tmp, &path);
            let _ = std::fs::remove_file(&tmp);
            match linked {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create {}", path.display()));
                }
            }
        }
        Ok(path)
    }

    fn online_keys(&self) -> Vec<Box<dyn KeySource>> {
        ONLINE
            .iter()
            .map(|(_, file)| key(self.keys_dir().join(file)))
            .collect()
    }

    /// One writer at a time: `hub serve`'s daily refresh and an admin's
    /// publish may meet, on one machine or (replicas) on several. Held
    /// until the returned guard is dropped.
    fn write_lock(&self) -> anyhow::Result<WriteLock> {
        self.lock(crate::store::db::LOCK_PUBLISH, "lock")
    }

    /// A lock of the repository: the file `tuf/<file>` on this machine, and
    /// `class` in the database shared by replicas.
    fn lock(&self, class: i32, file: &str) -> anyhow::Result<WriteLock> {
        let shared = match &self.shared_lock {
            Some(db) => Some(
                crate::store::SharedLock::take(db, class)
                    .context("cannot take the publishing lock in the database")?,
            ),
            None => None,
        };
        let file = std::fs::File::create(self.data.join("tuf").join(file)).with_context(|| {
            format!(
                "content signing is not set up in {}: run `hub content init` first",
                self.data.display()
            )
        })?;
        file.lock()?;
        Ok(WriteLock {
            _file: file,
            _shared: shared,
        })
    }

    pub fn is_initialized(&self) -> bool {
        self.metadata_dir().join("root.json").is_file()
    }

    /// The current root metadata, which a kiosk trusts from enrollment on.
    pub fn root_json(&self) -> anyhow::Result<Option<String>> {
        let path = self.metadata_dir().join("root.json");
        match std::fs::read_to_string(&path) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// The repository as it stands, read back and its signatures verified.
    async fn load(&self) -> anyhow::Result<tough::Repository> {
        let root = std::fs::read(self.metadata_dir().join("root.json"))
            .context("content signing is not set up; run `hub content init` first")?;
        let dir = |p: PathBuf| {
            url::Url::from_directory_path(&p)
                .map_err(|_| anyhow::anyhow!("{} is not an absolute folder", p.display()))
        };
        let metadata = std::fs::canonicalize(self.metadata_dir())?;
        let targets = std::fs::canonicalize(self.targets_dir())?;
        // Signatures are checked; expiry is not: the hub reads its own
        // repository to sign the next version, which must work even when a
        // timestamp ran out (a hub that was stopped for a week).
        Ok(RepositoryLoader::new(&root, dir(metadata)?, dir(targets)?)
            .transport(FilesystemTransport)
            .expiration_enforcement(tough::ExpirationEnforcement::Unsafe)
            .load()
            .await?)
    }

    /// A fresh folder for an upload to be checked and published from
    /// (removed when dropped).
    pub fn incoming_dir(&self) -> anyhow::Result<tempfile::TempDir> {
        let base = self.data.join("tuf").join("incoming");
        std::fs::create_dir_all(&base)?;
        Ok(tempfile::TempDir::new_in(base)?)
    }

    /// A center's published content.json, as signed.
    pub async fn published_json(&self, center_id: u64) -> anyhow::Result<Option<Vec<u8>>> {
        self.published_file(center_id, "content.json").await
    }

    /// A file of a center's published content (content.json or a picture),
    /// verified against the signed metadata.
    pub async fn published_file(
        &self,
        center_id: u64,
        file: &str,
    ) -> anyhow::Result<Option<Vec<u8>>> {
        self.published(Owner::Center(center_id), file).await
    }

    /// A file an owner published, verified against the signed metadata.
    /// A region's published content as its editor sends it: its
    /// content.json with the services and service process of its
    /// services.json in it (`None`: nothing published yet).
    pub async fn published_region(
        &self,
        region_id: u64,
    ) -> anyhow::Result<Option<serde_json::Value>> {
        let owner = Owner::Region(region_id);
        let Some(bytes) = self.published(owner, "content.json").await? else {
            return Ok(None);
        };
        let mut content: serde_json::Value = serde_json::from_slice(&bytes)?;
        if let Some(bytes) = self.published(owner, REGION_SERVICES).await?
            && let (Some(c), serde_json::Value::Object(s)) =
                (content.as_object_mut(), serde_json::from_slice(&bytes)?)
        {
            c.extend(s);
        }
        Ok(Some(content))
    }

    pub async fn published(&self, owner: Owner, file: &str) -> anyhow::Result<Option<Vec<u8>>> {
        use tough::IntoVec;
        check_file_name(file)?;
        if !self.is_initialized() {
            return Ok(None);
        }
        let repo = self.load().await?;
        let name = TargetName::new(format!("{}{file}", owner.prefix()))?;
        match repo.read_target(&name).await? {
            Some(stream) => Ok(Some(stream.into_vec().await?)),
            None => Ok(None),
        }
    }

    /// The published content.json of each of these centers (`None`: none
    /// published), the repository loaded once.
    pub async fn published_jsons(
        &self,
        centers: &[u64],
    ) -> anyhow::Result<Vec<(u64, Option<Vec<u8>>)>> {
        use tough::IntoVec;
        if !self.is_initialized() {
            return Ok(centers.iter().map(|c| (*c, None)).collect());
        }
        let repo = self.load().await?;
        let mut out = Vec::with_capacity(centers.len());
        for &c in centers {
            let name = TargetName::new(format!("{}content.json", Owner::Center(c).prefix()))?;
            let json = match repo.read_target(&name).await? {
                Some(stream) => Some(stream.into_vec().await?),
                None => None,
            };
            out.push((c, json));
        }
        Ok(out)
    }

    /// The version kiosks see now (0 before the first).
    pub async fn version(&self) -> anyhow::Result<u64> {
        if !self.metadata_dir().join("timestamp.json").exists() {
            return Ok(0);
        }
        Ok(self.load().await?.targets().signed.version.get())
    }

    /// Publishes a center's folder (content.json and the pictures it names)
    /// as a new version: its previous files are replaced, other centers'
    /// are kept.
    pub async fn publish(&self, center_id: u64, folder: &Path) -> anyhow::Result<Published> {
        let _change = self.lock(crate::store::db::LOCK_CHANGE, "change.lock")?;
        self.publish_as(Owner::Center(center_id), folder).await
    }

    /// Adds one activity to a center's published content (a new center's
    /// default content when it has published nothing) and publishes it:
    /// the same path as the editor's publish.
    pub async fn add_activity(
        &self,
        center_id: u64,
        center_name: &str,
        activity: protocol::content::Activity,
    ) -> anyhow::Result<Published> {
        // Read, add and publish as one: two activities added at once (the
        // activities page and `hub activity add`, or two replicas) both
        // stay, and an editor's publish goes before or after, never between.
        let _change = self.lock(crate::store::db::LOCK_CHANGE, "change.lock")?;
        let dir = self.incoming_dir()?;
        let json = match self.published_json(center_id).await? {
            Some(json) => json,
            None => serde_json::to_vec(&default_bundle(center_name)?)?,
        };
        let mut bundle = protocol::content::Bundle::parse(&String::from_utf8_lossy(&json))?;
        for picture in bundle.pictures() {
            let bytes = match self.published_file(center_id, picture).await? {
                Some(bytes) => bytes,
                None => default_picture(picture)
                    .with_context(|| format!("the published picture {picture} is missing"))?
                    .to_vec(),
            };
            std::fs::write(dir.path().join(picture), bytes)?;
        }
        bundle.activities.push(activity);
        std::fs::write(
            dir.path().join("content.json"),
            serde_json::to_string_pretty(&bundle)? + "\n",
        )?;
        self.publish_as(Owner::Center(center_id), dir.path()).await
    }

    /// Signs a center's month for the wall (`month.json`, see
    /// [`protocol::wall`]) beside the files it has published, which stay
    /// as they are; its kiosks show it at their next sync. Returns the new
    /// content version.
    pub async fn publish_month(
        &self,
        center_id: u64,
        month: &protocol::wall::WallMonth,
    ) -> anyhow::Result<u64> {
        let owner = Owner::Center(center_id);
        let dir = self.incoming_dir()?;
        let mut files = Vec::new();
        if self.is_initialized() {
            let repo = self.load().await?;
            let prefix = owner.prefix();
            let names: Vec<String> = repo
                .delegated_role(&owner.role())
                .and_then(|r| r.targets.as_ref())
                .map(|t| {
                    t.signed
                        .targets
                        .keys()
                        .filter_map(|n| n.raw().strip_prefix(&prefix).map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            for file in names.into_iter().filter(|f| f != protocol::wall::FILE) {
                let bytes = self
                    .published(owner, &file)
                    .await?
                    .with_context(|| format!("the published {file} cannot be read"))?;
                let path = dir.path().join(&file);
                std::fs::write(&path, bytes)?;
                files.push((file, path));
            }
        }
        let path = dir.path().join(protocol::wall::FILE);
        std::fs::write(&path, serde_json::to_vec_pretty(month)?)?;
        files.push((protocol::wall::FILE.to_string(), path));
        let prefix = owner.prefix();
        let mut add = Vec::new();
        for (file, path) in &files {
            let name = TargetName::new(format!("{prefix}{file}"))?;
            let target = Target::from_path(path)
                .await
                .with_context(|| format!("cannot read {}", path.display()))?;
            add.push((name, target, path.clone()));
        }
        let role = Role {
            name: owner.role(),
            prefix,
            key: self.role_key(&owner.role())?,
        };
        self.sign_new_version(Some(role), add).await
    }

    /// Publishes a city's, county's or town's folder (its content.json: a
    /// [`protocol::content::RegionBundle`]) for every center below it.
    pub async fn publish_region(&self, region_id: u64, folder: &Path) -> anyhow::Result<Published> {
        self.publish_as(Owner::Region(region_id), folder).await
    }

    async fn publish_as(&self, owner: Owner, folder: &Path) -> anyhow::Result<Published> {
        let carried = self.incoming_dir()?;
        let (files, activities) = match owner {
            Owner::Center(id) => {
                // Activities keep the ids they were published with, so
                // their sign-ups and counts follow them.
                let before = match self.published_json(id).await? {
                    Some(json) => {
                        protocol::content::Bundle::parse(&String::from_utf8_lossy(&json)).ok()
                    }
                    None => None,
                };
                let activities = give_activity_ids(folder, before.as_ref())?;
                let mut files = read_folder(folder)?;
                // The month on the wall stays until the hub signs the next
                // (kept aside, never written into the folder given).
                if !files.iter().any(|(f, _)| f == protocol::wall::FILE)
                    && let Some(bytes) = self.published(owner, protocol::wall::FILE).await?
                {
                    let path = carried.path().join(protocol::wall::FILE);
                    std::fs::write(&path, bytes)?;
                    files.push((protocol::wall::FILE.to_string(), path));
                }
                (files, activities)
            }
            Owner::Region(_) => (read_region_folder(folder)?, Vec::new()),
        };
        let prefix = owner.prefix();
        let mut add = Vec::new();
        for (file, path) in &files {
            let name = TargetName::new(format!("{prefix}{file}"))?;
            let target = Target::from_path(path)
                .await
                .with_context(|| format!("cannot read {}", path.display()))?;
            add.push((name, target, path.clone()));
        }
        let role = Role {
            name: owner.role(),
            prefix: prefix.clone(),
            key: self.role_key(&owner.role())?,
        };
        let version = self.sign_new_version(Some(role), add).await?;
        let (center_id, region_id) = match owner {
            Owner::Center(id) => (Some(id), None),
            Owner::Region(id) => (None, Some(id)),
        };
        Ok(Published {
            center_id,
            region_id,
            version,
            files: files.into_iter().map(|(f, _)| f).collect(),
            activities,
        })
    }

    /// Re-signs the timestamp (its next version, a new expiry) with
    /// nothing else changed, so kiosks keep trusting an unchanged
    /// repository. Returns the content version, which stays as it was.
    pub async fn refresh_timestamp(&self) -> anyhow::Result<u64> {
        let _lock = self.write_lock()?;
        let repo = self.load().await?;
        let mut timestamp = repo.timestamp().signed.clone();
        timestamp.version = timestamp
            .version
            .checked_add(1)
            .context("timestamp version overflow")?;
        timestamp.expires = timestamp_expiry()?;
        let signed = SignedRole::new(
            timestamp,
            &KeyHolder::Root(repo.root().signed.clone()),
            &self.online_keys(),
            &aws_lc_rs::rand::SystemRandom::new(),
        )
        .await
        .context("cannot sign the timestamp")?;
        replace_file(&self.metadata_dir().join("timestamp.json"), signed.buffer())?;
        Ok(repo.targets().signed.version.get())
    }

    /// Writes the next version of targets, snapshot and timestamp: the
    /// targets under `replace` (a center's prefix) become `add`. The files
    /// go in first (under their hash, so nothing a kiosk may be reading
    /// changes), then the metadata, each file renamed into place and the
    /// timestamp last: a kiosk sees the old version or the new, never half.
    async fn sign_new_version(
        &self,
        role: Option<Role>,
        add: Vec<(TargetName, Target, PathBuf)>,
    ) -> anyhow::Result<u64> {
        let _lock = self.write_lock()?;
        let root_path = self.metadata_dir().join("root.json");
        let first = !self.metadata_dir().join("timestamp.json").exists();
        let mut before = Before::default();
        let mut editor = if first {
            RepositoryEditor::new(&root_path).await?
        } else {
            let repo = self.load().await?;
            before.targets = repo.targets().signed.version.get();
            before.snapshot = repo.snapshot().signed.version.get();
            before.timestamp = repo.timestamp().signed.version.get();
            if let Some(r) = &role {
                if let Some(d) = repo.delegated_role(&r.name) {
                    before.delegated = true;
                    if let Some(t) = &d.targets {
                        before.role = t.signed.version.get();
                        before.role_targets = t.signed.targets.keys().cloned().collect();
                    }
                }
                // Files of the role that earlier versions signed at the top level.
                before.top_level = repo
                    .targets()
                    .signed
                    .targets
                    .keys()
                    .filter(|n| n.raw().starts_with(&r.prefix))
                    .cloned()
                    .collect();
            }
            let mut editor = RepositoryEditor::from_repo(&root_path, repo).await?;
            for n in &before.top_level {
                editor.remove_target(n)?;
            }
            editor
        };
        let next = |v: u64| NonZeroU64::new(v.saturating_add(1)).unwrap_or(NonZeroU64::MIN);
        let version = next(before.targets);
        if let Some(r) = &role
            && !before.delegated
        {
            // The role's own key signs its files; the top-level targets
            // (online key) only says which key may sign which names.
            editor
                .delegate_role(
                    &r.name,
                    &[key(r.key.clone())],
                    PathSet::Paths(vec![PathPattern::new(format!("{}*", r.prefix))?]),
                    true,
                    NonZeroU64::MIN,
                    days(TARGETS_DAYS)?,
                    NonZeroU64::MIN,
                )
                .await
                .with_context(|| format!("cannot delegate to {}", r.name))?;
        }
        editor
            .targets_version(version)?
            .targets_expires(days(TARGETS_DAYS)?)?;
        editor.sign_targets_editor(&self.online_keys()).await?;
        if let Some(r) = &role {
            editor.change_delegated_targets(&r.name)?;
            for n in &before.role_targets {
                editor.remove_target(n)?;
            }
            for (name, target, _) in &add {
                editor.add_target(name.clone(), target.clone())?;
            }
            editor
                .targets_version(next(before.role))?
                .targets_expires(days(TARGETS_DAYS)?)?;
            editor.sign_targets_editor(&[key(r.key.clone())]).await?;
        }
        editor
            .snapshot_version(next(before.snapshot))
            .snapshot_expires(days(SNAPSHOT_DAYS)?)
            .timestamp_version(next(before.timestamp))
            .timestamp_expires(timestamp_expiry()?);
        let signed = editor
            .sign(&self.online_keys())
            .await
            .context("cannot sign the new content version")?;
        self.install(&signed, &add).await?;
        Ok(version.get())
    }

    /// Puts a signed version in place: the files first, then the metadata,
    /// each renamed into place, the timestamp last.
    async fn install(
        &self,
        signed: &tough::editor::signed::SignedRepository,
        add: &[(TargetName, Target, PathBuf)],
    ) -> anyhow::Result<()> {
        let targets_dir = std::fs::canonicalize(self.targets_dir())?;
        for (name, _, path) in add {
            signed
                .copy_target(path, &targets_dir, PathExists::Skip, Some(name))
                .await
                .with_context(|| format!("cannot store {}", path.display()))?;
        }
        let staging = self.data.join("tuf").join("staging");
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging)?;
        signed.write(&staging).await?;
        let metadata = self.metadata_dir();
        let mut names: Vec<String> = std::fs::read_dir(&staging)?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            // The root is written by `sign_root` alone.
            .filter(|n| !n.ends_with(".root.json"))
            .collect();
        names.sort_by_key(|n| n == "timestamp.json");
        for n in &names {
            let from = staging.join(n);
            std::fs::File::open(&from)?.sync_all()?;
            std::fs::rename(&from, metadata.join(n))?;
        }
        std::fs::File::open(&metadata)?.sync_all()?;
        let _ = std::fs::remove_dir_all(&staging);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
