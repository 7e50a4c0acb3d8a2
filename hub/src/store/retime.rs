//! Events recorded while a kiosk's clock was not synchronised (a board
//! without a real-time clock boots in 1970, or a clock set far ahead) are
//! placed on the right day once the same boot's clock is known.
//!
//! Every event carries its boot's id and the milliseconds since that boot
//! (which never jump). The first synchronised event of a boot gives the
//! boot's offset, wall time − monotonic time; any event of that boot
//! recorded unsynchronised, before or after, then happened at monotonic +
//! offset. Its day and hour are corrected, the roll-ups move with it,
//! and the device's own time stays in `device_at_ms`. Nothing is refused
//! for its time: an event of a boot that never synchronises keeps the
//! device's time.

use crate::store::db::{self, Tx};
use std::collections::BTreeSet;

use crate::store::db::params;
use chrono::{TimeZone, Timelike};
use chrono_tz::Tz;

use protocol::wire::{ClockInfo, Kind};

use super::rollup::Tally;
use super::{Device, Result};

/// After a page is stored: learn the offsets of the boots it synchronised,
/// and re-time the unsynchronised events of every boot it touched.
pub(super) fn page(
    tx: &Tx<'_>,
    device: &Device,
    tz: Tz,
    clocks: &[(i64, ClockInfo)],
) -> Result<u32> {
    let mut boots = BTreeSet::new();
    let mut referenced = BTreeSet::new();
    for (at, clock) in clocks {
        let boot = clock.boot_id.as_str();
        let mono = i64::try_from(clock.monotonic_ms).unwrap_or(i64::MAX);
        if clock.synchronized && !referenced.contains(boot) {
            // The first synchronised event of a boot sets its offset; pages
            // arrive in seq order, so that is the earliest one.
            tx.prepare(
                "INSERT INTO boot_clocks(device_id, boot_id, offset_ms) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            )?
            .execute(params![device.id, boot, at.saturating_sub(mono)])?;
            referenced.insert(boot.to_string());
        }
        if !boots.contains(boot) {
            boots.insert(boot.to_string());
        }
    }
    let mut retimed = 0;
    for boot in boots {
        retimed += boot_events(tx, device, tz, &boot)?;
    }
    Ok(retimed)
}

/// An event of a boot still waiting for its time, as it was stored.
struct Untimed {
    seq: u64,
    kind: String,
    old_date: String,
    device_at: i64,
    mono: i64,
    /// Not voided.
    kept: bool,
    /// Not folded into another kiosk's check-in.
    unfolded: bool,
    member: Option<u32>,
    age_band: Option<String>,
    purpose: Option<String>,
}

fn boot_events(tx: &Tx<'_>, device: &Device, tz: Tz, boot: &str) -> Result<u32> {
    let offset: Option<i64> = tx
        .prepare("SELECT offset_ms FROM boot_clocks WHERE device_id = ?1 AND boot_id = ?2")?
        .query_row(params![device.id, boot], |r| r.get(0))
        .ok();
    let Some(offset) = offset else {
        return Ok(0);
    };
    // Through the partial index, which holds only the events still waiting
    // for their time (named: the planner would otherwise walk all of the
    // device's events by the primary key, on every page).
    let untimed: Vec<Untimed> = tx
        .prepare(
            "SELECT seq, kind, local_date, at_ms, monotonic_ms, voided_by_seq IS NULL,
                    same_visit_as IS NULL, member_id, age_band, purpose
             FROM events INDEXED BY events_untimed
             WHERE device_id = ?1 AND boot_id = ?2 AND clock_synchronized = 0 AND device_at_ms IS NULL",
        )?
        .query_map(params![device.id, boot], |r| {
            Ok(Untimed {
                seq: r.get(0)?,
                kind: r.get(1)?,
                old_date: r.get(2)?,
                device_at: r.get(3)?,
                mono: r.get(4)?,
                kept: r.get(5)?,
                unfolded: r.get(6)?,
                member: r.get(7)?,
                age_band: r.get(8)?,
                purpose: r.get(9)?,
            })
        })?
        .collect::<db::Result<_>>()?;
    let mut tally = Tally::default();
    for u in &untimed {
        let at = u.mono.saturating_add(offset);
        let local = tz.timestamp_millis_opt(at).single();
        let date = local
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| u.old_date.clone());
        let hour = local.map(|t| t.hour()).unwrap_or(0);
        tx.prepare(
            "UPDATE events SET at_ms = ?1, local_date = ?2, local_hour = ?3, device_at_ms = ?4
             WHERE device_id = ?5 AND seq = ?6",
        )?
        .execute(params![at, date, hour, u.device_at, device.id, u.seq])?;
        let Some(kind) = Kind::from_code(&u.kind) else {
            continue;
        };
        // The member came that day, whatever became of the visit.
        if let (true, Kind::MemberCheckIn, Some(member)) = (u.kept, kind, u.member) {
            tally.member(&u.old_date, member, -1);
            tally.member(&date, member, 1);
        }
        // At its true time the check-in may fall within another kiosk's
        // check-in of the same member: then it is that visit, as it would
        // have been had the clock been right (the one re-timed is marked).
        let counted = u.kept && u.unfolded;
        let folded = match (counted, kind, u.member) {
            (true, Kind::MemberCheckIn, Some(member)) => {
                super::rollup::fold_same_visit(tx, device, member, u.seq, at)?
            }
            _ => false,
        };
        if folded {
            tally.add(&u.old_date, kind, -1);
        } else if counted && date != u.old_date {
            tally.add(&u.old_date, kind, -1);
            tally.add(&date, kind, 1);
            if kind == Kind::Visitor {
                let (age, purpose) = (u.age_band.as_deref(), u.purpose.as_deref());
                tally.visitor(&u.old_date, age, purpose, -1);
                tally.visitor(&date, age, purpose, 1);
            }
        }
    }
    tally.write(tx, device.center_id)?;
    if !untimed.is_empty() {
        tracing::info!(
            device = device.id,
            boot,
            events = untimed.len(),
            "events from an unsynchronised clock re-timed"
        );
    }
    Ok(untimed.len() as u32)
}

