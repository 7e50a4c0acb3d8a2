//! The hub's database, SQLite or PostgreSQL ([`db`]): centers, members,
//! devices and the events they upload.
//!
//! One connection behind a std Mutex: SQLite has one writer at a time anyway,
//! and no await happens while the lock is held (the server runs every call
//! on the store's own threads, [`worker`], one connection each on
//! PostgreSQL). Other processes (the `report` command) read the same SQLite
//! file thanks to WAL.

pub mod activities;
pub mod archive;
pub mod audit;
mod copy;
pub mod db;
pub(crate) mod devices;
pub mod fleet;
mod ingest;
pub mod integration;
pub mod joins;
pub mod ledger;
pub(crate) mod members;
pub(crate) mod migrations;
pub(crate) mod phone;
pub mod plan;
pub mod ratings;
mod retime;
mod rollup;
pub(crate) mod shifts;
pub mod signups;
pub mod tickets;
pub mod users;
pub mod worker;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono_tz::Tz;
use db::{Conn, OptionalExt, Row, Tx, params};
use protocol::wire::{CenterInfo, RosterDelta, RosterEntry};
use sha2::{Digest, Sha256};
use thiserror::Error;

pub use members::{Member, MemberPage, NewMember};
pub(crate) use rollup::monday_of;

/// Most roster entries in one answer.
pub const ROSTER_PAGE: usize = 1000;
/// Enrollment codes avoid characters people confuse: 0/O, 1/I/L.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    /// What was asked for exists already (a login taken, a row made twice).
    #[error("{0}")]
    Conflict(String),
    /// Who asks may not do this (another center's staff, a staff member
    /// asking for an admin's page).
    #[error("{0}")]
    Forbidden(String),
    #[error("database error: {0}")]
    Db(db::DbError),
}

// Not `#[from]`: that would also make the database's error the source, and
// its message, already in ours, would print twice.
impl From<db::DbError> for StoreError {
    fn from(e: db::DbError) -> StoreError {
        match e {
            // A value no column holds (a number beyond 64 bits) came from
            // outside: the caller's mistake, not the database's.
            db::DbError::Param { .. } => StoreError::Invalid(format!("out of range: {e}")),
            e if e.is_unique_violation() => {
                StoreError::Conflict(format!("that exists already ({e})"))
            }
            e => StoreError::Db(e),
        }
    }
}

pub(crate) type Result<T> = std::result::Result<T, StoreError>;

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub fn sha256_hex(text: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(text.as_bytes()))
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| StoreError::Invalid(format!("no randomness: {e}")))?;
    Ok(b)
}

/// Longest kiosk name and software version the hub keeps (characters).
pub const MAX_DEVICE_NAME_CHARS: usize = 80;
pub const MAX_VERSION_CHARS: usize = 40;
/// How long a phone stays logged in.
pub const MEMBER_SESSION_MS: i64 = 30 * 86_400_000;

/// Eight characters of [`CODE_ALPHABET`]: about 40 bits, read aloud or typed
/// without confusion.
fn random_code() -> Result<String> {
    // Rejection sampling keeps every character equally likely.
    let mut code = String::with_capacity(8);
    while code.len() < 8 {
        for b in random_bytes::<16>()? {
            let limit = 256 - 256 % CODE_ALPHABET.len();
            if usize::from(b) < limit && code.len() < 8 {
                code.push(CODE_ALPHABET[usize::from(b) % CODE_ALPHABET.len()] as char);
            }
        }
    }
    Ok(code)
}

/// Upper case, no dash or spaces: `k7qf-3m9x` and `K7QF3M9X` are the same code.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Center {
    pub id: u64,
    pub name: String,
    pub time_zone: String,
    /// The town, county or city it belongs to, if placed in the network.
    pub region_id: Option<u64>,
}

