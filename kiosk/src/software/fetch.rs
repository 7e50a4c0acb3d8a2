//! Fetching the release a kiosk should run, in the background.
//!
//! After each content check the sync loop hands the verified repository
//! here. Of the releases the hub signed, the kiosk takes the highest for its
//! architecture whose ring it is in and that never failed on it
//! ([`protocol::release::choose`]). It downloads the package (checked
//! against its signed hash and length while it streams, as content files
//! are), checks that it is the kiosk's package of that version and
//! architecture (`dpkg-deb --field`), unpacks its `usr/bin/kiosk` into
//! `software/<version>/` and deletes the package; then the release waits
//! for a quiet moment at the door (`next` in the state). A download never
//! takes the space check-ins need: it starts only with room for the
//! package, its unpacked binary and a reserve.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, bail, ensure};
use futures::StreamExt;
use protocol::release::{self, ReleaseInfo, Version};

use super::{Next, State, binary, dir, installed, now_ms, release_dir, running};

/// A release whose fetch failed is tried again after this long.
pub const RETRY_MS: i64 = 3_600_000;

/// Free space left for the database after a download.
pub const RESERVE_BYTES: u64 = 64 << 20;

/// One fetch at a time; a sync round finding one under way leaves it be.
static BUSY: AtomicBool = AtomicBool::new(false);

/// Frees [`BUSY`] however the fetch ends (a runtime shut down mid-way too).
struct Busy;

impl Drop for Busy {
    fn drop(&mut self) {
        BUSY.store(false, Ordering::SeqCst);
    }
}

/// The releases the repository signs, each as its custom metadata says
/// (a target whose name does not match its metadata is left out).
pub fn releases(repo: &tough::Repository) -> Vec<(ReleaseInfo, u64)> {
    let Some(targets) = repo
        .delegated_role(release::ROLE)
        .and_then(|r| r.targets.as_ref())
    else {
        return Vec::new();
    };
    targets
        .signed
        .targets
        .iter()
        .filter_map(|(name, t)| {
            let info = ReleaseInfo::from_custom(&t.custom)?;
            (info.target_name() == name.raw()).then_some((info, t.length))
        })
        .collect()
}

/// What the kiosk should do about its software, as the repository says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// It runs what it should.
    Stay,
    /// Its fetch failed a short while ago: tried again later.
    Later,
    /// It should run this release, which must be fetched first.
    Fetch(ReleaseInfo, u64),
    /// This waits for a quiet moment (fetched already, or the installed version).
    Switch(Next),
}

/// Decides, from the signed releases and the state on disk.
pub fn plan(
    data: &Path,
    releases: &[(ReleaseInfo, u64)],
    center: u64,
    regions: &[u64],
    running: &Version,
) -> Plan {
    let state = State::load(data);
    let infos: Vec<&ReleaseInfo> = releases.iter().map(|(r, _)| r).collect();
    let chosen = release::choose(
        infos.iter().copied(),
        release::this_arch(),
        center,
        regions,
        &state.failed,
        &installed(),
    );
    match chosen {
        None if *running != installed() => Plan::Switch(Next::Installed),
        None => Plan::Stay,
        Some(r) if r.version == *running => Plan::Stay,
        Some(r) if binary(data, &r.version).is_file() => {
            Plan::Switch(Next::Release(r.version.clone()))
        }
        Some(r)
            if state.failed_fetch.as_ref().is_some_and(|(v, at)| {
                *v == r.version && now_ms().saturating_sub(*at) < RETRY_MS
            }) =>
        {
            Plan::Later
        }
        Some(r) => {
            let length = releases.iter().find(|(i, _)| i == r).map_or(0, |(_, l)| *l);
            Plan::Fetch(r.clone(), length)
        }
    }
}

/// Plans, and carries the plan out in the background: a fetch on a task of
/// its own (unless one runs), the outcome kept in the state for the UI and
/// for the hub.
/// The fetch's task is returned, for a one-off sync to wait for.
pub fn consider(
    data: &Path,
    repo: &tough::Repository,
    center: u64,
    regions: &[u64],
) -> Option<tokio::task::JoinHandle<()>> {
    let plan = plan(data, &releases(repo), center, regions, &running());
    let set_next = |next: Option<Next>| {
        State::change(data, |s| {
            s.next = next;
            if s.next.is_none() {
                s.error = None;
                s.failed_fetch = None;
            }
        })
    };
    let recorded = match plan {
        Plan::Later => return None,
        Plan::Stay => {
            if !dir(data).join("state.json").exists() {
                return None;
            }
            set_next(None)
        }
        Plan::Switch(next) => set_next(Some(next)),
        Plan::Fetch(info, length) => {
            if BUSY.swap(true, Ordering::SeqCst) {
                return None;
            }
            let (data, repo) = (data.to_path_buf(), repo.clone());
            return Some(tokio::spawn(async move {
                let busy = Busy;
                let result = fetch(&data, &repo, &info, length).await;
                drop(busy);
                let recorded = State::change(&data, |s| match &result {
                    Ok(()) => {
                        tracing::info!(version = %info.version, "release {} fetched; installed at a quiet moment", info.version);
                        s.next = Some(Next::Release(info.version.clone()));
                        s.error = None;
                        s.failed_fetch = None;
                    }
                    Err(e) => {
                        tracing::warn!("release {}: {e:#}", info.version);
                        s.error = Some(format!("release {}: {e:#}", info.version));
                        s.failed_fetch = Some((info.version.clone(), now_ms()));
                    }
                });
                if let Err(e) = recorded {
                    tracing::error!("cannot record the release fetched: {e:#}");
                }
            }));
        }
    };
    if let Err(e) = recorded {
        tracing::error!("cannot record the kiosk's software plan: {e:#}");
    }
    None
}

