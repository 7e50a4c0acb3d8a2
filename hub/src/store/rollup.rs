//! The roll-ups kept in step with the events (member visits and visitors
//! per center by day, week and month; a month's distinct members and
//! visitors' age bands and purposes), and the same-visit rule that keeps a member
//! seen at two kiosks within the repeat window one visit. Ingest and
//! re-timing both count through here.

use std::collections::{BTreeMap, HashMap};

use chrono::Datelike;
use protocol::wire::Kind;

use super::db::{OptionalExt, ToValue, Tx, params};
use super::{Device, Result, StoreError};

/// Check-ins of one member at one center this close together are one visit
/// (the kiosks' default repeat window).
pub const SAME_VISIT_WINDOW_MS: i64 = 120 * 60_000;

/// Marks a member's check-in as the same visit as another counted check-in
/// of that member at the center within the window, if there is one (the
/// earliest). True when marked: the caller does not count it.
pub(crate) fn fold_same_visit(
    tx: &Tx<'_>,
    device: &Device,
    member_id: u32,
    seq: u64,
    at_ms: i64,
) -> Result<bool> {
    let first: Option<(u64, u64)> = tx
        .prepare(
            "SELECT device_id, seq FROM events INDEXED BY events_member_visits
             WHERE center_id = ?1 AND member_id = ?2 AND kind = 'member_check_in'
               AND same_visit_as IS NULL AND voided_by_seq IS NULL
               AND at_ms BETWEEN ?3 AND ?4 AND NOT (device_id = ?5 AND seq = ?6)
             ORDER BY at_ms LIMIT 1",
        )?
        .query_row(
            params![
                device.center_id,
                member_id,
                at_ms.saturating_sub(SAME_VISIT_WINDOW_MS),
                at_ms.saturating_add(SAME_VISIT_WINDOW_MS),
                device.id,
                seq
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((d, s)) = first else {
        return Ok(false);
    };
    tx.execute(
        "UPDATE events SET same_visit_as = ?1 WHERE device_id = ?2 AND seq = ?3",
        params![format!("{d}:{s}"), device.id, seq],
    )?;
    Ok(true)
}

/// What an upload (or a re-timing) changes in the roll-ups, gathered and
/// written once at its end: a page of 500 visitors on one day is one update
/// of each roll-up, not 500.
#[derive(Default)]
pub(super) struct Tally {
    /// Counted (member visits, visitors) by local date.
    days: BTreeMap<String, (i64, i64)>,
    /// Member check-ins not voided, by (month, member): folded ones too
    /// (the member did come), for the month's distinct members.
    members: BTreeMap<(String, u32), i64>,
    /// Counted visitors by (month, age band, purpose), `""` for none.
    visitors: BTreeMap<(String, String, String), i64>,
}

/// `YYYY-MM` of a `YYYY-MM-DD`.
fn month_of(local_date: &str) -> String {
    local_date.get(..7).unwrap_or(local_date).to_string()
}

/// The Monday of `d`'s week: a week's key in the roll-ups.
pub(crate) fn monday_of(d: chrono::NaiveDate) -> chrono::NaiveDate {
    d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()))
}

/// The Monday of a `YYYY-MM-DD`'s week, as `YYYY-MM-DD`.
fn week_of(local_date: &str) -> Result<String> {
    let d = chrono::NaiveDate::parse_from_str(local_date, "%Y-%m-%d")
        .map_err(|e| StoreError::Invalid(format!("local date {local_date:?}: {e}")))?;
    Ok(monday_of(d).format("%Y-%m-%d").to_string())
}

/// A region's roll-ups: (table, its period column, the center's table it
/// sums).
const REGION_TABLES: [(&str, &str, &str); 3] = [
    ("region_daily_counts", "local_date", "daily_counts"),
    ("region_weekly_counts", "week", "weekly_counts"),
    ("region_monthly_counts", "month", "monthly_counts"),
];

/// Adds to a region's row of `table` rather than failing on it.
fn region_upsert(table: &str, key: &str) -> String {
    format!("ON CONFLICT(region_id, {key}) DO UPDATE SET visits = {table}.visits + excluded.visits")
}

impl Tally {
    /// A visit counted (`delta` 1) or uncounted (-1); nothing for kinds
    /// that are not visits.
    pub(super) fn add(&mut self, local_date: &str, kind: Kind, delta: i64) {
        let Some((members, visitors)) = visit_delta(kind, delta) else {
            return;
        };
        let day = self.days.entry(local_date.to_string()).or_default();
        day.0 += members;
        day.1 += visitors;
    }

    /// A member's check-in stored (1) or voided (-1).
    pub(super) fn member(&mut self, local_date: &str, member_id: u32, delta: i64) {
        *self
            .members
            .entry((month_of(local_date), member_id))
            .or_default() += delta;
    }

    /// A visitor counted (1) or uncounted (-1), by what they told.
    pub(super) fn visitor(
        &mut self,
        local_date: &str,
        age_band: Option<&str>,
        purpose: Option<&str>,
        delta: i64,
    ) {
        let key = (
            month_of(local_date),
            age_band.unwrap_or_default().to_string(),
            purpose.unwrap_or_default().to_string(),
        );
        *self.visitors.entry(key).or_default() += delta;
    }

