//! One small SQL interface over the two databases the hub runs on: SQLite
//! (one file, the default) and PostgreSQL (`--database-url postgres://…`,
//! shared by several hub replicas).
//!
//! The store writes its SQL once, in the subset both understand: `?1`-style
//! placeholders (rewritten to `$1` for PostgreSQL), `ON CONFLICT … DO
//! NOTHING` rather than `INSERT OR IGNORE`, `RETURNING id` rather than
//! `last_insert_rowid()`, integers for flags. Statements are prepared once
//! per connection and cached.
//!
//! Writes happen in [`Tx`]s. On SQLite a write transaction is `BEGIN
//! IMMEDIATE`: one writer at a time. On PostgreSQL several connections (and
//! replicas) write at once, so a transaction first takes advisory locks that
//! give the same guarantee where it matters: [`Conn::transaction`] excludes
//! every other writer (rare changes: members, users, enrollment), and
//! [`Conn::center_transaction`] excludes only other writers of the same
//! center (an upload), so centers ingest side by side.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Deref;

use postgres::types::{IsNull, Type};

/// A database's error, its cause written into the message (and not also
/// given as a source, which printed it two and three times over).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{0}")]
    Sqlite(rusqlite::Error),
    #[error("{}", pg_message(.0))]
    Postgres(postgres::Error),
    #[error("the query returned no rows")]
    NoRows,
    #[error("column {column}: {message}")]
    Column { column: usize, message: String },
    #[error("{0}")]
    Schema(String),
    #[error("not an open PostgreSQL connection")]
    NotPostgres,
    #[error("parameter {index}: {message}")]
    Param { index: usize, message: String },
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        DbError::Sqlite(e)
    }
}

impl From<postgres::Error> for DbError {
    fn from(e: postgres::Error) -> DbError {
        DbError::Postgres(e)
    }
}

/// PostgreSQL's own message (with its detail) rather than "db error".
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({})", db.message(), detail),
            None => db.message().to_string(),
        },
        // Its own words name only the kind ("error connecting to server");
        // the cause follows.
        None => {
            let mut message = e.to_string();
            let mut cause = std::error::Error::source(e);
            while let Some(c) = cause {
                message.push_str(&format!(": {c}"));
                cause = c.source();
            }
            message
        }
    }
}

impl DbError {
    /// A unique or primary key constraint refused the row.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
                f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            DbError::Postgres(e) => e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, DbError>;

/// `Ok(None)` for a query that found nothing.
pub trait OptionalExt<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExt<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(DbError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

mod dialect;
mod value;

use dialect::*;
pub(crate) use value::params;
pub use value::*;

/// One row of an answer.
pub struct Row<'a>(RowInner<'a>);

enum RowInner<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a postgres::Row),
    Owned(&'a [Owned]),
}

/// A value read out and kept (see [`Stmt::query`]).
#[derive(Debug, Clone)]
enum Owned {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Owned {
    fn of(v: Value<'_>) -> Owned {
        match v {
            Value::Null => Owned::Null,
            Value::Int(i) => Owned::Int(i),
            Value::Real(f) => Owned::Real(f),
            Value::Text(t) => Owned::Text(t.to_string()),
            Value::Blob(b) => Owned::Blob(b.to_vec()),
        }
    }

    fn value(&self) -> Value<'_> {
        match self {
            Owned::Null => Value::Null,
            Owned::Int(i) => Value::Int(*i),
            Owned::Real(f) => Value::Real(*f),
            Owned::Text(t) => Value::Text(t),
            Owned::Blob(b) => Value::Blob(b),
        }
    }
}

/// The rows of an answer, read one at a time: `while let Some(r) = rows.next()? {…}`.
pub struct Rows {
    rows: std::vec::IntoIter<Vec<Owned>>,
    current: Vec<Owned>,
}