/// Downloads, checks and unpacks one release.
pub async fn fetch(
    data: &Path,
    repo: &tough::Repository,
    info: &ReleaseInfo,
    length: u64,
) -> anyhow::Result<()> {
    let incoming = dir(data).join("incoming");
    if incoming.exists() {
        std::fs::remove_dir_all(&incoming)?;
    }
    std::fs::create_dir_all(&incoming)
        .with_context(|| format!("cannot create {}", incoming.display()))?;
    // The package, its binary unpacked (at most about three times the
    // package, compressed), and room left for check-ins.
    let need = length.saturating_mul(4).saturating_add(RESERVE_BYTES);
    let free = nix::sys::statvfs::statvfs(&incoming)
        .map(|s| s.blocks_available().saturating_mul(s.fragment_size()))
        .context("cannot read the free space of the data partition")?;
    ensure!(
        free >= need,
        "not fetched: it needs {} MB free on the data partition and {} MB are (check-ins keep theirs)",
        need >> 20,
        free >> 20
    );
    let name = tough::TargetName::new(info.target_name())?;
    let deb = incoming.join(info.target_name());
    let result = download(repo, &name, &deb).await;
    let result = result.and_then(|()| check_package(&deb, info));
    let result = result.and_then(|()| unpack(data, &deb, &info.version));
    let _ = std::fs::remove_dir_all(&incoming);
    result?;
    tidy(data, &info.version);
    Ok(())
}

async fn download(
    repo: &tough::Repository,
    name: &tough::TargetName,
    to: &Path,
) -> anyhow::Result<()> {
    let Some(mut stream) = repo
        .read_target(name)
        .await
        .map_err(|e| anyhow::anyhow!("cannot download it: {e}"))?
    else {
        bail!("it is listed but cannot be read");
    };
    let mut f = std::fs::File::create(to)?;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            if format!("{e:?}").contains("Hash") {
                anyhow::anyhow!("refused: the package does not match its signed hash")
            } else {
                anyhow::anyhow!("the download failed: {e}")
            }
        })?;
        f.write_all(&chunk).context("cannot store the download")?;
    }
    f.sync_all()?;
    Ok(())
}

/// The package is the kiosk's, of the version and architecture signed.
fn check_package(deb: &Path, info: &ReleaseInfo) -> anyhow::Result<()> {
    let out = Command::new("dpkg-deb")
        .arg("--field")
        .arg(deb)
        .args(release::FIELDS)
        .output()
        .context("cannot run dpkg-deb (the dpkg package) to read the release")?;
    ensure!(
        out.status.success(),
        "it is not a Debian package: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    let f = release::PackageFields::parse(&String::from_utf8_lossy(&out.stdout));
    ensure!(
        f.package == release::PACKAGE,
        "the package is {:?}, not {}",
        f.package,
        release::PACKAGE
    );
    let version: Result<Version, _> = f.version.parse();
    ensure!(
        version.as_ref() == Ok(&info.version),
        "the package's version is {:?}, not {} as signed",
        f.version,
        info.version
    );
    ensure!(
        f.arch == info.arch,
        "the package is for {:?}, not {}",
        f.arch,
        info.arch
    );
    Ok(())
}

/// `usr/bin/kiosk` of the package into `software/<version>/`, which
/// appears whole (renamed into place) or not at all.
fn unpack(data: &Path, deb: &Path, version: &Version) -> anyhow::Result<()> {
    let target = release_dir(data, version);
    let partial = PathBuf::from(format!("{}.partial", target.display()));
    if partial.exists() {
        std::fs::remove_dir_all(&partial)?;
    }
    std::fs::create_dir_all(&partial)?;
    let mut tarfile = Command::new("dpkg-deb")
        .arg("--fsys-tarfile")
        .arg(deb)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run dpkg-deb")?;
    let stdout = tarfile.stdout.take().context("dpkg-deb's output")?;
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(&partial)
        .arg("./usr/bin/kiosk")
        .stdin(stdout)
        .output()
        .context("cannot run tar")?;
    let listed = tarfile.wait_with_output()?;
    ensure!(
        listed.status.success() && tar.status.success(),
        "cannot unpack it: {} {}",
        String::from_utf8_lossy(&listed.stderr).trim(),
        String::from_utf8_lossy(&tar.stderr).trim()
    );
    let bin = partial.join("usr/bin/kiosk");
    ensure!(bin.is_file(), "the package has no usr/bin/kiosk");
    std::fs::File::open(&bin)?.sync_all()?;
    if target.exists() {
        std::fs::remove_dir_all(&target)?;
    }
    std::fs::rename(&partial, &target)?;
    std::fs::File::open(dir(data))?.sync_all()?;
    Ok(())
}

/// Removes the releases no longer needed: all but `keep`, the one running,
/// the current one and a trial.
fn tidy(data: &Path, keep: &Version) {
    let state = State::load(data);
    let mut needed = vec![keep.clone(), running()];
    needed.extend(state.current.clone());
    needed.extend(state.trial.as_ref().map(|t| t.version.clone()));
    let Ok(entries) = std::fs::read_dir(dir(data)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Ok(v) = name.parse::<Version>() else {
            continue;
        };
        if entry.path().is_dir() && !needed.contains(&v) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
