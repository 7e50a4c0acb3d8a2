//! Volunteers' service hours, from the shift starts and ends the kiosks record.
//!
//! Starts and ends are paired per volunteer across all of a center's kiosks,
//! in time order, on the center's local days. A shift counts only when both
//! ends are known on the same day; everything else is listed for staff to
//! check instead of being guessed at: a start never ended by the end of its
//! day (the center closed with the shift open), a start followed by another
//! start, an end with no start. A shift started today and not yet ended is
//! "on duty now", not a problem.
//!
//! A staff member may correct such a record (`shift_corrections`): set the
//! end of a shift left open, or leave a record out, each with a reason. The
//! kiosks' events stay as they were; the pairing reads the correction.

use crate::store::db;
use std::collections::BTreeMap;

use crate::store::db::params;
use chrono::{NaiveDate, TimeZone};
use protocol::wire::Kind;
use serde::Serialize;

use crate::store::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HoursReport {
    pub center_id: u64,
    pub from: String,
    pub to: String,
    pub time_zone: String,
    /// Per volunteer and activity, counted shifts only.
    pub totals: Vec<VolunteerTotal>,
    /// Shifts whose hours are not counted until a staff member checks them.
    pub problems: Vec<ShiftProblem>,
    /// Shifts started today and not ended yet.
    pub on_duty: Vec<OnDuty>,
    /// Every counted shift, by volunteer and time (for the volunteer
    /// platform's export).
    pub shifts: Vec<Shift>,
    /// Records a staff member left out, with the reason.
    pub dropped: Vec<ShiftProblem>,
}

