//! A damaged database at start (a card worn out, a write torn by a power
//! cut the file system did not survive): moved aside, never deleted, and
//! whatever can still be read from it (the enrollment, settings, staff
//! cards, the roster, every readable event) copied into a fresh one.
//!
//! Events keep their seqs, so those the hub already has are ignored there
//! and the others go up. New check-ins continue after the highest event
//! read back; if the hub turns out to hold more of this kiosk's events than
//! could be read (they were in the damaged part), the next sync moves the
//! new ones above the hub's mark before uploading (`renumber_above`), so
//! none is mistaken for one the hub already has.

use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, params};

use super::{Result, SETTING_ROSTER_REV, Store, StoreError};

/// Set after a recovery: events above this seq were recorded after it.
pub(super) const SETTING_RENUMBER_ABOVE: &str = "renumber_above";

/// What a recovery did, for the log and the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    /// Where the damaged file now is.
    pub moved_to: PathBuf,
    pub events: usize,
    pub highest_seq: u64,
    pub enrolled: bool,
    pub roster_members: usize,
    /// The database was empty or gone though this kiosk was enrolled (what
    /// the marker beside it says of the enrollment).
    pub lost_enrollment: Option<String>,
}

impl std::fmt::Display for Recovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(was) = &self.lost_enrollment {
            return write!(
                f,
                "the kiosk database was empty or missing, though this kiosk was enrolled ({was}): \
                 the check-ins it held that the hub did not have yet cannot be read back. \
                 What was there was moved to {}. Check-ins continue and are kept here; \
                 enroll this kiosk again (`kiosk enroll --force` with a new code) to upload them.",
                self.moved_to.display()
            );
        }
        write!(
            f,
            "the kiosk database was damaged; it was moved to {} and a new one started. \
             Read back: {} check-ins (up to #{}), {}, {} roster members. \
             Check-ins continue; what the hub lacks goes up at the next sync.",
            self.moved_to.display(),
            self.events,
            self.highest_seq,
            if self.enrolled {
                "the enrollment"
            } else {
                "no enrollment (run `kiosk enroll` again)"
            },
            self.roster_members
        )
    }
}

/// Whether the file at `path` is a healthy SQLite database (or absent).
fn healthy(path: &Path) -> bool {
    if !path.exists() {
        return true;
    }
    let Ok(conn) = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE) else {
        return false;
    };
    conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0))
        .map(|r| r == "ok")
        .unwrap_or(false)
}

/// The file beside the database that says the kiosk is enrolled (never the
/// credential itself): an enrolled kiosk whose database is found empty or
/// gone then knows it lost something, instead of starting as a new kiosk.
pub fn enrolled_marker(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "kiosk.sqlite3".into());
    path.with_file_name(format!("{name}.enrolled"))
}

/// Whether the database holds no enrollment: gone, empty, or without one.
fn without_enrollment(path: &Path) -> bool {
    if std::fs::metadata(path)
        .map(|m| m.len() == 0)
        .unwrap_or(true)
    {
        return true;
    }
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| {
            c.query_row("SELECT count(*) FROM enrollment", [], |r| {
                r.get::<_, i64>(0)
            })
        })
        .map(|n| n == 0)
        .unwrap_or(false)
}

/// Moves the database (and its WAL files) aside, to `NAME.damaged-MS`.
fn move_aside(path: &Path, now_ms: i64) -> Result<PathBuf> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "kiosk.sqlite3".into());
    let moved_to = path.with_file_name(format!("{name}.damaged-{now_ms}"));
    let cannot_move = |e: std::io::Error| {
        StoreError::Corrupt(format!(
            "the database is damaged and cannot be moved aside: {e}"
        ))
    };
    if path.exists() {
        std::fs::rename(path, &moved_to).map_err(cannot_move)?;
    }
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            std::fs::rename(&side, format!("{}{suffix}", moved_to.display()))
                .map_err(cannot_move)?;
        }
    }
    Ok(moved_to)
}

