//! The evaluation of a center (seed 001, annex 1, 《“青年中心”规范化运行参考
//! 标准》): ten items, each 较好 / 一般 / 较差. Four are filled from the
//! hub's own data for the month (activities and who took part, a named
//! person in charge, volunteers who served, activities held as planned and
//! how those who came rated them); the county admin grades the other six
//! from a visit. The rating follows from the grades, not typed by hand:
//!
//! - 较差 when 7 or more items are 较差 (annex 1, note 2). Such a center is
//!   put under rectification for three months, with a date.
//! - 较好 when 7 or more items are 较好 and none is 较差 (the annex gives no
//!   rule for it; this is the project's mirror of the rule for 较差, so
//!   a center is 较好 only when it is good on most items and poor on none).
//! - 一般 otherwise.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::store::{Center, Store, StoreError};

/// A grade of one item, and the rating of a center.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Good,
    Fair,
    Poor,
}

impl Grade {
    pub const ALL: [Grade; 3] = [Grade::Good, Grade::Fair, Grade::Poor];

    pub fn code(self) -> &'static str {
        match self {
            Grade::Good => "good",
            Grade::Fair => "fair",
            Grade::Poor => "poor",
        }
    }

    pub fn from_code(code: &str) -> Option<Grade> {
        Self::ALL.into_iter().find(|g| g.code() == code)
    }

    /// As the annex and the ledger write it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Grade::Good => "较好",
            Grade::Fair => "一般",
            Grade::Poor => "较差",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Grade::Good => "Good",
            Grade::Fair => "Fair",
            Grade::Poor => "Poor",
        }
    }
}

/// One item of the annex: its area, what is evaluated, the standard.
pub struct Item {
    pub area: &'static str,
    pub content: &'static str,
    pub standard: &'static str,
    /// Graded from the hub's data (not by the admin).
    pub from_data: bool,
}

/// The ten items, in the annex's order.
pub const ITEMS: [Item; 10] = [
    Item {
        area: "场所建设",
        content: "选址科学，布局合理",
        standard: "优先在青年人口密度较大、需求较明显的城乡地区建设",
        from_data: false,
    },
    Item {
        area: "场所建设",
        content: "统一标识，团属特色鲜明",
        standard: "醒目位置悬挂团徽、“青年中心”标牌，配备必要的服务设施",
        from_data: false,
    },
    Item {
        area: "服务能力",
        content: "活动突出思想性和精准服务",
        standard: "强化思想引领，设计符合本地区实际和青少年特点的工作项目",
        from_data: false,
    },
    Item {
        area: "服务能力",
        content: "提升活跃度与影响力",
        standard: "每月开展不少于 2 次活动、累计参加人数不少于 40 人次",
        from_data: true,
    },
    Item {
        area: "组建队伍",
        content: "有专人负责日常管理",
        standard: "至少配备 1 名专人负责运作（台账的负责人）",
        from_data: true,
    },
    Item {
        area: "组建队伍",
        content: "社会化配置工作力量",
        standard: "吸纳社工、社会组织骨干、志愿者等充实工作队伍（本月有服务时长的志愿者）",
        from_data: true,
    },
    Item {
        area: "管理规范",
        content: "有制度规范",
        standard: "建立日常运行、安全管理、考核激励等工作制度",
        from_data: false,
    },
    Item {
        area: "管理规范",
        content: "活动组织有序",
        standard: "活动按计划举办，参加的青年满意（好差评）",
        from_data: true,
    },
    Item {
        area: "机制保障",
        content: "有一定资源保障",
        standard: "整合社会和市场资源，探索承接政府购买服务项目",
        from_data: false,
    },
    Item {
        area: "机制保障",
        content: "凝聚社会组织，积极融入区域化团建",
        standard: "发展团属青年社团、兴趣小组，有青年社会组织常态化入驻开展活动",
        from_data: false,
    },
];

/// The rating ten grades give (the module's rule).
pub fn overall(grades: &[Grade; 10]) -> Grade {
    let count = |g: Grade| grades.iter().filter(|x| **x == g).count();
    if count(Grade::Poor) >= 7 {
        Grade::Poor
    } else if count(Grade::Good) >= 7 && count(Grade::Poor) == 0 {
        Grade::Good
    } else {
        Grade::Fair
    }
}

