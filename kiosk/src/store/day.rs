//! A day at this kiosk, and at the whole center once the hub has said:
//! the staff screen's figures and the day's list of check-ins.

use super::*;

impl Store {
    /// Counts for one local date, from this kiosk's events alone.
    pub fn day_stats(&self, local_date: &str) -> Result<DayStats> {
        self.stats_after(local_date, 0)
    }

    /// Keeps the hub's figures for a day (the latest fetch replaces the last).
    pub fn save_hub_day(&self, day: &HubDay) -> Result<()> {
        let json = serde_json::to_string(day).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.set_setting(SETTING_HUB_DAY, &json)
    }

    /// The hub's figures last fetched, if any (unreadable ones are ignored:
    /// the next sync fetches them again).
    pub fn hub_day(&self) -> Result<Option<HubDay>> {
        Ok(self
            .setting(SETTING_HUB_DAY)?
            .and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// The staff screen's figures for a day: the whole center's when the hub
    /// gave them for that day (its figures, which count every kiosk and one
    /// visit for one member seen at two, plus what this kiosk recorded or
    /// voided since), else this kiosk's own.
    pub fn center_day_stats(&self, local_date: &str) -> Result<DayStats> {
        let Some(hub) = self.hub_day()?.filter(|h| h.report.date == local_date) else {
            return self.day_stats(local_date);
        };
        let mark = hub.acked_seq;
        let added = self.stats_after(local_date, mark)?;
        let removed = self.voided_after(local_date, mark)?;
        let r = &hub.report;
        let mut s = DayStats {
            hub_as_of_ms: Some(hub.fetched_at_ms),
            volunteers_on_site: self.volunteers_on_site(local_date, 0)?,
            ..DayStats::default()
        };
        s.members = (r.members + added.members).saturating_sub(removed.members);
        s.visitors = (r.visitors + added.visitors).saturating_sub(removed.visitors);
        s.total = s.members + s.visitors;
        for (h, slot) in s.by_hour.iter_mut().enumerate() {
            let hub_n = r.by_hour.get(h).copied().unwrap_or(0);
            *slot = (hub_n + added.by_hour[h]).saturating_sub(removed.by_hour[h]);
        }
        // Members new since the hub's figures who had not come earlier today.
        let new_members: u64 = self.conn.query_row(
            &format!(
                "SELECT count(DISTINCT member_id) FROM events
                 WHERE local_date = ?1 AND kind = 'member_check_in' AND seq > ?2 AND {COUNTED}
                   AND member_id NOT IN (SELECT member_id FROM events
                       WHERE local_date = ?1 AND kind = 'member_check_in' AND seq <= ?2
                         AND member_id IS NOT NULL)"
            ),
            params![local_date, mark],
            |row| row.get(0),
        )?;
        s.distinct_members = (r.distinct_members + new_members).min(s.members);
        let mut purposes: Vec<(ServiceCategory, u64)> = ServiceCategory::ALL
            .iter()
            .filter_map(|&c| {
                let count = |list: &[(ServiceCategory, u64)]| {
                    list.iter().find(|(x, _)| *x == c).map_or(0, |(_, n)| *n)
                };
                let hub_n = r.by_category.get(c.code()).copied().unwrap_or(0);
                let n =
                    (hub_n + count(&added.by_category)).saturating_sub(count(&removed.by_category));
                (n > 0).then_some((c, n))
            })
            .collect();
        purposes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.code().cmp(b.0.code())));
        s.by_category = purposes;
        s.voided = r.voided + added.voided;
        Ok(s)
    }

