//! Kiosks: one-time enrollment codes, the devices they enroll, their
//! credentials (kept as hashes) and their acknowledged marks.

use protocol::text::clean_text;

use super::db::{OptionalExt, Tx, params};
use super::{
    Center, Device, MAX_DEVICE_NAME_CHARS, MAX_VERSION_CHARS, Result, Store, StoreError,
    device_from_row, normalize_code, now_ms, random_bytes, random_code, sha256_hex,
};

/// Creates a one-time enrollment code for a center inside `tx`; only its
/// hash is kept. The code as people read it (`ABCD-EFGH`), and when it
/// expires.
pub(crate) fn create_enroll_code_in(
    tx: &Tx<'_>,
    center_id: u64,
    valid_hours: u32,
) -> Result<(String, i64)> {
    tx.query_row("SELECT id FROM centers WHERE id = ?1", [center_id], |r| {
        r.get::<u64>(0)
    })
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("no center with id {center_id}")))?;
    let code = random_code()?;
    let expires = now_ms() + i64::from(valid_hours) * 3_600_000;
    tx.execute(
        "INSERT INTO enroll_codes(code_hash, center_id, expires_at_ms) VALUES (?1, ?2, ?3)",
        params![sha256_hex(&code), center_id, expires],
    )?;
    Ok((format!("{}-{}", &code[..4], &code[4..]), expires))
}

/// A kiosk's center and name, inside `tx`.
pub(crate) fn device_in(tx: &Tx<'_>, id: u64) -> Result<(u64, String, bool)> {
    tx.query_row(
        "SELECT center_id, name, revoked_at_ms IS NOT NULL FROM devices WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("no kiosk {id}")))
}

/// Renames a kiosk (the name admins see) inside `tx`.
pub(crate) fn rename_device_in(tx: &Tx<'_>, id: u64, name: &str) -> Result<()> {
    // Typed by staff: refused, not cleaned, when it is not a name.
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_DEVICE_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(StoreError::Invalid(format!(
            "a kiosk's name is 1 to {MAX_DEVICE_NAME_CHARS} printable characters"
        )));
    }
    tx.execute(
        "UPDATE devices SET name = ?1 WHERE id = ?2",
        params![name.trim(), id],
    )?;
    Ok(())
}

/// Takes a kiosk out of service inside `tx`; false if it already was.
pub(crate) fn revoke_device_in(tx: &Tx<'_>, id: u64) -> Result<bool> {
    let n = tx.execute(
        "UPDATE devices SET revoked_at_ms = ?2 WHERE id = ?1 AND revoked_at_ms IS NULL",
        params![id, now_ms()],
    )?;
    Ok(n == 1)
}

/// Asks a kiosk to bind the next card tapped to a member, until `until_ms`
/// (a newer request for the kiosk replaces an older one).
pub(crate) fn set_bind_next_in(
    tx: &Tx<'_>,
    device_id: u64,
    member_id: u32,
    by: &str,
    until_ms: i64,
) -> Result<()> {
    tx.execute(
        "INSERT INTO pending_card_binds(device_id, member_id, by_login, until_ms)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(device_id) DO UPDATE SET member_id = excluded.member_id,
            by_login = excluded.by_login, until_ms = excluded.until_ms",
        params![device_id, member_id, by, until_ms],
    )?;
    Ok(())
}

/// A kiosk's card binding request is done (a card came).
pub(crate) fn clear_bind_next_in(tx: &Tx<'_>, device_id: u64) -> Result<()> {
    tx.execute(
        "DELETE FROM pending_card_binds WHERE device_id = ?1",
        [device_id],
    )?;
    Ok(())
}

impl Store {
    /// Creates a one-time enrollment code for a center; only its hash is kept.
    pub fn create_enroll_code(&self, center_id: u64, valid_hours: u32) -> Result<String> {
        self.write(|tx| create_enroll_code_in(tx, center_id, valid_hours).map(|(code, _)| code))
    }

    /// Consumes a code and creates the device, in one transaction. Returns the
    /// device id, its secret token and its center.
    pub fn enroll(&self, code: &str, name: &str, version: &str) -> Result<(u64, String, Center)> {
        // Shown to admins in terminals and pages: printable, and short.
        let (name, version) = (
            clean_text(name, MAX_DEVICE_NAME_CHARS),
            clean_text(version, MAX_VERSION_CHARS),
        );
        let code_hash = sha256_hex(&normalize_code(code));
        let token = data_encoding::BASE64URL_NOPAD.encode(&random_bytes::<32>()?);
        let now = now_ms();
        let center_id = {
            let conn = self.conn();
            let tx = conn.transaction()?;
            let center_id: Option<u64> = tx
                .query_row(
                    "SELECT center_id FROM enroll_codes
                     WHERE code_hash = ?1 AND used_by_device IS NULL AND expires_at_ms > ?2",
                    params![code_hash, now],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(center_id) = center_id else {
                return Err(StoreError::Invalid(
                    "this enrollment code is unknown, already used or expired; ask an admin for a new one".into(),
                ));
            };
            let device_id: u64 = tx.query_row(
                "INSERT INTO devices(center_id, name, software_version, token_hash, enrolled_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                params![center_id, name, version, sha256_hex(&token), now],
                |r| r.get(0),
            )?;
            tx.execute(
                "UPDATE enroll_codes SET used_by_device = ?1 WHERE code_hash = ?2",
                params![device_id, code_hash],
            )?;
            tx.commit()?;
            center_id
        };
        let device_id = self.conn().query_row(
            "SELECT id FROM devices WHERE token_hash = ?1",
            [sha256_hex(&token)],
            |r| r.get(0),
        )?;
        Ok((device_id, token, self.center(center_id)?))
    }

    /// The device a bearer token belongs to, noting that it was seen.
    pub fn device_by_token(&self, token: &str) -> Result<Option<Device>> {
        let conn = self.conn();
        let device = conn
            .query_row(
                "UPDATE devices SET last_seen_ms = ?2 WHERE token_hash = ?1 AND revoked_at_ms IS NULL
                 RETURNING id, center_id, name, acked_seq, last_seen_ms",
                params![sha256_hex(token), now_ms()],
                device_from_row,
            )
            .optional()?;
        Ok(device)
    }

    /// Takes a kiosk out of service: its credential is refused from now on
    /// (a stolen or replaced board); its events stay. False if unknown.
    pub fn revoke_device(&self, id: u64) -> Result<bool> {
        self.write(|tx| revoke_device_in(tx, id))
    }

    pub fn devices(&self) -> Result<Vec<Device>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, center_id, name, acked_seq, last_seen_ms FROM devices ORDER BY id",
        )?;
        let rows = stmt.query_map([], device_from_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The member the next card tapped at a kiosk is to be bound to, while
    /// the request stands.
    pub fn bind_next(&self, device_id: u64, now: i64) -> Result<Option<protocol::wire::BindNext>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT p.member_id, m.display_name, p.until_ms FROM pending_card_binds p
                 JOIN members m ON m.id = p.member_id
                 WHERE p.device_id = ?1 AND p.until_ms > ?2 AND m.active = 1",
                params![device_id, now],
                |r| {
                    Ok(protocol::wire::BindNext {
                        member_id: r.get(0)?,
                        display_name: r.get(1)?,
                        until_ms: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn acked_seq(&self, device_id: u64) -> Result<u64> {
        Ok(self.conn().query_row(
            "SELECT acked_seq FROM devices WHERE id = ?1",
            [device_id],
            |r| r.get(0),
        )?)
    }
}
