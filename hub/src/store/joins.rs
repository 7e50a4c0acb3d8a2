//! Youths who join a center from their own phone (the kiosk's 加入 code):
//! what they told, checked (a guardian's consent under 14, the privacy
//! notice accepted), kept beside the member row, and marked unconfirmed
//! until staff confirm them or merge them into the member they already
//! were. The phone number is not verified (no SMS): staff see so. A
//! member deletes their own account here too (`erase_in`).

use protocol::catalog::ServiceCategory;

use super::db::{Conn, OptionalExt, Tx, params};
use super::members::{self, Member, NewMember, normalize_phone};
use super::{Result, Store, StoreError, now_ms};

/// Under this age (in years, by birth year) a guardian must consent
/// (personal information of minors under 14 needs a guardian's consent).
pub const GUARDIAN_BELOW_AGE: i32 = 14;

/// At most this many members join a center with one phone number in a day.
pub const JOINS_PER_PHONE_PER_DAY: u64 = 3;

/// Longest school or work, and guardian's name.
pub const MAX_FIELD_CHARS: usize = 60;

/// What a youth fills in on the join page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Join {
    pub name: String,
    pub phone: String,
    pub birth_year: Option<u16>,
    pub school_or_work: String,
    pub interests: Vec<ServiceCategory>,
    pub guardian_name: String,
    pub guardian_phone: String,
    pub guardian_consent: bool,
    pub privacy_consent: bool,
}

/// What a self-joined member told, as staff see it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Joined {
    pub school_or_work: String,
    pub interests: Vec<String>,
    pub guardian_name: String,
    pub guardian_phone: String,
    pub guardian_consent_at_ms: Option<i64>,
    pub joined_at_ms: i64,
}

/// Why a join was refused, each with its words on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Name,
    Phone,
    BirthYear,
    SchoolOrWork,
    Privacy,
    Guardian,
    TooManyForPhone,
}

impl Refused {
    /// Plain words, Chinese then English.
    pub fn words(self) -> &'static str {
        match self {
            Refused::Name => {
                "请填写姓名（60 字以内）。 · Please give your name (at most 60 characters)."
            }
            Refused::Phone => "请填写正确的手机号。 · Please give a phone number (5 to 20 digits).",
            Refused::BirthYear => "请填写出生年份。 · Please give the year you were born.",
            Refused::SchoolOrWork => {
                "学校或单位最多 60 字。 · School or work: at most 60 characters."
            }
            Refused::Privacy => {
                "请阅读并同意个人信息说明。 · Please read and accept how your information is used."
            }
            Refused::Guardian => {
                "未满 14 岁需要监护人同意：请填写监护人姓名、电话并勾选同意。 · Under 14, a parent or guardian must agree: give their name and phone and tick their consent."
            }
            Refused::TooManyForPhone => {
                "这个手机号今天已多次注册，请向工作人员求助。 · This phone number joined several times today; please ask a staff member."
            }
        }
    }
}

impl Join {
    /// The member to add and the checked join, or the first thing wrong.
    pub fn checked(&self, this_year: i32) -> std::result::Result<(NewMember, Join), Refused> {
        let name = self.name.trim();
        if name.is_empty()
            || name.chars().count() > members::MAX_NAME_CHARS
            || name.chars().any(char::is_control)
        {
            return Err(Refused::Name);
        }
        let phone = match normalize_phone(&self.phone) {
            Ok(Some(p)) => p,
            _ => return Err(Refused::Phone),
        };
        let year = match self.birth_year {
            Some(y) if (1900..=this_year).contains(&i32::from(y)) => y,
            _ => return Err(Refused::BirthYear),
        };
        let school = self.school_or_work.trim();
        if school.chars().count() > MAX_FIELD_CHARS || school.chars().any(char::is_control) {
            return Err(Refused::SchoolOrWork);
        }
        if !self.privacy_consent {
            return Err(Refused::Privacy);
        }
        // By birth year alone, one who turns 14 this year may still be 13:
        // their guardian is asked too.
        let minor = this_year - i32::from(year) <= GUARDIAN_BELOW_AGE;
        let (guardian_name, guardian_phone) = if minor {
            let g = self.guardian_name.trim();
            let gp = match normalize_phone(&self.guardian_phone) {
                Ok(Some(p)) => p,
                _ => return Err(Refused::Guardian),
            };
            if g.is_empty()
                || g.chars().count() > MAX_FIELD_CHARS
                || g.chars().any(char::is_control)
                || !self.guardian_consent
            {
                return Err(Refused::Guardian);
            }
            (g.to_string(), gp)
        } else {
            (String::new(), String::new())
        };
        let mut interests = self.interests.clone();
        interests.sort_by_key(|c| c.code());
        interests.dedup();
        let member = NewMember {
            name: name.to_string(),
            display_name: None,
            volunteer: false,
            phone: Some(phone.clone()),
            birth_year: Some(year),
        }
        .checked()
        .map_err(|_| Refused::Name)?;
        Ok((
            member,
            Join {
                name: name.to_string(),
                phone,
                birth_year: Some(year),
                school_or_work: school.to_string(),
                interests,
                guardian_consent: minor,
                guardian_name,
                guardian_phone,
                privacy_consent: true,
            },
        ))
    }
}

