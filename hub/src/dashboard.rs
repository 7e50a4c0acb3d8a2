//! The numbers behind the dashboard: visits of every center a user may see,
//! today, over the last 7 days and this month, with the daily series.
//!
//! Everything but the ratings and the activities comes from roll-ups kept
//! at ingest (voids subtracted, re-timed events moved; `store::rollup`):
//! visits by center and day, week and month, a month's distinct members
//! and visitors' age bands and purposes. A province's year is a few rows
//! per center, not millions of events.

use crate::store::ratings::{LATEST_RATING, PHONE_RATINGS, SATISFIED};
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::store::db::params;

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
    /// Ratings this month (好差评): visits rated at the kiosks (a visit
    /// rated twice counts its latest rating) and the month's activities
    /// rated on members' phones; and how many of them were satisfied
    /// (非常满意 or 满意).
    pub ratings_this_month: u64,
    pub satisfied_this_month: u64,
}

impl Figures {
    /// Satisfied ratings in percent (满意率), when there are any.
    pub fn satisfaction_percent(&self) -> Option<f64> {
        (self.ratings_this_month > 0)
            .then(|| self.satisfied_this_month as f64 * 100.0 / self.ratings_this_month as f64)
    }
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
    pub visitors_by_age_band: BTreeMap<String, u64>,
    pub visitors_by_purpose: BTreeMap<String, u64>,
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

/// The days an overview counts over, from the network's `today`.
struct Span {
    today: NaiveDate,
    week_start: NaiveDate,
    month_start: NaiveDate,
    /// The first day of the daily series.
    series_start: NaiveDate,
    /// The Monday of the weekly series' first week.
    weeks_start: NaiveDate,
    /// The first month of the monthly series.
    months_start: NaiveDate,
}

impl Span {
    fn new(today: NaiveDate) -> Span {
        let month_start = today.with_day(1).unwrap_or(today);
        Span {
            today,
            week_start: today - chrono::Days::new(6),
            month_start,
            series_start: today - chrono::Days::new(SERIES_DAYS - 1),
            weeks_start: crate::store::monday_of(today) - chrono::Days::new(7 * 11),
            months_start: month_start - chrono::Months::new(11),
        }
    }

