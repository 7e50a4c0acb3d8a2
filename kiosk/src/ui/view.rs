//! What each screen shows, as plain data: built from content, outcomes and
//! counts, and tested without a window. `ui::bind` copies it into Slint.

use chrono::{Datelike, NaiveDate, TimeZone, Weekday};
use chrono_tz::Tz;
use protocol::catalog::{AgeBand, ServiceCategory};

use crate::checkin::{Outcome, RepeatOf, ShiftChange};
use crate::content::ContentBundle;
use crate::store::{DayEntry, DayStats, SyncStatus, Who};
use protocol::wire::VoidReason;

#[derive(Debug, Clone, PartialEq)]
pub struct HomeView {
    pub center_name: String,
    pub opening_hours: String,
    pub date_text: String,
    pub clock_text: String,
    pub announcement: String,
    /// The urgent notice, empty when there is none.
    pub emergency: String,
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
            .announcements_on(date)
            .next()
            .map(|a| a.text.get(en).to_string())
            .unwrap_or_default(),
        emergency: bundle
            .emergency
            .as_ref()
            .map(|t| t.get(en).trim().to_string())
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
                    place_and_places(a, en),
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

/// An activity's place, with its places when they are limited.
fn place_and_places(a: &crate::content::Activity, en: bool) -> String {
    let place = a.place.get(en);
    match (a.capacity, en) {
        (None, _) => place.to_string(),
        (Some(n), true) => format!("{place} · {n} places"),
        (Some(n), false) => format!("{place} · 限 {n} 人"),
    }
}

/// One page of attract mode: a tag line (when, or what kind), a title, a
/// detail, and a link shown as a QR code (empty: none).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Slide {
    pub tag: String,
    pub title: String,
    pub detail: String,
    pub link: String,
    /// An activity's picture, by file name (empty: none).
    pub picture: String,
}

/// At most this many slides go round, so each comes back within a few minutes.
pub const MAX_SLIDES: usize = 8;

