//! The platforms above the hub (the national youth-work systems) pull
//! attendance and activities by center and day, a page at a time, with a
//! credential of their own limited to a part of the network.
//!
//! Pages are ordered by (day, center) for attendance and (day, activity)
//! for activities; the cursor names the last row sent, so a page is the
//! same whether or not rows were added to later days meanwhile, and a
//! client that stops and resumes misses nothing.

use crate::store::db::{OptionalExt, Row, params};

use super::users::Scope;
use super::{Result, Store, StoreError, now_ms, random_bytes, sha256_hex};

/// A client allowed to pull a part of the network's figures.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Integration {
    pub id: u64,
    pub name: String,
    pub scope: Scope,
}

/// A center's counted visits on one local day.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AttendanceRow {
    pub date: String,
    pub center_id: u64,
    pub center: String,
    pub member_visits: u64,
    pub visitors: u64,
    pub total: u64,
}

/// The columns [`attendance_from_row`] reads: a day of `daily_counts d`
/// with its center `c`.
const ATTENDANCE_COLUMNS: &str = "d.local_date, d.center_id, c.name, d.member_visits, d.visitors";

fn attendance_from_row(r: &Row<'_>) -> crate::store::db::Result<AttendanceRow> {
    let (member_visits, visitors): (u64, u64) = (r.get(3)?, r.get(4)?);
    Ok(AttendanceRow {
        date: r.get(0)?,
        center_id: r.get(1)?,
        center: r.get(2)?,
        member_visits,
        visitors,
        total: member_visits + visitors,
    })
}

/// A webhook delivery to make.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: u64,
    pub url: String,
    pub secret: String,
    pub body: String,
    pub attempts: u32,
}

/// Where the next page starts: after this (day, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub date: String,
    pub id: u64,
}

impl Cursor {
    /// `YYYY-MM-DD.ID`, as the API hands it out.
    pub fn parse(text: &str) -> Option<Cursor> {
        let (date, id) = text.split_once('.')?;
        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        Some(Cursor {
            date: date.to_string(),
            id: id.parse().ok()?,
        })
    }

    pub fn text(&self) -> String {
        format!("{}.{}", self.date, self.id)
    }
}

/// A page from up to `limit + 1` rows: the first `limit`, and the cursor
/// of its last row when there was one more.
fn split_page<T>(
    mut rows: Vec<T>,
    limit: usize,
    key: impl Fn(&T) -> Cursor,
) -> (Vec<T>, Option<Cursor>) {
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let next = rows.last().map(key);
    (rows, next)
}

