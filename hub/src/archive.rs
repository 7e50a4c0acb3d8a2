//! `hub archive`: raw events by month into files, out of the database.
//!
//! Each month before the cut is written to `archive/events-YYYY-MM.jsonl.gz`
//! in the data folder (one JSON object a line, every column of
//! [`crate::store::archive::COLUMNS`]), synced, read back and counted, and
//! only then deleted from the database ([`Store::drop_month`]). The daily
//! roll-up keeps every count, so reports, the dashboard's charts and the
//! integration API read archived months as before; what needs raw events
//! (distinct members, age bands, volunteer hours) covers the months kept.
//!
//! A year of a province in raw events is what the database keeps fast
//! (docs/PERFORMANCE.md); archiving keeps it to the months still asked for.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::store::Store;

/// One month archived.
#[derive(Debug, Clone, PartialEq)]
pub struct Month {
    pub month: String,
    pub events: u64,
    pub path: PathBuf,
    pub bytes: u64,
}

/// The first month kept when the last `keep` whole months before `today`'s
/// are kept (and the current one): today 2026-11, keep 24 → 2024-11.
pub fn cut(today: chrono::NaiveDate, keep: u32) -> String {
    use chrono::Datelike;
    let first = today.with_day(1).unwrap_or(today) - chrono::Months::new(keep);
    first.format("%Y-%m").to_string()
}

/// Archives every month with raw events before `before` (`YYYY-MM`), oldest
/// first, telling `done` of each as it is finished.
pub fn archive_before(
    store: &Store,
    data: &Path,
    before: &str,
    mut done: impl FnMut(&Month),
) -> anyhow::Result<Vec<Month>> {
    let dir = data.join("archive");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut months = Vec::new();
    for (month, _) in store.months_before(before)? {
        let m = archive_month(store, &dir, &month)?;
        done(&m);
        months.push(m);
    }
    Ok(months)
}

