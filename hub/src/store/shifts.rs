//! Staff corrections of volunteers' shift records (read by
//! [`crate::volunteer`]): the kiosks' events stay as recorded.

use super::db::{OptionalExt, Tx, params};
use super::{Result, StoreError, now_ms};

/// A volunteer event a correction may name: its center, whether it is a
/// start, its time and local date.
pub(crate) fn shift_event_in(
    tx: &Tx<'_>,
    device_id: u64,
    seq: u64,
) -> Result<(u64, bool, i64, String)> {
    let row: Option<(u64, String, i64, String)> = tx
        .query_row(
            "SELECT center_id, kind, at_ms, local_date FROM events WHERE device_id = ?1 AND seq = ?2",
            params![device_id, seq],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    match row {
        Some((center, kind, at_ms, date)) if kind == "volunteer_in" || kind == "volunteer_out" => {
            Ok((center, kind == "volunteer_in", at_ms, date))
        }
        _ => Err(StoreError::NotFound(format!(
            "no volunteer's shift record {device_id}/{seq}"
        ))),
    }
}

/// Records (or replaces) a correction of a record.
#[allow(clippy::too_many_arguments)]
pub(crate) fn correct_shift_in(
    tx: &Tx<'_>,
    device_id: u64,
    seq: u64,
    center_id: u64,
    action: &str,
    end_at_ms: Option<i64>,
    reason: &str,
    by: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO shift_corrections(device_id, seq, center_id, action, end_at_ms, reason, by_login, at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(device_id, seq) DO UPDATE SET action = excluded.action,
            end_at_ms = excluded.end_at_ms, reason = excluded.reason,
            by_login = excluded.by_login, at_ms = excluded.at_ms",
        params![device_id, seq, center_id, action, end_at_ms, reason, by, now_ms()],
    )?;
    Ok(())
}
