//! Attendance exported as CSV, for staff to take away on a USB stick.
//!
//! Only what the kiosk knows and may show: display names, member numbers,
//! visitors' age bands and purposes, and which check-ins staff voided (kept
//! in the file, marked). The file starts with a UTF-8 byte-order mark so
//! spreadsheet programs read the Chinese right, and is written to a temporary
//! name, flushed, then renamed, so a stick pulled out mid-way never holds a
//! half file under the real name.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::TimeZone;
use chrono_tz::Tz;
use protocol::text::spreadsheet_cell;

use crate::store::{DayEntry, Store, Who};

/// A day (`YYYY-MM-DD`) or a month (`YYYY-MM`) of attendance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Period {
    Day(chrono::NaiveDate),
    Month { year: i32, month: u32 },
}

impl Period {
    pub fn parse(text: &str) -> anyhow::Result<Period> {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(Period::Day(d));
        }
        let first = chrono::NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
            .with_context(|| {
                format!("{text:?} is neither a day (YYYY-MM-DD) nor a month (YYYY-MM)")
            })?;
        Ok(Period::Month {
            year: chrono::Datelike::year(&first),
            month: chrono::Datelike::month(&first),
        })
    }

    /// The first and last local dates, `YYYY-MM-DD`.
    pub fn dates(&self) -> (String, String) {
        match self {
            Period::Day(d) => {
                let d = d.format("%Y-%m-%d").to_string();
                (d.clone(), d)
            }
            Period::Month { year, month } => (
                format!("{year:04}-{month:02}-01"),
                format!("{year:04}-{month:02}-31"),
            ),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Period::Day(d) => d.format("%Y-%m-%d").to_string(),
            Period::Month { year, month } => format!("{year:04}-{month:02}"),
        }
    }
}

const HEADER: [&str; 10] = [
    "日期 date",
    "时间 time",
    "类型 kind",
    "会员号 member number",
    "称呼 display name",
    "年龄段 age band",
    "来访目的 purpose",
    "状态 status",
    "作废原因 void reason",
    "作废人 voided by",
];

/// The CSV text of some check-ins.
pub fn to_csv(entries: &[DayEntry], tz: Tz) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(HEADER)?;
        for e in entries {
            let local = tz.timestamp_millis_opt(e.at_ms).single();
            let date = local.map(|t| t.format("%Y-%m-%d").to_string());
            let time = local.map(|t| t.format("%H:%M:%S").to_string());
            let (kind, number, name, age, purpose) = match &e.who {
                Who::Member {
                    member_id,
                    display_name,
                } => (
                    "会员 member",
                    member_id.to_string(),
                    display_name.clone().unwrap_or_default(),
                    String::new(),
                    String::new(),
                ),
                Who::Visitor { age_band, purpose } => (
                    "访客 visitor",
                    String::new(),
                    String::new(),
                    age_band.map(|a| a.code().to_string()).unwrap_or_default(),
                    purpose.map(|p| p.code().to_string()).unwrap_or_default(),
                ),
            };
            let (status, reason, by) = match &e.voided {
                None => ("有效 counted", String::new(), String::new()),
                Some((r, by)) => ("已作废 voided", r.code().to_string(), by.clone()),
            };
            let cells = [
                date.unwrap_or_default(),
                time.unwrap_or_default(),
                kind.to_string(),
                number,
                name,
                age,
                purpose,
                status.to_string(),
                reason,
                by,
            ];
            // A staff name such as "=HYPERLINK(…)" is shown, never run.
            w.write_record(cells.iter().map(|c| spreadsheet_cell(c).into_owned()))?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// Writes a period's attendance into `dir` and returns the file's path.
pub fn export(
    store: &Store,
    tz: Tz,
    center_id: u64,
    period: &Period,
    dir: &Path,
) -> anyhow::Result<PathBuf> {
    let (from, to) = period.dates();
    let entries = store.entries_between(&from, &to)?;
    let bytes = to_csv(&entries, tz)?;
    let name = format!("attendance-center{center_id}-{}.csv", period.label());
    let path = dir.join(&name);
    let tmp = dir.join(format!(".{name}.part"));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        // The rename itself reaches the stick only with the folder synced.
        std::fs::File::open(dir)?.sync_all()
    };
    write().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Mounted removable media (USB sticks), from the text of `/proc/mounts`:
/// USB disks (`/dev/sd*`) mounted under `/media` or `/run/media`, as the
/// desktop automounter or udisks put them. The board's own SD card
/// (`/dev/mmcblk*`) is never one.
pub fn usb_sticks(proc_mounts: &str) -> Vec<PathBuf> {
    proc_mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (dev, at) = (f.next()?, f.next()?);
            let at = at.replace("\\040", " ");
            (dev.starts_with("/dev/sd")
                && (at.starts_with("/media/") || at.starts_with("/run/media/")))
            .then(|| PathBuf::from(at))
        })
        .collect()
}

