//! The home screen and attract mode: the center's services, today's activities, its notices.

use super::*;

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
    /// Today's activities, or with none today, the coming week's.
    pub activities_title: String,
    /// (time, title, place)
    pub activities: Vec<(String, String, String)>,
    /// Today's rooms' slots: (time, room, booked or free).
    pub bookings: Vec<(String, String, String)>,
    pub contacts: Vec<(String, String)>,
}

/// The home screen. `listed`: the hub's list of today's activities and
/// rooms' slots with who booked them (empty when the kiosk has none).
pub fn home(
    bundle: &ContentBundle,
    listed: &[protocol::wire::KioskActivity],
    en: bool,
    tz: Tz,
    now_ms: i64,
) -> HomeView {
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
        activities_title: if bundle.activities_on(date).is_empty() {
            if en {
                "The coming week"
            } else {
                "近一周活动"
            }
        } else if en {
            "Today's activities"
        } else {
            "今日活动"
        }
        .to_string(),
        activities: coming(bundle, date, en),
        bookings: bundle
            .room_slots_on(date)
            .into_iter()
            .map(|a| {
                let slot = listed
                    .iter()
                    .find(|l| l.room && a.id.as_deref() == Some(l.id.as_str()));
                let state = match (slot, en) {
                    (Some(s), true) if s.booked.len() >= s.capacity.unwrap_or(1) as usize => {
                        "Booked"
                    }
                    (Some(s), false) if s.booked.len() >= s.capacity.unwrap_or(1) as usize => {
                        "已约满"
                    }
                    (_, true) => "Free",
                    (_, false) => "可预约",
                };
                (
                    format!("{}–{}", a.start, a.end),
                    a.title.get(en).to_string(),
                    state.to_string(),
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

/// Today's activities; with none today, those of the next six days, each
/// with its weekday.
fn coming(bundle: &ContentBundle, date: NaiveDate, en: bool) -> Vec<(String, String, String)> {
    let row = |a: &crate::content::Activity, day: &str| {
        (
            format!("{day}{}–{}", a.start, a.end),
            a.title.get(en).to_string(),
            place_and_places(a, en),
        )
    };
    let today = bundle.activities_on(date);
    if !today.is_empty() {
        return today.into_iter().map(|a| row(a, "")).collect();
    }
    date.iter_days()
        .skip(1)
        .take(6)
        .flat_map(|d| {
            let name = weekday_name(d.weekday(), en);
            let day = if en {
                format!("{} ", &name[..3])
            } else {
                format!("{} ", name.replace("星期", "周"))
            };
            bundle
                .activities_on(d)
                .into_iter()
                .map(move |a| row(a, &day))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// An activity's place, with its places when they are limited.
pub(super) fn place_and_places(a: &crate::content::Activity, en: bool) -> String {
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
        // One numbered line a step: a step never breaks in the middle of
        // another, and a name in “” stays whole.
        let steps: Vec<String> = c
            .service_process
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}. {}", i + 1, keep_quoted_whole(t.get(en))))
            .collect();
        slides.push(Slide {
            tag: if en {
                "How we serve you"
            } else {
                "服务宗旨与流程"
            }
            .into(),
            title: c.service_aims.get(en).to_string(),
            detail: steps.join("\n"),
            ..Slide::default()
        });
    }
    if let Some(m) = &bundle.wall {
        slides.push(wall_slide(m, en));
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

/// The address of a center's join page at the hub, for the join QR code:
/// the hub's address as phones reach it (or as the kiosk does), without a
/// trailing slash, and the center.
pub fn join_link(hub: &str, center_id: u64) -> String {
    format!("{}/m/join/{center_id}", hub.trim().trim_end_matches('/'))
}

/// The address of a center's help form (我有话说) at the hub.
pub fn help_link(hub: &str, center_id: u64) -> String {
    format!("{}/m/help/{center_id}", hub.trim().trim_end_matches('/'))
}

/// Keeps a name in quotes (“我是访客”, a button's words; 「」 as some
/// admins write) on one line: a word joiner between its characters
/// forbids a line break there.
pub fn keep_quoted_whole(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    // Inside quotes, past the first character.
    let mut joining = false;
    let mut inside = false;
    for c in text.chars() {
        let closing = matches!(c, '”' | '」');
        if joining && !closing {
            out.push('\u{2060}');
        }
        out.push(c);
        if matches!(c, '“' | '「') {
            inside = true;
            joining = false;
        } else if closing {
            inside = false;
            joining = false;
        } else {
            joining = inside;
        }
    }
    out
}

/// 上墙公布: the center's month as the hub counts it.
pub fn wall_slide(m: &protocol::wall::WallMonth, en: bool) -> Slide {
    let as_of = NaiveDate::parse_from_str(&m.as_of, "%Y-%m-%d").ok();
    let hours = m.volunteer_minutes as f64 / 60.0;
    let satisfaction = m.satisfaction_percent();
    let mut lines = vec![if en {
        format!("{} took part in the activities", m.participant_visits)
    } else {
        format!("活动参加 {} 人次", m.participant_visits)
    }];
    if let Some(p) = satisfaction {
        lines.push(if en {
            format!("{p}% satisfied ({} ratings)", m.ratings)
        } else {
            format!("满意率 {p}%（{} 条评价）", m.ratings)
        });
    }
    if m.volunteers > 0 {
        lines.push(if en {
            format!("{} volunteers served {hours:.1} hours", m.volunteers)
        } else {
            format!("{} 名志愿者服务 {hours:.1} 小时", m.volunteers)
        });
    }
    if !m.volunteer_names.is_empty() {
        lines.push(if en {
            format!("Thank you, {}", m.volunteer_names.join(", "))
        } else {
            format!("感谢志愿者：{}", m.volunteer_names.join("、"))
        });
    }
    if m.yardsticks_judged > 0 {
        lines.push(if en {
            format!(
                "Targets met: {} of {}",
                m.yardsticks_met, m.yardsticks_judged
            )
        } else {
            format!("数据指标达标 {}/{}", m.yardsticks_met, m.yardsticks_judged)
        });
    }
    Slide {
        tag: match (as_of, en) {
            (Some(d), true) => format!("This month · as of {}", d.format("%-d %b %Y")),
            (Some(d), false) => format!("本月公示 · 截至{}月{}日", d.month(), d.day()),
            (None, true) => "This month".into(),
            (None, false) => "本月公示".into(),
        },
        title: if en {
            format!("{} visits · {} activities", m.visits, m.activities)
        } else {
            format!("到访 {} 人次 · 活动 {} 次", m.visits, m.activities)
        },
        detail: lines.join("\n"),
        ..Slide::default()
    }
}
