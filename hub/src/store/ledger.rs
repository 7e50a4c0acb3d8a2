//! What the ledger (台账) records of a center: the facts the ledger export
//! is made of (the activities are `activities.rs`).

use crate::store::db::params;
use crate::store::db::{Conn, OptionalExt, Tx};

use super::{Result, Store, StoreError};

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
    /// The center asks members to check out: a scan this many minutes or
    /// more after their check-in ends the visit. `None`: off (the default).
    pub checkout_minutes: Option<u32>,
}

/// The shortest and longest wait before a scan is a check-out.
pub const CHECKOUT_MINUTES: std::ops::RangeInclusive<u32> = 5..=720;

/// A change to a center's profile: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub manager: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub founded: Option<String>,
    pub affiliation: Option<String>,
    pub rating: Option<String>,
    /// `Some(None)` turns check-out off.
    pub checkout_minutes: Option<Option<u32>>,
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
}

/// A center's ledger facts, on a connection or inside a transaction.
pub(crate) fn profile_in(conn: &Conn, center_id: u64) -> Result<Profile> {
    conn.query_row(
        "SELECT manager, phone, address, founded, affiliation, rating, checkout_minutes
         FROM centers WHERE id = ?1",
        [center_id],
        |r| {
            Ok(Profile {
                manager: r.get(0)?,
                phone: r.get(1)?,
                address: r.get(2)?,
                founded: r.get(3)?,
                affiliation: r.get(4)?,
                rating: r.get(5)?,
                checkout_minutes: r.get(6)?,
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
    if let Some(Some(m)) = change.checkout_minutes
        && !CHECKOUT_MINUTES.contains(&m)
    {
        return Err(StoreError::Invalid(format!(
            "签退时间 {m} 分钟不行：请填 {lo} 到 {hi} 分钟，不启用请留空 · check-out after {m} minutes: give {lo} to {hi} minutes, or leave it empty for none",
            lo = CHECKOUT_MINUTES.start(),
            hi = CHECKOUT_MINUTES.end()
        )));
    }
    if let Some(m) = change.checkout_minutes {
        p.checkout_minutes = m;
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
           affiliation = ?5, rating = ?6, checkout_minutes = ?8 WHERE id = ?7",
        params![
            p.manager,
            p.phone,
            p.address,
            p.founded,
            p.affiliation,
            p.rating,
            center_id,
            p.checkout_minutes
        ],
    )?;
    Ok((before, p))
}

impl Store {
    /// A center's last evaluation (seed 001, annex 1), if it had one.
    pub fn evaluation(&self, center_id: u64) -> Result<Option<crate::evaluation::Evaluation>> {
        use crate::evaluation::{Evaluation, Grade};
        type Row = (String, String, String, Option<String>, i64, String);
        let row: Option<Row> = self
            .conn()
            .query_row(
                "SELECT month, grades, rating, rectify_until, evaluated_at_ms, evaluated_by
                 FROM center_evaluations WHERE center_id = ?1",
                [center_id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .optional()?;
        let Some((month, grades, rating, rectify_until, at, by)) = row else {
            return Ok(None);
        };
        let corrupt =
            || StoreError::Invalid(format!("center {center_id}: its evaluation is damaged"));
        let list: Vec<Grade> = grades
            .split(',')
            .map(Grade::from_code)
            .collect::<Option<_>>()
            .ok_or_else(corrupt)?;
        Ok(Some(Evaluation {
            center_id,
            month,
            grades: list.try_into().map_err(|_| corrupt())?,
            rating: Grade::from_code(&rating).ok_or_else(corrupt)?,
            rectify_until,
            evaluated_at_ms: at,
            evaluated_by: by,
        }))
    }

    /// The centers under rectification on `today` (rated 较差, their
    /// three months not over), among `ids`: (center id, until).
    pub fn rectifying(&self, ids: &str, today: &str) -> Result<Vec<(u64, String)>> {
        self.read(|conn| {
            conn.query_map(
                "SELECT center_id, rectify_until FROM center_evaluations
                 WHERE center_id IN (SELECT value FROM json_each(?1))
                   AND rectify_until IS NOT NULL AND rectify_until >= ?2
                 ORDER BY rectify_until, center_id",
                params![ids, today],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
    }
}

/// Keeps a center's evaluation inside `tx`, and its rating in the ledger.
pub(crate) fn save_evaluation_in(tx: &Tx<'_>, e: &crate::evaluation::Evaluation) -> Result<()> {
    let grades: Vec<&str> = e.grades.iter().map(|g| g.code()).collect();
    tx.execute(
        "INSERT INTO center_evaluations(center_id, month, grades, rating, rectify_until,
                                        evaluated_at_ms, evaluated_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (center_id) DO UPDATE SET month = excluded.month, grades = excluded.grades,
           rating = excluded.rating, rectify_until = excluded.rectify_until,
           evaluated_at_ms = excluded.evaluated_at_ms, evaluated_by = excluded.evaluated_by",
        params![
            e.center_id,
            e.month,
            grades.join(","),
            e.rating.code(),
            e.rectify_until,
            e.evaluated_at_ms,
            e.evaluated_by
        ],
    )?;
    tx.execute(
        "UPDATE centers SET rating = ?1 WHERE id = ?2",
        params![e.rating.label_zh(), e.center_id],
    )?;
    Ok(())
}
