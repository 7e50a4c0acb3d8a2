//! Writing a page's events: the rows of a run by multi-row `INSERT`s, the
//! run's check-ins folded into visits, and an event that refers to another
//! written on its own (see the parent module's comment).

use std::collections::{HashMap, HashSet};

use chrono::{TimeZone, Timelike};
use chrono_tz::Tz;
use protocol::text::clean_text;
use protocol::wire::{Event, EventKind, Kind, MAX_ACTIVITY_CHARS, MAX_ACTOR_CHARS};

use super::super::db::{Tx, params};
use super::super::rollup::{SAME_VISIT_WINDOW_MS, Tally};
use super::super::{Device, Result, bind_card_in};

/// An event as the columns of its row.
struct EventRow<'e> {
    ev: &'e Event,
    local_date: String,
    local_hour: u32,
    kind: Kind,
    code: &'static str,
    member_id: Option<u32>,
    card_hash: Option<&'e str>,
    via: Option<&'static str>,
    age_band: Option<&'static str>,
    purpose: Option<&'static str>,
    activity: Option<String>,
    actor: Option<String>,
    voided_seq: Option<u64>,
    for_seq: Option<u64>,
    reason: Option<&'static str>,
}

impl<'e> EventRow<'e> {
    fn new(ev: &'e Event, tz: Tz) -> EventRow<'e> {
        let local = tz.timestamp_millis_opt(ev.at_ms).single();
        let c = ev.kind.columns();
        EventRow {
            ev,
            local_date: local
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "1970-01-01".into()),
            local_hour: local.map(|t| t.hour()).unwrap_or(0),
            kind: c.kind,
            code: c.kind.code(),
            member_id: c.member_id,
            card_hash: c.card_hash,
            via: c.via,
            age_band: c.age_band,
            purpose: c.purpose,
            // Kept short and printable: an activity title or a name is a
            // label, not a document, and reaches admins' terminals and pages.
            activity: c.activity.map(|a| clean_text(a, MAX_ACTIVITY_CHARS)),
            actor: c.by.map(|a| clean_text(a, MAX_ACTOR_CHARS)),
            voided_seq: c.voided_seq,
            for_seq: c.for_seq,
            reason: c.reason,
        }
    }
}

/// The columns of `events` an upload writes, in the order of [`EventRow`]'s values.
const EVENT_COLUMNS: &str = "device_id, seq, center_id, at_ms, local_date, local_hour, kind, \
    member_id, via, age_band, purpose, boot_id, monotonic_ms, clock_synchronized, received_at_ms, \
    card_hash, activity, voided_seq, reason, actor, for_seq";
const EVENT_VALUES: usize = 21;

/// The most rows one `INSERT` writes; a run is cut into powers of two up
/// to it, so a connection prepares at most nine shapes of the statement.
const MAX_ROWS: usize = 256;

/// Inserts `rows` (at most [`MAX_ROWS`]); the seqs that were new.
fn insert_rows(tx: &Tx<'_>, device: &Device, now: i64, rows: &[EventRow<'_>]) -> Result<Vec<u64>> {
    let mut sql = format!("INSERT INTO events({EVENT_COLUMNS}) VALUES ");
    for i in 0..rows.len() {
        let first = i * EVENT_VALUES + 1;
        sql.push_str(if i == 0 { "(" } else { ", (" });
        for j in 0..EVENT_VALUES {
            if j > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("?{}", first + j));
        }
        sql.push(')');
    }
    sql.push_str(" ON CONFLICT(device_id, seq) DO NOTHING RETURNING seq");
    let mut values: Vec<&dyn super::super::db::ToValue> =
        Vec::with_capacity(rows.len() * EVENT_VALUES);
    for row in rows {
        let ev = row.ev;
        values.extend_from_slice(&[
            &device.id,
            &ev.seq,
            &device.center_id,
            &ev.at_ms,
            &row.local_date,
            &row.local_hour,
            &row.code,
            &row.member_id,
            &row.via,
            &row.age_band,
            &row.purpose,
            &ev.clock.boot_id,
            &ev.clock.monotonic_ms,
            &ev.clock.synchronized,
            &now,
            &row.card_hash,
            &row.activity,
            &row.voided_seq,
            &row.reason,
            &row.actor,
            &row.for_seq,
        ]);
    }
    Ok(tx.query_map(&sql, &values[..], |r| r.get::<u64>(0))?)
}

