//! 上墙公布: a center's month as the hub counts it, for the wall — the
//! kiosk's "本月 / This month" slide. The hub signs it daily as the
//! center's `month.json`, beside its content, so the figures on the wall
//! are the hub's own (kiosks from before it fetch the file and ignore it).

use serde::{Deserialize, Serialize};

/// The file's name in a center's signed content.
pub const FILE: &str = "month.json";

/// The month's figures of one center.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WallMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// The day the figures run to, `YYYY-MM-DD` (the hub's count that day).
    pub as_of: String,
    /// Counted visits (members and visitors).
    pub visits: u64,
    /// Activities held, and participant-visits at them.
    pub activities: u64,
    pub participant_visits: u64,
    /// Ratings (好差评) and how many were satisfied.
    pub ratings: u64,
    pub satisfied: u64,
    /// Volunteers who served, and their counted minutes.
    pub volunteers: u64,
    pub volunteer_minutes: i64,
    /// The yardsticks met, of those that could be judged.
    pub yardsticks_met: u8,
    pub yardsticks_judged: u8,
    /// Display names of the month's volunteers who chose to be thanked on
    /// the wall (at most [`MAX_NAMES`]); never a full name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volunteer_names: Vec<String>,
}

/// The most volunteers thanked by name on one slide.
pub const MAX_NAMES: usize = 12;

impl WallMonth {
    /// Reads a `month.json`, refusing one that does not add up.
    pub fn parse(json: &str) -> Result<WallMonth, String> {
        let m: WallMonth = serde_json::from_str(json)
            .map_err(|e| format!("本月数据无法读取 · month.json cannot be read: {e}"))?;
        let month_ok = m.month.len() == 7
            && chrono::NaiveDate::parse_from_str(&format!("{}-01", m.month), "%Y-%m-%d").is_ok();
        let day_ok = chrono::NaiveDate::parse_from_str(&m.as_of, "%Y-%m-%d").is_ok()
            && m.as_of.starts_with(&m.month);
        if !month_ok || !day_ok {
            return Err(format!(
                "本月数据的月份有误 · month.json: month {:?} as of {:?}",
                m.month, m.as_of
            ));
        }
        if m.satisfied > m.ratings
            || m.yardsticks_met > m.yardsticks_judged
            || m.yardsticks_judged > 4
            || m.volunteer_names.len() > MAX_NAMES
        {
            return Err("本月数据前后不一致 · month.json does not add up".into());
        }
        Ok(m)
    }

    /// Satisfied ratings in whole percent, when there are any.
    pub fn satisfaction_percent(&self) -> Option<u64> {
        (self.ratings > 0).then(|| (self.satisfied * 100 + self.ratings / 2) / self.ratings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> WallMonth {
        WallMonth {
            month: "2026-11".into(),
            as_of: "2026-11-24".into(),
            visits: 420,
            activities: 6,
            participant_visits: 85,
            ratings: 25,
            satisfied: 23,
            volunteers: 4,
            volunteer_minutes: 750,
            yardsticks_met: 3,
            yardsticks_judged: 4,
            volunteer_names: vec!["林同学".into()],
        }
    }

    #[test]
    fn a_month_reads_back_and_one_that_does_not_add_up_is_refused() {
        let m = sample();
        let json = serde_json::to_string(&m).expect("json");
        assert_eq!(WallMonth::parse(&json), Ok(m.clone()));
        assert_eq!(m.satisfaction_percent(), Some(92));
        let mut bad = m.clone();
        bad.satisfied = 30;
        assert!(WallMonth::parse(&serde_json::to_string(&bad).expect("json")).is_err());
        let mut bad = m;
        bad.as_of = "2026-12-01".into();
        assert!(WallMonth::parse(&serde_json::to_string(&bad).expect("json")).is_err());
        assert!(WallMonth::parse("{").is_err());
    }
}
