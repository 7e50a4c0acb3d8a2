//! Schema migrations, applied in order and only ever appended to.
//!
//! SQLite counts them in `PRAGMA user_version`; PostgreSQL in the table
//! `schema_migrations`. PostgreSQL came in after the sixteenth SQLite
//! migration, so its first migration is that whole schema at once; from
//! there on a change is appended to both lists.

use super::db::{Backend, Conn, LOCK_MIGRATE, Result};

mod postgres;
mod rollups;
mod sqlite;

use postgres::POSTGRES;
pub(crate) use rollups::refill_period_rollups;
use sqlite::SQLITE;

/// SQLite's 32 and PostgreSQL's 17: the same statements on both.
const MONTH_INDEXES: &str =
    "CREATE INDEX events_member_months ON events(center_id, local_date, member_id)
        WHERE kind = 'member_check_in' AND voided_by_seq IS NULL;
     CREATE INDEX events_visitor_kinds ON events(center_id, local_date, age_band, purpose)
        WHERE kind = 'visitor' AND voided_by_seq IS NULL;
     CREATE INDEX events_ratings ON events(center_id, local_date) WHERE kind = 'rated';
     CREATE INDEX events_rated_for ON events(device_id, for_seq, seq) WHERE kind = 'rated';
     CREATE INDEX members_center_created ON members(center_id, created_at_ms);";

/// SQLite's 34 and PostgreSQL's 19.
const DROP_MONTH_INDEXES: &str =
    "DROP INDEX events_member_months; DROP INDEX events_visitor_kinds;";

/// Brings the schema up to date; a hub that finds a newer schema than it
/// knows refuses to run on it.
pub fn apply(conn: &Conn) -> Result<()> {
    match conn.backend() {
        Backend::Sqlite => {
            let done: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            check_known(done, SQLITE.len())?;
            for (i, sql) in SQLITE.iter().enumerate().skip(done) {
                let tx = conn.transaction()?;
                tx.execute_batch(sql)?;
                tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
                tx.commit()?;
            }
        }
        Backend::Postgres => {
            // Replicas starting together: one migrates, the others wait for
            // it and then find nothing left to do.
            let tx = conn.locked_transaction(LOCK_MIGRATE)?;
            tx.execute_batch(
                "SET LOCAL client_min_messages = warning;
                 CREATE TABLE IF NOT EXISTS schema_migrations (
                    version BIGINT PRIMARY KEY,
                    applied_at_ms BIGINT NOT NULL
                 )",
            )?;
            let done: usize = tx.query_row(
                "SELECT coalesce(max(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )?;
            check_known(done, POSTGRES.len())?;
            for (i, sql) in POSTGRES.iter().enumerate().skip(done) {
                tx.execute_batch(sql)?;
                tx.execute(
                    "INSERT INTO schema_migrations(version, applied_at_ms) VALUES (?1, ?2)",
                    [i as i64 + 1, super::now_ms()],
                )?;
            }
            tx.commit()?;
        }
    }
    Ok(())
}

fn check_known(done: usize, known: usize) -> Result<()> {
    if done > known {
        return Err(super::db::DbError::Schema(format!(
            "the database has schema version {done}, newer than this hub knows ({known}): \
             run the newer hub, or restore a backup taken before it"
        )));
    }
    Ok(())
}
