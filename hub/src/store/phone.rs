//! Members' phones: the personal link to a member's renewing QR code, the
//! login secret (kept as an Argon2id hash) and the phone sessions it opens.

use super::db::{OptionalExt, Tx, params};
use super::{
    MEMBER_SESSION_MS, Member, Result, Store, StoreError, now_ms, random_bytes, random_code,
    sha256_hex,
};

impl Store {
    /// Creates a personal link secret for a member's phone page; only its
    /// hash is kept. Earlier links of the member stop working.
    pub fn create_member_link(&self, member_id: u32) -> Result<String> {
        let m = self.member(member_id)?;
        if !m.active {
            return Err(StoreError::Invalid(format!(
                "member {member_id} is revoked"
            )));
        }
        self.write(|tx| create_link_in(tx, member_id))
    }

    /// The member a phone-page link belongs to, if the link is current.
    pub fn member_for_link(&self, secret: &str) -> Result<Option<Member>> {
        let id: Option<u32> = self
            .conn()
            .query_row(
                "SELECT member_id FROM member_links WHERE link_hash = ?1 AND revoked = 0",
                [sha256_hex(secret)],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => Ok(Some(self.member(id)?)),
            None => Ok(None),
        }
    }

    /// Gives a member a new phone-login secret (`XXXX-XXXX`, returned once;
    /// only its Argon2 hash is kept). Their earlier secret and every phone
    /// logged in with it stop working.
    pub fn new_member_secret(&self, member_id: u32) -> Result<String> {
        let m = self.member(member_id)?;
        if !m.active {
            return Err(StoreError::Invalid(format!(
                "member {member_id} is revoked"
            )));
        }
        let (shown, phc) = new_secret()?;
        self.write(|tx| set_secret_in(tx, member_id, &phc))?;
        Ok(shown)
    }

    /// What a phone login needs to know of a member: the member and their
    /// secret's hash (none before a secret was issued).
    pub fn member_login(&self, member_id: u32) -> Result<Option<(Member, Option<String>)>> {
        let row: Option<Option<String>> = self
            .conn()
            .query_row(
                "SELECT login_hash FROM members WHERE id = ?1",
                [member_id],
                |r| r.get(0),
            )
            .optional()?;
        match row {
            Some(hash) => Ok(Some((self.member(member_id)?, hash))),
            None => Ok(None),
        }
    }

    /// Opens a phone session for a member who gave the right secret;
    /// returns the cookie's secret (only its hash is kept).
    pub fn create_member_session(&self, member_id: u32, now: i64) -> Result<String> {
        self.write(|tx| create_session_in(tx, member_id, now))
    }

    /// The member a phone session belongs to, while it lasts.
    pub fn member_for_session(&self, token: &str, now: i64) -> Result<Option<Member>> {
        let id: Option<u32> = self
            .conn()
            .query_row(
                "SELECT member_id FROM member_sessions WHERE session_hash = ?1 AND expires_at_ms > ?2",
                params![sha256_hex(token), now],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => Ok(Some(self.member(id)?)),
            None => Ok(None),
        }
    }

    pub fn end_member_session(&self, token: &str) -> Result<()> {
        self.conn().execute(
            "DELETE FROM member_sessions WHERE session_hash = ?1",
            [sha256_hex(token)],
        )?;
        Ok(())
    }
}

/// Opens a phone session for a member inside `tx`; returns the cookie's
/// secret (only its hash is kept).
pub(crate) fn create_session_in(tx: &Tx<'_>, member_id: u32, now: i64) -> Result<String> {
    let token = data_encoding::BASE64URL_NOPAD.encode(&random_bytes::<32>()?);
    tx.execute(
        "UPDATE members SET login_failures = 0 WHERE id = ?1",
        [member_id],
    )?;
    tx.execute(
        "DELETE FROM member_sessions WHERE expires_at_ms <= ?1",
        [now],
    )?;
    tx.execute(
        "INSERT INTO member_sessions(session_hash, member_id, expires_at_ms) VALUES (?1, ?2, ?3)",
        params![sha256_hex(&token), member_id, now + MEMBER_SESSION_MS],
    )?;
    Ok(token)
}