/// The months a center rated 较差 has to put things right (annex 1, note 2).
pub const RECTIFY_MONTHS: u32 = 3;

/// When the rectification of a center rated 较差 on `day` ends.
pub fn rectify_until(day: NaiveDate) -> NaiveDate {
    day + chrono::Months::new(RECTIFY_MONTHS)
}

/// An item graded from the data, with what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// 0-based, in [`ITEMS`].
    pub item: usize,
    pub grade: Grade,
    pub why: String,
}

/// The items the hub grades from its own data, for the month of `day`
/// (up to `today`).
pub fn from_data(
    store: &Store,
    center: &Center,
    day: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<Evidence>, StoreError> {
    let y = crate::yardsticks::for_centers(store, std::slice::from_ref(center), day, today)?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::NotFound(format!("center {}", center.id)))?;
    let first = day.with_day(1).unwrap_or(day);
    let last = ((first + chrono::Months::new(1)) - chrono::Days::new(1)).min(today.max(first));
    let mut out = Vec::new();

    // 4: at least two activities and 40 participant-visits a month.
    let met = [y.activities_met, y.visits_met]
        .iter()
        .filter(|m| **m)
        .count();
    out.push(Evidence {
        item: 3,
        grade: match met {
            2 => Grade::Good,
            1 => Grade::Fair,
            _ => Grade::Poor,
        },
        why: format!(
            "本月活动 {} 次、参加 {} 人次（标准：≥{} 次、≥{} 人次）",
            y.activities,
            y.participant_visits,
            crate::yardsticks::MIN_ACTIVITIES,
            crate::yardsticks::MIN_PARTICIPANT_VISITS
        ),
    });

    // 5: a named person in charge, in the ledger.
    let manager = store.profile(center.id)?.manager;
    out.push(Evidence {
        item: 4,
        grade: if manager.trim().is_empty() {
            Grade::Poor
        } else {
            Grade::Good
        },
        why: if manager.trim().is_empty() {
            "台账未填写负责人".to_string()
        } else {
            format!("负责人：{}", manager.trim())
        },
    });

    // 6: volunteers who served this month (counted shifts).
    let hours = crate::volunteer::hours(store, center.id, first, last, today)?;
    let volunteers: std::collections::BTreeSet<u32> =
        hours.totals.iter().map(|t| t.member_id).collect();
    out.push(Evidence {
        item: 5,
        grade: match volunteers.len() {
            0 => Grade::Poor,
            1 | 2 => Grade::Fair,
            _ => Grade::Good,
        },
        why: format!(
            "本月 {} 名志愿者有服务时长（较好：≥3 名）",
            volunteers.len()
        ),
    });

    // 8: activities held as planned, and those who came satisfied.
    let planned: Vec<_> = store
        .activities(
            center.id,
            &first.format("%Y-%m-%d").to_string(),
            &last.format("%Y-%m-%d").to_string(),
        )?
        .into_iter()
        .filter(|a| !a.room && a.status != crate::store::activities::Status::Withdrawn)
        .collect();
    let cancelled = planned
        .iter()
        .filter(|a| a.status == crate::store::activities::Status::Cancelled)
        .count();
    let held = planned.len() - cancelled;
    let satisfied = y.satisfaction_pct;
    let grade = match (held, satisfied) {
        (0, _) => Grade::Poor,
        (_, Some(p)) if p < 60.0 => Grade::Poor,
        (h, s) if h >= 2 && cancelled * 5 <= planned.len() && s.is_none_or(|p| p >= 80.0) => {
            Grade::Good
        }
        _ => Grade::Fair,
    };
    out.push(Evidence {
        item: 7,
        grade,
        why: format!(
            "本月计划 {} 次、取消 {} 次；满意率 {}（较好：≥2 次举办、取消不超过五分之一、满意率≥80%）",
            planned.len(),
            cancelled,
            satisfied
                .map(|p| format!("{p:.0}%（{} 条评价）", y.ratings))
                .unwrap_or_else(|| "无评价".into())
        ),
    });
    Ok(out)
}

