//! The network's regions (city → county → town) and the people who log in
//! to the dashboard, with what each may see.
//!
//! A user's scope is one center or one region; a region scope covers every
//! center in that region and in the regions below it, and nothing else.

use crate::store::db::{self, Row};
use crate::store::db::{OptionalExt, params};

use super::{Center, Result, Store, StoreError, center_from_row, now_ms, random_bytes, sha256_hex};

/// A dashboard session ends this long after it was opened.
pub const USER_SESSION_MS: i64 = 8 * 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
    Town,
}

impl Level {
    pub fn code(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Town => "town",
        }
    }

    pub fn from_code(code: &str) -> Option<Level> {
        [Level::Province, Level::City, Level::County, Level::Town]
            .into_iter()
            .find(|l| l.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Region {
    pub id: u64,
    pub name: String,
    pub level: Level,
    pub parent_id: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A center's staff: sees their center.
    Staff,
    /// An admin at some level: sees every center below.
    Admin,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        [Role::Staff, Role::Admin]
            .into_iter()
            .find(|r| r.code() == code)
    }
}

/// What a user may see: one center, or a region and everything below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Scope {
    Center(u64),
    Region(u64),
}

impl Scope {
    /// `center:ID` or `region:ID`, as the command line takes it.
    pub fn parse(text: &str) -> Option<Scope> {
        let (kind, id) = text.split_once(':')?;
        let id = id.trim().parse().ok()?;
        match kind.trim() {
            "center" => Some(Scope::Center(id)),
            "region" => Some(Scope::Region(id)),
            _ => None,
        }
    }

