//! What the ledger (台账) records of a center, and the activities centers
//! hold: the facts the yardsticks and the ledger export are made of.

use crate::store::db::params;
use crate::store::db::{self, Conn, OptionalExt, Row, Tx};

use super::{Result, Store, StoreError, now_ms};

/// The affiliations the ledger allows (seed 001, annex 2, note 1).
pub const AFFILIATIONS: [&str; 9] = [
    "县级团委",
    "城市街道团委",
    "乡镇团委",
    "社区团组织",
    "村团组织",
    "企业团组织",
    "机关事业单位团组织",
    "学校团组织",
    "其他",
];

/// The ratings an evaluation gives (seed 001, annex 1).
pub const RATINGS: [&str; 3] = ["较好", "一般", "较差"];

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Profile {
    pub manager: String,
    pub phone: String,
    pub address: String,
    /// `YYYY-MM-DD`, or empty.
    pub founded: String,
    pub affiliation: String,
    /// 较好 / 一般 / 较差 as the last evaluation gave it, or empty.
    pub rating: String,
}

/// A change to a center's profile: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub manager: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub founded: Option<String>,
    pub affiliation: Option<String>,
    pub rating: Option<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Activity {
    pub id: u64,
    pub center_id: u64,
    pub title: String,
    pub category: String,
    /// Part of the center's study club (学习社), which should be at least
    /// 30% of its activities in a year.
    pub study_club: bool,
    pub local_date: String,
    pub start: String,
    pub end: String,
    pub place: String,
}

/// An activity from `SELECT id, center_id, title, category, study_club,
/// local_date, start, \"end\", place`.
pub(crate) fn activity_from_row(r: &Row<'_>) -> db::Result<Activity> {
    Ok(Activity {
        id: r.get(0)?,
        center_id: r.get(1)?,
        title: r.get(2)?,
        category: r.get(3)?,
        study_club: r.get(4)?,
        local_date: r.get(5)?,
        start: r.get(6)?,
        end: r.get(7)?,
        place: r.get(8)?,
    })
}

impl Store {
    pub fn profile(&self, center_id: u64) -> Result<Profile> {
        profile_in(&self.conn(), center_id)
    }

    /// Updates a center's ledger facts, checking the ones with fixed values.
    pub fn set_profile(&self, center_id: u64, change: &ProfileChange) -> Result<()> {
        self.write(|tx| set_profile_in(tx, center_id, change).map(|_| ()))
    }

    /// Whether any kiosk of the center is enrolled (on the cloud platform).
    pub fn has_devices(&self, center_id: u64) -> Result<bool> {
        Ok(self.conn().query_row(
            "SELECT EXISTS(SELECT 1 FROM devices WHERE center_id = ?1)",
            [center_id],
            |r| r.get(0),
        )?)
    }

    #[allow(clippy::too_many_arguments)]
    #[allow(clippy::too_many_arguments)]
    pub fn add_activity(
        &self,
        center_id: u64,
        title: &str,
        category: protocol::catalog::ServiceCategory,
        study_club: bool,
        local_date: chrono::NaiveDate,
        start: &str,
        end: &str,
        place: &str,
    ) -> Result<u64> {
        self.center(center_id)?;
        self.write(|tx| {
            add_activity_in(
                tx, center_id, title, category, study_club, local_date, start, end, place,
            )
        })
    }