/// Opens the database, recovering it first if it is damaged.
pub fn open_or_recover(path: &Path, now_ms: i64) -> Result<(Store, Option<Recovery>)> {
    let marker = enrolled_marker(path);
    if let Ok(was) = std::fs::read_to_string(&marker)
        && without_enrollment(path)
    {
        // Enrolled, yet nothing says so: damage, not a new kiosk.
        let moved_to = move_aside(path, now_ms)?;
        let _ = std::fs::rename(&marker, format!("{}.lost-{now_ms}", marker.display()));
        let store = Store::open(path)?;
        let recovery = Recovery {
            moved_to,
            events: 0,
            highest_seq: 0,
            enrolled: false,
            roster_members: 0,
            lost_enrollment: Some(was.trim().to_string()),
        };
        store.note_damage(&recovery.to_string())?;
        return Ok((store, Some(recovery)));
    }
    if healthy(path) {
        let store = Store::open(path)?;
        // Kiosks enrolled before the marker existed get it now.
        if !marker.exists()
            && let Some(e) = store.enrollment()?
        {
            store.write_enrolled_marker(&e);
        }
        return Ok((store, None));
    }
    let moved_to = move_aside(path, now_ms)?;
    let store = Store::open(path)?;
    let mut recovery = Recovery {
        moved_to: moved_to.clone(),
        events: 0,
        highest_seq: 0,
        enrolled: false,
        roster_members: 0,
        lost_enrollment: None,
    };
    if let Ok(old) = Connection::open_with_flags(&moved_to, OpenFlags::SQLITE_OPEN_READ_ONLY) {
        for table in [
            "enrollment",
            "signing_keys",
            "settings",
            "staff_cards",
            "roster",
            "cards",
        ] {
            let n = copy_rows(&old, &store.conn, table, None);
            match table {
                "enrollment" => recovery.enrolled = n > 0,
                "roster" => recovery.roster_members = n,
                _ => {}
            }
        }
        recovery.events = copy_rows(&old, &store.conn, "events", Some("seq"));
    }
    // The roster is pulled whole again; new events go above what was read.
    store
        .conn
        .execute("DELETE FROM settings WHERE key = ?1", [SETTING_ROSTER_REV])?;
    recovery.highest_seq = store.last_seq()?;
    store.set_setting(SETTING_RENUMBER_ABOVE, &recovery.highest_seq.to_string())?;
    store.note_damage(&recovery.to_string())?;
    Ok((store, Some(recovery)))
}

/// Copies the readable rows of `table` (columns both versions have), one
/// by one, stopping at the first unreadable one. Returns rows copied.
fn copy_rows(old: &Connection, new: &Connection, table: &str, order: Option<&str>) -> usize {
    let columns = |c: &Connection| -> Vec<String> {
        c.prepare(&format!("PRAGMA table_info({table})"))
            .and_then(|mut st| {
                st.query_map([], |r| r.get::<_, String>(1))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap_or_default()
    };
    let theirs = columns(old);
    let common: Vec<String> = columns(new)
        .into_iter()
        .filter(|c| theirs.contains(c))
        .collect();
    if common.is_empty() {
        return 0;
    }
    let list = common.join(", ");
    let marks = vec!["?"; common.len()].join(", ");
    let select = format!(
        "SELECT {list} FROM {table}{}",
        order.map(|o| format!(" ORDER BY {o}")).unwrap_or_default()
    );
    let insert = format!("INSERT OR IGNORE INTO {table}({list}) VALUES ({marks})");
    let Ok(mut read) = old.prepare(&select) else {
        return 0;
    };
    let Ok(mut rows) = read.query([]) else {
        return 0;
    };
    let mut copied = 0;
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) | Err(_) => break,
        };
        let values: rusqlite::Result<Vec<Value>> =
            (0..common.len()).map(|i| row.get::<_, Value>(i)).collect();
        let Ok(values) = values else { break };
        if new
            .execute(&insert, rusqlite::params_from_iter(values.iter()))
            .is_ok()
        {
            copied += 1;
        }
    }
    copied
}

impl Store {
    /// After a recovery, once the hub's mark for this kiosk is known: if the
    /// hub holds events above the highest one read back, move the events
    /// recorded since (none of them uploaded yet) above the hub's mark, and
    /// make new ones follow. Returns by how much they moved.
    pub fn settle_recovery(&mut self, hub_acked: u64) -> Result<u64> {
        let Some(above) = self
            .setting(SETTING_RENUMBER_ABOVE)?
            .and_then(|v| v.parse::<u64>().ok())
        else {
            return Ok(0);
        };
        let shift = self.move_above(above, hub_acked)?;
        if shift > 0 {
            tracing::warn!(
                above,
                shift,
                "check-ins recorded since the database was recovered moved above the hub's mark"
            );
        }
        self.conn.execute(
            "DELETE FROM settings WHERE key = ?1",
            [SETTING_RENUMBER_ABOVE],
        )?;
        Ok(shift)
    }

