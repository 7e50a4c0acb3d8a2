//! The staff screen: today beside yesterday and last week, the day's list, the sync line.

use super::*;

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
    /// Today's activities: who signed up, came, walked in, did not come.
    pub by_activity: Vec<ActivityRow>,
}

/// One of today's activities on the staff screen.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRow {
    /// Its time and title.
    pub label: String,
    /// How many came for it (counted at this kiosk).
    pub came: u64,
    /// Signed up, walk-ins, no-shows; empty when the kiosk only knows the
    /// visits during its hours.
    pub note: String,
}

/// Today's activities of the hub's list, each with who came for it at
/// this kiosk (`came`: (activity id, member) pairs): signed up, came,
/// walk-ins (came without signing up), and who signed up and did not
/// come: "not here yet" until its end, "no-shows" after.
pub fn activity_rows(
    list: &[protocol::wire::KioskActivity],
    came: &[(String, u32)],
    bundle: &ContentBundle,
    now: chrono::NaiveTime,
    en: bool,
) -> Vec<ActivityRow> {
    list.iter()
        .map(|a| {
            let here: std::collections::BTreeSet<u32> = came
                .iter()
                .filter(|(id, _)| *id == a.id)
                .map(|(_, m)| *m)
                .collect();
            let walk_ins = here.iter().filter(|m| !a.booked.contains(m)).count();
            let missing = a.booked.iter().filter(|m| !here.contains(m)).count();
            let over =
                chrono::NaiveTime::parse_from_str(&a.end, "%H:%M").is_ok_and(|end| now > end);
            let title = activity_title(bundle, &a.id, &a.title, en);
            let signed = a.booked.len();
            let note = match (en, over) {
                (true, true) => {
                    format!("signed up {signed} · walk-ins {walk_ins} · no-shows {missing}")
                }
                (true, false) => {
                    format!("signed up {signed} · walk-ins {walk_ins} · not here yet {missing}")
                }
                (false, true) => format!("报名 {signed} · 现场加入 {walk_ins} · 缺席 {missing}"),
                (false, false) => format!("报名 {signed} · 现场加入 {walk_ins} · 未到 {missing}"),
            };
            ActivityRow {
                label: format!("{} {title}", a.start),
                came: here.len() as u64,
                note,
            }
        })
        .collect()
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

/// How long members stayed today, at a center that asks them to check
/// out: empty when nobody checked out.
pub fn stay_text(checked_out: u64, average_minutes: Option<u64>, en: bool) -> String {
    match (average_minutes, en) {
        (None, _) => String::new(),
        (Some(m), true) => format!(
            "{checked_out} checked out; they stayed {} on average",
            duration_en(m as i64)
        ),
        (Some(m), false) => format!(
            "今日 {checked_out} 人次签退，平均停留 {}",
            duration_zh(m as i64)
        ),
    }
}

pub(super) fn compare(yesterday: u64, last_week: u64, weekday: Weekday, en: bool) -> String {
    if en {
        let day = &weekday_name(weekday, true)[..3];
        format!("yesterday {yesterday} · last {day} {last_week}")
    } else {
        let day = weekday_name(weekday, false).trim_start_matches("星期");
        format!("昨天 {yesterday} · 上周{day} {last_week}")
    }
}

pub(super) fn entry(e: &DayEntry, tz: Tz, en: bool) -> EntryView {
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
        // Who voided it: a staff card's label, or whoever opened the
        // staff screen with the PIN.
        Some((reason, by)) if en => {
            let who = if by == "PIN" {
                "staff with the PIN"
            } else {
                by.as_str()
            };
            format!("Voided ({}), by {who}", reason.label_en().to_lowercase())
        }
        Some((reason, by)) => {
            let who = if by == "PIN" {
                "工作人员（密码登录）"
            } else {
                by.as_str()
            };
            format!("已作废，原因：{}，操作人：{who}", reason.label_zh())
        }
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

pub(super) fn upload_text(status: &SyncStatus, tz: Tz, now_ms: i64, en: bool) -> (String, bool) {
    let today = tz
        .timestamp_millis_opt(now_ms)
        .single()
        .map(|t| t.date_naive())
        .unwrap_or_default();
    if !status.enrolled {
        return (
            if en {
                format!(
                    "Not connected to a hub yet: {} records are kept here. Scan the enrollment code from the hub's kiosks page to connect.",
                    status.events_waiting
                )
            } else {
                format!(
                    "本机尚未连接平台，{} 条记录保存在本机。请扫描平台“签到机”页面上的注册码完成连接。",
                    status.events_waiting
                )
            },
            false,
        );
    }
    if status.refused_by_hub {
        let n = status.events_waiting;
        let why = status.last_sync_error.clone().unwrap_or_default();
        let since = status
            .oldest_waiting_at_ms
            .map(|ms| day_and_time(tz, ms, today, en))
            .unwrap_or_else(|| "—".into());
        return (
            if en {
                format!(
                    "The hub refuses this kiosk ({why}): it was taken out of service or another board uses its credential. \
                     {n} record{} since {since} are kept on it; ask an admin for an enrollment code and enroll it again.",
                    if n == 1 { "" } else { "s" }
                )
            } else {
                format!(
                    "平台拒绝本机（{why}）：本机已被停用，或另一台设备在使用它的凭证。自 {since} 起的 {n} 条记录保存在本机；\
                     请向管理员要注册码，重新注册本机。"
                )
            },
            false,
        );
    }
    if status.events_waiting == 0 {
        let when = status
            .last_sync_ok_ms
            .map(|ms| day_and_time(tz, ms, today, en));
        return (
            match (when, en) {
                (Some(when), true) => {
                    format!("Everything is uploaded (last contact with the hub {when})")
                }
                (Some(when), false) => format!("全部已上传（最近同步 {when}）"),
                (None, true) => "Nothing waits to be uploaded".to_string(),
                (None, false) => "没有等待上传的记录".to_string(),
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
                    "1 record".to_string()
                } else {
                    format!("{} records", status.events_waiting)
                },
                if status.events_waiting == 1 {
                    "it uploads"
                } else {
                    "they upload"
                }
            )
        } else {
            format!(
                "{} 条记录自 {since} 起等待上传：{why}。记录不会丢失，连上平台后自动上传。",
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
    by_activity: Vec<ActivityRow>,
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
                        format!("all the center's kiosks (as of {at})")
                    } else {
                        format!("全中心各签到机（截至 {at}）")
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