impl Center {
    pub fn tz(&self) -> Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
    }

    /// The center's local date now.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::Utc::now().with_timezone(&self.tz()).date_naive()
    }

    pub fn info(&self) -> CenterInfo {
        CenterInfo {
            id: self.id,
            name: self.name.clone(),
            time_zone: self.time_zone.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Device {
    pub id: u64,
    pub center_id: u64,
    pub name: String,
    pub acked_seq: u64,
    pub last_seen_ms: Option<i64>,
}

pub struct Store {
    conn: Mutex<Conn>,
}

/// Where the hub keeps its data: a SQLite file, or a PostgreSQL database
/// shared by replicas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Database {
    /// `postgres://…` (or `postgresql://…`) names a PostgreSQL database;
    /// with none given, the SQLite file `hub.sqlite3` in the data folder.
    pub fn from_url(url: Option<&str>, data: &Path) -> std::result::Result<Database, String> {
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Ok(Database::Sqlite(data.join("hub.sqlite3"))),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Ok(Database::Postgres(u.to_string()))
            }
            Some(u) => match u.strip_prefix("sqlite://") {
                Some(path) => Ok(Database::Sqlite(path.into())),
                None => Err(format!(
                    "unknown database URL {:?}: use postgres://user:password@host/database \
                     or sqlite:///path/to/hub.sqlite3",
                    redact_url(u)
                )),
            },
        }
    }

    /// Where it is, without a password, for messages and logs.
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(p) => p.display().to_string(),
            Database::Postgres(u) => redact_url(u),
        }
    }
}

/// A lock every replica sharing a PostgreSQL database respects, held
/// while this value lives (a session advisory lock on a connection of its
/// own, so a replica that dies lets go of it). Nothing to take on SQLite:
/// one machine, where the caller's file lock does.
pub struct SharedLock {
    _conn: Option<Conn>,
}

impl SharedLock {
    pub fn take(db: &Database, class: i32) -> Result<SharedLock> {
        match db {
            Database::Sqlite(_) => Ok(SharedLock { _conn: None }),
            Database::Postgres(url) => {
                let conn = Conn::connect_postgres(url)?;
                conn.execute("SELECT pg_advisory_lock(?1, 0)", [class])?;
                Ok(SharedLock { _conn: Some(conn) })
            }
        }
    }
}

/// A database URL with its password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "(an unreadable URL)".to_string(),
    }
}

