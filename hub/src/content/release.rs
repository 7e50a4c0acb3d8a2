//! Kiosk software releases, signed in the content repository.
//!
//! A release is the kiosk's Debian package for one architecture, signed by
//! the delegated role `releases` (its own key, which may sign only names
//! under `release-`) as `release-<arch>-<version>.deb`, with the version,
//! the architecture and the ring of kiosks it is for in the target's signed
//! custom metadata ([`protocol::release::ReleaseInfo`]). Publishing a
//! version again with another ring widens (or narrows) its rollout; a
//! release withdrawn is no longer offered, and kiosks running it go back
//! to the highest one still offered to them, or to their image's own.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail, ensure};
use protocol::release::{self, ReleaseInfo, Ring, Version};
use tough::TargetName;
use tough::schema::Target;

use super::{Repo, Role};

/// A release as the repository holds it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Release {
    #[serde(flatten)]
    pub info: ReleaseInfo,
    pub bytes: u64,
    pub sha256: String,
}

/// A Debian package's fields, read by `dpkg-deb`.
fn package_fields(deb: &Path) -> anyhow::Result<release::PackageFields> {
    let out = Command::new("dpkg-deb")
        .arg("--field")
        .arg(deb)
        .args(release::FIELDS)
        .output()
        .context("cannot run dpkg-deb to read the package (install the dpkg package)")?;
    ensure!(
        out.status.success(),
        "{} is not a Debian package: {}",
        deb.display(),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(release::PackageFields::parse(&String::from_utf8_lossy(
        &out.stdout,
    )))
}

/// Whether the package carries the kiosk's binary.
fn has_kiosk(deb: &Path) -> anyhow::Result<bool> {
    let out = Command::new("dpkg-deb")
        .arg("--contents")
        .arg(deb)
        .output()
        .context("cannot run dpkg-deb to list the package")?;
    Ok(out.status.success()
        && String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l.ends_with(" ./usr/bin/kiosk")))
}

impl Repo {
    fn release_role(&self) -> anyhow::Result<Role> {
        Ok(Role {
            name: release::ROLE.to_string(),
            prefix: release::PREFIX.to_string(),
            key: self.role_key(release::ROLE)?,
        })
    }

    /// The releases signed now, highest version first.
    pub async fn releases(&self) -> anyhow::Result<Vec<Release>> {
        if !self.is_initialized() || !self.metadata_dir().join("timestamp.json").exists() {
            return Ok(Vec::new());
        }
        let repo = self.load().await?;
        let mut out: Vec<Release> = repo
            .delegated_role(release::ROLE)
            .and_then(|r| r.targets.as_ref())
            .map(|t| {
                t.signed
                    .targets
                    .iter()
                    .filter_map(|(name, t)| {
                        let info = ReleaseInfo::from_custom(&t.custom)?;
                        (info.target_name() == name.raw()).then(|| Release {
                            info,
                            bytes: t.length,
                            sha256: data_encoding::HEXLOWER.encode(&t.hashes.sha256),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort_by(|a, b| {
            b.info
                .version
                .cmp(&a.info.version)
                .then(a.info.arch.cmp(&b.info.arch))
        });
        Ok(out)
    }

    /// The releases kept, as targets to sign again, with their stored files.
    async fn kept_releases(
        &self,
        leave_out: &str,
    ) -> anyhow::Result<Vec<(TargetName, Target, PathBuf)>> {
        let mut out = Vec::new();
        if !self.metadata_dir().join("timestamp.json").exists() {
            return Ok(out);
        }
        let repo = self.load().await?;
        let Some(t) = repo
            .delegated_role(release::ROLE)
            .and_then(|r| r.targets.as_ref())
        else {
            return Ok(out);
        };
        for (name, target) in &t.signed.targets {
            if name.raw() == leave_out {
                continue;
            }
            let file = self.targets_dir().join(format!(
                "{}.{}",
                data_encoding::HEXLOWER.encode(&target.hashes.sha256),
                name.raw()
            ));
            ensure!(
                file.is_file(),
                "the published {} is missing from {}",
                name.raw(),
                self.targets_dir().display()
            );
            out.push((name.clone(), target.clone(), file));
        }
        Ok(out)
    }

    /// Signs the kiosk's package `deb` as a release for `ring`: checked to
    /// be the kiosk's package (`youth-kiosk`, with usr/bin/kiosk) of a
    /// release version. The same version published again gets the new ring
    /// (the package must be the same).
    pub async fn publish_release(&self, deb: &Path, ring: Ring) -> anyhow::Result<Release> {
        let release::PackageFields {
            package,
            version,
            arch,
        } = package_fields(deb)?;
        ensure!(
            package == release::PACKAGE,
            "{} is the package {package:?}, not the kiosk's ({})",
            deb.display(),
            release::PACKAGE
        );
        let version: Version = version.parse()?;
        ensure!(
            !arch.is_empty() && arch.bytes().all(|b| b.is_ascii_alphanumeric()),
            "the package's architecture {arch:?} cannot be a release's"
        );
        ensure!(
            has_kiosk(deb)?,
            "{} has no usr/bin/kiosk: it is not a build of the kiosk",
            deb.display()
        );
        let info = ReleaseInfo {
            version,
            arch,
            ring,
        };
        let _change = self.lock(crate::store::db::LOCK_CHANGE, "change.lock")?;
        let name = TargetName::new(info.target_name())?;
        let mut target = Target::from_path(deb)
            .await
            .with_context(|| format!("cannot read {}", deb.display()))?;
        if let Some(before) = self
            .releases()
            .await?
            .into_iter()
            .find(|r| r.info.target_name() == info.target_name())
        {
            let sha256 = data_encoding::HEXLOWER.encode(&target.hashes.sha256);
            if before.sha256 != sha256 {
                bail!(
                    "version {} for {} is published already with another package; a changed \
                     build needs a new version number",
                    info.version,
                    info.arch
                );
            }
        }
        target.custom = info.to_custom();
        let mut add = self.kept_releases(name.raw()).await?;
        add.push((name, target.clone(), deb.to_path_buf()));
        self.sign_new_version(Some(self.release_role()?), add)
            .await?;
        Ok(Release {
            info,
            bytes: target.length,
            sha256: data_encoding::HEXLOWER.encode(&target.hashes.sha256),
        })
    }

    /// Stops offering a release; kiosks running it go back.
    pub async fn withdraw_release(&self, arch: &str, version: &Version) -> anyhow::Result<Release> {
        let _change = self.lock(crate::store::db::LOCK_CHANGE, "change.lock")?;
        let name = release::target_name(arch, version);
        let Some(gone) = self
            .releases()
            .await?
            .into_iter()
            .find(|r| r.info.target_name() == name)
        else {
            bail!("no release {version} for {arch} is published (`hub release list`)");
        };
        let add = self.kept_releases(&name).await?;
        self.sign_new_version(Some(self.release_role()?), add)
            .await?;
        Ok(gone)
    }
}
