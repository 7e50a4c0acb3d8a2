//! The daily roll-up (member visits and visitors per center and local day)
//! kept in step with the events, and the same-visit rule that keeps a member
//! seen at two kiosks within the repeat window one visit. Ingest and
//! re-timing both count through here.

use protocol::wire::Kind;

use super::db::{OptionalExt, Tx, params};
use super::{Device, Result};

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

/// The visits an upload counts (or uncounts), by local date, written to
/// the roll-up once at its end: a page of 500 visitors on one day is one
/// update, not 500.
#[derive(Default)]
pub(super) struct Tally(std::collections::BTreeMap<String, (i64, i64)>);

impl Tally {
    pub(super) fn add(&mut self, local_date: &str, kind: Kind, delta: i64) {
        let Some((members, visitors)) = visit_delta(kind, delta) else {
            return;
        };
        let day = self.0.entry(local_date.to_string()).or_default();
        day.0 += members;
        day.1 += visitors;
    }

    pub(super) fn write(self, tx: &Tx<'_>, center_id: u64) -> Result<()> {
        for (date, (members, visitors)) in self.0 {
            if members != 0 || visitors != 0 {
                add_counts(tx, center_id, &date, members, visitors)?;
            }
        }
        Ok(())
    }
}

/// Keeps the per-center daily roll-up in step with the events table.
pub(crate) fn count_visit(
    tx: &Tx<'_>,
    center_id: u64,
    local_date: &str,
    kind: Kind,
    delta: i64,
) -> Result<()> {
    match visit_delta(kind, delta) {
        Some((members, visitors)) => add_counts(tx, center_id, local_date, members, visitors),
        None => Ok(()),
    }
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
    // For the platforms that want changed days pushed (webhooks).
    tx.prepare(
        "INSERT INTO attendance_changes(center_id, local_date) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?
    .execute(params![center_id, local_date])?;
    Ok(())
}