    /// A center's activities on the local dates `from..=to`, by date and start.
    /// The activities of several centers (their ids as a JSON array) on
    /// the local dates `from..=to`, by center, date and start.
    pub fn activities_of(&self, ids: &str, from: &str, to: &str) -> Result<Vec<Activity>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, center_id, title, category, study_club, local_date, start, \"end\", place
             FROM activities WHERE center_id IN (SELECT value FROM json_each(?1))
               AND local_date BETWEEN ?2 AND ?3
             ORDER BY center_id, local_date, start, id",
        )?;
        let rows = stmt.query_map(params![ids, from, to], activity_from_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub fn activities(&self, center_id: u64, from: &str, to: &str) -> Result<Vec<Activity>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, center_id, title, category, study_club, local_date, start, \"end\", place
             FROM activities WHERE center_id = ?1 AND local_date BETWEEN ?2 AND ?3
             ORDER BY local_date, start, id",
        )?;
        let rows = stmt.query_map(params![center_id, from, to], activity_from_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

/// A center's ledger facts, on a connection or inside a transaction.
pub(crate) fn profile_in(conn: &Conn, center_id: u64) -> Result<Profile> {
    conn.query_row(
        "SELECT manager, phone, address, founded, affiliation, rating FROM centers WHERE id = ?1",
        [center_id],
        |r| {
            Ok(Profile {
                manager: r.get(0)?,
                phone: r.get(1)?,
                address: r.get(2)?,
                founded: r.get(3)?,
                affiliation: r.get(4)?,
                rating: r.get(5)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("no center with id {center_id}")))
}

/// Updates a center's ledger facts inside `tx`, checking the ones with
/// fixed values; the facts before and after.
pub(crate) fn set_profile_in(
    tx: &Tx<'_>,
    center_id: u64,
    change: &ProfileChange,
) -> Result<(Profile, Profile)> {
    let before = profile_in(tx, center_id)?;
    let mut p = before.clone();
    let trim = |v: &Option<String>| v.as_ref().map(|s| s.trim().to_string());
    if let Some(v) = trim(&change.founded)
        && !v.is_empty()
        && chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").is_err()
    {
        return Err(StoreError::Invalid(format!(
            "founding date {v:?}: write YYYY-MM-DD"
        )));
    }
    if let Some(v) = trim(&change.affiliation)
        && !v.is_empty()
        && !AFFILIATIONS.contains(&v.as_str())
    {
        return Err(StoreError::Invalid(format!(
            "affiliation {v:?}: use one of {}",
            AFFILIATIONS.join("、")
        )));
    }
    if let Some(v) = trim(&change.rating)
        && !v.is_empty()
        && !RATINGS.contains(&v.as_str())
    {
        return Err(StoreError::Invalid(format!(
            "rating {v:?}: use 较好, 一般 or 较差"
        )));
    }
    for (name, value) in [
        ("manager", trim(&change.manager)),
        ("phone", trim(&change.phone)),
        ("address", trim(&change.address)),
    ] {
        if let Some(v) = value
            && (v.chars().count() > 120 || v.chars().any(char::is_control))
        {
            return Err(StoreError::Invalid(format!(
                "{name}: at most 120 printable characters"
            )));
        }
    }
    for (slot, value) in [
        (&mut p.manager, trim(&change.manager)),
        (&mut p.phone, trim(&change.phone)),
        (&mut p.address, trim(&change.address)),
        (&mut p.founded, trim(&change.founded)),
        (&mut p.affiliation, trim(&change.affiliation)),
        (&mut p.rating, trim(&change.rating)),
    ] {
        if let Some(v) = value {
            *slot = v;
        }
    }
    tx.execute(
        "UPDATE centers SET manager = ?1, phone = ?2, address = ?3, founded = ?4,
           affiliation = ?5, rating = ?6 WHERE id = ?7",
        params![
            p.manager,
            p.phone,
            p.address,
            p.founded,
            p.affiliation,
            p.rating,
            center_id
        ],
    )?;
    Ok((before, p))
}

/// Records an activity inside `tx`; its id.
#[allow(clippy::too_many_arguments)]
pub(crate) fn add_activity_in(
    tx: &Tx<'_>,
    center_id: u64,
    title: &str,
    category: protocol::catalog::ServiceCategory,
    study_club: bool,
    local_date: chrono::NaiveDate,
    start: &str,
    end: &str,
    place: &str,
) -> Result<u64> {
    let title = title.trim();
    if title.is_empty() {
        return Err(StoreError::Invalid("an activity needs a title".into()));
    }
    let time = |t: &str| {
        chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M")
            .map_err(|_| StoreError::Invalid(format!("time {t:?}: write HH:MM")))
    };
    if time(end)? <= time(start)? {
        return Err(StoreError::Invalid(format!(
            "the activity ends ({end}) before it starts ({start})"
        )));
    }
    Ok(tx.query_row(
        "INSERT INTO activities(center_id, title, category, study_club, local_date, start, \"end\",
                                place, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         RETURNING id",
        params![
            center_id,
            title,
            category.code(),
            study_club,
            local_date.format("%Y-%m-%d").to_string(),
            start.trim(),
            end.trim(),
            place.trim(),
            now_ms()
        ],
        |r| r.get(0),
    )?)
}
