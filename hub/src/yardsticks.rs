//! The yardsticks centers are judged by (DOMAIN.md, seed 001 annex 1),
//! computed from what the kiosks counted, and the ledger (台账) export.
//!
//! - at least 2 activities a month;
//! - at least 40 participant-visits a month (参加人次: how many came to
//!   each of the month's activities that took place, as [`attendance`]
//!   counts them, summed);
//! - visits growing about 20% a year (this month so far against the same
//!   days of the same month a year before);
//! - the study club (学习社) at least 30% of the year's activities.
//!
//! A yardstick without data to judge by says so (`None`) instead of failing
//! the center. The rating in the ledger is the one an evaluation gave (it
//! weighs ten items, most of them not in any data); the yardsticks sit beside
//! it as evidence.

use crate::store::db;
use crate::store::db::params;
use crate::store::ratings::PHONE_RATINGS;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::store::{Center, Store, StoreError};

pub const MIN_ACTIVITIES: u64 = 2;
pub const MIN_PARTICIPANT_VISITS: u64 = 40;
pub const GROWTH_TARGET_PCT: f64 = 20.0;
pub const STUDY_CLUB_MIN_PCT: f64 = 30.0;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Yardsticks {
    pub center_id: u64,
    pub center: String,
    /// `YYYY-MM`.
    pub month: String,
    pub activities: u64,
    pub participant_visits: u64,
    /// Counted visits in the month (members and visitors).
    pub visits: u64,
    /// Visits on the same days of the same month a year before.
    pub visits_a_year_before: u64,
    /// `None` when there were no visits a year before to compare with.
    pub growth_pct: Option<f64>,
    pub activities_this_year: u64,
    pub study_club_this_year: u64,
    /// `None` when the year has no activities yet.
    pub study_club_pct: Option<f64>,
    pub activities_met: bool,
    pub visits_met: bool,
    pub growth_met: Option<bool>,
    pub study_club_met: Option<bool>,
    /// Visits rated at the kiosks in the month (好差评, the latest rating
    /// of each), and how many satisfied; `None` without ratings. Shown
    /// beside the yardsticks, not one of them.
    pub ratings: u64,
    pub satisfied: u64,
    pub satisfaction_pct: Option<f64>,
}

