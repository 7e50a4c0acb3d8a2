//! Taking in a kiosk's page of events: each read on its own and checked
//! (a member of this center, a time that can be a date, a seq the hub does
//! not hold as another event), stored once by `(device, seq)`, counted in
//! the daily roll-up (one visit for a member seen at two kiosks within the
//! repeat window), and the device's mark moved over every contiguous seq.
//! What cannot be used is set aside with the reason, never failing the page.
//!
//! A page's events go in as runs: the events that need nothing stored
//! before them (check-ins, visitors, cards, shifts) are gathered and written
//! with a few multi-row `INSERT`s, and their same-visit fold reads the
//! members' check-ins once; an event that refers to another (a void, a
//! rating, an answer) or a seq the hub may already hold first writes the
//! run before it, so every event is judged against what came before it, as
//! if the page went in one event at a time. (On PostgreSQL each statement
//! is a round trip: one `INSERT` an event held the rate at a third.)

use std::collections::{HashMap, HashSet};

use chrono::{TimeZone, Timelike};
use chrono_tz::Tz;
use protocol::text::clean_text;
use protocol::wire::{
    Event, EventKind, IngestResult, Kind, MAX_ACTIVITY_CHARS, MAX_ACTOR_CHARS, Received, Rejected,
};

use super::db::{OptionalExt, Tx, params};
use super::rollup::{SAME_VISIT_WINDOW_MS, Tally};
use super::{Device, Result, Store, archive, bind_card_in, now_ms, retime};