#[cfg(test)]
mod tests {
    use crate::store::Store;
    use protocol::catalog::{AgeBand, ServiceCategory};
    use protocol::wire::{ClockInfo, Event, EventKind};

    // 2026-11-24 09:30 in Shanghai.
    const REAL_NOW: i64 = 1_795_483_800_000;
    const HOUR: i64 = 3_600_000;

    struct Fixture {
        _dir: tempfile::TempDir,
        store: Store,
        center: u64,
        device: crate::store::Device,
        seq: u64,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let store =
            Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
                .expect("open");
        let center = store
            .add_center("青年之家", "Asia/Shanghai")
            .expect("center");
        let device = crate::store::test_device(&store, center);
        Fixture {
            _dir: dir,
            store,
            center,
            device,
            seq: 0,
        }
    }

    impl Fixture {
        /// A visitor at `at_ms` by the device's clock, `mono` ms after boot.
        fn visitor(
            &mut self,
            boot: &str,
            at_ms: i64,
            mono: u64,
            synced: bool,
        ) -> serde_json::Value {
            self.seq += 1;
            serde_json::to_value(Event {
                seq: self.seq,
                at_ms,
                clock: ClockInfo {
                    boot_id: boot.into(),
                    monotonic_ms: mono,
                    synchronized: synced,
                },
                kind: EventKind::Visitor {
                    age_band: AgeBand::From18To24,
                    purpose: ServiceCategory::Sports,
                },
            })
            .expect("json")
        }

        fn ingest(&self, page: &[serde_json::Value]) {
            let r = self
                .store
                .ingest(
                    &self.device,
                    &protocol::wire::Received::page(page.iter().cloned()),
                )
                .expect("ingest");
            assert!(
                r.rejected.is_empty(),
                "nothing is refused for its time: {r:?}"
            );
        }

