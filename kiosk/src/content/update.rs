//! Signed content from the hub, verified before use and switched atomically.
//!
//! The hub publishes a TUF repository (The Update Framework, checked here by
//! the `tough` crate): every file's hash and length are signed, versions
//! never go back, and every signature expires. The kiosk trusts the root
//! it was given at enrollment (`content-tuf/root.json`), which tough keeps
//! up to date (a new root must be signed by the old one) along with the
//! newest metadata it has seen, so an older version replayed is refused.
//!
//! An update fetches only this center's files (`center-<id>-<file>`), copies
//! the ones it already holds with the same hash, downloads the rest (each
//! checked against its signed hash and length while it streams), checks the
//! bundle as the screen would read it, and only then switches: the version
//! goes into `content/versions/<n>/`, a new `content/current` link is
//! renamed over the old one, and the previous version is kept. A power cut
//! leaves either the old version or the new one, never a mix. Anything
//! refused leaves the screen as it was and says why (`kiosk status`: the
//! `content_error`, which also goes to the hub).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use futures::StreamExt;
use sha2::Digest;
use tough::{
    RepositoryLoader, TargetName, Transport, TransportError, TransportErrorKind, TransportStream,
};

use crate::content::ContentBundle;
use crate::store::Store;

/// Settings keys of the version shown and the last refusal.
pub const SETTING_VERSION: &str = "content_version";
pub const SETTING_ERROR: &str = "content_error";

/// In a version folder: the levels whose files it holds, nearest first,
/// as the hub named them at the check (JSON list of region ids).
pub const REGIONS_FILE: &str = "regions.json";

/// Where the trusted root and tough's record of the newest metadata live.
pub fn trust_dir(data: &Path) -> PathBuf {
    data.join("content-tuf")
}

fn versions_dir(data: &Path) -> PathBuf {
    data.join("content").join("versions")
}

/// The folder of the content on screen, if a verified version was installed.
pub fn current_dir(data: &Path) -> PathBuf {
    data.join("content").join("current")
}

/// Keeps the root the hub gave at enrollment. A new enrollment (perhaps
/// with another hub) starts the trust afresh.
pub fn trust_root(data: &Path, root_json: &str) -> anyhow::Result<()> {
    let dir = trust_dir(data);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    replace_synced(&dir.join("root.json"), root_json.as_bytes())
}

/// tough's own record of the newest metadata it has seen (what refuses an
/// older version). Apart from `root.json`, which tough rewrites there by
/// removing and creating it: a cut between the two must not lose the root
/// the kiosk trusts, so that stays beside, replaced only by renaming.
fn datastore_dir(data: &Path) -> PathBuf {
    trust_dir(data).join("datastore")
}

/// Writes a file next to its final name, syncs it and renames it over.
fn replace_synced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    write_synced(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Fetches metadata and files with the kiosk's own HTTP client.
#[derive(Debug, Clone)]
struct HubTransport {
    client: reqwest::Client,
}

#[tough::async_trait]
impl Transport for HubTransport {
    async fn fetch(&self, url: url::Url) -> Result<TransportStream, TransportError> {
        let response = self.client.get(url.clone()).send().await.map_err(|e| {
            TransportError::new_with_cause(TransportErrorKind::Other, url.clone(), e)
        })?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(TransportError::new(TransportErrorKind::FileNotFound, url));
        }
        if !status.is_success() {
            return Err(TransportError::new_with_cause(
                TransportErrorKind::Other,
                url,
                std::io::Error::other(format!("HTTP {status}")),
            ));
        }
        // Chunk by chunk: tough stops reading at the signed length.
        let stream = futures::stream::unfold(Some(response), move |state| {
            let url = url.clone();
            async move {
                let mut response = state?;
                match response.chunk().await {
                    Ok(Some(bytes)) => Some((Ok(bytes), Some(response))),
                    Ok(None) => None,
                    Err(e) => Some((
                        Err(TransportError::new_with_cause(
                            TransportErrorKind::Other,
                            url,
                            e,
                        )),
                        None,
                    )),
                }
            }
        });
        Ok(Box::pin(stream))
    }
}

/// Checks the hub for new content and installs it.
pub struct Updater {
    data: PathBuf,
    hub_url: String,
    center_id: u64,
    client: reqwest::Client,
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The hub has not set up content signing, or this kiosk was enrolled
    /// before it did.
    NotSetUp,
    /// The version shown is the newest.
    Current(u64),
    /// A new version was verified and is now shown.
    Installed(u64),
}

impl Updater {
    pub fn new(data: &Path, hub_url: &str, center_id: u64, client: reqwest::Client) -> Updater {
        Updater {
            data: data.to_path_buf(),
            hub_url: hub_url.trim_end_matches('/').to_string(),
            center_id,
            client,
        }
    }