    /// The month's first moment on the network's clock.
    fn month_start_ms(&self) -> i64 {
        self.month_start
            .and_hms_opt(0, 0, 0)
            .and_then(|t| chrono::TimeZone::from_local_datetime(&NETWORK_TZ, &t).single())
            .map(|t| t.timestamp_millis())
            .unwrap_or(0)
    }
}

/// The Monday of `d`'s week.
impl Figures {
    /// Adds another's figures; distinct members are not additive and stay
    /// as they are.
    fn add(&mut self, other: &Figures) {
        self.today += other.today;
        self.last_7_days += other.last_7_days;
        self.this_month += other.this_month;
        self.new_members_this_month += other.new_members_this_month;
        self.visitors_this_month += other.visitors_this_month;
        self.volunteer_minutes_this_month += other.volunteer_minutes_this_month;
        self.ratings_this_month += other.ratings_this_month;
        self.satisfied_this_month += other.satisfied_this_month;
    }
}

/// The overview for a user on `today` (the network's local date).
pub fn overview(store: &Store, user: &User, today: NaiveDate) -> Result<Overview, StoreError> {
    let centers = store.centers_in(user.scope)?;
    let scope_name = match user.scope {
        Scope::Center(id) => store.center(id)?.name,
        Scope::Region(id) => store.region(id)?.name,
    };
    let ids = serde_json::to_string(&centers.iter().map(|c| c.id).collect::<Vec<_>>())
        .map_err(|e| StoreError::Invalid(format!("{e}")))?;
    let span = Span::new(today);
    let (mut per_center, distinct_total) = center_figures(store, &ids, &span)?;
    let (daily, weekly, monthly) = series(store, user.scope, &span)?;
    let (visitors_by_age_band, visitors_by_purpose) = visitors_by(store, &ids, &span)?;
    let activities = activities_and_shifts(store, &centers, &ids, &span, &mut per_center)?;

    let all_regions = store.regions()?;
    let names: HashMap<u64, String> = all_regions.iter().map(|r| (r.id, r.name.clone())).collect();
    let parents: HashMap<u64, Option<u64>> =
        all_regions.iter().map(|r| (r.id, r.parent_id)).collect();
    let mut totals = Figures::default();
    let mut by_region: BTreeMap<u64, RegionRow> = BTreeMap::new();
    let rows: Vec<CenterRow> = centers
        .into_iter()
        .map(|c| {
            let figures = per_center.remove(&c.id).unwrap_or_default();
            if let Some(r) = region_below(user.scope, c.region_id, &parents) {
                let row = by_region.entry(r).or_insert_with(|| RegionRow {
                    id: r,
                    name: names.get(&r).cloned().unwrap_or_default(),
                    centers: 0,
                    figures: Figures::default(),
                });
                row.centers += 1;
                row.figures.add(&figures);
                // A member is in one center: a region's distinct members sum.
                row.figures.distinct_members_this_month += figures.distinct_members_this_month;
            }
            totals.add(&figures);
            CenterRow {
                id: c.id,
                region: c
                    .region_id
                    .and_then(|r| names.get(&r).cloned())
                    .unwrap_or_default(),
                name: c.name,
                figures,
            }
        })
        .collect();
    totals.distinct_members_this_month = distinct_total;
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

/// The region right below a region scope that a center's region lies in
/// (a city admin's county); `None` for a center scope or a center outside.
fn region_below(
    scope: Scope,
    region: Option<u64>,
    parents: &HashMap<u64, Option<u64>>,
) -> Option<u64> {
    let Scope::Region(scope) = scope else {
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
}

/// Each center's visits today, over 7 days and this month, its visitors,
/// distinct and new members; and the distinct members of all of them (a
/// member seen at two centers counts once).
fn center_figures(
    store: &Store,
    ids: &str,
    span: &Span,
) -> Result<(HashMap<u64, Figures>, u64), StoreError> {
    let (today, month) = (
        ymd(span.today),
        span.month_start.format("%Y-%m").to_string(),
    );
    let month_start = ymd(span.month_start);
    store.read(|conn| {
        let mut per_center: HashMap<u64, Figures> = HashMap::new();
        // Today's and the last 7 days' from the daily roll-up, the month's
        // from the monthly one.
        let mut stmt = conn.prepare(
            "SELECT center_id,
                    sum(CASE WHEN local_date = ?2 THEN member_visits + visitors ELSE 0 END),
                    sum(member_visits + visitors)
             FROM daily_counts
             WHERE center_id IN (SELECT value FROM json_each(?1))
               AND local_date BETWEEN ?3 AND ?2
             GROUP BY center_id",
        )?;
        let mut rows = stmt.query(params![ids, today, ymd(span.week_start)])?;
        while let Some(r) = rows.next()? {
            let f = per_center.entry(r.get(0)?).or_default();
            f.today = r.get(1)?;
            f.last_7_days = r.get(2)?;
        }
        let mut stmt = conn.prepare(
            "SELECT center_id, member_visits + visitors, visitors, members FROM monthly_counts
             WHERE center_id IN (SELECT value FROM json_each(?1)) AND month = ?2",
        )?;
        let mut rows = stmt.query(params![ids, month])?;
        let mut distinct_total = 0;
        while let Some(r) = rows.next()? {
            let f = per_center.entry(r.get(0)?).or_default();
            f.this_month = r.get(1)?;
            f.visitors_this_month = r.get(2)?;
            f.distinct_members_this_month = r.get(3)?;
            distinct_total += f.distinct_members_this_month;
        }
        // A member who came to two of these centers is one member.
        let twice: u64 = conn.query_row(
            "SELECT count(*) - count(DISTINCT m.member_id)
             FROM roaming_months r
             JOIN member_months m ON m.month = r.month AND m.member_id = r.member_id
             WHERE r.month = ?2 AND m.center_id IN (SELECT value FROM json_each(?1))",
            params![ids, month],
            |r| r.get(0),
        )?;
        let distinct_total = distinct_total.saturating_sub(twice);
        // The month's ratings, the latest of each visit rated.
        let mut stmt = conn.prepare(&format!(
            "SELECT center_id, count(*), sum(CASE WHEN reason IN ({SATISFIED}) THEN 1 ELSE 0 END)
             FROM events r INDEXED BY events_ratings
             WHERE center_id IN (SELECT value FROM json_each(?1))
               AND local_date BETWEEN ?2 AND ?3 AND kind = 'rated' AND {LATEST_RATING}
             GROUP BY center_id"
        ))?;
        let mut rows = stmt.query(params![ids, month_start, today])?;
        while let Some(r) = rows.next()? {
            let f = per_center.entry(r.get(0)?).or_default();
            f.ratings_this_month = r.get(1)?;
            f.satisfied_this_month = r.get(2)?;
        }
        // And those given on members' phones, of the month's activities.
        let mut stmt = conn.prepare(&format!(
            "{} WHERE a.center_id IN (SELECT value FROM json_each(?1))
               AND a.local_date BETWEEN ?2 AND ?3 GROUP BY a.center_id",
            PHONE_RATINGS.replacen("SELECT ", "SELECT a.center_id, ", 1)
        ))?;
        let mut rows = stmt.query(params![ids, month_start, today])?;
        while let Some(r) = rows.next()? {
            let f = per_center.entry(r.get(0)?).or_default();
            f.ratings_this_month += r.get::<u64>(1)?;
            f.satisfied_this_month += r.get::<u64>(2)?;
        }
        let mut stmt = conn.prepare(
            "SELECT center_id, count(*) FROM members INDEXED BY members_center_created
             WHERE center_id IN (SELECT value FROM json_each(?1)) AND created_at_ms >= ?2
             GROUP BY center_id",
        )?;
        let mut rows = stmt.query(params![ids, span.month_start_ms()])?;
        while let Some(r) = rows.next()? {
            per_center
                .entry(r.get(0)?)
                .or_default()
                .new_members_this_month = r.get(1)?;
        }
        Ok((per_center, distinct_total))
    })
}

type Series = Vec<(String, u64)>;

/// Visits by day (the last [`SERIES_DAYS`]), by week and by month (the last
/// 12 of each), each from its roll-up, a region's or a center's: a row per
/// day, week or month however many centers; days without visits are zeros.
fn series(
    store: &Store,
    scope: Scope,
    span: &Span,
) -> Result<(Series, Series, Series), StoreError> {
    let mut daily: BTreeMap<String, u64> = BTreeMap::new();
    let mut weekly: BTreeMap<String, u64> = BTreeMap::new();
    let mut monthly: BTreeMap<String, u64> = BTreeMap::new();
    store.read(|conn| {
        let (table, column, visits, id) = match scope {
            Scope::Region(id) => ("region_", "region_id", "visits", id),
            Scope::Center(id) => ("", "center_id", "member_visits + visitors", id),
        };
        for (period, key, from, to, into) in [
            (
                "daily",
                "local_date",
                ymd(span.series_start),
                ymd(span.today),
                &mut daily,
            ),
            (
                "weekly",
                "week",
                ymd(span.weeks_start),
                ymd(crate::store::monday_of(span.today)),
                &mut weekly,
            ),
            (
                "monthly",
                "month",
                span.months_start.format("%Y-%m").to_string(),
                span.today.format("%Y-%m").to_string(),
                &mut monthly,
            ),
        ] {
            let mut stmt = conn.prepare(&format!(
                "SELECT {key}, {visits} FROM {table}{period}_counts
                 WHERE {column} = ?1 AND {key} BETWEEN ?2 AND ?3"
            ))?;
            let mut rows = stmt.query(params![id, from, to])?;
            while let Some(r) = rows.next()? {
                into.insert(r.get(0)?, r.get(1)?);
            }
        }
        Ok(())
    })?;
    let filled = |keys: Vec<String>, counts: &BTreeMap<String, u64>| -> Series {
        keys.into_iter()
            .map(|k| {
                let n = counts.get(&k).copied().unwrap_or(0);
                (k, n)
            })
            .collect()
    };
    let days = (0..SERIES_DAYS)
        .map(|i| ymd(span.series_start + chrono::Days::new(i)))
        .collect();
    let weeks = (0..12)
        .map(|i| ymd(span.weeks_start + chrono::Days::new(7 * i)))
        .collect();
    let months = (0..12)
        .map(|i| {
            (span.months_start + chrono::Months::new(i))
                .format("%Y-%m")
                .to_string()
        })
        .collect();
    Ok((
        filled(days, &daily),
        filled(weeks, &weekly),
        filled(months, &monthly),
    ))
}

/// Counts by code (an age band's, a purpose's).
type Breakdown = BTreeMap<String, u64>;

/// This month's visitors by age band and by purpose, in one pass.
fn visitors_by(
    store: &Store,
    ids: &str,
    span: &Span,
) -> Result<(Breakdown, Breakdown), StoreError> {
    store.read(|conn| {
        let mut ages = BTreeMap::new();
        let mut purposes = BTreeMap::new();
        let mut stmt = conn.prepare(
            "SELECT age_band, purpose, sum(visitors) FROM visitor_months
             WHERE center_id IN (SELECT value FROM json_each(?1)) AND month = ?2
             GROUP BY age_band, purpose",
        )?;
        let mut rows = stmt.query(params![ids, span.month_start.format("%Y-%m").to_string()])?;
        while let Some(r) = rows.next()? {
            let n: u64 = r.get(2)?;
            // "" is a visitor who did not say.
            let (a, p): (String, String) = (r.get(0)?, r.get(1)?);
            if !a.is_empty() {
                *ages.entry(a).or_default() += n;
            }
            if !p.is_empty() {
                *purposes.entry(p).or_default() += n;
            }
        }
        Ok((ages, purposes))
    })
}

/// This month's activities of every center with their attendance (newest
/// first, at most 100), and each center's volunteer minutes put into its
/// figures. One query each for activities and for the centers that had
/// volunteers on duty (a province has thousands of centers; a query per
/// center was most of its overview's time).
fn activities_and_shifts(
    store: &Store,
    centers: &[crate::store::Center],
    ids: &str,
    span: &Span,
    per_center: &mut HashMap<u64, Figures>,
) -> Result<Vec<ActivityRow>, StoreError> {
    let (month, today) = (ymd(span.month_start), ymd(span.today));
    let mut activities_of: HashMap<u64, Vec<_>> = HashMap::new();
    for a in store.activities_of(ids, &month, &today)? {
        activities_of.entry(a.center_id).or_default().push(a);
    }
    let volunteering: HashSet<u64> = store
        .read(|conn| {
            conn.query_map(
                "SELECT DISTINCT center_id FROM events
                 WHERE center_id IN (SELECT value FROM json_each(?1))
                   AND local_date BETWEEN ?2 AND ?3
                   AND kind IN ('volunteer_in', 'volunteer_out')",
                params![ids, month, today],
                |r| r.get(0),
            )
        })?
        .into_iter()
        .collect();
    // Those shown (the newest hundred) are counted, in one query.
    let mut held = Vec::new();
    for c in centers {
        for a in activities_of.remove(&c.id).unwrap_or_default() {
            // Cancelled: not held, not shown among those held.
            if !a.status.is_off() {
                held.push((c, a));
            }
        }
        if volunteering.contains(&c.id) {
            let hours =
                crate::volunteer::hours(store, c.id, span.month_start, span.today, span.today)?;
            per_center
                .entry(c.id)
                .or_default()
                .volunteer_minutes_this_month = hours.totals.iter().map(|t| t.minutes).sum();
        }
    }
    held.sort_by(|(_, a), (_, b)| {
        (&b.local_date, &b.start, &b.end).cmp(&(&a.local_date, &a.start, &a.end))
    });
    held.truncate(100);
    let pairs: Vec<_> = held.iter().map(|(c, a)| (*c, a)).collect();
    let came = crate::yardsticks::attendances(store, &pairs)?;
    let activities = held
        .into_iter()
        .zip(came)
        .map(|((c, a), came)| ActivityRow {
            center: c.name.clone(),
            time: format!("{}–{}", a.start, a.end),
            date: a.local_date,
            title: a.title,
            category: a.category,
            study_club: a.study_club,
            came,
        })
        .collect();
    Ok(activities)
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