/// What attract mode shows, in order: the announcements, the activities still
/// to come today (or on now), then tomorrow's. With nothing to announce, the
/// center itself.
pub fn attract(bundle: &ContentBundle, en: bool, tz: Tz, now_ms: i64) -> Vec<Slide> {
    let now = tz.timestamp_millis_opt(now_ms).single();
    let date = now.map(|t| t.date_naive()).unwrap_or_default();
    let time = now
        .map(|t| t.format("%H:%M").to_string())
        .unwrap_or_default();
    let mut slides: Vec<Slide> = bundle
        .announcements_on(date)
        .map(|a| Slide {
            tag: if en { "Notice" } else { "通知" }.into(),
            title: a.text.get(en).to_string(),
            ..Slide::default()
        })
        .collect();
    let c = &bundle.center;
    if !c.service_aims.is_blank() || !c.service_process.is_empty() {
        let steps: Vec<&str> = c.service_process.iter().map(|t| t.get(en)).collect();
        slides.push(Slide {
            tag: if en {
                "How we serve you"
            } else {
                "服务宗旨与流程"
            }
            .into(),
            title: c.service_aims.get(en).to_string(),
            detail: steps.join(" → "),
            ..Slide::default()
        });
    }
    let link = |a: &crate::content::Activity| a.signup_url.clone().unwrap_or_default();
    let picture = |a: &crate::content::Activity| a.picture.clone().unwrap_or_default();
    // "HH:MM" strings compare in time order.
    for a in bundle
        .activities_on(date)
        .into_iter()
        .filter(|a| a.end.as_str() > time.as_str())
    {
        let on_now = a.start.as_str() <= time.as_str();
        let tag = match (on_now, en) {
            (true, true) => format!("On now, until {}", a.end),
            (true, false) => format!("正在进行 · 至 {}", a.end),
            (false, true) => format!("Today {}–{}", a.start, a.end),
            (false, false) => format!("今天 {}–{}", a.start, a.end),
        };
        slides.push(Slide {
            tag,
            title: a.title.get(en).to_string(),
            detail: place_and_places(a, en),
            link: link(a),
            picture: picture(a),
        });
    }
    if let Some(tomorrow) = date.succ_opt() {
        for a in bundle.activities_on(tomorrow) {
            let tag = if en {
                format!("Tomorrow {}–{}", a.start, a.end)
            } else {
                format!("明天 {}–{}", a.start, a.end)
            };
            slides.push(Slide {
                tag,
                title: a.title.get(en).to_string(),
                detail: place_and_places(a, en),
                link: link(a),
                picture: picture(a),
            });
        }
    }
    slides.truncate(MAX_SLIDES);
    if slides.is_empty() {
        slides.push(Slide {
            tag: if en { "Welcome" } else { "欢迎" }.into(),
            title: bundle.center.name.get(en).to_string(),
            detail: bundle.center.opening_hours.get(en).to_string(),
            ..Slide::default()
        });
    }
    slides
}

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
            previous_local_time: at,
            of,
        } => {
            let n = name.as_deref();
            let (headline, detail) = match (of, en) {
                (RepeatOf::CheckIn, true) => (
                    greet_en(n, "you're already checked in"),
                    format!("You checked in at {at}; this scan is not counted again."),
                ),
                (RepeatOf::CheckIn, false) => (
                    greet_zh(n, "你已经签到了"),
                    format!("你在 {at} 已签到，这次不重复计数。"),
                ),
                (RepeatOf::ShiftStart, true) => (
                    greet_en(n, "your shift has already started"),
                    format!("Your shift started at {at}. Scan \"End my shift\" when you leave."),
                ),
                (RepeatOf::ShiftStart, false) => (
                    greet_zh(n, "你已经上岗了"),
                    format!("你在 {at} 已上岗签到，离开时请选择“结束服务”再扫一次。"),
                ),
                (RepeatOf::ShiftEnd, true) => (
                    greet_en(n, "your shift has already ended"),
                    format!("Your shift ended at {at}; it is not recorded again."),
                ),
                (RepeatOf::ShiftEnd, false) => (
                    greet_zh(n, "你已经签退了"),
                    format!("你在 {at} 已签退，这次不重复记录。"),
                ),
            };
            ResultView {
                tone: ResultTone::Repeat,
                headline,
                detail,
            }
        }
        Outcome::Shift {
            name,
            change:
                ShiftChange::Started {
                    activity,
                    unclosed_since,
                },
            ..
        } => {
            let n = name.as_deref();
            let what = match (activity.is_empty(), en) {
                (true, true) => "general duty".to_string(),
                (true, false) => "日常值班".to_string(),
                (false, _) => activity.clone(),
            };
            let mut detail = if en {
                format!("Shift started at {local_time}: {what}. Thank you for volunteering!")
            } else {
                format!("{local_time} 上岗签到：{what}。感谢你的志愿服务！")
            };
            if let Some(since) = unclosed_since {
                detail.push_str(&if en {
                    format!(" Your shift from {since} was not ended; a staff member will check its hours.")
                } else {
                    format!("你 {since} 开始的服务没有签退，工作人员会核对时长。")
                });
            }
            ResultView {
                tone: ResultTone::Welcome,
                headline: if en {
                    greet_en(n, "your shift has started")
                } else {
                    greet_zh(n, "上岗签到成功")
                },
                detail,
            }
        }
        Outcome::Shift {
            name,
            change: ShiftChange::Ended { minutes },
            ..
        } => {
            let n = name.as_deref();
            let detail = match (minutes, en) {
                (Some(m), true) => format!(
                    "Shift ended at {local_time}: {} today. Thank you!",
                    duration_en(*m)
                ),
                (Some(m), false) => {
                    format!("{local_time} 签退，本次服务 {}。辛苦了！", duration_zh(*m))
                }
                (None, true) => format!(
                    "Shift ended at {local_time}. Your hours are counted with the start recorded at the center. Thank you!"
                ),
                (None, false) => {
                    format!("{local_time} 签退成功，服务时长按中心记录的上岗时间计算。辛苦了！")
                }
            };
            ResultView {
                tone: ResultTone::Welcome,
                headline: if en {
                    greet_en(n, "your shift has ended")
                } else {
                    greet_zh(n, "签退成功")
                },
                detail,
            }
        }
        Outcome::Refused { reason } => ResultView {
            tone: ResultTone::Refused,
            headline: reason.headline(!en).into(),
            detail: reason.message(!en).into(),
        },
    }
}