fn scope_ids(store: &Store, scope: Scope) -> Result<String> {
    let ids: Vec<u64> = store.centers_in(scope)?.iter().map(|c| c.id).collect();
    Ok(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
}

impl Store {
    /// A platform that also wants changed days pushed to `url`: returns its
    /// id, its token and the secret its webhooks are signed with (both
    /// shown once).
    pub fn add_integration_with_webhook(
        &self,
        name: &str,
        scope: Scope,
        url: &str,
    ) -> Result<(u64, String, String)> {
        let parsed = url::Url::parse(url)
            .map_err(|e| StoreError::Invalid(format!("the webhook address {url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "https" | "http") {
            return Err(StoreError::Invalid(format!(
                "the webhook address {url:?} must be https (or http on a private network)"
            )));
        }
        let (id, token) = self.add_integration(name, scope)?;
        let secret = format!(
            "whsec_{}",
            data_encoding::BASE64URL_NOPAD.encode(&random_bytes::<32>()?)
        );
        self.conn().execute(
            "UPDATE integrations SET webhook_url = ?1, webhook_secret = ?2 WHERE id = ?3",
            params![url, secret, id],
        )?;
        Ok((id, token, secret))
    }

    /// Turns the days that changed since the last call into deliveries for
    /// every active platform with a webhook (its centers' rows only, 500 to
    /// a delivery), in one transaction; returns how many were queued.
    pub fn queue_webhooks(&self, now: i64) -> Result<usize> {
        // The active platforms with a webhook, and the centers each may see.
        let hooks: Vec<(u64, String, u64)> = {
            let conn = self.conn();
            let mut stmt = conn.prepare(
                "SELECT id, scope_kind, scope_id FROM integrations
                 WHERE revoked_at_ms IS NULL AND webhook_url IS NOT NULL",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        let mut scoped = Vec::new();
        for (id, kind, sid) in hooks {
            if let Some(scope) = Scope::parse(&format!("{kind}:{sid}")) {
                let centers: std::collections::HashSet<u64> =
                    self.centers_in(scope)?.iter().map(|c| c.id).collect();
                scoped.push((id, centers));
            }
        }
        let conn = self.conn();
        let tx = conn.transaction()?;
        let changed: Vec<(u64, String)> = {
            let mut stmt = tx.prepare(
                "SELECT center_id, local_date FROM attendance_changes ORDER BY local_date, center_id",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        let mut queued = 0;
        for (id, centers) in &scoped {
            let mut items = Vec::new();
            for (center, date) in changed.iter().filter(|(c, _)| centers.contains(c)) {
                let row = tx
                    .query_row(
                        &format!(
                            "SELECT {ATTENDANCE_COLUMNS} FROM daily_counts d
                             JOIN centers c ON c.id = d.center_id
                             WHERE d.center_id = ?1 AND d.local_date = ?2"
                        ),
                        params![center, date],
                        attendance_from_row,
                    )
                    .optional()?;
                items.extend(row);
            }
            for chunk in items.chunks(500) {
                let body = serde_json::json!({ "kind": "attendance", "items": chunk }).to_string();
                tx.execute(
                    "INSERT INTO webhook_outbox(integration_id, body, next_at_ms) VALUES (?1, ?2, ?3)",
                    params![id, body, now],
                )?;
                queued += 1;
            }
        }
        // Every mark read above, and only those: the store's one connection
        // writes nothing else while this transaction is open.
        tx.execute("DELETE FROM attendance_changes", [])?;
        tx.commit()?;
        Ok(queued)
    }

    /// Deliveries due now, oldest first.
    pub fn due_webhooks(&self, now: i64, limit: usize) -> Result<Vec<Delivery>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT o.id, i.webhook_url, i.webhook_secret, o.body, o.attempts
             FROM webhook_outbox o JOIN integrations i ON i.id = o.integration_id
             WHERE o.delivered_at_ms IS NULL AND o.next_at_ms <= ?1
               AND i.revoked_at_ms IS NULL AND i.webhook_url IS NOT NULL
             ORDER BY o.next_at_ms, o.id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now, limit as i64], |r| {
            Ok(Delivery {
                id: r.get(0)?,
                url: r.get(1)?,
                secret: r.get(2)?,
                body: r.get(3)?,
                attempts: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Takes a due delivery for this replica until `lease_until`: false when
    /// another replica took it first (or it is no longer due). A replica
    /// that dies while sending lets the lease run out; the next round after
    /// it tries again.
    pub fn claim_webhook(&self, id: u64, now: i64, lease_until: i64) -> Result<bool> {
        let n = self.conn().execute(
            "UPDATE webhook_outbox SET next_at_ms = ?3
             WHERE id = ?1 AND delivered_at_ms IS NULL AND next_at_ms <= ?2",
            params![id, now, lease_until],
        )?;
        Ok(n == 1)
    }

    /// Records a delivery's outcome: accepted, or tried again at `retry_at`.
    pub fn webhook_result(
        &self,
        id: u64,
        now: i64,
        outcome: std::result::Result<(), (String, i64)>,
    ) -> Result<()> {
        let conn = self.conn();
        match outcome {
            Ok(()) => conn.execute(
                "UPDATE webhook_outbox SET delivered_at_ms = ?1, attempts = attempts + 1,
                   last_error = NULL WHERE id = ?2",
                params![now, id],
            )?,
            Err((error, retry_at)) => conn.execute(
                "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = ?1,
                   next_at_ms = ?2 WHERE id = ?3",
                params![error, retry_at, id],
            )?,
        };
        Ok(())
    }

    /// A new client; returns its id and its token (shown once; only its
    /// hash is kept).
    pub fn add_integration(&self, name: &str, scope: Scope) -> Result<(u64, String)> {
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::Invalid("an integration needs a name".into()));
        }
        match scope {
            Scope::Center(id) => {
                self.center(id)?;
            }
            Scope::Region(id) => {
                self.region(id)?;
            }
        }
        let token = format!(
            "yci_{}",
            data_encoding::BASE64URL_NOPAD.encode(&random_bytes::<32>()?)
        );
        let (kind, id) = scope.columns();
        let conn = self.conn();
        let id = conn.query_row(
            "INSERT INTO integrations(name, scope_kind, scope_id, token_hash, created_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            params![name, kind, id, sha256_hex(&token), now_ms()],
            |r| r.get(0),
        )?;
        Ok((id, token))
    }

    /// The client a token belongs to, unless revoked.
    pub fn integration_by_token(&self, token: &str) -> Result<Option<Integration>> {
        let row: Option<(u64, String, String, u64)> = self
            .conn()
            .query_row(
                "SELECT id, name, scope_kind, scope_id FROM integrations
                 WHERE token_hash = ?1 AND revoked_at_ms IS NULL",
                [sha256_hex(token)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        Ok(row.and_then(|(id, name, kind, sid)| {
            Some(Integration {
                id,
                name,
                scope: Scope::parse(&format!("{kind}:{sid}"))?,
            })
        }))
    }

    pub fn integrations(&self) -> Result<Vec<(Integration, bool)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, name, scope_kind, scope_id, revoked_at_ms IS NOT NULL
             FROM integrations ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            let (kind, sid): (String, u64) = (r.get(2)?, r.get(3)?);
            Ok((
                Integration {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    scope: Scope::parse(&format!("{kind}:{sid}")).unwrap_or(Scope::Center(0)),
                },
                r.get(4)?,
            ))
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Stops a client's token; true if it was active.
    pub fn revoke_integration(&self, id: u64) -> Result<bool> {
        Ok(self.conn().execute(
            "UPDATE integrations SET revoked_at_ms = ?1 WHERE id = ?2 AND revoked_at_ms IS NULL",
            params![now_ms(), id],
        )? > 0)
    }

    /// Up to `limit` days of centers in `scope` between `from` and `to`
    /// (local dates, inclusive), after `after`; days without a visit are
    /// left out. The second value is the cursor of the next page, if any.
    pub fn attendance_page(
        &self,
        scope: Scope,
        from: &str,
        to: &str,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<(Vec<AttendanceRow>, Option<Cursor>)> {
        let ids = scope_ids(self, scope)?;
        let (after_date, after_id) = after.map_or((String::new(), 0), |c| (c.date.clone(), c.id));
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {ATTENDANCE_COLUMNS}
             FROM daily_counts d JOIN centers c ON c.id = d.center_id
             WHERE d.center_id IN (SELECT value FROM json_each(?1))
               AND d.local_date BETWEEN ?2 AND ?3
               AND (d.local_date, d.center_id) > (?4, ?5)
               AND d.member_visits + d.visitors > 0
             ORDER BY d.local_date, d.center_id
             LIMIT ?6"
        ))?;
        let rows = stmt.query_map(
            params![ids, from, to, after_date, after_id, limit as i64 + 1],
            attendance_from_row,
        )?;
        let rows = rows.collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(split_page(rows, limit, |r| Cursor {
            date: r.date.clone(),
            id: r.center_id,
        }))
    }

    /// Up to `limit` activities of centers in `scope` between `from` and
    /// `to`, after `after` (by day, then activity id).
    pub fn activities_page(
        &self,
        scope: Scope,
        from: &str,
        to: &str,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<(Vec<super::activities::Activity>, Option<Cursor>)> {
        let ids = scope_ids(self, scope)?;
        let (after_date, after_id) = after.map_or((String::new(), 0), |c| (c.date.clone(), c.id));
        let conn = self.conn();
        // A cancelled activity was not held, and a room's slot is no
        // activity: neither is sent.
        let mut stmt = conn.prepare(&format!(
            "SELECT {}
             FROM activities
             WHERE center_id IN (SELECT value FROM json_each(?1))
               AND local_date BETWEEN ?2 AND ?3
               AND status NOT IN ('cancelled', 'withdrawn') AND room = 0
               AND (local_date, id) > (?4, ?5)
             ORDER BY local_date, id
             LIMIT ?6",
            super::activities::COLUMNS
        ))?;
        let rows = stmt.query_map(
            params![ids, from, to, after_date, after_id, limit as i64 + 1],
            super::activities::activity_from_row,
        )?;
        let rows = rows.collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(split_page(rows, limit, |a| Cursor {
            date: a.local_date.clone(),
            id: a.id,
        }))
    }
}
