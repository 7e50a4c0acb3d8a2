//! What each screen shows, as plain data: built from content, outcomes and
//! counts, and tested without a window. `ui::bind` copies it into Slint.

use chrono::{Datelike, NaiveDate, TimeZone, Weekday};
use chrono_tz::Tz;
use protocol::catalog::{AgeBand, ServiceCategory};

use crate::checkin::Outcome;
use crate::content::ContentBundle;
use crate::store::{DayStats, SyncStatus};

#[derive(Debug, Clone, PartialEq)]
pub struct HomeView {
    pub center_name: String,
    pub opening_hours: String,
    pub date_text: String,
    pub clock_text: String,
    pub announcement: String,
    /// (category title, its services joined)
    pub services: Vec<(String, String)>,
    /// (time, title, place)
    pub activities: Vec<(String, String, String)>,
    pub contacts: Vec<(String, String)>,
}

fn weekday_name(d: Weekday, en: bool) -> &'static str {
    let i = d.num_days_from_monday() as usize;
    if en {
        [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][i]
    } else {
        [
            "星期一",
            "星期二",
            "星期三",
            "星期四",
            "星期五",
            "星期六",
            "星期日",
        ][i]
    }
}

pub fn date_text(date: NaiveDate, en: bool) -> String {
    if en {
        format!(
            "{}, {}",
            weekday_name(date.weekday(), true),
            date.format("%-d %B %Y")
        )
    } else {
        format!(
            "{}年{}月{}日 {}",
            date.year(),
            date.month(),
            date.day(),
            weekday_name(date.weekday(), false)
        )
    }
}

