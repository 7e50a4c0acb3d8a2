//! The kiosk's SQLite file: the event outbox, the roster, enrollment and settings.
//!
//! Every accepted check-in is one row written in one transaction with
//! `synchronous=FULL`, so once [`Store::record`] returns the event survives a
//! power cut. The events table is the outbox: only the hub's acknowledged
//! high-water mark says what has been delivered.

mod day;
mod migrations;
mod outbox;
pub mod recover;
mod roster;

use std::path::Path;

use protocol::catalog::{AgeBand, Satisfaction, ServiceCategory};
use protocol::text::clean_text;
use protocol::wire::{
    ClockInfo, CredentialKind, Event, EventKind, Kind, MAX_ACTIVITY_CHARS, MAX_ACTOR_CHARS,
    RosterDelta, VoidReason,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The disk is full: nothing new can be recorded until space is freed.
    #[error("the kiosk's storage is full")]
    Full,
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    /// A void or an activity answer that names no check-in of this kiosk,
    /// or a void of one already voided.
    #[error("{0}")]
    NoTarget(String),
}

impl StoreError {
    fn from_sqlite(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::Full,
            _ => StoreError::Sqlite(e),
        }
    }
}

type Result<T> = std::result::Result<T, StoreError>;

/// What the kiosk learnt when it enrolled with the hub.
#[derive(Clone, PartialEq)]
pub struct Enrollment {
    pub hub_url: String,
    pub device_id: u64,
    pub device_token: String,
    pub center_id: u64,
    pub center_name: String,
    pub time_zone: String,
    /// base64 of the hub's card key (protocol::card); empty if the hub sent none.
    pub card_key: String,
}

/// The time zone of a kiosk that has not learnt its center's yet (most
/// centers are in it).
pub const DEFAULT_TIME_ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

impl Enrollment {
    /// The center's time zone, whose calendar its days follow.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(DEFAULT_TIME_ZONE)
    }
}

// The token and the card key are secrets: keep it out of every Debug print and log line.
impl std::fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enrollment")
            .field("hub_url", &self.hub_url)
            .field("device_id", &self.device_id)
            .field("device_token", &"<secret>")
            .field("center_id", &self.center_id)
            .field("center_name", &self.center_name)
            .field("time_zone", &self.time_zone)
            .field("card_key", &"<secret>")
            .finish()
    }
}

/// What the kiosk knows of a member, from the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterMember {
    pub member_id: u32,
    pub display_name: String,
    pub active: bool,
    /// Printed cards of an older generation are refused.
    pub card_generation: u16,
    /// May start and end volunteer shifts.
    pub volunteer: bool,
}

/// An event about to be recorded; the store gives it its `seq`.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub at_ms: i64,
    /// The center's local date and hour at `at_ms`, for the staff screen.
    pub local_date: String,
    pub local_hour: u8,
    pub clock: ClockInfo,
    pub kind: EventKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Stored {
        seq: u64,
    },
    /// The member already checked in within the repeat window; nothing was written.
    Repeat {
        previous_at_ms: i64,
    },
}

/// Where the upload stands, as staff and `kiosk status` see it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SyncStatus {
    pub enrolled: bool,
    pub last_seq: u64,
    pub acked_seq: u64,
    pub events_waiting: u64,
    pub oldest_waiting_at_ms: Option<i64>,
    pub last_sync_ok_ms: Option<i64>,
    pub last_sync_error: Option<String>,
    /// Free space where the database lives, when the system says.
    pub free_bytes: Option<u64>,
    /// When the database was last found to be an older copy, if ever.
    pub restored: Option<recover::Restored>,
    /// The events the hub set aside, if any.
    pub set_aside: Option<SetAside>,
    /// What the last recovery of a damaged database found, until the next
    /// good sync (or enrollment).
    pub damage: Option<String>,
    /// Why `kiosk.toml` could not be read (the kiosk runs on the defaults);
    /// filled in by the caller, which read the settings.
    pub config_problem: Option<String>,
    /// The hub refuses this kiosk's credential (taken out of service, or
    /// another board on it): waiting does not help; it must be enrolled
    /// again. Its check-ins are kept.
    pub refused_by_hub: bool,
}

/// Below this much free space staff are told to call a technician; below
/// a few MB SQLite refuses writes and check-ins are refused as "full".
pub const LOW_SPACE_BYTES: u64 = 256 << 20;