/// Events gathered for one write (see the module's comment), and what the
/// writes so far stored.
#[derive(Default)]
pub(super) struct Run {
    pub(super) events: Vec<Event>,
    pub(super) stored: u32,
    pub(super) duplicates: u32,
}

impl Run {
    /// Writes the gathered events, folds their check-ins and counts them.
    pub(super) fn write(
        &mut self,
        tx: &Tx<'_>,
        device: &Device,
        tz: Tz,
        now: i64,
        tally: &mut Tally,
    ) -> Result<()> {
        if self.events.is_empty() {
            return Ok(());
        }
        let rows: Vec<EventRow<'_>> = self.events.iter().map(|ev| EventRow::new(ev, tz)).collect();
        let mut new = HashSet::with_capacity(rows.len());
        let mut rest = &rows[..];
        while !rest.is_empty() {
            // The largest power of two that fits.
            let n = 1 << rest.len().min(MAX_ROWS).ilog2();
            new.extend(insert_rows(tx, device, now, &rest[..n])?);
            rest = &rest[n..];
        }
        let check_ins: Vec<(u32, u64, i64)> = rows
            .iter()
            .filter(|r| r.kind == Kind::MemberCheckIn && new.contains(&r.ev.seq))
            .filter_map(|r| Some((r.member_id?, r.ev.seq, r.ev.at_ms)))
            .collect();
        let folded = fold_run(tx, device, &check_ins)?;
        for row in &rows {
            if !new.contains(&row.ev.seq) {
                self.duplicates += 1;
                continue;
            }
            self.stored += 1;
            if !folded.contains(&row.ev.seq) {
                tally.add(&row.local_date, row.kind, 1);
                if row.kind == Kind::Visitor {
                    tally.visitor(&row.local_date, row.age_band, row.purpose, 1);
                }
            }
            if let (Kind::MemberCheckIn, Some(member)) = (row.kind, row.member_id) {
                tally.member(&row.local_date, member, 1);
            }
            // A binding made at a kiosk takes effect once, when first received.
            if let (Some(member_id), Some(hash)) = (row.member_id, row.card_hash) {
                bind_card_in(tx, member_id, hash)?;
                // The kiosk's "bind the next card" request, if any, is done.
                super::super::devices::clear_bind_next_in(tx, device.id)?;
            }
        }
        self.events.clear();
        Ok(())
    }
}

/// The same-visit rule ([`super::rollup::fold_same_visit`]) for a run's new check-ins
/// (member, seq, time), in their order, with one read of the members'
/// counted check-ins around them: each is judged against those stored
/// before the run and the run's check-ins before it. The seqs folded.
fn fold_run(tx: &Tx<'_>, device: &Device, check_ins: &[(u32, u64, i64)]) -> Result<HashSet<u64>> {
    let mut folded = HashSet::new();
    let Some(first) = check_ins.iter().map(|c| c.2).min() else {
        return Ok(folded);
    };
    let last = check_ins.iter().map(|c| c.2).max().unwrap_or(first);
    let mut members: Vec<u32> = check_ins.iter().map(|c| c.0).collect();
    members.sort_unstable();
    members.dedup();
    let list = serde_json::to_string(&members).unwrap_or_else(|_| "[]".into());
    struct Counted {
        device: u64,
        seq: u64,
        at: i64,
        /// Stored before the run, or a check-in of the run already judged.
        seen: bool,
        folded: bool,
    }
    let run: HashSet<u64> = check_ins.iter().map(|c| c.1).collect();
    let mut by_member: HashMap<u32, Vec<Counted>> = HashMap::new();
    for (member, d, s, at) in tx.query_map(
        "SELECT member_id, device_id, seq, at_ms FROM events INDEXED BY events_member_visits
         WHERE center_id = ?1 AND member_id IN (SELECT value FROM json_each(?2))
           AND kind = 'member_check_in' AND same_visit_as IS NULL AND voided_by_seq IS NULL
           AND at_ms BETWEEN ?3 AND ?4
         ORDER BY at_ms, device_id, seq",
        params![
            device.center_id,
            list,
            first.saturating_sub(SAME_VISIT_WINDOW_MS),
            last.saturating_add(SAME_VISIT_WINDOW_MS)
        ],
        |r| {
            Ok((
                r.get::<u32>(0)?,
                r.get::<u64>(1)?,
                r.get::<u64>(2)?,
                r.get::<i64>(3)?,
            ))
        },
    )? {
        by_member.entry(member).or_default().push(Counted {
            device: d,
            seq: s,
            at,
            seen: !(d == device.id && run.contains(&s)),
            folded: false,
        });
    }
    for &(member, seq, at) in check_ins {
        let Some(counted) = by_member.get_mut(&member) else {
            continue;
        };
        // The earliest (they are in time order) counted one in the window.
        let first = counted.iter().find(|c| {
            c.seen
                && !c.folded
                && (c.at - at).abs() <= SAME_VISIT_WINDOW_MS
                && !(c.device == device.id && c.seq == seq)
        });
        let into = first.map(|c| (c.device, c.seq));
        if let Some(me) = counted
            .iter_mut()
            .find(|c| c.device == device.id && c.seq == seq)
        {
            me.seen = true;
            me.folded = into.is_some();
        }
        if let Some((d, s)) = into {
            tx.execute(
                "UPDATE events SET same_visit_as = ?1 WHERE device_id = ?2 AND seq = ?3",
                params![format!("{d}:{s}"), device.id, seq],
            )?;
            folded.insert(seq);
        }
    }
    Ok(folded)
}

