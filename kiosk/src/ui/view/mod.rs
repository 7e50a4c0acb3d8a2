//! What each screen shows, as plain data: built from content, outcomes and
//! counts, and tested without a window. `ui::bind` copies it into Slint.

use chrono::{Datelike, NaiveDate, TimeZone, Weekday};
use chrono_tz::Tz;
use protocol::catalog::{AgeBand, ServiceCategory};

use crate::checkin::{Attending, Outcome, RepeatOf, Running, ShiftChange};
use crate::content::ContentBundle;
use crate::store::{DayEntry, DayStats, SyncStatus, Who};
use protocol::wire::VoidReason;

mod choices;
mod home;
mod result;
mod service;
mod staff;
#[cfg(test)]
mod tests;

pub use choices::*;
pub use home::*;
pub use result::*;
pub use service::*;
pub use staff::*;

fn weekday_name(d: Weekday, en: bool) -> &'static str {
    let i = d.num_days_from_monday() as usize;
    if en {
        [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][i]
    } else {
        [
            "星期一",
            "星期二",
            "星期三",
            "星期四",
            "星期五",
            "星期六",
            "星期日",
        ][i]
    }
}

pub fn date_text(date: NaiveDate, en: bool) -> String {
    if en {
        format!(
            "{}, {}",
            weekday_name(date.weekday(), true),
            date.format("%-d %B %Y")
        )
    } else {
        format!(
            "{}年{}月{}日 {}",
            date.year(),
            date.month(),
            date.day(),
            weekday_name(date.weekday(), false)
        )
    }
}

fn hhmm(tz: Tz, ms: i64) -> String {
    tz.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%H:%M").to_string())
        .unwrap_or_default()
}

fn day_and_time(tz: Tz, ms: i64, today: NaiveDate, en: bool) -> String {
    match tz.timestamp_millis_opt(ms).single() {
        Some(t) if t.date_naive() == today => t.format("%H:%M").to_string(),
        Some(t) if en => t.format("%-d %b %H:%M").to_string(),
        Some(t) => format!("{}月{}日 {}", t.month(), t.day(), t.format("%H:%M")),
        None => String::new(),
    }
}

/// `HH:MM` now, for the result card.
pub fn local_time(tz: Tz, now_ms: i64) -> String {
    hhmm(tz, now_ms)
}
