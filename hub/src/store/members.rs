//! Members of a center: added, found, revoked and restored. Every change
//! bumps the roster revision, so the center's kiosks learn it at their next
//! sync. The `_in` functions work inside a caller's transaction, so a
//! change and its line in the audit log commit together.

use super::db::{Conn, OptionalExt, Row, Tx, params};
use super::{Result, Store, StoreError, now_ms};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Member {
    pub id: u32,
    pub center_id: u64,
    pub full_name: String,
    pub display_name: String,
    pub active: bool,
    /// A registered volunteer: may start and end shifts at the kiosks.
    pub volunteer: bool,
    /// A phone number, when one was given: tells a youth already on the
    /// roster from a namesake.
    pub phone: Option<String>,
    pub birth_year: Option<u16>,
    /// Joined from their own phone (the phone number is not verified).
    pub self_joined: bool,
    /// Self-joined and not yet confirmed by staff.
    pub unconfirmed: bool,
    /// Merged into this member (a duplicate of them): no longer used.
    pub merged_into: Option<u32>,
}

/// A member to add.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    /// The full name (kept at the hub; kiosks show the display name).
    pub name: String,
    /// What kiosks show; by default the family name and 同学.
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub volunteer: bool,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub birth_year: Option<u16>,
}

/// One page of a center's members, and how many match in all.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MemberPage {
    pub total: u64,
    pub offset: u64,
    pub members: Vec<Member>,
}

/// Longest full or display name.
pub const MAX_NAME_CHARS: usize = 60;

pub(crate) const COLUMNS: &str = "id, center_id, full_name, display_name, active, volunteer, \
                                  phone, birth_year, self_joined, unconfirmed, merged_into";

/// A `members` row selected as [`COLUMNS`].
pub(crate) fn member_from_row(r: &Row<'_>) -> super::db::Result<Member> {
    Ok(Member {
        id: r.get(0)?,
        center_id: r.get(1)?,
        full_name: r.get(2)?,
        display_name: r.get(3)?,
        active: r.get(4)?,
        volunteer: r.get(5)?,
        phone: r.get(6)?,
        birth_year: r.get::<Option<u32>>(7)?.and_then(|y| u16::try_from(y).ok()),
        self_joined: r.get(8)?,
        unconfirmed: r.get(9)?,
        merged_into: r.get(10)?,
    })
}

/// A phone number as kept: digits, with a leading + for an international
/// one; spaces and dashes dropped.
pub fn normalize_phone(phone: &str) -> Result<Option<String>> {
    let phone = phone.trim();
    if phone.is_empty() {
        return Ok(None);
    }
    let (plus, rest) = match phone.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", phone),
    };
    let digits: String = rest.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !(5..=20).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StoreError::Invalid(format!(
            "phone {phone:?}: write 5 to 20 digits (spaces, dashes and a leading + allowed)"
        )));
    }
    Ok(Some(format!("{plus}{digits}")))
}

impl NewMember {
    /// The member as it will be kept: names trimmed and checked, the
    /// display name chosen, the phone normalised, the birth year plausible.
    pub fn checked(&self) -> Result<NewMember> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("a member needs a name".into()));
        }
        if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(StoreError::Invalid(format!(
                "a name is at most {MAX_NAME_CHARS} characters, without control characters"
            )));
        }
        let display = match self.display_name.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() => {
                if d.chars().count() > MAX_NAME_CHARS || d.chars().any(char::is_control) {
                    return Err(StoreError::Invalid(format!(
                        "a display name is at most {MAX_NAME_CHARS} characters"
                    )));
                }
                d.to_string()
            }
            _ => crate::names::display_name(name),
        };
        let this_year = chrono::Datelike::year(&chrono::Utc::now()) as u16;
        if let Some(y) = self.birth_year
            && !(1900..=this_year).contains(&y)
        {
            return Err(StoreError::Invalid(format!(
                "birth year {y}: write a year from 1900 to {this_year}"
            )));
        }
        Ok(NewMember {
            name: name.to_string(),
            display_name: Some(display),
            volunteer: self.volunteer,
            phone: self
                .phone
                .as_deref()
                .map(normalize_phone)
                .transpose()?
                .flatten(),
            birth_year: self.birth_year,
        })
    }
}

