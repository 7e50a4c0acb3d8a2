//! The choices a youth taps: visitors' age bands and purposes, volunteers' shifts.

use super::*;

/// One thing a volunteer can start a shift for on the volunteer page.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftChoice {
    /// What the button says, in the screen's language, with the time.
    pub label: String,
    /// What is recorded: the activity's Chinese title (empty: general duty).
    pub activity: String,
    pub category: Option<ServiceCategory>,
}

/// Today's activities, by start time, then general duty at the center.
pub fn shift_choices(bundle: &ContentBundle, en: bool, tz: Tz, now_ms: i64) -> Vec<ShiftChoice> {
    let date = tz
        .timestamp_millis_opt(now_ms)
        .single()
        .map(|t| t.date_naive())
        .unwrap_or_default();
    bundle
        .activities_on(date)
        .into_iter()
        .map(|a| ShiftChoice {
            label: format!("{} {}", a.start, a.title.get(en)),
            activity: a.title.zh.clone(),
            category: Some(a.category),
        })
        .chain(std::iter::once(ShiftChoice {
            label: if en {
                "General duty at the center"
            } else {
                "日常值班"
            }
            .into(),
            activity: String::new(),
            category: None,
        }))
        .collect()
}

/// What the volunteer page says while it waits for the scan.
pub fn shift_prompt(choice: Option<&ShiftChoice>, en: bool) -> String {
    match (choice, en) {
        (Some(c), true) => format!("Starting: {}", c.label),
        (Some(c), false) => format!("上岗：{}", c.label),
        (None, true) => "Ending my shift".into(),
        (None, false) => "结束服务，签退".into(),
    }
}

/// (code, label) pairs for the visitor page.
pub fn age_band_choices(en: bool) -> Vec<(String, String)> {
    AgeBand::ALL
        .into_iter()
        .map(|b| {
            (
                b.code().to_string(),
                if en { b.label_en() } else { b.label_zh() }.to_string(),
            )
        })
        .collect()
}

/// What a visitor came to do, in youths' own words, with its icon (an SVG
/// path on a 48×48 box) and the service category it counts under. One
/// purpose a category, most asked first.
pub struct Purpose {
    pub category: ServiceCategory,
    pub zh: &'static str,
    pub en: &'static str,
    pub icon: &'static str,
}

pub const PURPOSES: [Purpose; 12] = [
    Purpose {
        category: ServiceCategory::CultureLearning,
        zh: "自习 / 看书",
        en: "Study or read",
        icon: "M24 13c-4-3-10-4-17-3v26c7-1 13 0 17 3c4-3 10-4 17-3V10c-7-1-13 0-17 3zM24 13v26",
    },
    Purpose {
        category: ServiceCategory::Sports,
        zh: "打球 / 健身",
        en: "Sports or a workout",
        icon: "M8 24a16 16 0 1 0 32 0a16 16 0 1 0 -32 0M8 24h32M24 8c-6 5-6 27 0 32M24 8c6 5 6 27 0 32",
    },
    Purpose {
        category: ServiceCategory::Featured,
        zh: "参加活动",
        en: "An activity",
        icon: "M11 11h26a3 3 0 0 1 3 3v23a3 3 0 0 1 -3 3h-26a3 3 0 0 1 -3 -3v-23a3 3 0 0 1 3 -3zM8 19h32M16 7v8M32 7v8M18 29l4 4 8-8",
    },
    Purpose {
        category: ServiceCategory::Leisure,
        zh: "随便看看",
        en: "Just looking",
        icon: "M4 24c5-9 12-14 20-14s15 5 20 14c-5 9-12 14-20 14S9 33 4 24zM18 24a6 6 0 1 0 12 0a6 6 0 1 0 -12 0",
    },
    Purpose {
        category: ServiceCategory::LifeServices,
        zh: "上网 / 充电 / 歇脚",
        en: "Wi-Fi, charging, a rest",
        icon: "M8 19c9-8 23-8 32 0M13 25c6-5 16-5 22 0M18 31c3-3 9-3 12 0M22.5 37a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0 -3 0",
    },
    Purpose {
        category: ServiceCategory::Employment,
        zh: "求职 / 创业咨询",
        en: "Jobs or a start-up",
        icon: "M10 15h28a3 3 0 0 1 3 3v18a3 3 0 0 1 -3 3h-28a3 3 0 0 1 -3 -3v-18a3 3 0 0 1 3 -3zM18 15v-4a2 2 0 0 1 2-2h8a2 2 0 0 1 2 2v4M7 25h34",
    },
    Purpose {
        category: ServiceCategory::RightsProtection,
        zh: "心理 / 法律咨询",
        en: "Someone to talk to, legal help",
        icon: "M8 10h32v22H20l-8 7v-7H8zM24 27c-5-3-8-6-6-9 1-2 4-2 6 1 2-3 5-3 6-1 2 3-1 6-6 9z",
    },
    Purpose {
        category: ServiceCategory::LeagueAffairs,
        zh: "办理团务",
        en: "League matters",
        icon: "M12 42V7M12 9h24l-5 7 5 7H12",
    },
    Purpose {
        category: ServiceCategory::PublicService,
        zh: "做志愿者",
        en: "Volunteering",
        icon: "M24 40S8 30 8 19a8 8 0 0 1 16-3 8 8 0 0 1 16 3c0 11-16 21-16 21z",
    },
    Purpose {
        category: ServiceCategory::VenueUse,
        zh: "借用场地",
        en: "Use a room",
        icon: "M12 42V8h24v34M6 42h36M28.5 26a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0 -3 0",
    },
    Purpose {
        category: ServiceCategory::IdeologicalGuidance,
        zh: "听讲座 / 学习",
        en: "A talk or lecture",
        icon: "M24 6a6 6 0 0 1 6 6v8a6 6 0 0 1 -12 0v-8a6 6 0 0 1 6 -6zM11 22a13 13 0 0 0 26 0M24 35v7M17 42h14",
    },
    Purpose {
        category: ServiceCategory::ResourceIntegration,
        zh: "找合作 / 资源",
        en: "Partners, resources",
        icon: "M11 18h8a6 6 0 0 1 0 12h-8a6 6 0 0 1 0 -12zM29 18h8a6 6 0 0 1 0 12h-8a6 6 0 0 1 0 -12z",
    },
];

/// (category code, words, icon) for the visitor page's second step.
pub fn purpose_choices(en: bool) -> Vec<(String, String, String)> {
    PURPOSES
        .iter()
        .map(|p| {
            (
                p.category.code().to_string(),
                if en { p.en } else { p.zh }.to_string(),
                p.icon.to_string(),
            )
        })
        .collect()
}