    pub(super) fn write(self, tx: &Tx<'_>, center_id: u64) -> Result<()> {
        // The regions above the center, read once (none: nothing to write).
        let regions: Vec<u64> = if self.days.values().any(|(m, v)| m + v != 0) {
            tx.query_map(
                &format!("{ANCESTORS} SELECT id FROM up"),
                params![center_id],
                |r| r.get(0),
            )?
        } else {
            Vec::new()
        };
        for (date, (members, visitors)) in self.days {
            if members != 0 || visitors != 0 {
                add_counts(tx, center_id, &regions, &date, members, visitors)?;
            }
        }
        // The visitors' kinds in one statement (a page of a busy center's
        // visitors has dozens: a statement each was most of a page's
        // round trips on PostgreSQL).
        let visitors: Vec<((String, String, String), i64)> =
            self.visitors.into_iter().filter(|(_, n)| *n != 0).collect();
        for rows in pow2_chunks(&visitors) {
            let mut values: Vec<&dyn ToValue> = Vec::with_capacity(rows.len() * 5);
            for ((month, age_band, purpose), n) in rows {
                values.extend_from_slice(&[&center_id, month, age_band, purpose, n]);
            }
            tx.execute(
                &format!(
                    "INSERT INTO visitor_months(center_id, month, age_band, purpose, visitors)
                     VALUES {}
                     ON CONFLICT(center_id, month, age_band, purpose) DO UPDATE SET
                       visitors = visitor_months.visitors + excluded.visitors",
                    placeholders(rows.len(), 5)
                ),
                &values[..],
            )?;
        }
        let members: Vec<((String, u32), i64)> =
            self.members.into_iter().filter(|(_, n)| *n != 0).collect();
        for rows in pow2_chunks(&members) {
            add_member_months(tx, center_id, rows)?;
        }
        Ok(())
    }
}

/// Rows of one multi-row statement at most.
const MAX_ROWS: usize = 256;

/// `rows` in chunks whose lengths are powers of two (at most
/// [`MAX_ROWS`]): a multi-row statement has few shapes to prepare.
fn pow2_chunks<T>(mut rest: &[T]) -> impl Iterator<Item = &[T]> {
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (chunk, tail) = rest.split_at(1 << rest.len().min(MAX_ROWS).ilog2());
        rest = tail;
        Some(chunk)
    })
}