impl Rows {
    #[allow(clippy::should_implement_trait)] // lends each row: not an Iterator
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        match self.rows.next() {
            Some(r) => {
                self.current = r;
                Ok(Some(Row(RowInner::Owned(&self.current))))
            }
            None => Ok(None),
        }
    }
}

impl Row<'_> {
    /// How many columns the row has.
    pub fn columns(&self) -> usize {
        match &self.0 {
            RowInner::Sqlite(r) => r.as_ref().column_count(),
            RowInner::Postgres(r) => r.len(),
            RowInner::Owned(r) => r.len(),
        }
    }

    /// Column `i` as it is (see [`Row::get`] for a typed one).
    pub fn value(&self, i: usize) -> Result<Value<'_>> {
        let column = |message| DbError::Column { column: i, message };
        Ok(match &self.0 {
            RowInner::Sqlite(r) => match r.get_ref(i)? {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(i) => Value::Int(i),
                rusqlite::types::ValueRef::Real(f) => Value::Real(f),
                rusqlite::types::ValueRef::Text(t) => {
                    Value::Text(std::str::from_utf8(t).map_err(|e| column(e.to_string()))?)
                }
                rusqlite::types::ValueRef::Blob(b) => Value::Blob(b),
            },
            RowInner::Postgres(r) => r.try_get::<_, PgValue<'_>>(i)?.0,
            RowInner::Owned(r) => r
                .get(i)
                .ok_or_else(|| column("no such column".into()))?
                .value(),
        })
    }

    /// Column `i` (from 0) as a `T`.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        T::from_value(self.value(i)?).map_err(|message| DbError::Column { column: i, message })
    }
}

/// A connection to either database.
pub struct Conn(ConnInner);

enum ConnInner {
    Sqlite(rusqlite::Connection),
    Postgres {
        /// Where to connect again when the server closed the connection.
        url: String,
        /// `None` only while being dropped. Boxed: a client is large.
        client: RefCell<Option<Box<postgres::Client>>>,
        statements: RefCell<HashMap<String, postgres::Statement>>,
    },
}

/// Runs `f`, on a thread of its own when called from async code: the
/// PostgreSQL client blocks on a small runtime of its own, which tokio
/// refuses inside another one. (The server calls the store from its store
/// threads, never async ones; tests and the command line may not.)
fn off_async<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let ConnInner::Postgres { client, .. } = &mut self.0
            && let Some(client) = client.get_mut().take()
        {
            off_async(move || drop(client));
        }
    }
}

/// Advisory lock classes (PostgreSQL only; the first key of the pair).
const LOCK_WRITE: i32 = 0x7963_0001;
const LOCK_CENTER: i32 = 0x7963_0002;
/// Held while the schema is brought up to date (two replicas starting at once).
pub(crate) const LOCK_MIGRATE: i32 = 0x7963_0003;
/// Held while a content version is signed and written.
pub(crate) const LOCK_PUBLISH: i32 = 0x7963_0004;
/// Held from reading a center's published content to publishing its next
/// version (an activity added in between is never lost).
pub(crate) const LOCK_CHANGE: i32 = 0x7963_0005;

impl Conn {
    pub fn open_sqlite(path: &std::path::Path) -> Result<Conn> {
        let conn = rusqlite::Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.set_prepared_statement_cache_capacity(128);
        Ok(Conn(ConnInner::Sqlite(conn)))
    }

    /// Connects to PostgreSQL (`postgres://user:password@host:port/database`).
    pub fn connect_postgres(url: &str) -> Result<Conn> {
        let client = off_async(|| postgres::Client::connect(url, postgres::NoTls))?;
        Ok(Conn(ConnInner::Postgres {
            url: url.to_string(),
            client: RefCell::new(Some(Box::new(client))),
            statements: RefCell::new(HashMap::new()),
        }))
    }

