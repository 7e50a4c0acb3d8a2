//! Raw events leave the database by month once they are old; the daily
//! roll-up keeps every count forever. See [`crate::archive`] for the files.
//!
//! A month is read out in pages, written and checked by the caller, and
//! only then deleted here, in one transaction that first counts again: a
//! month that changed in between is left whole. After that the hub sets
//! aside (with the reason, keeping the record) any event of an archived
//! month a kiosk still sends: it can only be one already archived, sent
//! again, or one two years late, and neither may count twice.

use super::db::params;
use super::{Result, Store, StoreError};

/// The columns of an archived event, in the file's order: name, and
/// whether it is text (else an integer). Every column of `events`.
pub const COLUMNS: &[(&str, bool)] = &[
    ("device_id", false),
    ("seq", false),
    ("center_id", false),
    ("at_ms", false),
    ("device_at_ms", false),
    ("local_date", true),
    ("local_hour", false),
    ("kind", true),
    ("member_id", false),
    ("via", true),
    ("age_band", true),
    ("purpose", true),
    ("activity", true),
    ("card_hash", true),
    ("boot_id", true),
    ("monotonic_ms", false),
    ("clock_synchronized", false),
    ("received_at_ms", false),
    ("voided_seq", false),
    ("voided_by_seq", false),
    ("for_seq", false),
    ("same_visit_as", true),
    ("reason", true),
    ("actor", true),
];

/// Events whose time is known: one recorded with an unsynchronised clock
/// waits for its boot's offset (see `retime`) and stays until it has it.
const TIMED: &str = "NOT (clock_synchronized = 0 AND device_at_ms IS NULL)";

/// Events read out of the database a page at a time.
const PAGE: usize = 5_000;

