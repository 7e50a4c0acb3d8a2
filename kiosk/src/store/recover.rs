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
}

impl std::fmt::Display for Recovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
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

/// Opens the database, recovering it first if it is damaged.
pub fn open_or_recover(path: &Path, now_ms: i64) -> Result<(Store, Option<Recovery>)> {
    if healthy(path) {
        return Ok((Store::open(path)?, None));
    }
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
    std::fs::rename(path, &moved_to).map_err(cannot_move)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            std::fs::rename(&side, format!("{}{suffix}", moved_to.display()))
                .map_err(cannot_move)?;
        }
    }
    let store = Store::open(path)?;
    let mut recovery = Recovery {
        moved_to: moved_to.clone(),
        events: 0,
        highest_seq: 0,
        enrolled: false,
        roster_members: 0,
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
        let shift = hub_acked.saturating_sub(above);
        let tx = self.conn.transaction()?;
        if shift > 0 {
            // Through negative seqs, so no row meets another on the way.
            tx.execute("UPDATE events SET seq = -seq WHERE seq > ?1", [above])?;
            tx.execute("UPDATE events SET seq = -seq + ?1 WHERE seq < 0", [shift])?;
            tx.execute(
                "UPDATE events SET voided_seq = voided_seq + ?1 WHERE voided_seq > ?2",
                params![shift, above],
            )?;
            tx.execute(
                "UPDATE sqlite_sequence SET seq = max(seq + ?1, ?2) WHERE name = 'events'",
                params![shift, hub_acked],
            )?;
            // Nothing recorded at all yet: the first new seq still follows the hub's.
            tx.execute(
                "INSERT INTO sqlite_sequence(name, seq) SELECT 'events', ?1
                 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events')",
                [hub_acked],
            )?;
            tracing::warn!(
                above,
                shift,
                "check-ins recorded since the database was recovered moved above the hub's mark"
            );
        }
        tx.execute(
            "DELETE FROM settings WHERE key = ?1",
            [SETTING_RENUMBER_ABOVE],
        )?;
        tx.commit()?;
        Ok(shift)
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
}