/// Adds a checked member to a center inside `tx`; returns the new member
/// number (from 10000001).
pub(crate) fn add_member_in(tx: &Tx<'_>, center_id: u64, m: &NewMember) -> Result<u32> {
    let m = m.checked()?;
    let revision = Store::bump_revision(tx)?;
    Ok(tx.query_row(
        "INSERT INTO members(id, center_id, full_name, display_name, volunteer, phone, birth_year,
                             revision, created_at_ms)
         VALUES ((SELECT CASE WHEN max(id) > 10000000 THEN max(id) ELSE 10000000 END + 1 FROM members),
                 ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         RETURNING id",
        params![
            center_id,
            m.name,
            m.display_name,
            m.volunteer,
            m.phone,
            m.birth_year.map(u32::from),
            revision,
            now_ms()
        ],
        |r| r.get(0),
    )?)
}

/// A member, read inside `tx` or on the connection.
pub(crate) fn member_in(conn: &Conn, id: u32) -> Result<Member> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM members WHERE id = ?1"),
        [id],
        member_from_row,
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("no member with id {id}")))
}

/// Which of a member's flags a change sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Checks in; off for a revoked member.
    Active,
    Volunteer,
}

/// Sets a flag inside `tx`; the member as it was before.
pub(crate) fn set_flag_in(tx: &Tx<'_>, id: u32, flag: Flag, value: bool) -> Result<Member> {
    let before = member_in(tx, id)?;
    let column = match flag {
        Flag::Active => "active",
        Flag::Volunteer => "volunteer",
    };
    let revision = Store::bump_revision(tx)?;
    tx.execute(
        &format!("UPDATE members SET {column} = ?1, revision = ?2 WHERE id = ?3"),
        params![value, revision, id],
    )?;
    Ok(before)
}