fn greet_en(name: Option<&str>, what: &str) -> String {
    match name {
        Some(n) => format!("{n}, {what}"),
        None => {
            let mut c = what.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}

fn greet_zh(name: Option<&str>, what: &str) -> String {
    match name {
        Some(n) => format!("{n}，{what}"),
        None => what.to_string(),
    }
}

fn duration_en(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

fn duration_zh(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} 分钟"),
        (h, 0) => format!("{h} 小时"),
        (h, m) => format!("{h} 小时 {m} 分钟"),
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
    /// Yesterday's and last week's same-day figure beside today's.
    pub total_note: String,
    pub members_note: String,
    pub visitors_note: String,
    pub volunteers_now: u64,
    pub entries: Vec<EntryView>,
    /// (today's activity with its time, visits during it).
    pub by_activity: Vec<(String, u64)>,
}

/// One of today's check-ins on the staff screen; display names only.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryView {
    pub seq: u64,
    pub time: String,
    pub who: String,
    /// Empty while it counts; else why and by whom it was voided.
    pub voided: String,
}

/// What the staff screen compares today with.
pub struct Earlier<'a> {
    pub yesterday: &'a DayStats,
    pub last_week: &'a DayStats,
}

/// Today's activities with the unix-ms window their visitors are counted
/// in: from half an hour before the start to the end.
pub fn activity_windows(
    bundle: &ContentBundle,
    tz: Tz,
    now_ms: i64,
    en: bool,
) -> Vec<(String, i64, i64)> {
    let Some(now) = tz.timestamp_millis_opt(now_ms).single() else {
        return Vec::new();
    };
    let date = now.date_naive();
    let at = |t: &str| {
        chrono::NaiveTime::parse_from_str(t, "%H:%M")
            .ok()
            .and_then(|t| tz.from_local_datetime(&date.and_time(t)).earliest())
            .map(|t| t.timestamp_millis())
    };
    bundle
        .activities_on(date)
        .into_iter()
        .filter_map(|a| {
            Some((
                format!("{} {}", a.start, a.title.get(en)),
                at(&a.start)? - 30 * 60_000,
                at(&a.end)?,
            ))
        })
        .collect()
}

fn compare(yesterday: u64, last_week: u64, weekday: Weekday, en: bool) -> String {
    if en {
        let day = &weekday_name(weekday, true)[..3];
        format!("yesterday {yesterday} · last {day} {last_week}")
    } else {
        let day = weekday_name(weekday, false).trim_start_matches("星期");
        format!("昨天 {yesterday} · 上周{day} {last_week}")
    }
}

fn entry(e: &DayEntry, tz: Tz, en: bool) -> EntryView {
    let who = match &e.who {
        Who::Member {
            member_id,
            display_name: Some(name),
        } => format!("{name} · {member_id}"),
        Who::Member {
            member_id,
            display_name: None,
        } => {
            if en {
                format!("Member {member_id}")
            } else {
                format!("会员 {member_id}")
            }
        }
        Who::Visitor { age_band, purpose } => {
            let age = age_band
                .map(|a| if en { a.label_en() } else { a.label_zh() })
                .unwrap_or_default();
            let purpose = purpose
                .map(|p| if en { p.label_en() } else { p.label_zh() })
                .unwrap_or_default();
            if en {
                format!("Visitor · {age} · {purpose}")
            } else {
                format!("访客 · {age} · {purpose}")
            }
        }
    };
    let voided = match &e.voided {
        None => String::new(),
        Some((reason, by)) if en => format!("Voided: {} ({by})", reason.label_en()),
        Some((reason, by)) => format!("已作废：{}（{by}）", reason.label_zh()),
    };
    EntryView {
        seq: e.seq,
        time: hhmm(tz, e.at_ms),
        who,
        voided,
    }
}

/// The title of the "void this check-in?" dialog.
pub fn void_title(e: &EntryView, en: bool) -> String {
    if en {
        format!("Void the check-in of {} at {}?", e.who, e.time)
    } else {
        format!("作废 {} {} 的签到？", e.time, e.who)
    }
}