    /// Renumbers every event above seq `above` from `hub_acked + 1` on, in
    /// order and without gaps, and makes new ones follow them; voids follow
    /// the check-ins they name. Returns by how much the first one moved (0
    /// when `hub_acked <= above`: nothing to do).
    pub fn move_above(&mut self, above: u64, hub_acked: u64) -> Result<u64> {
        let shift = hub_acked.saturating_sub(above);
        if shift == 0 {
            return Ok(0);
        }
        // Immediate: a check-in recorded meanwhile waits, then follows.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        renumber(&tx, above, hub_acked)?;
        // The next seq follows the highest event, or the hub's mark when
        // none was moved: never a gap, never a seq the hub holds.
        raise_floor(&tx, hub_acked)?;
        tx.execute(
            "UPDATE sqlite_sequence SET seq = (SELECT max(seq) FROM events)
             WHERE name = 'events' AND seq < (SELECT max(seq) FROM events)",
            [],
        )?;
        tx.commit()?;
        Ok(shift)
    }

    /// When the hub holds more of this kiosk's seqs than it ever numbered
    /// (its database is an older copy): new check-ins go above `hub_acked`.
    /// Returns whether that was needed. Check-ins numbered before are
    /// checked against the hub at upload (see [`Store::settle_restore`]).
    pub fn raise_seq_floor(&mut self, hub_acked: u64) -> Result<bool> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let raised = raise_floor(&tx, hub_acked)?;
        tx.commit()?;
        Ok(raised)
    }

    /// After the hub was found to hold this kiosk's seqs as other events
    /// (the database is an older copy, or a clone): the check-ins from
    /// `first` on move above `hub_acked`, the kiosk takes a new lineage
    /// (so the hub can tell a second board on the same credential), and the
    /// fact is kept for `kiosk status`. Returns by how much they moved.
    pub fn settle_restore(&mut self, first: u64, hub_acked: u64, now_ms: i64) -> Result<u64> {
        let above = first.saturating_sub(1);
        let shift = self.move_above(above, hub_acked.max(above + 1))?;
        self.note_restore(above + shift, hub_acked, now_ms)?;
        Ok(shift)
    }

    /// Keeps the fact that the database was found to be an older copy
    /// (events above `from` were moved there), and takes a new lineage.
    pub fn note_restore(&mut self, from: u64, hub_acked: u64, now_ms: i64) -> Result<()> {
        let moved: u64 =
            self.conn
                .query_row("SELECT count(*) FROM events WHERE seq > ?1", [from], |r| {
                    r.get(0)
                })?;
        let mut id = [0u8; 8];
        getrandom::fill(&mut id).map_err(|e| StoreError::Corrupt(format!("no randomness: {e}")))?;
        self.set_setting(SETTING_LINEAGE, &data_encoding::HEXLOWER.encode(&id))?;
        let note = Restored {
            at_ms: now_ms,
            moved,
            hub_acked,
        };
        let json = serde_json::to_string(&note).unwrap_or_default();
        self.set_setting(SETTING_RESTORED, &json)?;
        tracing::warn!(
            from,
            hub_acked,
            moved,
            "this kiosk's database is an older copy (restored or cloned): \
             its check-ins moved above the hub's mark"
        );
        Ok(())
    }

    /// The lineage this kiosk's database took when it was last found to be a
    /// copy; `None` for the original.
    pub fn lineage(&self) -> Result<Option<String>> {
        self.setting(SETTING_LINEAGE)
    }

    /// When the database was last found to be an older copy, if ever.
    pub fn restored(&self) -> Result<Option<Restored>> {
        Ok(self
            .setting(SETTING_RESTORED)?
            .and_then(|v| serde_json::from_str(&v).ok()))
    }
}

