//! The audit log: what staff and admins changed through the pages, the API
//! or the command line; who, when, what, and the thing before and after.
//! Rows are only ever added: nothing in the hub updates or deletes one.

use serde::Serialize;

use super::db::{Row, Tx, params};
use super::users::{SUBTREE, Scope};
use super::{Result, Store, now_ms};

/// One change, as the service layer describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The center changed (a member's, a kiosk's, the center's own).
    pub center_id: Option<u64>,
    /// The region changed, for a change to a region or a user of one.
    pub region_id: Option<u64>,
    /// What was done, a stable code: `member.add`, `member.revoke`, …
    pub action: &'static str,
    /// What it was done to, in words: `member 10000001`.
    pub subject: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// A line of the log as admins read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub id: u64,
    pub at_ms: i64,
    /// A login, or `cli` for the hub's command line.
    pub actor: String,
    pub center_id: Option<u64>,
    pub region_id: Option<u64>,
    pub action: String,
    pub subject: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Adds a line inside the transaction that makes the change.
pub(crate) fn record(tx: &Tx<'_>, actor: &str, change: &Change) -> Result<()> {
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
    tx.execute(
        "INSERT INTO audit_log(at_ms, actor, center_id, region_id, action, subject, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            now_ms(),
            actor,
            change.center_id,
            change.region_id,
            change.action,
            change.subject,
            json(&change.before),
            json(&change.after)
        ],
    )?;
    Ok(())
}

const COLUMNS: &str = "id, at_ms, actor, center_id, region_id, action, subject, before, after";

fn entry_from_row(r: &Row<'_>) -> super::db::Result<Entry> {
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(Entry {
        id: r.get(0)?,
        at_ms: r.get(1)?,
        actor: r.get(2)?,
        center_id: r.get(3)?,
        region_id: r.get(4)?,
        action: r.get(5)?,
        subject: r.get(6)?,
        before: json(r.get(7)?),
        after: json(r.get(8)?),
    })
}

impl Store {
    /// The newest lines a user of `scope` may read (changes to its centers
    /// and its regions), older than `before_id` when given.
    pub fn audit_log(
        &self,
        scope: Scope,
        before_id: Option<u64>,
        limit: u64,
    ) -> Result<Vec<Entry>> {
        let columns = COLUMNS;
        let before = before_id.unwrap_or(i64::MAX as u64);
        let conn = self.conn();
        let rows = match scope {
            Scope::Center(id) => conn.query_map(
                &format!(
                    "SELECT {columns} FROM audit_log WHERE center_id = ?1 AND id < ?2
                     ORDER BY id DESC LIMIT ?3"
                ),
                params![id, before, limit],
                entry_from_row,
            )?,
            Scope::Region(id) => conn.query_map(
                &format!(
                    "{SUBTREE} SELECT {columns} FROM audit_log
                     WHERE id < ?2 AND (region_id IN (SELECT id FROM sub)
                        OR center_id IN (SELECT c.id FROM centers c
                                         WHERE c.region_id IN (SELECT id FROM sub)))
                     ORDER BY id DESC LIMIT ?3"
                ),
                params![id, before, limit],
                entry_from_row,
            )?,
        };
        Ok(rows)
    }

    /// The newest lines of the whole network (the command line).
    pub fn audit_log_all(&self, before_id: Option<u64>, limit: u64) -> Result<Vec<Entry>> {
        let before = before_id.unwrap_or(i64::MAX as u64);
        Ok(self.conn().query_map(
            &format!("SELECT {COLUMNS} FROM audit_log WHERE id < ?1 ORDER BY id DESC LIMIT ?2"),
            params![before, limit],
            entry_from_row,
        )?)
    }
}