/// Adds a self-joined member to a center inside `tx`, unconfirmed, with
/// what they told; their member number. Refused when the phone number
/// joined the center [`JOINS_PER_PHONE_PER_DAY`] times in the last day.
pub(crate) fn join_in(
    tx: &Tx<'_>,
    center_id: u64,
    member: &NewMember,
    join: &Join,
) -> Result<std::result::Result<u32, Refused>> {
    let now = now_ms();
    let recent: u64 = tx.query_row(
        "SELECT count(*) FROM members
         WHERE center_id = ?1 AND phone = ?2 AND self_joined = 1 AND created_at_ms > ?3",
        params![center_id, join.phone, now - 24 * 3_600_000],
        |r| r.get(0),
    )?;
    if recent >= JOINS_PER_PHONE_PER_DAY {
        return Ok(Err(Refused::TooManyForPhone));
    }
    let id = members::add_member_in(tx, center_id, member)?;
    tx.execute(
        "UPDATE members SET self_joined = 1, unconfirmed = 1 WHERE id = ?1",
        params![id],
    )?;
    let interests: Vec<&str> = join.interests.iter().map(|c| c.code()).collect();
    tx.execute(
        "INSERT INTO member_joins(member_id, center_id, school_or_work, interests, guardian_name,
                                  guardian_phone, guardian_consent_at_ms, privacy_consent_at_ms,
                                  joined_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![
            id,
            center_id,
            join.school_or_work,
            interests.join(","),
            join.guardian_name,
            join.guardian_phone,
            join.guardian_consent.then_some(now),
            now
        ],
    )?;
    Ok(Ok(id))
}