impl Yardsticks {
    /// Yardsticks met, out of those that could be judged.
    pub fn score(&self) -> (usize, usize) {
        let judged = [
            Some(self.activities_met),
            Some(self.visits_met),
            self.growth_met,
            self.study_club_met,
        ];
        (
            judged.iter().filter(|m| **m == Some(true)).count(),
            judged.iter().filter(|m| m.is_some()).count(),
        )
    }
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The yardsticks of each center for the month of `month_day` up to `today`
/// (a past month counts whole).
pub fn for_centers(
    store: &Store,
    centers: &[Center],
    month_day: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<Yardsticks>, StoreError> {
    let first = month_day.with_day(1).unwrap_or(month_day);
    let last_of_month = (first + chrono::Months::new(1)) - chrono::Days::new(1);
    let last = last_of_month.min(today.max(first));
    let a_year_before = |d: NaiveDate| d - chrono::Months::new(12);
    let year_start = NaiveDate::from_ymd_opt(first.year(), 1, 1).unwrap_or(first);
    let mut out = Vec::with_capacity(centers.len());
    for c in centers {
        let (ratings, satisfied) = store.read(|conn| {
            conn.prepare(&format!(
                "SELECT count(*), coalesce(sum(CASE WHEN reason IN ({}) THEN 1 ELSE 0 END), 0)
                 FROM events r
                 WHERE center_id = ?1 AND local_date BETWEEN ?2 AND ?3 AND kind = 'rated' AND {}",
                crate::store::ratings::SATISFIED,
                crate::store::ratings::LATEST_RATING
            ))?
            .query_row(params![c.id, ymd(first), ymd(last)], |r| {
                Ok((r.get::<u64>(0)?, r.get::<u64>(1)?))
            })
        })?;
        let (phone, phone_satisfied) = store.read(|conn| {
            conn.query_row(
                &format!(
                    "{PHONE_RATINGS} WHERE a.center_id = ?1 AND a.local_date BETWEEN ?2 AND ?3"
                ),
                params![c.id, ymd(first), ymd(last)],
                |r| Ok((r.get::<u64>(0)?, r.get::<u64>(1)?)),
            )
        })?;
        let (ratings, satisfied) = (ratings + phone, satisfied + phone_satisfied);
        let (visits, before, activities, year_acts, year_club) = store.read(|conn| {
            let visits = |from: NaiveDate, to: NaiveDate| -> db::Result<u64> {
                conn.prepare(
                    "SELECT coalesce(sum(member_visits + visitors), 0) FROM daily_counts
                     WHERE center_id = ?1 AND local_date BETWEEN ?2 AND ?3",
                )?
                .query_row(params![c.id, ymd(from), ymd(to)], |r| r.get(0))
            };
            let acts = |from: NaiveDate, to: NaiveDate| -> db::Result<(u64, u64)> {
                conn.prepare(
                    "SELECT count(*), coalesce(sum(study_club), 0) FROM activities
                     WHERE center_id = ?1 AND local_date BETWEEN ?2 AND ?3
                       AND status NOT IN ('cancelled', 'withdrawn') AND room = 0",
                )?
                .query_row(params![c.id, ymd(from), ymd(to)], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
            };
            Ok((
                visits(first, last)?,
                visits(a_year_before(first), a_year_before(last))?,
                acts(first, last)?.0,
                acts(year_start, last)?.0,
                acts(year_start, last)?.1,
            ))
        })?;
        // Who came to each of the month's activities, so far.
        let mut participants = 0;
        for a in store.activities(c.id, &ymd(first), &ymd(last))? {
            if !a.status.is_off() && !a.room {
                participants += attendance(store, c, &a)?;
            }
        }
        let growth_pct = (before > 0).then(|| (visits as f64 / before as f64 - 1.0) * 100.0);
        let study_club_pct = (year_acts > 0).then(|| year_club as f64 * 100.0 / year_acts as f64);
        out.push(Yardsticks {
            center_id: c.id,
            center: c.name.clone(),
            month: first.format("%Y-%m").to_string(),
            activities,
            participant_visits: participants,
            visits,
            visits_a_year_before: before,
            growth_pct,
            activities_this_year: year_acts,
            study_club_this_year: year_club,
            study_club_pct,
            activities_met: activities >= MIN_ACTIVITIES,
            visits_met: participants >= MIN_PARTICIPANT_VISITS,
            // "About 20%": within a tenth of the target counts as met.
            growth_met: growth_pct.map(|g| g >= GROWTH_TARGET_PCT * 0.9),
            study_club_met: study_club_pct.map(|p| p >= STUDY_CLUB_MIN_PCT),
            ratings,
            satisfied,
            satisfaction_pct: (ratings > 0).then(|| satisfied as f64 * 100.0 / ratings as f64),
        });
    }
    Ok(out)
}

/// How many came to an activity: staff's count where they corrected it,
/// else counted visits at the center during its hours that day.
pub fn attendance(
    store: &Store,
    center: &Center,
    activity: &crate::store::activities::Activity,
) -> Result<u64, StoreError> {
    Ok(attendances(store, &[(center, activity)])?
        .first()
        .copied()
        .unwrap_or(0))
}

/// Activities counted by one statement: a page of a province's month in
/// one query, not one each ([`attendances`]).
const ATTENDANCE_ROWS: usize = 100;

/// [`attendance`] for many activities (of any centers), in order: one
/// grouped query for each hundred.
pub fn attendances(
    store: &Store,
    activities: &[(&Center, &crate::store::activities::Activity)],
) -> Result<Vec<u64>, StoreError> {
    let mut came = vec![0u64; activities.len()];
    // (its place in `activities`, center, date, window, content id, kind)
    let mut counted = Vec::new();
    for (i, (center, a)) in activities.iter().enumerate() {
        if let Some(n) = a.attendance_override {
            came[i] = n;
        } else if let Some((from, to)) = a.window_ms(center.tz()) {
            counted.push((
                i as i64,
                center.id as i64,
                a.local_date.as_str(),
                from,
                to,
                a.content_id.as_deref().unwrap_or(""),
                a.category.as_str(),
            ));
        }
    }
    if counted.is_empty() {
        return Ok(came);
    }
    // One shape of the statement, whatever the number: a short last
    // chunk is filled with windows that hold nothing (no center 0).
    let row = "(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), \
               CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT))";
    let mut windows = String::new();
    for i in 0..ATTENDANCE_ROWS {
        if i > 0 {
            windows.push_str(", ");
        }
        let mut numbered = String::new();
        let mut n = i * 7;
        for c in row.chars() {
            if c == '?' {
                n += 1;
                numbered.push_str(&format!("?{n}"));
            } else {
                numbered.push(c);
            }
        }
        windows.push_str(&numbered);
    }
    // Arrivals up to half an hour early count for the activity: a member
    // who said they came for it (or whose kiosk did not ask: nothing ran
    // there, or a kiosk before the question), and a visitor who came for
    // an activity or for its kind of service. A member who said "just
    // visiting", or came for another activity, is not counted.
    let sql = format!(
        "WITH w(i, center_id, local_date, from_ms, to_ms, content_id, category) AS (VALUES {windows})
         SELECT w.i, count(*) FROM w JOIN events e
           ON e.center_id = w.center_id AND e.local_date = w.local_date
          AND e.at_ms BETWEEN w.from_ms AND w.to_ms
          AND e.voided_by_seq IS NULL AND e.same_visit_as IS NULL
          AND ((e.kind = 'member_check_in' AND (e.activity IS NULL OR e.activity = w.content_id))
               OR (e.kind = 'visitor' AND e.purpose IN ('featured', w.category)))
         GROUP BY w.i"
    );
    let nothing = (-1i64, 0i64, "", 0i64, -1i64, "", "");
    for chunk in counted.chunks(ATTENDANCE_ROWS) {
        let mut values: Vec<&dyn crate::store::db::ToValue> =
            Vec::with_capacity(ATTENDANCE_ROWS * 7);
        for w in chunk
            .iter()
            .chain(std::iter::repeat_n(&nothing, ATTENDANCE_ROWS - chunk.len()))
        {
            values.extend_from_slice(&[&w.0, &w.1, &w.2, &w.3, &w.4, &w.5, &w.6]);
        }
        let rows = store.read(|conn| {
            conn.query_map(&sql, &values[..], |r| {
                Ok((r.get::<i64>(0)?, r.get::<u64>(1)?))
            })
        })?;
        for (i, n) in rows {
            if let Some(c) = usize::try_from(i).ok().and_then(|i| came.get_mut(i)) {
                *c = n;
            }
        }
    }
    Ok(came)
}

/// How the members who came to an activity rated it: from their phones,
/// and at the kiosks (the visit counted for it, rated at their next
/// check-in or check-out; the latest rating of each): (ratings, satisfied).
pub fn activity_ratings(
    store: &Store,
    center: &Center,
    activity: &crate::store::activities::Activity,
) -> Result<(u64, u64), StoreError> {
    let phone = store.phone_ratings(activity.id)?;
    let (Some(id), Some((from, to))) = (&activity.content_id, activity.window_ms(center.tz()))
    else {
        return Ok(phone);
    };
    let kiosk: (u64, u64) = store.read(|conn| {
        conn.query_row(
            &format!(
                "SELECT count(*), coalesce(sum(CASE WHEN r.reason IN ({}) THEN 1 ELSE 0 END), 0)
                 FROM events r JOIN events e ON e.device_id = r.device_id AND e.seq = r.for_seq
                 WHERE r.kind = 'rated' AND {}
                   AND e.center_id = ?1 AND e.local_date = ?2 AND e.kind = 'member_check_in'
                   AND e.voided_by_seq IS NULL AND e.at_ms BETWEEN ?3 AND ?4 AND e.activity = ?5",
                crate::store::ratings::SATISFIED,
                crate::store::ratings::LATEST_RATING
            ),
            params![center.id, activity.local_date, from, to, id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    })?;
    Ok((kiosk.0 + phone.0, kiosk.1 + phone.1))
}

/// Members at an activity by their sign-ups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Turnout {
    /// Members booked who came for it.
    pub booked_came: u64,
    /// Members who came for it without being booked.
    pub walk_ins: u64,
    /// Members booked who did not come (so far).
    pub no_shows: u64,
}

/// Who of the members came to an activity planned by content, by their
/// sign-ups: those who came for it (signed up, or said so at the kiosk)
/// within its hours. `None` for an activity without a content id.
pub fn turnout(
    store: &Store,
    center: &Center,
    activity: &crate::store::activities::Activity,
) -> Result<Option<Turnout>, StoreError> {
    let (Some(id), Some((from, to))) = (&activity.content_id, activity.window_ms(center.tz()))
    else {
        return Ok(None);
    };
    store.read(|conn| {
        let came: std::collections::BTreeSet<u32> = conn
            .query_map(
                "SELECT DISTINCT member_id FROM events WHERE center_id = ?1 AND local_date = ?2
                   AND kind = 'member_check_in' AND voided_by_seq IS NULL
                   AND at_ms BETWEEN ?3 AND ?4 AND activity = ?5",
                params![center.id, activity.local_date, from, to, id],
                |r| r.get(0),
            )?
            .into_iter()
            .collect();
        let booked: Vec<u32> = conn.query_map(
            "SELECT member_id FROM signups WHERE activity_id = ?1 AND status = 'booked'",
            params![activity.id],
            |r| r.get(0),
        )?;
        let booked_came = booked.iter().filter(|m| came.contains(m)).count() as u64;
        Ok(Some(Turnout {
            booked_came,
            walk_ins: came.len() as u64 - booked_came,
            no_shows: booked.len() as u64 - booked_came,
        }))
    })
}

/// The ledger's columns: seed 001 annex 2, then the yardsticks as evidence.
pub const LEDGER_HEADER: [&str; 15] = [
    "序号",
    "青年中心名称",
    "负责人",
    "联系电话",
    "地址",
    "成立时间",
    "是否入驻云平台",
    "隶属关系",
    "评价等级",
    "本月活动次数",
    "本月参加人次",
    "同比增长",
    "学习社占比",
    "本月满意率",
    "数据指标达标",
];

/// One ledger row per center, as text cells.
pub fn ledger_rows(
    store: &Store,
    centers: &[Center],
    sticks: &[Yardsticks],
) -> Result<Vec<Vec<String>>, StoreError> {
    let pct = |p: Option<f64>| {
        p.map(|v| format!("{v:.0}%"))
            .unwrap_or_else(|| "无数据".into())
    };
    let mut rows = Vec::new();
    for (i, (c, y)) in centers.iter().zip(sticks).enumerate() {
        let p = store.profile(c.id)?;
        let (met, judged) = y.score();
        rows.push(vec![
            (i + 1).to_string(),
            c.name.clone(),
            p.manager,
            p.phone,
            p.address,
            p.founded,
            if store.has_devices(c.id)? {
                "是"
            } else {
                "否"
            }
            .to_string(),
            p.affiliation,
            if p.rating.is_empty() {
                "待评".to_string()
            } else {
                p.rating
            },
            y.activities.to_string(),
            y.participant_visits.to_string(),
            pct(y.growth_pct),
            pct(y.study_club_pct),
            pct(y.satisfaction_pct),
            format!("{met}/{judged}"),
        ]);
    }
    Ok(rows)
}

/// The ledger as CSV (UTF-8 with a BOM for spreadsheet programs).
pub fn ledger_csv(rows: &[Vec<String>]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(LEDGER_HEADER)?;
        for r in rows {
            w.write_record(
                r.iter()
                    .map(|c| protocol::text::spreadsheet_cell(c).into_owned()),
            )?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// The ledger as an XLSX workbook.
pub fn ledger_xlsx(title: &str, rows: &[Vec<String>]) -> anyhow::Result<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("台账")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    sheet.write_string_with_format(0, 0, title, &bold)?;
    for (col, h) in LEDGER_HEADER.iter().enumerate() {
        sheet.write_string_with_format(2, u16::try_from(col)?, *h, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 3)?;
        for (col, cell) in row.iter().enumerate() {
            let col = u16::try_from(col)?;
            // Counts are numbers in the sheet, so they add up there.
            if (col == 0 || col == 9 || col == 10)
                && let Ok(n) = cell.parse::<f64>()
            {
                sheet.write_number(r, col, n)?;
            } else {
                sheet.write_string(r, col, cell)?;
            }
        }
    }
    sheet.autofit();
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use protocol::catalog::ServiceCategory;
    use protocol::wire::{ClockInfo, Event, EventKind};

    fn at(date: &str, hour: u32) -> i64 {
        let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date");
        chrono_tz::Asia::Shanghai
            .from_local_datetime(&d.and_hms_opt(hour, 0, 0).expect("time"))
            .single()
            .expect("local")
            .timestamp_millis()
    }

    /// Ingests `n` visitors at a center on a date, as a kiosk would.
    fn visits(s: &Store, device: &crate::store::Device, seq: &mut u64, date: &str, n: u64) {
        let page: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                *seq += 1;
                serde_json::to_value(Event {
                    seq: *seq,
                    at_ms: at(date, 10) + i as i64,
                    clock: ClockInfo {
                        boot_id: "b".into(),
                        monotonic_ms: 0,
                        synchronized: true,
                    },
                    kind: EventKind::Visitor {
                        age_band: protocol::catalog::AgeBand::From18To24,
                        purpose: ServiceCategory::Featured,
                    },
                })
                .expect("json")
            })
            .collect();
        assert_eq!(
            s.ingest(
                device,
                &protocol::wire::Received::page(page.iter().cloned())
            )
            .expect("ingest")
            .stored as u64,
            n
        );
    }

    /// 好差评 of an activity: the visits counted for it, rated at the
    /// kiosk; a visit rated twice counts its latest rating; other visits
    /// are not its.
    #[test]
    fn an_activity_is_rated_by_the_visits_that_came_for_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
            .expect("open");
        let center = s.add_center("城东青年之家", "Asia/Shanghai").expect("c");
        let code = s.create_enroll_code(center, 1).expect("code");
        let (_, token, _) = s.enroll(&code, "k", "0").expect("enroll");
        let kiosk = s.device_by_token(&token).expect("dev").expect("device");
        let a = s.add_member(center, "林小雨", None).expect("m");
        let b = s.add_member(center, "陈思远", None).expect("m");
        let event = |seq: u64, hour: u32, kind: EventKind| {
            serde_json::to_value(Event {
                seq,
                at_ms: at("2026-11-03", hour),
                clock: ClockInfo {
                    boot_id: "b".into(),
                    monotonic_ms: 0,
                    synchronized: true,
                },
                kind,
            })
            .expect("json")
        };
        let came = |member_id, activity: &str| EventKind::MemberCheckIn {
            member_id,
            via: protocol::wire::CredentialKind::QrToken,
            activity: Some(activity.into()),
        };
        let rated = |for_seq, satisfaction| EventKind::Rated {
            for_seq,
            satisfaction,
        };
        use protocol::catalog::Satisfaction::*;
        let page = [
            event(1, 10, came(a, "a-read")),
            event(2, 10, came(b, "a-read")),
            // Just visiting: not the activity's.
            event(3, 10, came(a, "")),
            event(4, 12, rated(1, Satisfied)),
            event(5, 12, rated(2, Satisfied)),
            event(6, 12, rated(3, VeryDissatisfied)),
            // The first visit rated again: the latest stands.
            event(7, 13, rated(1, Dissatisfied)),
        ];
        let got = s
            .ingest(
                &kiosk,
                &protocol::wire::Received::page(page.iter().cloned()),
            )
            .expect("ingest");
        assert_eq!(got.stored, 7);
        let id = s
            .add_activity(
                center,
                "读书会",
                ServiceCategory::CultureLearning,
                true,
                day("2026-11-03"),
                "09:30",
                "11:00",
                "",
            )
            .expect("activity");
        let mut read = s.activity(id).expect("activity");
        let c = s.center(center).expect("center");
        assert_eq!(
            activity_ratings(&s, &c, &read).expect("ratings"),
            (0, 0),
            "no content id"
        );
        read.content_id = Some("a-read".into());
        assert_eq!(activity_ratings(&s, &c, &read).expect("ratings"), (2, 1));
        // The month's satisfaction counts every rated visit, once.
        let y = for_centers(&s, &[c], day("2026-11-03"), day("2026-11-30")).expect("yardsticks");
        assert_eq!((y[0].ratings, y[0].satisfied), (3, 1));
    }

    fn day(d: &str) -> NaiveDate {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn yardsticks_judge_a_known_month_and_say_when_there_is_no_data() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
            .expect("open");
        let busy = s.add_center("城东青年之家", "Asia/Shanghai").expect("c");
        let quiet = s.add_center("村青年之家", "Asia/Shanghai").expect("c");
        let code = s.create_enroll_code(busy, 1).expect("code");
        let (_, token, _) = s.enroll(&code, "k", "0").expect("enroll");
        let kiosk = s.device_by_token(&token).expect("dev").expect("device");
        let code = s.create_enroll_code(quiet, 1).expect("code");
        let (_, token, _) = s.enroll(&code, "k", "0").expect("enroll");
        let quiet_kiosk = s.device_by_token(&token).expect("dev").expect("device");
        let (mut seq, mut qseq) = (0, 0);
        visits(&s, &kiosk, &mut seq, "2026-11-03", 25);
        visits(&s, &kiosk, &mut seq, "2026-11-20", 20);
        // A year before: 30 on the same days, and more after the 24th that
        // must not be compared with a month not over yet.
        visits(&s, &kiosk, &mut seq, "2025-11-10", 30);
        visits(&s, &kiosk, &mut seq, "2025-11-28", 50);
        visits(&s, &quiet_kiosk, &mut qseq, "2026-11-05", 10);
        let add = |c, date: &str, club: bool| {
            s.add_activity(
                c,
                "读书会",
                ServiceCategory::CultureLearning,
                club,
                day(date),
                "09:30",
                "11:00",
                "",
            )
            .expect("activity")
        };
        add(busy, "2026-03-01", true);
        add(busy, "2026-05-01", false);
        // The month's visitors all came for the activity of their day (at
        // 10:00): 25 + 20 took part, nobody on the 16th.
        add(busy, "2026-11-03", true);
        add(busy, "2026-11-20", false);
        add(busy, "2026-11-16", false);
        // After today: not held yet.
        add(busy, "2026-11-30", true);
        add(quiet, "2026-11-05", false);

        let centers = vec![s.center(busy).expect("c"), s.center(quiet).expect("c")];
        let y =
            for_centers(&s, &centers, day("2026-11-24"), day("2026-11-24")).expect("yardsticks");
        let b = &y[0];
        assert_eq!(
            (b.activities, b.participant_visits, b.visits_a_year_before),
            (3, 45, 30)
        );
        assert_eq!(b.growth_pct.map(|g| g.round()), Some(50.0));
        assert_eq!((b.activities_this_year, b.study_club_this_year), (5, 2));
        assert_eq!(b.study_club_pct.map(|p| p.round()), Some(40.0));
        assert!(b.activities_met && b.visits_met);
        assert_eq!((b.growth_met, b.study_club_met), (Some(true), Some(true)));
        assert_eq!(b.score(), (4, 4));
        let q = &y[1];
        assert!(!q.activities_met && !q.visits_met);
        assert_eq!(
            (q.growth_pct, q.growth_met),
            (None, None),
            "nothing a year before"
        );
        assert_eq!(q.study_club_met, Some(false));
        assert_eq!(q.score(), (0, 3));

        s.set_profile(
            busy,
            &crate::store::ledger::ProfileChange {
                manager: Some("张老师".into()),
                affiliation: Some("城市街道团委".into()),
                rating: Some("较好".into()),
                ..Default::default()
            },
        )
        .expect("profile");
        assert!(
            s.set_profile(
                busy,
                &crate::store::ledger::ProfileChange {
                    affiliation: Some("football club".into()),
                    ..Default::default()
                }
            )
            .is_err()
        );
        let rows = ledger_rows(&s, &centers, &y).expect("rows");
        assert_eq!(
            rows[0],
            vec![
                "1",
                "城东青年之家",
                "张老师",
                "",
                "",
                "",
                "是",
                "城市街道团委",
                "较好",
                "3",
                "45",
                "50%",
                "40%",
                "无数据",
                "4/4"
            ]
        );
        assert_eq!(rows[1][8], "待评");
        assert_eq!(rows[1][11], "无数据");
        let xlsx = ledger_xlsx("台账", &rows).expect("xlsx");
        assert_eq!(&xlsx[..2], b"PK");
        let csv = String::from_utf8(ledger_csv(&rows).expect("csv")).expect("utf-8");
        assert!(csv.starts_with("\u{feff}序号,青年中心名称,负责人"));
        // A manager's name typed as a formula is written as text.
        let mut hostile = rows.clone();
        hostile[0][2] = "=cmd|' /C calc'!A0".into();
        hostile[0][3] = "+86 571 0000".into();
        let csv = String::from_utf8(ledger_csv(&hostile).expect("csv")).expect("utf-8");
        let line = csv.lines().nth(1).expect("row");
        assert!(
            line.contains(",'=cmd|' /C calc'!A0,'+86 571 0000,"),
            "{line}"
        );

        // An activity's attendance: those who came for it during its hours
        // (and half an hour before); the quiet center's ten came for it.
        let acts = s
            .activities(quiet, "2026-11-01", "2026-11-30")
            .expect("acts");
        assert_eq!(attendance(&s, &centers[1], &acts[0]).expect("came"), 10);
        assert_eq!(q.participant_visits, 10);
    }
}