/// Today's numbers for the staff screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayStats {
    pub total: u64,
    pub members: u64,
    pub distinct_members: u64,
    pub visitors: u64,
    pub by_hour: [u64; 24],
    /// Visitors by purpose, largest first.
    pub by_category: Vec<(ServiceCategory, u64)>,
    /// Check-ins voided by staff (not in the counts above).
    pub voided: u64,
    /// Volunteers whose latest shift event here that day is a start.
    pub volunteers_on_site: u64,
    /// Set when the figures are the whole center's: the hub's, fetched at
    /// this time, plus this kiosk's check-ins since. Unset: this kiosk only.
    pub hub_as_of_ms: Option<i64>,
}

/// The hub's figures for the center's day, as fetched after a sync, with
/// this kiosk's mark at the time: the hub counted every event up to it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HubDay {
    pub report: protocol::wire::DailyReport,
    pub acked_seq: u64,
    pub fetched_at_ms: i64,
}

/// One line of the day's list on the staff screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayEntry {
    pub seq: u64,
    pub at_ms: i64,
    pub who: Who,
    /// Set when staff voided it: why and by whom.
    pub voided: Option<(VoidReason, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// A member, by display name (the roster may not know them yet).
    Member {
        member_id: u32,
        display_name: Option<String>,
    },
    Visitor {
        age_band: Option<AgeBand>,
        purpose: Option<ServiceCategory>,
    },
}

/// A visit that counts: a check-in or a visitor that staff did not void.
const COUNTED: &str = "kind IN ('member_check_in', 'visitor')
     AND NOT EXISTS (SELECT 1 FROM events v WHERE v.voided_seq = events.seq)";

/// Where a member's visit of the day stands on this kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visit {
    None,
    In { since_ms: i64 },
    Out { at_ms: i64 },
}

pub struct Store {
    conn: Connection,
}

const SETTING_ACKED: &str = "acked_seq";
const SETTING_ROSTER_REV: &str = "roster_revision";
const SETTING_SYNC_OK: &str = "last_sync_ok_ms";
const SETTING_SYNC_ERR: &str = "last_sync_error";
/// Set while the hub refuses the kiosk's credential (401, 409).
const SETTING_SYNC_REFUSED: &str = "sync_refused";
const SETTING_PIN: &str = "staff_pin_hash";
const SETTING_HUB_DAY: &str = "hub_day";
const SETTING_SET_ASIDE: &str = "set_aside";
const SETTING_DAMAGE: &str = "damage";

/// Events the hub could not use: kept aside there (with the reason), not
/// counted, and no longer holding back the uploads.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SetAside {
    pub count: u64,
    pub last_seq: u64,
    pub last_reason: String,
    pub at_ms: i64,
}

impl std::fmt::Display for SetAside {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} event(s) were set aside by the hub (kept there, not counted); the last, #{}: {}",
            self.count, self.last_seq, self.last_reason
        )
    }
}

