//! The content bundle: what a center's kiosks show (its profile, services,
//! activities, contacts, announcements and an emergency notice), as the
//! `content.json` of a published content folder.
//!
//! The hub checks a bundle with [`Bundle::parse`] before it signs it, and a
//! kiosk checks it again before it shows it, so both refuse the same things
//! with the same words. Every text is in Chinese and English ([`Text`]).
//!
//! Fields added after the first kiosks shipped live inside the existing
//! objects, never at the top level (which older kiosks read strictly), so a
//! bundle with them is still shown by an older kiosk, without them.

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use crate::catalog::ServiceCategory;

/// The bundle format this crate reads and writes.
pub const FORMAT: u32 = 1;
/// The longest sign-up link: longer ones make a QR code too dense for a
/// cheap phone's camera at arm's length.
pub const MAX_LINK_CHARS: usize = 200;
/// Most activities that may carry a picture (each is kept decoded, scaled
/// down, in the kiosk's memory).
pub const MAX_ACTIVITY_PICTURES: usize = 16;
/// Longest center name, title, label or announcement, in characters.
pub const MAX_TEXT_CHARS: usize = 300;

/// Why a bundle cannot be shown, in words for the admin who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

fn invalid(msg: impl Into<String>) -> Invalid {
    Invalid(msg.into())
}

/// A text in both languages. A plain string in the file means "the same in
/// both"; a missing English falls back to the Chinese.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "TextRepr")]
pub struct Text {
    pub zh: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
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
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The text in English when asked and available, else in Chinese.
    pub fn get(&self, en: bool) -> &str {
        if en && !self.en.is_empty() {
            &self.en
        } else {
            &self.zh
        }
    }

    pub fn is_blank(&self) -> bool {
        self.zh.trim().is_empty() && self.en.trim().is_empty()
    }

    fn check(&self, what: &str) -> Result<(), Invalid> {
        for (lang, zh, s) in [("Chinese", "中文", &self.zh), ("English", "英文", &self.en)] {
            let n = s.chars().count();
            if n > MAX_TEXT_CHARS {
                return Err(invalid(format!(
                    "{what}：{zh}有 {n} 个字，最多 {MAX_TEXT_CHARS} 个 · {what}: the {lang} text is {n} characters; at most {MAX_TEXT_CHARS}"
                )));
            }
            if s.chars().any(|c| c.is_control() && c != '\n') {
                return Err(invalid(format!(
                    "{what}：{zh}里有控制字符，请重新输入 · {what}: the {lang} text holds control characters"
                )));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub format: u32,
    pub center: CenterProfile,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activities: Vec<Activity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub announcements: Vec<Announcement>,
    /// An urgent notice (a closure, a safety warning): shown in red above
    /// everything, on the home screen and in attract mode, until the next
    /// publish takes it away.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CenterProfile {
    pub name: Text,
    #[serde(default, skip_serializing_if = "Text::is_blank")]
    pub opening_hours: Text,
    /// A picture's file name in the content folder (PNG or JPEG).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// What the center is for (服务宗旨), a sentence or two.
    #[serde(default, skip_serializing_if = "Text::is_blank")]
    pub service_aims: Text,
    /// How a youth gets a service (服务流程), step by step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_process: Vec<Text>,
}

/// A service the center offers. Only the category and title are needed;
/// the rest is what its page on the kiosk shows (服务流程、服务地点和服务
/// 时间). Every field after the title came later: older kiosks ignore them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub category: ServiceCategory,
    pub title: Text,
    /// What it is, a sentence or two.
    #[serde(default, skip_serializing_if = "Text::is_blank")]
    pub about: Text,
    /// Where: the room or desk.
    #[serde(default, skip_serializing_if = "Text::is_blank")]
    pub place: Text,
    /// When, in words ("周一至周五 14:00–17:00"); none: the center's hours.
    #[serde(default, skip_serializing_if = "Text::is_blank")]
    pub hours: Text,
    /// How to get it, step by step; none: the center's service process.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Text>,
    /// Whom to ask (a desk, a role, a phone number: never a private person's name).
    #[serde(default, skip_serializing_if = "Text::is_blank")]
    pub ask: Text,
}

impl Service {
    pub fn new(category: ServiceCategory, title: Text) -> Service {
        Service {
            category,
            title,
            about: Text::default(),
            place: Text::default(),
            hours: Text::default(),
            steps: Vec::new(),
            ask: Text::default(),
        }
    }

    fn check(&self) -> Result<(), Invalid> {
        let name = &self.title.zh;
        if name.trim().is_empty() {
            return Err(invalid(format!(
                "有一项服务没有填写中文名称（英文名称为 {:?}） · a service needs its title in Chinese (the English one is {:?})",
                self.title.en, self.title.en
            )));
        }
        self.title
            .check(&format!("服务“{name}”的名称 · service {name:?}: the title"))?;
        self.about.check(&format!(
            "服务“{name}”的介绍 · service {name:?}: what it is"
        ))?;
        self.place
            .check(&format!("服务“{name}”的地点 · service {name:?}: the place"))?;
        self.hours
            .check(&format!("服务“{name}”的时间 · service {name:?}: the hours"))?;
        self.ask.check(&format!(
            "服务“{name}”的咨询方式 · service {name:?}: whom to ask"
        ))?;
        for (i, step) in self.steps.iter().enumerate() {
            step.check(&format!(
                "服务“{name}”的第 {} 步 · service {name:?}: step {}",
                i + 1,
                i + 1
            ))?;
        }
        Ok(())
    }
}

/// The services and service process a city, county or town publishes for
/// every center below it (统一的基本服务项目和服务流程), as its
/// `services.json` beside its `content.json`: a file of its own, so kiosks
/// that read region bundles strictly, from before it, still read the rest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegionServices {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_process: Vec<Text>,
}

impl RegionServices {
    pub fn parse(json: &str) -> Result<RegionServices, Invalid> {
        let s: RegionServices = serde_json::from_str(json).map_err(|e| {
            invalid(format!(
                "services.json 无法读取 · the region's services.json cannot be read: {e}"
            ))
        })?;
        s.validate()?;
        Ok(s)
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        for s in &self.services {
            s.check()?;
        }
        check_process(&self.service_process)
    }

