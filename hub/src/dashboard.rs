//! The numbers behind the dashboard: visits of every center a user may see,
//! today, over the last 7 days and this month, with the daily series.
//!
//! Visit counts come from the `daily_counts` roll-up (kept at ingest, voids
//! subtracted), so a city's year is a few thousand rows, not millions;
//! distinct members come from the events of the month, through the
//! `(center_id, local_date)` index.

use crate::store::db::params;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::store::users::{Scope, User};
use crate::store::{Store, StoreError};

/// The calendar the dashboard counts days on (the whole network is on
/// China Standard Time); each event's own date is its center's local date.
pub const NETWORK_TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// Days in the daily series.
pub const SERIES_DAYS: u64 = 30;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Member check-ins plus visitors.
    pub today: u64,
    pub last_7_days: u64,
    pub this_month: u64,
    pub distinct_members_this_month: u64,
    pub new_members_this_month: u64,
    pub visitors_this_month: u64,
    /// Volunteers' counted service time this month (paired shifts only).
    pub volunteer_minutes_this_month: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CenterRow {
    pub id: u64,
    pub name: String,
    pub region: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    /// What the user sees: their region's or center's name.
    pub scope_name: String,
    pub today: String,
    pub totals: Figures,
    /// `(YYYY-MM-DD, visits)` for the last [`SERIES_DAYS`] days, oldest first.
    pub daily: Vec<(String, u64)>,
    /// `(first day of the week, visits)` for the last 12 weeks (Monday first).
    pub weekly: Vec<(String, u64)>,
    /// `(YYYY-MM, visits)` for the last 12 months.
    pub monthly: Vec<(String, u64)>,
    /// This month's visitors by age band and by purpose (category codes).
    pub visitors_by_age_band: std::collections::BTreeMap<String, u64>,
    pub visitors_by_purpose: std::collections::BTreeMap<String, u64>,
    /// This month's activities, newest first (at most 100), with attendance.
    pub activities: Vec<ActivityRow>,
    /// For a region scope: one row per region directly below it (a city
    /// admin's counties), each summing its centers. Empty otherwise.
    pub regions: Vec<RegionRow>,
    pub centers: Vec<CenterRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionRow {
    pub id: u64,
    pub name: String,
    pub centers: u64,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityRow {
    pub center: String,
    pub date: String,
    pub time: String,
    pub title: String,
    pub category: String,
    pub study_club: bool,
    /// Counted visits during the activity's hours (from half an hour before).
    pub came: u64,
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The overview for a user on `today` (the network's local date).
pub fn overview(store: &Store, user: &User, today: NaiveDate) -> Result<Overview, StoreError> {
    let centers = store.centers_in(user.scope)?;
    let scope_name = match user.scope {
        Scope::Center(id) => store.center(id)?.name,
        Scope::Region(id) => store.region(id)?.name,
    };
    let all_regions = store.regions()?;
    let regions: std::collections::HashMap<u64, String> =
        all_regions.iter().map(|r| (r.id, r.name.clone())).collect();
    let parents: std::collections::HashMap<u64, Option<u64>> =
        all_regions.iter().map(|r| (r.id, r.parent_id)).collect();
    // The region right below the scope's region that a center's region lies in.
    let top_below = |region: Option<u64>| -> Option<u64> {
        let Scope::Region(scope) = user.scope else {
            return None;
        };
        let mut r = region?;
        for _ in 0..16 {
            match parents.get(&r).copied().flatten() {
                Some(p) if p == scope => return Some(r),
                Some(p) => r = p,
                None => return None,
            }
        }
        None
    };
    let ids = serde_json::to_string(&centers.iter().map(|c| c.id).collect::<Vec<_>>())
        .map_err(|e| StoreError::Invalid(format!("{e}")))?;
    let week_start = today - chrono::Days::new(6);
    let month_start = today.with_day(1).unwrap_or(today);
    let series_start = today - chrono::Days::new(SERIES_DAYS - 1);
    let week_of =
        |d: NaiveDate| d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()));
    let weeks_start = week_of(today) - chrono::Days::new(7 * 11);
    let months_start = month_start - chrono::Months::new(11);
    let first = series_start
        .min(month_start)
        .min(weeks_start)
        .min(months_start);
    let mut weekly: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    let mut monthly: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    let month_start_ms = month_start
        .and_hms_opt(0, 0, 0)
        .and_then(|t| chrono::TimeZone::from_local_datetime(&NETWORK_TZ, &t).single())
        .map(|t| t.timestamp_millis())
        .unwrap_or(0);

    let mut per_center: std::collections::HashMap<u64, Figures> = std::collections::HashMap::new();
    let mut daily: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    let (mut totals, distinct_total) = store.read(|conn| {
        // Each center's figures of the last weeks, summed by the database.
        let recent = week_start.min(month_start);
        let mut stmt = conn.prepare(
            "SELECT center_id,
                    sum(CASE WHEN local_date = ?2 THEN member_visits + visitors ELSE 0 END),
                    sum(CASE WHEN local_date >= ?3 THEN member_visits + visitors ELSE 0 END),
                    sum(CASE WHEN local_date >= ?4 THEN member_visits + visitors ELSE 0 END),
                    sum(CASE WHEN local_date >= ?4 THEN visitors ELSE 0 END)
             FROM daily_counts
             WHERE center_id IN (SELECT value FROM json_each(?1))
               AND local_date BETWEEN ?5 AND ?2
             GROUP BY center_id",
        )?;
        let mut rows = stmt.query(params![
            ids,
            ymd(today),
            ymd(week_start),
            ymd(month_start),
            ymd(recent)
        ])?;
        while let Some(r) = rows.next()? {
            let f = per_center.entry(r.get(0)?).or_default();
            f.today = r.get(1)?;
            f.last_7_days = r.get(2)?;
            f.this_month = r.get(3)?;
            f.visitors_this_month = r.get(4)?;
        }
        // The network's visits by day over the charts' year: one row a day,
        // however many centers.
        let mut stmt = conn.prepare(
            "SELECT local_date, sum(member_visits + visitors) FROM daily_counts
             WHERE center_id IN (SELECT value FROM json_each(?1))
               AND local_date BETWEEN ?2 AND ?3
             GROUP BY local_date",
        )?;
        let mut rows = stmt.query(params![ids, ymd(first), ymd(today)])?;
        let s = ymd(series_start);
        while let Some(r) = rows.next()? {
            let date: String = r.get(0)?;
            let visits: u64 = r.get(1)?;
            if let Ok(d) = NaiveDate::parse_from_str(&date, "%Y-%m-%d") {
                if d >= weeks_start {
                    *weekly.entry(ymd(week_of(d))).or_default() += visits;
                }
                *monthly.entry(d.format("%Y-%m").to_string()).or_default() += visits;
            }
            if date >= s {
                *daily.entry(date).or_default() += visits;
            }
        }
        let mut stmt = conn.prepare(
            "SELECT center_id, count(DISTINCT member_id) FROM events
             WHERE center_id IN (SELECT value FROM json_each(?1))
               AND local_date BETWEEN ?2 AND ?3
               AND kind = 'member_check_in' AND voided_by_seq IS NULL
             GROUP BY center_id",
        )?;
        let mut rows = stmt.query(params![ids, ymd(month_start), ymd(today)])?;
        while let Some(r) = rows.next()? {
            per_center
                .entry(r.get(0)?)
                .or_default()
                .distinct_members_this_month = r.get(1)?;
        }
        let distinct_total: u64 = conn.query_row(
            "SELECT count(DISTINCT member_id) FROM events
             WHERE center_id IN (SELECT value FROM json_each(?1))
               AND local_date BETWEEN ?2 AND ?3
               AND kind = 'member_check_in' AND voided_by_seq IS NULL",
            params![ids, ymd(month_start), ymd(today)],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare(
            "SELECT center_id, count(*) FROM members
             WHERE center_id IN (SELECT value FROM json_each(?1)) AND created_at_ms >= ?2
             GROUP BY center_id",
        )?;
        let mut rows = stmt.query(params![ids, month_start_ms])?;
        while let Some(r) = rows.next()? {
            per_center
                .entry(r.get(0)?)
                .or_default()
                .new_members_this_month = r.get(1)?;
        }
        Ok((Figures::default(), distinct_total))
    })?;
    // One pass over the month's visitors gives both breakdowns.
    let (visitors_by_age_band, visitors_by_purpose) = store.read(|conn| {
        let mut ages = std::collections::BTreeMap::new();
        let mut purposes = std::collections::BTreeMap::new();
        let mut stmt = conn.prepare(
            "SELECT age_band, purpose, count(*) FROM events
             WHERE center_id IN (SELECT value FROM json_each(?1))
               AND local_date BETWEEN ?2 AND ?3 AND kind = 'visitor'
               AND voided_by_seq IS NULL
             GROUP BY age_band, purpose",
        )?;
        let mut rows = stmt.query(params![ids, ymd(month_start), ymd(today)])?;
        while let Some(r) = rows.next()? {
            let n: u64 = r.get(2)?;
            if let Some(a) = r.get::<Option<String>>(0)? {
                *ages.entry(a).or_default() += n;
            }
            if let Some(p) = r.get::<Option<String>>(1)? {
                *purposes.entry(p).or_default() += n;
            }
        }
        Ok((ages, purposes))
    })?;
    // The month's activities of every center, and which centers had
    // volunteers on duty, in one query each (a province has thousands of
    // centers; a query per center was most of its overview's time).
    let mut activities_of: std::collections::HashMap<u64, Vec<_>> =
        std::collections::HashMap::new();
    for a in store.activities_of(&ids, &ymd(month_start), &ymd(today))? {
        activities_of.entry(a.center_id).or_default().push(a);
    }
    let volunteering: std::collections::HashSet<u64> = store
        .read(|conn| {
            conn.query_map(
                "SELECT DISTINCT center_id FROM events
                 WHERE center_id IN (SELECT value FROM json_each(?1))
                   AND local_date BETWEEN ?2 AND ?3
                   AND kind IN ('volunteer_in', 'volunteer_out')",
                params![ids, ymd(month_start), ymd(today)],
                |r| r.get(0),
            )
        })?
        .into_iter()
        .collect();
    let mut activities = Vec::new();
    for c in &centers {
        for a in activities_of.remove(&c.id).unwrap_or_default() {
            let came = crate::yardsticks::attendance(store, c, &a)?;
            activities.push(ActivityRow {
                center: c.name.clone(),
                time: format!("{}–{}", a.start, a.end),
                date: a.local_date,
                title: a.title,
                category: a.category,
                study_club: a.study_club,
                came,
            });
        }
        if volunteering.contains(&c.id) {
            let hours = crate::volunteer::hours(store, c.id, month_start, today, today)?;
            per_center
                .entry(c.id)
                .or_default()
                .volunteer_minutes_this_month = hours.totals.iter().map(|t| t.minutes).sum();
        }
    }
    activities.sort_by(|a, b| (&b.date, &b.time).cmp(&(&a.date, &a.time)));
    activities.truncate(100);
    let mut by_region: std::collections::BTreeMap<u64, RegionRow> =
        std::collections::BTreeMap::new();
    let rows: Vec<CenterRow> = centers
        .into_iter()
        .map(|c| {
            let figures = per_center.remove(&c.id).unwrap_or_default();
            if let Some(r) = top_below(c.region_id) {
                let row = by_region.entry(r).or_insert_with(|| RegionRow {
                    id: r,
                    name: regions.get(&r).cloned().unwrap_or_default(),
                    centers: 0,
                    figures: Figures::default(),
                });
                row.centers += 1;
                let f = &mut row.figures;
                f.today += figures.today;
                f.last_7_days += figures.last_7_days;
                f.this_month += figures.this_month;
                f.distinct_members_this_month += figures.distinct_members_this_month;
                f.new_members_this_month += figures.new_members_this_month;
                f.visitors_this_month += figures.visitors_this_month;
                f.volunteer_minutes_this_month += figures.volunteer_minutes_this_month;
            }
            totals.today += figures.today;
            totals.last_7_days += figures.last_7_days;
            totals.this_month += figures.this_month;
            totals.new_members_this_month += figures.new_members_this_month;
            totals.visitors_this_month += figures.visitors_this_month;
            totals.volunteer_minutes_this_month += figures.volunteer_minutes_this_month;
            CenterRow {
                id: c.id,
                region: c
                    .region_id
                    .and_then(|r| regions.get(&r).cloned())
                    .unwrap_or_default(),
                name: c.name,
                figures,
            }
        })
        .collect();
    totals.distinct_members_this_month = distinct_total;
    let daily = (0..SERIES_DAYS)
        .map(|i| {
            let d = ymd(series_start + chrono::Days::new(i));
            let n = daily.get(&d).copied().unwrap_or(0);
            (d, n)
        })
        .collect();
    let weekly = (0..12)
        .map(|i| {
            let w = ymd(weeks_start + chrono::Days::new(7 * i));
            let n = weekly.get(&w).copied().unwrap_or(0);
            (w, n)
        })
        .collect();
    let monthly = (0..12)
        .map(|i| {
            let m = (months_start + chrono::Months::new(i))
                .format("%Y-%m")
                .to_string();
            let n = monthly.get(&m).copied().unwrap_or(0);
            (m, n)
        })
        .collect();
    Ok(Overview {
        scope_name,
        today: ymd(today),
        totals,
        daily,
        weekly,
        monthly,
        visitors_by_age_band,
        visitors_by_purpose,
        activities,
        regions: by_region.into_values().collect(),
        centers: rows,
    })
}

/// The daily series as an SVG bar chart (plotters), for the dashboard page.
pub fn daily_chart(daily: &[(String, u64)]) -> Result<String, String> {
    bar_chart(daily, 10, |d| d.get(5..).unwrap_or(d).to_string())
}

/// A series as an SVG bar chart: `labels` x labels at most, each made from
/// its key by `label`.
pub fn bar_chart(
    series: &[(String, u64)],
    labels: usize,
    label: impl Fn(&str) -> String,
) -> Result<String, String> {
    let daily = series;
    use plotters::prelude::*;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 260)).into_drawing_area();
        let err = |e: &dyn std::fmt::Display| e.to_string();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let max = daily.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
        let n = u32::try_from(daily.len()).unwrap_or(0).max(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(28)
            .y_label_area_size(44)
            .build_cartesian_2d((0u32..n).into_segmented(), 0u64..(max + max / 8 + 1))
            .map_err(|e| err(&e))?;
        let label = |v: &SegmentValue<u32>| match v {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => daily
                .get(*i as usize)
                .map(|(d, _)| label(d))
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(labels)
            .x_label_formatter(&label)
            .y_desc("人次 visits")
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(|e| err(&e))?;
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(RGBColor(0xc8, 0x10, 0x2e).filled())
                    .margin(2)
                    .data(daily.iter().enumerate().map(|(i, (_, v))| (i as u32, *v))),
            )
            .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    Ok(svg)
}