/// What a void takes off the roll-ups: the voided event as it was.
struct Voided {
    kind: String,
    date: String,
    same_visit: Option<String>,
    member: Option<u32>,
    age_band: Option<String>,
    purpose: Option<String>,
}

/// Inserts one event that refers to another (a void, a rating, an
/// answer), after the run before it; false when the hub already had it.
pub(super) fn insert_event(
    tx: &Tx<'_>,
    device: &Device,
    ev: &Event,
    tz: Tz,
    now: i64,
    tally: &mut Tally,
) -> Result<bool> {
    let row = EventRow::new(ev, tz);
    if insert_rows(tx, device, now, std::slice::from_ref(&row))?.is_empty() {
        return Ok(false);
    }
    // An answer to "which activity?" counts its check-in for that
    // activity (empty: for none), once, when first received; the latest
    // answer stands.
    if let (Some(target), Some(chosen)) = (row.for_seq, row.activity.as_deref())
        && matches!(ev.kind, EventKind::ActivityChosen { .. })
    {
        tx.execute(
            "UPDATE events SET activity = ?1
             WHERE device_id = ?2 AND seq = ?3 AND kind = 'member_check_in'
               AND NOT EXISTS (SELECT 1 FROM events later WHERE later.device_id = ?2
                               AND later.for_seq = ?3 AND later.seq > ?4)",
            params![chosen, device.id, target, ev.seq],
        )?;
    }
    // A void takes effect once, when first received; the target was checked.
    if let Some(target) = row.voided_seq {
        let voided: Voided = tx.query_row(
            "UPDATE events SET voided_by_seq = ?1 WHERE device_id = ?2 AND seq = ?3
             RETURNING kind, local_date, same_visit_as, member_id, age_band, purpose",
            params![ev.seq, device.id, target],
            |r| {
                Ok(Voided {
                    kind: r.get(0)?,
                    date: r.get(1)?,
                    same_visit: r.get(2)?,
                    member: r.get(3)?,
                    age_band: r.get(4)?,
                    purpose: r.get(5)?,
                })
            },
        )?;
        let date = &voided.date;
        if let (Some(Kind::MemberCheckIn), Some(member)) =
            (Kind::from_code(&voided.kind), voided.member)
        {
            tally.member(date, member, -1);
        }
        // A check-in already folded into another kiosk's was never counted.
        if voided.same_visit.is_none()
            && let Some(kind) = Kind::from_code(&voided.kind)
        {
            tally.add(date, kind, -1);
            if kind == Kind::Visitor {
                let (age, purpose) = (voided.age_band.as_deref(), voided.purpose.as_deref());
                tally.visitor(date, age, purpose, -1);
            }
        }
    }
    Ok(true)
}