    pub fn is_empty(&self) -> bool {
        self.services.is_empty() && self.service_process.is_empty()
    }
}

fn check_process(steps: &[Text]) -> Result<(), Invalid> {
    for (i, step) in steps.iter().enumerate() {
        step.check(&format!(
            "服务流程第 {} 步 · step {} of the service process",
            i + 1,
            i + 1
        ))?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// The hub's stable id for the activity, given at its first publish and
    /// kept by the editor: sign-ups, check-ins and the hub's counts refer
    /// to it. Absent in content written by hand before it was published.
    /// (Kiosks before this field ignore it.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub title: Text,
    pub category: ServiceCategory,
    /// Weekly days it recurs on: "mon" … "sun".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<String>,
    /// A one-off date, `YYYY-MM-DD`, instead of (or beside) `days`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// `HH:MM`.
    pub start: String,
    pub end: String,
    pub place: Text,
    /// Places, when they are limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u32>,
    /// Where to sign up (http or https); the kiosk shows it as a QR code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signup_url: Option<String>,
    /// A picture's file name in the content folder (PNG or JPEG), shown
    /// with the activity in attract mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Part of the center's study club (学习社), which the yardsticks count.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub study_club: bool,
    /// A room's slot that members book (活动室, 咨询室 …), not an activity
    /// held: the title names the room, the days or date and times the
    /// slot, the capacity how many may book it (one when not given).
    /// Booked like an activity, never counted as one. (Kiosks before this
    /// field show it as an activity.)
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub room: bool,
}

/// The longest activity id.
pub const MAX_ACTIVITY_ID: usize = 32;

/// Whether `id` may be an activity's id: 1 to [`MAX_ACTIVITY_ID`] ASCII
/// letters, digits and dashes.
pub fn is_activity_id(id: &str) -> bool {
    (1..=MAX_ACTIVITY_ID).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub label: Text,
    pub value: Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Announcement {
    pub text: Text,
    /// First day shown (the center's own date); none: from publishing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Last day shown; none: until the next publish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
}

impl Announcement {
    /// Whether it is shown on `date` (the center's local date).
    pub fn shown_on(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= date) && self.until.is_none_or(|u| date <= u)
    }
}

pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

pub fn weekday_code(d: Weekday) -> &'static str {
    DAYS[d.num_days_from_monday() as usize]
}

/// A picture's name in a bundle must be a plain file name in the content
/// folder: nothing that could reach outside it.
pub fn check_picture_name(name: &str) -> Result<(), Invalid> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "图片文件名 {name:?} 只能用字母、数字和 . - _ · picture {name:?} must be a plain file name in the content folder (letters, digits, . - _)"
        )))
    }
}

