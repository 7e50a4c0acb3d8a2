//! The device fleet: every kiosk with its last contact, version, backlog and
//! clock, and the alerts an admin should act on.

use crate::store::db::params;
use serde::Serialize;

use protocol::text::clean_text;

use super::db::{Conn, OptionalExt};
use super::users::Scope;
use super::{Device, Result, Store, now_ms};

/// Whether a board may speak for a device: see [`Store::check_lineage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineageVerdict {
    Accepted,
    /// A second board on the credential: it must enroll anew.
    Refused,
}

/// A kiosk unheard of for longer than this is offline.
pub const OFFLINE_AFTER_MS: i64 = 24 * 3_600_000;
/// A kiosk holding more of its board's memory than this (PSS) is an
/// alert: its budget is 48 MB, a release build holds about 35, and a
/// board has 1 GB or more.
pub const MEMORY_ALERT_KIB: u64 = 192 * 1024;
/// A restored or cloned database stays an alert this long.
const RECENT_MS: i64 = 7 * 24 * 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Alert {
    /// No contact for more than a day (or never since enrollment).
    Offline,
    /// The kiosk says its clock is not synchronised: its events may sit on
    /// the wrong day until it is.
    ClockUnsynchronized,
    /// The kiosk refused the last content update (it shows the version
    /// before); the reason is in `content_error`.
    ContentRefused,
    /// The kiosk's database went back to an older copy (a backup put back,
    /// a card cloned) in the last week: its new check-ins were renumbered
    /// and kept, but someone should know why.
    Restored,
    /// The hub set aside some of the kiosk's events in the last week (kept,
    /// not counted: see `hub device list` and the rejected events).
    SetAside,
    /// In the last week a second board spoke with this kiosk's credential
    /// (the newer copy was refused, and tried again): it must be enrolled anew.
    TwoBoards,
    /// A release did not start on the kiosk: it went back to the version
    /// it ran before (and will not try that release again).
    RolledBack,
    /// The release the kiosk should run could not be fetched or unpacked
    /// (the reason is in `release_error`); it runs what it ran.
    ReleaseFailed,
    /// The kiosk holds more than [`MEMORY_ALERT_KIB`] of its board's
    /// memory: a leak, or content far larger than a screen needs.
    MemoryHigh,
}