        fn days(&self) -> Vec<(String, i64)> {
            let conn = self.store.conn();
            let mut st = conn
                .prepare(
                    "SELECT local_date, visitors FROM daily_counts WHERE center_id = ?1 AND visitors > 0
                     ORDER BY local_date",
                )
                .expect("prepare");
            st.query_map([self.center], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("query")
                .map(|r| r.expect("row"))
                .collect()
        }

        fn event(&self, seq: u64) -> (i64, String, i64, Option<i64>) {
            self.store
                .conn()
                .query_row(
                    "SELECT at_ms, local_date, local_hour, device_at_ms FROM events WHERE seq = ?1",
                    [seq],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .expect("event")
        }
    }

    #[test]
    fn a_board_booting_in_1970_has_its_visits_moved_to_the_right_day_once_synchronised() {
        let mut f = fixture();
        // Booted (no real-time clock) and straight into a queue: the clock
        // says 1970, 10 and 20 minutes after boot.
        let early = [
            f.visitor("b1", 600_000, 600_000, false),
            f.visitor("b1", 1_200_000, 1_200_000, false),
        ];
        f.ingest(&early);
        assert_eq!(f.days(), [("1970-01-01".to_string(), 2)]);
        // An hour after boot the network came and the clock with it: real
        // time 09:30 on the 24th, so the board booted at 08:30.
        let synced = f.visitor("b1", REAL_NOW, 3_600_000, true);
        f.ingest(&[synced]);
        assert_eq!(f.days(), [("2026-11-24".to_string(), 3)]);
        let (at, date, hour, device_at) = f.event(1);
        assert_eq!(at, REAL_NOW - HOUR + 600_000);
        assert_eq!((date.as_str(), hour), ("2026-11-24", 8));
        assert_eq!(device_at, Some(600_000), "the device's own time is kept");
        // The synchronised event itself is untouched.
        assert_eq!(f.event(3).3, None);
    }

    #[test]
    fn a_clock_far_ahead_is_brought_back_and_a_page_carrying_both_is_fixed_at_once() {
        let mut f = fixture();
        let ahead = REAL_NOW + 3_650 * 24 * HOUR; // ten years ahead
        let page = [
            f.visitor("b2", ahead, 5_000, false),
            f.visitor("b2", ahead + 60_000, 65_000, false),
            f.visitor("b2", REAL_NOW, 125_000, true),
        ];
        f.ingest(&page);
        assert_eq!(f.days(), [("2026-11-24".to_string(), 3)]);
        assert_eq!(f.event(2).0, REAL_NOW - 60_000);
    }

    #[test]
    fn unsynchronised_events_after_a_boots_reference_and_retried_pages_are_timed_once() {
        let mut f = fixture();
        let first = f.visitor("b3", REAL_NOW, 1_000, true);
        f.ingest(std::slice::from_ref(&first));
        // The clock flag dropped later in the same boot (a jump backwards).
        let late = f.visitor("b3", 0, 2_000_000, false);
        f.ingest(std::slice::from_ref(&late));
        assert_eq!(f.event(2).0, REAL_NOW - 1_000 + 2_000_000);
        // The same pages again (a lost answer, a retry): nothing moves twice.
        f.ingest(&[first, late]);
        assert_eq!(f.days(), [("2026-11-24".to_string(), 2)]);
        assert_eq!(f.event(2).3, Some(0));
    }

    #[test]
    fn a_boot_that_never_synchronises_keeps_the_devices_time_and_is_not_refused() {
        let mut f = fixture();
        let page = [f.visitor("b4", 86_400_000 * 3, 10, false)];
        f.ingest(&page);
        // Another boot's reference does not apply to it.
        let other = f.visitor("b5", REAL_NOW, 10, true);
        f.ingest(&[other]);
        assert_eq!(
            f.event(1),
            (86_400_000 * 3, "1970-01-04".to_string(), 8, None)
        );
        assert_eq!(
            f.days(),
            [("1970-01-04".to_string(), 1), ("2026-11-24".to_string(), 1)]
        );
    }
}