/// A sign-up link a kiosk may show as a QR code: http(s), short enough to
/// scan, no spaces or control characters.
pub fn check_link(url: &str) -> Result<(), Invalid> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            invalid(format!(
                "链接 {url:?} 应以 https:// 或 http:// 开头 · the link {url:?} must start with https:// or http://"
            ))
        })?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(invalid(format!(
            "链接 {url:?} 缺少网站地址 · the link {url:?} names no site"
        )));
    }
    if url.chars().count() > MAX_LINK_CHARS {
        return Err(invalid(format!(
            "链接有 {n} 个字符，最多 {MAX_LINK_CHARS} 个，否则二维码太密、手机扫不出 · the link is {n} characters; at most {MAX_LINK_CHARS}, or its QR code is too dense to scan",
            n = url.chars().count()
        )));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(format!(
            "链接 {url:?} 里有空格 · the link {url:?} holds spaces"
        )));
    }
    Ok(())
}

fn check_activities(activities: &[Activity]) -> Result<(), Invalid> {
    let mut ids = std::collections::HashSet::new();
    for a in activities {
        let name = &a.title.zh;
        if name.trim().is_empty() {
            return Err(invalid(format!(
                "有一个活动没有填写中文名称（英文名称为 {:?}） · an activity needs its title in Chinese (the English one is {:?})",
                a.title.en, a.title.en
            )));
        }
        if let Some(id) = &a.id {
            if !is_activity_id(id) {
                return Err(invalid(format!(
                    "活动“{name}”的编号 {id:?} 不对：应为 1 到 {MAX_ACTIVITY_ID} 个字母、数字或连字符 · activity {name:?}: its id {id:?} is not 1 to {MAX_ACTIVITY_ID} letters, digits or dashes"
                )));
            }
            if !ids.insert(id.as_str()) {
                return Err(invalid(format!(
                    "活动“{name}”的编号 {id:?} 与另一个活动重复 · activity {name:?}: the id {id:?} is given to two activities"
                )));
            }
        }
        a.title.check(&format!("activity {name:?}"))?;
        a.place.check(&format!("activity {name:?}: the place"))?;
        let (Some(start), Some(end)) = (parse_time(&a.start), parse_time(&a.end)) else {
            return Err(invalid(format!(
                "活动“{name}”的开始、结束时间请写成 时:分（如 19:00），现在是 {:?} 至 {:?} · activity {name:?}: times must be HH:MM (got {:?} to {:?})",
                a.start, a.end, a.start, a.end
            )));
        };
        if end <= start {
            return Err(invalid(format!(
                "活动“{name}”的结束时间（{}）早于开始时间（{}） · activity {name:?}: it ends ({}) before it starts ({})",
                a.end, a.start, a.end, a.start
            )));
        }
        if let Some(d) = a.days.iter().find(|d| !DAYS.contains(&d.as_str())) {
            return Err(invalid(format!(
                "活动“{name}”的重复日 {d:?} 不是星期一至星期日之一 · activity {name:?}: day {d:?} is not one of mon…sun"
            )));
        }
        if a.days.is_empty() && a.date.is_none() {
            return Err(invalid(format!(
                "活动“{name}”请选择每周重复的日子，或填写举办的日期 · activity {name:?}: give the days it recurs on or its date"
            )));
        }
        if a.capacity == Some(0) {
            return Err(invalid(format!(
                "活动“{name}”的名额为 0，谁也报不了名；不限名额请留空 · activity {name:?}: a capacity of 0 leaves no place; leave it out when places are not limited"
            )));
        }
        if let Some(url) = &a.signup_url {
            check_link(url).map_err(|e| {
                invalid(format!(
                    "活动“{name}”的报名链接有误 · activity {name:?}: {e}"
                ))
            })?;
        }
        if let Some(p) = &a.picture {
            check_picture_name(p)
                .map_err(|e| invalid(format!("活动“{name}”的图片有误 · activity {name:?}: {e}")))?;
        }
    }
    let pictures = activities.iter().filter(|a| a.picture.is_some()).count();
    if pictures > MAX_ACTIVITY_PICTURES {
        return Err(invalid(format!(
            "有 {pictures} 个活动带图片，最多 {MAX_ACTIVITY_PICTURES} 个 · {pictures} activities have pictures; at most {MAX_ACTIVITY_PICTURES} may"
        )));
    }
    Ok(())
}