/// A counted shift.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shift {
    pub member_id: u32,
    pub display_name: String,
    pub activity: String,
    pub local_date: String,
    /// `HH:MM`, the center's local time.
    pub start: String,
    pub end: String,
    pub minutes: i64,
    /// Why a staff member set the end by hand, when they did.
    pub corrected: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolunteerTotal {
    pub member_id: u32,
    pub display_name: String,
    /// The activity's title as the kiosk showed it; empty for general duty.
    pub activity: String,
    pub category: Option<String>,
    pub shifts: u32,
    pub minutes: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// Started, and no end came that day (or another start came first).
    NotEnded,
    /// Ended with no start before it that day.
    EndWithoutStart,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShiftProblem {
    pub member_id: u32,
    pub display_name: String,
    pub kind: ProblemKind,
    pub local_date: String,
    /// `HH:MM`, the center's local time of the recorded start or end.
    pub local_time: String,
    pub activity: String,
    /// The record: the kiosk and its event, for a correction to name.
    pub device_id: u64,
    pub seq: u64,
    /// Why it was left out (a dropped record only).
    pub reason: Option<String>,
}

/// What a staff member decided of a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Correction {
    /// The shift ended then (ms).
    End { at_ms: i64, reason: String },
    /// The record is left out.
    Drop { reason: String },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OnDuty {
    pub member_id: u32,
    pub display_name: String,
    pub since: String,
    pub activity: String,
}

struct Start {
    device_id: u64,
    seq: u64,
    at_ms: i64,
    date: String,
    activity: String,
    category: Option<String>,
}

/// Hours of a center's volunteers for the local days `from..=to`; `today`
/// is the center's local date now, to tell a shift in progress from one
/// left open.
pub fn hours(
    store: &Store,
    center_id: u64,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<HoursReport, StoreError> {
    if to < from {
        return Err(StoreError::Invalid(format!(
            "the period ends ({to}) before it begins ({from})"
        )));
    }
    let center = store.center(center_id)?;
    let tz = center.tz();
    let today = today.format("%Y-%m-%d").to_string();
    let rows = store.read(|conn| {
        let mut stmt = conn.prepare(
            "SELECT e.member_id, coalesce(m.display_name, ''), e.kind, e.at_ms, e.local_date,
                    coalesce(e.activity, ''), e.purpose, e.device_id, e.seq
             FROM events e LEFT JOIN members m ON m.id = e.member_id
             WHERE e.center_id = ?1 AND e.local_date BETWEEN ?2 AND ?3
               AND e.kind IN ('volunteer_in', 'volunteer_out')
             ORDER BY e.member_id, e.at_ms, e.device_id, e.seq",
        )?;
        let rows = stmt.query_map(
            params![
                center_id,
                from.format("%Y-%m-%d").to_string(),
                to.format("%Y-%m-%d").to_string()
            ],
            |r| {
                Ok((
                    r.get::<u32>(0)?,
                    r.get::<String>(1)?,
                    r.get::<String>(2)?,
                    r.get::<i64>(3)?,
                    r.get::<String>(4)?,
                    r.get::<String>(5)?,
                    r.get::<Option<String>>(6)?,
                    r.get::<u64>(7)?,
                    r.get::<u64>(8)?,
                ))
            },
        )?;
        rows.collect::<db::Result<Vec<_>>>()
    })?;
    let corrections = corrections(store, center_id)?;

    let mut p = Pairing {
        tz,
        today,
        corrections,
        totals: BTreeMap::new(),
        problems: Vec::new(),
        on_duty: Vec::new(),
        shifts: Vec::new(),
        dropped: Vec::new(),
    };
    let mut open: Option<Open> = None;
    for (member_id, name, kind, at_ms, date, activity, category, device_id, seq) in rows {
        if open.as_ref().is_some_and(|o| o.member_id != member_id) {
            p.left_open(open.take());
        }
        if Kind::from_code(&kind) == Some(Kind::VolunteerIn) {
            if let Some(earlier) = open.take() {
                p.not_ended(earlier);
            }
            open = Some(Open {
                member_id,
                name,
                start: Start {
                    device_id,
                    seq,
                    at_ms,
                    date,
                    activity,
                    category,
                },
            });
            continue;
        }
        match open.take() {
            Some(o) if o.start.date == date => p.count(o, at_ms, None),
            earlier => {
                if let Some(earlier) = earlier {
                    p.not_ended(earlier);
                }
                let local_time = p.hhmm(at_ms);
                let problem = ShiftProblem {
                    member_id,
                    display_name: name,
                    kind: ProblemKind::EndWithoutStart,
                    local_date: date,
                    local_time,
                    activity: String::new(),
                    device_id,
                    seq,
                    reason: None,
                };
                match p.corrections.get(&(device_id, seq)) {
                    Some(Correction::Drop { reason } | Correction::End { reason, .. }) => {
                        p.dropped.push(ShiftProblem {
                            reason: Some(reason.clone()),
                            ..problem
                        });
                    }
                    None => p.problems.push(problem),
                }
            }
        }
    }
    p.left_open(open.take());
    p.problems.sort_by(|a, b| {
        (&a.local_date, &a.local_time, a.member_id).cmp(&(
            &b.local_date,
            &b.local_time,
            b.member_id,
        ))
    });
    Ok(HoursReport {
        center_id,
        from: from.format("%Y-%m-%d").to_string(),
        to: to.format("%Y-%m-%d").to_string(),
        time_zone: center.time_zone,
        totals: p.totals.into_values().collect(),
        problems: p.problems,
        on_duty: p.on_duty,
        shifts: p.shifts,
        dropped: p.dropped,
    })
}

/// A center's corrections, by the record they name.
fn corrections(
    store: &Store,
    center_id: u64,
) -> Result<std::collections::HashMap<(u64, u64), Correction>, StoreError> {
    let rows = store.read(|conn| {
        conn.query_map(
            "SELECT device_id, seq, action, end_at_ms, reason FROM shift_corrections
             WHERE center_id = ?1",
            [center_id],
            |r| {
                Ok((
                    r.get::<u64>(0)?,
                    r.get::<u64>(1)?,
                    r.get::<String>(2)?,
                    r.get::<Option<i64>>(3)?,
                    r.get::<String>(4)?,
                ))
            },
        )
    })?;
    Ok(rows
        .into_iter()
        .map(|(device, seq, action, end, reason)| {
            let c = match (action.as_str(), end) {
                ("end", Some(at_ms)) => Correction::End { at_ms, reason },
                _ => Correction::Drop { reason },
            };
            ((device, seq), c)
        })
        .collect())
}

/// A volunteer's start not yet paired with an end.
struct Open {
    member_id: u32,
    name: String,
    start: Start,
}

/// The pairing walk's results so far.
struct Pairing {
    tz: chrono_tz::Tz,
    today: String,
    corrections: std::collections::HashMap<(u64, u64), Correction>,
    totals: BTreeMap<(u32, String), VolunteerTotal>,
    problems: Vec<ShiftProblem>,
    on_duty: Vec<OnDuty>,
    shifts: Vec<Shift>,
    dropped: Vec<ShiftProblem>,
}

impl Pairing {
    fn hhmm(&self, at_ms: i64) -> String {
        self.tz
            .timestamp_millis_opt(at_ms)
            .single()
            .map(|t| t.format("%H:%M").to_string())
            .unwrap_or_default()
    }

    fn count(&mut self, o: Open, end_ms: i64, corrected: Option<String>) {
        let minutes = (end_ms - o.start.at_ms).max(0) / 60_000;
        self.shifts.push(Shift {
            member_id: o.member_id,
            display_name: o.name.clone(),
            activity: o.start.activity.clone(),
            local_date: o.start.date.clone(),
            start: self.hhmm(o.start.at_ms),
            end: self.hhmm(end_ms),
            minutes,
            corrected,
        });
        let t = self
            .totals
            .entry((o.member_id, o.start.activity.clone()))
            .or_insert_with(|| VolunteerTotal {
                member_id: o.member_id,
                display_name: o.name,
                activity: o.start.activity,
                category: o.start.category,
                shifts: 0,
                minutes: 0,
            });
        t.shifts += 1;
        t.minutes += minutes;
    }

    /// A start no end paired with: counted to the end a staff member set,
    /// left out when they dropped it, else listed to check.
    fn not_ended(&mut self, o: Open) {
        match self
            .corrections
            .get(&(o.start.device_id, o.start.seq))
            .cloned()
        {
            Some(Correction::End { at_ms, reason }) => self.count(o, at_ms, Some(reason)),
            correction => {
                let local_time = self.hhmm(o.start.at_ms);
                let problem = ShiftProblem {
                    member_id: o.member_id,
                    display_name: o.name,
                    kind: ProblemKind::NotEnded,
                    local_date: o.start.date,
                    local_time,
                    activity: o.start.activity,
                    device_id: o.start.device_id,
                    seq: o.start.seq,
                    reason: None,
                };
                match correction {
                    Some(Correction::Drop { reason }) => self.dropped.push(ShiftProblem {
                        reason: Some(reason),
                        ..problem
                    }),
                    _ => self.problems.push(problem),
                }
            }
        }
    }

    /// A start still open when the volunteer's events run out: on duty if
    /// it is today's, else left open at closing time.
    fn left_open(&mut self, o: Option<Open>) {
        let Some(o) = o else { return };
        let corrected = self
            .corrections
            .contains_key(&(o.start.device_id, o.start.seq));
        if o.start.date == self.today && !corrected {
            let since = self.hhmm(o.start.at_ms);
            self.on_duty.push(OnDuty {
                member_id: o.member_id,
                display_name: o.name,
                since,
                activity: o.start.activity,
            });
        } else {
            self.not_ended(o);
        }
    }
}

/// Hours as staff read them: `2 h 15 min`.
fn duration(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

fn activity_label(a: &str) -> &str {
    if a.is_empty() {
        "日常值班 general duty"
    } else {
        a
    }
}

/// The report as the `hub volunteer hours` command prints it.
pub fn to_text(r: &HoursReport, center_name: &str) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "志愿服务时长 Volunteer hours — {center_name}, {} to {}",
        r.from, r.to
    );
    if r.totals.is_empty() {
        let _ = writeln!(s, "\nNo completed shifts in this period.");
    } else {
        let _ = writeln!(s, "\nmember\tname\tactivity\tshifts\thours");
        for t in &r.totals {
            let _ = writeln!(
                s,
                "{}\t{}\t{}\t{}\t{}",
                t.member_id,
                t.display_name,
                activity_label(&t.activity),
                t.shifts,
                duration(t.minutes)
            );
        }
    }
    if !r.problems.is_empty() {
        let _ = writeln!(
            s,
            "\nTo check (not counted until a staff member confirms the hours):"
        );
        for p in &r.problems {
            let what = match p.kind {
                ProblemKind::NotEnded => format!(
                    "started {} and never ended the shift",
                    activity_label(&p.activity)
                ),
                ProblemKind::EndWithoutStart => "ended a shift that has no start".to_string(),
            };
            let _ = writeln!(
                s,
                "{}\t{}\t{} {}\t{what}",
                p.member_id, p.display_name, p.local_date, p.local_time
            );
        }
    }
    if !r.on_duty.is_empty() {
        let _ = writeln!(s, "\nOn duty now:");
        for d in &r.on_duty {
            let _ = writeln!(
                s,
                "{}\t{}\tsince {}\t{}",
                d.member_id,
                d.display_name,
                d.since,
                activity_label(&d.activity)
            );
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::catalog::ServiceCategory;
    use protocol::wire::{ClockInfo, CredentialKind, Event, EventKind};

    // 2026-11-24 00:00 in Shanghai.
    const DAY_MS: i64 = 1_795_449_600_000;
    const H: i64 = 3_600_000;
    const MIN: i64 = 60_000;

    struct Fixture {
        _dir: tempfile::TempDir,
        store: Store,
        center: u64,
        a: u32,
        b: u32,
        kiosks: [crate::store::Device; 2],
        seqs: [u64; 2],
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let store =
            Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
                .expect("open");
        let center = store
            .add_center("青年之家", "Asia/Shanghai")
            .expect("center");
        let a = store.add_member(center, "林小雨", None).expect("a");
        let b = store.add_member(center, "陈思远", None).expect("b");
        let kiosks = [
            crate::store::test_device(&store, center),
            crate::store::test_device(&store, center),
        ];
        Fixture {
            _dir: dir,
            store,
            center,
            a,
            b,
            kiosks,
            seqs: [0, 0],
        }
    }

    impl Fixture {
        fn record(&mut self, kiosk: usize, at_ms: i64, kind: EventKind) {
            self.seqs[kiosk] += 1;
            let ev = Event {
                seq: self.seqs[kiosk],
                at_ms,
                clock: ClockInfo {
                    boot_id: "b".into(),
                    monotonic_ms: 0,
                    synchronized: true,
                },
                kind,
            };
            let json = serde_json::to_value(&ev).expect("json");
            let r = self
                .store
                .ingest(&self.kiosks[kiosk], &protocol::wire::Received::page([json]))
                .expect("ingest");
            assert_eq!(r.stored, 1, "{r:?}");
        }

        fn start(&mut self, kiosk: usize, member_id: u32, at_ms: i64, activity: &str) {
            self.record(
                kiosk,
                at_ms,
                EventKind::VolunteerIn {
                    member_id,
                    via: CredentialKind::QrToken,
                    activity: activity.into(),
                    category: Some(ServiceCategory::PublicService),
                },
            );
        }

        fn end(&mut self, kiosk: usize, member_id: u32, at_ms: i64) {
            self.record(
                kiosk,
                at_ms,
                EventKind::VolunteerOut {
                    member_id,
                    via: CredentialKind::Card,
                },
            );
        }

        fn hours(&self, today: &str) -> HoursReport {
            let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
            hours(
                &self.store,
                self.center,
                d("2026-11-01"),
                d("2026-11-30"),
                d(today),
            )
            .expect("hours")
        }
    }

    #[test]
    fn shifts_pair_across_kiosks_and_add_up_per_volunteer_and_activity() {
        let mut f = fixture();
        let (a, b) = (f.a, f.b);
        // Started at one kiosk, ended at the other.
        f.start(0, a, DAY_MS + 16 * H + 20 * MIN, "四点半课堂");
        f.end(1, a, DAY_MS + 18 * H + 5 * MIN);
        // The next day, the same activity again, and general duty.
        f.start(1, a, DAY_MS + 24 * H + 16 * H, "四点半课堂");
        f.end(1, a, DAY_MS + 24 * H + 17 * H);
        f.start(0, b, DAY_MS + 9 * H, "");
        f.end(0, b, DAY_MS + 11 * H + 30 * MIN);
        let r = f.hours("2026-11-30");
        let got: Vec<(u32, &str, u32, i64)> = r
            .totals
            .iter()
            .map(|t| (t.member_id, t.activity.as_str(), t.shifts, t.minutes))
            .collect();
        assert_eq!(got, vec![(a, "四点半课堂", 2, 105 + 60), (b, "", 1, 150)]);
        assert_eq!(r.totals[0].display_name, "林同学");
        assert_eq!(r.totals[0].category.as_deref(), Some("public_service"));
        assert!(r.problems.is_empty() && r.on_duty.is_empty(), "{r:?}");
        let text = to_text(&r, "青年之家");
        assert!(text.contains("四点半课堂\t2\t2 h 45 min"), "{text}");
        assert!(
            text.contains("日常值班 general duty\t1\t2 h 30 min"),
            "{text}"
        );
    }

    #[test]
    fn open_and_orphan_shifts_are_listed_not_counted() {
        let mut f = fixture();
        let (a, b) = (f.a, f.b);
        // Left open at closing time on the 24th.
        f.start(0, a, DAY_MS + 14 * H, "桌游之夜");
        // Ended on the 25th with no start that day.
        f.end(0, a, DAY_MS + 24 * H + 10 * H);
        // Started twice: the first start was never ended.
        f.start(0, b, DAY_MS + 9 * H, "");
        f.start(1, b, DAY_MS + 13 * H, "");
        f.end(1, b, DAY_MS + 15 * H);
        // On duty now, on the 26th.
        f.start(1, a, DAY_MS + 48 * H + 9 * H, "");
        let r = f.hours("2026-11-26");
        let got: Vec<(u32, ProblemKind, &str, &str)> = r
            .problems
            .iter()
            .map(|p| {
                (
                    p.member_id,
                    p.kind,
                    p.local_date.as_str(),
                    p.local_time.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (b, ProblemKind::NotEnded, "2026-11-24", "09:00"),
                (a, ProblemKind::NotEnded, "2026-11-24", "14:00"),
                (a, ProblemKind::EndWithoutStart, "2026-11-25", "10:00"),
            ]
        );
        assert_eq!(r.totals.len(), 1);
        assert_eq!((r.totals[0].member_id, r.totals[0].minutes), (b, 120));
        assert_eq!(r.on_duty.len(), 1);
        assert_eq!(
            (r.on_duty[0].member_id, r.on_duty[0].since.as_str()),
            (a, "09:00")
        );
        // The same shift seen a day later is no longer "on duty" but not ended.
        let later = f.hours("2026-11-27");
        assert!(later.on_duty.is_empty());
        assert_eq!(later.problems.len(), 4);
        let text = to_text(&r, "青年之家");
        assert!(text.contains("To check"), "{text}");
        assert!(text.contains("never ended"), "{text}");
        assert!(text.contains("On duty now"), "{text}");
    }

    #[test]
    fn a_period_that_ends_before_it_begins_is_refused() {
        let f = fixture();
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert!(matches!(
            hours(
                &f.store,
                f.center,
                d("2026-11-30"),
                d("2026-11-01"),
                d("2026-11-30")
            ),
            Err(StoreError::Invalid(_))
        ));
    }

    #[test]
    fn a_shift_left_open_is_counted_to_the_end_staff_set_and_a_stray_end_dropped() {
        use crate::admin::volunteers::ShiftFix;
        use crate::admin::{Actor, Admin};
        let mut f = fixture();
        // a: started at 09:00 on the 24th, never ended. b: an end with no start.
        f.start(0, f.a, DAY_MS + 9 * H, "四点半课堂");
        f.end(1, f.b, DAY_MS + 10 * H);
        let r = f.hours("2026-11-26");
        assert_eq!(r.problems.len(), 2, "{r:?}");
        assert!(r.totals.is_empty());
        let open = r
            .problems
            .iter()
            .find(|p| p.kind == ProblemKind::NotEnded)
            .expect("open");
        let stray = r
            .problems
            .iter()
            .find(|p| p.kind == ProblemKind::EndWithoutStart)
            .expect("stray");
        let admin = Admin::new(&f.store, Actor::CommandLine);

        // Refused: no reason, an end before the start, an end for an end.
        for (fix, reason, record) in [
            (ShiftFix::EndAt("11:30".into()), " ", open),
            (ShiftFix::EndAt("08:00".into()), "forgot to scan out", open),
            (ShiftFix::EndAt("25:00".into()), "forgot to scan out", open),
            (ShiftFix::EndAt("11:00".into()), "forgot", stray),
        ] {
            assert!(
                matches!(
                    admin.correct_shift(f.center, record.device_id, record.seq, &fix, reason),
                    Err(StoreError::Invalid(_))
                ),
                "{fix:?} {reason:?}"
            );
        }
        admin
            .correct_shift(
                f.center,
                open.device_id,
                open.seq,
                &ShiftFix::EndAt("11:30".into()),
                "forgot to scan out",
            )
            .expect("end set");
        admin
            .correct_shift(
                f.center,
                stray.device_id,
                stray.seq,
                &ShiftFix::Drop,
                "scanned by mistake",
            )
            .expect("dropped");
        let r = f.hours("2026-11-26");
        assert!(r.problems.is_empty(), "{r:?}");
        assert_eq!(r.totals.len(), 1);
        assert_eq!((r.totals[0].member_id, r.totals[0].minutes), (f.a, 150));
        assert_eq!(r.shifts.len(), 1);
        assert_eq!(
            (r.shifts[0].start.as_str(), r.shifts[0].end.as_str()),
            ("09:00", "11:30")
        );
        assert_eq!(r.shifts[0].corrected.as_deref(), Some("forgot to scan out"));
        assert_eq!(r.dropped.len(), 1);
        assert_eq!(r.dropped[0].reason.as_deref(), Some("scanned by mistake"));
        // The kiosks' events are as they were.
        let kept: i64 = f
            .store
            .read(|c| c.query_row("SELECT count(*) FROM events", [], |r| r.get(0)))
            .expect("count");
        assert_eq!(kept, 2);
        let log = admin.audit(None, 10).expect("log");
        assert_eq!(
            log.iter().filter(|e| e.action == "shift.correct").count(),
            2
        );
    }
}
