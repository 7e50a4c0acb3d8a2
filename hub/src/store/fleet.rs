//! The device fleet: every kiosk with its last contact, version, backlog and
//! clock, and the alerts an admin should act on.

use crate::store::db::params;
use serde::Serialize;

use super::users::Scope;
use super::{Result, Store, now_ms};

/// A kiosk unheard of for longer than this is offline.
pub const OFFLINE_AFTER_MS: i64 = 24 * 3_600_000;

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
}

impl Alert {
    pub fn text(self) -> &'static str {
        match self {
            Alert::Offline => "超过 24 小时未联系 · no contact for over 24 h",
            Alert::ClockUnsynchronized => "时钟未同步 · clock not synchronised",
            Alert::ContentRefused => "内容更新被拒 · content update refused",
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
    pub alerts: Vec<Alert>,
}

impl Store {
    /// Notes what a kiosk said of itself when it asked for its mark.
    pub fn note_device_report(
        &self,
        device_id: u64,
        report: &protocol::wire::DeviceReport,
    ) -> Result<()> {
        let version: String = report.software_version.chars().take(40).collect();
        let content_error: Option<String> = report
            .content_error
            .as_ref()
            .map(|e| e.chars().take(300).collect());
        self.conn().execute(
            "UPDATE devices SET software_version = ?1, reported_last_seq = ?2,
               clock_synchronized = ?3, reported_at_ms = ?4, content_version = ?5,
               content_error = ?6 WHERE id = ?7",
            params![
                version,
                report.last_seq,
                report.clock_synchronized,
                now_ms(),
                report.content_version,
                content_error,
                device_id
            ],
        )?;
        Ok(())
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
                    d.content_version, d.content_error
             FROM devices d JOIN centers c ON c.id = d.center_id
             WHERE d.center_id IN (SELECT value FROM json_each(?1))
             ORDER BY d.center_id, d.id",
        )?;
        let rows = stmt.query_map(params![ids], |r| {
            let last_seen_ms: Option<i64> = r.get(4)?;
            let acked_seq: u64 = r.get(6)?;
            let reported: Option<u64> = r.get(7)?;
            let clock: Option<bool> = r.get(8)?;
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
                alerts,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Every kiosk not revoked, for the metrics.
    pub fn device_backlogs(&self) -> Result<Vec<DeviceBacklog>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, center_id, acked_seq, reported_last_seq, last_seen_ms
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
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

/// A kiosk's backlog as of its last report, and when it was last heard from.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceBacklog {
    pub device_id: u64,
    pub center_id: u64,
    /// Events it holds that the hub does not; `None` before it first reported.
    pub waiting: Option<u64>,
    pub last_seen_ms: Option<i64>,
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
        assert_eq!(
            fleet[1].alerts,
            vec![Alert::ClockUnsynchronized, Alert::ContentRefused]
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
}