impl Store {
    /// Opens (creating if missing) the SQLite database at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        Store::with(Conn::open_sqlite(path)?)
    }

    pub fn open_database(db: &Database) -> Result<Store> {
        match db {
            Database::Sqlite(path) => Store::open(path),
            Database::Postgres(url) => Store::with(Conn::connect_postgres(url)?),
        }
    }

    fn with(conn: Conn) -> Result<Store> {
        migrations::apply(&conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    pub fn backend(&self) -> db::Backend {
        self.conn().backend()
    }

    fn conn(&self) -> MutexGuard<'_, Conn> {
        // A panic while holding the lock leaves the database consistent
        // (transactions roll back), so a poisoned lock is still safe to use.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn add_center(&self, name: &str, time_zone: &str) -> Result<u64> {
        self.write(|tx| add_center_in(tx, name, time_zone))
    }

    /// One trivial query: the database answers (readiness).
    pub fn ping(&self) -> Result<()> {
        self.conn().query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    pub fn center(&self, id: u64) -> Result<Center> {
        center_in(&self.conn(), id)
    }

    pub fn centers(&self) -> Result<Vec<Center>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT id, name, time_zone, region_id FROM centers ORDER BY id")?;
        let rows = stmt.query_map([], center_from_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub(crate) fn bump_revision(tx: &Tx<'_>) -> Result<u64> {
        Ok(tx.query_row(
            "UPDATE meta SET value = value + 1 WHERE key = 'roster_revision' RETURNING value",
            [],
            |r| r.get(0),
        )?)
    }

    /// Members of a center changed after `since`, oldest change first, each
    /// with its whole current set of card hashes.
    pub fn roster(&self, center_id: u64, since: u64) -> Result<RosterDelta> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, display_name, active, revision, card_generation, volunteer FROM members
             WHERE center_id = ?1 AND revision > ?2 ORDER BY revision LIMIT ?3",
        )?;
        let mut cards_of = conn.prepare(
            "SELECT card_hash FROM member_cards WHERE member_id = ?1 ORDER BY card_hash",
        )?;
        let mut revision = since;
        let mut members = Vec::new();
        let mut more = false;
        let mut rows = stmt.query(params![center_id, since, ROSTER_PAGE + 1])?;
        while let Some(r) = rows.next()? {
            if members.len() == ROSTER_PAGE {
                more = true;
                break;
            }
            let member_id: u32 = r.get(0)?;
            let cards = cards_of
                .query_map([member_id], |c| c.get(0))?
                .collect::<std::result::Result<Vec<String>, _>>()?;
            members.push(RosterEntry {
                member_id,
                display_name: r.get(1)?,
                active: r.get(2)?,
                cards,
                card_generation: r.get(4)?,
                volunteer: r.get(5)?,
            });
            revision = r.get(3)?;
        }
        if members.is_empty() {
            // Nothing new for this center: hand out the hub-wide revision so the
            // next question starts from there.
            let current: u64 = conn.query_row(
                "SELECT value FROM meta WHERE key = 'roster_revision'",
                [],
                |r| r.get(0),
            )?;
            revision = current.max(since);
        }
        Ok(RosterDelta {
            revision,
            members,
            more,
        })
    }

    /// Binds a card (by its keyed hash) to a member. A card bound to someone
    /// else moves; returns that previous member, if any.
    pub fn bind_card(&self, member_id: u32, card_hash: &str) -> Result<Option<u32>> {
        self.member(member_id)?;
        let conn = self.conn();
        let tx = conn.transaction()?;
        let previous = bind_card_in(&tx, member_id, card_hash)?;
        tx.commit()?;
        Ok(previous)
    }

    /// Starts a new printed-card generation for a member: cards printed
    /// before are refused once kiosks sync. Returns the new generation.
    pub fn new_card_generation(&self, member_id: u32) -> Result<u16> {
        self.write(|tx| new_card_generation_in(tx, member_id))
    }

    /// Runs `f` in one write transaction, committed when it returns `Ok`.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let conn = self.conn();
        let tx = conn.transaction()?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs a read-only closure on the connection (reports).
    pub fn read<T>(&self, f: impl FnOnce(&Conn) -> db::Result<T>) -> Result<T> {
        Ok(f(&self.conn())?)
    }
}

/// Starts a new printed-card generation for a member inside `tx`; the new
/// generation.
pub(crate) fn new_card_generation_in(tx: &Tx<'_>, member_id: u32) -> Result<u16> {
    let revision = Store::bump_revision(tx)?;
    let generation: Option<u16> = tx
        .query_row(
            "UPDATE members SET card_generation = card_generation + 1, revision = ?1
             WHERE id = ?2 AND card_generation < 65535 RETURNING card_generation",
            params![revision, member_id],
            |r| r.get(0),
        )
        .optional()?;
    generation.ok_or_else(|| {
        StoreError::NotFound(format!(
            "no member with id {member_id} (or no card generations left)"
        ))
    })
}

/// Sets a center's time zone (an IANA name) inside `tx`; the one before.
pub(crate) fn set_time_zone_in(tx: &Tx<'_>, center_id: u64, time_zone: &str) -> Result<String> {
    let time_zone = time_zone.trim();
    if time_zone.parse::<Tz>().is_err() {
        return Err(StoreError::Invalid(format!(
            "unknown time zone {time_zone:?}; use an IANA name such as Asia/Shanghai"
        )));
    }
    let before: Option<String> = tx
        .query_row(
            "SELECT time_zone FROM centers WHERE id = ?1",
            [center_id],
            |r| r.get(0),
        )
        .optional()?;
    let before =
        before.ok_or_else(|| StoreError::NotFound(format!("no center with id {center_id}")))?;
    tx.execute(
        "UPDATE centers SET time_zone = ?1 WHERE id = ?2",
        params![time_zone, center_id],
    )?;
    Ok(before)
}

