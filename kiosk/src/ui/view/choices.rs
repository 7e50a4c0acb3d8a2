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

pub fn purpose_choices(en: bool) -> Vec<(String, String)> {
    ServiceCategory::ALL
        .into_iter()
        .map(|c| {
            (
                c.code().to_string(),
                if en { c.label_en() } else { c.label_zh() }.to_string(),
            )
        })
        .collect()
}
