//! What staff and admins may change, said once for the hub's pages, its
//! API and its command line. Each change is checked against who asks (a
//! center's staff act on their center; an admin on every center and region
//! below theirs), made, and written to the audit log in one transaction.
//!
//! Lower: the store (and its `_in` functions that take a transaction).
//! Higher: `http/` and `cli/`, which only say who asks and show the answer.

pub mod activities;
pub mod cards;
pub mod centers;
pub mod import;
pub mod joins;
pub mod kiosks;
pub mod members;
pub mod tickets;
pub mod users;
pub mod volunteers;

use crate::store::users::{Role, Scope, User};
use crate::store::{Center, Result, Store, StoreError, audit};

/// Who asks for a change.
#[derive(Debug, Clone, PartialEq)]
pub enum Actor {
    /// The hub's command line: whoever has a shell on the server may do
    /// anything; the log says `cli`.
    CommandLine,
    /// A logged-in user, within their scope.
    User(User),
}

impl Actor {
    /// As the audit log names them.
    pub fn name(&self) -> &str {
        match self {
            Actor::CommandLine => "cli",
            Actor::User(u) => &u.login,
        }
    }
}

/// The service: the store, and who asks.
pub struct Admin<'a> {
    store: &'a Store,
    actor: Actor,
}

impl<'a> Admin<'a> {
    pub fn new(store: &'a Store, actor: Actor) -> Admin<'a> {
        Admin { store, actor }
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// A center the actor may act on (403 for one outside their scope).
    pub fn center(&self, center_id: u64) -> Result<Center> {
        let center = self.store.center(center_id)?;
        match &self.actor {
            Actor::CommandLine => Ok(center),
            Actor::User(u) => {
                let mine = match u.scope {
                    Scope::Center(id) => id == center_id,
                    Scope::Region(_) => self
                        .store
                        .centers_in(u.scope)?
                        .iter()
                        .any(|c| c.id == center_id),
                };
                if mine {
                    Ok(center)
                } else {
                    Err(StoreError::Forbidden(
                        "this center is outside your part of the network".into(),
                    ))
                }
            }
        }
    }

    /// Admins only (a center's staff get 403), with the scope they read.
    fn admin_scope(&self) -> Result<Option<Scope>> {
        match &self.actor {
            Actor::CommandLine => Ok(None),
            Actor::User(u) if u.role == Role::Admin => Ok(Some(u.scope)),
            Actor::User(_) => Err(StoreError::Forbidden(
                "only admins read the record of changes".into(),
            )),
        }
    }

    /// The record of changes an admin may read, newest first, older than
    /// `before_id` when given. The command line reads every center's and
    /// region's.
    pub fn audit(&self, before_id: Option<u64>, limit: u64) -> Result<Vec<audit::Entry>> {
        if !(1..=500).contains(&limit) {
            return Err(StoreError::Invalid(
                "limit: from 1 to 500 lines at a time".into(),
            ));
        }
        match self.admin_scope()? {
            Some(scope) => self.store.audit_log(scope, before_id, limit),
            None => self.store.audit_log_all(before_id, limit),
        }
    }

    /// Records a change made outside the database (signed content
    /// published), after it was made.
    pub fn note(&self, change: &audit::Change) -> Result<()> {
        let actor = self.actor.name().to_string();
        self.store.write(|tx| audit::record(tx, &actor, change))
    }

    /// What publishing content for an owner (a center or a region) records.
    ///
    /// A center's published activities are laid out as the occurrences the
    /// hub counts, in the same transaction (`activities.rs`).
    pub fn note_publish(&self, published: &crate::content::Published) -> Result<()> {
        let owner = match (published.center_id, published.region_id) {
            (Some(id), _) => crate::content::Owner::Center(id),
            (None, Some(id)) => crate::content::Owner::Region(id),
            (None, None) => return Err(StoreError::Invalid("a publish for nobody".into())),
        };
        let version = published.version;
        let today = match published.center_id {
            Some(id) => Some(self.center(id)?.today()),
            None => None,
        };
        self.change(|tx| {
            let laid_out = match (published.center_id, today) {
                (Some(id), Some(today)) => {
                    Some(Admin::lay_out_in(tx, id, &published.activities, today)?)
                }
                _ => None,
            };
            Ok((
                (),
                audit::Change {
                    center_id: published.center_id,
                    region_id: published.region_id,
                    action: "content.publish",
                    subject: format!("{} version {version}", owner.role()),
                    before: None,
                    after: Some(serde_json::json!({
                        "version": version,
                        "files": published.files,
                        "activities": laid_out,
                    })),
                },
            ))
        })
    }

    /// A kiosk release published (to a ring) or withdrawn, for the audit log.
    pub fn note_release(
        &self,
        action: &'static str,
        info: &protocol::release::ReleaseInfo,
    ) -> Result<()> {
        self.change(|_| {
            Ok((
                (),
                audit::Change {
                    center_id: None,
                    region_id: None,
                    action,
                    subject: format!("release {} for {}", info.version, info.arch),
                    before: None,
                    after: Some(serde_json::json!({
                        "version": info.version,
                        "arch": info.arch,
                        "ring": info.ring,
                    })),
                },
            ))
        })
    }

    /// Makes a change and its line in the audit log in one transaction.
    fn change<T>(
        &self,
        f: impl FnOnce(&crate::store::db::Tx<'_>) -> Result<(T, audit::Change)>,
    ) -> Result<T> {
        let actor = self.actor.name().to_string();
        self.store.write(|tx| {
            let (value, change) = f(tx)?;
            audit::record(tx, &actor, &change)?;
            Ok(value)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewMember;

    #[test]
    fn the_command_line_may_do_anything_and_is_recorded_as_cli() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_database(&crate::testing::database(dir.path()).expect("database"))
            .expect("open");
        let center = store
            .add_center("青年之家", "Asia/Shanghai")
            .expect("center");
        let admin = Admin::new(&store, Actor::CommandLine);
        let id = admin
            .add_member(
                center,
                &NewMember {
                    name: "林小雨".into(),
                    volunteer: true,
                    ..NewMember::default()
                },
            )
            .expect("add");
        assert!(store.member(id).expect("member").volunteer);
        // The same value again changes nothing and records nothing.
        admin.set_member_volunteer(id, true).expect("again");
        let log = admin.audit(None, 10).expect("log");
        assert_eq!(log.len(), 1, "{log:?}");
        assert_eq!(
            (log[0].actor.as_str(), log[0].action.as_str()),
            ("cli", "member.add")
        );
        assert_eq!(
            log[0].after.as_ref().map(|a| a["volunteer"].clone()),
            Some(true.into())
        );
        assert!(matches!(
            admin.audit(None, 501),
            Err(StoreError::Invalid(_))
        ));
    }
}