/// `(?1, …, ?k), (?k+1, …, ?2k), …` for `rows` rows of `k` values.
fn placeholders(rows: usize, k: usize) -> String {
    (0..rows)
        .map(|i| {
            let marks: Vec<String> = (1..=k).map(|j| format!("?{}", i * k + j)).collect();
            format!("({})", marks.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Adds check-ins to members' months at a center; a member's first of the
/// month there adds to the center's distinct members (and, if they came
/// to another center that month too, makes them a roaming member), their
/// last one voided takes them off.
fn add_member_months(tx: &Tx<'_>, center_id: u64, rows: &[((String, u32), i64)]) -> Result<()> {
    let mut sql = format!(
        "INSERT INTO member_months(center_id, month, member_id, check_ins) VALUES {}",
        placeholders(rows.len(), 4)
    );
    let mut values: Vec<&dyn ToValue> = Vec::with_capacity(rows.len() * 4);
    for ((month, member), n) in rows {
        values.extend_from_slice(&[&center_id, month, member, n]);
    }
    sql.push_str(
        " ON CONFLICT(center_id, month, member_id) DO UPDATE SET
           check_ins = member_months.check_ins + excluded.check_ins
         RETURNING month, member_id, check_ins",
    );
    let after: Vec<(String, u32, i64)> =
        tx.query_map(&sql, &values[..], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let delta: HashMap<(&str, u32), i64> = rows
        .iter()
        .map(|((month, member), n)| ((month.as_str(), *member), *n))
        .collect();
    // By month: the members new to it here, and those gone from it (a row
    // is never kept at zero, so one that had none before was new).
    let mut came: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    let mut gone: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    let mut distinct: BTreeMap<&str, i64> = BTreeMap::new();
    for (month, member, check_ins) in &after {
        let Some((&(month, _), &n)) = delta.get_key_value(&(month.as_str(), *member)) else {
            continue;
        };
        let before = check_ins - n;
        if *check_ins <= 0 {
            gone.entry(month).or_default().push(*member);
            // (A void of a check-in never counted here takes nothing off.)
            if before > 0 {
                *distinct.entry(month).or_default() -= 1;
            }
        } else if before <= 0 {
            came.entry(month).or_default().push(*member);
            *distinct.entry(month).or_default() += 1;
        }
    }
    let list = |ids: &[u32]| {
        serde_json::to_string(ids).map_err(|e| StoreError::Invalid(format!("member ids: {e}")))
    };
    for (month, members) in &gone {
        tx.prepare(
            "DELETE FROM member_months
             WHERE center_id = ?1 AND month = ?2 AND member_id IN (SELECT value FROM json_each(?3))",
        )?
        .execute(params![center_id, month, list(members)?])?;
        // Seen at one center at most now: no longer counted twice.
        tx.prepare(
            "DELETE FROM roaming_months
             WHERE month = ?1 AND member_id IN (SELECT value FROM json_each(?2))
               AND (SELECT count(*) FROM member_months m
                    WHERE m.month = roaming_months.month
                      AND m.member_id = roaming_months.member_id) < 2",
        )?
        .execute(params![month, list(members)?])?;
    }
    for (month, members) in &came {
        tx.prepare(
            "INSERT INTO roaming_months(month, member_id)
             SELECT month, member_id FROM member_months
             WHERE month = ?1 AND member_id IN (SELECT value FROM json_each(?2))
             GROUP BY month, member_id HAVING count(*) > 1
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![month, list(members)?])?;
    }
    for (month, n) in distinct {
        if n != 0 {
            tx.prepare(
                "INSERT INTO monthly_counts(center_id, month, members) VALUES (?1, ?2, ?3)
                 ON CONFLICT(center_id, month) DO UPDATE SET
                   members = monthly_counts.members + excluded.members",
            )?
            .execute(params![center_id, month, n])?;
        }
    }
    Ok(())
}

/// The region of center `?1` and every region above it, as `up(id)`.
const ANCESTORS: &str = "WITH RECURSIVE up(id) AS (
        SELECT region_id FROM centers WHERE id = ?1 AND region_id IS NOT NULL
        UNION SELECT r.parent_id FROM regions r JOIN up ON r.id = up.id
        WHERE r.parent_id IS NOT NULL)";

/// Adds (`sign` 1) or takes off (-1) all of a center's visits to the
/// regions' roll-ups of the region it is in and those above: a center
/// moved is taken off before and added after.
pub(crate) fn shift_center(tx: &Tx<'_>, center_id: u64, sign: i64) -> Result<()> {
    for (table, key, source) in REGION_TABLES {
        tx.execute(
            &format!(
                "{ANCESTORS} INSERT INTO {table}(region_id, {key}, visits)
                 SELECT up.id, c.{key}, ?2 * (c.member_visits + c.visitors)
                 FROM up, {source} c WHERE c.center_id = ?1 {}",
                region_upsert(table, key)
            ),
            params![center_id, sign],
        )?;
    }
    Ok(())
}

/// What an event of `kind` adds to the roll-up's (member visits,
/// visitors); nothing for kinds that are not visits.
fn visit_delta(kind: Kind, delta: i64) -> Option<(i64, i64)> {
    match kind {
        Kind::MemberCheckIn => Some((delta, 0)),
        Kind::Visitor => Some((0, delta)),
        _ => None,
    }
}

fn add_counts(
    tx: &Tx<'_>,
    center_id: u64,
    regions: &[u64],
    local_date: &str,
    members: i64,
    visitors: i64,
) -> Result<()> {
    tx.prepare(
        "INSERT INTO daily_counts(center_id, local_date, member_visits, visitors)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(center_id, local_date) DO UPDATE SET
           member_visits = daily_counts.member_visits + excluded.member_visits,
           visitors = daily_counts.visitors + excluded.visitors",
    )?
    .execute(params![center_id, local_date, members, visitors])?;
    // The week's and the month's, for the dashboard's series.
    tx.prepare(
        "INSERT INTO weekly_counts(center_id, week, member_visits, visitors)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(center_id, week) DO UPDATE SET
           member_visits = weekly_counts.member_visits + excluded.member_visits,
           visitors = weekly_counts.visitors + excluded.visitors",
    )?
    .execute(params![center_id, week_of(local_date)?, members, visitors])?;
    tx.prepare(
        "INSERT INTO monthly_counts(center_id, month, member_visits, visitors)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(center_id, month) DO UPDATE SET
           member_visits = monthly_counts.member_visits + excluded.member_visits,
           visitors = monthly_counts.visitors + excluded.visitors",
    )?
    .execute(params![center_id, month_of(local_date), members, visitors])?;
    // And each region's it lies in, for a region's series.
    let visits = members + visitors;
    if visits != 0 && !regions.is_empty() {
        let periods = [
            local_date.to_string(),
            week_of(local_date)?,
            month_of(local_date),
        ];
        for ((table, key, _), value) in REGION_TABLES.iter().zip(&periods) {
            let mut values: Vec<&dyn ToValue> = Vec::with_capacity(regions.len() * 3);
            for region in regions {
                values.extend_from_slice(&[region, value, &visits]);
            }
            tx.execute(
                &format!(
                    "INSERT INTO {table}(region_id, {key}, visits) VALUES {} {}",
                    placeholders(regions.len(), 3),
                    region_upsert(table, key)
                ),
                &values[..],
            )?;
        }
    }
    // For the platforms that want changed days pushed (webhooks).
    tx.prepare(
        "INSERT INTO attendance_changes(center_id, local_date) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?
    .execute(params![center_id, local_date])?;
    Ok(())
}