/// Renumbers the events above seq `above` as `after + 1`, `after + 2` … in
/// order, voids and activity answers following the check-ins they name.
/// The seq counter is the
/// caller's to set.
pub(super) fn renumber(tx: &rusqlite::Transaction<'_>, above: u64, after: u64) -> Result<()> {
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS moved(old INTEGER PRIMARY KEY, new INTEGER NOT NULL);
         DELETE FROM temp.moved;",
    )?;
    tx.execute(
        "INSERT INTO temp.moved(old, new)
         SELECT seq, ?2 + row_number() OVER (ORDER BY seq) FROM events WHERE seq > ?1",
        params![above, after],
    )?;
    tx.execute(
        "UPDATE events SET voided_seq = (SELECT new FROM temp.moved WHERE old = voided_seq)
         WHERE voided_seq IN (SELECT old FROM temp.moved)",
        [],
    )?;
    tx.execute(
        "UPDATE events SET for_seq = (SELECT new FROM temp.moved WHERE old = for_seq)
         WHERE for_seq IN (SELECT old FROM temp.moved)",
        [],
    )?;
    // Through negative seqs, so no row meets another on the way.
    tx.execute("UPDATE events SET seq = -seq WHERE seq > ?1", [above])?;
    tx.execute(
        "UPDATE events SET seq = (SELECT new FROM temp.moved WHERE old = -seq) WHERE seq < 0",
        [],
    )?;
    tx.execute("DELETE FROM temp.moved", [])?;
    Ok(())
}

/// Makes the next seq come after `floor`; whether it had to.
fn raise_floor(tx: &rusqlite::Transaction<'_>, floor: u64) -> Result<bool> {
    tx.execute(
        "INSERT INTO sqlite_sequence(name, seq) SELECT 'events', 0
         WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events')",
        [],
    )?;
    Ok(tx.execute(
        "UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'events' AND seq < ?1",
        [floor],
    )? > 0)
}

/// Set when the kiosk found its database was restored or cloned.
pub(super) const SETTING_LINEAGE: &str = "lineage";
pub(super) const SETTING_RESTORED: &str = "restored";

/// The last time the kiosk found its database to be an older copy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Restored {
    pub at_ms: i64,
    /// Check-ins not yet at the hub that moved above its mark.
    pub moved: u64,
    /// The hub's mark then.
    pub hub_acked: u64,
}

