//! The outbox and its sync state: the next page to send, the hub's mark,
//! old delivered events pruned, and what `kiosk status` says of the sync.

use super::*;

impl Store {
    /// The next events to upload after `after`: at most `max_rows`, and no
    /// more than `max_bytes` of JSON (always at least one event).
    pub fn pending_page(
        &self,
        after: u64,
        max_rows: usize,
        max_bytes: usize,
    ) -> Result<Vec<Event>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at_ms, kind, member_id, via, age_band, purpose, boot_id, monotonic_ms,
                    clock_synchronized, card_hash, activity, voided_seq, reason, actor, for_seq
             FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let mut rows = stmt.query(params![after, max_rows])?;
        let mut page = Vec::new();
        let mut bytes = 0usize;
        while let Some(r) = rows.next()? {
            let seq: u64 = r.get(0)?;
            let kind: String = r.get(2)?;
            let via = || -> Result<CredentialKind> {
                CredentialKind::from_code(&r.get::<_, String>(4)?)
                    .ok_or_else(|| StoreError::Corrupt(format!("event {seq}: via")))
            };
            let kind = match Kind::from_code(&kind) {
                Some(Kind::MemberCheckIn) => EventKind::MemberCheckIn {
                    member_id: r.get(3)?,
                    via: via()?,
                    activity: r.get(11)?,
                },
                Some(Kind::VolunteerIn) => EventKind::VolunteerIn {
                    member_id: r.get(3)?,
                    via: via()?,
                    // Rows kept before texts were capped are capped here.
                    activity: clean_text(
                        &r.get::<_, Option<String>>(11)?.unwrap_or_default(),
                        MAX_ACTIVITY_CHARS,
                    ),
                    category: r
                        .get::<_, Option<String>>(6)?
                        .and_then(|c| ServiceCategory::from_code(&c)),
                },
                Some(Kind::VolunteerOut) => EventKind::VolunteerOut {
                    member_id: r.get(3)?,
                    via: via()?,
                },
                Some(Kind::CheckInVoided) => EventKind::CheckInVoided {
                    voided_seq: r
                        .get::<_, Option<u64>>(12)?
                        .ok_or_else(|| StoreError::Corrupt(format!("event {seq}: voided seq")))?,
                    reason: r
                        .get::<_, Option<String>>(13)?
                        .and_then(|c| VoidReason::from_code(&c))
                        .ok_or_else(|| StoreError::Corrupt(format!("event {seq}: reason")))?,
                    by: clean_text(
                        &r.get::<_, Option<String>>(14)?.unwrap_or_default(),
                        MAX_ACTOR_CHARS,
                    ),
                },
                Some(Kind::MemberCheckOut) => EventKind::MemberCheckOut {
                    member_id: r.get(3)?,
                    via: via()?,
                },
                Some(Kind::Rated) => EventKind::Rated {
                    for_seq: r
                        .get::<_, Option<u64>>(15)?
                        .ok_or_else(|| StoreError::Corrupt(format!("event {seq}: for seq")))?,
                    satisfaction: r
                        .get::<_, Option<String>>(13)?
                        .and_then(|c| Satisfaction::from_code(&c))
                        .ok_or_else(|| StoreError::Corrupt(format!("event {seq}: rating")))?,
                },
                Some(Kind::ActivityChosen) => EventKind::ActivityChosen {
                    for_seq: r
                        .get::<_, Option<u64>>(15)?
                        .ok_or_else(|| StoreError::Corrupt(format!("event {seq}: for seq")))?,
                    activity: r.get::<_, Option<String>>(11)?.unwrap_or_default(),
                },
                Some(Kind::Visitor) => EventKind::Visitor {
                    age_band: AgeBand::from_code(&r.get::<_, String>(5)?)
                        .ok_or_else(|| StoreError::Corrupt(format!("event {seq}: age band")))?,
                    purpose: ServiceCategory::from_code(&r.get::<_, String>(6)?)
                        .ok_or_else(|| StoreError::Corrupt(format!("event {seq}: purpose")))?,
                },
                Some(Kind::CardBound) => EventKind::CardBound {
                    member_id: r.get(3)?,
                    card_hash: r
                        .get::<_, Option<String>>(10)?
                        .ok_or_else(|| StoreError::Corrupt(format!("event {seq}: card hash")))?,
                },
                None => return Err(StoreError::Corrupt(format!("event {seq}: kind {kind}"))),
            };
            let event = Event {
                seq,
                at_ms: r.get(1)?,
                clock: ClockInfo {
                    boot_id: r.get(7)?,
                    monotonic_ms: r.get(8)?,
                    synchronized: r.get(9)?,
                },
                kind,
            };
            // A close estimate of the event's JSON size, without serialising twice.
            let size = 160
                + event.clock.boot_id.len()
                + match &event.kind {
                    EventKind::VolunteerIn { activity, .. } => activity.len(),
                    EventKind::CheckInVoided { by, .. } => by.len(),
                    _ => 0,
                };
            if !page.is_empty() && bytes + size > max_bytes {
                break;
            }
            bytes += size;
            page.push(event);
        }
        Ok(page)
    }

    /// The boot and time since boot of the event `seq`, if it is here.
    pub fn event_clock(&self, seq: u64) -> Result<Option<(String, u64)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT boot_id, monotonic_ms FROM events WHERE seq = ?1",
                [seq],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    pub fn acked_seq(&self) -> Result<u64> {
        self.setting_u64(SETTING_ACKED)
    }

    /// Stores the hub's high-water mark. The hub is the authority: if it says
    /// less than before (restored from a backup), the kiosk sends again from there.
    /// Deletes events the hub has acknowledged that happened before
    /// `before_ms`, so a kiosk's database stays the size of its retention
    /// period however long it runs. Never touches what the hub lacks.
    pub fn prune_uploaded(&self, before_ms: i64) -> Result<usize> {
        let acked = self.acked_seq()?;
        Ok(self.conn.execute(
            "DELETE FROM events WHERE seq <= ?1 AND at_ms < ?2",
            params![acked, before_ms],
        )?)
    }

    pub fn set_acked_seq(&self, seq: u64) -> Result<()> {
        self.set_setting(SETTING_ACKED, &seq.to_string())
    }

    pub fn last_seq(&self) -> Result<u64> {
        // sqlite_sequence keeps the highest seq ever issued, even after pruning.
        Ok(self
            .conn
            .query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = 'events'",
                [],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    pub fn note_sync_ok(&self, at_ms: i64) -> Result<()> {
        self.set_setting(SETTING_SYNC_OK, &at_ms.to_string())?;
        // What a recovery could read back is at the hub now.
        self.conn.execute(
            "DELETE FROM settings WHERE key IN (?1, ?2, ?3)",
            [SETTING_SYNC_ERR, SETTING_DAMAGE, SETTING_SYNC_REFUSED],
        )?;
        Ok(())
    }

    /// Keeps count of the events the hub set aside (kept there, not
    /// counted), with the last one's reason, for `kiosk status`.
    pub fn note_set_aside(&self, rejected: &[protocol::wire::Rejected], at_ms: i64) -> Result<()> {
        let Some(last) = rejected.last() else {
            return Ok(());
        };
        let before = self.set_aside()?.map(|s| s.count).unwrap_or(0);
        let note = SetAside {
            count: before + rejected.len() as u64,
            last_seq: last.seq,
            last_reason: clean_text(&last.reason, 300),
            at_ms,
        };
        self.set_setting(
            SETTING_SET_ASIDE,
            &serde_json::to_string(&note).unwrap_or_default(),
        )
    }

    /// The events the hub has set aside so far, if any.
    pub fn set_aside(&self) -> Result<Option<SetAside>> {
        Ok(self
            .setting(SETTING_SET_ASIDE)?
            .and_then(|v| serde_json::from_str(&v).ok()))
    }

    /// Why the last sync failed; `refused`: the hub refuses this kiosk's
    /// credential, which only enrolling again mends.
    pub fn note_sync_error(&self, message: &str, refused: bool) -> Result<()> {
        self.set_setting(SETTING_SYNC_ERR, message)?;
        if refused {
            self.set_setting(SETTING_SYNC_REFUSED, "1")
        } else {
            self.delete_setting(SETTING_SYNC_REFUSED)
        }
    }

    pub fn sync_status(&self) -> Result<SyncStatus> {
        let acked_seq = self.acked_seq()?;
        let last_seq = self.last_seq()?;
        let oldest_waiting_at_ms = self
            .conn
            .query_row(
                "SELECT at_ms FROM events WHERE seq > ?1 ORDER BY seq LIMIT 1",
                [acked_seq],
                |r| r.get(0),
            )
            .optional()?;
        Ok(SyncStatus {
            enrolled: self.enrollment()?.is_some(),
            last_seq,
            acked_seq,
            events_waiting: last_seq.saturating_sub(acked_seq),
            oldest_waiting_at_ms,
            last_sync_ok_ms: self.setting(SETTING_SYNC_OK)?.and_then(|v| v.parse().ok()),
            last_sync_error: self.setting(SETTING_SYNC_ERR)?,
            refused_by_hub: self.setting(SETTING_SYNC_REFUSED)?.is_some(),
            free_bytes: self.free_bytes(),
            restored: self.restored()?,
            set_aside: self.set_aside()?,
            damage: self.setting(SETTING_DAMAGE)?,
            config_problem: None,
        })
    }

    /// Free space on the file system that holds the database.
    pub fn free_bytes(&self) -> Option<u64> {
        let dir = Path::new(self.conn.path()?).parent()?;
        let st = nix::sys::statvfs::statvfs(dir).ok()?;
        Some(st.blocks_available().saturating_mul(st.fragment_size()))
    }
}