/// A center's last evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub center_id: u64,
    /// `YYYY-MM`: the month the data items were graded on.
    pub month: String,
    pub grades: [Grade; 10],
    pub rating: Grade,
    /// `YYYY-MM-DD`, for a center rated 较差.
    pub rectify_until: Option<String>,
    pub evaluated_at_ms: i64,
    pub evaluated_by: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use Grade::*;

    fn of(good: usize, fair: usize) -> [Grade; 10] {
        let mut g = [Poor; 10];
        for (i, x) in g.iter_mut().enumerate() {
            *x = if i < good {
                Good
            } else if i < good + fair {
                Fair
            } else {
                Poor
            };
        }
        g
    }

    /// The annex's own example: 7 or more items 较差 make a center 较差,
    /// up for rectification; 6 do not.
    #[test]
    fn seven_poor_items_make_a_center_poor_and_six_do_not() {
        assert_eq!(overall(&of(0, 3)), Poor, "7 poor");
        assert_eq!(overall(&of(3, 0)), Poor, "7 poor beside 3 good");
        assert_eq!(overall(&of(0, 0)), Poor, "all poor");
        assert_eq!(overall(&of(4, 0)), Fair, "6 poor: not yet");
        assert_eq!(overall(&of(0, 4)), Fair);
    }

    #[test]
    fn seven_good_items_and_none_poor_make_a_center_good() {
        assert_eq!(overall(&of(10, 0)), Good);
        assert_eq!(overall(&of(7, 3)), Good);
        assert_eq!(overall(&of(6, 4)), Fair, "six good");
        assert_eq!(overall(&of(9, 0)), Fair, "one poor item holds it back");
    }

    /// Kept, in the ledger too, audited, and a poor center listed as under
    /// rectification until its date; every admin-graded item is needed.
    #[test]
    fn an_evaluation_is_kept_and_a_poor_center_is_put_under_rectification() {
        use crate::admin::{Actor, Admin};
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
            .expect("open");
        let c = s.add_center("村青年之家", "Asia/Shanghai").expect("center");
        let day = NaiveDate::from_ymd_opt(2026, 5, 31).expect("date");
        let admin = Admin::new(&s, Actor::CommandLine);
        let mut typed = [Some(Poor); 10];
        typed[0] = None;
        let e = admin
            .evaluate(c, &typed, day, day)
            .expect_err("item 1 not graded");
        assert!(e.to_string().contains("第 1 项"), "{e}");
        typed[0] = Some(Poor);
        let got = admin.evaluate(c, &typed, day, day).expect("evaluated");
        // No data at all: items 4, 6 and 8 poor from the data, 5 too (no
        // person in charge): all ten poor.
        assert_eq!(got.rating, Poor);
        assert_eq!(got.rectify_until.as_deref(), Some("2026-08-31"));
        assert_eq!(s.evaluation(c).expect("read"), Some(got.clone()));
        assert_eq!(s.profile(c).expect("profile").rating, "较差");
        let ids = format!("[{c}]");
        assert_eq!(
            s.rectifying(&ids, "2026-06-01").expect("list"),
            [(c, "2026-08-31".to_string())]
        );
        assert!(s.rectifying(&ids, "2026-09-01").expect("list").is_empty());
        // Graded again, better: no longer under rectification.
        let got = admin
            .evaluate(c, &[Some(Good); 10], day, day)
            .expect("evaluated");
        assert_eq!(
            (got.rating, got.rectify_until),
            (Fair, None),
            "4 poor from the data"
        );
        assert!(s.rectifying(&ids, "2026-06-01").expect("list").is_empty());
    }

    #[test]
    fn a_poor_center_has_three_months_to_put_things_right() {
        let d = NaiveDate::from_ymd_opt(2026, 5, 31).expect("date");
        assert_eq!(
            rectify_until(d),
            NaiveDate::from_ymd_opt(2026, 8, 31).expect("date"),
            "end of May to end of August, as the annex's timetable"
        );
        assert_eq!(ITEMS.iter().filter(|i| i.from_data).count(), 4);
        assert_eq!(Grade::from_code("poor"), Some(Poor));
    }
}
