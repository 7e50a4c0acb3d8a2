//! What the kiosk shows: the center's profile, services, activities, contacts and notices.
//!
//! A content bundle is JSON with every text in Chinese and English. The kiosk
//! ships a default bundle (assets/content/default.json) and shows the
//! version the hub published, verified ([`update`]), from
//! `content/current/` in its data folder once there is one (a hand-placed
//! `content/content.json` is read when there is none).

pub mod image;
pub mod update;

use std::path::Path;

use anyhow::Context;

const DEFAULT_BUNDLE: &str = include_str!("../../../assets/content/default.json");
/// The pictures the default bundle names, by file name.
const DEFAULT_PICTURES: [(&str, &[u8]); 1] = [(
    "logo.png",
    include_bytes!("../../../assets/content/logo.png"),
)];

pub use protocol::content::{Activity, Announcement, Bundle, Contact, Service, Text};

/// A checked bundle with its pictures decoded. Reads as the [`Bundle`] it holds.
#[derive(Debug, Clone)]
pub struct ContentBundle {
    pub bundle: Bundle,
    /// The center's logo, decoded (when the bundle names one and it is good).
    pub logo: Option<image::Picture>,
    /// Activities' pictures by file name, decoded and scaled down to at
    /// most [`image::ACTIVITY_SIDE`] pixels a side.
    pub pictures: std::collections::BTreeMap<String, image::Picture>,
    /// The center's month as the hub counts it (`month.json`, signed
    /// daily), for the wall slide; `None` before the hub signed one.
    pub wall: Option<protocol::wall::WallMonth>,
}

impl std::ops::Deref for ContentBundle {
    type Target = Bundle;

    fn deref(&self) -> &Bundle {
        &self.bundle
    }
}

impl std::ops::DerefMut for ContentBundle {
    fn deref_mut(&mut self) -> &mut Bundle {
        &mut self.bundle
    }
}