fn check_announcements(announcements: &[Announcement]) -> Result<(), Invalid> {
    for a in announcements {
        a.text.check("an announcement")?;
        if let (Some(f), Some(u)) = (a.from, a.until)
            && u < f
        {
            return Err(invalid(format!(
                "通知“{}”的结束日期（{u}）早于开始日期（{f}） · announcement {:?}: shown until {u}, before it starts on {f}",
                a.text.zh, a.text.zh
            )));
        }
    }
    Ok(())
}

fn check_emergency(e: Option<&Text>) -> Result<(), Invalid> {
    if let Some(e) = e {
        if e.zh.trim().is_empty() {
            return Err(invalid(
                "紧急通知没有中文内容；不需要时请整个留空 · the emergency notice is empty; leave it out to show none",
            ));
        }
        e.check("the emergency notice")?;
    }
    Ok(())
}

/// What a city, county or town publishes for every center below it: a
/// notice, an emergency (a typhoon warning for the whole city), events of
/// its own. Each center's kiosks show it merged into the center's content
/// ([`Bundle::merge_region`]), signed by the level's own role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionBundle {
    pub format: u32,
    /// The level's name, e.g. 杭州市, as its notices are signed.
    pub name: Text,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activities: Vec<Activity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub announcements: Vec<Announcement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency: Option<Text>,
}

impl RegionBundle {
    pub fn parse(json: &str) -> Result<RegionBundle, Invalid> {
        let b: RegionBundle = serde_json::from_str(json).map_err(|e| {
            invalid(format!(
                "本级内容的格式不对，无法读取 · the region's content.json cannot be read: {e}"
            ))
        })?;
        b.validate()?;
        Ok(b)
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        if self.format != FORMAT {
            return Err(invalid(format!(
                "内容格式版本 {} 本机不支持（应为 {FORMAT}），请更新签到机软件 · content format {} is not supported (expected {FORMAT})",
                self.format, self.format
            )));
        }
        if self.name.zh.trim().is_empty() {
            return Err(invalid(
                "请填写本级名称 · the region's name (name) is empty",
            ));
        }
        self.name.check("the region's name")?;
        check_activities(&self.activities)?;
        check_announcements(&self.announcements)?;
        check_emergency(self.emergency.as_ref())
    }
}

fn parse_time(t: &str) -> Option<NaiveTime> {
    if t.len() != 5 {
        return None;
    }
    NaiveTime::parse_from_str(t, "%H:%M").ok()
}

impl Bundle {
    /// Reads and checks a `content.json`.
    pub fn parse(json: &str) -> Result<Bundle, Invalid> {
        let b: Bundle = serde_json::from_str(json).map_err(|e| {
            invalid(format!(
                "内容的格式不对，无法读取 · content.json cannot be read: {e}"
            ))
        })?;
        b.validate()?;
        Ok(b)
    }

    /// The pictures the bundle names, each a file of its folder, once each.
    pub fn pictures(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.center.logo.iter().map(String::as_str).collect();
        for p in self.activities.iter().filter_map(|a| a.picture.as_deref()) {
            if !names.contains(&p) {
                names.push(p);
            }
        }
        names
    }

