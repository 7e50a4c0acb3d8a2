//! Taking in a kiosk's page of events: each read on its own and checked
//! (a member of this center, a time that can be a date, a seq the hub does
//! not hold as another event), stored once by `(device, seq)`, counted in
//! the daily roll-up (one visit for a member seen at two kiosks within the
//! repeat window), and the device's mark moved over every contiguous seq.
//! What cannot be used is set aside with the reason, never failing the page.

use chrono::{TimeZone, Timelike};
use chrono_tz::Tz;
use protocol::text::clean_text;
use protocol::wire::{
    Event, EventKind, IngestResult, Kind, MAX_ACTIVITY_CHARS, MAX_ACTOR_CHARS, Received, Rejected,
};

use super::db::{OptionalExt, Tx, params};
use super::rollup::{Tally, fold_same_visit};
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
        let mut clash = None;
        for received in page {
            let (seq, raw) = (received.seq, &received.raw);
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
                        match member_of(&tx, member_id, device.center_id, true)? {
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
                        member_of(&tx, member_id, device.center_id, own)?.map(|()| ev)
                    }
                    EventKind::MemberCheckOut { member_id, via } => {
                        let own = via != protocol::wire::CredentialKind::QrToken;
                        member_of(&tx, member_id, device.center_id, own)?.map(|()| ev)
                    }
                    EventKind::VolunteerIn { member_id, .. }
                    | EventKind::VolunteerOut { member_id, .. } => {
                        member_of(&tx, member_id, device.center_id, true)?.map(|()| ev)
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
                    if insert_event(&tx, device, &ev, tz, now, &mut tally)? {
                        stored += 1;
                    } else {
                        duplicates += 1;
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

/// Whether an event may name `member_id` from a kiosk of `center_id`: the
/// member must be known, and with `own`, a member of that center (a kiosk's
/// credential must not bind cards or log shifts for another center).
fn member_of(
    tx: &Tx<'_>,
    member_id: u32,
    center_id: u64,
    own: bool,
) -> Result<std::result::Result<(), String>> {
    let center: Option<u64> = tx
        .query_row(
            "SELECT center_id FROM members WHERE id = ?1",
            [member_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match center {
        None => Err(format!("member {member_id} is not known to the hub")),
        Some(c) if own && c != center_id => Err(format!(
            "member {member_id} is not a member of this kiosk's center"
        )),
        Some(_) => Ok(()),
    })
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

/// Inserts one event; false when the hub already had it.
fn insert_event(
    tx: &Tx<'_>,
    device: &Device,
    ev: &Event,
    tz: Tz,
    now: i64,
    tally: &mut Tally,
) -> Result<bool> {
    let local = tz.timestamp_millis_opt(ev.at_ms).single();
    let local_date = local
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "1970-01-01".into());
    let local_hour = local.map(|t| t.hour()).unwrap_or(0);
    let c = ev.kind.columns();
    let (kind, member_id, via, age_band, purpose, card_hash) = (
        c.kind,
        c.member_id,
        c.via,
        c.age_band,
        c.purpose,
        c.card_hash,
    );
    // Kept short and printable: an activity title or a name is a label, not
    // a document, and reaches admins' terminals and pages.
    let activity = c.activity.map(|a| clean_text(a, MAX_ACTIVITY_CHARS));
    let actor = c.by.map(|a| clean_text(a, MAX_ACTOR_CHARS));
    let n = tx.execute(
        "INSERT INTO events(device_id, seq, center_id, at_ms, local_date, local_hour, kind, member_id,
                            via, age_band, purpose, boot_id, monotonic_ms, clock_synchronized, received_at_ms,
                            card_hash, activity, voided_seq, reason, actor, for_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                 ?19, ?20, ?21)
         ON CONFLICT(device_id, seq) DO NOTHING",
        params![
            device.id,
            ev.seq,
            device.center_id,
            ev.at_ms,
            local_date,
            local_hour,
            kind.code(),
            member_id,
            via,
            age_band,
            purpose,
            ev.clock.boot_id,
            ev.clock.monotonic_ms,
            ev.clock.synchronized,
            now,
            card_hash,
            activity,
            c.voided_seq,
            c.reason,
            actor,
            c.for_seq
        ],
    )?;
    // An answer to "which activity?" counts its check-in for that
    // activity (empty: for none), once, when first received; the latest
    // answer stands.
    if n == 1
        && let (Some(target), Some(chosen)) = (c.for_seq, activity.as_deref())
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
    if n == 1
        && let Some(target) = c.voided_seq
    {
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
    if n == 1 && kind == Kind::MemberCheckIn {
        // The same member at another kiosk of the center (or this one)
        // within the repeat window: one visit, counted once.
        if let Some(member_id) = member_id
            && fold_same_visit(tx, device, member_id, ev.seq, ev.at_ms)?
        {
            return Ok(true);
        }
    }
    if n == 1 {
        tally.add(&local_date, kind, 1);
    }
    // A binding made at a kiosk takes effect once, when first received.
    if n == 1
        && let (Some(member_id), Some(hash)) = (member_id, card_hash)
    {
        bind_card_in(tx, member_id, hash)?;
        // The kiosk's "bind the next card" request, if any, is done.
        super::devices::clear_bind_next_in(tx, device.id)?;
    }
    Ok(n == 1)
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
