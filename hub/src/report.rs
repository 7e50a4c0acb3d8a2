//! A center's day in numbers, on the center's own calendar.

use crate::store::db::params;
use chrono::NaiveDate;
use protocol::wire::{DailyReport, Kind};

use crate::store::{Store, StoreError};

/// Accepts `YYYY-MM-DD` or `today` (the center's local today).
pub fn parse_date(text: &str, tz: chrono_tz::Tz) -> Result<NaiveDate, StoreError> {
    if text == "today" {
        return Ok(chrono::Utc::now().with_timezone(&tz).date_naive());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        StoreError::Invalid(format!("{text:?} is not a date; write YYYY-MM-DD or today"))
    })
}

pub fn daily(store: &Store, center_id: u64, date: NaiveDate) -> Result<DailyReport, StoreError> {
    let center = store.center(center_id)?;
    let day = date.format("%Y-%m-%d").to_string();
    store.read(|conn| {
        let mut r = DailyReport {
            center_id,
            date: day.clone(),
            time_zone: center.time_zone.clone(),
            by_hour: vec![0; 24],
            ..DailyReport::default()
        };
        let mut stmt = conn.prepare(
            "SELECT kind, local_hour, count(*) FROM events WHERE center_id = ?1 AND local_date = ?2
               AND voided_by_seq IS NULL AND same_visit_as IS NULL
             GROUP BY kind, local_hour",
        )?;
        let mut rows = stmt.query(params![center_id, day])?;
        while let Some(row) = rows.next()? {
            let kind: String = row.get(0)?;
            let hour: usize = row.get(1)?;
            let n: u64 = row.get(2)?;
            match Kind::from_code(&kind) {
                Some(Kind::MemberCheckIn) => r.members += n,
                Some(Kind::Visitor) => r.visitors += n,
                // Card bindings and other records are not visits.
                _ => continue,
            }
            if let Some(slot) = r.by_hour.get_mut(hour) {
                *slot += n;
            }
        }
        r.total = r.members + r.visitors;
        r.distinct_members = conn.query_row(
            "SELECT count(DISTINCT member_id) FROM events
             WHERE center_id = ?1 AND local_date = ?2 AND kind = 'member_check_in'
               AND voided_by_seq IS NULL",
            params![center_id, day],
            |row| row.get(0),
        )?;
        for (column, map) in [("purpose", &mut r.by_category), ("age_band", &mut r.by_age_band)] {
            let mut stmt = conn.prepare(&format!(
                "SELECT {column}, count(*) FROM events
                 WHERE center_id = ?1 AND local_date = ?2 AND kind = 'visitor' AND {column} IS NOT NULL
                   AND voided_by_seq IS NULL
                 GROUP BY {column}"
            ))?;
            let mut rows = stmt.query(params![center_id, day])?;
            while let Some(row) = rows.next()? {
                map.insert(row.get(0)?, row.get(1)?);
            }
        }
        r.voided = conn.query_row(
            "SELECT count(*) FROM events WHERE center_id = ?1 AND local_date = ?2
               AND voided_by_seq IS NOT NULL",
            params![center_id, day],
            |row| row.get(0),
        )?;
        // Each check-out with the member's check-in before it that day, at
        // any kiosk of the center: how long they stayed.
        let stays: Vec<Option<i64>> = conn.query_map(
            "SELECT o.at_ms - (SELECT max(i.at_ms) FROM events i
                               WHERE i.center_id = o.center_id AND i.member_id = o.member_id
                                 AND i.local_date = o.local_date AND i.kind = 'member_check_in'
                                 AND i.voided_by_seq IS NULL AND i.at_ms < o.at_ms)
             FROM events o WHERE o.center_id = ?1 AND o.local_date = ?2
               AND o.kind = 'member_check_out'",
            params![center_id, day],
            |row| row.get(0),
        )?;
        let stays: Vec<i64> = stays.into_iter().flatten().collect();
        r.checked_out = stays.len() as u64;
        r.stay_minutes = (!stays.is_empty())
            .then(|| (stays.iter().sum::<i64>() / stays.len() as i64 / 60_000).max(0) as u64);
        Ok(r)
    })
}

