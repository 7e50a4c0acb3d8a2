//! Kiosks: the fleet of the centers the actor may see, enrollment codes for
//! a new board, a kiosk's name, and taking a stolen or replaced one out of
//! service. A center's staff do all of it for their own center.

use serde::Serialize;

use super::{Actor, Admin};
use crate::store::audit::Change;
use crate::store::devices;
use crate::store::fleet::FleetRow;
use crate::store::users::Scope;
use crate::store::{Result, StoreError, now_ms};

/// Hours an enrollment code stays valid unless asked otherwise.
pub const DEFAULT_CODE_HOURS: u32 = 72;
/// The longest a code may stay valid: a month.
pub const MAX_CODE_HOURS: u32 = 24 * 31;

/// A new enrollment code, and what a kiosk scans to enroll with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnrollCode {
    pub code: String,
    pub center_id: u64,
    pub expires_at_ms: i64,
    /// The hub's address and the code in one line, for the QR code an
    /// unenrolled kiosk scans: `YCE1 <hub address> <code>`.
    pub payload: String,
}

/// What a kiosk scans to enroll: the hub's address and the code.
pub fn enroll_payload(hub_url: &str, code: &str) -> String {
    format!("YCE1 {} {code}", hub_url.trim_end_matches('/'))
}

impl Admin<'_> {
    /// The kiosks of the centers the actor may see (or of one of them).
    pub fn kiosks(&self, center: Option<u64>) -> Result<Vec<FleetRow>> {
        let scope = match (&self.actor, center) {
            (_, Some(c)) => {
                self.center(c)?;
                Scope::Center(c)
            }
            (Actor::User(u), None) => u.scope,
            (Actor::CommandLine, None) => {
                let mut all = Vec::new();
                for c in self.store.centers()? {
                    all.extend(self.store.fleet(Scope::Center(c.id), now_ms())?);
                }
                return Ok(all);
            }
        };
        self.store.fleet(scope, now_ms())
    }

    /// A one-time code that enrolls a new kiosk for a center (the code is
    /// shown once; the log records that one was issued, never the code).
    pub fn issue_enroll_code(
        &self,
        center_id: u64,
        valid_hours: u32,
        hub_url: &str,
    ) -> Result<EnrollCode> {
        self.center(center_id)?;
        if !(1..=MAX_CODE_HOURS).contains(&valid_hours) {
            return Err(StoreError::Invalid(format!(
                "a code is valid for 1 to {MAX_CODE_HOURS} hours"
            )));
        }
        self.change(|tx| {
            let (code, expires_at_ms) = devices::create_enroll_code_in(tx, center_id, valid_hours)?;
            Ok((
                EnrollCode {
                    payload: enroll_payload(hub_url, &code),
                    code,
                    center_id,
                    expires_at_ms,
                },
                Change {
                    center_id: Some(center_id),
                    region_id: None,
                    action: "kiosk.enroll_code",
                    subject: format!("center {center_id}"),
                    before: None,
                    after: Some(serde_json::json!({ "valid_hours": valid_hours, "expires_at_ms": expires_at_ms })),
                },
            ))
        })
    }

    /// A kiosk of a center the actor may act on: its center, name and
    /// whether it was revoked.
    fn kiosk(&self, id: u64) -> Result<(u64, String, bool)> {
        let found = self.store.write(|tx| devices::device_in(tx, id))?;
        self.center(found.0)?;
        Ok(found)
    }

    /// Renames a kiosk (the name on the fleet's list).
    pub fn rename_kiosk(&self, id: u64, name: &str) -> Result<()> {
        let (center_id, before, _) = self.kiosk(id)?;
        self.change(|tx| {
            devices::rename_device_in(tx, id, name)?;
            let after = devices::device_in(tx, id)?.1;
            Ok((
                (),
                Change {
                    center_id: Some(center_id),
                    region_id: None,
                    action: "kiosk.rename",
                    subject: format!("kiosk {id}"),
                    before: Some(serde_json::json!({ "name": before })),
                    after: Some(serde_json::json!({ "name": after })),
                },
            ))
        })
    }

    /// Takes a kiosk out of service: its credential is refused from now
    /// on; what it uploaded stays counted.
    pub fn revoke_kiosk(&self, id: u64) -> Result<()> {
        let (center_id, name, revoked) = self.kiosk(id)?;
        if revoked {
            return Ok(());
        }
        self.change(|tx| {
            devices::revoke_device_in(tx, id)?;
            Ok((
                (),
                Change {
                    center_id: Some(center_id),
                    region_id: None,
                    action: "kiosk.revoke",
                    subject: format!("kiosk {id}"),
                    before: Some(serde_json::json!({ "name": name, "revoked": false })),
                    after: Some(serde_json::json!({ "name": name, "revoked": true })),
                },
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::users::Role;

    #[test]
    fn staff_issue_codes_and_revoke_kiosks_of_their_center_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_database(&crate::testing::database(dir.path()).expect("database"))
            .expect("open");
        let mine = store
            .add_center("上城区青年中心", "Asia/Shanghai")
            .expect("center");
        let other = store
            .add_center("西湖区青年中心", "Asia/Shanghai")
            .expect("center");
        store
            .add_user(
                "staff-a",
                "staff password 1",
                Role::Staff,
                Scope::Center(mine),
            )
            .expect("staff");
        let staff = Admin::new(&store, Actor::User(store.user("staff-a").expect("u").0));
        let code = staff
            .issue_enroll_code(mine, 24, "https://hub.example/")
            .expect("code");
        assert_eq!(
            code.payload,
            format!("YCE1 https://hub.example {}", code.code)
        );
        assert!(matches!(
            staff.issue_enroll_code(other, 24, "https://hub.example"),
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            staff.issue_enroll_code(mine, 0, "https://hub.example"),
            Err(StoreError::Invalid(_))
        ));
        let (device, _, _) = store.enroll(&code.code, "vm", "0.1.0").expect("enroll");
        let theirs = store.create_enroll_code(other, 1).expect("code");
        let (their_device, _, _) = store.enroll(&theirs, "vm", "0.1.0").expect("enroll");

        staff.rename_kiosk(device, "门口签到机").expect("rename");
        assert!(matches!(
            staff.rename_kiosk(their_device, "x"),
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            staff.revoke_kiosk(their_device),
            Err(StoreError::Forbidden(_))
        ));
        staff.revoke_kiosk(device).expect("revoke");
        let fleet = staff.kiosks(None).expect("fleet");
        assert_eq!(fleet.len(), 1, "their own center's kiosks only");
        assert_eq!(fleet[0].name, "门口签到机");
        assert!(fleet[0].revoked);
        assert!(
            fleet[0].alerts.is_empty(),
            "a revoked kiosk is not missed: {:?}",
            fleet[0].alerts
        );
        let log = Admin::new(&store, Actor::CommandLine)
            .audit(None, 10)
            .expect("log");
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["kiosk.revoke", "kiosk.rename", "kiosk.enroll_code"]
        );
        assert!(
            !serde_json::to_string(&log)
                .expect("json")
                .contains(&code.code),
            "never the code"
        );
    }
}
