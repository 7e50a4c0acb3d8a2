//! The roster the hub sends (members, their cards) and the staff cards
//! registered on this kiosk.

use rusqlite::{OptionalExtension, params};

use super::*;

impl Store {
    pub fn roster_revision(&self) -> Result<u64> {
        self.setting_u64(SETTING_ROSTER_REV)
    }

    /// Applies a roster delta and its revision in one transaction.
    pub fn apply_roster(&mut self, delta: &RosterDelta) -> Result<()> {
        let tx = self.conn.transaction()?;
        for m in &delta.members {
            tx.execute(
                "INSERT INTO roster(member_id, display_name, active, card_generation, volunteer)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(member_id) DO UPDATE SET display_name = excluded.display_name,
                   active = excluded.active, card_generation = excluded.card_generation,
                   volunteer = excluded.volunteer",
                params![
                    m.member_id,
                    m.display_name,
                    m.active,
                    m.card_generation,
                    m.volunteer
                ],
            )?;
            // The entry carries the member's whole set of cards.
            tx.execute("DELETE FROM cards WHERE member_id = ?1", [m.member_id])?;
            for card in &m.cards {
                // A card moved from another member belongs to this one now.
                tx.execute(
                    "INSERT INTO cards(card_hash, member_id) VALUES (?1, ?2)
                     ON CONFLICT(card_hash) DO UPDATE SET member_id = excluded.member_id",
                    params![card, m.member_id],
                )?;
            }
        }
        tx.execute(
            "INSERT INTO settings(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![SETTING_ROSTER_REV, delta.revision.to_string()],
        )?;
        tx.commit().map_err(StoreError::from_sqlite)
    }

    pub fn roster_member(&self, member_id: u32) -> Result<Option<RosterMember>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT display_name, active, card_generation, volunteer FROM roster WHERE member_id = ?1",
        )?;
        Ok(stmt
            .query_row([member_id], |r| {
                Ok(RosterMember {
                    member_id,
                    display_name: r.get(0)?,
                    active: r.get(1)?,
                    card_generation: r.get(2)?,
                    volunteer: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// The member a card (by its keyed hash) is bound to.
    pub fn card_member(&self, card_hash: &str) -> Result<Option<u32>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT member_id FROM cards WHERE card_hash = ?1")?;
        Ok(stmt.query_row([card_hash], |r| r.get(0)).optional()?)
    }

    pub fn roster_len(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM roster WHERE active", [], |r| r.get(0))?)
    }

    /// Registers a card (by its keyed hash) that opens the staff screen.
    pub fn add_staff_card(&self, card_hash: &str, label: &str, now_ms: i64) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO staff_cards(card_hash, label, added_at_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT(card_hash) DO UPDATE SET label = excluded.label",
                params![card_hash, label, now_ms],
            )
            .map_err(StoreError::from_sqlite)?;
        Ok(())
    }

    /// Whether a card was removed.
    pub fn remove_staff_card(&self, card_hash: &str) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM staff_cards WHERE card_hash = ?1", [card_hash])?
            == 1)
    }

    /// The label of a staff card, if the card is one.
    pub fn staff_card(&self, card_hash: &str) -> Result<Option<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT label FROM staff_cards WHERE card_hash = ?1")?;
        Ok(stmt.query_row([card_hash], |r| r.get(0)).optional()?)
    }

    pub fn staff_cards(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT label FROM staff_cards ORDER BY added_at_ms")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}