/// The report as a table for a person at a terminal.
pub fn to_text(r: &DailyReport, center_name: &str) -> String {
    let mut out = format!(
        "{center_name} (center {}), {} ({})\n  visits: {}  member check-ins: {}  distinct members: {}  visitors: {}\n",
        r.center_id, r.date, r.time_zone, r.total, r.members, r.distinct_members, r.visitors
    );
    let hours: Vec<String> = r
        .by_hour
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(h, n)| format!("{h:02}h {n}"))
        .collect();
    if !hours.is_empty() {
        out.push_str(&format!("  by hour: {}\n", hours.join(", ")));
    }
    if r.voided > 0 {
        out.push_str(&format!("  voided by staff (not counted): {}\n", r.voided));
    }
    if let Some(m) = r.stay_minutes {
        out.push_str(&format!(
            "  checked out: {} (stayed {} h {:02} min on average)\n",
            r.checked_out,
            m / 60,
            m % 60
        ));
    }
    if !r.by_category.is_empty() {
        let cats: Vec<String> = r
            .by_category
            .iter()
            .map(|(c, n)| {
                let label = protocol::catalog::ServiceCategory::from_code(c)
                    .map(|c| c.label_zh())
                    .unwrap_or(c);
                format!("{label} {n}")
            })
            .collect();
        out.push_str(&format!("  visitors by purpose: {}\n", cats.join(", ")));
    }
    out
}

/// One counted visit of a day, as the center's day page lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Visit {
    /// `HH:MM`, the center's local time.
    pub time: String,
    /// A member's display name (never the full name), or empty for a visitor.
    pub who: String,
    pub member_id: Option<u32>,
    /// A visitor's age band and purpose codes.
    pub age_band: Option<String>,
    pub purpose: Option<String>,
}

/// The day's counted visits (voided and same-visit ones left out), in time
/// order: at most `limit`.
pub fn day_list(
    store: &Store,
    center_id: u64,
    date: NaiveDate,
    limit: u64,
) -> Result<Vec<Visit>, StoreError> {
    let center = store.center(center_id)?;
    let tz = center.tz();
    let day = date.format("%Y-%m-%d").to_string();
    let rows = store.read(|conn| {
        conn.query_map(
            "SELECT e.at_ms, e.kind, e.member_id, coalesce(m.display_name, ''), e.age_band, e.purpose
             FROM events e LEFT JOIN members m ON m.id = e.member_id
             WHERE e.center_id = ?1 AND e.local_date = ?2
               AND e.kind IN ('member_check_in', 'visitor')
               AND e.voided_by_seq IS NULL AND e.same_visit_as IS NULL
             ORDER BY e.at_ms LIMIT ?3",
            params![center_id, day, limit],
            |r| {
                Ok((
                    r.get::<i64>(0)?,
                    r.get::<String>(1)?,
                    r.get::<Option<u32>>(2)?,
                    r.get::<String>(3)?,
                    r.get::<Option<String>>(4)?,
                    r.get::<Option<String>>(5)?,
                ))
            },
        )
    })?;
    Ok(rows
        .into_iter()
        .map(|(at_ms, kind, member_id, name, age_band, purpose)| {
            let visitor = Kind::from_code(&kind) == Some(Kind::Visitor);
            Visit {
                time: chrono::TimeZone::timestamp_millis_opt(&tz, at_ms)
                    .single()
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_default(),
                who: if visitor { String::new() } else { name },
                member_id: if visitor { None } else { member_id },
                age_band: if visitor { age_band } else { None },
                purpose: if visitor { purpose } else { None },
            }
        })
        .collect())
}