/// Adds a center inside `tx`; its id.
/// A center, on a connection or inside a transaction.
pub(crate) fn center_in(conn: &Conn, id: u64) -> Result<Center> {
    conn.query_row(
        "SELECT id, name, time_zone, region_id FROM centers WHERE id = ?1",
        [id],
        center_from_row,
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("no center with id {id}")))
}

pub(crate) fn add_center_in(tx: &Tx<'_>, name: &str, time_zone: &str) -> Result<u64> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::Invalid("a center needs a name".into()));
    }
    if time_zone.parse::<Tz>().is_err() {
        return Err(StoreError::Invalid(format!(
            "unknown time zone {time_zone:?}; use an IANA name such as Asia/Shanghai"
        )));
    }
    Ok(tx.query_row(
        "INSERT INTO centers(name, time_zone, created_at_ms) VALUES (?1, ?2, ?3) RETURNING id",
        params![name, time_zone, now_ms()],
        |r| r.get(0),
    )?)
}

/// A `centers` row selected as `id, name, time_zone, region_id`.
pub(crate) fn center_from_row(r: &Row<'_>) -> db::Result<Center> {
    Ok(Center {
        id: r.get(0)?,
        name: r.get(1)?,
        time_zone: r.get(2)?,
        region_id: r.get(3)?,
    })
}

/// A `devices` row selected as `id, center_id, name, acked_seq, last_seen_ms`.
fn device_from_row(r: &Row<'_>) -> db::Result<Device> {
    Ok(Device {
        id: r.get(0)?,
        center_id: r.get(1)?,
        name: r.get(2)?,
        acked_seq: r.get(3)?,
        last_seen_ms: r.get(4)?,
    })
}

/// Binds a card inside a transaction; bumps the roster revision of the
/// member, and of the previous owner when the card moves.
pub(crate) fn bind_card_in(tx: &Tx<'_>, member_id: u32, card_hash: &str) -> Result<Option<u32>> {
    let previous: Option<u32> = tx
        .query_row(
            "SELECT member_id FROM member_cards WHERE card_hash = ?1",
            [card_hash],
            |r| r.get(0),
        )
        .optional()?;
    tx.execute(
        "INSERT INTO member_cards(card_hash, member_id, bound_at_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT(card_hash) DO UPDATE SET member_id = excluded.member_id,
           bound_at_ms = excluded.bound_at_ms",
        params![card_hash, member_id, now_ms()],
    )?;
    let previous = previous.filter(|p| *p != member_id);
    for id in std::iter::once(member_id).chain(previous) {
        let revision = Store::bump_revision(tx)?;
        tx.execute(
            "UPDATE members SET revision = ?1 WHERE id = ?2",
            params![revision, id],
        )?;
    }
    Ok(previous)
}