impl ContentBundle {
    /// The bundle shipped with the kiosk.
    pub fn builtin() -> anyhow::Result<Self> {
        let mut bundle = Self::parse(DEFAULT_BUNDLE)?;
        bundle.load_pictures(|name| {
            DEFAULT_PICTURES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, bytes)| bytes.to_vec())
                .with_context(|| format!("{name} is not built in"))
        });
        Ok(bundle)
    }

    /// Decodes the pictures the bundle names; one that cannot be read or is
    /// refused is left out, with the reason in the log.
    fn load_pictures(&mut self, read: impl Fn(&str) -> anyhow::Result<Vec<u8>>) {
        self.logo = self.center.logo.as_deref().and_then(|name| {
            match read(name).and_then(|bytes| image::decode(&bytes)) {
                Ok(p) => Some(p),
                Err(e) => {
                    tracing::warn!("content picture {name} left out: {e:#}");
                    None
                }
            }
        });
    }

    pub fn parse(json: &str) -> anyhow::Result<Self> {
        Ok(ContentBundle {
            bundle: Bundle::parse(json)?,
            logo: None,
            pictures: Default::default(),
            wall: None,
        })
    }

    /// The data folder's bundle if there is a good one, else the built-in one.
    /// A bad folder is reported and ignored: the screen never goes blank.
    pub fn load(data_dir: &Path) -> anyhow::Result<Self> {
        let content = data_dir.join("content");
        for folder in [content.join("current"), content] {
            let has = folder.join("content.json").is_file()
                || folder.join(update::REGIONS_FILE).is_file();
            if !has {
                continue;
            }
            match Self::load_folder(&folder) {
                Ok(b) => return Ok(b),
                Err(e) => tracing::warn!(
                    "ignoring the content in {}: {e:#}; showing the built-in content",
                    folder.display()
                ),
            }
        }
        Self::builtin()
    }

    /// A folder's `content.json` and the pictures it names, every one of
    /// them good (a verified update is refused whole when one is not),
    /// merged with the content of the levels above the center that the
    /// folder holds (`regions.json` names them, nearest first; each is a
    /// `region-<id>-content.json`, and `region-<id>-services.json` when the
    /// level sets services for every center below it). A folder with levels' content and no
    /// center content of its own shows the built-in center content.
    pub fn load_folder(folder: &Path) -> anyhow::Result<Self> {
        let mut b = if folder.join("content.json").is_file() {
            Self::load_center(folder)?
        } else {
            Self::builtin()?
        };
        let chain: Vec<u64> = match std::fs::read(folder.join(update::REGIONS_FILE)) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is damaged", update::REGIONS_FILE))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let mut regions = Vec::new();
        let mut services = Vec::new();
        for r in chain {
            let read = |name: String| -> anyhow::Result<Option<String>> {
                let path = folder.join(name);
                if !path.is_file() {
                    return Ok(None);
                }
                std::fs::read_to_string(&path)
                    .map(Some)
                    .with_context(|| format!("cannot read {}", path.display()))
            };
            if let Some(json) = read(format!("region-{r}-content.json"))? {
                regions.push(
                    protocol::content::RegionBundle::parse(&json)
                        .with_context(|| format!("the content of region {r}"))?,
                );
            }
            // The services and service process the level sets for every
            // center below it: a file of its own beside its content.
            if let Some(json) = read(format!("region-{r}-services.json"))? {
                services.push(
                    protocol::content::RegionServices::parse(&json)
                        .with_context(|| format!("the services of region {r}"))?,
                );
            }
        }
        b.bundle.merge_regions_with(&regions, &services);
        // The month on the wall: a file the hub signs daily. One that cannot
        // be read leaves the slide out, never the content.
        match std::fs::read_to_string(folder.join(protocol::wall::FILE)) {
            Ok(json) => match protocol::wall::WallMonth::parse(&json) {
                Ok(m) => b.wall = Some(m),
                Err(e) => tracing::warn!("the month for the wall is left out: {e}"),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!("the month for the wall cannot be read: {e}"),
        }
        Ok(b)
    }

    fn load_center(folder: &Path) -> anyhow::Result<Self> {
        let path = folder.join("content.json");
        let json = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut b = Self::parse(&json)?;
        let logo = b.bundle.center.logo.clone();
        let names: Vec<String> = b.pictures().into_iter().map(str::to_owned).collect();
        for name in names {
            let what = if logo.as_deref() == Some(name.as_str()) {
                "the logo"
            } else {
                "the picture"
            };
            let path = folder.join(&name);
            let len = std::fs::metadata(&path)
                .with_context(|| format!("{what} {name} is missing"))?
                .len();
            anyhow::ensure!(
                len <= image::MAX_FILE_BYTES as u64,
                "{what} {name} is {} KB; pictures may be at most {} KB",
                len / 1024,
                image::MAX_FILE_BYTES / 1024
            );
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let picture = image::decode(&bytes).with_context(|| format!("{what} {name}"))?;
            if logo.as_deref() == Some(name.as_str()) {
                b.logo = Some(picture.clone());
            }
            if b.activities
                .iter()
                .any(|a| a.picture.as_deref() == Some(&name))
            {
                b.pictures.insert(
                    name.clone(),
                    image::scale_to_fit(picture, image::ACTIVITY_SIDE),
                );
            }
        }
        Ok(b)
    }

    /// An activity's picture, decoded and scaled down, if it has one.
    pub fn activity_picture(&self, a: &Activity) -> Option<&image::Picture> {
        self.pictures.get(a.picture.as_deref()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use protocol::catalog::ServiceCategory;

    #[test]
    fn the_built_in_logo_is_decoded_and_a_folder_with_a_bad_or_missing_picture_is_refused_whole() {
        let b = ContentBundle::builtin().expect("builtin");
        let logo = b.logo.as_ref().expect("logo");
        assert_eq!((logo.width(), logo.height()), (256, 256));

        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("content");
        std::fs::create_dir(&folder).expect("mkdir");
        let json = DEFAULT_BUNDLE
            .replace("\"logo.png\"", "\"center.png\"")
            .replace("城东街道青年之家", "城西青年之家");
        std::fs::write(folder.join("content.json"), &json).expect("write");
        // Named but missing: refused with the reason; the built-in content shows.
        let e = ContentBundle::load_folder(&folder).expect_err("missing logo");
        assert!(format!("{e:#}").contains("center.png"), "{e:#}");
        let b = ContentBundle::load(dir.path()).expect("load");
        assert_eq!(b.center.name.zh, "城东街道青年之家", "the built-in content");
        // Damaged: the same.
        std::fs::write(folder.join("center.png"), b"\x89PNG garbage").expect("write");
        assert!(ContentBundle::load_folder(&folder).is_err());
        // Good: shown.
        std::fs::write(
            folder.join("center.png"),
            include_bytes!("../../../assets/content/logo.png"),
        )
        .expect("write");
        let b = ContentBundle::load(dir.path()).expect("load");
        assert_eq!(b.center.name.zh, "城西青年之家");
        assert!(b.logo.is_some());
    }

    #[test]
    fn a_folder_with_its_levels_content_merges_it_and_a_bad_level_file_refuses_it_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path();
        std::fs::write(f.join("regions.json"), "[12, 3]").expect("chain");
        std::fs::write(
            f.join("region-3-content.json"),
            r#"{"format": 1, "name": "杭州市", "emergency": {"zh": "台风预警", "en": "Typhoon warning"}}"#,
        )
        .expect("city");
        std::fs::write(
            f.join("region-12-content.json"),
            r#"{"format": 1, "name": "上城区", "announcements": [{"text": "区通知"}]}"#,
        )
        .expect("county");
        // A level not in the chain is not shown, even if its file is there.
        std::fs::write(
            f.join("region-99-content.json"),
            r#"{"format": 1, "name": "别处", "announcements": [{"text": "别处的通知"}]}"#,
        )
        .expect("other");
        // No center content of its own: the built-in one, with the levels'.
        let b = ContentBundle::load_folder(f).expect("load");
        assert_eq!(b.center.name.zh, "城东街道青年之家");
        assert!(b.logo.is_some());
        assert_eq!(
            b.emergency.as_ref().map(|e| e.zh.as_str()),
            Some("台风预警")
        );
        let texts: Vec<&str> = b.announcements.iter().map(|a| a.text.zh.as_str()).collect();
        assert_eq!(texts.last(), Some(&"区通知"));
        assert!(!texts.contains(&"别处的通知"));
        // The city sets a service for every center below it, in a file of
        // its own beside its content.
        std::fs::write(
            f.join("region-3-services.json"),
            r#"{"services": [{"category": "employment", "title": "青年驿站", "place": "一楼"}]}"#,
        )
        .expect("city services");
        let with = ContentBundle::load_folder(f).expect("load");
        let city = with
            .services
            .iter()
            .find(|s| s.title.zh == "青年驿站")
            .expect("the city's service");
        assert_eq!(city.place.zh, "一楼");
        assert_eq!(with.services.len(), b.services.len() + 1);
        std::fs::write(f.join("region-3-services.json"), r#"{"services": 1}"#).expect("bad");
        let e = ContentBundle::load_folder(f).expect_err("bad services");
        assert!(
            format!("{e:#}").contains("the services of region 3"),
            "{e:#}"
        );
        std::fs::remove_file(f.join("region-3-services.json")).expect("rm");
        // The data folder's current version reads the same.
        let data = tempfile::tempdir().expect("data");
        std::fs::create_dir_all(data.path().join("content/versions")).expect("mkdir");
        std::os::unix::fs::symlink(f, data.path().join("content/current")).expect("link");
        let shown = ContentBundle::load(data.path()).expect("load");
        assert_eq!(shown.emergency, b.emergency);
        // A damaged level file refuses the folder whole.
        std::fs::write(
            f.join("region-12-content.json"),
            r#"{"format": 1, "name": ""}"#,
        )
        .expect("bad");
        let e = ContentBundle::load_folder(f).expect_err("bad level");
        assert!(format!("{e:#}").contains("region 12"), "{e:#}");
    }

    #[test]
    fn an_activitys_picture_is_decoded_scaled_down_and_a_missing_one_refuses_the_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path();
        let json = DEFAULT_BUNDLE.replace(
            r#""days": ["sat"], "start": "09:30""#,
            r#""days": ["sat"], "picture": "pingpong.jpg", "start": "09:30""#,
        );
        assert!(
            json.contains("pingpong.jpg"),
            "the default has the table-tennis friendly"
        );
        std::fs::write(f.join("content.json"), &json).expect("json");
        std::fs::write(
            f.join("logo.png"),
            include_bytes!("../../../assets/content/logo.png"),
        )
        .expect("logo");
        let e = ContentBundle::load_folder(f).expect_err("missing");
        assert!(
            format!("{e:#}").contains("the picture pingpong.jpg is missing"),
            "{e:#}"
        );
        let photo = ::image::RgbImage::from_fn(900, 1800, |x, y| {
            ::image::Rgb([(x % 256) as u8, (y % 256) as u8, 0x80])
        });
        photo.save(f.join("pingpong.jpg")).expect("jpeg");
        let b = ContentBundle::load_folder(f).expect("load");
        let p = b.pictures.get("pingpong.jpg").expect("decoded");
        assert_eq!(
            p.dimensions(),
            (240, 480),
            "the shape kept, 480 a side at most"
        );
        let saturday = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        let with: Vec<_> = b
            .activities_on(saturday)
            .into_iter()
            .filter(|a| b.activity_picture(a).is_some())
            .collect();
        assert_eq!(with.len(), 1);
    }

    #[test]
    fn a_bundle_naming_a_picture_outside_its_folder_is_refused_whole() {
        let json = DEFAULT_BUNDLE.replace("\"logo.png\"", "\"../../etc/shadow\"");
        let e = format!("{:#}", ContentBundle::parse(&json).expect_err("escape"));
        assert!(
            e.contains("must be a plain file name in the content folder"),
            "{e}"
        );
    }

    #[test]
    fn the_builtin_bundle_is_valid_and_covers_every_category() {
        let b = ContentBundle::builtin().expect("builtin");
        let groups = b.services_by_category();
        assert_eq!(groups.len(), ServiceCategory::ALL.len());
        assert!(
            b.services.iter().all(|s| !s.title.en.is_empty()),
            "every service has English"
        );
        // Every day of the week has something on.
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        for i in 0..7 {
            let d = monday + chrono::Days::new(i);
            assert!(!b.activities_on(d).is_empty(), "nothing on {d}");
        }
    }

    #[test]
    fn activities_of_a_day_are_sorted_by_start() {
        let b = ContentBundle::builtin().expect("builtin");
        let tuesday = NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
        let starts: Vec<&str> = b
            .activities_on(tuesday)
            .iter()
            .map(|a| a.start.as_str())
            .collect();
        assert_eq!(starts, vec!["16:30", "19:00"]);
    }

    #[test]
    fn text_falls_back_to_chinese_and_accepts_a_plain_string() {
        let t: Text = serde_json::from_str(r#"{"zh":"你好"}"#).expect("parse");
        assert_eq!(t.get(true), "你好");
        let t: Text = serde_json::from_str(r#""12355""#).expect("parse");
        assert_eq!((t.get(false), t.get(true)), ("12355", "12355"));
    }

    #[test]
    fn a_broken_bundle_in_the_data_folder_falls_back_to_the_builtin_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("content")).expect("mkdir");
        std::fs::write(dir.path().join("content/content.json"), "{ not json").expect("write");
        let b = ContentBundle::load(dir.path()).expect("load");
        assert_eq!(b.center.name.zh, "城东街道青年之家");
        let bad_time = DEFAULT_BUNDLE.replace("\"19:00\"", "\"7pm\"");
        assert!(ContentBundle::parse(&bad_time).is_err());
    }
}
