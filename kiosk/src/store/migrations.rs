//! Schema migrations, applied in order and only ever appended to.
//!
//! `PRAGMA user_version` records how many have run. Never edit a migration
//! that has shipped: add a new one.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: the outbox, the roster, enrollment and settings.
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE enrollment (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        hub_url TEXT NOT NULL,
        device_id INTEGER NOT NULL,
        device_token TEXT NOT NULL,
        center_id INTEGER NOT NULL,
        center_name TEXT NOT NULL,
        time_zone TEXT NOT NULL
     );
     CREATE TABLE signing_keys (key_id INTEGER PRIMARY KEY, public_key TEXT NOT NULL);
     -- AUTOINCREMENT: a seq is never reused, even after old rows are pruned.
     CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms INTEGER NOT NULL,
        local_date TEXT NOT NULL,
        local_hour INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('member_check_in', 'visitor')),
        member_id INTEGER,
        via TEXT,
        age_band TEXT,
        purpose TEXT,
        boot_id TEXT NOT NULL,
        monotonic_ms INTEGER NOT NULL,
        clock_synchronized INTEGER NOT NULL
     );
     CREATE INDEX events_member_at ON events(member_id, at_ms) WHERE member_id IS NOT NULL;
     CREATE INDEX events_local_date ON events(local_date);
     CREATE TABLE roster (
        member_id INTEGER PRIMARY KEY,
        display_name TEXT NOT NULL,
        active INTEGER NOT NULL
     );",
    // 2: cards (keyed hashes only) and printed-card generations.
    "ALTER TABLE roster ADD COLUMN card_generation INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE enrollment ADD COLUMN card_key TEXT NOT NULL DEFAULT '';
     CREATE TABLE cards (card_hash TEXT PRIMARY KEY, member_id INTEGER NOT NULL);
     CREATE INDEX cards_member ON cards(member_id);",
    // 3: card bindings made at the kiosk travel in the outbox. SQLite cannot
    // change a CHECK constraint, so the table is rebuilt; the seq counter is
    // carried over so no seq is ever issued twice.
    "CREATE TABLE events_v3 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms INTEGER NOT NULL,
        local_date TEXT NOT NULL,
        local_hour INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('member_check_in', 'visitor', 'card_bound')),
        member_id INTEGER,
        via TEXT,
        age_band TEXT,
        purpose TEXT,
        boot_id TEXT NOT NULL,
        monotonic_ms INTEGER NOT NULL,
        clock_synchronized INTEGER NOT NULL,
        card_hash TEXT
     );
     INSERT INTO events_v3(seq, at_ms, local_date, local_hour, kind, member_id, via, age_band,
                           purpose, boot_id, monotonic_ms, clock_synchronized)
        SELECT seq, at_ms, local_date, local_hour, kind, member_id, via, age_band, purpose,
               boot_id, monotonic_ms, clock_synchronized FROM events;
     DELETE FROM sqlite_sequence WHERE name = 'events_v3';
     INSERT INTO sqlite_sequence(name, seq)
        SELECT 'events_v3', seq FROM sqlite_sequence WHERE name = 'events' AND seq IS NOT NULL;
     DROP TABLE events;
     ALTER TABLE events_v3 RENAME TO events;
     CREATE INDEX events_member_at ON events(member_id, at_ms) WHERE member_id IS NOT NULL;
     CREATE INDEX events_local_date ON events(local_date);",
    // 4: volunteer shifts. The events table is rebuilt once more to drop the
    // CHECK on kind: the Rust type decides which kinds exist, and a new kind
    // should not need a table rebuild again. The seq counter is carried over.
    "CREATE TABLE events_v4 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms INTEGER NOT NULL,
        local_date TEXT NOT NULL,
        local_hour INTEGER NOT NULL,
        kind TEXT NOT NULL,
        member_id INTEGER,
        via TEXT,
        age_band TEXT,
        purpose TEXT,
        boot_id TEXT NOT NULL,
        monotonic_ms INTEGER NOT NULL,
        clock_synchronized INTEGER NOT NULL,
        card_hash TEXT,
        activity TEXT
     );
     INSERT INTO events_v4(seq, at_ms, local_date, local_hour, kind, member_id, via, age_band,
                           purpose, boot_id, monotonic_ms, clock_synchronized, card_hash)
        SELECT seq, at_ms, local_date, local_hour, kind, member_id, via, age_band, purpose,
               boot_id, monotonic_ms, clock_synchronized, card_hash FROM events;
     DELETE FROM sqlite_sequence WHERE name = 'events_v4';
     INSERT INTO sqlite_sequence(name, seq)
        SELECT 'events_v4', seq FROM sqlite_sequence WHERE name = 'events' AND seq IS NOT NULL;
     DROP TABLE events;
     ALTER TABLE events_v4 RENAME TO events;
     CREATE INDEX events_member_at ON events(member_id, at_ms) WHERE member_id IS NOT NULL;
     CREATE INDEX events_local_date ON events(local_date);
     ALTER TABLE roster ADD COLUMN volunteer INTEGER NOT NULL DEFAULT 0;",
    // 5: staff void mistaken check-ins; staff cards open the staff screen.
    "ALTER TABLE events ADD COLUMN voided_seq INTEGER;
     ALTER TABLE events ADD COLUMN reason TEXT;
     ALTER TABLE events ADD COLUMN actor TEXT;
     CREATE UNIQUE INDEX events_voided ON events(voided_seq) WHERE voided_seq IS NOT NULL;
     CREATE TABLE staff_cards (
        card_hash TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        added_at_ms INTEGER NOT NULL
     );",
    // 6: a member's answer to "which activity did you come for?" names the
    // check-in it is for.
    "ALTER TABLE events ADD COLUMN for_seq INTEGER;
     CREATE INDEX events_for ON events(for_seq) WHERE for_seq IS NOT NULL;",
];

pub fn apply(conn: &mut Connection) -> rusqlite::Result<()> {
    loop {
        // Under the write lock (IMMEDIATE), the version read and the
        // migration are one step: two processes opening a new database at
        // once (at a board's first boot, the kiosk and its enrollment) take
        // turns instead of both creating the same tables.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let done: usize = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let Some(sql) = MIGRATIONS.get(done) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", done + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
pub fn count() -> usize {
    MIGRATIONS.len()
}

#[cfg(test)]
pub fn first_for_test() -> &'static str {
    MIGRATIONS[0]
}
