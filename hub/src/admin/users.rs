//! Users and regions, for admins within their scope: add staff and admin
//! users, disable them or set a new password (either ends their sessions at
//! once), add and rename regions below their own, and place a center.
//! A center's staff may do none of it.

use serde::Serialize;

use super::{Actor, Admin};
use crate::store::audit::Change;
use crate::store::users::{self, Level, Region, Role, Scope, User};
use crate::store::{Center, Result, StoreError};

/// A user as the users page lists them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserRow {
    #[serde(flatten)]
    pub user: User,
    pub disabled: bool,
}

fn user_json(u: &User, disabled: bool) -> Option<serde_json::Value> {
    let (kind, id) = u.scope.columns();
    Some(serde_json::json!({
        "login": u.login,
        "role": u.role.code(),
        "scope": format!("{kind}:{id}"),
        "disabled": disabled,
    }))
}

/// Where a change to a user is recorded: the center or region of their scope.
fn place(scope: Scope) -> (Option<u64>, Option<u64>) {
    match scope {
        Scope::Center(id) => (Some(id), None),
        Scope::Region(id) => (None, Some(id)),
    }
}

impl Admin<'_> {
    /// The actor's region, for an admin (a center's staff get 403).
    fn admin_region(&self) -> Result<Option<u64>> {
        match &self.actor {
            Actor::CommandLine => Ok(None),
            Actor::User(u) if u.role == Role::Admin => match u.scope {
                Scope::Region(r) => Ok(Some(r)),
                // An admin of one center manages its staff, but no region.
                Scope::Center(_) => Ok(None),
            },
            Actor::User(_) => Err(StoreError::Forbidden(
                "only admins manage users and regions".into(),
            )),
        }
    }

    /// Whether a scope lies within the actor's (403 otherwise).
    fn within(&self, scope: Scope) -> Result<()> {
        let inside = match (&self.actor, scope) {
            (Actor::CommandLine, _) => true,
            (Actor::User(u), _) if u.role != Role::Admin => false,
            (Actor::User(u), Scope::Center(c)) => self.store.scope_covers(u.scope, c)?,
            (Actor::User(u), Scope::Region(r)) => self.store.region_in(u.scope, r)?,
        };
        if inside {
            Ok(())
        } else {
            Err(StoreError::Forbidden(
                "that is outside your part of the network".into(),
            ))
        }
    }

    /// The users whose scope lies within the actor's.
    pub fn users(&self) -> Result<Vec<UserRow>> {
        self.admin_region()?;
        let disabled = self.store.disabled_users()?;
        let mut rows = Vec::new();
        for user in self.store.users()? {
            if self.within(user.scope).is_ok() {
                rows.push(UserRow {
                    disabled: disabled.contains(&user.id),
                    user,
                });
            }
        }
        Ok(rows)
    }

    /// The regions an admin manages (their own and those below it), and
    /// the centers in them; every region for the command line.
    pub fn regions(&self) -> Result<(Vec<Region>, Vec<Center>)> {
        let top = self.admin_region()?;
        let all = self.store.regions()?;
        let regions: Vec<Region> = match (&self.actor, top) {
            (Actor::CommandLine, _) => all,
            (_, Some(top)) => {
                let mut kept = Vec::new();
                for r in all {
                    if self.store.region_in(Scope::Region(top), r.id)? {
                        kept.push(r);
                    }
                }
                kept
            }
            (_, None) => Vec::new(),
        };
        let centers = match (&self.actor, top) {
            (Actor::CommandLine, _) => self.store.centers()?,
            (_, Some(top)) => self.store.centers_in(Scope::Region(top))?,
            (_, None) => Vec::new(),
        };
        Ok((regions, centers))
    }

    /// Adds a user within the actor's scope; their id.
    pub fn add_user(&self, login: &str, password: &str, role: Role, scope: Scope) -> Result<u64> {
        self.admin_region()?;
        self.within(scope)?;
        // Hashed before the transaction: no lock is held while it is.
        let hash = users::password_hash(password)?;
        self.change(|tx| {
            let id = users::add_user_in(tx, login, &hash, role, scope)?;
            let user = User {
                id,
                login: login.trim().to_string(),
                role,
                scope,
            };
            let (center_id, region_id) = place(scope);
            Ok((
                id,
                Change {
                    center_id,
                    region_id,
                    action: "user.add",
                    subject: format!("user {}", user.login),
                    before: None,
                    after: user_json(&user, false),
                },
            ))
        })
    }

    /// A user the actor may manage (never themselves: no one locks
    /// themselves out by a slip).
    fn managed(&self, login: &str) -> Result<(User, bool)> {
        self.admin_region()?;
        let (user, disabled) = self.store.user(login)?;
        self.within(user.scope)?;
        if let Actor::User(me) = &self.actor
            && me.id == user.id
        {
            return Err(StoreError::Invalid(
                "you cannot change your own login here; ask an admin above you".into(),
            ));
        }
        Ok((user, disabled))
    }

    /// Disables a user: their login is refused and their sessions end now.
    pub fn disable_user(&self, login: &str) -> Result<User> {
        let (user, disabled) = self.managed(login)?;
        let (center_id, region_id) = place(user.scope);
        self.change(|tx| {
            let after = users::disable_user_in(tx, login)?;
            Ok((
                after.clone(),
                Change {
                    center_id,
                    region_id,
                    action: "user.disable",
                    subject: format!("user {}", user.login),
                    before: user_json(&user, disabled),
                    after: user_json(&after, true),
                },
            ))
        })
    }

    /// Sets a user's new password (they are enabled again); their sessions
    /// end now. The log records that it changed, never the password.
    pub fn set_user_password(&self, login: &str, password: &str) -> Result<User> {
        let (user, disabled) = self.managed(login)?;
        let hash = users::password_hash(password)?;
        let (center_id, region_id) = place(user.scope);
        self.change(|tx| {
            let after = users::set_password_in(tx, login, &hash)?;
            Ok((
                after.clone(),
                Change {
                    center_id,
                    region_id,
                    action: "user.password",
                    subject: format!("user {}", user.login),
                    before: user_json(&user, disabled),
                    after: user_json(&after, false),
                },
            ))
        })
    }

    /// Adds a region below one the actor manages (a region at the top:
    /// the command line only).
    pub fn add_region(&self, name: &str, level: Level, parent: Option<u64>) -> Result<u64> {
        self.admin_region()?;
        match parent {
            Some(p) => self.within(Scope::Region(p))?,
            None if self.actor == Actor::CommandLine => {}
            None => {
                return Err(StoreError::Forbidden(
                    "a region at the top of the network is added on the hub's command line".into(),
                ));
            }
        }
        self.change(|tx| {
            let id = users::add_region_in(tx, name, level, parent)?;
            Ok((
                id,
                Change {
                    center_id: None,
                    region_id: Some(id),
                    action: "region.add",
                    subject: format!("region {id}"),
                    before: None,
                    after: Some(serde_json::json!({
                        "name": name.trim(), "level": level.code(), "parent_id": parent
                    })),
                },
            ))
        })
    }

    /// Renames a region the actor manages.
    pub fn rename_region(&self, id: u64, name: &str) -> Result<()> {
        self.admin_region()?;
        self.within(Scope::Region(id))?;
        self.change(|tx| {
            let before = users::rename_region_in(tx, id, name)?;
            Ok((
                (),
                Change {
                    center_id: None,
                    region_id: Some(id),
                    action: "region.rename",
                    subject: format!("region {id}"),
                    before: Some(serde_json::json!({ "name": before.name })),
                    after: Some(serde_json::json!({ "name": name.trim() })),
                },
            ))
        })
    }

    /// Adds a center, in a region of the actor's (the command line may add
    /// one in no region).
    pub fn add_center(&self, name: &str, time_zone: &str, region: Option<u64>) -> Result<u64> {
        self.admin_region()?;
        match region {
            Some(r) => self.within(Scope::Region(r))?,
            None if self.actor == Actor::CommandLine => {}
            None => {
                return Err(StoreError::Invalid(
                    "say which region the center belongs to".into(),
                ));
            }
        }
        self.change(|tx| {
            let id = crate::store::add_center_in(tx, name, time_zone)?;
            if region.is_some() {
                users::set_center_region_in(tx, id, region)?;
            }
            Ok((
                id,
                Change {
                    center_id: Some(id),
                    region_id: region,
                    action: "center.add",
                    subject: format!("center {id}"),
                    before: None,
                    after: Some(serde_json::json!({
                        "name": name.trim(), "time_zone": time_zone, "region_id": region
                    })),
                },
            ))
        })
    }

    /// Places a center of the actor's in a region of theirs.
    pub fn place_center(&self, center_id: u64, region: u64) -> Result<()> {
        self.admin_region()?;
        self.within(Scope::Center(center_id))?;
        self.within(Scope::Region(region))?;
        self.change(|tx| {
            let before = users::set_center_region_in(tx, center_id, Some(region))?;
            Ok((
                (),
                Change {
                    center_id: Some(center_id),
                    region_id: Some(region),
                    action: "center.place",
                    subject: format!("center {center_id}"),
                    before: Some(serde_json::json!({ "region_id": before })),
                    after: Some(serde_json::json!({ "region_id": region })),
                },
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_county_admin_manages_users_and_regions_below_them_and_nothing_beside() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_database(&crate::testing::database(dir.path()).expect("database"))
            .expect("open");
        let city = store.add_region("杭州市", Level::City, None).expect("city");
        let a = store
            .add_region("上城区", Level::County, Some(city))
            .expect("a");
        let b = store
            .add_region("西湖区", Level::County, Some(city))
            .expect("b");
        let ca = store
            .add_center("上城区青年中心", "Asia/Shanghai")
            .expect("ca");
        let cb = store
            .add_center("西湖区青年中心", "Asia/Shanghai")
            .expect("cb");
        store.set_center_region(ca, Some(a)).expect("place");
        store.set_center_region(cb, Some(b)).expect("place");
        store
            .add_user(
                "county-a",
                "county password 1",
                Role::Admin,
                Scope::Region(a),
            )
            .expect("admin");
        let me = store.user("county-a").expect("me").0;
        let admin = Admin::new(&store, Actor::User(me.clone()));

        admin
            .add_user(
                "staff-a",
                "staff password 1",
                Role::Staff,
                Scope::Center(ca),
            )
            .expect("staff of my center");
        for (scope, what) in [
            (Scope::Center(cb), "another county's center"),
            (Scope::Region(city), "the city above"),
        ] {
            assert!(
                matches!(
                    admin.add_user("x", "some password 1", Role::Admin, scope),
                    Err(StoreError::Forbidden(_))
                ),
                "{what}"
            );
        }
        let town = admin
            .add_region("湖滨街道", Level::Town, Some(a))
            .expect("a town below");
        assert!(matches!(
            admin.add_region("x", Level::Town, Some(b)),
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            admin.add_region("x", Level::City, None),
            Err(StoreError::Forbidden(_))
        ));
        admin.rename_region(town, "湖滨街道办").expect("rename");
        admin.place_center(ca, town).expect("place in the town");
        assert!(matches!(
            admin.place_center(cb, town),
            Err(StoreError::Forbidden(_))
        ));
        assert!(
            matches!(admin.disable_user("county-a"), Err(StoreError::Invalid(_))),
            "not oneself"
        );

        // Disabling ends the user's sessions at once; a new password too.
        let staff = store.user("staff-a").expect("staff").0;
        let token = store
            .create_user_session(staff.id, crate::store::now_ms())
            .expect("session");
        admin.disable_user("staff-a").expect("disable");
        assert!(
            store
                .user_session(&token, crate::store::now_ms())
                .expect("q")
                .is_none()
        );
        admin
            .set_user_password("staff-a", "new password 22")
            .expect("reset");
        assert!(!store.user("staff-a").expect("staff").1, "enabled again");

        let logins: Vec<String> = admin
            .users()
            .expect("users")
            .into_iter()
            .map(|r| r.user.login)
            .collect();
        assert_eq!(logins, ["county-a", "staff-a"]);
        let (regions, centers) = admin.regions().expect("regions");
        assert_eq!(regions.iter().map(|r| r.id).collect::<Vec<_>>(), [a, town]);
        assert_eq!(centers.iter().map(|c| c.id).collect::<Vec<_>>(), [ca]);

        // A center's staff manage nobody.
        let staff_admin = Admin::new(&store, Actor::User(staff));
        assert!(matches!(staff_admin.users(), Err(StoreError::Forbidden(_))));
        let actions: Vec<String> = Admin::new(&store, Actor::CommandLine)
            .audit(None, 50)
            .expect("log")
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            [
                "user.password",
                "user.disable",
                "center.place",
                "region.rename",
                "region.add",
                "user.add"
            ]
        );
        // The password itself is never in the log.
        let log = serde_json::to_string(
            &Admin::new(&store, Actor::CommandLine)
                .audit(None, 50)
                .expect("log"),
        )
        .expect("json");
        assert!(!log.contains("new password 22") && !log.contains("staff password 1"));
    }
}
