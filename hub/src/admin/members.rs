//! Members: found, added, renamed, made volunteers, revoked and restored.

use super::Admin;
use crate::store::audit::Change;
use crate::store::members::{self, Flag};
use crate::store::{Member, MemberPage, NewMember, Result, StoreError};

/// Most members on one page of a search.
pub const MEMBERS_PAGE: u64 = 50;

/// Longest search.
pub const MAX_QUERY_CHARS: usize = 100;

fn json(m: &Member) -> Option<serde_json::Value> {
    serde_json::to_value(m).ok()
}

impl Admin<'_> {
    /// A page of a center's members matching `q` (number, name, phone).
    pub fn members(&self, center_id: u64, q: &str, offset: u64) -> Result<MemberPage> {
        self.center(center_id)?;
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(StoreError::Invalid(format!(
                "a search is at most {MAX_QUERY_CHARS} characters"
            )));
        }
        self.store
            .search_members(center_id, q, offset, MEMBERS_PAGE)
    }

    /// A member of a center the actor may act on.
    pub fn member(&self, member_id: u32) -> Result<Member> {
        let m = self.store.member(member_id)?;
        self.center(m.center_id)?;
        Ok(m)
    }

    /// Adds a member to a center; their member number.
    pub fn add_member(&self, center_id: u64, new: &NewMember) -> Result<u32> {
        self.center(center_id)?;
        let new = new.checked()?;
        self.change(|tx| {
            let id = members::add_member_in(tx, center_id, &new)?;
            let after = members::member_in(tx, id)?;
            Ok((
                id,
                Change {
                    center_id: Some(center_id),
                    region_id: None,
                    action: "member.add",
                    subject: format!("member {id}"),
                    before: None,
                    after: json(&after),
                },
            ))
        })
    }

    /// Revokes (`false`) or restores (`true`) a member: a revoked member's
    /// code and cards are refused at the kiosks after their next sync.
    pub fn set_member_active(&self, member_id: u32, active: bool) -> Result<Member> {
        self.set_flag(member_id, Flag::Active, active)
    }

    /// Registers a member as a volunteer, or no longer.
    pub fn set_member_volunteer(&self, member_id: u32, volunteer: bool) -> Result<Member> {
        self.set_flag(member_id, Flag::Volunteer, volunteer)
    }

    fn set_flag(&self, member_id: u32, flag: Flag, value: bool) -> Result<Member> {
        let m = self.member(member_id)?;
        let now = match flag {
            Flag::Active => m.active,
            Flag::Volunteer => m.volunteer,
        };
        if now == value {
            return Ok(m);
        }
        let action = match (flag, value) {
            (Flag::Active, true) => "member.restore",
            (Flag::Active, false) => "member.revoke",
            (Flag::Volunteer, true) => "member.volunteer",
            (Flag::Volunteer, false) => "member.not_volunteer",
        };
        self.change(|tx| {
            let before = members::set_flag_in(tx, member_id, flag, value)?;
            let after = members::member_in(tx, member_id)?;
            Ok((
                after.clone(),
                Change {
                    center_id: Some(m.center_id),
                    region_id: None,
                    action,
                    subject: format!("member {member_id}"),
                    before: json(&before),
                    after: json(&after),
                },
            ))
        })
    }

    /// Changes the name a member's kiosks show (the same name again
    /// changes nothing and records nothing).
    pub fn rename_member(&self, member_id: u32, display_name: &str) -> Result<Member> {
        let m = self.member(member_id)?;
        if display_name.trim() == m.display_name {
            return Ok(m);
        }
        self.change(|tx| {
            let before = members::rename_in(tx, member_id, display_name)?;
            let after = members::member_in(tx, member_id)?;
            Ok((
                after.clone(),
                Change {
                    center_id: Some(m.center_id),
                    region_id: None,
                    action: "member.rename",
                    subject: format!("member {member_id}"),
                    before: json(&before),
                    after: json(&after),
                },
            ))
        })
    }
}
