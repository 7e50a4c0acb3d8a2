//! 我有话说: what a youth asks of a center from their phone (a suggestion,
//! their rights, their mood, study and work, anything else), the staff
//! member who first opened it (首问负责: responsible for it from then on),
//! and the answer the youth reads on their phone. Who may read a ticket is
//! `admin::tickets`; this is the storage.

use super::db::{OptionalExt, params};
use super::{Result, Store, StoreError, now_ms, sha256_hex};

/// Longest question and answer kept, in characters.
pub const MAX_BODY_CHARS: usize = 1000;
pub const MAX_CONTACT_CHARS: usize = 60;

/// Reviewed within 3 hours, answered within 3 days (the bulletins'
/// promise, seed 004): the defaults a network may change
/// (`hub tickets deadlines`).
pub const REVIEW_WITHIN_MS: i64 = 3 * 3_600_000;
pub const ANSWER_WITHIN_MS: i64 = 3 * 86_400_000;

/// How long a message may wait to be read, and to be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Deadlines {
    pub review_ms: i64,
    pub answer_ms: i64,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            review_ms: REVIEW_WITHIN_MS,
            answer_ms: ANSWER_WITHIN_MS,
        }
    }
}

/// What a youth asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Suggestion,
    Rights,
    Mood,
    StudyWork,
    Other,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Suggestion,
        Kind::Rights,
        Kind::Mood,
        Kind::StudyWork,
        Kind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Suggestion => "suggestion",
            Kind::Rights => "rights",
            Kind::Mood => "mood",
            Kind::StudyWork => "study_work",
            Kind::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Kind> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Suggestion => "意见建议",
            Kind::Rights => "权益维护",
            Kind::Mood => "心理 / 情绪",
            Kind::StudyWork => "学业就业",
            Kind::Other => "其他",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Kind::Suggestion => "Suggestion",
            Kind::Rights => "My rights",
            Kind::Mood => "Feelings and stress",
            Kind::StudyWork => "Study and work",
            Kind::Other => "Something else",
        }
    }

    /// Kinds that may not wait for staff: the 12355 hotline is shown at once.
    pub fn urgent(self) -> bool {
        matches!(self, Kind::Rights | Kind::Mood)
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Ticket {
    pub id: u64,
    pub center_id: u64,
    pub kind: Kind,
    pub body: String,
    pub contact: String,
    pub created_at_ms: i64,
    /// The login of the staff member who first opened it.
    pub responsible: Option<String>,
    pub opened_at_ms: Option<i64>,
    pub reply: Option<String>,
    pub answered_at_ms: Option<i64>,
    /// The center that passed it on, when it was referred here.
    pub referred_from: Option<u64>,
    /// `12355` (the youth hotline) or `center:ID`, when referred on.
    pub referred_to: Option<String>,
    /// What came of the referral, as the staff member followed it up.
    pub referral_outcome: Option<String>,
}

impl Ticket {
    /// Past its deadline at `now`: not opened in time, or not answered
    /// in time.
    pub fn overdue(&self, now: i64, d: &Deadlines) -> bool {
        let opened_late = match self.opened_at_ms {
            Some(at) => at - self.created_at_ms > d.review_ms,
            None => now - self.created_at_ms > d.review_ms,
        };
        let answered_late = match self.answered_at_ms {
            Some(at) => at - self.created_at_ms > d.answer_ms,
            None => now - self.created_at_ms > d.answer_ms,
        };
        (self.answered_at_ms.is_none() && (opened_late || answered_late))
            || (self.answered_at_ms.is_some() && answered_late)
    }
}

const COLUMNS: &str =
    "id, center_id, kind, body, contact, created_at_ms, responsible, opened_at_ms,
     reply, answered_at_ms, referred_from, referred_to, referral_outcome";

fn ticket_from_row(r: &super::db::Row<'_>) -> super::db::Result<Ticket> {
    let kind: String = r.get(2)?;
    Ok(Ticket {
        id: r.get(0)?,
        center_id: r.get(1)?,
        kind: Kind::from_code(&kind).unwrap_or(Kind::Other),
        body: r.get(3)?,
        contact: r.get(4)?,
        created_at_ms: r.get(5)?,
        responsible: r.get(6)?,
        opened_at_ms: r.get(7)?,
        reply: r.get(8)?,
        answered_at_ms: r.get(9)?,
        referred_from: r.get(10)?,
        referred_to: r.get(11)?,
        referral_outcome: r.get(12)?,
    })
}

impl Store {
    /// The network's deadlines for messages.
    pub fn ticket_deadlines(&self) -> Result<Deadlines> {
        let rows: Vec<(String, i64)> = self.read(|conn| {
            conn.query_map(
                "SELECT key, value FROM meta WHERE key IN ('ticket_review_ms', 'ticket_answer_ms')",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })?;
        let mut d = Deadlines::default();
        for (key, value) in rows {
            match key.as_str() {
                "ticket_review_ms" => d.review_ms = value,
                _ => d.answer_ms = value,
            }
        }
        Ok(d)
    }

    /// Sets the network's deadlines (the command line's).
    pub fn set_ticket_deadlines(&self, d: Deadlines) -> Result<()> {
        if !(60_000..=7 * 86_400_000).contains(&d.review_ms)
            || !(d.review_ms..=90 * 86_400_000).contains(&d.answer_ms)
        {
            return Err(StoreError::Invalid(
                "review within 1 minute to 7 days, answer within that to 90 days".into(),
            ));
        }
        self.write(|tx| {
            for (key, value) in [
                ("ticket_review_ms", d.review_ms),
                ("ticket_answer_ms", d.answer_ms),
            ] {
                tx.execute(
                    "INSERT INTO meta(key, value) VALUES (?1, ?2)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    params![key, value],
                )?;
            }
            Ok(())
        })
    }

    /// Keeps what a youth asked; returns its id and the secret of the page
    /// where they read the answer (kept as a hash only).
    pub fn add_ticket(
        &self,
        center_id: u64,
        kind: Kind,
        body: &str,
        contact: &str,
    ) -> Result<(u64, String)> {
        self.center(center_id)?;
        let body = protocol::text::clean_text(body.trim(), MAX_BODY_CHARS);
        if body.trim().is_empty() {
            return Err(StoreError::Invalid(
                "请写下你想说的话 · please write what you want to say".into(),
            ));
        }
        let contact = protocol::text::clean_text(contact.trim(), MAX_CONTACT_CHARS);
        let secret = data_encoding::BASE32_NOPAD
            .encode(&super::random_bytes::<20>()?)
            .to_lowercase();
        let id: u64 = self.write(|tx| {
            Ok(tx.query_row(
                "INSERT INTO tickets(center_id, kind, body, contact, secret_hash, created_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                params![
                    center_id,
                    kind.code(),
                    body,
                    contact,
                    sha256_hex(&secret),
                    now_ms()
                ],
                |r| r.get(0),
            )?)
        })?;
        Ok((id, secret))
    }

    pub fn ticket(&self, id: u64) -> Result<Ticket> {
        self.read(|conn| {
            conn.query_row(
                &format!("SELECT {COLUMNS} FROM tickets WHERE id = ?1"),
                params![id],
                ticket_from_row,
            )
            .optional()
        })?
        .ok_or_else(|| StoreError::NotFound(format!("no ticket {id}")))
    }

    /// The ticket a youth's page names by its secret.
    pub fn ticket_by_secret(&self, secret: &str) -> Result<Option<Ticket>> {
        self.read(|conn| {
            conn.query_row(
                &format!("SELECT {COLUMNS} FROM tickets WHERE secret_hash = ?1"),
                params![sha256_hex(secret.trim())],
                ticket_from_row,
            )
            .optional()
        })
    }

    /// The tickets of `center_ids` (a JSON list), newest first.
    pub fn tickets_of(&self, center_ids: &str, limit: u64) -> Result<Vec<Ticket>> {
        self.read(|conn| {
            conn.query_map(
                &format!(
                    "SELECT {COLUMNS} FROM tickets WHERE center_id IN (SELECT value FROM json_each(?1))
                     ORDER BY created_at_ms DESC, id DESC LIMIT ?2"
                ),
                params![center_ids, limit as i64],
                ticket_from_row,
            )
        })
    }
}

/// Makes `login` responsible for a ticket nobody opened yet (inside the
/// audited transaction); true when they became responsible.
pub(crate) fn take_in(tx: &super::db::Tx<'_>, id: u64, login: &str, now: i64) -> Result<bool> {
    let n = tx.execute(
        "UPDATE tickets SET responsible = ?1, opened_at_ms = ?2 WHERE id = ?3 AND responsible IS NULL",
        params![login, now, id],
    )?;
    Ok(n == 1)
}

pub(crate) fn answer_in(tx: &super::db::Tx<'_>, id: u64, reply: &str, now: i64) -> Result<()> {
    tx.execute(
        "UPDATE tickets SET reply = ?1, answered_at_ms = ?2 WHERE id = ?3",
        params![reply, now, id],
    )?;
    Ok(())
}

/// Where a ticket goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Referral {
    /// The 12355 youth hotline: the ticket stays, its outcome followed up.
    Hotline,
    /// Another center: the ticket moves there, for its first opener.
    Center(u64),
}

/// Refers a ticket on inside the audited transaction, with what was
/// said or done so far.
pub(crate) fn refer_in(
    tx: &super::db::Tx<'_>,
    t: &Ticket,
    to: Referral,
    outcome: &str,
) -> Result<()> {
    match to {
        Referral::Hotline => {
            tx.execute(
                "UPDATE tickets SET referred_to = '12355', referral_outcome = ?1 WHERE id = ?2",
                params![outcome, t.id],
            )?;
        }
        Referral::Center(c) => {
            tx.execute(
                "UPDATE tickets SET center_id = ?1, referred_from = ?2, referred_to = ?3,
                   referral_outcome = ?4, responsible = NULL, opened_at_ms = NULL WHERE id = ?5",
                params![c, t.center_id, format!("center:{c}"), outcome, t.id],
            )?;
        }
    }
    Ok(())
}