impl Alert {
    pub fn text(self) -> &'static str {
        match self {
            Alert::Offline => "超过 24 小时未联系 · no contact for over 24 h",
            Alert::ClockUnsynchronized => "时钟未同步 · clock not synchronised",
            Alert::ContentRefused => "内容更新被拒 · content update refused",
            Alert::Restored => "数据库被还原或复制 · database restored or cloned",
            Alert::SetAside => "有记录被搁置 · events set aside",
            Alert::TwoBoards => {
                "两台设备共用一个凭据，较新的一台须重新注册 · two boards share one credential: enroll the newer one anew"
            }
            Alert::RolledBack => "新版本未能启动，已退回 · a release did not start: rolled back",
            Alert::ReleaseFailed => "新版本未能下载 · a release could not be fetched",
            Alert::MemoryHigh => "内存占用过高 · using too much memory",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetRow {
    pub device_id: u64,
    pub name: String,
    pub center_id: u64,
    pub center: String,
    pub last_seen_ms: Option<i64>,
    pub software_version: String,
    pub acked_seq: u64,
    /// Events recorded on the kiosk that the hub does not have yet, as of
    /// its last report; `None` before it first reported.
    pub waiting: Option<u64>,
    pub clock_synchronized: Option<bool>,
    /// The signed content version on its screen, as it last said.
    pub content_version: Option<u64>,
    /// Why it refused its last content update.
    pub content_error: Option<String>,
    /// Its events the hub set aside (kept, not counted).
    pub set_aside: u64,
    /// Taken out of service: its credential is refused.
    pub revoked: bool,
    /// Its Debian architecture, as it last said (kiosks before releases: none).
    pub arch: Option<String>,
    /// The release it went back from, while no later one was kept.
    pub rolled_back_from: Option<String>,
    /// Why the release it should run could not be fetched.
    pub release_error: Option<String>,
    /// What it holds of its board's memory (PSS, KiB), as it last said.
    pub memory_kib: Option<u64>,
    pub alerts: Vec<Alert>,
}

impl Store {
    /// Notes what a kiosk said of itself when it asked for its mark.
    pub fn note_device_report(
        &self,
        device_id: u64,
        report: &protocol::wire::DeviceReport,
    ) -> Result<()> {
        let version = clean_text(&report.software_version, super::MAX_VERSION_CHARS);
        let content_error = report.content_error.as_ref().map(|e| clean_text(e, 300));
        let short =
            |t: &Option<String>| t.as_ref().map(|t| clean_text(t, super::MAX_VERSION_CHARS));
        self.conn().execute(
            "UPDATE devices SET software_version = ?1, reported_last_seq = ?2,
               clock_synchronized = ?3, reported_at_ms = ?4, content_version = ?5,
               content_error = ?6, arch = ?7, rolled_back_from = ?8, release_error = ?9,
               memory_kib = ?10
             WHERE id = ?11",
            params![
                version,
                report.last_seq,
                report.clock_synchronized,
                now_ms(),
                report.content_version,
                content_error,
                short(&report.arch),
                short(&report.rolled_back_from),
                report.release_error.as_ref().map(|e| clean_text(e, 300)),
                report.memory_kib,
                device_id
            ],
        )?;
        Ok(())
    }

    /// Which board may speak for a device, by the lineage its kiosk reports
    /// (`None`: the database it was enrolled with). A lineage never heard
    /// before is a database restored or cloned: it becomes the device's. A
    /// lineage replaced by a newer one that speaks again means two boards
    /// run on one credential: the newer one is refused from then on (its
    /// kiosk is told to enroll anew) and the older one goes on.
    pub fn check_lineage(&self, device: &Device, lineage: Option<&str>) -> Result<LineageVerdict> {
        let lineage: String = lineage.unwrap_or("").chars().take(64).collect();
        let device_id = device.id;
        let current = |c: &Conn| -> Result<String> {
            Ok(c.query_row(
                "SELECT lineage FROM devices WHERE id = ?1",
                [device_id],
                |r| r.get::<Option<String>>(0),
            )?
            .unwrap_or_default())
        };
        let conn = self.conn();
        // Every sync asks: the usual answer needs no lock.
        if current(&conn)? == lineage {
            return Ok(LineageVerdict::Accepted);
        }
        let now = now_ms();
        let tx = conn.center_transaction(device.center_id)?;
        let current = current(&tx)?;
        let seen: Option<Option<i64>> = tx
            .query_row(
                "SELECT refused_at_ms FROM device_lineages WHERE device_id = ?1 AND lineage = ?2",
                params![device_id, lineage],
                |r| r.get(0),
            )
            .optional()?;
        let verdict = match seen {
            Some(Some(_)) => {
                // The newer copy is still running: now it is certain that
                // two boards share the credential (not a card restored twice).
                tx.execute(
                    "UPDATE devices SET twin_at_ms = ?1 WHERE id = ?2",
                    params![now, device_id],
                )?;
                LineageVerdict::Refused
            }
            _ if lineage == current => LineageVerdict::Accepted,
            None if !lineage.is_empty() => {
                tx.execute(
                    "INSERT INTO device_lineages(device_id, lineage, first_seen_ms) VALUES (?1, ?2, ?3)",
                    params![device_id, lineage, now],
                )?;
                tx.execute(
                    "UPDATE devices SET lineage = ?1, restored_at_ms = ?2 WHERE id = ?3",
                    params![lineage, now, device_id],
                )?;
                tracing::warn!(
                    device = device_id,
                    "a kiosk's database was restored or cloned"
                );
                LineageVerdict::Accepted
            }
            _ => {
                // An older lineage (the original, or one replaced since)
                // speaks again: the newer one is a second board.
                tx.execute(
                    "INSERT INTO device_lineages(device_id, lineage, first_seen_ms, refused_at_ms)
                     VALUES (?1, ?2, ?3, ?3)
                     ON CONFLICT(device_id, lineage) DO UPDATE SET refused_at_ms = excluded.refused_at_ms",
                    params![device_id, current, now],
                )?;
                tx.execute(
                    "UPDATE devices SET lineage = ?1 WHERE id = ?2",
                    params![lineage, device_id],
                )?;
                tracing::warn!(
                    device = device_id,
                    "an older copy of a kiosk's database speaks again: the newer copy is refused"
                );
                LineageVerdict::Accepted
            }
        };
        tx.commit()?;
        Ok(verdict)
    }

    /// The device's event at `seq` as the hub holds it, told by its clock.
    pub fn probe(&self, device_id: u64, seq: u64) -> Result<Option<protocol::wire::Probe>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT boot_id, monotonic_ms FROM events WHERE device_id = ?1 AND seq = ?2",
                params![device_id, seq],
                |r| {
                    Ok(protocol::wire::Probe {
                        seq,
                        boot_id: r.get(0)?,
                        monotonic_ms: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    /// The kiosks of a scope's centers, as of `now`, by center then device.
    pub fn fleet(&self, scope: Scope, now: i64) -> Result<Vec<FleetRow>> {
        let centers = self.centers_in(scope)?;
        let ids = serde_json::to_string(&centers.iter().map(|c| c.id).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".into());
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT d.id, d.name, d.center_id, c.name, d.last_seen_ms, d.software_version,
                    d.acked_seq, d.reported_last_seq, d.clock_synchronized,
                    d.content_version, d.content_error, d.restored_at_ms, d.twin_at_ms,
                    (SELECT count(*) FROM rejected_events x WHERE x.device_id = d.id),
                    (SELECT max(received_at_ms) FROM rejected_events x WHERE x.device_id = d.id),
                    d.revoked_at_ms IS NOT NULL, d.arch, d.rolled_back_from, d.release_error,
                    d.memory_kib
             FROM devices d JOIN centers c ON c.id = d.center_id
             WHERE d.center_id IN (SELECT value FROM json_each(?1))
             ORDER BY d.center_id, d.id",
        )?;
        let rows = stmt.query_map(params![ids], |r| {
            let last_seen_ms: Option<i64> = r.get(4)?;
            let acked_seq: u64 = r.get(6)?;
            let reported: Option<u64> = r.get(7)?;
            let clock: Option<bool> = r.get(8)?;
            let revoked: bool = r.get(15)?;
            let mut alerts = Vec::new();
            if last_seen_ms.is_none_or(|t| now - t > OFFLINE_AFTER_MS) {
                alerts.push(Alert::Offline);
            }
            if clock == Some(false) {
                alerts.push(Alert::ClockUnsynchronized);
            }
            let content_error: Option<String> = r.get(10)?;
            if content_error.is_some() {
                alerts.push(Alert::ContentRefused);
            }
            let recent = |t: Option<i64>| t.is_some_and(|t| now - t < RECENT_MS);
            if recent(r.get(11)?) {
                alerts.push(Alert::Restored);
            }
            if recent(r.get(12)?) {
                alerts.push(Alert::TwoBoards);
            }
            if recent(r.get(14)?) {
                alerts.push(Alert::SetAside);
            }
            let rolled_back_from: Option<String> = r.get(17)?;
            if rolled_back_from.is_some() {
                alerts.push(Alert::RolledBack);
            }
            let release_error: Option<String> = r.get(18)?;
            if release_error.is_some() {
                alerts.push(Alert::ReleaseFailed);
            }
            let memory_kib: Option<u64> = r.get(19)?;
            if memory_kib.is_some_and(|m| m > MEMORY_ALERT_KIB) {
                alerts.push(Alert::MemoryHigh);
            }
            // Out of service: nothing about it needs anyone's attention.
            if revoked {
                alerts.clear();
            }
            Ok(FleetRow {
                device_id: r.get(0)?,
                name: r.get(1)?,
                center_id: r.get(2)?,
                center: r.get(3)?,
                last_seen_ms,
                software_version: r.get(5)?,
                acked_seq,
                waiting: reported.map(|l| l.saturating_sub(acked_seq)),
                clock_synchronized: clock,
                content_version: r.get(9)?,
                content_error,
                set_aside: r.get(13)?,
                revoked,
                arch: r.get(16)?,
                rolled_back_from,
                release_error,
                memory_kib,
                alerts,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Every kiosk not revoked, for the metrics.
    pub fn device_backlogs(&self) -> Result<Vec<DeviceBacklog>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, center_id, acked_seq, reported_last_seq, last_seen_ms, memory_kib
             FROM devices WHERE revoked_at_ms IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            let acked: u64 = r.get(2)?;
            let reported: Option<u64> = r.get(3)?;
            Ok(DeviceBacklog {
                device_id: r.get(0)?,
                center_id: r.get(1)?,
                waiting: reported.map(|l| l.saturating_sub(acked)),
                last_seen_ms: r.get(4)?,
                memory_kib: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

/// A kiosk's backlog and memory as of its last report, and when it was
/// last heard from.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceBacklog {
    pub device_id: u64,
    pub center_id: u64,
    /// Events it holds that the hub does not; `None` before it first reported.
    pub waiting: Option<u64>,
    pub last_seen_ms: Option<i64>,
    /// What it holds of its board's memory (PSS, KiB), as it last said.
    pub memory_kib: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::wire::DeviceReport;

    #[test]
    fn the_fleet_shows_backlogs_and_alerts_for_silent_kiosks_and_wrong_clocks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
            .expect("open");
        let c = s.add_center("青年之家", "Asia/Shanghai").expect("center");
        let other = s.add_center("别处", "Asia/Shanghai").expect("center");
        let enroll = |center| {
            let code = s.create_enroll_code(center, 1).expect("code");
            let (_, token, _) = s.enroll(&code, "door", "0.1.0").expect("enroll");
            s.device_by_token(&token).expect("dev").expect("device")
        };
        let (a, b, elsewhere) = (enroll(c), enroll(c), enroll(other));
        s.note_device_report(
            a.id,
            &DeviceReport {
                software_version: "0.2.0".into(),
                last_seq: 12,
                clock_synchronized: true,
                content_version: Some(4),
                content_error: None,
                memory_kib: Some(36_000),
                ..Default::default()
            },
        )
        .expect("report");
        s.note_device_report(
            b.id,
            &DeviceReport {
                software_version: "0.2.0".into(),
                last_seq: 0,
                clock_synchronized: false,
                content_version: Some(3),
                content_error: Some("logo.png was refused: hash mismatch".into()),
                memory_kib: Some(MEMORY_ALERT_KIB + 1),
                ..Default::default()
            },
        )
        .expect("report");
        let now = now_ms();
        let fleet = s.fleet(Scope::Center(c), now).expect("fleet");
        assert_eq!(fleet.len(), 2, "only the center's kiosks");
        assert_eq!(fleet[0].waiting, Some(12));
        assert_eq!(fleet[0].software_version, "0.2.0");
        assert!(fleet[0].alerts.is_empty(), "{:?}", fleet[0].alerts);
        assert_eq!(fleet[0].content_version, Some(4));
        assert_eq!(fleet[0].memory_kib, Some(36_000));
        assert_eq!(
            fleet[1].alerts,
            vec![
                Alert::ClockUnsynchronized,
                Alert::ContentRefused,
                Alert::MemoryHigh
            ]
        );
        assert!(
            fleet[1]
                .content_error
                .as_deref()
                .is_some_and(|e| e.contains("hash mismatch"))
        );
        // A day and a bit later, with no contact, both are offline.
        let later = s
            .fleet(Scope::Center(c), now + OFFLINE_AFTER_MS + 60_000)
            .expect("fleet");
        assert!(later.iter().all(|d| d.alerts.contains(&Alert::Offline)));
        let theirs = s.fleet(Scope::Center(other), now).expect("fleet");
        assert_eq!(theirs[0].device_id, elsewhere.id);
        assert_eq!(theirs[0].waiting, None, "never reported");
    }

    #[test]
    fn a_restored_copy_takes_over_and_a_second_board_is_refused_once_it_speaks_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
            .expect("open");
        let c = s.add_center("青年之家", "Asia/Shanghai").expect("center");
        let code = s.create_enroll_code(c, 1).expect("code");
        let (_, token, _) = s.enroll(&code, "door", "0.1.0").expect("enroll");
        let d = s.device_by_token(&token).expect("dev").expect("device");
        let alerts = || {
            s.fleet(Scope::Center(c), now_ms()).expect("fleet")[0]
                .alerts
                .clone()
        };
        let check = |l: Option<&str>| s.check_lineage(&d, l).expect("lineage");
        assert_eq!(check(None), LineageVerdict::Accepted);
        assert!(!alerts().contains(&Alert::Restored));
        // The card restored from a copy: a new lineage takes over.
        assert_eq!(check(Some("copy")), LineageVerdict::Accepted);
        assert_eq!(check(Some("copy")), LineageVerdict::Accepted);
        assert!(alerts().contains(&Alert::Restored));
        // The original speaks again: it goes on, the copy is refused from now on…
        assert_eq!(check(None), LineageVerdict::Accepted);
        assert!(!alerts().contains(&Alert::TwoBoards), "not certain yet");
        // …and once the copy tries again, two boards are certain.
        assert_eq!(check(Some("copy")), LineageVerdict::Refused);
        assert!(alerts().contains(&Alert::TwoBoards));
        assert_eq!(check(None), LineageVerdict::Accepted);
        // The original restored once more takes another lineage, accepted.
        assert_eq!(check(Some("again")), LineageVerdict::Accepted);
        assert_eq!(check(Some("copy")), LineageVerdict::Refused);
    }
}
