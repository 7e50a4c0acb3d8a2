//! Kiosk software releases as the hub signs them and kiosks read them.
//!
//! A release is the kiosk's Debian package for one architecture, signed in
//! the hub's content repository (TUF) as the target
//! `release-<arch>-<version>.deb` by the `releases` role, with a
//! [`ReleaseInfo`] in the target's signed custom metadata: its version, its
//! architecture and the [`Ring`] of kiosks that should run it. A kiosk runs
//! the highest version whose ring it is in (or the version its image came
//! with, when that is higher), leaving out any version that failed on it.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The delegated role that signs releases.
pub const ROLE: &str = "releases";
/// Every release target's name begins with this.
pub const PREFIX: &str = "release-";
/// The Debian package a release must be.
pub const PACKAGE: &str = "youth-kiosk";

/// The target name of a release.
pub fn target_name(arch: &str, version: &Version) -> String {
    format!("{PREFIX}{arch}-{version}.deb")
}

/// The Debian architecture of the machine this was built for.
pub fn this_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "arm" => "armhf",
        "x86" => "i386",
        "riscv64" => "riscv64",
        other => other,
    }
}

/// Which kiosks a release is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Ring {
    /// Every kiosk of the network.
    All,
    /// The kiosks of every center under a city, county or town.
    Region(u64),
    /// One center's kiosks (the first to try a release).
    Center(u64),
}

impl Ring {
    /// Whether a kiosk of `center`, which lies under `regions`, is in the ring.
    pub fn includes(self, center: u64, regions: &[u64]) -> bool {
        match self {
            Ring::All => true,
            Ring::Region(r) => regions.contains(&r),
            Ring::Center(c) => c == center,
        }
    }
}

impl fmt::Display for Ring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ring::All => f.write_str("all"),
            Ring::Region(r) => write!(f, "region:{r}"),
            Ring::Center(c) => write!(f, "center:{c}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a ring: write `all`, `region:ID` (a city, county or town) or `center:ID`")]
pub struct BadRing(String);

impl FromStr for Ring {
    type Err = BadRing;
    fn from_str(s: &str) -> Result<Ring, BadRing> {
        let bad = || BadRing(s.to_string());
        let s = s.trim();
        if s == "all" {
            return Ok(Ring::All);
        }
        let (kind, id) = s.split_once(':').ok_or_else(bad)?;
        let id: u64 = id.parse().map_err(|_| bad())?;
        match kind {
            "region" => Ok(Ring::Region(id)),
            "center" => Ok(Ring::Center(id)),
            _ => Err(bad()),
        }
    }
}

impl TryFrom<String> for Ring {
    type Error = BadRing;
    fn try_from(s: String) -> Result<Ring, BadRing> {
        s.parse()
    }
}

impl From<Ring> for String {
    fn from(r: Ring) -> String {
        r.to_string()
    }
}

/// A release's version: numbers separated by dots (`0.2.1`), compared
/// number by number, so `0.1.10` comes after `0.1.9`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Version(Vec<u64>);