/// (code, label) pairs for the void reasons.
pub fn void_reasons(en: bool) -> Vec<(String, String)> {
    VoidReason::ALL
        .into_iter()
        .map(|r| {
            (
                r.code().to_string(),
                if en { r.label_en() } else { r.label_zh() }.to_string(),
            )
        })
        .collect()
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
    let (text, ok) = upload_text(status, tz, now_ms, en);
    // What staff must call someone about comes first.
    let mut first = String::new();
    if let Some(p) = &status.config_problem {
        first += &if en {
            format!(
                "The settings file kiosk.toml cannot be used; running on the defaults ({p}). Call the technician. "
            )
        } else {
            format!("设置文件 kiosk.toml 无法使用，正以默认设置运行（{p}），请联系技术人员。")
        };
    }
    if let Some(d) = &status.damage {
        first += &if en {
            format!("The database was damaged: {d} ")
        } else {
            format!("本机数据库曾损坏：{d} ")
        };
    }
    if !first.is_empty() {
        let (text, _) = sync_text(
            &SyncStatus {
                config_problem: None,
                damage: None,
                ..status.clone()
            },
            tz,
            now_ms,
            en,
        );
        return (first + &text, false);
    }
    match status.free_bytes {
        Some(free) if free < crate::store::LOW_SPACE_BYTES => {
            let mb = free >> 20;
            let warning = if en {
                format!("Storage nearly full: {mb} MB left. Call the technician. ")
            } else {
                format!("存储空间将满：仅剩 {mb} MB，请联系技术人员。")
            };
            (warning + &text, false)
        }
        _ => (text, ok),
    }
}