    pub fn backend(&self) -> Backend {
        match self.0 {
            ConnInner::Sqlite(_) => Backend::Sqlite,
            ConnInner::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Statements separated by `;`, no parameters, no answer.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.0 {
            ConnInner::Sqlite(c) => Ok(c.execute_batch(sql)?),
            ConnInner::Postgres { .. } => self.pg(|c| Ok(c.batch_execute(sql)?)),
        }
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        let values = params.values()?;
        match &self.0 {
            ConnInner::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                Ok(stmt.execute(rusqlite::params_from_iter(values.iter().map(SqliteValue)))?)
            }
            ConnInner::Postgres { .. } => {
                let stmt = self.pg_statement(sql)?;
                let args = pg_args(&values);
                let n = self.pg(|c| Ok(c.execute(&stmt, &pg_refs(&args))?))?;
                Ok(usize::try_from(n).unwrap_or(usize::MAX))
            }
        }
    }

    /// Every row of the answer, each through `f`.
    pub fn query_map<T, P: Params>(
        &self,
        sql: &str,
        params: P,
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.each_row(sql, params, |r| {
            out.push(f(r)?);
            Ok(true)
        })?;
        Ok(out)
    }

    /// The first row of the answer through `f`; [`DbError::NoRows`] if none.
    pub fn query_row<T, P: Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        let (mut f, mut first) = (Some(f), None);
        self.each_row(sql, params, |r| {
            if let Some(f) = f.take() {
                first = Some(f(r)?);
            }
            Ok(false)
        })?;
        first.ok_or(DbError::NoRows)
    }

    /// Runs a query and hands its rows to `f` in order until it answers false.
    fn each_row<P: Params>(
        &self,
        sql: &str,
        params: P,
        mut f: impl FnMut(&Row<'_>) -> Result<bool>,
    ) -> Result<()> {
        let values = params.values()?;
        match &self.0 {
            ConnInner::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let mut rows =
                    stmt.query(rusqlite::params_from_iter(values.iter().map(SqliteValue)))?;
                while let Some(r) = rows.next()? {
                    if !f(&Row(RowInner::Sqlite(r)))? {
                        break;
                    }
                }
            }
            ConnInner::Postgres { .. } => {
                let stmt = self.pg_statement(sql)?;
                let args = pg_args(&values);
                let rows = self.pg(|c| Ok(c.query(&stmt, &pg_refs(&args))?))?;
                for r in &rows {
                    if !f(&Row(RowInner::Postgres(r)))? {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// A server restarted, or a connection cut by the network: the call
    /// that met it failed; the next one connects again (and prepares its
    /// statements again).
    fn reconnect_if_closed(&self) -> Result<()> {
        let ConnInner::Postgres {
            url,
            client,
            statements,
        } = &self.0
        else {
            return Err(DbError::NotPostgres);
        };
        let mut guard = client.borrow_mut();
        if guard.as_ref().is_some_and(|c| c.is_closed()) {
            tracing::warn!("the database connection was closed; connecting again");
            let fresh = off_async(|| postgres::Client::connect(url, postgres::NoTls))?;
            *guard = Some(Box::new(fresh));
            statements.borrow_mut().clear();
        }
        Ok(())
    }

    /// Runs `f` with the PostgreSQL client (see [`off_async`]).
    fn pg<T: Send>(&self, f: impl FnOnce(&mut postgres::Client) -> Result<T> + Send) -> Result<T> {
        self.reconnect_if_closed()?;
        let ConnInner::Postgres { client, .. } = &self.0 else {
            return Err(DbError::NotPostgres);
        };
        let mut guard = client.borrow_mut();
        let client = guard.as_mut().ok_or(DbError::NotPostgres)?;
        off_async(move || f(client))
    }

    /// A statement to run several times (prepared once per connection
    /// either way: every statement is cached).
    pub fn prepare(&self, sql: &str) -> Result<Stmt<'_>> {
        Ok(Stmt {
            conn: self,
            sql: sql.to_string(),
        })
    }

    fn pg_statement(&self, sql: &str) -> Result<postgres::Statement> {
        self.reconnect_if_closed()?;
        let ConnInner::Postgres { statements, .. } = &self.0 else {
            return Err(DbError::NotPostgres);
        };
        if let Some(s) = statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let translated = to_postgres(sql);
        let stmt = self.pg(|c| Ok(c.prepare(&translated)?))?;
        statements
            .borrow_mut()
            .insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }

    /// A write transaction that no other writer runs beside.
    pub fn transaction(&self) -> Result<Tx<'_>> {
        self.begin(&[("pg_advisory_xact_lock", LOCK_WRITE, 0)])
    }

    /// A write transaction that only changes what belongs to one center (its
    /// devices' uploads): on PostgreSQL, writers of other centers go on beside it.
    pub fn center_transaction(&self, center_id: u64) -> Result<Tx<'_>> {
        // The key is the center's id folded into 31 bits: two centers that
        // share one only wait for each other.
        let key = (center_id & 0x7fff_ffff) as i32;
        self.begin(&[
            ("pg_advisory_xact_lock_shared", LOCK_WRITE, 0),
            ("pg_advisory_xact_lock", LOCK_CENTER, key),
        ])
    }

    /// A transaction holding one advisory lock of its own (PostgreSQL), or
    /// the write lock (SQLite): see [`LOCK_MIGRATE`], [`LOCK_PUBLISH`].
    pub(crate) fn locked_transaction(&self, class: i32) -> Result<Tx<'_>> {
        self.begin(&[("pg_advisory_xact_lock", class, 0)])
    }

    fn begin(&self, locks: &[(&str, i32, i32)]) -> Result<Tx<'_>> {
        match &self.0 {
            ConnInner::Sqlite(c) => c.execute_batch("BEGIN IMMEDIATE")?,
            // The transaction and its locks in one round trip (an upload's
            // transaction is a dozen statements; these were three of them).
            // The keys are numbers of this program, never input.
            ConnInner::Postgres { .. } => self.pg(|client| {
                let mut sql = String::from("BEGIN;");
                for (function, class, key) in locks {
                    sql.push_str(&format!(" SELECT {function}({class}::int4, {key}::int4);"));
                }
                if let Err(e) = client.batch_execute(&sql) {
                    let _ = client.batch_execute("ROLLBACK");
                    return Err(e.into());
                }
                Ok(())
            })?,
        }
        Ok(Tx {
            conn: self,
            open: true,
        })
    }
}

