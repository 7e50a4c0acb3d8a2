//! What the kiosk shows: the center's profile, services, activities, contacts and notices.
//!
//! A content bundle is JSON with every text in Chinese and English. The kiosk
//! ships a default bundle (assets/content/default.json) and uses
//! `content/content.json` in its data folder when one is there.

use std::path::Path;

use chrono::{Datelike, NaiveDate, Weekday};
use protocol::catalog::ServiceCategory;
use serde::Deserialize;

const DEFAULT_BUNDLE: &str = include_str!("../../../assets/content/default.json");

/// A text in both languages. A plain string in the file means "the same in both".
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "TextRepr")]
pub struct Text {
    pub zh: String,
    pub en: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TextRepr {
    Same(String),
    Both {
        zh: String,
        #[serde(default)]
        en: String,
    },
}

impl From<TextRepr> for Text {
    fn from(r: TextRepr) -> Self {
        match r {
            TextRepr::Same(s) => Text {
                zh: s.clone(),
                en: s,
            },
            TextRepr::Both { zh, en } => Text { zh, en },
        }
    }
}

impl Text {
    /// The text in English when asked and available, else in Chinese.
    pub fn get(&self, en: bool) -> &str {
        if en && !self.en.is_empty() {
            &self.en
        } else {
            &self.zh
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentBundle {
    pub format: u32,
    pub center: CenterProfile,
    #[serde(default)]
    pub services: Vec<Service>,
    #[serde(default)]
    pub activities: Vec<Activity>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub announcements: Vec<Announcement>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CenterProfile {
    pub name: Text,
    #[serde(default = "empty_text")]
    pub opening_hours: Text,
}

fn empty_text() -> Text {
    Text {
        zh: String::new(),
        en: String::new(),
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Service {
    pub category: ServiceCategory,
    pub title: Text,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Activity {
    pub title: Text,
    pub category: ServiceCategory,
    /// Weekly days it recurs on: "mon" … "sun".
    #[serde(default)]
    pub days: Vec<String>,
    /// A one-off date, `YYYY-MM-DD`, instead of (or beside) `days`.
    #[serde(default)]
    pub date: Option<NaiveDate>,
    pub start: String,
    pub end: String,
    pub place: Text,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Contact {
    pub label: Text,
    pub value: Text,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Announcement {
    pub text: Text,
}

fn weekday_code(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

impl ContentBundle {
    /// The bundle shipped with the kiosk.
    pub fn builtin() -> anyhow::Result<Self> {
        Self::parse(DEFAULT_BUNDLE)
    }

    pub fn parse(json: &str) -> anyhow::Result<Self> {
        let bundle: ContentBundle = serde_json::from_str(json)?;
        bundle.validate()?;
        Ok(bundle)
    }

    /// The data folder's bundle if there is a good one, else the built-in one.
    /// A bad file is reported and ignored: the screen never goes blank.
    pub fn load(data_dir: &Path) -> anyhow::Result<Self> {
        let path = data_dir.join("content").join("content.json");
        if let Ok(json) = std::fs::read_to_string(&path) {
            match Self::parse(&json) {
                Ok(b) => return Ok(b),
                Err(e) => tracing::warn!(
                    "ignoring {}: {e:#}; showing the built-in content",
                    path.display()
                ),
            }
        }
        Self::builtin()
    }

    fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.format == 1,
            "content format {} is not supported (expected 1)",
            self.format
        );
        for a in &self.activities {
            for t in [&a.start, &a.end] {
                anyhow::ensure!(
                    chrono::NaiveTime::parse_from_str(t, "%H:%M").is_ok(),
                    "activity {:?}: time {t:?} is not HH:MM",
                    a.title.zh
                );
            }
            for d in &a.days {
                anyhow::ensure!(
                    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].contains(&d.as_str()),
                    "activity {:?}: day {d:?} is not one of mon…sun",
                    a.title.zh
                );
            }
        }
        Ok(())
    }

    /// Activities happening on `date`, by start time.
    pub fn activities_on(&self, date: NaiveDate) -> Vec<&Activity> {
        let day = weekday_code(date.weekday());
        let mut list: Vec<&Activity> = self
            .activities
            .iter()
            .filter(|a| a.date == Some(date) || a.days.iter().any(|d| d == day))
            .collect();
        list.sort_by(|a, b| a.start.cmp(&b.start));
        list
    }

    /// Services grouped under the catalogue's categories, in catalogue order.
    pub fn services_by_category(&self) -> Vec<(ServiceCategory, Vec<&Service>)> {
        ServiceCategory::ALL
            .into_iter()
            .map(|c| {
                (
                    c,
                    self.services
                        .iter()
                        .filter(|s| s.category == c)
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, s)| !s.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
