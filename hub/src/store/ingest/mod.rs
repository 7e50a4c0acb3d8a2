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

use std::collections::HashMap;

use chrono::TimeZone;
use protocol::wire::{Event, EventKind, IngestResult, Kind, Received, Rejected};

use super::db::{OptionalExt, Tx, params};
use super::rollup::Tally;
use super::{Device, Result, Store, archive, now_ms, retime};

mod run;
use run::{Run, insert_event};

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

#[cfg(test)]
mod rollup_tests;
#[cfg(test)]
mod same_visit_tests;