/// A kiosk enrolled at `center`, for tests.
#[cfg(test)]
pub(crate) fn test_device(store: &Store, center: u64) -> Device {
    let code = store.create_enroll_code(center, 1).expect("code");
    let (_, token, _) = store.enroll(&code, "k", "0").expect("enroll");
    store.device_by_token(&token).expect("dev").expect("device")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
            .expect("open");
        (dir, s)
    }

    #[test]
    fn reopening_keeps_data_and_runs_no_migration_twice() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = crate::testing::database(dir.path()).expect("test database");
        let s = Store::open_database(&db).expect("open");
        let c = s.add_center("青年之家", "Asia/Shanghai").expect("center");
        drop(s);
        let s = Store::open_database(&db).expect("reopen");
        assert_eq!(s.center(c).expect("center").name, "青年之家");
    }

    #[test]
    fn member_ids_start_at_10000001_and_roster_revisions_grow() {
        let (_dir, s) = store();
        let c = s.add_center("c", "Asia/Shanghai").expect("center");
        let a = s.add_member(c, "林小雨", None).expect("a");
        let b = s.add_member(c, "Sam Taylor", Some("Sam")).expect("b");
        assert_eq!((a, b), (10_000_001, 10_000_002));
        let d = s.roster(c, 0).expect("roster");
        assert_eq!(d.members.len(), 2);
        assert_eq!(d.members[0].display_name, "林同学");
        assert_eq!(d.members[1].display_name, "Sam");
        s.set_member_active(a, false).expect("deactivate");
        let d2 = s.roster(c, d.revision).expect("roster");
        assert_eq!(d2.members.len(), 1);
        assert!(!d2.members[0].active);
        assert!(s.roster(c, d2.revision).expect("roster").members.is_empty());
    }

    #[test]
    fn enrollment_codes_work_once_whatever_their_spelling() {
        let (_dir, s) = store();
        let c = s.add_center("c", "Asia/Shanghai").expect("center");
        let code = s.create_enroll_code(c, 1).expect("code");
        assert_eq!(code.len(), 9);
        let lower = code.to_lowercase().replace('-', "");
        let (id, token, center) = s.enroll(&lower, "k", "0").expect("enroll");
        assert_eq!(center.id, c);
        assert_eq!(
            s.device_by_token(&token).expect("dev").map(|d| d.id),
            Some(id)
        );
        assert!(matches!(
            s.enroll(&code, "k2", "0"),
            Err(StoreError::Invalid(_))
        ));
        assert!(s.device_by_token("wrong").expect("dev").is_none());
    }

    #[test]
    fn a_kiosk_binds_cards_and_logs_numbers_and_shifts_only_for_its_own_centers_members() {
        let (_dir, s) = store();
        let a = s.add_center("城东", "Asia/Shanghai").expect("a");
        let b = s.add_center("城西", "Asia/Shanghai").expect("b");
        let ours = s.add_member(a, "林小雨", None).expect("ours");
        let theirs = s.add_member(b, "陈思远", None).expect("theirs");
        let kiosk = test_device(&s, a);
        let at = now_ms();
        let event = |seq: u64, kind: serde_json::Value| {
            let mut e = serde_json::json!({
                "seq": seq,
                "at_ms": at,
                "clock": {"boot_id": "b", "monotonic_ms": seq, "synchronized": true},
            });
            if let (Some(e), Some(k)) = (e.as_object_mut(), kind.as_object()) {
                e.extend(k.clone());
            }
            e
        };
        let hash = "0123456789abcdef0123456789abcdef";
        let page = [
            event(
                1,
                serde_json::json!({"kind": "card_bound", "member_id": theirs, "card_hash": hash}),
            ),
            event(
                2,
                serde_json::json!({"kind": "member_check_in", "member_id": theirs, "via": "member_number"}),
            ),
            event(
                3,
                serde_json::json!({"kind": "member_check_in", "member_id": theirs, "via": "card"}),
            ),
            event(
                4,
                serde_json::json!({"kind": "volunteer_in", "member_id": theirs, "via": "qr_token", "activity": ""}),
            ),
            // A member of another center showing their signed QR code: welcome.
            event(
                5,
                serde_json::json!({"kind": "member_check_in", "member_id": theirs, "via": "qr_token"}),
            ),
            event(
                6,
                serde_json::json!({"kind": "card_bound", "member_id": ours, "card_hash": hash}),
            ),
        ];
        let r = s
            .ingest(
                &kiosk,
                &protocol::wire::Received::page(page.iter().cloned()),
            )
            .expect("ingest");
        let aside: Vec<u64> = r.rejected.iter().map(|x| x.seq).collect();
        assert_eq!(aside, [1, 2, 3, 4], "{r:?}");
        assert!(
            r.rejected
                .iter()
                .all(|x| x.reason.contains("not a member of this kiosk's center")),
            "{r:?}"
        );
        assert_eq!((r.stored, r.acked_seq), (2, 6));
        // The other center's roster never carries the card; ours does.
        let cards = |c| {
            s.roster(c, 0)
                .expect("roster")
                .members
                .into_iter()
                .map(|m| (m.member_id, m.cards.len()))
                .collect::<Vec<_>>()
        };
        assert_eq!(cards(b), [(theirs, 0)]);
        assert_eq!(cards(a), [(ours, 1)]);
    }

    #[test]
    fn text_from_kiosks_reaches_admins_printable_and_short() {
        let (_dir, s) = store();
        let c = s.add_center("c", "Asia/Shanghai").expect("center");
        let m = s.add_member(c, "林小雨", None).expect("m");
        let code = s.create_enroll_code(c, 1).expect("code");
        let name = format!("门口\u{1b}[2J\u{1b}]0;pwned\u{7}{}", "x".repeat(400_000));
        let (id, token, _) = s
            .enroll(&code, &name, "0.1\u{80}\u{9b}31m")
            .expect("enroll");
        let d = s.device_by_token(&token).expect("dev").expect("device");
        assert!(
            d.name.starts_with("门口 [2J ]0;pwned x"),
            "{}",
            &d.name[..40]
        );
        assert_eq!(d.name.chars().count(), MAX_DEVICE_NAME_CHARS);
        s.note_device_report(
            id,
            &protocol::wire::DeviceReport {
                software_version: "9\u{1b}[31m.9".into(),
                ..Default::default()
            },
        )
        .expect("report");
        let row = &s.fleet(users::Scope::Center(c), now_ms()).expect("fleet")[0];
        assert_eq!(row.software_version, "9 [31m.9");
        let shift = serde_json::json!({
            "seq": 1, "at_ms": now_ms(),
            "clock": {"boot_id": "b", "monotonic_ms": 1, "synchronized": true},
            "kind": "volunteer_in", "member_id": m, "via": "member_number",
            "activity": "读书会\u{1b}[8m\u{85}隐藏",
        });
        s.ingest(&d, &protocol::wire::Received::page([shift]))
            .expect("ingest");
        let activity: String = s
            .read(|c| c.query_row("SELECT activity FROM events", [], |r| r.get(0)))
            .expect("activity");
        assert_eq!(activity, "读书会 [8m 隐藏");
    }

    #[test]
    fn unknown_time_zone_is_refused() {
        let (_dir, s) = store();
        assert!(matches!(
            s.add_center("c", "Mars/Olympus"),
            Err(StoreError::Invalid(_))
        ));
    }
}