impl std::fmt::Display for Restored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "this kiosk's database was found to be an older copy (restored or cloned): \
             the hub held its check-ins up to #{}; {} check-ins recorded since were renumbered \
             above that and uploaded, none lost",
            self.hub_acked, self.moved
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Enrollment, NewEvent};
    use protocol::catalog::{AgeBand, ServiceCategory};
    use protocol::wire::{ClockInfo, EventKind};

    fn visitor(at_ms: i64) -> NewEvent {
        NewEvent {
            at_ms,
            local_date: "2026-11-24".into(),
            local_hour: 10,
            clock: ClockInfo {
                boot_id: "b".into(),
                monotonic_ms: 1,
                synchronized: true,
            },
            kind: EventKind::Visitor {
                age_band: AgeBand::From18To24,
                purpose: ServiceCategory::Sports,
            },
        }
    }

    /// A kiosk with an enrollment and `n` events, closed (checkpointed).
    fn kiosk_db(path: &Path, n: i64) {
        let mut s = Store::open(path).expect("open");
        s.save_enrollment(
            &Enrollment {
                hub_url: "http://127.0.0.1:9".into(),
                device_id: 7,
                device_token: "t".into(),
                center_id: 1,
                center_name: "青年之家".into(),
                time_zone: "Asia/Shanghai".into(),
                card_key: String::new(),
            },
            &[],
        )
        .expect("enroll");
        for i in 0..n {
            s.record(&visitor(i), 0).expect("record");
        }
    }

    fn page_of(path: &Path, index: &str) -> u64 {
        let c = Connection::open(path).expect("open");
        c.query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = ?1",
            [index],
            |r| r.get(0),
        )
        .expect("rootpage")
    }

    fn overwrite(path: &Path, offset: u64, bytes: &[u8]) {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .expect("open");
        f.seek(SeekFrom::Start(offset)).expect("seek");
        f.write_all(bytes).expect("write");
    }

    #[test]
    fn a_healthy_database_opens_as_it_is() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kiosk.sqlite3");
        kiosk_db(&path, 5);
        let (store, recovery) = open_or_recover(&path, 1).expect("open");
        assert!(recovery.is_none());
        assert_eq!(store.last_seq().expect("last"), 5);
    }

    #[test]
    fn a_damaged_index_is_moved_aside_and_every_event_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kiosk.sqlite3");
        kiosk_db(&path, 300);
        // Garbage over an index's root page header: the table stays readable.
        let page = page_of(&path, "events_local_date");
        overwrite(&path, (page - 1) * 4096, &[0xA5; 64]);
        assert!(!healthy(&path));
        let (store, recovery) = open_or_recover(&path, 42).expect("recover");
        let r = recovery.expect("a recovery");
        assert_eq!((r.events, r.highest_seq, r.enrolled), (300, 300, true));
        assert!(r.moved_to.ends_with("kiosk.sqlite3.damaged-42"));
        assert!(r.moved_to.exists(), "the damaged file is kept");
        assert!(store.check_integrity().expect("check"));
        assert_eq!(
            store.enrollment().expect("enrollment").map(|e| e.device_id),
            Some(7)
        );
        assert!(r.to_string().contains("300 check-ins (up to #300)"), "{r}");
        // Opened again: healthy now, nothing more to do.
        drop(store);
        assert!(open_or_recover(&path, 43).expect("open").1.is_none());
    }

    #[test]
    fn a_file_that_is_no_database_at_all_still_gives_a_working_kiosk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kiosk.sqlite3");
        kiosk_db(&path, 10);
        overwrite(&path, 0, b"this is not SQLite");
        let (mut store, recovery) = open_or_recover(&path, 1).expect("recover");
        let r = recovery.expect("a recovery");
        assert_eq!((r.events, r.enrolled), (0, false));
        assert!(r.to_string().contains("run `kiosk enroll` again"), "{r}");
        // Check-ins work at once.
        store.record(&visitor(99), 0).expect("record");
        assert_eq!(store.last_seq().expect("last"), 1);
    }

    #[test]
    fn new_check_ins_move_above_the_hubs_mark_when_the_hub_holds_more() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kiosk.sqlite3");
        kiosk_db(&path, 20);
        overwrite(&path, 0, b"damaged header....");
        let (mut store, _) = open_or_recover(&path, 1).expect("recover");
        // Nothing could be read; two check-ins come before the network does.
        store.record(&visitor(100), 0).expect("record");
        store.record(&visitor(101), 0).expect("record");
        assert_eq!(store.last_seq().expect("last"), 2);
        // The hub holds 20 of this kiosk's events.
        assert_eq!(store.settle_recovery(20).expect("settle"), 20);
        let seqs: Vec<u64> = store
            .pending_page(0, 10, usize::MAX)
            .expect("page")
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, [21, 22]);
        store.record(&visitor(102), 0).expect("record");
        assert_eq!(store.last_seq().expect("last"), 23);
        // Settled once: a later sync moves nothing.
        assert_eq!(store.settle_recovery(25).expect("again"), 0);
    }

    #[test]
    fn an_enrolled_kiosk_whose_database_is_found_empty_says_so_and_goes_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kiosk.sqlite3");
        kiosk_db(&path, 5);
        let marker = std::fs::read_to_string(enrolled_marker(&path)).expect("marker");
        assert!(marker.contains("device 7 of center 1"), "{marker}");
        // The card's file system gave back an empty file.
        std::fs::write(&path, b"").expect("empty");
        let (mut store, recovery) = open_or_recover(&path, 1000).expect("open");
        let recovery = recovery.expect("reported as damage, not taken for a new kiosk");
        let text = recovery.to_string();
        assert!(
            text.contains("empty or missing, though this kiosk was enrolled (device 7"),
            "{text}"
        );
        assert!(recovery.moved_to.exists(), "the empty file is kept");
        assert_eq!(store.sync_status().expect("status").damage, Some(text));
        // Check-ins go on, and the next start does not report it again.
        store.record(&visitor(9), 0).expect("record");
        drop(store);
        let (store, again) = open_or_recover(&path, 2000).expect("open");
        assert_eq!(again, None);
        assert_eq!(store.last_seq().expect("last"), 1);
        assert!(store.sync_status().expect("status").damage.is_some());
    }

    #[test]
    fn a_kiosk_enrolled_before_the_marker_existed_gets_it_at_start() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kiosk.sqlite3");
        kiosk_db(&path, 1);
        std::fs::remove_file(enrolled_marker(&path)).expect("remove");
        let (_, recovery) = open_or_recover(&path, 1000).expect("open");
        assert_eq!(recovery, None);
        assert!(enrolled_marker(&path).exists());
    }
}
