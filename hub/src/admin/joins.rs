//! Youths joining from their own phone, and what staff do with them after:
//! confirm them, or merge them into the member they already were.

use super::Admin;
use crate::store::audit::{self, Change};
use crate::store::joins::{self, Join, Refused};
use crate::store::{Member, Result, Store, StoreError, now_ms, phone};

/// A youth who just joined: their member row, and the phone's session.
#[derive(Debug, Clone)]
pub struct Joining {
    pub member: Member,
    pub session: String,
}

/// The audit log's name for what a youth does from their own phone.
pub const PHONE_ACTOR: &str = "phone";

/// A youth joins a center from the join page: checked, added unconfirmed
/// with what they told, given this phone's session, and recorded, in one
/// transaction. `Ok(Err(_))`: refused, with words.
pub fn join(
    store: &Store,
    center_id: u64,
    form: &Join,
    this_year: i32,
) -> Result<std::result::Result<Joining, Refused>> {
    store.center(center_id)?;
    let (member, join) = match form.checked(this_year) {
        Ok(checked) => checked,
        Err(refused) => return Ok(Err(refused)),
    };
    store.write(|tx| {
        let id = match joins::join_in(tx, center_id, &member, &join)? {
            Ok(id) => id,
            Err(refused) => return Ok(Err(refused)),
        };
        let session = phone::create_session_in(tx, id, now_ms())?;
        let after = crate::store::members::member_in(tx, id)?;
        audit::record(
            tx,
            PHONE_ACTOR,
            &Change {
                center_id: Some(center_id),
                region_id: None,
                action: "member.join",
                subject: format!("member {id}"),
                before: None,
                after: serde_json::to_value(&after).ok(),
            },
        )?;
        Ok(Ok(Joining {
            member: after,
            session,
        }))
    })
}

impl Admin<'_> {
    /// A center's youths who joined from their phones, waiting for staff.
    pub fn unconfirmed_members(&self, center_id: u64) -> Result<Vec<(Member, joins::Joined)>> {
        self.center(center_id)?;
        self.store.unconfirmed_members(center_id, 100)
    }

    /// Staff confirm a youth who joined from their phone.
    pub fn confirm_member(&self, member_id: u32) -> Result<Member> {
        let m = self.member(member_id)?;
        if !m.unconfirmed {
            return Ok(m);
        }
        self.change(|tx| {
            joins::confirm_in(tx, member_id)?;
            let after = crate::store::members::member_in(tx, member_id)?;
            Ok((
                after,
                Change {
                    center_id: Some(m.center_id),
                    region_id: None,
                    action: "member.confirm",
                    subject: format!("member {member_id}"),
                    before: Some(serde_json::json!({ "unconfirmed": true })),
                    after: Some(serde_json::json!({ "unconfirmed": false })),
                },
            ))
        })
    }

    /// Merges a youth who joined again into the member they already were
    /// (same center): the duplicate is retired, their phone and cards move.
    pub fn merge_member(&self, from: u32, into: u32) -> Result<Member> {
        let a = self.member(from)?;
        let b = self.member(into).map_err(|e| match e {
            StoreError::NotFound(_) => {
                StoreError::Invalid(format!("no member {into} to merge into"))
            }
            other => other,
        })?;
        self.change(|tx| {
            joins::merge_in(tx, from, into)?;
            let after = crate::store::members::member_in(tx, into)?;
            Ok((
                after,
                Change {
                    center_id: Some(a.center_id),
                    region_id: None,
                    action: "member.merge",
                    subject: format!("member {from}"),
                    before: None,
                    after: Some(serde_json::json!({ "merged_into": b.id })),
                },
            ))
        })
    }
}

/// A member deletes their own account from their phone: everything about
/// them goes (see `store::joins::erase_in`); a line without personal
/// data records that it happened.
pub fn erase_own(store: &Store, member_id: u32) -> Result<()> {
    let m = store.member(member_id)?;
    store.write(|tx| {
        joins::erase_in(tx, member_id)?;
        audit::record(
            tx,
            PHONE_ACTOR,
            &Change {
                center_id: Some(m.center_id),
                region_id: None,
                action: "member.erase",
                subject: format!("member {member_id}"),
                before: None,
                after: None,
            },
        )
    })
}