impl Store {
    /// Stores a page of events idempotently and advances the device's mark.
    ///
    /// Each event was read on its own ([`Received::read`]), so one bad
    /// record is set aside (and still counts as delivered) instead of
    /// blocking the queue.
    pub fn ingest(&self, device: &Device, page: &[Received]) -> Result<IngestResult> {
        let center = self.center(device.center_id)?;
        let tz = center.tz();
        let now = now_ms();
        let conn = self.conn();
        // An upload changes only its own center's rows (events, the day's
        // counts, the device's mark): other centers' uploads go on beside it.
        let tx = conn.center_transaction(device.center_id)?;
        let closed = archive::archived_before(&tx)?;
        let mut tally = Tally::default();
        let (mut stored, mut duplicates) = (0u32, 0u32);
        let mut rejected = Vec::new();
        // Each accepted event's time and clock, for re-timing after the loop.
        let mut clocks = Vec::with_capacity(page.len());
        // Seqs up to this one may already be held: each is compared with
        // what the hub holds (a retry, or a restored kiosk's different event).
        let held_max: u64 = tx.query_row(
            "SELECT max(m) FROM (SELECT max(seq) AS m FROM events WHERE device_id = ?1
                                 UNION ALL SELECT max(seq) FROM rejected_events WHERE device_id = ?1) h",
            [device.id],
            |r| Ok(r.get::<Option<u64>>(0)?.unwrap_or(0)),
        )?;
        // Every member the page names, and their centers, in one query.
        let members = members_of(&tx, page)?;
        let mut run = Run::default();
        let mut clash = None;
        for received in page {
            let (seq, raw) = (received.seq, &received.raw);
            // Judged against what is stored: the run goes in first.
            let refers = received.event.as_ref().is_ok_and(|ev| {
                matches!(
                    ev.kind,
                    EventKind::CheckInVoided { .. }
                        | EventKind::Rated { .. }
                        | EventKind::ActivityChosen { .. }
                )
            });
            let maybe_held = seq.is_some_and(|s| s <= held_max);
            if refers || maybe_held {
                run.write(&tx, device, tz, now, &mut tally)?;
            }
            if let Some(seq) = seq.filter(|s| *s <= held_max)
                && holds_another(&tx, device.id, seq, raw)?
            {
                // The kiosk numbered a new event with a seq it had already
                // used: its database went back to an older copy. Take
                // nothing from here on; it moves them above the mark.
                tracing::warn!(
                    device = device.id,
                    seq,
                    "a kiosk's database was restored or cloned"
                );
                tx.execute(
                    "UPDATE devices SET restored_at_ms = ?1 WHERE id = ?2",
                    params![now, device.id],
                )?;
                clash = Some(seq);
                break;
            }
            let verdict = match received.event.clone() {
                Err(why) => Err(why),
                Ok(ev) if implausible_time(&ev, now).is_some() => {
                    Err(implausible_time(&ev, now).unwrap_or_default())
                }
                Ok(ev) => match ev.kind {
                    EventKind::CardBound {
                        member_id,
                        ref card_hash,
                    } => {
                        let well_formed = card_hash.len() == 32
                            && card_hash.bytes().all(|b| b.is_ascii_hexdigit());
                        match member_of(&members, member_id, device.center_id, true) {
                            Err(why) => Err(why),
                            Ok(()) if !well_formed => {
                                Err("the card hash is not 32 hex digits".to_string())
                            }
                            Ok(()) => Ok(ev),
                        }
                    }
                    // A member's QR code is signed by the hub: a member of
                    // another center may show it here. A number, a card or a
                    // shift is only ever a member of this center.
                    EventKind::MemberCheckIn { member_id, via, .. } => {
                        let own = via != protocol::wire::CredentialKind::QrToken;
                        member_of(&members, member_id, device.center_id, own).map(|()| ev)
                    }
                    EventKind::MemberCheckOut { member_id, via } => {
                        let own = via != protocol::wire::CredentialKind::QrToken;
                        member_of(&members, member_id, device.center_id, own).map(|()| ev)
                    }
                    EventKind::VolunteerIn { member_id, .. }
                    | EventKind::VolunteerOut { member_id, .. } => {
                        member_of(&members, member_id, device.center_id, true).map(|()| ev)
                    }
                    EventKind::Visitor { .. } => Ok(ev),
                    EventKind::CheckInVoided { voided_seq, .. } => {
                        let target: Option<(String, Option<u64>)> = tx
                            .query_row(
                                "SELECT kind, voided_by_seq FROM events WHERE device_id = ?1 AND seq = ?2",
                                params![device.id, voided_seq],
                                |r| Ok((r.get(0)?, r.get(1)?)),
                            )
                            .optional()?;
                        match target {
                            Some((kind, None))
                                if Kind::from_code(&kind).is_some_and(Kind::is_visit) =>
                            {
                                Ok(ev)
                            }
                            // The same void again (a retried page) is a duplicate, not an error.
                            Some((_, Some(by))) if by == ev.seq => Ok(ev),
                            Some((_, Some(_))) => {
                                Err(format!("check-in {voided_seq} is already voided"))
                            }
                            _ => Err(format!(
                                "the device has no check-in {voided_seq} at the hub to void"
                            )),
                        }
                    }
                    EventKind::Rated { for_seq, .. } => {
                        let target: Option<String> = tx
                            .query_row(
                                "SELECT kind FROM events WHERE device_id = ?1 AND seq = ?2",
                                params![device.id, for_seq],
                                |r| r.get(0),
                            )
                            .optional()?;
                        if target.as_deref() == Some(Kind::MemberCheckIn.code()) {
                            Ok(ev)
                        } else {
                            Err(format!(
                                "the device has no member check-in {for_seq} at the hub to rate"
                            ))
                        }
                    }
                    EventKind::ActivityChosen {
                        for_seq,
                        ref activity,
                    } => {
                        let target: Option<String> = tx
                            .query_row(
                                "SELECT kind FROM events WHERE device_id = ?1 AND seq = ?2",
                                params![device.id, for_seq],
                                |r| r.get(0),
                            )
                            .optional()?;
                        if !activity.is_empty() && !protocol::content::is_activity_id(activity) {
                            Err(format!("{activity:?} is no activity id"))
                        } else if target.as_deref() == Some(Kind::MemberCheckIn.code()) {
                            Ok(ev)
                        } else {
                            Err(format!(
                                "the device has no member check-in {for_seq} at the hub"
                            ))
                        }
                    }
                },
            };
            // Archived months take nothing more: a timed event of one is
            // one sent again, or years late; either way it must not count.
            let verdict = verdict.and_then(|ev| match &closed {
                Some(first_open) if ev.clock.synchronized => {
                    let month = tz
                        .timestamp_millis_opt(ev.at_ms)
                        .single()
                        .map(|t| t.format("%Y-%m").to_string())
                        .unwrap_or_default();
                    if month < *first_open {
                        Err(format!(
                            "its month ({month}) is archived: kept aside, not counted"
                        ))
                    } else {
                        Ok(ev)
                    }
                }
                _ => Ok(ev),
            });
            match verdict {
                Ok(ev) => {
                    clocks.push((ev.at_ms, ev.clock.clone()));
                    if refers {
                        if insert_event(&tx, device, &ev, tz, now, &mut tally)? {
                            stored += 1;
                        } else {
                            duplicates += 1;
                        }
                    } else {
                        // The same seq twice in one page: the second is
                        // judged against the first, stored.
                        if run.events.iter().any(|held| held.seq == ev.seq) {
                            run.write(&tx, device, tz, now, &mut tally)?;
                        }
                        run.events.push(ev);
                    }
                }
                Err(reason) => {
                    // A seq no database column holds is kept without one.
                    let seq = seq.filter(|s| i64::try_from(*s).is_ok());
                    tx.execute(
                        "INSERT INTO rejected_events(device_id, seq, raw, reason, received_at_ms)
                         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                        params![device.id, seq, raw.to_string(), reason, now],
                    )?;
                    tracing::warn!(device = device.id, ?seq, %reason, "event set aside");
                    rejected.push(Rejected {
                        seq: seq.unwrap_or(0),
                        reason,
                    });
                }
            }
        }
        run.write(&tx, device, tz, now, &mut tally)?;
        stored += run.stored;
        duplicates += run.duplicates;
        tally.write(&tx, device.center_id)?;
        retime::page(&tx, device, tz, &clocks)?;
        // Advance over every contiguous seq the hub now holds, stored or set aside.
        let mut acked: u64 = tx.query_row(
            "SELECT acked_seq FROM devices WHERE id = ?1",
            [device.id],
            |r| r.get(0),
        )?;
        {
            let mut stmt = tx.prepare(
                "SELECT seq FROM events WHERE device_id = ?1 AND seq > ?2
                 UNION SELECT seq FROM rejected_events WHERE device_id = ?1 AND seq > ?2
                 ORDER BY seq",
            )?;
            let mut rows = stmt.query(params![device.id, acked])?;
            while let Some(r) = rows.next()? {
                let seq: u64 = r.get(0)?;
                if seq != acked + 1 {
                    break;
                }
                acked = seq;
            }
        }
        tx.execute(
            "UPDATE devices SET acked_seq = ?1 WHERE id = ?2",
            params![acked, device.id],
        )?;
        tx.commit()?;
        Ok(IngestResult {
            acked_seq: acked,
            stored,
            duplicates,
            rejected,
            clash,
        })
    }
}