/// What a self-joined member told (`None`: added by staff).
pub(crate) fn joined_in(conn: &Conn, member_id: u32) -> Result<Option<Joined>> {
    Ok(conn
        .query_row(
            "SELECT school_or_work, interests, guardian_name, guardian_phone,
                    guardian_consent_at_ms, joined_at_ms
             FROM member_joins WHERE member_id = ?1",
            params![member_id],
            |r| {
                let interests: String = r.get(1)?;
                Ok(Joined {
                    school_or_work: r.get(0)?,
                    interests: interests
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    guardian_name: r.get(2)?,
                    guardian_phone: r.get(3)?,
                    guardian_consent_at_ms: r.get(4)?,
                    joined_at_ms: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// Staff confirm a self-joined member.
pub(crate) fn confirm_in(tx: &Tx<'_>, member_id: u32) -> Result<()> {
    tx.execute(
        "UPDATE members SET unconfirmed = 0 WHERE id = ?1",
        params![member_id],
    )?;
    Ok(())
}

/// Merges a self-joined duplicate into the member they already were, of
/// the same center: the duplicate is revoked and marked merged, and its
/// phone logins and cards go to the member (so the youth's phone shows
/// the member's code from then on). Past check-ins stay as they were.
pub(crate) fn merge_in(tx: &Tx<'_>, from: u32, into: u32) -> Result<()> {
    if from == into {
        return Err(StoreError::Invalid(
            "a member cannot be merged into themselves".into(),
        ));
    }
    let (a, b) = (members::member_in(tx, from)?, members::member_in(tx, into)?);
    if a.center_id != b.center_id {
        return Err(StoreError::Invalid(format!(
            "member {into} is of another center; only a center's own members merge"
        )));
    }
    if !a.self_joined || a.merged_into.is_some() || b.merged_into.is_some() || !b.active {
        return Err(StoreError::Invalid(format!(
            "only a self-joined member not merged yet merges, into an active member (member {from} into {into})"
        )));
    }
    // The duplicate's sign-ups end: its places go to those waiting.
    super::signups::withdraw_member_in(tx, from, now_ms())?;
    let revision = Store::bump_revision(tx)?;
    tx.execute(
        "UPDATE members SET active = 0, unconfirmed = 0, merged_into = ?1, revision = ?2 WHERE id = ?3",
        params![into, revision, from],
    )?;
    tx.execute(
        "UPDATE members SET revision = ?1 WHERE id = ?2",
        params![revision, into],
    )?;
    tx.execute(
        "UPDATE member_sessions SET member_id = ?1 WHERE member_id = ?2",
        params![into, from],
    )?;
    tx.execute(
        "UPDATE member_cards SET member_id = ?1 WHERE member_id = ?2",
        params![into, from],
    )?;
    Ok(())
}

/// What a deleted member's row shows in place of their name.
pub const ERASED_NAME: &str = "已注销";

/// Erases a member at their own request, inside `tx`: their name, phone
/// number, birth year, what they told at joining, their logins, links and
/// cards are deleted, and the member is revoked (kiosks refuse them after
/// their next sync). Past visits stay counted under the bare member
/// number. The audit log keeps that each change happened but no longer
/// what it said of them (its before and after are blanked).
pub(crate) fn erase_in(tx: &Tx<'_>, id: u32) -> Result<()> {
    members::member_in(tx, id)?;
    // Their sign-ups: places they held go to those waiting.
    super::signups::withdraw_member_in(tx, id, now_ms())?;
    // Duplicates merged into them are the same youth: erased too.
    let merged: Vec<u32> = tx.query_map(
        "SELECT id FROM members WHERE merged_into = ?1",
        params![id],
        |r| r.get(0),
    )?;
    for m in merged {
        erase_one_in(tx, m)?;
    }
    erase_one_in(tx, id)
}

fn erase_one_in(tx: &Tx<'_>, id: u32) -> Result<()> {
    let revision = Store::bump_revision(tx)?;
    tx.execute(
        "UPDATE members SET full_name = '', display_name = ?1, phone = NULL, birth_year = NULL,
           active = 0, volunteer = 0, unconfirmed = 0, login_hash = NULL, revision = ?2
         WHERE id = ?3",
        params![ERASED_NAME, revision, id],
    )?;
    for table in [
        "member_joins",
        "member_sessions",
        "member_links",
        "member_cards",
        "pending_card_binds",
        "signups",
    ] {
        tx.execute(
            &format!("DELETE FROM {table} WHERE member_id = ?1"),
            params![id],
        )?;
    }
    // Their ratings stay counted; what they wrote goes.
    tx.execute(
        "UPDATE activity_ratings SET comment = '' WHERE member_id = ?1",
        params![id],
    )?;
    tx.execute(
        "UPDATE audit_log SET before = NULL, after = NULL WHERE subject = ?1",
        params![format!("member {id}")],
    )?;
    Ok(())
}

impl Store {
    /// What a self-joined member told at joining (`None`: added by staff).
    pub fn member_joined(&self, member_id: u32) -> Result<Option<Joined>> {
        joined_in(&self.conn(), member_id)
    }

    /// A center's self-joined members waiting for staff, oldest first (at
    /// most `limit`), with what they told.
    pub fn unconfirmed_members(&self, center_id: u64, limit: u64) -> Result<Vec<(Member, Joined)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {} FROM members WHERE center_id = ?1 AND unconfirmed = 1 AND active = 1
             ORDER BY id LIMIT ?2",
            members::COLUMNS
        ))?;
        let list: Vec<Member> = stmt
            .query_map(params![center_id, limit as i64], members::member_from_row)?
            .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::with_capacity(list.len());
        for m in list {
            if let Some(j) = joined_in(&conn, m.id)? {
                out.push((m, j));
            }
        }
        Ok(out)
    }
}