pub fn home(bundle: &ContentBundle, en: bool, tz: Tz, now_ms: i64) -> HomeView {
    let now = tz.timestamp_millis_opt(now_ms).single();
    let date = now.map(|t| t.date_naive()).unwrap_or_default();
    let sep = if en { " · " } else { "、" };
    HomeView {
        center_name: bundle.center.name.get(en).to_string(),
        opening_hours: bundle.center.opening_hours.get(en).to_string(),
        date_text: date_text(date, en),
        clock_text: now
            .map(|t| t.format("%H:%M").to_string())
            .unwrap_or_default(),
        announcement: bundle
            .announcements
            .first()
            .map(|a| a.text.get(en).to_string())
            .unwrap_or_default(),
        services: bundle
            .services_by_category()
            .into_iter()
            .map(|(c, list)| {
                let title = if en { c.label_en() } else { c.label_zh() };
                let items: Vec<&str> = list.iter().map(|s| s.title.get(en)).collect();
                (title.to_string(), items.join(sep))
            })
            .collect(),
        activities: bundle
            .activities_on(date)
            .into_iter()
            .map(|a| {
                (
                    format!("{}–{}", a.start, a.end),
                    a.title.get(en).to_string(),
                    a.place.get(en).to_string(),
                )
            })
            .collect(),
        contacts: bundle
            .contacts
            .iter()
            .map(|c| (c.label.get(en).to_string(), c.value.get(en).to_string()))
            .collect(),
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultTone {
    Welcome,
    Repeat,
    Refused,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResultView {
    pub tone: ResultTone,
    pub headline: String,
    pub detail: String,
}

pub fn result(outcome: &Outcome, en: bool, local_time: &str) -> ResultView {
    match outcome {
        Outcome::Welcome { visitor: true, .. } => ResultView {
            tone: ResultTone::Welcome,
            headline: if en { "Welcome!" } else { "欢迎光临！" }.into(),
            detail: if en {
                "Your visit is counted. Enjoy your time here.".into()
            } else {
                "已登记来访，祝你今天愉快。".into()
            },
        },
        Outcome::Welcome { name, .. } => ResultView {
            tone: ResultTone::Welcome,
            headline: match (name, en) {
                (Some(n), true) => format!("Welcome, {n}!"),
                (Some(n), false) => format!("欢迎你，{n}！"),
                (None, true) => "Welcome!".into(),
                (None, false) => "欢迎你！".into(),
            },
            detail: if en {
                format!("You're checked in at {local_time}.")
            } else {
                format!("{local_time} 签到成功")
            },
        },
        Outcome::Repeat {
            name,
            previous_local_time,
        } => ResultView {
            tone: ResultTone::Repeat,
            headline: match (name, en) {
                (Some(n), true) => format!("{n}, you're already checked in"),
                (Some(n), false) => format!("{n}，你已经签到了"),
                (None, true) => "You're already checked in".into(),
                (None, false) => "你已经签到了".into(),
            },
            detail: if en {
                format!("You checked in at {previous_local_time}; this scan is not counted again.")
            } else {
                format!("你在 {previous_local_time} 已签到，这次不重复计数。")
            },
        },
        Outcome::Refused { reason } => ResultView {
            tone: ResultTone::Refused,
            headline: reason.headline(!en).into(),
            detail: reason.message(!en).into(),
        },
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StaffView {
    pub day_title: String,
    pub total: u64,
    pub members: u64,
    pub distinct_members: u64,
    pub visitors: u64,
    /// (hour label, count) for the hours a center is usually open, plus any
    /// other hour that had visits.
    pub by_hour: Vec<(String, u64)>,
    pub by_category: Vec<(String, u64)>,
    pub sync_text: String,
    pub sync_ok: bool,
}

fn hhmm(tz: Tz, ms: i64) -> String {
    tz.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%H:%M").to_string())
        .unwrap_or_default()
}

fn day_and_time(tz: Tz, ms: i64, today: NaiveDate, en: bool) -> String {
    match tz.timestamp_millis_opt(ms).single() {
        Some(t) if t.date_naive() == today => t.format("%H:%M").to_string(),
        Some(t) if en => t.format("%-d %b %H:%M").to_string(),
        Some(t) => format!("{}月{}日 {}", t.month(), t.day(), t.format("%H:%M")),
        None => String::new(),
    }
}

pub fn sync_text(status: &SyncStatus, tz: Tz, now_ms: i64, en: bool) -> (String, bool) {
    let today = tz
        .timestamp_millis_opt(now_ms)
        .single()
        .map(|t| t.date_naive())
        .unwrap_or_default();
    if !status.enrolled {
        return (
            if en {
                format!(
                    "Not connected to a hub yet: {} check-ins are kept here. Run `kiosk enroll` to connect.",
                    status.events_waiting
                )
            } else {
                format!(
                    "本机尚未连接平台，{} 条记录保存在本机。请运行 kiosk enroll 完成连接。",
                    status.events_waiting
                )
            },
            false,
        );
    }
    if status.events_waiting == 0 {
        let when = status
            .last_sync_ok_ms
            .map(|ms| day_and_time(tz, ms, today, en))
            .unwrap_or_default();
        return (
            if en {
                format!("All check-ins uploaded (last contact with the hub {when})")
            } else {
                format!("全部已上传（最近同步 {when}）")
            },
            true,
        );
    }
    let since = status
        .oldest_waiting_at_ms
        .map(|ms| day_and_time(tz, ms, today, en))
        .unwrap_or_default();
    let why = status.last_sync_error.clone().unwrap_or_else(|| {
        if en {
            "uploading soon".into()
        } else {
            "即将上传".into()
        }
    });
    let ok = status.last_sync_error.is_none();
    (
        if en {
            format!(
                "{} waiting since {since} — {why}. Nothing is lost; {} when the hub is back.",
                if status.events_waiting == 1 {
                    "1 check-in".to_string()
                } else {
                    format!("{} check-ins", status.events_waiting)
                },
                if status.events_waiting == 1 {
                    "it uploads"
                } else {
                    "they upload"
                }
            )
        } else {
            format!(
                "{} 条签到自 {since} 起等待上传：{why}。记录不会丢失，连上平台后自动上传。",
                status.events_waiting
            )
        },
        ok,
    )
}

pub fn staff(stats: &DayStats, status: &SyncStatus, tz: Tz, now_ms: i64, en: bool) -> StaffView {
    let date = tz
        .timestamp_millis_opt(now_ms)
        .single()
        .map(|t| t.date_naive())
        .unwrap_or_default();
    let by_hour = (0..24usize)
        .filter(|h| (8..=21).contains(h) || stats.by_hour[*h] > 0)
        .map(|h| (format!("{h}"), stats.by_hour[h]))
        .collect();
    let (sync_text, sync_ok) = sync_text(status, tz, now_ms, en);
    StaffView {
        day_title: if en {
            format!("Today · {}", date_text(date, true))
        } else {
            format!("今日签到 · {}", date_text(date, false))
        },
        total: stats.total,
        members: stats.members,
        distinct_members: stats.distinct_members,
        visitors: stats.visitors,
        by_hour,
        by_category: stats
            .by_category
            .iter()
            .map(|(c, n)| {
                (
                    (if en { c.label_en() } else { c.label_zh() }).to_string(),
                    *n,
                )
            })
            .collect(),
        sync_text,
        sync_ok,
    }
}

/// `HH:MM` now, for the result card.
pub fn local_time(tz: Tz, now_ms: i64) -> String {
    hhmm(tz, now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkin::Refusal;

    const NOW: i64 = 1_795_483_800_000; // Tuesday 2026-11-24 09:30 Shanghai

    #[test]
    fn home_shows_todays_activities_and_grouped_services_in_both_languages() {
        let b = ContentBundle::builtin().expect("bundle");
        let zh = home(&b, false, chrono_tz::Asia::Shanghai, NOW);
        assert_eq!(zh.center_name, "城东街道青年之家");
        assert_eq!(zh.clock_text, "09:30");
        assert_eq!(zh.date_text, "2026年11月24日 星期二");
        assert_eq!(zh.services.len(), 12);
        assert_eq!(zh.services[1].0, "基础团务");
        assert!(zh.services[1].1.contains("团员报到、"));
        assert_eq!(zh.activities.len(), 2);
        assert_eq!(zh.activities[0].0, "16:30–18:00");
        let en = home(&b, true, chrono_tz::Asia::Shanghai, NOW);
        assert_eq!(en.center_name, "Chengdong Street Youth Home");
        assert_eq!(en.date_text, "Tuesday, 24 November 2026");
        assert!(en.activities[1].1.starts_with("Study club"));
    }

    #[test]
    fn results_greet_by_display_name_and_explain_refusals() {
        let w = Outcome::Welcome {
            name: Some("林同学".into()),
            seq: 1,
            visitor: false,
        };
        assert_eq!(result(&w, false, "09:30").headline, "欢迎你，林同学！");
        assert_eq!(
            result(&w, true, "09:30").detail,
            "You're checked in at 09:30."
        );
        let r = result(&Outcome::refused(Refusal::Expired), false, "");
        assert_eq!(
            (r.tone, r.headline.as_str()),
            (ResultTone::Refused, "二维码已过期")
        );
        assert!(r.detail.contains("刷新"));
        let rep = Outcome::Repeat {
            name: None,
            previous_local_time: "08:05".into(),
        };
        assert!(result(&rep, true, "").detail.contains("08:05"));
    }

    #[test]
    fn sync_text_says_what_waits_and_why() {
        let tz = chrono_tz::Asia::Shanghai;
        let mut s = SyncStatus {
            enrolled: true,
            last_seq: 10,
            acked_seq: 10,
            last_sync_ok_ms: Some(NOW - 60_000),
            ..SyncStatus::default()
        };
        let (text, ok) = sync_text(&s, tz, NOW, true);
        assert!(ok && text.contains("09:29"), "{text}");
        s.last_seq = 322;
        s.events_waiting = 312;
        s.oldest_waiting_at_ms = Some(NOW - 3 * 86_400_000);
        s.last_sync_error = Some("the hub cannot be reached (dns error)".into());
        let (text, ok) = sync_text(&s, tz, NOW, true);
        assert!(!ok);
        let one = SyncStatus {
            events_waiting: 1,
            ..s.clone()
        };
        assert!(
            sync_text(&one, tz, NOW, true)
                .0
                .starts_with("1 check-in waiting")
        );
        assert!(
            text.starts_with("312 check-ins waiting since 21 Nov"),
            "{text}"
        );
        assert!(text.contains("dns"), "{text}");
        let (text, _) = sync_text(&s, tz, NOW, false);
        assert!(text.contains("11月21日"), "{text}");
    }

    #[test]
    fn staff_view_keeps_opening_hours_and_any_busy_hour() {
        let mut stats = DayStats::default();
        stats.by_hour[6] = 2;
        stats.by_hour[9] = 5;
        let v = staff(
            &stats,
            &SyncStatus::default(),
            chrono_tz::Asia::Shanghai,
            NOW,
            false,
        );
        assert_eq!(v.by_hour.first(), Some(&("6".to_string(), 2)));
        assert_eq!(v.by_hour.len(), 15);
        assert!(v.by_hour.contains(&("9".to_string(), 5)));
    }
}