/// A new phone-page link for a member inside `tx` (earlier links stop
/// working); its secret, returned once (only its hash is kept).
pub(crate) fn create_link_in(tx: &Tx<'_>, member_id: u32) -> Result<String> {
    let secret = data_encoding::BASE32_NOPAD
        .encode(&random_bytes::<20>()?)
        .to_ascii_lowercase();
    tx.execute(
        "UPDATE member_links SET revoked = 1 WHERE member_id = ?1",
        [member_id],
    )?;
    tx.execute(
        "INSERT INTO member_links(link_hash, member_id, created_at_ms) VALUES (?1, ?2, ?3)",
        params![sha256_hex(&secret), member_id, now_ms()],
    )?;
    Ok(secret)
}

/// A new login secret: as shown (`XXXX-XXXX`) and its Argon2 hash, made
/// before any transaction (hashing takes a while).
pub(crate) fn new_secret() -> Result<(String, String)> {
    let code = random_code()?;
    let phc = crate::passwords::hash(&code).map_err(|e| StoreError::Invalid(format!("{e:#}")))?;
    Ok((format!("{}-{}", &code[..4], &code[4..]), phc))
}

/// Sets a member's login secret (its hash) inside `tx`; every phone logged
/// in with the earlier one is logged out.
pub(crate) fn set_secret_in(tx: &Tx<'_>, member_id: u32, phc: &str) -> Result<()> {
    tx.execute(
        "UPDATE members SET login_hash = ?1, login_failures = 0, login_locked_until_ms = 0
         WHERE id = ?2",
        params![phc, member_id],
    )?;
    tx.execute(
        "DELETE FROM member_sessions WHERE member_id = ?1",
        [member_id],
    )?;
    Ok(())
}

#[cfg(test)]
mod login_tests {
    use super::*;
    use crate::store::normalize_code;

    const NOW: i64 = 1_795_483_800_000;

    #[test]
    fn a_member_secret_is_kept_as_a_salted_hash_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
            .expect("open");
        let c = s.add_center("c", "Asia/Shanghai").expect("center");
        let a = s.add_member(c, "林小雨", None).expect("a");
        assert_eq!(s.member_login(a).expect("login").expect("member").1, None);
        let secret = s.new_member_secret(a).expect("secret");
        assert_eq!(secret.len(), 9, "{secret}");
        let (_, hash) = s.member_login(a).expect("login").expect("member");
        let hash = hash.expect("hash");
        assert!(!hash.contains(&normalize_code(&secret)));
        assert!(crate::passwords::verify(&hash, &normalize_code(&secret)));
        assert!(s.member_login(99).expect("login").is_none());
    }

    #[test]
    fn a_session_lasts_thirty_days_and_ends_with_a_new_secret_or_a_logout() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
            .expect("open");
        let c = s.add_center("c", "Asia/Shanghai").expect("center");
        let a = s.add_member(c, "林小雨", None).expect("a");
        s.new_member_secret(a).expect("secret");
        let t1 = s.create_member_session(a, NOW).expect("session");
        let day = 86_400_000;
        assert_eq!(
            s.member_for_session(&t1, NOW + 29 * day)
                .expect("get")
                .map(|m| m.id),
            Some(a)
        );
        assert!(
            s.member_for_session(&t1, NOW + 30 * day + 1)
                .expect("get")
                .is_none()
        );
        assert!(s.member_for_session("forged", NOW).expect("get").is_none());
        let t2 = s.create_member_session(a, NOW).expect("session");
        s.end_member_session(&t2).expect("logout");
        assert!(s.member_for_session(&t2, NOW).expect("get").is_none());
        let t3 = s.create_member_session(a, NOW).expect("session");
        s.new_member_secret(a).expect("new secret");
        assert!(s.member_for_session(&t3, NOW).expect("get").is_none());
        s.set_member_active(a, false).expect("revoke");
        assert!(matches!(
            s.new_member_secret(a),
            Err(StoreError::Invalid(_))
        ));
    }
}