#[cfg(test)]
mod card_tests {
    use super::*;

    #[test]
    fn a_card_binds_moves_and_reaches_the_roster_of_both_members() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
            .expect("open");
        let c = s.add_center("c", "Asia/Shanghai").expect("center");
        let a = s.add_member(c, "林小雨", None).expect("a");
        let b = s.add_member(c, "陈思远", None).expect("b");
        let rev = s.roster(c, 0).expect("roster").revision;
        assert_eq!(s.bind_card(a, "h1").expect("bind"), None);
        let d = s.roster(c, rev).expect("roster");
        assert_eq!(d.members.len(), 1);
        assert_eq!(d.members[0].cards, vec!["h1".to_string()]);
        assert_eq!(s.bind_card(b, "h1").expect("move"), Some(a));
        let d2 = s.roster(c, d.revision).expect("roster");
        let cards: Vec<(u32, Vec<String>)> = d2
            .members
            .iter()
            .map(|m| (m.member_id, m.cards.clone()))
            .collect();
        assert!(
            cards.contains(&(a, vec![])) && cards.contains(&(b, vec!["h1".into()])),
            "{cards:?}"
        );
        assert!(s.bind_card(99, "h2").is_err());
    }

    #[test]
    fn each_printed_card_raises_the_generation_kiosks_see() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
            .expect("open");
        let c = s.add_center("c", "Asia/Shanghai").expect("center");
        let a = s.add_member(c, "林小雨", None).expect("a");
        assert_eq!(s.new_card_generation(a).expect("gen"), 1);
        assert_eq!(s.new_card_generation(a).expect("gen"), 2);
        assert_eq!(
            s.roster(c, 0).expect("roster").members[0].card_generation,
            2
        );
    }
}