    /// Everything a kiosk would refuse, said for the admin who wrote it.
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.format != FORMAT {
            return Err(invalid(format!(
                "内容格式版本 {} 本机不支持（应为 {FORMAT}），请更新签到机软件 · content format {} is not supported (expected {FORMAT})",
                self.format, self.format
            )));
        }
        let c = &self.center;
        if c.name.zh.trim().is_empty() {
            return Err(invalid(
                "请填写中心名称 · the center's name (center.name) is empty",
            ));
        }
        c.name.check("the center's name")?;
        c.opening_hours.check("the opening hours")?;
        c.service_aims.check("the service aims")?;
        check_process(&c.service_process)?;
        if let Some(logo) = &c.logo {
            check_picture_name(logo)?;
        }
        for s in &self.services {
            s.check()?;
        }
        check_activities(&self.activities)?;
        for c in &self.contacts {
            c.label.check("a contact")?;
            c.value.check("a contact")?;
        }
        check_announcements(&self.announcements)?;
        check_emergency(self.emergency.as_ref())?;
        Ok(())
    }

    /// Adds what the levels above the center publish, nearest first (its
    /// town, county, city): their announcements after the center's own,
    /// their activities beside its own, and every emergency notice, the
    /// widest level's first (a city-wide warning leads the bar).
    pub fn merge_regions(&mut self, regions: &[RegionBundle]) {
        self.merge_regions_with(regions, &[]);
    }

    /// [`Bundle::merge_regions`], and the services the levels publish
    /// (`services`, nearest first, one per level in `regions`' order or
    /// fewer): each level's services the center does not offer under the
    /// same category and title, widest level's first after the center's
    /// own, and the nearest level's service process when the center has
    /// none of its own.
    pub fn merge_regions_with(&mut self, regions: &[RegionBundle], services: &[RegionServices]) {
        for level in services.iter().rev() {
            for s in &level.services {
                let offered = self
                    .services
                    .iter()
                    .any(|o| o.category == s.category && o.title.zh == s.title.zh);
                if !offered {
                    self.services.push(s.clone());
                }
            }
        }
        if self.center.service_process.is_empty()
            && let Some(level) = services.iter().find(|l| !l.service_process.is_empty())
        {
            self.center.service_process = level.service_process.clone();
        }
        self.merge_regions_only(regions);
    }

    fn merge_regions_only(&mut self, regions: &[RegionBundle]) {
        let mut notices: Vec<&Text> = regions
            .iter()
            .rev()
            .filter_map(|r| r.emergency.as_ref())
            .collect();
        notices.extend(self.emergency.as_ref());
        let joined = |lang: fn(&Text) -> &str| -> String {
            notices
                .iter()
                .map(|t| lang(t).trim())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("　")
        };
        let emergency = (!notices.is_empty()).then(|| Text {
            zh: joined(|t| &t.zh),
            en: joined(|t| if t.en.trim().is_empty() { &t.zh } else { &t.en }),
        });
        for r in regions {
            self.announcements.extend(r.announcements.iter().cloned());
            self.activities.extend(r.activities.iter().cloned());
        }
        self.emergency = emergency;
    }

    /// Activities happening on `date`, by start time (rooms' slots are not
    /// activities: see [`Bundle::room_slots_on`]).
    pub fn activities_on(&self, date: NaiveDate) -> Vec<&Activity> {
        self.on(date, false)
    }

    /// Rooms' slots members may book on `date`, by start time.
    pub fn room_slots_on(&self, date: NaiveDate) -> Vec<&Activity> {
        self.on(date, true)
    }

    fn on(&self, date: NaiveDate, rooms: bool) -> Vec<&Activity> {
        let day = weekday_code(date.weekday());
        let mut list: Vec<&Activity> = self
            .activities
            .iter()
            .filter(|a| a.room == rooms)
            .filter(|a| a.date == Some(date) || a.days.iter().any(|d| d == day))
            .collect();
        list.sort_by(|a, b| a.start.cmp(&b.start));
        list
    }

    /// Announcements shown on `date`, in the bundle's order.
    pub fn announcements_on(&self, date: NaiveDate) -> impl Iterator<Item = &Announcement> {
        self.announcements.iter().filter(move |a| a.shown_on(date))
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
mod tests;