    pub(crate) fn columns(self) -> (&'static str, u64) {
        match self {
            Scope::Center(id) => ("center", id),
            Scope::Region(id) => ("region", id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct User {
    pub id: u64,
    pub login: String,
    pub role: Role,
    pub scope: Scope,
}

/// A dashboard session: who, and the token its forms must carry (CSRF).
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub user: User,
    pub csrf: String,
}

/// The outcome of a password check.
#[derive(Debug, Clone, PartialEq)]
pub enum LoginCheck {
    /// No such login, or a disabled one (answered alike).
    Unknown,
    /// The caller verifies the password against `hash`, off the store's lock.
    Check { user: User, hash: String },
}

fn user_from_row(r: &Row<'_>) -> db::Result<User> {
    let role: String = r.get(2)?;
    let kind: String = r.get(3)?;
    let id: u64 = r.get(4)?;
    Ok(User {
        id: r.get(0)?,
        login: r.get(1)?,
        role: Role::from_code(&role).unwrap_or(Role::Staff),
        scope: if kind == "region" {
            Scope::Region(id)
        } else {
            Scope::Center(id)
        },
    })
}

/// The regions a region scope covers: itself and every region below it.
pub(crate) const SUBTREE: &str = "WITH RECURSIVE sub(id) AS (
        SELECT id FROM regions WHERE id = ?1
        UNION SELECT r.id FROM regions r JOIN sub ON r.parent_id = sub.id)";

impl Store {
    pub fn add_region(&self, name: &str, level: Level, parent: Option<u64>) -> Result<u64> {
        self.write(|tx| add_region_in(tx, name, level, parent))
    }

    pub fn region(&self, id: u64) -> Result<Region> {
        self.conn()
            .query_row(
                "SELECT id, name, level, parent_id FROM regions WHERE id = ?1",
                [id],
                region_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no region with id {id}")))
    }

    pub fn regions(&self) -> Result<Vec<Region>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT id, name, level, parent_id FROM regions ORDER BY id")?;
        let rows = stmt.query_map([], region_from_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The regions a center belongs to, nearest first (its town, county,
    /// city…); empty for a center placed in none.
    pub fn region_chain(&self, center_id: u64) -> Result<Vec<u64>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "WITH RECURSIVE up(id, depth) AS (
                 SELECT region_id, 0 FROM centers WHERE id = ?1 AND region_id IS NOT NULL
                 UNION ALL
                 SELECT r.parent_id, up.depth + 1 FROM regions r JOIN up ON r.id = up.id
                 WHERE r.parent_id IS NOT NULL AND up.depth < 16)
             SELECT id FROM up ORDER BY depth",
        )?;
        let rows = stmt.query_map([center_id], |r| r.get(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Whether a scope covers a region: the region itself or one above it.
    pub fn region_in(&self, scope: Scope, region_id: u64) -> Result<bool> {
        let Scope::Region(top) = scope else {
            return Ok(false);
        };
        let n: i64 = self.conn().query_row(
            &format!("{SUBTREE} SELECT count(*) FROM sub WHERE id = ?2"),
            params![top, region_id],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// Places a center in a region (or takes it out with `None`).
    pub fn set_center_region(&self, center_id: u64, region: Option<u64>) -> Result<()> {
        self.write(|tx| set_center_region_in(tx, center_id, region).map(|_| ()))
    }

    /// The centers a scope covers, by id.
    pub fn centers_in(&self, scope: Scope) -> Result<Vec<Center>> {
        let conn = self.conn();
        match scope {
            Scope::Center(id) => {
                let mut stmt = conn
                    .prepare("SELECT id, name, time_zone, region_id FROM centers WHERE id = ?1")?;
                let rows = stmt.query_map([id], center_from_row)?;
                Ok(rows.collect::<std::result::Result<_, _>>()?)
            }
            Scope::Region(id) => {
                let mut stmt = conn.prepare(&format!(
                    "{SUBTREE} SELECT id, name, time_zone, region_id FROM centers
                     WHERE region_id IN (SELECT id FROM sub) ORDER BY id"
                ))?;
                let rows = stmt.query_map([id], center_from_row)?;
                Ok(rows.collect::<std::result::Result<_, _>>()?)
            }
        }
    }

    /// Whether a scope covers a center.
    pub fn scope_covers(&self, scope: Scope, center_id: u64) -> Result<bool> {
        match scope {
            Scope::Center(id) => Ok(id == center_id),
            Scope::Region(id) => Ok(self.conn().query_row(
                &format!(
                    "{SUBTREE} SELECT EXISTS(SELECT 1 FROM centers
                     WHERE id = ?2 AND region_id IN (SELECT id FROM sub))"
                ),
                params![id, center_id],
                |r| r.get(0),
            )?),
        }
    }

    /// Adds a dashboard user; the password is hashed here (Argon2id).
    pub fn add_user(&self, login: &str, password: &str, role: Role, scope: Scope) -> Result<u64> {
        let hash = password_hash(password)?;
        self.write(|tx| add_user_in(tx, login, &hash, role, scope))
    }

    pub fn users(&self) -> Result<Vec<User>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT id, login, role, scope_kind, scope_id FROM users ORDER BY id")?;
        let rows = stmt.query_map([], user_from_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// What a login attempt needs: the user and their hash. A disabled
    /// user is answered as an unknown login.
    pub fn user_login(&self, login: &str) -> Result<LoginCheck> {
        let row = self
            .conn()
            .query_row(
                "SELECT id, login, role, scope_kind, scope_id, password_hash
                 FROM users WHERE login = ?1 AND disabled_at_ms IS NULL",
                [login.trim()],
                |r| Ok((user_from_row(r)?, r.get::<String>(5)?)),
            )
            .optional()?;
        Ok(match row {
            None => LoginCheck::Unknown,
            Some((user, hash)) => LoginCheck::Check { user, hash },
        })
    }

    /// Takes a dashboard user's access away: their login is answered as an
    /// unknown one and their sessions end at once. What they did stays.
    pub fn disable_user(&self, login: &str) -> Result<User> {
        self.write(|tx| disable_user_in(tx, login))
    }

    /// Sets a dashboard user's new password (refused if weak) and ends their
    /// sessions at once; a disabled user is enabled again.
    pub fn set_user_password(&self, login: &str, password: &str) -> Result<User> {
        let hash = password_hash(password)?;
        self.write(|tx| set_password_in(tx, login, &hash))
    }

    /// A user by login, disabled or not.
    pub fn user(&self, login: &str) -> Result<(User, bool)> {
        user_in(&self.conn(), login)
    }

    /// Whether each user is disabled, by id.
    pub fn disabled_users(&self) -> Result<std::collections::BTreeSet<u64>> {
        Ok(self
            .conn()
            .query_map(
                "SELECT id FROM users WHERE disabled_at_ms IS NOT NULL",
                [],
                |r| r.get(0),
            )?
            .into_iter()
            .collect())
    }

    /// Opens a session; returns the cookie's secret (stored hashed).
    pub fn create_user_session(&self, user_id: u64, now: i64) -> Result<String> {
        let token = data_encoding::BASE64URL_NOPAD.encode(&random_bytes::<32>()?);
        let csrf = data_encoding::BASE64URL_NOPAD.encode(&random_bytes::<24>()?);
        let conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("UPDATE users SET failures = 0 WHERE id = ?1", [user_id])?;
        tx.execute("DELETE FROM user_sessions WHERE expires_at_ms <= ?1", [now])?;
        tx.execute(
            "INSERT INTO user_sessions(session_hash, user_id, csrf, expires_at_ms)
             VALUES (?1, ?2, ?3, ?4)",
            params![sha256_hex(&token), user_id, csrf, now + USER_SESSION_MS],
        )?;
        tx.commit()?;
        Ok(token)
    }

    pub fn user_session(&self, token: &str, now: i64) -> Result<Option<Session>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT u.id, u.login, u.role, u.scope_kind, u.scope_id, s.csrf
                 FROM user_sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.session_hash = ?1 AND s.expires_at_ms > ?2
                   AND u.disabled_at_ms IS NULL",
                params![sha256_hex(token), now],
                |r| {
                    Ok(Session {
                        user: user_from_row(r)?,
                        csrf: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn end_user_session(&self, token: &str) -> Result<()> {
        self.conn().execute(
            "DELETE FROM user_sessions WHERE session_hash = ?1",
            [sha256_hex(token)],
        )?;
        Ok(())
    }
}

/// A password checked (not weak) and hashed (Argon2id): before the
/// transaction, so no lock is held while it is hashed.
pub(crate) fn password_hash(password: &str) -> Result<String> {
    if let Some(why) = crate::passwords::weak(password) {
        return Err(StoreError::Invalid(why.into()));
    }
    crate::passwords::hash(password).map_err(|e| StoreError::Invalid(format!("{e:#}")))
}

pub(crate) fn region_in_tx(conn: &db::Conn, id: u64) -> Result<Region> {
    conn.query_row(
        "SELECT id, name, level, parent_id FROM regions WHERE id = ?1",
        [id],
        region_from_row,
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("no region with id {id}")))
}

fn check_region_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
        return Err(StoreError::Invalid(
            "a region's name is 1 to 60 characters".into(),
        ));
    }
    Ok(name)
}

pub(crate) fn add_region_in(
    tx: &db::Tx<'_>,
    name: &str,
    level: Level,
    parent: Option<u64>,
) -> Result<u64> {
    let name = check_region_name(name)?;
    if let Some(p) = parent {
        region_in_tx(tx, p)?;
    }
    Ok(tx.query_row(
        "INSERT INTO regions(name, level, parent_id, created_at_ms) VALUES (?1, ?2, ?3, ?4) RETURNING id",
        params![name, level.code(), parent, now_ms()],
        |r| r.get(0),
    )?)
}

/// Renames a region; the region as it was.
pub(crate) fn rename_region_in(tx: &db::Tx<'_>, id: u64, name: &str) -> Result<Region> {
    let before = region_in_tx(tx, id)?;
    let name = check_region_name(name)?;
    tx.execute(
        "UPDATE regions SET name = ?1 WHERE id = ?2",
        params![name, id],
    )?;
    Ok(before)
}

/// Places a center in a region (or none); the region it was in.
pub(crate) fn set_center_region_in(
    tx: &db::Tx<'_>,
    center_id: u64,
    region: Option<u64>,
) -> Result<Option<u64>> {
    let before: Option<Option<u64>> = tx
        .query_row(
            "SELECT region_id FROM centers WHERE id = ?1",
            [center_id],
            |r| r.get(0),
        )
        .optional()?;
    let before =
        before.ok_or_else(|| StoreError::NotFound(format!("no center with id {center_id}")))?;
    if let Some(r) = region {
        region_in_tx(tx, r)?;
    }
    // Its visits leave the regions' roll-ups above it and join the new ones.
    super::rollup::shift_center(tx, center_id, -1)?;
    tx.execute(
        "UPDATE centers SET region_id = ?1 WHERE id = ?2",
        params![region, center_id],
    )?;
    super::rollup::shift_center(tx, center_id, 1)?;
    Ok(before)
}

pub(crate) fn add_user_in(
    tx: &db::Tx<'_>,
    login: &str,
    hash: &str,
    role: Role,
    scope: Scope,
) -> Result<u64> {
    let login = login.trim();
    if login.is_empty()
        || login.chars().count() > 40
        || login.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(StoreError::Invalid(
            "a login is one word without spaces (at most 40 characters)".into(),
        ));
    }
    match scope {
        Scope::Center(id) => {
            tx.query_row("SELECT id FROM centers WHERE id = ?1", [id], |r| {
                r.get::<u64>(0)
            })
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no center with id {id}")))?;
        }
        Scope::Region(id) => {
            region_in_tx(tx, id)?;
        }
    }
    let (kind, id) = scope.columns();
    tx.query_row(
        "INSERT INTO users(login, password_hash, role, scope_kind, scope_id, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(login) DO NOTHING RETURNING id",
        params![login, hash, role.code(), kind, id, now_ms()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| StoreError::Conflict(format!("the login {login:?} is taken")))
}

/// A user by login, and whether they are disabled.
pub(crate) fn user_in(conn: &db::Conn, login: &str) -> Result<(User, bool)> {
    conn.query_row(
        "SELECT id, login, role, scope_kind, scope_id, disabled_at_ms IS NOT NULL FROM users WHERE login = ?1",
        [login.trim()],
        |r| Ok((user_from_row(r)?, r.get(5)?)),
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("no user {:?}", login.trim())))
}

/// Takes a user's access away: their login is answered as an unknown one
/// and their sessions end at once. What they did stays.
pub(crate) fn disable_user_in(tx: &db::Tx<'_>, login: &str) -> Result<User> {
    let user = tx
        .query_row(
            "UPDATE users SET disabled_at_ms = coalesce(disabled_at_ms, ?1) WHERE login = ?2
             RETURNING id, login, role, scope_kind, scope_id",
            params![now_ms(), login.trim()],
            user_from_row,
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no user {:?}", login.trim())))?;
    tx.execute("DELETE FROM user_sessions WHERE user_id = ?1", [user.id])?;
    Ok(user)
}

/// Sets a user's password hash, enables them again and ends their sessions.
pub(crate) fn set_password_in(tx: &db::Tx<'_>, login: &str, hash: &str) -> Result<User> {
    let user = tx
        .query_row(
            "UPDATE users SET password_hash = ?1, disabled_at_ms = NULL, failures = 0
             WHERE login = ?2 RETURNING id, login, role, scope_kind, scope_id",
            params![hash, login.trim()],
            user_from_row,
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no user {:?}", login.trim())))?;
    tx.execute("DELETE FROM user_sessions WHERE user_id = ?1", [user.id])?;
    Ok(user)
}

fn region_from_row(r: &Row<'_>) -> db::Result<Region> {
    let level: String = r.get(2)?;
    Ok(Region {
        id: r.get(0)?,
        name: r.get(1)?,
        level: Level::from_code(&level).unwrap_or(Level::Town),
        parent_id: r.get(3)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_483_800_000;

    struct Net {
        _dir: tempfile::TempDir,
        s: Store,
        city: u64,
        county_a: u64,
        town_a1: u64,
        county_b: u64,
        c_a1: u64,
        c_a: u64,
        c_b: u64,
    }

    fn net() -> Net {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
            .expect("open");
        let city = s.add_region("杭州市", Level::City, None).expect("city");
        let county_a = s
            .add_region("上城区", Level::County, Some(city))
            .expect("a");
        let town_a1 = s
            .add_region("湖滨街道", Level::Town, Some(county_a))
            .expect("a1");
        let county_b = s
            .add_region("西湖区", Level::County, Some(city))
            .expect("b");
        let center = |name: &str, region| {
            let c = s.add_center(name, "Asia/Shanghai").expect("center");
            s.set_center_region(c, Some(region)).expect("place");
            c
        };
        let (c_a1, c_a, c_b) = (
            center("湖滨青年之家", town_a1),
            center("上城区青年中心", county_a),
            center("西湖区青年中心", county_b),
        );
        Net {
            _dir: dir,
            s,
            city,
            county_a,
            town_a1,
            county_b,
            c_a1,
            c_a,
            c_b,
        }
    }

    fn ids(cs: Vec<Center>) -> Vec<u64> {
        cs.into_iter().map(|c| c.id).collect()
    }

    #[test]
    fn a_center_knows_its_levels_and_a_scope_covers_only_regions_below_it() {
        let n = net();
        let s = &n.s;
        assert_eq!(
            s.region_chain(n.c_a1).expect("chain"),
            vec![n.town_a1, n.county_a, n.city]
        );
        assert_eq!(
            s.region_chain(n.c_b).expect("chain"),
            vec![n.county_b, n.city]
        );
        let alone = s
            .add_center("独立青年之家", "Asia/Shanghai")
            .expect("center");
        assert_eq!(s.region_chain(alone).expect("chain"), Vec::<u64>::new());
        // The city's admins may publish for its counties and towns; a town's
        // may not publish for the city, nor a county for its neighbour.
        let yes = |scope, r| s.region_in(scope, r).expect("in");
        assert!(yes(Scope::Region(n.city), n.town_a1));
        assert!(yes(Scope::Region(n.city), n.city));
        assert!(!yes(Scope::Region(n.town_a1), n.city));
        assert!(!yes(Scope::Region(n.county_a), n.county_b));
        assert!(!yes(Scope::Center(n.c_a1), n.town_a1));
    }

    #[test]
    fn a_region_scope_covers_its_subtree_and_nothing_beside_it() {
        let n = net();
        let s = &n.s;
        assert_eq!(
            ids(s.centers_in(Scope::Region(n.city)).expect("city")),
            vec![n.c_a1, n.c_a, n.c_b]
        );
        assert_eq!(
            ids(s.centers_in(Scope::Region(n.county_a)).expect("a")),
            vec![n.c_a1, n.c_a]
        );
        assert_eq!(
            ids(s.centers_in(Scope::Region(n.town_a1)).expect("a1")),
            vec![n.c_a1]
        );
        assert_eq!(
            ids(s.centers_in(Scope::Center(n.c_b)).expect("b")),
            vec![n.c_b]
        );
        assert!(
            s.scope_covers(Scope::Region(n.county_a), n.c_a1)
                .expect("cover")
        );
        assert!(
            !s.scope_covers(Scope::Region(n.county_a), n.c_b)
                .expect("cover")
        );
        assert!(
            !s.scope_covers(Scope::Region(n.county_b), n.c_a)
                .expect("cover")
        );
        assert!(!s.scope_covers(Scope::Center(n.c_a), n.c_a1).expect("cover"));
        assert!(s.add_region("x", Level::Town, Some(999)).is_err());
    }

    #[test]
    fn users_log_in_with_a_hashed_password_lock_after_five_wrong_and_sessions_end() {
        let n = net();
        let s = &n.s;
        assert!(matches!(
            s.add_user(
                "staff a",
                "long enough pw",
                Role::Staff,
                Scope::Center(n.c_a)
            ),
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.add_user("staffa", "short", Role::Staff, Scope::Center(n.c_a)),
            Err(StoreError::Invalid(_))
        ));
        assert!(
            s.add_user("ghost", "long enough pw", Role::Admin, Scope::Region(999))
                .is_err()
        );
        let id = s
            .add_user(
                "staffa",
                "long enough pw",
                Role::Staff,
                Scope::Center(n.c_a),
            )
            .expect("user");
        assert!(matches!(
            s.add_user(
                "staffa",
                "another long pw",
                Role::Staff,
                Scope::Center(n.c_a)
            ),
            Err(StoreError::Conflict(_))
        ));
        let LoginCheck::Check { user, hash } = s.user_login("staffa").expect("login") else {
            panic!("expected a user to check");
        };
        assert_eq!((user.id, user.scope), (id, Scope::Center(n.c_a)));
        assert!(crate::passwords::verify(&hash, "long enough pw"));
        assert_eq!(s.user_login("nobody").expect("login"), LoginCheck::Unknown);
        for weak in ["", "          ", "aaaaaaaaaaaa", "pwpwpwpwpwpw", "short"] {
            assert!(
                matches!(
                    s.add_user("weak", weak, Role::Staff, Scope::Center(n.c_a)),
                    Err(StoreError::Invalid(_))
                ),
                "{weak:?}"
            );
        }
        let later = NOW + 60_000;
        let token = s.create_user_session(id, later).expect("session");
        let session = s
            .user_session(&token, later + 1)
            .expect("get")
            .expect("some");
        assert_eq!(session.user.login, "staffa");
        assert!(session.csrf.len() >= 32);
        assert!(
            s.user_session(&token, later + USER_SESSION_MS + 1)
                .expect("get")
                .is_none()
        );
        s.end_user_session(&token).expect("logout");
        assert!(s.user_session(&token, later + 1).expect("get").is_none());

        // A new password ends every session at once; so does disabling.
        let t1 = s.create_user_session(id, later).expect("session");
        let t2 = s.create_user_session(id, later).expect("session");
        assert!(matches!(
            s.set_user_password("staffa", "abcabcabcabc"),
            Err(StoreError::Invalid(_))
        ));
        s.set_user_password("staffa", "a new long password")
            .expect("passwd");
        for t in [&t1, &t2] {
            assert!(s.user_session(t, later + 1).expect("get").is_none());
        }
        let t3 = s.create_user_session(id, later).expect("session");
        assert_eq!(s.disable_user("staffa").expect("disable").id, id);
        assert!(s.user_session(&t3, later + 1).expect("get").is_none());
        assert_eq!(s.user_login("staffa").expect("login"), LoginCheck::Unknown);
        assert_eq!(
            s.disabled_users()
                .expect("disabled")
                .into_iter()
                .collect::<Vec<_>>(),
            [id]
        );
        assert!(matches!(
            s.disable_user("nobody"),
            Err(StoreError::NotFound(_))
        ));
        // A new password lets them in again.
        s.set_user_password("staffa", "yet another password")
            .expect("passwd");
        assert!(matches!(
            s.user_login("staffa").expect("login"),
            LoginCheck::Check { .. }
        ));
        assert_eq!(Scope::parse("region:7"), Some(Scope::Region(7)));
        assert_eq!(Scope::parse("center: 3"), Some(Scope::Center(3)));
        assert_eq!(Scope::parse("town:3"), None);
    }
}