    /// The version on screen (0: the built-in content).
    pub fn shown(store: &Store) -> anyhow::Result<u64> {
        Ok(store
            .setting(SETTING_VERSION)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Keeps a check's outcome (a version, or why it was refused) for
    /// `kiosk status` and the hub.
    pub fn record(store: &Store, result: &anyhow::Result<Checked>) -> anyhow::Result<()> {
        match result {
            Ok(Checked::Installed(v)) | Ok(Checked::Current(v)) => {
                if *v > 0 {
                    store.set_setting(SETTING_VERSION, &v.to_string())?;
                }
                store.delete_setting(SETTING_ERROR)?;
            }
            Ok(Checked::NotSetUp) => {}
            Err(e) => store.set_setting(SETTING_ERROR, &format!("{e:#}"))?,
        }
        Ok(())
    }

    /// One check against the hub, with `shown` the version on screen and
    /// `regions` the levels the center belongs to, nearest first (from the
    /// hub's sync state), whose content the center's screen carries too.
    pub async fn check(
        &self,
        shown: u64,
        clock_synchronized: bool,
        regions: &[u64],
    ) -> anyhow::Result<Checked> {
        Ok(self
            .check_and_keep(shown, clock_synchronized, regions)
            .await?
            .0)
    }

    /// The data folder the content is kept in.
    pub fn data(&self) -> &Path {
        &self.data
    }

    pub fn center_id(&self) -> u64 {
        self.center_id
    }

    /// [`Updater::check`], also giving the repository as verified, for
    /// the kiosk's software releases signed in it.
    pub async fn check_and_keep(
        &self,
        shown: u64,
        clock_synchronized: bool,
        regions: &[u64],
    ) -> anyhow::Result<(Checked, Option<tough::Repository>)> {
        let root_path = trust_dir(&self.data).join("root.json");
        let Ok(root) = std::fs::read(&root_path) else {
            return Ok((Checked::NotSetUp, None));
        };
        // Expiry is what stops a frozen or replayed repository; a clock that
        // cannot be trusted cannot check it, so the last verified content stays.
        ensure!(
            clock_synchronized,
            "not checked: this kiosk's clock is not synchronised, so the content's expiry \
             cannot be checked; showing version {shown} until it is"
        );
        let base = url::Url::parse(&format!("{}/tuf/", self.hub_url))
            .with_context(|| format!("the hub address {:?} is not a URL", self.hub_url))?;
        let repo = RepositoryLoader::new(&root, base.join("metadata/")?, base.join("targets/")?)
            .transport(HubTransport {
                client: self.client.clone(),
            })
            .datastore({
                let dir = datastore_dir(&self.data);
                std::fs::create_dir_all(&dir)?;
                dir
            })
            .load()
            .await
            .map_err(|e| anyhow::anyhow!("the hub's content was refused: {}", chain(&e)))?;
        // A newer root (rotated, and signed by the one trusted) is trusted next time.
        let trusted: tough::schema::Signed<tough::schema::Root> = serde_json::from_slice(&root)?;
        if repo.root().signed.version > trusted.signed.version {
            replace_synced(&root_path, &serde_json::to_vec(repo.root())?)?;
        }
        let checked = self.install(&repo, shown, regions).await?;
        Ok((checked, Some(repo)))
    }

    /// Installs the center's files of a verified repository, unless shown.
    async fn install(
        &self,
        repo: &tough::Repository,
        shown: u64,
        regions: &[u64],
    ) -> anyhow::Result<Checked> {
        let version = repo.targets().signed.version.get();
        // The names each role signs, and only those: tough checked each
        // role's signature with the key the top-level targets gives it, and
        // that key may sign names under the role's prefix alone, so no other
        // center or level can put a file on this screen. The center's files
        // keep their plain names; a level's keep the role's prefix.
        let mut roles = vec![(format!("center-{}", self.center_id), true)];
        roles.extend(regions.iter().map(|r| (format!("region-{r}"), false)));
        let mut mine: Vec<(TargetName, String, Vec<u8>)> = Vec::new();
        for (role, strip) in &roles {
            let prefix = format!("{role}-");
            let Some(t) = repo.delegated_role(role).and_then(|r| r.targets.as_ref()) else {
                continue;
            };
            for (name, target) in &t.signed.targets {
                let Some(rest) = name.raw().strip_prefix(&prefix) else {
                    continue;
                };
                let file = if *strip {
                    rest.to_string()
                } else {
                    name.raw().to_string()
                };
                mine.push((name.clone(), file, target.hashes.sha256.clone().into_vec()));
            }
        }
        if mine.is_empty() {
            // Nothing published for this center or its levels: the built-in content stays.
            return Ok(Checked::Current(shown));
        }
        let chain = serde_json::to_vec(regions)?;
        let current = current_dir(&self.data);
        if version == shown
            && current.is_dir()
            && std::fs::read(current.join(REGIONS_FILE)).unwrap_or_else(|_| b"[]".to_vec()) == chain
        {
            return Ok(Checked::Current(version));
        }
        ensure!(
            version >= shown,
            "the hub offers version {version}, older than version {shown} on screen"
        );
        let versions = versions_dir(&self.data);
        std::fs::create_dir_all(&versions)?;
        let partial = versions.join(format!("{version}.partial"));
        if partial.exists() {
            std::fs::remove_dir_all(&partial)?;
        }
        std::fs::create_dir_all(&partial)?;
        let installed = self
            .fetch_into(repo, &mine, &partial)
            .await
            .and_then(|()| write_synced(&partial.join(REGIONS_FILE), &chain))
            .and_then(|()| {
                ContentBundle::load_folder(&partial)
                    .with_context(|| format!("version {version} cannot be shown"))
            });
        if let Err(e) = installed {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
        // The same version again (the center moved to another town, so
        // other levels' files): a folder of its own, never the one on screen.
        let folder = (1..)
            .map(|i| match i {
                1 => version.to_string(),
                i => format!("{version}-{i}"),
            })
            .find(|f| !versions.join(f).exists())
            .unwrap_or_else(|| version.to_string());
        std::fs::rename(&partial, versions.join(&folder))?;
        sync_dir(&versions)?;
        switch_to(&self.data, &folder)?;
        tracing::info!(
            version,
            files = mine.len(),
            "new content verified and shown"
        );
        Ok(Checked::Installed(version))
    }

    /// Every file of the version into `dir`: copied from the version on
    /// screen when its hash is the same, else downloaded and verified.
    async fn fetch_into(
        &self,
        repo: &tough::Repository,
        files: &[(TargetName, String, Vec<u8>)],
        dir: &Path,
    ) -> anyhow::Result<()> {
        let current = current_dir(&self.data);
        for (name, file, sha256) in files {
            crate::content::image::check_name(file)?;
            let out = dir.join(file);
            let have = current.join(file);
            if let Ok(bytes) = std::fs::read(&have)
                && sha2::Sha256::digest(&bytes).as_slice() == sha256.as_slice()
            {
                write_synced(&out, &bytes)?;
                continue;
            }
            let Some(mut stream) = repo
                .read_target(name)
                .await
                .map_err(|e| anyhow::anyhow!("{file}: {}", chain(&e)))?
            else {
                bail!("{file} is listed but cannot be read");
            };
            let mut f = std::fs::File::create(&out)?;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| refused_file(file, &e))?;
                f.write_all(&chunk)?;
            }
            f.sync_all()?;
        }
        sync_dir(dir)
    }
}

/// Why a file's download was refused, in words an admin can act on.
fn refused_file(file: &str, e: &tough::error::Error) -> anyhow::Error {
    let text = chain(e);
    if text.contains("Hash mismatch") {
        anyhow::anyhow!(
            "{file} was refused: it does not match its signed hash (changed after it was published)"
        )
    } else if text.contains("Maximum size") {
        anyhow::anyhow!("{file} was refused: it is longer than its signed length")
    } else {
        anyhow::anyhow!("{file} was refused: {text}")
    }
}

/// The error and, when it has one, its deepest cause (tough wraps a hash
/// mismatch in two layers that repeat the address).
fn chain(e: &dyn std::error::Error) -> String {
    let mut deepest = None;
    let mut source = e.source();
    while let Some(s) = source {
        deepest = Some(s.to_string());
        source = s.source();
    }
    match deepest {
        Some(cause) if !e.to_string().contains(&cause) => cause,
        _ => e.to_string(),
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// Points `content/current` at `versions/<version>` in one rename, then
/// deletes every version but that one and the one before.
fn switch_to(data: &Path, folder: &str) -> anyhow::Result<()> {
    let content = data.join("content");
    let previous = std::fs::read_link(current_dir(data)).ok();
    let link = content.join("current.new");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(Path::new("versions").join(folder), &link)?;
    std::fs::rename(&link, current_dir(data))?;
    sync_dir(&content)?;
    let keep: Vec<PathBuf> = [Some(Path::new("versions").join(folder)), previous]
        .into_iter()
        .flatten()
        .collect();
    for entry in std::fs::read_dir(versions_dir(data))?.flatten() {
        let rel = Path::new("versions").join(entry.file_name());
        if !keep.contains(&rel) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    Ok(())
}