fn archive_month(store: &Store, dir: &Path, month: &str) -> anyhow::Result<Month> {
    let path = dir.join(format!("events-{month}.jsonl.gz"));
    // A name of its own: two admins archiving at once write two whole
    // files, and the database deletes the month once.
    let mut salt = [0u8; 6];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let tmp = dir.join(format!(
        ".events-{month}.{}.tmp",
        data_encoding::HEXLOWER.encode(&salt)
    ));
    let written = write_month(store, month, &tmp);
    let written = match written {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let read = count_lines(&tmp)?;
    anyhow::ensure!(
        read == written,
        "{}: {read} events read back of {written} written; nothing deleted",
        tmp.display()
    );
    std::fs::rename(&tmp, &path)
        .with_context(|| format!("cannot move the archive to {}", path.display()))?;
    std::fs::File::open(dir)?.sync_all()?;
    let deleted = store.drop_month(month, written)?;
    Ok(Month {
        month: month.to_string(),
        events: deleted,
        bytes: std::fs::metadata(&path)?.len(),
        path,
    })
}

fn write_month(store: &Store, month: &str, tmp: &Path) -> anyhow::Result<u64> {
    let file = std::fs::File::create_new(tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut out = GzEncoder::new(BufWriter::new(file), Compression::default());
    let n = store.month_events(month, |event| {
        serde_json::to_writer(&mut out, &event)?;
        out.write_all(b"\n")
    })?;
    let file = out
        .finish()
        .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
        .with_context(|| format!("cannot write {} (is the disk full?)", tmp.display()))?;
    file.sync_all()
        .with_context(|| format!("cannot write {} (is the disk full?)", tmp.display()))?;
    Ok(n)
}

/// The events in an archive file, each line checked to be a JSON object.
pub fn count_lines(path: &Path) -> anyhow::Result<u64> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut n = 0;
    for line in BufReader::new(GzDecoder::new(file)).lines() {
        let line = line.with_context(|| format!("{} is damaged", path.display()))?;
        let v: serde_json::Value = serde_json::from_str(&line)
            .with_context(|| format!("{}: line {} is not JSON", path.display(), n + 1))?;
        anyhow::ensure!(
            v.is_object(),
            "{}: line {} is not an event",
            path.display(),
            n + 1
        );
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, test_device};
    use protocol::wire::{ClockInfo, CredentialKind, Event, EventKind};

    /// Noon in Shanghai on a day of 2024.
    fn noon(month: u32, day: u32) -> i64 {
        chrono::NaiveDate::from_ymd_opt(2024, month, day)
            .and_then(|d| d.and_hms_opt(4, 0, 0))
            .map(|t| t.and_utc().timestamp_millis())
            .expect("date")
    }

    fn event(seq: u64, at_ms: i64, synchronized: bool, member: u32) -> serde_json::Value {
        serde_json::to_value(Event {
            seq,
            at_ms,
            clock: ClockInfo {
                // A boot that never synchronised stays untimed.
                boot_id: if synchronized { "b" } else { "never" }.into(),
                monotonic_ms: seq * 1000,
                synchronized,
            },
            kind: EventKind::MemberCheckIn {
                member_id: member,
                via: CredentialKind::QrToken,
                activity: None,
            },
        })
        .expect("json")
    }

    fn visits(store: &Store) -> u64 {
        store
            .read(|c| {
                c.query_row(
                    "SELECT coalesce(sum(member_visits), 0) FROM daily_counts",
                    [],
                    |r| r.get(0),
                )
            })
            .expect("visits")
    }

    /// A center with a kiosk and six members, on the test database.
    fn fixture() -> (tempfile::TempDir, Store, crate::store::Device, Vec<u32>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store =
            Store::open_database(&crate::testing::database(dir.path()).expect("db")).expect("open");
        let center = store
            .add_center("青年之家", "Asia/Shanghai")
            .expect("center");
        let kiosk = test_device(&store, center);
        let members = (0..6)
            .map(|i| {
                store
                    .add_member(center, &format!("会员{i}"), None)
                    .expect("member")
            })
            .collect();
        (dir, store, kiosk, members)
    }

    #[test]
    fn old_months_go_to_files_counts_stay_and_a_late_copy_is_kept_aside() {
        let (dir, store, kiosk, members) = fixture();
        // January: 5 check-ins on different days; February: 3; March: 2;
        // and one from a clock not yet synchronised (1970, to be re-timed).
        let mut page = Vec::new();
        let mut seq = 0;
        for (month, n) in [(1, 5), (2, 3), (3, 2)] {
            for d in 0..n {
                seq += 1;
                page.push(event(seq, noon(month, d + 1), true, members[d as usize]));
            }
        }
        seq += 1;
        page.push(event(seq, 86_400_000, false, members[5]));
        let r = store
            .ingest(
                &kiosk,
                &protocol::wire::Received::page(page.iter().cloned()),
            )
            .expect("ingest");
        assert_eq!(r.stored, 11, "{r:?}");
        assert_eq!(visits(&store), 11);

        let data = dir.path().join("data");
        let mut told = Vec::new();
        let months = archive_before(&store, &data, "2024-03", |m| told.push(m.month.clone()))
            .expect("archive");
        assert_eq!(
            told,
            ["2024-01", "2024-02"],
            "the untimed 1970 event waits for its time"
        );
        assert_eq!(months.iter().map(|m| m.events).collect::<Vec<_>>(), [5, 3]);
        for m in &months {
            assert_eq!(count_lines(&m.path).expect("read back"), m.events);
            assert!(m.bytes > 0);
        }
        let january = std::fs::File::open(&months[0].path).expect("open");
        let first: serde_json::Value = serde_json::from_str(
            &BufReader::new(GzDecoder::new(january))
                .lines()
                .next()
                .expect("a line")
                .expect("read"),
        )
        .expect("json");
        assert_eq!(first["local_date"], "2024-01-01");
        assert_eq!(first["kind"], "member_check_in");
        assert_eq!(first["member_id"], members[0]);
        assert_eq!(first["device_id"], kiosk.id);
        assert_eq!(first["seq"], 1);

        let left: u64 = store
            .read(|c| c.query_row("SELECT count(*) FROM events", [], |r| r.get(0)))
            .expect("count");
        assert_eq!(left, 3, "March's two and the untimed one stay");
        assert_eq!(visits(&store), 11, "every count stays in the roll-up");
        assert_eq!(
            store.archived_before().expect("mark").as_deref(),
            Some("2024-03")
        );

        // A kiosk sends January's first check-in again (restored from a
        // backup), and a new one dated February: both kept aside, not counted.
        let again = store
            .ingest(
                &kiosk,
                &protocol::wire::Received::page([
                    event(1, noon(1, 1), true, members[0]),
                    event(seq + 1, noon(2, 20), true, members[1]),
                ]),
            )
            .expect("ingest");
        assert_eq!(again.stored, 0, "{again:?}");
        assert_eq!(again.rejected.len(), 2, "{again:?}");
        assert!(again.rejected[0].reason.contains("archived"), "{again:?}");
        assert_eq!(visits(&store), 11);
        // March is still open.
        let march = store
            .ingest(
                &kiosk,
                &protocol::wire::Received::page([event(seq + 2, noon(3, 20), true, members[2])]),
            )
            .expect("ingest");
        assert_eq!(march.stored, 1, "{march:?}");

        // Nothing more to archive before March; a later cut takes March.
        assert!(
            archive_before(&store, &data, "2024-03", |_| {})
                .expect("again")
                .is_empty()
        );
        let m = archive_before(&store, &data, "2024-04", |_| {}).expect("march");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].events, 3);
        assert!(matches!(
            store.months_before("2024-13"),
            Err(crate::store::StoreError::Invalid(_))
        ));
    }

    #[test]
    fn events_with_absurd_values_are_set_aside_and_the_archive_goes_on() {
        let (dir, store, kiosk, members) = fixture();
        let year_10000 = 253_402_300_800_000 + 3_600_000;
        let mut huge_seq = event(3, noon(1, 2), true, members[1]);
        huge_seq["seq"] = serde_json::json!(u64::MAX);
        let mut huge_clock = event(4, noon(1, 3), true, members[2]);
        huge_clock["clock"]["monotonic_ms"] = serde_json::json!(u64::MAX);
        let page = [
            event(1, noon(1, 1), true, members[0]),
            event(2, year_10000, true, members[0]),
            huge_seq,
            huge_clock,
            event(5, year_10000, false, members[3]),
            // A synchronised clock two days ahead of the hub's.
            event(6, crate::store::now_ms() + 2 * 86_400_000, true, members[4]),
        ];
        let r = store
            .ingest(
                &kiosk,
                &protocol::wire::Received::page(page.iter().cloned()),
            )
            .expect("never a failed page");
        assert_eq!(r.stored, 1, "{r:?}");
        let reasons: Vec<&str> = r.rejected.iter().map(|x| x.reason.as_str()).collect();
        assert_eq!(reasons.len(), 5, "{r:?}");
        assert!(reasons[0].contains("no date"), "{reasons:?}");
        assert!(reasons[1].contains("seq is beyond"), "{reasons:?}");
        assert!(reasons[2].contains("time since boot"), "{reasons:?}");
        assert!(reasons[4].contains("ahead of the hub"), "{reasons:?}");
        let months = archive_before(&store, &dir.path().join("data"), "2024-02", |_| {})
            .expect("the archive still works");
        assert_eq!(months.iter().map(|m| m.events).sum::<u64>(), 1);
    }

    #[test]
    fn a_month_that_changed_while_it_was_written_is_not_deleted() {
        let (_dir, store, kiosk, members) = fixture();
        let m = members[0];
        store
            .ingest(
                &kiosk,
                &protocol::wire::Received::page([
                    event(1, noon(1, 2), true, m),
                    event(2, noon(1, 3), true, m),
                ]),
            )
            .expect("ingest");
        let e = store
            .drop_month("2024-01", 1)
            .expect_err("a count that does not match");
        assert!(e.to_string().contains("nothing deleted"), "{e}");
        assert_eq!(
            store.months_before("2024-02").expect("months"),
            [("2024-01".to_string(), 2)]
        );
    }

    #[test]
    fn the_cut_keeps_whole_months() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).expect("date");
        assert_eq!(cut(d(2026, 11, 24), 24), "2024-11");
        assert_eq!(cut(d(2026, 1, 31), 1), "2025-12");
        assert_eq!(cut(d(2026, 3, 1), 0), "2026-03");
    }
}
