//! Moving a hub from SQLite to PostgreSQL (or back): every row of every
//! table into an empty database of the same schema, in an order that keeps
//! the foreign keys satisfied; then PostgreSQL's id sequences are moved past
//! the copied ids. `hub copy-database --to URL`.

use super::db::{Backend, Conn, ToValue, Value};
use super::{Result, Store, StoreError};

/// Every table, parents before children.
const TABLES: &[&str] = &[
    "meta",
    "regions",
    "centers",
    "members",
    "enroll_codes",
    "devices",
    "device_lineages",
    "events",
    "rejected_events",
    "member_cards",
    "member_links",
    "member_sessions",
    "users",
    "user_sessions",
    "daily_counts",
    "weekly_counts",
    "monthly_counts",
    "member_months",
    "roaming_months",
    "visitor_months",
    "region_daily_counts",
    "region_weekly_counts",
    "region_monthly_counts",
    "activities",
    "boot_clocks",
    "integrations",
    "attendance_changes",
    "webhook_outbox",
    "audit_log",
    "shift_corrections",
    "pending_card_binds",
    "member_joins",
    "signups",
    "activity_ratings",
    "center_evaluations",
    "tickets",
];

/// Tables whose `id` PostgreSQL numbers itself.
const IDENTITY: &[&str] = &[
    "regions",
    "centers",
    "devices",
    "users",
    "activities",
    "integrations",
    "webhook_outbox",
    "audit_log",
    "tickets",
];

fn columns(conn: &Conn, table: &str) -> Result<Vec<String>> {
    let names = match conn.backend() {
        Backend::Sqlite => conn.query_map(
            "SELECT name FROM pragma_table_info(?1) ORDER BY cid",
            [table],
            |r| r.get(0),
        )?,
        Backend::Postgres => conn.query_map(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
            [table],
            |r| r.get(0),
        )?,
    };
    Ok(names)
}

/// A column name as SQL: quoted (one is `end`).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Store {
    /// Copies every row into `to`, which must hold no center, member or
    /// event yet. Tells `progress` of each table (name, rows) as it is done.
    /// Returns the rows copied.
    pub fn copy_into(&self, to: &Store, mut progress: impl FnMut(&str, u64)) -> Result<u64> {
        let from = self.conn();
        let into = to.conn();
        let busy: u64 = into.query_row(
            "SELECT (SELECT count(*) FROM centers) + (SELECT count(*) FROM members)
                  + (SELECT count(*) FROM events) + (SELECT count(*) FROM users)",
            [],
            |r| r.get(0),
        )?;
        if busy > 0 {
            return Err(StoreError::Invalid(
                "the target database already holds data: copy into an empty one".into(),
            ));
        }
        let tx = into.transaction()?;
        // The target's own first rows (the roster revision) give way to the copy's.
        tx.execute("DELETE FROM meta", [])?;
        let mut total = 0;
        for table in TABLES {
            let source = columns(&from, table)?;
            let target = columns(&tx, table)?;
            if source != target {
                return Err(StoreError::Invalid(format!(
                    "{table}: the two databases' columns differ ({} / {}); \
                     open both with this hub version first",
                    source.join(", "),
                    target.join(", ")
                )));
            }
            let list = source
                .iter()
                .map(|c| quoted(c))
                .collect::<Vec<_>>()
                .join(", ");
            let marks = (1..=source.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let insert = format!("INSERT INTO {table}({list}) VALUES ({marks})");
            let order = if source.iter().any(|c| c == "id") {
                " ORDER BY id"
            } else {
                ""
            };
            let mut n = 0u64;
            from.query_map(&format!("SELECT {list} FROM {table}{order}"), [], |r| {
                let values: Vec<Value<'_>> = (0..r.columns())
                    .map(|i| r.value(i))
                    .collect::<super::db::Result<_>>()?;
                let args: Vec<&dyn ToValue> = values.iter().map(|v| v as &dyn ToValue).collect();
                tx.execute(&insert, args.as_slice())?;
                n += 1;
                Ok(())
            })?;
            progress(table, n);
            total += n;
        }
        if tx.backend() == Backend::Postgres {
            for table in IDENTITY {
                tx.execute_batch(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                                   coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                ))?;
            }
        }
        tx.commit()?;
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_table_of_the_schema_is_copied() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = super::Store::open(&dir.path().join("hub.sqlite3")).expect("open");
        let mut schema: Vec<String> = store
            .conn()
            .query_map(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                [],
                |r| r.get(0),
            )
            .expect("tables");
        schema.sort();
        let mut copied: Vec<String> = super::TABLES.iter().map(|t| t.to_string()).collect();
        copied.sort();
        assert_eq!(copied, schema);
    }
}
