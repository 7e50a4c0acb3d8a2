//! 上墙公布: each center's month as the hub counts it, signed daily into
//! the center's content as `month.json` ([`protocol::wall`]), so the
//! kiosk's "本月 / This month" slide shows the hub's own figures.

use chrono::{Datelike, NaiveDate};
use protocol::wall::WallMonth;

use crate::store::{Center, Store, StoreError};

/// A center's month up to `today` (its own local date).
pub fn month(store: &Store, center: &Center, today: NaiveDate) -> Result<WallMonth, StoreError> {
    let y = crate::yardsticks::for_centers(store, std::slice::from_ref(center), today, today)?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::NotFound(format!("center {}", center.id)))?;
    let first = today.with_day(1).unwrap_or(today);
    let hours = crate::volunteer::hours(store, center.id, first, today, today)?;
    let volunteers: std::collections::BTreeSet<u32> =
        hours.totals.iter().map(|t| t.member_id).collect();
    let (met, judged) = y.score();
    let ids: Vec<u32> = volunteers.iter().copied().collect();
    let mut names = store.wall_names(&ids)?;
    names.truncate(protocol::wall::MAX_NAMES);
    Ok(WallMonth {
        month: y.month.clone(),
        as_of: today.format("%Y-%m-%d").to_string(),
        visits: y.visits,
        activities: y.activities,
        participant_visits: y.participant_visits,
        ratings: y.ratings,
        satisfied: y.satisfied,
        volunteers: volunteers.len() as u64,
        volunteer_minutes: hours.totals.iter().map(|t| t.minutes).sum(),
        yardsticks_met: met as u8,
        yardsticks_judged: judged as u8,
        volunteer_names: names,
    })
}

/// Today's month of every center with a kiosk (each on its own local
/// date), to sign with [`crate::content::Repo::publish_month`].
pub fn months(store: &Store) -> Result<Vec<(u64, WallMonth)>, StoreError> {
    let mut out = Vec::new();
    for center in store.centers()? {
        if store.has_devices(center.id)? {
            out.push((center.id, month(store, &center, center.today())?));
        }
    }
    Ok(out)
}
