//! Where tests keep the hub's database: a SQLite file in their temporary
//! folder, or, when `HUB_TEST_DATABASE_URL` names a PostgreSQL server
//! (`./scripts/pg-test.sh` starts one), a new database of their own on it.
//! The test command runs the hub's tests once each way.

use std::path::Path;

use crate::store::Database;

pub const DATABASE_ENV: &str = "HUB_TEST_DATABASE_URL";

/// A database for one test, empty.
pub fn database(dir: &Path) -> Result<Database, String> {
    match std::env::var(DATABASE_ENV) {
        Ok(url) if !url.trim().is_empty() => fresh_postgres(url.trim()),
        _ => Ok(Database::Sqlite(dir.join("hub.sqlite3"))),
    }
}

/// Creates a database with a random name on the server `admin_url` points
/// at and returns its URL.
pub fn fresh_postgres(admin_url: &str) -> Result<Database, String> {
    // On a thread of its own: the client may not block inside async tests.
    let admin_url = admin_url.to_string();
    std::thread::spawn(move || create_database(&admin_url))
        .join()
        .map_err(|_| "creating the test database panicked".to_string())?
}

fn create_database(admin_url: &str) -> Result<Database, String> {
    let mut name = String::from("hub_test_");
    for b in crate::store::random_bytes::<8>().map_err(|e| e.to_string())? {
        name.push_str(&format!("{b:02x}"));
    }
    let mut admin = postgres::Client::connect(admin_url, postgres::NoTls).map_err(|e| {
        format!(
            "cannot reach the PostgreSQL server of {DATABASE_ENV} ({}): {e}",
            crate::store::redact_url(admin_url)
        )
    })?;
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .map_err(|e| format!("cannot create the test database: {e}"))?;
    let mut url = url::Url::parse(admin_url).map_err(|e| format!("{DATABASE_ENV}: {e}"))?;
    url.set_path(&name);
    Ok(Database::Postgres(url.to_string()))
}

/// For the tests of deadlines, in place of a clock set forward: moves a
/// ticket's creation (and its opening, if any) `by_ms` into the past.
pub fn backdate_ticket(
    store: &crate::store::Store,
    id: u64,
    by_ms: i64,
) -> crate::store::Result<()> {
    store.write(|tx| {
        tx.execute(
            "UPDATE tickets SET created_at_ms = created_at_ms - ?1,
               opened_at_ms = opened_at_ms - ?1 WHERE id = ?2",
            crate::store::db::params![by_ms, id],
        )?;
        Ok(())
    })
}

/// Makes the week, month, members' and visitors' roll-ups afresh from the
/// events and the daily roll-up, for a benchmark that wrote those straight
/// into the tables (ingest keeps them otherwise).
pub fn refill_period_rollups(store: &crate::store::Store) -> Result<(), String> {
    store
        .read(crate::store::migrations::refill_period_rollups)
        .map_err(|e| e.to_string())
}
