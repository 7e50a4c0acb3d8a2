use super::*;
use crate::checkin::Refusal;

const NOW: i64 = 1_795_483_800_000; // Tuesday 2026-11-24 09:30 Shanghai

#[test]
fn home_shows_todays_activities_and_grouped_services_in_both_languages() {
    let b = ContentBundle::builtin().expect("bundle");
    let zh = home(&b, &[], false, chrono_tz::Asia::Shanghai, NOW);
    assert_eq!(zh.center_name, "城东街道青年之家");
    assert_eq!(zh.clock_text, "09:30");
    assert_eq!(zh.date_text, "2026年11月24日 星期二");
    assert_eq!(zh.services.len(), 12);
    assert_eq!(zh.services[1].0, "基础团务");
    assert!(zh.services[1].1.contains("团员报到、"));
    assert_eq!(zh.activities.len(), 2);
    assert_eq!(zh.activities[0].0, "16:30–18:00");
    let en = home(&b, &[], true, chrono_tz::Asia::Shanghai, NOW);
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
    // Tuesday 09:30: the notice, how the center serves, Tuesday's two
    // activities, Wednesday's three.
    assert_eq!(
        tags,
        [
            "通知",
            "服务宗旨与流程",
            "今天 16:30–18:00",
            "今天 19:00–20:30",
            "明天 14:00–16:00",
            "明天 16:30–18:00",
            "明天 19:00–21:00"
        ]
    );
    assert!(zh[0].title.starts_with("本周六下午"));
    assert_eq!(zh[1].title, "服务青年 凝聚青年 引领青年");
    assert!(zh[1].detail.starts_with("1. 扫码签到"), "{}", zh[1].detail);
    assert_eq!(zh[1].detail.lines().count(), 4, "a step a line");
    assert_eq!(zh[2].detail, "多功能教室");
    // 17:00: the after-school class is on; 21:00: today's are over.
    let five_pm = NOW + 7 * 3_600_000 + 30 * 60_000;
    let en = attract(&b, true, tz, five_pm);
    assert_eq!(en[2].tag, "On now, until 18:00");
    assert!(en[2].title.starts_with("After-school class"));
    let nine_pm = NOW + 11 * 3_600_000 + 30 * 60_000;
    assert!(attract(&b, false, tz, nine_pm)[2].tag.starts_with("明天"));
    // Nothing to show: the center itself, never a blank screen.
    let mut empty = b.clone();
    empty.announcements.clear();
    empty.activities.clear();
    empty.center.service_aims = Default::default();
    empty.center.service_process.clear();
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
        attending: Attending::Nothing,
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
            .starts_with("1 record waiting")
    );
    assert!(
        text.starts_with("312 records waiting since 21 Nov"),
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
    assert_eq!(
        v.entries[0].voided,
        "已作废，原因：重复签到，操作人：工作人员（密码登录）"
    );
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

#[test]
fn a_kiosk_the_hub_refuses_is_told_to_be_enrolled_again_not_to_wait() {
    let tz = chrono_tz::Asia::Shanghai;
    for waiting in [0, 3] {
        let s = SyncStatus {
            enrolled: true,
            last_seq: 10 + waiting,
            acked_seq: 10,
            events_waiting: waiting,
            oldest_waiting_at_ms: (waiting > 0).then_some(NOW - 3_600_000),
            last_sync_ok_ms: Some(NOW - 86_400_000),
            last_sync_error: Some(
                "the hub refused the request (HTTP 401): enroll the kiosk again".into(),
            ),
            refused_by_hub: true,
            ..SyncStatus::default()
        };
        let (text, ok) = sync_text(&s, tz, NOW, true);
        assert!(!ok, "{text}");
        assert!(text.contains("enroll it again"), "{text}");
        assert!(!text.contains("when the hub is back"), "{text}");
        let (zh, _) = sync_text(&s, tz, NOW, false);
        assert!(zh.contains("重新注册本机"), "{zh}");
    }
}

#[test]
fn the_join_link_is_the_hubs_join_page_of_the_center() {
    assert_eq!(
        join_link("https://hub.example.org/", 7),
        "https://hub.example.org/m/join/7"
    );
    assert_eq!(
        join_link(" http://10.0.0.2:8080 ", 12),
        "http://10.0.0.2:8080/m/join/12"
    );
}

#[test]
fn each_visitor_purpose_counts_under_its_own_category() {
    let mut seen: Vec<ServiceCategory> = PURPOSES.iter().map(|p| p.category).collect();
    seen.sort_by_key(|c| c.code());
    seen.dedup();
    assert_eq!(
        seen.len(),
        ServiceCategory::ALL.len(),
        "every category once"
    );
    for en in [false, true] {
        let choices = purpose_choices(en);
        assert_eq!(choices.len(), 12);
        assert!(choices.iter().all(|(code, words, icon)| {
            ServiceCategory::from_code(code).is_some() && !words.is_empty() && icon.starts_with('M')
        }));
    }
}

#[test]
fn a_check_out_says_goodbye_and_how_long_the_visit_was() {
    let out = Outcome::CheckedOut {
        name: Some("林同学".into()),
        seq: 4,
        minutes: 95,
    };
    let zh = result(&out, false, "11:05");
    assert_eq!(zh.headline, "林同学，再见！");
    assert_eq!(zh.detail, "11:05 签退，本次停留 1 小时 35 分钟，欢迎再来！");
    assert_eq!(
        result(&out, true, "11:05").detail,
        "Checked out at 11:05: you stayed 1 h 35 min. See you again!"
    );
    assert_eq!(
        stay_text(3, Some(95), false),
        "今日 3 人次签退，平均停留 1 小时 35 分钟"
    );
    assert_eq!(stay_text(0, None, true), "");
}

#[test]
fn with_nothing_today_the_home_screen_shows_the_coming_weeks_activities() {
    let b = ContentBundle::parse(
        r#"{"format": 1, "center": {"name": "城西青年之家", "opening_hours": "每天 9:00–21:00"},
            "activities": [
              {"title": {"zh": "读书会", "en": "Reading circle"}, "category": "culture_learning",
               "days": ["sat"], "start": "19:00", "end": "20:30", "place": "二楼"},
              {"title": "下周二的活动", "category": "leisure", "days": ["tue"],
               "start": "10:00", "end": "11:00", "place": "大厅"}
            ]}"#,
    )
    .expect("bundle");
    // NOW is a Tuesday: the Tuesday activity is today's.
    let v = home(&b, &[], false, chrono_tz::Asia::Shanghai, NOW);
    assert_eq!(v.activities_title, "今日活动");
    assert_eq!(v.activities.len(), 1);
    assert_eq!(v.opening_hours, "每天 9:00–21:00");
    // Wednesday: nothing today, so the six days after it, each with its
    // weekday.
    let wednesday = NOW + 86_400_000;
    let v = home(&b, &[], false, chrono_tz::Asia::Shanghai, wednesday);
    assert_eq!(v.activities_title, "近一周活动");
    assert_eq!(
        v.activities,
        [
            (
                "周六 19:00–20:30".to_string(),
                "读书会".to_string(),
                "二楼".to_string()
            ),
            (
                "周二 10:00–11:00".to_string(),
                "下周二的活动".to_string(),
                "大厅".to_string()
            )
        ]
    );
    let v = home(&b, &[], true, chrono_tz::Asia::Shanghai, wednesday);
    assert_eq!(v.activities_title, "The coming week");
    assert_eq!(v.activities[0].0, "Sat 19:00–20:30");
}

#[test]
fn a_name_in_corner_brackets_is_kept_on_one_line() {
    let kept = keep_quoted_whole("或点“我是访客”登记");
    assert_eq!(kept.replace('\u{2060}', ""), "或点“我是访客”登记");
    assert_eq!(kept, "或点“我\u{2060}是\u{2060}访\u{2060}客”登记");
    assert_eq!(keep_quoted_whole("没有括号"), "没有括号");
    assert_eq!(keep_quoted_whole("点「访客」"), "点「访\u{2060}客」");
}