/// Turns the database to WAL. The switch needs the file to itself and does
/// not wait on the busy timeout: another process opening the new database
/// at the same moment (at first boot, the kiosk and its enrollment) makes
/// it retry for a while instead of failing.
fn wal_mode(conn: &Connection) -> Result<()> {
    let started = std::time::Instant::now();
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && started.elapsed() < std::time::Duration::from_secs(5) =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return Ok(other?),
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path).map_err(StoreError::from_sqlite)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        wal_mode(&conn)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn };
        migrations::apply(&mut store.conn)?;
        Ok(store)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO settings(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(StoreError::from_sqlite)?;
        Ok(())
    }

    pub fn delete_setting(&self, key: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(())
    }

    fn setting_u64(&self, key: &str) -> Result<u64> {
        match self.setting(key)? {
            None => Ok(0),
            Some(v) => v
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("setting {key} = {v:?}"))),
        }
    }

    pub fn enrollment(&self) -> Result<Option<Enrollment>> {
        Ok(self
            .conn
            .query_row(
                "SELECT hub_url, device_id, device_token, center_id, center_name, time_zone, card_key
                 FROM enrollment WHERE id = 1",
                [],
                |r| {
                    Ok(Enrollment {
                        hub_url: r.get(0)?,
                        device_id: r.get(1)?,
                        device_token: r.get(2)?,
                        center_id: r.get(3)?,
                        center_name: r.get(4)?,
                        time_zone: r.get(5)?,
                        card_key: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    /// Saves the enrollment and the hub's token keys in one transaction.
    pub fn save_enrollment(&mut self, e: &Enrollment, keys: &[(u16, String)]) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let before: Option<(String, u64)> = tx
            .query_row(
                "SELECT hub_url, device_id FROM enrollment WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if before.is_some_and(|(url, id)| url != e.hub_url || id != e.device_id) {
            // Enrolled anew (a second board on one credential, a kiosk moved
            // to another hub): what the old credential uploaded is at the hub
            // under it and goes; what it never uploaded starts the new
            // device's seqs at 1, so none is lost and none counts twice.
            let acked: u64 = tx
                .query_row(
                    "SELECT value FROM settings WHERE key = ?1",
                    [SETTING_ACKED],
                    |r| r.get::<_, String>(0),
                )
                .optional()?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            tx.execute("DELETE FROM events WHERE seq <= ?1", [acked])?;
            recover::renumber(&tx, acked, 0)?;
            tx.execute(
                "UPDATE sqlite_sequence SET seq = (SELECT coalesce(max(seq), 0) FROM events)
                 WHERE name = 'events'",
                [],
            )?;
            tx.execute(
                "DELETE FROM settings WHERE key IN (?1, ?2, ?3, ?4, ?5)",
                [
                    SETTING_ACKED,
                    SETTING_HUB_DAY,
                    SETTING_SET_ASIDE,
                    recover::SETTING_RESTORED,
                    recover::SETTING_RENUMBER_ABOVE,
                ],
            )?;
        }
        tx.execute(
            "INSERT INTO enrollment(id, hub_url, device_id, device_token, center_id, center_name, time_zone,
                                    card_key)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(id) DO UPDATE SET hub_url = excluded.hub_url, device_id = excluded.device_id,
               device_token = excluded.device_token, center_id = excluded.center_id,
               center_name = excluded.center_name, time_zone = excluded.time_zone,
               card_key = excluded.card_key",
            params![e.hub_url, e.device_id, e.device_token, e.center_id, e.center_name, e.time_zone, e.card_key],
        )?;
        // A new credential starts a history of its own.
        tx.execute(
            "DELETE FROM settings WHERE key IN (?1, ?2)",
            [recover::SETTING_LINEAGE, SETTING_DAMAGE],
        )?;
        tx.execute("DELETE FROM signing_keys", [])?;
        for (id, key) in keys {
            tx.execute(
                "INSERT INTO signing_keys(key_id, public_key) VALUES (?1, ?2)",
                params![id, key],
            )?;
        }
        tx.commit().map_err(StoreError::from_sqlite)?;
        self.write_enrolled_marker(e);
        Ok(())
    }

    /// Writes the marker that says this kiosk is enrolled beside the
    /// database (see [`recover::enrolled_marker`]); without it, a database
    /// later found empty could not be told from a new kiosk's, so a failure
    /// is logged.
    pub fn write_enrolled_marker(&self, e: &Enrollment) {
        let Some(path) = self.conn.path().filter(|p| !p.is_empty()) else {
            return;
        };
        let marker = recover::enrolled_marker(Path::new(path));
        let text = format!(
            "device {} of center {} ({}) at {}\n",
            e.device_id, e.center_id, e.center_name, e.hub_url
        );
        if let Err(err) = std::fs::write(&marker, text) {
            tracing::error!("cannot write {}: {err}", marker.display());
        }
    }

    /// Keeps what a recovery found, for `kiosk status` and the staff
    /// screen, until the next good sync or enrollment.
    pub fn note_damage(&self, message: &str) -> Result<()> {
        self.set_setting(SETTING_DAMAGE, message)
    }

    pub fn signing_keys(&self) -> Result<Vec<(u16, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT key_id, public_key FROM signing_keys ORDER BY key_id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Records an event in one durable transaction. A member check-in (or a
    /// volunteer's shift start or end) within `repeat_window_ms` of the same
    /// member's last one of the same kind is not recorded; the check and the
    /// write share the transaction, so two scans racing from two threads
    /// still count once.
    pub fn record(&mut self, ev: &NewEvent, repeat_window_ms: i64) -> Result<Recorded> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StoreError::from_sqlite)?;
        let c = ev.kind.columns();
        match &ev.kind {
            EventKind::MemberCheckIn { member_id, .. }
            | EventKind::VolunteerIn { member_id, .. }
            | EventKind::VolunteerOut { member_id, .. }
                if repeat_window_ms > 0 =>
            {
                let previous: Option<i64> = tx
                    .query_row(
                        "SELECT max(at_ms) FROM events
                         WHERE member_id = ?1 AND kind = ?2 AND at_ms > ?3",
                        params![
                            member_id,
                            c.kind.code(),
                            ev.at_ms.saturating_sub(repeat_window_ms)
                        ],
                        |r| r.get(0),
                    )
                    .optional()?
                    .flatten();
                if let Some(previous_at_ms) = previous {
                    return Ok(Recorded::Repeat { previous_at_ms });
                }
            }
            EventKind::CardBound {
                member_id,
                card_hash,
            } => {
                // The binding works here at once, before the hub has it.
                tx.execute(
                    "INSERT INTO cards(card_hash, member_id) VALUES (?1, ?2)
                     ON CONFLICT(card_hash) DO UPDATE SET member_id = excluded.member_id",
                    params![card_hash, member_id],
                )
                .map_err(StoreError::from_sqlite)?;
            }
            EventKind::CheckInVoided { voided_seq, .. } => {
                let target: Option<(String, bool)> = tx
                    .query_row(
                        "SELECT kind, EXISTS(SELECT 1 FROM events v WHERE v.voided_seq = e.seq)
                         FROM events e WHERE seq = ?1",
                        [voided_seq],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                match target {
                    Some((kind, false)) if Kind::from_code(&kind).is_some_and(Kind::is_visit) => {}
                    Some((_, true)) => {
                        return Err(StoreError::NoTarget(format!(
                            "check-in {voided_seq} is already voided"
                        )));
                    }
                    _ => {
                        return Err(StoreError::NoTarget(format!(
                            "there is no check-in {voided_seq} on this kiosk"
                        )));
                    }
                }
            }
            EventKind::Rated { for_seq, .. } => {
                let kind: Option<String> = tx
                    .query_row("SELECT kind FROM events WHERE seq = ?1", [for_seq], |r| {
                        r.get(0)
                    })
                    .optional()?;
                if kind.as_deref() != Some(Kind::MemberCheckIn.code()) {
                    return Err(StoreError::NoTarget(format!(
                        "there is no member check-in {for_seq} on this kiosk to rate"
                    )));
                }
            }
            EventKind::ActivityChosen { for_seq, .. } => {
                let kind: Option<String> = tx
                    .query_row("SELECT kind FROM events WHERE seq = ?1", [for_seq], |r| {
                        r.get(0)
                    })
                    .optional()?;
                if kind.as_deref() != Some(Kind::MemberCheckIn.code()) {
                    return Err(StoreError::NoTarget(format!(
                        "there is no member check-in {for_seq} on this kiosk"
                    )));
                }
            }
            _ => {}
        }
        // Free text is kept as the hub keeps it, so no event is too large
        // to send (a scanner gone wrong types forever).
        let activity = c.activity.map(|a| clean_text(a, MAX_ACTIVITY_CHARS));
        let by = c.by.map(|b| clean_text(b, MAX_ACTOR_CHARS));
        tx.execute(
            "INSERT INTO events(at_ms, local_date, local_hour, kind, member_id, via, age_band, purpose,
                                boot_id, monotonic_ms, clock_synchronized, card_hash, activity,
                                voided_seq, reason, actor, for_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            params![
                ev.at_ms,
                ev.local_date,
                ev.local_hour,
                c.kind.code(),
                c.member_id,
                c.via,
                c.age_band,
                c.purpose,
                ev.clock.boot_id,
                ev.clock.monotonic_ms,
                ev.clock.synchronized,
                c.card_hash,
                activity,
                c.voided_seq,
                c.reason,
                by,
                c.for_seq
            ],
        )
        .map_err(StoreError::from_sqlite)?;
        let seq = u64::try_from(tx.last_insert_rowid())
            .map_err(|_| StoreError::Corrupt("negative seq".into()))?;
        tx.commit().map_err(StoreError::from_sqlite)?;
        Ok(Recorded::Stored { seq })
    }

    /// When a volunteer's shift on this kiosk began, if their latest shift
    /// event here on `local_date` is a start (the shift is still open here).
    pub fn open_shift_start(&self, member_id: u32, local_date: &str) -> Result<Option<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, at_ms FROM events
             WHERE member_id = ?1 AND local_date = ?2 AND kind IN ('volunteer_in', 'volunteer_out')
             ORDER BY seq DESC LIMIT 1",
        )?;
        let latest: Option<(String, i64)> = stmt
            .query_row(params![member_id, local_date], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        Ok(latest.and_then(|(kind, at)| {
            (Kind::from_code(&kind) == Some(Kind::VolunteerIn)).then_some(at)
        }))
    }

    /// A member's visit today still open on this kiosk: the time of their
    /// last counted check-in, unless they checked out after it; and the
    /// time of a check-out that is their latest (for a double scan).
    pub fn open_visit(&self, member_id: u32, local_date: &str) -> Result<Visit> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT kind, at_ms FROM events
             WHERE member_id = ?1 AND local_date = ?2
               AND ((kind = 'member_check_in' AND {COUNTED}) OR kind = 'member_check_out')
             ORDER BY seq DESC LIMIT 1"
        ))?;
        let latest: Option<(String, i64)> = stmt
            .query_row(params![member_id, local_date], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        Ok(match latest {
            Some((kind, at)) if Kind::from_code(&kind) == Some(Kind::MemberCheckIn) => {
                Visit::In { since_ms: at }
            }
            Some((_, at)) => Visit::Out { at_ms: at },
            None => Visit::None,
        })
    }

    /// The member an event of this kiosk is about (`None`: a visitor's, or
    /// no such event).
    pub fn member_of_event(&self, seq: u64) -> Result<Option<u32>> {
        Ok(self
            .conn
            .query_row("SELECT member_id FROM events WHERE seq = ?1", [seq], |r| {
                r.get(0)
            })
            .optional()?
            .flatten())
    }

    /// The visit a member may still rate on this kiosk: their latest
    /// counted check-in from `from_date` up to and including `until_date`
    /// that is older than event `before_seq` and not rated yet, as
    /// (its seq, its local date).
    pub fn visit_to_rate(
        &self,
        member_id: u32,
        from_date: &str,
        until_date: &str,
        before_seq: u64,
    ) -> Result<Option<(u64, String)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT seq, local_date FROM events
             WHERE member_id = ?1 AND kind = 'member_check_in' AND {COUNTED}
               AND local_date >= ?2 AND local_date <= ?3 AND seq < ?4
               AND NOT EXISTS (SELECT 1 FROM events r WHERE r.kind = 'rated' AND r.for_seq = events.seq)
             ORDER BY seq DESC LIMIT 1"
        ))?;
        Ok(stmt
            .query_row(params![member_id, from_date, until_date, before_seq], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// How long members stayed on `local_date` at this kiosk: (how many
    /// checked out, the average in minutes).
    pub fn stays(&self, local_date: &str) -> Result<(u64, Option<u64>)> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.at_ms - (SELECT max(i.at_ms) FROM events i
                               WHERE i.member_id = o.member_id AND i.local_date = o.local_date
                                 AND i.kind = 'member_check_in' AND i.seq < o.seq
                                 AND NOT EXISTS (SELECT 1 FROM events v WHERE v.voided_seq = i.seq))
             FROM events o WHERE o.local_date = ?1 AND o.kind = 'member_check_out'",
        )?;
        let stays: Vec<i64> = stmt
            .query_map([local_date], |r| r.get::<_, Option<i64>>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect();
        let n = stays.len() as u64;
        let average =
            (n > 0).then(|| (stays.iter().sum::<i64>() / n as i64 / 60_000).max(0) as u64);
        Ok((n, average))
    }

    pub fn staff_pin_hash(&self) -> Result<Option<String>> {
        self.setting(SETTING_PIN)
    }

    pub fn set_staff_pin_hash(&self, hash: &str) -> Result<()> {
        self.set_setting(SETTING_PIN, hash)
    }

    /// `PRAGMA quick_check`, for start-up and tests.
    pub fn check_integrity(&self) -> Result<bool> {
        let r: String = self
            .conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        Ok(r == "ok")
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
impl Store {
    /// Caps the file at its current page count, as a full disk would.
    pub fn limit_pages_for_test(&self) {
        let pages: i64 = self
            .conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .expect("page_count");
        self.conn
            .pragma_update(None, "max_page_count", pages)
            .expect("max_page_count");
    }
}