/// The center of each member a page names (members not known are absent).
fn members_of(tx: &Tx<'_>, page: &[Received]) -> Result<HashMap<u32, u64>> {
    let mut ids: Vec<u32> = page
        .iter()
        .filter_map(|r| r.event.as_ref().ok())
        .filter_map(|ev| ev.kind.columns().member_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let list = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
    let rows = tx.query_map(
        "SELECT id, center_id FROM members WHERE id IN (SELECT value FROM json_each(?1))",
        [list],
        |r| Ok((r.get::<u32>(0)?, r.get::<u64>(1)?)),
    )?;
    Ok(rows.into_iter().collect())
}

/// Whether an event may name `member_id` from a kiosk of `center_id`: the
/// member must be known, and with `own`, a member of that center (a kiosk's
/// credential must not bind cards or log shifts for another center).
fn member_of(
    members: &HashMap<u32, u64>,
    member_id: u32,
    center_id: u64,
    own: bool,
) -> std::result::Result<(), String> {
    match members.get(&member_id) {
        None => Err(format!("member {member_id} is not known to the hub")),
        Some(c) if own && *c != center_id => Err(format!(
            "member {member_id} is not a member of this kiosk's center"
        )),
        Some(_) => Ok(()),
    }
}

/// Latest wall time a synchronised kiosk may report, past the hub's clock.
const AHEAD_MS: i64 = 86_400_000;

/// 10000-01-01: times from there on are no dates (a scanner's garbage, a
/// flipped bit); nothing could be counted, archived or shown for them.
const TIME_LIMIT_MS: i64 = 253_402_300_800_000;

/// Why an event's time cannot be counted, if it cannot. An unsynchronised
/// clock may be anywhere in the past or years ahead (its boot is re-timed
/// later); a synchronised one is never more than a day ahead of the hub.
fn implausible_time(ev: &Event, now: i64) -> Option<String> {
    if !(0..TIME_LIMIT_MS).contains(&ev.at_ms) {
        return Some("its time is no date (before 1970 or after 9999)".into());
    }
    if ev.clock.synchronized && ev.at_ms > now + AHEAD_MS {
        return Some("its time is more than a day ahead of the hub's clock".into());
    }
    None
}

/// Whether the hub holds `seq` of the device as another event than `raw`:
/// another boot, another moment since boot, or another kind. The same event
/// sent again (a retried page) is not another.
fn holds_another(tx: &Tx<'_>, device_id: u64, seq: u64, raw: &serde_json::Value) -> Result<bool> {
    let incoming = identity(raw);
    let held: Option<(String, u64, String)> = tx
        .query_row(
            "SELECT boot_id, monotonic_ms, kind FROM events WHERE device_id = ?1 AND seq = ?2",
            params![device_id, seq],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((boot, mono, kind)) = held {
        return Ok(incoming != (Some(boot.as_str()), Some(mono), Some(kind.as_str())));
    }
    let aside: Option<String> = tx
        .query_row(
            "SELECT raw FROM rejected_events WHERE device_id = ?1 AND seq = ?2",
            params![device_id, seq],
            |r| r.get(0),
        )
        .optional()?;
    let Some(aside) = aside else {
        return Ok(false);
    };
    let aside: serde_json::Value = serde_json::from_str(&aside).unwrap_or_default();
    if aside == *raw {
        return Ok(false);
    }
    // Set aside as unreadable: another event only if both can be told apart.
    let held = identity(&aside);
    let readable = |t: &(Option<&str>, Option<u64>, Option<&str>)| {
        t.0.is_some() && t.1.is_some() && t.2.is_some()
    };
    Ok(readable(&held) && readable(&incoming) && held != incoming)
}

/// What tells one event of a device from another under the same seq: its
/// boot, its time since boot, its kind (each absent when unreadable).
fn identity(raw: &serde_json::Value) -> (Option<&str>, Option<u64>, Option<&str>) {
    let clock = raw.get("clock");
    (
        clock
            .and_then(|c| c.get("boot_id"))
            .and_then(|b| b.as_str()),
        clock
            .and_then(|c| c.get("monotonic_ms"))
            .and_then(|m| m.as_u64()),
        raw.get("kind").and_then(|k| k.as_str()),
    )
}

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
    let mut values: Vec<&dyn super::db::ToValue> = Vec::with_capacity(rows.len() * EVENT_VALUES);
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
struct Run {
    events: Vec<Event>,
    stored: u32,
    duplicates: u32,
}

impl Run {
    /// Writes the gathered events, folds their check-ins and counts them.
    fn write(
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
            }
            // A binding made at a kiosk takes effect once, when first received.
            if let (Some(member_id), Some(hash)) = (row.member_id, row.card_hash) {
                bind_card_in(tx, member_id, hash)?;
                // The kiosk's "bind the next card" request, if any, is done.
                super::devices::clear_bind_next_in(tx, device.id)?;
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

/// Inserts one event that refers to another (a void, a rating, an
/// answer), after the run before it; false when the hub already had it.
fn insert_event(
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
        let (kind, date, same_visit): (String, String, Option<String>) = tx.query_row(
            "UPDATE events SET voided_by_seq = ?1 WHERE device_id = ?2 AND seq = ?3
             RETURNING kind, local_date, same_visit_as",
            params![ev.seq, device.id, target],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        // A check-in already folded into another kiosk's was never counted.
        if same_visit.is_none()
            && let Some(kind) = Kind::from_code(&kind)
        {
            tally.add(&date, kind, -1);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod same_visit_tests {
    use super::*;
    use crate::store::test_device;
    use protocol::wire::{ClockInfo, CredentialKind, Event, EventKind, VoidReason};

    // 2026-11-24 09:30 in Shanghai.
    const T: i64 = 1_795_483_800_000;
    const MIN: i64 = 60_000;

    struct Fixture {
        _dir: tempfile::TempDir,
        store: Store,
        center: u64,
        member: u32,
        kiosks: [Device; 2],
        seqs: [u64; 2],
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let store =
            Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
                .expect("open");
        let center = store
            .add_center("青年之家", "Asia/Shanghai")
            .expect("center");
        let member = store.add_member(center, "林小雨", None).expect("member");
        let kiosks = [test_device(&store, center), test_device(&store, center)];
        Fixture {
            _dir: dir,
            store,
            center,
            member,
            kiosks,
            seqs: [0, 0],
        }
    }

    impl Fixture {
        fn send(&mut self, kiosk: usize, at_ms: i64, kind: EventKind) -> u64 {
            let clock = ClockInfo {
                boot_id: format!("boot{kiosk}"),
                monotonic_ms: 0,
                synchronized: true,
            };
            self.send_timed(kiosk, at_ms, clock, kind)
        }

        fn send_timed(
            &mut self,
            kiosk: usize,
            at_ms: i64,
            clock: ClockInfo,
            kind: EventKind,
        ) -> u64 {
            self.seqs[kiosk] += 1;
            let ev = Event {
                seq: self.seqs[kiosk],
                at_ms,
                clock,
                kind,
            };
            let r = self
                .store
                .ingest(
                    &self.kiosks[kiosk],
                    &protocol::wire::Received::page([serde_json::to_value(&ev).expect("json")]),
                )
                .expect("ingest");
            assert_eq!(r.stored, 1, "{r:?}");
            self.seqs[kiosk]
        }

        fn check_in(&mut self, kiosk: usize, at_ms: i64, via: CredentialKind) -> u64 {
            let member_id = self.member;
            self.send(
                kiosk,
                at_ms,
                EventKind::MemberCheckIn {
                    member_id,
                    via,
                    activity: None,
                },
            )
        }

        fn visits(&self) -> (i64, u64) {
            let rolled: i64 = self
                .store
                .conn()
                .query_row(
                    "SELECT coalesce(sum(member_visits), 0) FROM daily_counts WHERE center_id = ?1",
                    [self.center],
                    |r| r.get(0),
                )
                .expect("roll-up");
            let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("date");
            let report = crate::report::daily(&self.store, self.center, day).expect("report");
            (rolled, report.members)
        }
    }

    /// What an ingest left: kiosk 0's events (seq, kind, folded into,
    /// voided by, activity), the events set aside, the daily counts, the
    /// member's cards.
    type Stored = (
        Vec<(u64, String, Option<String>, Option<u64>, Option<String>)>,
        Vec<(Option<u64>, String)>,
        Vec<(String, i64, i64)>,
        Vec<String>,
    );

    fn stored(f: &Fixture) -> Stored {
        let conn = f.store.conn();
        let events = conn
            .query_map(
                "SELECT seq, kind, same_visit_as, voided_by_seq, activity FROM events
                 WHERE device_id = ?1 ORDER BY seq",
                [f.kiosks[0].id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .expect("events");
        let aside = conn
            .query_map(
                "SELECT seq, reason FROM rejected_events ORDER BY seq",
                params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("set aside");
        let counts = conn
            .query_map(
                "SELECT local_date, member_visits, visitors FROM daily_counts ORDER BY local_date",
                params![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("counts");
        let cards = conn
            .query_map(
                "SELECT card_hash FROM member_cards WHERE member_id = ?1",
                [f.member],
                |r| r.get(0),
            )
            .expect("cards");
        (events, aside, counts, cards)
    }

    #[test]
    fn a_page_goes_in_as_if_one_event_at_a_time() {
        // Kiosk 0's page after a day offline: check-ins of one member close
        // together (folded into each other and into kiosk 1's), a void, a
        // rating and an answer of check-ins in the same page, a card bound,
        // an event sent twice, a member the hub does not know.
        fn page(member: u32) -> Vec<serde_json::Value> {
            let check_in = |via| EventKind::MemberCheckIn {
                member_id: member,
                via,
                activity: None,
            };
            let kinds = [
                (T, check_in(CredentialKind::Card)),
                (T + 100 * MIN, check_in(CredentialKind::QrToken)),
                (T + 200 * MIN, check_in(CredentialKind::MemberNumber)),
                (
                    T + 201 * MIN,
                    EventKind::Visitor {
                        age_band: protocol::catalog::AgeBand::Over35,
                        purpose: protocol::catalog::ServiceCategory::Leisure,
                    },
                ),
                (
                    T + 202 * MIN,
                    EventKind::CheckInVoided {
                        voided_seq: 2,
                        reason: VoidReason::Mistake,
                        by: "staff".into(),
                    },
                ),
                (
                    T + 203 * MIN,
                    EventKind::Rated {
                        for_seq: 1,
                        satisfaction: protocol::catalog::Satisfaction::Satisfied,
                    },
                ),
                (
                    T + 204 * MIN,
                    EventKind::ActivityChosen {
                        for_seq: 3,
                        activity: String::new(),
                    },
                ),
                (
                    T + 205 * MIN,
                    EventKind::CardBound {
                        member_id: member,
                        card_hash: "0123456789abcdef0123456789abcdef".into(),
                    },
                ),
                (T + 300 * MIN, check_in(CredentialKind::Card)),
                (
                    T + 301 * MIN,
                    EventKind::MemberCheckOut {
                        member_id: member,
                        via: CredentialKind::Card,
                    },
                ),
                (
                    T + 302 * MIN,
                    EventKind::MemberCheckIn {
                        member_id: member + 1000,
                        via: CredentialKind::MemberNumber,
                        activity: None,
                    },
                ),
            ];
            let mut page: Vec<serde_json::Value> = kinds
                .into_iter()
                .zip(1..)
                .map(|((at_ms, kind), seq)| {
                    serde_json::to_value(Event {
                        seq,
                        at_ms,
                        clock: ClockInfo {
                            boot_id: "boot0".into(),
                            monotonic_ms: 0,
                            synchronized: true,
                        },
                        kind,
                    })
                    .expect("json")
                })
                .collect();
            // The visitor again, as a kiosk retrying half a page would.
            page.insert(5, page[3].clone());
            page
        }
        let ingest = |whole: bool| {
            let mut f = fixture();
            // Kiosk 1 was back first, with the member between two of them.
            f.check_in(1, T + 150 * MIN, CredentialKind::QrToken);
            let events = page(f.member);
            let pages: Vec<Vec<serde_json::Value>> = if whole {
                vec![events]
            } else {
                events.into_iter().map(|e| vec![e]).collect()
            };
            for p in pages {
                f.store
                    .ingest(&f.kiosks[0], &protocol::wire::Received::page(p))
                    .expect("ingest");
            }
            let visits = f.visits();
            (stored(&f), visits, [f.kiosks[0].id, f.kiosks[1].id])
        };
        let (whole, visits, ids) = ingest(true);
        assert_eq!(whole, ingest(false).0);
        // Kiosk 1's, the first and the last: the second is voided and
        // folded, the third folded into kiosk 1's.
        assert_eq!(visits, (3, 3));
        let folded: Vec<(u64, Option<String>)> = whole
            .0
            .iter()
            .filter(|e| e.2.is_some())
            .map(|e| (e.0, e.2.clone()))
            .collect();
        assert_eq!(
            folded,
            [
                (2, Some(format!("{}:1", ids[0]))),
                (3, Some(format!("{}:1", ids[1])))
            ]
        );
        // Seq 11 names a member the hub does not know; seq 4 came twice.
        assert_eq!(whole.1.len(), 1, "{:?}", whole.1);
        assert_eq!(whole.0.len(), 10);
        assert_eq!(whole.3.len(), 1, "the card is bound");
    }

    #[test]
    fn a_check_in_from_a_clock_in_1970_joins_the_visit_once_its_time_is_known() {
        let mut f = fixture();
        f.check_in(0, T, CredentialKind::Card);
        // The other kiosk booted without a clock: its check-in, five minutes
        // later in truth, says 1970 (ten minutes after boot).
        let unsynced = |mono: u64| ClockInfo {
            boot_id: "rtc-less".into(),
            monotonic_ms: mono,
            synchronized: false,
        };
        let member_id = f.member;
        f.send_timed(
            1,
            600_000,
            unsynced(600_000),
            EventKind::MemberCheckIn {
                member_id,
                via: CredentialKind::MemberNumber,
                activity: None,
            },
        );
        // Not yet known to be the same visit: counted, on 1 January 1970.
        assert_eq!(f.visits(), (2, 1));
        // Twenty minutes on, the clock is set; a visitor carries the reference.
        f.send_timed(
            1,
            T + 25 * MIN,
            ClockInfo {
                boot_id: "rtc-less".into(),
                monotonic_ms: 600_000 + 20 * 60_000,
                synchronized: true,
            },
            EventKind::Visitor {
                age_band: protocol::catalog::AgeBand::Over35,
                purpose: protocol::catalog::ServiceCategory::Leisure,
            },
        );
        assert_eq!(
            f.visits(),
            (1, 1),
            "one member visit, and none left in 1970"
        );
        let (at, folded): (i64, Option<String>) = f
            .store
            .conn()
            .query_row(
                "SELECT at_ms, same_visit_as FROM events WHERE device_id = ?1 AND seq = 1",
                [f.kiosks[1].id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("event");
        assert_eq!(at, T + 5 * MIN);
        assert_eq!(folded, Some(format!("{}:1", f.kiosks[0].id)));
    }

    #[test]
    fn a_member_at_two_kiosks_within_the_window_is_one_visit() {
        let mut f = fixture();
        // Both kiosks offline: a card tapped at one, the QR code shown at the other.
        f.check_in(0, T, CredentialKind::Card);
        f.check_in(1, T + 3 * MIN, CredentialKind::QrToken);
        assert_eq!(f.visits(), (1, 1));
        // The same pages again (a retry): still one.
        let again = Event {
            seq: 1,
            at_ms: T + 3 * MIN,
            clock: ClockInfo {
                boot_id: "boot1".into(),
                monotonic_ms: 0,
                synchronized: true,
            },
            kind: EventKind::MemberCheckIn {
                member_id: f.member,
                via: CredentialKind::QrToken,
                activity: None,
            },
        };
        let r = f
            .store
            .ingest(
                &f.kiosks[1],
                &protocol::wire::Received::page([serde_json::to_value(&again).expect("json")]),
            )
            .expect("ingest");
        assert_eq!(r.duplicates, 1);
        assert_eq!(f.visits(), (1, 1));
        // Back in the afternoon, outside the window: a second visit.
        f.check_in(1, T + 5 * 60 * MIN, CredentialKind::QrToken);
        assert_eq!(f.visits(), (2, 2));
    }

    #[test]
    fn the_later_kiosk_arriving_first_still_counts_one_and_voiding_the_fold_changes_nothing() {
        let mut f = fixture();
        // Kiosk 1 comes back online first with the later check-in.
        f.check_in(1, T + 10 * MIN, CredentialKind::QrToken);
        let folded = f.check_in(0, T, CredentialKind::Card);
        assert_eq!(f.visits(), (1, 1));
        // Staff at kiosk 0 void their (folded) check-in: the visit stands.
        f.send(
            0,
            T + 20 * MIN,
            EventKind::CheckInVoided {
                voided_seq: folded,
                reason: VoidReason::Mistake,
                by: "staff".into(),
            },
        );
        assert_eq!(f.visits(), (1, 1));
    }
}