/// `YYYY-MM` checked, and the first month after it.
pub fn month_after(month: &str) -> Result<String> {
    let bad = || StoreError::Invalid(format!("{month:?} is not a month such as 2024-03"));
    let (y, m) = month.split_once('-').ok_or_else(bad)?;
    let (y, m): (u32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if month.len() != 7 || !(1..=12).contains(&m) {
        return Err(bad());
    }
    Ok(if m == 12 {
        format!("{:04}-01", y + 1)
    } else {
        format!("{y:04}-{:02}", m + 1)
    })
}

/// `YYYY-MM` as the number kept in `meta` (202403).
fn month_number(month: &str) -> Result<i64> {
    month
        .replace('-', "")
        .parse()
        .map_err(|_| StoreError::Invalid(format!("{month:?} is not a month")))
}

impl Store {
    /// Months with raw events before `month` (`YYYY-MM`), oldest first,
    /// with how many events each holds.
    pub fn months_before(&self, month: &str) -> Result<Vec<(String, u64)>> {
        month_after(month)?;
        Ok(self.conn().query_map(
            &format!(
                "SELECT substr(local_date, 1, 7) AS m, count(*) FROM events
                 WHERE local_date < ?1 AND {TIMED} GROUP BY m ORDER BY m"
            ),
            [month],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// Every event of `month`, each as a JSON object of [`COLUMNS`], in
    /// (device, seq) order; returns how many.
    pub fn month_events(
        &self,
        month: &str,
        mut each: impl FnMut(serde_json::Value) -> std::io::Result<()>,
    ) -> Result<u64> {
        let next = month_after(month)?;
        let columns: Vec<&str> = COLUMNS.iter().map(|(c, _)| *c).collect();
        let sql = format!(
            "SELECT {} FROM events
             WHERE local_date >= ?1 AND local_date < ?2 AND {TIMED}
               AND (device_id > ?3 OR (device_id = ?3 AND seq > ?4))
             ORDER BY device_id, seq LIMIT ?5",
            columns.join(", ")
        );
        let (mut after_device, mut after_seq, mut n) = (0u64, 0u64, 0u64);
        loop {
            let rows = self.conn().query_map(
                &sql,
                params![month, next, after_device, after_seq, PAGE],
                |r| {
                    let mut o = serde_json::Map::new();
                    for (i, (name, text)) in COLUMNS.iter().enumerate() {
                        let v = if *text {
                            r.get::<Option<String>>(i)?.map(serde_json::Value::from)
                        } else {
                            r.get::<Option<i64>>(i)?.map(serde_json::Value::from)
                        };
                        o.insert(name.to_string(), v.unwrap_or(serde_json::Value::Null));
                    }
                    Ok(serde_json::Value::Object(o))
                },
            )?;
            let Some(last) = rows.last() else { break };
            after_device = last["device_id"].as_u64().unwrap_or(u64::MAX);
            after_seq = last["seq"].as_u64().unwrap_or(u64::MAX);
            let full = rows.len() == PAGE;
            for row in rows {
                each(row).map_err(|e| StoreError::Invalid(format!("cannot write: {e}")))?;
                n += 1;
            }
            if !full {
                break;
            }
        }
        Ok(n)
    }

    /// Deletes `month`'s raw events, which the caller has archived: exactly
    /// `archived` of them, or nothing at all. From then on the month is
    /// closed to late uploads. Returns how many were deleted.
    pub fn drop_month(&self, month: &str, archived: u64) -> Result<u64> {
        let next = month_after(month)?;
        let conn = self.conn();
        let tx = conn.transaction()?;
        let now: u64 = tx.query_row(
            &format!(
                "SELECT count(*) FROM events WHERE local_date >= ?1 AND local_date < ?2 AND {TIMED}"
            ),
            [month, next.as_str()],
            |r| r.get(0),
        )?;
        if now != archived {
            return Err(StoreError::Invalid(format!(
                "{month} holds {now} events, not the {archived} archived: nothing deleted; run again"
            )));
        }
        let n = tx.execute(
            &format!("DELETE FROM events WHERE local_date >= ?1 AND local_date < ?2 AND {TIMED}"),
            [month, next.as_str()],
        )?;
        tx.execute(
            "INSERT INTO meta(key, value) VALUES ('archived_before', ?1)
             ON CONFLICT(key) DO UPDATE SET value =
               CASE WHEN excluded.value > meta.value THEN excluded.value ELSE meta.value END",
            [month_number(&next)?],
        )?;
        tx.commit()?;
        Ok(n as u64)
    }

    /// The first month not archived (`YYYY-MM`), if any month is.
    pub fn archived_before(&self) -> Result<Option<String>> {
        archived_before(&self.conn())
    }

    /// Clears what has served its purpose: webhook deliveries accepted more
    /// than 30 days ago, sessions that have ended. Returns (deliveries,
    /// sessions) removed.
    pub fn tidy(&self, now_ms: i64) -> Result<(u64, u64)> {
        let conn = self.conn();
        let deliveries = conn.execute(
            "DELETE FROM webhook_outbox WHERE delivered_at_ms IS NOT NULL AND delivered_at_ms < ?1",
            [now_ms - 30 * 86_400_000],
        )?;
        let sessions = conn.execute(
            "DELETE FROM user_sessions WHERE expires_at_ms <= ?1",
            [now_ms],
        )? + conn.execute(
            "DELETE FROM member_sessions WHERE expires_at_ms <= ?1",
            [now_ms],
        )?;
        Ok((deliveries as u64, sessions as u64))
    }
}

/// The first month not archived, read in the caller's connection.
pub(crate) fn archived_before(conn: &super::db::Conn) -> Result<Option<String>> {
    use super::db::OptionalExt;
    let n: Option<i64> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'archived_before'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(n.map(|n| format!("{:04}-{:02}", n / 100, n % 100)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_follow_each_other_and_nonsense_is_refused() {
        assert_eq!(month_after("2024-03").ok(), Some("2024-04".to_string()));
        assert_eq!(month_after("2024-12").ok(), Some("2025-01".to_string()));
        for bad in ["2024-13", "2024-3", "24-03", "march", "2024-00"] {
            assert!(month_after(bad).is_err(), "{bad}");
        }
    }
}