/// Version 0, below every release.
impl Default for Version {
    fn default() -> Version {
        Version(vec![0])
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a release version: write numbers separated by dots, e.g. 0.2.1 (at most 4)")]
pub struct BadVersion(String);

impl FromStr for Version {
    type Err = BadVersion;
    fn from_str(s: &str) -> Result<Version, BadVersion> {
        let bad = || BadVersion(s.to_string());
        let parts = s
            .split('.')
            .map(|p| {
                if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                p.parse::<u64>().map_err(|_| bad())
            })
            .collect::<Result<Vec<u64>, BadVersion>>()?;
        if parts.is_empty() || parts.len() > 4 {
            return Err(bad());
        }
        Ok(Version(parts))
    }
}

impl TryFrom<String> for Version {
    type Error = BadVersion;
    fn try_from(s: String) -> Result<Version, BadVersion> {
        s.parse()
    }
}

impl From<Version> for String {
    fn from(v: Version) -> String {
        v.to_string()
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for p in &self.0 {
            if !first {
                f.write_str(".")?;
            }
            write!(f, "{p}")?;
            first = false;
        }
        Ok(())
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        // 0.2 and 0.2.0 are the same version.
        let n = self.0.len().max(other.0.len());
        let at = |v: &Version, i: usize| v.0.get(i).copied().unwrap_or(0);
        (0..n)
            .map(|i| at(self, i).cmp(&at(other, i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The fields `dpkg-deb --field PACKAGE Package Version Architecture`
/// prints, read where the hub publishes a package and where a kiosk
/// checks one (empty when absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageFields {
    pub package: String,
    pub version: String,
    pub arch: String,
}

/// The arguments after the package for [`PackageFields::parse`].
pub const FIELDS: [&str; 3] = ["Package", "Version", "Architecture"];

impl PackageFields {
    pub fn parse(text: &str) -> PackageFields {
        let field = |f: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(f)?.strip_prefix(": "))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        PackageFields {
            package: field("Package"),
            version: field("Version"),
            arch: field("Architecture"),
        }
    }
}

/// What the hub signs about a release, in its target's custom metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseInfo {
    pub version: Version,
    /// The Debian architecture (`arm64`, `amd64`, `armhf`).
    pub arch: String,
    pub ring: Ring,
}

impl ReleaseInfo {
    pub fn target_name(&self) -> String {
        target_name(&self.arch, &self.version)
    }

    /// The release's fields from a target's custom metadata (`None`: not
    /// a release, or written by a hub this kiosk cannot read).
    pub fn from_custom(
        custom: &std::collections::HashMap<String, serde_json::Value>,
    ) -> Option<Self> {
        let value = serde_json::Value::Object(custom.clone().into_iter().collect());
        serde_json::from_value(value).ok()
    }

    /// The custom metadata to sign for it.
    pub fn to_custom(&self) -> std::collections::HashMap<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m.into_iter().collect(),
            _ => Default::default(),
        }
    }
}

/// Of `releases`, the one a kiosk of `arch` in `center` (under `regions`)
/// should run, leaving out the versions in `failed`; `None` when none is
/// for it or none is above `installed` (the version its image came with).
pub fn choose<'a>(
    releases: impl IntoIterator<Item = &'a ReleaseInfo>,
    arch: &str,
    center: u64,
    regions: &[u64],
    failed: &[Version],
    installed: &Version,
) -> Option<&'a ReleaseInfo> {
    releases
        .into_iter()
        .filter(|r| r.arch == arch && r.ring.includes(center, regions))
        .filter(|r| !failed.contains(&r.version) && r.version > *installed)
        .max_by(|a, b| a.version.cmp(&b.version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().expect("version")
    }

    #[test]
    fn versions_compare_number_by_number_and_refuse_anything_else() {
        assert!(v("0.1.10") > v("0.1.9"));
        assert!(v("1.0") > v("0.99.99"));
        assert_eq!(v("0.2").cmp(&v("0.2.0")), Ordering::Equal);
        assert_eq!(v("0.2.1").to_string(), "0.2.1");
        for bad in [
            "",
            "0.1.",
            "v0.1",
            "0.1-2",
            "0.1.1~rc1",
            "1.2.3.4.5",
            "1..2",
        ] {
            let e = bad.parse::<Version>().expect_err(bad);
            assert!(e.to_string().contains("numbers separated by dots"), "{e}");
        }
    }

    #[test]
    fn dpkg_deb_fields_are_read_by_name() {
        let f = PackageFields::parse("Package: youth-kiosk\nVersion: 0.2.1\nArchitecture: arm64\n");
        assert_eq!(
            f,
            PackageFields {
                package: "youth-kiosk".into(),
                version: "0.2.1".into(),
                arch: "arm64".into()
            }
        );
        assert_eq!(PackageFields::parse("garbage"), PackageFields::default());
    }

    #[test]
    fn rings_read_and_write_as_admins_type_them() {
        for (s, r) in [
            ("all", Ring::All),
            ("region:3", Ring::Region(3)),
            ("center:12", Ring::Center(12)),
        ] {
            assert_eq!(s.parse::<Ring>(), Ok(r));
            assert_eq!(r.to_string(), s);
        }
        for bad in ["", "everyone", "center:", "county:3", "center:x"] {
            assert!(bad.parse::<Ring>().is_err(), "{bad}");
        }
        assert!(Ring::Region(3).includes(9, &[7, 3, 1]));
        assert!(!Ring::Region(3).includes(9, &[7, 1]));
        assert!(Ring::Center(9).includes(9, &[]));
        assert!(!Ring::Center(8).includes(9, &[]));
    }

    #[test]
    fn a_kiosk_chooses_the_highest_release_for_it_that_did_not_fail_there() {
        let r = |ver: &str, arch: &str, ring: Ring| ReleaseInfo {
            version: v(ver),
            arch: arch.into(),
            ring,
        };
        let releases = vec![
            r("0.2.0", "arm64", Ring::All),
            r("0.3.0", "arm64", Ring::Region(4)),
            r("0.4.0", "arm64", Ring::Center(2)),
            r("0.9.0", "amd64", Ring::All),
        ];
        let pick = |center, regions: &[u64], failed: &[Version], installed: &str| {
            choose(&releases, "arm64", center, regions, failed, &v(installed))
                .map(|r| r.version.to_string())
        };
        assert_eq!(pick(1, &[], &[], "0.1.0").as_deref(), Some("0.2.0"));
        assert_eq!(pick(1, &[4], &[], "0.1.0").as_deref(), Some("0.3.0"));
        assert_eq!(pick(2, &[4], &[], "0.1.0").as_deref(), Some("0.4.0"));
        assert_eq!(
            pick(2, &[4], &[v("0.4.0")], "0.1.0").as_deref(),
            Some("0.3.0")
        );
        assert_eq!(
            pick(1, &[], &[], "0.2.0"),
            None,
            "the image's own is as new"
        );
        let info = r("0.3.0", "arm64", Ring::Region(4));
        assert_eq!(
            ReleaseInfo::from_custom(&info.to_custom()),
            Some(info.clone())
        );
        assert_eq!(info.target_name(), "release-arm64-0.3.0.deb");
    }
}
