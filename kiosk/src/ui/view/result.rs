//! What the screen says after a scan or a tap, in both languages.

use super::*;

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
        Outcome::Welcome {
            name, attending, ..
        } => ResultView {
            tone: ResultTone::Welcome,
            headline: match (name, en) {
                (Some(n), true) => format!("Welcome, {n}!"),
                (Some(n), false) => format!("欢迎你，{n}！"),
                (None, true) => "Welcome!".into(),
                (None, false) => "欢迎你！".into(),
            },
            detail: match (attending, en) {
                (Attending::Booked(r), true) => {
                    format!(
                        "Checked in at {local_time} for {}, which you signed up for.",
                        r.title
                    )
                }
                (Attending::Booked(r), false) => {
                    format!("{local_time} 签到成功，已记为参加你报名的“{}”", r.title)
                }
                (Attending::Ask(_), true) => {
                    format!("Checked in at {local_time}. Which activity are you here for?")
                }
                (Attending::Ask(_), false) => {
                    format!("{local_time} 签到成功。你来参加哪个活动？")
                }
                (Attending::Nothing, true) => format!("You're checked in at {local_time}."),
                (Attending::Nothing, false) => format!("{local_time} 签到成功"),
            },
        },
        Outcome::CheckedOut { name, minutes, .. } => {
            let n = name.as_deref();
            ResultView {
                tone: ResultTone::Welcome,
                headline: if en {
                    greet_en(n, "goodbye!")
                } else {
                    greet_zh(n, "再见！")
                },
                detail: if en {
                    format!(
                        "Checked out at {local_time}: you stayed {}. See you again!",
                        duration_en(*minutes)
                    )
                } else {
                    format!(
                        "{local_time} 签退，本次停留 {}，欢迎再来！",
                        duration_zh(*minutes)
                    )
                },
            }
        }
        Outcome::Attending { activity: Some(r) } => ResultView {
            tone: ResultTone::Welcome,
            headline: if en {
                format!("You're in: {}", r.title)
            } else {
                format!("已记为参加“{}”", r.title)
            },
            detail: if en {
                format!("{}–{}. Enjoy it!", r.start, r.end)
            } else {
                format!("{}–{}，祝你活动愉快！", r.start, r.end)
            },
        },
        Outcome::Attending { activity: None } => ResultView {
            tone: ResultTone::Welcome,
            headline: if en {
                "Just visiting: noted".into()
            } else {
                "好的，这次是随便看看".into()
            },
            detail: if en {
                "You're welcome to join an activity any time.".into()
            } else {
                "欢迎随时参加中心的活动。".into()
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
                (RepeatOf::CheckOut, true) => (
                    greet_en(n, "you're already checked out"),
                    format!("You checked out at {at}; this scan is not counted."),
                ),
                (RepeatOf::CheckOut, false) => (
                    greet_zh(n, "你已经签退了"),
                    format!("你在 {at} 已签退，这次不计数。"),
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
        Outcome::CardBound { name } => ResultView {
            tone: ResultTone::Welcome,
            headline: if en {
                format!("Card bound to {name}")
            } else {
                format!("卡已绑定给 {name}")
            },
            detail: if en {
                "From now on this card checks in here and at the center's other kiosks.".into()
            } else {
                "以后刷这张卡即可签到，本中心其他签到机同步后也可使用。".into()
            },
        },
        Outcome::OwnCardBound { name } => {
            let n = name.as_deref();
            ResultView {
                tone: ResultTone::Welcome,
                headline: if en {
                    greet_en(n, "this card is yours now")
                } else {
                    greet_zh(n, "卡已绑定给你")
                },
                detail: if en {
                    "From now on, tap this card to check in, here and at the center's other kiosks after their next sync.".into()
                } else {
                    "以后刷这张卡即可签到，本中心其他签到机同步后也可使用。".into()
                },
            }
        }
        Outcome::ClaimCard { name, checked_in } => {
            let n = name.as_deref();
            ResultView {
                tone: ResultTone::Welcome,
                headline: match (en, checked_in) {
                    (true, true) => greet_en(n, "welcome! Tap the card again to make it yours"),
                    (true, false) => greet_en(n, "tap the card again to make it yours"),
                    (false, true) => greet_zh(n, "签到成功！再刷一次卡即可绑定"),
                    (false, false) => greet_zh(n, "再刷一次卡即可绑定"),
                },
                detail: if en {
                    "Within 30 seconds, tap the card you tapped before: it is then linked to you. Not your card? Just walk on.".into()
                } else {
                    "请在 30 秒内再刷一次刚才那张卡，卡就绑定给你。不是你的卡？直接离开即可。"
                        .into()
                },
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
                    format!("你 {since} 开始的服务还没有签退，工作人员会核对服务时长。")
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

/// One answer to "which activity are you here for?".
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityChoice {
    /// The activity's id; empty for "just visiting".
    pub id: String,
    pub label: String,
    /// Its time and places left.
    pub note: String,
    /// No places left: shown, not offered.
    pub full: bool,
}

/// The most activities offered at once; a fifth tile is "just visiting".
pub const MAX_CHOICES: usize = 4;

/// The answers to "which activity are you here for?": the running
/// activities (each with its time and places left), then "just visiting".
pub fn activity_choices(running: &[Running], en: bool) -> Vec<ActivityChoice> {
    let mut out: Vec<ActivityChoice> = running
        .iter()
        .take(MAX_CHOICES)
        .map(|r| {
            let time = format!("{}–{}", r.start, r.end);
            let (note, full) = match (r.places_left, en) {
                (Some(0), true) => (format!("{time} · full"), true),
                (Some(0), false) => (format!("{time} · 已满"), true),
                (Some(n), true) => (format!("{time} · {n} left"), false),
                (Some(n), false) => (format!("{time} · 剩 {n} 个名额"), false),
                (None, _) => (time, false),
            };
            ActivityChoice {
                id: r.id.clone(),
                label: r.title.clone(),
                note,
                full,
            }
        })
        .collect();
    out.push(ActivityChoice {
        id: String::new(),
        label: if en { "Just visiting" } else { "随便看看" }.into(),
        note: if en {
            "not for an activity"
        } else {
            "不参加活动"
        }
        .into(),
        full: false,
    });
    out
}

/// An activity of the hub's list by its title in the screen's language:
/// the content's words when it has the activity (by id), else the hub's
/// title (Chinese).
pub fn activity_title(bundle: &ContentBundle, id: &str, hub_title: &str, en: bool) -> String {
    bundle
        .activities
        .iter()
        .find(|a| a.id.as_deref() == Some(id))
        .map(|a| a.title.get(en).to_string())
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| hub_title.to_string())
}

/// The outcome with each running activity's title in the screen's
/// language, from the content when it has the activity.
pub fn localized(outcome: &Outcome, bundle: &ContentBundle, en: bool) -> Outcome {
    let name = |r: &Running| Running {
        title: activity_title(bundle, &r.id, &r.title, en),
        ..r.clone()
    };
    let mut o = outcome.clone();
    match &mut o {
        Outcome::Welcome {
            attending: Attending::Booked(r),
            ..
        } => *r = name(r),
        Outcome::Welcome {
            attending: Attending::Ask(list),
            ..
        } => list.iter_mut().for_each(|r| *r = name(r)),
        Outcome::Attending { activity: Some(r) } => *r = name(r),
        _ => {}
    }
    o
}

pub(super) fn greet_en(name: Option<&str>, what: &str) -> String {
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

pub(super) fn greet_zh(name: Option<&str>, what: &str) -> String {
    match name {
        Some(n) => format!("{n}，{what}"),
        None => what.to_string(),
    }
}

pub(super) fn duration_en(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

pub(super) fn duration_zh(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} 分钟"),
        (h, 0) => format!("{h} 小时"),
        (h, m) => format!("{h} 小时 {m} 分钟"),
    }
}

/// The rating question on a welcome card: about the last visit (its local
/// date, `YYYY-MM-DD`), or about this one (a check-out).
pub fn rating_question(last_visit: Option<&str>, en: bool) -> String {
    let day = last_visit
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(|d| {
            if en {
                d.format("%-d %b").to_string()
            } else {
                format!("{}月{}日", d.month(), d.day())
            }
        });
    match (day, en) {
        (Some(day), false) => format!("上次来访（{day}）感觉怎么样？"),
        (Some(day), true) => format!("How was your last visit ({day})?"),
        (None, false) => "这次来访感觉怎么样？".into(),
        (None, true) => "How was your visit today?".into(),
    }
}

/// What the card says once a face was tapped.
pub fn rating_thanks(recorded: bool, en: bool) -> &'static str {
    match (recorded, en) {
        (true, false) => "谢谢你的评价！",
        (true, true) => "Thank you for telling us!",
        (false, false) => "评价没有保存成功，请告诉工作人员。",
        (false, true) => "Your rating was not saved; please tell a staff member.",
    }
}