/// Where an export goes: the first USB stick found, unless the settings name
/// a folder (`export_dir`, for kiosks that mount sticks elsewhere).
pub fn target(config_dir: Option<&Path>) -> Option<PathBuf> {
    if let Some(d) = config_dir {
        return d.is_dir().then(|| d.to_path_buf());
    }
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    usb_sticks(&mounts).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::catalog::{AgeBand, ServiceCategory};
    use protocol::wire::VoidReason;

    #[test]
    fn usb_sticks_are_found_and_the_boards_own_card_is_not() {
        let mounts = "/dev/mmcblk0p2 / ext4 rw 0 0\n\
                      /dev/mmcblk0p3 /media/data ext4 rw 0 0\n\
                      /dev/sda1 /media/kiosk/USB\\040DISK vfat rw 0 0\n\
                      /dev/sdb1 /mnt/other vfat rw 0 0\n\
                      tmpfs /run tmpfs rw 0 0\n";
        assert_eq!(
            usb_sticks(mounts),
            vec![PathBuf::from("/media/kiosk/USB DISK")]
        );
    }

    #[test]
    fn periods_parse_as_a_day_or_a_month() {
        assert_eq!(
            Period::parse("2026-11").expect("month").dates(),
            ("2026-11-01".to_string(), "2026-11-31".to_string())
        );
        assert_eq!(
            Period::parse("2026-11-24").expect("day").label(),
            "2026-11-24"
        );
        assert!(Period::parse("November").is_err());
        assert!(Period::parse("2026-13").is_err());
    }

    #[test]
    fn the_csv_has_a_bom_a_header_and_marks_voided_rows() {
        let entries = vec![
            DayEntry {
                seq: 1,
                at_ms: 1_795_483_800_000,
                who: Who::Member {
                    member_id: 10_000_001,
                    display_name: Some("林同学".into()),
                },
                voided: None,
            },
            DayEntry {
                seq: 2,
                at_ms: 1_795_483_860_000,
                who: Who::Visitor {
                    age_band: Some(AgeBand::From18To24),
                    purpose: Some(ServiceCategory::Sports),
                },
                voided: Some((VoidReason::Duplicate, "前台, \"A\"".into())),
            },
        ];
        let bytes = to_csv(&entries, chrono_tz::Asia::Shanghai).expect("csv");
        let text = String::from_utf8(bytes).expect("utf-8");
        assert!(text.starts_with('\u{feff}'));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[1],
            "2026-11-24,09:30:00,会员 member,10000001,林同学,,,有效 counted,,"
        );
        assert_eq!(
            lines[2],
            "2026-11-24,09:31:00,访客 visitor,,,from18_to24,sports,已作废 voided,duplicate,\"前台, \"\"A\"\"\""
        );
        // A staff card labelled like a formula is written as text.
        let formula = vec![DayEntry {
            voided: Some((
                VoidReason::Duplicate,
                "=HYPERLINK(\"http://x\",\"ok\")".into(),
            )),
            ..entries[1].clone()
        }];
        let text = String::from_utf8(to_csv(&formula, chrono_tz::Asia::Shanghai).expect("csv"))
            .expect("utf-8");
        assert!(
            text.lines()
                .nth(1)
                .is_some_and(|l| l.ends_with(",\"'=HYPERLINK(\"\"http://x\"\",\"\"ok\"\")\"")),
            "{text}"
        );
    }
}