/// Sets a member's display name inside `tx`; the member as it was before.
pub(crate) fn rename_in(tx: &Tx<'_>, id: u32, display_name: &str) -> Result<Member> {
    let before = member_in(tx, id)?;
    let display = display_name.trim();
    if display.is_empty()
        || display.chars().count() > MAX_NAME_CHARS
        || display.chars().any(char::is_control)
    {
        return Err(StoreError::Invalid(format!(
            "a display name is 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    let revision = Store::bump_revision(tx)?;
    tx.execute(
        "UPDATE members SET display_name = ?1, revision = ?2 WHERE id = ?3",
        params![display, revision, id],
    )?;
    Ok(before)
}

/// `%` and `_` in a search taken literally (the `LIKE … ESCAPE '\'` form).
fn like_pattern(q: &str) -> String {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Store {
    /// Adds a member by name (display name by default); the member number.
    pub fn add_member(
        &self,
        center_id: u64,
        full_name: &str,
        display: Option<&str>,
    ) -> Result<u32> {
        self.center(center_id)?;
        let m = NewMember {
            name: full_name.to_string(),
            display_name: display.map(str::to_string),
            ..NewMember::default()
        };
        self.write(|tx| add_member_in(tx, center_id, &m))
    }

    pub fn member(&self, id: u32) -> Result<Member> {
        member_in(&self.conn(), id)
    }

    /// Every member of a center, by number.
    pub fn members(&self, center_id: u64) -> Result<Vec<Member>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM members WHERE center_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([center_id], member_from_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// A page of a center's members matching `q` (a member number, or part
    /// of a name, display name or phone; empty: all), by number.
    pub fn search_members(
        &self,
        center_id: u64,
        q: &str,
        offset: u64,
        limit: u64,
    ) -> Result<MemberPage> {
        let q = q.trim();
        let number: Option<u32> = q.parse().ok();
        let pattern = like_pattern(q);
        let filter = "center_id = ?1 AND (?2 = '' OR id = ?3 OR full_name LIKE ?4 ESCAPE '\\'
                      OR display_name LIKE ?4 ESCAPE '\\' OR phone LIKE ?4 ESCAPE '\\')";
        let conn = self.conn();
        let total: u64 = conn.query_row(
            &format!("SELECT count(*) FROM members WHERE {filter}"),
            params![center_id, q, number.unwrap_or(0), pattern],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM members WHERE {filter} ORDER BY id LIMIT ?5 OFFSET ?6"
        ))?;
        let rows = stmt.query_map(
            params![center_id, q, number.unwrap_or(0), pattern, limit, offset],
            member_from_row,
        )?;
        Ok(MemberPage {
            total,
            offset,
            members: rows.collect::<std::result::Result<_, _>>()?,
        })
    }

    pub fn set_member_active(&self, id: u32, active: bool) -> Result<()> {
        self.write(|tx| set_flag_in(tx, id, Flag::Active, active).map(|_| ()))
    }

    /// Registers a member as a volunteer (or no longer); kiosks learn it at their next sync.
    pub fn set_member_volunteer(&self, id: u32, volunteer: bool) -> Result<()> {
        self.write(|tx| set_flag_in(tx, id, Flag::Volunteer, volunteer).map(|_| ()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_member_is_checked_before_it_is_kept() {
        let ok = NewMember {
            name: "  林小雨 ".into(),
            phone: Some("138-0013 8000".into()),
            birth_year: Some(2008),
            ..NewMember::default()
        }
        .checked()
        .expect("a good member");
        assert_eq!(ok.name, "林小雨");
        assert_eq!(ok.display_name.as_deref(), Some("林同学"));
        assert_eq!(ok.phone.as_deref(), Some("13800138000"));
        for bad in [
            NewMember::default(),
            NewMember {
                name: "a".repeat(61),
                ..NewMember::default()
            },
            NewMember {
                name: "林小雨".into(),
                phone: Some("call me".into()),
                ..NewMember::default()
            },
            NewMember {
                name: "林小雨".into(),
                birth_year: Some(1850),
                ..NewMember::default()
            },
        ] {
            assert!(
                matches!(bad.checked(), Err(StoreError::Invalid(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn members_are_found_by_number_name_or_phone_a_page_at_a_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_database(&crate::testing::database(dir.path()).expect("database"))
            .expect("open");
        let center = store
            .add_center("青年之家", "Asia/Shanghai")
            .expect("center");
        let other = store.add_center("别处", "Asia/Shanghai").expect("center");
        let mut ids = Vec::new();
        for i in 0..30 {
            let m = NewMember {
                name: format!("王{i:02}"),
                phone: Some(format!("1390000{i:04}")),
                ..NewMember::default()
            };
            ids.push(
                store
                    .write(|tx| add_member_in(tx, center, &m))
                    .expect("add"),
            );
        }
        store.add_member(other, "王99", None).expect("elsewhere");
        let all = store.search_members(center, "", 0, 10).expect("page");
        assert_eq!((all.total, all.members.len()), (30, 10));
        assert_eq!(all.members[0].id, ids[0]);
        let next = store.search_members(center, "", 10, 10).expect("page");
        assert_eq!(next.members[0].id, ids[10]);
        let by_name = store.search_members(center, "王1", 0, 50).expect("name");
        assert_eq!(by_name.total, 10, "王10 … 王19");
        let by_phone = store.search_members(center, "00007", 0, 50).expect("phone");
        assert_eq!(by_phone.members.len(), 1);
        assert_eq!(by_phone.members[0].full_name, "王07");
        let by_number = store
            .search_members(center, &ids[3].to_string(), 0, 50)
            .expect("number");
        assert_eq!(by_number.members[0].id, ids[3]);
        // Another center's member is never found here; % is no wildcard.
        assert_eq!(
            store
                .search_members(center, "王99", 0, 50)
                .expect("q")
                .total,
            0
        );
        assert_eq!(
            store.search_members(center, "%", 0, 50).expect("q").total,
            0
        );
    }
}
