//! Who reads and answers what youths ask (我有话说): any staff member of
//! the center may open a ticket nobody opened yet, and so becomes
//! responsible for it (首问负责); after that only they and the admins above
//! the center read it. Every read and every answer is in the audit log.

use super::{Actor, Admin};
use crate::store::audit::Change;
use crate::store::tickets::{self, Ticket};
use crate::store::users::Role;
use crate::store::{Result, StoreError};

impl Admin<'_> {
    /// The tickets of every center the actor sees, newest first.
    pub fn tickets(&self, limit: u64) -> Result<Vec<Ticket>> {
        let ids: Vec<u64> = match self.actor() {
            Actor::CommandLine => self.store.centers()?.iter().map(|c| c.id).collect(),
            Actor::User(u) => self
                .store
                .centers_in(u.scope)?
                .iter()
                .map(|c| c.id)
                .collect(),
        };
        let ids = serde_json::to_string(&ids).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.store.tickets_of(&ids, limit)
    }

    /// Opens a ticket: a staff member of its center who opens one nobody
    /// opened becomes responsible for it; one someone else took is theirs
    /// and the admins' alone (403). Recorded in the audit log.
    pub fn open_ticket(&self, id: u64) -> Result<Ticket> {
        let t = self.store.ticket(id)?;
        self.center(t.center_id)?;
        let login = self.actor().name().to_string();
        let admin = match self.actor() {
            Actor::CommandLine => true,
            Actor::User(u) => u.role == Role::Admin,
        };
        if let Some(r) = &t.responsible
            && *r != login
            && !admin
        {
            return Err(StoreError::Forbidden(format!(
                "这件事由 {r} 负责，只有他们和上级管理员能查看 · {r} is responsible for it: only they and the admins above read it"
            )));
        }
        let now = crate::store::now_ms();
        let took = self.change(|tx| {
            let took = !admin && tickets::take_in(tx, id, &login, now)?;
            Ok((
                took,
                Change {
                    center_id: Some(t.center_id),
                    region_id: None,
                    action: if took { "ticket.take" } else { "ticket.read" },
                    subject: format!("ticket {id}"),
                    before: None,
                    after: None,
                },
            ))
        })?;
        if took { self.store.ticket(id) } else { Ok(t) }
    }

    /// Answers a ticket the actor is responsible for (or, for an admin
    /// above the center, any); the youth reads it on their phone.
    pub fn answer_ticket(&self, id: u64, reply: &str) -> Result<Ticket> {
        let t = self.open_ticket(id)?;
        let reply = protocol::text::clean_text(reply.trim(), tickets::MAX_BODY_CHARS);
        if reply.trim().is_empty() {
            return Err(StoreError::Invalid("请写下答复 · write the answer".into()));
        }
        let now = crate::store::now_ms();
        self.change(|tx| {
            tickets::answer_in(tx, id, &reply, now)?;
            Ok((
                (),
                Change {
                    center_id: Some(t.center_id),
                    region_id: None,
                    action: "ticket.answer",
                    subject: format!("ticket {id}"),
                    before: None,
                    after: None,
                },
            ))
        })?;
        self.store.ticket(id)
    }

    /// Refers a ticket on, by the one responsible for it (or an admin
    /// above): to the 12355 hotline (it stays here, its outcome followed
    /// up with `outcome`), or to another center the actor sees (it moves
    /// there, for that center's first opener). Audited.
    pub fn refer_ticket(&self, id: u64, to: tickets::Referral, outcome: &str) -> Result<Ticket> {
        let t = self.open_ticket(id)?;
        if let tickets::Referral::Center(c) = to {
            self.center(c)?;
            if c == t.center_id {
                return Err(StoreError::Invalid(
                    "转介给另一个中心 · refer it to another center".into(),
                ));
            }
        }
        let outcome = protocol::text::clean_text(outcome.trim(), tickets::MAX_BODY_CHARS);
        self.change(|tx| {
            tickets::refer_in(tx, &t, to, &outcome)?;
            Ok((
                (),
                Change {
                    center_id: Some(t.center_id),
                    region_id: None,
                    action: "ticket.refer",
                    subject: format!("ticket {id}"),
                    before: None,
                    after: Some(serde_json::json!({ "to": match to {
                        tickets::Referral::Hotline => "12355".to_string(),
                        tickets::Referral::Center(c) => format!("center:{c}"),
                    } })),
                },
            ))
        })?;
        self.store.ticket(id)
    }
}