    /// Counts of the day's events with a seq above `after_seq`.
    pub(super) fn stats_after(&self, local_date: &str, after_seq: u64) -> Result<DayStats> {
        let mut stats = DayStats::default();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT kind, local_hour, count(*) FROM events
             WHERE local_date = ?1 AND seq > ?2 AND {COUNTED}
             GROUP BY kind, local_hour"
        ))?;
        let mut rows = stmt.query(params![local_date, after_seq])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            let hour: usize = r.get(1)?;
            let n: u64 = r.get(2)?;
            if Kind::from_code(&kind) == Some(Kind::Visitor) {
                stats.visitors += n;
            } else {
                stats.members += n;
            }
            if let Some(slot) = stats.by_hour.get_mut(hour) {
                *slot += n;
            }
        }
        stats.total = stats.members + stats.visitors;
        stats.distinct_members = self.conn.query_row(
            &format!(
                "SELECT count(DISTINCT member_id) FROM events
                 WHERE local_date = ?1 AND seq > ?2 AND kind = 'member_check_in' AND {COUNTED}"
            ),
            params![local_date, after_seq],
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT purpose, count(*) AS n FROM events
             WHERE local_date = ?1 AND seq > ?2 AND kind = 'visitor' AND purpose IS NOT NULL
               AND {COUNTED}
             GROUP BY purpose ORDER BY n DESC, purpose"
        ))?;
        let mut rows = stmt.query(params![local_date, after_seq])?;
        while let Some(r) = rows.next()? {
            if let Some(c) = ServiceCategory::from_code(&r.get::<_, String>(0)?) {
                stats.by_category.push((c, r.get(1)?));
            }
        }
        stats.voided = self.conn.query_row(
            "SELECT count(*) FROM events v JOIN events e ON e.seq = v.voided_seq
             WHERE e.local_date = ?1 AND v.seq > ?2",
            params![local_date, after_seq],
            |r| r.get(0),
        )?;
        stats.volunteers_on_site = self.volunteers_on_site(local_date, after_seq)?;
        Ok(stats)
    }

    /// Volunteers whose latest shift event of the day (above `after_seq`)
    /// is a start.
    pub(super) fn volunteers_on_site(&self, local_date: &str, after_seq: u64) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM (
                SELECT member_id, kind, max(seq) FROM events
                WHERE local_date = ?1 AND seq > ?2 AND kind IN ('volunteer_in', 'volunteer_out')
                GROUP BY member_id
             ) WHERE kind = 'volunteer_in'",
            params![local_date, after_seq],
            |r| r.get(0),
        )?)
    }

    /// The day's visits up to `mark` (so counted by the hub) that a void
    /// after `mark` took back: by kind, hour and purpose.
    pub(super) fn voided_after(&self, local_date: &str, mark: u64) -> Result<DayStats> {
        let mut stats = DayStats::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.kind, e.local_hour, e.purpose FROM events v JOIN events e ON e.seq = v.voided_seq
             WHERE e.local_date = ?1 AND e.seq <= ?2 AND v.seq > ?2
               AND e.kind IN ('member_check_in', 'visitor')",
        )?;
        let mut rows = stmt.query(params![local_date, mark])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            let hour: usize = r.get(1)?;
            if Kind::from_code(&kind) == Some(Kind::Visitor) {
                stats.visitors += 1;
                if let Some(c) = r
                    .get::<_, Option<String>>(2)?
                    .as_deref()
                    .and_then(ServiceCategory::from_code)
                {
                    match stats.by_category.iter_mut().find(|(x, _)| *x == c) {
                        Some((_, n)) => *n += 1,
                        None => stats.by_category.push((c, 1)),
                    }
                }
            } else {
                stats.members += 1;
            }
            if let Some(slot) = stats.by_hour.get_mut(hour) {
                *slot += 1;
            }
        }
        Ok(stats)
    }

    /// Counted visits (check-ins and visitors, voids excluded) with a wall
    /// time in `from_ms..=to_ms`.
    pub fn visits_between(&self, from_ms: i64, to_ms: i64) -> Result<u64> {
        Ok(self.conn.query_row(
            &format!("SELECT count(*) FROM events WHERE at_ms BETWEEN ?1 AND ?2 AND {COUNTED}"),
            params![from_ms, to_ms],
            |r| r.get(0),
        )?)
    }

    /// Who came for which activity on `local_date`: (activity id, member)
    /// of each member check-in that counts, by the member's latest answer
    /// to "which activity?" or, without one, by what the check-in itself
    /// says (the activity they signed up for). Just visiting is left out.
    pub fn came_for(&self, local_date: &str) -> Result<Vec<(String, u32)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT coalesce((SELECT c.activity FROM events c
                              WHERE c.kind = 'activity_chosen' AND c.for_seq = events.seq
                              ORDER BY c.seq DESC LIMIT 1), activity) AS came, member_id
             FROM events
             WHERE local_date = ?1 AND kind = 'member_check_in' AND {COUNTED}"
        ))?;
        let rows = stmt.query_map([local_date], |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, u32>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            if let (Some(id), member) = row?
                && !id.is_empty()
            {
                out.push((id, member));
            }
        }
        Ok(out)
    }

    /// The day's check-ins and visitors, newest first, voided ones marked.
    pub fn day_list(&self, local_date: &str, limit: usize) -> Result<Vec<DayEntry>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.entries(
            "e.local_date = ?1 ORDER BY e.seq DESC LIMIT ?2",
            params![local_date, limit],
        )
    }

    /// Check-ins and visitors of the local dates `from..=to`, oldest first.
    pub fn entries_between(&self, from: &str, to: &str) -> Result<Vec<DayEntry>> {
        self.entries(
            "e.local_date BETWEEN ?1 AND ?2 ORDER BY e.seq",
            params![from, to],
        )
    }

    pub(super) fn entries(
        &self,
        filter: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<DayEntry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT e.seq, e.at_ms, e.kind, e.member_id, r.display_name, e.age_band, e.purpose,
                    v.reason, v.actor
             FROM events e
             LEFT JOIN roster r ON r.member_id = e.member_id
             LEFT JOIN events v ON v.voided_seq = e.seq
             WHERE e.kind IN ('member_check_in', 'visitor') AND {filter}"
        ))?;
        let rows = stmt.query_map(args, |r| {
            let kind: String = r.get(2)?;
            let who = if Kind::from_code(&kind) == Some(Kind::Visitor) {
                Who::Visitor {
                    age_band: r
                        .get::<_, Option<String>>(5)?
                        .and_then(|c| AgeBand::from_code(&c)),
                    purpose: r
                        .get::<_, Option<String>>(6)?
                        .and_then(|c| ServiceCategory::from_code(&c)),
                }
            } else {
                Who::Member {
                    member_id: r.get(3)?,
                    display_name: r.get(4)?,
                }
            };
            let voided = match (
                r.get::<_, Option<String>>(7)?,
                r.get::<_, Option<String>>(8)?,
            ) {
                (Some(reason), by) => Some((
                    VoidReason::from_code(&reason).unwrap_or(VoidReason::Other),
                    by.unwrap_or_default(),
                )),
                (None, _) => None,
            };
            Ok(DayEntry {
                seq: r.get(0)?,
                at_ms: r.get(1)?,
                who,
                voided,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}