/// A statement of a connection (see [`Conn::prepare`]).
pub struct Stmt<'c> {
    conn: &'c Conn,
    sql: String,
}

impl Stmt<'_> {
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        self.conn.execute(&self.sql, params)
    }

    /// Each row through `f`, as an iterator of results to collect.
    pub fn query_map<T, P: Params>(
        &mut self,
        params: P,
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let rows = self.conn.query_map(&self.sql, params, |r| Ok(f(r)))?;
        Ok(rows.into_iter())
    }

    /// Every row, read into memory, to walk with [`Rows::next`].
    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows> {
        let rows = self.conn.query_map(&self.sql, params, |r| {
            (0..r.columns())
                .map(|i| r.value(i).map(Owned::of))
                .collect()
        })?;
        Ok(Rows {
            rows: rows.into_iter(),
            current: Vec::new(),
        })
    }

    pub fn query_row<T, P: Params>(
        &mut self,
        params: P,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.conn.query_row(&self.sql, params, f)
    }
}

/// A transaction: rolled back when dropped without [`Tx::commit`].
pub struct Tx<'a> {
    conn: &'a Conn,
    open: bool,
}

impl Tx<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.open = false;
        self.conn.execute_batch("COMMIT")
    }
}

impl Deref for Tx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open
            && let Err(e) = self.conn.execute_batch("ROLLBACK")
        {
            tracing::warn!("rolling back: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_for_postgres() {
        assert_eq!(
            to_postgres("SELECT '?1', \"a?\" FROM t WHERE a = ?1 AND b = ?12"),
            "SELECT '?1', \"a?\" FROM t WHERE a = $1 AND b = $12"
        );
        assert_eq!(
            to_postgres("SELECT sum(value) FROM json_each(?2) WHERE value > ?1"),
            "SELECT sum(value) FROM (SELECT value::bigint AS value FROM \
             json_array_elements_text($2::text::json)) AS json_each WHERE value > $1"
        );
        assert_eq!(
            to_postgres("SELECT n FROM t WHERE c IN (SELECT value FROM json_each(?3)) AND b = ?1"),
            "SELECT n FROM t WHERE c = ANY(ARRAY(SELECT value::bigint FROM \
             json_array_elements_text($3::text::json))) AND b = $1"
        );
        assert_eq!(
            to_postgres("SELECT a FROM events INDEXED BY events_x WHERE b = ?1"),
            "SELECT a FROM events WHERE b = $1"
        );
    }

    #[test]
    fn numerics_decode() {
        // 12345678 = digits 1234, 5678 with weight 1.
        let raw = [0, 2, 0, 1, 0, 0, 0, 0, 0x04, 0xD2, 0x16, 0x2E];
        assert_eq!(numeric(&raw).ok(), Some(Value::Int(12_345_678)));
        // 20000 = one digit 2 with weight 1 (the trailing 0000 is not sent).
        let raw = [0, 1, 0, 1, 0, 0, 0, 0, 0, 2];
        assert_eq!(numeric(&raw).ok(), Some(Value::Int(20_000)));
        // -7
        let raw = [0, 1, 0, 0, 0x40, 0, 0, 0, 0, 7];
        assert_eq!(numeric(&raw).ok(), Some(Value::Int(-7)));
        // 0: no digits.
        let raw = [0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(numeric(&raw).ok(), Some(Value::Int(0)));
        // 1.5 = 1, 5000 with weight 0.
        let raw = [0, 2, 0, 0, 0, 0, 0, 1, 0, 1, 0x13, 0x88];
        assert_eq!(numeric(&raw).ok(), Some(Value::Real(1.5)));
    }

    #[test]
    fn sqlite_round_trip_and_transactions() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| DbError::Param {
            index: 0,
            message: e.to_string(),
        })?;
        let c = Conn::open_sqlite(&dir.path().join("t.sqlite3"))?;
        c.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)")?;
        let id: i64 = c.query_row(
            "INSERT INTO t(name, n) VALUES (?1, ?2) RETURNING id",
            params!["a", 7u32],
            |r| r.get(0),
        )?;
        {
            let tx = c.transaction()?;
            tx.execute("UPDATE t SET n = n + 1 WHERE id = ?1", [id])?;
            // dropped: rolled back
        }
        let n: u32 = c.query_row("SELECT n FROM t WHERE id = ?1", [id], |r| r.get(0))?;
        assert_eq!(n, 7);
        let tx = c.transaction()?;
        tx.execute("UPDATE t SET n = n + 1 WHERE id = ?1", [id])?;
        tx.commit()?;
        let rows = c.query_map("SELECT name, n FROM t", [], |r| {
            Ok((r.get::<String>(0)?, r.get::<Option<u8>>(1)?))
        })?;
        assert_eq!(rows, vec![("a".to_string(), Some(8))]);
        let none = c
            .query_row("SELECT n FROM t WHERE id = 99", [], |r| r.get::<i64>(0))
            .optional()?;
        assert_eq!(none, None);
        let e = c.execute("INSERT INTO t(id) VALUES (?1)", [id]);
        assert!(matches!(e, Err(ref e) if e.is_unique_violation()), "{e:?}");
        let e = c.execute("SELECT ?1", [u64::MAX]);
        assert!(matches!(e, Err(DbError::Param { index: 1, .. })), "{e:?}");
        Ok(())
    }
}