fn upload_text(status: &SyncStatus, tz: Tz, now_ms: i64, en: bool) -> (String, bool) {
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

#[allow(clippy::too_many_arguments)]
pub fn staff(
    stats: &DayStats,
    earlier: &Earlier<'_>,
    entries: &[DayEntry],
    by_activity: Vec<(String, u64)>,
    status: &SyncStatus,
    tz: Tz,
    now_ms: i64,
    en: bool,
) -> StaffView {
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
        day_title: {
            let scope = match stats.hub_as_of_ms {
                Some(at) => {
                    let at = tz
                        .timestamp_millis_opt(at)
                        .single()
                        .map(|t| t.format("%H:%M").to_string())
                        .unwrap_or_default();
                    if en {
                        format!("whole center, hub {at}")
                    } else {
                        format!("全中心，{at} 同步")
                    }
                }
                None if en => "this kiosk".to_string(),
                None => "本机".to_string(),
            };
            if en {
                format!("Today · {} · {scope}", date_text(date, true))
            } else {
                format!("今日签到 · {} · {scope}", date_text(date, false))
            }
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
        total_note: compare(
            earlier.yesterday.total,
            earlier.last_week.total,
            date.weekday(),
            en,
        ),
        members_note: compare(
            earlier.yesterday.distinct_members,
            earlier.last_week.distinct_members,
            date.weekday(),
            en,
        ),
        visitors_note: compare(
            earlier.yesterday.visitors,
            earlier.last_week.visitors,
            date.weekday(),
            en,
        ),
        volunteers_now: stats.volunteers_on_site,
        entries: entries.iter().map(|e| entry(e, tz, en)).collect(),
        by_activity,
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
    fn attract_shows_announcements_then_what_is_still_to_come() {
        let b = ContentBundle::builtin().expect("bundle");
        let tz = chrono_tz::Asia::Shanghai;
        let zh = attract(&b, false, tz, NOW);
        let tags: Vec<&str> = zh.iter().map(|s| s.tag.as_str()).collect();
        // Tuesday 09:30: the notice, Tuesday's two activities, Wednesday's three.
        assert_eq!(
            tags,
            [
                "通知",
                "今天 16:30–18:00",
                "今天 19:00–20:30",
                "明天 14:00–16:00",
                "明天 16:30–18:00",
                "明天 19:00–21:00"
            ]
        );
        assert!(zh[0].title.starts_with("本周六下午"));
        assert_eq!(zh[1].detail, "多功能教室");
        // 17:00: the after-school class is on; 21:00: today's are over.
        let five_pm = NOW + 7 * 3_600_000 + 30 * 60_000;
        let en = attract(&b, true, tz, five_pm);
        assert_eq!(en[1].tag, "On now, until 18:00");
        assert!(en[1].title.starts_with("After-school class"));
        let nine_pm = NOW + 11 * 3_600_000 + 30 * 60_000;
        assert!(attract(&b, false, tz, nine_pm)[1].tag.starts_with("明天"));
        // Nothing to show: the center itself, never a blank screen.
        let mut empty = b.clone();
        empty.announcements.clear();
        empty.activities.clear();
        let only = attract(&empty, true, tz, NOW);
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].title, "Chengdong Street Youth Home");
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
            of: RepeatOf::CheckIn,
        };
        assert!(result(&rep, true, "").detail.contains("08:05"));
        assert_eq!(result(&rep, true, "").headline, "You're already checked in");
    }

    #[test]
    fn volunteers_hear_how_their_shift_went() {
        let started = Outcome::Shift {
            name: Some("林同学".into()),
            seq: 3,
            change: ShiftChange::Started {
                activity: "四点半课堂".into(),
                unclosed_since: Some("09:00".into()),
            },
        };
        let v = result(&started, false, "16:25");
        assert_eq!(
            (v.tone, v.headline.as_str()),
            (ResultTone::Welcome, "林同学，上岗签到成功")
        );
        assert!(
            v.detail.contains("16:25") && v.detail.contains("四点半课堂"),
            "{}",
            v.detail
        );
        assert!(
            v.detail.contains("09:00"),
            "the unclosed shift is said: {}",
            v.detail
        );
        let general = Outcome::Shift {
            name: None,
            seq: 4,
            change: ShiftChange::Started {
                activity: String::new(),
                unclosed_since: None,
            },
        };
        let v = result(&general, true, "09:00");
        assert_eq!(v.headline, "Your shift has started");
        assert!(v.detail.contains("general duty"), "{}", v.detail);
        let ended = Outcome::Shift {
            name: Some("Sam T.".into()),
            seq: 5,
            change: ShiftChange::Ended { minutes: Some(135) },
        };
        assert!(result(&ended, true, "18:40").detail.contains("2 h 15 min"));
        assert!(
            result(&ended, false, "18:40")
                .detail
                .contains("2 小时 15 分钟")
        );
        let repeat = Outcome::Repeat {
            name: None,
            previous_local_time: "16:20".into(),
            of: RepeatOf::ShiftStart,
        };
        let v = result(&repeat, false, "");
        assert_eq!(v.tone, ResultTone::Repeat);
        assert!(v.detail.contains("16:20"));
    }

    #[test]
    fn volunteers_choose_among_todays_activities_or_general_duty() {
        let b = ContentBundle::builtin().expect("builtin");
        // Tuesday 2026-11-24, 09:30 in Shanghai.
        let c = shift_choices(&b, false, chrono_tz::Asia::Shanghai, NOW);
        let labels: Vec<&str> = c.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "16:30 四点半课堂：作业辅导",
                "19:00 学习社：《乡土中国》共读",
                "日常值班"
            ]
        );
        let en = shift_choices(&b, true, chrono_tz::Asia::Shanghai, NOW);
        assert_eq!(
            en[0].activity, "四点半课堂：作业辅导",
            "recorded in Chinese"
        );
        assert_eq!(en[0].category, Some(ServiceCategory::PublicService));
        assert_eq!(en[2].label, "General duty at the center");
        assert_eq!(shift_prompt(None, true), "Ending my shift");
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
        // Nearly full: said first, in both languages, and not "all fine".
        let full = SyncStatus {
            events_waiting: 0,
            free_bytes: Some(120 << 20),
            ..s.clone()
        };
        let (text, ok) = sync_text(&full, tz, NOW, false);
        assert!(
            !ok && text.starts_with("存储空间将满：仅剩 120 MB"),
            "{text}"
        );
        assert!(
            sync_text(&full, tz, NOW, true)
                .0
                .starts_with("Storage nearly full: 120 MB left.")
        );
        let roomy = SyncStatus {
            free_bytes: Some(8 << 30),
            ..full
        };
        assert!(sync_text(&roomy, tz, NOW, true).1);
        // Settings that cannot be used, a database that was damaged: said
        // first, and never "all fine".
        let damaged = SyncStatus {
            config_problem: Some("kiosk.toml is not valid".into()),
            damage: Some("the kiosk database was empty or missing".into()),
            ..roomy
        };
        let (text, ok) = sync_text(&damaged, tz, NOW, true);
        assert!(!ok);
        assert!(
            text.starts_with("The settings file kiosk.toml cannot be used; running on the defaults (kiosk.toml is not valid)."),
            "{text}"
        );
        assert!(
            text.contains("The database was damaged: the kiosk database was empty"),
            "{text}"
        );
        let (text, _) = sync_text(&damaged, tz, NOW, false);
        assert!(text.starts_with("设置文件 kiosk.toml 无法使用"), "{text}");
        assert!(text.contains("本机数据库曾损坏"), "{text}");
    }

    #[test]
    fn staff_see_today_beside_yesterday_and_last_week_and_a_list_with_voids() {
        let today = DayStats {
            total: 14,
            distinct_members: 9,
            visitors: 3,
            volunteers_on_site: 2,
            ..DayStats::default()
        };
        let yesterday = DayStats {
            total: 12,
            distinct_members: 8,
            visitors: 4,
            ..DayStats::default()
        };
        let last_week = DayStats {
            total: 15,
            ..DayStats::default()
        };
        let entries = vec![
            DayEntry {
                seq: 7,
                at_ms: NOW,
                who: Who::Visitor {
                    age_band: Some(AgeBand::From18To24),
                    purpose: Some(ServiceCategory::Sports),
                },
                voided: Some((VoidReason::Duplicate, "PIN".into())),
            },
            DayEntry {
                seq: 6,
                at_ms: NOW - 60_000,
                who: Who::Member {
                    member_id: 10_000_001,
                    display_name: Some("林同学".into()),
                },
                voided: None,
            },
        ];
        let earlier = Earlier {
            yesterday: &yesterday,
            last_week: &last_week,
        };
        let tz = chrono_tz::Asia::Shanghai;
        let v = staff(
            &today,
            &earlier,
            &entries,
            Vec::new(),
            &SyncStatus::default(),
            tz,
            NOW,
            false,
        );
        assert_eq!(v.total_note, "昨天 12 · 上周二 15");
        assert_eq!(v.volunteers_now, 2);
        assert_eq!(v.entries[0].who, "访客 · 18–24岁 · 体育健身");
        assert_eq!(v.entries[0].voided, "已作废：重复签到（PIN）");
        assert_eq!(v.entries[1].who, "林同学 · 10000001");
        assert_eq!(v.entries[1].time, "09:29");
        assert!(v.entries[1].voided.is_empty());
        let en = staff(
            &today,
            &earlier,
            &entries,
            Vec::new(),
            &SyncStatus::default(),
            tz,
            NOW,
            true,
        );
        assert_eq!(en.total_note, "yesterday 12 · last Tue 15");
        assert_eq!(en.members_note, "yesterday 8 · last Tue 0");
        assert_eq!(
            void_title(&en.entries[1], true),
            "Void the check-in of 林同学 · 10000001 at 09:29?"
        );
        assert_eq!(void_reasons(false)[0].1, "重复签到");
    }

    #[test]
    fn todays_activities_count_from_half_an_hour_before_their_start() {
        let b = ContentBundle::builtin().expect("builtin");
        // Tuesday: 16:30 after-school class, 19:00 study club.
        let w = activity_windows(&b, chrono_tz::Asia::Shanghai, NOW, false);
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].0, "16:30 四点半课堂：作业辅导");
        // 16:00 and 18:00 local on 2026-11-24, as unix ms.
        assert_eq!(w[0].1, NOW + (6 * 60 + 30) * 60_000);
        assert_eq!(w[0].2, NOW + (8 * 60 + 30) * 60_000);
    }

    #[test]
    fn staff_view_keeps_opening_hours_and_any_busy_hour() {
        let mut stats = DayStats::default();
        stats.by_hour[6] = 2;
        stats.by_hour[9] = 5;
        let none = DayStats::default();
        let v = staff(
            &stats,
            &Earlier {
                yesterday: &none,
                last_week: &none,
            },
            &[],
            Vec::new(),
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
