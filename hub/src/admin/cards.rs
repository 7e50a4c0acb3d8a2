//! What a member takes away: a printed card (a signed QR code; a new one
//! replaces the old), the link and secret their phone logs in with, and a
//! card bound by its number; and the roster exported for the center's own
//! files. Every secret is shown once; the log records that one was made.

use ed25519_dalek::SigningKey;

use super::Admin;
use crate::store::audit::Change;
use crate::store::{Center, Member, Result, StoreError, now_ms};

/// How long a kiosk waits for the card to bind after staff asked: ten minutes.
pub const BIND_NEXT_MS: i64 = 10 * 60_000;

/// Days a printed card stays valid unless asked otherwise: three years.
pub const CARD_DAYS: u32 = 3 * 365;

/// A member's new phone link and login secret.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneLogin {
    pub member: Member,
    /// The secret of the link `/m/{link}`: opening it shows the member's
    /// renewing QR code.
    pub link: Option<String>,
    /// The secret typed with the member number at `/m/login`.
    pub secret: Option<String>,
}

/// Which of a member's phone credentials to make anew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phone {
    Link,
    Secret,
    Both,
}

impl Admin<'_> {
    /// Card QR codes for members of a center (all its active members, or
    /// the ones named), each a new card generation: older printed cards
    /// are refused once kiosks sync.
    pub fn print_cards(
        &self,
        center_id: u64,
        only: Option<u32>,
        key: &SigningKey,
        valid_days: u32,
    ) -> Result<(Center, Vec<(Member, String)>)> {
        let center = self.center(center_id)?;
        if !(1..=10 * 365).contains(&valid_days) {
            return Err(StoreError::Invalid(
                "a card is valid for 1 day to 10 years".into(),
            ));
        }
        let members: Vec<Member> = match only {
            Some(id) => {
                let m = self.member(id)?;
                if m.center_id != center_id {
                    return Err(StoreError::NotFound(format!(
                        "no member {id} at this center"
                    )));
                }
                if !m.active {
                    return Err(StoreError::Invalid(format!(
                        "member {id} is revoked; no card is issued"
                    )));
                }
                vec![m]
            }
            None => self
                .store
                .members(center_id)?
                .into_iter()
                .filter(|m| m.active)
                .collect(),
        };
        let expires_at = u32::try_from(now_ms() / 1000 + i64::from(valid_days) * 86_400)
            .map_err(|_| StoreError::Invalid("that expiry is out of range".into()))?;
        self.change(|tx| {
            let mut cards = Vec::with_capacity(members.len());
            for m in members {
                let generation = crate::store::new_card_generation_in(tx, m.id)?;
                let token = protocol::token::Claims {
                    key_id: crate::keys::CURRENT_KEY_ID,
                    member_id: m.id,
                    expires_at,
                }
                .sign_card(key, generation);
                cards.push((m, token));
            }
            let ids: Vec<u32> = cards.iter().map(|(m, _)| m.id).collect();
            let change = Change {
                center_id: Some(center_id),
                region_id: None,
                action: "member.cards",
                subject: match only {
                    Some(id) => format!("member {id}"),
                    None => format!("{} members", ids.len()),
                },
                before: None,
                after: Some(serde_json::json!({ "members": ids, "valid_days": valid_days })),
            };
            Ok(((center.clone(), cards), change))
        })
    }

    /// A member's new phone link, login secret or both (earlier ones stop
    /// working, and phones logged in with the secret are logged out).
    pub fn phone_login(&self, member_id: u32, what: Phone) -> Result<PhoneLogin> {
        let member = self.member(member_id)?;
        if !member.active {
            return Err(StoreError::Invalid(format!(
                "member {member_id} is revoked"
            )));
        }
        // Hashed before the transaction: no lock is held while it is.
        let secret = match what {
            Phone::Link => None,
            Phone::Secret | Phone::Both => Some(crate::store::phone::new_secret()?),
        };
        self.change(|tx| {
            let link = match what {
                Phone::Secret => None,
                Phone::Link | Phone::Both => {
                    Some(crate::store::phone::create_link_in(tx, member_id)?)
                }
            };
            if let Some((_, phc)) = &secret {
                crate::store::phone::set_secret_in(tx, member_id, phc)?;
            }
            Ok((
                PhoneLogin {
                    member: member.clone(),
                    link,
                    secret: secret.as_ref().map(|(shown, _)| shown.clone()),
                },
                Change {
                    center_id: Some(member.center_id),
                    region_id: None,
                    action: match what {
                        Phone::Link => "member.phone_link",
                        Phone::Secret => "member.phone_secret",
                        Phone::Both => "member.phone_login",
                    },
                    subject: format!("member {member_id}"),
                    before: None,
                    after: None,
                },
            ))
        })
    }

    /// Asks a kiosk of the member's center to bind the next card tapped on
    /// it to the member, for ten minutes; when it expires.
    pub fn bind_next_tap(&self, member_id: u32, device_id: u64) -> Result<i64> {
        let member = self.member(member_id)?;
        if !member.active {
            return Err(StoreError::Invalid(format!(
                "member {member_id} is revoked"
            )));
        }
        let fleet = self.store.fleet(
            crate::store::users::Scope::Center(member.center_id),
            now_ms(),
        )?;
        let Some(kiosk) = fleet
            .iter()
            .find(|k| k.device_id == device_id && !k.revoked)
        else {
            return Err(StoreError::Invalid(
                "choose a kiosk of the member's center that is in service".into(),
            ));
        };
        let until = now_ms() + BIND_NEXT_MS;
        let by = self.actor.name().to_string();
        let kiosk_name = kiosk.name.clone();
        self.change(|tx| {
            crate::store::devices::set_bind_next_in(tx, device_id, member_id, &by, until)?;
            Ok((
                until,
                Change {
                    center_id: Some(member.center_id),
                    region_id: None,
                    action: "member.card_next_tap",
                    subject: format!("member {member_id}"),
                    before: None,
                    after: Some(serde_json::json!({ "kiosk": device_id, "kiosk_name": kiosk_name, "until_ms": until })),
                },
            ))
        })
    }

    /// Binds a card typed by its number (the UID a reader shows, in hex)
    /// to a member; a card bound to someone else moves.
    pub fn bind_card_number(
        &self,
        member_id: u32,
        uid_hex: &str,
        card_key: &[u8; 32],
    ) -> Result<Option<u32>> {
        let member = self.member(member_id)?;
        let uid = protocol::card::parse_uid_hex(uid_hex.trim()).ok_or_else(|| {
            StoreError::Invalid(
                "a card number is 4 to 16 bytes in hex, e.g. 04A1B2C3 (as a reader shows it)"
                    .into(),
            )
        })?;
        let hash = protocol::card::card_hash(card_key, &uid);
        self.change(|tx| {
            let previous = crate::store::bind_card_in(tx, member_id, &hash)?;
            Ok((
                previous,
                Change {
                    center_id: Some(member.center_id),
                    region_id: None,
                    action: "member.card_bind",
                    subject: format!("member {member_id}"),
                    before: previous.map(|p| serde_json::json!({ "card_was_members": p })),
                    after: Some(
                        serde_json::json!({ "card": format!("…{}", &hash[hash.len() - 6..]) }),
                    ),
                },
            ))
        })
    }
}
